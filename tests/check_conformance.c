/*
 * roam v7 conformance of the library: the only tests that pin the real
 * layout. The reference's literal offsets, sizes and constants; roam's own
 * header tests and messages; the headers roam's Rust code wrote
 * (tests/fixtures); the reference's worked example and more layouts worked
 * out from its formulas; the golden bytes of a fresh segment.
 *
 * Every other test takes its offsets and sizes from the schema and keeps
 * passing when the schema changes. These fail, saying that the change
 * breaks compatibility with roam v7 peers (see tests/util/v7.h).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"
#include "v7.h"

/* A fresh header from cfg laid out by the library. */
static roam_segment_header_t *layout_header(const roam_segment_config_t *cfg, roam_layout_t *l)
{
    roam_segment_header_t *h = tb_alloc_segment(sizeof *h);

    v7_err(roam_layout_compute(cfg, l), ROAM_OK, "laying out roam's configuration");
    roam_segment_header_init(h, cfg, l);
    return h;
}

/* The header rules on a private copy of h. */
static roam_err_t check_header(const roam_segment_header_t *h)
{
    return roam_header_validate(h, sizeof *h, 0, NULL);
}

/* ---- The reference's tables (§1-§4, §6) ---------------------------------- */

/* One field as the reference's table has it, and as the C struct has it. */
typedef struct v7_field {
    const char *name;
    size_t offset, size;
    bool atomic;
    size_t c_offset, c_size;
} v7_field_t;

#define F(T, f, off, size, atomic) {#f, off, size, atomic, offsetof(T, f), sizeof(((T *)0)->f)}

static const v7_field_t header_fields[] = {
    F(roam_segment_header_t, magic, 0, 8, false),
    F(roam_segment_header_t, version, 8, 4, false),
    F(roam_segment_header_t, header_size, 12, 4, false),
    F(roam_segment_header_t, total_size, 16, 8, false),
    F(roam_segment_header_t, max_payload_size, 24, 4, false),
    F(roam_segment_header_t, inline_threshold, 28, 4, false),
    F(roam_segment_header_t, max_guests, 32, 4, false),
    F(roam_segment_header_t, bipbuf_capacity, 36, 4, false),
    F(roam_segment_header_t, peer_table_offset, 40, 8, false),
    F(roam_segment_header_t, var_pool_offset, 48, 8, false),
    F(roam_segment_header_t, heartbeat_interval, 56, 8, false),
    F(roam_segment_header_t, host_goodbye, 64, 4, true),
    F(roam_segment_header_t, num_var_slot_classes, 68, 4, false),
    F(roam_segment_header_t, current_size, 72, 8, true),
};
static const v7_field_t peer_fields[] = {
    F(roam_peer_entry_t, state, 0, 4, true),
    F(roam_peer_entry_t, epoch, 4, 4, true),
    F(roam_peer_entry_t, last_heartbeat, 8, 8, true),
    F(roam_peer_entry_t, ring_offset, 16, 8, false),
};
static const v7_field_t bipbuf_fields[] = {
    F(roam_bipbuf_header_t, write, 0, 4, true),
    F(roam_bipbuf_header_t, watermark, 4, 4, true),
    F(roam_bipbuf_header_t, capacity, 8, 4, false),
    F(roam_bipbuf_header_t, read, 64, 4, true),
};
static const v7_field_t class_fields[] = {
    F(roam_size_class_header_t, slot_size, 0, 4, false),
    F(roam_size_class_header_t, slot_count, 4, 4, false),
    F(roam_size_class_header_t, free_head, 8, 8, true),
};
static const v7_field_t meta_fields[] = {
    F(roam_var_slot_meta_t, generation, 0, 4, true),
    F(roam_var_slot_meta_t, state, 4, 4, true),
    F(roam_var_slot_meta_t, owner_peer, 8, 4, true),
    F(roam_var_slot_meta_t, next_free, 12, 4, true),
};
static const v7_field_t frame_fields[] = {
    F(roam_frame_header_t, total_len, 0, 4, false),
    F(roam_frame_header_t, flags, 4, 1, false),
};
static const v7_field_t slot_ref_fields[] = {
    F(roam_slot_ref_t, class_idx, 0, 1, false),
    F(roam_slot_ref_t, extent_idx, 1, 1, false),
    F(roam_slot_ref_t, slot_idx, 4, 4, false),
    F(roam_slot_ref_t, generation, 8, 4, false),
};
static const v7_field_t mmap_ref_fields[] = {
    F(roam_mmap_ref_t, map_id, 0, 4, false),
    F(roam_mmap_ref_t, map_generation, 4, 4, false),
    F(roam_mmap_ref_t, map_offset, 8, 8, false),
    F(roam_mmap_ref_t, payload_len, 16, 4, false),
};
#undef F

