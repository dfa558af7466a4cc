/*
 * Crash recovery (shm.crash.recovery): a guest process killed while it
 * holds slots (one received and not done, two reserved and not sent, two
 * sent and not read) and with slot references still unread in its
 * host-to-guest ring. Its death is seen on the doorbell at once (or by its
 * heartbeat); after roam_host_recover every slot is free again, the rings
 * are empty, and a new guest exchanges messages on the same entry.
 *
 * Children never call ck_assert: they report through exit codes and
 * shared memory, and the parent always reaps them.
 */
#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc_util.h"
#include "roam_port.h"
#include "test_run.h"

#define WAIT_MS 20000u

static const roam_size_class_t k_classes[] = {{1024, 8}, {4096, 4}};

static roam_segment_config_t config(uint64_t heartbeat_ns)
{
    return (roam_segment_config_t){
        .max_guests = 2,
        .bipbuf_capacity = 4096,
        .max_payload_size = 4000,
        .heartbeat_interval = heartbeat_ns,
        .num_classes = 2,
        .classes = k_classes,
    };
}

/* Slots in each state, counted from the pool's metadata. */
static uint32_t count_allocated(const roam_pool_t *p)
{
    uint32_t n = 0;

    for (uint32_t c = 0; c < p->num_classes; c++)
        for (uint32_t i = 0; i < p->slot_count[c]; i++) {
            roam_slot_t s = {(uint8_t)c, 0, i, 0};

            n += roam_pool_owner(p, s) != UINT32_MAX &&
                 roam_var_slot_meta_load_state((roam_var_slot_meta_t *)(p->base + p->meta_off[c]) +
                                               i) == ROAM_SLOT_STATE_ALLOCATED;
        }
    return n;
}

/* Every slot Free and on its free list. */
static void expect_all_free(const roam_pool_t *p)
{
    ck_assert_uint_eq(count_allocated(p), 0);
    for (uint32_t c = 0; c < p->num_classes; c++) {
        uint32_t n;

        ck_assert_int_eq(roam_pool_count_free(p, c, &n), ROAM_OK);
        ck_assert_uint_eq(n, p->slot_count[c]);
    }
}

/* ---- The guest that dies holding slots -------------------------------------*/

typedef struct job {
    char path[256];
    uint32_t index;
    int doorbell;
    _Atomic uint32_t ready;   /* 1: holding everything, waiting to be killed */
    _Atomic uint32_t step;    /* where a failing child stopped */
    uint32_t echoed;          /* the second guest: messages echoed */
} job_t;

static int holder_main(void *arg)
{
    job_t *job = arg;
    roam_segment_t seg;
    roam_port_t port;
    roam_rx_t m;
    roam_tx_t tx[2];
    char big[3000];

    atomic_store(&job->step, 1);
    if (roam_segment_attach_timeout(&seg, job->path, 10000, NULL) != ROAM_OK ||
        roam_guest_claim(&seg, job->index, NULL, NULL) != ROAM_OK ||
        roam_port_open(&port, &seg, job->index, job->doorbell, 0, NULL) != ROAM_OK)
        return 1;

    /* Two slot messages from the host: the first done, the second held. */
    atomic_store(&job->step, 2);
    if (roam_port_recv_wait(&port, &m, 10000) != ROAM_OK || m.kind != ROAM_FRAME_SLOT_REF ||
        roam_port_done(&port, &m) != ROAM_OK)
        return 2;
    if (roam_port_recv_wait(&port, &m, 10000) != ROAM_OK || m.kind != ROAM_FRAME_SLOT_REF)
        return 3;

    /* Two slots reserved and never sent, two slot messages the host never reads. */
    atomic_store(&job->step, 4);
    memset(big, 'g', sizeof big);
    if (roam_port_reserve(&port, 2000, &tx[0]) != ROAM_OK ||
        roam_port_reserve(&port, 600, &tx[1]) != ROAM_OK ||
        tx[0].kind != ROAM_FRAME_SLOT_REF || tx[1].kind != ROAM_FRAME_SLOT_REF ||
        roam_port_send(&port, big, 3000) != ROAM_OK || roam_port_send(&port, big, 700) != ROAM_OK)
        return 4;

    atomic_store_explicit(&job->ready, 1, memory_order_release);
    for (;;)
        pause();   /* until SIGKILL */
}

