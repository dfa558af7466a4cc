/*
 * Whole segments: creation byte by byte, validation of every entry with
 * its diagnostics, navigation, and the pool/ring accessors.
 *
 * Every position comes from the generated layout and field tables; the
 * golden bytes of the reference's worked example are pinned only in
 * check_conformance.c.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

#define A ROAM_SEGMENT_ALIGN

/* ---- The segment most tests use ----------------------------------------- */

/* The configuration of the reference's worked example. */
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

/* Its layout, computed before every test, and its size. */
static roam_layout_t L;
#define SIZE ((size_t)L.total_size)
#define CAPACITY (example_cfg.bipbuf_capacity)

static void setup(void)
{
    ck_assert_int_eq(roam_layout_compute(&example_cfg, &L), ROAM_OK);
}

/* A fresh example segment in a zeroed, aligned buffer of `len` bytes. */
static unsigned char *example_segment_in(size_t len)
{
    unsigned char *buf = tb_alloc_segment(len);

    ck_assert_int_eq(roam_segment_init(buf, len, &example_cfg, NULL), ROAM_OK);
    return buf;
}

static unsigned char *example_segment(void)
{
    return example_segment_in(SIZE);
}

/* Where things are in a segment laid out as L. */
static roam_segment_header_t *header(unsigned char *seg)
{
    return roam_layout_header(&L, seg, 0);
}

static roam_peer_entry_t *peer(unsigned char *seg, uint32_t i)
{
    return roam_layout_peer_table(&L, seg, i);
}

static roam_bipbuf_header_t *g2h(unsigned char *seg, uint32_t i)
{
    return roam_layout_rings_to_host(&L, seg, i);
}

static roam_bipbuf_header_t *h2g(unsigned char *seg, uint32_t i)
{
    return roam_layout_rings_to_guest(&L, seg, i);
}