/* One struct of the reference: its size, alignment and fields. */
static const struct v7_struct {
    const char *name;
    size_t size, align, c_size, c_align;
    tb_fields_fn table;
    const v7_field_t *fields;
    size_t nfields;
} v7_structs[] = {
#define S(st, size, align, fields)                                                       \
    {#st, size, align, sizeof(roam_##st##_t), _Alignof(roam_##st##_t), roam_##st##_fields, \
     fields, sizeof fields / sizeof fields[0]}
    S(segment_header, 128, 8, header_fields),
    S(peer_entry, 64, 8, peer_fields),
    S(bipbuf_header, 128, 64, bipbuf_fields),
    S(size_class_header, 64, 64, class_fields),
    S(var_slot_meta, 16, 4, meta_fields),
    S(frame_header, 8, 4, frame_fields),
    S(slot_ref, 12, 4, slot_ref_fields),
    S(mmap_ref, 24, 8, mmap_ref_fields),
#undef S
};
#define NSTRUCTS (sizeof v7_structs / sizeof v7_structs[0])

START_TEST(reference_structs)
{
    const struct v7_struct *s = &v7_structs[_i];
    char what[160];

    snprintf(what, sizeof what, "size of %s", s->name);
    v7_eq(s->c_size, s->size, what);
    snprintf(what, sizeof what, "alignment of %s", s->name);
    v7_eq(s->c_align, s->align, what);

    /* Every field where the reference puts it: in the generated table
     * and in the C struct. */
    for (size_t i = 0; i < s->nfields; i++) {
        const v7_field_t *f = &s->fields[i];
        size_t n;
        const roam_field_info_t *info = s->table(&n), *gen = NULL;

        for (size_t j = 0; j < n; j++)
            if (strcmp(info[j].name, f->name) == 0)
                gen = &info[j];
        snprintf(what, sizeof what, "%s.%s is in the schema", s->name, f->name);
        v7_true(gen != NULL, what);
        snprintf(what, sizeof what, "offset of %s.%s", s->name, f->name);
        v7_eq(gen->offset, f->offset, what);
        v7_eq(f->c_offset, f->offset, what);
        snprintf(what, sizeof what, "size of %s.%s", s->name, f->name);
        v7_eq(gen->size, f->size, what);
        v7_eq(f->c_size, f->size, what);
        snprintf(what, sizeof what, "atomicity of %s.%s", s->name, f->name);
        v7_eq(gen->atomic, f->atomic, what);
    }
}
END_TEST

