/*
 * Messages between two processes, against a reference measured in the
 * same run.
 *
 * 1. 64-byte messages, inline in the ring, host process to guest process,
 *    each side spinning on backpressure: messages per second, against a
 *    Unix socketpair (SOCK_STREAM) carrying the same messages, one write
 *    per message, the reader reading as much as is there. Target >= 5x.
 *    Also the same through the doorbell (waiting, not spinning).
 * 2. 64 KiB messages through slots: the sender copies each payload into a
 *    slot, the receiver checks it in place (zero copy) and frees the slot:
 *    bytes per second, against a plain memcpy of the same 64 KiB into as
 *    many destinations as the pool has slots. Target >= 0.5x. Also with
 *    the receiver copying every payload out.
 *
 * Each figure is the best of ROUNDS runs. Run it with
 *   make bench
 *
 * `bench_msg --inproc N` instead sends N 64-byte messages through a host
 * and a guest port in one process (send, receive, done) and exits: run it
 * under `valgrind --tool=callgrind` with two values of N to count the
 * instructions one message costs, a figure that does not depend on the
 * machine's load.
 */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "roam_port.h"

#define ROUNDS 3
#define SMALL 64u
#define SMALL_N 1000000u
#define BIG (64u * 1024u)
#define BIG_N 20000u
#define BIG_SLOTS 16u

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

_Noreturn static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_msg: %s: %s\n", what, why);
    exit(1);
}

/* Keeps the compiler from dropping the measured work. */
static volatile uint64_t sink;

/* ---- Shared-memory runs ------------------------------------------------------------*/

typedef struct run {
    char path[64];
    uint32_t len, n;
    bool doorbell;        /* wait on the doorbell instead of spinning */
    bool copy_out;        /* the receiver copies each payload out */
    uint32_t capacity;
    roam_size_class_t cls;
} run_t;

/* Send or receive, spinning (or waiting on the doorbell) on backpressure. */
static void wait_or_spin(roam_port_t *p, roam_err_t err, bool doorbell)
{
    if (doorbell)
        roam_port_wait(p, roam_port_wait_for(err), 10);
    else
        sched_yield();
}

/* The guest: receive n messages, check their sequence numbers. */
static int receiver(const run_t *r, uint32_t index, int fd)
{
    roam_segment_t seg;
    roam_port_t p;
    roam_diag_t d;
    unsigned char *copy = malloc(r->len);
    uint32_t got = 0;

    if (copy == NULL || roam_segment_attach_timeout(&seg, r->path, 5000, &d) != ROAM_OK ||
        roam_guest_claim(&seg, index, NULL, &d) != ROAM_OK ||
        roam_port_open(&p, &seg, index, fd, ROAM_PORT_LAZY_DOORBELL, &d) != ROAM_OK)
        return 1;
    while (got < r->n) {
        roam_rx_t m;
        roam_err_t err = roam_port_recv(&p, &m);
        uint32_t seq;

        if (err == ROAM_E_EMPTY) {
            wait_or_spin(&p, err, r->doorbell);
            continue;
        }
        if (err != ROAM_OK || m.len != r->len)
            return 2;
        /* In place: the sequence number at the front, a word at the end. */
        memcpy(&seq, m.data, 4);
        if (seq != got)
            return 3;
        if (r->copy_out)
            memcpy(copy, m.data, m.len);
        sink += m.data[m.len - 1];
        roam_port_done(&p, &m);
        got++;
    }
    free(copy);
    roam_segment_close(&seg);
    return 0;
}