static roam_size_class_header_t *class(unsigned char *seg, uint32_t i)
{
    return roam_layout_var_pool(&L, seg, i);
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

/* ---- Creation ------------------------------------------------------------ */

/* The image creation must write, field by field, from the layout and the
 * generated field tables: everything else is zero. */
static void expected_image(unsigned char *want, const roam_segment_config_t *cfg,
                           const roam_layout_t *l)
{
    const roam_field_info_t *magic = tb_field(roam_segment_header_fields, "magic");

    memcpy(want + l->header_offset + magic->offset, ROAM_MAGIC, magic->size);
#define HDR(f, v) tb_put_field(want, l->header_offset, roam_segment_header_fields, #f, v)
    HDR(version, ROAM_SEGMENT_VERSION);
    HDR(header_size, ROAM_SEGMENT_HEADER_SIZE);
    HDR(total_size, l->total_size);
    HDR(max_payload_size, cfg->max_payload_size);
    HDR(inline_threshold, cfg->inline_threshold);
    HDR(max_guests, cfg->max_guests);
    HDR(bipbuf_capacity, cfg->bipbuf_capacity);
    HDR(peer_table_offset, l->peer_table_offset);
    HDR(var_pool_offset, l->var_pool_offset);
    HDR(heartbeat_interval, cfg->heartbeat_interval);
    HDR(num_var_slot_classes, cfg->num_classes);
    HDR(current_size, l->total_size);
#undef HDR
    for (uint32_t i = 0; i < cfg->max_guests; i++) {
        uint64_t ring = roam_layout_rings_offset_at(l, i);

        /* Peer entry: Empty, epoch 0, heartbeat 0, its ring_offset. */
        tb_put_field(want, roam_layout_peer_table_offset_at(l, i), roam_peer_entry_fields,
                     "ring_offset", ring);
        /* Both ring headers: their capacity, indices 0. */
        tb_put_field(want, ring + l->rings_to_host_offset, roam_bipbuf_header_fields, "capacity",
                     cfg->bipbuf_capacity);
        tb_put_field(want, ring + l->rings_to_guest_offset, roam_bipbuf_header_fields, "capacity",
                     cfg->bipbuf_capacity);
    }
    for (uint32_t c = 0; c < cfg->num_classes; c++) {
        uint64_t at = roam_layout_var_pool_offset_at(l, c);
        uint32_t n = cfg->classes[c].slot_count;

        /* Class header; free_head 0 (slot 0, generation 0). */
        tb_put_field(want, at, roam_size_class_header_fields, "slot_size", cfg->classes[c].slot_size);
        tb_put_field(want, at, roam_size_class_header_fields, "slot_count", n);
        /* Free list through every slot's metadata. */
        for (uint32_t s = 0; s < n; s++)
            tb_put_field(want, l->class_areas[c].meta_offset + s * sizeof(roam_var_slot_meta_t),
                         roam_var_slot_meta_fields, "next_free",
                         s + 1 < n ? s + 1 : ROAM_FREE_LIST_EMPTY);
    }
}

START_TEST(init_bytes)
{
    unsigned char *seg = tb_alloc_segment(SIZE);
    unsigned char *want = tb_alloc_segment(SIZE);
    roam_layout_t l;

    /* The layout writes what it places; compared whole, both start zeroed
     * (L is static). */
    memset(&l, 0, sizeof l);
    ck_assert_int_eq(roam_segment_init(seg, SIZE, &example_cfg, &l), ROAM_OK);
    ck_assert_mem_eq(&l, &L, sizeof l);
    expected_image(want, &example_cfg, &l);
    for (size_t i = 0; i < SIZE; i++)
        ck_assert_msg(seg[i] == want[i], "byte %zu is %#x, want %#x", i, seg[i], want[i]);
    free(seg);
    free(want);
}
END_TEST

START_TEST(init_validates_and_header_matches)
{
    unsigned char *seg = example_segment();
    roam_segment_header_plain_t snap;
    roam_segment_header_t h;
    roam_diag_t diag;

    /* Success formats nothing: err OK, index 0, an empty message, even in
     * a diag that held a failure before. */
    ck_assert_int_eq(roam_segment_validate(seg, 100, &snap, &diag), ROAM_E_TRUNCATED);
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, &snap, &diag), ROAM_OK);
    ck_assert_int_eq(diag.err, ROAM_OK);
    ck_assert_uint_eq(diag.index, 0);
    ck_assert_str_eq(diag.msg, "");

    /* The header is exactly roam_segment_header_init of the layout. */
    memset(&h, 0, sizeof h);
    roam_segment_header_init(&h, &example_cfg, &L);
    ck_assert_mem_eq(seg, &h, sizeof h);
    ck_assert_mem_eq(&snap, &h, sizeof h);
    free(seg);
}
END_TEST

START_TEST(init_free_lists)
{
    static const roam_size_class_t classes[] = {{A, 5}, {2 * A, 1}};
    roam_segment_config_t cfg = example_cfg;
    roam_layout_t l;
    unsigned char *seg;

    cfg.classes = classes;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    seg = tb_alloc_segment(l.total_size);
    ck_assert_int_eq(roam_segment_init(seg, l.total_size, &cfg, NULL), ROAM_OK);
    for (uint32_t c = 0; c < 2; c++) {
        const roam_var_slot_meta_t *m = roam_layout_class_areas_meta(&l, seg, c);
        const roam_size_class_header_t *h = roam_layout_var_pool(&l, seg, c);

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
    unsigned char *seg = tb_alloc_segment(SIZE + A);
    roam_segment_config_t cfg = example_cfg;
    roam_layout_t l;

    /* One byte short: nothing is written. */
    ck_assert_int_eq(roam_segment_init(seg, SIZE - 1, &cfg, &l), ROAM_E_BUFFER_SMALL);
    for (size_t i = 0; i < SIZE; i++)
        ck_assert_uint_eq(seg[i], 0);
    ck_assert_int_eq(roam_segment_init(NULL, SIZE, &cfg, &l), ROAM_E_BUFFER_SMALL);
    /* Not aligned as a mapping is. */
    ck_assert_int_eq(roam_segment_init(seg + 8, SIZE, &cfg, &l), ROAM_E_BUFFER_ALIGN);
    /* Layout errors come through. */
    cfg.bipbuf_capacity = A + 1;
    ck_assert_int_eq(roam_segment_init(seg, SIZE, &cfg, &l), ROAM_E_LAYOUT_CAPACITY);
    /* A longer buffer is fine. */
    ck_assert_int_eq(roam_segment_init(seg, SIZE + A, &example_cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.total_size, SIZE);
    free(seg);
}
END_TEST

/* ---- Validation failures: one corruption each ------------------------- */

START_TEST(validate_header_errors)
{
    unsigned char *seg = example_segment();
    roam_diag_t diag;

    ck_assert_int_eq(roam_segment_validate(seg, ROAM_SEGMENT_HEADER_SIZE - 1, NULL, &diag),
                     ROAM_E_TRUNCATED);
    ck_assert_str_eq(diag.msg, roam_strerror(ROAM_E_TRUNCATED));
    expect_invalid(seg, SIZE - 1, ROAM_E_MAPPING_SHORT, 0, roam_strerror(ROAM_E_MAPPING_SHORT));
    header(seg)->magic[ROAM_MAGIC_SIZE - 1] ^= 0x0F;
    expect_invalid(seg, SIZE, ROAM_E_BAD_MAGIC, 0, roam_strerror(ROAM_E_BAD_MAGIC));
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, &diag), ROAM_E_BAD_MAGIC);
    ck_assert_str_eq(diag.msg, roam_strerror(ROAM_E_BAD_MAGIC));
    free(seg);
}
END_TEST

