/*
 * roam's C interface (roam_shm_ffi.h) on this library's rings and pool.
 *
 * A ring here has no snapshot to take its capacity from, so each call
 * reads the header's capacity once and bounds every index by it. A pool
 * handle keeps roam's per-process slot records (allocated / in flight,
 * with generation and owner) under a mutex, as roam's does.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "data_internal.h"
#include "roam_shm_ffi.h"

_Static_assert(sizeof(size_t) == sizeof(uintptr_t), "roam declares these parameters uintptr_t");
_Static_assert(sizeof(RoamVarSlotHandle) == 12, "RoamVarSlotHandle is 12 bytes in C");
_Static_assert(sizeof(RoamSizeClass) == sizeof(roam_size_class_t), "size class layout");

/* ---- Rings -------------------------------------------------------------------*/

/* The ring at hdr, with the capacity its header holds now. */
static roam_ring_t roam__ffi_ring(const void *hdr)
{
    roam_ring_t r;

    roam_ring_attach(&r, (void *)(uintptr_t)hdr,
                     roam_bipbuf_header_capacity((const roam_bipbuf_header_t *)hdr));
    return r;
}

uint32_t roam_bipbuf_header_size(void)
{
    return ROAM_BIPBUF_HEADER_SIZE;
}

void roam_bipbuf_init(void *header_ptr, uint32_t capacity)
{
    roam_bipbuf_header_t *h = header_ptr;

    memset(h->producer_pad, 0, sizeof h->producer_pad);
    memset(h->consumer_pad, 0, sizeof h->consumer_pad);
    roam_bipbuf_header_set_capacity(h, capacity);
    roam_bipbuf_header_store_write(h, 0);
    roam_bipbuf_header_store_watermark(h, 0);
    roam_bipbuf_header_store_read(h, 0);
}

uint32_t roam_bipbuf_capacity(const void *header_ptr)
{
    return roam_bipbuf_header_capacity(header_ptr);
}

uint32_t roam_bipbuf_load_write_acquire(const void *header_ptr)
{
    return roam_bipbuf_header_load_write(header_ptr);
}

uint32_t roam_bipbuf_load_read_acquire(const void *header_ptr)
{
    return roam_bipbuf_header_load_read(header_ptr);
}

uint32_t roam_bipbuf_load_watermark_acquire(const void *header_ptr)
{
    return roam_bipbuf_header_load_watermark(header_ptr);
}

int32_t roam_bipbuf_try_grant(void *header_ptr, uint32_t len, uint32_t *out_offset)
{
    roam_ring_t r = roam__ffi_ring(header_ptr);

    switch (roam_ring_grant(&r, len, out_offset)) {
    case ROAM_OK:
        return 1;
    case ROAM_E_RING_FULL:
        return 0;
    default:
        return -1;
    }
}

int32_t roam_bipbuf_commit(void *header_ptr, uint32_t len)
{
    roam_ring_t r = roam__ffi_ring(header_ptr);

    return roam_ring_commit(&r, len) == ROAM_OK ? 0 : -1;
}

int32_t roam_bipbuf_try_read(void *header_ptr, uint32_t *out_offset, uint32_t *out_len)
{
    roam_ring_t r = roam__ffi_ring(header_ptr);

    return roam_ring_read(&r, out_offset, out_len) == ROAM_OK ? 1 : 0;
}

int32_t roam_bipbuf_release(void *header_ptr, uint32_t len)
{
    roam_ring_t r = roam__ffi_ring(header_ptr);

    return roam_ring_release(&r, len) == ROAM_OK ? 0 : -1;
}

/* ---- Var-slot pool -----------------------------------------------------------*/

/* This process's record of one slot. */
enum { ROAM__REC_NONE = 0, ROAM__REC_ALLOCATED = 1, ROAM__REC_IN_FLIGHT = 2 };

typedef struct roam__slot_rec {
    uint32_t generation;
    uint8_t state;
    uint8_t owner;
} roam__slot_rec_t;

struct RoamVarSlotPool {
    roam_pool_t pool;
    bool usable;                  /* the pool fits the current region */
    uint64_t base_offset;
    roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    uint64_t first[ROAM_MAX_SIZE_CLASSES];   /* record index of each class's slot 0 */
    pthread_mutex_t lock;         /* guards recs */
    roam__slot_rec_t *recs;       /* nrecs: one per slot */
    size_t nrecs;
};

