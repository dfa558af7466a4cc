/*
 * Framing (reference §6): inline entry sizes, how a payload is routed in a
 * segment, and roam_frame_check on well-formed and broken entries, never
 * reading past the bytes it is given.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_run.h"

/* ---- Segments ----------------------------------------------------------- */

/* The worked example of reference §5, and variants of its classes. */
static const roam_size_class_t example_classes[] = {{512, 3}, {4096, 1}};
static const roam_size_class_t unordered_classes[] = {{4096, 1}, {512, 3}};
static const roam_size_class_t tied_classes[] = {{512, 1}, {1024, 1}, {512, 2}};

static roam_segment_config_t config_cap(const roam_size_class_t *classes, uint32_t n,
                                        uint32_t inline_threshold, uint32_t capacity,
                                        uint32_t max_payload)
{
    roam_segment_config_t cfg = {
        .max_guests = 3,
        .bipbuf_capacity = capacity,
        .max_payload_size = max_payload,
        .inline_threshold = inline_threshold,
        .heartbeat_interval = 0,
        .num_classes = n,
        .classes = classes,
    };
    return cfg;
}

/* The worked example's ring (256 bytes) and max_payload_size (4096). */
static roam_segment_config_t config(const roam_size_class_t *classes, uint32_t n,
                                    uint32_t inline_threshold)
{
    return config_cap(classes, n, inline_threshold, 256, 4096);
}

/* A fresh, validated segment for cfg in a zeroed 64-byte-aligned buffer;
 * *snap gets its header snapshot. free() the result. */
static unsigned char *make_segment(const roam_segment_config_t *cfg, roam_segment_header_plain_t *snap)
{
    roam_layout_t l;
    size_t size;
    unsigned char *buf;

    ck_assert_int_eq(roam_layout_compute(cfg, &l), ROAM_OK);
    /* aligned_alloc wants a multiple of the alignment. */
    size = (size_t)(l.total_size + ROAM_SEGMENT_ALIGN - 1) / ROAM_SEGMENT_ALIGN * ROAM_SEGMENT_ALIGN;
    buf = aligned_alloc(ROAM_SEGMENT_ALIGN, size);
    ck_assert(buf != NULL);
    memset(buf, 0, size);
    ck_assert_int_eq(roam_segment_init(buf, size, cfg, NULL), ROAM_OK);
    ck_assert_int_eq(roam_segment_validate(buf, size, snap, NULL), ROAM_OK);
    return buf;
}

/* Route len and expect kind (and class cls for a slot reference); class_idx
 * stays untouched for the other kinds. */
static void expect_route(const void *base, const roam_segment_header_plain_t *snap, uint32_t len,
                         roam_frame_kind_t kind, uint32_t cls)
{
    uint32_t got = UINT32_MAX;
    roam_frame_kind_t k = roam_frame_route(base, snap, len, &got);

    ck_assert_msg(k == kind, "len %u: kind %d, want %d", len, (int)k, (int)kind);
    if (kind == ROAM_FRAME_SLOT_REF)
        ck_assert_msg(got == cls, "len %u: class %u, want %u", len, got, cls);
    else
        ck_assert_msg(got == UINT32_MAX, "len %u: class_idx written for kind %d", len, (int)k);
    /* class_idx may be NULL. */
    ck_assert_int_eq(roam_frame_route(base, snap, len, NULL), kind);
}

/* ---- Entries ------------------------------------------------------------ */

#define ENTRY_MAX 64

/* An inline entry carrying payload (n bytes) in out, padding zero, its
 * inline_payload_len set as roam's framing writes it; its total_len. */
static uint32_t build_inline(unsigned char out[ENTRY_MAX], const char *payload, uint32_t n)
{
    roam_frame_header_t h;
    uint32_t total = roam_frame_inline_len(n);

    ck_assert_uint_le(total, ENTRY_MAX);
    memset(&h, 0, sizeof h);
    roam_frame_header_set_total_len(&h, total);
    roam_frame_header_set_flags(&h, 0);
    roam_frame_header_set_inline_payload_len(&h, (uint16_t)n);
    memset(out, 0, ENTRY_MAX);
    memcpy(out, &h, sizeof h);
    memcpy(out + ROAM_FRAME_HEADER_SIZE, payload, n);
    return total;
}

