/*
 * The stream test with the guest in a thread of the same process, sharing
 * one mapping, so that ThreadSanitizer sees every access both sides make
 * to the rings and the pool (it cannot follow two processes). Messages of
 * random sizes, both directions at once, inline and through slots, wraps
 * and pool exhaustion; every payload checksummed.
 *
 * 100 000 messages each way (the million between two processes is
 * check_stream's); $ROAM_TEST_MESSAGES scales it for sanitizers.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc_util.h"
#include "roam_port.h"
#include "stream.h"
#include "test_run.h"

#define RUN_MS 240000u

static const roam_size_class_t k_classes[] = {{512, 6}, {2048, 6}, {8192, 2}};

static const roam_segment_config_t k_cfg = {
    .max_guests = 1,
    .bipbuf_capacity = 2048,
    .max_payload_size = 8192 - 4,
    .num_classes = 3,
    .classes = k_classes,
};

static const stream_shape_t k_shape = {
    .inline_max = ROAM_DEFAULT_INLINE_THRESHOLD,
    .max_len = 8192 - 4,
    .slot_pct = 40,
};

typedef struct side {
    roam_segment_t seg;
    roam_port_t port;
    uint64_t n, seed_out, seed_in;
    bool blocking;
    bool ok;
    stream_result_t r;
} side_t;

static void *run_side(void *arg)
{
    side_t *s = arg;

    s->ok = stream_run(&s->port, s->n, s->seed_out, s->seed_in, &k_shape, s->blocking, RUN_MS,
                       &s->r);
    return NULL;
}

static void run_threads(uint64_t n, bool use_doorbell, unsigned flags, bool blocking)
{
    char dir[256], path[300];
    side_t host, guest;
    pthread_t th;
    roam_diag_t d;
    int fds[2] = {-1, -1};
    uint32_t index;

    ck_assert(proc_tmpdir_make(dir, sizeof dir));
    proc_path(path, sizeof path, dir, "seg");
    memset(&host, 0, sizeof host);
    memset(&guest, 0, sizeof guest);
    ck_assert_int_eq(roam_segment_create(&host.seg, path, &k_cfg, &d), ROAM_OK);
    ck_assert_int_eq(roam_host_reserve(&host.seg, &index, NULL, &d), ROAM_OK);

    /* The guest's handle shares the host's mapping. */
    guest.seg = host.seg;
    guest.seg.is_host = false;
    guest.seg.peer_index = ROAM_NO_PEER;
    ck_assert_int_eq(roam_guest_claim(&guest.seg, index, NULL, &d), ROAM_OK);
    if (use_doorbell)
        ck_assert_int_eq(roam_doorbell_pair(fds, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&host.port, &host.seg, index, fds[0], flags, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&guest.port, &guest.seg, index, fds[1], flags, &d), ROAM_OK);

    host.n = guest.n = n;
    host.seed_out = guest.seed_in = 11;
    host.seed_in = guest.seed_out = 22;
    host.blocking = guest.blocking = blocking;
    ck_assert_int_eq(pthread_create(&th, NULL, run_side, &guest), 0);
    run_side(&host);
    pthread_join(th, NULL);

    ck_assert_msg(host.ok, "host: %s", host.r.error);
    ck_assert_msg(guest.ok, "guest: %s", guest.r.error);
    ck_assert_uint_eq(host.r.received, n);
    ck_assert_uint_eq(guest.r.received, n);
    ck_assert_uint_eq(host.r.checksum_received, guest.r.checksum_sent);
    ck_assert_uint_eq(guest.r.checksum_received, host.r.checksum_sent);
    ck_assert_uint_gt(host.r.received_slot, 0);
    ck_assert_uint_gt(host.r.received_inline, 0);
    ck_assert_uint_gt(host.r.wraps + guest.r.wraps, 0);
    ck_assert_uint_gt(host.r.stats.pool_exhausted + guest.r.stats.pool_exhausted, 0);

    /* Detach, recover: every slot free again. */
    ck_assert_int_eq(roam_guest_detach(&guest.seg, &d), ROAM_OK);
    ck_assert_int_eq(roam_host_recover(&host.seg, index, &d), ROAM_OK);
    for (uint32_t c = 0; c < k_cfg.num_classes; c++) {
        uint32_t free_slots;

        ck_assert_int_eq(roam_pool_count_free(&host.port.pool, c, &free_slots), ROAM_OK);
        ck_assert_uint_eq(free_slots, k_classes[c].slot_count);
    }
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    roam_segment_close(&host.seg);
    roam_segment_unlink(path, NULL);
    proc_tmpdir_remove(dir);
}

START_TEST(threads_spinning)
{
    run_threads(stream_count(100000), false, 0, false);
}
END_TEST

START_TEST(threads_lazy_doorbell)
{
    run_threads(stream_count(100000) / 4, true, ROAM_PORT_LAZY_DOORBELL, true);
}
END_TEST

START_TEST(threads_doorbell)
{
    run_threads(stream_count(100000) / 4, true, 0, true);
}
END_TEST

static Suite *stream_threads_suite(void)
{
    Suite *s = suite_create("stream_threads");
    TCase *tc = tcase_create("threads");

    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, threads_spinning);
    tcase_add_test(tc, threads_lazy_doorbell);
    tcase_add_test(tc, threads_doorbell);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(stream_threads_suite());
}
