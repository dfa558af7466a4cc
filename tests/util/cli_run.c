/* Run the roam-shm tool and capture its output; scratch-file helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "test_run.h"
#include "roam_shm_layout.h"

extern char **environ;

/* All of a temporary file, as a NUL-terminated string. */
static char *slurp(FILE *fp)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    rewind(fp);
    for (size_t n; s != NULL && (n = fread(s + len, 1, cap - len - 1, fp)) > 0;) {
        len += n;
        if (cap - len - 1 == 0) {
            char *t = realloc(s, cap * 2);
            if (t == NULL) {
                free(s);
                return NULL;
            }
            s = t;
            cap *= 2;
        }
    }
    if (s != NULL)
        s[len] = '\0';
    return s;
}

/* Tests compare the strings: never hand them NULL; a run without output failed. */
static int finish(cli_result_t *r)
{
    if (r->out == NULL || r->err == NULL)
        r->status = -1;
    if (r->out == NULL)
        r->out = strdup("");
    if (r->err == NULL)
        r->err = strdup("");
    return r->status;
}

/* Seconds on CLOCK_MONOTONIC. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reap pid into r (status, signal, rusage), killing it after timeout_ms. */
static void reap(cli_result_t *r, pid_t pid, uint32_t timeout_ms, double start)
{
    struct rusage ru;
    int ws = 0;
    for (;;) {
        pid_t got = wait4(pid, &ws, timeout_ms != 0 ? WNOHANG : 0, &ru);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR)
            return;
        if (got == 0 && now_s() - start > timeout_ms / 1000.0) {
            kill(pid, SIGKILL);
            r->timed_out = true;
            timeout_ms = 0;
        } else if (got == 0) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    r->signo = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
    r->maxrss_kb = ru.ru_maxrss;
    r->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    r->wall_s = now_s() - start;
}

int cli_runv_opts(cli_result_t *r, const cli_run_opts_t *o, const char *const *argv)
{
    static const cli_run_opts_t defaults = {NULL, 0};
    memset(r, 0, sizeof *r);
    r->status = -1;
    if (o == NULL)
        o = &defaults;
    const char *cli = getenv("ROAM_SHM_CLI");
    if (cli == NULL) {
        fprintf(stderr, "ROAM_SHM_CLI is not set\n");
        return finish(r);
    }

    /* argv with the binary as argv[0]. */
    size_t n = 1;
    while (argv[n] != NULL)
        n++;
    char **args = calloc(n + 1, sizeof *args);
    if (args == NULL)
        return finish(r);
    args[0] = (char *)cli;
    for (size_t i = 1; i < n; i++)
        args[i] = (char *)argv[i];

    /* stdout and stderr into anonymous files: no pipe can fill up. */
    FILE *out = o->stdout_path == NULL ? tmpfile() : NULL, *err = tmpfile();
    int rc = -1;
    pid_t pid;
    double start = now_s();
    if ((out != NULL || o->stdout_path != NULL) && err != NULL) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (out != NULL)
            posix_spawn_file_actions_adddup2(&fa, fileno(out), STDOUT_FILENO);
        else
            posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, o->stdout_path, O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, fileno(err), STDERR_FILENO);
        rc = posix_spawn(&pid, cli, &fa, NULL, args, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    free(args);

    /* Wait, then collect what it wrote. */
    if (rc == 0)
        reap(r, pid, o->timeout_ms, start);
    r->out = out != NULL ? slurp(out) : strdup("");
    r->err = err != NULL ? slurp(err) : NULL;
    if (out != NULL)
        fclose(out);
    if (err != NULL)
        fclose(err);
    return finish(r);
}

int cli_runv(cli_result_t *r, const char *const *argv)
{
    return cli_runv_opts(r, NULL, argv);
}

int cli_run(cli_result_t *r, const char *arg, ...)
{
    const char *argv[64] = {"roam-shm"};
    size_t n = 1;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a != NULL && n < 63; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return cli_runv(r, argv);
}

void cli_result_free(cli_result_t *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

bool cli_has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; p != NULL && *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        if (n == len && memcmp(p, line, len) == 0)
            return true;
        p = nl != NULL ? nl + 1 : NULL;
    }
    return false;
}

size_t cli_count_lines(const char *text)
{
    size_t n = 0;
    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

char *cli_tmpdir_make(const char *parent)
{
    const char *base = parent != NULL ? parent : getenv("TMPDIR");
    char *dir = cli_path(base != NULL && *base != '\0' ? base : "/tmp", "roam-cli-XXXXXX");
    if (dir != NULL && mkdtemp(dir) == NULL) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* nftw callback: remove one entry, children before their directory. */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

void cli_tmpdir_remove(char *dir)
{
    if (dir == NULL)
        return;
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

int cli_dir_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

char *cli_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void *cli_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    size_t cap = (size + ROAM_SEGMENT_ALIGN) / ROAM_SEGMENT_ALIGN * ROAM_SEGMENT_ALIGN;
    unsigned char *buf = aligned_alloc(ROAM_SEGMENT_ALIGN, cap);
    if (buf != NULL)
        memset(buf, 0, cap);
    size_t got = 0;
    while (buf != NULL && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n <= 0) {
            free(buf);
            buf = NULL;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return buf;
}

int cli_write_file(const char *path, const void *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return -1;
    size_t n = len > 0 ? fwrite(buf, 1, len, fp) : 0;
    return fclose(fp) == 0 && n == len ? 0 : -1;
}

bool cli_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int cli_run_suite_in_tmpdir(Suite *s, char **root)
{
    int rc;

    *root = cli_tmpdir_make(NULL);
    if (*root == NULL) {
        perror("mkdtemp");
        srunner_free(srunner_create(s));   /* frees s */
        return EXIT_FAILURE;
    }
    rc = test_run_suite(s);
    cli_tmpdir_remove(*root);
    *root = NULL;
    return rc;
}
