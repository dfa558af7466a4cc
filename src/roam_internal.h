/*
 * Internal helpers of the roam-shm library: diagnostics, checked 64-bit
 * arithmetic and the ring placement shared by validation and navigation.
 * Not installed.
 */
#ifndef ROAM_INTERNAL_H
#define ROAM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "roam_shm.h"

/* Fill *diag (may be NULL) with err, the entry index and a printf-style
 * message; returns err. Only for failures (cold: the compiler keeps the
 * code that formats a message off the path of success); success is
 * roam__diag_ok (roam_shm.h). */
roam_err_t roam__diag(roam_diag_t *diag, roam_err_t err, uint32_t index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), cold));

/* Fill *diag with ROAM_E_IO: "<step>: <strerror(errno)>", errno kept; returns ROAM_E_IO. */
roam_err_t roam__diag_sys(roam_diag_t *diag, const char *step);

/* A rule that valid input never breaks: the compiler keeps the failure
 * branch (and its error code) off the path of success. */
#define roam__unlikely(x) __builtin_expect(!!(x), 0)

/* *out = a + b; false if the sum does not fit in 64 bits. */
static inline bool roam__add(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* *out = a * b; false if the product does not fit in 64 bits. */
static inline bool roam__mul(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* *out = x rounded up to a multiple of ROAM_SEGMENT_ALIGN; false on overflow. */
static inline bool roam__align64(uint64_t x, uint64_t *out)
{
    uint64_t up;

    if (!roam__add(x, ROAM_SEGMENT_ALIGN - 1, &up))
        return false;
    *out = up - up % ROAM_SEGMENT_ALIGN;
    return true;
}

/* Bytes of one guest's ring pair: 2 * (BipBuffer header + capacity). */
static inline uint64_t roam__ring_stride(uint32_t capacity)
{
    return 2 * ((uint64_t)ROAM_BIPBUF_HEADER_SIZE + capacity);
}

/* Bytes of a pool's class-header table: align64(classes * 64). */
static inline bool roam__class_table_size(uint32_t classes, uint64_t *out)
{
    uint64_t bytes;

    return roam__mul(classes, ROAM_SIZE_CLASS_HEADER_SIZE, &bytes) && roam__align64(bytes, out);
}

/* One class's regions: metadata align64(16 * slot_count) and data
 * align64(slot_size * slot_count); false on overflow. */
static inline bool roam__class_sizes(uint32_t slot_size, uint32_t slot_count, uint64_t *meta,
                                     uint64_t *data)
{
    uint64_t m, d;

    return roam__mul(slot_count, ROAM_VAR_SLOT_META_SIZE, &m) && roam__align64(m, meta) &&
           roam__mul(slot_size, slot_count, &d) && roam__align64(d, data);
}

/* Where a snapshot's layout puts guest `index`'s ring pair: right after the
 * peer table (ring_base = peer_table_offset + max_guests * 64, which is the
 * reference's 128 + max_guests * 64), then one stride per guest. False if
 * the offset does not fit in 64 bits. */
bool roam__ring_offset(const roam_segment_header_t *snap, uint32_t index, uint64_t *out);

#endif /* ROAM_INTERNAL_H */
