/*
 * Live file-backed segments across real processes: creation and readiness,
 * the attach race, host goodbye, growth and truncation, crash recovery.
 *
 * Children never call ck_assert: they report through exit codes (0 = fine,
 * see child_fail) and shared memory, and the parent always reaps them.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_util.h"
#include "roam_segment.h"
#include "test_run.h"

/* Check's limit per test, and the internal deadline inside it. */
#define TEST_TIMEOUT_S 120
#define CHILD_MS 60000u
#define WAIT_MS 90000u

/* ---- Fixture: one scratch directory per test case --------------------------*/

static char g_dir[256];

static void scratch_setup(void)
{
    if (!proc_tmpdir_make(g_dir, sizeof g_dir)) {
        perror("mkdtemp");
        abort();
    }
}

static void scratch_teardown(void)
{
    proc_tmpdir_remove(g_dir);
}

/* path = scratch dir / name. */
static void scratch_path(char *path, size_t len, const char *name)
{
    proc_path(path, len, g_dir, name);
}

/* ---- Configurations ---------------------------------------------------------*/

static const roam_size_class_t k_classes[] = {{512, 8}, {4096, 2}};

/* Data bytes of each ring in most tests. */
#define CAPACITY (4 * ROAM_SEGMENT_ALIGN)

static roam_segment_config_t test_config(uint32_t guests, uint32_t capacity, uint64_t hb_ns)
{
    return (roam_segment_config_t){
        .max_guests = guests,
        .bipbuf_capacity = capacity,
        .max_payload_size = 4096,
        .inline_threshold = 0,
        .heartbeat_interval = hb_ns,
        .num_classes = 2,
        .classes = k_classes,
    };
}

/* Create path with cfg or fail the test. */
static void must_create(roam_segment_t *seg, const char *path, const roam_segment_config_t *cfg)
{
    roam_diag_t d;
    roam_err_t err = roam_segment_create(seg, path, cfg, &d);

    ck_assert_msg(err == ROAM_OK, "create %s: %s: %s", path, roam_errname(err), d.msg);
}

/* The handle navigates with the layout of cfg, every class placed: what
 * roam_layout_compute gives. Create and attach clear the handle's figures
 * but not its per-class entries past the class count, which are never
 * read; with those zeroed in a copy, the whole of it is compared with a
 * layout computed into zeroed memory. */
static void expect_handle_layout(const roam_segment_t *seg, const roam_segment_config_t *cfg)
{
    static roam_layout_t l, got;

    memset(&l, 0, sizeof l);
    ck_assert_int_eq(roam_layout_compute(cfg, &l), ROAM_OK);
    ck_assert_uint_eq(seg->layout.class_areas_count, cfg->num_classes);
    ck_assert_uint_eq(seg->layout.total_size, l.total_size);
    memcpy(&got, &seg->layout, sizeof got);
    for (uint32_t c = got.class_areas_count; c < ROAM_MAX_SIZE_CLASSES; c++) {
        memset(&got.classes[c], 0, sizeof got.classes[c]);
        memset(&got.class_areas[c], 0, sizeof got.class_areas[c]);
    }
    ck_assert_mem_eq(&got, &l, sizeof l);
}

/* ---- Children ---------------------------------------------------------------*/

/* What a child is told. */
typedef struct child_ctx {
    const char *path;
    void *shared;
    uint32_t id;
    uint32_t arg;
} child_ctx_t;

/* Child exit codes beyond roam_err_t values: well above ROAM_E__COUNT. */
enum {
    CHILD_E_ATTACH = 100,
    CHILD_E_WAIT,
    CHILD_E_CHECK,
};

/* Print why a child fails, then return its exit code. */
__attribute__((format(printf, 2, 3)))
static int child_fail(int code, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "child %d: ", (int)getpid());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* Spawn n children running fn, child i with ctx[i]. */
static void spawn_all(pid_t *pids, child_ctx_t *ctx, int n, int (*fn)(void *))
{
    for (int i = 0; i < n; i++) {
        pids[i] = proc_spawn(fn, &ctx[i]);
        ck_assert_msg(pids[i] > 0, "fork: %s", strerror(errno));
    }
}

/* Reap n children; each must have exited with `code`. */
static void expect_exits(const pid_t *pids, int n, int code)
{
    proc_status_t st[64];
    char buf[64];

    ck_assert_int_le(n, 64);
    proc_wait_all(pids, n, WAIT_MS, st);
    for (int i = 0; i < n; i++)
        ck_assert_msg(st[i].exited && st[i].code == code, "child %d: %s, expected exit %d", i,
                      proc_status_str(&st[i], buf, sizeof buf), code);
}

/* Stop waiting children after a parent-side failure: reap and forget. */
static void reap_quietly(const pid_t *pids, int n)
{
    proc_status_t st[64];

    proc_wait_all(pids, n < 64 ? n : 64, 2000, st);
}

/* ==== Single-process rules ====================================================*/

/* Write len bytes of `byte` to a new file at path. */
static void write_file(const char *path, size_t len, unsigned char byte)
{
    unsigned char buf[4096];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
    memset(buf, byte, sizeof buf);
    while (len > 0) {
        size_t n = len < sizeof buf ? len : sizeof buf;

        ck_assert(write(fd, buf, n) == (ssize_t)n);
        len -= n;
    }
    close(fd);
}

/* Hold the host lock on path as a live host does (an open-file-description
 * write lock on the whole file); close the returned fd to let go. */
static int hold_host_lock(const char *path)
{
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int fd = open(path, O_RDWR | O_CLOEXEC);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fcntl(fd, F_OFD_SETLK, &l), 0);
    return fd;
}

