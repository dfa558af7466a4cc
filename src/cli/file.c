/* Whole-file reads into aligned private buffers, and crash-safe file writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Print "PATH: STEP: reason" for the current errno; returns -1. */
static int io_error(const char *path, const char *step)
{
    fprintf(stderr, "%s: %s: %s\n", path, step, strerror(errno));
    return -1;
}

void *cli_alloc_zeroed(size_t len)
{
    /* Round up to the alignment so aligned_alloc accepts the size. */
    size_t a = ROAM_SEGMENT_ALIGN;
    if (len > SIZE_MAX - a)
        return NULL;
    size_t size = len == 0 ? a : (len + a - 1) / a * a;
    void *p = aligned_alloc(a, size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

/* Replace f->data by a copy in a zeroed buffer of cap bytes. */
static int grow(cli_file_t *f, size_t cap)
{
    void *p = cli_alloc_zeroed(cap);
    if (p == NULL)
        return -1;
    memcpy(p, f->data, f->len);
    free(f->data);
    f->data = p;
    return 0;
}

/* Read fd to its end into f, growing the buffer from cap bytes as needed. */
static int read_all(int fd, const char *path, cli_file_t *f, size_t cap)
{
    for (;;) {
        /* Keep room for at least one more byte, so that EOF is seen. */
        if (f->len == cap) {
            if (cap > SIZE_MAX / 2 || grow(f, cap * 2) < 0) {
                errno = ENOMEM;
                return io_error(path, "read");
            }
            cap *= 2;
        }
        ssize_t n = read(fd, (char *)f->data + f->len, cap - f->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return io_error(path, "read");
        if (n == 0)
            return 0;
        f->len += (size_t)n;
    }
}

int cli_file_read(const char *path, cli_file_t *f)
{
    f->data = NULL;
    f->len = 0;

    /* Open and size the file; a directory is refused before reading. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_error(path, "open");
    struct stat st;
    if (fstat(fd, &st) < 0) {
        io_error(path, "stat");
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        io_error(path, "read");
        close(fd);
        return -1;
    }

    /* One byte more than the file, so the first pass also sees EOF. */
    size_t cap = st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX / 2 ? (size_t)st.st_size + 1
                                                                         : 4096;
    f->data = cli_alloc_zeroed(cap);
    if (f->data == NULL) {
        errno = ENOMEM;
        io_error(path, "read");
        close(fd);
        return -1;
    }
    int rc = read_all(fd, path, f, cap);
    close(fd);
    if (rc < 0)
        cli_file_free(f);
    return rc;
}

void cli_file_free(cli_file_t *f)
{
    free(f->data);
    f->data = NULL;
    f->len = 0;
}

/* Write all of buf to fd, fsync and close it; prints the failed step. */
static int write_sync_close(int fd, const char *path, const void *buf, size_t len)
{
    /* Short writes and interruptions: keep writing the rest. */
    const char *p = buf;
    while (len > 0) {
        size_t chunk = len < ((size_t)1 << 30) ? len : ((size_t)1 << 30);
        ssize_t n = write(fd, p, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            io_error(path, "write");
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }

    /* The data reaches the disk before the file is called done. */
    if (fsync(fd) < 0) {
        io_error(path, "fsync");
        close(fd);
        return -1;
    }
    if (close(fd) < 0)
        return io_error(path, "close");
    return 0;
}

/* Create path (it must not exist) holding buf. */
static int write_new(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) {
        fprintf(stderr, "%s: already exists (pass --force to replace it)\n", path);
        return -1;
    }
    if (fd < 0)
        return io_error(path, "create");
    if (write_sync_close(fd, path, buf, len) < 0) {
        unlink(path);
        return -1;
    }
    return 0;
}

/* Mode for a replacement: the old file's permissions, else 0666 less the umask. */
static mode_t replacement_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return st.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Write buf to a temporary file beside path, then rename it over path. */
static int write_replace(const char *path, const void *buf, size_t len)
{
    /* "DIR/.BASE.XXXXXX" in the directory of path, so rename stays atomic. */
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    size_t tmp_size = strlen(path) + sizeof "/..XXXXXX";
    char *tmp = malloc(tmp_size);
    if (tmp == NULL)
        return io_error(path, "create temporary file");
    snprintf(tmp, tmp_size, "%.*s.%s.XXXXXX", (int)dir_len, path, path + dir_len);

    int fd = mkstemp(tmp);
    if (fd < 0) {
        io_error(path, "create temporary file");
        free(tmp);
        return -1;
    }

    /* Permissions, data, then the atomic switch; undo on any failure. */
    int rc = -1;
    if (fchmod(fd, replacement_mode(path)) < 0) {
        io_error(path, "chmod temporary file");
        close(fd);
    } else if (write_sync_close(fd, path, buf, len) == 0) {
        rc = rename(tmp, path) == 0 ? 0 : io_error(path, "rename");
    }
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int cli_file_write(const char *path, const void *buf, size_t len, bool replace)
{
    return replace ? write_replace(path, buf, len) : write_new(path, buf, len);
}

int cli_run_on_file(int argc, char **argv, const cli_option_t *opts, size_t nopts,
                    const char *usage, cli_file_fn fn)
{
    /* Flags and the one FILE operand. */
    bool seen[CLI_MAX_OPTIONS] = {0};
    const char *path;
    if (nopts > CLI_MAX_OPTIONS)
        return CLI_EXIT_USAGE;
    int rc = cli_args_one_file(argc, argv, opts, nopts, usage, seen, &path);
    if (rc != CLI_ARGS_RUN)
        return rc;

    /* The whole file in a private buffer, then the command. */
    cli_file_t f;
    if (cli_file_read(path, &f) < 0)
        return CLI_EXIT_USAGE;
    rc = fn(path, &f, seen);
    cli_file_free(&f);
    return rc;
}
