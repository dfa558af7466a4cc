/*
 * Two real processes exchange messages of random sizes in both directions
 * at once, inline and through slots, through ring wrap-around and pool
 * exhaustion; every payload carries its sequence number and a checksum.
 * Nothing may be lost, repeated, reordered or corrupted, and once the
 * guest is gone and recovered every slot is free again.
 *
 * The main run sends 500 000 messages each way (a million in all);
 * $ROAM_TEST_MESSAGES scales it down for sanitizer runs.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc_util.h"
#include "roam_port.h"
#include "stream.h"
#include "test_run.h"

#define TEST_TIMEOUT_S 300
#define RUN_MS 240000u

/* A 4 KiB ring wraps every few messages; the 52 slots (only 4 of the
 * largest) run out whenever the receiver falls behind. */
static const roam_size_class_t k_classes[] = {{512, 32}, {2048, 16}, {8192, 4}};

static const roam_segment_config_t k_cfg = {
    .max_guests = 2,
    .bipbuf_capacity = 4096,
    .max_payload_size = 8192 - 4,
    .inline_threshold = 0,   /* 256 */
    .heartbeat_interval = 0,
    .num_classes = 3,
    .classes = k_classes,
};

static const stream_shape_t k_shape = {
    .inline_max = ROAM_DEFAULT_INLINE_THRESHOLD,
    .max_len = 8192 - 4,
    .slot_pct = 40,
};

#define SEED_HOST 0x1234u
#define SEED_GUEST 0x9876u

/* What the guest process is told, and what it reports (shared memory). */
typedef struct guest_job {
    char path[256];
    uint32_t index;
    int doorbell;
    unsigned flags;
    bool blocking;
    uint64_t n;
    stream_result_t result;
    char error[200];
} guest_job_t;

static int guest_main(void *arg)
{
    guest_job_t *job = arg;
    roam_segment_t seg;
    roam_port_t port;
    roam_diag_t d;
    int rc = 0;

    if (roam_segment_attach_timeout(&seg, job->path, 10000, &d) != ROAM_OK ||
        roam_guest_claim(&seg, job->index, NULL, &d) != ROAM_OK ||
        roam_port_open(&port, &seg, job->index, job->doorbell, job->flags, &d) != ROAM_OK) {
        snprintf(job->error, sizeof job->error, "guest: %s", d.msg);
        return 1;
    }
    if (!stream_run(&port, job->n, SEED_GUEST, SEED_HOST, &k_shape, job->blocking, RUN_MS,
                    &job->result)) {
        snprintf(job->error, sizeof job->error, "guest: %s", job->result.error);
        rc = 2;
    }
    roam_segment_close(&seg);   /* goodbye */
    return rc;
}

