/*
 * The roam-shm tool against what users and file systems do: one message
 * and exit code per condition in every command, write errors reported,
 * FIFOs and devices refused at once, memory independent of the segment's
 * size, owner-only files, a heartbeat by default, and no half-made file
 * under the target name whatever happens to `create`.
 *
 * Environment: ROAM_SHM_CLI (the binary), ROAM_TEST_FIXTURES.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_run.h"
#include "proc_util.h"
#include "test_run.h"

/* Any hang is a failure, found quickly. */
#define RUN_TIMEOUT_MS 10000u
/* Peak memory the tool may use, whatever the segment's size. */
#define RSS_LIMIT_KB (64 * 1024)

static char *root;
static char *tmp;

static void setup(void)
{
    tmp = cli_tmpdir_make(root);
    ck_assert_ptr_nonnull(tmp);
}

static void teardown(void)
{
    cli_tmpdir_remove(tmp);
    tmp = NULL;
}

static char *scratch(const char *name)
{
    return cli_path(tmp, name);
}

/* Run the tool with a timeout; stdout to stdout_path when not NULL. */
static int run_to(cli_result_t *r, const char *stdout_path, const char *const *argv)
{
    const cli_run_opts_t o = {stdout_path, RUN_TIMEOUT_MS};

    cli_runv_opts(r, &o, argv);
    ck_assert_msg(!r->timed_out, "%s %s: still running after %u ms", argv[1],
                  argv[2] != NULL ? argv[2] : "", RUN_TIMEOUT_MS);
    return r->status;
}

/* The worked example at path. */
static void create_example(const char *path)
{
    cli_result_t r;
    const char *argv[] = {"roam-shm", "create", path, "--max-guests", "3", "--bipbuf-capacity",
                          "256", "--max-payload-size", "4096", "--size-class", "512:3",
                          "--size-class", "4096:1", NULL};

    run_to(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "create: %s", r.err);
    cli_result_free(&r);
}

/* The first line of text (up to and without its newline). */
static char *first_line(const char *text)
{
    const char *nl = strchr(text, '\n');

    return strndup(text, nl != NULL ? (size_t)(nl - text) : strlen(text));
}

/* ---- One voice: same condition, same message, same exit code ------------------*/

/* What to make at path, and what every command must say about it. */
typedef struct condition {
    const char *name;
    void (*make)(const char *path);
    int exit_code;
    const char *message;   /* after "PATH: " */
} condition_t;

static void make_nothing(const char *path) { (void)path; }

static void make_dir(const char *path) { ck_assert_int_eq(mkdir(path, 0700), 0); }

static void make_fifo(const char *path) { ck_assert_int_eq(mkfifo(path, 0600), 0); }

