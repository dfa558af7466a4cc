/*
 * Sending on a port: route the payload as roam's sender does, then either
 * an inline entry granted in the ring or a slot (length prefix + payload)
 * named by a slot-reference entry. The caller may fill either in place.
 */
#include <stdatomic.h>
#include <string.h>

#include "port_internal.h"

void roam__port_rang_data(roam_port_t *p, uint32_t off)
{
    if (p->doorbell < 0)
        return;
    if (p->flags & ROAM_PORT_LAZY_DOORBELL) {
        /* seq_cst: our store of write and the consumer's store of read are
         * ordered against the loads after them, so either we see it caught
         * up with this entry or it sees the entry before it sleeps. An
         * entry at 0 may follow a wrap the consumer has not seen: ring. */
        atomic_thread_fence(memory_order_seq_cst);
        if (off != 0 && roam_bipbuf_header_load_read(p->tx.hdr) != off)
            return;
    }
    p->stats.doorbells++;
    roam_doorbell_ring(p->doorbell);
}

roam_err_t roam__port_stalled(roam_port_t *p, roam_err_t err)
{
    if (err == ROAM_E_RING_FULL)
        p->stats.ring_full++;
    else if (err == ROAM_E_POOL_EXHAUSTED)
        p->stats.pool_exhausted++;
    return roam_port_peer_alive(p) ? err : ROAM_E_PEER_GONE;
}

/* Reserve; with ring_room, a slot is taken only when the ring has room for
 * its reference too (a copy should not be made for nothing). */
static roam_err_t roam__port_reserve(roam_port_t *p, uint32_t len, roam_tx_t *tx, bool ring_room)
{
    unsigned char *slot;
    roam_err_t err;

    roam__port_follow(p);
    if (p->tx_open)
        return ROAM_E_INVALID;
    /* Never write into rings the host has recovered (maybe for another guest). */
    if (!roam_port_peer_alive(p))
        return ROAM_E_PEER_GONE;
    memset(tx, 0, sizeof *tx);
    tx->len = len;
    tx->kind = roam_port_route(p, len);
    switch (tx->kind) {
    case ROAM_FRAME_REFUSED:
        return ROAM_E_TOO_LARGE;
    case ROAM_FRAME_MMAP_REF:
        return ROAM_E_MMAP_REF;
    case ROAM_FRAME_INLINE:
        err = roam_ring_grant(&p->tx, roam_frame_inline_len(len), &tx->ring_off);
        if (err)
            return err == ROAM_E_RING_FULL ? roam__port_stalled(p, err) : err;
        tx->data = p->tx.data + tx->ring_off + ROAM_FRAME_HEADER_SIZE;
        p->tx_open = true;
        return ROAM_OK;
    case ROAM_FRAME_SLOT_REF:
        break;
    }

    if (ring_room && !roam_ring_can_grant(&p->tx, ROAM_SLOT_REF_ENTRY_SIZE))
        return roam__port_stalled(p, ROAM_E_RING_FULL);
    /* Routing found a class that fits, so the sum cannot overflow. */
    err = roam_pool_alloc(&p->pool, len + ROAM_SLOT_LEN_PREFIX_SIZE, p->self_id, &tx->slot);
    if (err)
        return err == ROAM_E_POOL_EXHAUSTED ? roam__port_stalled(p, err) : err;
    slot = roam_pool_slot(&p->pool, tx->slot, NULL);
    tx->data = slot + ROAM_SLOT_LEN_PREFIX_SIZE;
    return ROAM_OK;
}

roam_err_t roam_port_reserve(roam_port_t *p, uint32_t len, roam_tx_t *tx)
{
    return roam__port_reserve(p, len, tx, false);
}

roam_err_t roam_port_commit(roam_port_t *p, roam_tx_t *tx)
{
    uint32_t off, entry;
    unsigned char *slot;
    roam_err_t err;

    roam__port_follow(p);
    if (!roam_port_peer_alive(p))
        return ROAM_E_PEER_GONE;
    if (tx->kind == ROAM_FRAME_INLINE) {
        if (!p->tx_open)
            return ROAM_E_INVALID;
        /* The payload is in place: header and padding around it, publish. */
        off = tx->ring_off;
        entry = roam_frame_put_inline(p->tx.data + off, NULL, tx->len);
        p->tx_open = false;
        err = roam_ring_commit(&p->tx, entry);
        if (err)
            return err;
        p->stats.sent_inline++;
        roam__port_rang_data(p, off);
        return ROAM_OK;
    }
    if (tx->kind != ROAM_FRAME_SLOT_REF || p->tx_open)
        return ROAM_E_INVALID;

    /* roam's link layer: the length first in the slot, then the reference. */
    slot = roam_pool_slot(&p->pool, tx->slot, NULL);
    if (slot == NULL)
        return ROAM_E_SLOT_REF;
    memcpy(slot, &tx->len, ROAM_SLOT_LEN_PREFIX_SIZE);
    err = roam_ring_grant(&p->tx, ROAM_SLOT_REF_ENTRY_SIZE, &off);
    if (err)
        return err == ROAM_E_RING_FULL ? roam__port_stalled(p, err) : err;
    roam_frame_put_slot_ref(p->tx.data + off, tx->slot);
    err = roam_ring_commit(&p->tx, ROAM_SLOT_REF_ENTRY_SIZE);
    if (err)
        return err;
    tx->kind = ROAM_FRAME_REFUSED;   /* sent: a second commit or cancel is refused */
    p->stats.sent_slot++;
    roam__port_rang_data(p, off);
    return ROAM_OK;
}

void roam_port_cancel(roam_port_t *p, roam_tx_t *tx)
{
    roam__port_follow(p);
    if (tx->kind == ROAM_FRAME_INLINE)
        p->tx_open = false;   /* granted, never committed: nothing to undo */
    else if (tx->kind == ROAM_FRAME_SLOT_REF)
        roam_pool_free(&p->pool, tx->slot, NULL);
    tx->kind = ROAM_FRAME_REFUSED;
}

roam_err_t roam_port_send(roam_port_t *p, const void *buf, uint32_t len)
{
    roam_tx_t tx;
    roam_err_t err = roam__port_reserve(p, len, &tx, true);

    if (err)
        return err;
    if (len > 0)
        memcpy(tx.data, buf, len);
    err = roam_port_commit(p, &tx);
    if (err)
        roam_port_cancel(p, &tx);
    return err;
}