START_TEST(validate_misaligned)
{
    unsigned char *seg = example_segment();
    unsigned char *copy = tb_alloc_segment(SIZE + A);

    memcpy(copy + 8, seg, SIZE);
    expect_invalid(copy + 8, SIZE, ROAM_E_BUFFER_ALIGN, 0, "aligned");
    free(copy);
    free(seg);
}
END_TEST

START_TEST(validate_class_slot_size)
{
    unsigned char *seg = example_segment();

    roam_size_class_header_set_slot_size(class(seg, 1), 0);
    expect_invalid(seg, SIZE, ROAM_E_CLASS_SLOT_SIZE, 1, "class 1: slot_size is 0");
    free(seg);
}
END_TEST

START_TEST(validate_class_slot_count)
{
    unsigned char *seg = example_segment();

    roam_size_class_header_set_slot_count(class(seg, 0), 0);
    expect_invalid(seg, SIZE, ROAM_E_CLASS_SLOT_COUNT, 0, "class 0: slot_count is 0");
    free(seg);
}
END_TEST

START_TEST(validate_class_bounds)
{
    roam_size_class_t more[2] = {example_classes[0], example_classes[1]};
    roam_segment_config_t cfg = example_cfg;
    roam_layout_t bigger;
    uint64_t extra;
    unsigned char *seg;

    /* Class 1 with one more slot needs `extra` more bytes than the segment has. */
    more[1].slot_count++;
    cfg.classes = more;
    ck_assert_int_eq(roam_layout_compute(&cfg, &bigger), ROAM_OK);
    extra = bigger.total_size - L.total_size;
    ck_assert_uint_gt(extra, 0);
    seg = tb_alloc_segment(SIZE + extra);
    ck_assert_int_eq(roam_segment_init(seg, SIZE, &example_cfg, NULL), ROAM_OK);
    roam_size_class_header_set_slot_count(class(seg, 1), more[1].slot_count);
    expect_invalid(seg, SIZE, ROAM_E_CLASS_BOUNDS, 1, "class 1");
    /* After growth by exactly that much it fits. */
    roam_segment_header_store_current_size(header(seg), SIZE + extra);
    ck_assert_int_eq(roam_segment_validate(seg, SIZE + extra, NULL, NULL), ROAM_OK);
    roam_segment_header_store_current_size(header(seg), SIZE + extra - 1);
    expect_invalid(seg, SIZE + extra, ROAM_E_CLASS_BOUNDS, 1, "class 1");
    /* Sizes past 2^64 must not wrap around. */
    roam_segment_header_store_current_size(header(seg), SIZE);
    roam_size_class_header_set_slot_size(class(seg, 0), UINT32_MAX);
    roam_size_class_header_set_slot_count(class(seg, 0), UINT32_MAX);
    expect_invalid(seg, SIZE, ROAM_E_CLASS_BOUNDS, 0, "class 0");
    free(seg);
}
END_TEST

