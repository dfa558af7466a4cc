/*
 * Where a var-slot pool's parts lie, relative to the pool's start
 * (reference §4), for a list of size classes: the generated layout of a
 * segment without guests, laid out around the classes, read back relative
 * to its var_pool region.
 */
#include "data_internal.h"

roam_err_t roam__pool_layout(const roam_size_class_t *classes, uint32_t n,
                             roam__pool_class_t *out, uint64_t *pool_size)
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
        out[i].header_offset = roam_layout_var_pool_offset_at(&l, i) - l.var_pool_offset;
        out[i].meta_offset = l.class_areas[i].meta_offset - l.var_pool_offset;
        out[i].data_offset = l.class_areas[i].data_offset - l.var_pool_offset;
    }
    *pool_size = l.total_size - l.var_pool_offset;
    return ROAM_OK;
}
