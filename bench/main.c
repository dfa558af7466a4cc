/*
 * make bench: every figure beside its yardsticks, measured in the same run.
 *
 *   roam_bench               wall-time medians, then instruction counts
 *                            (the program reruns itself under callgrind),
 *                            then the table
 *   roam_bench --callgrind   (under callgrind) only the counted loops
 *
 * Yardsticks: the floor (the same rules in plain C, bench/floor.c), the
 * seed's Rust validate() for the header, and a copy of the same bytes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#ifndef BENCH_SEED_SKIP
#define BENCH_SEED_SKIP "not built"
#endif

/* Callgrind: calls before the first dump (past lazy binding and warm-up). */
#define CG_FIRST 3

/* Header rules beyond the snapshot, with the mapping check. */
#define HEADER_RULES 13

static const char *const col_name[COL__COUNT] = {"roam", "floor", "seed", "copy"};

/* A private directory for the segment files: tmpfs when there is one. */
static int make_dir(char *dir, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    const char *roots[] = {"/dev/shm", tmp != NULL ? tmp : "/tmp", "/tmp"};

    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        snprintf(dir, len, "%s/roam-bench-XXXXXX", roots[i]);
        if (mkdtemp(dir) != NULL)
            return 0;
    }
    return -1;
}

/* Remove dir and the files in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1024];

    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static void set_row(bench_ctx_t *c, const bench_row_t *r)
{
    c->seg = r->seg >= 0 ? &bench_segs[r->seg] : NULL;
}

/* Each operation once: a failing one would measure nothing. */
static int all_succeed(bench_ctx_t *c)
{
    for (size_t i = 0; i < bench_num_rows; i++) {
        set_row(c, &bench_rows[i]);
        for (int k = 0; k < COL__COUNT; k++) {
            if (bench_rows[i].fn[k] != NULL && bench_run(bench_rows[i].fn[k], c, 1) != 0) {
                fprintf(stderr, "bench: %s (%s) fails\n", bench_rows[i].name, col_name[k]);
                return -1;
            }
        }
    }
    return 0;
}

/* Under callgrind: the counted loops, labelled r<row>c<col>. */
static int callgrind_child(bench_ctx_t *c)
{
    char label[32];

    for (size_t i = 0; i < bench_num_rows; i++) {
        set_row(c, &bench_rows[i]);
        for (int k = 0; k < COL__COUNT; k++) {
            if (bench_rows[i].fn[k] == NULL)
                continue;
            snprintf(label, sizeof label, "r%zuc%d", i, k);
            bench_callgrind_pair(label, bench_rows[i].fn[k], c, CG_FIRST,
                                 CG_FIRST + bench_rows[i].calls);
        }
    }
    return 0;
}

/* The count dumped under "r<row>c<col>/<n>", or -1. */
static double lookup(char (*labels)[32], const double *values, size_t n, size_t row, int col,
                     long calls)
{
    char want[48];

    snprintf(want, sizeof want, "r%zuc%d/%ld", row, col, calls);
    for (size_t i = 0; i < n; i++)
        if (strcmp(labels[i], want) == 0)
            return values[i];
    return -1;
}

/* Instruction counts per call from one callgrind run; NULL or why not. */
static const char *count_instructions(const char *self, const char *dir)
{
    enum { MAX = 256 };
    static char labels[MAX][32];
    static double values[MAX];
    size_t n;
    const char *why = bench_callgrind_collect(self, dir, labels, values, MAX, &n);

    if (why != NULL)
        return why;
    for (size_t i = 0; i < bench_num_rows; i++) {
        bench_row_t *r = &bench_rows[i];

        for (int k = 0; k < COL__COUNT; k++) {
            double a = lookup(labels, values, n, i, k, CG_FIRST);
            double b = lookup(labels, values, n, i, k, CG_FIRST + r->calls);

            if (r->fn[k] != NULL && a >= 0 && b >= 0)
                r->instr[k] = (b - a) / (double)r->calls;
        }
    }
    /* Every figure is the call's own cost: minus the empty call's. */
    for (size_t i = 1; i < bench_num_rows; i++)
        for (int k = 0; k < COL__COUNT; k++)
            if (bench_rows[i].instr[k] >= 0)
                bench_rows[i].instr[k] -= bench_rows[0].instr[COL_ROAM];
    return NULL;
}