START_TEST(test_attach_errors)
{
    char path[512];
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;
    uint64_t t0;
    int lock_fd;

    /* Missing: ROAM_E_IO with errno ENOENT; with a timeout, ROAM_E_TIMEOUT. */
    scratch_path(path, sizeof path, "missing");
    err = roam_segment_attach(&seg, path, &d);
    ck_assert_int_eq(err, ROAM_E_IO);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_nonnull(strstr(d.msg, "open"));
    t0 = roam_clock_now_ns();
    err = roam_segment_attach_timeout(&seg, path, 30, &d);
    ck_assert_int_eq(err, ROAM_E_TIMEOUT);
    ck_assert_uint_ge(roam_clock_now_ns() - t0, 30000000u);
    roam_segment_close(&seg);   /* safe after a failure */

    /* Empty file: a host mid-creation while one holds the host lock,
     * stale when nobody does. */
    scratch_path(path, sizeof path, "empty");
    write_file(path, 0, 0);
    lock_fd = hold_host_lock(path);
    ck_assert_int_eq(roam_segment_attach(&seg, path, &d), ROAM_E_NOT_READY);
    ck_assert_int_eq(roam_segment_attach_timeout(&seg, path, 10, &d), ROAM_E_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(d.msg, "empty"));
    close(lock_fd);
    ck_assert_int_eq(roam_segment_attach(&seg, path, &d), ROAM_E_STALE);
    ck_assert_ptr_nonnull(strstr(d.msg, "empty"));
    ck_assert_int_eq(roam_segment_attach_timeout(&seg, path, 10, &d), ROAM_E_STALE);

    /* Shorter than a header. */
    scratch_path(path, sizeof path, "short");
    write_file(path, ROAM_SEGMENT_HEADER_SIZE - 1, 0);
    ck_assert_int_eq(roam_segment_attach(&seg, path, &d), ROAM_E_FILE_SHORT);

    /* Sized, zero magic: not ready, or stale. Garbage: bad magic. */
    scratch_path(path, sizeof path, "zeros");
    write_file(path, 8192, 0);
    lock_fd = hold_host_lock(path);
    ck_assert_int_eq(roam_segment_attach(&seg, path, &d), ROAM_E_NOT_READY);
    close(lock_fd);
    ck_assert_int_eq(roam_segment_attach(&seg, path, &d), ROAM_E_STALE);
    ck_assert_ptr_nonnull(strstr(d.msg, "magic is zero"));
    scratch_path(path, sizeof path, "garbage");
    write_file(path, 8192, 0x5a);
    ck_assert_int_eq(roam_segment_attach(&seg, path, &d), ROAM_E_BAD_MAGIC);
    ck_assert_int_eq(d.err, ROAM_E_BAD_MAGIC);
}
END_TEST

START_TEST(test_create_errors)
{
    char path[512];
    roam_segment_config_t cfg = test_config(2, CAPACITY, 0);
    roam_segment_t host, other, guest;
    roam_diag_t d;
    struct stat st;
    uint64_t total;

    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);
    total = roam_segment_header_plain_total_size(&host.snap);
    ck_assert(host.is_host);
    ck_assert_uint_eq(host.map_len, total);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);

    /* Exclusive: a second create fails and leaves the first intact. */
    ck_assert_int_eq(roam_segment_create(&other, path, &cfg, &d), ROAM_E_EXISTS);
    ck_assert_int_eq(d.err, ROAM_E_EXISTS);
    ck_assert_int_eq(roam_segment_attach(&guest, path, &d), ROAM_OK);
    ck_assert_uint_eq(guest.map_len, total);
    roam_segment_close(&guest);

    /* A file cut below current_size is refused before it is mapped. */
    roam_segment_close(&host);
    ck_assert_int_eq(truncate(path, (off_t)total - 1), 0);
    ck_assert_int_eq(roam_segment_attach(&guest, path, &d), ROAM_E_FILE_SHORT);
    ck_assert_int_eq(roam_segment_unlink(path, &d), ROAM_OK);
    ck_assert_int_eq(roam_segment_unlink(path, &d), ROAM_E_IO);

    /* A bad configuration creates nothing. */
    cfg.bipbuf_capacity = 100;
    ck_assert_int_eq(roam_segment_create(&host, path, &cfg, &d), ROAM_E_LAYOUT_CAPACITY);
    ck_assert_int_eq(stat(path, &st), -1);

    /* A failed system call names its step and keeps errno. */
    cfg.bipbuf_capacity = CAPACITY;
    scratch_path(path, sizeof path, "no/such/dir");
    ck_assert_int_eq(roam_segment_create(&host, path, &cfg, &d), ROAM_E_IO);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_nonnull(strstr(d.msg, "open"));
    roam_segment_close(&host);
}
END_TEST

START_TEST(test_grow_rules)
{
    char path[512];
    roam_segment_config_t cfg = test_config(2, CAPACITY, 0);
    roam_segment_t host, guest;
    roam_diag_t d;
    uint64_t total;
    uint32_t idx;
    unsigned char *p;

    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);
    expect_handle_layout(&host, &cfg);
    total = roam_segment_header_plain_total_size(&host.snap);

    /* Only upwards, only up to the limit. */
    ck_assert_int_eq(roam_segment_grow(&host, total, &d), ROAM_E_GROW);
    ck_assert_int_eq(roam_segment_grow(&host, total - 1, &d), ROAM_E_GROW);
    ck_assert_int_eq(roam_segment_grow(&host, ROAM_SEGMENT_MAX_SIZE + 1, &d), ROAM_E_SEGMENT_TOO_LARGE);
    ck_assert_uint_eq(roam_segment_header_load_current_size(roam_segment_header(&host)), total);

    /* A grow: the new bytes are zero, current_size follows, guests see it. */
    ck_assert_int_eq(roam_segment_grow(&host, total + 10000, &d), ROAM_OK);
    ck_assert_uint_eq(host.map_len, total + 10000);
    ck_assert_uint_eq(roam_segment_header_load_current_size(roam_segment_header(&host)),
                      total + 10000);
    p = host.base;
    for (uint64_t i = total; i < total + 10000; i++)
        ck_assert_uint_eq(p[i], 0);
    ck_assert_int_eq(roam_segment_attach(&guest, path, &d), ROAM_OK);
    ck_assert_uint_eq(guest.map_len, total + 10000);
    expect_handle_layout(&guest, &cfg);

    /* refresh: nothing to do, then a current_size below what is mapped. */
    ck_assert_int_eq(roam_segment_refresh(&guest, &d), ROAM_OK);
    roam_segment_header_store_current_size(roam_segment_header(&host), total - 64);
    ck_assert_int_eq(roam_segment_refresh(&guest, &d), ROAM_E_SIZE_SHRANK);
    roam_segment_header_store_current_size(roam_segment_header(&host), total + 64);
    ck_assert_int_eq(roam_segment_refresh(&guest, &d), ROAM_E_SIZE_SHRANK);
    roam_segment_header_store_current_size(roam_segment_header(&host), total + 10000);
    ck_assert_int_eq(roam_segment_refresh(&guest, &d), ROAM_OK);

    /* A guest holding an entry follows a growth that remaps: its heartbeat
     * lands in its entry of the new mapping, as the host sees it. */
    ck_assert_int_eq(roam_guest_attach(&guest, &idx, &d), ROAM_OK);
    ck_assert_int_eq(roam_segment_grow(&host, total + 4 * 1024 * 1024, &d), ROAM_OK);
    ck_assert_int_eq(roam_segment_refresh(&guest, &d), ROAM_OK);
    ck_assert_uint_eq(guest.map_len, total + 4 * 1024 * 1024);
    ck_assert_ptr_eq(guest.peer, roam_segment_peer_at(&guest, idx));
    expect_handle_layout(&guest, &cfg);
    expect_handle_layout(&host, &cfg);
    ck_assert_int_eq(roam_guest_heartbeat(&guest, 12345, &d), ROAM_OK);
    ck_assert_uint_eq(roam_peer_entry_load_last_heartbeat(roam_segment_peer_at(&host, idx)), 12345);

    roam_segment_close(&guest);
    roam_segment_close(&host);
}
END_TEST

