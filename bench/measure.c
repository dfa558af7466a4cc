/*
 * Measuring: wall-time medians, and instruction counts from callgrind.
 *
 * Instruction counts are deterministic: the program runs itself under
 * `valgrind --tool=callgrind --collect-atstart=no`, and for each operation
 * collects only around a loop of n1 calls and around a loop of n2 calls,
 * dumping each count under a label. (count(n2) - count(n1)) / (n2 - n1) is
 * the cost of one call, without the setup or the first calls' lazy binding.
 */
#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif
#ifndef BENCH_HAVE_CALLGRIND
#define BENCH_HAVE_CALLGRIND 0
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

extern char **environ;

#define WALL_ROUNDS 21
#define WALL_ROUND_NS 1000000.0   /* each round runs about 1 ms */

int bench_run(bench_fn fn, bench_ctx_t *c, long n)
{
    int bad = 0;

    for (long i = 0; i < n; i++) {
        /* Launder the pointer: the call stays an opaque indirect call, so
         * nothing of fn is hoisted out of the loop. */
        __asm__ __volatile__("" : "+r"(fn));
        bad |= fn(c);
    }
    return bad;
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Calls per round for fn: doubled until a round takes WALL_ROUND_NS. */
static long calls_per_round(bench_fn fn, bench_ctx_t *c)
{
    long n = 1;

    for (;;) {
        double t0 = now_ns();

        if (bench_run(fn, c, n) != 0)
            return -1;
        if (now_ns() - t0 >= WALL_ROUND_NS || n >= (1L << 24))
            return n;
        n *= 2;
    }
}

void bench_wall_ns(const bench_fn *fn, size_t count, bench_ctx_t *c, double *out)
{
    double t[BENCH_MAX_COLS][WALL_ROUNDS];
    long n[BENCH_MAX_COLS];

    for (size_t k = 0; k < count; k++) {
        out[k] = -1;
        n[k] = fn[k] != NULL ? calls_per_round(fn[k], c) : -1;
    }
    /* Round by round, each function in turn: a change in the machine's
     * load falls on all of them alike. */
    for (int r = 0; r < WALL_ROUNDS; r++) {
        for (size_t k = 0; k < count; k++) {
            double t0;

            if (n[k] <= 0)
                continue;
            t0 = now_ns();
            if (bench_run(fn[k], c, n[k]) != 0) {
                n[k] = -1;
                continue;
            }
            t[k][r] = (now_ns() - t0) / (double)n[k];
        }
    }
    for (size_t k = 0; k < count; k++) {
        if (n[k] <= 0)
            continue;
        qsort(t[k], WALL_ROUNDS, sizeof t[k][0], cmp_double);
        out[k] = t[k][WALL_ROUNDS / 2];
    }
}

int bench_under_valgrind(void)
{
    return RUNNING_ON_VALGRIND ? 1 : 0;
}

void bench_callgrind_pair(const char *label, bench_fn fn, bench_ctx_t *c, long n1, long n2)
{
    long ns[2] = {n1, n2};
    char name[64];

    for (int k = 0; k < 2; k++) {
        int bad;

        snprintf(name, sizeof name, "%s/%ld", label, ns[k]);
        CALLGRIND_ZERO_STATS;
        CALLGRIND_TOGGLE_COLLECT;
        bad = bench_run(fn, c, ns[k]);
        CALLGRIND_TOGGLE_COLLECT;
        CALLGRIND_DUMP_STATS_AT(name);
        if (bad) {
            fprintf(stderr, "bench: %s failed under callgrind\n", label);
            exit(1);
        }
    }
}

/* Read one dump file: its client-request label and its instruction total. */
static int read_dump(const char *path, char *label, size_t label_len, double *value)
{
    static const char trig[] = "desc: Trigger: Client Request: ";
    char line[512];
    FILE *f = fopen(path, "r");
    int have = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL && have != 3) {
        if (strncmp(line, trig, sizeof trig - 1) == 0) {
            const char *v = line + sizeof trig - 1;
            size_t n = strcspn(v, "\n");

            if (n >= label_len)
                continue;
            memcpy(label, v, n);
            label[n] = '\0';
            have |= 1;
        } else if (strncmp(line, "summary: ", 9) == 0) {
            *value = strtod(line + 9, NULL);
            have |= 2;
        }
    }
    fclose(f);
    return have == 3;
}

const char *bench_callgrind_collect(const char *self, const char *dir, char (*labels)[32],
                                    double *values, size_t max, size_t *count)
{
    static char why[128];
    char out[512], log[512];
    char *argv[8];
    pid_t pid;
    int status, rc;
    DIR *d;
    struct dirent *e;

    *count = 0;
    if (!BENCH_HAVE_CALLGRIND)
        return "skipped: no valgrind/callgrind.h";
    snprintf(out, sizeof out, "--callgrind-out-file=%s/cg.out", dir);
    snprintf(log, sizeof log, "--log-file=%s/valgrind.log", dir);
    argv[0] = "valgrind";
    argv[1] = "--tool=callgrind";
    argv[2] = "--collect-atstart=no";
    argv[3] = out;
    argv[4] = log;
    argv[5] = (char *)self;
    argv[6] = "--callgrind";
    argv[7] = NULL;

    rc = posix_spawnp(&pid, "valgrind", NULL, NULL, argv, environ);
    if (rc == ENOENT)
        return "skipped: no valgrind";
    if (rc != 0) {
        snprintf(why, sizeof why, "skipped: cannot run valgrind: %s", strerror(rc));
        return why;
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, sizeof why, "valgrind run failed (see %s/valgrind.log)", dir);
        return why;
    }

    d = opendir(dir);
    if (d == NULL)
        return "cannot read the callgrind output";
    while ((e = readdir(d)) != NULL && *count < max) {
        char path[768];

        if (strncmp(e->d_name, "cg.out.", 7) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (read_dump(path, labels[*count], sizeof labels[0], &values[*count]))
            (*count)++;
    }
    closedir(d);
    return *count == 0 ? "callgrind wrote no counts" : NULL;
}
