/*
 * Frames as roam's peers write them: roam's golden vectors (written by
 * roam's own Rust framing code, tests/fixtures/golden/) decode to the
 * values roam encoded, frames in roam's current form (inline length in
 * bytes 6..7) are accepted and delivered without padding, slot payloads
 * carry roam's length prefix, and this library's writers produce roam's
 * bytes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roam_data.h"
#include "test_bytes.h"
#include "test_run.h"

/* A golden vector, of exactly the size roam wrote. */
static unsigned char *golden(const char *name, size_t want)
{
    char path[128];
    size_t len = 0;
    unsigned char *b;

    snprintf(path, sizeof path, "golden/%s", name);
    b = tb_read_fixture(path, &len);
    ck_assert_msg(b != NULL, "fixture %s missing", path);
    ck_assert_uint_eq(len, want);
    return b;
}

/* Decode the first avail bytes of src from a heap block of exactly that
 * size, so ASan reports any read past them. */
static roam_err_t decode_exact(const unsigned char *src, uint32_t avail, roam_frame_t *f,
                               unsigned char **keep)
{
    unsigned char *buf = malloc(avail);

    ck_assert(buf != NULL);
    memcpy(buf, src, avail);
    *keep = buf;
    return roam_frame_decode(buf, avail, f, NULL);
}

START_TEST(golden_inline)
{
    unsigned char *v = golden("frame_inline.bin", 20), *buf;
    unsigned char mine[20];
    roam_frame_t f;

    /* roam's golden inline frame leaves inline_payload_len 0: the reader
     * takes total_len - 8 bytes, padding included, as roam's does. */
    ck_assert_int_eq(decode_exact(v, 20, &f, &buf), ROAM_OK);
    ck_assert_int_eq(f.kind, ROAM_FRAME_INLINE);
    ck_assert_uint_eq(f.total_len, 20);
    ck_assert(!f.len_known);
    ck_assert_uint_eq(f.payload_len, 12);
    ck_assert(memcmp(f.payload, "swift-shm\0\0\0", 12) == 0);
    free(buf);

    /* The same payload written here differs only in bytes 6..7: the length. */
    ck_assert_uint_eq(roam_frame_put_inline(mine, "swift-shm", 9), 20);
    ck_assert(memcmp(mine, v, 6) == 0);
    ck_assert_uint_eq(mine[6], 9);
    ck_assert_uint_eq(mine[7], 0);
    ck_assert(memcmp(mine + 8, v + 8, 12) == 0);
    ck_assert_int_eq(roam_frame_decode(mine, 20, &f, NULL), ROAM_OK);
    ck_assert(f.len_known);
    ck_assert_uint_eq(f.payload_len, 9);
    free(v);
}
END_TEST

START_TEST(golden_slot_ref)
{
    unsigned char *v = golden("frame_slot_ref.bin", 20), *body = golden("slot_ref.bin", 12), *buf;
    unsigned char *hdr = golden("frame_header.bin", 8);
    roam_slot_t s = {2, 1, 42, 7};
    unsigned char mine[20];
    roam_frame_header_t h;
    roam_frame_t f;

    ck_assert_int_eq(decode_exact(v, 20, &f, &buf), ROAM_OK);
    ck_assert_int_eq(f.kind, ROAM_FRAME_SLOT_REF);
    ck_assert_uint_eq(f.total_len, ROAM_SLOT_REF_ENTRY_SIZE);
    ck_assert_uint_eq(f.slot.class_idx, 2);
    ck_assert_uint_eq(f.slot.extent_idx, 1);
    ck_assert_uint_eq(f.slot.slot_idx, 42);
    ck_assert_uint_eq(f.slot.generation, 7);
    free(buf);

    /* The entry is roam's header vector then roam's slot_ref vector. */
    ck_assert(memcmp(v, hdr, 8) == 0);
    ck_assert(memcmp(v + 8, body, 12) == 0);
    memcpy(&h, hdr, sizeof h);
    ck_assert_uint_eq(roam_frame_header_total_len(&h), 20);
    ck_assert_uint_eq(roam_frame_header_flags(&h), ROAM_FRAME_FLAGS_SLOT_REF);
    ck_assert_uint_eq(roam_frame_header_inline_payload_len(&h), 0);
    /* A lone header is a truncated entry, never read past. */
    ck_assert_int_eq(roam_frame_check(hdr, 8, NULL), ROAM_E_FRAME_LEN);

    /* Written here: the same 20 bytes. */
    roam_frame_put_slot_ref(mine, s);
    ck_assert(memcmp(mine, v, 20) == 0);
    free(v);
    free(body);
    free(hdr);
}
END_TEST

