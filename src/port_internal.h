/*
 * Internal helpers of the message ports. Not installed.
 */
#ifndef ROAM_PORT_INTERNAL_H
#define ROAM_PORT_INTERNAL_H

#include "data_internal.h"
#include "roam_port.h"

/* Rings and pool at the segment's new base after a remap (growth). */
void roam__port_rebase(roam_port_t *p);

/* Follow a remap, if there was one: called by every operation. */
static inline void roam__port_follow(roam_port_t *p)
{
    if (p->base != p->seg->base)
        roam__port_rebase(p);
}

/* Ring the doorbell after an entry was published at ring offset off, when
 * the consumer may be waiting for it (always, unless the port is lazy). */
void roam__port_rang_data(roam_port_t *p, uint32_t off);

/* Ring the doorbell after room was given back: ring bytes (the consumer's
 * read was read_before) or, with read_before = UINT32_MAX, a slot whose
 * free list was empty before (was_empty). */
void roam__port_rang_room(roam_port_t *p, uint32_t read_before, bool was_empty);

/* Backpressure or nothing to read: ROAM_E_PEER_GONE instead when the other
 * side is no longer there, else err itself. */
roam_err_t roam__port_stalled(roam_port_t *p, roam_err_t err);

#endif /* ROAM_PORT_INTERNAL_H */
