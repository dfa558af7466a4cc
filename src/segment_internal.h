/*
 * Internal helpers of the file-backed segment module. Not installed.
 */
#ifndef ROAM_SEGMENT_INTERNAL_H
#define ROAM_SEGMENT_INTERNAL_H

#include "roam_segment.h"

/* Fill *diag (may be NULL) with err and a printf-style message; returns err. */
roam_err_t roam__seg_fail(roam_diag_t *diag, roam_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fill *diag with ROAM_E_IO: "<step>: <strerror(errno)>"; returns ROAM_E_IO. */
roam_err_t roam__seg_sys(roam_diag_t *diag, const char *step);

/* Set *diag to ROAM_OK with an empty message; returns ROAM_OK. */
roam_err_t roam__seg_ok(roam_diag_t *diag);

/* Map len bytes of fd shared, read-write; NULL (errno set) on failure. */
void *roam__seg_map(int fd, size_t len);

#endif /* ROAM_SEGMENT_INTERNAL_H */
