/*
 * Peer lifecycle on a live segment (reference §2): the host reserves,
 * watches and recovers entries; a guest claims or attaches, heartbeats and
 * detaches. Every state change is one of the library's roam_peer_* ops.
 */
#include "data_internal.h"
#include "segment_internal.h"
#include "sigbus_internal.h"

roam_peer_entry_t *roam_segment_peer_at(const roam_segment_t *seg, uint32_t index)
{
    if (seg->base == NULL)
        return NULL;
    return roam_layout_peer_table(&seg->layout, seg->base, index);
}

/* The entry, or ROAM_E_PEER_INDEX in *diag. */
static roam_peer_entry_t *roam__peer_or_fail(const roam_segment_t *seg, uint32_t index,
                                             roam_diag_t *diag)
{
    if (seg->base == NULL || index >= roam_segment_header_plain_max_guests(&seg->snap)) {
        roam__diag(diag, ROAM_E_PEER_INDEX, index, "peer %u: no such entry (max_guests %u)",
                   index, roam_segment_header_plain_max_guests(&seg->snap));
        return NULL;
    }
    return roam__seg_peer(seg, index);
}

/* Fill *diag for an entry found in the wrong state; returns ROAM_E_PEER_BUSY. */
static roam_err_t roam__peer_busy(roam_diag_t *diag, uint32_t index, uint32_t found,
                                  const char *op)
{
    const char *name = roam_peer_state_name(found);

    return roam__diag(diag, ROAM_E_PEER_BUSY, index, "peer %u: cannot %s, entry is %s", index,
                      op, name != NULL ? name : "in an unknown state");
}

/* ---- Host ------------------------------------------------------------------*/

static roam_err_t roam__host_reserve(roam_segment_t *seg, uint32_t *index, uint32_t *epoch,
                                     roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_plain_max_guests(&seg->snap);

    /* First Empty entry wins; a lost compare-and-swap moves on. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e;

        if (roam_peer_reserve(roam_segment_peer_at(seg, i), NULL, &e) != ROAM_OK)
            continue;
        if (index != NULL)
            *index = i;
        if (epoch != NULL)
            *epoch = e;
        return roam__diag_ok(diag);
    }
    return roam__diag(diag, ROAM_E_PEER_FULL, 0, "reserve: all %u peer entries are taken", n);
}

roam_err_t roam_host_reserve(roam_segment_t *seg, uint32_t *index, uint32_t *epoch,
                             roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "reserve", seg->base, seg->map_len, (void)0,
                  roam__host_reserve(seg, index, epoch, diag));
}

static roam_err_t roam__host_release(roam_segment_t *seg, uint32_t index, roam_diag_t *diag)
{
    roam_peer_entry_t *p = roam__peer_or_fail(seg, index, diag);
    uint32_t found;

    if (p == NULL)
        return ROAM_E_PEER_INDEX;
    if (roam_peer_release(p, &found) != ROAM_OK)
        return roam__peer_busy(diag, index, found, "release");
    return roam__diag_ok(diag);
}

roam_err_t roam_host_release(roam_segment_t *seg, uint32_t index, roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "release", seg->base, seg->map_len, (void)0,
                  roam__host_release(seg, index, diag));
}

bool roam_heartbeat_expired(uint64_t interval_ns, uint64_t last_ns, uint64_t now_ns)
{
    if (interval_ns == 0 || now_ns <= last_ns)
        return false;
    /* 2 * interval would not fit: such a guest can never be late. */
    if (interval_ns > UINT64_MAX / 2)
        return false;
    return now_ns - last_ns > 2 * interval_ns;
}

/* roam_host_peer_dead for entry `index` at p, already seen Attached, with
 * heartbeats on (interval != 0). */
static inline bool roam__attached_dead(roam_segment_t *seg, uint32_t index,
                                       const roam_peer_entry_t *p, uint64_t interval,
                                       uint64_t now_ns)
{
    uint64_t last = roam_peer_entry_load_last_heartbeat(p);
    uint32_t epoch;

    if (last != 0) {
        seg->quiet_since[index] = 0;
        return roam_heartbeat_expired(interval, last, now_ns);
    }

    /* Attached, never beaten: age it from the first time the host saw it
     * so, for this epoch, else a guest dying before its first heartbeat
     * would hold the entry forever. */
    epoch = roam_peer_entry_load_epoch(p);
    if (seg->quiet_since[index] == 0 || seg->quiet_epoch[index] != epoch) {
        seg->quiet_since[index] = now_ns != 0 ? now_ns : 1;
        seg->quiet_epoch[index] = epoch;
        return false;
    }
    return roam_heartbeat_expired(interval, seg->quiet_since[index], now_ns);
}