/* Host sends n messages of len bytes to a guest process; seconds taken. */
static double shm_run(const run_t *r)
{
    roam_segment_config_t cfg = {
        .max_guests = 1,
        .bipbuf_capacity = r->capacity,
        .max_payload_size = r->len,
        .num_classes = 1,
        .classes = &r->cls,
    };
    unsigned char *msg = malloc(r->len);
    roam_segment_t host;
    roam_port_t p;
    roam_diag_t d;
    int fds[2] = {-1, -1}, status;
    uint32_t index;
    double t0, t;
    pid_t pid;

    if (msg == NULL)
        die("malloc", "out of memory");
    memset(msg, 0xA5, r->len);
    unlink(r->path);
    if (roam_segment_create(&host, r->path, &cfg, &d) != ROAM_OK ||
        roam_host_reserve(&host, &index, NULL, &d) != ROAM_OK ||
        (r->doorbell && roam_doorbell_pair(fds, &d) != ROAM_OK) ||
        roam_port_open(&p, &host, index, fds[0], ROAM_PORT_LAZY_DOORBELL, &d) != ROAM_OK)
        die("segment", d.msg);

    pid = fork();
    if (pid == 0)
        _exit(receiver(r, index, fds[1]));
    if (fds[1] >= 0)
        close(fds[1]);

    /* Timed from the first send to the receiver's exit after the last. */
    t0 = now_s();
    for (uint32_t i = 0; i < r->n;) {
        roam_err_t err;

        memcpy(msg, &i, 4);
        err = roam_port_send(&p, msg, r->len);
        if (err == ROAM_OK) {
            i++;
            continue;
        }
        if (!roam_err_is_backpressure(err))
            die("send", roam_strerror(err));
        wait_or_spin(&p, err, r->doorbell);
    }
    waitpid(pid, &status, 0);
    t = now_s() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("receiver", "failed");

    if (fds[0] >= 0)
        close(fds[0]);
    roam_segment_close(&host);
    roam_segment_unlink(r->path, NULL);
    free(msg);
    return t;
}

/* ---- References -------------------------------------------------------------------*/

