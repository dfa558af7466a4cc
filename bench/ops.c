/*
 * What the bench measures: the segments, one small function per measured
 * operation, and the rows of the report.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

/* Size classes of the in-memory segments: K classes of one 64-byte slot. */
#define SEG_SLOT_SIZE 64u
#define SEG_CAPACITY 64u

/* G guests and K classes: the per-guest cost at G = 1, 8, 64, 255, and the
 * per-class cost at K = 1, 16, 64. */
bench_seg_t bench_segs[] = {
    {1, 1, NULL, 0}, {8, 1, NULL, 0}, {64, 1, NULL, 0}, {255, 1, NULL, 0},
    {8, 16, NULL, 0}, {8, 64, NULL, 0},
};
const size_t bench_num_segs = sizeof bench_segs / sizeof bench_segs[0];

/* ---- Validation ------------------------------------------------------------*/

static int op_empty(bench_ctx_t *c)
{
    (void)c;
    return 0;
}

static int op_snapshot(bench_ctx_t *c)
{
    return roam_header_snapshot(c->seg->buf, c->seg->len, &c->snap) != ROAM_OK;
}

static int op_header(bench_ctx_t *c)
{
    return roam_header_validate(c->seg->buf, c->seg->len, ROAM_VALIDATE_MAPPING, &c->snap) !=
           ROAM_OK;
}

static int op_header_floor(bench_ctx_t *c)
{
    return floor_header(c->seg->buf, c->seg->len, &c->snap) != ROAM_OK;
}

#ifdef BENCH_SEED
static int op_header_seed(bench_ctx_t *c)
{
    size_t len;

    return roam_seed_validate(c->seg->buf, &len) != NULL;
}
static int op_seed_call(bench_ctx_t *c)
{
    size_t len;

    return roam_seed_call_only(c->seg->buf, &len) != NULL;
}
#define OP_HEADER_SEED op_header_seed
#define OP_SEED_CALL op_seed_call
#else
#define OP_HEADER_SEED NULL
#define OP_SEED_CALL NULL
#endif

static int op_header_copy(bench_ctx_t *c)
{
    memcpy(&c->snap, c->seg->buf, sizeof c->snap);
    return 0;
}

static int op_segment(bench_ctx_t *c)
{
    return roam_segment_validate(c->seg->buf, c->seg->len, &c->snap, &c->diag) != ROAM_OK;
}

static int op_segment_floor(bench_ctx_t *c)
{
    return floor_segment(c->seg->buf, c->seg->len, &c->snap) != ROAM_OK;
}

static int op_segment_copy(bench_ctx_t *c)
{
    return floor_copy_segment(c->copy, c->seg->buf) == 0;
}

/* ---- Live operations ----------------------------------------------------------*/

static int op_heartbeat(bench_ctx_t *c)
{
    return roam_guest_heartbeat(&c->guests[0], c->now, NULL) != ROAM_OK;
}

static int op_heartbeat_floor(bench_ctx_t *c)
{
    return floor_heartbeat(&c->floor_guest, c->now) != 0;
}

/* Every guest is alive at c->now: a sweep that recovers one is a failure. */
static int op_sweep(bench_ctx_t *c)
{
    roam_sweep_t r;

    roam_host_sweep(c->host, c->now, &r);
    return r.dead + r.departed != 0;
}

static int op_sweep_floor(bench_ctx_t *c)
{
    return floor_sweep(&c->floor_host, c->now) != 0;
}

static int op_cycle(bench_ctx_t *c)
{
    uint32_t index;

    if (roam_guest_attach(c->cycle_guest, &index, NULL) != ROAM_OK ||
        roam_guest_detach(c->cycle_guest, NULL) != ROAM_OK)
        return 1;
    return roam_host_recover(c->cycle_host, index, NULL) != ROAM_OK;
}

static int op_cycle_floor(bench_ctx_t *c)
{
    return floor_attach_detach_recover(&c->floor_cycle);
}

/* ---- Files ------------------------------------------------------------------------*/

static int op_join(bench_ctx_t *c)
{
    roam_segment_t s;

    if (roam_segment_attach(&s, c->cycle_path, NULL) != ROAM_OK)
        return 1;
    roam_segment_close(&s);
    return 0;
}

/* What joining needs at the least: open, size, map, and undo it all;
 * with `touch`, also read one byte of every header that validation reads
 * (segment header and peer table, each ring header, the class headers), as
 * any join that validates the segment must: on first access, a fresh
 * mapping faults. */