START_TEST(reference_constants)
{
    v7_mem_eq(ROAM_MAGIC, "ROAMHUB\x07", 8, "MAGIC");
    v7_eq(ROAM_MAGIC_SIZE, 8, "MAGIC size");
    v7_eq(ROAM_SEGMENT_VERSION, 7, "SEGMENT_VERSION");
    v7_eq(ROAM_SEGMENT_HEADER_SIZE, 128, "SEGMENT_HEADER_SIZE");
    v7_eq(ROAM_DEFAULT_INLINE_THRESHOLD, 256, "DEFAULT_INLINE_THRESHOLD");
    v7_eq(ROAM_MAX_GUESTS, 255, "MAX_GUESTS");
    v7_eq(ROAM_SEGMENT_ALIGN, 64, "SEGMENT_ALIGN");
    v7_eq(ROAM_PEER_ENTRY_SIZE, 64, "PEER_ENTRY_SIZE");
    v7_eq(ROAM_BIPBUF_HEADER_SIZE, 128, "BIPBUF_HEADER_SIZE");
    v7_eq(ROAM_SIZE_CLASS_HEADER_SIZE, 64, "SIZE_CLASS_HEADER_SIZE");
    v7_eq(ROAM_VAR_SLOT_META_SIZE, 16, "VAR_SLOT_META_SIZE");
    v7_eq(ROAM_MAX_SIZE_CLASSES, 256, "MAX_SIZE_CLASSES");
    v7_eq(ROAM_FREE_LIST_EMPTY, 0xFFFFFFFFu, "FREE_LIST_EMPTY");
    v7_eq(ROAM_FRAME_ALIGN, 4, "FRAME_ALIGN");
    v7_eq(ROAM_FRAME_HEADER_SIZE, 8, "FRAME_HEADER_SIZE");
    v7_eq(ROAM_SLOT_REF_ENTRY_SIZE, 20, "SLOT_REF_ENTRY_SIZE");
    v7_eq(ROAM_MMAP_REF_ENTRY_SIZE, 32, "MMAP_REF_ENTRY_SIZE");

    v7_eq(ROAM_PEER_STATE_EMPTY, 0, "PEER_STATE EMPTY");
    v7_eq(ROAM_PEER_STATE_ATTACHED, 1, "PEER_STATE ATTACHED");
    v7_eq(ROAM_PEER_STATE_GOODBYE, 2, "PEER_STATE GOODBYE");
    v7_eq(ROAM_PEER_STATE_RESERVED, 3, "PEER_STATE RESERVED");
    v7_eq(ROAM_SLOT_STATE_FREE, 0, "SLOT_STATE FREE");
    v7_eq(ROAM_SLOT_STATE_ALLOCATED, 1, "SLOT_STATE ALLOCATED");
    v7_eq(ROAM_FRAME_FLAGS_SLOT_REF, 1, "FRAME_FLAGS SLOT_REF");
    v7_eq(ROAM_FRAME_FLAGS_MMAP_REF, 2, "FRAME_FLAGS MMAP_REF");
}
END_TEST

/* ---- roam's own header tests (segment.rs) --------------------------------- */

/* The header roam's tests build with SegmentHeaderInit: its stored offsets
 * are roam's literal values, not this library's layout. */
static void roam_make_header(roam_segment_header_t *h)
{
    static const roam_size_class_t one[] = {{4096, 1}};
    const roam_segment_config_t cfg = {
        .max_guests = 4, .bipbuf_capacity = 16384, .max_payload_size = 65536,
        .inline_threshold = 0, .heartbeat_interval = 0, .num_classes = 1, .classes = one,
    };
    static roam_layout_t l;

    memset(&l, 0, sizeof l);
    l.max_guests = 4;
    l.bipbuf_capacity = 16384;
    l.num_classes = 1;
    l.peer_table_offset = 128;
    l.var_pool_offset = 4096;
    l.total_size = 65536;
    memset(h, 0, sizeof *h);
    roam_segment_header_init(h, &cfg, &l);
}

