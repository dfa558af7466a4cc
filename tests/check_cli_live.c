/*
 * The roam-shm tool on a live segment: real guest processes attached and
 * beating, the tool's dump and validate agreeing with what they see, and
 * `roam-shm goodbye` making every guest detach.
 *
 * Environment: ROAM_SHM_CLI (the binary).
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "proc_util.h"
#include "roam_segment.h"
#include "test_run.h"

#define GUESTS 2
#define INTERVAL_NS 20000000u /* 20 ms heartbeats */

static char dir[256];
static char path[300];

static void setup(void)
{
    ck_assert(proc_tmpdir_make(dir, sizeof dir));
    proc_path(path, sizeof path, dir, "live.seg");
}

static void teardown(void)
{
    proc_tmpdir_remove(dir);
}

/* A host segment with heartbeats on and room for more guests than attach. */
static void create_host(roam_segment_t *host)
{
    static const roam_size_class_t classes[] = {{512, 4}};
    const roam_segment_config_t cfg = {
        .max_guests = GUESTS + 1, .bipbuf_capacity = 1024, .max_payload_size = 4096,
        .heartbeat_interval = INTERVAL_NS, .num_classes = 1, .classes = classes,
    };
    roam_diag_t diag;
    ck_assert_msg(roam_segment_create(host, path, &cfg, &diag) == ROAM_OK, "%s", diag.msg);
}

/* A guest: attach, beat every 5 ms until the host says goodbye, detach.
 * Exit 0 on an orderly goodbye, 10+ on a failure, 20 on the deadline. */
static int guest(void *arg)
{
    (void)arg;
    roam_segment_t seg;
    roam_diag_t diag;
    uint32_t index;
    if (roam_segment_attach_timeout(&seg, path, 5000, &diag) != ROAM_OK)
        return 10;
    if (roam_guest_attach(&seg, &index, &diag) != ROAM_OK)
        return 11;
    uint64_t deadline = proc_deadline_ms(10000);
    while (!roam_segment_host_gone(&seg)) {
        if (proc_past(deadline))
            return 20;
        if (roam_guest_heartbeat(&seg, roam_clock_now_ns(), &diag) != ROAM_OK)
            return 12;
        proc_sleep_ms(5);
    }
    if (roam_guest_detach(&seg, &diag) != ROAM_OK)
        return 13;
    roam_segment_close(&seg);
    return 0;
}

/* Number of peer entries in `state`, read live. */
static uint32_t count_state(roam_segment_t *host, uint32_t state)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < GUESTS + 1; i++)
        n += roam_peer_entry_load_state(roam_segment_peer_at(host, i)) == state;
    return n;
}

/* The value of "key=" in the dump text; fails the test when absent. */
static uint64_t dump_value(const char *text, const char *key)
{
    char want[128];
    snprintf(want, sizeof want, "\n%s=", key);
    const char *at = strstr(text, want);
    ck_assert_msg(at != NULL, "dump has no %s line", key);
    return strtoull(at + strlen(want), NULL, 10);
}

