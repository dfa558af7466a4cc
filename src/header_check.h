/*
 * The header rules, inline: the snapshot of a header and every rule on it,
 * for roam_header_validate (header.c) and the whole-segment validation
 * (segment_validate.c), which each inline them, so that the layout of the
 * header (a local of theirs) lives in registers. Not installed.
 */
#ifndef ROAM_HEADER_CHECK_H
#define ROAM_HEADER_CHECK_H

#include <stdatomic.h>
#include <string.h>

#include "roam_internal.h"

/* Copy the shared header into the private snapshot, each word read once.
 * Another process may be writing the header while it is copied; every
 * byte of the copy is validated afterwards, so a torn copy is rejected or
 * harmless. A mapped header (always 8-byte aligned) is copied as relaxed
 * atomic 64-bit loads: no 8-byte word is ever torn, and the copy is
 * race-free by the letter of the memory model. An unaligned private buffer
 * cannot be shared, so it is copied plainly. The acquire fence in
 * roam__header_snapshot orders the loads before any later read.
 *
 * The copy is fully unrolled (as a loop it cost a quarter of header
 * validation): sixteen loads and sixteen stores. Each word is stored with
 * memcpy so that the snapshot is written as bytes, whatever the struct's
 * field types. */
#define ROAM__HEADER_WORDS (sizeof(roam_segment_header_plain_t) / sizeof(uint64_t))
_Static_assert(sizeof(roam_segment_header_plain_t) % sizeof(uint64_t) == 0 && ROAM__HEADER_WORDS <= 16,
               "the header is at most sixteen whole 64-bit words (the unroll count below)");

/* ThreadSanitizer does not model fences (GCC refuses them under
 * -fsanitize=thread): a TSan build loads each word with acquire instead of
 * relaxed-then-fence, which orders at least as much and which TSan sees.
 * Every other build is relaxed loads and one fence. */
#if defined(__SANITIZE_THREAD__)
#define ROAM__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ROAM__TSAN 1
#endif
#endif
#ifdef ROAM__TSAN
#define ROAM__SNAPSHOT_LOAD __ATOMIC_ACQUIRE
#define roam__snapshot_fence() ((void)0)
#else
#define ROAM__SNAPSHOT_LOAD __ATOMIC_RELAXED
#define roam__snapshot_fence() atomic_thread_fence(memory_order_acquire)
#endif

static ROAM__ALWAYS_INLINE void roam__copy_word(unsigned char *dst, const uint64_t *src, size_t i)
{
    uint64_t w = __atomic_load_n(&src[i], ROAM__SNAPSHOT_LOAD);

    memcpy(dst + i * sizeof w, &w, sizeof w);
}

static ROAM__ALWAYS_INLINE void roam__header_copy(roam_segment_header_plain_t *snap, const void *buf)
{
    unsigned char *dst = (unsigned char *)snap;
    const uint64_t *src = buf;

    if ((uintptr_t)buf % sizeof(uint64_t) != 0) {
        memcpy(snap, buf, sizeof *snap);
        return;
    }
#pragma GCC unroll 16
    for (size_t i = 0; i < ROAM__HEADER_WORDS; i++)
        roam__copy_word(dst, src, i);
}