/* Host and one guest process stream n messages each way. */
static void run_pair(uint64_t n, bool use_doorbell, unsigned flags, bool blocking)
{
    char dir[256];
    roam_segment_t host;
    roam_port_t port;
    roam_diag_t d;
    stream_result_t hr;
    guest_job_t *job = proc_shared_alloc(sizeof *job);
    int fds[2] = {-1, -1};
    proc_status_t st;
    char buf[64];
    uint64_t start, ms;
    uint32_t index;
    pid_t pid;
    bool ok;

    ck_assert(job != NULL);
    ck_assert(proc_tmpdir_make(dir, sizeof dir));
    proc_path(job->path, sizeof job->path, dir, "seg");
    ck_assert_int_eq(roam_segment_create(&host, job->path, &k_cfg, &d), ROAM_OK);
    ck_assert_int_eq(roam_host_reserve(&host, &index, NULL, &d), ROAM_OK);
    if (use_doorbell)
        ck_assert_int_eq(roam_doorbell_pair(fds, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&port, &host, index, fds[0], flags, &d), ROAM_OK);

    job->index = index;
    job->doorbell = fds[1];
    job->flags = flags;
    job->blocking = blocking;
    job->n = n;
    pid = proc_spawn(guest_main, job);
    ck_assert(pid > 0);
    if (fds[1] >= 0)
        close(fds[1]);   /* the guest's end lives in the guest */

    start = roam_clock_now_ns();
    ok = stream_run(&port, n, SEED_HOST, SEED_GUEST, &k_shape, blocking, RUN_MS, &hr);
    proc_wait_all(&pid, 1, RUN_MS, &st);
    ms = (roam_clock_now_ns() - start) / 1000000u;
    ck_assert_msg(ok, "host: %s (sent %llu, received %llu; guest: %s, sent %llu, received %llu)", hr.error, (unsigned long long)hr.sent, (unsigned long long)hr.received, job->error, (unsigned long long)job->result.sent, (unsigned long long)job->result.received);
    ck_assert_msg(st.exited && st.code == 0, "%s: %s", proc_status_str(&st, buf, sizeof buf),
                  job->error);

    /* Everything each side sent arrived, checksum for checksum. */
    ck_assert_uint_eq(hr.sent, n);
    ck_assert_uint_eq(hr.received, n);
    ck_assert_uint_eq(job->result.sent, n);
    ck_assert_uint_eq(job->result.received, n);
    ck_assert_uint_eq(hr.checksum_received, job->result.checksum_sent);
    ck_assert_uint_eq(job->result.checksum_received, hr.checksum_sent);

    /* Both paths, both rings wrapped, and the pool ran out. */
    ck_assert_uint_gt(hr.received_inline, 0);
    ck_assert_uint_gt(hr.received_slot, 0);
    ck_assert_uint_gt(job->result.received_slot, 0);
    ck_assert_uint_gt(hr.wraps, 0);
    ck_assert_uint_gt(job->result.wraps, 0);
    ck_assert_uint_gt(hr.stats.pool_exhausted + job->result.stats.pool_exhausted, 0);

    /* The guest said goodbye; recovering its entry leaves every slot free. */
    ck_assert_int_eq(roam_host_recover(&host, index, &d), ROAM_OK);
    for (uint32_t c = 0; c < k_cfg.num_classes; c++) {
        uint32_t free_slots;

        ck_assert_int_eq(roam_pool_count_free(&port.pool, c, &free_slots), ROAM_OK);
        ck_assert_uint_eq(free_slots, k_classes[c].slot_count);
    }
    printf("stream %llu each way (%s) in %llu ms: host %llu inline + %llu slot received, ring full %llu, "
           "pool exhausted %llu, wraps %llu, doorbells %llu, waits %llu\n",
           (unsigned long long)n,
           !use_doorbell ? "no doorbell" : (flags & ROAM_PORT_LAZY_DOORBELL) ? "lazy doorbell"
                                                                              : "doorbell",
           (unsigned long long)ms,
           (unsigned long long)hr.received_inline, (unsigned long long)hr.received_slot,
           (unsigned long long)(hr.stats.ring_full + job->result.stats.ring_full),
           (unsigned long long)(hr.stats.pool_exhausted + job->result.stats.pool_exhausted),
           (unsigned long long)(hr.wraps + job->result.wraps),
           (unsigned long long)(hr.stats.doorbells + job->result.stats.doorbells),
           (unsigned long long)(hr.waits + job->result.waits));

    if (fds[0] >= 0)
        close(fds[0]);
    roam_segment_close(&host);
    roam_segment_unlink(job->path, NULL);
    proc_tmpdir_remove(dir);
    proc_shared_free(job, sizeof *job);
}

START_TEST(million_messages_lazy_doorbell)
{
    run_pair(stream_count(500000), true, ROAM_PORT_LAZY_DOORBELL, true);
}
END_TEST

START_TEST(doorbell_every_message)
{
    run_pair(stream_count(500000) / 10, true, 0, true);
}
END_TEST

START_TEST(no_doorbell_spinning)
{
    run_pair(stream_count(500000) / 10, false, 0, false);
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("two_processes");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, million_messages_lazy_doorbell);
    tcase_add_test(tc, doorbell_every_message);
    tcase_add_test(tc, no_doorbell_spinning);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(stream_suite());
}
