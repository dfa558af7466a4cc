/* roam-shm echo: a loopback guest that sends every message back to the host. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "roam_port.h"

static const char usage[] =
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
    "  -h, --help        print this help\n";

enum { OPT_HELP, OPT_PEER, OPT_DOORBELL, OPT_TIMEOUT };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_PEER] = {"peer", 0, true},
    [OPT_DOORBELL] = {"doorbell-fd", 0, true},
    [OPT_TIMEOUT] = {"timeout-ms", 0, true},
};

#define NOPTS (sizeof options / sizeof options[0])

typedef struct echo_args {
    const char *path;
    uint64_t peer;        /* UINT64_MAX: attach to the first empty entry */
    int doorbell;         /* -1: none */
    uint32_t timeout_ms;
} echo_args_t;

/* Options and the one FILE; returns CLI_ARGS_RUN or an exit code. */
static int parse(int argc, char **argv, echo_args_t *a)
{
    const char *cmd = argv[0];
    cli_args_t it;
    const char *v;
    uint64_t n;
    int idx;

    *a = (echo_args_t){NULL, UINT64_MAX, -1, 5000};
    cli_args_init(&it, argc, argv);
    while ((idx = cli_args_next(&it, options, NOPTS, &v)) != CLI_ARG_END) {
        switch (idx) {
        case CLI_ARG_ERROR:
            return CLI_EXIT_USAGE;
        case CLI_ARG_POSITIONAL:
            if (a->path != NULL)
                return cli_usage_error(cmd, "more than one FILE given");
            a->path = v;
            break;
        case OPT_HELP:
            fputs(usage, stdout);
            return CLI_EXIT_OK;
        case OPT_PEER:
            if (cli_parse_uint(cmd, "--peer", v, strlen(v), ROAM_MAX_GUESTS - 1, &a->peer) != 0)
                return CLI_EXIT_USAGE;
            break;
        case OPT_DOORBELL:
            if (cli_parse_uint(cmd, "--doorbell-fd", v, strlen(v), INT32_MAX, &n) != 0)
                return CLI_EXIT_USAGE;
            a->doorbell = (int)n;
            break;
        case OPT_TIMEOUT:
            if (cli_parse_uint(cmd, "--timeout-ms", v, strlen(v), INT32_MAX, &n) != 0)
                return CLI_EXIT_USAGE;
            a->timeout_ms = (uint32_t)n;
            break;
        }
    }
    if (a->path == NULL)
        return cli_usage_error(cmd, "missing FILE");
    return CLI_ARGS_RUN;
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
static int join(const echo_args_t *a, roam_segment_t *seg, uint32_t *index)
{
    roam_diag_t d = {0};
    roam_err_t err = roam_segment_attach_timeout(seg, a->path, a->timeout_ms, &d);

    if (err == ROAM_E_IO || err == ROAM_E_NOT_READY || err == ROAM_E_TIMEOUT) {
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

int cmd_echo(int argc, char **argv)
{
    echo_args_t a;
    roam_segment_t seg;
    roam_port_t port;
    roam_diag_t d;
    uint32_t index;
    int rc = parse(argc, argv, &a);

    if (rc != CLI_ARGS_RUN)
        return rc;
    if (a.doorbell >= 0 && check_doorbell(a.doorbell) != 0)
        return CLI_EXIT_USAGE;
    rc = join(&a, &seg, &index);
    if (rc != CLI_ARGS_RUN)
        return rc;
    if (roam_port_open(&port, &seg, index, a.doorbell, 0, &d) != ROAM_OK) {
        fprintf(stderr, "%s: %s\n", a.path, d.msg);
        roam_segment_close(&seg);
        return d.err == ROAM_E_PEER_BUSY || d.err == ROAM_E_INVALID ? CLI_EXIT_USAGE
                                                                     : CLI_EXIT_INVALID;
    }
    printf("echo: peer %u attached\n", index);
    fflush(stdout);

    rc = serve(&port, &seg, a.path);
    roam_segment_close(&seg);   /* says goodbye if the entry is still ours */
    return rc;
}