/* A slot-reference entry in out; its total_len. */
static uint32_t build_slot_ref(unsigned char out[ENTRY_MAX])
{
    roam_frame_header_t h;
    roam_slot_ref_t ref;

    memset(&h, 0, sizeof h);
    memset(&ref, 0, sizeof ref);
    roam_frame_header_set_total_len(&h, ROAM_SLOT_REF_ENTRY_SIZE);
    roam_frame_header_set_flags(&h, ROAM_FRAME_FLAGS_SLOT_REF);
    roam_slot_ref_set_class_idx(&ref, 1);
    roam_slot_ref_set_extent_idx(&ref, 0);
    roam_slot_ref_set_slot_idx(&ref, 2);
    roam_slot_ref_set_generation(&ref, 7);
    memset(out, 0, ENTRY_MAX);
    memcpy(out, &h, sizeof h);
    memcpy(out + ROAM_FRAME_HEADER_SIZE, &ref, sizeof ref);
    return ROAM_SLOT_REF_ENTRY_SIZE;
}

/* An mmap-reference entry in out; its total_len. */
static uint32_t build_mmap_ref(unsigned char out[ENTRY_MAX])
{
    roam_frame_header_t h;
    roam_mmap_ref_t ref;

    memset(&h, 0, sizeof h);
    memset(&ref, 0, sizeof ref);
    roam_frame_header_set_total_len(&h, ROAM_MMAP_REF_ENTRY_SIZE);
    roam_frame_header_set_flags(&h, ROAM_FRAME_FLAGS_MMAP_REF);
    roam_mmap_ref_set_map_id(&ref, 3);
    roam_mmap_ref_set_map_generation(&ref, 1);
    roam_mmap_ref_set_map_offset(&ref, 1u << 20);
    roam_mmap_ref_set_payload_len(&ref, 100000);
    memset(out, 0, ENTRY_MAX);
    memcpy(out, &h, sizeof h);
    memcpy(out + ROAM_FRAME_HEADER_SIZE, &ref, sizeof ref);
    return ROAM_MMAP_REF_ENTRY_SIZE;
}

/* Rewrite the header of the entry in e through a private copy. */
static void set_total_len(unsigned char *e, uint32_t total)
{
    roam_frame_header_t h;

    memcpy(&h, e, sizeof h);
    roam_frame_header_set_total_len(&h, total);
    memcpy(e, &h, sizeof h);
}

static void set_flags(unsigned char *e, uint8_t flags)
{
    roam_frame_header_t h;

    memcpy(&h, e, sizeof h);
    roam_frame_header_set_flags(&h, flags);
    memcpy(e, &h, sizeof h);
}

/* roam_frame_check on the first avail bytes of src, copied into a heap block
 * of exactly avail bytes so that ASan reports any read past them. */
static roam_err_t check_exact(const unsigned char *src, uint32_t avail, roam_diag_t *diag)
{
    unsigned char *buf = malloc(avail);
    roam_err_t err;

    ck_assert(avail == 0 || buf != NULL);
    if (avail > 0)
        memcpy(buf, src, avail);
    err = roam_frame_check(buf, avail, diag);
    free(buf);
    return err;
}

/* Expect the first avail bytes of src to pass. */
static void expect_ok(const unsigned char *src, uint32_t avail)
{
    roam_diag_t diag;

    memset(&diag, 0xAB, sizeof diag);
    ck_assert_int_eq(check_exact(src, avail, &diag), ROAM_OK);
    ck_assert_int_eq(diag.err, ROAM_OK);
    ck_assert_str_eq(diag.msg, "");
    ck_assert_int_eq(check_exact(src, avail, NULL), ROAM_OK);
}

