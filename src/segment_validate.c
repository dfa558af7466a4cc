/*
 * Whole-segment validation: the header, then every size-class header,
 * peer entry and BipBuffer header, each field read once.
 *
 * Success is the common case and costs what the rules cost:
 *  - each entry's fields are read once into locals and compared; a failed
 *    rule formats its message from those locals (roam__diag is cold, so
 *    the formatting stays off the path of success), never by reading
 *    shared memory again;
 *  - each table is navigated once, for its first entry; every next entry
 *    is one stride further ("compute the ring base once, step by stride"),
 *    instead of recomputing each guest's ring offset with checked
 *    arithmetic for every rule;
 *  - on success *diag gets ROAM_OK, index 0 and an empty message: nothing
 *    is formatted.
 */
#include <inttypes.h>

#include "roam_internal.h"

/* Stepping a pointer by one entry is stepping by the schema's entry size. */
_Static_assert(sizeof(roam_peer_entry_t) == ROAM_PEER_ENTRY_SIZE, "peer entries are contiguous");
_Static_assert(sizeof(roam_size_class_header_t) == ROAM_SIZE_CLASS_HEADER_SIZE,
               "size-class headers are contiguous");

static const char *const roam__dir_name[2] = {"guest-to-host", "host-to-guest"};

/* ---- Size classes ------------------------------------------------------------
 * One header per class, in a table at var_pool_offset; each class's
 * metadata and data follow the (aligned) table in class order, so a cursor
 * walks them. */
static roam_err_t roam__check_classes(const void *base, const roam_segment_header_t *snap,
                                      uint64_t current, roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_num_var_slot_classes(snap);
    /* Navigation once: class 0; class i is i headers further. */
    const roam_size_class_header_t *h = roam_segment_class(base, snap, 0);
    uint64_t table, cursor;

    if (roam__unlikely(!roam__class_table_size(n, &table) ||
                       !roam__add(roam_segment_header_var_pool_offset(snap), table, &cursor)))
        return roam__diag(diag, ROAM_E_CLASS_BOUNDS, 0, "class table does not fit in 64 bits");

    for (uint32_t i = 0; i < n; i++, h++) {
        /* Each field read once: the segment may change while we look. */
        uint32_t size = roam_size_class_header_slot_size(h);
        uint32_t count = roam_size_class_header_slot_count(h);
        uint32_t head_slot = (uint32_t)roam_size_class_header_load_free_head(h);  /* low 32 bits */
        uint64_t meta, data, data_at, end;

        if (roam__unlikely(size == 0))
            return roam__diag(diag, ROAM_E_CLASS_SLOT_SIZE, i, "class %" PRIu32 ": slot_size is 0",
                              i);
        if (roam__unlikely(count == 0))
            return roam__diag(diag, ROAM_E_CLASS_SLOT_COUNT, i,
                              "class %" PRIu32 ": slot_count is 0", i);

        /* Metadata then data, both inside current_size, without overflow. */
        if (roam__unlikely(!roam__class_sizes(size, count, &meta, &data) ||
                           !roam__add(cursor, meta, &data_at) || !roam__add(data_at, data, &end)))
            return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                              "class %" PRIu32 ": %" PRIu32 " slots of %" PRIu32
                              " bytes do not fit in 64 bits", i, count, size);
        if (roam__unlikely(end > current))
            return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                              "class %" PRIu32 ": metadata and data end at %" PRIu64
                              ", past current_size %" PRIu64, i, end, current);

        if (roam__unlikely(head_slot != ROAM_FREE_LIST_EMPTY && head_slot >= count))
            return roam__diag(diag, ROAM_E_CLASS_FREE_HEAD, i,
                              "class %" PRIu32 ": free_head names slot %" PRIu32 " of %" PRIu32, i,
                              head_slot, count);
        cursor = end;
    }
    return ROAM_OK;
}

