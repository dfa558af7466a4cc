/*
 * Growth (shm.varslot.extents): the host extends the file and publishes the
 * new current_size; a guest that sees it beyond its mapping remaps.
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segment_internal.h"
#include "sigbus_internal.h"

/* Resize the mapping to new_len bytes, moving it if it must. On failure the
 * old mapping is left as it was. */
static roam_err_t roam__seg_remap(roam_segment_t *seg, size_t new_len, roam_diag_t *diag)
{
    void *p = mremap(seg->base, seg->map_len, new_len, MREMAP_MAYMOVE);

    if (p == MAP_FAILED) {
        /* No mremap here: map afresh first, then drop the old mapping. */
        p = roam__seg_map(seg->fd, new_len);
        if (p == NULL)
            return roam__diag_sys(diag, "mmap (remap)");
        munmap(seg->base, seg->map_len);
    }
    seg->base = p;
    seg->map_len = new_len;
    roam__guest_rebase(seg);
    /* The private snapshot follows the mapping. */
    seg->snap.current_size = (uint64_t)new_len;
    return ROAM_OK;
}

static roam_err_t roam__segment_grow(roam_segment_t *seg, uint64_t new_size, roam_diag_t *diag)
{
    /* The size this process mapped is the one it owns. current_size in the
     * segment is only published, never trusted: any guest can write there. */
    uint64_t owned = seg->map_len;
    size_t len;
    roam_err_t err;

    if (new_size <= owned)
        return roam__diag(diag, ROAM_E_GROW, 0,
                          "grow: %llu is not above the %llu bytes this process mapped",
                          (unsigned long long)new_size, (unsigned long long)owned);
    if (new_size > ROAM_SEGMENT_MAX_SIZE)
        return roam__diag(diag, ROAM_E_SEGMENT_TOO_LARGE, 0, "grow: %llu bytes: %s",
                          (unsigned long long)new_size, roam_strerror(ROAM_E_SEGMENT_TOO_LARGE));

    err = roam__seg_len(new_size, &len, diag, "grow");
    if (err)
        return err;

    /* The file first: once current_size says so, guests may map it all. */
    if (ftruncate(seg->fd, (off_t)new_size) != 0)
        return roam__diag_sys(diag, "grow: ftruncate");
    /* A failed remap leaves the file longer than current_size: harmless,
     * nobody maps past current_size, and the next grow resizes it. */
    err = roam__seg_remap(seg, len, diag);
    if (err)
        return err;

    /* Release: a guest that loads the new size (acquire) and then checks
     * the file finds it extended, with whatever the host wrote before. */
    roam_segment_header_store_current_size(roam_segment_header(seg), new_size);
    return roam__diag_ok(diag);
}

roam_err_t roam_segment_grow(roam_segment_t *seg, uint64_t new_size, roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "grow", seg->base, seg->map_len, (void)0,
                  roam__segment_grow(seg, new_size, diag));
}

/* Bytes in the segment file now. */
static roam_err_t roam__seg_file_size(int fd, uint64_t *size, roam_diag_t *diag)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return roam__diag_sys(diag, "refresh: fstat");
    *size = (uint64_t)st.st_size;
    return ROAM_OK;
}

static roam_err_t roam__segment_refresh(roam_segment_t *seg, roam_diag_t *diag)
{
    uint64_t file = 0, cur;
    size_t len;
    roam_err_t err;

    /* The host owns the size: it never takes one from shared memory. */
    if (seg->is_host)
        return roam__diag_ok(diag);

    /* A file cut below the mapping: the lost pages would raise SIGBUS, so
     * not even the header is read. */
    err = roam__seg_file_size(seg->fd, &file, diag);
    if (err)
        return err;
    if (file < seg->map_len)
        return roam__diag(diag, ROAM_E_FILE_SHORT, 0,
                          "refresh: file has %llu bytes, %zu are mapped",
                          (unsigned long long)file, seg->map_len);

    cur = roam_segment_header_load_current_size(roam_segment_header(seg));
    if (cur == seg->map_len)
        return roam__diag_ok(diag);

    /* current_size only grows, never below total_size, never past the limit. */
    if (cur < roam_segment_header_plain_total_size(&seg->snap) || cur < seg->map_len)
        return roam__diag(diag, ROAM_E_SIZE_SHRANK, 0,
                          "refresh: current_size %llu is below the mapped %zu",
                          (unsigned long long)cur, seg->map_len);
    if (cur > ROAM_SEGMENT_MAX_SIZE)
        return roam__diag(diag, ROAM_E_SEGMENT_TOO_LARGE, 0, "refresh: current_size %llu: %s",
                          (unsigned long long)cur, roam_strerror(ROAM_E_SEGMENT_TOO_LARGE));

    /* Check the file again: the acquire load above orders this fstat after
     * the host's ftruncate, so only a file really cut short fails here. */
    err = roam__seg_file_size(seg->fd, &file, diag);
    if (err)
        return err;
    if (cur > file)
        return roam__diag(diag, ROAM_E_FILE_SHORT, 0,
                          "refresh: current_size %llu is past the end of the file (%llu bytes)",
                          (unsigned long long)cur, (unsigned long long)file);

    err = roam__seg_len(cur, &len, diag, "refresh: current_size");
    if (err)
        return err;
    err = roam__seg_remap(seg, len, diag);
    if (err)
        return err;
    return roam__diag_ok(diag);
}

roam_err_t roam_segment_refresh(roam_segment_t *seg, roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "refresh", seg->base, seg->map_len, (void)0,
                  roam__segment_refresh(seg, diag));
}