/* ---- Report -------------------------------------------------------------------*/

static void fmt(char *out, size_t len, double v, const char *unit_fmt)
{
    if (v < 0)
        snprintf(out, len, "–");
    else
        snprintf(out, len, unit_fmt, v);
}

/* The goal's text, and whether the row meets it (-1: cannot say). */
static const char *goal_text(const bench_row_t *r, double per_rule, int *met)
{
    double roam = r->instr[COL_ROAM], flo = r->instr[COL_FLOOR];

    *met = -1;
    switch (r->goal) {
    case GOAL_HEADER:
        if (roam >= 0)
            *met = roam <= 120 && per_rule <= 3.75;
        return "≤ 120, ≤ 3.75/rule";
    case GOAL_FLOOR_1_5:
        if (roam >= 0 && flo > 0)
            *met = roam <= 1.5 * flo;
        return "≤ 1.5× floor";
    case GOAL_FLOOR_2:
        if (roam >= 0 && flo > 0)
            *met = roam <= 2 * flo;
        return "≤ 2× floor";
    case GOAL_MAX_10:
        if (roam >= 0)
            *met = roam <= 10;
        return "≤ 10";
    case GOAL_WALL_1_2:
        if (r->ns[COL_ROAM] >= 0 && r->ns[COL_FLOOR] > 0)
            *met = r->ns[COL_ROAM] <= 1.2 * r->ns[COL_FLOOR];
        return "≤ 1.2× bare calls, wall";
    case GOAL_NONE:
        break;
    }
    return "–";
}

static void print_table(const char *cg_why)
{
    const bench_row_t *snap = &bench_rows[1], *hdr = &bench_rows[2];
    double per_rule = -1;

    if (hdr->instr[COL_ROAM] >= 0 && snap->instr[COL_ROAM] >= 0)
        per_rule = (hdr->instr[COL_ROAM] - snap->instr[COL_ROAM]) / HEADER_RULES;

    printf("\n| operation | roam instr | floor | seed | copy | roam ÷ floor | goal | met "
           "| roam ns | floor ns | seed ns | copy ns |\n");
    printf("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|\n");
    for (size_t i = 1; i < bench_num_rows; i++) {
        const bench_row_t *r = &bench_rows[i];
        char ins[COL__COUNT][24], ns[COL__COUNT][24], ratio[32];
        int met;
        const char *goal = goal_text(r, per_rule, &met);

        for (int k = 0; k < COL__COUNT; k++) {
            fmt(ins[k], sizeof ins[k], r->fn[k] != NULL ? r->instr[k] : -1, "%.0f");
            fmt(ns[k], sizeof ns[k], r->fn[k] != NULL ? r->ns[k] : -1,
                r->ns[k] >= 1000 ? "%.0f" : "%.1f");
        }
        if (r->by_wall)
            fmt(ratio, sizeof ratio,
                r->ns[COL_FLOOR] > 0 ? r->ns[COL_ROAM] / r->ns[COL_FLOOR] : -1, "%.2f× wall");
        else
            fmt(ratio, sizeof ratio,
                r->instr[COL_FLOOR] > 0 ? r->instr[COL_ROAM] / r->instr[COL_FLOOR] : -1, "%.2f×");
        printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r->name,
               ins[COL_ROAM], ins[COL_FLOOR], ins[COL_SEED], ins[COL_COPY], ratio, goal,
               met < 0 ? "–" : met ? "yes" : "**no**", ns[COL_ROAM], ns[COL_FLOOR], ns[COL_SEED],
               ns[COL_COPY]);
    }

    printf("\n");
    for (size_t i = 1; i < bench_num_rows; i++) {
        const bench_row_t *r = &bench_rows[i];

        if (r->by_wall && r->ns[COL_ROAM] > 0 && r->ns[COL_COPY] > 0)
            printf("%s: %.2f× the bare calls plus the first access to the pages, wall\n",
                   r->name, r->ns[COL_ROAM] / r->ns[COL_COPY]);
    }
    if (cg_why != NULL)
        printf("instruction counts: %s\n", cg_why);
    else
        printf("instructions: per call, from callgrind (calls at n2 minus at n1, over n2 - n1),"
               " minus the %.0f of an empty call through the same loop\n",
               bench_rows[0].instr[COL_ROAM]);
    printf("ns: median wall time of one call over 21 rounds of about 1 ms, the columns of a"
           " row taking turns; the call itself included, and for file rows the system calls\n");
    printf("seed: %s\n",
#ifdef BENCH_SEED
           "roam's own SegmentHeader::validate() (4 rules, in place), rustc -O"
#else
           "skipped: " BENCH_SEED_SKIP
#endif
    );
    if (per_rule >= 0)
        printf("header: (validation - snapshot alone) / %d rules = %.2f instructions per rule\n",
               HEADER_RULES, per_rule);
    if (hdr->instr[COL_SEED] >= 0 && snap->instr[COL_SEED] >= 0)
        printf("seed: (validate() - the call alone) / 4 rules = %.2f instructions per rule\n",
               (hdr->instr[COL_SEED] - snap->instr[COL_SEED]) / 4);
    printf("floor: bench/floor.c. File rows: floor = the bare system calls"
           " (join: open+fstat+mmap+munmap+close; create: open+ftruncate+mmap+munmap+close"
           "+unlink); copy = the same plus the first access to the pages (join: read a byte"
           " of every header validation reads; create: write every page)\n");
}

