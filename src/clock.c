/*
 * The heartbeat clock.
 */
#include <time.h>

#include "roam_segment.h"

uint64_t roam_clock_now_ns(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC is system-wide: every process reads the same clock,
     * so one process's heartbeat can be aged by another. It cannot fail
     * with a valid clock id and pointer. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
