/* Segment files for the commands: opened, classified and read the same way
 * everywhere, never read whole (the header by pread, the rest mapped). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "roam_sigbus.h"

/* What a file that is not a regular file is, for the message. */
static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a plain file";
}

/* The one message for a path that is not a regular file. */
static int not_regular(const char *path, mode_t mode)
{
    return cli_report_io(path, "%s (%s)", roam_strerror(ROAM_E_NOT_REGULAR), file_kind(mode));
}

/* Up to len bytes from offset 0; the count read, or -1 (errno set). */
static ssize_t read_head(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int cli_seg_open(cli_seg_t *s, const char *path, bool writable, bool keep_bad_header)
{
    _Alignas(ROAM_SEGMENT_ALIGN) unsigned char hdr[ROAM_SEGMENT_HEADER_SIZE];
    struct stat st;
    ssize_t n;

    memset(s, 0, sizeof *s);
    s->path = path;
    s->fd = -1;

    /* A FIFO, device or socket is refused before it is opened: opening or
     * reading one may block, or read forever. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return not_regular(path, st.st_mode);
    s->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
        return cli_report_io(path, "open: %s", strerror(errno));
    /* Checked again on what was opened: the path may have changed. */
    if (fstat(s->fd, &st) != 0)
        return cli_report_io(path, "stat: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return not_regular(path, st.st_mode);
    s->file_size = (uint64_t)st.st_size;

    /* The header: 128 bytes at most, whatever the file's size. */
    n = read_head(s->fd, hdr, sizeof hdr);
    if (n < 0)
        return cli_report_io(path, "read: %s", strerror(errno));
    s->have_header = (size_t)n == sizeof hdr;
    s->header_err = roam_header_validate(hdr, (size_t)n, 0, &s->snap);
    if (s->header_err != ROAM_OK && !keep_bad_header)
        return cli_report_invalid(path, s->header_err, NULL);
    return CLI_ARGS_RUN;
}

int cli_seg_map(cli_seg_t *s, bool writable, bool whole_file)
{
    uint64_t want = s->file_size;
    uint64_t cur = roam_segment_header_plain_current_size(&s->snap);

    /* The segment's own length, never past the end of the file. */
    if (!whole_file && cur < want)
        want = cur;
    if (want == 0)
        return CLI_ARGS_RUN;
    if (want > SIZE_MAX)
        return cli_report_io(s->path, "mmap: %llu bytes do not fit in the address space",
                             (unsigned long long)want);
    s->base = mmap(NULL, (size_t)want, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, s->fd,
                   0);
    if (s->base == MAP_FAILED) {
        s->base = NULL;
        return cli_report_io(s->path, "mmap: %s", strerror(errno));
    }
    s->map_len = (size_t)want;
    return CLI_ARGS_RUN;
}

roam_err_t cli_seg_validate(cli_seg_t *s)
{
    roam_diag_t diag = {0};
    roam_segment_header_plain_t snap;
    roam_err_t err = roam_segment_validate(s->base, s->map_len, &snap, &diag);

    if (err != ROAM_OK) {
        cli_report_invalid(s->path, err, &diag);
        return err;
    }
    /* From here on, the snapshot the whole segment was validated against. */
    s->snap = snap;
    return ROAM_OK;
}

void cli_seg_unmap(cli_seg_t *s)
{
    if (s->base != NULL)
        munmap(s->base, s->map_len);
    s->base = NULL;
    s->map_len = 0;
}

void cli_seg_close(cli_seg_t *s)
{
    cli_seg_unmap(s);
    if (s->fd >= 0)
        close(s->fd);
    s->base = NULL;
    s->fd = -1;
}

bool cli_copy_shared(void *dst, const void *src, size_t len)
{
    roam_sigbus_scope_t scope;
    uint64_t *d = dst;
    const uint64_t *from = src;

    if (ROAM_SIGBUS_CAUGHT(&scope))
        return false;
    roam_sigbus_enter(&scope);
    for (size_t i = 0; i < len / sizeof(uint64_t); i++)
        d[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
    roam_sigbus_leave(&scope);
    return true;
}