START_TEST(roam_roundtrip)
{
    roam_segment_header_t h;

    roam_make_header(&h);
    v7_mem_eq(roam_segment_header_magic(&h), "ROAMHUB\x07", 8, "magic");
    v7_eq(roam_segment_header_version(&h), 7, "version");
    v7_eq(roam_segment_header_header_size(&h), 128, "header_size");
    v7_eq(roam_segment_header_total_size(&h), 65536, "total_size");
    v7_eq(roam_segment_header_max_payload_size(&h), 65536, "max_payload_size");
    v7_eq(roam_segment_header_inline_threshold(&h), 0, "inline_threshold");
    v7_eq(roam_segment_header_max_guests(&h), 4, "max_guests");
    v7_eq(roam_segment_header_bipbuf_capacity(&h), 16384, "bipbuf_capacity");
    v7_eq(roam_segment_header_peer_table_offset(&h), 128, "peer_table_offset");
    v7_eq(roam_segment_header_var_pool_offset(&h), 4096, "var_pool_offset");
    v7_eq(roam_segment_header_heartbeat_interval(&h), 0, "heartbeat_interval");
    v7_eq(roam_segment_header_load_host_goodbye(&h), 0, "host_goodbye");
    v7_eq(roam_segment_header_num_var_slot_classes(&h), 1, "num_var_slot_classes");
    v7_eq(roam_segment_header_load_current_size(&h), 65536, "current_size");
    /* roam zeroes bytes 80..127. */
    for (size_t i = 80; i < 128; i++)
        v7_eq(((const unsigned char *)&h)[i], 0, "a reserved byte of roam's header");
}
END_TEST

START_TEST(roam_validate)
{
    roam_segment_header_t h;

    roam_make_header(&h);
    v7_err(check_header(&h), ROAM_OK, "roam's test header");
    h.magic[7] = 0x01; /* the version byte of the magic */
    v7_err(check_header(&h), ROAM_E_BAD_MAGIC, "magic byte 7 = 1");
    roam_make_header(&h);
    roam_segment_header_set_version(&h, 99);
    v7_err(check_header(&h), ROAM_E_VERSION, "version 99");
    roam_make_header(&h);
    roam_segment_header_set_header_size(&h, 64);
    v7_err(check_header(&h), ROAM_E_HEADER_SIZE, "header_size 64");
    roam_make_header(&h);
    roam_segment_header_set_num_var_slot_classes(&h, 0);
    v7_err(check_header(&h), ROAM_E_NO_CLASSES, "no classes");
}
END_TEST

START_TEST(roam_messages)
{
    /* roam's validate() returns these strings; this library's messages for
     * the same four rules are roam's. */
    v7_str_eq(roam_strerror(ROAM_E_BAD_MAGIC), "bad magic: not a roam v7 segment", "BAD_MAGIC's message");
    v7_str_eq(roam_strerror(ROAM_E_VERSION), "unsupported segment version", "VERSION's message");
    v7_str_eq(roam_strerror(ROAM_E_HEADER_SIZE), "unexpected header_size", "HEADER_SIZE's message");
    v7_str_eq(roam_strerror(ROAM_E_NO_CLASSES), "segment missing var-slot classes",
              "NO_CLASSES's message");
}
END_TEST

START_TEST(roam_inline_threshold_default)
{
    roam_segment_header_t h;

    roam_make_header(&h);
    v7_eq(roam_segment_header_effective_inline_threshold(&h), 256, "the default inline threshold");
    roam_segment_header_set_inline_threshold(&h, 512);
    v7_eq(roam_segment_header_effective_inline_threshold(&h), 512, "an explicit inline threshold");
}
END_TEST

START_TEST(roam_host_goodbye_flag)
{
    roam_segment_header_t h;

    roam_make_header(&h);
    roam_segment_header_store_host_goodbye(&h, 1);
    v7_eq(tb_get_le(&h, 64, 4), 1, "host_goodbye's byte after a store");
    v7_err(check_header(&h), ROAM_OK, "a header with host_goodbye raised");
    v7_eq(roam_segment_header_load_current_size(&h), roam_segment_header_total_size(&h),
          "current_size of a fresh header");
}
END_TEST

/* ---- Headers written by roam's code (tests/fixtures) --------------------- */

static const char *const fixture_bin[] = {"roam-header-a.bin", "roam-header-b.bin"};
static const char *const fixture_txt[] = {"roam-header-a.txt", "roam-header-b.txt"};

