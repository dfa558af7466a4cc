/*
 * Receiving on a port: decode the next entry as roam writes it and hand out
 * a view of the payload, inline in the ring or in a slot after its length
 * prefix; roam_port_done gives the ring bytes or the slot back.
 */
#include <stdatomic.h>
#include <string.h>

#include "port_internal.h"

void roam__port_rang_room(roam_port_t *p, uint32_t read_before, bool was_empty)
{
    if (p->doorbell < 0)
        return;
    if (p->flags & ROAM_PORT_LAZY_DOORBELL) {
        /* A producer waits only after a grant failed; if the ring had room
         * for its largest entry before this release, it was not waiting
         * for this one. seq_cst pairs with its fence before it sleeps. */
        if (read_before == UINT32_MAX) {
            if (!was_empty)
                return;
        } else {
            uint32_t write;

            atomic_thread_fence(memory_order_seq_cst);
            write = roam_bipbuf_header_load_write(p->rx.hdr);
            if (write <= p->rx.capacity && read_before <= p->rx.capacity &&
                roam__ring_fits(p->rx.capacity, write, read_before, p->reserve))
                return;
        }
    }
    p->stats.doorbells++;
    roam_doorbell_ring(p->doorbell);
}

/* Give n ring bytes back and ring for the room. */
static roam_err_t roam__port_release(roam_port_t *p, uint32_t n)
{
    uint32_t before = roam_bipbuf_header_load_read(p->rx.hdr);
    roam_err_t err = roam_ring_release(&p->rx, n);

    if (err == ROAM_OK)
        roam__port_rang_room(p, before, false);
    return err;
}

/* A slot reference: take the slot over, consume the entry, check the
 * length prefix. On a bad reference the entry is consumed all the same. */
static roam_err_t roam__port_recv_slot(roam_port_t *p, const roam_frame_t *f, roam_rx_t *m)
{
    unsigned char *slot;
    uint32_t size, len;
    roam_err_t err;

    /* Owner first, then the entry goes: at every moment crash recovery
     * finds the slot, through the ring or through its owner. */
    err = roam_pool_adopt(&p->pool, f->slot, p->self_id);
    roam__port_release(p, f->total_len);
    if (err)
        return err;

    slot = roam_pool_slot(&p->pool, f->slot, &size);
    err = roam_slot_payload_len(slot, size, &len);
    if (err) {
        /* Malformed, as roam's receiver treats it: freed and reported. */
        roam_pool_free(&p->pool, f->slot, NULL);
        return err;
    }
    m->kind = ROAM_FRAME_SLOT_REF;
    m->slot = f->slot;
    m->data = slot + ROAM_SLOT_LEN_PREFIX_SIZE;
    m->len = len;
    p->stats.received_slot++;
    p->rx_open = true;
    return ROAM_OK;
}

roam_err_t roam_port_recv(roam_port_t *p, roam_rx_t *m)
{
    roam_frame_t f;
    uint32_t off, len;
    roam_err_t err;

    roam__port_follow(p);
    if (p->rx_open)
        return ROAM_E_INVALID;
    memset(m, 0, sizeof *m);
    err = roam_ring_read(&p->rx, &off, &len);
    if (err == ROAM_E_EMPTY)
        return roam__port_stalled(p, err);
    if (err)
        return err;
    err = roam_frame_decode(p->rx.data + off, len, &f, NULL);
    if (err)
        return err;

    switch (f.kind) {
    case ROAM_FRAME_SLOT_REF:
        return roam__port_recv_slot(p, &f, m);
    case ROAM_FRAME_MMAP_REF:
        m->kind = ROAM_FRAME_MMAP_REF;
        m->mmap = f.mmap;
        roam__port_release(p, f.total_len);
        return ROAM_E_MMAP_REF;
    default:
        /* Inline: the view stays in the ring until done. */
        m->kind = ROAM_FRAME_INLINE;
        m->data = f.payload;
        m->len = f.payload_len;
        m->release = f.total_len;
        p->stats.received_inline++;
        p->rx_open = true;
        return ROAM_OK;
    }
}

roam_err_t roam_port_done(roam_port_t *p, roam_rx_t *m)
{
    bool was_empty = false;
    roam_err_t err;

    roam__port_follow(p);
    if (!p->rx_open)
        return ROAM_E_INVALID;
    p->rx_open = false;
    if (m->kind == ROAM_FRAME_INLINE)
        return roam__port_release(p, m->release);

    err = roam_pool_free(&p->pool, m->slot, &was_empty);
    if (err == ROAM_OK)
        roam__port_rang_room(p, UINT32_MAX, was_empty);
    return err;
}