START_TEST(test_heartbeat_rule)
{
    /* Off, on time, exactly 2 intervals (not late), one ns more (late). */
    ck_assert(!roam_heartbeat_expired(0, 1, UINT64_MAX));
    ck_assert(!roam_heartbeat_expired(10, 100, 110));
    ck_assert(!roam_heartbeat_expired(10, 100, 120));
    ck_assert(roam_heartbeat_expired(10, 100, 121));
    /* A heartbeat from "the future" and an interval whose double overflows. */
    ck_assert(!roam_heartbeat_expired(10, 200, 100));
    ck_assert(!roam_heartbeat_expired(UINT64_MAX / 2 + 1, 0, UINT64_MAX));
    ck_assert(roam_heartbeat_expired(UINT64_MAX / 4, 1, UINT64_MAX));
}
END_TEST

START_TEST(test_peer_ops)
{
    char path[512];
    const uint64_t hb = 20000000u;   /* 20 ms */
    roam_segment_config_t cfg = test_config(2, CAPACITY, hb);
    roam_segment_t host, guest, other;
    roam_peer_entry_t *p;
    roam_sweep_t sw;
    roam_diag_t d;
    uint32_t idx, epoch, found, e0;
    uint64_t t0;

    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);
    ck_assert_ptr_null(roam_segment_peer_at(&host, 2));

    /* Reserve, release, reserve again: each reserve is one more epoch. */
    ck_assert_int_eq(roam_host_reserve(&host, &idx, &epoch, &d), ROAM_OK);
    ck_assert_uint_eq(idx, 0);
    ck_assert_uint_eq(epoch, 1);
    ck_assert_int_eq(roam_host_release(&host, 0, &d), ROAM_OK);
    ck_assert_int_eq(roam_host_release(&host, 0, &d), ROAM_E_PEER_BUSY);
    ck_assert_int_eq(roam_host_release(&host, 7, &d), ROAM_E_PEER_INDEX);
    ck_assert_int_eq(roam_host_reserve(&host, &idx, &epoch, &d), ROAM_OK);
    ck_assert_uint_eq(epoch, 2);

    /* The guest claims entry 0 (epoch kept); another attaches to entry 1. */
    ck_assert_int_eq(roam_segment_attach(&guest, path, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_claim(&guest, 1, &found, &d), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_EMPTY);
    ck_assert_int_eq(roam_guest_claim(&guest, 0, &found, &d), ROAM_OK);
    ck_assert_uint_eq(guest.peer_epoch, 2);
    ck_assert_int_eq(roam_guest_attach(&guest, &idx, &d), ROAM_E_PEER_BUSY); /* holds one */
    ck_assert_int_eq(roam_segment_attach(&other, path, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_attach(&other, &idx, &d), ROAM_OK);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(roam_host_reserve(&host, &idx, &epoch, &d), ROAM_E_PEER_FULL);

    /* Heartbeat, detach; the host sweeps the goodbye away. */
    ck_assert_int_eq(roam_guest_heartbeat(&guest, roam_clock_now_ns(), &d), ROAM_OK);
    ck_assert_str_eq(d.msg, "");
    ck_assert_int_eq(roam_guest_detach(&guest, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_detach(&guest, &d), ROAM_E_PEER_BUSY);
    ck_assert_str_eq(d.msg, "detach: this handle holds no peer entry");
    ck_assert_int_eq(roam_guest_heartbeat(&guest, roam_clock_now_ns(), &d), ROAM_E_PEER_BUSY);
    ck_assert_str_eq(d.msg, "heartbeat: this handle holds no peer entry");
    p = roam_segment_peer_at(&host, 0);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_GOODBYE);
    roam_host_sweep(&host, roam_clock_now_ns(), &sw);
    ck_assert_uint_eq(sw.departed, 1);
    ck_assert_uint_eq(sw.dead, 0);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_EMPTY);

    /* Recovered under a live guest: its next heartbeat learns it. */
    ck_assert_int_eq(roam_host_recover(&host, 1, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_heartbeat(&other, roam_clock_now_ns(), &d), ROAM_E_PEER_BUSY);
    ck_assert_str_eq(d.msg, "peer 1: cannot heartbeat, entry is empty at epoch 1 (this guest "
                            "had epoch 1): the host recovered it");
    ck_assert_uint_eq(d.index, 1);
    ck_assert_uint_eq(other.peer_index, ROAM_NO_PEER);
    ck_assert_int_eq(roam_host_recover(&host, 1, &d), ROAM_E_PEER_BUSY);

    /* An entry Attached without a heartbeat is aged from the host's first
     * sight of it. */
    p = roam_segment_peer_at(&host, 1);
    ck_assert_int_eq(roam_peer_attach(p, NULL, &e0), ROAM_OK);
    t0 = roam_clock_now_ns();
    ck_assert(!roam_host_peer_dead(&host, 1, t0));
    ck_assert(!roam_host_peer_dead(&host, 1, t0 + 2 * hb));
    ck_assert(roam_host_peer_dead(&host, 1, t0 + 2 * hb + 1));
    roam_host_sweep(&host, t0 + 2 * hb + 1, &sw);
    ck_assert_uint_eq(sw.dead, 1);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_EMPTY);

    /* Closing a guest that still holds its entry says goodbye for it. */
    ck_assert_int_eq(roam_guest_attach(&guest, &idx, &d), ROAM_OK);
    roam_segment_close(&guest);
    ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, idx)),
                      ROAM_PEER_STATE_GOODBYE);
    roam_segment_close(&other);
    roam_segment_close(&host);

    /* Heartbeats off: never dead, however old. */
    cfg = test_config(2, CAPACITY, 0);
    scratch_path(path, sizeof path, "seg-no-heartbeat");
    must_create(&host, path, &cfg);
    ck_assert_int_eq(roam_peer_attach(roam_segment_peer_at(&host, 0), NULL, &e0), ROAM_OK);
    ck_assert(!roam_host_peer_dead(&host, 0, 1));
    ck_assert(!roam_host_peer_dead(&host, 0, UINT64_MAX));
    roam_host_sweep(&host, UINT64_MAX, &sw);
    ck_assert_uint_eq(sw.dead, 0);
    ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, 0)),
                      ROAM_PEER_STATE_ATTACHED);
    roam_segment_close(&host);
}
END_TEST