static void make_socket(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    ck_assert_uint_lt(strlen(path), sizeof a.sun_path);
    strcpy(a.sun_path, path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    close(fd);
}

static void make_bytes(const char *path, size_t len)
{
    void *zeros = calloc(1, len + 1);

    ck_assert_int_eq(cli_write_file(path, zeros, len), 0);
    free(zeros);
}

static void make_empty(const char *path) { make_bytes(path, 0); }
static void make_short(const char *path) { make_bytes(path, 100); }

/* The worked example with edit() applied to its bytes. */
static void make_edited(const char *path, void (*edit)(unsigned char *b, size_t *len))
{
    size_t len;
    unsigned char *b;

    create_example(path);
    b = cli_read_file(path, &len);
    ck_assert_ptr_nonnull(b);
    edit(b, &len);
    ck_assert_int_eq(cli_write_file(path, b, len), 0);
    free(b);
}

static void bad_magic(unsigned char *b, size_t *len) { (void)len; b[0] ^= 0xff; }
static void cut_short(unsigned char *b, size_t *len) { (void)b; *len -= 64; }

static void bad_peer_state(unsigned char *b, size_t *len)
{
    roam_segment_header_plain_t snap;

    ck_assert_int_eq(roam_header_validate(b, *len, 0, &snap), ROAM_OK);
    roam_peer_entry_store_state(roam_segment_peer(b, &snap, 1), 7);
}

static void make_bad_magic(const char *path) { make_edited(path, bad_magic); }
static void make_cut_short(const char *path) { make_edited(path, cut_short); }
static void make_bad_peer(const char *path) { make_edited(path, bad_peer_state); }

static const condition_t conditions[] = {
    {"missing", make_nothing, 2, "open: No such file or directory"},
    {"directory", make_dir, 2, "not a regular file (a directory)"},
    {"FIFO", make_fifo, 2, "not a regular file (a FIFO)"},
    {"socket", make_socket, 2, "not a regular file (a socket)"},
    {"empty", make_empty, 1, "buffer is shorter than the 128-byte segment header"},
    {"100 bytes", make_short, 1, "buffer is shorter than the 128-byte segment header"},
    {"bad magic", make_bad_magic, 1, "bad magic: not a roam v7 segment"},
    {"cut short", make_cut_short, 1, "mapping is shorter than current_size"},
    {"bad peer", make_bad_peer, 1, "peer 1: state 7 is not a peer state"},
};

START_TEST(one_message_per_condition)
{
    static const char *const cmds[][2] = {
        {"validate", NULL}, {"dump", NULL}, {"dump", "--json"}, {"goodbye", NULL},
    };
    const condition_t *c = &conditions[_i];
    char *path = scratch("target");
    char want[600];

    c->make(path);
    snprintf(want, sizeof want, "%s: %s", path, c->message);
    for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
        const char *argv[5] = {"roam-shm", cmds[k][0], cmds[k][1] != NULL ? cmds[k][1] : path,
                               cmds[k][1] != NULL ? path : NULL, NULL};
        cli_result_t r;
        char *line;

        run_to(&r, NULL, argv);
        line = first_line(r.err);
        ck_assert_msg(r.status == c->exit_code, "%s: %s %s: exit %d, expected %d (%s)", c->name,
                      cmds[k][0], cmds[k][1] != NULL ? cmds[k][1] : "", r.status, c->exit_code,
                      r.err);
        ck_assert_msg(strcmp(line, want) == 0, "%s: %s said '%s', expected '%s'", c->name,
                      cmds[k][0], line, want);
        free(line);
        cli_result_free(&r);
    }
    free(path);
}
END_TEST

START_TEST(peers_named_alike)
{
    /* "peer 1" in a message is peers.1 in a dump, whose peer_id is 2. */
    char *path = scratch("seg");
    cli_result_t r;
    const char *dump[] = {"roam-shm", "dump", "--partial", path, NULL};

    make_bad_peer(path);
    run_to(&r, NULL, dump);
    ck_assert_int_eq(r.status, 1);
    ck_assert(strstr(r.err, "peer 1: state 7") != NULL);
    ck_assert(cli_has_line(r.out, "peers.1.peer_id=2"));
    ck_assert(cli_has_line(r.out, "peers.1.state=7"));
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(goodbye_touches_only_valid_segments)
{
    /* A segment goodbye refused is left byte for byte as it was. */
    char *path = scratch("seg");
    const char *argv[] = {"roam-shm", "goodbye", path, NULL};
    size_t len, len2;
    unsigned char *before, *after;
    cli_result_t r;

    make_bad_peer(path);
    before = cli_read_file(path, &len);
    run_to(&r, NULL, argv);
    ck_assert_int_eq(r.status, 1);
    cli_result_free(&r);
    after = cli_read_file(path, &len2);
    ck_assert(len == len2 && memcmp(before, after, len) == 0);
    free(before);
    free(after);
    free(path);
}
END_TEST

/* ---- Honest exits ------------------------------------------------------------*/

START_TEST(write_errors_are_errors)
{
    char *path = scratch("seg");
    const char *const runs[][5] = {
        {"roam-shm", "dump", path, NULL},
        {"roam-shm", "dump", "--json", path, NULL},
        {"roam-shm", "validate", path, NULL},
        {"roam-shm", "--help", NULL},
        {"roam-shm", "--version", NULL},
        {"roam-shm", "create", "--help", NULL},
    };

    create_example(path);
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        cli_result_t r;

        run_to(&r, "/dev/full", runs[i]);
        ck_assert_msg(r.status == 2, "%s %s > /dev/full: exit %d", runs[i][1],
                      runs[i][2] != NULL ? runs[i][2] : "", r.status);
        ck_assert_msg(strstr(r.err, "roam-shm: cannot write the output: No space left on device") !=
                      NULL, "%s", r.err);
        cli_result_free(&r);
    }
    free(path);
}
END_TEST

