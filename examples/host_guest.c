/*
 * A host and a guest sharing one live segment.
 *
 * The host creates the segment file, reserves a peer entry and spawns the
 * guest; the guest attaches, claims the entry and heartbeats until the host
 * says goodbye, then detaches. The host recovers the entry and cleans up.
 *
 * With roam-shm installed (make install):
 *
 *   cc host_guest.c $(pkg-config --cflags --libs roam-shm) -o host_guest && ./host_guest
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "roam_segment.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* The guest: attach (waiting for the host if need be), claim, heartbeat. */
static int guest(const char *path, uint32_t index)
{
    roam_segment_t seg;
    roam_diag_t d;

    if (roam_segment_attach_timeout(&seg, path, 5000, &d) != ROAM_OK ||
        roam_guest_claim(&seg, index, NULL, &d) != ROAM_OK) {
        fprintf(stderr, "guest: %s\n", d.msg);
        return 1;
    }
    printf("guest: peer %u attached, epoch %u\n", index, seg.peer_epoch);

    while (!roam_segment_host_gone(&seg)) {
        if (roam_guest_heartbeat(&seg, roam_clock_now_ns(), &d) != ROAM_OK) {
            fprintf(stderr, "guest: %s\n", d.msg);   /* the host declared us dead */
            break;
        }
        /* ... exchange data through the rings here ... */
        sleep_ms(10);
    }
    roam_guest_detach(&seg, NULL);
    roam_segment_close(&seg);
    printf("guest: detached\n");
    return 0;
}

int main(void)
{
    static const roam_size_class_t classes[] = {{1024, 16}, {16384, 4}};
    const roam_segment_config_t cfg = {
        .max_guests = 4,
        .bipbuf_capacity = 4096,
        .max_payload_size = 16384,
        .heartbeat_interval = 50000000,   /* 50 ms */
        .num_classes = 2,
        .classes = classes,
    };
    char path[64];
    roam_segment_t host;
    roam_sweep_t sweep;
    roam_diag_t d;
    uint32_t index;
    pid_t pid;
    int status;

    /* Create the segment and reserve an entry for the guest to spawn. */
    snprintf(path, sizeof path, "/tmp/roam-example-%d", (int)getpid());
    if (roam_segment_create(&host, path, &cfg, &d) != ROAM_OK ||
        roam_host_reserve(&host, &index, NULL, &d) != ROAM_OK) {
        fprintf(stderr, "host: %s\n", d.msg);
        return 1;
    }

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int rc = guest(path, index);

        fflush(stdout);
        _exit(rc);
    }

    /* Run a while, sweeping for departed or dead guests. */
    for (int i = 0; i < 20; i++) {
        roam_host_sweep(&host, roam_clock_now_ns(), &sweep);
        if (sweep.dead != 0)
            printf("host: %u dead guest(s) recovered\n", sweep.dead);
        sleep_ms(10);
    }

    /* Shut down in order: goodbye, wait for the guest, take the entry back. */
    roam_host_goodbye(&host);
    waitpid(pid, &status, 0);
    roam_host_sweep(&host, roam_clock_now_ns(), &sweep);
    printf("host: guest exited %d, %u entry recovered\n", WEXITSTATUS(status), sweep.departed);

    roam_segment_close(&host);
    roam_segment_unlink(path, NULL);
    return sweep.departed == 1 && WEXITSTATUS(status) == 0 ? 0 : 1;
}