/* ---- The guest that comes after ----------------------------------------------*/

static int echo_main(void *arg)
{
    job_t *job = arg;
    roam_segment_t seg;
    roam_port_t port;
    roam_rx_t m;
    int rc = 0;

    if (roam_segment_attach_timeout(&seg, job->path, 10000, NULL) != ROAM_OK ||
        roam_guest_claim(&seg, job->index, NULL, NULL) != ROAM_OK ||
        roam_port_open(&port, &seg, job->index, job->doorbell, 0, NULL) != ROAM_OK)
        return 1;
    /* Echo until the host says goodbye. */
    for (;;) {
        roam_err_t err = roam_port_recv_wait(&port, &m, 10000);

        if (err == ROAM_E_PEER_GONE)
            break;
        if (err != ROAM_OK) {
            rc = 2;
            break;
        }
        err = roam_port_send_wait(&port, m.data, m.len, 10000);
        if (roam_port_done(&port, &m) != ROAM_OK || err != ROAM_OK) {
            rc = 3;
            break;
        }
        job->echoed++;
    }
    roam_segment_close(&seg);
    return rc;
}

/* ---- Host side ------------------------------------------------------------------*/

typedef struct host {
    char dir[256];
    roam_segment_t seg;
    roam_port_t port;
    int fds[2];
    job_t *job;
    uint32_t index;
} host_t;

static void host_start(host_t *h, uint64_t heartbeat_ns)
{
    roam_segment_config_t cfg = config(heartbeat_ns);
    roam_diag_t d;

    h->job = proc_shared_alloc(sizeof *h->job);
    ck_assert(h->job != NULL);
    ck_assert(proc_tmpdir_make(h->dir, sizeof h->dir));
    proc_path(h->job->path, sizeof h->job->path, h->dir, "seg");
    ck_assert_int_eq(roam_segment_create(&h->seg, h->job->path, &cfg, &d), ROAM_OK);
}

/* Reserve an entry, make a doorbell and start fn as its guest. */
static pid_t host_spawn(host_t *h, int (*fn)(void *))
{
    roam_diag_t d;
    pid_t pid;

    ck_assert_int_eq(roam_host_reserve(&h->seg, &h->index, NULL, &d), ROAM_OK);
    ck_assert_int_eq(roam_doorbell_pair(h->fds, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&h->port, &h->seg, h->index, h->fds[0], 0, &d), ROAM_OK);
    h->job->index = h->index;
    h->job->doorbell = h->fds[1];
    atomic_store(&h->job->ready, 0);
    pid = proc_spawn(fn, h->job);
    ck_assert(pid > 0);
    close(h->fds[1]);
    return pid;
}

static void host_end(host_t *h)
{
    close(h->fds[0]);
    roam_segment_close(&h->seg);
    roam_segment_unlink(h->job->path, NULL);
    proc_tmpdir_remove(h->dir);
    proc_shared_free(h->job, sizeof *h->job);
}

/* Put the holder in place: 5 slot messages and 2 inline ones to it; it
 * takes two, holds one and makes its own four. */
static pid_t start_holder(host_t *h)
{
    char big[900];   /* 1024-byte slots */
    pid_t pid = host_spawn(h, holder_main);

    memset(big, 'h', sizeof big);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(roam_port_send(&h->port, big, sizeof big - (size_t)i), ROAM_OK);
        if (i == 2)
            ck_assert_int_eq(roam_port_send(&h->port, "inline", 6), ROAM_OK);
    }
    ck_assert_int_eq(roam_port_send(&h->port, "tail", 4), ROAM_OK);
    ck_assert_msg(proc_wait_ge(&h->job->ready, 1, proc_deadline_ms(WAIT_MS)),
                  "holder stopped at step %u", atomic_load(&h->job->step));

    /* 3 unread slot references to it, 1 held, 2 reserved, 2 sent to us. */
    ck_assert_uint_eq(count_allocated(&h->port.pool), 8);
    return pid;
}