static roam_slot_t roam__from_handle(RoamVarSlotHandle h)
{
    roam_slot_t s = {h.class_idx, h.extent_idx, h.slot_idx, h.generation};

    return s;
}

/* The record of a handle's slot, or NULL if the pool has no such slot. */
static roam__slot_rec_t *roam__rec(const struct RoamVarSlotPool *fp, RoamVarSlotHandle h)
{
    if (!fp->usable || h.class_idx >= fp->pool.num_classes || h.extent_idx != 0 ||
        h.slot_idx >= fp->pool.slot_count[h.class_idx])
        return NULL;
    return &fp->recs[fp->first[h.class_idx] + h.slot_idx];
}

/* mutex is not const; the records are this process's bookkeeping. */
static pthread_mutex_t *roam__lock(const struct RoamVarSlotPool *fp)
{
    return (pthread_mutex_t *)&fp->lock;
}

struct RoamVarSlotPool *roam_var_slot_pool_attach(uint8_t *region_ptr, size_t region_len,
                                                  uint64_t base_offset,
                                                  const struct RoamSizeClass *classes,
                                                  size_t num_classes)
{
    struct RoamVarSlotPool *fp;
    uint64_t total = 0;

    if (region_ptr == NULL || classes == NULL || num_classes == 0 ||
        num_classes > ROAM_MAX_SIZE_CLASSES)
        return NULL;
    fp = calloc(1, sizeof *fp);
    if (fp == NULL)
        return NULL;
    for (size_t i = 0; i < num_classes; i++) {
        fp->classes[i].slot_size = classes[i].slot_size;
        fp->classes[i].slot_count = classes[i].count;
        fp->first[i] = total;
        total += classes[i].count;
    }
    fp->base_offset = base_offset;
    /* Binding checks the layout fits the region, so the records (one per
     * slot, fewer bytes than the slots' metadata) fit in memory too. */
    if (roam_pool_bind_classes(&fp->pool, region_ptr, region_len, base_offset, fp->classes,
                               (uint32_t)num_classes, NULL) != ROAM_OK ||
        total > SIZE_MAX / sizeof *fp->recs ||
        (fp->recs = calloc(total > 0 ? (size_t)total : 1, sizeof *fp->recs)) == NULL) {
        free(fp);
        return NULL;
    }
    fp->nrecs = (size_t)total;
    pthread_mutex_init(&fp->lock, NULL);
    fp->usable = true;
    return fp;
}

void roam_var_slot_pool_init(struct RoamVarSlotPool *fp)
{
    if (!fp->usable)
        return;
    roam_pool_format(&fp->pool);
    pthread_mutex_lock(&fp->lock);
    memset(fp->recs, 0, fp->nrecs * sizeof *fp->recs);
    pthread_mutex_unlock(&fp->lock);
}

void roam_var_slot_pool_update_region(struct RoamVarSlotPool *fp, uint8_t *region_ptr,
                                      size_t region_len)
{
    roam_pool_t p;

    fp->usable = region_ptr != NULL &&
                 roam_pool_bind_classes(&p, region_ptr, region_len, fp->base_offset, fp->classes,
                                        fp->pool.num_classes, NULL) == ROAM_OK;
    if (fp->usable)
        fp->pool = p;
}

int32_t roam_var_slot_pool_alloc(const struct RoamVarSlotPool *fp, uint32_t size, uint8_t owner,
                                 struct RoamVarSlotHandle *out_handle)
{
    roam_slot_t s;
    RoamVarSlotHandle h;
    roam__slot_rec_t *rec;

    if (!fp->usable || roam_pool_alloc(&fp->pool, size, owner, &s) != ROAM_OK)
        return 0;
    memset(&h, 0, sizeof h);
    h.class_idx = s.class_idx;
    h.extent_idx = s.extent_idx;
    h.slot_idx = s.slot_idx;
    h.generation = s.generation;
    *out_handle = h;

    rec = roam__rec(fp, h);
    pthread_mutex_lock(roam__lock(fp));
    rec->generation = h.generation;
    rec->state = ROAM__REC_ALLOCATED;
    rec->owner = owner;
    pthread_mutex_unlock(roam__lock(fp));
    return 1;
}

