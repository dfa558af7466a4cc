/*
 * Whole-segment validation: the header, then every size-class header,
 * peer entry and BipBuffer header, each field read once.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "sigbus_internal.h"

static const char *const roam__dir_name[2] = {"guest-to-host", "host-to-guest"};

/* One size-class header; *cursor walks the per-class regions in order. */
static roam_err_t roam__check_class(const void *base, const roam_segment_header_t *snap, uint32_t i,
                                    uint64_t *cursor, roam_diag_t *diag)
{
    uint64_t current = roam_segment_header_load_current_size(snap);
    const roam_size_class_header_t *h = roam_segment_class(base, snap, i);
    /* Each field read once: the segment may change while we look. */
    uint32_t size = roam_size_class_header_slot_size(h);
    uint32_t count = roam_size_class_header_slot_count(h);
    uint64_t head = roam_size_class_header_load_free_head(h);
    uint32_t head_slot = (uint32_t)head;   /* low 32 bits: the slot index */
    uint64_t meta, data, data_at, end;

    if (size == 0)
        return roam__diag(diag, ROAM_E_CLASS_SLOT_SIZE, i, "class %" PRIu32 ": slot_size is 0", i);
    if (count == 0)
        return roam__diag(diag, ROAM_E_CLASS_SLOT_COUNT, i, "class %" PRIu32 ": slot_count is 0", i);

    /* Metadata then data, both inside current_size, without overflow. */
    if (!roam__class_sizes(size, count, &meta, &data) || !roam__add(*cursor, meta, &data_at) ||
        !roam__add(data_at, data, &end))
        return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                          "class %" PRIu32 ": %" PRIu32 " slots of %" PRIu32
                          " bytes do not fit in 64 bits", i, count, size);
    if (end > current)
        return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                          "class %" PRIu32 ": metadata and data end at %" PRIu64
                          ", past current_size %" PRIu64, i, end, current);

    if (head_slot != ROAM_FREE_LIST_EMPTY && head_slot >= count)
        return roam__diag(diag, ROAM_E_CLASS_FREE_HEAD, i,
                          "class %" PRIu32 ": free_head names slot %" PRIu32 " of %" PRIu32, i,
                          head_slot, count);
    *cursor = end;
    return ROAM_OK;
}

static roam_err_t roam__check_classes(const void *base, const roam_segment_header_t *snap,
                                      roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_num_var_slot_classes(snap);
    uint64_t table, cursor;
    roam_err_t err;

    /* The per-class regions start after the aligned class-header table. */
    if (!roam__class_table_size(n, &table) ||
        !roam__add(roam_segment_header_var_pool_offset(snap), table, &cursor))
        return roam__diag(diag, ROAM_E_CLASS_BOUNDS, 0, "class table does not fit in 64 bits");
    for (uint32_t i = 0; i < n; i++) {
        err = roam__check_class(base, snap, i, &cursor, diag);
        if (err)
            return err;
    }
    return ROAM_OK;
}

/* One peer entry: a known state and the ring pair the layout gives it. */
static roam_err_t roam__check_peer(const void *base, const roam_segment_header_t *snap, uint32_t i,
                                   roam_diag_t *diag)
{
    uint64_t current = roam_segment_header_load_current_size(snap);
    uint64_t pool = roam_segment_header_var_pool_offset(snap);
    uint64_t stride = roam__ring_stride(roam_segment_header_bipbuf_capacity(snap));
    const roam_peer_entry_t *p = roam_segment_peer(base, snap, i);
    uint32_t state = roam_peer_entry_load_state(p);
    uint64_t ring = roam_peer_entry_ring_offset(p);
    uint64_t want, end;

    if (!roam_peer_state_is_valid(state))
        return roam__diag(diag, ROAM_E_PEER_STATE, i, "peer %" PRIu32 ": state %" PRIu32
                          " is not a peer state", i, state);
    if (!roam__ring_offset(snap, i, &want))
        return roam__diag(diag, ROAM_E_PEER_RING_BOUNDS, i,
                          "peer %" PRIu32 ": ring offset does not fit in 64 bits", i);
    if (ring != want)
        return roam__diag(diag, ROAM_E_PEER_RING_OFFSET, i,
                          "peer %" PRIu32 ": ring_offset %" PRIu64 ", layout puts it at %" PRIu64,
                          i, ring, want);
    if (!roam__add(ring, stride, &end) || end > pool || end > current)
        return roam__diag(diag, ROAM_E_PEER_RING_BOUNDS, i,
                          "peer %" PRIu32 ": rings at %" PRIu64 " run past var_pool_offset %"
                          PRIu64 " or current_size %" PRIu64, i, ring, pool, current);
    return ROAM_OK;
}

static roam_err_t roam__check_peers(const void *base, const roam_segment_header_t *snap,
                                    roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_max_guests(snap);
    uint32_t capacity = roam_segment_header_bipbuf_capacity(snap);
    roam_err_t err;

    /* Ring headers must land on 64-byte boundaries to be read at all. */
    if (n > 0 && (capacity == 0 || capacity % ROAM_SEGMENT_ALIGN != 0))
        return roam__diag(diag, ROAM_E_RING_LAYOUT, 0,
                          "bipbuf_capacity %" PRIu32 " is not a non-zero multiple of 64", capacity);
    for (uint32_t i = 0; i < n; i++) {
        err = roam__check_peer(base, snap, i, diag);
        if (err)
            return err;
    }
    return ROAM_OK;
}

/* One BipBuffer header: the segment's capacity and indices within it. */
static roam_err_t roam__check_ring(const void *base, const roam_segment_header_t *snap, uint32_t i,
                                   int dir, roam_diag_t *diag)
{
    uint32_t capacity = roam_segment_header_bipbuf_capacity(snap);
    /* Peer checks proved this ring pair fits and lies inside the segment. */
    const roam_bipbuf_header_t *r = roam_segment_ring(base, snap, i, (enum roam_ring_dir)dir);
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

static roam_err_t roam__check_rings(const void *base, const roam_segment_header_t *snap,
                                    roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_max_guests(snap);
    roam_err_t err;

    for (uint32_t i = 0; i < n; i++) {
        for (int dir = ROAM_RING_GUEST_TO_HOST; dir <= ROAM_RING_HOST_TO_GUEST; dir++) {
            err = roam__check_ring(base, snap, i, dir, diag);
            if (err)
                return err;
        }
    }
    return ROAM_OK;
}

static roam_err_t roam__segment_validate(const void *buf, size_t len, roam_segment_header_t *snap,
                                         roam_diag_t *diag)
{
    roam_segment_header_t local_snap;
    roam_diag_t local_diag;
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

    err = roam__check_classes(buf, snap, diag);
    if (err)
        return err;
    err = roam__check_peers(buf, snap, diag);
    if (err)
        return err;
    return roam__check_rings(buf, snap, diag);
}

roam_err_t roam_segment_validate(const void *buf, size_t len, roam_segment_header_t *snap,
                                 roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "validate", buf, len, (void)0, roam__segment_validate(buf, len, snap, diag));
}
