/*
 * roam-shm data path on memory you already have: BipBuffer rings, the
 * var-slot pool, and the frames roam's peers put in rings (reference §6,
 * §7).
 *
 * Shared memory is written by the other side too. Every index, size and
 * offset these functions read from it is bounded by what this process
 * holds privately (a ring's capacity from the validated snapshot, the
 * pool's class table as it was bound), so a corrupt or hostile peer cannot
 * make them touch memory outside the segment. Atomic fields are accessed
 * only through the generated accessors, with the schema's orderings.
 */
#ifndef ROAM_DATA_H
#define ROAM_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roam_shm.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Everything declared here is the library's exported API; the rest of the
 * library is built hidden (-fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ---- Rings (shm.bipbuf.*) --------------------------------------------------
 * One producer and one consumer per ring. Offsets are into the data area
 * that follows the 128-byte header. A full ring is backpressure
 * (ROAM_E_RING_FULL), an empty one is ROAM_E_EMPTY; ROAM_E_RING_INDEX means
 * an index in the header is beyond the capacity: the ring is corrupt. */
typedef struct roam_ring {
    roam_bipbuf_header_t *hdr;
    unsigned char *data;    /* capacity bytes, right after hdr */
    uint32_t capacity;      /* private: never re-read from hdr */
    uint64_t wraps;         /* producer: times this handle moved write to 0 */
} roam_ring_t;

/* Ring `dir` of guest `index` in the segment at base (snap from
 * roam_segment_validate), with the snapshot's bipbuf_capacity.
 * ROAM_E_PEER_INDEX for an index >= max_guests. */
roam_err_t roam_ring_open(roam_ring_t *r, const void *base, const roam_segment_header_plain_t *snap,
                          uint32_t index, enum roam_ring_dir dir);

/* A ring over a header you hold, followed by capacity data bytes. */
void roam_ring_attach(roam_ring_t *r, void *hdr, uint32_t capacity);

/* Producer: n contiguous bytes at *off. When the tail is too short and the
 * consumer has moved on, the producer wraps (watermark = write, write = 0)
 * and leaves the wrap in place even if the front is still too short, as
 * roam's producer does: the consumer then drains the tail and the next
 * grant fits. n == 0 grants offset 0. ROAM_E_TOO_LARGE if n > capacity. */
roam_err_t roam_ring_grant(roam_ring_t *r, uint32_t n, uint32_t *off);

/* Producer: whether roam_ring_grant(n) would succeed now; changes nothing. */
bool roam_ring_can_grant(const roam_ring_t *r, uint32_t n);

/* Producer: publish n granted bytes (write += n, release).
 * ROAM_E_RING_INDEX if that passes the capacity. */
roam_err_t roam_ring_commit(roam_ring_t *r, uint32_t n);

/* Consumer: the contiguous readable bytes [*off, *off + *len).
 * A consumed tail (read >= watermark) is reset to the front only once the
 * producer's write has really moved below the watermark: a producer that
 * undoes a failed wrap (the specification's text) restores write and
 * clears the watermark, and the consumer must not mistake that for a wrap. */
roam_err_t roam_ring_read(roam_ring_t *r, uint32_t *off, uint32_t *len);

/* Consumer: give back n bytes read (read += n, release); reaching the
 * watermark of a real wrap resets read, then watermark, to 0.
 * ROAM_E_RING_INDEX if read + n passes the capacity. */
roam_err_t roam_ring_release(roam_ring_t *r, uint32_t n);

/* The unread bytes as a consumer would see them, from one load of each
 * index, without consuming anything: up to two parts (the tail before a
 * watermark, then the front). For dumps and crash recovery. */
typedef struct roam_ring_view {
    uint32_t read, write, watermark;   /* as loaded */
    uint32_t parts;
    struct {
        uint32_t off, len;
    } part[2];
} roam_ring_view_t;

roam_err_t roam_ring_peek(const roam_ring_t *r, roam_ring_view_t *v);

/* ---- Var-slot pool (shm.varslot.*) -------------------------------------------
 * Per size class a lock-free Treiber stack in shared memory, safe between
 * processes. A slot is named by a handle; its generation changes on every
 * allocation, so a stale handle is refused. */
typedef struct roam_slot {
    uint8_t class_idx;
    uint8_t extent_idx;     /* always 0: one extent */
    uint32_t slot_idx;
    uint32_t generation;
} roam_slot_t;

/* A process's private view of a pool: the class table as it was bound
 * (sizes, counts and where each class lies), never re-read afterwards. */
typedef struct roam_pool {
    unsigned char *base;    /* start of the region the offsets below are from */
    uint32_t num_classes;
    uint32_t slot_size[ROAM_MAX_SIZE_CLASSES];
    uint32_t slot_count[ROAM_MAX_SIZE_CLASSES];
    uint64_t header_off[ROAM_MAX_SIZE_CLASSES];
    uint64_t meta_off[ROAM_MAX_SIZE_CLASSES];
    uint64_t data_off[ROAM_MAX_SIZE_CLASSES];
} roam_pool_t;

/* The pool of the segment at base: each class header's slot_size and
 * slot_count read once, the pool laid out from them, and all of it checked
 * to lie within mapped_len bytes (ROAM_E_CLASS_* otherwise). */
roam_err_t roam_pool_bind(roam_pool_t *p, void *base, size_t mapped_len,
                          const roam_segment_header_plain_t *snap, roam_diag_t *diag);

/* A pool of the given classes at pool_offset (a multiple of 64) in a region
 * of region_len bytes, as roam's C interface attaches one. */
roam_err_t roam_pool_bind_classes(roam_pool_t *p, void *region, size_t region_len,
                                  uint64_t pool_offset, const roam_size_class_t *classes,
                                  uint32_t n, roam_diag_t *diag);

/* After a remap: the same pool at a new address. */
static inline void roam_pool_rebase(roam_pool_t *p, void *base)
{
    p->base = (unsigned char *)base;
}

/* Write a fresh pool: class headers, every slot Free at generation 0 with
 * owner 0, each free list running through its slots in order. Only while
 * no other process uses the pool. */
void roam_pool_format(const roam_pool_t *p);

/* A slot of at least size bytes for peer `owner` (0 = host): the first
 * class in table order that fits and has a free slot, trying every later
 * class that fits. ROAM_E_POOL_EXHAUSTED (backpressure) when none is free,
 * ROAM_E_TOO_LARGE when no class is large enough, ROAM_E_CLASS_FREE_HEAD
 * when a free list names a slot the class does not have. */
roam_err_t roam_pool_alloc(const roam_pool_t *p, uint32_t size, uint32_t owner, roam_slot_t *out);

/* Give slot s back. ROAM_E_SLOT_STALE unless it is Allocated at
 * s.generation (double free, stale handle, or another free won the race);
 * ROAM_E_SLOT_REF for a handle naming no slot. *was_empty (may be NULL)
 * tells whether its free list was empty before: someone may be waiting. */
roam_err_t roam_pool_free(const roam_pool_t *p, roam_slot_t s, bool *was_empty);

/* ROAM_OK when s names a slot Allocated at s.generation; ROAM_E_SLOT_REF or
 * ROAM_E_SLOT_STALE otherwise. */
roam_err_t roam_pool_check(const roam_pool_t *p, roam_slot_t s);

/* The slot's bytes and their number (*size, may be NULL); NULL for a
 * handle naming no slot. The generation is not checked. */
unsigned char *roam_pool_slot(const roam_pool_t *p, roam_slot_t s, uint32_t *size);

/* Record that peer `owner` now holds slot s (receiver of a slot reference);
 * ROAM_E_SLOT_STALE / ROAM_E_SLOT_REF as roam_pool_check. */
roam_err_t roam_pool_adopt(const roam_pool_t *p, roam_slot_t s, uint32_t owner);

/* The peer id that owns slot s (0 = host); UINT32_MAX for a handle naming
 * no slot. */
uint32_t roam_pool_owner(const roam_pool_t *p, roam_slot_t s);

/* Crash recovery: free every slot Allocated to peer `peer_id`; the count. */
uint32_t roam_pool_reclaim(const roam_pool_t *p, uint32_t peer_id);

/* Walk class_idx's free list (at most slot_count steps): *n_free gets its
 * length. ROAM_E_CLASS_FREE_HEAD when it names a slot twice, one out of
 * range, or one not Free. Only meaningful while nobody allocates. */
roam_err_t roam_pool_count_free(const roam_pool_t *p, uint32_t class_idx, uint32_t *n_free);

/* ---- Frames (shm.framing.*) as roam's peers write and read them -------------*/

/* One decoded entry; the mmap reference is a private copy. */
typedef struct roam_frame {
    roam_frame_kind_t kind;       /* INLINE, SLOT_REF or MMAP_REF */
    uint32_t total_len;           /* bytes the entry takes in the ring */
    const unsigned char *payload; /* INLINE: inside the entry */
    uint32_t payload_len;         /* INLINE: inline_payload_len, or total_len - 8 when it is 0 */
    bool len_known;               /* INLINE: inline_payload_len was set (not 0) */
    roam_slot_t slot;             /* SLOT_REF */
    roam_mmap_ref_t mmap;         /* MMAP_REF */
} roam_frame_t;

/* roam_frame_check, then decode the entry into *f. */
roam_err_t roam_frame_decode(const void *entry, uint32_t avail, roam_frame_t *f, roam_diag_t *diag);

/* Write an inline entry for len payload bytes at entry (room for
 * roam_frame_inline_len(len) bytes, len <= ROAM_INLINE_PAYLOAD_MAX):
 * header with inline_payload_len = len, the payload (unless payload is
 * NULL: it was filled in place), zero padding. Returns total_len. */
uint32_t roam_frame_put_inline(void *entry, const void *payload, uint32_t len);

/* Write a slot-reference entry (ROAM_SLOT_REF_ENTRY_SIZE bytes). */
void roam_frame_put_slot_ref(void *entry, roam_slot_t s);

/* Write an mmap-reference entry (ROAM_MMAP_REF_ENTRY_SIZE bytes). */
void roam_frame_put_mmap_ref(void *entry, const roam_mmap_ref_t *m);

/* Slot payloads: a u32 length prefix, then the payload. The payload
 * length a slot holds (ROAM_E_SLOT_LEN if the prefix is above
 * slot_size - 4); the prefix is read once. */
roam_err_t roam_slot_payload_len(const unsigned char *slot, uint32_t slot_size, uint32_t *len);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* ROAM_DATA_H */