/* A header may count more classes than a slot reference can name (its
 * class_idx is one byte): refused by the header rules, before any class is
 * looked at, even when the segment has room for every class header. */
START_TEST(validate_class_too_many)
{
    static roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    roam_segment_config_t cfg = example_cfg;
    roam_layout_t l, more;
    roam_segment_header_plain_t snap;
    unsigned char *seg;
    size_t len;
    char needle[64];

    for (uint32_t i = 0; i < ROAM_MAX_SIZE_CLASSES; i++)
        classes[i] = (roam_size_class_t){A, 1};
    cfg.num_classes = ROAM_MAX_SIZE_CLASSES;
    cfg.classes = classes;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    /* One class header more moves the class areas by what the table grew. */
    memset(&snap, 0, sizeof snap);
    snap.num_var_slot_classes = ROAM_MAX_SIZE_CLASSES + 1;
    snap.var_pool_offset = l.var_pool_offset;
    ck_assert(roam_layout_from_header(&snap, &more));
    len = (size_t)(l.total_size + more.class_areas_offset - l.class_areas_offset);
    seg = tb_alloc_segment(len);
    ck_assert_int_eq(roam_segment_init(seg, len, &cfg, NULL), ROAM_OK);
    roam_segment_header_store_current_size(roam_layout_header(&l, seg, 0), len);
    ck_assert_int_eq(roam_segment_validate(seg, len, NULL, NULL), ROAM_OK);
    roam_segment_header_set_num_var_slot_classes(roam_layout_header(&l, seg, 0),
                                                 ROAM_MAX_SIZE_CLASSES + 1);
    snprintf(needle, sizeof needle, "num_var_slot_classes exceeds %u", ROAM_MAX_SIZE_CLASSES);
    expect_invalid(seg, len, ROAM_E_TOO_MANY_CLASSES, 0, needle);
    free(seg);
}
END_TEST

START_TEST(validate_class_free_head)
{
    unsigned char *seg = example_segment();
    uint64_t n0 = example_classes[0].slot_count, n1 = example_classes[1].slot_count;
    char needle[64];

    /* The last slot of class 0 is fine, one more names none of them. */
    roam_size_class_header_store_free_head(class(seg, 0), n0 - 1);
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, NULL), ROAM_OK);
    roam_size_class_header_store_free_head(class(seg, 0), (7ull << 32) | (n0 - 1)); /* any generation */
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, NULL), ROAM_OK);
    roam_size_class_header_store_free_head(class(seg, 0), ROAM_FREE_LIST_EMPTY); /* empty list */
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, NULL), ROAM_OK);
    roam_size_class_header_store_free_head(class(seg, 0), n0);
    snprintf(needle, sizeof needle, "class 0: free_head names slot %llu of %llu",
             (unsigned long long)n0, (unsigned long long)n0);
    expect_invalid(seg, SIZE, ROAM_E_CLASS_FREE_HEAD, 0, needle);
    roam_size_class_header_store_free_head(class(seg, 0), 0);
    roam_size_class_header_store_free_head(class(seg, 1), (1ull << 32) | n1);
    expect_invalid(seg, SIZE, ROAM_E_CLASS_FREE_HEAD, 1, "class 1: free_head");
    free(seg);
}
END_TEST

START_TEST(validate_peer_state)
{
    unsigned char *seg = example_segment();
    uint32_t bad = 0;
    char needle[64];

    /* Every state the schema knows is valid; the first value it does not
     * know is rejected. */
    for (; roam_peer_state_is_valid(bad); bad++) {
        roam_peer_entry_store_state(peer(seg, 1), bad);
        ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, NULL), ROAM_OK);
    }
    ck_assert_uint_gt(bad, 0);
    roam_peer_entry_store_state(peer(seg, 1), bad);
    snprintf(needle, sizeof needle, "peer 1: state %u", bad);
    expect_invalid(seg, SIZE, ROAM_E_PEER_STATE, 1, needle);
    roam_peer_entry_store_state(peer(seg, 1), 0xFFFFFFFFu);
    expect_invalid(seg, SIZE, ROAM_E_PEER_STATE, 1, "peer 1");
    free(seg);
}
END_TEST

