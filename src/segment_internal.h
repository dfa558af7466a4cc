/*
 * Internal helpers of the file-backed segment module. Not installed.
 */
#ifndef ROAM_SEGMENT_INTERNAL_H
#define ROAM_SEGMENT_INTERNAL_H

#include "roam_internal.h"
#include "roam_segment.h"

/* Guest `index`'s ring pair in seg's mapping, index < max_guests: the
 * address roam_segment_ring(..., ROAM_RING_GUEST_TO_HOST) computes, from the
 * private snapshot (ring_base = peer_table_offset + max_guests * entry size,
 * then one stride per guest). Unchecked arithmetic: the handle's segment was
 * validated whole, which proved every pair fits inside it. */
static inline roam_bipbuf_header_t *roam__seg_ring_pair(const roam_segment_t *seg, uint32_t index)
{
    const roam_segment_header_t *s = &seg->snap;
    uint64_t ring_base = roam_segment_header_peer_table_offset(s) +
                         (uint64_t)roam_segment_header_max_guests(s) * ROAM_PEER_ENTRY_SIZE;
    uint64_t stride = roam__ring_stride(roam_segment_header_bipbuf_capacity(s));

    return (roam_bipbuf_header_t *)(void *)((unsigned char *)seg->base + ring_base +
                                            (uint64_t)index * stride);
}

/* Map len bytes of fd shared, read-write; NULL (errno set) on failure. */
void *roam__seg_map(int fd, size_t len);

#endif /* ROAM_SEGMENT_INTERNAL_H */