int32_t roam_var_slot_pool_mark_in_flight(const struct RoamVarSlotPool *fp,
                                          struct RoamVarSlotHandle handle)
{
    roam__slot_rec_t *rec = roam__rec(fp, handle);

    if (rec == NULL)
        return 0;
    pthread_mutex_lock(roam__lock(fp));
    if (rec->state == ROAM__REC_ALLOCATED && rec->generation == handle.generation)
        rec->state = ROAM__REC_IN_FLIGHT;
    pthread_mutex_unlock(roam__lock(fp));
    return 0;
}

int32_t roam_var_slot_pool_free(const struct RoamVarSlotPool *fp, struct RoamVarSlotHandle handle)
{
    roam__slot_rec_t *rec = roam__rec(fp, handle);

    if (rec == NULL || roam_pool_free(&fp->pool, roam__from_handle(handle), NULL) != ROAM_OK)
        return -1;
    pthread_mutex_lock(roam__lock(fp));
    rec->state = ROAM__REC_NONE;
    pthread_mutex_unlock(roam__lock(fp));
    return 0;
}

int32_t roam_var_slot_pool_free_allocated(const struct RoamVarSlotPool *fp,
                                          struct RoamVarSlotHandle handle)
{
    return roam_var_slot_pool_free(fp, handle);
}

uint8_t *roam_var_slot_pool_payload_ptr(const struct RoamVarSlotPool *fp,
                                        struct RoamVarSlotHandle handle)
{
    if (!fp->usable)
        return NULL;
    return roam_pool_slot(&fp->pool, roam__from_handle(handle), NULL);
}

int32_t roam_var_slot_pool_slot_state(const struct RoamVarSlotPool *fp,
                                      struct RoamVarSlotHandle handle)
{
    roam__slot_rec_t *rec = roam__rec(fp, handle);
    int32_t state;

    if (rec == NULL)
        return 0;
    pthread_mutex_lock(roam__lock(fp));
    if (rec->state == ROAM__REC_NONE)
        state = 0;
    else
        state = rec->generation == handle.generation ? rec->state : -1;
    pthread_mutex_unlock(roam__lock(fp));
    return state;
}

uint32_t roam_var_slot_pool_slot_size(const struct RoamVarSlotPool *fp, uint8_t class_idx)
{
    return class_idx < fp->pool.num_classes ? fp->pool.slot_size[class_idx] : 0;
}

void roam_var_slot_pool_recover_peer(const struct RoamVarSlotPool *fp, uint8_t peer_id)
{
    if (!fp->usable)
        return;
    roam_pool_reclaim(&fp->pool, peer_id);
    pthread_mutex_lock(roam__lock(fp));
    for (uint32_t c = 0; c < fp->pool.num_classes; c++) {
        for (uint32_t i = 0; i < fp->pool.slot_count[c]; i++) {
            roam__slot_rec_t *rec = &fp->recs[fp->first[c] + i];

            if (rec->state != ROAM__REC_NONE && rec->owner == peer_id)
                rec->state = ROAM__REC_NONE;
        }
    }
    pthread_mutex_unlock(roam__lock(fp));
}

uint64_t roam_var_slot_pool_calculate_size(const struct RoamSizeClass *classes, size_t num_classes)
{
    roam_size_class_t c[ROAM_MAX_SIZE_CLASSES];
    roam__pool_class_t cl[ROAM_MAX_SIZE_CLASSES];
    uint64_t size;

    if (classes == NULL || num_classes == 0 || num_classes > ROAM_MAX_SIZE_CLASSES)
        return 0;
    for (size_t i = 0; i < num_classes; i++) {
        c[i].slot_size = classes[i].slot_size;
        c[i].slot_count = classes[i].count;
    }
    if (roam__pool_layout(c, (uint32_t)num_classes, cl, &size) != ROAM_OK)
        return 0;
    return size;
}

void roam_var_slot_pool_destroy(struct RoamVarSlotPool *fp)
{
    if (fp == NULL)
        return;
    pthread_mutex_destroy(&fp->lock);
    free(fp->recs);
    free(fp);
}
