/*
 * Hostile peers and hostile files: a guest that writes current_size cannot
 * make the host cut the file; a process that truncates the file cannot kill
 * the others once they install the SIGBUS guard (and close is safe even
 * without it); a sealed memory file cannot be truncated at all.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_util.h"
#include "roam_segment.h"
#include "roam_sigbus.h"
#include "test_run.h"

/* The truncation loop runs this long, or until this many SIGBUS. */
#define LOOP_MS 1500u
#define LOOP_MAX_MS 20000u
#define LOOP_SIGBUS 50u

/* ---- Fixture ---------------------------------------------------------------*/

static char g_dir[256];
static char g_path[512];

static void setup(void)
{
    ck_assert(proc_tmpdir_make(g_dir, sizeof g_dir));
    proc_path(g_path, sizeof g_path, g_dir, "seg");
}

static void teardown(void)
{
    proc_tmpdir_remove(g_dir);
}

/* Many guests with big rings: the segment spans many pages. */
static roam_segment_config_t big_config(void)
{
    static const roam_size_class_t classes[] = {{1024, 64}, {65536, 4}};

    return (roam_segment_config_t){
        .max_guests = 32, .bipbuf_capacity = 8192, .max_payload_size = 65536,
        .heartbeat_interval = 1000000000, .num_classes = 2, .classes = classes,
    };
}

static void must_create(roam_segment_t *seg, const roam_segment_config_t *cfg)
{
    roam_diag_t d;

    ck_assert_msg(roam_segment_create(seg, g_path, cfg, &d) == ROAM_OK, "create: %s", d.msg);
}

static uint64_t file_size(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

/* ---- Growth acts only on sizes the host owns ---------------------------------*/

START_TEST(grow_ignores_shared_current_size)
{
    roam_segment_config_t cfg = big_config();
    roam_segment_t host, guest;
    roam_sweep_t sweep;
    roam_diag_t d;
    uint64_t total;
    roam_err_t err;

    must_create(&host, &cfg);
    ck_assert_int_eq(roam_segment_attach(&guest, g_path, &d), ROAM_OK);
    total = host.map_len;

    /* A guest says the segment is 128 bytes: growing to 4096 is no growth. */
    roam_segment_header_store_current_size(roam_segment_header(&guest), 128);
    err = roam_segment_grow(&host, 4096, &d);
    ck_assert_msg(err == ROAM_E_GROW, "grow(4096) over a hostile current_size: %s",
                  roam_errname(err));
    ck_assert_uint_eq(file_size(g_path), total);
    ck_assert_uint_eq(host.map_len, total);
    roam_host_sweep(&host, roam_clock_now_ns(), &sweep);   /* every page still there */

    /* A guest says it is huge: the host still grows from what it owns, and
     * publishes its own size over the guest's. */
    roam_segment_header_store_current_size(roam_segment_header(&guest), total + (1u << 30));
    err = roam_segment_grow(&host, total + 8192, &d);
    ck_assert_msg(err == ROAM_OK, "grow: %s", d.msg);
    ck_assert_uint_eq(file_size(g_path), total + 8192);
    ck_assert_uint_eq(host.map_len, total + 8192);
    ck_assert_uint_eq(roam_segment_header_load_current_size(roam_segment_header(&host)),
                      total + 8192);

    /* The host never follows current_size: refresh keeps what it owns. */
    roam_segment_header_store_current_size(roam_segment_header(&guest), total + (1u << 30));
    ck_assert_int_eq(roam_segment_refresh(&host, &d), ROAM_OK);
    ck_assert_uint_eq(host.map_len, total + 8192);

    roam_segment_close(&guest);
    roam_segment_close(&host);
}
END_TEST

/* ---- close() after the file was cut below the peer table ----------------------*/

START_TEST(close_after_short_refresh)
{
    roam_segment_config_t cfg = big_config();
    roam_segment_t host, guest;
    roam_diag_t d;

    /* No guard installed: close must not touch the lost pages by itself. */
    must_create(&host, &cfg);
    ck_assert_int_eq(roam_segment_attach(&guest, g_path, &d), ROAM_OK);
    ck_assert_int_eq(roam_guest_attach(&guest, NULL, &d), ROAM_OK);
    ck_assert_int_eq(truncate(g_path, 0), 0);   /* the peer table's page is gone */
    ck_assert_int_eq(roam_segment_refresh(&guest, &d), ROAM_E_FILE_SHORT);
    roam_segment_close(&guest);
    ck_assert_int_eq(guest.fd, -1);
    roam_segment_close(&host);
}
END_TEST

/* ---- The guard ------------------------------------------------------------------*/

/* A mapping of the whole segment file, then the file cut to one page. */
static unsigned char *map_then_cut(size_t *len)
{
    roam_segment_config_t cfg = big_config();
    roam_segment_t host;
    unsigned char *m;
    int fd;

    must_create(&host, &cfg);
    *len = host.map_len;
    roam_segment_close(&host);
    fd = open(g_path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(m != MAP_FAILED);
    close(fd);
    ck_assert_int_eq(truncate(g_path, 4096), 0);
    return m;
}

START_TEST(guarded_calls_return_sigbus)
{
    roam_segment_header_plain_t snap;
    roam_sigbus_scope_t s;
    volatile int caught = 0;
    roam_diag_t d;
    size_t len;
    unsigned char *m = map_then_cut(&len);

    ck_assert(!roam_sigbus_installed());
    ck_assert_int_eq(roam_sigbus_install(&d), ROAM_OK);
    ck_assert_int_eq(roam_sigbus_install(&d), ROAM_OK);   /* idempotent */
    ck_assert(roam_sigbus_installed());

    /* The header is in the first page; the rest of the tables are not. */
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq(roam_segment_validate(m, len, &snap, &d), ROAM_E_SIGBUS);
        ck_assert_int_eq(d.err, ROAM_E_SIGBUS);
        ck_assert_msg(strstr(d.msg, "validate: SIGBUS at offset") != NULL, "%s", d.msg);
    }
    ck_assert_int_eq(roam_header_validate(m, len, 0, &snap), ROAM_OK);

    /* The application's own accesses, in a scope; scopes nest. */
    if (ROAM_SIGBUS_CAUGHT(&s)) {
        caught++;
    } else {
        roam_sigbus_enter(&s);
        ck_assert_int_eq(roam_segment_validate(m, len, &snap, &d), ROAM_E_SIGBUS);
        (void)*(volatile unsigned char *)(m + len - 1);
        roam_sigbus_leave(&s);
    }
    ck_assert_int_eq(caught, 1);
    ck_assert_ptr_eq(roam_sigbus_fault_addr(), m + len - 1);
    munmap(m, len);
}
END_TEST

/* A SIGBUS outside any scope, or one sent with kill(), still kills. */
static int unguarded_fault(void *arg)
{
    size_t len = *(size_t *)arg;
    unsigned char *m;
    int fd = open(g_path, O_RDONLY);

    roam_sigbus_install(NULL);
    m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    (void)*(volatile unsigned char *)(m + len - 1);
    return 77;   /* survived: wrong */
}

static int sent_sigbus(void *arg)
{
    roam_sigbus_scope_t s;

    (void)arg;
    roam_sigbus_install(NULL);
    if (ROAM_SIGBUS_CAUGHT(&s))
        return 3;   /* must not come back here */
    roam_sigbus_enter(&s);
    kill(getpid(), SIGBUS);
    roam_sigbus_leave(&s);
    return 4;
}

START_TEST(other_sigbus_still_kills)
{
    proc_status_t st[2];
    pid_t pids[2];
    size_t len;
    unsigned char *m = map_then_cut(&len);

    munmap(m, len);
    pids[0] = proc_spawn(unguarded_fault, &len);
    pids[1] = proc_spawn(sent_sigbus, NULL);
    proc_wait_all(pids, 2, 30000, st);
    for (int i = 0; i < 2; i++) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        /* The sanitizer's handler came first: it reports and exits non-zero. */
        ck_assert_msg(st[i].exited && st[i].code != 0 && st[i].code != 77 && st[i].code != 3 &&
                      st[i].code != 4, "child %d: exit %d signal %d", i, st[i].code, st[i].signo);
#else
        ck_assert_msg(st[i].signo == SIGBUS, "child %d: exit %d signal %d", i, st[i].code,
                      st[i].signo);
#endif
    }
}
END_TEST

