/*
 * Segment header: snapshot and validation (the rules are in header_check.h;
 * here, the tests that find a valid header valid at little cost).
 */
#include <stddef.h>

#include "header_check.h"
#include "sigbus_internal.h"

/* ---- Success made cheap ------------------------------------------------------
 * A header that breaks no rule is found so by a handful of tests that need
 * no layout and no rule order: roam__header_suspect is true whenever any
 * rule above may fail (and for a few valid headers too), and only then do
 * the rules run one by one, in order, to name the first one broken. The
 * tests, against the rules:
 *  - one word that is zero exactly when magic, version and header_size
 *    are right (each 64-bit word XOR-ed with the right one), the reserved
 *    words are zero, max_guests and num_var_slot_classes - 1 are within
 *    their one bound (0 classes wraps to the largest count), both table
 *    offsets are aligned, the peer table starts at or after the header
 *    (its offset less the header's size does not wrap), and neither
 *    offset reaches 2^62 nor current_size 2^56 (the offsets' low bits rotated up beside their top
 *    bits, OR-ed with current_size, and all of it above bit 56 tested at
 *    once). Past those bounds the precise way decides, valid or not; below
 *    them no sum here leaves 64 bits (each table's size is under 2^38);
 *  - the peer table after the header and ending at or before the class
 *    table, which ends within current_size: then the peer table ends
 *    within current_size too, so the table rules hold, sums and all, and
 *    current_size is at least a header;
 *  - total_size - header size at most current_size - header size: within
 *    current_size and at least a header (a smaller total wraps to the top
 *    of 64 bits, past any current_size below 2^56).
 * Below these bounds none of the layout's formulas can overflow either
 * (the rings add capacities of 32 bits, 255 times at most), so its
 * overflow test, the last way the table rules fail, needs none here. */
#define ROAM__QUICK_OFFSET_BITS 62   /* offsets below 2^62 */
#define ROAM__QUICK_CURRENT_BITS 56  /* current_size below 2^56 */
#define ROAM__QUICK_ROT (ROAM__QUICK_OFFSET_BITS - ROAM__QUICK_CURRENT_BITS)
/* The shortcuts below that today's schema allows; built with
 * -DROAM__QUICK_GENERIC (make check does, for the header tests), the
 * general form of every test, as another schema would get. */
#ifdef ROAM__QUICK_GENERIC
#define ROAM__QUICK_SHORTCUTS 0
#else
#define ROAM__QUICK_SHORTCUTS 1
#endif
_Static_assert(ROAM_SEGMENT_HEADER_SIZE % ROAM_SEGMENT_ALIGN == 0,
               "the peer table's offset less the header keeps its alignment");
/* Magic, then version and header_size: two 64-bit words to compare. */
#define ROAM__IDENT_TWO_WORDS                                                       \
    (ROAM__QUICK_SHORTCUTS && ROAM_MAGIC_SIZE == sizeof(uint64_t) &&                \
     offsetof(roam_segment_header_plain_t, version) == ROAM_MAGIC_SIZE &&           \
     offsetof(roam_segment_header_plain_t, header_size) ==                          \
         offsetof(roam_segment_header_plain_t, version) + sizeof(uint32_t))

static inline uint64_t roam__word_at(const void *p)
{
    uint64_t w;

    memcpy(&w, p, sizeof w);
    return w;
}