START_TEST(version_and_help_exit_zero)
{
    static const char *const runs[][3] = {
        {"roam-shm", "--version", NULL}, {"roam-shm", "--help", NULL}, {"roam-shm", "-h", NULL},
    };
    char want[64];

    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        cli_result_t r;

        run_to(&r, NULL, runs[i]);
        ck_assert_msg(r.status == 0, "%s: exit %d", runs[i][1], r.status);
        ck_assert_str_eq(r.err, "");
        ck_assert_uint_gt(strlen(r.out), 0);
        if (i == 0) {
            snprintf(want, sizeof want, "roam-shm %s", roam_shm_version_string());
            ck_assert(cli_has_line(r.out, want));
        }
        cli_result_free(&r);
    }
}
END_TEST

/* ---- Memory and time independent of the segment's size ------------------------*/

START_TEST(memory_independent_of_size)
{
    /* 256 MiB of 1 MiB slots: a quarter gigabyte, nearly all of it holes. */
    char *path = scratch("big.seg");
    char *sparse = scratch("sparse");
    const char *create[] = {"roam-shm", "create", path, "--max-guests", "4",
                            "--bipbuf-capacity", "65536", "--max-payload-size", "1048576",
                            "--size-class", "1048576:256", NULL};
    const char *const reads[][5] = {
        {"roam-shm", "validate", path, NULL},
        {"roam-shm", "dump", path, NULL},
        {"roam-shm", "goodbye", path, NULL},
        {"roam-shm", "validate", "--header-only", sparse, NULL},
    };
    unsigned char hdr[ROAM_SEGMENT_HEADER_SIZE];
    cli_result_t r;
    size_t len;
    char *fixture_path;
    void *fixture;
    int fd;

    run_to(&r, NULL, create);
    ck_assert_msg(r.status == 0, "%s", r.err);
    printf("create 256 MiB: %ld KiB peak, %.3f s CPU\n", r.maxrss_kb, r.cpu_s);
    ck_assert_int_lt(r.maxrss_kb, RSS_LIMIT_KB);
    cli_result_free(&r);

    /* A 2 GiB file (a hole) behind roam's header: --header-only reads 128 bytes. */
    ck_assert_ptr_nonnull(getenv("ROAM_TEST_FIXTURES"));
    fixture_path = cli_path(getenv("ROAM_TEST_FIXTURES"), "roam-header-a.bin");
    fixture = cli_read_file(fixture_path, &len);
    ck_assert_ptr_nonnull(fixture);
    memcpy(hdr, fixture, sizeof hdr);
    free(fixture);
    free(fixture_path);
    fd = open(sparse, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
    ck_assert_int_eq(ftruncate(fd, (off_t)2 << 30), 0);
    close(fd);

    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        run_to(&r, NULL, reads[i]);
        ck_assert_msg(r.status == 0, "%s: %s", reads[i][1], r.err);
        printf("%s %s: %ld KiB peak, %.3f s CPU\n", reads[i][1], reads[i][2], r.maxrss_kb,
               r.cpu_s);
        ck_assert_int_lt(r.maxrss_kb, RSS_LIMIT_KB);
        ck_assert(r.cpu_s < 2.0);
        cli_result_free(&r);
    }
    free(sparse);
    free(path);
}
END_TEST