START_TEST(validate_peer_ring_offset)
{
    unsigned char *seg = example_segment();
    uint64_t want = roam_layout_rings_offset_at(&L, 2);
    roam_diag_t diag;
    char msg[128];

    roam_peer_entry_set_ring_offset(peer(seg, 2), want + A);
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, &diag), ROAM_E_PEER_RING_OFFSET);
    ck_assert_uint_eq(diag.index, 2);
    snprintf(msg, sizeof msg, "peer 2: ring_offset %llu, layout puts it at %llu",
             (unsigned long long)(want + A), (unsigned long long)want);
    ck_assert_str_eq(diag.msg, msg);
    free(seg);
}
END_TEST

/* The layout of the example's header with another bipbuf_capacity. */
static void layout_with_capacity(unsigned char *seg, uint32_t capacity, roam_layout_t *l)
{
    roam_segment_header_plain_t snap;

    memcpy(&snap, seg, sizeof snap);
    snap.bipbuf_capacity = capacity;
    ck_assert(roam_layout_from_header(&snap, l));
}

START_TEST(validate_peer_ring_bounds)
{
    unsigned char *seg = example_segment();
    uint32_t fits = CAPACITY;
    roam_layout_t l;
    char needle[64];

    /* The largest capacity with which peer 0's rings still end before the
     * pool: peer 1 then sits elsewhere in the layout. */
    for (;;) {
        layout_with_capacity(seg, fits + A, &l);
        if (l.rings_offset + l.rings_stride > l.var_pool_offset)
            break;
        fits += A;
    }
    ck_assert_uint_gt(fits, CAPACITY);
    roam_segment_header_set_bipbuf_capacity(header(seg), fits);
    snprintf(needle, sizeof needle, "peer 1: ring_offset %llu",
             (unsigned long long)roam_layout_rings_offset_at(&L, 1));
    expect_invalid(seg, SIZE, ROAM_E_PEER_RING_OFFSET, 1, needle);
    /* One alignment unit more: peer 0's rings run into the pool. */
    roam_segment_header_set_bipbuf_capacity(header(seg), fits + A);
    expect_invalid(seg, SIZE, ROAM_E_PEER_RING_BOUNDS, 0, "peer 0");
    free(seg);
}
END_TEST

START_TEST(validate_ring_layout)
{
    unsigned char *seg = example_segment();
    static const uint32_t bad[] = {A + A / 2, 0};
    char needle[64];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        roam_segment_header_set_bipbuf_capacity(header(seg), bad[i]);
        snprintf(needle, sizeof needle, "bipbuf_capacity %u", bad[i]);
        expect_invalid(seg, SIZE, ROAM_E_RING_LAYOUT, 0, needle);
    }
    free(seg);
}
END_TEST

START_TEST(validate_ring_capacity)
{
    unsigned char *seg = example_segment();
    char needle[80];

    roam_bipbuf_header_set_capacity(g2h(seg, 1), CAPACITY - 1);
    snprintf(needle, sizeof needle, "peer 1 guest-to-host ring: capacity %u", CAPACITY - 1);
    expect_invalid(seg, SIZE, ROAM_E_RING_CAPACITY, 1, needle);
    roam_bipbuf_header_set_capacity(g2h(seg, 1), CAPACITY);
    roam_bipbuf_header_set_capacity(h2g(seg, 2), 0);
    expect_invalid(seg, SIZE, ROAM_E_RING_CAPACITY, 2, "peer 2 host-to-guest ring");
    free(seg);
}
END_TEST

