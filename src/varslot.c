/*
 * The var-slot pool (reference §7, shm.varslot.*): per size class a
 * lock-free Treiber stack of free slots in shared memory, safe between
 * processes. free_head packs (ABA generation << 32) | slot index, so a
 * compare-and-swap made from a stale head fails.
 *
 * The class table is bound once into a private roam_pool_t; sizes, counts
 * and offsets are never re-read from the segment, and every slot index
 * read from it (a free_head, a next_free) is checked against the private
 * count before it is used.
 */
#include <inttypes.h>
#include <string.h>

#include "data_internal.h"

#define ROAM__HEAD(gen, idx) (((uint64_t)(gen) << 32) | (uint32_t)(idx))
#define ROAM__HEAD_IDX(head) ((uint32_t)(head))
#define ROAM__HEAD_GEN(head) ((uint32_t)((head) >> 32))

static roam_size_class_header_t *roam__class_hdr(const roam_pool_t *p, uint32_t c)
{
    return (roam_size_class_header_t *)(p->base + p->header_off[c]);
}

static roam_var_slot_meta_t *roam__meta(const roam_pool_t *p, uint32_t c, uint32_t s)
{
    return (roam_var_slot_meta_t *)(p->base + p->meta_off[c]) + s;
}

/* ---- Binding -------------------------------------------------------------------*/

/* Lay out n classes at pool_offset and check the pool ends within len. */
static roam_err_t roam__pool_place(roam_pool_t *p, void *base, size_t len, uint64_t pool_offset,
                                   const roam_size_class_t *classes, uint32_t n, roam_diag_t *diag)
{
    roam__pool_class_t cl[ROAM_MAX_SIZE_CLASSES];
    uint64_t size, end;
    roam_err_t err;

    memset(p, 0, sizeof *p);
    if (n == 0 || n > ROAM_MAX_SIZE_CLASSES)
        return roam__diag(diag, ROAM_E_NO_CLASSES, 0, "pool: %" PRIu32 " size classes", n);
    if (pool_offset % ROAM_SEGMENT_ALIGN != 0)
        return roam__diag(diag, ROAM_E_VAR_POOL_ALIGN, 0,
                          "pool: offset %" PRIu64 " is not a multiple of %u", pool_offset,
                          ROAM_SEGMENT_ALIGN);
    err = roam__pool_layout(classes, n, cl, &size);
    if (err)
        return roam__diag(diag, err, 0, "pool: %s", roam_strerror(err));
    if (!roam__add(pool_offset, size, &end) || end > len)
        return roam__diag(diag, ROAM_E_CLASS_BOUNDS, 0,
                          "pool: %" PRIu64 " bytes at %" PRIu64 " end past the %zu bytes mapped",
                          size, pool_offset, len);

    p->base = base;
    p->num_classes = n;
    for (uint32_t i = 0; i < n; i++) {
        p->slot_size[i] = classes[i].slot_size;
        p->slot_count[i] = classes[i].slot_count;
        p->header_off[i] = pool_offset + cl[i].header_offset;
        p->meta_off[i] = pool_offset + cl[i].meta_offset;
        p->data_off[i] = pool_offset + cl[i].data_offset;
    }
    return roam__diag_ok(diag);
}

roam_err_t roam_pool_bind(roam_pool_t *p, void *base, size_t mapped_len,
                          const roam_segment_header_plain_t *snap, roam_diag_t *diag)
{
    roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    uint32_t n = roam_segment_header_plain_num_var_slot_classes(snap);
    uint64_t table;

    /* The class headers themselves must lie in the mapping before any is read. */
    if (n == 0 || n > ROAM_MAX_SIZE_CLASSES)
        return roam__diag(diag, ROAM_E_NO_CLASSES, 0, "pool: %" PRIu32 " size classes", n);
    if (!roam__add(roam_segment_header_plain_var_pool_offset(snap),
                   (uint64_t)n * ROAM_SIZE_CLASS_HEADER_SIZE, &table) ||
        table > mapped_len)
        return roam__diag(diag, ROAM_E_CLASS_TABLE_BOUNDS, 0,
                          "pool: class table ends past the %zu bytes mapped", mapped_len);

    /* Each header's size and count read once, into the private table. */
    for (uint32_t i = 0; i < n; i++) {
        const roam_size_class_header_t *h = roam_segment_class(base, snap, i);

        classes[i].slot_size = roam_size_class_header_slot_size(h);
        classes[i].slot_count = roam_size_class_header_slot_count(h);
    }
    return roam__pool_place(p, base, mapped_len, roam_segment_header_plain_var_pool_offset(snap), classes,
                            n, diag);
}

