/*
 * Internal helpers of the file-backed segment module. Not installed.
 */
#ifndef ROAM_SEGMENT_INTERNAL_H
#define ROAM_SEGMENT_INTERNAL_H

#include "roam_internal.h"
#include "roam_segment.h"

/* Map len bytes of fd shared, read-write; NULL (errno set) on failure. */
void *roam__seg_map(int fd, size_t len);

/* A handle that holds nothing, so that close is always safe. */
void roam__seg_clear(roam_segment_t *seg);

/* Take the host lock on fd without waiting: 0, or -1 with errno (EAGAIN
 * when another open file description holds it). A read-only fd takes a
 * read lock, which still conflicts with a host's write lock. */
int roam__lock_take(int fd, bool writable);

/* 1 when another open file description holds the host lock, 0 when none
 * does, -1 on error. Never takes the lock. */
int roam__lock_held(int fd);

#endif /* ROAM_SEGMENT_INTERNAL_H */