bool roam_host_peer_dead(roam_segment_t *seg, uint32_t index, uint64_t now_ns)
{
    uint64_t interval = roam_segment_header_plain_heartbeat_interval(&seg->snap);
    roam_peer_entry_t *p = roam_segment_peer_at(seg, index);

    if (p == NULL || interval == 0)
        return false;
    if (roam_peer_entry_load_state(p) != ROAM_PEER_STATE_ATTACHED) {
        seg->quiet_since[index] = 0;
        return false;
    }
    return roam__attached_dead(seg, index, p, interval, now_ns);
}

/* Both ring headers of guest `index` back to empty; capacity is kept. */
static void roam__rings_reset(roam_segment_t *seg, uint32_t index)
{
    roam_bipbuf_header_t *rings[2] = {roam_layout_rings_to_host(&seg->layout, seg->base, index),
                                      roam_layout_rings_to_guest(&seg->layout, seg->base, index)};

    for (int d = 0; d < 2; d++) {
        roam_bipbuf_header_store_write(rings[d], 0);
        roam_bipbuf_header_store_watermark(rings[d], 0);
        roam_bipbuf_header_store_read(rings[d], 0);
    }
}

roam_err_t roam_host_recover(roam_segment_t *seg, uint32_t index, roam_diag_t *diag)
{
    roam_peer_entry_t *p = roam__peer_or_fail(seg, index, diag);
    roam_pool_t pool;
    uint32_t state;

    if (p == NULL)
        return ROAM_E_PEER_INDEX;
    /* Empty needs nothing; Reserved is given back with roam_host_release. */
    state = roam_peer_entry_load_state(p);
    if (state != ROAM_PEER_STATE_ATTACHED && state != ROAM_PEER_STATE_GOODBYE)
        return roam__peer_busy(diag, index, state, "recover");

    /* shm.crash.recovery, in order. 1: Goodbye, so no guest attaches meanwhile. */
    roam_peer_goodbye(p);
    /* 2: slots in flight to the guest (before 3 wipes their references),
     * with the pool built once for steps 2 and 4. */
    roam__recover_pool(seg, &pool);
    roam__recover_ring_slots(seg, &pool, index);
    /* 3: both rings empty. */
    roam__rings_reset(seg, index);
    /* 4: every slot the guest's peer id still owns. */
    roam__recover_owned_slots(&pool, index);
    /* 5: mmap leases: this library maps no mmap references, so holds none. */
    /* 6: last_heartbeat 0, then Empty with release: the next guest to
     * attach (acquire) sees the reset rings and the freed slots. */
    roam_peer_reset(p);
    seg->quiet_since[index] = 0;
    return roam__diag_ok(diag);
}

void roam_host_sweep(roam_segment_t *seg, uint64_t now_ns, roam_sweep_t *out)
{
    roam_sweep_t r = {0, 0};
    uint32_t n = seg->base != NULL ? roam_segment_header_plain_max_guests(&seg->snap) : 0;
    uint64_t interval = roam_segment_header_plain_heartbeat_interval(&seg->snap);

    /* One pass, entry 0 onwards: each state read once, each live guest's
     * heartbeat aged inline; only a recovery takes a call. */
    for (uint32_t i = 0; i < n; i++) {
        const roam_peer_entry_t *p = roam__seg_peer(seg, i);
        uint32_t state = roam_peer_entry_load_state(p);

        if (state == ROAM_PEER_STATE_GOODBYE) {
            if (roam_host_recover(seg, i, NULL) == ROAM_OK)
                r.departed++;
        } else if (state == ROAM_PEER_STATE_ATTACHED && interval != 0 &&
                   roam__attached_dead(seg, i, p, interval, now_ns)) {
            if (roam_host_recover(seg, i, NULL) == ROAM_OK)
                r.dead++;
        }
    }
    if (out != NULL)
        *out = r;
}

void roam_host_goodbye(roam_segment_t *seg)
{
    roam_segment_header_store_host_goodbye(roam_segment_header(seg), 1);
}

/* ---- Guest -----------------------------------------------------------------*/

/* Record the entry p (number index) this guest now holds, and start its
 * heartbeat clock. */
static roam_err_t roam__guest_hold(roam_segment_t *seg, roam_peer_entry_t *p, uint32_t index,
                                   uint32_t epoch, roam_diag_t *diag)
{
    roam__guest_set(seg, p, index, epoch);
    roam_peer_heartbeat(p, roam_clock_now_ns());
    return roam__diag_ok(diag);
}

static roam_err_t roam__guest_claim(roam_segment_t *seg, uint32_t index, uint32_t *found,
                                    roam_diag_t *diag)
{
    roam_peer_entry_t *p = roam__peer_or_fail(seg, index, diag);
    uint32_t state;

    if (p == NULL)
        return ROAM_E_PEER_INDEX;
    if (seg->peer_index != ROAM_NO_PEER)
        return roam__diag(diag, ROAM_E_PEER_BUSY, 0, "claim: this handle holds peer %u already",
                          seg->peer_index);
    if (roam_peer_claim(p, &state) != ROAM_OK) {
        if (found != NULL)
            *found = state;
        return roam__peer_busy(diag, index, state, "claim");
    }
    /* Claim keeps the epoch the host's reserve gave the entry. */
    return roam__guest_hold(seg, p, index, roam_peer_entry_load_epoch(p), diag);
}

