/*
 * Whole-segment validation: the header, then every size-class header, peer
 * entry and BipBuffer header, each field read once. Positions come from
 * the generated layout of the header snapshot: stored offsets as stored,
 * the rest by the schema's formulas.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "roam_internal.h"

static const char *const roam__dir_name[2] = {"guest-to-host", "host-to-guest"};

/* One size-class header: its slots placed after the previous class's. */
static roam_err_t roam__check_class(const void *base, roam_layout_t *l, uint64_t current,
                                    uint32_t i, roam_diag_t *diag)
{
    const roam_size_class_header_t *h = roam_layout_var_pool(l, base, i);
    /* Each field read once: the segment may change while we look. */
    roam_size_class_t cls = {
        .slot_size = roam_size_class_header_slot_size(h),
        .slot_count = roam_size_class_header_slot_count(h),
    };
    uint64_t head = roam_size_class_header_load_free_head(h);
    uint32_t head_slot = (uint32_t)head;   /* low 32 bits: the slot index */
    const roam_class_areas_item_t *at;

    if (cls.slot_size == 0)
        return roam__diag(diag, ROAM_E_CLASS_SLOT_SIZE, i, "class %" PRIu32 ": slot_size is 0", i);
    if (cls.slot_count == 0)
        return roam__diag(diag, ROAM_E_CLASS_SLOT_COUNT, i, "class %" PRIu32 ": slot_count is 0", i);

    /* Metadata then data, both inside current_size, without overflow. */
    if (!roam_layout_class_areas_item(l, i, &cls))
        return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                          "class %" PRIu32 ": %" PRIu32 " slots of %" PRIu32
                          " bytes do not fit in 64-bit offsets", i, cls.slot_count, cls.slot_size);
    at = &l->class_areas[i];
    if (at->size > current || at->offset > current - at->size)
        return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                          "class %" PRIu32 ": metadata and data end at %" PRIu64
                          ", past current_size %" PRIu64, i, at->offset + at->size, current);

    if (head_slot != ROAM_FREE_LIST_EMPTY && head_slot >= cls.slot_count)
        return roam__diag(diag, ROAM_E_CLASS_FREE_HEAD, i,
                          "class %" PRIu32 ": free_head names slot %" PRIu32 " of %" PRIu32, i,
                          head_slot, cls.slot_count);
    return ROAM_OK;
}

/* One peer entry: a known state and the ring pair the layout gives it. */
static roam_err_t roam__check_peer(const void *base, const roam_layout_t *l, uint64_t current,
                                   uint32_t i, roam_diag_t *diag)
{
    const roam_peer_entry_t *p = roam_layout_peer_table(l, base, i);
    uint32_t state = roam_peer_entry_load_state(p);
    uint64_t ring = roam_peer_entry_ring_offset(p);
    uint64_t want = roam_layout_rings_offset_at(l, i);

    if (!roam_peer_state_is_valid(state))
        return roam__diag(diag, ROAM_E_PEER_STATE, i, "peer %" PRIu32 ": state %" PRIu32
                          " is not a peer state", i, state);
    if (ring != want)
        return roam__diag(diag, ROAM_E_PEER_RING_OFFSET, i,
                          "peer %" PRIu32 ": ring_offset %" PRIu64 ", layout puts it at %" PRIu64,
                          i, ring, want);
    /* The pair ends before the pool and inside the segment. The layout
     * placed every pair without overflow, so want + stride fits. */
    if (want + l->rings_stride > l->var_pool_offset || want + l->rings_stride > current)
        return roam__diag(diag, ROAM_E_PEER_RING_BOUNDS, i,
                          "peer %" PRIu32 ": rings at %" PRIu64 " run past var_pool_offset %"
                          PRIu64 " or current_size %" PRIu64, i, ring, l->var_pool_offset, current);
    return ROAM_OK;
}

