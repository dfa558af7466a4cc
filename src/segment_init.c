/*
 * Segment creation: lay out a fresh segment in a zeroed buffer, every
 * region where the generated layout puts it.
 */
#include <stdint.h>

#include "roam_internal.h"

/* One guest: its peer entry, Empty at epoch 0, and its two ring headers. */
static void roam__init_guest(void *base, const roam_layout_t *l, uint32_t i)
{
    roam_peer_entry_t *p = roam_layout_peer_table(l, base, i);
    roam_bipbuf_header_t *rings[2] = {roam_layout_rings_to_host(l, base, i),
                                      roam_layout_rings_to_guest(l, base, i)};

    roam_peer_entry_store_state(p, ROAM_PEER_STATE_EMPTY);
    roam_peer_entry_store_epoch(p, 0);
    roam_peer_entry_store_last_heartbeat(p, 0);
    roam_peer_entry_set_ring_offset(p, roam_layout_rings_offset_at(l, i));

    for (int d = 0; d < 2; d++) {
        roam_bipbuf_header_set_capacity(rings[d], l->bipbuf_capacity);
        roam_bipbuf_header_store_write(rings[d], 0);
        roam_bipbuf_header_store_watermark(rings[d], 0);
        roam_bipbuf_header_store_read(rings[d], 0);
    }
}

/* One size class: its header and a free list through every slot. */
static void roam__init_class(void *base, const roam_layout_t *l, uint32_t c)
{
    const roam_size_class_t *cls = &l->classes[c];
    roam_size_class_header_t *h = roam_layout_var_pool(l, base, c);
    roam_var_slot_meta_t *meta = roam_layout_class_areas_meta(l, base, c);

    roam_size_class_header_set_slot_size(h, cls->slot_size);
    roam_size_class_header_set_slot_count(h, cls->slot_count);
    /* (generation 0 << 32) | slot 0: the list starts at the first slot. */
    roam_size_class_header_store_free_head(h, 0);

    for (uint32_t s = 0; s < cls->slot_count; s++) {
        uint32_t next = s + 1 < cls->slot_count ? s + 1 : ROAM_FREE_LIST_EMPTY;

        roam_var_slot_meta_store_generation(&meta[s], 0);
        roam_var_slot_meta_store_state(&meta[s], ROAM_SLOT_STATE_FREE);
        roam_var_slot_meta_store_owner_peer(&meta[s], 0);
        roam_var_slot_meta_store_next_free(&meta[s], next);
    }
}

roam_err_t roam_segment_init(void *buf, size_t len, const roam_segment_config_t *cfg,
                             roam_layout_t *layout_out)
{
    roam_layout_t local;
    roam_layout_t *l = layout_out != NULL ? layout_out : &local;
    roam_err_t err;

    err = roam_layout_compute(cfg, l);
    if (err)
        return err;
    if (buf == NULL || len < l->total_size)
        return ROAM_E_BUFFER_SMALL;
    /* Ring and class headers are 64-byte aligned structs. */
    if ((uintptr_t)buf % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_BUFFER_ALIGN;

    /* Peers and rings, then the pool. */
    for (uint32_t i = 0; i < l->max_guests; i++)
        roam__init_guest(buf, l, i);
    for (uint32_t c = 0; c < l->num_classes; c++)
        roam__init_class(buf, l, c);

    /* The header last; it writes the magic last of all, behind a release
     * fence, so the segment becomes visible only once complete. */
    roam_segment_header_init(roam_layout_header(l, buf, 0), cfg, l);
    return ROAM_OK;
}
