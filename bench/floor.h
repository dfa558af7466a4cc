/*
 * The floor: the library's rules written as plainly as C allows, with no
 * diagnostics, no navigation helpers and no handle. Same rules, same order,
 * same error codes (main.c checks that on corrupted segments before it
 * measures anything). Each floor has the shape of the library function it
 * is the floor of: out of line where the library's is a call, static inline
 * where the library's is inline.
 */
#ifndef ROAM_BENCH_FLOOR_H
#define ROAM_BENCH_FLOOR_H

#include <stddef.h>
#include <stdint.h>

#include "roam_shm.h"

/* Header: a plain copy, then the 12 header rules and the mapping rule. */
roam_err_t floor_header(const void *buf, size_t len, roam_segment_header_plain_t *s);

/* Whole segment: floor_header, then classes, peers and rings. */
roam_err_t floor_segment(const void *buf, size_t len, roam_segment_header_plain_t *s);

/* The bytes floor_segment reads, copied into dst: header, class headers,
 * peer table and ring headers of the valid segment at buf. Returns the
 * number of bytes copied. */
size_t floor_copy_segment(unsigned char *dst, const void *buf);

/* A host's view of a live segment: where things are, and its watch list. */
typedef struct floor_host {
    unsigned char *base;
    roam_peer_entry_t *peers;
    uint32_t n;
    uint64_t ring0;       /* offset of guest 0's ring pair */
    uint64_t stride;      /* bytes of one guest's ring pair */
    uint64_t h2g;         /* offset of the host-to-guest header in a pair */
    uint64_t interval;
    uint32_t cap;         /* bipbuf_capacity */
    uint32_t classes;     /* the pool: per class its header, slot count, metadata */
    uint32_t slot_count[ROAM_MAX_SIZE_CLASSES];
    uint64_t class_hdr[ROAM_MAX_SIZE_CLASSES];
    uint64_t meta[ROAM_MAX_SIZE_CLASSES];
    uint64_t quiet_since[ROAM_MAX_GUESTS];
    uint32_t quiet_epoch[ROAM_MAX_GUESTS];
} floor_host_t;

/* A guest's entry and the epoch it got. */
typedef struct floor_guest {
    roam_peer_entry_t *p;
    uint32_t epoch;
} floor_guest_t;

/* Fill *h from a mapped, validated segment. */
void floor_host_init(floor_host_t *h, void *base, const roam_segment_header_plain_t *snap);

/* Heartbeat: store now if the entry is still this guest's. */
static inline int floor_heartbeat(const floor_guest_t *g, uint64_t now)
{
    roam_peer_entry_t *p = g->p;
    uint32_t epoch = g->epoch;

    if (roam_peer_entry_load_state(p) != ROAM_PEER_STATE_ATTACHED ||
        roam_peer_entry_load_epoch(p) != epoch)
        return -1;
    roam_peer_entry_store_last_heartbeat(p, now);
    return 0;
}

/* Crash recovery of entry i: Goodbye; free the host's slots referenced by
 * the unread entries of its host-to-guest ring; both rings empty; free
 * every slot its peer id (i + 1) owns; heartbeat 0, Empty. */
void floor_recover(floor_host_t *h, uint32_t i);

/* One pass over the peer table: recover departed and dead guests. Returns
 * the number recovered. */
uint32_t floor_sweep(floor_host_t *h, uint64_t now);

/* Attach to the first Empty entry (starting its heartbeat clock), detach,
 * and recover the entry as the host. 0 on success. */
int floor_attach_detach_recover(floor_host_t *h);

#endif /* ROAM_BENCH_FLOOR_H */