/* ---- Peer entries ---------------------------------------------------------------
 * A known state, and the ring pair the layout gives the entry: guest i's
 * pair starts at ring_base + i * stride. ring_base comes from the
 * navigation once (*ring0); each next offset is the previous pair's end,
 * and `room` (bytes left before the pool or current_size, whichever comes
 * first) shrinks by one stride per guest, so no offset is recomputed and no
 * sum can overflow. */
static roam_err_t roam__check_peers(const void *base, const roam_segment_header_t *snap,
                                    uint64_t current, uint64_t *ring0, roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_max_guests(snap);
    uint32_t capacity = roam_segment_header_bipbuf_capacity(snap);
    uint64_t pool = roam_segment_header_var_pool_offset(snap);
    uint64_t stride = roam__ring_stride(capacity);
    uint64_t limit = pool < current ? pool : current;
    const roam_peer_entry_t *p;
    uint64_t want, room;

    if (n == 0)
        return ROAM_OK;
    /* Ring headers must land on 64-byte boundaries to be read at all. */
    if (roam__unlikely(capacity == 0 || capacity % ROAM_SEGMENT_ALIGN != 0))
        return roam__diag(diag, ROAM_E_RING_LAYOUT, 0,
                          "bipbuf_capacity %" PRIu32 " is not a non-zero multiple of 64", capacity);
    if (roam__unlikely(!roam__ring_offset(snap, 0, ring0)))
        return roam__diag(diag, ROAM_E_PEER_RING_BOUNDS, 0,
                          "peer 0: ring offset does not fit in 64 bits");
    want = *ring0;
    room = want <= limit ? limit - want : 0;

    /* Navigation once: entry 0; entry i is i entries further. */
    p = roam_segment_peer(base, snap, 0);
    for (uint32_t i = 0; i < n; i++, p++) {
        /* Each field read once: the segment may change while we look. */
        uint32_t state = roam_peer_entry_load_state(p);
        uint64_t ring = roam_peer_entry_ring_offset(p);

        if (roam__unlikely(!roam_peer_state_is_valid(state)))
            return roam__diag(diag, ROAM_E_PEER_STATE, i,
                              "peer %" PRIu32 ": state %" PRIu32 " is not a peer state", i, state);
        if (roam__unlikely(ring != want))
            return roam__diag(diag, ROAM_E_PEER_RING_OFFSET, i,
                              "peer %" PRIu32 ": ring_offset %" PRIu64
                              ", layout puts it at %" PRIu64, i, ring, want);
        if (roam__unlikely(room < stride))
            return roam__diag(diag, ROAM_E_PEER_RING_BOUNDS, i,
                              "peer %" PRIu32 ": rings at %" PRIu64 " run past var_pool_offset %"
                              PRIu64 " or current_size %" PRIu64, i, ring, pool, current);
        room -= stride;
        want += stride;   /* the next pair starts where this one ends */
    }
    return ROAM_OK;
}

/* ---- BipBuffer headers ------------------------------------------------------------
 * The segment's capacity, and indices within it. The peer checks proved
 * every pair fits inside the segment; guest 0's guest-to-host header is at
 * ring0, and each header after it is one half-pair (header + capacity)
 * further. */
static roam_err_t __attribute__((cold, noinline))
roam__ring_fail(roam_diag_t *diag, uint32_t i, int dir, uint32_t capacity, uint32_t have,
                uint32_t write, uint32_t read, uint32_t watermark)
{
    const char *dir_name = roam__dir_name[dir];

    if (have != capacity)
        return roam__diag(diag, ROAM_E_RING_CAPACITY, i,
                          "peer %" PRIu32 " %s ring: capacity %" PRIu32 ", segment says %" PRIu32,
                          i, dir_name, have, capacity);
    /* The first index beyond capacity, in the order write, read, watermark. */
    if (write > capacity)
        return roam__diag(diag, ROAM_E_RING_INDEX, i,
                          "peer %" PRIu32 " %s ring: write %" PRIu32 " beyond capacity %" PRIu32,
                          i, dir_name, write, capacity);
    if (read > capacity)
        return roam__diag(diag, ROAM_E_RING_INDEX, i,
                          "peer %" PRIu32 " %s ring: read %" PRIu32 " beyond capacity %" PRIu32,
                          i, dir_name, read, capacity);
    return roam__diag(diag, ROAM_E_RING_INDEX, i,
                      "peer %" PRIu32 " %s ring: watermark %" PRIu32 " beyond capacity %" PRIu32,
                      i, dir_name, watermark, capacity);
}

