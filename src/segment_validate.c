/*
 * Whole-segment validation: the header, then every size-class header,
 * peer entry and BipBuffer header, each field read once. Positions come
 * from the generated layout of the header snapshot (roam_layout_from_header,
 * called by the header rules: stored offsets as stored, the rest by the
 * schema's formulas), computed once per validation, and for each class
 * from the generated per-class placement at a running cursor.
 *
 * Success is the common case and costs what the rules cost:
 *  - each entry's fields are read once into locals and compared; a failed
 *    rule formats its message from those locals (roam__diag is cold, so
 *    the formatting stays off the path of success), never by reading
 *    shared memory again;
 *  - the layout gives each table's start and stride once; entry i is i
 *    strides further;
 *  - the header rules and every check are inlined into the two entry
 *    points: roam_segment_validate keeps its layout in registers and
 *    stores none of it; a handle's validation records every class in the
 *    handle's layout, which it navigates with;
 *  - on success *diag gets ROAM_OK, index 0 and an empty message: nothing
 *    is formatted.
 */
#include <inttypes.h>

#include "header_check.h"
#include "segment_internal.h"
#include "sigbus_internal.h"

static const char *const roam__dir_name[2] = {"guest-to-host", "host-to-guest"};

/* ---- Size classes ------------------------------------------------------------
 * One header per class in the var_pool region; each class's metadata and
 * data are placed by the generated per-class function at a cursor that
 * starts where the layout puts the class areas and moves past each class.
 * With `keep` each placed class is recorded in *l (the handle navigates
 * with it); without, nothing is stored. */
static roam_err_t __attribute__((cold, noinline)) roam__too_many_classes(roam_diag_t *diag,
                                                                          uint32_t i)
{
    return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                      "class %" PRIu32 ": a segment has at most %u size classes", i,
                      ROAM_MAX_SIZE_CLASSES);
}

static ROAM__ALWAYS_INLINE roam_err_t roam__check_classes(const void *base, roam_layout_t *l,
                                                          uint64_t current, bool keep,
                                                          roam_diag_t *diag)
{
    uint32_t n = l->num_classes;
    /* The layout holds at most ROAM_MAX_SIZE_CLASSES; any more are an
     * error, reported after the classes before them. */
    uint32_t fit = n < ROAM_MAX_SIZE_CLASSES ? n : ROAM_MAX_SIZE_CLASSES;
    const unsigned char *hdr = (const unsigned char *)roam_layout_var_pool(l, base, 0);
    uint64_t stride = l->var_pool_stride;
    uint64_t at = l->class_areas_offset;

    for (uint32_t i = 0; i < fit; i++, hdr += stride) {
        const roam_size_class_header_t *h = (const roam_size_class_header_t *)(const void *)hdr;
        /* Each field read once: the segment may change while we look. */
        roam_size_class_t cls = {
            .slot_size = roam_size_class_header_slot_size(h),
            .slot_count = roam_size_class_header_slot_count(h),
        };
        uint32_t head_slot = (uint32_t)roam_size_class_header_load_free_head(h);  /* low 32 bits */
        roam_class_areas_item_t x;

        if (roam__unlikely(cls.slot_size == 0))
            return roam__diag(diag, ROAM_E_CLASS_SLOT_SIZE, i, "class %" PRIu32 ": slot_size is 0",
                              i);
        if (roam__unlikely(cls.slot_count == 0))
            return roam__diag(diag, ROAM_E_CLASS_SLOT_COUNT, i,
                              "class %" PRIu32 ": slot_count is 0", i);

        /* Metadata then data, both inside current_size, without overflow
         * (the item's end, x.offset + x.size, fits in 64 bits once placed). */
        if (roam__unlikely(!roam_layout_class_areas_place(l, at, &cls, &x)))
            return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                              "class %" PRIu32 ": %" PRIu32 " slots of %" PRIu32
                              " bytes do not fit in 64-bit offsets", i, cls.slot_count,
                              cls.slot_size);
        if (roam__unlikely(x.offset + x.size > current))
            return roam__diag(diag, ROAM_E_CLASS_BOUNDS, i,
                              "class %" PRIu32 ": metadata and data end at %" PRIu64
                              ", past current_size %" PRIu64, i, x.offset + x.size, current);

        if (roam__unlikely(head_slot != ROAM_FREE_LIST_EMPTY && head_slot >= cls.slot_count))
            return roam__diag(diag, ROAM_E_CLASS_FREE_HEAD, i,
                              "class %" PRIu32 ": free_head names slot %" PRIu32 " of %" PRIu32, i,
                              head_slot, cls.slot_count);

        if (keep && roam__unlikely(!roam_layout_class_areas_push(l, &cls, &x)))
            return roam__too_many_classes(diag, i);
        at = x.offset + x.size;   /* the next class starts where this one ends */
    }
    if (roam__unlikely(n > fit))
        return roam__too_many_classes(diag, fit);
    return ROAM_OK;
}

