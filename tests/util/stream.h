/*
 * Test streams of messages through a port: message k of a stream has a
 * size and bytes that follow from (seed, k); each carries its sequence
 * number and a checksum of its bytes, so the receiver detects any loss,
 * repetition, reordering, truncation or corruption.
 */
#ifndef ROAM_TEST_STREAM_H
#define ROAM_TEST_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "roam_port.h"

/* How big messages are: a share of them up to the inline threshold, the
 * rest spread over the slot sizes up to max_len. */
typedef struct stream_shape {
    uint32_t inline_max;   /* largest inline payload */
    uint32_t max_len;      /* largest payload */
    unsigned slot_pct;     /* percent of messages above inline_max */
} stream_shape_t;

typedef struct stream_result {
    uint64_t sent, received;
    uint64_t bytes_received;
    uint64_t received_inline, received_slot;
    uint64_t checksum_sent, checksum_received;   /* sum of every payload's checksum */
    uint64_t waits;                              /* times nothing could be done */
    roam_port_stats_t stats;                     /* the port's counters at the end */
    uint64_t wraps;                              /* the outgoing ring's wraps */
    char error[160];                             /* empty when all was well */
} stream_result_t;

/* Size of message k of stream seed. */
uint32_t stream_size(uint64_t seed, uint64_t k, const stream_shape_t *shape);

/* Send n messages of stream seed_out and receive n of stream seed_in on p,
 * both at once. blocking: wait on the port (doorbell or backoff) when
 * nothing can be done, else yield the processor. Gives up after
 * timeout_ms. Returns true when every message came through intact. */
bool stream_run(roam_port_t *p, uint64_t n, uint64_t seed_out, uint64_t seed_in,
                const stream_shape_t *shape, bool blocking, uint32_t timeout_ms,
                stream_result_t *r);

/* The message count to use: $ROAM_TEST_MESSAGES when set (sanitizer runs
 * scale it down), else def. */
uint64_t stream_count(uint64_t def);

#endif /* ROAM_TEST_STREAM_H */
