/*
 * Whole segments: creation byte by byte, validation of every entry with
 * its diagnostics, navigation, and the pool/ring accessors.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

/* ---- The worked example of reference §5 ------------------------------- */

static const roam_size_class_t example_classes[] = {{512, 3}, {4096, 1}};
static const roam_segment_config_t example_cfg = {
    .max_guests = 3,
    .bipbuf_capacity = 256,
    .max_payload_size = 4096,
    .inline_threshold = 0,
    .heartbeat_interval = 1000000,
    .num_classes = 2,
    .classes = example_classes,
};
#define EXAMPLE_SIZE 8512u

/* A fresh worked-example segment in a zeroed, aligned buffer. */
static unsigned char *example_segment(void)
{
    unsigned char *buf = tb_alloc_segment(EXAMPLE_SIZE);

    ck_assert_int_eq(roam_segment_init(buf, EXAMPLE_SIZE, &example_cfg, NULL), ROAM_OK);
    return buf;
}

/* Validate buf and expect err, with a diag message containing `needle`. */
static void expect_invalid(const unsigned char *buf, size_t len, roam_err_t err, uint32_t index,
                           const char *needle)
{
    roam_segment_header_plain_t snap;
    roam_diag_t diag;

    ck_assert_int_eq(roam_segment_validate(buf, len, &snap, &diag), err);
    ck_assert_int_eq(diag.err, err);
    ck_assert_uint_eq(diag.index, index);
    ck_assert_msg(strstr(diag.msg, needle) != NULL, "diag \"%s\" lacks \"%s\"", diag.msg, needle);
}

START_TEST(init_bytes)
{
    unsigned char *seg = tb_alloc_segment(EXAMPLE_SIZE);
    unsigned char *want = tb_alloc_segment(EXAMPLE_SIZE);
    static const uint64_t rings[3] = {320, 1088, 1856};
    roam_layout_t l;

    ck_assert_int_eq(roam_segment_init(seg, EXAMPLE_SIZE, &example_cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.total_size, EXAMPLE_SIZE);

    /* The expected image, written at the reference's literal offsets. */
    memcpy(want, "ROAMHUB\x07", 8);
    tb_put_le(want, 8, 4, 7);
    tb_put_le(want, 12, 4, 128);
    tb_put_le(want, 16, 8, EXAMPLE_SIZE);
    tb_put_le(want, 24, 4, 4096);
    tb_put_le(want, 28, 4, 0);
    tb_put_le(want, 32, 4, 3);
    tb_put_le(want, 36, 4, 256);
    tb_put_le(want, 40, 8, 128);
    tb_put_le(want, 48, 8, 2624);
    tb_put_le(want, 56, 8, 1000000);
    tb_put_le(want, 68, 4, 2);
    tb_put_le(want, 72, 8, EXAMPLE_SIZE);
    for (int i = 0; i < 3; i++) {
        /* Peer entry: Empty, epoch 0, heartbeat 0, ring_offset. */
        tb_put_le(want, 128 + 64 * i + 16, 8, rings[i]);
        /* Both ring headers: capacity at +8, indices 0. */
        tb_put_le(want, rings[i] + 8, 4, 256);
        tb_put_le(want, rings[i] + 128 + 256 + 8, 4, 256);
    }
    /* Class headers at 2624 and 2688; free_head 0 (slot 0, generation 0). */
    tb_put_le(want, 2624, 4, 512);
    tb_put_le(want, 2624 + 4, 4, 3);
    tb_put_le(want, 2688, 4, 4096);
    tb_put_le(want, 2688 + 4, 4, 1);
    /* Free lists: next_free at +12 of each 16-byte slot record. */
    tb_put_le(want, 2624 + 128 + 0 * 16 + 12, 4, 1);
    tb_put_le(want, 2624 + 128 + 1 * 16 + 12, 4, 2);
    tb_put_le(want, 2624 + 128 + 2 * 16 + 12, 4, 0xFFFFFFFFu);
    tb_put_le(want, 2624 + 1728 + 12, 4, 0xFFFFFFFFu);

    for (size_t i = 0; i < EXAMPLE_SIZE; i++)
        ck_assert_msg(seg[i] == want[i], "byte %zu is %#x, want %#x", i, seg[i], want[i]);
    free(seg);
    free(want);
}
END_TEST

START_TEST(init_validates_and_header_matches)
{
    unsigned char *seg = example_segment();
    roam_segment_header_plain_t snap, h;
    roam_diag_t diag;
    roam_layout_t l;

    /* Success formats nothing: err OK, index 0, an empty message, even in
     * a diag that held a failure before. */
    ck_assert_int_eq(roam_segment_validate(seg, 100, &snap, &diag), ROAM_E_TRUNCATED);
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, &snap, &diag), ROAM_OK);
    ck_assert_int_eq(diag.err, ROAM_OK);
    ck_assert_uint_eq(diag.index, 0);
    ck_assert_str_eq(diag.msg, "");

    /* The header is exactly roam_header_init of the layout's values. */
    ck_assert_int_eq(roam_layout_compute(&example_cfg, &l), ROAM_OK);
    roam_header_params_t p = {
        .total_size = l.total_size,
        .max_payload_size = example_cfg.max_payload_size,
        .inline_threshold = example_cfg.inline_threshold,
        .max_guests = example_cfg.max_guests,
        .bipbuf_capacity = example_cfg.bipbuf_capacity,
        .peer_table_offset = l.peer_table_offset,
        .var_pool_offset = l.var_pool_offset,
        .heartbeat_interval = example_cfg.heartbeat_interval,
        .num_var_slot_classes = l.num_classes,
    };
    memset(&h, 0, sizeof h);
    roam_header_init(&h, &p);
    ck_assert_mem_eq(seg, &h, sizeof h);
    ck_assert_mem_eq(&snap, &h, sizeof h);
    free(seg);
}
END_TEST

