/*
 * A stale guest never evicts the next one. A guest that stalls between
 * deciding its entry is still its own and writing to it, is declared dead
 * and recovered meanwhile, and whose entry another guest then takes, must
 * not write into that guest's entry when it resumes.
 *
 * The stall is forced, exactly at the write: the page of the stale guest's
 * entry is made read-only in its mapping, so its first write to the entry
 * faults; the SIGSEGV handler makes the page writable again and, before
 * returning to retry the write, runs the host's recovery and the next
 * guest's attach through their own mappings. A library that checks
 * ownership and then writes with a plain store fails here every time.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proc_util.h"
#include "roam_segment.h"
#include "test_run.h"

/* What the forced stall does, once, on the first write to the page. */
static struct {
    void *page;             /* the read-only page, NULL when disarmed */
    size_t page_size;
    int fired;
    roam_segment_t *host;
    roam_segment_t *next;   /* the guest that takes the recovered entry */
    uint32_t index;
} g_stall;

/* The stalled guest's entry is declared dead and recovered, and the next
 * guest attaches to it, all before the stalled write lands. */
static void stall(void)
{
    roam_diag_t d;
    uint32_t index = UINT32_MAX;

    g_stall.fired++;
    if (roam_host_recover(g_stall.host, g_stall.index, &d) != ROAM_OK ||
        roam_guest_attach(g_stall.next, &index, &d) != ROAM_OK || index != g_stall.index) {
        fprintf(stderr, "stall: %s\n", d.msg);
        abort();
    }
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    char *at = si->si_addr;
    char *page = g_stall.page;

    (void)uc;
    if (page != NULL && at >= page && at < page + g_stall.page_size) {
        mprotect(page, g_stall.page_size, PROT_READ | PROT_WRITE);
        g_stall.page = NULL;
        stall();
        return;   /* the write is retried, now over the next guest's entry */
    }
    signal(sig, SIG_DFL);   /* any other fault: die of it */
}

/* Stall the stale guest's next write to its entry. */
static void arm(const roam_segment_t *stale)
{
    struct sigaction sa;
    uintptr_t entry = (uintptr_t)roam_segment_peer_at(stale, g_stall.index);

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
    g_stall.page_size = (size_t)sysconf(_SC_PAGESIZE);
    g_stall.page = (void *)(entry - entry % g_stall.page_size);
    ck_assert_int_eq(mprotect(g_stall.page, g_stall.page_size, PROT_READ), 0);
}

/* ---- Fixture: a host, a guest that will stall, the next guest ---------------*/

static char g_dir[256];
static char g_path[512];
static roam_segment_t g_host, g_stale, g_next;

static void setup(void)
{
    static const roam_size_class_t classes[] = {{512, 4}};
    const roam_segment_config_t cfg = {
        .max_guests = 2, .bipbuf_capacity = 512, .max_payload_size = 512,
        .heartbeat_interval = 1000000, .num_classes = 1, .classes = classes,
    };
    roam_diag_t d;

    ck_assert(proc_tmpdir_make(g_dir, sizeof g_dir));
    proc_path(g_path, sizeof g_path, g_dir, "seg");
    ck_assert_int_eq(roam_segment_create(&g_host, g_path, &cfg, &d), ROAM_OK);
    ck_assert_int_eq(roam_segment_attach(&g_stale, g_path, &d), ROAM_OK);
    ck_assert_int_eq(roam_segment_attach(&g_next, g_path, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_attach(&g_stale, &g_stall.index, &d), ROAM_OK);
    ck_assert_uint_eq(g_stale.peer_epoch, 1);
    g_stall.host = &g_host;
    g_stall.next = &g_next;
    g_stall.fired = 0;
}

static void teardown(void)
{
    roam_segment_close(&g_next);
    roam_segment_close(&g_stale);
    roam_segment_close(&g_host);
    proc_tmpdir_remove(g_dir);
}

/* The next guest still owns the entry: Attached at its own epoch. */
static void expect_next_owns(void)
{
    roam_peer_entry_t *p = roam_segment_peer_at(&g_host, g_stall.index);
    roam_diag_t d;

    ck_assert_int_eq(g_stall.fired, 1);
    ck_assert_uint_eq(g_next.peer_epoch, 2);
    ck_assert_msg(roam_peer_entry_load_state(p) == ROAM_PEER_STATE_ATTACHED,
                  "the next guest lost its entry: state %u", roam_peer_entry_load_state(p));
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 2);
    ck_assert_int_eq(roam_guest_heartbeat(&g_next, roam_clock_now_ns(), &d), ROAM_OK);
}