/* One BipBuffer header: the segment's capacity and indices within it. */
static roam_err_t roam__check_ring(const roam_bipbuf_header_t *r, uint32_t capacity, uint32_t i,
                                   int dir, roam_diag_t *diag)
{
    uint32_t have = roam_bipbuf_header_capacity(r);
    const struct {
        const char *name;
        uint32_t value;
    } idx[3] = {
        {"write", roam_bipbuf_header_load_write(r)},
        {"read", roam_bipbuf_header_load_read(r)},
        {"watermark", roam_bipbuf_header_load_watermark(r)},
    };

    if (have != capacity)
        return roam__diag(diag, ROAM_E_RING_CAPACITY, i,
                          "peer %" PRIu32 " %s ring: capacity %" PRIu32 ", segment says %" PRIu32,
                          i, roam__dir_name[dir], have, capacity);
    for (int k = 0; k < 3; k++)
        if (idx[k].value > capacity)
            return roam__diag(diag, ROAM_E_RING_INDEX, i,
                              "peer %" PRIu32 " %s ring: %s %" PRIu32 " beyond capacity %" PRIu32,
                              i, roam__dir_name[dir], idx[k].name, idx[k].value, capacity);
    return ROAM_OK;
}

/* Every guest: its peer entry, then its two rings. */
static roam_err_t roam__check_guests(const void *base, const roam_layout_t *l, uint64_t current,
                                     roam_diag_t *diag)
{
    uint32_t n = l->max_guests;
    uint32_t capacity = l->bipbuf_capacity;
    roam_err_t err;

    if (n == 0)
        return ROAM_OK;
    /* Ring headers must land on 64-byte boundaries to be read at all. */
    if (capacity == 0 || capacity % ROAM_SEGMENT_ALIGN != 0)
        return roam__diag(diag, ROAM_E_RING_LAYOUT, 0,
                          "bipbuf_capacity %" PRIu32 " is not a non-zero multiple of %u", capacity,
                          ROAM_SEGMENT_ALIGN);
    for (uint32_t i = 0; i < n; i++) {
        err = roam__check_peer(base, l, current, i, diag);
        if (err)
            return err;
    }
    for (uint32_t i = 0; i < n; i++) {
        err = roam__check_ring(roam_layout_rings_to_host(l, base, i), capacity, i, 0, diag);
        if (!err)
            err = roam__check_ring(roam_layout_rings_to_guest(l, base, i), capacity, i, 1, diag);
        if (err)
            return err;
    }
    return ROAM_OK;
}

roam_err_t roam_segment_validate(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                                 roam_diag_t *diag)
{
    roam_segment_header_plain_t local_snap;
    roam_diag_t local_diag;
    roam_layout_t l;
    uint64_t current;
    roam_err_t err;

    if (snap == NULL)
        snap = &local_snap;
    if (diag == NULL)
        diag = &local_diag;
    roam__diag(diag, ROAM_OK, 0, "%s", roam_strerror(ROAM_OK));

    /* Header rules, including that len covers current_size. */
    err = roam_header_validate(buf, len, ROAM_VALIDATE_MAPPING, snap);
    if (err)
        return roam__diag(diag, err, 0, "%s", roam_strerror(err));
    /* The entries below are read in place, as the typed structs they are. */
    if ((uintptr_t)buf % ROAM_SEGMENT_ALIGN != 0)
        return roam__diag(diag, ROAM_E_BUFFER_ALIGN, 0, "%s", roam_strerror(ROAM_E_BUFFER_ALIGN));

    /* The header rules proved the tables fit, so the formulas did too. */
    current = roam_segment_header_plain_current_size(snap);
    if (!roam_layout_from_header(snap, &l))
        return roam__diag(diag, ROAM_E_PEER_TABLE_BOUNDS, 0, "%s",
                          roam_strerror(ROAM_E_PEER_TABLE_BOUNDS));
    for (uint32_t i = 0; i < l.num_classes; i++) {
        err = roam__check_class(buf, &l, current, i, diag);
        if (err)
            return err;
    }
    return roam__check_guests(buf, &l, current, diag);
}
