/*
 * Creating a segment file (reference §5 and §8, shm.file.create,
 * shm.file.cleanup).
 *
 * A host builds its segment under a temporary name in the target's
 * directory, holding the host lock on it, and renames it into place only
 * once complete: nobody ever sees a half-made file under the target name,
 * and a create that fails for any reason removes its temporary. The lock
 * travels with the file and is held until roam_segment_close.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "segment_internal.h"
#include "sigbus_internal.h"

/* Temporary names: ".BASE" + this + six random characters. */
#define ROAM__TMP_TAG ".roam-tmp."
/* A temporary nobody holds the lock of and nobody wrote for this long was
 * left by a create that was killed: the next create of the target removes it. */
#define ROAM__TMP_ABANDONED_S 10

/* Attempts at replacing a stale file that others replace at the same time. */
#define ROAM__REPLACE_TRIES 8

/* Slot metadata up to this size is laid out in private memory and written
 * with pwrite; more is laid out in place (see roam__create_staged). */
#define ROAM__STAGE_MAX_META ((uint64_t)8 << 20)

/* What one create holds while it works. */
typedef struct roam__creating {
    const char *path;
    char *tmp;          /* the temporary's name, NULL once published */
    unsigned flags;
    uint32_t mode;
} roam__creating_t;

/* Undo a failed create: unmap, close (the lock goes with it) and remove the
 * temporary. The diag already names the failed step; errno is kept. */
static roam_err_t roam__create_undo(roam_segment_t *seg, roam__creating_t *c, roam_err_t err)
{
    int e = errno;

    if (seg->base != NULL)
        munmap(seg->base, seg->map_len);
    if (seg->fd >= 0)
        close(seg->fd);
    if (c->tmp != NULL)
        unlink(c->tmp);
    free(c->tmp);
    c->tmp = NULL;
    roam__seg_clear(seg);
    errno = e;
    return err;
}

/* "DIR/.BASE.roam-tmp.XXXXXX" beside path (rename stays in one file
 * system); *base_at gets the offset of BASE. malloc'd, NULL if out of memory. */
static char *roam__tmp_name(const char *path, size_t *base_at)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    size_t size = strlen(path) + sizeof "." ROAM__TMP_TAG "XXXXXX";
    char *tmp = malloc(size);

    if (tmp != NULL)
        snprintf(tmp, size, "%.*s.%s" ROAM__TMP_TAG "XXXXXX", (int)dir_len, path, path + dir_len);
    *base_at = dir_len;
    return tmp;
}

/* Remove the temporaries a killed create of the same target left: named
 * after it, not locked by any live create, untouched for a while. Best
 * effort: errors only mean nothing is removed. */
static void roam__remove_abandoned(const char *tmp, size_t base_at)
{
    size_t prefix_len = strlen(tmp) - base_at - 6;   /* ".BASE.roam-tmp." */
    char dir[4096];
    struct dirent *e;
    DIR *d;

    if (base_at >= sizeof dir)
        return;
    snprintf(dir, sizeof dir, "%.*s", (int)(base_at > 0 ? base_at : 1), base_at > 0 ? tmp : ".");
    d = opendir(dir);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        int fd;

        if (strncmp(e->d_name, tmp + base_at, prefix_len) != 0)
            continue;
        fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && roam__lock_held(fd) == 0 &&
            time(NULL) - st.st_mtime > ROAM__TMP_ABANDONED_S)
            unlinkat(dirfd(d), e->d_name, 0);
        close(fd);
    }
    closedir(d);
}

/* Create the locked temporary with the requested mode into seg->fd. */
static roam_err_t roam__create_tmp(roam_segment_t *seg, roam__creating_t *c, roam_diag_t *diag)
{
    size_t base_at;

    c->tmp = roam__tmp_name(c->path, &base_at);
    if (c->tmp == NULL) {
        errno = ENOMEM;
        return roam__diag_sys(diag, "create (temporary name)");
    }
    roam__remove_abandoned(c->tmp, base_at);

    seg->fd = mkostemp(c->tmp, O_CLOEXEC);
    if (seg->fd < 0) {
        roam__diag_sys(diag, "open (create temporary)");
        free(c->tmp);
        c->tmp = NULL;
        return ROAM_E_IO;
    }
    /* The lock first: from here on the temporary is visibly in use. */
    if (roam__lock_take(seg->fd, true) != 0)
        return roam__diag_sys(diag, "fcntl (host lock)");
    /* The exact mode: the umask neither widens nor narrows the choice. */
    if (fchmod(seg->fd, (mode_t)c->mode) != 0)
        return roam__diag_sys(diag, "fchmod");
    return ROAM_OK;
}