/* Expect err, with a diag message containing needle; also without a diag. */
static void expect_reject(const unsigned char *src, uint32_t avail, roam_err_t err,
                          const char *needle)
{
    roam_diag_t diag;

    memset(&diag, 0xAB, sizeof diag);
    ck_assert_int_eq(check_exact(src, avail, &diag), err);
    ck_assert_int_eq(diag.err, err);
    ck_assert_msg(strstr(diag.msg, needle) != NULL, "diag \"%s\" lacks \"%s\"", diag.msg, needle);
    ck_assert_int_eq(check_exact(src, avail, NULL), err);
}

/* ---- roam_frame_inline_len --------------------------------------------- */

START_TEST(inline_len_boundaries)
{
    ck_assert_uint_eq(roam_frame_inline_len(0), 8);
    ck_assert_uint_eq(roam_frame_inline_len(1), 12);
    ck_assert_uint_eq(roam_frame_inline_len(3), 12);
    ck_assert_uint_eq(roam_frame_inline_len(4), 12);
    ck_assert_uint_eq(roam_frame_inline_len(5), 16);
    ck_assert_uint_eq(roam_frame_inline_len(8), 16);
    ck_assert_uint_eq(roam_frame_inline_len(248), 256);

    /* The largest that fits, then the first that does not. */
    ck_assert_uint_eq(roam_frame_inline_len(UINT32_MAX - 11), UINT32_MAX - 3);
    ck_assert_uint_eq(roam_frame_inline_len(UINT32_MAX - 10), 0);
    ck_assert_uint_eq(roam_frame_inline_len(UINT32_MAX - 7), 0);
    ck_assert_uint_eq(roam_frame_inline_len(UINT32_MAX), 0);

    /* Always header + payload, padded by less than one alignment unit. */
    for (uint32_t n = 0; n < 1024; n++) {
        uint32_t t = roam_frame_inline_len(n);

        ck_assert_uint_eq(t % ROAM_FRAME_ALIGN, 0);
        ck_assert_uint_ge(t, ROAM_FRAME_HEADER_SIZE + n);
        ck_assert_uint_lt(t, ROAM_FRAME_HEADER_SIZE + n + ROAM_FRAME_ALIGN);
    }
}
END_TEST

/* ---- roam_frame_route -------------------------------------------------- */

START_TEST(route_worked_example)
{
    roam_segment_config_t cfg = config_cap(example_classes, 2, 0, 1024, 4096);
    roam_segment_header_plain_t snap;
    unsigned char *seg = make_segment(&cfg, &snap);

    ck_assert_uint_eq(roam_segment_header_plain_effective_inline_threshold(&snap),
                      ROAM_DEFAULT_INLINE_THRESHOLD);
    /* roam's sender: the payload length itself against the threshold. */
    expect_route(seg, &snap, 0, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, 256, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, 257, ROAM_FRAME_SLOT_REF, 0);
    /* A slot holds the 4-byte length prefix and the payload. */
    expect_route(seg, &snap, 508, ROAM_FRAME_SLOT_REF, 0);
    expect_route(seg, &snap, 509, ROAM_FRAME_SLOT_REF, 1);
    expect_route(seg, &snap, 4092, ROAM_FRAME_SLOT_REF, 1);
    expect_route(seg, &snap, 4093, ROAM_FRAME_MMAP_REF, 0);
    expect_route(seg, &snap, 4096, ROAM_FRAME_MMAP_REF, 0);
    /* Above max_payload_size nothing is sent. */
    expect_route(seg, &snap, 4097, ROAM_FRAME_REFUSED, 0);
    expect_route(seg, &snap, UINT32_MAX, ROAM_FRAME_REFUSED, 0);
    free(seg);
}
END_TEST

START_TEST(route_ring_too_small)
{
    roam_segment_config_t cfg = config(example_classes, 2, 0);
    roam_segment_header_plain_t snap;
    unsigned char *seg = make_segment(&cfg, &snap);

    /* A 256-byte ring holds inline entries of at most 248 payload bytes. */
    expect_route(seg, &snap, 248, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, 249, ROAM_FRAME_SLOT_REF, 0);
    expect_route(seg, &snap, 256, ROAM_FRAME_SLOT_REF, 0);
    free(seg);
}
END_TEST

