/*
 * Segment creation: lay out a fresh segment in a zeroed buffer.
 */
#include <stdint.h>

#include "roam_internal.h"

/* Address of the object at byte offset off of the segment. */
static void *roam__at(void *base, uint64_t off)
{
    return (unsigned char *)base + off;
}

/* One guest: its peer entry, Empty at epoch 0, and its two ring headers. */
static void roam__init_guest(void *base, const roam_layout_t *l, uint32_t i, uint32_t capacity)
{
    roam_peer_entry_t *p =
        roam__at(base, l->peer_table_offset + (uint64_t)i * ROAM_PEER_ENTRY_SIZE);
    uint64_t ring = l->ring_base + (uint64_t)i * l->ring_stride;
    roam_bipbuf_header_t *to_host = roam__at(base, ring);
    roam_bipbuf_header_t *to_guest =
        roam__at(base, ring + ROAM_BIPBUF_HEADER_SIZE + (uint64_t)capacity);

    roam_peer_entry_store_state(p, ROAM_PEER_STATE_EMPTY);
    roam_peer_entry_store_epoch(p, 0);
    roam_peer_entry_store_last_heartbeat(p, 0);
    roam_peer_entry_set_ring_offset(p, ring);

    /* Guest-to-host first, host-to-guest after its data; indices at 0. */
    roam_bipbuf_header_t *rings[2] = {to_host, to_guest};
    for (int d = 0; d < 2; d++) {
        roam_bipbuf_header_set_capacity(rings[d], capacity);
        roam_bipbuf_header_store_write(rings[d], 0);
        roam_bipbuf_header_store_watermark(rings[d], 0);
        roam_bipbuf_header_store_read(rings[d], 0);
    }
}

/* One size class: its header and a free list through every slot. */
static void roam__init_class(void *base, const roam_class_layout_t *cl, const roam_size_class_t *c)
{
    roam_size_class_header_t *h = roam__at(base, cl->header_offset);
    roam_var_slot_meta_t *meta = roam__at(base, cl->meta_offset);

    roam_size_class_header_set_slot_size(h, c->slot_size);
    roam_size_class_header_set_slot_count(h, c->slot_count);
    /* (generation 0 << 32) | slot 0: the list starts at the first slot. */
    roam_size_class_header_store_free_head(h, 0);

    for (uint32_t s = 0; s < c->slot_count; s++) {
        uint32_t next = s + 1 < c->slot_count ? s + 1 : ROAM_FREE_LIST_EMPTY;

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

    /* Configurations that cannot work are refused before any layout. */
    err = roam_config_check(cfg, NULL);
    if (err)
        return err;
    err = roam_layout_compute(cfg, l);
    if (err)
        return err;
    if (buf == NULL || len < l->total_size)
        return ROAM_E_BUFFER_SMALL;
    /* Ring and class headers are 64-byte aligned structs. */
    if ((uintptr_t)buf % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_BUFFER_ALIGN;

    /* Peers and rings, then the pool. */
    for (uint32_t i = 0; i < cfg->max_guests; i++)
        roam__init_guest(buf, l, i, cfg->bipbuf_capacity);
    for (uint32_t c = 0; c < l->num_classes; c++)
        roam__init_class(buf, &l->classes[c], &cfg->classes[c]);

    /* The header last: roam_header_init writes the magic after a release
     * fence, so the segment becomes visible only once complete. */
    roam_header_params_t params = {
        .total_size = l->total_size,
        .max_payload_size = cfg->max_payload_size,
        .inline_threshold = cfg->inline_threshold,
        .max_guests = cfg->max_guests,
        .bipbuf_capacity = cfg->bipbuf_capacity,
        .peer_table_offset = l->peer_table_offset,
        .var_pool_offset = l->var_pool_offset,
        .heartbeat_interval = cfg->heartbeat_interval,
        .num_var_slot_classes = l->num_classes,
    };
    roam_header_init((roam_segment_header_t *)buf, &params);
    return ROAM_OK;
}