START_TEST(validate_ring_index)
{
    unsigned char *seg = example_segment();
    roam_diag_t diag;
    char msg[96];

    /* Every index may reach the capacity itself. */
    roam_bipbuf_header_store_read(h2g(seg, 0), CAPACITY);
    roam_bipbuf_header_store_write(h2g(seg, 0), CAPACITY);
    roam_bipbuf_header_store_watermark(h2g(seg, 0), CAPACITY);
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, NULL), ROAM_OK);

    roam_bipbuf_header_store_read(h2g(seg, 0), 9999);
    ck_assert_int_eq(roam_segment_validate(seg, SIZE, NULL, &diag), ROAM_E_RING_INDEX);
    ck_assert_uint_eq(diag.index, 0);
    snprintf(msg, sizeof msg, "peer 0 host-to-guest ring: read 9999 beyond capacity %u", CAPACITY);
    ck_assert_str_eq(diag.msg, msg);
    roam_bipbuf_header_store_read(h2g(seg, 0), 0);

    roam_bipbuf_header_store_write(g2h(seg, 2), CAPACITY + 1);
    snprintf(msg, sizeof msg, "peer 2 guest-to-host ring: write %u beyond capacity %u",
             CAPACITY + 1, CAPACITY);
    expect_invalid(seg, SIZE, ROAM_E_RING_INDEX, 2, msg);
    roam_bipbuf_header_store_write(g2h(seg, 2), 0);
    roam_bipbuf_header_store_watermark(g2h(seg, 1), CAPACITY + 1);
    snprintf(msg, sizeof msg, "peer 1 guest-to-host ring: watermark %u", CAPACITY + 1);
    expect_invalid(seg, SIZE, ROAM_E_RING_INDEX, 1, msg);
    free(seg);
}
END_TEST

START_TEST(validate_order_classes_peers_rings)
{
    unsigned char *seg = example_segment();

    /* With a bad ring, a bad peer and a bad class, the class comes first. */
    roam_bipbuf_header_set_capacity(g2h(seg, 0), 1);
    roam_peer_entry_store_state(peer(seg, 2), 0xFFFFFFFFu);
    roam_size_class_header_set_slot_size(class(seg, 1), 0);
    expect_invalid(seg, SIZE, ROAM_E_CLASS_SLOT_SIZE, 1, "class 1");
    roam_size_class_header_set_slot_size(class(seg, 1), example_classes[1].slot_size);
    expect_invalid(seg, SIZE, ROAM_E_PEER_STATE, 2, "peer 2");
    roam_peer_entry_store_state(peer(seg, 2), ROAM_PEER_STATE_EMPTY);
    expect_invalid(seg, SIZE, ROAM_E_RING_CAPACITY, 0, "peer 0");
    free(seg);
}
END_TEST

/* ---- Navigation -------------------------------------------------------- */

START_TEST(navigation)
{
    unsigned char *seg = example_segment();
    roam_segment_header_plain_t snap;

    ck_assert_int_eq(roam_segment_validate(seg, SIZE, &snap, NULL), ROAM_OK);
    for (uint32_t i = 0; i < example_cfg.max_guests; i++) {
        unsigned char *ring = seg + roam_layout_rings_offset_at(&L, i);

        /* From the header snapshot, the same places as the layout's. */
        ck_assert_ptr_eq(roam_segment_peer(seg, &snap, i),
                         seg + roam_layout_peer_table_offset_at(&L, i));
        ck_assert_ptr_eq(roam_segment_ring(seg, &snap, i, ROAM_RING_GUEST_TO_HOST),
                         ring + L.rings_to_host_offset);
        ck_assert_ptr_eq(roam_segment_ring(seg, &snap, i, ROAM_RING_HOST_TO_GUEST),
                         ring + L.rings_to_guest_offset);
        ck_assert_uint_eq(roam_peer_entry_ring_offset(roam_segment_peer(seg, &snap, i)),
                          (uint64_t)(ring - seg));
        /* Entries back to back after the header; each ring's data after
         * its header, the other ring after that data. */
        ck_assert_ptr_eq(roam_segment_peer(seg, &snap, i),
                         (roam_peer_entry_t *)(seg + L.peer_table_offset) + i);
        ck_assert_ptr_eq(roam_layout_rings_to_host_data(&L, seg, i),
                         (unsigned char *)(roam_segment_ring(seg, &snap, i, 0) + 1));
        ck_assert(roam_layout_rings_to_host_data(&L, seg, i) + CAPACITY <=
                  (unsigned char *)roam_segment_ring(seg, &snap, i, 1));
    }
    ck_assert_ptr_null(roam_segment_peer(seg, &snap, example_cfg.max_guests));
    ck_assert_ptr_null(roam_segment_ring(seg, &snap, example_cfg.max_guests, ROAM_RING_GUEST_TO_HOST));
    ck_assert_ptr_null(roam_segment_ring(seg, &snap, 0, (enum roam_ring_dir)2));
    for (uint32_t c = 0; c < example_cfg.num_classes; c++)
        ck_assert_ptr_eq(roam_segment_class(seg, &snap, c),
                         (roam_size_class_header_t *)(seg + L.var_pool_offset) + c);
    ck_assert_ptr_null(roam_segment_class(seg, &snap, example_cfg.num_classes));
    ck_assert_ptr_null(roam_segment_peer(NULL, &snap, 0));
    ck_assert_uint_eq(roam_size_class_header_slot_size(roam_segment_class(seg, &snap, 1)),
                      example_classes[1].slot_size);
    free(seg);
}
END_TEST

