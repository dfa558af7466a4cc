/*
 * Segment files as the file system sees them: never half-made under the
 * target name, no temporary left behind, owner-only unless asked, and a
 * stale file (its host died) recognised by guests and replaced by the
 * next host, while a live host's file is never touched.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli_run.h"
#include "proc_util.h"
#include "roam_segment.h"
#include "test_run.h"

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

static roam_segment_config_t config(uint32_t tag)
{
    static const roam_size_class_t classes[] = {{512, 8}, {4096, 2}};

    return (roam_segment_config_t){
        .max_guests = 4, .bipbuf_capacity = 1024, .max_payload_size = tag,
        .heartbeat_interval = 100000000, .num_classes = 2, .classes = classes,
    };
}

/* A configuration whose init takes a while: many slots to link. */
static roam_segment_config_t slow_config(void)
{
    static const roam_size_class_t classes[] = {{64, 2000000}};

    return (roam_segment_config_t){
        .max_guests = 4, .bipbuf_capacity = 1024, .max_payload_size = 64,
        .num_classes = 1, .classes = classes,
    };
}

/* The max_payload_size of the segment at path, attaching as a guest. */
static uint32_t attached_tag(void)
{
    roam_segment_t seg;
    roam_diag_t d;
    uint32_t tag;

    ck_assert_msg(roam_segment_attach(&seg, g_path, &d) == ROAM_OK, "attach: %s", d.msg);
    tag = roam_segment_header_plain_max_payload_size(&seg.snap);
    roam_segment_close(&seg);
    return tag;
}

/* ---- Stale files -------------------------------------------------------------*/

/* A host that dies right after creating: its lock dies with it. */
static int create_then_die(void *arg)
{
    roam_segment_config_t cfg = config(*(uint32_t *)arg);
    roam_segment_t seg;

    if (roam_segment_create(&seg, g_path, &cfg, NULL) != ROAM_OK)
        return 1;
    raise(SIGKILL);
    return 2;
}

START_TEST(stale_file_replaced_live_file_kept)
{
    roam_segment_config_t cfg = config(1001);
    roam_create_opts_t replace = {ROAM_CREATE_REPLACE_STALE, 0};
    roam_segment_t host, other;
    proc_status_t st;
    uint32_t tag = 1000;
    roam_diag_t d;
    bool alive = true;
    pid_t pid;

    /* A host killed after creating leaves a complete file nobody holds. */
    pid = proc_spawn(create_then_die, &tag);
    proc_wait_all(&pid, 1, 30000, &st);
    ck_assert_int_eq(st.signo, SIGKILL);
    ck_assert_int_eq(roam_segment_host_alive(g_path, &alive, &d), ROAM_OK);
    ck_assert(!alive);

    /* A restarted host is told it is stale, and may replace it. */
    ck_assert_int_eq(roam_segment_create(&host, g_path, &cfg, &d), ROAM_E_EXISTS);
    ck_assert_msg(strstr(d.msg, "no host holds it") != NULL, "%s", d.msg);
    ck_assert_msg(roam_segment_create_ex(&host, g_path, &cfg, &replace, &d) == ROAM_OK, "%s",
                  d.msg);
    ck_assert_uint_eq(attached_tag(), 1001);
    ck_assert_int_eq(roam_segment_host_alive(g_path, &alive, &d), ROAM_OK);
    ck_assert(alive);

    /* A live host's file is never replaced, nor created over. */
    cfg.max_payload_size = 1002;
    ck_assert_int_eq(roam_segment_create_ex(&other, g_path, &cfg, &replace, &d), ROAM_E_HOST_LIVE);
    ck_assert_int_eq(roam_segment_create(&other, g_path, &cfg, &d), ROAM_E_EXISTS);
    ck_assert_msg(strstr(d.msg, "a live host holds it") != NULL, "%s", d.msg);
    ck_assert_uint_eq(attached_tag(), 1001);
    ck_assert_int_eq(cli_dir_entries(g_dir), 1);

    /* Once the host closes, its file is stale too. */
    roam_segment_close(&host);
    ck_assert_int_eq(roam_segment_host_alive(g_path, &alive, &d), ROAM_OK);
    ck_assert(!alive);
    ck_assert_int_eq(roam_segment_create_ex(&other, g_path, &cfg, &replace, &d), ROAM_OK);
    ck_assert_uint_eq(attached_tag(), 1002);
    roam_segment_close(&other);
    ck_assert_int_eq(cli_dir_entries(g_dir), 1);
}
END_TEST