/* ==== Reserve for spawn ========================================================*/

static int spawn_child(void *arg)
{
    child_ctx_t *c = arg;
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;

    err = roam_segment_attach_timeout(&seg, c->path, CHILD_MS, &d);
    if (err)
        return child_fail(CHILD_E_ATTACH, "attach: %s", d.msg);
    err = roam_guest_claim(&seg, c->id, NULL, &d);
    if (err)
        return child_fail(err, "claim: %s", d.msg);
    /* The claim keeps the epoch of the host's reserve. */
    if (seg.peer_epoch != c->arg)
        return child_fail(CHILD_E_CHECK, "epoch %u, reserved at %u", seg.peer_epoch, c->arg);
    err = roam_guest_heartbeat(&seg, roam_clock_now_ns(), &d);
    if (err)
        return child_fail(err, "heartbeat: %s", d.msg);
    err = roam_guest_detach(&seg, &d);
    roam_segment_close(&seg);
    return err;
}

START_TEST(test_reserve_for_spawn)
{
    char path[512];
    roam_segment_config_t cfg = test_config(3, CAPACITY, 0);
    roam_segment_t host;
    roam_diag_t d;
    roam_sweep_t sw;
    uint32_t idx, epoch;
    pid_t pid;

    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);

    /* Two reservations: the child is spawned for the second one. */
    ck_assert_int_eq(roam_host_reserve(&host, &idx, &epoch, &d), ROAM_OK);
    ck_assert_int_eq(roam_host_reserve(&host, &idx, &epoch, &d), ROAM_OK);
    ck_assert_uint_eq(idx, 1);
    child_ctx_t ctx = {.path = path, .id = idx, .arg = epoch};
    spawn_all(&pid, &ctx, 1, spawn_child);
    expect_exits(&pid, 1, 0);

    ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, 1)),
                      ROAM_PEER_STATE_GOODBYE);
    ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, 0)),
                      ROAM_PEER_STATE_RESERVED);
    roam_host_sweep(&host, roam_clock_now_ns(), &sw);
    ck_assert_uint_eq(sw.departed, 1);
    ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, 1)),
                      ROAM_PEER_STATE_EMPTY);
    roam_segment_close(&host);
}
END_TEST

/* ==== Attach race ===============================================================*/

#define RACE_K 4
#define RACE_ROUNDS 1000u

typedef struct race_result {
    _Atomic uint32_t err;
    _Atomic uint32_t found;
    _Atomic uint32_t epoch;
} race_result_t;

typedef struct race_shared {
    _Atomic uint32_t round;     /* published by the parent; every child waits for it */
    _Atomic uint32_t arrived;   /* children lined up, over all rounds */
    _Atomic uint32_t done;      /* children finished, over all rounds */
    _Atomic uint32_t stop;
    race_result_t res[RACE_K];
} race_shared_t;

static int race_child(void *arg)
{
    child_ctx_t *c = arg;
    race_shared_t *sh = c->shared;
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    roam_peer_entry_t *p;
    roam_segment_t seg;
    roam_diag_t d;

    /* Each child maps the file itself: the race crosses mappings. */
    if (roam_segment_attach(&seg, c->path, &d) != ROAM_OK)
        return child_fail(CHILD_E_ATTACH, "attach: %s", d.msg);
    p = roam_segment_peer_at(&seg, 0);

    for (uint32_t r = 1; r <= RACE_ROUNDS; r++) {
        uint32_t found = UINT32_MAX, epoch = 0;
        roam_err_t err;

        if (!proc_wait_ge(&sh->round, r, deadline))
            return child_fail(CHILD_E_WAIT, "round %u never came", r);
        if (atomic_load_explicit(&sh->stop, memory_order_acquire))
            break;
        /* Line every child up so that the compare-and-swaps really race. */
        atomic_fetch_add_explicit(&sh->arrived, 1, memory_order_acq_rel);
        if (!proc_wait_ge(&sh->arrived, RACE_K * r, deadline))
            return child_fail(CHILD_E_WAIT, "round %u: others never arrived", r);

        err = roam_peer_attach(p, &found, &epoch);
        atomic_store_explicit(&sh->res[c->id].err, (uint32_t)err, memory_order_relaxed);
        atomic_store_explicit(&sh->res[c->id].found, found, memory_order_relaxed);
        atomic_store_explicit(&sh->res[c->id].epoch, epoch, memory_order_relaxed);
        /* Release: the parent that counts this sees the results above. */
        atomic_fetch_add_explicit(&sh->done, 1, memory_order_release);
    }
    roam_segment_close(&seg);
    return 0;
}

/* Check one round's results; fills why and returns false on a violation. */
static bool race_judge(race_shared_t *sh, roam_peer_entry_t *p, uint32_t r, uint32_t *prev_epoch,
                       char *why, size_t len)
{
    int winners = 0;
    uint32_t win_epoch = 0;

    for (int i = 0; i < RACE_K; i++) {
        uint32_t err = atomic_load_explicit(&sh->res[i].err, memory_order_relaxed);
        uint32_t found = atomic_load_explicit(&sh->res[i].found, memory_order_relaxed);

        if (err == ROAM_OK) {
            winners++;
            win_epoch = atomic_load_explicit(&sh->res[i].epoch, memory_order_relaxed);
        } else if (err != ROAM_E_PEER_BUSY || found != ROAM_PEER_STATE_ATTACHED) {
            snprintf(why, len, "round %u: child %d lost with %s, found state %u", r, i,
                     roam_errname((roam_err_t)err), found);
            return false;
        }
    }
    if (winners != 1) {
        snprintf(why, len, "round %u: %d winners", r, winners);
        return false;
    }
    if (win_epoch <= *prev_epoch || roam_peer_entry_load_epoch(p) != win_epoch ||
        roam_peer_entry_load_state(p) != ROAM_PEER_STATE_ATTACHED) {
        snprintf(why, len, "round %u: epoch %u after %u (entry: epoch %u state %u)", r, win_epoch,
                 *prev_epoch, roam_peer_entry_load_epoch(p), roam_peer_entry_load_state(p));
        return false;
    }
    *prev_epoch = win_epoch;
    return true;
}

