/*
 * Where a var-slot pool's parts lie, relative to the pool's start
 * (reference §4), for a list of size classes. The arithmetic is the
 * layout computation's own: a segment without guests is laid out around
 * the classes and its pool offsets are read back.
 */
#include "data_internal.h"

roam_err_t roam__pool_layout(const roam_size_class_t *classes, uint32_t n,
                             roam_class_layout_t *out, uint64_t *pool_size)
{
    const roam_segment_config_t cfg = {
        .max_guests = 0,
        .bipbuf_capacity = ROAM_SEGMENT_ALIGN,   /* any valid value: no rings */
        .num_classes = n,
        .classes = classes,
    };
    roam_layout_t l;
    roam_err_t err = roam_layout_compute(&cfg, &l);

    if (err)
        return err;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = l.classes[i];
        out[i].header_offset -= l.var_pool_offset;
        out[i].meta_offset -= l.var_pool_offset;
        out[i].data_offset -= l.var_pool_offset;
    }
    *pool_size = l.pool_size;
    return ROAM_OK;
}