START_TEST(stale_detach_never_evicts)
{
    roam_diag_t d;
    roam_err_t err;

    arm(&g_stale);
    err = roam_guest_detach(&g_stale, &d);
    ck_assert_msg(err == ROAM_E_PEER_BUSY, "stale detach: %s", roam_errname(err));
    ck_assert_uint_eq(g_stale.peer_index, ROAM_NO_PEER);
    ck_assert_ptr_nonnull(strstr(d.msg, "epoch 2"));
    expect_next_owns();
    /* And the next guest leaves in order. */
    ck_assert_int_eq(roam_guest_detach(&g_next, &d), ROAM_OK);
}
END_TEST

START_TEST(stale_heartbeat_never_evicts)
{
    /* A time from before the stall, far older than two intervals: left in
     * the next guest's entry, the host's sweep would find that guest's
     * heartbeat expired and recover it. */
    const uint64_t stale_time = 4242;
    roam_peer_entry_t *p;
    roam_sweep_t sweep;
    roam_diag_t d;
    roam_err_t err;

    arm(&g_stale);
    err = roam_guest_heartbeat(&g_stale, stale_time, &d);
    /* The stale guest learns it lost the entry... */
    ck_assert_msg(err == ROAM_E_PEER_BUSY, "stale heartbeat: %s", roam_errname(err));
    ck_assert_uint_eq(g_stale.peer_index, ROAM_NO_PEER);
    ck_assert_msg(strstr(d.msg, "taken back") != NULL, "%s", d.msg);
    /* ...its time did land in the next guest's entry (a 64-bit time cannot
     * be stored together with state and epoch), and was taken back out:
     * "never beat", which the host times from its own first look. */
    p = roam_segment_peer_at(&g_host, g_stall.index);
    ck_assert_uint_eq(roam_peer_entry_load_last_heartbeat(p), 0);
    roam_host_sweep(&g_host, roam_clock_now_ns(), &sweep);
    ck_assert_uint_eq(sweep.dead, 0);
    expect_next_owns();
}
END_TEST

START_TEST(stale_heartbeat_check_before_store)
{
    /* Recovered before the call: nothing is stored at all. */
    roam_peer_entry_t *p = roam_segment_peer_at(&g_host, g_stall.index);
    roam_diag_t d;
    uint32_t index;

    ck_assert_int_eq(roam_host_recover(&g_host, g_stall.index, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_attach(&g_next, &index, &d), ROAM_OK);
    ck_assert_uint_eq(index, g_stall.index);
    ck_assert_int_eq(roam_guest_heartbeat(&g_next, 777, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_heartbeat(&g_stale, 4242, &d), ROAM_E_PEER_BUSY);
    ck_assert_ptr_null(strstr(d.msg, "taken back"));
    ck_assert_uint_eq(roam_peer_entry_load_last_heartbeat(p), 777);
}
END_TEST

START_TEST(stale_close_never_evicts)
{
    /* close() detaches a guest that still holds an entry. */
    arm(&g_stale);
    roam_segment_close(&g_stale);
    expect_next_owns();
}
END_TEST

START_TEST(remaining_window_two_step_attach)
{
    /* The narrowed window, exactly: a peer that attaches the way roam's own
     * do, in two steps (state Empty -> Attached, then epoch + 1), shows
     * Attached with the old epoch in between. A stale guest whose detach
     * lands in that gap still matches. The library's own attach is one
     * step, so this needs a roam peer as the next guest. */
    roam_peer_entry_t *p = roam_segment_peer_at(&g_host, g_stall.index);
    roam_diag_t d;
    uint32_t found;

    ck_assert_int_eq(roam_host_recover(&g_host, g_stall.index, &d), ROAM_OK);
    ck_assert(roam_peer_entry_state_attach(p, &found));                 /* roam step 1 */
    ck_assert_int_eq(roam_guest_detach(&g_stale, &d), ROAM_OK);         /* lands in the gap */
    ck_assert_uint_eq(roam_peer_entry_epoch_bump(p, 1), 1);              /* roam step 2 */
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_GOODBYE);

    /* After step 2 the window is closed again. */
    roam_peer_reset(p);
    ck_assert_int_eq(roam_guest_attach(&g_stale, NULL, &d), ROAM_OK);   /* epoch 3 */
    ck_assert_uint_eq(g_stale.peer_epoch, 3);
    ck_assert_int_eq(roam_host_recover(&g_host, g_stall.index, &d), ROAM_OK);
    ck_assert(roam_peer_entry_state_attach(p, &found));
    roam_peer_entry_epoch_bump(p, 1);                                    /* epoch 4 */
    ck_assert_int_eq(roam_guest_detach(&g_stale, &d), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_ATTACHED);
}
END_TEST

static Suite *stale_suite(void)
{
    Suite *s = suite_create("stale_guest");
    TCase *tc = tcase_create("stall");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, stale_detach_never_evicts);
    tcase_add_test(tc, stale_heartbeat_never_evicts);
    tcase_add_test(tc, stale_heartbeat_check_before_store);
    tcase_add_test(tc, stale_close_never_evicts);
    tcase_add_test(tc, remaining_window_two_step_attach);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(stale_suite());
}
