/*
 * The floor of each measured operation: see floor.h.
 */
#include <string.h>
#include <time.h>

#include "floor.h"

#define ALIGN64(x) (((x) + 63) & ~(uint64_t)63)

roam_err_t floor_header(const void *buf, size_t len, roam_segment_header_plain_t *s)
{
    uint64_t r[6], cur, total, peers, pool, peers_end, classes_end;

    if (buf == NULL || len < sizeof *s)
        return ROAM_E_TRUNCATED;
    memcpy(s, buf, sizeof *s);

    if (memcmp(s->magic, ROAM_MAGIC, ROAM_MAGIC_SIZE) != 0)
        return ROAM_E_BAD_MAGIC;
    if (s->version != ROAM_SEGMENT_VERSION)
        return ROAM_E_VERSION;
    if (s->header_size != ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_HEADER_SIZE;
    if (s->num_var_slot_classes == 0)
        return ROAM_E_NO_CLASSES;

    cur = s->current_size;
    total = s->total_size;
    if (s->max_guests > ROAM_MAX_GUESTS)
        return ROAM_E_MAX_GUESTS;
    if (s->num_var_slot_classes > ROAM_MAX_SIZE_CLASSES)
        return ROAM_E_TOO_MANY_CLASSES;
    if (cur < total)
        return ROAM_E_CURRENT_SIZE;
    if (total < ROAM_SEGMENT_HEADER_SIZE)
        return ROAM_E_TOTAL_SIZE;
    memcpy(r, s->reserved, sizeof r);
    if ((r[0] | r[1] | r[2] | r[3] | r[4] | r[5]) != 0)
        return ROAM_E_RESERVED;

    peers = s->peer_table_offset;
    pool = s->var_pool_offset;
    if (peers % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_PEER_TABLE_ALIGN;
    if (pool % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_VAR_POOL_ALIGN;
    if (peers < ROAM_SEGMENT_HEADER_SIZE ||
        __builtin_add_overflow(peers, (uint64_t)s->max_guests * ROAM_PEER_ENTRY_SIZE, &peers_end) ||
        peers_end > cur)
        return ROAM_E_PEER_TABLE_BOUNDS;
    if (pool < peers_end ||
        __builtin_add_overflow(pool, (uint64_t)s->num_var_slot_classes * ROAM_SIZE_CLASS_HEADER_SIZE,
                               &classes_end) ||
        classes_end > cur)
        return ROAM_E_CLASS_TABLE_BOUNDS;
    if (len < cur)
        return ROAM_E_MAPPING_SHORT;
    return ROAM_OK;
}

roam_err_t floor_segment(const void *buf, size_t len, roam_segment_header_plain_t *s)
{
    const unsigned char *base = buf;
    roam_err_t err = floor_header(buf, len, s);
    const roam_peer_entry_t *p;
    uint64_t cur, pool, at, ring, stride, limit;
    uint32_t g, k, cap;

    if (err)
        return err;
    if ((uintptr_t)buf % ROAM_SEGMENT_ALIGN != 0)
        return ROAM_E_BUFFER_ALIGN;
    cur = s->current_size;
    pool = s->var_pool_offset;
    g = s->max_guests;
    k = s->num_var_slot_classes;
    cap = s->bipbuf_capacity;

    /* Size classes: their regions follow the class-header table in order. */
    at = pool + (uint64_t)k * ROAM_SIZE_CLASS_HEADER_SIZE;
    for (uint32_t i = 0; i < k; i++) {
        const roam_size_class_header_t *h =
            (const void *)(base + pool + (uint64_t)i * ROAM_SIZE_CLASS_HEADER_SIZE);
        uint32_t size = h->slot_size, count = h->slot_count;
        uint32_t head = (uint32_t)roam_size_class_header_load_free_head(h);
        uint64_t x, end;

        if (size == 0)
            return ROAM_E_CLASS_SLOT_SIZE;
        if (count == 0)
            return ROAM_E_CLASS_SLOT_COUNT;
        if (__builtin_add_overflow(at, ALIGN64((uint64_t)count * ROAM_VAR_SLOT_META_SIZE), &x) ||
            __builtin_add_overflow(x, ALIGN64((uint64_t)size * count), &end) || end > cur)
            return ROAM_E_CLASS_BOUNDS;
        if (head != ROAM_FREE_LIST_EMPTY && head >= count)
            return ROAM_E_CLASS_FREE_HEAD;
        at = end;
    }

    /* Peers: a known state, and the ring pair right after the peer table,
     * ending before the pool and inside the segment. */
    if (g > 0 && (cap == 0 || cap % ROAM_SEGMENT_ALIGN != 0))
        return ROAM_E_RING_LAYOUT;
    stride = 2 * ((uint64_t)ROAM_BIPBUF_HEADER_SIZE + cap);
    limit = pool < cur ? pool : cur;
    ring = s->peer_table_offset + (uint64_t)g * ROAM_PEER_ENTRY_SIZE;
    p = (const void *)(base + s->peer_table_offset);
    for (uint32_t i = 0; i < g; i++, p++) {
        if (roam_peer_entry_load_state(p) > ROAM_PEER_STATE_RESERVED)
            return ROAM_E_PEER_STATE;
        if (p->ring_offset != ring)
            return ROAM_E_PEER_RING_OFFSET;
        if (ring > limit || limit - ring < stride)
            return ROAM_E_PEER_RING_BOUNDS;
        ring += stride;
    }

    /* Rings: the segment's capacity, indices within it. */
    ring = s->peer_table_offset + (uint64_t)g * ROAM_PEER_ENTRY_SIZE;
    for (uint32_t i = 0; i < 2 * g; i++) {
        const roam_bipbuf_header_t *r = (const void *)(base + ring);

        if (r->capacity != cap)
            return ROAM_E_RING_CAPACITY;
        if (roam_bipbuf_header_load_write(r) > cap || roam_bipbuf_header_load_read(r) > cap ||
            roam_bipbuf_header_load_watermark(r) > cap)
            return ROAM_E_RING_INDEX;
        ring += ROAM_BIPBUF_HEADER_SIZE + (uint64_t)cap;
    }
    return ROAM_OK;
}

size_t floor_copy_segment(unsigned char *dst, const void *buf)
{
    const roam_segment_header_plain_t *s = buf;
    const unsigned char *base = buf;
    uint64_t ring = s->peer_table_offset + (uint64_t)s->max_guests * ROAM_PEER_ENTRY_SIZE;
    size_t n = 0, k = (size_t)s->num_var_slot_classes * ROAM_SIZE_CLASS_HEADER_SIZE;
    size_t peers = (size_t)s->max_guests * ROAM_PEER_ENTRY_SIZE;

    memcpy(dst, base, ROAM_SEGMENT_HEADER_SIZE);
    n += ROAM_SEGMENT_HEADER_SIZE;
    memcpy(dst + n, base + s->var_pool_offset, k);
    n += k;
    memcpy(dst + n, base + s->peer_table_offset, peers);
    n += peers;
    for (uint32_t i = 0; i < 2 * s->max_guests; i++) {
        memcpy(dst + n, base + ring, ROAM_BIPBUF_HEADER_SIZE);
        n += ROAM_BIPBUF_HEADER_SIZE;
        ring += ROAM_BIPBUF_HEADER_SIZE + (uint64_t)s->bipbuf_capacity;
    }
    return n;
}

void floor_host_init(floor_host_t *h, void *base, const roam_segment_header_plain_t *snap)
{
    uint64_t at;

    memset(h, 0, sizeof *h);
    h->base = base;
    h->peers = (roam_peer_entry_t *)(h->base + snap->peer_table_offset);
    h->n = snap->max_guests;
    h->ring0 = snap->peer_table_offset + (uint64_t)snap->max_guests * ROAM_PEER_ENTRY_SIZE;
    h->h2g = ROAM_BIPBUF_HEADER_SIZE + (uint64_t)snap->bipbuf_capacity;
    h->stride = 2 * h->h2g;
    h->interval = snap->heartbeat_interval;
    h->cap = snap->bipbuf_capacity;

    /* The pool: class regions follow the class-header table in order. */
    h->classes = snap->num_var_slot_classes;
    at = snap->var_pool_offset + (uint64_t)h->classes * ROAM_SIZE_CLASS_HEADER_SIZE;
    for (uint32_t c = 0; c < h->classes; c++) {
        const roam_size_class_header_t *ch;

        h->class_hdr[c] = snap->var_pool_offset + (uint64_t)c * ROAM_SIZE_CLASS_HEADER_SIZE;
        ch = (const void *)(h->base + h->class_hdr[c]);
        h->slot_count[c] = ch->slot_count;
        h->meta[c] = at;
        at += ALIGN64((uint64_t)ch->slot_count * ROAM_VAR_SLOT_META_SIZE) +
              ALIGN64((uint64_t)ch->slot_size * ch->slot_count);
    }
}

/* Slot idx of class c back on its free list if Allocated at gen: owner 0,
 * linked to the head, the head swung to it with its ABA count bumped. */
static void floor_free(floor_host_t *h, uint32_t c, uint32_t idx, uint32_t gen)
{
    roam_var_slot_meta_t *m = (roam_var_slot_meta_t *)(h->base + h->meta[c]) + idx;
    roam_size_class_header_t *ch = (void *)(h->base + h->class_hdr[c]);
    uint64_t head;

    if (roam_var_slot_meta_load_generation(m) != gen || !roam_var_slot_meta_state_free(m, NULL))
        return;
    roam_var_slot_meta_store_owner_peer(m, 0);
    head = roam_size_class_header_load_free_head(ch);
    do {
        roam_var_slot_meta_store_next_free(m, (uint32_t)head);
    } while (!roam_size_class_header_free_head_swap(
        ch, &head, ((uint64_t)((uint32_t)(head >> 32) + 1) << 32) | idx));
}

/* The entries of [off, end) of ring data d, in order: each well formed,
 * each slot reference to a host slot freed; 0 when one is malformed. */
static int floor_free_refs(floor_host_t *h, const unsigned char *d, uint32_t off, uint32_t end)
{
    while (off < end) {
        roam_frame_header_t f;
        roam_slot_ref_t r;
        uint32_t len;

        if (end - off < ROAM_FRAME_HEADER_SIZE)
            return 0;
        memcpy(&f, d + off, sizeof f);
        len = f.total_len;
        if ((f.flags & ~(uint32_t)ROAM_FRAME_FLAGS_ALL) != 0 ||
            (f.flags & ROAM_FRAME_FLAGS_ALL) == ROAM_FRAME_FLAGS_ALL ||
            len < ROAM_FRAME_HEADER_SIZE || len % ROAM_FRAME_ALIGN != 0 || len > end - off ||
            f.reserved != 0 || ((f.flags & ROAM_FRAME_FLAGS_ALL) != 0 && f.inline_payload_len != 0) ||
            ROAM_FRAME_HEADER_SIZE + (uint32_t)f.inline_payload_len > len)
            return 0;
        if (f.flags & ROAM_FRAME_FLAGS_SLOT_REF) {
            if (len != ROAM_SLOT_REF_ENTRY_SIZE)
                return 0;
            memcpy(&r, d + off + ROAM_FRAME_HEADER_SIZE, sizeof r);
            if (r.reserved != 0)
                return 0;
            /* Only slots the host (peer id 0) owns. */
            if (r.class_idx < h->classes && r.extent_idx == 0 &&
                r.slot_idx < h->slot_count[r.class_idx] &&
                roam_var_slot_meta_load_owner_peer(
                    (roam_var_slot_meta_t *)(h->base + h->meta[r.class_idx]) + r.slot_idx) == 0)
                floor_free(h, r.class_idx, r.slot_idx, r.generation);
        } else if (f.flags & ROAM_FRAME_FLAGS_MMAP_REF) {
            roam_mmap_ref_t mr;

            if (len != ROAM_MMAP_REF_ENTRY_SIZE)
                return 0;
            memcpy(&mr, d + off + ROAM_FRAME_HEADER_SIZE, sizeof mr);
            if (mr.reserved != 0)
                return 0;
        }
        off += len;
    }
    return 1;
}

/* Step 2: the unread entries of the host-to-guest ring at r: the tail
 * [read, watermark) and the front [0, write) after a wrap, else
 * [read, write). */
static void floor_free_in_flight(floor_host_t *h, const roam_bipbuf_header_t *r)
{
    const unsigned char *d = (const unsigned char *)r + ROAM_BIPBUF_HEADER_SIZE;
    uint32_t rd = roam_bipbuf_header_load_read(r), wr = roam_bipbuf_header_load_write(r);
    uint32_t wm = roam_bipbuf_header_load_watermark(r);

    if (rd > h->cap || wr > h->cap || wm > h->cap)
        return;
    if (wm != 0 && wr < wm) {
        if (rd < wm && !floor_free_refs(h, d, rd, wm))
            return;
        floor_free_refs(h, d, 0, wr);
    } else {
        floor_free_refs(h, d, rd, wr);
    }
}

/* Step 4: every slot Allocated to peer id, at its current generation. */
static void floor_free_owned(floor_host_t *h, uint32_t id)
{
    for (uint32_t c = 0; c < h->classes; c++) {
        roam_var_slot_meta_t *m = (roam_var_slot_meta_t *)(h->base + h->meta[c]);

        for (uint32_t s = 0; s < h->slot_count[c]; s++, m++)
            if (roam_var_slot_meta_load_owner_peer(m) == id &&
                roam_var_slot_meta_load_state(m) == ROAM_SLOT_STATE_ALLOCATED)
                floor_free(h, c, s, roam_var_slot_meta_load_generation(m));
    }
}

/* Slots in flight to the guest and its own freed, rings empty, heartbeat
 * 0, entry Empty. */
void floor_recover(floor_host_t *h, uint32_t i)
{
    roam_peer_entry_t *p = &h->peers[i];
    unsigned char *pair = h->base + h->ring0 + (uint64_t)i * h->stride;

    roam_peer_entry_store_state(p, ROAM_PEER_STATE_GOODBYE);
    floor_free_in_flight(h, (const void *)(pair + h->h2g));
    for (int d = 0; d < 2; d++) {
        roam_bipbuf_header_t *r = (void *)(pair + (uint64_t)d * h->h2g);

        roam_bipbuf_header_store_write(r, 0);
        roam_bipbuf_header_store_watermark(r, 0);
        roam_bipbuf_header_store_read(r, 0);
    }
    floor_free_owned(h, i + 1);
    roam_peer_entry_store_last_heartbeat(p, 0);
    roam_peer_entry_store_state(p, ROAM_PEER_STATE_EMPTY);
    h->quiet_since[i] = 0;
}

/* Whether Attached entry i's guest is dead: 2 intervals without a beat,
 * timed from the first sweep that saw it attached without one. */
static int floor_dead(floor_host_t *h, uint32_t i, uint64_t now)
{
    roam_peer_entry_t *p = &h->peers[i];
    uint64_t last = roam_peer_entry_load_last_heartbeat(p);
    uint64_t limit = h->interval > UINT64_MAX / 2 ? UINT64_MAX : 2 * h->interval;
    uint32_t epoch;

    if (last != 0) {
        h->quiet_since[i] = 0;
        return now > last && now - last > limit;
    }
    epoch = roam_peer_entry_load_epoch(p);
    if (h->quiet_since[i] == 0 || h->quiet_epoch[i] != epoch) {
        h->quiet_since[i] = now != 0 ? now : 1;
        h->quiet_epoch[i] = epoch;
        return 0;
    }
    return now > h->quiet_since[i] && now - h->quiet_since[i] > limit;
}

uint32_t floor_sweep(floor_host_t *h, uint64_t now)
{
    uint32_t recovered = 0;

    for (uint32_t i = 0; i < h->n; i++) {
        uint32_t state = roam_peer_entry_load_state(&h->peers[i]);

        if (state == ROAM_PEER_STATE_GOODBYE ||
            (state == ROAM_PEER_STATE_ATTACHED && h->interval != 0 && floor_dead(h, i, now))) {
            floor_recover(h, i);
            recovered++;
        }
    }
    return recovered;
}

int floor_attach_detach_recover(floor_host_t *h)
{
    floor_guest_t g = {NULL, 0};
    struct timespec ts;
    uint32_t i, state;

    /* Guest: the first Empty entry, a new epoch, the heartbeat clock started. */
    for (i = 0; i < h->n; i++) {
        if (roam_peer_entry_state_attach(&h->peers[i], NULL)) {
            g.p = &h->peers[i];
            g.epoch = roam_peer_entry_epoch_bump(g.p, 1) + 1;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            roam_peer_entry_store_last_heartbeat(
                g.p, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
            break;
        }
    }
    if (g.p == NULL)
        return -1;

    /* Guest: detach if the entry is still its own. */
    if (roam_peer_entry_load_state(g.p) != ROAM_PEER_STATE_ATTACHED ||
        roam_peer_entry_load_epoch(g.p) != g.epoch)
        return -1;
    roam_peer_entry_store_state(g.p, ROAM_PEER_STATE_GOODBYE);

    /* Host: recover an entry in Goodbye (or Attached). */
    state = roam_peer_entry_load_state(g.p);
    if (state != ROAM_PEER_STATE_GOODBYE && state != ROAM_PEER_STATE_ATTACHED)
        return -1;
    floor_recover(h, i);
    return 0;
}
