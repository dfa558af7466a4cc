/*
 * Internal helpers of the file-backed segment module. Not installed.
 */
#ifndef ROAM_SEGMENT_INTERNAL_H
#define ROAM_SEGMENT_INTERNAL_H

#include "roam_internal.h"
#include "roam_segment.h"

/* roam_segment_validate, also giving the validated layout (every class
 * placed) in *layout. */
roam_err_t roam__segment_validate(const void *buf, size_t len, roam_segment_header_plain_t *snap,
                                  roam_layout_t *layout, roam_diag_t *diag);

/* Map len bytes of fd shared, read-write; NULL (errno set) on failure. */
void *roam__seg_map(int fd, size_t len);

/* roam__seg_map for a guest joining: a small segment's page tables are
 * filled at once (segment_map.c says why). */
void *roam__seg_map_join(int fd, size_t len);

/* *len = size, the length of a mapping. ROAM_E_ADDRESS_SPACE, naming step,
 * when size does not fit in size_t (a segment over 4 GiB in a 32-bit
 * process): a size is refused, never truncated. */
roam_err_t roam__seg_len(uint64_t size, size_t *len, roam_diag_t *diag, const char *step);

/* roam__segment_validate as a guarded region (roam_sigbus.h). */
roam_err_t roam__segment_validate_guarded(const void *buf, size_t len,
                                          roam_segment_header_plain_t *snap, roam_layout_t *layout,
                                          roam_diag_t *diag);

/* A handle that holds nothing, so that close is always safe. */
void roam__seg_clear(roam_segment_t *seg);

/* Validate the segment mapped at seg->base (guarded) into the handle's
 * snapshot and layout, and start the host's watch of every entry afresh:
 * what a create or an attach does last. */
roam_err_t roam__seg_validate(roam_segment_t *seg, roam_diag_t *diag);

/* Take the host lock on fd without waiting: 0, or -1 with errno (EAGAIN
 * when another open file description holds it). A read-only fd takes a
 * read lock, which still conflicts with a host's write lock. */
int roam__lock_take(int fd, bool writable);

/* 1 when another open file description holds the host lock, 0 when none
 * does, -1 on error. Never takes the lock. */
int roam__lock_held(int fd);

/* What roam_segment_t.peer points at when the handle holds no entry: an
 * entry of this library's, Empty, that is never Attached and never written
 * (it is const: a write would fault). */
extern const roam_peer_entry_t roam__no_peer_entry;

/* The handle now holds entry `index`, at p in its mapping, with `epoch`. */
static inline void roam__guest_set(roam_segment_t *seg, roam_peer_entry_t *p, uint32_t index,
                                   uint32_t epoch)
{
    seg->peer_index = index;
    seg->peer_epoch = epoch;
    seg->peer_mine = roam__peer_pair(ROAM_PEER_STATE_ATTACHED, epoch);
    seg->peer = p;
}

/* The handle holds no entry (any more). */
static inline void roam__guest_clear(roam_segment_t *seg)
{
    seg->peer_index = ROAM_NO_PEER;
    seg->peer = (roam_peer_entry_t *)(uintptr_t)&roam__no_peer_entry;
    /* Attached: never what the no-peer entry (Empty) holds, so that a
     * heartbeat never stores into it. */
    seg->peer_mine = roam__peer_pair(ROAM_PEER_STATE_ATTACHED, 0);
}

/* The mapping moved to seg->base: the entry held is where the layout puts
 * it in the new mapping. */
static inline void roam__guest_rebase(roam_segment_t *seg)
{
    if (seg->peer_index != ROAM_NO_PEER)
        seg->peer = roam__seg_peer(seg, seg->peer_index);
}

#endif /* ROAM_SEGMENT_INTERNAL_H */