static ROAM__ALWAYS_INLINE roam_err_t roam__header_snapshot(const void *buf, size_t len,
                                                            roam_segment_header_plain_t *snap)
{
    /* Never read past a buffer that cannot hold the header. */
    if (buf == NULL || len < ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_TRUNCATED;

    roam__header_copy(snap, buf);
    /* A valid magic seen in the copy orders every later read of the
     * segment after the creator's release fence that preceded the magic. */
    roam__snapshot_fence();
    return ROAM_OK;
}

/* The four rules of roam's own validate(), in its order. */
static ROAM__ALWAYS_INLINE roam_err_t roam__check_identity(const roam_segment_header_plain_t *h)
{
    if (roam__unlikely(memcmp(roam_segment_header_plain_magic(h), ROAM_MAGIC, ROAM_MAGIC_SIZE) != 0))
        return ROAM_E_BAD_MAGIC;
    if (roam__unlikely(roam_segment_header_plain_version(h) != ROAM_SEGMENT_VERSION))
        return ROAM_E_VERSION;
    if (roam__unlikely(roam_segment_header_plain_header_size(h) != ROAM_SEGMENT_HEADER_SIZE))
        return ROAM_E_HEADER_SIZE;
    if (roam__unlikely(roam_segment_header_plain_num_var_slot_classes(h) == 0))
        return ROAM_E_NO_CLASSES;
    return ROAM_OK;
}

/* Sizes and reserved bytes. The reserved bytes are OR-ed together a word
 * at a time, unrolled, then any tail byte by byte (checked a byte at a
 * time they were over half the cost of header validation). */
#define ROAM__RESERVED_BYTES sizeof(((roam_segment_header_plain_t *)0)->reserved)
#define ROAM__RESERVED_WORDS (ROAM__RESERVED_BYTES / sizeof(uint64_t))

/* The reserved bytes OR-ed together: zero when all are zero. */
static ROAM__ALWAYS_INLINE uint64_t roam__reserved_any(const roam_segment_header_plain_t *h)
{
    uint64_t any = 0;

#pragma GCC unroll 16
    for (size_t i = 0; i < ROAM__RESERVED_WORDS; i++) {
        uint64_t w;

        memcpy(&w, h->reserved + i * sizeof w, sizeof w);
        any |= w;
    }
    for (size_t i = ROAM__RESERVED_WORDS * sizeof(uint64_t); i < ROAM__RESERVED_BYTES; i++)
        any |= h->reserved[i];
    return any;
}

static ROAM__ALWAYS_INLINE roam_err_t roam__check_sizes(const roam_segment_header_plain_t *h,
                                                        uint64_t current)
{
    uint64_t total = roam_segment_header_plain_total_size(h);

    if (roam__unlikely(roam_segment_header_plain_max_guests(h) > ROAM_MAX_GUESTS))
        return ROAM_E_MAX_GUESTS;
    /* A slot reference names its class in one byte. */
    if (roam__unlikely(roam_segment_header_plain_num_var_slot_classes(h) > ROAM_MAX_SIZE_CLASSES))
        return ROAM_E_TOO_MANY_CLASSES;
    if (roam__unlikely(current < total))
        return ROAM_E_CURRENT_SIZE;
    if (roam__unlikely(total < ROAM_SEGMENT_HEADER_SIZE))
        return ROAM_E_TOTAL_SIZE;
    if (roam__unlikely(roam__reserved_any(h) != 0))
        return ROAM_E_RESERVED;
    return ROAM_OK;
}

/* The peer table after the header, the class-header table after the peer
 * table, each inside current_size: the table rules on the layout's figures
 * (an overflowing sum breaks its rule). */
static ROAM__ALWAYS_INLINE roam_err_t roam__table_bounds(uint64_t header_end, uint64_t peers,
                                                         uint64_t peers_size, uint64_t pool,
                                                         uint64_t pool_size, uint64_t current)
{
    uint64_t peers_end, pool_end;

    if (roam__unlikely(peers < header_end))
        return ROAM_E_PEER_TABLE_BOUNDS;
    if (roam__unlikely(__builtin_add_overflow(peers, peers_size, &peers_end) ||
                       peers_end > current))
        return ROAM_E_PEER_TABLE_BOUNDS;
    if (roam__unlikely(pool < peers_end))
        return ROAM_E_CLASS_TABLE_BOUNDS;
    if (roam__unlikely(__builtin_add_overflow(pool, pool_size, &pool_end) || pool_end > current))
        return ROAM_E_CLASS_TABLE_BOUNDS;
    return ROAM_OK;
}

/* A layout formula left 64 bits: the first table rule it breaks. The
 * peer table fits, or its rule says so; a formula that leaves 64 bits is
 * then one at or after it, which puts the class table past any
 * current_size. */
static roam_err_t __attribute__((cold, noinline))
roam__tables_unplaced(uint64_t header_end, uint64_t peers, uint64_t peers_size, uint64_t pool,
                      uint64_t pool_size, uint64_t current)
{
    roam_err_t err = roam__table_bounds(header_end, peers, peers_size, pool, pool_size, current);

    return err != ROAM_OK ? err : ROAM_E_CLASS_TABLE_BOUNDS;
}

/* Where the peer table and the size-class table sit: each where the
 * generated layout of this header puts it (stored offsets as stored), after
 * the region before it and inside current_size. *l receives that layout
 * (roam_layout_from_header): the caller that validates the rest of the
 * segment navigates with it; for the others it is a local that the
 * compiler keeps in registers, as only its fields are used.
 *
 * The layout's overflow test comes first: past it the compiler knows that
 * none of the layout's sums overflowed, among them the two table ends (the
 * rings start at the end of the peer table, the class areas at the end of
 * the class table), so the rules' own overflow tests cost nothing. */
static ROAM__ALWAYS_INLINE roam_err_t roam__check_tables(const roam_segment_header_plain_t *h,
                                                         uint64_t current, roam_layout_t *l)
{
    uint64_t peers = roam_segment_header_plain_peer_table_offset(h);
    uint64_t pool = roam_segment_header_plain_var_pool_offset(h);

    if (roam__unlikely(peers % ROAM_SEGMENT_ALIGN != 0))
        return ROAM_E_PEER_TABLE_ALIGN;
    if (roam__unlikely(pool % ROAM_SEGMENT_ALIGN != 0))
        return ROAM_E_VAR_POOL_ALIGN;

    if (roam__unlikely(!roam_layout_from_header(h, l)))
        return roam__tables_unplaced(l->header_offset + l->header_size, l->peer_table_offset,
                                     l->peer_table_size, l->var_pool_offset, l->var_pool_size,
                                     current);
    return roam__table_bounds(l->header_offset + l->header_size, l->peer_table_offset,
                              l->peer_table_size, l->var_pool_offset, l->var_pool_size, current);
}

/* Every header rule, in the documented order; inlined into every caller.
 * current_size is an atomic field: it is loaded from the snapshot once
 * here, not once per rule (each acquire load is a load the compiler must
 * keep). */
static ROAM__ALWAYS_INLINE roam_err_t roam__header_check(const roam_segment_header_plain_t *snap,
                                                         uint64_t current, roam_layout_t *l)
{
    roam_err_t err;

    err = roam__check_identity(snap);
    if (err)
        return err;
    err = roam__check_sizes(snap, current);
    if (err)
        return err;
    return roam__check_tables(snap, current, l);
}

/* Snapshot + rules into a snapshot the caller gave, the layout into *l. */
static ROAM__ALWAYS_INLINE roam_err_t roam__header_validate(const void *buf, size_t len,
                                                            unsigned flags,
                                                            roam_segment_header_plain_t *snap,
                                                            roam_layout_t *l)
{
    uint64_t current;
    roam_err_t err;

    err = roam__header_snapshot(buf, len, snap);
    if (err)
        return err;
    current = roam_segment_header_plain_current_size(snap);
    err = roam__header_check(snap, current, l);
    if (err)
        return err;
    if (roam__unlikely((flags & ROAM_VALIDATE_MAPPING) && len < current))
        return ROAM_E_MAPPING_SHORT;
    return ROAM_OK;
}

#endif /* ROAM_HEADER_CHECK_H */
