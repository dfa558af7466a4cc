/*
 * The roam-shm tool on the data path: `dump --frames` decodes every ring's
 * unread entries without consuming them, and `echo` is a loopback guest a
 * host can talk to, through the doorbell or by polling.
 *
 * Environment: ROAM_SHM_CLI (the binary).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "proc_util.h"
#include "roam_port.h"
#include "test_run.h"

static char dir[256];
static char path[300];

static void setup(void)
{
    ck_assert(proc_tmpdir_make(dir, sizeof dir));
    proc_path(path, sizeof path, dir, "data.seg");
}

static void teardown(void)
{
    proc_tmpdir_remove(dir);
}

static const roam_size_class_t k_classes[] = {{1024, 4}, {8192, 2}};

static void create_host(roam_segment_t *host, uint64_t heartbeat_ns)
{
    const roam_segment_config_t cfg = {
        .max_guests = 2, .bipbuf_capacity = 2048, .max_payload_size = 8000,
        .heartbeat_interval = heartbeat_ns, .num_classes = 2, .classes = k_classes,
    };
    roam_diag_t d;

    ck_assert_msg(roam_segment_create(host, path, &cfg, &d) == ROAM_OK, "%s", d.msg);
}

/* ---- dump --frames ---------------------------------------------------------*/