START_TEST(route_unordered_classes)
{
    roam_segment_config_t cfg = config_cap(unordered_classes, 2, 0, 1024, 4096);
    roam_segment_header_plain_t snap;
    unsigned char *seg = make_segment(&cfg, &snap);

    /* The first class in table order that fits, as roam's sender takes it
     * (not the smallest). */
    expect_route(seg, &snap, 256, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, 300, ROAM_FRAME_SLOT_REF, 0);
    expect_route(seg, &snap, 508, ROAM_FRAME_SLOT_REF, 0);
    expect_route(seg, &snap, 4092, ROAM_FRAME_SLOT_REF, 0);
    expect_route(seg, &snap, 4093, ROAM_FRAME_MMAP_REF, 0);
    free(seg);
}
END_TEST

START_TEST(route_tie_lowest_index)
{
    roam_segment_config_t cfg = config_cap(tied_classes, 3, 0, 1024, 4096);
    roam_segment_header_plain_t snap;
    unsigned char *seg = make_segment(&cfg, &snap);

    expect_route(seg, &snap, 300, ROAM_FRAME_SLOT_REF, 0);
    expect_route(seg, &snap, 508, ROAM_FRAME_SLOT_REF, 0);
    expect_route(seg, &snap, 509, ROAM_FRAME_SLOT_REF, 1);
    expect_route(seg, &snap, 1021, ROAM_FRAME_MMAP_REF, 0);
    free(seg);
}
END_TEST

START_TEST(route_explicit_threshold)
{
    roam_segment_config_t cfg = config_cap(example_classes, 2, 512, 1024, 4096);
    roam_segment_header_plain_t snap;
    unsigned char *seg = make_segment(&cfg, &snap);

    expect_route(seg, &snap, 257, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, 512, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, 513, ROAM_FRAME_SLOT_REF, 1);
    free(seg);

    /* A threshold below the header size still covers that many bytes. */
    cfg = config_cap(example_classes, 2, ROAM_FRAME_HEADER_SIZE - 1, 1024, 4096);
    seg = make_segment(&cfg, &snap);
    expect_route(seg, &snap, 0, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, ROAM_FRAME_HEADER_SIZE - 1, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, ROAM_FRAME_HEADER_SIZE, ROAM_FRAME_SLOT_REF, 0);
    free(seg);

    /* inline_payload_len has 16 bits: nothing larger goes inline, whatever
     * the threshold says. */
    cfg = config_cap(example_classes, 2, UINT32_MAX, 1u << 17, UINT32_MAX);
    seg = make_segment(&cfg, &snap);
    expect_route(seg, &snap, ROAM_INLINE_PAYLOAD_MAX, ROAM_FRAME_INLINE, 0);
    expect_route(seg, &snap, ROAM_INLINE_PAYLOAD_MAX + 1, ROAM_FRAME_MMAP_REF, 0);
    /* len + 4 is computed without wrapping at 32 bits. */
    expect_route(seg, &snap, UINT32_MAX - 2, ROAM_FRAME_MMAP_REF, 0);
    expect_route(seg, &snap, UINT32_MAX, ROAM_FRAME_MMAP_REF, 0);
    free(seg);
}
END_TEST

/* ---- roam_frame_check: well-formed entries ----------------------------- */

START_TEST(check_accepts)
{
    unsigned char e[ENTRY_MAX];
    uint32_t total;

    total = build_inline(e, "hello", 5);
    ck_assert_uint_eq(total, 16);
    expect_ok(e, total);
    /* More readable bytes after the entry are not its business. */
    expect_ok(e, total + 8);

    total = build_inline(e, "", 0);
    ck_assert_uint_eq(total, ROAM_FRAME_HEADER_SIZE);
    expect_ok(e, total);

    total = build_inline(e, "0123456789abcdef", 16);
    expect_ok(e, total);

    total = build_slot_ref(e);
    expect_ok(e, total);
    expect_ok(e, total + 4);

    total = build_mmap_ref(e);
    expect_ok(e, total);
    expect_ok(e, total + 4);
}
END_TEST