START_TEST(goodbye_detaches_live_guests)
{
    roam_segment_t host;
    create_host(&host);
    pid_t pids[GUESTS];
    for (int i = 0; i < GUESTS; i++)
        ck_assert_int_gt(pids[i] = proc_spawn(guest, NULL), 0);

    /* Both guests attached and beating. */
    uint64_t deadline = proc_deadline_ms(5000);
    while (count_state(&host, ROAM_PEER_STATE_ATTACHED) < GUESTS ||
           roam_peer_entry_load_last_heartbeat(roam_segment_peer_at(&host, 0)) == 0 ||
           roam_peer_entry_load_last_heartbeat(roam_segment_peer_at(&host, 1)) == 0) {
        ck_assert_msg(!proc_past(deadline), "guests did not attach");
        proc_sleep_ms(2);
    }

    /* The tool sees what the processes see: valid, two attached guests at
     * epoch 1 with a recent heartbeat, one empty entry without an age. */
    cli_result_t r;
    cli_run(&r, "validate", path, NULL);
    ck_assert_msg(r.status == 0 && strcmp(r.out, "ok\n") == 0, "%s", r.err);
    cli_result_free(&r);
    cli_run(&r, "dump", path, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    for (int i = 0; i < GUESTS; i++) {
        char key[64];
        snprintf(key, sizeof key, "peers.%d.state=attached", i);
        ck_assert_msg(cli_has_line(r.out, key), "missing %s", key);
        snprintf(key, sizeof key, "peers.%d.epoch=1", i);
        ck_assert_msg(cli_has_line(r.out, key), "missing %s", key);
        snprintf(key, sizeof key, "peers.%d.heartbeat_age_ns", i);
        uint64_t age = dump_value(r.out, key);
        ck_assert_msg(age < 1000000000u, "%s = %" PRIu64 " ns: not a recent beat", key, age);
    }
    ck_assert(cli_has_line(r.out, "peers.2.state=empty"));
    ck_assert_ptr_null(strstr(r.out, "peers.2.heartbeat_age_ns"));
    ck_assert(cli_has_line(r.out, "host_goodbye=0"));
    cli_result_free(&r);

    /* roam-shm goodbye: every guest observes it and detaches in order. */
    cli_run(&r, "goodbye", path, NULL);
    ck_assert_msg(r.status == 0 && r.out[0] == '\0', "status %d: %s", r.status, r.err);
    cli_result_free(&r);
    ck_assert(roam_segment_host_gone(&host));
    proc_status_t st[GUESTS];
    int ok = proc_wait_all(pids, GUESTS, 10000, st);
    for (int i = 0; i < GUESTS; i++) {
        char buf[64];
        ck_assert_msg(st[i].exited && st[i].code == 0, "guest %d: %s", i,
                      proc_status_str(&st[i], buf, sizeof buf));
    }
    ck_assert_int_eq(ok, GUESTS);
    ck_assert_uint_eq(count_state(&host, ROAM_PEER_STATE_GOODBYE), GUESTS);

    /* And the dump says so. */
    cli_run(&r, "dump", path, NULL);
    ck_assert(cli_has_line(r.out, "host_goodbye=1"));
    ck_assert(cli_has_line(r.out, "peers.0.state=goodbye"));
    ck_assert(cli_has_line(r.out, "peers.1.state=goodbye"));
    cli_result_free(&r);
    roam_segment_close(&host);
}
END_TEST

START_TEST(goodbye_refuses_what_is_not_a_segment)
{
    /* A missing file: I/O error, exit 2. */
    cli_result_t r;
    cli_run(&r, "goodbye", path, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, path));
    cli_result_free(&r);

    /* A segment with a bad magic: exit 1 with the rule's message, file untouched. */
    roam_segment_t host;
    create_host(&host);
    roam_segment_header(&host)->magic[0] ^= 0xFF;
    cli_run(&r, "goodbye", path, NULL);
    ck_assert_int_eq(r.status, 1);
    char want[400];
    snprintf(want, sizeof want, "%s: %s\n", path, roam_strerror(ROAM_E_BAD_MAGIC));
    ck_assert_str_eq(r.err, want);
    cli_result_free(&r);
    ck_assert_uint_eq(roam_segment_header_load_host_goodbye(roam_segment_header(&host)), 0);
    roam_segment_close(&host);

    /* Usage. */
    cli_run(&r, "goodbye", NULL);
    ck_assert_int_eq(r.status, 2);
    cli_result_free(&r);
    cli_run(&r, "goodbye", "--help", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: roam-shm goodbye FILE"));
    cli_result_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_live");
    TCase *tc = tcase_create("cli_live");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, goodbye_detaches_live_guests);
    tcase_add_test(tc, goodbye_refuses_what_is_not_a_segment);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