/* The same n messages of len bytes through a socketpair; seconds taken. */
static double socket_run(uint32_t len, uint32_t n)
{
    unsigned char msg[SMALL];
    int sv[2], status;
    double t0, t;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        die("socketpair", "failed");
    memset(msg, 0xA5, sizeof msg);
    pid = fork();
    if (pid == 0) {
        static unsigned char buf[1 << 16];
        uint64_t want = (uint64_t)len * n, got = 0;

        close(sv[0]);
        /* Read whatever is there, as a stream reader does. */
        while (got < want) {
            ssize_t k = read(sv[1], buf, sizeof buf);

            if (k <= 0)
                _exit(2);
            got += (uint64_t)k;
        }
        _exit(0);
    }
    close(sv[1]);
    t0 = now_s();
    for (uint32_t i = 0; i < n; i++) {
        memcpy(msg, &i, 4);
        if (write(sv[0], msg, len) != (ssize_t)len)
            die("socket write", "failed");
    }
    waitpid(pid, &status, 0);
    t = now_s() - t0;
    close(sv[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("socket reader", "failed");
    return t;
}

/* memcpy of n blocks of len bytes into `slots` rotating destinations (the
 * pool's footprint); seconds taken. */
static double memcpy_run(uint32_t len, uint32_t n, uint32_t slots)
{
    unsigned char *src = malloc(len), *dst = malloc((size_t)len * slots);
    double t0, t;

    if (src == NULL || dst == NULL)
        die("malloc", "out of memory");
    memset(src, 0xA5, len);
    memset(dst, 0, (size_t)len * slots);
    t0 = now_s();
    for (uint32_t i = 0; i < n; i++) {
        unsigned char *d = dst + (size_t)(i % slots) * len;

        memcpy(src, &i, 4);
        memcpy(d, src, len);
        __asm__ __volatile__("" : : "r"(d) : "memory");
        sink += d[len - 1];
    }
    t = now_s() - t0;
    free(src);
    free(dst);
    return t;
}

/* ---- Best of ROUNDS ----------------------------------------------------------------*/

static double best_shm(const run_t *r)
{
    double b = 1e30;

    for (int i = 0; i < ROUNDS; i++) {
        double t = shm_run(r);

        b = t < b ? t : b;
    }
    return b;
}

static double best_socket(uint32_t len, uint32_t n)
{
    double b = 1e30;

    for (int i = 0; i < ROUNDS; i++) {
        double t = socket_run(len, n);

        b = t < b ? t : b;
    }
    return b;
}

static double best_memcpy(uint32_t len, uint32_t n, uint32_t slots)
{
    double b = 1e30;

    for (int i = 0; i < ROUNDS; i++) {
        double t = memcpy_run(len, n, slots);

        b = t < b ? t : b;
    }
    return b;
}

/* N 64-byte messages host to guest in one process, for instruction counts. */
static int inproc(uint32_t n)
{
    roam_size_class_t cls = {1024, 4};
    roam_segment_config_t cfg = {
        .max_guests = 1, .bipbuf_capacity = 64 * 1024, .max_payload_size = SMALL,
        .num_classes = 1, .classes = &cls,
    };
    unsigned char msg[SMALL];
    char path[64];
    roam_segment_t host, guest;
    roam_port_t hp, gp;
    roam_diag_t d;
    uint32_t index;

    snprintf(path, sizeof path, "/tmp/roam-bench-%d", (int)getpid());
    memset(msg, 0xA5, sizeof msg);
    if (roam_segment_create(&host, path, &cfg, &d) != ROAM_OK ||
        roam_host_reserve(&host, &index, NULL, &d) != ROAM_OK)
        die("segment", d.msg);
    guest = host;   /* the same mapping */
    guest.is_host = false;
    guest.peer_index = ROAM_NO_PEER;
    if (roam_guest_claim(&guest, index, NULL, &d) != ROAM_OK ||
        roam_port_open(&hp, &host, index, -1, 0, &d) != ROAM_OK ||
        roam_port_open(&gp, &guest, index, -1, 0, &d) != ROAM_OK)
        die("ports", d.msg);
    for (uint32_t i = 0; i < n; i++) {
        roam_rx_t m;

        memcpy(msg, &i, 4);
        if (roam_port_send(&hp, msg, SMALL) != ROAM_OK || roam_port_recv(&gp, &m) != ROAM_OK)
            die("inproc", "send or receive failed");
        sink += m.data[0];
        roam_port_done(&gp, &m);
    }
    roam_segment_close(&host);
    roam_segment_unlink(path, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    run_t small = {
        .len = SMALL, .n = SMALL_N, .capacity = 64 * 1024, .cls = {1024, 4},
    };
    run_t big = {
        .len = BIG, .n = BIG_N, .capacity = 4096,
        .cls = {BIG + ROAM_SLOT_LEN_PREFIX_SIZE, BIG_SLOTS},
    };
    double shm, shm_bell, sock, slot, slot_copy, copy;

    if (argc == 3 && strcmp(argv[1], "--inproc") == 0)
        return inproc((uint32_t)strtoul(argv[2], NULL, 10));
    signal(SIGPIPE, SIG_IGN);
    snprintf(small.path, sizeof small.path, "/tmp/roam-bench-%d", (int)getpid());
    memcpy(big.path, small.path, sizeof big.path);

    /* 1. Small inline messages. */
    sock = best_socket(SMALL, SMALL_N);
    shm = best_shm(&small);
    small.doorbell = true;
    shm_bell = best_shm(&small);
    printf("64-byte messages, process to process (%u messages, best of %d):\n", SMALL_N, ROUNDS);
    printf("  socketpair          : %10.0f msg/s\n", SMALL_N / sock);
    printf("  shm, spinning       : %10.0f msg/s  = %5.2fx socketpair (target >= 5x)\n",
           SMALL_N / shm, sock / shm);
    printf("  shm, lazy doorbell  : %10.0f msg/s  = %5.2fx socketpair\n", SMALL_N / shm_bell,
           sock / shm_bell);

    /* 2. Large slot messages. */
    copy = best_memcpy(BIG, BIG_N, BIG_SLOTS);
    slot = best_shm(&big);
    big.copy_out = true;
    slot_copy = best_shm(&big);
    printf("64 KiB messages through slots (%u messages, %u slots, best of %d):\n", BIG_N,
           BIG_SLOTS, ROUNDS);
    printf("  memcpy              : %8.2f GB/s\n", (double)BIG * BIG_N / copy / 1e9);
    printf("  shm, read in place  : %8.2f GB/s  = %5.2fx memcpy (target >= 0.5x)\n",
           (double)BIG * BIG_N / slot / 1e9, copy / slot);
    printf("  shm, copied out     : %8.2f GB/s  = %5.2fx memcpy\n",
           (double)BIG * BIG_N / slot_copy / 1e9, copy / slot_copy);
    return 0;
}