START_TEST(test_attach_race)
{
    char path[512], why[256] = "";
    roam_segment_config_t cfg = test_config(1, CAPACITY, 0);
    race_shared_t *sh = proc_shared_alloc(sizeof *sh);
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    child_ctx_t ctx[RACE_K];
    pid_t pids[RACE_K];
    roam_segment_t host;
    roam_peer_entry_t *p;
    uint32_t prev_epoch = 0;
    bool ok = true;

    ck_assert_ptr_nonnull(sh);
    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);
    p = roam_segment_peer_at(&host, 0);
    for (int i = 0; i < RACE_K; i++)
        ctx[i] = (child_ctx_t){.path = path, .shared = sh, .id = (uint32_t)i};
    spawn_all(pids, ctx, RACE_K, race_child);

    for (uint32_t r = 1; ok && r <= RACE_ROUNDS; r++) {
        /* Between rounds the host takes the entry back: Goodbye, then Empty. */
        if (r > 1) {
            roam_peer_goodbye(p);
            roam_peer_reset(p);
        }
        atomic_store_explicit(&sh->round, r, memory_order_release);
        if (!proc_wait_ge(&sh->done, RACE_K * r, deadline)) {
            snprintf(why, sizeof why, "round %u: children did not finish", r);
            ok = false;
            break;
        }
        ok = race_judge(sh, p, r, &prev_epoch, why, sizeof why);
    }

    if (!ok) {
        /* Release every waiting child, then reap. */
        atomic_store_explicit(&sh->stop, 1, memory_order_release);
        atomic_store_explicit(&sh->round, UINT32_MAX, memory_order_release);
        reap_quietly(pids, RACE_K);
        ck_abort_msg("%s", why);
    }
    expect_exits(pids, RACE_K, 0);
    ck_assert_uint_eq(prev_epoch, RACE_ROUNDS);
    roam_segment_close(&host);
    proc_shared_free(sh, sizeof *sh);
}
END_TEST

/* ==== Readiness ==================================================================*/

#define READY_K 2
#define READY_ROUNDS 100u
#define READY_ROUNDS_MAX 5000u   /* more rounds while no child has attached yet */
#define READY_TAG 4096u   /* round r creates with max_payload_size READY_TAG + r */

enum { SEEN_OK, SEEN_NOT_READY, SEEN_MISSING, SEEN_SHORT, SEEN_BAD, SEEN__COUNT };

typedef struct ready_shared {
    _Atomic uint32_t stop;
    _Atomic uint32_t seen[READY_K][SEEN__COUNT];
} ready_shared_t;

static roam_segment_config_t ready_config(uint32_t round)
{
    roam_segment_config_t cfg = test_config(16, 16384, 5000000u);

    cfg.max_payload_size = READY_TAG + round;
    return cfg;
}

/* A freshly created segment must equal, byte for byte, roam_segment_init's
 * image of the same configuration. The round tag is checked on its own. */
static bool ready_same_as(const roam_segment_t *seg, const unsigned char *ref, size_t ref_len,
                          char *why, size_t len)
{
    const unsigned char *b = seg->base;
    const size_t tag_at = offsetof(roam_segment_header_t, max_payload_size);
    uint32_t tag = roam_segment_header_max_payload_size(seg->base);

    if (seg->map_len != ref_len) {
        snprintf(why, len, "mapped %zu bytes, expected %zu", seg->map_len, ref_len);
        return false;
    }
    if (tag < READY_TAG || tag >= READY_TAG + READY_ROUNDS_MAX) {
        snprintf(why, len, "max_payload_size %u is no round's", tag);
        return false;
    }
    for (size_t i = 0; i < ref_len; i++) {
        if (i >= tag_at && i < tag_at + 4)
            continue;
        if (b[i] != ref[i]) {
            snprintf(why, len, "byte %zu is %#x, expected %#x", i, b[i], ref[i]);
            return false;
        }
    }
    return true;
}

static int ready_child(void *arg)
{
    child_ctx_t *c = arg;
    ready_shared_t *sh = c->shared;
    roam_segment_config_t cfg = ready_config(0);
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    roam_layout_t layout;
    unsigned char *ref;
    char why[160];

    /* The expected image, built privately. */
    if (roam_layout_compute(&cfg, &layout) != ROAM_OK)
        return child_fail(CHILD_E_CHECK, "layout");
    ref = aligned_alloc(4096, (layout.total_size + 4095) / 4096 * 4096);
    if (ref == NULL)
        return child_fail(CHILD_E_CHECK, "out of memory");
    memset(ref, 0, layout.total_size);
    if (roam_segment_init(ref, layout.total_size, &cfg, NULL) != ROAM_OK)
        return child_fail(CHILD_E_CHECK, "init");

    while (!atomic_load_explicit(&sh->stop, memory_order_acquire) && !proc_past(deadline)) {
        roam_segment_t seg;
        roam_diag_t d;
        roam_err_t err = roam_segment_attach(&seg, c->path, &d);
        int kind;

        if (err == ROAM_OK) {
            kind = ready_same_as(&seg, ref, layout.total_size, why, sizeof why) ? SEEN_OK : SEEN_BAD;
            if (kind == SEEN_BAD)
                child_fail(0, "accepted a segment that is not the configured one: %s", why);
            roam_segment_close(&seg);
        } else if (err == ROAM_E_NOT_READY) {
            kind = SEEN_NOT_READY;
        } else if (err == ROAM_E_IO && errno == ENOENT) {
            kind = SEEN_MISSING;
        } else if (err == ROAM_E_FILE_SHORT) {
            kind = SEEN_SHORT;
        } else {
            kind = SEEN_BAD;
            child_fail(0, "attach: %s: %s", roam_errname(err), d.msg);
        }
        atomic_fetch_add_explicit(&sh->seen[c->id][kind], 1, memory_order_relaxed);
    }
    free(ref);
    return 0;
}

/* Whether some child has attached to a whole segment. */
static bool ready_any_ok(ready_shared_t *sh)
{
    for (int i = 0; i < READY_K; i++)
        if (atomic_load_explicit(&sh->seen[i][SEEN_OK], memory_order_relaxed) > 0)
            return true;
    return false;
}

START_TEST(test_readiness)
{
    char path[512];
    ready_shared_t *sh = proc_shared_alloc(sizeof *sh);
    child_ctx_t ctx[READY_K];
    pid_t pids[READY_K];
    uint32_t total[SEEN__COUNT] = {0};

    ck_assert_ptr_nonnull(sh);
    scratch_path(path, sizeof path, "seg");
    for (int i = 0; i < READY_K; i++)
        ctx[i] = (child_ctx_t){.path = path, .shared = sh, .id = (uint32_t)i};
    spawn_all(pids, ctx, READY_K, ready_child);

    /* Create, hold briefly, remove: children attach all along (and past
     * READY_ROUNDS until one has attached, however they are scheduled). */
    for (uint32_t r = 0; r < READY_ROUNDS || (r < READY_ROUNDS_MAX && !ready_any_ok(sh)); r++) {
        roam_segment_config_t cfg = ready_config(r);
        roam_segment_t host;

        must_create(&host, path, &cfg);
        proc_sleep_ms(1);
        roam_segment_close(&host);
        ck_assert_int_eq(unlink(path), 0);
    }
    atomic_store_explicit(&sh->stop, 1, memory_order_release);
    expect_exits(pids, READY_K, 0);

    for (int i = 0; i < READY_K; i++)
        for (int k = 0; k < SEEN__COUNT; k++)
            total[k] += atomic_load_explicit(&sh->seen[i][k], memory_order_relaxed);
    printf("readiness: %u valid, %u not ready, %u missing, %u short, %u bad\n", total[SEEN_OK],
           total[SEEN_NOT_READY], total[SEEN_MISSING], total[SEEN_SHORT], total[SEEN_BAD]);
    ck_assert_uint_eq(total[SEEN_BAD], 0);
    ck_assert_uint_gt(total[SEEN_OK], 0);
    proc_shared_free(sh, sizeof *sh);
}
END_TEST