static inline bool roam__header_suspect(const roam_segment_header_plain_t *h,
                                                     uint64_t current)
{
    static const uint32_t ident[2] = {ROAM_SEGMENT_VERSION, ROAM_SEGMENT_HEADER_SIZE};
    uint64_t total = roam_segment_header_plain_total_size(h);
    uint64_t peers = roam_segment_header_plain_peer_table_offset(h);
    uint64_t pool = roam_segment_header_plain_var_pool_offset(h);
    uint32_t guests = roam_segment_header_plain_max_guests(h);
    uint32_t classes = roam_segment_header_plain_num_var_slot_classes(h);
    /* The peer table's offset less the header: one that is too small
     * wraps to the top bits, which are tested with the alignment below. */
    uint64_t offsets = (peers - ROAM_SEGMENT_HEADER_SIZE) | pool;
    uint64_t bad;

    /* A constant test: the compiler keeps one branch. */
    if (ROAM__IDENT_TWO_WORDS)
        bad = (roam__word_at(roam_segment_header_plain_magic(h)) ^ roam__word_at(ROAM_MAGIC)) |
              (roam__word_at(&h->version) ^ roam__word_at(ident));
    else
        bad = (uint64_t)(memcmp(roam_segment_header_plain_magic(h), ROAM_MAGIC,
                                ROAM_MAGIC_SIZE) != 0) |
              (roam_segment_header_plain_version(h) ^ ROAM_SEGMENT_VERSION) |
              (roam_segment_header_plain_header_size(h) ^ ROAM_SEGMENT_HEADER_SIZE);
    bad |= roam__reserved_any(h);
    /* Today's schema lets two tests share one instruction each (the
     * bounds, and the alignment); any other keeps them apart. */
#if ROAM__QUICK_SHORTCUTS && ROAM_MAX_GUESTS + 1 == ROAM_MAX_SIZE_CLASSES && \
    (ROAM_MAX_SIZE_CLASSES & (ROAM_MAX_SIZE_CLASSES - 1)) == 0
    bad |= (guests | (classes - 1)) / (ROAM_MAX_GUESTS + 1);
#else
    bad |= (uint64_t)(guests > ROAM_MAX_GUESTS) |
           (uint64_t)(classes - 1 >= ROAM_MAX_SIZE_CLASSES);
#endif
#if ROAM__QUICK_SHORTCUTS && ROAM_SEGMENT_ALIGN == 1u << ROAM__QUICK_ROT
    /* The alignment bits, rotated to the top, sit just above bit 56. */
    bad |= (((offsets >> ROAM__QUICK_ROT) | (offsets << (64 - ROAM__QUICK_ROT))) | current) >>
           ROAM__QUICK_CURRENT_BITS;
#else
    bad |= offsets % ROAM_SEGMENT_ALIGN | offsets >> ROAM__QUICK_OFFSET_BITS |
           current >> ROAM__QUICK_CURRENT_BITS;
#endif

    return bad != 0 || peers + (uint64_t)guests * ROAM_PEER_ENTRY_SIZE > pool ||
           pool + (uint64_t)classes * ROAM_SIZE_CLASS_HEADER_SIZE > current ||
           total - ROAM_SEGMENT_HEADER_SIZE > current - ROAM_SEGMENT_HEADER_SIZE;
}

/* The rules one by one, for a header found suspect: the first one broken,
 * or ROAM_OK. */
static roam_err_t __attribute__((cold, noinline))
roam__header_check_precise(const roam_segment_header_plain_t *snap, uint64_t current)
{
    roam_layout_t l;

    return roam__header_check(snap, current, &l);
}

/* The mapping rule: a mapping of len bytes covers current_size. */
static inline roam_err_t roam__header_check_len(size_t len, unsigned flags,
                                                             uint64_t current)
{
    if (roam__unlikely((flags & ROAM_VALIDATE_MAPPING) && len < current))
        return ROAM_E_MAPPING_SHORT;
    return ROAM_OK;
}

/* A suspect header: the rules one by one, then the mapping rule (with
 * ROAM_VALIDATE_MAPPING in flags). A tail call off the path of success,
 * so that path keeps no frame; the snapshot comes last, in the register
 * roam_header_validate receives it in, so that the path of success need
 * not move it. */
static roam_err_t __attribute__((cold, noinline))
roam__header_rules_precise(uint64_t current, size_t len, unsigned flags,
                           const roam_segment_header_plain_t *snap)
{
    roam_err_t err = roam__header_check_precise(snap, current);

    return err != ROAM_OK ? err : roam__header_check_len(len, flags, current);
}

