/* roam-shm echo: a loopback guest that sends every message back to the host. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "roam_port.h"

enum { OPT_HELP, OPT_PEER, OPT_DOORBELL, OPT_TIMEOUT };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_PEER] = {"peer", 0, true},
    [OPT_DOORBELL] = {"doorbell-fd", 0, true},
    [OPT_TIMEOUT] = {"timeout-ms", 0, true},
};

static int apply(cli_inv_t *inv, int opt, const char *v)
{
    const char *cmd = inv->cmd->name;
    uint64_t n;

    switch (opt) {
    case OPT_PEER:
        return cli_parse_uint(cmd, "--peer", v, strlen(v), ROAM_MAX_GUESTS - 1, &inv->peer);
    case OPT_DOORBELL:
        if (cli_parse_uint(cmd, "--doorbell-fd", v, strlen(v), INT32_MAX, &n) != 0)
            return -1;
        inv->doorbell = (int)n;
        return 0;
    case OPT_TIMEOUT:
        if (cli_parse_uint(cmd, "--timeout-ms", v, strlen(v), INT32_MAX, &n) != 0)
            return -1;
        inv->timeout_ms = (uint32_t)n;
        return 0;
    default:
        return 0;
    }
}

/* The defaults of the options not given. */
static int finish(cli_inv_t *inv, const char *cmd)
{
    (void)cmd;
    if (!inv->seen[OPT_PEER])
        inv->peer = UINT64_MAX;
    if (!inv->seen[OPT_DOORBELL])
        inv->doorbell = -1;
    if (!inv->seen[OPT_TIMEOUT])
        inv->timeout_ms = 5000;
    return 0;
}

/* The doorbell must be an open socket; make it non-blocking. */
static int check_doorbell(int fd)
{
    struct stat st;
    int flags;

    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, CLI_PROG " echo: --doorbell-fd %d is not an open socket\n", fd);
        return -1;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        fprintf(stderr, CLI_PROG " echo: --doorbell-fd %d: %s\n", fd, strerror(errno));
        return -1;
    }
    return 0;
}

