/*
 * libFuzzer: frame checking, decoding and routing. Input: a u32 inline
 * threshold, a u32 payload length, two u32 slot sizes (LE), then the bytes
 * of one ring entry. The entry is checked and decoded in a heap block of
 * exactly its size (so any read past it is caught) and at every shorter
 * length; routing runs on the worked example's segment with that threshold
 * and those slot sizes, and its answer is checked against the rule.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roam_data.h"
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
        uint32_t avail = (uint32_t)(len - cut);
        roam_err_t err = roam_frame_check(copy, avail, &d);
        roam_frame_t f;

        if (err != d.err)
            abort();
        /* A decoded entry lies within what was readable. */
        if (roam_frame_decode(copy, avail, &f, &d) == ROAM_OK &&
            (f.total_len > avail ||
             (f.kind == ROAM_FRAME_INLINE &&
              (f.payload < copy || f.payload_len > avail ||
               (const unsigned char *)f.payload + f.payload_len > copy + avail))))
            abort();
    }
    free(copy);
}

/* Routing, as roam's sender routes: refused above max_payload_size; inline
 * within the threshold, the u16 length and the ring; else the first class
 * in table order whose slots hold the length prefix and the payload; else
 * an mmap reference. */
static void fuzz_frame_route(uint32_t threshold, uint32_t len, uint32_t size0, uint32_t size1)
{
    static const roam_size_class_t classes[] = {{512, 3}, {4096, 1}};
    static const roam_segment_config_t cfg = {
        .max_guests = 3, .bipbuf_capacity = 256, .max_payload_size = 4096,
        .num_classes = 2, .classes = classes,
    };
    static void *seg;
    static size_t seg_len;
    static roam_segment_header_plain_t fresh;
    roam_segment_header_plain_t snap;
    uint32_t sizes[2] = {size0 != 0 ? size0 : 1, size1 != 0 ? size1 : 1};
    uint32_t cls = UINT32_MAX, want = 2;
    uint32_t entry = roam_frame_inline_len(len);
    uint64_t need = (uint64_t)len + ROAM_SLOT_LEN_PREFIX_SIZE;
    roam_frame_kind_t k;

    if (seg == NULL) {
        roam_layout_t l;

        if (roam_layout_compute(&cfg, &l) != ROAM_OK ||
            posix_memalign(&seg, ROAM_SEGMENT_ALIGN, l.total_size) != 0)
            abort();
        seg_len = l.total_size;
        memset(seg, 0, seg_len);
        if (roam_segment_init(seg, seg_len, &cfg, NULL) != ROAM_OK ||
            roam_segment_validate(seg, seg_len, &fresh, NULL) != ROAM_OK)
            abort();
    }
    /* Another peer's choices: any threshold, any non-zero slot sizes. */
    roam_segment_header_set_inline_threshold(seg, threshold);
    for (uint32_t i = 0; i < 2; i++)
        roam_size_class_header_set_slot_size(roam_segment_class(seg, &fresh, i), sizes[i]);
    if (roam_segment_validate(seg, seg_len, &snap, NULL) != ROAM_OK)
        return;

    k = roam_frame_route(seg, &snap, len, &cls);
    if (len > cfg.max_payload_size) {
        if (k != ROAM_FRAME_REFUSED)
            abort();
        return;
    }
    if (len <= roam_segment_header_plain_effective_inline_threshold(&snap) &&
        len <= ROAM_INLINE_PAYLOAD_MAX && entry != 0 && entry <= cfg.bipbuf_capacity) {
        if (k != ROAM_FRAME_INLINE)
            abort();
        return;
    }
    for (uint32_t i = 0; i < 2 && want == 2; i++)
        if (sizes[i] >= need)
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
