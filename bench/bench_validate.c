/*
 * Cost of validation, as a ratio against copying the same bytes.
 *
 * Baseline: memcpy of the bytes the validator reads (the snapshot alone).
 * Measured: roam_header_validate on a segment header, and
 * roam_segment_validate on a whole created segment. Both run in the same
 * process, one after the other, so the ratios compare like with like.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "roam_shm.h"

#define ROUNDS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps the compiler from dropping the measured work. */
static volatile uint64_t sink;

static double time_copy(const unsigned char *src, size_t len, long iters)
{
    unsigned char *dst = malloc(len);
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        memcpy(dst, src, len);
        __asm__ __volatile__("" : : "r"(dst) : "memory");
        sink += dst[i % len];
    }
    double t = now_s() - t0;
    free(dst);
    return t;
}

static double time_header(const unsigned char *seg, size_t len, long iters)
{
    roam_segment_header_plain_t snap;
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        if (roam_header_validate(seg, len, ROAM_VALIDATE_MAPPING, &snap) != ROAM_OK)
            abort();
        sink += snap.max_guests;
    }
    return now_s() - t0;
}

static double time_segment(const unsigned char *seg, size_t len, long iters)
{
    roam_segment_header_plain_t snap;
    roam_diag_t diag;
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        if (roam_segment_validate(seg, len, &snap, &diag) != ROAM_OK)
            abort();
        sink += snap.max_guests;
    }
    return now_s() - t0;
}

/* Best of ROUNDS, to keep scheduler noise out of the ratio. */
static double best(double (*fn)(const unsigned char *, size_t, long),
                   const unsigned char *p, size_t len, long iters)
{
    double b = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double t = fn(p, len, iters);
        if (t < b)
            b = t;
    }
    return b;
}

int main(void)
{
    const roam_size_class_t classes[] = {{512, 3}, {4096, 1}};
    roam_segment_config_t cfg = {
        .max_guests = 3, .bipbuf_capacity = 256, .max_payload_size = 4096,
        .num_classes = 2, .classes = classes,
    };
    roam_layout_t layout;
    if (roam_layout_compute(&cfg, &layout) != ROAM_OK)
        return 1;
    /* Aligned and zeroed, as a fresh mapping is. */
    size_t len = (size_t)layout.total_size;
    unsigned char *seg = aligned_alloc(ROAM_SEGMENT_ALIGN, len);
    if (seg == NULL)
        return 1;
    memset(seg, 0, len);
    if (roam_segment_init(seg, len, &cfg, NULL) != ROAM_OK)
        return 1;

    const long iters = 2000000;
    double copy_hdr = best(time_copy, seg, ROAM_SEGMENT_HEADER_SIZE, iters);
    double hdr = best(time_header, seg, len, iters);
    const long seg_iters = 200000;
    double copy_seg = best(time_copy, seg, ROAM_SEGMENT_HEADER_SIZE, seg_iters);
    double whole = best(time_segment, seg, len, seg_iters);

    printf("header validate : %6.1f ns/op, %5.2fx a %u-byte copy (%.1f ns)\n",
           hdr / (double)iters * 1e9, hdr / copy_hdr, ROAM_SEGMENT_HEADER_SIZE,
           copy_hdr / (double)iters * 1e9);
    printf("segment validate: %6.1f ns/op, %5.2fx a %u-byte copy (3 guests, 2 classes)\n",
           whole / (double)seg_iters * 1e9, whole / copy_seg, ROAM_SEGMENT_HEADER_SIZE);
    free(seg);
    return 0;
}