START_TEST(check_unaligned_entry)
{
    unsigned char e[ENTRY_MAX];
    uint32_t total = build_mmap_ref(e);
    /* 8-aligned block: the entry at +4 puts its mmap_ref at 4 mod 8, as a
     * ring with 4-byte entries may; UBSan flags a direct struct read. */
    unsigned char *buf = aligned_alloc(8, 8 + ENTRY_MAX);

    ck_assert(buf != NULL);
    memcpy(buf + ROAM_FRAME_ALIGN, e, total);
    ck_assert_int_eq(roam_frame_check(buf + ROAM_FRAME_ALIGN, total, NULL), ROAM_OK);
    total = build_slot_ref(e);
    memcpy(buf + ROAM_FRAME_ALIGN, e, total);
    ck_assert_int_eq(roam_frame_check(buf + ROAM_FRAME_ALIGN, total, NULL), ROAM_OK);
    free(buf);
}
END_TEST

/* ---- roam_frame_check: each rule --------------------------------------- */

START_TEST(check_truncated_header)
{
    unsigned char e[ENTRY_MAX];

    build_slot_ref(e);
    for (uint32_t avail = 0; avail < ROAM_FRAME_HEADER_SIZE; avail++)
        expect_reject(e, avail, ROAM_E_FRAME_TRUNCATED, "entry header");
}
END_TEST

START_TEST(check_flags)
{
    unsigned char e[ENTRY_MAX];
    uint32_t total;

    total = build_slot_ref(e);
    set_flags(e, ROAM_FRAME_FLAGS_SLOT_REF | ROAM_FRAME_FLAGS_MMAP_REF);
    expect_reject(e, total, ROAM_E_FRAME_FLAGS, "both SLOT_REF and MMAP_REF");

    /* Every bit outside the known ones, alone and with a known one. */
    for (unsigned bit = 0; bit < 8; bit++) {
        uint8_t f = (uint8_t)(1u << bit);

        if (f & ROAM_FRAME_FLAGS_ALL)
            continue;
        total = build_inline(e, "abcd", 4);
        set_flags(e, f);
        expect_reject(e, total, ROAM_E_FRAME_FLAGS, "unknown bit");
        total = build_slot_ref(e);
        set_flags(e, (uint8_t)(f | ROAM_FRAME_FLAGS_SLOT_REF));
        expect_reject(e, total, ROAM_E_FRAME_FLAGS, "unknown bit");
    }
}
END_TEST

START_TEST(check_total_len)
{
    unsigned char e[ENTRY_MAX];
    roam_diag_t diag;

    build_inline(e, "abcdefgh", 8);
    set_total_len(e, 0);
    expect_reject(e, 16, ROAM_E_FRAME_LEN, "smaller than the 8-byte entry header");
    set_total_len(e, 7);
    expect_reject(e, 16, ROAM_E_FRAME_LEN, "smaller than the 8-byte entry header");
    set_total_len(e, 22);
    expect_reject(e, 24, ROAM_E_FRAME_LEN, "not a multiple of 4");
    ck_assert_int_eq(check_exact(e, 24, &diag), ROAM_E_FRAME_LEN);
    ck_assert_str_eq(diag.msg, "frame: total_len 22 is not a multiple of 4");

    /* Past the readable bytes. */
    set_total_len(e, 16);
    expect_ok(e, 16);
    expect_reject(e, 12, ROAM_E_FRAME_LEN, "exceeds the 12 bytes readable");
    set_total_len(e, UINT32_MAX - 3);
    expect_reject(e, 16, ROAM_E_FRAME_LEN, "exceeds");
}
END_TEST

START_TEST(check_header_reserved)
{
    unsigned char e[ENTRY_MAX];
    uint32_t total = build_inline(e, "abcd", 4);

    e[offsetof(roam_frame_header_t, reserved)] = 0x5A;
    expect_reject(e, total, ROAM_E_FRAME_RESERVED, "reserved header byte at offset 5 is 0x5a");

    total = build_mmap_ref(e);
    e[offsetof(roam_frame_header_t, reserved)] = 0x01;
    expect_reject(e, total, ROAM_E_FRAME_RESERVED, "reserved header byte");
}
END_TEST

