/*
 * Crash recovery of a guest's slots (shm.crash.recovery steps 2 and 4),
 * for roam_host_recover: the slots in flight to the dead guest through its
 * host-to-guest ring, and the slots its peer id owns. Nobody else will
 * ever free them.
 */
#include "data_internal.h"

/* The pool of seg at its current mapping, where the layout validated with
 * its snapshot placed every class: nothing is read from the segment again
 * (a class header changed since cannot move the pool), and only the
 * classes the segment has are written. roam_host_recover has checked that
 * the handle maps a segment; this cannot fail. Built once per recovery,
 * for both steps. */
void roam__recover_pool(const roam_segment_t *seg, roam_pool_t *pool)
{
    const roam_layout_t *l = &seg->layout;

    pool->base = seg->base;
    pool->num_classes = l->class_areas_count;
    for (uint32_t c = 0; c < l->class_areas_count; c++) {
        pool->slot_size[c] = l->classes[c].slot_size;
        pool->slot_count[c] = l->classes[c].slot_count;
        pool->header_off[c] = roam_layout_var_pool_offset_at(l, c);
        pool->meta_off[c] = l->class_areas[c].meta_offset;
        pool->data_off[c] = l->class_areas[c].data_offset;
    }
}

uint32_t roam__recover_ring_slots(const roam_segment_t *seg, const roam_pool_t *pool,
                                  uint32_t index)
{
    /* The ring where the handle's validated layout puts it (index was
     * checked against max_guests by the caller): no layout made again
     * from the snapshot. */
    roam_bipbuf_header_t *h = roam_layout_rings_to_guest(&seg->layout, seg->base, index);
    roam_ring_t ring;
    roam_ring_view_t v;
    uint32_t freed = 0;

    if (h == NULL)
        return 0;
    roam_ring_attach(&ring, h, roam_segment_header_plain_bipbuf_capacity(&seg->snap));
    if (roam_ring_peek(&ring, &v) != ROAM_OK)
        return 0;

    /* Every unread entry, in order, as the guest would have read them; a
     * malformed entry ends the walk (nothing after it can be framed). */
    for (uint32_t k = 0; k < v.parts; k++) {
        uint32_t off = v.part[k].off, end = off + v.part[k].len;

        while (off < end) {
            roam_frame_t f;

            if (roam_frame_decode(ring.data + off, end - off, &f, NULL) != ROAM_OK)
                return freed;
            /* Only slots the host allocated: the host sends no others. */
            if (f.kind == ROAM_FRAME_SLOT_REF && roam_pool_owner(pool, f.slot) == 0 &&
                roam_pool_free(pool, f.slot, NULL) == ROAM_OK)
                freed++;
            off += f.total_len;
        }
    }
    return freed;
}

uint32_t roam__recover_owned_slots(const roam_pool_t *pool, uint32_t index)
{
    /* Guest peer ids are index + 1; 0 is the host. */
    return roam_pool_reclaim(pool, index + 1);
}
