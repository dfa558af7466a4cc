/*
 * roam-shm messages: one end of a guest's ring pair in a live segment.
 *
 * The host opens one port per guest, the guest one port to the host. A
 * port sends on its outgoing ring and receives from its incoming one,
 * routing each payload as roam's sender does: inline in the ring up to the
 * inline threshold, else in a var slot (with roam's 4-byte length prefix)
 * named by a slot reference. Payloads too large for any slot would need an
 * mmap reference, which this library does not map (ROAM_E_MMAP_REF).
 *
 * Nothing blocks unless asked to: a full ring or pool is backpressure
 * (ROAM_E_RING_FULL, ROAM_E_POOL_EXHAUSTED; see roam_err_is_backpressure),
 * an empty ring is ROAM_E_EMPTY. The *_wait calls wait on the doorbell
 * (reference §7: a socketpair; its fd can go in any event loop) or, with
 * no doorbell, sleep with backoff. ROAM_E_PEER_GONE: the other side died
 * (doorbell hang-up), its entry was recovered, or the host said goodbye.
 *
 * A port is used by one thread at a time. The segment handle must outlive
 * it; growth (a remap) is followed on the next call.
 */
#ifndef ROAM_PORT_H
#define ROAM_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "roam_data.h"
#include "roam_segment.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Everything declared here is the library's exported API; the rest of the
 * library is built hidden (-fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ---- Doorbell (shm.signal.*) ---------------------------------------------------*/

/* A connected AF_UNIX SOCK_STREAM pair, non-blocking and close-on-exec:
 * fds[0] for the host, fds[1] for the guest (clear FD_CLOEXEC on it before
 * an exec that should inherit it). */
roam_err_t roam_doorbell_pair(int fds[2], roam_diag_t *diag);

/* Ring: one byte, never blocking (a full socket buffer already rings).
 * ROAM_E_PEER_GONE when the other end is closed. */
roam_err_t roam_doorbell_ring(int fd);

/* Wait up to timeout_ms (-1: no limit) for a ring, then drain every byte.
 * ROAM_OK rang; ROAM_E_TIMEOUT; ROAM_E_PEER_GONE on hang-up or EOF;
 * ROAM_E_IO for another poll/recv failure. */
roam_err_t roam_doorbell_wait(int fd, int timeout_ms);

/* Drain without waiting: ROAM_OK, or ROAM_E_PEER_GONE at EOF. */
roam_err_t roam_doorbell_drain(int fd);

/* ---- Ports ------------------------------------------------------------------------*/

/* Open flags. */
#define ROAM_PORT_LAZY_DOORBELL 1u  /* ring only when the other side may be
                                     * waiting; both sides must be this library.
                                     * Default: ring after every send and
                                     * every message consumed, as roam does. */

typedef struct roam_port_stats {
    uint64_t sent_inline, sent_slot;
    uint64_t received_inline, received_slot;
    uint64_t ring_full, pool_exhausted;   /* backpressure returned */
    uint64_t doorbells;                   /* rings sent */
} roam_port_stats_t;

typedef struct roam_port {
    roam_segment_t *seg;
    void *base;               /* seg->base the rings and pool were bound at */
    bool is_host;
    uint32_t peer_index;      /* the guest's entry */
    uint32_t peer_epoch;      /* its epoch when the port opened */
    uint32_t self_id;         /* owner id of this side: 0 host, index + 1 guest */
    int doorbell;             /* -1: none */
    unsigned flags;
    uint32_t max_payload;     /* private copies of the header's limits */
    uint32_t reserve;         /* largest entry this side ever grants */
    roam_ring_t tx, rx;
    roam_pool_t pool;
    bool tx_open;             /* an inline reservation holds the ring */
    bool rx_open;             /* a received message is not done yet */
    roam_port_stats_t stats;
} roam_port_t;

/* Open the port of guest entry `index` (the host's side when seg is the
 * host's handle, else the guest's: then index must be the entry it holds)
 * with doorbell fd (-1 for none; the port does not close it). The entry
 * must be Reserved or Attached. */
roam_err_t roam_port_open(roam_port_t *p, roam_segment_t *seg, uint32_t index, int doorbell,
                          unsigned flags, roam_diag_t *diag);

/* The doorbell fd, for an event loop: readable = something to retry. */
static inline int roam_port_fd(const roam_port_t *p)
{
    return p->doorbell;
}

/* True for ROAM_E_RING_FULL and ROAM_E_POOL_EXHAUSTED: wait, then retry. */
static inline bool roam_err_is_backpressure(roam_err_t err)
{
    return err == ROAM_E_RING_FULL || err == ROAM_E_POOL_EXHAUSTED;
}

/* How a payload of len bytes travels from this port: INLINE, SLOT_REF,
 * MMAP_REF (not sendable here) or REFUSED (over max_payload_size). */
roam_frame_kind_t roam_port_route(const roam_port_t *p, uint32_t len);

/* Send a copy of len bytes. ROAM_OK, backpressure, ROAM_E_TOO_LARGE
 * (over max_payload_size), ROAM_E_MMAP_REF (no slot large enough). */
roam_err_t roam_port_send(roam_port_t *p, const void *buf, uint32_t len);

/* A message being filled in place: write len bytes at data, then commit. */
typedef struct roam_tx {
    unsigned char *data;
    uint32_t len;
    roam_frame_kind_t kind;   /* INLINE (in the ring) or SLOT_REF (in a slot) */
    uint32_t ring_off;        /* INLINE: the granted entry */
    roam_slot_t slot;         /* SLOT_REF */
} roam_tx_t;

/* Reserve room for a len-byte message: the ring entry itself (inline; no
 * other send until it is committed or cancelled) or a slot. Errors as
 * roam_port_send. */
roam_err_t roam_port_reserve(roam_port_t *p, uint32_t len, roam_tx_t *tx);

/* Send a reserved message. For a slot, ROAM_E_RING_FULL leaves tx
 * reserved: commit again later, or cancel. */
roam_err_t roam_port_commit(roam_port_t *p, roam_tx_t *tx);

/* Drop a reservation: the entry is never published, the slot is freed. */
void roam_port_cancel(roam_port_t *p, roam_tx_t *tx);

/* A received message: a view of its payload, valid until roam_port_done. */
typedef struct roam_rx {
    const unsigned char *data;
    uint32_t len;
    roam_frame_kind_t kind;   /* INLINE or SLOT_REF */
    roam_mmap_ref_t mmap;     /* filled when recv returns ROAM_E_MMAP_REF */
    roam_slot_t slot;         /* SLOT_REF: the slot, freed by done */
    uint32_t release;         /* INLINE: ring bytes given back by done */
} roam_rx_t;

/* The next message, or ROAM_E_EMPTY. One at a time: call roam_port_done
 * first (ROAM_E_INVALID otherwise). A slot reference is taken over (its
 * owner becomes this side, so crash recovery reclaims it with us) and its
 * ring entry given back at once. A malformed slot reference is consumed
 * and reported (ROAM_E_SLOT_REF, ROAM_E_SLOT_STALE, ROAM_E_SLOT_LEN); an
 * mmap reference is consumed and returned in m->mmap with ROAM_E_MMAP_REF;
 * a malformed entry (ROAM_E_FRAME_*) cannot be skipped and stays. */
roam_err_t roam_port_recv(roam_port_t *p, roam_rx_t *m);

/* Finish with m: free its slot or give its ring bytes back. ROAM_E_SLOT_STALE
 * if the slot was freed under us (its sender was recovered meanwhile). */
roam_err_t roam_port_done(roam_port_t *p, roam_rx_t *m);

/* ---- Blocking --------------------------------------------------------------------
 * timeout_ms: -1 waits without limit (until the peer is gone). */

/* roam_port_send, waiting through backpressure. */
roam_err_t roam_port_send_wait(roam_port_t *p, const void *buf, uint32_t len, int timeout_ms);

/* roam_port_recv, waiting while the ring is empty. */
roam_err_t roam_port_recv_wait(roam_port_t *p, roam_rx_t *m, int timeout_ms);

/* roam_port_commit, waiting while the ring is full. */
roam_err_t roam_port_commit_wait(roam_port_t *p, roam_tx_t *tx, int timeout_ms);

/* Whether the other side is still there (entry ours at our epoch; for a
 * guest also no host goodbye). Does not look at the doorbell. */
bool roam_port_peer_alive(const roam_port_t *p);

/* What a wait is for: the flag of the error an operation returned. */
#define ROAM_PORT_WAIT_MESSAGE 1u   /* after ROAM_E_EMPTY: a message */
#define ROAM_PORT_WAIT_RING 2u      /* after ROAM_E_RING_FULL: room in the outgoing ring */
#define ROAM_PORT_WAIT_SLOT 4u      /* after ROAM_E_POOL_EXHAUSTED: a free slot */

static inline unsigned roam_port_wait_for(roam_err_t err)
{
    return err == ROAM_E_EMPTY ? ROAM_PORT_WAIT_MESSAGE
           : err == ROAM_E_RING_FULL ? ROAM_PORT_WAIT_RING
           : err == ROAM_E_POOL_EXHAUSTED ? ROAM_PORT_WAIT_SLOT : 0u;
}

/* Wait once, at most timeout_ms, for any of `events` (ROAM_PORT_WAIT_*
 * flags): returns ROAM_OK at once when a message or ring room is already
 * there, else after the doorbell rang (or, without one, a short sleep of
 * 50 us). ROAM_OK means "retry"; ROAM_E_TIMEOUT; ROAM_E_PEER_GONE on a
 * doorbell hang-up (retry once more: what was sent before it is there). */
roam_err_t roam_port_wait(roam_port_t *p, unsigned events, int timeout_ms);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* ROAM_PORT_H */