/* Rewrite inline_payload_len of the entry in e through a private copy. */
static void set_inline_len(unsigned char *e, uint16_t len)
{
    roam_frame_header_t h;

    memcpy(&h, e, sizeof h);
    roam_frame_header_set_inline_payload_len(&h, len);
    memcpy(e, &h, sizeof h);
}

START_TEST(check_inline_len)
{
    unsigned char e[ENTRY_MAX];
    uint32_t total = build_inline(e, "hello", 5);

    /* The field holds it, little-endian, as roam writes it. */
    ck_assert_uint_eq(e[offsetof(roam_frame_header_t, inline_payload_len)], 5);
    ck_assert_uint_eq(e[offsetof(roam_frame_header_t, inline_payload_len) + 1], 0);
    expect_ok(e, total);

    /* 0 = unknown (an older writer): accepted. Up to total_len - 8 too. */
    set_inline_len(e, 0);
    expect_ok(e, total);
    set_inline_len(e, (uint16_t)(total - ROAM_FRAME_HEADER_SIZE));
    expect_ok(e, total);
    set_inline_len(e, (uint16_t)(total - ROAM_FRAME_HEADER_SIZE + 1));
    expect_reject(e, total, ROAM_E_FRAME_INLINE_LEN, "inline_payload_len 9 runs past total_len 16");
    set_inline_len(e, UINT16_MAX);
    expect_reject(e, total, ROAM_E_FRAME_INLINE_LEN, "runs past");

    /* References store 0 there. */
    total = build_slot_ref(e);
    set_inline_len(e, 1);
    expect_reject(e, total, ROAM_E_FRAME_INLINE_LEN,
                  "slot-reference entry has inline_payload_len 1, not 0");
    total = build_mmap_ref(e);
    set_inline_len(e, 256);
    expect_reject(e, total, ROAM_E_FRAME_INLINE_LEN, "mmap-reference entry has inline_payload_len 256");
}
END_TEST

START_TEST(check_slot_ref)
{
    unsigned char e[ENTRY_MAX];
    roam_slot_ref_t ref;
    uint32_t total;

    /* Any other padded length, shorter or longer. */
    build_slot_ref(e);
    set_total_len(e, 24);
    expect_reject(e, 24, ROAM_E_FRAME_LEN, "slot-reference entry has total_len 24, not 20");
    set_total_len(e, 16);
    expect_reject(e, 24, ROAM_E_FRAME_LEN, "slot-reference entry has total_len 16");
    set_total_len(e, ROAM_MMAP_REF_ENTRY_SIZE);
    expect_reject(e, ROAM_MMAP_REF_ENTRY_SIZE, ROAM_E_FRAME_LEN, "slot-reference");

    /* Its reserved u16, in either byte. */
    for (unsigned shift = 0; shift < 16; shift += 8) {
        total = build_slot_ref(e);
        memcpy(&ref, e + ROAM_FRAME_HEADER_SIZE, sizeof ref);
        ref.reserved = (uint16_t)(1u << shift);
        memcpy(e + ROAM_FRAME_HEADER_SIZE, &ref, sizeof ref);
        expect_reject(e, total, ROAM_E_FRAME_RESERVED, "slot_ref reserved");
    }
}
END_TEST

START_TEST(check_mmap_ref)
{
    unsigned char e[ENTRY_MAX];
    roam_mmap_ref_t ref;
    uint32_t total;

    build_mmap_ref(e);
    set_total_len(e, ROAM_SLOT_REF_ENTRY_SIZE);
    expect_reject(e, ROAM_MMAP_REF_ENTRY_SIZE, ROAM_E_FRAME_LEN,
                  "mmap-reference entry has total_len 20, not 32");
    set_total_len(e, 36);
    expect_reject(e, 36, ROAM_E_FRAME_LEN, "mmap-reference entry has total_len 36");

    /* Its reserved u32, in any byte. */
    for (unsigned shift = 0; shift < 32; shift += 8) {
        total = build_mmap_ref(e);
        memcpy(&ref, e + ROAM_FRAME_HEADER_SIZE, sizeof ref);
        ref.reserved = 1u << shift;
        memcpy(e + ROAM_FRAME_HEADER_SIZE, &ref, sizeof ref);
        expect_reject(e, total, ROAM_E_FRAME_RESERVED, "mmap_ref reserved");
    }
}
END_TEST