START_TEST(init_fixture_headers)
{
    /* A whole segment for each fixture's configuration starts with the
     * fixture's bytes, written by roam's own init. */
    static const roam_size_class_t a[] = {{256, 16}, {8192, 4}};
    static const roam_size_class_t b[] = {{1024, 32}};
    const roam_segment_config_t cfgs[2] = {
        {.max_guests = 4, .bipbuf_capacity = 1024, .max_payload_size = 8192,
         .inline_threshold = 0, .heartbeat_interval = 500000000, .num_classes = 2, .classes = a},
        {.max_guests = 8, .bipbuf_capacity = 4096, .max_payload_size = 4096,
         .inline_threshold = 512, .heartbeat_interval = 0, .num_classes = 1, .classes = b},
    };
    static const char *const bins[] = {"roam-header-a.bin", "roam-header-b.bin"};
    roam_layout_t l;
    size_t len = 0;
    unsigned char *fixture = tb_read_fixture(bins[_i], &len);
    unsigned char *seg;

    ck_assert_ptr_nonnull(fixture);
    ck_assert_int_eq(roam_layout_compute(&cfgs[_i], &l), ROAM_OK);
    seg = tb_alloc_segment(l.total_size);
    ck_assert_int_eq(roam_segment_init(seg, l.total_size, &cfgs[_i], NULL), ROAM_OK);
    ck_assert_mem_eq(seg, fixture, ROAM_SEGMENT_HEADER_SIZE);
    ck_assert_int_eq(roam_segment_validate(seg, l.total_size, NULL, NULL), ROAM_OK);
    free(seg);
    free(fixture);
}
END_TEST

START_TEST(init_free_lists)
{
    static const roam_size_class_t classes[] = {{64, 5}, {128, 1}};
    roam_segment_config_t cfg = example_cfg;
    roam_layout_t l;
    unsigned char *seg;

    cfg.classes = classes;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    seg = tb_alloc_segment(l.total_size);
    ck_assert_int_eq(roam_segment_init(seg, l.total_size, &cfg, NULL), ROAM_OK);
    for (uint32_t c = 0; c < 2; c++) {
        const roam_var_slot_meta_t *m = (const void *)(seg + l.classes[c].meta_offset);
        const roam_size_class_header_t *h = (const void *)(seg + l.classes[c].header_offset);

        ck_assert_uint_eq(roam_size_class_header_load_free_head(h), 0);
        for (uint32_t s = 0; s < classes[c].slot_count; s++) {
            uint32_t next = s + 1 < classes[c].slot_count ? s + 1 : ROAM_FREE_LIST_EMPTY;

            ck_assert_uint_eq(roam_var_slot_meta_load_generation(&m[s]), 0);
            ck_assert_uint_eq(roam_var_slot_meta_load_state(&m[s]), ROAM_SLOT_STATE_FREE);
            ck_assert_uint_eq(roam_var_slot_meta_load_owner_peer(&m[s]), 0);
            ck_assert_uint_eq(roam_var_slot_meta_load_next_free(&m[s]), next);
        }
    }
    free(seg);
}
END_TEST

