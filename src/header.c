/*
 * Segment header: snapshot, validation rules and initialisation.
 */
#include <stdatomic.h>
#include <string.h>

#include "sigbus_internal.h"

/* Copy the shared header into the private snapshot, each byte read once.
 * Another process may be writing the header while it is copied; every
 * byte of the copy is validated afterwards, so a torn copy is rejected or
 * harmless. A mapped header (always 8-byte aligned) is copied as sixteen
 * relaxed atomic 64-bit loads: no 8-byte word is ever torn, and the copy is
 * race-free by the letter of the memory model. An unaligned private buffer
 * cannot be shared, so it is copied plainly. The acquire fence in
 * roam_header_snapshot orders the loads before any later read. */
static void roam__header_copy(roam_segment_header_t *snap, const void *buf)
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

/* Kept out of line: its fence stays out of the guarded wrapper's frame
 * (ThreadSanitizer refuses fences in a function that calls sigsetjmp). */
__attribute__((noinline))
static roam_err_t roam__header_snapshot(const void *buf, size_t len, roam_segment_header_t *snap)
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

roam_err_t roam_header_snapshot(const void *buf, size_t len, roam_segment_header_t *snap)
{
    ROAM__GUARDED(NULL, "header", buf, len, (void)0, roam__header_snapshot(buf, len, snap));
}

/* The four rules of roam's own validate(), in its order. */
static roam_err_t roam__check_identity(const roam_segment_header_t *h)
{
    if (memcmp(roam_segment_header_magic(h), ROAM_MAGIC, ROAM_MAGIC_SIZE) != 0)
        return ROAM_E_BAD_MAGIC;
    if (roam_segment_header_version(h) != ROAM_SEGMENT_VERSION)
        return ROAM_E_VERSION;
    if (roam_segment_header_header_size(h) != ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_HEADER_SIZE;
    if (roam_segment_header_num_var_slot_classes(h) == 0)
        return ROAM_E_NO_CLASSES;
    return ROAM_OK;
}

/* Sizes and reserved bytes. */
static roam_err_t roam__check_sizes(const roam_segment_header_t *h)
{
    uint64_t total = roam_segment_header_total_size(h);

    if (roam_segment_header_max_guests(h) > ROAM_MAX_GUESTS)
        return ROAM_E_MAX_GUESTS;
    /* A slot reference names its class in one byte. */
    if (roam_segment_header_num_var_slot_classes(h) > ROAM_MAX_SIZE_CLASSES)
        return ROAM_E_TOO_MANY_CLASSES;
    if (roam_segment_header_load_current_size(h) < total)
        return ROAM_E_CURRENT_SIZE;
    if (total < ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_TOTAL_SIZE;
    for (size_t i = 0; i < sizeof h->reserved; i++)
        if (h->reserved[i] != 0)
            return ROAM_E_RESERVED;
    return ROAM_OK;
}

/* *end = start + count * entry_size; false on overflow. */
static bool roam__table_end(uint64_t start, uint64_t count, uint64_t entry_size, uint64_t *end)
{
    uint64_t bytes;

    return roam__mul(count, entry_size, &bytes) && roam__add(start, bytes, end);
}

/* Where the peer table and the size-class table sit. */
static roam_err_t roam__check_tables(const roam_segment_header_t *h)
{
    uint64_t current = roam_segment_header_load_current_size(h);
    uint64_t peers = roam_segment_header_peer_table_offset(h);
    uint64_t pool = roam_segment_header_var_pool_offset(h);
    uint64_t peers_end, classes_end;

    if (peers % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_PEER_TABLE_ALIGN;
    if (pool % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_VAR_POOL_ALIGN;

    /* Peer table: after the header, inside the segment. */
    if (peers < ROAM_SEGMENT_HEADER_SIZE ||
        !roam__table_end(peers, roam_segment_header_max_guests(h), ROAM_PEER_ENTRY_SIZE, &peers_end) ||
        peers_end > current)
        return ROAM_E_PEER_TABLE_BOUNDS;

    /* Class-header table: after the peer table, inside the segment. */
    if (pool < peers_end ||
        !roam__table_end(pool, roam_segment_header_num_var_slot_classes(h),
                         ROAM_SIZE_CLASS_HEADER_SIZE, &classes_end) ||
        classes_end > current)
        return ROAM_E_CLASS_TABLE_BOUNDS;
    return ROAM_OK;
}

roam_err_t roam_header_check(const roam_segment_header_t *snap)
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

roam_err_t roam_header_check_mapping(const roam_segment_header_t *snap, uint64_t mapped_len)
{
    if (mapped_len < roam_segment_header_load_current_size(snap))
        return ROAM_E_MAPPING_SHORT;
    return ROAM_OK;
}

roam_err_t roam_header_validate(const void *buf, size_t len, unsigned flags,
                                roam_segment_header_t *snap)
{
    roam_segment_header_t local;
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

void roam_header_init(roam_segment_header_t *h, const roam_header_params_t *p)
{
    /* Everything but the magic, as roam's own init fills it in. */
    roam_segment_header_set_version(h, ROAM_SEGMENT_VERSION);
    roam_segment_header_set_header_size(h, ROAM_SEGMENT_HEADER_SIZE);
    roam_segment_header_set_total_size(h, p->total_size);
    roam_segment_header_set_max_payload_size(h, p->max_payload_size);
    roam_segment_header_set_inline_threshold(h, p->inline_threshold);
    roam_segment_header_set_max_guests(h, p->max_guests);
    roam_segment_header_set_bipbuf_capacity(h, p->bipbuf_capacity);
    roam_segment_header_set_peer_table_offset(h, p->peer_table_offset);
    roam_segment_header_set_var_pool_offset(h, p->var_pool_offset);
    roam_segment_header_set_heartbeat_interval(h, p->heartbeat_interval);
    roam_segment_header_store_host_goodbye(h, 0);
    roam_segment_header_set_num_var_slot_classes(h, p->num_var_slot_classes);
    roam_segment_header_store_current_size(h, p->total_size);
    memset(h->reserved, 0, sizeof h->reserved);

    /* The magic goes last, behind a release fence: a process that attaches
     * early sees no magic rather than a half-built header, and one that sees
     * the magic (then fences with acquire) sees everything written before. */
    atomic_thread_fence(memory_order_release);
    memcpy(h->magic, ROAM_MAGIC, ROAM_MAGIC_SIZE);
}