/* One ring header at `at`: each field read once. */
static inline roam_err_t roam__check_ring(const unsigned char *at, uint32_t capacity, uint32_t i,
                                          int dir, roam_diag_t *diag)
{
    const roam_bipbuf_header_t *r = (const roam_bipbuf_header_t *)(const void *)at;
    uint32_t have = roam_bipbuf_header_capacity(r);
    uint32_t write = roam_bipbuf_header_load_write(r);
    uint32_t read = roam_bipbuf_header_load_read(r);
    uint32_t watermark = roam_bipbuf_header_load_watermark(r);

    if (roam__unlikely(have != capacity))
        return roam__ring_fail(diag, i, dir, capacity, have, write, read, watermark);
    if (roam__unlikely(write > capacity))
        return roam__ring_fail(diag, i, dir, capacity, have, write, read, watermark);
    if (roam__unlikely(read > capacity))
        return roam__ring_fail(diag, i, dir, capacity, have, write, read, watermark);
    if (roam__unlikely(watermark > capacity))
        return roam__ring_fail(diag, i, dir, capacity, have, write, read, watermark);
    return ROAM_OK;
}

static roam_err_t roam__check_rings(const void *base, const roam_segment_header_t *snap,
                                    uint64_t ring0, roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_max_guests(snap);
    uint32_t capacity = roam_segment_header_bipbuf_capacity(snap);
    uint64_t half = ROAM_BIPBUF_HEADER_SIZE + (uint64_t)capacity;
    const unsigned char *at = (const unsigned char *)base + ring0;
    roam_err_t err;

    for (uint32_t i = 0; i < n; i++, at += 2 * half) {
        err = roam__check_ring(at, capacity, i, ROAM_RING_GUEST_TO_HOST, diag);
        if (err)
            return err;
        err = roam__check_ring(at + half, capacity, i, ROAM_RING_HOST_TO_GUEST, diag);
        if (err)
            return err;
    }
    return ROAM_OK;
}

roam_err_t roam_segment_validate(const void *buf, size_t len, roam_segment_header_t *snap,
                                 roam_diag_t *diag)
{
    roam_segment_header_t local_snap;
    uint64_t current, ring0 = 0;
    roam_err_t err;

    if (snap == NULL)
        snap = &local_snap;

    /* Header rules, including that len covers current_size. */
    err = roam_header_validate(buf, len, ROAM_VALIDATE_MAPPING, snap);
    if (roam__unlikely(err))
        return roam__diag(diag, err, 0, "%s", roam_strerror(err));
    /* The entries below are read in place, as the typed structs they are. */
    if (roam__unlikely((uintptr_t)buf % ROAM_SEGMENT_ALIGN != 0))
        return roam__diag(diag, ROAM_E_BUFFER_ALIGN, 0, "%s", roam_strerror(ROAM_E_BUFFER_ALIGN));

    /* The snapshot is private: its current_size is read once for all. */
    current = roam_segment_header_load_current_size(snap);
    err = roam__check_classes(buf, snap, current, diag);
    if (err)
        return err;
    err = roam__check_peers(buf, snap, current, &ring0, diag);
    if (err)
        return err;
    err = roam__check_rings(buf, snap, ring0, diag);
    if (err)
        return err;
    return roam__diag_ok(diag);
}
