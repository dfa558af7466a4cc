/*
 * Blocking on a port: retry an operation through backpressure or an empty
 * ring, sleeping on the doorbell between tries (or, without one, with a
 * short backoff). Every sleep is a bounded slice, so a ring that never
 * comes (a slot freed by another guest, a peer that rings sparingly) costs
 * latency, never a hang.
 */
#include <stdatomic.h>
#include <time.h>

#include "port_internal.h"

/* Longest single sleep, in milliseconds. */
#define ROAM__WAIT_SLICE_MS 10
/* Backoff without a doorbell: 50 us doubling up to 2 ms. */
#define ROAM__BACKOFF_MIN_NS 50000L
#define ROAM__BACKOFF_MAX_NS 2000000L

roam_err_t roam_port_wait(roam_port_t *p, int timeout_ms)
{
    long ns = ROAM__BACKOFF_MIN_NS;
    struct timespec ts;

    if (p->doorbell >= 0)
        return roam_doorbell_wait(p->doorbell, timeout_ms);
    if (timeout_ms == 0)
        return ROAM_E_TIMEOUT;
    /* No doorbell: one backoff step, no longer than the time left. */
    if (timeout_ms > 0 && (long)timeout_ms * 1000000L < ns)
        ns = (long)timeout_ms * 1000000L;
    ts.tv_sec = 0;
    ts.tv_nsec = ns;
    nanosleep(&ts, NULL);
    return ROAM_OK;
}

/* One operation to retry. */
typedef roam_err_t (*roam__port_op)(roam_port_t *p, void *arg);

static bool roam__would_block(roam_err_t err)
{
    return err == ROAM_E_EMPTY || roam_err_is_backpressure(err);
}

/* Run op until it does not block, the peer is gone or timeout_ms passes. */
static roam_err_t roam__port_retry(roam_port_t *p, int timeout_ms, roam__port_op op, void *arg)
{
    uint64_t deadline = timeout_ms < 0 ? 0 : roam_clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
    long backoff = ROAM__BACKOFF_MIN_NS;
    bool hung_up = false;

    for (;;) {
        roam_err_t err = op(p, arg);
        int slice = ROAM__WAIT_SLICE_MS;
        struct timespec ts;

        if (!roam__would_block(err))
            return err;
        /* A hang-up seen last time: what was sent before it has been taken. */
        if (hung_up)
            return ROAM_E_PEER_GONE;
        /* Our last store (read or write) before the loads of the retry:
         * pairs with the other side's fence after its store. */
        atomic_thread_fence(memory_order_seq_cst);
        err = op(p, arg);
        if (!roam__would_block(err))
            return err;

        if (deadline != 0) {
            uint64_t now = roam_clock_now_ns();

            if (now >= deadline)
                return ROAM_E_TIMEOUT;
            if (deadline - now < (uint64_t)slice * 1000000u)
                slice = (int)((deadline - now + 999999u) / 1000000u);
        }
        if (p->doorbell < 0) {
            /* Poll with backoff: no doorbell to wake us. */
            ts.tv_sec = 0;
            ts.tv_nsec = backoff;
            nanosleep(&ts, NULL);
            if (backoff < ROAM__BACKOFF_MAX_NS)
                backoff *= 2;
            continue;
        }
        err = roam_doorbell_wait(p->doorbell, slice);
        if (err == ROAM_E_PEER_GONE)
            hung_up = true;
        else if (err != ROAM_OK && err != ROAM_E_TIMEOUT)
            return err;
    }
}

typedef struct roam__send_arg {
    const void *buf;
    uint32_t len;
} roam__send_arg_t;

static roam_err_t roam__op_send(roam_port_t *p, void *arg)
{
    roam__send_arg_t *a = arg;

    return roam_port_send(p, a->buf, a->len);
}

static roam_err_t roam__op_recv(roam_port_t *p, void *arg)
{
    return roam_port_recv(p, arg);
}

static roam_err_t roam__op_commit(roam_port_t *p, void *arg)
{
    return roam_port_commit(p, arg);
}

roam_err_t roam_port_send_wait(roam_port_t *p, const void *buf, uint32_t len, int timeout_ms)
{
    roam__send_arg_t a = {buf, len};

    return roam__port_retry(p, timeout_ms, roam__op_send, &a);
}

roam_err_t roam_port_recv_wait(roam_port_t *p, roam_rx_t *m, int timeout_ms)
{
    return roam__port_retry(p, timeout_ms, roam__op_recv, m);
}

roam_err_t roam_port_commit_wait(roam_port_t *p, roam_tx_t *tx, int timeout_ms)
{
    return roam__port_retry(p, timeout_ms, roam__op_commit, tx);
}
