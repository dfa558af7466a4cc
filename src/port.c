/*
 * Ports: one end of a guest's ring pair, opened on a live segment, and
 * whether the other end is still there.
 */
#include <inttypes.h>
#include <string.h>

#include "port_internal.h"

/* Rings and pool at the segment's current mapping. */
static roam_err_t roam__port_bind(roam_port_t *p, roam_diag_t *diag)
{
    roam_segment_t *seg = p->seg;
    enum roam_ring_dir out = p->is_host ? ROAM_RING_HOST_TO_GUEST : ROAM_RING_GUEST_TO_HOST;
    enum roam_ring_dir in = p->is_host ? ROAM_RING_GUEST_TO_HOST : ROAM_RING_HOST_TO_GUEST;
    uint64_t wraps = p->tx.wraps;
    roam_err_t err;

    err = roam_ring_open(&p->tx, seg->base, &seg->snap, p->peer_index, out);
    if (err == ROAM_OK)
        err = roam_ring_open(&p->rx, seg->base, &seg->snap, p->peer_index, in);
    if (err)
        return roam__diag(diag, err, p->peer_index, "port: peer %" PRIu32 " has no rings",
                          p->peer_index);
    p->tx.wraps = wraps;
    err = roam_pool_bind(&p->pool, seg->base, seg->map_len, &seg->snap, diag);
    if (err)
        return err;
    p->base = seg->base;
    return ROAM_OK;
}

void roam__port_rebase(roam_port_t *p)
{
    unsigned char *old = p->base, *now = p->seg->base;
    uint64_t wraps = p->tx.wraps;

    /* The same segment at a new address: same offsets from the new base. */
    roam_ring_attach(&p->tx, now + ((unsigned char *)p->tx.hdr - old), p->tx.capacity);
    roam_ring_attach(&p->rx, now + ((unsigned char *)p->rx.hdr - old), p->rx.capacity);
    p->tx.wraps = wraps;
    roam_pool_rebase(&p->pool, now);
    p->base = now;
}

roam_err_t roam_port_open(roam_port_t *p, roam_segment_t *seg, uint32_t index, int doorbell,
                          unsigned flags, roam_diag_t *diag)
{
    const roam_segment_header_plain_t *snap = &seg->snap;
    roam_peer_entry_t *e = roam_segment_peer_at(seg, index);
    uint32_t state, inline_max, entry;
    roam_err_t err;

    memset(p, 0, sizeof *p);
    p->doorbell = -1;
    if (e == NULL)
        return roam__diag(diag, ROAM_E_PEER_INDEX, index, "port: no peer entry %" PRIu32, index);
    if (!seg->is_host && seg->peer_index != index)
        return roam__diag(diag, ROAM_E_INVALID, index,
                          "port: this guest holds peer %" PRIu32 ", not %" PRIu32,
                          seg->peer_index, index);
    state = roam_peer_entry_load_state(e);
    if (state != ROAM_PEER_STATE_ATTACHED && state != ROAM_PEER_STATE_RESERVED)
        return roam__diag(diag, ROAM_E_PEER_BUSY, index, "port: peer %" PRIu32 " is %s", index,
                          roam_peer_state_name(state) ? roam_peer_state_name(state) : "unknown");

    p->seg = seg;
    p->is_host = seg->is_host;
    p->peer_index = index;
    p->peer_epoch = seg->is_host ? roam_peer_entry_load_epoch(e) : seg->peer_epoch;
    p->self_id = seg->is_host ? 0 : index + 1;
    p->doorbell = doorbell;
    p->flags = flags;
    err = roam__port_bind(p, diag);
    if (err)
        return err;

    /* The largest entry either side grants: the largest inline entry that
     * fits the ring, or a reference entry. */
    p->max_payload = roam_segment_header_plain_max_payload_size(snap);
    inline_max = roam_segment_header_plain_effective_inline_threshold(snap);
    if (inline_max > ROAM_INLINE_PAYLOAD_MAX)
        inline_max = ROAM_INLINE_PAYLOAD_MAX;
    entry = roam_frame_inline_len(inline_max);
    if (entry > p->tx.capacity)
        entry = p->tx.capacity;
    p->reserve = entry > ROAM_MMAP_REF_ENTRY_SIZE ? entry : ROAM_MMAP_REF_ENTRY_SIZE;
    return roam__diag_ok(diag);
}

bool roam_port_peer_alive(const roam_port_t *p)
{
    const roam_peer_entry_t *e = roam_segment_peer_at(p->seg, p->peer_index);
    uint32_t state = roam_peer_entry_load_state(e);

    if (roam_peer_entry_load_epoch(e) != p->peer_epoch)
        return false;
    if (!p->is_host)
        return state == ROAM_PEER_STATE_ATTACHED && !roam_segment_host_gone(p->seg);
    /* A guest the host reserved for may not have claimed the entry yet. */
    return state == ROAM_PEER_STATE_ATTACHED || state == ROAM_PEER_STATE_RESERVED;
}

roam_frame_kind_t roam_port_route(const roam_port_t *p, uint32_t len)
{
    return roam__frame_route_sizes(&p->seg->snap, len, p->pool.slot_size, p->pool.num_classes,
                                   NULL);
}
