/*
 * Navigation: addresses of peer entries, rings and size-class headers,
 * computed from a validated header snapshot.
 */
#include "roam_internal.h"

bool roam__ring_offset(const roam_segment_header_t *snap, uint32_t index, uint64_t *out)
{
    uint64_t peers_size, ring_base, skip;

    return roam__mul(roam_segment_header_max_guests(snap), ROAM_PEER_ENTRY_SIZE, &peers_size) &&
           roam__add(roam_segment_header_peer_table_offset(snap), peers_size, &ring_base) &&
           roam__mul(index, roam__ring_stride(roam_segment_header_bipbuf_capacity(snap)), &skip) &&
           roam__add(ring_base, skip, out);
}

/* Entry `index` of a table of `count` entries of `size` bytes at `start`;
 * NULL past the end. The table lies inside a validated segment. */
static void *roam__table_entry(const void *base, uint64_t start, uint32_t index, uint32_t count,
                               uint64_t size)
{
    if (base == NULL || index >= count)
        return NULL;
    return (unsigned char *)(uintptr_t)base + start + (uint64_t)index * size;
}

roam_peer_entry_t *roam_segment_peer(const void *base, const roam_segment_header_t *snap,
                                     uint32_t index)
{
    return roam__table_entry(base, roam_segment_header_peer_table_offset(snap), index,
                             roam_segment_header_max_guests(snap), ROAM_PEER_ENTRY_SIZE);
}

roam_bipbuf_header_t *roam_segment_ring(const void *base, const roam_segment_header_t *snap,
                                        uint32_t index, enum roam_ring_dir dir)
{
    uint64_t off;

    if (base == NULL || index >= roam_segment_header_max_guests(snap))
        return NULL;
    if (dir != ROAM_RING_GUEST_TO_HOST && dir != ROAM_RING_HOST_TO_GUEST)
        return NULL;
    if (!roam__ring_offset(snap, index, &off))
        return NULL;
    /* The host-to-guest header follows the guest-to-host header and data. */
    if (dir == ROAM_RING_HOST_TO_GUEST &&
        !roam__add(off, ROAM_BIPBUF_HEADER_SIZE + (uint64_t)roam_segment_header_bipbuf_capacity(snap),
                   &off))
        return NULL;
    return (roam_bipbuf_header_t *)((unsigned char *)(uintptr_t)base + off);
}

roam_size_class_header_t *roam_segment_class(const void *base, const roam_segment_header_t *snap,
                                             uint32_t index)
{
    return roam__table_entry(base, roam_segment_header_var_pool_offset(snap), index,
                             roam_segment_header_num_var_slot_classes(snap),
                             ROAM_SIZE_CLASS_HEADER_SIZE);
}