/* The configurations the fixtures were written with (tests/fixtures/README.md). */
static const roam_size_class_t fixture_a_classes[] = {{256, 16}, {8192, 4}};
static const roam_size_class_t fixture_b_classes[] = {{1024, 32}};
static const roam_segment_config_t fixture_cfg[] = {
    {.max_guests = 4, .bipbuf_capacity = 1024, .max_payload_size = 8192, .inline_threshold = 0,
     .heartbeat_interval = 500000000, .num_classes = 2, .classes = fixture_a_classes},
    {.max_guests = 8, .bipbuf_capacity = 4096, .max_payload_size = 4096, .inline_threshold = 512,
     .heartbeat_interval = 0, .num_classes = 1, .classes = fixture_b_classes},
};

static unsigned char *read_fixture(int i, size_t *len)
{
    unsigned char *buf = tb_read_fixture(fixture_bin[i], len);

    ck_assert_msg(buf != NULL, "cannot read fixture %s", fixture_bin[i]);
    return buf;
}

START_TEST(fixture_validates)
{
    roam_segment_header_plain_t snap;
    size_t len = 0;
    unsigned char *buf = read_fixture(_i, &len);

    ck_assert_uint_eq(len, 128);
    v7_err(roam_header_validate(buf, len, 0, &snap), ROAM_OK, fixture_bin[_i]);
    /* Only the header: the segment it describes is longer. */
    v7_err(roam_header_validate(buf, len, ROAM_VALIDATE_MAPPING, &snap), ROAM_E_MAPPING_SHORT,
           fixture_bin[_i]);
    free(buf);
}
END_TEST

START_TEST(fixture_fields_match)
{
    tb_pair_t pairs[64];
    roam_segment_header_plain_t snap;
    size_t len = 0, ninfo;
    const roam_field_info_t *info = roam_segment_header_fields(&ninfo);
    unsigned char *buf = read_fixture(_i, &len);
    int n = tb_read_pairs(fixture_txt[_i], pairs, 64);
    char what[160];

    ck_assert_int_gt(n, 0);
    v7_err(roam_header_snapshot(buf, len, &snap), ROAM_OK, "a snapshot of roam's 128-byte header");

    /* Every value roam read back, read the same way here. */
    for (int k = 0; k < n; k++) {
        const roam_field_info_t *f = NULL;

        snprintf(what, sizeof what, "%.63s in %s", pairs[k].name, fixture_txt[_i]);
        if (strcmp(pairs[k].name, "effective_inline_threshold") == 0) {
            v7_eq(roam_segment_header_plain_effective_inline_threshold(&snap), pairs[k].value, what);
            continue;
        }
        for (size_t j = 0; j < ninfo; j++)
            if (strcmp(info[j].name, pairs[k].name) == 0)
                f = &info[j];
        v7_true(f != NULL && f->count == 0, what);
        v7_eq(roam_field_value(&snap, f), pairs[k].value, what);
    }
    /* roam's header has all fourteen v7 fields (13 scalars + magic)... */
    for (size_t i = 0; i < sizeof header_fields / sizeof header_fields[0]; i++) {
        bool listed = strcmp(header_fields[i].name, "magic") == 0;

        for (int k = 0; k < n; k++)
            listed |= strcmp(pairs[k].name, header_fields[i].name) == 0;
        snprintf(what, sizeof what, "%s listed in %s", header_fields[i].name, fixture_txt[_i]);
        v7_true(listed, what);
    }
    /* ... and any field the schema added since reads 0 in it: a v7 peer
     * writes zero there, so zero must mean "absent". */
    for (size_t j = 0; j < ninfo; j++) {
        bool v7 = false;

        for (size_t i = 0; i < sizeof header_fields / sizeof header_fields[0]; i++)
            v7 |= strcmp(header_fields[i].name, info[j].name) == 0;
        if (v7 || info[j].reserved || info[j].count != 0)
            continue;
        snprintf(what, sizeof what, "new field %s in roam's header", info[j].name);
        v7_eq(roam_field_value(&snap, &info[j]), 0, what);
    }
    free(buf);
}
END_TEST

/* The library lays out the fixture's configuration as roam did, and its
 * header initialisation writes roam's bytes. */