/* Attach, then take the entry. */
static int join(const cli_inv_t *a, roam_segment_t *seg, uint32_t *index)
{
    roam_diag_t d = {0};
    struct stat st;
    roam_err_t err;

    /* A FIFO, device or directory: the same message as every command. */
    if (stat(a->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        cli_seg_t probe;
        int rc = cli_seg_open(&probe, a->path, false, false);

        cli_seg_close(&probe);
        return rc;
    }
    err = roam_segment_attach_timeout(seg, a->path, a->timeout_ms, &d);
    if (err == ROAM_E_IO || err == ROAM_E_NOT_READY || err == ROAM_E_TIMEOUT ||
        err == ROAM_E_STALE) {
        fprintf(stderr, "%s: %s\n", a->path, d.msg[0] != '\0' ? d.msg : roam_strerror(err));
        return CLI_EXIT_USAGE;
    }
    if (err != ROAM_OK)
        return cli_report_invalid(a->path, err, &d);
    if (a->peer != UINT64_MAX) {
        *index = (uint32_t)a->peer;
        err = roam_guest_claim(seg, *index, NULL, &d);
    } else {
        err = roam_guest_attach(seg, index, &d);
    }
    if (err != ROAM_OK) {
        fprintf(stderr, "%s: %s\n", a->path, d.msg);
        roam_segment_close(seg);
        return CLI_EXIT_USAGE;
    }
    return CLI_ARGS_RUN;
}

/* Send m back, waiting through backpressure in short steps so the
 * heartbeat keeps going. */
static roam_err_t echo_one(roam_port_t *p, roam_segment_t *seg, const roam_rx_t *m)
{
    for (;;) {
        roam_err_t err = roam_port_send_wait(p, m->data, m->len, 50);

        if (err != ROAM_E_TIMEOUT)
            return err;
        if (roam_guest_heartbeat(seg, roam_clock_now_ns(), NULL) != ROAM_OK)
            return ROAM_E_PEER_GONE;
    }
}

/* Echo until the host says goodbye; returns the exit code. */
static int serve(roam_port_t *p, roam_segment_t *seg, const char *path)
{
    uint64_t interval = roam_segment_header_plain_heartbeat_interval(&seg->snap);
    int slice = interval != 0 && interval / 2000000u < 100 ? (int)(interval / 2000000u) : 100;
    uint64_t count = 0, bytes = 0;

    for (;;) {
        roam_rx_t m;
        roam_err_t err;

        if (roam_guest_heartbeat(seg, roam_clock_now_ns(), NULL) != ROAM_OK) {
            fprintf(stderr, "%s: the host took peer %u back\n", path, p->peer_index);
            return CLI_EXIT_USAGE;
        }
        err = roam_port_recv_wait(p, &m, slice > 0 ? slice : 1);
        if (err == ROAM_E_TIMEOUT)
            continue;
        if (err == ROAM_E_MMAP_REF) {
            fprintf(stderr, "%s: skipped an mmap reference (not mapped here)\n", path);
            continue;
        }
        if (err == ROAM_E_PEER_GONE && roam_segment_host_gone(seg))
            break;
        if (err != ROAM_OK) {
            fprintf(stderr, "%s: %s\n", path,
                    err == ROAM_E_PEER_GONE ? "the host is gone" : roam_strerror(err));
            return CLI_EXIT_USAGE;
        }
        err = echo_one(p, seg, &m);
        roam_port_done(p, &m);
        if (err == ROAM_E_PEER_GONE && roam_segment_host_gone(seg))
            break;
        if (err != ROAM_OK) {
            fprintf(stderr, "%s: echo: %s\n", path, roam_strerror(err));
            return CLI_EXIT_USAGE;
        }
        count++;
        bytes += m.len;
    }
    printf("echo: %llu messages (%llu bytes)\n", (unsigned long long)count,
           (unsigned long long)bytes);
    return CLI_EXIT_OK;
}

static int run(const cli_inv_t *a)
{
    roam_segment_t seg;
    roam_port_t port;
    roam_diag_t d;
    uint32_t index;
    int rc;

    if (a->doorbell >= 0 && check_doorbell(a->doorbell) != 0)
        return CLI_EXIT_USAGE;
    rc = join(a, &seg, &index);
    if (rc != CLI_ARGS_RUN)
        return rc;
    if (roam_port_open(&port, &seg, index, a->doorbell, 0, &d) != ROAM_OK) {
        fprintf(stderr, "%s: %s\n", a->path, d.msg);
        roam_segment_close(&seg);
        return d.err == ROAM_E_PEER_BUSY || d.err == ROAM_E_INVALID ? CLI_EXIT_USAGE
                                                                     : CLI_EXIT_INVALID;
    }
    printf("echo: peer %u attached\n", index);
    cli_flush_stdout();

    rc = serve(&port, &seg, a->path);
    roam_segment_close(&seg);   /* says goodbye if the entry is still ours */
    return rc;
}

const cli_command_t cli_cmd_echo = {
    .name = "echo",
    .summary = "join a live segment as a guest and echo every message back",
    .usage =
    "usage: " CLI_PROG " echo [--peer INDEX] [--doorbell-fd FD] [--timeout-ms N] FILE\n"
    "\n"
    "Join the live segment in FILE as a guest and send every message the host\n"
    "sends back to it, unchanged, until the host says goodbye: a loopback peer\n"
    "for testing a host. Heartbeats as often as the segment asks.\n"
    "Prints \"echo: peer INDEX attached\" once attached and, at the end,\n"
    "\"echo: N messages (B bytes)\". Exit status: 0 after the host's goodbye,\n"
    "1 if FILE is not a valid segment, 2 on bad usage, an I/O error, or when\n"
    "the host died or took the entry back.\n"
    "\n"
    "  --peer INDEX      claim the entry the host reserved (default: attach to\n"
    "                    the first empty entry)\n"
    "  --doorbell-fd FD  an inherited doorbell socket to wait on (default: poll\n"
    "                    with backoff)\n"
    "  --timeout-ms N    how long to wait for FILE to be ready (default 5000)\n"
    "  -h, --help        print this help\n",
    .options = options,
    .noptions = sizeof options / sizeof options[0],
    .apply = apply,
    .finish = finish,
    .run = run,
};
