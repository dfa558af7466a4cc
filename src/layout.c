/*
 * Segment layout: where every region goes for a configuration
 * (reference §5).
 */
#include <string.h>

#include "roam_internal.h"

/* Rules on the configuration itself, before any arithmetic. */
static roam_err_t roam__layout_check_config(const roam_segment_config_t *cfg)
{
    if (cfg->max_guests > ROAM_MAX_GUESTS)
        return ROAM_E_LAYOUT_MAX_GUESTS;
    /* Every BipBuffer header must land on a 64-byte boundary. */
    if (cfg->bipbuf_capacity == 0 || cfg->bipbuf_capacity % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_LAYOUT_CAPACITY;
    if (cfg->classes == NULL || cfg->num_classes == 0)
        return ROAM_E_LAYOUT_NO_CLASSES;
    if (cfg->num_classes > ROAM_MAX_SIZE_CLASSES)
        return ROAM_E_LAYOUT_TOO_MANY_CLASSES;
    for (uint32_t i = 0; i < cfg->num_classes; i++) {
        if (cfg->classes[i].slot_size == 0)
            return ROAM_E_LAYOUT_SLOT_SIZE;
        /* This project rejects a class without slots: it can never serve an
         * allocation, and segment validation rejects slot_count 0 too. */
        if (cfg->classes[i].slot_count == 0)
            return ROAM_E_LAYOUT_SLOT_COUNT;
    }
    return ROAM_OK;
}

/* Peer table and rings: fills peer_table_offset .. var_pool_offset. */
static bool roam__layout_rings(const roam_segment_config_t *cfg, roam_layout_t *l)
{
    uint64_t peers_size, rings_size, rings_end;

    l->peer_table_offset = ROAM_SEGMENT_HEADER_SIZE;
    l->ring_stride = roam__ring_stride(cfg->bipbuf_capacity);
    return roam__mul(cfg->max_guests, ROAM_PEER_ENTRY_SIZE, &peers_size) &&
           roam__add(l->peer_table_offset, peers_size, &l->ring_base) &&
           roam__mul(cfg->max_guests, l->ring_stride, &rings_size) &&
           roam__add(l->ring_base, rings_size, &rings_end) &&
           roam__align64(rings_end, &l->var_pool_offset);
}

/* The var-slot pool: class headers, then each class's metadata and data. */
static bool roam__layout_pool(const roam_segment_config_t *cfg, roam_layout_t *l)
{
    uint64_t headers, cursor;

    l->num_classes = cfg->num_classes;
    if (!roam__class_table_size(cfg->num_classes, &headers) ||
        !roam__add(l->var_pool_offset, headers, &cursor))
        return false;

    for (uint32_t i = 0; i < cfg->num_classes; i++) {
        roam_class_layout_t *cl = &l->classes[i];

        /* Headers are back to back, so this cannot exceed the cursor above. */
        cl->header_offset = l->var_pool_offset + (uint64_t)i * ROAM_SIZE_CLASS_HEADER_SIZE;
        if (!roam__class_sizes(cfg->classes[i].slot_size, cfg->classes[i].slot_count,
                               &cl->meta_size, &cl->data_size))
            return false;
        cl->meta_offset = cursor;
        if (!roam__add(cl->meta_offset, cl->meta_size, &cl->data_offset) ||
            !roam__add(cl->data_offset, cl->data_size, &cursor))
            return false;
    }
    l->total_size = cursor;
    l->pool_size = cursor - l->var_pool_offset;
    return true;
}

roam_err_t roam_layout_compute(const roam_segment_config_t *cfg, roam_layout_t *out)
{
    roam_err_t err;

    memset(out, 0, sizeof *out);
    err = roam__layout_check_config(cfg);
    if (err)
        return err;
    if (!roam__layout_rings(cfg, out) || !roam__layout_pool(cfg, out)) {
        memset(out, 0, sizeof *out);
        return ROAM_E_LAYOUT_OVERFLOW;
    }
    return ROAM_OK;
}