START_TEST(init_rejects)
{
    unsigned char *seg = tb_alloc_segment(EXAMPLE_SIZE + 64);
    roam_segment_config_t cfg = example_cfg;
    roam_layout_t l;

    /* One byte short: nothing is written. */
    ck_assert_int_eq(roam_segment_init(seg, EXAMPLE_SIZE - 1, &cfg, &l), ROAM_E_BUFFER_SMALL);
    for (size_t i = 0; i < EXAMPLE_SIZE; i++)
        ck_assert_uint_eq(seg[i], 0);
    ck_assert_int_eq(roam_segment_init(NULL, EXAMPLE_SIZE, &cfg, &l), ROAM_E_BUFFER_SMALL);
    /* Not 64-byte aligned. */
    ck_assert_int_eq(roam_segment_init(seg + 8, EXAMPLE_SIZE, &cfg, &l), ROAM_E_BUFFER_ALIGN);
    /* Layout errors come through. */
    cfg.bipbuf_capacity = 100;
    ck_assert_int_eq(roam_segment_init(seg, EXAMPLE_SIZE, &cfg, &l), ROAM_E_LAYOUT_CAPACITY);
    /* A longer buffer is fine. */
    ck_assert_int_eq(roam_segment_init(seg, EXAMPLE_SIZE + 64, &example_cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.total_size, EXAMPLE_SIZE);
    free(seg);
}
END_TEST

/* ---- Validation failures: one corruption each ------------------------- */

/* Raw-byte offsets in the worked example. */
#define PEER(i) (128u + 64u * (i))
#define RING(i) (320u + 768u * (i))
#define H2G(i) (RING(i) + 128u + 256u)
#define CLASS(i) (2624u + 64u * (i))

START_TEST(validate_header_errors)
{
    unsigned char *seg = example_segment();
    roam_diag_t diag;

    ck_assert_int_eq(roam_segment_validate(seg, 100, NULL, &diag), ROAM_E_TRUNCATED);
    ck_assert_str_eq(diag.msg, roam_strerror(ROAM_E_TRUNCATED));
    expect_invalid(seg, EXAMPLE_SIZE - 1, ROAM_E_MAPPING_SHORT, 0,
                   roam_strerror(ROAM_E_MAPPING_SHORT));
    seg[7] = 0x01;
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_BAD_MAGIC, 0, "bad magic: not a roam v7 segment");
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, &diag), ROAM_E_BAD_MAGIC);
    ck_assert_str_eq(diag.msg, "bad magic: not a roam v7 segment");
    free(seg);
}
END_TEST

START_TEST(validate_misaligned)
{
    unsigned char *seg = example_segment();
    unsigned char *copy = tb_alloc_segment(EXAMPLE_SIZE + 64);

    memcpy(copy + 8, seg, EXAMPLE_SIZE);
    expect_invalid(copy + 8, EXAMPLE_SIZE, ROAM_E_BUFFER_ALIGN, 0, "aligned");
    free(copy);
    free(seg);
}
END_TEST

START_TEST(validate_class_slot_size)
{
    unsigned char *seg = example_segment();

    tb_put_le(seg, CLASS(1), 4, 0);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_CLASS_SLOT_SIZE, 1, "class 1: slot_size is 0");
    free(seg);
}
END_TEST

START_TEST(validate_class_slot_count)
{
    unsigned char *seg = example_segment();

    tb_put_le(seg, CLASS(0) + 4, 4, 0);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_CLASS_SLOT_COUNT, 0, "class 0: slot_count is 0");
    free(seg);
}
END_TEST

START_TEST(validate_class_bounds)
{
    unsigned char *seg = tb_alloc_segment(EXAMPLE_SIZE + 4096 + 64);

    ck_assert_int_eq(roam_segment_init(seg, EXAMPLE_SIZE, &example_cfg, NULL), ROAM_OK);
    /* Class 1 with 2 slots needs 4096 more data bytes than the segment has. */
    tb_put_le(seg, CLASS(1) + 4, 4, 2);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_CLASS_BOUNDS, 1, "class 1");
    /* After growth by exactly that much it fits. */
    tb_put_le(seg, 72, 8, EXAMPLE_SIZE + 4096);
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE + 4096, NULL, NULL), ROAM_OK);
    tb_put_le(seg, 72, 8, EXAMPLE_SIZE + 4095);
    expect_invalid(seg, EXAMPLE_SIZE + 4096, ROAM_E_CLASS_BOUNDS, 1, "class 1");
    /* Sizes past 2^64 must not wrap around. */
    tb_put_le(seg, 72, 8, EXAMPLE_SIZE);
    tb_put_le(seg, CLASS(0), 4, 0xFFFFFFFFu);
    tb_put_le(seg, CLASS(0) + 4, 4, 0xFFFFFFFFu);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_CLASS_BOUNDS, 0, "class 0");
    free(seg);
}
END_TEST

