/*
 * Before anything is measured: the floor and the seed implement the rules
 * they are compared with. Every 32-bit word the validator reads is set, in
 * turn, to values that break rules (and to some that do not), and the floor
 * must return the library's error code; the seed must give roam's message
 * exactly when the library fails one of roam's own four rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const roam_err_t roam_own_rules[] = {
    ROAM_E_BAD_MAGIC, ROAM_E_VERSION, ROAM_E_HEADER_SIZE, ROAM_E_NO_CLASSES,
};

/* The seed's verdict matches the library's (on the same bytes). */
static int seed_agrees(const unsigned char *buf, roam_err_t err)
{
#ifdef BENCH_SEED
    const char *want = NULL;
    size_t len = 0;
    const uint8_t *got = roam_seed_validate(buf, &len);

    for (size_t i = 0; i < sizeof roam_own_rules / sizeof roam_own_rules[0]; i++)
        if (err == roam_own_rules[i])
            want = roam_strerror(err);
    if (want == NULL || got == NULL)
        return want == NULL && got == NULL;
    return len == strlen(want) && memcmp(got, want, len) == 0;
#else
    (void)buf;
    (void)err;
    (void)roam_own_rules;
    return 1;
#endif
}

/* One corrupted image: library, floor and seed on it. */
static long check_image(const unsigned char *buf, size_t len, size_t off)
{
    roam_segment_header_plain_t a, b;
    roam_diag_t d;
    roam_err_t lib = roam_segment_validate(buf, len, &a, &d);
    roam_err_t flo = floor_segment(buf, len, &b);
    roam_err_t lib_h = roam_header_validate(buf, len, ROAM_VALIDATE_MAPPING, &a);
    roam_err_t flo_h = floor_header(buf, len, &b);
    long bad = 0;

    if (lib != flo) {
        printf("disagree at byte %zu (len %zu): library %s, floor %s\n", off, len,
               roam_errname(lib), roam_errname(flo));
        bad++;
    }
    if (lib_h != flo_h) {
        printf("disagree on the header at byte %zu (len %zu): library %s, floor %s\n", off, len,
               roam_errname(lib_h), roam_errname(flo_h));
        bad++;
    }
    if (len >= ROAM_SEGMENT_HEADER_SIZE && !seed_agrees(buf, lib_h)) {
        printf("seed disagrees at byte %zu: library %s\n", off, roam_errname(lib_h));
        bad++;
    }
    return bad;
}

/* Set the word at off to each test value in turn. */
static long check_word(unsigned char *buf, size_t len, size_t off, long *images)
{
    uint32_t orig, v[6];
    long bad = 0;

    memcpy(&orig, buf + off, sizeof orig);
    v[0] = 0;
    v[1] = 1;
    v[2] = UINT32_MAX;
    v[3] = orig + 64;
    v[4] = orig - 1;
    v[5] = orig ^ 0x80000000u;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        memcpy(buf + off, &v[i], sizeof v[i]);
        bad += check_image(buf, len, off);
        (*images)++;
    }
    memcpy(buf + off, &orig, sizeof orig);
    return bad;
}

static long check_segment(const bench_seg_t *s, long *images)
{
    const roam_segment_header_plain_t *h = (const void *)s->buf;
    uint64_t pto = h->peer_table_offset, pool = h->var_pool_offset;
    uint64_t ring = pto + (uint64_t)h->max_guests * ROAM_PEER_ENTRY_SIZE;
    uint64_t half = ROAM_BIPBUF_HEADER_SIZE + (uint64_t)h->bipbuf_capacity;
    static const size_t ring_words[] = {0, 4, 8, 64};
    unsigned char *buf = aligned_alloc(ROAM_SEGMENT_ALIGN, (s->len + 63) / 64 * 64);
    long bad = 0;

    if (buf == NULL)
        return 1;
    memcpy(buf, s->buf, s->len);
    for (size_t off = 0; off < ROAM_SEGMENT_HEADER_SIZE; off += 4)
        bad += check_word(buf, s->len, off, images);
    for (uint32_t k = 0; k < h->num_var_slot_classes; k++)
        for (size_t off = 0; off < 16; off += 4)
            bad += check_word(buf, s->len, pool + k * ROAM_SIZE_CLASS_HEADER_SIZE + off, images);
    for (uint32_t i = 0; i < h->max_guests; i++)
        for (size_t off = 0; off < 24; off += 4)
            bad += check_word(buf, s->len, pto + i * ROAM_PEER_ENTRY_SIZE + off, images);
    for (uint32_t i = 0; i < 2 * h->max_guests; i++)
        for (size_t w = 0; w < sizeof ring_words / sizeof ring_words[0]; w++)
            bad += check_word(buf, s->len, ring + i * half + ring_words[w], images);
    /* Short buffers. */
    for (size_t len = 0; len <= ROAM_SEGMENT_HEADER_SIZE; len += ROAM_SEGMENT_HEADER_SIZE / 2) {
        bad += check_image(buf, len, 0);
        (*images)++;
    }
    bad += check_image(buf, s->len - 1, 0);
    (*images)++;
    free(buf);
    return bad;
}

long bench_agree(bench_ctx_t *c)
{
    long bad = 0, images = 0;

    (void)c;
    for (size_t i = 0; i < bench_num_segs; i++)
        if (bench_segs[i].guests <= 8)
            bad += check_segment(&bench_segs[i], &images);
    printf("%s with the library on %ld corrupted segments: %s\n",
#ifdef BENCH_SEED
           "floor and seed agree",
#else
           "floor agrees",
#endif
           images, bad == 0 ? "yes" : "NO");
    return bad;
}
