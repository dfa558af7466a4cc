/*
 * Segment header: snapshot, validation rules and initialisation.
 */
#include <stdatomic.h>
#include <string.h>

#include "roam_internal.h"

/* Copy the shared header into the private snapshot, each byte read once.
 * Another process may be writing the header while it is copied; every
 * byte of the copy is validated afterwards, so a torn copy is rejected or
 * harmless. A mapped header (always 8-byte aligned) is copied as sixteen
 * relaxed atomic 64-bit loads: no 8-byte word is ever torn, and the copy is
 * race-free by the letter of the memory model. An unaligned private buffer
 * cannot be shared, so it is copied plainly. The acquire fence in
 * roam_header_snapshot orders the loads before any later read. */
static void roam__header_copy(roam_segment_header_plain_t *snap, const void *buf)
{
    uint64_t *dst = (uint64_t *)(void *)snap;
    const uint64_t *src = buf;

    if ((uintptr_t)buf % sizeof(uint64_t) != 0) {
        memcpy(snap, buf, sizeof *snap);
        return;
    }
    for (size_t i = 0; i < sizeof *snap / sizeof(uint64_t); i++)
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

roam_err_t roam_header_snapshot(const void *buf, size_t len, roam_segment_header_plain_t *snap)
{
    /* Never read past a buffer that cannot hold the header. */
    if (buf == NULL || len < ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_TRUNCATED;

    roam__header_copy(snap, buf);
    /* A valid magic seen in the copy orders every later read of the
     * segment after the creator's release fence that preceded the magic. */
    atomic_thread_fence(memory_order_acquire);
    return ROAM_OK;
}

/* The four rules of roam's own validate(), in its order. */
static roam_err_t roam__check_identity(const roam_segment_header_plain_t *h)
{
    if (memcmp(roam_segment_header_plain_magic(h), ROAM_MAGIC, ROAM_MAGIC_SIZE) != 0)
        return ROAM_E_BAD_MAGIC;
    if (roam_segment_header_plain_version(h) != ROAM_SEGMENT_VERSION)
        return ROAM_E_VERSION;
    if (roam_segment_header_plain_header_size(h) != ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_HEADER_SIZE;
    if (roam_segment_header_plain_num_var_slot_classes(h) == 0)
        return ROAM_E_NO_CLASSES;
    return ROAM_OK;
}

/* Sizes and reserved bytes. */
static roam_err_t roam__check_sizes(const roam_segment_header_plain_t *h)
{
    uint64_t total = roam_segment_header_plain_total_size(h);

    if (roam_segment_header_plain_max_guests(h) > ROAM_MAX_GUESTS)
        return ROAM_E_MAX_GUESTS;
    if (roam_segment_header_plain_current_size(h) < total)
        return ROAM_E_CURRENT_SIZE;
    if (total < ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_TOTAL_SIZE;
    for (size_t i = 0; i < sizeof h->reserved; i++)
        if (h->reserved[i] != 0)
            return ROAM_E_RESERVED;
    return ROAM_OK;
}

/* Where the peer table and the size-class table sit: the layout the
 * header describes, each table after the one before it and inside
 * current_size. */
static roam_err_t roam__check_tables(const roam_segment_header_plain_t *h)
{
    uint64_t current = roam_segment_header_plain_current_size(h);
    uint64_t peers = roam_segment_header_plain_peer_table_offset(h);
    uint64_t pool = roam_segment_header_plain_var_pool_offset(h);
    roam_layout_t l;
    bool placed;

    if (peers % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_PEER_TABLE_ALIGN;
    if (pool % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_VAR_POOL_ALIGN;

    placed = roam_layout_from_header(h, &l);

    /* Peer table: after the header, inside the segment. */
    if (peers < l.header_offset + l.header_size ||
        l.peer_table_size > current || peers > current - l.peer_table_size)
        return ROAM_E_PEER_TABLE_BOUNDS;

    /* Class-header table: after the peer table, inside the segment. The
     * peer table fits, so a formula that leaves 64 bits is one at or after
     * it: it puts the class table past any current_size. */
    if (!placed || pool < peers + l.peer_table_size || l.var_pool_size > current ||
        pool > current - l.var_pool_size)
        return ROAM_E_CLASS_TABLE_BOUNDS;
    return ROAM_OK;
}

roam_err_t roam_header_check(const roam_segment_header_plain_t *snap)
{
    roam_err_t err;

    err = roam__check_identity(snap);
    if (err)
        return err;
    err = roam__check_sizes(snap);
    if (err)
        return err;
    return roam__check_tables(snap);
}

roam_err_t roam_header_check_mapping(const roam_segment_header_plain_t *snap, uint64_t mapped_len)
{
    if (mapped_len < roam_segment_header_plain_current_size(snap))
        return ROAM_E_MAPPING_SHORT;
    return ROAM_OK;
}

roam_err_t roam_header_validate(const void *buf, size_t len, unsigned flags,
                                roam_segment_header_plain_t *snap)
{
    roam_segment_header_plain_t local;
    roam_err_t err;

    if (snap == NULL)
        snap = &local;
    err = roam_header_snapshot(buf, len, snap);
    if (err)
        return err;
    err = roam_header_check(snap);
    if (err)
        return err;
    if (flags & ROAM_VALIDATE_MAPPING)
        return roam_header_check_mapping(snap, len);
    return ROAM_OK;
}