START_TEST(fixture_init_bytes)
{
    static const uint64_t var_pool[] = {9600, 68224}, total[] = {46912, 101568};
    static const uint64_t rings[] = {128 + 4 * 64, 128 + 8 * 64};
    static const uint64_t stride[] = {2 * (128 + 1024), 2 * (128 + 4096)};
    size_t len = 0;
    unsigned char *buf = read_fixture(_i, &len);
    roam_layout_t l;
    roam_segment_header_t *h = layout_header(&fixture_cfg[_i], &l);

    v7_eq(l.peer_table_offset, 128, "peer_table_offset");
    v7_eq(l.rings_offset, rings[_i], "the first ring pair's offset");
    v7_eq(l.rings_stride, stride[_i], "the ring-pair stride");
    v7_eq(l.var_pool_offset, var_pool[_i], "var_pool_offset");
    v7_eq(l.total_size, total[_i], "total_size");
    v7_eq(sizeof *h, len, "size of the segment header");
    v7_mem_eq(h, buf, len, fixture_bin[_i]);
    free(h);
    free(buf);
}
END_TEST

/* ---- The whole-segment layout (reference §5) ------------------------------ */

static const roam_size_class_t example_classes[] = {{512, 3}, {4096, 1}};
static const roam_segment_config_t example_cfg = {
    .max_guests = 3, .bipbuf_capacity = 256, .max_payload_size = 4096,
    .inline_threshold = 0, .heartbeat_interval = 1000000, .num_classes = 2,
    .classes = example_classes,
};

static roam_segment_config_t config(uint32_t guests, uint32_t capacity, uint32_t n,
                                    const roam_size_class_t *classes)
{
    roam_segment_config_t cfg = {
        .max_guests = guests, .bipbuf_capacity = capacity, .max_payload_size = 4096,
        .num_classes = n, .classes = classes,
    };
    return cfg;
}

START_TEST(worked_example)
{
    roam_layout_t l;

    v7_err(roam_layout_compute(&example_cfg, &l), ROAM_OK, "the worked example");
    v7_eq(l.peer_table_offset, 128, "peer_table_offset");
    v7_eq(roam_layout_peer_table_offset_at(&l, 2), 128 + 2 * 64, "peer 2's entry");
    v7_eq(l.rings_offset, 320, "ring_base");
    v7_eq(l.rings_stride, 768, "the ring-pair stride");
    v7_eq(l.rings_to_host_offset, 0, "the guest-to-host header in a pair");
    v7_eq(l.rings_to_host_data_offset, 128, "the guest-to-host data in a pair");
    v7_eq(l.rings_to_guest_offset, 384, "the host-to-guest header in a pair");
    v7_eq(l.rings_to_guest_data_offset, 512, "the host-to-guest data in a pair");
    v7_eq(l.var_pool_offset, 2624, "var_pool_offset");
    v7_eq(roam_layout_var_pool_offset_at(&l, 1), 2624 + 64, "class 1's header");
    v7_eq(l.class_areas[0].meta_offset, 2624 + 128, "class 0's metadata");
    v7_eq(l.class_areas[0].meta_size, 64, "class 0's metadata size");
    v7_eq(l.class_areas[0].data_offset, 2624 + 192, "class 0's data");
    v7_eq(l.class_areas[0].data_size, 1536, "class 0's data size");
    v7_eq(l.class_areas[1].meta_offset, 2624 + 1728, "class 1's metadata");
    v7_eq(l.class_areas[1].meta_size, 64, "class 1's metadata size");
    v7_eq(l.class_areas[1].data_offset, 2624 + 1792, "class 1's data");
    v7_eq(l.class_areas[1].data_size, 4096, "class 1's data size");
    v7_eq(l.total_size - l.var_pool_offset, 5888, "pool size");
    v7_eq(l.total_size, 8512, "total_size");
}
END_TEST

