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

/* *len = size, the length of a mapping. ROAM_E_ADDRESS_SPACE, naming step,
 * when size does not fit in size_t (a segment over 4 GiB in a 32-bit
 * process): a size is refused, never truncated. */
roam_err_t roam__seg_len(uint64_t size, size_t *len, roam_diag_t *diag, const char *step);

#endif /* ROAM_SEGMENT_INTERNAL_H */