roam_err_t roam_pool_bind_classes(roam_pool_t *p, void *region, size_t region_len,
                                  uint64_t pool_offset, const roam_size_class_t *classes,
                                  uint32_t n, roam_diag_t *diag)
{
    return roam__pool_place(p, region, region_len, pool_offset, classes, n, diag);
}

void roam_pool_format(const roam_pool_t *p)
{
    for (uint32_t c = 0; c < p->num_classes; c++) {
        roam_size_class_header_t *h = roam__class_hdr(p, c);
        uint32_t count = p->slot_count[c];

        roam_size_class_header_set_slot_size(h, p->slot_size[c]);
        roam_size_class_header_set_slot_count(h, count);
        memset(h->pad, 0, sizeof h->pad);
        for (uint32_t s = 0; s < count; s++) {
            roam_var_slot_meta_t *m = roam__meta(p, c, s);

            roam_var_slot_meta_store_generation(m, 0);
            roam_var_slot_meta_store_state(m, ROAM_SLOT_STATE_FREE);
            roam_var_slot_meta_store_owner_peer(m, 0);
            roam_var_slot_meta_store_next_free(m, s + 1 < count ? s + 1 : ROAM_FREE_LIST_EMPTY);
        }
        /* The head last (release): the list it names is complete. */
        roam_size_class_header_store_free_head(h, ROAM__HEAD(0, count > 0 ? 0 : ROAM_FREE_LIST_EMPTY));
    }
}

/* ---- Allocation ----------------------------------------------------------------*/

/* Pop one slot of class c. ROAM_E_POOL_EXHAUSTED when its list is empty. */
static roam_err_t roam__pool_pop(const roam_pool_t *p, uint32_t c, uint32_t owner,
                                 roam_slot_t *out)
{
    roam_size_class_header_t *h = roam__class_hdr(p, c);
    uint64_t head = roam_size_class_header_load_free_head(h);

    for (;;) {
        uint32_t idx = ROAM__HEAD_IDX(head);
        roam_var_slot_meta_t *m;
        uint32_t next;

        if (idx == ROAM_FREE_LIST_EMPTY)
            return ROAM_E_POOL_EXHAUSTED;
        if (idx >= p->slot_count[c])
            return ROAM_E_CLASS_FREE_HEAD;
        m = roam__meta(p, c, idx);
        /* next may be stale if another process popped idx meanwhile; then
         * the head's generation moved and the swap below fails. */
        next = roam_var_slot_meta_load_next_free(m);
        if (!roam_size_class_header_free_head_swap(h, &head,
                                                   ROAM__HEAD(ROAM__HEAD_GEN(head) + 1, next)))
            continue;   /* head now holds the value seen: retry with it */

        /* The slot is ours: a new generation, then Allocated, then owner. */
        out->class_idx = (uint8_t)c;
        out->extent_idx = 0;
        out->slot_idx = idx;
        out->generation = roam_var_slot_meta_generation_bump(m, 1) + 1;
        roam_var_slot_meta_store_state(m, ROAM_SLOT_STATE_ALLOCATED);
        roam_var_slot_meta_store_owner_peer(m, owner);
        return ROAM_OK;
    }
}

roam_err_t roam_pool_alloc(const roam_pool_t *p, uint32_t size, uint32_t owner, roam_slot_t *out)
{
    bool fits = false;

    /* The first class that fits, then every later one that fits too. */
    for (uint32_t c = 0; c < p->num_classes; c++) {
        roam_err_t err;

        if (p->slot_size[c] < size)
            continue;
        fits = true;
        err = roam__pool_pop(p, c, owner, out);
        if (err != ROAM_E_POOL_EXHAUSTED)
            return err;
    }
    return fits ? ROAM_E_POOL_EXHAUSTED : ROAM_E_TOO_LARGE;
}

/* ---- Handles -------------------------------------------------------------------*/

/* The slot's metadata, or NULL for a handle naming no slot. */
static roam_var_slot_meta_t *roam__slot_meta(const roam_pool_t *p, roam_slot_t s)
{
    if (s.class_idx >= p->num_classes || s.extent_idx != 0 ||
        s.slot_idx >= p->slot_count[s.class_idx])
        return NULL;
    return roam__meta(p, s.class_idx, s.slot_idx);
}

roam_err_t roam_pool_check(const roam_pool_t *p, roam_slot_t s)
{
    roam_var_slot_meta_t *m = roam__slot_meta(p, s);

    if (m == NULL)
        return ROAM_E_SLOT_REF;
    if (roam_var_slot_meta_load_state(m) != ROAM_SLOT_STATE_ALLOCATED ||
        roam_var_slot_meta_load_generation(m) != s.generation)
        return ROAM_E_SLOT_STALE;
    return ROAM_OK;
}

