/*
 * Before anything is measured: the floor and the seed implement the rules
 * they are compared with. Every 32-bit word the validator reads is set, in
 * turn, to values that break rules (and to some that do not), and the floor
 * must return the library's error code; the seed must give roam's message
 * exactly when the library fails one of roam's own four rules. The floor's
 * crash recovery must free the same slots as the library's, leaving the
 * same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "roam_data.h"

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

/* Entry e (a slot reference to s, or with s NULL an inline entry) onto ring r. */
static int put_entry(roam_ring_t *r, const roam_slot_t *s)
{
    uint32_t n = s != NULL ? ROAM_SLOT_REF_ENTRY_SIZE : roam_frame_inline_len(2), off;

    if (roam_ring_grant(r, n, &off) != ROAM_OK)
        return -1;
    if (s != NULL)
        roam_frame_put_slot_ref(r->data + off, *s);
    else
        roam_frame_put_inline(r->data + off, "hi", 2);
    return roam_ring_commit(r, n) == ROAM_OK ? 0 : -1;
}

/* Free slots over every class of pool p, or UINT32_MAX. */
static uint32_t count_free(const roam_pool_t *p)
{
    uint32_t total = 0, n;

    for (uint32_t k = 0; k < p->num_classes; k++) {
        if (roam_pool_count_free(p, k, &n) != ROAM_OK)
            return UINT32_MAX;
        total += n;
    }
    return total;
}

/* A guest of the cycle segment holding three slots of its own, with two of
 * the host's in flight to it (its ring also holds an inline entry, a
 * reference to one of its own slots and a stale one), and one the host
 * keeps: the library's roam_host_recover and, from the same bytes, the
 * floor's recover must each free the five and leave identical segments. */
static long check_recover(bench_ctx_t *c, uint32_t *freed)
{
    roam_segment_t *host = c->cycle_host;
    size_t len = host->map_len;
    unsigned char *before = malloc(len), *lib = malloc(len);
    roam_pool_t pool;
    roam_ring_t ring;
    roam_slot_t s[6], stale;
    static const uint32_t sizes[6] = {100, 100, 2000, 100, 2000, 100};
    uint32_t index, free0, free1 = UINT32_MAX;
    long bad = 1;

    *freed = 0;
    if (before == NULL || lib == NULL ||
        roam_pool_bind(&pool, host->base, len, &host->snap, NULL) != ROAM_OK ||
        roam_guest_attach(c->cycle_guest, &index, NULL) != ROAM_OK ||
        roam_ring_open(&ring, host->base, &host->snap, index, ROAM_RING_HOST_TO_GUEST) != ROAM_OK)
        goto out;
    free0 = count_free(&pool);
    for (int k = 0; k < 6; k++)
        if (roam_pool_alloc(&pool, sizes[k], k < 3 ? index + 1 : 0, &s[k]) != ROAM_OK)
            goto out;
    stale = s[5];
    stale.generation++;
    if (put_entry(&ring, NULL) != 0 || put_entry(&ring, &s[3]) != 0 ||
        put_entry(&ring, &s[0]) != 0 || put_entry(&ring, &stale) != 0 ||
        put_entry(&ring, &s[4]) != 0)
        goto out;

    memcpy(before, host->base, len);
    if (roam_host_recover(host, index, NULL) != ROAM_OK)
        goto out;
    free1 = count_free(&pool);
    memcpy(lib, host->base, len);
    memcpy(host->base, before, len);
    floor_recover(&c->floor_cycle, index);
    *freed = free1 - (free0 - 6);
    bad = free0 == UINT32_MAX || free1 != free0 - 1 || memcmp(host->base, lib, len) != 0;

out:
    /* Back to every entry Empty and every slot free: the host's kept slot
     * freed, the guest's handle told its entry is gone. */
    if (free1 != UINT32_MAX)
        roam_pool_free(&pool, s[5], NULL);
    roam_guest_detach(c->cycle_guest, NULL);
    free(before);
    free(lib);
    return bad;
}

long bench_agree(bench_ctx_t *c)
{
    long bad = 0, images = 0, rbad;
    uint32_t freed;

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
    rbad = check_recover(c, &freed);
    printf("floor recovers a guest as the library does (%u slots freed, same bytes): %s\n", freed,
           rbad == 0 ? "yes" : "NO");
    return bad + rbad;
}
