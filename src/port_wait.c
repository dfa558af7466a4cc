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

/* Longest single sleep on the doorbell, in milliseconds. */
#define ROAM__WAIT_SLICE_MS 10
/* Sleep without a doorbell, in nanoseconds. */
#define ROAM__BACKOFF_NS 50000L

/* Whether what `events` waits for is already there. */
static bool roam__port_ready(roam_port_t *p, unsigned events)
{
    roam_ring_view_t v;

    roam__port_follow(p);
    if ((events & ROAM_PORT_WAIT_MESSAGE) && roam_ring_peek(&p->rx, &v) == ROAM_OK && v.parts > 0)
        return true;
    return (events & ROAM_PORT_WAIT_RING) && roam_ring_can_grant(&p->tx, p->reserve);
}

roam_err_t roam_port_wait(roam_port_t *p, unsigned events, int timeout_ms)
{
    struct timespec ts = {0, ROAM__BACKOFF_NS};

    /* Our last store (read or write) before the loads of this check:
     * pairs with the fence the other side makes after its store before
     * deciding whether to ring, so one of us sees the other. */
    atomic_thread_fence(memory_order_seq_cst);
    if (roam__port_ready(p, events))
        return ROAM_OK;
    if (p->doorbell >= 0)
        return roam_doorbell_wait(p->doorbell, timeout_ms);
    if (timeout_ms == 0)
        return ROAM_E_TIMEOUT;
    if (timeout_ms > 0 && (long)timeout_ms * 1000000L < ts.tv_nsec)
        ts.tv_nsec = (long)timeout_ms * 1000000L;
    nanosleep(&ts, NULL);
    return ROAM_OK;
}

/* One operation to retry. */
typedef roam_err_t (*roam__port_op)(roam_port_t *p, void *arg);

/* Run op until it does not block, the peer is gone or timeout_ms passes. */
static roam_err_t roam__port_retry(roam_port_t *p, int timeout_ms, roam__port_op op, void *arg)
{
    uint64_t deadline = timeout_ms < 0 ? 0 : roam_clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
    bool hung_up = false;

    for (;;) {
        roam_err_t err = op(p, arg);
        unsigned events = roam_port_wait_for(err);
        int slice = ROAM__WAIT_SLICE_MS;

        if (events == 0)
            return err;
        /* A hang-up seen last time: what was sent before it has been taken. */
        if (hung_up)
            return ROAM_E_PEER_GONE;
        if (deadline != 0) {
            uint64_t now = roam_clock_now_ns();

            if (now >= deadline)
                return ROAM_E_TIMEOUT;
            if (deadline - now < (uint64_t)slice * 1000000u)
                slice = (int)((deadline - now + 999999u) / 1000000u);
        }
        err = roam_port_wait(p, events, slice);
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