/* ---- A process that truncates the file in a loop -------------------------------*/

typedef struct cutter {
    _Atomic uint32_t stop;
    _Atomic uint32_t cuts;
} cutter_t;

typedef struct cutter_arg {
    cutter_t *shared;
    const unsigned char *image;
    size_t len;
} cutter_arg_t;

/* Cut the file to one page and put it back, until told to stop. */
static int cutter(void *arg)
{
    const cutter_arg_t *a = arg;
    int fd = open(g_path, O_RDWR);

    if (fd < 0)
        return 1;
    while (!atomic_load_explicit(&a->shared->stop, memory_order_acquire)) {
        if (ftruncate(fd, 4096) != 0)
            return 2;
        atomic_fetch_add_explicit(&a->shared->cuts, 1, memory_order_relaxed);
        if (pwrite(fd, a->image + 4096, a->len - 4096, 4096) != (ssize_t)(a->len - 4096))
            return 3;
        /* Whole for a moment, so that guests map it before the next cut. */
        proc_sleep_ms(1);
    }
    close(fd);
    return 0;
}

/* Outcomes of the victim's calls, by error code. */
static uint32_t g_seen[ROAM_E__COUNT];

static void seen(roam_err_t err)
{
    if ((unsigned)err < ROAM_E__COUNT)
        g_seen[err]++;
}

