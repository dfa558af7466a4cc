/*
 * libFuzzer: frame checking and routing. Input: a u32 inline threshold, a
 * u32 payload length, two u32 slot sizes (LE), then the bytes of one ring
 * entry. The entry is checked in a heap block of exactly its size (so any
 * read past it is caught) and at every shorter length; routing runs on the
 * worked example's segment with that threshold and those slot sizes, and
 * its answer is checked against the rule.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PREFIX 16

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The entry, as a reader sees it with avail bytes readable. */
static void fuzz_frame_check(const uint8_t *entry, size_t len)
{
    unsigned char *copy = malloc(len > 0 ? len : 1);
    roam_diag_t d;

    if (copy == NULL)
        return;
    memcpy(copy, entry, len);
    /* Every readable length down to 64 bytes fewer, none past the block. */
    for (size_t cut = 0; cut <= len && cut < 64; cut++) {
        roam_err_t err = roam_frame_check(copy, (uint32_t)(len - cut), &d);

        if (err != d.err)
            abort();
    }
    free(copy);
}

/* Routing: inline by the rule, else the smallest class that holds it, else mmap. */
static void fuzz_frame_route(uint32_t threshold, uint32_t len, uint32_t size0, uint32_t size1)
{
    static const roam_size_class_t classes[] = {{512, 3}, {4096, 1}};
    static const roam_segment_config_t cfg = {
        .max_guests = 3, .bipbuf_capacity = 256, .max_payload_size = 4096,
        .num_classes = 2, .classes = classes,
    };
    static void *seg;
    static roam_layout_t l;
    roam_segment_header_t snap;
    uint32_t sizes[2] = {size0 != 0 ? size0 : 1, size1 != 0 ? size1 : 1};
    uint32_t cls = UINT32_MAX, inline_max, want = 2;
    roam_frame_kind_t k;

    if (seg == NULL) {
        if (roam_layout_compute(&cfg, &l) != ROAM_OK ||
            posix_memalign(&seg, ROAM_SEGMENT_ALIGN, l.total_size) != 0)
            abort();
        memset(seg, 0, l.total_size);
        if (roam_segment_init(seg, l.total_size, &cfg, NULL) != ROAM_OK)
            abort();
    }
    /* Another peer's choices: any threshold, any non-zero slot sizes. */
    roam_segment_header_set_inline_threshold(seg, threshold);
    for (uint32_t i = 0; i < 2; i++)
        roam_size_class_header_set_slot_size((roam_size_class_header_t *)((char *)seg +
                                             l.classes[i].header_offset), sizes[i]);
    if (roam_segment_validate(seg, l.total_size, &snap, NULL) != ROAM_OK)
        return;

    k = roam_frame_route(seg, &snap, len, &cls);
    if (roam_frame_inline_limit(roam_segment_header_effective_inline_threshold(&snap),
                                &inline_max) && len <= inline_max) {
        if (k != ROAM_FRAME_INLINE)
            abort();
        return;
    }
    for (uint32_t i = 0; i < 2; i++)
        if (sizes[i] >= len && (want == 2 || sizes[i] < sizes[want]))
            want = i;
    if (want == 2 ? k != ROAM_FRAME_MMAP_REF : k != ROAM_FRAME_SLOT_REF || cls != want)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_PREFIX) {
        fuzz_frame_check(data, size);
        return 0;
    }
    fuzz_frame_route(le32(data), le32(data + 4), le32(data + 8), le32(data + 12));
    fuzz_frame_check(data + FUZZ_PREFIX, size - FUZZ_PREFIX);
    return 0;
}