START_TEST(validate_class_free_head)
{
    unsigned char *seg = example_segment();

    /* Class 0 has 3 slots: 2 is the last one, 3 is none of them. */
    tb_put_le(seg, CLASS(0) + 8, 8, 2);
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, NULL), ROAM_OK);
    tb_put_le(seg, CLASS(0) + 8, 8, (7ull << 32) | 2);     /* any generation */
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, NULL), ROAM_OK);
    tb_put_le(seg, CLASS(0) + 8, 8, 0xFFFFFFFFull);         /* empty list */
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, NULL), ROAM_OK);
    tb_put_le(seg, CLASS(0) + 8, 8, 3);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_CLASS_FREE_HEAD, 0, "class 0: free_head");
    tb_put_le(seg, CLASS(0) + 8, 8, 0);
    tb_put_le(seg, CLASS(1) + 8, 8, (1ull << 32) | 1);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_CLASS_FREE_HEAD, 1, "class 1: free_head");
    free(seg);
}
END_TEST

START_TEST(validate_peer_state)
{
    unsigned char *seg = example_segment();

    for (uint32_t s = 0; s <= 3; s++) {
        tb_put_le(seg, PEER(1), 4, s);
        ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, NULL), ROAM_OK);
    }
    tb_put_le(seg, PEER(1), 4, 4);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_PEER_STATE, 1, "peer 1: state 4");
    tb_put_le(seg, PEER(1), 4, 0xFFFFFFFFu);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_PEER_STATE, 1, "peer 1");
    free(seg);
}
END_TEST

START_TEST(validate_peer_ring_offset)
{
    unsigned char *seg = example_segment();
    roam_diag_t diag;

    tb_put_le(seg, PEER(2) + 16, 8, 4096);
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, &diag),
                     ROAM_E_PEER_RING_OFFSET);
    ck_assert_uint_eq(diag.index, 2);
    ck_assert_str_eq(diag.msg, "peer 2: ring_offset 4096, layout puts it at 1856");
    free(seg);
}
END_TEST

START_TEST(validate_peer_ring_bounds)
{
    unsigned char *seg = example_segment();

    /* Capacity 1024: peer 0's rings end at 320 + 2304 = 2624, right at the
     * pool; peer 1 then sits elsewhere in the layout. */
    tb_put_le(seg, 36, 4, 1024);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_PEER_RING_OFFSET, 1, "peer 1: ring_offset 1088");
    /* Capacity 1088: peer 0's rings run into the pool. */
    tb_put_le(seg, 36, 4, 1088);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_PEER_RING_BOUNDS, 0, "peer 0");
    free(seg);
}
END_TEST

START_TEST(validate_ring_layout)
{
    unsigned char *seg = example_segment();

    tb_put_le(seg, 36, 4, 100);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_RING_LAYOUT, 0, "bipbuf_capacity 100");
    tb_put_le(seg, 36, 4, 0);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_RING_LAYOUT, 0, "bipbuf_capacity 0");
    free(seg);
}
END_TEST

START_TEST(validate_ring_capacity)
{
    unsigned char *seg = example_segment();

    tb_put_le(seg, RING(1) + 8, 4, 255);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_RING_CAPACITY, 1,
                   "peer 1 guest-to-host ring: capacity 255");
    tb_put_le(seg, RING(1) + 8, 4, 256);
    tb_put_le(seg, H2G(2) + 8, 4, 0);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_RING_CAPACITY, 2, "peer 2 host-to-guest ring");
    free(seg);
}
END_TEST

