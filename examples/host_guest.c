/*
 * A host and a guest sharing one live segment and exchanging messages.
 *
 * The host creates the segment file, reserves a peer entry and, before the
 * guest runs, shows backpressure: it fills the guest's ring with inline
 * messages until ROAM_E_RING_FULL, then takes slots until
 * ROAM_E_POOL_EXHAUSTED (and gives them back). It spawns the guest, which
 * echoes every message back; the host checks the echoes of the queued
 * messages, an inline "hello" and a 6000-byte message written in place in
 * a slot, says goodbye and recovers the entry.
 *
 * With roam-shm installed (make install):
 *
 *   cc host_guest.c $(pkg-config --cflags --libs roam-shm) -o host_guest && ./host_guest
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "roam_port.h"

/* The guest: attach, claim, echo every message until the host says goodbye. */
static int guest(const char *path, uint32_t index, int doorbell)
{
    roam_segment_t seg;
    roam_port_t port;
    roam_diag_t d;
    roam_rx_t m;
    unsigned echoed = 0;

    if (roam_segment_attach_timeout(&seg, path, 5000, &d) != ROAM_OK ||
        roam_guest_claim(&seg, index, NULL, &d) != ROAM_OK ||
        roam_port_open(&port, &seg, index, doorbell, 0, &d) != ROAM_OK) {
        fprintf(stderr, "guest: %s\n", d.msg);
        return 1;
    }
    for (;;) {
        roam_err_t err;

        roam_guest_heartbeat(&seg, roam_clock_now_ns(), NULL);
        err = roam_port_recv_wait(&port, &m, 10);   /* sleeps on the doorbell */
        if (err == ROAM_E_TIMEOUT)
            continue;
        if (err != ROAM_OK)
            break;   /* ROAM_E_PEER_GONE: the host said goodbye */
        err = roam_port_send_wait(&port, m.data, m.len, 1000);
        roam_port_done(&port, &m);   /* frees the slot, or gives the ring bytes back */
        if (err != ROAM_OK)
            break;
        echoed++;
    }
    printf("guest: echoed %u messages\n", echoed);
    roam_segment_close(&seg);   /* says goodbye */
    return 0;
}

/* Receive one echo and compare it with what was sent. */
static int expect_echo(roam_port_t *port, const void *sent, uint32_t len)
{
    roam_rx_t m;
    int same;

    if (roam_port_recv_wait(port, &m, 5000) != ROAM_OK)
        return 0;
    same = m.len == len && memcmp(m.data, sent, len) == 0;
    roam_port_done(port, &m);
    return same;
}

int main(void)
{
    static const roam_size_class_t classes[] = {{1024, 16}, {16384, 4}};
    const roam_segment_config_t cfg = {
        .max_guests = 4,
        .bipbuf_capacity = 4096,
        .max_payload_size = 16000,
        .heartbeat_interval = 50000000,   /* 50 ms */
        .num_classes = 2,
        .classes = classes,
    };
    char path[64], note[100] = "queued while the guest was not running";
    roam_segment_t host;
    roam_port_t port;
    roam_tx_t tx[32];
    roam_diag_t d;
    roam_err_t err;
    unsigned queued = 0, held = 0, ok = 0;
    uint32_t index;
    int fds[2], status;
    pid_t pid;

    /* Create the segment, reserve an entry, make its doorbell, open its port. */
    snprintf(path, sizeof path, "/tmp/roam-example-%d", (int)getpid());
    if (roam_segment_create(&host, path, &cfg, &d) != ROAM_OK ||
        roam_host_reserve(&host, &index, NULL, &d) != ROAM_OK ||
        roam_doorbell_pair(fds, &d) != ROAM_OK ||
        roam_port_open(&port, &host, index, fds[0], 0, &d) != ROAM_OK) {
        fprintf(stderr, "host: %s\n", d.msg);
        return 1;
    }

    /* Backpressure, not errors: the ring fills, then the pool runs dry. */
    while ((err = roam_port_send(&port, note, sizeof note)) == ROAM_OK)
        queued++;
    printf("host: %u inline messages queued, then %s\n", queued, roam_errname(err));
    while (held < 32 && (err = roam_port_reserve(&port, 1000, &tx[held])) == ROAM_OK)
        held++;
    printf("host: %u slots taken, then %s\n", held, roam_errname(err));
    while (held > 0)
        roam_port_cancel(&port, &tx[--held]);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int rc;

        close(fds[0]);
        rc = guest(path, index, fds[1]);
        fflush(stdout);
        _exit(rc);
    }
    close(fds[1]);

    /* The queued messages come back, then an inline one and a slot one. */
    for (unsigned i = 0; i < queued; i++)
        ok += expect_echo(&port, note, sizeof note);
    if (roam_port_send_wait(&port, "hello", 5, 5000) == ROAM_OK)
        ok += expect_echo(&port, "hello", 5);
    if (roam_port_reserve(&port, 6000, &tx[0]) == ROAM_OK) {   /* filled in place */
        memset(tx[0].data, 'x', 6000);
        if (roam_port_commit_wait(&port, &tx[0], 5000) == ROAM_OK) {
            char x[6000];

            memset(x, 'x', sizeof x);
            ok += expect_echo(&port, x, sizeof x);
        }
    }
    printf("host: %u of %u echoes match (%llu inline, %llu slot sent)\n", ok, queued + 2,
           (unsigned long long)port.stats.sent_inline, (unsigned long long)port.stats.sent_slot);

    /* Shut down in order: goodbye, wait for the guest, take the entry back. */
    roam_host_goodbye(&host);
    waitpid(pid, &status, 0);
    err = roam_host_recover(&host, index, &d);
    printf("host: guest exited %d, entry recovered: %s\n", WEXITSTATUS(status), roam_errname(err));

    close(fds[0]);
    roam_segment_close(&host);
    roam_segment_unlink(path, NULL);
    return ok == queued + 2 && err == ROAM_OK && WEXITSTATUS(status) == 0 ? 0 : 1;
}
