/*
 * Segment files: attach, close, unlink (reference §5 and §8). Creating one
 * is segment_create.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "segment_internal.h"

/* Attempts at mapping a segment that grows while it is being attached. */
#define ROAM__ATTACH_TRIES 8

/* Backoff of roam_segment_attach_timeout, in nanoseconds. */
#define ROAM__BACKOFF_FIRST_NS 1000000u
#define ROAM__BACKOFF_MAX_NS 50000000u

/* How long attach_timeout keeps retrying a file that looks stale (not
 * ready, nobody holds the host lock): a host that does not take the lock
 * (roam's own) may be creating it in place. */
#define ROAM__STALE_GRACE_NS 1000000000u

/* Bytes [from, to) of the handle to zero. */
static void roam__seg_zero(roam_segment_t *seg, size_t from, size_t to)
{
    memset((unsigned char *)seg + from, 0, to - from);
}

/* Where the layout's per-class arrays sit in the handle. */
#define ROAM__LAYOUT_AT(f) (offsetof(roam_segment_t, layout) + offsetof(roam_layout_t, f))
#define ROAM__LAYOUT_END(f) (ROAM__LAYOUT_AT(f) + sizeof(((roam_layout_t *)0)->f))

/* Every figure of the handle is zeroed, but not its four arrays (15 KiB
 * of the handle's 18: the layout's two per-class arrays and the host's two
 * per-guest ones): each is read only below a count zeroed here (the
 * layout's class count, the snapshot's max_guests), and a create or attach
 * that succeeds writes every entry below its own counts (roam__seg_validate).
 * Attach and close each clear a handle: clearing it whole cost them almost
 * all their instructions. */
void roam__seg_clear(roam_segment_t *seg)
{
    roam__seg_zero(seg, 0, ROAM__LAYOUT_AT(classes));
    roam__seg_zero(seg, ROAM__LAYOUT_END(classes), ROAM__LAYOUT_AT(class_areas));
    roam__seg_zero(seg, ROAM__LAYOUT_END(class_areas), offsetof(roam_segment_t, quiet_since));
    seg->fd = -1;
    roam__guest_clear(seg);
}
_Static_assert(offsetof(roam_segment_t, quiet_since) > ROAM__LAYOUT_END(class_areas) &&
               offsetof(roam_segment_t, quiet_epoch) > offsetof(roam_segment_t, quiet_since) &&
               sizeof(roam_segment_t) - offsetof(roam_segment_t, quiet_epoch) -
                       sizeof(((roam_segment_t *)0)->quiet_epoch) <
                   _Alignof(roam_segment_t),
               "the host's per-guest arrays end the handle, after the layout");

roam_err_t roam__seg_validate(roam_segment_t *seg, roam_diag_t *diag)
{
    roam_err_t err = roam__segment_validate_guarded(seg->base, seg->map_len, &seg->snap,
                                                    &seg->layout, diag);
    uint32_t n = roam_segment_header_plain_max_guests(&seg->snap);

    if (err)
        return err;
    /* max_guests was validated: at most ROAM_MAX_GUESTS. */
    memset(seg->quiet_since, 0, n * sizeof seg->quiet_since[0]);
    memset(seg->quiet_epoch, 0, n * sizeof seg->quiet_epoch[0]);
    return ROAM_OK;
}

roam_segment_header_t *roam_segment_header(const roam_segment_t *seg)
{
    return (roam_segment_header_t *)seg->base;
}

/* ---- Attach ----------------------------------------------------------------*/

/* A file with no segment in it yet: a live host is still creating it
 * (NOT_READY), or nobody holds the host lock (STALE). */
static roam_err_t roam__not_ready(int fd, const char *what, roam_diag_t *diag)
{
    if (roam__lock_held(fd) == 0)
        return roam__diag(diag, ROAM_E_STALE, 0,
                          "%s and no host holds the segment lock: stale, left by a host that "
                          "died while creating it", what);
    return roam__diag(diag, ROAM_E_NOT_READY, 0, "%s: the host is creating it", what);
}

/* Header of the file on fd (file_size bytes): a snapshot, checked. The
 * header is read with pread into the private snapshot, not mapped: a file
 * cut short meanwhile gives a short read, never SIGBUS, and the file is
 * mapped once, whole, only after its header passed. */
