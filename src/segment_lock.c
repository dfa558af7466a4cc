/*
 * The host lock (shm.file.cleanup): an open-file-description write lock on
 * the whole segment file, held by the host from creation until
 * roam_segment_close or its death. A file nobody holds the lock of has no
 * live roam-shm host: it is stale, and a new host may replace it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "segment_internal.h"

/* A whole-file lock request of type `type`. */
static struct flock roam__lock_req(short type)
{
    struct flock l;

    memset(&l, 0, sizeof l);
    l.l_type = type;
    l.l_whence = SEEK_SET;
    l.l_start = 0;
    l.l_len = 0;
    return l;
}

/* Take the host lock on fd without waiting: 0, or -1 with errno (EAGAIN
 * when another open file holds it). A read-only fd can only take a read
 * lock, which still conflicts with every host's write lock. */
int roam__lock_take(int fd, bool writable)
{
    struct flock l = roam__lock_req(writable ? F_WRLCK : F_RDLCK);

    if (fcntl(fd, F_OFD_SETLK, &l) != 0) {
        if (errno == EACCES)
            errno = EAGAIN;
        return -1;
    }
    return 0;
}

/* Whether another open file holds the host lock; -1 on error. Only asks:
 * never takes the lock, so a guest's look cannot stop a host. */
int roam__lock_held(int fd)
{
    struct flock l = roam__lock_req(F_WRLCK);

    if (fcntl(fd, F_OFD_GETLK, &l) != 0)
        return -1;
    return l.l_type != F_UNLCK;
}

roam_err_t roam_segment_host_alive(const char *path, bool *alive, roam_diag_t *diag)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int held;

    if (fd < 0)
        return roam__diag_sys(diag, "open");
    held = roam__lock_held(fd);
    if (held < 0) {
        roam__diag_sys(diag, "fcntl (F_OFD_GETLK)");
        close(fd);
        return ROAM_E_IO;
    }
    close(fd);
    *alive = held != 0;
    return roam__diag_ok(diag);
}