START_TEST(validate_ring_index)
{
    unsigned char *seg = example_segment();
    roam_diag_t diag;

    /* Every index may reach the capacity itself. */
    tb_put_le(seg, H2G(0) + 64, 4, 256);   /* read */
    tb_put_le(seg, H2G(0) + 0, 4, 256);    /* write */
    tb_put_le(seg, H2G(0) + 4, 4, 256);    /* watermark */
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, NULL), ROAM_OK);

    tb_put_le(seg, H2G(0) + 64, 4, 9999);
    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, NULL, &diag), ROAM_E_RING_INDEX);
    ck_assert_uint_eq(diag.index, 0);
    ck_assert_str_eq(diag.msg, "peer 0 host-to-guest ring: read 9999 beyond capacity 256");
    tb_put_le(seg, H2G(0) + 64, 4, 0);

    tb_put_le(seg, RING(2) + 0, 4, 257);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_RING_INDEX, 2,
                   "peer 2 guest-to-host ring: write 257 beyond capacity 256");
    tb_put_le(seg, RING(2) + 0, 4, 0);
    tb_put_le(seg, RING(1) + 4, 4, 257);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_RING_INDEX, 1,
                   "peer 1 guest-to-host ring: watermark 257");
    free(seg);
}
END_TEST

START_TEST(validate_order_classes_peers_rings)
{
    unsigned char *seg = example_segment();

    /* With a bad ring, a bad peer and a bad class, the class comes first. */
    tb_put_le(seg, RING(0) + 8, 4, 1);
    tb_put_le(seg, PEER(2), 4, 9);
    tb_put_le(seg, CLASS(1), 4, 0);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_CLASS_SLOT_SIZE, 1, "class 1");
    tb_put_le(seg, CLASS(1), 4, 4096);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_PEER_STATE, 2, "peer 2");
    tb_put_le(seg, PEER(2), 4, 0);
    expect_invalid(seg, EXAMPLE_SIZE, ROAM_E_RING_CAPACITY, 0, "peer 0");
    free(seg);
}
END_TEST

/* ---- Navigation -------------------------------------------------------- */

START_TEST(navigation)
{
    unsigned char *seg = example_segment();
    roam_segment_header_plain_t snap;

    ck_assert_int_eq(roam_segment_validate(seg, EXAMPLE_SIZE, &snap, NULL), ROAM_OK);
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_ptr_eq(roam_segment_peer(seg, &snap, i), seg + PEER(i));
        ck_assert_ptr_eq(roam_segment_ring(seg, &snap, i, ROAM_RING_GUEST_TO_HOST), seg + RING(i));
        ck_assert_ptr_eq(roam_segment_ring(seg, &snap, i, ROAM_RING_HOST_TO_GUEST), seg + H2G(i));
        ck_assert_uint_eq(roam_peer_entry_ring_offset(roam_segment_peer(seg, &snap, i)), RING(i));
    }
    ck_assert_ptr_null(roam_segment_peer(seg, &snap, 3));
    ck_assert_ptr_null(roam_segment_ring(seg, &snap, 3, ROAM_RING_GUEST_TO_HOST));
    ck_assert_ptr_null(roam_segment_ring(seg, &snap, 0, (enum roam_ring_dir)2));
    ck_assert_ptr_eq(roam_segment_class(seg, &snap, 0), seg + CLASS(0));
    ck_assert_ptr_eq(roam_segment_class(seg, &snap, 1), seg + CLASS(1));
    ck_assert_ptr_null(roam_segment_class(seg, &snap, 2));
    ck_assert_ptr_null(roam_segment_peer(NULL, &snap, 0));
    ck_assert_uint_eq(roam_size_class_header_slot_size(roam_segment_class(seg, &snap, 1)), 4096);
    free(seg);
}
END_TEST

/* ---- Accessors against the reference's byte offsets -------------------- */

#define ACC(st, f, kind)                                                                 \
    static uint64_t get_##st##_##f(const void *o)                                        \
    {                                                                                    \
        return roam_##st##_##kind##f((const roam_##st##_t *)o);                          \
    }
#define PLAIN_SET(st, f)                                                                 \
    static void set_##st##_##f(void *o, uint64_t v)                                      \
    {                                                                                    \
        roam_##st##_set_##f((roam_##st##_t *)o, v);                                      \
    }
#define ATOMIC_SET(st, f)                                                                \
    static void set_##st##_##f(void *o, uint64_t v)                                      \
    {                                                                                    \
        roam_##st##_store_##f((roam_##st##_t *)o, v);                                    \
    }
#define PLAIN(st, f) ACC(st, f, ) PLAIN_SET(st, f)
#define ATOMIC(st, f) ACC(st, f, load_) ATOMIC_SET(st, f)

