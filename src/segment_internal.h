/*
 * Internal helpers of the file-backed segment module. Not installed.
 */
#ifndef ROAM_SEGMENT_INTERNAL_H
#define ROAM_SEGMENT_INTERNAL_H

#include "roam_internal.h"
#include "roam_segment.h"

/* Map len bytes of fd shared, read-write; NULL (errno set) on failure. */
void *roam__seg_map(int fd, size_t len);

#endif /* ROAM_SEGMENT_INTERNAL_H */