/* What a guest does all day, while the file is being cut under it. */
static void guest_round(void)
{
    roam_sigbus_scope_t s;
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;

    err = roam_segment_attach(&seg, g_path, &d);
    seen(err);
    if (err != ROAM_OK)
        return;
    for (int i = 0; i < 20; i++) {
        seen(roam_segment_refresh(&seg, &d));
        if (seg.peer_index == ROAM_NO_PEER)
            seen(roam_guest_attach(&seg, NULL, &d));
        else
            seen(roam_guest_heartbeat(&seg, roam_clock_now_ns(), &d));
        seen(roam_segment_validate(seg.base, seg.map_len, NULL, &d));
        /* Routing reads the class headers: the application's scope. */
        if (ROAM_SIGBUS_CAUGHT(&s)) {
            seen(ROAM_E_SIGBUS);
        } else {
            roam_sigbus_enter(&s);
            for (uint32_t n = 0; n < 70000; n += 997)
                roam_frame_route(seg.base, &seg.snap, n, NULL);
            roam_sigbus_leave(&s);
        }
    }
    roam_segment_close(&seg);
}

START_TEST(survives_truncation_loop)
{
    roam_segment_config_t cfg = big_config();
    cutter_t *sh = proc_shared_alloc(sizeof *sh);
    uint64_t deadline = proc_deadline_ms(LOOP_MS);
    uint64_t deadline_max = proc_deadline_ms(LOOP_MAX_MS);
    cutter_arg_t arg;
    roam_segment_t host;
    proc_status_t st;
    unsigned char *image;
    uint32_t rounds = 0;
    pid_t pid;

    ck_assert_ptr_nonnull(sh);
    ck_assert_int_eq(roam_sigbus_install(NULL), ROAM_OK);
    must_create(&host, &cfg);
    image = malloc(host.map_len);
    ck_assert_ptr_nonnull(image);
    memcpy(image, host.base, host.map_len);
    arg = (cutter_arg_t){sh, image, host.map_len};
    roam_segment_close(&host);

    memset(g_seen, 0, sizeof g_seen);
    pid = proc_spawn(cutter, &arg);
    ck_assert_int_gt(pid, 0);
    /* LOOP_MS or LOOP_SIGBUS faults, and past LOOP_MS (up to
     * LOOP_MAX_MS) until there is one, however the cutter is scheduled. */
    while (g_seen[ROAM_E_SIGBUS] < LOOP_SIGBUS &&
           (!proc_past(deadline) || (g_seen[ROAM_E_SIGBUS] == 0 && !proc_past(deadline_max)))) {
        guest_round();
        rounds++;
    }
    atomic_store_explicit(&sh->stop, 1, memory_order_release);
    proc_wait_all(&pid, 1, 30000, &st);
    ck_assert_msg(st.exited && st.code == 0, "cutter: exit %d signal %d", st.code, st.signo);

    printf("truncation loop: %u rounds, %u cuts, %u ok, %u SIGBUS, %u file short, "
           "%u mapping short\n", rounds, atomic_load(&sh->cuts), g_seen[ROAM_OK],
           g_seen[ROAM_E_SIGBUS], g_seen[ROAM_E_FILE_SHORT], g_seen[ROAM_E_MAPPING_SHORT]);
    /* Still alive, and the guard was what kept us so. */
    ck_assert_uint_gt(atomic_load(&sh->cuts), 0);
    ck_assert_uint_gt(g_seen[ROAM_E_SIGBUS], 0);
    free(image);
    proc_shared_free(sh, sizeof *sh);
}
END_TEST

/* ---- A sealed memory file cannot be cut at all -----------------------------------*/

START_TEST(memfd_cannot_shrink)
{
    roam_segment_config_t cfg = big_config();
    roam_segment_t host, guest;
    roam_diag_t d;
    uint64_t total;

    ck_assert_msg(roam_segment_create_memfd(&host, "roam-test", &cfg, &d) == ROAM_OK, "%s", d.msg);
    ck_assert(host.is_host);
    total = host.map_len;
    ck_assert_int_eq(roam_segment_attach_fd(&guest, host.fd, &d), ROAM_OK);
    ck_assert_int_ne(guest.fd, host.fd);
    ck_assert_int_eq(roam_guest_attach(&guest, NULL, &d), ROAM_OK);

    /* Nobody shrinks it, nobody adds a seal; the host still grows it. */
    ck_assert_int_eq(ftruncate(guest.fd, 4096), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(fcntl(guest.fd, F_ADD_SEALS, F_SEAL_GROW), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(roam_segment_grow(&host, total + 65536, &d), ROAM_OK);
    ck_assert_int_eq(roam_segment_refresh(&guest, &d), ROAM_OK);
    ck_assert_uint_eq(guest.map_len, total + 65536);
    ck_assert_int_eq(roam_guest_detach(&guest, &d), ROAM_OK);
    roam_segment_close(&guest);
    roam_segment_close(&host);
}
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("hostile");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, grow_ignores_shared_current_size);
    tcase_add_test(tc, close_after_short_refresh);
    tcase_add_test(tc, guarded_calls_return_sigbus);
    tcase_add_test(tc, other_sigbus_still_kills);
    tcase_add_test(tc, survives_truncation_loop);
    tcase_add_test(tc, memfd_cannot_shrink);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(hostile_suite());
}