static int join_bare(bench_ctx_t *c, int touch)
{
    const floor_host_t *h = &c->floor_cycle;
    uint64_t pool = roam_segment_header_plain_var_pool_offset(&c->cycle_host->snap);
    struct stat st;
    unsigned char *p;
    int fd = open(c->cycle_path, O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return 1;
    if (fstat(fd, &st) != 0 ||
        (p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
            MAP_FAILED) {
        close(fd);
        return 1;
    }
    if (touch) {
        c->sink += *(volatile unsigned char *)p;
        for (uint32_t i = 0; i < h->n; i++) {
            c->sink += *(volatile unsigned char *)(p + h->ring0 + i * h->stride);
            c->sink += *(volatile unsigned char *)(p + h->ring0 + i * h->stride + h->h2g);
        }
        c->sink += *(volatile unsigned char *)(p + pool);
    }
    munmap(p, (size_t)st.st_size);
    close(fd);
    return 0;
}

static int op_join_bare(bench_ctx_t *c)
{
    return join_bare(c, 0);
}

static int op_join_touch(bench_ctx_t *c)
{
    return join_bare(c, 1);
}

static int op_create(bench_ctx_t *c)
{
    roam_segment_t s;

    if (roam_segment_create(&s, c->create_path, &c->live_cfg, NULL) != ROAM_OK)
        return 1;
    roam_segment_close(&s);
    return unlink(c->create_path) != 0;
}

/* What creating needs at the least: a new file of the size, mapped; with
 * `touch`, also one write to every page of it (a new segment's headers and
 * free lists are spread over nearly all of its pages). */
static int create_bare(bench_ctx_t *c, int touch)
{
    size_t len = c->cycle_host->map_len, page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *p;
    int fd = open(c->create_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0)
        return 1;
    if (ftruncate(fd, (off_t)len) != 0 ||
        (p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        close(fd);
        unlink(c->create_path);
        return 1;
    }
    for (size_t off = 0; touch && off < len; off += page)
        p[off] = 1;
    munmap(p, len);
    close(fd);
    return unlink(c->create_path) != 0;
}

static int op_create_bare(bench_ctx_t *c)
{
    return create_bare(c, 0);
}

static int op_create_touch(bench_ctx_t *c)
{
    return create_bare(c, 1);
}

/* ---- Rows ------------------------------------------------------------------------*/

#define NONE {-1, -1, -1, -1}
#define SEGROW(name, i)                                                                 \
    {name, i, {op_segment, op_segment_floor, NULL, op_segment_copy}, 100, 0,             \
     GOAL_FLOOR_1_5, NONE, NONE}

bench_row_t bench_rows[] = {
    {"empty call (subtracted from the others)", 1, {op_empty, NULL, NULL, NULL}, 1000, 0,
     GOAL_NONE, NONE, NONE},
    {"header snapshot alone; seed: the call alone", 1, {op_snapshot, NULL, OP_SEED_CALL, NULL}, 1000, 0,
     GOAL_NONE, NONE, NONE},
    {"header validation (13 rules + snapshot)", 1,
     {op_header, op_header_floor, OP_HEADER_SEED, op_header_copy}, 1000, 0, GOAL_HEADER, NONE, NONE},
    SEGROW("whole segment, G=1 K=1", 0),
    SEGROW("whole segment, G=8 K=1", 1),
    SEGROW("whole segment, G=64 K=1", 2),
    SEGROW("whole segment, G=255 K=1", 3),
    SEGROW("whole segment, G=8 K=16", 4),
    SEGROW("whole segment, G=8 K=64", 5),
    {"guest heartbeat (time passed in)", -1, {op_heartbeat, op_heartbeat_floor, NULL, NULL},
     1000, 0, GOAL_MAX_10, NONE, NONE},
    {"host sweep, 8 live guests", -1, {op_sweep, op_sweep_floor, NULL, NULL}, 1000, 0,
     GOAL_FLOOR_2, NONE, NONE},
    {"guest attach + detach + host recover", -1, {op_cycle, op_cycle_floor, NULL, NULL}, 1000, 0,
     GOAL_FLOOR_2, NONE, NONE},
    {"guest joins a file (attach + close)", -1, {op_join, op_join_bare, NULL, op_join_touch}, 20, 1,
     GOAL_WALL_1_2, NONE, NONE},
    {"host creates a file (create + close + unlink)", -1, {op_create, op_create_bare, NULL, op_create_touch},
     20, 1, GOAL_NONE, NONE, NONE},
};
const size_t bench_num_rows = sizeof bench_rows / sizeof bench_rows[0];

/* ---- Setup ------------------------------------------------------------------------*/

/* One in-memory segment, laid out by the library. */
static int seg_build(bench_seg_t *s)
{
    roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    roam_segment_config_t cfg = {
        .max_guests = s->guests,
        .bipbuf_capacity = SEG_CAPACITY,
        .max_payload_size = SEG_SLOT_SIZE,
        .inline_threshold = SEG_CAPACITY,   /* no more inline than the ring carries */
        .num_classes = s->classes,
        .classes = classes,
    };
    roam_layout_t layout;

    for (uint32_t i = 0; i < s->classes; i++)
        classes[i] = (roam_size_class_t){SEG_SLOT_SIZE, 1};
    if (roam_layout_compute(&cfg, &layout) != ROAM_OK)
        return -1;
    s->len = (size_t)layout.total_size;
    s->buf = aligned_alloc(ROAM_SEGMENT_ALIGN, (s->len + 63) / 64 * 64);
    if (s->buf == NULL)
        return -1;
    memset(s->buf, 0, s->len);
    return roam_segment_init(s->buf, s->len, &cfg, NULL) == ROAM_OK ? 0 : -1;
}

/* The live segments' configuration: the README example's, with 8 guests. */
static const roam_size_class_t live_classes[] = {{1024, 16}, {16384, 4}};

int bench_setup(bench_ctx_t *c, const char *dir)
{
    size_t most = 0;
    roam_diag_t d;
    uint32_t index;

    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < bench_num_segs; i++) {
        if (seg_build(&bench_segs[i]) != 0) {
            fprintf(stderr, "bench: cannot build segment %zu\n", i);
            return -1;
        }
        most = bench_segs[i].len > most ? bench_segs[i].len : most;
    }
    c->copy = malloc(most);
    c->host = calloc(1, sizeof *c->host);
    c->cycle_host = calloc(1, sizeof *c->cycle_host);
    c->cycle_guest = calloc(1, sizeof *c->cycle_guest);
    if (c->copy == NULL || c->host == NULL || c->cycle_host == NULL ||
        c->cycle_guest == NULL)
        return -1;

    c->live_cfg = (roam_segment_config_t){
        .max_guests = BENCH_LIVE_GUESTS,
        .bipbuf_capacity = 4096,
        .max_payload_size = 16384,
        .heartbeat_interval = 1000000000u,
        .num_classes = sizeof live_classes / sizeof live_classes[0],
        .classes = live_classes,
    };

    /* Live segment 1: the host and its guests, each beating at c->now. */
    snprintf(c->live_path, sizeof c->live_path, "%s/live", dir);
    if (roam_segment_create(c->host, c->live_path, &c->live_cfg, &d) != ROAM_OK)
        goto fail;
    c->now = roam_clock_now_ns();
    for (uint32_t i = 0; i < BENCH_LIVE_GUESTS; i++) {
        roam_segment_t *g = &c->guests[i];

        if (roam_segment_attach(g, c->live_path, &d) != ROAM_OK ||
            roam_guest_attach(g, &index, &d) != ROAM_OK ||
            roam_guest_heartbeat(g, c->now, &d) != ROAM_OK)
            goto fail;
    }
    floor_host_init(&c->floor_host, c->host->base, &c->host->snap);
    c->floor_guest.p = roam_segment_peer(c->guests[0].base, &c->guests[0].snap,
                                         c->guests[0].peer_index);
    c->floor_guest.epoch = c->guests[0].peer_epoch;

    /* Live segment 2: every entry Empty; its guest holds none. */
    snprintf(c->cycle_path, sizeof c->cycle_path, "%s/cycle", dir);
    if (roam_segment_create(c->cycle_host, c->cycle_path, &c->live_cfg, &d) != ROAM_OK ||
        roam_segment_attach(c->cycle_guest, c->cycle_path, &d) != ROAM_OK)
        goto fail;
    floor_host_init(&c->floor_cycle, c->cycle_host->base, &c->cycle_host->snap);

    snprintf(c->create_path, sizeof c->create_path, "%s/create", dir);
    return 0;

fail:
    fprintf(stderr, "bench: live segment: %s\n", d.msg);
    return -1;
}

void bench_teardown(bench_ctx_t *c)
{
    for (uint32_t i = 0; i < BENCH_LIVE_GUESTS; i++)
        roam_segment_close(&c->guests[i]);
    roam_segment_close(c->host);
    unlink(c->live_path);
    roam_segment_close(c->cycle_guest);
    roam_segment_close(c->cycle_host);
    unlink(c->cycle_path);
    for (size_t i = 0; i < bench_num_segs; i++)
        free(bench_segs[i].buf);
    free(c->copy);
    free(c->host);
    free(c->cycle_host);
    free(c->cycle_guest);
}
