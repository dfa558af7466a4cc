/*
 * Segment header: snapshot and validation (the rules are in header_check.h).
 */
#include "header_check.h"
#include "sigbus_internal.h"

/* The public entry points reading a header in place are guarded: a header
 * in a mapping whose file was cut is ROAM_E_SIGBUS under the SIGBUS guard
 * (roam_sigbus.h). */
static roam_err_t __attribute__((noinline)) roam__header_snapshot_outlined(
    const void *buf, size_t len, roam_segment_header_plain_t *snap)
{
    return roam__header_snapshot(buf, len, snap);
}

static roam_err_t __attribute__((noinline, cold)) roam__header_snapshot_guarded(
    const void *buf, size_t len, roam_segment_header_plain_t *snap)
{
    ROAM__GUARDED(NULL, "header", buf, len, (void)0,
                  roam__header_snapshot_outlined(buf, len, snap));
}

roam_err_t roam_header_snapshot(const void *buf, size_t len, roam_segment_header_plain_t *snap)
{
    ROAM__UNGUARDED_FAST(roam__header_snapshot(buf, len, snap));
    return roam__header_snapshot_guarded(buf, len, snap);
}

roam_err_t roam_header_check(const roam_segment_header_plain_t *snap)
{
    uint64_t current = roam_segment_header_plain_current_size(snap);

    if (roam__unlikely(roam__header_suspect(snap, current)))
        return roam__header_check_precise(snap, current);
    return ROAM_OK;
}

roam_err_t roam_header_check_mapping(const roam_segment_header_plain_t *snap, uint64_t mapped_len)
{
    if (mapped_len < roam_segment_header_plain_current_size(snap))
        return ROAM_E_MAPPING_SHORT;
    return ROAM_OK;
}

/* The caller wants no snapshot: one on this stack frame, kept out of the
 * common path's frame. */
static roam_err_t __attribute__((noinline)) roam__header_validate_local(const void *buf,
                                                                        size_t len,
                                                                        unsigned flags)
{
    roam_segment_header_plain_t local;

    return roam__header_validate(buf, len, flags, &local, NULL);
}

static inline roam_err_t roam__header_validate_into(const void *buf, size_t len, unsigned flags,
                                                    roam_segment_header_plain_t *snap)
{
    if (roam__unlikely(snap == NULL))
        return roam__header_validate_local(buf, len, flags);
    return roam__header_validate(buf, len, flags, snap, NULL);
}

static roam_err_t __attribute__((noinline)) roam__header_validate_outlined(
    const void *buf, size_t len, unsigned flags, roam_segment_header_plain_t *snap)
{
    return roam__header_validate_into(buf, len, flags, snap);
}

static roam_err_t __attribute__((noinline, cold)) roam__header_validate_guarded(
    const void *buf, size_t len, unsigned flags, roam_segment_header_plain_t *snap)
{
    ROAM__GUARDED(NULL, "header", buf, len, (void)0,
                  roam__header_validate_outlined(buf, len, flags, snap));
}

roam_err_t roam_header_validate(const void *buf, size_t len, unsigned flags,
                                roam_segment_header_plain_t *snap)
{
    ROAM__UNGUARDED_FAST(roam__header_validate_into(buf, len, flags, snap));
    return roam__header_validate_guarded(buf, len, flags, snap);
}