/* More shapes, worked out by hand from the reference's formulas. */
START_TEST(reference_formulas)
{
    static const roam_size_class_t tiny[] = {{1, 1}};
    static const roam_size_class_t two[] = {{64, 2}};
    static const roam_size_class_t odd[] = {{100, 3}, {7, 5}, {65, 1}};
    static roam_size_class_t many[256];
    roam_segment_config_t cfg;
    roam_layout_t l;
    uint64_t pool;

    /* 128 header + 64 peer + 2 * (128 + 64) rings = 576; pool 64 + 64 + 64. */
    cfg = config(1, 64, 1, tiny);
    v7_err(roam_layout_compute(&cfg, &l), ROAM_OK, "1 guest, one 1-byte slot");
    v7_eq(l.rings_offset, 192, "ring_base");
    v7_eq(l.rings_stride, 384, "stride");
    v7_eq(l.var_pool_offset, 576, "var_pool_offset");
    v7_eq(l.class_areas[0].meta_offset, 640, "metadata");
    v7_eq(l.class_areas[0].data_offset, 704, "data");
    v7_eq(l.class_areas[0].data_size, 64, "data size");
    v7_eq(l.total_size, 768, "total_size");

    cfg = config(0, 64, 1, two);
    v7_err(roam_layout_compute(&cfg, &l), ROAM_OK, "no guests");
    v7_eq(l.rings_offset, 128, "ring_base without guests");
    v7_eq(l.var_pool_offset, 128, "var_pool_offset without guests");
    v7_eq(l.total_size, 128 + 64 + 64 + 128, "total_size without guests");

    /* Sizes that are not multiples of 64 are padded per region. */
    cfg = config(2, 128, 3, odd);
    v7_err(roam_layout_compute(&cfg, &l), ROAM_OK, "odd slot sizes");
    v7_eq(l.var_pool_offset, 1280, "var_pool_offset");
    pool = l.var_pool_offset;
    v7_eq(l.class_areas[0].meta_offset, pool + 192, "class 0's metadata");  /* 3 headers */
    v7_eq(l.class_areas[0].data_offset, pool + 256, "class 0's data");      /* 48 -> 64 */
    v7_eq(l.class_areas[1].meta_offset, pool + 576, "class 1's metadata");  /* 300 -> 320 */
    v7_eq(l.class_areas[1].data_offset, pool + 704, "class 1's data");      /* 80 -> 128 */
    v7_eq(l.class_areas[2].meta_offset, pool + 768, "class 2's metadata");  /* 35 -> 64 */
    v7_eq(l.class_areas[2].data_offset, pool + 832, "class 2's data");      /* 16 -> 64 */
    v7_eq(l.total_size, 1280 + 960, "total_size");                          /* 65 -> 128 */

    /* 255 guests and 256 classes. */
    for (int i = 0; i < 256; i++)
        many[i] = (roam_size_class_t){64, 1};
    cfg = config(255, 64, 256, many);
    v7_err(roam_layout_compute(&cfg, &l), ROAM_OK, "255 guests, 256 classes");
    v7_eq(l.var_pool_offset, (128 + 255 * 64 + 255 * 2 * (128 + 64) + 63) / 64 * 64,
          "var_pool_offset");
    v7_eq(l.total_size - l.var_pool_offset, 256 * 64 + 256 * 128, "pool size");

    cfg = config(255, UINT32_MAX - 63, 1, tiny);
    v7_err(roam_layout_compute(&cfg, &l), ROAM_OK, "the largest capacity");
    v7_eq(l.rings_stride, 2 * (128 + (uint64_t)UINT32_MAX - 63), "stride");
}
END_TEST

/* ---- A fresh segment, byte for byte ---------------------------------------- */

/* The worked example as roam_segment_init writes it, from the reference's
 * literal offsets. */