START_TEST(golden_mmap_ref)
{
    unsigned char *v = golden("frame_mmap_ref.bin", 32), *buf;
    unsigned char mine[32];
    roam_frame_t f;

    ck_assert_int_eq(decode_exact(v, 32, &f, &buf), ROAM_OK);
    ck_assert_int_eq(f.kind, ROAM_FRAME_MMAP_REF);
    ck_assert_uint_eq(roam_mmap_ref_map_id(&f.mmap), 9);
    ck_assert_uint_eq(roam_mmap_ref_map_generation(&f.mmap), 3);
    ck_assert_uint_eq(roam_mmap_ref_map_offset(&f.mmap), 4096);
    ck_assert_uint_eq(roam_mmap_ref_payload_len(&f.mmap), 8192);
    free(buf);

    roam_frame_put_mmap_ref(mine, &f.mmap);
    ck_assert(memcmp(mine, v, 32) == 0);
    free(v);
}
END_TEST

/* roam's write_inline(b"hello"): total 16, inline length 5, 3 bytes of padding. */
static const unsigned char roam_hello[16] = {16, 0, 0, 0, 0, 0, 5, 0,
                                             'h', 'e', 'l', 'l', 'o', 0, 0, 0};

START_TEST(roam_current_inline_accepted)
{
    unsigned char *buf;
    unsigned char mine[16];
    roam_frame_t f;

    /* Accepted (the reserved-byte rule no longer covers bytes 6..7), and
     * delivered as "hello", not "hello\0\0\0". */
    ck_assert_int_eq(roam_frame_check(roam_hello, sizeof roam_hello, NULL), ROAM_OK);
    ck_assert_int_eq(decode_exact(roam_hello, sizeof roam_hello, &f, &buf), ROAM_OK);
    ck_assert(f.len_known);
    ck_assert_uint_eq(f.payload_len, 5);
    ck_assert(memcmp(f.payload, "hello", 5) == 0);
    free(buf);

    /* And this library writes exactly roam's bytes. */
    ck_assert_uint_eq(roam_frame_put_inline(mine, "hello", 5), 16);
    ck_assert(memcmp(mine, roam_hello, 16) == 0);

    /* Every length up to a few words: header, payload, zero padding. */
    for (uint32_t n = 0; n <= 40; n++) {
        unsigned char e[64], payload[40];

        memset(e, 0xEE, sizeof e);
        for (uint32_t i = 0; i < n; i++)
            payload[i] = (unsigned char)(i * 7 + 1);
        ck_assert_uint_eq(roam_frame_put_inline(e, payload, n), roam_frame_inline_len(n));
        ck_assert_int_eq(roam_frame_decode(e, roam_frame_inline_len(n), &f, NULL), ROAM_OK);
        ck_assert_uint_eq(f.payload_len, n == 0 ? 0 : n);
        ck_assert(memcmp(f.payload, payload, n) == 0);
        for (uint32_t i = ROAM_FRAME_HEADER_SIZE + n; i < roam_frame_inline_len(n); i++)
            ck_assert_uint_eq(e[i], 0);
        ck_assert_uint_eq(e[roam_frame_inline_len(n)], 0xEE);   /* nothing past the entry */
    }
}
END_TEST

START_TEST(slot_length_prefix)
{
    unsigned char slot[64];
    uint32_t len = 0;

    /* roam writes the payload length as a u32 first; "hell" read as a
     * length is what roam's receiver drops as malformed. */
    memcpy(slot, "\x05\x00\x00\x00hello", 9);
    ck_assert_int_eq(roam_slot_payload_len(slot, sizeof slot, &len), ROAM_OK);
    ck_assert_uint_eq(len, 5);
    memcpy(slot, "hello", 5);
    ck_assert_int_eq(roam_slot_payload_len(slot, sizeof slot, &len), ROAM_E_SLOT_LEN);

    /* At most slot_size - 4. */
    tb_put_le(slot, 0, 4, 60);
    ck_assert_int_eq(roam_slot_payload_len(slot, 64, &len), ROAM_OK);
    ck_assert_uint_eq(len, 60);
    tb_put_le(slot, 0, 4, 61);
    ck_assert_int_eq(roam_slot_payload_len(slot, 64, &len), ROAM_E_SLOT_LEN);
    tb_put_le(slot, 0, 4, 0);
    ck_assert_int_eq(roam_slot_payload_len(slot, 3, &len), ROAM_E_SLOT_LEN);
}
END_TEST

static Suite *frame_roam_suite(void)
{
    Suite *s = suite_create("frame_roam");
    TCase *tc = tcase_create("golden");

    tcase_add_test(tc, golden_inline);
    tcase_add_test(tc, golden_slot_ref);
    tcase_add_test(tc, golden_mmap_ref);
    tcase_add_test(tc, roam_current_inline_accepted);
    tcase_add_test(tc, slot_length_prefix);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(frame_roam_suite());
}