START_TEST(devices_refused_at_once)
{
    static const char *const cmds[][2] = {
        {"validate", NULL}, {"validate", "--header-only"}, {"dump", NULL}, {"goodbye", NULL},
    };
    static const char *const devices[][2] = {
        {"/dev/zero", "a character device"},
        {"/dev/null", "a character device"},
        {"/dev/urandom", "a character device"},
    };

    for (size_t d = 0; d < sizeof devices / sizeof devices[0]; d++) {
        for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
            const char *argv[5] = {"roam-shm", cmds[k][0],
                                   cmds[k][1] != NULL ? cmds[k][1] : devices[d][0],
                                   cmds[k][1] != NULL ? devices[d][0] : NULL, NULL};
            char want[128];
            cli_result_t r;

            run_to(&r, NULL, argv);
            snprintf(want, sizeof want, "%s: not a regular file (%s)\n", devices[d][0],
                     devices[d][1]);
            ck_assert_msg(r.status == 2, "%s %s: exit %d", cmds[k][0], devices[d][0], r.status);
            ck_assert_str_eq(r.err, want);
            ck_assert(r.wall_s < 2.0);
            cli_result_free(&r);
        }
    }
}
END_TEST

/* ---- Files the tool creates --------------------------------------------------*/

static uint32_t mode_of(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

START_TEST(owner_only_files)
{
    char *path = scratch("seg");
    char *wide = scratch("wide");
    const char *base[] = {"roam-shm", "create", NULL, "--max-guests", "3", "--bipbuf-capacity",
                          "256", "--max-payload-size", "4096", "--size-class", "512:3",
                          NULL, NULL, NULL};
    static const char *const bad[] = {"0400", "0200", "1600", "4600", "17777"};
    static const char *const unparsable[] = {"rw", "0x180", "", "06000000", "8"};
    cli_result_t r;

    /* Owner-only, even under umask 000 (the tool inherits it). */
    umask(0);
    base[2] = path;
    run_to(&r, NULL, base);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cli_result_free(&r);
    ck_assert_uint_eq(mode_of(path), 0600);

    /* Wider only when asked, exactly as asked. */
    umask(077);
    base[2] = wide;
    base[11] = "--mode";
    base[12] = "0640";
    run_to(&r, NULL, base);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cli_result_free(&r);
    ck_assert_uint_eq(mode_of(wide), 0640);

    /* Modes the owner cannot use, or with special bits: bad parameters. */
    unlink(wide);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        base[12] = bad[i];
        run_to(&r, NULL, base);
        ck_assert_msg(r.status == 2, "--mode %s: exit %d", bad[i], r.status);
        ck_assert_msg(strstr(r.err, "bad parameters") != NULL, "%s", r.err);
        ck_assert(!cli_exists(wide));
        cli_result_free(&r);
    }
    for (size_t i = 0; i < sizeof unparsable / sizeof unparsable[0]; i++) {
        base[12] = unparsable[i];
        run_to(&r, NULL, base);
        ck_assert_msg(r.status == 2, "--mode '%s': exit %d", unparsable[i], r.status);
        ck_assert(strstr(r.err, "--mode") != NULL);
        cli_result_free(&r);
    }
    ck_assert_int_eq(cli_dir_entries(tmp), 1);
    free(wide);
    free(path);
}
END_TEST