START_TEST(dump_frames_decodes_without_consuming)
{
    roam_segment_t host;
    roam_port_t hp;
    roam_diag_t d;
    cli_result_t r, again;
    char big[3000];
    uint32_t index;

    create_host(&host, 0);
    ck_assert_int_eq(roam_host_reserve(&host, &index, NULL, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&hp, &host, index, -1, 0, &d), ROAM_OK);
    memset(big, 'z', sizeof big);
    ck_assert_int_eq(roam_port_send(&hp, "hello", 5), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&hp, big, sizeof big), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&hp, "a\nb", 3), ROAM_OK);

    cli_run(&r, "dump", "--frames", path, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    const char *want[] = {
        "rings.0.peer_id=1",
        "rings.0.direction=host_to_guest",
        "rings.0.write=48",
        "rings.0.read=0",
        "rings.0.frames.0.offset=0",
        "rings.0.frames.0.kind=inline",
        "rings.0.frames.0.total_len=16",
        "rings.0.frames.0.inline_payload_len=5",
        "rings.0.frames.0.payload_len=5",
        "rings.0.frames.0.preview=hello",
        "rings.0.frames.1.kind=slot_ref",
        "rings.0.frames.1.class_idx=1",
        "rings.0.frames.1.slot_idx=0",
        "rings.0.frames.1.generation=1",
        "rings.0.frames.1.payload_len=3000",
        "rings.0.frames.1.preview=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "rings.0.frames.2.preview=a\\x0ab",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(cli_has_line(r.out, want[i]), "missing %s in\n%s", want[i], r.out);
    /* Only the ring with unread bytes is listed. */
    ck_assert_ptr_null(strstr(r.out, "rings.1."));

    /* Nothing consumed: the same again, and the guest still gets it all. */
    ck_assert_uint_eq(roam_bipbuf_header_load_read(hp.tx.hdr), 0);
    cli_run(&again, "dump", "--frames", path, NULL);
    ck_assert_str_eq(again.out, r.out);
    cli_result_free(&again);
    cli_result_free(&r);

    cli_run(&r, "dump", "--frames", "--json", path, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert(cli_json_valid(r.out));
    ck_assert_ptr_nonnull(strstr(r.out, "\"kind\":\"slot_ref\""));
    cli_result_free(&r);
    roam_segment_close(&host);
}
END_TEST

START_TEST(dump_frames_empty_and_malformed)
{
    roam_segment_t host;
    roam_port_t hp;
    roam_diag_t d;
    cli_result_t r;
    uint32_t index, off;
    char want[400];

    create_host(&host, 0);
    cli_run(&r, "dump", "--frames", path, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "");   /* no ring has anything unread */
    cli_result_free(&r);

    /* A good entry, then one whose total_len is not a multiple of 4. */
    ck_assert_int_eq(roam_host_reserve(&host, &index, NULL, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&hp, &host, index, -1, 0, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&hp, "fine", 4), ROAM_OK);
    ck_assert_int_eq(roam_ring_grant(&hp.tx, 12, &off), ROAM_OK);
    memset(hp.tx.data + off, 0, 12);
    hp.tx.data[off] = 10;
    ck_assert_int_eq(roam_ring_commit(&hp.tx, 12), ROAM_OK);

    cli_run(&r, "dump", "--frames", path, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert(cli_has_line(r.out, "rings.0.frames.0.preview=fine"));
    snprintf(want, sizeof want,
             "%s: peer 0 host_to_guest ring at 12: frame: total_len 10 is not a multiple of 4\n",
             path);
    ck_assert_str_eq(r.err, want);
    cli_result_free(&r);

    /* Not a segment: the header rule, exit 1. */
    roam_segment_header(&host)->magic[0] ^= 0xFF;
    cli_run(&r, "dump", "--frames", path, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "bad magic"));
    cli_result_free(&r);
    roam_segment_close(&host);
}
END_TEST

/* ---- echo -------------------------------------------------------------------------*/

typedef struct echo_child {
    char fd_arg[16], peer_arg[16];
    const char *argv[10];
    char out[320];
} echo_child_t;

/* exec the tool with argv, stdout into out (the doorbell fd, if any, kept open). */
static int exec_echo(void *arg)
{
    echo_child_t *c = arg;
    int fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const char *cli = getenv("ROAM_SHM_CLI");
    long doorbell = c->fd_arg[0] != '\0' ? strtol(c->fd_arg, NULL, 10) : -1;

    if (fd < 0 || dup2(fd, 1) < 0 || cli == NULL)
        return 120;
    if (doorbell >= 0 && fcntl((int)doorbell, F_SETFD, 0) != 0)
        return 121;
    execv(cli, (char *const *)(uintptr_t)c->argv);
    return 122;
}

/* Send n messages of varied sizes on p, expecting each back unchanged. */
static void exchange(roam_port_t *p, uint32_t n, uint64_t *bytes)
{
    static char msg[7000];
    roam_rx_t m;

    *bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = (i * 131u) % sizeof msg;

        for (uint32_t k = 0; k < len; k++)
            msg[k] = (char)(i + k);
        ck_assert_int_eq(roam_port_send_wait(p, msg, len, 10000), ROAM_OK);
        ck_assert_int_eq(roam_port_recv_wait(p, &m, 10000), ROAM_OK);
        ck_assert_uint_eq(m.len, len);
        ck_assert(memcmp(m.data, msg, len) == 0);
        ck_assert_int_eq(roam_port_done(p, &m), ROAM_OK);
        *bytes += len;
    }
}

/* The child's stdout, once it has exited. */
static char *child_output(const echo_child_t *c)
{
    size_t len;
    char *s = cli_read_file(c->out, &len);

    ck_assert(s != NULL);
    return s;
}

START_TEST(echo_on_the_doorbell)
{
    roam_segment_t host;
    roam_port_t hp;
    roam_diag_t d;
    echo_child_t *c = proc_shared_alloc(sizeof *c);
    proc_status_t st;
    uint64_t bytes;
    uint32_t index;
    int fds[2];
    char line[128];
    pid_t pid;

    create_host(&host, 20000000);   /* the echo keeps beating */
    ck_assert_int_eq(roam_host_reserve(&host, &index, NULL, &d), ROAM_OK);
    ck_assert_int_eq(roam_doorbell_pair(fds, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&hp, &host, index, fds[0], 0, &d), ROAM_OK);
    snprintf(c->fd_arg, sizeof c->fd_arg, "%d", fds[1]);
    snprintf(c->peer_arg, sizeof c->peer_arg, "%u", index);
    proc_path(c->out, sizeof c->out, dir, "echo.out");
    const char *argv[] = {"roam-shm", "echo", "--peer", c->peer_arg, "--doorbell-fd", c->fd_arg,
                          path, NULL};
    memcpy(c->argv, argv, sizeof argv);
    pid = proc_spawn(exec_echo, c);
    ck_assert(pid > 0);
    close(fds[1]);

    exchange(&hp, 500, &bytes);
    /* Heartbeats keep it alive across a pause longer than two intervals. */
    proc_sleep_ms(100);
    ck_assert(!roam_host_peer_dead(&host, index, roam_clock_now_ns()));
    roam_host_goodbye(&host);
    proc_wait_all(&pid, 1, 10000, &st);
    ck_assert_msg(st.exited && st.code == 0, "echo exit %d signal %d", st.code, st.signo);

    char *out = child_output(c);
    snprintf(line, sizeof line, "echo: peer %u attached", index);
    ck_assert_msg(cli_has_line(out, line), "%s", out);
    snprintf(line, sizeof line, "echo: 500 messages (%llu bytes)", (unsigned long long)bytes);
    ck_assert_msg(cli_has_line(out, line), "%s", out);
    free(out);
    ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer_at(&host, index)),
                      ROAM_PEER_STATE_GOODBYE);
    close(fds[0]);
    roam_segment_close(&host);
    proc_shared_free(c, sizeof *c);
}
END_TEST

