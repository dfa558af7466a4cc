/*
 * Internal helpers of the data path (rings, pool, frames, ports,
 * recovery). Not installed.
 */
#ifndef ROAM_DATA_INTERNAL_H
#define ROAM_DATA_INTERNAL_H

#include "roam_data.h"
#include "roam_internal.h"
#include "roam_segment.h"

/* Where one size class lies, relative to the pool's start. */
typedef struct roam__pool_class {
    uint64_t header_offset;   /* its size_class_header */
    uint64_t meta_offset;     /* its var_slot_meta array */
    uint64_t data_offset;     /* its slots */
} roam__pool_class_t;

/* Each of n classes' header, metadata and data offsets relative to the
 * pool's start (out[0..n)) and the pool's size (src/pool_nav.c). */
roam_err_t roam__pool_layout(const roam_size_class_t *classes, uint32_t n,
                             roam__pool_class_t *out, uint64_t *pool_size);

/* *out = a + b; false if the sum does not fit in 64 bits. */
static inline bool roam__add(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* roam_frame_route on a private table of the n classes' slot sizes. */
roam_frame_kind_t roam__frame_route_sizes(const roam_segment_header_plain_t *snap, uint32_t payload_len,
                                          const uint32_t *slot_sizes, uint32_t n,
                                          uint32_t *class_idx);

/* Whether a producer at write could be granted n bytes with the consumer
 * at read, in a ring of capacity bytes (all within capacity). */
static inline bool roam__ring_fits(uint32_t capacity, uint32_t write, uint32_t read, uint32_t n)
{
    if (write >= read)
        return capacity - write >= n || (read != 0 && n < read);
    return (uint64_t)write + n < read;
}

/* Crash recovery of guest `index` (src/recover.c), steps 2 and 4 of
 * shm.crash.recovery. roam__recover_pool fills *pool from the handle's
 * validated layout, built once for both steps (it cannot fail). Then free
 * the slots named by the unread entries of the guest's host-to-guest ring,
 * and every slot its peer id owns; each returns the number of slots
 * freed. */
void roam__recover_pool(const roam_segment_t *seg, roam_pool_t *pool);
uint32_t roam__recover_ring_slots(const roam_segment_t *seg, const roam_pool_t *pool,
                                  uint32_t index);
uint32_t roam__recover_owned_slots(const roam_pool_t *pool, uint32_t index);

#endif /* ROAM_DATA_INTERNAL_H */