static roam_err_t roam__attach_header(int fd, uint64_t file_size, roam_segment_header_plain_t *snap,
                                      roam_diag_t *diag)
{
    static const uint8_t zero_magic[ROAM_MAGIC_SIZE];
    ssize_t got;
    roam_err_t err;

    /* An empty file is one the host has created but not sized yet. */
    if (file_size == 0)
        return roam__not_ready(fd, "file is empty", diag);
    if (file_size < ROAM_SEGMENT_HEADER_SIZE)
        return roam__diag(diag, ROAM_E_FILE_SHORT, 0, "file has %llu bytes, fewer than a header",
                          (unsigned long long)file_size);

    got = pread(fd, snap, sizeof *snap, 0);
    if (got < 0)
        return roam__diag_sys(diag, "pread (header)");
    if ((size_t)got < sizeof *snap)
        return roam__diag(diag, ROAM_E_FILE_SHORT, 0, "file has %lld bytes, fewer than a header",
                          (long long)got);
    /* Nothing is read through the mapping on the strength of this copy:
     * roam_segment_validate takes its own snapshot of the mapped header. */

    /* Zero magic: sized but not yet initialised (the magic comes last). */
    if (memcmp(roam_segment_header_plain_magic(snap), zero_magic, ROAM_MAGIC_SIZE) == 0)
        return roam__not_ready(fd, "magic is zero", diag);
    err = roam_header_check(snap);
    if (err)
        return roam__diag(diag, err, 0, "%s", roam_strerror(err));
    return ROAM_OK;
}

/* Map and validate the whole segment once; ROAM_E_MAPPING_SHORT means it
 * grew between the header snapshot and the validation, ROAM_E_FILE_SHORT
 * that current_size is past the end of the file (a growth in flight
 * extends the file first, so a second look may find it): the caller tries
 * again. */
static roam_err_t roam__attach_map(roam_segment_t *seg, roam_diag_t *diag)
{
    roam_segment_header_plain_t snap;
    struct stat st;
    uint64_t cur;
    size_t len;
    roam_err_t err;

    if (fstat(seg->fd, &st) != 0)
        return roam__diag_sys(diag, "fstat");
    /* A FIFO, device or socket never holds a segment; reading one may block. */
    if (!S_ISREG(st.st_mode))
        return roam__diag(diag, ROAM_E_NOT_REGULAR, 0, "%s", roam_strerror(ROAM_E_NOT_REGULAR));
    err = roam__attach_header(seg->fd, (uint64_t)st.st_size, &snap, diag);
    if (err)
        return err;

    /* Never map past the end of the file: that page would raise SIGBUS. */
    cur = roam_segment_header_plain_current_size(&snap);
    if (cur > ROAM_SEGMENT_MAX_SIZE)
        return roam__diag(diag, ROAM_E_SEGMENT_TOO_LARGE, 0, "current_size %llu: %s",
                          (unsigned long long)cur, roam_strerror(ROAM_E_SEGMENT_TOO_LARGE));
    if (cur > (uint64_t)st.st_size)
        return roam__diag(diag, ROAM_E_FILE_SHORT, 0,
                          "file has %llu bytes, current_size says %llu",
                          (unsigned long long)st.st_size, (unsigned long long)cur);

    err = roam__seg_len(cur, &len, diag, "current_size");
    if (err)
        return err;
    seg->base = roam__seg_map_join(seg->fd, len);
    if (seg->base == NULL)
        return roam__diag_sys(diag, "mmap");
    seg->map_len = len;

    /* Guarded: a file cut short now is ROAM_E_SIGBUS, not a dead process. */
    err = roam__seg_validate(seg, diag);
    if (err) {
        munmap(seg->base, seg->map_len);
        seg->base = NULL;
        seg->map_len = 0;
    }
    return err;
}

/* Attach through fd, which the handle owns from here on. */
static roam_err_t roam__attach_fd(roam_segment_t *seg, int fd, roam_diag_t *diag)
{
    roam_err_t err = ROAM_E_MAPPING_SHORT;

    seg->fd = fd;
    for (int i = 0; i < ROAM__ATTACH_TRIES &&
                    (err == ROAM_E_MAPPING_SHORT || err == ROAM_E_FILE_SHORT); i++)
        err = roam__attach_map(seg, diag);
    if (err) {
        int e = errno;   /* kept for the caller across close() */

        close(seg->fd);
        roam__seg_clear(seg);
        errno = e;
        return err;
    }
    return roam__diag_ok(diag);
}

