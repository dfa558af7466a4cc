/*
 * roam's C interface for rings and the var-slot pool (reference §9), under
 * roam's own names, signatures and return codes, so that C code written
 * against roam's roam_shm_ffi.h builds and runs against this library.
 *
 * Needs only <stdint.h>, <stdbool.h> and <stddef.h>. roam declares the
 * region and count parameters uintptr_t, this header size_t: the same type
 * on every platform this library supports (checked where it is built).
 *
 * Return codes are roam's. Where this library refuses more than roam does,
 * it says so below; it never aborts on bad indices read from shared memory.
 */
#ifndef ROAM_SHM_FFI_H
#define ROAM_SHM_FFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from the library (built -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ---- BipBuffer rings: hdr is a 128-byte header followed by its data ---------*/

/* 128. */
uint32_t roam_bipbuf_header_size(void);

/* Zero the header (indices and padding) and set its capacity. */
void roam_bipbuf_init(void *header_ptr, uint32_t capacity);

uint32_t roam_bipbuf_capacity(const void *header_ptr);

/* Acquire loads of the three indices. */
uint32_t roam_bipbuf_load_write_acquire(const void *header_ptr);
uint32_t roam_bipbuf_load_read_acquire(const void *header_ptr);
uint32_t roam_bipbuf_load_watermark_acquire(const void *header_ptr);

/* Producer: 1 granted (*out_offset into the data area), 0 full (wait and
 * retry), -1 len > capacity (also: an index in the header beyond the
 * capacity). len 0 grants offset 0. */
int32_t roam_bipbuf_try_grant(void *header_ptr, uint32_t len, uint32_t *out_offset);

/* Producer: publish len bytes; 0, or -1 if write + len overflows or passes
 * the capacity. */
int32_t roam_bipbuf_commit(void *header_ptr, uint32_t len);

/* Consumer: 1 with the contiguous readable region, 0 empty (also: a
 * corrupt index). */
int32_t roam_bipbuf_try_read(void *header_ptr, uint32_t *out_offset, uint32_t *out_len);

/* Consumer: give back len bytes; 0, or -1 if read + len passes the capacity. */
int32_t roam_bipbuf_release(void *header_ptr, uint32_t len);

/* ---- Var-slot pool ------------------------------------------------------------*/

typedef struct RoamSizeClass {
    uint32_t slot_size;
    uint32_t count;
} RoamSizeClass;

/* 12 bytes in C: two bytes of padding after extent_idx. */
typedef struct RoamVarSlotHandle {
    uint8_t class_idx;
    uint8_t extent_idx;
    uint32_t slot_idx;
    uint32_t generation;
} RoamVarSlotHandle;

typedef struct RoamVarSlotPool RoamVarSlotPool;

/* An opaque handle over the pool at base_offset of region (region_len
 * bytes) with these classes; nothing is written. NULL on a null pointer or
 * num_classes = 0, and (beyond roam) when there are more than 256 classes,
 * a class has slot_size or count 0, base_offset is not a multiple of 64 or
 * the pool does not fit the region. */
struct RoamVarSlotPool *roam_var_slot_pool_attach(uint8_t *region_ptr, size_t region_len,
                                                  uint64_t base_offset,
                                                  const struct RoamSizeClass *classes,
                                                  size_t num_classes);

/* Write a fresh pool (class headers, metadata, free lists); forget this
 * process's slot records. Only while no other process uses it. */
void roam_var_slot_pool_init(struct RoamVarSlotPool *pool);

/* After a remap: the same pool in a new region. If the pool no longer fits
 * region_len, the handle refuses every operation until a region that fits. */
void roam_var_slot_pool_update_region(struct RoamVarSlotPool *pool, uint8_t *region_ptr,
                                      size_t region_len);

/* 1 allocated (*out_handle), 0 none free (or none large enough). */
int32_t roam_var_slot_pool_alloc(const struct RoamVarSlotPool *pool, uint32_t size, uint8_t owner,
                                 struct RoamVarSlotHandle *out_handle);

/* Record, in this process only, that an allocated slot was sent; 0. */
int32_t roam_var_slot_pool_mark_in_flight(const struct RoamVarSlotPool *pool,
                                          struct RoamVarSlotHandle handle);

/* 0, or -1 on a double free or stale generation. */
int32_t roam_var_slot_pool_free(const struct RoamVarSlotPool *pool, struct RoamVarSlotHandle handle);

/* The same call as roam_var_slot_pool_free. */
int32_t roam_var_slot_pool_free_allocated(const struct RoamVarSlotPool *pool,
                                          struct RoamVarSlotHandle handle);

/* Start of the slot's bytes; NULL for a bad class (and, beyond roam, a slot
 * index or extent the pool does not have). */
uint8_t *roam_var_slot_pool_payload_ptr(const struct RoamVarSlotPool *pool,
                                        struct RoamVarSlotHandle handle);

/* This process's record of the slot: 0 none, 1 allocated, 2 in flight,
 * -1 the record is for another generation. */
int32_t roam_var_slot_pool_slot_state(const struct RoamVarSlotPool *pool,
                                      struct RoamVarSlotHandle handle);

/* slot_size of a class; 0 for a bad class. */
uint32_t roam_var_slot_pool_slot_size(const struct RoamVarSlotPool *pool, uint8_t class_idx);

/* Crash recovery: free every slot peer_id owns; drop this process's records
 * of slots it allocated for that peer. */
void roam_var_slot_pool_recover_peer(const struct RoamVarSlotPool *pool, uint8_t peer_id);

/* Bytes of a pool with these classes; 0 for none (and for classes that
 * cannot be laid out). */
uint64_t roam_var_slot_pool_calculate_size(const struct RoamSizeClass *classes, size_t num_classes);

/* Free the handle, not the pool's memory. NULL is ignored. */
void roam_var_slot_pool_destroy(struct RoamVarSlotPool *pool);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* ROAM_SHM_FFI_H */