/* ==== Host goodbye ===============================================================*/

#define BYE_N 4

typedef struct bye_shared {
    _Atomic uint32_t ready;
} bye_shared_t;

static int bye_child(void *arg)
{
    child_ctx_t *c = arg;
    bye_shared_t *sh = c->shared;
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;

    err = roam_segment_attach_timeout(&seg, c->path, CHILD_MS, &d);
    if (err)
        return child_fail(CHILD_E_ATTACH, "attach: %s", d.msg);
    err = roam_guest_attach(&seg, NULL, &d);
    if (err)
        return child_fail(err, "attach a peer: %s", d.msg);
    atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);

    /* Heartbeat until the host says goodbye, then leave in order. */
    while (!roam_segment_host_gone(&seg)) {
        if (proc_past(deadline))
            return child_fail(CHILD_E_WAIT, "no host goodbye");
        err = roam_guest_heartbeat(&seg, roam_clock_now_ns(), &d);
        if (err)
            return child_fail(err, "heartbeat: %s", d.msg);
        proc_sleep_ms(1);
    }
    err = roam_guest_detach(&seg, &d);
    roam_segment_close(&seg);
    return err;
}

START_TEST(test_host_goodbye)
{
    char path[512];
    roam_segment_config_t cfg = test_config(BYE_N, CAPACITY, 1000000000u);
    bye_shared_t *sh = proc_shared_alloc(sizeof *sh);
    child_ctx_t ctx[BYE_N];
    pid_t pids[BYE_N];
    roam_segment_t host, extra;
    roam_sweep_t sw;
    roam_diag_t d;
    bool ready;

    ck_assert_ptr_nonnull(sh);
    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);
    for (int i = 0; i < BYE_N; i++)
        ctx[i] = (child_ctx_t){.path = path, .shared = sh, .id = (uint32_t)i};
    spawn_all(pids, ctx, BYE_N, bye_child);

    ready = proc_wait_ge(&sh->ready, BYE_N, proc_deadline_ms(CHILD_MS));
    if (!ready)
        roam_host_goodbye(&host);
    ck_assert_msg(ready, "guests did not attach");

    /* Every entry taken: one more guest finds none. */
    for (uint32_t i = 0; i < BYE_N; i++)
        ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, i)),
                          ROAM_PEER_STATE_ATTACHED);
    ck_assert_int_eq(roam_segment_attach(&extra, path, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_attach(&extra, NULL, &d), ROAM_E_PEER_FULL);
    roam_segment_close(&extra);

    roam_host_goodbye(&host);
    expect_exits(pids, BYE_N, 0);
    for (uint32_t i = 0; i < BYE_N; i++)
        ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, i)),
                          ROAM_PEER_STATE_GOODBYE);
    roam_host_sweep(&host, roam_clock_now_ns(), &sw);
    ck_assert_uint_eq(sw.departed, BYE_N);
    ck_assert_uint_eq(sw.dead, 0);
    roam_segment_close(&host);
    proc_shared_free(sh, sizeof *sh);
}
END_TEST

/* ==== Growth and truncation =======================================================*/

#define GROW_N 3
#define GROW_STEPS 6

/* Growth steps: page-sized, odd-sized, large. */
static const uint64_t k_grow_by[GROW_STEPS] = {100, 4096, 65536 + 64, 1 << 20, 3 * 4096 + 8, 1};

typedef struct grow_shared {
    _Atomic uint32_t ready;
    _Atomic uint32_t step;      /* last step the host finished */
    _Atomic uint32_t acks;      /* children done with a step, over all steps */
    _Atomic uint64_t size[GROW_STEPS + 1];
} grow_shared_t;

/* The byte the host writes at offset off in the grown part. */
static unsigned char grow_byte(uint64_t off)
{
    return (unsigned char)((off * 2654435761u) >> 13);
}

/* First offset in [from, to) whose byte is wrong, or to. */
static uint64_t grow_check(const unsigned char *b, uint64_t from, uint64_t to)
{
    for (uint64_t o = from; o < to; o++)
        if (b[o] != grow_byte(o))
            return o;
    return to;
}

static int grow_child(void *arg)
{
    child_ctx_t *c = arg;
    grow_shared_t *sh = c->shared;
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;

    err = roam_segment_attach_timeout(&seg, c->path, CHILD_MS, &d);
    if (err)
        return child_fail(CHILD_E_ATTACH, "attach: %s", d.msg);
    atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);

    for (uint32_t s = 1; s <= GROW_STEPS; s++) {
        uint64_t from, to, bad;

        if (!proc_wait_ge(&sh->step, s, deadline))
            return child_fail(CHILD_E_WAIT, "step %u never came", s);
        err = roam_segment_refresh(&seg, &d);
        if (err)
            return child_fail(err, "step %u: refresh: %s", s, d.msg);
        from = atomic_load_explicit(&sh->size[s - 1], memory_order_relaxed);
        to = atomic_load_explicit(&sh->size[s], memory_order_relaxed);
        if (seg.map_len != to)
            return child_fail(CHILD_E_CHECK, "step %u: mapped %zu, expected %" PRIu64, s,
                              seg.map_len, to);
        bad = grow_check(seg.base, from, to);
        if (bad != to)
            return child_fail(CHILD_E_CHECK, "step %u: byte %" PRIu64 " wrong", s, bad);
        atomic_fetch_add_explicit(&sh->acks, 1, memory_order_release);
    }

    /* After every remap, every grown byte is still there. */
    if (grow_check(seg.base, atomic_load_explicit(&sh->size[0], memory_order_relaxed),
                   seg.map_len) != seg.map_len)
        return child_fail(CHILD_E_CHECK, "grown bytes changed after remapping");
    roam_segment_close(&seg);
    return 0;
}