START_TEST(guests_recognise_a_stale_file)
{
    /* What a host killed while creating in place leaves: sized, magic zero. */
    roam_segment_config_t cfg = config(2001);
    roam_create_opts_t replace = {ROAM_CREATE_REPLACE_STALE, 0};
    roam_segment_t seg;
    roam_diag_t d;
    uint64_t t0;
    int fd = open(g_path, O_RDWR | O_CREAT | O_EXCL, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 65536), 0);
    close(fd);

    /* A guest does not wait forever: stale at once, or after the grace. */
    ck_assert_int_eq(roam_segment_attach(&seg, g_path, &d), ROAM_E_STALE);
    ck_assert_msg(strstr(d.msg, "no host holds the segment lock") != NULL, "%s", d.msg);
    t0 = roam_clock_now_ns();
    ck_assert_int_eq(roam_segment_attach_timeout(&seg, g_path, 60000, &d), ROAM_E_STALE);
    ck_assert_uint_lt(roam_clock_now_ns() - t0, 10000000000u);

    /* A waiting guest gets the replacement as soon as a host makes it. */
    ck_assert_int_eq(roam_segment_create_ex(&seg, g_path, &cfg, &replace, &d), ROAM_OK);
    ck_assert_uint_eq(attached_tag(), 2001);
    roam_segment_close(&seg);
}
END_TEST

/* ---- Never half-made, never a temporary left -----------------------------------*/

/* Create the slow segment; killed by the parent at some point. */
static int create_slowly(void *arg)
{
    roam_segment_config_t cfg = slow_config();
    roam_segment_t seg;

    (void)arg;
    return roam_segment_create(&seg, g_path, &cfg, NULL) == ROAM_OK ? 0 : 1;
}

START_TEST(killed_create_leaves_no_half_file)
{
    static const uint32_t delays_ms[] = {0, 1, 2, 5, 10, 20, 40};

    for (size_t i = 0; i < sizeof delays_ms / sizeof delays_ms[0]; i++) {
        roam_segment_t seg;
        proc_status_t st;
        roam_diag_t d;
        pid_t pid = proc_spawn(create_slowly, NULL);

        proc_sleep_ms(delays_ms[i]);
        kill(pid, SIGKILL);
        proc_wait_all(&pid, 1, 30000, &st);
        /* Either nothing under the target name, or the whole segment. */
        if (cli_exists(g_path)) {
            roam_err_t err = roam_segment_attach(&seg, g_path, &d);

            ck_assert_msg(err == ROAM_OK, "killed after %u ms: left %s (%s)", delays_ms[i],
                          roam_errname(err), d.msg);
            roam_segment_close(&seg);
            unlink(g_path);
        }
    }
}
END_TEST

/* A child whose file size limit stops ftruncate half way. */
static int create_over_limit(void *arg)
{
    struct rlimit lim = {65536, 65536};
    roam_segment_config_t cfg = slow_config();
    roam_create_opts_t *opts = arg;
    roam_segment_t seg;
    roam_diag_t d;
    roam_err_t err;

    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 100;
    err = roam_segment_create_ex(&seg, g_path, &cfg, opts, &d);
    if (err != ROAM_E_IO || strstr(d.msg, "ftruncate") == NULL) {
        fprintf(stderr, "create: %s: %s\n", roam_errname(err), d.msg);
        return 101;
    }
    return 0;
}

START_TEST(failed_create_removes_its_temporary)
{
    roam_create_opts_t replace = {ROAM_CREATE_REPLACE_STALE, 0};
    roam_segment_config_t cfg = config(3001);
    roam_segment_t seg;
    proc_status_t st;
    roam_diag_t d;
    pid_t pid;

    /* A create that fails half way leaves the directory empty... */
    pid = proc_spawn(create_over_limit, NULL);
    proc_wait_all(&pid, 1, 30000, &st);
    ck_assert_msg(st.exited && st.code == 0, "child: exit %d signal %d", st.code, st.signo);
    ck_assert_int_eq(cli_dir_entries(g_dir), 0);

    /* ...and a replacing one leaves the stale file as it was. */
    ck_assert_int_eq(roam_segment_create(&seg, g_path, &cfg, &d), ROAM_OK);
    roam_segment_close(&seg);
    pid = proc_spawn(create_over_limit, &replace);
    proc_wait_all(&pid, 1, 30000, &st);
    ck_assert_msg(st.exited && st.code == 0, "child: exit %d signal %d", st.code, st.signo);
    ck_assert_int_eq(cli_dir_entries(g_dir), 1);
    ck_assert_uint_eq(attached_tag(), 3001);

    /* An existing target: refused, nothing new in the directory. */
    ck_assert_int_eq(roam_segment_create(&seg, g_path, &cfg, &d), ROAM_E_EXISTS);
    ck_assert_int_eq(cli_dir_entries(g_dir), 1);
}
END_TEST