/* ---- Field tables and accessors ----------------------------------------- */

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

#define F(st, f) {#f, get_##st##_##f, set_##st##_##f}

/* The accessors to test; where each field lies comes from the table. */
static const tb_field_t bipbuf_fields[] = {
    F(bipbuf_header, write),
    F(bipbuf_header, watermark),
    F(bipbuf_header, capacity),
    F(bipbuf_header, read),
};
static const tb_field_t class_fields[] = {
    F(size_class_header, slot_size),
    F(size_class_header, slot_count),
    F(size_class_header, free_head),
};
static const tb_field_t meta_fields[] = {
    F(var_slot_meta, generation),
    F(var_slot_meta, state),
    F(var_slot_meta, owner_peer),
    F(var_slot_meta, next_free),
};
#undef F

#define CHECK_FIELDS(st, table)                                                          \
    do {                                                                                 \
        size_t ninfo;                                                                    \
        const roam_field_info_t *info = roam_##st##_fields(&ninfo);                      \
        const char *err = tb_check_table(sizeof(roam_##st##_t), info, ninfo);            \
        ck_assert_msg(err == NULL, #st ": %s", err);                                     \
        err = tb_check_fields(sizeof(roam_##st##_t), table, sizeof table / sizeof table[0], \
                              info, ninfo);                                              \
        ck_assert_msg(err == NULL, #st ": %s", err);                                     \
    } while (0)

START_TEST(accessors_raw_bytes)
{
    CHECK_FIELDS(bipbuf_header, bipbuf_fields);
    CHECK_FIELDS(size_class_header, class_fields);
    CHECK_FIELDS(var_slot_meta, meta_fields);
    ck_assert_uint_eq(sizeof(roam_bipbuf_header_t), ROAM_BIPBUF_HEADER_SIZE);
    ck_assert_uint_eq(sizeof(roam_size_class_header_t), ROAM_SIZE_CLASS_HEADER_SIZE);
    ck_assert_uint_eq(sizeof(roam_var_slot_meta_t), ROAM_VAR_SLOT_META_SIZE);
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
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, init_bytes);
    tcase_add_test(tc, init_validates_and_header_matches);
    tcase_add_test(tc, init_free_lists);
    tcase_add_test(tc, init_rejects);
    suite_add_tcase(s, tc);

    tc = tcase_create("validate");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, validate_header_errors);
    tcase_add_test(tc, validate_misaligned);
    tcase_add_test(tc, validate_class_slot_size);
    tcase_add_test(tc, validate_class_slot_count);
    tcase_add_test(tc, validate_class_bounds);
    tcase_add_test(tc, validate_class_too_many);
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
    tcase_add_checked_fixture(tc, setup, NULL);
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
