/*
 * Corrupt and truncated segments, many of them: random byte changes and
 * random lengths applied to freshly created segments. Validation must
 * reject or accept each without reading outside the buffer (the buffers are
 * exactly as long as said, so AddressSanitizer catches an over-read), and
 * whatever it accepts must be safe to walk with the navigation functions.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_run.h"

#define ROUNDS 20000

/* xorshift64*: a fixed sequence, so a failure can be replayed. */
static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* len bytes, aligned like a mapping (ROAM_SEGMENT_ALIGN), with nothing readable past len. */
static unsigned char *alloc_exact(size_t len)
{
    void *p = NULL;
    test_require(posix_memalign(&p, ROAM_SEGMENT_ALIGN, len != 0 ? len : 1) == 0);
    return p;
}

/* A fresh segment for cfg, in an exact-length buffer. */
static unsigned char *fresh(const roam_segment_config_t *cfg, size_t *len)
{
    roam_layout_t layout;
    ck_assert_int_eq(roam_layout_compute(cfg, &layout), ROAM_OK);
    *len = (size_t)layout.total_size;
    unsigned char *seg = alloc_exact(*len);
    memset(seg, 0, *len);
    ck_assert_int_eq(roam_segment_init(seg, *len, cfg, NULL), ROAM_OK);
    return seg;
}

/* Everything an accepted segment lets a reader reach lies inside it. */
static void walk(unsigned char *seg, size_t len, const roam_segment_header_plain_t *snap)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < roam_segment_header_plain_max_guests(snap); i++) {
        roam_peer_entry_t *p = roam_segment_peer(seg, snap, i);
        test_require(p != NULL);
        test_require((unsigned char *)(p + 1) <= seg + len);
        sum += roam_peer_entry_load_state(p) + roam_peer_entry_ring_offset(p);
        for (int d = 0; d < 2; d++) {
            roam_bipbuf_header_t *r = roam_segment_ring(seg, snap, i, (enum roam_ring_dir)d);
            test_require(r != NULL);
            test_require((unsigned char *)r + sizeof *r + roam_bipbuf_header_capacity(r) <= seg + len);
            sum += roam_bipbuf_header_load_read(r);
        }
    }
    for (uint32_t i = 0; i < roam_segment_header_plain_num_var_slot_classes(snap); i++) {
        roam_size_class_header_t *c = roam_segment_class(seg, snap, i);
        test_require(c != NULL);
        test_require((unsigned char *)(c + 1) <= seg + len);
        sum += roam_size_class_header_slot_size(c);
    }
    (void)sum;
}

/* Mutate copies of seg (len bytes) ROUNDS times; count what was accepted. */
static uint32_t mutate_rounds(const unsigned char *seg, size_t len, uint64_t seed)
{
    uint32_t accepted = 0;
    rng_state = seed;
    for (int round = 0; round < ROUNDS; round++) {
        /* Mostly the tables at the front, sometimes anywhere; maybe cut short. */
        size_t n = len;
        if (rng() % 4 == 0)
            n = (size_t)(rng() % (len + 1));
        unsigned char *copy = alloc_exact(n);
        memcpy(copy, seg, n);
        int flips = 1 + (int)(rng() % 4);
        for (int f = 0; f < flips && n > 0; f++) {
            size_t span = rng() % 2 ? (n < 1024 ? n : 1024) : n;
            copy[rng() % span] ^= (unsigned char)(1u << (rng() % 8));
            if (rng() % 8 == 0)
                copy[rng() % span] = (unsigned char)rng();
        }

        roam_segment_header_plain_t snap;
        roam_diag_t diag;
        roam_err_t err = roam_segment_validate(copy, n, &snap, &diag);
        if (err == ROAM_OK) {
            walk(copy, n, &snap);
            accepted++;
        } else {
            test_require_uint_eq(diag.err, err);
            test_require(diag.msg[0] != '\0');
        }
        free(copy);
    }
    return accepted;
}

START_TEST(mutated_segments_never_read_outside)
{
    static const roam_size_class_t ex_classes[] = {{512, 3}, {4096, 1}};
    static const roam_size_class_t b_classes[] = {{1024, 32}};
    const roam_segment_config_t cfgs[] = {
        {.max_guests = 3, .bipbuf_capacity = 256, .max_payload_size = 4096, .num_classes = 2,
         .classes = ex_classes},
        {.max_guests = 8, .bipbuf_capacity = 4096, .max_payload_size = 4096,
         .inline_threshold = 512, .num_classes = 1, .classes = b_classes},
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        size_t len;
        unsigned char *seg = fresh(&cfgs[i], &len);
        uint32_t accepted = mutate_rounds(seg, len, 0x9E3779B97F4A7C15ULL + i);
        /* Flips in data bytes are legitimately accepted; rule bytes are not. */
        ck_assert_uint_gt(accepted, 0);
        ck_assert_uint_lt(accepted, ROUNDS);
        free(seg);
    }
}
END_TEST

START_TEST(random_frames_never_read_outside)
{
    rng_state = 42;
    for (int round = 0; round < ROUNDS; round++) {
        uint32_t avail = (uint32_t)(rng() % 48);
        unsigned char *e = alloc_exact(avail);
        for (uint32_t i = 0; i < avail; i++)
            e[i] = (unsigned char)rng();
        /* Plausible headers half the time, so the deeper rules are reached. */
        if (avail >= ROAM_FRAME_HEADER_SIZE && rng() % 2) {
            roam_frame_header_t h;
            memset(&h, 0, sizeof h);
            roam_frame_header_set_total_len(&h, (uint32_t)(rng() % 40));
            roam_frame_header_set_flags(&h, (uint8_t)(rng() % 4));
            memcpy(e, &h, sizeof h);
        }
        roam_diag_t diag;
        roam_err_t err = roam_frame_check(e, avail, &diag);
        test_require(err == ROAM_OK || diag.err == err);
        free(e);
    }
}
END_TEST

static Suite *mutate_suite(void)
{
    Suite *s = suite_create("mutate");
    TCase *tc = tcase_create("mutate");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mutated_segments_never_read_outside);
    tcase_add_test(tc, random_frames_never_read_outside);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(mutate_suite());
}