START_TEST(golden_bytes)
{
    unsigned char *seg = tb_alloc_segment(8512);
    unsigned char *want = tb_alloc_segment(8512);
    static const uint64_t rings[3] = {320, 1088, 1856};
    roam_layout_t l;

    v7_err(roam_segment_init(seg, 8512, &example_cfg, &l), ROAM_OK, "the worked example");
    v7_eq(l.total_size, 8512, "total_size");

    memcpy(want, "ROAMHUB\x07", 8);
    tb_put_le(want, 8, 4, 7);
    tb_put_le(want, 12, 4, 128);
    tb_put_le(want, 16, 8, 8512);
    tb_put_le(want, 24, 4, 4096);
    tb_put_le(want, 28, 4, 0);
    tb_put_le(want, 32, 4, 3);
    tb_put_le(want, 36, 4, 256);
    tb_put_le(want, 40, 8, 128);
    tb_put_le(want, 48, 8, 2624);
    tb_put_le(want, 56, 8, 1000000);
    tb_put_le(want, 68, 4, 2);
    tb_put_le(want, 72, 8, 8512);
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

    v7_mem_eq(seg, want, 8512, "the worked example's fresh segment");
    free(seg);
    free(want);
}
END_TEST

/* Navigation lands on the reference's offsets. */
START_TEST(golden_navigation)
{
    unsigned char *seg = tb_alloc_segment(8512);
    roam_segment_header_plain_t snap;

    v7_err(roam_segment_init(seg, 8512, &example_cfg, NULL), ROAM_OK, "the worked example in 8512 bytes");
    v7_err(roam_segment_validate(seg, 8512, &snap, NULL), ROAM_OK, "the worked example");
    for (uint32_t i = 0; i < 3; i++) {
        const unsigned char *ring = seg + 320 + 768 * i;

        v7_true(roam_segment_peer(seg, &snap, i) == (void *)(seg + 128 + 64 * i), "peer i at 128 + 64 i");
        v7_true(roam_segment_ring(seg, &snap, i, ROAM_RING_GUEST_TO_HOST) == (const void *)ring,
                "guest i's guest-to-host ring at 320 + 768 i");
        v7_true(roam_segment_ring(seg, &snap, i, ROAM_RING_HOST_TO_GUEST) ==
                (const void *)(ring + 128 + 256), "its host-to-guest ring 384 bytes later");
    }
    v7_true(roam_segment_class(seg, &snap, 1) == (void *)(seg + 2624 + 64), "class 1 at 2688");
    free(seg);
}
END_TEST

/* ---- Framing (reference §6) ------------------------------------------------ */

START_TEST(frame_sizes)
{
    v7_eq(roam_frame_inline_len(0), 8, "an empty inline entry");
    v7_eq(roam_frame_inline_len(1), 12, "a 1-byte inline entry");
    v7_eq(roam_frame_inline_len(4), 12, "a 4-byte inline entry");
    v7_eq(roam_frame_inline_len(5), 16, "a 5-byte inline entry");
    v7_eq(roam_frame_inline_len(248), 256, "a 248-byte inline entry");
    v7_eq(8 + sizeof(roam_slot_ref_t), 20, "a slot-reference entry");
    v7_eq(8 + sizeof(roam_mmap_ref_t), 32, "an mmap-reference entry");
}
END_TEST

static Suite *conformance_suite(void)
{
    Suite *s = suite_create("conformance");
    TCase *tc;

    tc = tcase_create("reference");
    tcase_add_loop_test(tc, reference_structs, 0, NSTRUCTS);
    tcase_add_test(tc, reference_constants);
    suite_add_tcase(s, tc);

    tc = tcase_create("roam");
    tcase_add_test(tc, roam_roundtrip);
    tcase_add_test(tc, roam_validate);
    tcase_add_test(tc, roam_messages);
    tcase_add_test(tc, roam_inline_threshold_default);
    tcase_add_test(tc, roam_host_goodbye_flag);
    suite_add_tcase(s, tc);

    tc = tcase_create("fixtures");
    tcase_add_loop_test(tc, fixture_validates, 0, 2);
    tcase_add_loop_test(tc, fixture_fields_match, 0, 2);
    tcase_add_loop_test(tc, fixture_init_bytes, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("layout");
    tcase_add_test(tc, worked_example);
    tcase_add_test(tc, reference_formulas);
    tcase_add_test(tc, golden_bytes);
    tcase_add_test(tc, golden_navigation);
    tcase_add_test(tc, frame_sizes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(conformance_suite());
}