START_TEST(check_rule_order)
{
    unsigned char e[ENTRY_MAX];

    /* Flags before lengths, lengths before reserved bytes, the header's
     * reserved bytes before the reference's size. */
    build_slot_ref(e);
    set_flags(e, ROAM_FRAME_FLAGS_ALL);
    set_total_len(e, 7);
    expect_reject(e, 24, ROAM_E_FRAME_FLAGS, "both");

    build_inline(e, "abcd", 4);
    set_total_len(e, 22);
    e[offsetof(roam_frame_header_t, reserved)] = 1;
    expect_reject(e, 24, ROAM_E_FRAME_LEN, "multiple");

    build_slot_ref(e);
    set_total_len(e, 24);
    e[offsetof(roam_frame_header_t, reserved)] = 1;
    expect_reject(e, 24, ROAM_E_FRAME_RESERVED, "reserved header byte");
}
END_TEST

/* Every prefix of each kind of entry, in a block of exactly that size: short
 * of a header, short of total_len, then whole. ASan catches any over-read. */
START_TEST(check_every_prefix)
{
    unsigned char e[ENTRY_MAX];
    uint32_t (*const build[])(unsigned char *) = {build_slot_ref, build_mmap_ref};
    uint32_t total;

    for (size_t k = 0; k < 3; k++) {
        total = k < 2 ? build[k](e) : build_inline(e, "hello, ring", 11);
        for (uint32_t avail = 0; avail <= total; avail++) {
            if (avail < ROAM_FRAME_HEADER_SIZE)
                expect_reject(e, avail, ROAM_E_FRAME_TRUNCATED, "entry header");
            else if (avail < total)
                expect_reject(e, avail, ROAM_E_FRAME_LEN, "exceeds");
            else
                expect_ok(e, avail);
        }
    }
}
END_TEST

START_TEST(error_texts)
{
    ck_assert_str_eq(roam_errname(ROAM_E_FRAME_TRUNCATED), "ROAM_E_FRAME_TRUNCATED");
    ck_assert_str_eq(roam_errname(ROAM_E_FRAME_FLAGS), "ROAM_E_FRAME_FLAGS");
    ck_assert_str_eq(roam_errname(ROAM_E_FRAME_LEN), "ROAM_E_FRAME_LEN");
    ck_assert_str_eq(roam_errname(ROAM_E_FRAME_RESERVED), "ROAM_E_FRAME_RESERVED");
    ck_assert_str_ne(roam_strerror(ROAM_E_FRAME_LEN), "unknown error");
}
END_TEST

static Suite *frame_suite(void)
{
    Suite *s = suite_create("frame");
    TCase *tc;

    tc = tcase_create("inline_len");
    tcase_add_test(tc, inline_len_boundaries);
    suite_add_tcase(s, tc);

    tc = tcase_create("route");
    tcase_add_test(tc, route_worked_example);
    tcase_add_test(tc, route_ring_too_small);
    tcase_add_test(tc, route_unordered_classes);
    tcase_add_test(tc, route_tie_lowest_index);
    tcase_add_test(tc, route_explicit_threshold);
    suite_add_tcase(s, tc);

    tc = tcase_create("check");
    tcase_add_test(tc, check_accepts);
    tcase_add_test(tc, check_unaligned_entry);
    tcase_add_test(tc, check_truncated_header);
    tcase_add_test(tc, check_flags);
    tcase_add_test(tc, check_total_len);
    tcase_add_test(tc, check_header_reserved);
    tcase_add_test(tc, check_inline_len);
    tcase_add_test(tc, check_slot_ref);
    tcase_add_test(tc, check_mmap_ref);
    tcase_add_test(tc, check_rule_order);
    tcase_add_test(tc, check_every_prefix);
    tcase_add_test(tc, error_texts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(frame_suite());
}