/* After recovery: entry Empty, rings empty, every slot free; then a new
 * guest on the same entry echoes inline and slot messages. */
static void expect_recovered_then_reused(host_t *h)
{
    roam_peer_entry_t *e = roam_segment_peer_at(&h->seg, h->index);
    roam_rx_t m;
    char msg[3000];
    proc_status_t st;
    pid_t pid;

    ck_assert_uint_eq(roam_peer_entry_load_state(e), ROAM_PEER_STATE_EMPTY);
    for (int dir = 0; dir < 2; dir++) {
        roam_bipbuf_header_t *r =
            roam_segment_ring(h->seg.base, &h->seg.snap, h->index, (enum roam_ring_dir)dir);

        ck_assert_uint_eq(roam_bipbuf_header_load_write(r), 0);
        ck_assert_uint_eq(roam_bipbuf_header_load_read(r), 0);
        ck_assert_uint_eq(roam_bipbuf_header_load_watermark(r), 0);
    }
    expect_all_free(&h->port.pool);

    /* The old port's peer is gone. */
    ck_assert(!roam_port_peer_alive(&h->port));
    ck_assert_int_eq(roam_port_send(&h->port, "x", 1), ROAM_E_PEER_GONE);
    ck_assert_int_eq(roam_port_recv(&h->port, &m), ROAM_E_PEER_GONE);
    close(h->fds[0]);

    pid = host_spawn(h, echo_main);
    for (uint32_t i = 0; i < 200; i++) {
        uint32_t len = (i * 37) % sizeof msg;

        memset(msg, (int)('a' + i % 26), len);
        ck_assert_int_eq(roam_port_send_wait(&h->port, msg, len, (int)WAIT_MS), ROAM_OK);
        ck_assert_int_eq(roam_port_recv_wait(&h->port, &m, (int)WAIT_MS), ROAM_OK);
        ck_assert_uint_eq(m.len, len);
        ck_assert(memcmp(m.data, msg, len) == 0);
        ck_assert_int_eq(roam_port_done(&h->port, &m), ROAM_OK);
    }
    roam_host_goodbye(&h->seg);
    proc_wait_all(&pid, 1, WAIT_MS, &st);
    ck_assert(st.exited && st.code == 0);
    ck_assert_uint_eq(h->job->echoed, 200);
}

START_TEST(killed_guest_seen_on_doorbell)
{
    host_t h;
    proc_status_t st;
    roam_diag_t d;
    pid_t pid;

    host_start(&h, 0);   /* no heartbeats: the doorbell tells */
    pid = start_holder(&h);
    kill(pid, SIGKILL);
    proc_wait_all(&pid, 1, WAIT_MS, &st);
    ck_assert_int_eq(st.signo, SIGKILL);

    /* Hang-up: the guest is dead, though its entry still says Attached. */
    ck_assert_int_eq(roam_doorbell_wait(h.fds[0], (int)WAIT_MS), ROAM_E_PEER_GONE);
    ck_assert(roam_port_peer_alive(&h.port));
    ck_assert_int_eq(roam_host_recover(&h.seg, h.index, &d), ROAM_OK);
    expect_recovered_then_reused(&h);
    host_end(&h);
}
END_TEST