ATOMIC(bipbuf_header, write)
ATOMIC(bipbuf_header, watermark)
PLAIN(bipbuf_header, capacity)
ATOMIC(bipbuf_header, read)
PLAIN(size_class_header, slot_size)
PLAIN(size_class_header, slot_count)
ATOMIC(size_class_header, free_head)
ATOMIC(var_slot_meta, generation)
ATOMIC(var_slot_meta, state)
ATOMIC(var_slot_meta, owner_peer)
ATOMIC(var_slot_meta, next_free)

#define F(st, f, off, size) {#f, off, size, get_##st##_##f, set_##st##_##f}

/* Offsets typed in from reference §3 and §4. */
static const tb_field_t bipbuf_fields[] = {
    F(bipbuf_header, write, 0, 4),
    F(bipbuf_header, watermark, 4, 4),
    F(bipbuf_header, capacity, 8, 4),
    F(bipbuf_header, read, 64, 4),
};
static const tb_field_t class_fields[] = {
    F(size_class_header, slot_size, 0, 4),
    F(size_class_header, slot_count, 4, 4),
    F(size_class_header, free_head, 8, 8),
};
static const tb_field_t meta_fields[] = {
    F(var_slot_meta, generation, 0, 4),
    F(var_slot_meta, state, 4, 4),
    F(var_slot_meta, owner_peer, 8, 4),
    F(var_slot_meta, next_free, 12, 4),
};
#undef F

#define CHECK_FIELDS(st, table)                                                          \
    do {                                                                                 \
        size_t ninfo;                                                                    \
        const roam_field_info_t *info = roam_##st##_fields(&ninfo);                      \
        const char *err = tb_check_fields(sizeof(roam_##st##_t), table,                  \
                                          sizeof table / sizeof table[0], info, ninfo);  \
        ck_assert_msg(err == NULL, "%s", err);                                           \
    } while (0)

START_TEST(accessors_raw_bytes)
{
    CHECK_FIELDS(bipbuf_header, bipbuf_fields);
    CHECK_FIELDS(size_class_header, class_fields);
    CHECK_FIELDS(var_slot_meta, meta_fields);
}
END_TEST

START_TEST(atomics_lock_free)
{
    roam_bipbuf_header_t r;
    roam_size_class_header_t c;
    roam_var_slot_meta_t m;

    ck_assert(atomic_is_lock_free(&r.write));
    ck_assert(atomic_is_lock_free(&r.watermark));
    ck_assert(atomic_is_lock_free(&r.read));
    ck_assert(atomic_is_lock_free(&c.free_head));
    ck_assert(atomic_is_lock_free(&m.generation));
    ck_assert(atomic_is_lock_free(&m.state));
    ck_assert(atomic_is_lock_free(&m.owner_peer));
    ck_assert(atomic_is_lock_free(&m.next_free));
}
END_TEST

static Suite *segment_suite(void)
{
    Suite *s = suite_create("segment");
    TCase *tc;

    tc = tcase_create("init");
    tcase_add_test(tc, init_bytes);
    tcase_add_test(tc, init_validates_and_header_matches);
    tcase_add_loop_test(tc, init_fixture_headers, 0, 2);
    tcase_add_test(tc, init_free_lists);
    tcase_add_test(tc, init_rejects);
    suite_add_tcase(s, tc);

    tc = tcase_create("validate");
    tcase_add_test(tc, validate_header_errors);
    tcase_add_test(tc, validate_misaligned);
    tcase_add_test(tc, validate_class_slot_size);
    tcase_add_test(tc, validate_class_slot_count);
    tcase_add_test(tc, validate_class_bounds);
    tcase_add_test(tc, validate_class_free_head);
    tcase_add_test(tc, validate_peer_state);
    tcase_add_test(tc, validate_peer_ring_offset);
    tcase_add_test(tc, validate_peer_ring_bounds);
    tcase_add_test(tc, validate_ring_layout);
    tcase_add_test(tc, validate_ring_capacity);
    tcase_add_test(tc, validate_ring_index);
    tcase_add_test(tc, validate_order_classes_peers_rings);
    suite_add_tcase(s, tc);

    tc = tcase_create("navigation");
    tcase_add_test(tc, navigation);
    tcase_add_test(tc, accessors_raw_bytes);
    tcase_add_test(tc, atomics_lock_free);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(segment_suite());
}
