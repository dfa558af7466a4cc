/*
 * The doorbell (reference §7, shm.signal.*): one AF_UNIX SOCK_STREAM
 * socketpair per guest. Ringing writes one byte (its value is ignored);
 * waiting polls for input and drains every byte; a hang-up or end of file
 * means the process at the other end is gone, seen at once.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "data_internal.h"
#include "roam_port.h"

roam_err_t roam_doorbell_pair(int fds[2], roam_diag_t *diag)
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        return roam__diag_sys(diag, "doorbell socketpair");
    return roam__diag_ok(diag);
}

roam_err_t roam_doorbell_ring(int fd)
{
    static const unsigned char byte = 1;

    for (;;) {
        /* MSG_NOSIGNAL: a dead peer is an error code here, not SIGPIPE. */
        ssize_t n = send(fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n == 1)
            return ROAM_OK;
        if (n < 0 && errno == EINTR)
            continue;
        /* A full buffer already holds a ring the peer has not drained. */
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
            return ROAM_OK;
        return ROAM_E_PEER_GONE;
    }
}

roam_err_t roam_doorbell_drain(int fd)
{
    unsigned char buf[64];

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

        if (n > 0)
            continue;
        if (n == 0)
            return ROAM_E_PEER_GONE;   /* end of file: the other end closed */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return ROAM_OK;
        return errno == ECONNRESET ? ROAM_E_PEER_GONE : ROAM_E_IO;
    }
}

roam_err_t roam_doorbell_wait(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int rc;

    do {
        rc = poll(&pfd, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0)
        return ROAM_E_IO;
    if (rc == 0)
        return ROAM_E_TIMEOUT;
    /* Bytes first: a ring sent just before the peer exited still counts. */
    if (pfd.revents & POLLIN)
        return roam_doorbell_drain(fd);
    if (pfd.revents & (POLLHUP | POLLERR))
        return ROAM_E_PEER_GONE;
    return ROAM_E_IO;   /* POLLNVAL: not an open descriptor */
}