START_TEST(heartbeat_on_by_default)
{
    char *path = scratch("seg");
    char *off = scratch("off");
    char want[64];
    const char *dump[] = {"roam-shm", "dump", path, NULL};
    const char *create_off[] = {"roam-shm", "create", off, "--max-guests", "3",
                                "--bipbuf-capacity", "256", "--max-payload-size", "4096",
                                "--size-class", "512:3", "--heartbeat-interval", "0", NULL};
    cli_result_t r;

    create_example(path);
    run_to(&r, NULL, dump);
    snprintf(want, sizeof want, "heartbeat_interval=%llu",
             (unsigned long long)CLI_DEFAULT_HEARTBEAT_NS);
    ck_assert_msg(cli_has_line(r.out, want), "no '%s' in %s", want, r.out);
    ck_assert_uint_gt(CLI_DEFAULT_HEARTBEAT_NS, 0);
    cli_result_free(&r);

    /* Off only when asked. */
    run_to(&r, NULL, create_off);
    ck_assert_int_eq(r.status, 0);
    cli_result_free(&r);
    dump[2] = off;
    run_to(&r, NULL, dump);
    ck_assert(cli_has_line(r.out, "heartbeat_interval=0"));
    cli_result_free(&r);
    free(off);
    free(path);
}
END_TEST

/* A create that takes a while (tens of ms): half a million slots to link. */
static const char *const slow_create[] = {
    "roam-shm", "create", NULL, "--max-guests", "4", "--bipbuf-capacity", "1024",
    "--max-payload-size", "64", "--size-class", "64:500000", NULL,
};

/* The signals that ask the tool to stop, which the tests send it. */
static const int stop_sigs[] = {SIGTERM, SIGINT, SIGHUP};
#define STOP_SIGS (sizeof stop_sigs / sizeof stop_sigs[0])

/* Start the slow create of path; its pid. The child gets the default
 * action for the signals the tests send before it can receive one: until
 * exec it runs with the test runner's handlers, and Check's SIGTERM and
 * SIGINT handler would end the whole test's process group. */