START_TEST(test_growth)
{
    char path[512];
    roam_segment_config_t cfg = test_config(GROW_N, CAPACITY, 0);
    grow_shared_t *sh = proc_shared_alloc(sizeof *sh);
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    child_ctx_t ctx[GROW_N];
    pid_t pids[GROW_N];
    roam_segment_t host;
    roam_diag_t d;
    uint64_t size;

    ck_assert_ptr_nonnull(sh);
    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);
    size = host.map_len;
    atomic_store_explicit(&sh->size[0], size, memory_order_relaxed);
    for (int i = 0; i < GROW_N; i++)
        ctx[i] = (child_ctx_t){.path = path, .shared = sh, .id = (uint32_t)i};
    spawn_all(pids, ctx, GROW_N, grow_child);
    ck_assert(proc_wait_ge(&sh->ready, GROW_N, deadline));

    for (uint32_t s = 1; s <= GROW_STEPS; s++) {
        uint64_t next = size + k_grow_by[s - 1];
        unsigned char *b;
        roam_err_t err = roam_segment_grow(&host, next, &d);

        ck_assert_msg(err == ROAM_OK, "grow to %" PRIu64 ": %s", next, d.msg);
        /* Fill the new part, then tell the guests (release). */
        b = host.base;
        for (uint64_t o = size; o < next; o++)
            b[o] = grow_byte(o);
        atomic_store_explicit(&sh->size[s], next, memory_order_relaxed);
        atomic_store_explicit(&sh->step, s, memory_order_release);
        ck_assert_msg(proc_wait_ge(&sh->acks, GROW_N * s, deadline), "step %u: no acks", s);
        size = next;
    }
    expect_exits(pids, GROW_N, 0);

    /* The host's own view, and the grown segment still validates. */
    ck_assert_uint_eq(grow_check(host.base, atomic_load_explicit(&sh->size[0], memory_order_relaxed), size), size);
    ck_assert_int_eq(roam_segment_validate(host.base, host.map_len, &host.snap, &d), ROAM_OK);
    roam_segment_close(&host);
    proc_shared_free(sh, sizeof *sh);
}
END_TEST

/* Cut behind the guests' backs: truncate the file, or publish a size past
 * its end. Each guest's refresh must report ROAM_E_FILE_SHORT (its exit
 * code) instead of touching memory past the end of the file. */
static int cut_child(void *arg)
{
    child_ctx_t *c = arg;
    grow_shared_t *sh = c->shared;
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;
    size_t mapped;

    err = roam_segment_attach_timeout(&seg, c->path, CHILD_MS, &d);
    if (err)
        return child_fail(CHILD_E_ATTACH, "attach: %s", d.msg);
    mapped = seg.map_len;
    atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);
    if (!proc_wait_ge(&sh->step, 1, proc_deadline_ms(CHILD_MS)))
        return child_fail(CHILD_E_WAIT, "the cut never came");

    err = roam_segment_refresh(&seg, &d);
    if (err != ROAM_E_FILE_SHORT)
        return child_fail(CHILD_E_CHECK, "refresh: %s (%s)", roam_errname(err), d.msg);
    if (seg.map_len != mapped)
        return child_fail(CHILD_E_CHECK, "mapping changed to %zu", seg.map_len);
    roam_segment_close(&seg);
    return err;
}

/* Run cut_child in GROW_N guests; cut(host, total) does the damage. */
static void run_cut(const char *name, void (*cut)(roam_segment_t *host, uint64_t total))
{
    char path[512];
    roam_segment_config_t cfg = test_config(GROW_N, CAPACITY, 0);
    grow_shared_t *sh = proc_shared_alloc(sizeof *sh);
    child_ctx_t ctx[GROW_N];
    pid_t pids[GROW_N];
    roam_segment_t host;
    roam_diag_t d;
    uint64_t total;

    ck_assert_ptr_nonnull(sh);
    scratch_path(path, sizeof path, name);
    must_create(&host, path, &cfg);
    total = host.map_len;
    ck_assert_int_eq(roam_segment_grow(&host, total + 256 * 1024, &d), ROAM_OK);
    for (int i = 0; i < GROW_N; i++)
        ctx[i] = (child_ctx_t){.path = path, .shared = sh, .id = (uint32_t)i};
    spawn_all(pids, ctx, GROW_N, cut_child);
    ck_assert(proc_wait_ge(&sh->ready, GROW_N, proc_deadline_ms(CHILD_MS)));

    cut(&host, total);
    atomic_store_explicit(&sh->step, 1, memory_order_release);
    expect_exits(pids, GROW_N, ROAM_E_FILE_SHORT);
    /* The host's mapping past the cut is dead too: close without touching it. */
    roam_segment_close(&host);
    proc_shared_free(sh, sizeof *sh);
}

static void cut_truncate(roam_segment_t *host, uint64_t total)
{
    ck_assert_int_eq(ftruncate(host->fd, (off_t)total), 0);
}

static void cut_size_past_eof(roam_segment_t *host, uint64_t total)
{
    /* A size past the end of the file, stored without extending it. */
    roam_segment_header_store_current_size(roam_segment_header(host), total + 1024 * 1024);
}

START_TEST(test_truncated)
{
    run_cut("truncated", cut_truncate);
}
END_TEST

START_TEST(test_size_past_eof)
{
    run_cut("past-eof", cut_size_past_eof);
}
END_TEST

/* ==== Crash =======================================================================*/

#define CRASH_HB_NS 20000000u   /* 20 ms */

typedef struct crash_shared {
    _Atomic uint32_t ready;
    _Atomic uint32_t epoch;
} crash_shared_t;

/* First guest: attach, leave traffic in the rings, heartbeat until killed. */
static int crash_victim(void *arg)
{
    child_ctx_t *c = arg;
    crash_shared_t *sh = c->shared;
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    roam_bipbuf_header_t *g2h, *h2g;
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;
    uint32_t idx;

    err = roam_segment_attach_timeout(&seg, c->path, CHILD_MS, &d);
    if (err)
        return child_fail(CHILD_E_ATTACH, "attach: %s", d.msg);
    err = roam_guest_attach(&seg, &idx, &d);
    if (err)
        return child_fail(err, "attach a peer: %s", d.msg);
    g2h = roam_segment_ring(seg.base, &seg.snap, idx, ROAM_RING_GUEST_TO_HOST);
    h2g = roam_segment_ring(seg.base, &seg.snap, idx, ROAM_RING_HOST_TO_GUEST);
    roam_bipbuf_header_store_write(g2h, CAPACITY / 4 * 3);
    roam_bipbuf_header_store_watermark(g2h, CAPACITY);
    roam_bipbuf_header_store_read(g2h, CAPACITY / 4);
    roam_bipbuf_header_store_read(h2g, CAPACITY / 2);
    atomic_store_explicit(&sh->epoch, seg.peer_epoch, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);

    for (;;) {
        if (proc_past(deadline))
            return child_fail(CHILD_E_WAIT, "never killed");
        err = roam_guest_heartbeat(&seg, roam_clock_now_ns(), &d);
        if (err)
            return child_fail(err, "heartbeat: %s", d.msg);
        proc_sleep_ms(5);
    }
}