START_TEST(killed_guest_seen_by_heartbeat)
{
    host_t h;
    proc_status_t st;
    roam_sweep_t sw = {0, 0};
    uint64_t deadline;
    pid_t pid;

    host_start(&h, 20000000);   /* 20 ms */
    pid = start_holder(&h);
    kill(pid, SIGKILL);
    proc_wait_all(&pid, 1, WAIT_MS, &st);

    /* The sweep declares it dead once two intervals pass, and recovers it. */
    deadline = proc_deadline_ms(WAIT_MS);
    while (sw.dead == 0 && !proc_past(deadline)) {
        proc_sleep_ms(5);
        roam_host_sweep(&h.seg, roam_clock_now_ns(), &sw);
    }
    ck_assert_uint_eq(sw.dead, 1);
    expect_recovered_then_reused(&h);
    host_end(&h);
}
END_TEST

START_TEST(unread_references_freed_before_reset)
{
    host_t h;
    roam_slot_t other;
    roam_diag_t d;
    char big[2000];

    /* In one process: slot messages sent to a guest that never reads them,
     * plus a reference to a slot another peer owns (not the host's to free). */
    host_start(&h, 0);
    ck_assert_int_eq(roam_host_reserve(&h.seg, &h.index, NULL, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&h.port, &h.seg, h.index, -1, 0, &d), ROAM_OK);
    h.fds[0] = -1;
    memset(big, 'r', sizeof big);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(roam_port_send(&h.port, big, sizeof big), ROAM_OK);
    ck_assert_int_eq(roam_pool_alloc(&h.port.pool, 100, 2, &other), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&h.port, "x", 1), ROAM_OK);
    {
        uint32_t off;

        ck_assert_int_eq(roam_ring_grant(&h.port.tx, ROAM_SLOT_REF_ENTRY_SIZE, &off), ROAM_OK);
        roam_frame_put_slot_ref(h.port.tx.data + off, other);
        ck_assert_int_eq(roam_ring_commit(&h.port.tx, ROAM_SLOT_REF_ENTRY_SIZE), ROAM_OK);
    }
    ck_assert_uint_eq(count_allocated(&h.port.pool), 5);

    /* Reserved, never claimed: Goodbye it as a departed guest would be. */
    roam_peer_goodbye(roam_segment_peer_at(&h.seg, h.index));
    ck_assert_int_eq(roam_host_recover(&h.seg, h.index, &d), ROAM_OK);
    ck_assert_uint_eq(count_allocated(&h.port.pool), 1);
    ck_assert_int_eq(roam_pool_check(&h.port.pool, other), ROAM_OK);
    ck_assert_int_eq(roam_pool_free(&h.port.pool, other, NULL), ROAM_OK);
    expect_all_free(&h.port.pool);

    /* A malformed entry ends the walk; what came before it is freed. */
    ck_assert_int_eq(roam_host_reserve(&h.seg, &h.index, NULL, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&h.port, &h.seg, h.index, -1, 0, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&h.port, big, sizeof big), ROAM_OK);
    {
        uint32_t off;

        ck_assert_int_eq(roam_ring_grant(&h.port.tx, 8, &off), ROAM_OK);
        memset(h.port.tx.data + off, 0xFF, 8);   /* total_len 0xFFFFFFFF */
        ck_assert_int_eq(roam_ring_commit(&h.port.tx, 8), ROAM_OK);
    }
    ck_assert_int_eq(roam_port_send(&h.port, big, sizeof big), ROAM_OK);
    roam_peer_goodbye(roam_segment_peer_at(&h.seg, h.index));
    ck_assert_int_eq(roam_host_recover(&h.seg, h.index, &d), ROAM_OK);
    ck_assert_uint_eq(count_allocated(&h.port.pool), 1);
    roam_segment_close(&h.seg);
    roam_segment_unlink(h.job->path, NULL);
    proc_tmpdir_remove(h.dir);
    proc_shared_free(h.job, sizeof *h.job);
}
END_TEST

static Suite *recover_suite(void)
{
    Suite *s = suite_create("recover");
    TCase *tc = tcase_create("recover");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, killed_guest_seen_on_doorbell);
    tcase_add_test(tc, killed_guest_seen_by_heartbeat);
    tcase_add_test(tc, unread_references_freed_before_reset);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(recover_suite());
}