/* A file named like a temporary of the target, last written age_s ago. */
static void fake_temporary(const char *name, long age_s)
{
    char path[600];
    struct timeval tv[2];
    int fd;

    proc_path(path, sizeof path, g_dir, name);
    fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age_s;
    tv[1] = tv[0];
    ck_assert_int_eq(utimes(path, tv), 0);
}

START_TEST(abandoned_temporaries_removed)
{
    roam_segment_config_t cfg = config(4001);
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    roam_segment_t seg;
    roam_diag_t d;
    char path[600];
    int held;

    /* Old and unlocked: left by a killed create. Old but locked, or fresh:
     * another create at work. Another target's: not ours. */
    fake_temporary(".seg.roam-tmp.AAAAAA", 3600);
    fake_temporary(".seg.roam-tmp.BBBBBB", 3600);
    fake_temporary(".seg.roam-tmp.CCCCCC", 0);
    fake_temporary(".other.roam-tmp.DDDDDD", 3600);
    proc_path(path, sizeof path, g_dir, ".seg.roam-tmp.BBBBBB");
    held = open(path, O_RDWR);
    ck_assert_int_eq(fcntl(held, F_OFD_SETLK, &l), 0);

    ck_assert_int_eq(roam_segment_create(&seg, g_path, &cfg, &d), ROAM_OK);
    roam_segment_close(&seg);
    close(held);
    ck_assert_int_eq(cli_dir_entries(g_dir), 4);
    proc_path(path, sizeof path, g_dir, ".seg.roam-tmp.AAAAAA");
    ck_assert(!cli_exists(path));
}
END_TEST

/* ---- One file-mode policy --------------------------------------------------------*/

static uint32_t mode_of(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

START_TEST(owner_only_unless_asked)
{
    roam_segment_config_t cfg = config(5001);
    static const uint32_t bad[] = {01600, 04600, 02600, 0400, 0200, 0066, 010000};
    roam_create_opts_t opts = {0, 0};
    roam_segment_t seg;
    roam_diag_t d;

    /* Owner-only even under umask 000. */
    umask(0);
    ck_assert_int_eq(roam_segment_create(&seg, g_path, &cfg, &d), ROAM_OK);
    roam_segment_close(&seg);
    ck_assert_uint_eq(mode_of(g_path), ROAM_FILE_MODE_DEFAULT);
    unlink(g_path);

    /* Widened on request, exactly, whatever the umask. */
    umask(077);
    opts.mode = 0660;
    ck_assert_int_eq(roam_segment_create_ex(&seg, g_path, &cfg, &opts, &d), ROAM_OK);
    roam_segment_close(&seg);
    ck_assert_uint_eq(mode_of(g_path), 0660);
    unlink(g_path);

    /* Never special bits, never without owner read and write. */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        opts.mode = bad[i];
        ck_assert_int_eq(roam_segment_create_ex(&seg, g_path, &cfg, &opts, &d), ROAM_E_FILE_MODE);
        ck_assert_int_eq(cli_dir_entries(g_dir), 0);
    }
}
END_TEST

static Suite *files_suite(void)
{
    Suite *s = suite_create("files");
    TCase *tc = tcase_create("files");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, stale_file_replaced_live_file_kept);
    tcase_add_test(tc, guests_recognise_a_stale_file);
    tcase_add_test(tc, killed_create_leaves_no_half_file);
    tcase_add_test(tc, failed_create_removes_its_temporary);
    tcase_add_test(tc, abandoned_temporaries_removed);
    tcase_add_test(tc, owner_only_unless_asked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(files_suite());
}