/* roam_segment_init on the mapping, as a guarded region: another process
 * of the same user could cut the temporary short. */
static roam_err_t roam__seg_init_body(roam_segment_t *seg, const roam_segment_config_t *cfg,
                                      roam_diag_t *diag)
{
    roam_err_t err = roam_segment_init(seg->base, seg->map_len, cfg, NULL);

    if (err)
        return roam__diag(diag, err, 0, "init: %s", roam_strerror(err));
    return ROAM_OK;
}

static roam_err_t roam__seg_init(roam_segment_t *seg, const roam_segment_config_t *cfg,
                                 roam_diag_t *diag)
{
    ROAM__GUARDED(diag, "init", seg->base, seg->map_len, (void)0,
                  roam__seg_init_body(seg, cfg, diag));
}

/* Write the pages of stage (len bytes) that the layout touched to fd, at
 * the same offsets: mincore() says which pages of the anonymous mapping
 * exist (only written ones do), a window at a time, and each run of them
 * is one pwrite. */
static roam_err_t roam__stage_write(int fd, const unsigned char *stage, size_t len,
                                    roam_diag_t *diag)
{
    enum { WINDOW_PAGES = 16384 };
    unsigned char vec[WINDOW_PAGES];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    for (size_t at = 0; at < len; at += (size_t)WINDOW_PAGES * page) {
        size_t wlen = len - at < (size_t)WINDOW_PAGES * page ? len - at : (size_t)WINDOW_PAGES * page;
        size_t pages = (wlen + page - 1) / page;

        if (mincore((void *)(uintptr_t)(stage + at), wlen, vec) != 0)
            return roam__diag_sys(diag, "mincore");
        for (size_t i = 0; i < pages;) {
            size_t j = i, off, n;

            if (!(vec[i] & 1)) {
                i++;
                continue;
            }
            while (j < pages && (vec[j] & 1))
                j++;
            off = at + i * page;
            n = (j * page < wlen ? j * page : wlen) - i * page;
            while (n > 0) {
                ssize_t w = pwrite(fd, stage + off, n, (off_t)off);

                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    if (w == 0)
                        errno = EIO;
                    return roam__diag_sys(diag, "pwrite");
                }
                off += (size_t)w;
                n -= (size_t)w;
            }
            i = j;
        }
    }
    return ROAM_OK;
}

/* Lay the segment out in private memory, then write what it holds into
 * the file. An anonymous mapping costs only the pages written; on a disk
 * file system writing those with pwrite is much cheaper than faulting each
 * fresh page of a shared file mapping (a read of the hole, then a write
 * fault). When the slot metadata alone is large, copying it twice costs
 * more than that saves, and when no such mapping can be had: 1, the caller
 * lays out in place. */
static int roam__create_staged(int fd, size_t len, const roam_segment_config_t *cfg,
                               roam_err_t *err, roam_diag_t *diag)
{
    uint64_t meta = 0;
    unsigned char *stage;

    for (uint32_t i = 0; i < cfg->num_classes; i++)
        meta += (uint64_t)cfg->classes[i].slot_count * ROAM_VAR_SLOT_META_SIZE;
    if (meta > ROAM__STAGE_MAX_META)
        return 1;
    stage = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
    if (stage == MAP_FAILED)
        return 1;
    /* Small pages only: a huge page would make mincore() count 2 MiB of
     * zeros as written, and they would be written to the file. */
    madvise(stage, len, MADV_NOHUGEPAGE);
    *err = roam_segment_init(stage, len, cfg, NULL);
    if (*err)
        roam__diag(diag, *err, 0, "init: %s", roam_strerror(*err));
    else
        *err = roam__stage_write(fd, stage, len, diag);
    munmap(stage, len);
    return 0;
}

