/*
 * Navigation: addresses of peer entries, rings and size-class headers in a
 * segment whose header snapshot was validated, through the generated
 * layout (roam_layout_from_header and the roam_layout_<region> functions).
 */
#include "roam_internal.h"

roam_peer_entry_t *roam_segment_peer(const void *base, const roam_segment_header_plain_t *snap,
                                     uint32_t index)
{
    roam_layout_t l;

    if (base == NULL || !roam_layout_from_header(snap, &l))
        return NULL;
    return roam_layout_peer_table(&l, base, index);
}

roam_bipbuf_header_t *roam_segment_ring(const void *base, const roam_segment_header_plain_t *snap,
                                        uint32_t index, enum roam_ring_dir dir)
{
    roam_layout_t l;

    if (base == NULL || !roam_layout_from_header(snap, &l))
        return NULL;
    switch (dir) {
    case ROAM_RING_GUEST_TO_HOST:
        return roam_layout_rings_to_host(&l, base, index);
    case ROAM_RING_HOST_TO_GUEST:
        return roam_layout_rings_to_guest(&l, base, index);
    }
    return NULL;
}

roam_size_class_header_t *roam_segment_class(const void *base, const roam_segment_header_plain_t *snap,
                                             uint32_t index)
{
    roam_layout_t l;

    if (base == NULL || !roam_layout_from_header(snap, &l))
        return NULL;
    return roam_layout_var_pool(&l, base, index);
}
