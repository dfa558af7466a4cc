/* Test streams of checksummed messages through a port (see stream.h). */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

/* splitmix64: the bits of (seed, k, i). */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

uint32_t stream_size(uint64_t seed, uint64_t k, const stream_shape_t *shape)
{
    uint64_t r = mix(seed ^ mix(k));
    uint32_t lo, hi;

    /* A few exact boundaries, then random sizes inline or in slots. */
    switch (r % 64) {
    case 0:
        return 0;
    case 1:
        return shape->inline_max;
    case 2:
        return shape->inline_max + 1;
    case 3:
        return shape->max_len;
    }
    r >>= 8;
    if (r % 100 < shape->slot_pct) {
        lo = shape->inline_max + 1;
        hi = shape->max_len;
    } else {
        lo = 0;
        hi = shape->inline_max;
    }
    return lo + (uint32_t)((r >> 8) % (hi - lo + 1));
}

/* A checksum of len bytes: FNV-1a over 64-bit words, then the tail. */
static uint64_t checksum(const unsigned char *b, uint32_t len)
{
    uint64_t h = 0xCBF29CE484222325u;
    uint32_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t w;

        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x100000001B3u;
    }
    for (; i < len; i++)
        h = (h ^ b[i]) * 0x100000001B3u;
    return h ^ len;
}

/* Message k: [seq u64][checksum u64 of the rest][bytes] when it has room
 * for both, else bytes that follow from k alone. Returns its checksum. */
static uint64_t fill(uint64_t seed, uint64_t k, unsigned char *b, uint32_t len)
{
    uint64_t x = mix(seed + 7 * k);
    uint32_t start = len >= 16 ? 16 : 0;

    for (uint32_t i = start; i < len; i += 8) {
        x = mix(x);
        memcpy(b + i, &x, len - i < 8 ? len - i : 8);
    }
    if (start == 0)
        return checksum(b, len);
    uint64_t sum = checksum(b + 16, len - 16);

    memcpy(b, &k, 8);
    memcpy(b + 8, &sum, 8);
    return sum;
}

/* Check received message k (len bytes at b); its checksum, or a message in err. */
static bool verify(uint64_t seed, uint64_t k, const unsigned char *b, uint32_t len,
                   const stream_shape_t *shape, uint64_t *sum, char *err, size_t errlen)
{
    uint32_t want = stream_size(seed, k, shape);

    if (len != want) {
        snprintf(err, errlen, "message %llu: %u bytes, want %u", (unsigned long long)k, len, want);
        return false;
    }
    if (len >= 16) {
        uint64_t seq, stated;

        memcpy(&seq, b, 8);
        memcpy(&stated, b + 8, 8);
        *sum = checksum(b + 16, len - 16);
        if (seq != k || stated != *sum) {
            snprintf(err, errlen, "message %llu: carries sequence %llu, checksum %s",
                     (unsigned long long)k, (unsigned long long)seq,
                     stated == *sum ? "right" : "wrong");
            return false;
        }
        return true;
    }
    /* Short messages: compare with what message k must hold. */
    unsigned char expect[16];

    fill(seed, k, expect, len);
    *sum = checksum(b, len);
    if (memcmp(expect, b, len) != 0) {
        snprintf(err, errlen, "message %llu: %u bytes differ", (unsigned long long)k, len);
        return false;
    }
    return true;
}

bool stream_run(roam_port_t *p, uint64_t n, uint64_t seed_out, uint64_t seed_in,
                const stream_shape_t *shape, bool blocking, uint32_t timeout_ms,
                stream_result_t *r)
{
    uint64_t deadline = roam_clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
    roam_tx_t tx;
    bool tx_ready = false;   /* tx holds message r->sent, filled */
    bool hung_up = false;
    uint64_t tx_sum = 0;

    memset(r, 0, sizeof *r);
    while (r->sent < n || r->received < n) {
        unsigned blocked = 0;
        bool progress = false;
        roam_err_t err;

        /* Send: reserve and fill in place, then commit (retried on a full ring). */
        if (r->sent < n) {
            if (!tx_ready) {
                uint32_t len = stream_size(seed_out, r->sent, shape);

                err = roam_port_reserve(p, len, &tx);
                if (err == ROAM_OK) {
                    tx_sum = fill(seed_out, r->sent, tx.data, len);
                    tx_ready = true;
                } else if (roam_err_is_backpressure(err)) {
                    blocked |= roam_port_wait_for(err);
                } else {
                    snprintf(r->error, sizeof r->error, "reserve %u bytes: %s", len,
                             roam_errname(err));
                    return false;
                }
            }
            if (tx_ready) {
                err = roam_port_commit(p, &tx);
                if (err == ROAM_OK) {
                    r->checksum_sent += tx_sum;
                    r->sent++;
                    tx_ready = false;
                    progress = true;
                } else if (roam_err_is_backpressure(err)) {
                    blocked |= roam_port_wait_for(err);
                } else {
                    snprintf(r->error, sizeof r->error, "commit: %s", roam_errname(err));
                    return false;
                }
            }
        }

        /* Receive and verify one. */
        if (r->received < n) {
            roam_rx_t m;
            uint64_t sum;

            err = roam_port_recv(p, &m);
            if (err == ROAM_OK) {
                if (!verify(seed_in, r->received, m.data, m.len, shape, &sum, r->error,
                            sizeof r->error))
                    return false;
                r->checksum_received += sum;
                r->bytes_received += m.len;
                if (m.kind == ROAM_FRAME_INLINE)
                    r->received_inline++;
                else
                    r->received_slot++;
                r->received++;
                err = roam_port_done(p, &m);
                if (err != ROAM_OK) {
                    snprintf(r->error, sizeof r->error, "done: %s", roam_errname(err));
                    return false;
                }
                progress = true;
            } else if (err == ROAM_E_EMPTY) {
                blocked |= ROAM_PORT_WAIT_MESSAGE;
            } else {
                snprintf(r->error, sizeof r->error, "recv %llu: %s",
                         (unsigned long long)r->received, roam_errname(err));
                return false;
            }
        }

        if (progress) {
            hung_up = false;
            continue;
        }
        r->waits++;
        if (roam_clock_now_ns() > deadline) {
            snprintf(r->error, sizeof r->error, "timed out: sent %llu, received %llu of %llu",
                     (unsigned long long)r->sent, (unsigned long long)r->received,
                     (unsigned long long)n);
            return false;
        }
        if (!blocking) {
            sched_yield();
            continue;
        }
        /* A hang-up after the other side finished: what it sent before
         * is there; a second one with nothing to take is a failure. */
        if (hung_up) {
            snprintf(r->error, sizeof r->error, "peer gone: sent %llu, received %llu of %llu",
                     (unsigned long long)r->sent, (unsigned long long)r->received,
                     (unsigned long long)n);
            return false;
        }
        err = roam_port_wait(p, blocked, 10);
        if (err == ROAM_E_PEER_GONE)
            hung_up = true;
        else if (err != ROAM_OK && err != ROAM_E_TIMEOUT) {
            snprintf(r->error, sizeof r->error, "wait: %s", roam_errname(err));
            return false;
        }
    }
    r->stats = p->stats;
    r->wraps = p->tx.wraps;
    return true;
}

uint64_t stream_count(uint64_t def)
{
    const char *s = getenv("ROAM_TEST_MESSAGES");
    char *end;
    unsigned long long v;

    if (s == NULL || *s == '\0')
        return def;
    v = strtoull(s, &end, 10);
    return *end == '\0' && v > 0 ? (uint64_t)v : def;
}