START_TEST(echo_polling_first_empty_entry)
{
    roam_segment_t host;
    roam_port_t hp;
    roam_diag_t d;
    echo_child_t *c = proc_shared_alloc(sizeof *c);
    proc_status_t st;
    uint64_t bytes, deadline;
    pid_t pid;

    create_host(&host, 0);
    proc_path(c->out, sizeof c->out, dir, "echo.out");
    const char *argv[] = {"roam-shm", "echo", path, NULL};
    memcpy(c->argv, argv, sizeof argv);
    pid = proc_spawn(exec_echo, c);
    ck_assert(pid > 0);

    /* It takes entry 0 by itself. */
    deadline = proc_deadline_ms(10000);
    while (roam_peer_entry_load_state(roam_segment_peer_at(&host, 0)) != ROAM_PEER_STATE_ATTACHED) {
        ck_assert(!proc_past(deadline));
        proc_sleep_ms(1);
    }
    ck_assert_int_eq(roam_port_open(&hp, &host, 0, -1, 0, &d), ROAM_OK);
    exchange(&hp, 100, &bytes);
    roam_host_goodbye(&host);
    proc_wait_all(&pid, 1, 10000, &st);
    ck_assert(st.exited && st.code == 0);
    char *out = child_output(c);
    ck_assert_msg(cli_has_line(out, "echo: peer 0 attached"), "%s", out);
    free(out);
    roam_segment_close(&host);
    proc_shared_free(c, sizeof *c);
}
END_TEST

START_TEST(echo_usage)
{
    cli_result_t r;
    roam_segment_t host;

    cli_run(&r, "echo", "--help", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: roam-shm echo"));
    cli_result_free(&r);
    cli_run(&r, "echo", NULL);
    ck_assert_int_eq(r.status, 2);
    cli_result_free(&r);
    cli_run(&r, "echo", "--timeout-ms", "50", path, NULL);   /* no such file */
    ck_assert_int_eq(r.status, 2);
    cli_result_free(&r);
    cli_run(&r, "echo", "--peer", "300", path, NULL);
    ck_assert_int_eq(r.status, 2);
    cli_result_free(&r);

    create_host(&host, 0);
    cli_run(&r, "echo", "--doorbell-fd", "0", path, NULL);   /* stdin: not a socket */
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "not an open socket"));
    cli_result_free(&r);
    cli_run(&r, "echo", "--peer", "1", path, NULL);          /* not reserved */
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot claim"));
    cli_result_free(&r);
    roam_segment_close(&host);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_data");
    TCase *tc = tcase_create("cli_data");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, dump_frames_decodes_without_consuming);
    tcase_add_test(tc, dump_frames_empty_and_malformed);
    tcase_add_test(tc, echo_on_the_doorbell);
    tcase_add_test(tc, echo_polling_first_empty_entry);
    tcase_add_test(tc, echo_usage);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