/* Snapshot + rules into a snapshot the caller gave, success found by
 * roam__header_suspect; the rules run one by one only for a suspect
 * header. The mapping rule first (the rules before it decide which one a
 * short mapping breaks): past it, the length and the flags are done with,
 * which leaves their registers to the other tests. */
static inline roam_err_t roam__header_validate_quick(const void *buf, size_t len, unsigned flags,
                                                     roam_segment_header_plain_t *snap)
{
    uint64_t current;
    roam_err_t err;

    err = roam__header_snapshot(buf, len, snap);
    if (err)
        return err;
    current = roam_segment_header_plain_current_size(snap);
    if (roam__unlikely((flags & ROAM_VALIDATE_MAPPING) && len < current))
        return roam__header_rules_precise(current, len, flags, snap);
    if (roam__unlikely(roam__header_suspect(snap, current)))
        return roam__header_rules_precise(current, 0, 0, snap);
    return ROAM_OK;
}


/* The public entry points reading a header in place are guarded: a header
 * in a mapping whose file was cut is ROAM_E_SIGBUS under the SIGBUS guard
 * (roam_sigbus.h). */
static roam_err_t __attribute__((noinline)) roam__header_snapshot_outlined(
    const void *buf, size_t len, roam_segment_header_plain_t *snap)
{
    return roam__header_snapshot(buf, len, snap);
}

static roam_err_t __attribute__((noinline, cold)) roam__header_snapshot_guarded(
    const void *buf, size_t len, roam_segment_header_plain_t *snap)
{
    ROAM__GUARDED(NULL, "header", buf, len, (void)0,
                  roam__header_snapshot_outlined(buf, len, snap));
}

roam_err_t roam_header_snapshot(const void *buf, size_t len, roam_segment_header_plain_t *snap)
{
    ROAM__UNGUARDED_FAST(roam__header_snapshot(buf, len, snap));
    return roam__header_snapshot_guarded(buf, len, snap);
}

roam_err_t roam_header_check(const roam_segment_header_plain_t *snap)
{
    uint64_t current = roam_segment_header_plain_current_size(snap);

    if (roam__unlikely(roam__header_suspect(snap, current)))
        return roam__header_check_precise(snap, current);
    return ROAM_OK;
}

roam_err_t roam_header_check_mapping(const roam_segment_header_plain_t *snap, uint64_t mapped_len)
{
    if (mapped_len < roam_segment_header_plain_current_size(snap))
        return ROAM_E_MAPPING_SHORT;
    return ROAM_OK;
}

/* The caller wants no snapshot: one on this stack frame, kept out of the
 * common path's frame. */
static roam_err_t __attribute__((noinline)) roam__header_validate_local(const void *buf,
                                                                        size_t len,
                                                                        unsigned flags)
{
    roam_segment_header_plain_t local;

    return roam__header_validate_quick(buf, len, flags, &local);
}

static inline roam_err_t roam__header_validate_into(const void *buf, size_t len, unsigned flags,
                                                    roam_segment_header_plain_t *snap)
{
    if (roam__unlikely(snap == NULL))
        return roam__header_validate_local(buf, len, flags);
    return roam__header_validate_quick(buf, len, flags, snap);
}

static roam_err_t __attribute__((noinline)) roam__header_validate_outlined(
    const void *buf, size_t len, unsigned flags, roam_segment_header_plain_t *snap)
{
    return roam__header_validate_into(buf, len, flags, snap);
}

static roam_err_t __attribute__((noinline, cold)) roam__header_validate_guarded(
    const void *buf, size_t len, unsigned flags, roam_segment_header_plain_t *snap)
{
    ROAM__GUARDED(NULL, "header", buf, len, (void)0,
                  roam__header_validate_outlined(buf, len, flags, snap));
}

roam_err_t roam_header_validate(const void *buf, size_t len, unsigned flags,
                                roam_segment_header_plain_t *snap)
{
    ROAM__UNGUARDED_FAST(roam__header_validate_into(buf, len, flags, snap));
    return roam__header_validate_guarded(buf, len, flags, snap);
}