/* ---- Peer entries ---------------------------------------------------------------
 * A known state, and the ring pair the layout gives the entry. `room`
 * (bytes left before the pool or current_size, whichever comes first)
 * shrinks by one ring stride per guest, so no sum can overflow. */
static ROAM__ALWAYS_INLINE roam_err_t roam__check_peers(const void *base, const roam_layout_t *l,
                                                        uint64_t current, roam_diag_t *diag)
{
    uint32_t n = l->max_guests;
    uint32_t capacity = l->bipbuf_capacity;
    uint64_t pool = l->var_pool_offset;
    uint64_t stride = l->rings_stride;
    uint64_t limit = pool < current ? pool : current;
    uint64_t want = l->rings_offset;
    uint64_t room = want <= limit ? limit - want : 0;

    if (n == 0)
        return ROAM_OK;
    /* Ring headers must land on 64-byte boundaries to be read at all. */
    if (roam__unlikely(capacity == 0 || capacity % ROAM_SEGMENT_ALIGN != 0))
        return roam__diag(diag, ROAM_E_RING_LAYOUT, 0,
                          "bipbuf_capacity %" PRIu32 " is not a non-zero multiple of %u", capacity,
                          ROAM_SEGMENT_ALIGN);

    /* Navigation once, for entry 0; entry i is i strides further. */
    const unsigned char *at = (const unsigned char *)roam_layout_peer_table(l, base, 0);

    for (uint32_t i = 0; i < n; i++, at += l->peer_table_stride) {
        const roam_peer_entry_t *p = (const roam_peer_entry_t *)(const void *)at;
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
 * every pair fits inside the segment. */
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

/* One ring header: each field read once. */
static ROAM__ALWAYS_INLINE roam_err_t roam__check_ring(const roam_bipbuf_header_t *r, uint32_t capacity,
                                          uint32_t i, int dir, roam_diag_t *diag)
{
    uint32_t have = roam_bipbuf_header_capacity(r);
    uint32_t write = roam_bipbuf_header_load_write(r);
    uint32_t read = roam_bipbuf_header_load_read(r);
    uint32_t watermark = roam_bipbuf_header_load_watermark(r);

    if (roam__unlikely(have != capacity || write > capacity || read > capacity ||
                       watermark > capacity))
        return roam__ring_fail(diag, i, dir, capacity, have, write, read, watermark);
    return ROAM_OK;
}

static ROAM__ALWAYS_INLINE roam_err_t roam__check_rings(const void *base, const roam_layout_t *l,
                                                        roam_diag_t *diag)
{
    /* Navigation once, for guest 0's two headers; guest i's are i ring
     * strides further. */
    const unsigned char *to_host = (const unsigned char *)roam_layout_rings_to_host(l, base, 0);
    const unsigned char *to_guest = (const unsigned char *)roam_layout_rings_to_guest(l, base, 0);
    roam_err_t err;

    for (uint32_t i = 0; i < l->max_guests; i++) {
        uint64_t step = (uint64_t)i * l->rings_stride;

        err = roam__check_ring((const roam_bipbuf_header_t *)(const void *)(to_host + step),
                               l->bipbuf_capacity, i, ROAM_RING_GUEST_TO_HOST, diag);
        if (err)
            return err;
        err = roam__check_ring((const roam_bipbuf_header_t *)(const void *)(to_guest + step),
                               l->bipbuf_capacity, i, ROAM_RING_HOST_TO_GUEST, diag);
        if (err)
            return err;
    }
    return ROAM_OK;
}

/* Every rule, in order, with the layout of the header in *l; with `keep`
 * every class is placed in *l too, and its total_size set. */
static ROAM__ALWAYS_INLINE roam_err_t roam__validate(const void *buf, size_t len,
                                                     roam_segment_header_plain_t *snap,
                                                     roam_layout_t *l, bool keep,
                                                     roam_diag_t *diag)
{
    uint64_t current;
    roam_err_t err;

    /* Header rules, including that len covers current_size; they place
     * the fixed regions of *l, and prove that none of their formulas
     * leaves 64 bits. */
    err = roam__header_validate(buf, len, ROAM_VALIDATE_MAPPING, snap, l);
    if (roam__unlikely(err))
        return roam__diag(diag, err, 0, "%s", roam_strerror(err));
    /* The entries below are read in place, as the typed structs they are. */
    if (roam__unlikely((uintptr_t)buf % ROAM_SEGMENT_ALIGN != 0))
        return roam__diag(diag, ROAM_E_BUFFER_ALIGN, 0, "%s", roam_strerror(ROAM_E_BUFFER_ALIGN));

    current = roam_segment_header_plain_current_size(snap);
    err = roam__check_classes(buf, l, current, keep, diag);
    if (err)
        return err;
    err = roam__check_peers(buf, l, current, diag);
    if (err)
        return err;
    err = roam__check_rings(buf, l, diag);
    if (err)
        return err;
    /* Every region is placed and inside the segment. */
    if (keep)
        (void)roam_layout_total_size(l, &l->total_size);
    return roam__diag_ok(diag);
}

roam_err_t roam__segment_validate(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                                  roam_layout_t *layout, roam_diag_t *diag)
{
    return roam__validate(buf, len, snap, layout, true, diag);
}

/* Under the SIGBUS guard (roam_sigbus.h) a mapping whose file was cut is
 * ROAM_E_SIGBUS. The guarded region calls the walk out of line, one copy
 * per use of the layout (keep stays a constant in each), so the frame that
 * calls sigsetjmp holds none of the walk's locals; without the guard the
 * walk is inlined into the entry point as before. */
static roam_err_t __attribute__((noinline))
roam__validate_keep(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                    roam_layout_t *layout, roam_diag_t *diag)
{
    return roam__validate(buf, len, snap, layout, true, diag);
}

static roam_err_t __attribute__((noinline))
roam__validate_drop(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                    roam_diag_t *diag)
{
    roam_segment_header_plain_t local_snap;
    roam_layout_t layout;

    return roam__validate(buf, len, snap != NULL ? snap : &local_snap, &layout, false, diag);
}

static roam_err_t __attribute__((noinline, cold))
roam__validate_keep_guarded(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                            roam_layout_t *layout, roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "validate", buf, len, (void)0,
                  roam__validate_keep(buf, len, snap, layout, diag));
}

static roam_err_t __attribute__((noinline, cold))
roam__validate_drop_guarded(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                            roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "validate", buf, len, (void)0, roam__validate_drop(buf, len, snap, diag));
}

/* roam__segment_validate as a guarded region (attach, create). */
roam_err_t roam__segment_validate_guarded(const void *buf, size_t len,
                                          roam_segment_header_plain_t *snap, roam_layout_t *layout,
                                          roam_diag_t *diag)
{
    ROAM__UNGUARDED_FAST(roam__validate(buf, len, snap, layout, true, diag));
    return roam__validate_keep_guarded(buf, len, snap, layout, diag);
}

/* The caller keeps no layout: the fixed regions go to a local one and the
 * classes are placed in locals only. */
roam_err_t roam_segment_validate(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                                 roam_diag_t *diag)
{
    roam_segment_header_plain_t local_snap;
    roam_layout_t layout;

    ROAM__UNGUARDED_FAST(
        roam__validate(buf, len, snap != NULL ? snap : &local_snap, &layout, false, diag));
    return roam__validate_drop_guarded(buf, len, snap, diag);
}