/* Size, lay out and map the temporary; the magic is written last. */
static roam_err_t roam__create_fill(roam_segment_t *seg, const roam_segment_config_t *cfg,
                                    uint64_t total, roam_diag_t *diag)
{
    size_t len;
    bool staged;
    roam_err_t err;

    err = roam__seg_len(total, &len, diag, "layout: total_size");
    if (err)
        return err;
    /* Size it: the new bytes read as zero, as roam_segment_init needs. */
    if (ftruncate(seg->fd, (off_t)total) != 0)
        return roam__diag_sys(diag, "ftruncate");
    staged = roam__create_staged(seg->fd, len, cfg, &err, diag) == 0;
    if (staged && err)
        return err;
    seg->base = roam__seg_map(seg->fd, len);
    if (seg->base == NULL)
        return roam__diag_sys(diag, "mmap");
    seg->map_len = len;

    if (!staged) {
        err = roam__seg_init(seg, cfg, diag);
        if (err)
            return err;
    }
    /* Our own snapshot and layout, through the same checks a guest applies. */
    return roam__seg_validate(seg, diag);
}

/* Rename the temporary to path unless path exists. */
static int roam__rename_noreplace(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* A file system without RENAME_NOREPLACE: link fails on an existing path too. */
    if (link(tmp, path) != 0)
        return -1;
    unlink(tmp);
    return 0;
}

/* The existing file at path, if no live host holds it: lock it ourselves
 * (so no other host replaces it meanwhile), check path still names it,
 * rename the temporary over it. 1 = path vanished meanwhile (try the
 * exclusive way), 0 = replaced, else an error in *diag. */