/* One attempt; *sys_errno gets errno when open() failed, else 0. */
static roam_err_t roam__attach_once(roam_segment_t *seg, const char *path, roam_diag_t *diag,
                                    int *sys_errno)
{
    int fd;

    roam__seg_clear(seg);
    *sys_errno = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *sys_errno = errno;
        return roam__diag_sys(diag, "open");
    }
    return roam__attach_fd(seg, fd, diag);
}

roam_err_t roam_segment_attach(roam_segment_t *seg, const char *path, roam_diag_t *diag)
{
    int sys_errno;

    return roam__attach_once(seg, path, diag, &sys_errno);
}

roam_err_t roam_segment_attach_fd(roam_segment_t *seg, int fd, roam_diag_t *diag)
{
    int own;

    roam__seg_clear(seg);
    own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0)
        return roam__diag_sys(diag, "fcntl (dup)");
    return roam__attach_fd(seg, own, diag);
}

/* Sleep ns nanoseconds, resuming after signals. */
static void roam__sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

roam_err_t roam_segment_attach_timeout(roam_segment_t *seg, const char *path,
                                       uint32_t timeout_ms, roam_diag_t *diag)
{
    uint64_t deadline = roam_clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
    uint64_t delay = ROAM__BACKOFF_FIRST_NS;
    uint64_t stale_since = 0;
    roam_diag_t local;
    roam_diag_t *d = diag != NULL ? diag : &local;

    for (;;) {
        int sys_errno;
        roam_err_t err = roam__attach_once(seg, path, d, &sys_errno);
        uint64_t now = roam_clock_now_ns();

        /* A file still being created (or not yet created) is retried; a
         * stale one only for a grace period, in case its host takes no lock. */
        if (err == ROAM_E_STALE) {
            if (stale_since == 0)
                stale_since = now;
            if (now - stale_since >= ROAM__STALE_GRACE_NS || now >= deadline)
                return err;
        } else {
            stale_since = 0;
            if (err != ROAM_E_NOT_READY && !(err == ROAM_E_IO && sys_errno == ENOENT))
                return err;
        }

        if (now >= deadline) {
            char last[sizeof d->msg];

            memcpy(last, d->msg, sizeof last);
            return roam__diag(d, ROAM_E_TIMEOUT, 0, "no ready segment after %u ms (last: %.150s)",
                              timeout_ms, last);
        }
        roam__sleep_ns(delay < deadline - now ? delay : deadline - now);
        delay = delay * 2 < ROAM__BACKOFF_MAX_NS ? delay * 2 : ROAM__BACKOFF_MAX_NS;
    }
}

/* ---- Close, unlink ---------------------------------------------------------*/

/* Whether the file still covers this guest's peer entry: touching it
 * otherwise would raise SIGBUS. */
static bool roam__seg_entry_reachable(const roam_segment_t *seg)
{
    const unsigned char *p = (const unsigned char *)roam_segment_peer_at(seg, seg->peer_index);
    struct stat st;

    if (p == NULL || fstat(seg->fd, &st) != 0)
        return false;
    return (uint64_t)(p - (const unsigned char *)seg->base) + ROAM_PEER_ENTRY_SIZE <=
           (uint64_t)st.st_size;
}

void roam_segment_close(roam_segment_t *seg)
{
    /* A guest that still holds its entry leaves in order (guarded, and
     * only while the file still covers the entry). */
    if (seg->base != NULL && seg->peer_index != ROAM_NO_PEER && roam__seg_entry_reachable(seg))
        roam_guest_detach(seg, NULL);
    if (seg->base != NULL)
        munmap(seg->base, seg->map_len);
    /* Closing the host's file description also releases the host lock. */
    if (seg->fd >= 0)
        close(seg->fd);
    roam__seg_clear(seg);
}

roam_err_t roam_segment_unlink(const char *path, roam_diag_t *diag)
{
    if (unlink(path) != 0)
        return roam__diag_sys(diag, "unlink");
    return roam__diag_ok(diag);
}
