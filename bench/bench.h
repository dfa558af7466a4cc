/*
 * The bench's shared state: the segments every measured operation works on,
 * and the shape of a measured operation.
 */
#ifndef ROAM_BENCH_H
#define ROAM_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "floor.h"
#include "roam_segment.h"

/* One in-memory segment: G guests and K size classes, as roam_segment_init
 * lays it out in a zeroed, 64-byte-aligned buffer. */
typedef struct bench_seg {
    uint32_t guests;
    uint32_t classes;
    unsigned char *buf;
    size_t len;
} bench_seg_t;

/* Guests attached to the live segment the host sweeps. */
#define BENCH_LIVE_GUESTS 8u

typedef struct bench_ctx {
    /* Validation: the segment under test, the caller's snapshot and diag,
     * and a private buffer for the copies. */
    const bench_seg_t *seg;
    roam_segment_header_plain_t snap;
    roam_diag_t diag;
    unsigned char *copy;

    /* Live segment 1: a host and BENCH_LIVE_GUESTS attached guests. */
    roam_segment_t *host;
    /* In the context itself, as the floor's guest is: the heartbeat of
     * either reaches its guest without loading a pointer first. */
    roam_segment_t guests[BENCH_LIVE_GUESTS];
    uint64_t now;                  /* the time passed to heartbeat and sweep */
    floor_host_t floor_host;       /* the floor's view of the same segment */
    floor_guest_t floor_guest;     /* the floor's guest 0 */
    char live_path[256];

    /* Live segment 2: every entry Empty; a guest attaches and detaches and
     * the host recovers the entry. */
    roam_segment_t *cycle_host;
    roam_segment_t *cycle_guest;
    floor_host_t floor_cycle;
    char cycle_path[256];

    /* Creation: a path that does not exist between calls. */
    char create_path[256];
    roam_segment_config_t live_cfg;
    unsigned sink;                 /* keeps a read of a mapping */
} bench_ctx_t;

/* One measured operation; returns 0 when it did what it should. */
typedef int (*bench_fn)(bench_ctx_t *c);

/* The columns of a row: the library, its floor (for file operations: the
 * bare system calls), the seed's Rust, and a copy of the same bytes (for
 * file operations: the bare calls plus the first access to the pages). */
enum bench_col { COL_ROAM, COL_FLOOR, COL_SEED, COL_COPY, COL__COUNT };

/* What a row is held to (the goal column). */
enum bench_goal {
    GOAL_NONE,
    GOAL_HEADER,      /* <= 120 instructions, <= 3.75 per rule beyond the snapshot */
    GOAL_FLOOR_1_5,   /* <= 1.5x the floor's instructions */
    GOAL_FLOOR_2,     /* <= 2x the floor's instructions */
    GOAL_MAX_10,      /* <= 10 instructions */
    GOAL_WALL_1_2,    /* <= 1.2x the bare system calls, wall time */
};

typedef struct bench_row {
    const char *name;
    int seg;                     /* index into bench_segs, or -1 */
    bench_fn fn[COL__COUNT];     /* NULL: no such column */
    long calls;                  /* callgrind: n2 - n1 */
    int by_wall;                 /* roam ÷ floor by wall time (file rows) */
    enum bench_goal goal;
    double instr[COL__COUNT];    /* per call; < 0: not measured */
    double ns[COL__COUNT];
} bench_row_t;

/* ---- What is measured (ops.c) ---------------------------------------------*/

/* The in-memory segments, by guests and classes. */
extern bench_seg_t bench_segs[];
extern const size_t bench_num_segs;

/* The rows of the report, in order; row 0 is the empty call. */
extern bench_row_t bench_rows[];
extern const size_t bench_num_rows;

/* Build every segment (in memory, and as files under dir); 0 on success. */
int bench_setup(bench_ctx_t *c, const char *dir);
void bench_teardown(bench_ctx_t *c);

/* The floor and the seed agree with the library on corrupted segments:
 * returns the number of disagreements (each printed), 0 when none. */
long bench_agree(bench_ctx_t *c);

/* The seed's result for the header at h: NULL when valid, else its message
 * (msg_len bytes). Only when the seed was built (BENCH_SEED). */
const uint8_t *roam_seed_validate(const void *h, size_t *msg_len);

/* The same call doing nothing: the cost of the call itself. */
const uint8_t *roam_seed_call_only(const void *h, size_t *msg_len);

/* ---- Measurement (measure.c) ---------------------------------------------*/

/* Calls fn(c) n times; nonzero if any call failed. */
int bench_run(bench_fn fn, bench_ctx_t *c, long n);

/* Median wall time of one call of each fn[k] (NULL: none), in nanoseconds,
 * over rounds that take turns; out[k] < 0 when not measured. */
#define BENCH_MAX_COLS 4
_Static_assert(COL__COUNT <= BENCH_MAX_COLS, "a row's columns fit the wall-time table");
void bench_wall_ns(const bench_fn *fn, size_t count, bench_ctx_t *c, double *out);

/* Under callgrind: dump the instruction count of n1 and of n2 calls, each
 * labelled "<label>/<n>". No-op (but still runs the calls) elsewhere. */
void bench_callgrind_pair(const char *label, bench_fn fn, bench_ctx_t *c, long n1, long n2);

/* Run this program under callgrind with `args`, then read the counts the
 * run dumped: *count receives how many labels were read into labels/values
 * (arrays of max entries). Returns NULL, or why the counts are missing. */
const char *bench_callgrind_collect(const char *self, const char *dir, char (*labels)[32],
                                    double *values, size_t max, size_t *count);

/* True when this process runs under valgrind. */
int bench_under_valgrind(void);

#endif /* ROAM_BENCH_H */