static pid_t start_slow_create(const char *path)
{
    const char *argv[sizeof slow_create / sizeof slow_create[0]];
    sigset_t block, old;
    pid_t pid;

    memcpy(argv, slow_create, sizeof argv);
    argv[2] = path;
    argv[0] = getenv("ROAM_SHM_CLI");
    sigemptyset(&block);
    for (size_t i = 0; i < STOP_SIGS; i++)
        sigaddset(&block, stop_sigs[i]);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        for (size_t i = 0; i < STOP_SIGS; i++)
            signal(stop_sigs[i], SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    ck_assert_int_gt(pid, 0);
    return pid;
}

/* The target is absent, or holds the whole, valid segment. */
static void expect_absent_or_whole(const char *path, const char *when)
{
    const char *argv[] = {"roam-shm", "validate", path, NULL};
    cli_result_t r;

    if (!cli_exists(path))
        return;
    run_to(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "%s: the target holds a half-made segment: %s", when, r.err);
    cli_result_free(&r);
}

/* How long one slow create takes here, in ms (at least 1): the signals
 * below are spread over that time, so that they land before, during and
 * after each of its steps whatever the machine's speed. */
static uint32_t slow_create_ms(const char *path)
{
    uint64_t t0 = roam_clock_now_ns();
    pid_t pid = start_slow_create(path);
    int st;
    uint64_t ms;

    waitpid(pid, &st, 0);
    ms = (roam_clock_now_ns() - t0) / 1000000u;
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the slow create failed: %d", st);
    unlink(path);
    return ms > 0 ? (uint32_t)ms : 1;
}

/* The k-th of SIGNAL_STEPS delays: 0 to 5/4 of the create's time. */
#define SIGNAL_STEPS 11u
static uint32_t signal_delay_ms(uint32_t create_ms, uint32_t k)
{
    return create_ms * k / 8u;
}

START_TEST(killed_create_leaves_no_half_file)
{
    char *path = scratch("seg");
    uint32_t create_ms = slow_create_ms(path);

    for (uint32_t k = 0; k < SIGNAL_STEPS; k++) {
        char when[64];
        int st;
        uint32_t delay = signal_delay_ms(create_ms, k);
        pid_t pid = start_slow_create(path);

        proc_sleep_ms(delay);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        snprintf(when, sizeof when, "killed after %u of %u ms", delay, create_ms);
        expect_absent_or_whole(path, when);
        unlink(path);
    }
    free(path);
}
END_TEST

START_TEST(interrupted_create_finishes_or_cleans_up)
{
    /* SIGINT/SIGTERM/SIGHUP wait until the segment is in place, then end
     * the tool: the target is whole and no temporary is left. */
    char *path = scratch("seg");
    uint32_t create_ms = slow_create_ms(path);

    for (uint32_t k = 0; k < SIGNAL_STEPS; k++) {
        int st, sig = stop_sigs[k % STOP_SIGS];
        pid_t pid = start_slow_create(path);

        proc_sleep_ms(signal_delay_ms(create_ms, k));
        kill(pid, sig);
        waitpid(pid, &st, 0);
        expect_absent_or_whole(path, strsignal(sig));
        ck_assert_int_le(cli_dir_entries(tmp), 1);
        unlink(path);
    }
    free(path);
}
END_TEST

/* The tool with its file size limited to 64 KiB: ftruncate fails. */
static int create_over_limit(void *arg)
{
    struct rlimit lim = {65536, 65536};
    const char **argv = arg;
    int null = open("/dev/null", O_WRONLY);

    signal(SIGXFSZ, SIG_IGN);
    dup2(null, STDOUT_FILENO);
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
        return 100;
    execv(getenv("ROAM_SHM_CLI"), (char *const *)argv);
    return 127;
}

START_TEST(failed_create_leaves_nothing)
{
    const char *argv[sizeof slow_create / sizeof slow_create[0] + 1];
    char *path = scratch("seg");
    proc_status_t st;
    pid_t pid;

    memcpy(argv, slow_create, sizeof slow_create);
    argv[2] = path;
    pid = proc_spawn(create_over_limit, argv);
    proc_wait_all(&pid, 1, RUN_TIMEOUT_MS, &st);
    ck_assert_msg(st.exited && st.code == 2, "exit %d signal %d", st.code, st.signo);
    ck_assert_int_eq(cli_dir_entries(tmp), 0);

    /* --force over an existing segment: the old one stays, nothing else. */
    create_example(path);
    argv[11] = "--force";
    argv[12] = NULL;
    pid = proc_spawn(create_over_limit, argv);
    proc_wait_all(&pid, 1, RUN_TIMEOUT_MS, &st);
    ck_assert_msg(st.exited && st.code == 2, "exit %d signal %d", st.code, st.signo);
    ck_assert_int_eq(cli_dir_entries(tmp), 1);
    expect_absent_or_whole(path, "after a failed --force");
    free(path);
}
END_TEST

static Suite *cli_robust_suite(void)
{
    Suite *s = suite_create("cli_robust");
    TCase *tc = tcase_create("cli_robust");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, one_message_per_condition, 0,
                        (int)(sizeof conditions / sizeof conditions[0]));
    tcase_add_test(tc, peers_named_alike);
    tcase_add_test(tc, goodbye_touches_only_valid_segments);
    tcase_add_test(tc, write_errors_are_errors);
    tcase_add_test(tc, version_and_help_exit_zero);
    tcase_add_test(tc, memory_independent_of_size);
    tcase_add_test(tc, devices_refused_at_once);
    tcase_add_test(tc, owner_only_files);
    tcase_add_test(tc, heartbeat_on_by_default);
    tcase_add_test(tc, killed_create_leaves_no_half_file);
    tcase_add_test(tc, interrupted_create_finishes_or_cleans_up);
    tcase_add_test(tc, failed_create_leaves_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cli_run_suite_in_tmpdir(cli_robust_suite(), &root);
}