roam_err_t roam_guest_claim(roam_segment_t *seg, uint32_t index, uint32_t *found,
                            roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "claim", seg->base, seg->map_len, (void)0,
                  roam__guest_claim(seg, index, found, diag));
}

static roam_err_t roam__guest_attach(roam_segment_t *seg, uint32_t *index, roam_diag_t *diag)
{
    uint32_t n = roam_segment_header_plain_max_guests(&seg->snap);

    if (seg->peer_index != ROAM_NO_PEER)
        return roam__diag(diag, ROAM_E_PEER_BUSY, 0, "attach: this handle holds peer %u already",
                          seg->peer_index);
    /* First Empty entry wins; a lost compare-and-swap moves on. */
    for (uint32_t i = 0; i < n; i++) {
        roam_peer_entry_t *p = roam__seg_peer(seg, i);
        uint32_t epoch;

        if (roam_peer_attach(p, NULL, &epoch) != ROAM_OK)
            continue;
        if (index != NULL)
            *index = i;
        return roam__guest_hold(seg, p, i, epoch, diag);
    }
    return roam__diag(diag, ROAM_E_PEER_FULL, 0, "attach: all %u peer entries are taken", n);
}

roam_err_t roam_guest_attach(roam_segment_t *seg, uint32_t *index, roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "attach", seg->base, seg->map_len, (void)0,
                  roam__guest_attach(seg, index, diag));
}

/* roam_guest_lost, with note added to the message. */
static roam_err_t roam__guest_lost(roam_segment_t *seg, uint32_t state, const char *op,
                                   const char *note, roam_diag_t *diag)
{
    roam_peer_entry_t *p = roam__guest_peer(seg);
    uint32_t index = seg->peer_index;
    const char *name = roam_peer_state_name(state);

    if (p == NULL)
        return roam__diag(diag, ROAM_E_PEER_BUSY, 0, "%s: this handle holds no peer entry", op);

    /* The host recovered it (and maybe gave it to another guest): let go,
     * and say what the entry holds now. */
    roam__guest_clear(seg);
    return roam__diag(diag, ROAM_E_PEER_BUSY, index,
                      "peer %u: cannot %s, entry is %s at epoch %u (this guest had epoch %u): "
                      "the host recovered it%s", index, op,
                      name != NULL ? name : "in an unknown state", roam_peer_entry_load_epoch(p),
                      seg->peer_epoch, note);
}

roam_err_t roam_guest_lost(roam_segment_t *seg, uint32_t state, const char *op,
                            roam_diag_t *diag)
{
    return roam__guest_lost(seg, state, op, "", diag);
}

/* roam_guest_heartbeat is inline in roam_segment.h; this is its slow end. */
roam_err_t roam_guest_heartbeat_lost(roam_segment_t *seg, uint64_t stored_ns, roam_diag_t *diag)
{
    roam_peer_entry_t *p = roam__guest_peer(seg);
    uint64_t seen = stored_ns;
    bool taken_back = false;

    if (p == NULL)
        return roam_guest_lost(seg, ROAM_PEER_STATE_EMPTY, "heartbeat", diag);
    /* The entry was recovered between the ownership check and the store. A
     * stale time in the next owner's entry would make the host's sweep find
     * that guest's heartbeat old and recover it; 0 reads as "never beat",
     * which the host times from its own first look. Only this guest's own
     * value is replaced: the next owner's own heartbeat, or the recovery's
     * reset to 0, stays. */
    if (stored_ns != 0)
        taken_back = atomic_compare_exchange_strong_explicit(&p->last_heartbeat, &seen, 0,
                                                             memory_order_release,
                                                             memory_order_relaxed);
    return roam__guest_lost(seg, roam_peer_entry_load_state(p), "heartbeat",
                            taken_back ? "; the time it stored meanwhile was taken back out"
                                       : "",
                            diag);
}

static roam_err_t roam__guest_detach(roam_segment_t *seg, roam_diag_t *diag)
{
    roam_peer_entry_t *p = roam__guest_peer(seg);
    uint32_t state;

    if (p == NULL)
        return roam_guest_lost(seg, ROAM_PEER_STATE_EMPTY, "detach", diag);
    /* Goodbye only while Attached at this guest's epoch, checked and
     * written in one compare-and-swap: a guest whose entry was recovered
     * and given to another never evicts that one. */
    if (roam_peer_detach(p, seg->peer_epoch, &state) != ROAM_OK)
        return roam_guest_lost(seg, state, "detach", diag);
    roam__guest_clear(seg);
    return roam__diag_ok(diag);
}

roam_err_t roam_guest_detach(roam_segment_t *seg, roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "detach", seg->base, seg->map_len, (void)0,
                  roam__guest_detach(seg, diag));
}

/* roam_segment_host_gone is inline in roam_segment.h. */