static int roam__replace_stale(roam__creating_t *c, roam_err_t *err, roam_diag_t *diag)
{
    struct stat old_st, now_st;
    bool writable = true;
    int fd = open(c->path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 && (errno == EACCES || errno == EROFS)) {
        writable = false;
        fd = open(c->path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0 && errno == ENOENT)
        return 1;
    if (fd < 0) {
        *err = roam__diag_sys(diag, "open (existing file)");
        return -1;
    }
    if (fstat(fd, &old_st) != 0) {
        *err = roam__diag_sys(diag, "fstat (existing file)");
        close(fd);
        return -1;
    }
    if (!S_ISREG(old_st.st_mode)) {
        *err = roam__diag(diag, ROAM_E_NOT_REGULAR, 0, "%s exists and is not a regular file",
                          c->path);
        close(fd);
        return -1;
    }
    if (roam__lock_take(fd, writable) != 0) {
        *err = errno == EAGAIN ? roam__diag(diag, ROAM_E_HOST_LIVE, 0,
                                            "%s exists and a live host holds it", c->path)
                               : roam__diag_sys(diag, "fcntl (lock existing file)");
        close(fd);
        return -1;
    }
    /* Another host may have replaced it between our open and our lock. */
    if (stat(c->path, &now_st) != 0 || now_st.st_dev != old_st.st_dev ||
        now_st.st_ino != old_st.st_ino) {
        close(fd);
        return 2;
    }
    if (rename(c->tmp, c->path) != 0) {
        *err = roam__diag_sys(diag, "rename (replace stale file)");
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* ROAM_E_EXISTS for path, saying whether a live host holds it. */
static roam_err_t roam__exists(const char *path, roam_diag_t *diag)
{
    bool alive = false;

    roam_segment_host_alive(path, &alive, NULL);
    if (alive)
        return roam__diag(diag, ROAM_E_EXISTS, 0, "open: %s exists and a live host holds it", path);
    return roam__diag(diag, ROAM_E_EXISTS, 0,
                      "open: %s exists and no host holds it (stale: ROAM_CREATE_REPLACE_STALE "
                      "replaces it)", path);
}

/* Put the finished temporary at path: exclusively, or over a stale file. */
static roam_err_t roam__create_publish(roam__creating_t *c, roam_diag_t *diag)
{
    for (int i = 0; i < ROAM__REPLACE_TRIES; i++) {
        roam_err_t err = ROAM_OK;
        int rc;

        if (roam__rename_noreplace(c->tmp, c->path) == 0)
            return ROAM_OK;
        if (errno != EEXIST)
            return roam__diag_sys(diag, "rename (publish)");
        if (!(c->flags & ROAM_CREATE_REPLACE_STALE))
            return roam__exists(c->path, diag);
        rc = roam__replace_stale(c, &err, diag);
        if (rc == 0)
            return ROAM_OK;
        if (rc < 0)
            return err;
        /* The file vanished or changed under us: try again. */
    }
    return roam__diag(diag, ROAM_E_EXISTS, 0, "%s keeps changing while it is replaced", c->path);
}

/* Everything of a create once the configuration is known to work. */
static roam_err_t roam__create(roam_segment_t *seg, roam__creating_t *c,
                               const roam_segment_config_t *cfg, uint64_t total, roam_diag_t *diag)
{
    roam_err_t err;

    err = roam__create_tmp(seg, c, diag);
    if (err)
        return roam__create_undo(seg, c, err);
    err = roam__create_fill(seg, cfg, total, diag);
    if (err)
        return roam__create_undo(seg, c, err);
    if ((c->flags & ROAM_CREATE_SYNC) && fsync(seg->fd) != 0)
        return roam__create_undo(seg, c, roam__diag_sys(diag, "fsync"));

    /* The lock travels with the file: held from the first byte to close. */
    err = roam__create_publish(c, diag);
    if (err)
        return roam__create_undo(seg, c, err);
    free(c->tmp);
    c->tmp = NULL;
    seg->is_host = true;
    return roam__diag_ok(diag);
}

/* The configuration's rules and its layout, within this library's size
 * limit: nothing is created for a configuration that fails here. */
static roam_err_t roam__create_layout(const roam_segment_config_t *cfg, roam_layout_t *layout,
                                      roam_diag_t *diag)
{
    roam_err_t err = roam_config_check(cfg, diag);

    if (err)
        return err;
    err = roam_layout_compute(cfg, layout);
    if (err)
        return roam__diag(diag, err, 0, "layout: %s", roam_strerror(err));
    if (layout->total_size > ROAM_SEGMENT_MAX_SIZE)
        return roam__diag(diag, ROAM_E_SEGMENT_TOO_LARGE, 0, "layout: total_size %llu: %s",
                          (unsigned long long)layout->total_size,
                          roam_strerror(ROAM_E_SEGMENT_TOO_LARGE));
    return ROAM_OK;
}

roam_err_t roam_segment_create_ex(roam_segment_t *seg, const char *path,
                                  const roam_segment_config_t *cfg, const roam_create_opts_t *opts,
                                  roam_diag_t *diag)
{
    roam__creating_t c = {path, NULL, 0, ROAM_FILE_MODE_DEFAULT};
    roam_layout_t layout;
    roam_err_t err;

    roam__seg_clear(seg);
    if (opts != NULL) {
        c.flags = opts->flags;
        c.mode = opts->mode != 0 ? opts->mode : ROAM_FILE_MODE_DEFAULT;
    }
    if ((c.mode & ~0777u) != 0 || (c.mode & 0600u) != 0600u)
        return roam__diag(diag, ROAM_E_FILE_MODE, 0,
                          "mode %04o: must lie within 0777 and include owner read and write (0600)",
                          c.mode);

    err = roam__create_layout(cfg, &layout, diag);
    if (err)
        return err;

    /* Refuse early what the exclusive publish would refuse at the end. */
    if (!(c.flags & ROAM_CREATE_REPLACE_STALE) && access(path, F_OK) == 0)
        return roam__exists(path, diag);
    return roam__create(seg, &c, cfg, layout.total_size, diag);
}

roam_err_t roam_segment_create(roam_segment_t *seg, const char *path,
                               const roam_segment_config_t *cfg, roam_diag_t *diag)
{
    return roam_segment_create_ex(seg, path, cfg, NULL, diag);
}

roam_err_t roam_segment_create_memfd(roam_segment_t *seg, const char *name,
                                     const roam_segment_config_t *cfg, roam_diag_t *diag)
{
    roam__creating_t c = {name, NULL, 0, ROAM_FILE_MODE_DEFAULT};
    roam_layout_t layout;
    roam_err_t err;

    roam__seg_clear(seg);
    err = roam__create_layout(cfg, &layout, diag);
    if (err)
        return err;

    seg->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (seg->fd < 0)
        return roam__create_undo(seg, &c, roam__diag_sys(diag, "memfd_create"));
    if (roam__lock_take(seg->fd, true) != 0)
        return roam__create_undo(seg, &c, roam__diag_sys(diag, "fcntl (host lock)"));
    err = roam__create_fill(seg, cfg, layout.total_size, diag);
    if (err)
        return roam__create_undo(seg, &c, err);

    /* Nobody can shrink it now, nor add seals (a guest could otherwise
     * forbid growth); the host still grows it. */
    if (fcntl(seg->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        return roam__create_undo(seg, &c, roam__diag_sys(diag, "fcntl (F_ADD_SEALS)"));
    seg->is_host = true;
    return roam__diag_ok(diag);
}