unsigned char *roam_pool_slot(const roam_pool_t *p, roam_slot_t s, uint32_t *size)
{
    if (roam__slot_meta(p, s) == NULL)
        return NULL;
    if (size != NULL)
        *size = p->slot_size[s.class_idx];
    return p->base + p->data_off[s.class_idx] + (uint64_t)s.slot_idx * p->slot_size[s.class_idx];
}

uint32_t roam_pool_owner(const roam_pool_t *p, roam_slot_t s)
{
    roam_var_slot_meta_t *m = roam__slot_meta(p, s);

    return m != NULL ? roam_var_slot_meta_load_owner_peer(m) : UINT32_MAX;
}

roam_err_t roam_pool_adopt(const roam_pool_t *p, roam_slot_t s, uint32_t owner)
{
    roam_err_t err = roam_pool_check(p, s);

    if (err)
        return err;
    roam_var_slot_meta_store_owner_peer(roam__slot_meta(p, s), owner);
    return ROAM_OK;
}

roam_err_t roam_pool_free(const roam_pool_t *p, roam_slot_t s, bool *was_empty)
{
    roam_var_slot_meta_t *m = roam__slot_meta(p, s);
    roam_size_class_header_t *h;
    uint64_t head;

    if (m == NULL)
        return ROAM_E_SLOT_REF;
    /* Allocated at this generation, and this free wins the state change:
     * of two racing frees of one handle only one gets past here. */
    if (roam_var_slot_meta_load_generation(m) != s.generation ||
        !roam_var_slot_meta_state_free(m, NULL))
        return ROAM_E_SLOT_STALE;
    roam_var_slot_meta_store_owner_peer(m, 0);

    /* Push: link to the current head (release), then swing the head to us. */
    h = roam__class_hdr(p, s.class_idx);
    head = roam_size_class_header_load_free_head(h);
    do {
        roam_var_slot_meta_store_next_free(m, ROAM__HEAD_IDX(head));
    } while (!roam_size_class_header_free_head_swap(
        h, &head, ROAM__HEAD(ROAM__HEAD_GEN(head) + 1, s.slot_idx)));
    if (was_empty != NULL)
        *was_empty = ROAM__HEAD_IDX(head) == ROAM_FREE_LIST_EMPTY;
    return ROAM_OK;
}

uint32_t roam_pool_reclaim(const roam_pool_t *p, uint32_t peer_id)
{
    uint32_t freed = 0;

    /* A walk of each class's metadata by pointer, the count in a local
     * (the free below is a call, after which *p would be read again); the
     * slot's handle is made only for a slot that is the peer's. */
    for (uint32_t c = 0; c < p->num_classes; c++) {
        const roam_var_slot_meta_t *m = roam__meta(p, c, 0);
        const uint32_t count = p->slot_count[c];

        for (uint32_t i = 0; i < count; i++, m++) {
            roam_slot_t s;

            if (roam_var_slot_meta_load_owner_peer(m) != peer_id ||
                roam_var_slot_meta_load_state(m) != ROAM_SLOT_STATE_ALLOCATED)
                continue;
            /* Its current generation: a free that races us makes ours fail. */
            s = (roam_slot_t){(uint8_t)c, 0, i, roam_var_slot_meta_load_generation(m)};
            if (roam_pool_free(p, s, NULL) == ROAM_OK)
                freed++;
        }
    }
    return freed;
}

roam_err_t roam_pool_count_free(const roam_pool_t *p, uint32_t class_idx, uint32_t *n_free)
{
    uint32_t count, idx, n = 0;

    if (class_idx >= p->num_classes)
        return ROAM_E_SLOT_REF;
    count = p->slot_count[class_idx];
    idx = ROAM__HEAD_IDX(roam_size_class_header_load_free_head(roam__class_hdr(p, class_idx)));
    while (idx != ROAM_FREE_LIST_EMPTY) {
        roam_var_slot_meta_t *m;

        /* More links than slots means a cycle. */
        if (idx >= count || n == count)
            return ROAM_E_CLASS_FREE_HEAD;
        m = roam__meta(p, class_idx, idx);
        if (roam_var_slot_meta_load_state(m) != ROAM_SLOT_STATE_FREE)
            return ROAM_E_CLASS_FREE_HEAD;
        n++;
        idx = roam_var_slot_meta_load_next_free(m);
    }
    *n_free = n;
    return ROAM_OK;
}