/* Second guest: the recovered entry is attachable, with fresh rings. */
static int crash_successor(void *arg)
{
    child_ctx_t *c = arg;
    crash_shared_t *sh = c->shared;
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;
    uint32_t idx;

    err = roam_segment_attach_timeout(&seg, c->path, CHILD_MS, &d);
    if (err)
        return child_fail(CHILD_E_ATTACH, "attach: %s", d.msg);
    err = roam_guest_attach(&seg, &idx, &d);
    if (err)
        return child_fail(err, "attach a peer: %s", d.msg);
    if (idx != 0 || seg.peer_epoch <= atomic_load_explicit(&sh->epoch, memory_order_relaxed))
        return child_fail(CHILD_E_CHECK, "entry %u epoch %u", idx, seg.peer_epoch);
    for (int dir = 0; dir < 2; dir++) {
        roam_bipbuf_header_t *r = roam_segment_ring(seg.base, &seg.snap, idx, (enum roam_ring_dir)dir);

        if (roam_bipbuf_header_load_write(r) || roam_bipbuf_header_load_watermark(r) ||
            roam_bipbuf_header_load_read(r) || roam_bipbuf_header_capacity(r) != CAPACITY)
            return child_fail(CHILD_E_CHECK, "ring %d not reset", dir);
    }
    err = roam_guest_detach(&seg, &d);
    roam_segment_close(&seg);
    return err;
}

START_TEST(test_crash_recovery)
{
    char path[512];
    roam_segment_config_t cfg = test_config(1, CAPACITY, CRASH_HB_NS);
    crash_shared_t *sh = proc_shared_alloc(sizeof *sh);
    uint64_t deadline = proc_deadline_ms(CHILD_MS);
    uint64_t hb1, hb2, last, found_at = 0;
    roam_bipbuf_header_t *g2h, *h2g;
    roam_segment_t host;
    roam_peer_entry_t *p;
    roam_sweep_t sw;
    proc_status_t st;
    child_ctx_t ctx;
    pid_t pid;

    ck_assert_ptr_nonnull(sh);
    scratch_path(path, sizeof path, "seg");
    must_create(&host, path, &cfg);
    p = roam_segment_peer_at(&host, 0);
    g2h = roam_segment_ring(host.base, &host.snap, 0, ROAM_RING_GUEST_TO_HOST);
    h2g = roam_segment_ring(host.base, &host.snap, 0, ROAM_RING_HOST_TO_GUEST);
    ctx = (child_ctx_t){.path = path, .shared = sh};
    spawn_all(&pid, &ctx, 1, crash_victim);
    if (!proc_wait_ge(&sh->ready, 1, deadline))
        reap_quietly(&pid, 1);
    ck_assert_msg(atomic_load_explicit(&sh->ready, memory_order_acquire) == 1, "the guest did not attach");

    /* Alive: its heartbeat advances, and a sweep at the time of its last
     * beat recovers nothing. */
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_ATTACHED);
    ck_assert_uint_eq(roam_bipbuf_header_load_write(g2h), CAPACITY / 4 * 3);
    ck_assert_uint_eq(roam_bipbuf_header_load_read(h2g), CAPACITY / 2);
    hb1 = roam_peer_entry_load_last_heartbeat(p);
    proc_sleep_ms(30);
    hb2 = roam_peer_entry_load_last_heartbeat(p);
    roam_host_sweep(&host, hb2, &sw);
    ck_assert_uint_eq(sw.dead, 0);
    ck_assert_uint_gt(hb2, hb1);

    /* SIGKILL while Attached. */
    kill(pid, SIGKILL);
    proc_wait_all(&pid, 1, WAIT_MS, &st);
    ck_assert_int_eq(st.signo, SIGKILL);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_ATTACHED);
    last = roam_peer_entry_load_last_heartbeat(p);

    /* The host finds it by heartbeat age, never before 2 intervals. */
    while (!proc_past(deadline)) {
        uint64_t now = roam_clock_now_ns();

        roam_host_sweep(&host, now, &sw);
        if (sw.dead == 1) {
            found_at = now;
            break;
        }
        proc_sleep_ms(2);
    }
    ck_assert_msg(found_at != 0, "the dead guest was never found");
    ck_assert_uint_gt(found_at - last, 2 * CRASH_HB_NS);

    /* Recovered: Empty, no heartbeat, rings reset with capacity kept. */
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_EMPTY);
    ck_assert_uint_eq(roam_peer_entry_load_last_heartbeat(p), 0);
    ck_assert_uint_eq(roam_bipbuf_header_load_write(g2h), 0);
    ck_assert_uint_eq(roam_bipbuf_header_load_watermark(g2h), 0);
    ck_assert_uint_eq(roam_bipbuf_header_load_read(g2h), 0);
    ck_assert_uint_eq(roam_bipbuf_header_load_read(h2g), 0);
    ck_assert_uint_eq(roam_bipbuf_header_capacity(g2h), CAPACITY);
    ck_assert_uint_eq(roam_bipbuf_header_capacity(h2g), CAPACITY);

    /* A new process takes the entry. */
    spawn_all(&pid, &ctx, 1, crash_successor);
    expect_exits(&pid, 1, 0);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_GOODBYE);
    ck_assert_uint_gt(roam_peer_entry_load_epoch(p), atomic_load_explicit(&sh->epoch, memory_order_relaxed));
    roam_segment_close(&host);
    proc_shared_free(sh, sizeof *sh);
}
END_TEST

/* ==== Suite =======================================================================*/

static void add_case(Suite *s, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);

    tcase_add_unchecked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

int main(void)
{
    Suite *s = suite_create("process");

    add_case(s, "attach_errors", test_attach_errors);
    add_case(s, "create_errors", test_create_errors);
    add_case(s, "grow_rules", test_grow_rules);
    add_case(s, "heartbeat_rule", test_heartbeat_rule);
    add_case(s, "peer_ops", test_peer_ops);
    add_case(s, "reserve_for_spawn", test_reserve_for_spawn);
    add_case(s, "attach_race", test_attach_race);
    add_case(s, "readiness", test_readiness);
    add_case(s, "host_goodbye", test_host_goodbye);
    add_case(s, "growth", test_growth);
    add_case(s, "truncated", test_truncated);
    add_case(s, "size_past_eof", test_size_past_eof);
    add_case(s, "crash_recovery", test_crash_recovery);

    return test_run_suite(s);
}