/* Whole segment ≈ a + b·G + c·K, from rows (G=1,K=1), (G=255,K=1), (G=8,K=1), (G=8,K=64). */
static void print_fit(void)
{
    const bench_row_t *g1 = &bench_rows[3], *g8 = &bench_rows[4], *g255 = &bench_rows[6],
                      *k64 = &bench_rows[8];

    for (int k = COL_ROAM; k <= COL_FLOOR; k++) {
        double b, cc, a;

        if (g1->instr[k] < 0 || g255->instr[k] < 0 || k64->instr[k] < 0)
            return;
        b = (g255->instr[k] - g1->instr[k]) / 254.0;
        cc = (k64->instr[k] - g8->instr[k]) / 63.0;
        a = g1->instr[k] - b - cc;
        printf("whole segment, %s: ≈ %.0f + %.1f·G + %.1f·K instructions\n", col_name[k], a, b,
               cc);
    }
}

int main(int argc, char **argv)
{
    bench_ctx_t c;
    char dir[512], cg_dir[600], self[4096];
    const char *cg_why;
    ssize_t n;
    int child = argc > 1 && strcmp(argv[1], "--callgrind") == 0;

    for (size_t i = 0; i < bench_num_rows; i++)
        for (int k = 0; k < COL__COUNT; k++)
            bench_rows[i].instr[k] = bench_rows[i].ns[k] = -1;
    if (make_dir(dir, sizeof dir) != 0 || bench_setup(&c, dir) != 0 || all_succeed(&c) != 0)
        return 1;

    if (child) {
        callgrind_child(&c);
        bench_teardown(&c);
        rmdir(dir);
        return 0;
    }

    if (bench_agree(&c) != 0)
        return 1;

    /* Wall time first, on a quiet process; then the callgrind run. */
    for (size_t i = 0; i < bench_num_rows; i++) {
        set_row(&c, &bench_rows[i]);
        bench_wall_ns(bench_rows[i].fn, COL__COUNT, &c, bench_rows[i].ns);
    }
    bench_teardown(&c);
    rmdir(dir);

    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    snprintf(cg_dir, sizeof cg_dir, "%s/roam-bench-cg-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(cg_dir) == NULL)
        return 1;
    cg_why = count_instructions(self, cg_dir);
    print_table(cg_why);
    print_fit();
    /* Keep the dumps and valgrind's log only when the run went wrong. */
    if (cg_why == NULL || strncmp(cg_why, "skipped", 7) == 0)
        remove_dir(cg_dir);
    return 0;
}
