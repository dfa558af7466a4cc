/*
 * Internal helpers of the roam-shm library: diagnostics.
 * Not installed.
 */
#ifndef ROAM_INTERNAL_H
#define ROAM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "roam_shm.h"

/* Fill *diag (may be NULL) with err, the entry index and a printf-style
 * message; returns err. Only for failures (cold: the compiler keeps the
 * code that formats a message off the path of success); success is
 * roam__diag_ok (roam_shm.h). */
roam_err_t roam__diag(roam_diag_t *diag, roam_err_t err, uint32_t index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), cold));

/* Fill *diag with ROAM_E_IO: "<step>: <strerror(errno)>", errno kept; returns ROAM_E_IO. */
roam_err_t roam__diag_sys(roam_diag_t *diag, const char *step);

/* A rule that valid input never breaks: the compiler keeps the failure
 * branch (and its error code) off the path of success. */
#define roam__unlikely(x) __builtin_expect(!!(x), 0)

/* A helper of a fast path, always inlined: its caller's locals (a
 * layout, a snapshot) then live in registers. */
#define ROAM__ALWAYS_INLINE inline __attribute__((always_inline))

#endif /* ROAM_INTERNAL_H */
