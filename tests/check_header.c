/*
 * Segment header: roam's own tests, every validation rule with its
 * boundary, roam's header fixtures, raw-byte accessors, and error texts.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

/* ---- Helpers ------------------------------------------------------------ */

/* The header roam's own tests build. */
static const roam_header_params_t roam_params = {
    .total_size = 65536,
    .max_payload_size = 65536,
    .inline_threshold = 0,
    .max_guests = 4,
    .bipbuf_capacity = 16384,
    .peer_table_offset = 128,
    .var_pool_offset = 4096,
    .heartbeat_interval = 0,
    .num_var_slot_classes = 1,
};

static void make_header(roam_segment_header_t *h)
{
    memset(h, 0, sizeof *h);
    roam_header_init(h, &roam_params);
}

/* Set total_size and current_size together. */
static void set_sizes(roam_segment_header_t *h, uint64_t total, uint64_t current)
{
    roam_segment_header_set_total_size(h, total);
    roam_segment_header_store_current_size(h, current);
}

/* Getters and setters of every scalar header field, by reference offset. */
#define HDR_PLAIN(f)                                                                     \
    static uint64_t get_##f(const void *o)                                               \
    {                                                                                    \
        return roam_segment_header_##f((const roam_segment_header_t *)o);                \
    }                                                                                    \
    static void set_##f(void *o, uint64_t v)                                             \
    {                                                                                    \
        roam_segment_header_set_##f((roam_segment_header_t *)o, v);                      \
    }
#define HDR_ATOMIC(f)                                                                    \
    static uint64_t get_##f(const void *o)                                               \
    {                                                                                    \
        return roam_segment_header_load_##f((const roam_segment_header_t *)o);           \
    }                                                                                    \
    static void set_##f(void *o, uint64_t v)                                             \
    {                                                                                    \
        roam_segment_header_store_##f((roam_segment_header_t *)o, v);                    \
    }
HDR_PLAIN(version)
HDR_PLAIN(header_size)
HDR_PLAIN(total_size)
HDR_PLAIN(max_payload_size)
HDR_PLAIN(inline_threshold)
HDR_PLAIN(max_guests)
HDR_PLAIN(bipbuf_capacity)
HDR_PLAIN(peer_table_offset)
HDR_PLAIN(var_pool_offset)
HDR_PLAIN(heartbeat_interval)
HDR_ATOMIC(host_goodbye)
HDR_PLAIN(num_var_slot_classes)
HDR_ATOMIC(current_size)

/* Offsets and sizes typed in from the reference's table (§1). */
#define F(name, off, size) {#name, off, size, get_##name, set_##name}
static const tb_field_t header_fields[] = {
    F(version, 8, 4),
    F(header_size, 12, 4),
    F(total_size, 16, 8),
    F(max_payload_size, 24, 4),
    F(inline_threshold, 28, 4),
    F(max_guests, 32, 4),
    F(bipbuf_capacity, 36, 4),
    F(peer_table_offset, 40, 8),
    F(var_pool_offset, 48, 8),
    F(heartbeat_interval, 56, 8),
    F(host_goodbye, 64, 4),
    F(num_var_slot_classes, 68, 4),
    F(current_size, 72, 8),
};
#undef F
#define NFIELDS (sizeof header_fields / sizeof header_fields[0])

static const tb_field_t *header_field(const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(header_fields[i].name, name) == 0)
            return &header_fields[i];
    return NULL;
}

/* ---- roam's own tests --------------------------------------------------- */

START_TEST(roam_roundtrip)
{
    roam_segment_header_t h;

    make_header(&h);
    ck_assert_mem_eq(roam_segment_header_magic(&h), ROAM_MAGIC, ROAM_MAGIC_SIZE);
    ck_assert_uint_eq(roam_segment_header_version(&h), ROAM_SEGMENT_VERSION);
    ck_assert_uint_eq(roam_segment_header_header_size(&h), 128);
    ck_assert_uint_eq(roam_segment_header_total_size(&h), 65536);
    ck_assert_uint_eq(roam_segment_header_max_payload_size(&h), 65536);
    ck_assert_uint_eq(roam_segment_header_inline_threshold(&h), 0);
    ck_assert_uint_eq(roam_segment_header_max_guests(&h), 4);
    ck_assert_uint_eq(roam_segment_header_bipbuf_capacity(&h), 16384);
    ck_assert_uint_eq(roam_segment_header_peer_table_offset(&h), 128);
    ck_assert_uint_eq(roam_segment_header_var_pool_offset(&h), 4096);
    ck_assert_uint_eq(roam_segment_header_heartbeat_interval(&h), 0);
    ck_assert_uint_eq(roam_segment_header_load_host_goodbye(&h), 0);
    ck_assert_uint_eq(roam_segment_header_num_var_slot_classes(&h), 1);
    ck_assert_uint_eq(roam_segment_header_load_current_size(&h), 65536);
    for (size_t i = 0; i < sizeof h.reserved; i++)
        ck_assert_uint_eq(h.reserved[i], 0);
}
END_TEST

START_TEST(roam_validate_ok)
{
    roam_segment_header_t h, snap;

    make_header(&h);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
    ck_assert_int_eq(roam_header_validate(&h, sizeof h, 0, &snap), ROAM_OK);
    ck_assert_mem_eq(&snap, &h, sizeof h);
}
END_TEST

START_TEST(roam_validate_bad_magic)
{
    roam_segment_header_t h;

    make_header(&h);
    h.magic[7] = 0x01; /* the version byte of the magic */
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_BAD_MAGIC);
    ck_assert_str_eq(roam_strerror(ROAM_E_BAD_MAGIC), "bad magic: not a roam v7 segment");
}
END_TEST

START_TEST(roam_validate_bad_version)
{
    roam_segment_header_t h;

    make_header(&h);
    roam_segment_header_set_version(&h, 99);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_VERSION);
    ck_assert_str_eq(roam_strerror(ROAM_E_VERSION), "unsupported segment version");
}
END_TEST

START_TEST(roam_inline_threshold_default)
{
    roam_segment_header_t h;

    make_header(&h);
    ck_assert_uint_eq(roam_segment_header_effective_inline_threshold(&h), 256);
    roam_segment_header_set_inline_threshold(&h, 512);
    ck_assert_uint_eq(roam_segment_header_effective_inline_threshold(&h), 512);
}
END_TEST

START_TEST(roam_host_goodbye_flag)
{
    roam_segment_header_t h;

    make_header(&h);
    ck_assert_uint_eq(roam_segment_header_load_host_goodbye(&h), 0);
    roam_segment_header_store_host_goodbye(&h, 1);
    ck_assert_uint_ne(roam_segment_header_load_host_goodbye(&h), 0);
    /* A raised flag does not make the header invalid. */
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(roam_current_size_matches_total)
{
    roam_segment_header_t h;

    make_header(&h);
    ck_assert_uint_eq(roam_segment_header_load_current_size(&h),
                      roam_segment_header_total_size(&h));
}
END_TEST

/* ---- Validation rules, in order, each with its boundary ----------------- */

START_TEST(rule_order)
{
    roam_segment_header_t h;

    /* Break every rule at once, then mend them one by one. */
    make_header(&h);
    h.magic[0] = 'X';
    roam_segment_header_set_version(&h, 99);
    roam_segment_header_set_header_size(&h, 64);
    roam_segment_header_set_num_var_slot_classes(&h, 0);
    roam_segment_header_set_max_guests(&h, 300);
    set_sizes(&h, 120, 100);
    h.reserved[5] = 1;
    roam_segment_header_set_peer_table_offset(&h, 130);
    roam_segment_header_set_var_pool_offset(&h, 4097);

    ck_assert_int_eq(roam_header_check(&h), ROAM_E_BAD_MAGIC);
    h.magic[0] = 'R';
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_VERSION);
    roam_segment_header_set_version(&h, 7);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_HEADER_SIZE);
    roam_segment_header_set_header_size(&h, 128);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_NO_CLASSES);
    roam_segment_header_set_num_var_slot_classes(&h, 1);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_MAX_GUESTS);
    roam_segment_header_set_max_guests(&h, 4);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CURRENT_SIZE);
    set_sizes(&h, 120, 65536);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_TOTAL_SIZE);
    set_sizes(&h, 65536, 65536);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_RESERVED);
    h.reserved[5] = 0;
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_ALIGN);
    roam_segment_header_set_peer_table_offset(&h, 64); /* aligned, but over the header */
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_VAR_POOL_ALIGN);
    roam_segment_header_set_var_pool_offset(&h, 256); /* aligned, but over the peer table */
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_peer_table_offset(&h, 128);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_var_pool_offset(&h, 4096);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_magic_every_byte)
{
    roam_segment_header_t h;

    for (int i = 0; i < (int)ROAM_MAGIC_SIZE; i++) {
        make_header(&h);
        h.magic[i] ^= 0xFF;
        ck_assert_int_eq(roam_header_check(&h), ROAM_E_BAD_MAGIC);
    }
    /* A zero magic (a segment still being created) is bad magic too. */
    make_header(&h);
    memset(h.magic, 0, sizeof h.magic);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_BAD_MAGIC);
}
END_TEST

START_TEST(rule_version)
{
    static const uint32_t bad[] = {0, 6, 8, 99, UINT32_MAX};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_version(&h, bad[i]);
        ck_assert_int_eq(roam_header_check(&h), ROAM_E_VERSION);
    }
    make_header(&h);
    roam_segment_header_set_version(&h, 7);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_header_size)
{
    static const uint32_t bad[] = {0, 64, 127, 129, 256};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_header_size(&h, bad[i]);
        ck_assert_int_eq(roam_header_check(&h), ROAM_E_HEADER_SIZE);
    }
    ck_assert_str_eq(roam_strerror(ROAM_E_HEADER_SIZE), "unexpected header_size");
}
END_TEST

START_TEST(rule_no_classes)
{
    roam_segment_header_t h;

    make_header(&h);
    roam_segment_header_set_num_var_slot_classes(&h, 0);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_NO_CLASSES);
    ck_assert_str_eq(roam_strerror(ROAM_E_NO_CLASSES), "segment missing var-slot classes");
    roam_segment_header_set_num_var_slot_classes(&h, 1);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_max_guests)
{
    roam_segment_header_t h;

    /* 255 guests: the class table moves to the end of the peer table. */
    make_header(&h);
    roam_segment_header_set_max_guests(&h, 255);
    roam_segment_header_set_var_pool_offset(&h, 128 + 255 * 64);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
    roam_segment_header_set_max_guests(&h, 256);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_MAX_GUESTS);
    roam_segment_header_set_max_guests(&h, UINT32_MAX);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_MAX_GUESTS);
    /* No guests at all is a valid header. */
    roam_segment_header_set_max_guests(&h, 0);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_current_size)
{
    roam_segment_header_t h;

    make_header(&h);
    set_sizes(&h, 65536, 65535);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CURRENT_SIZE);
    set_sizes(&h, 65536, 0);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CURRENT_SIZE);
    set_sizes(&h, 65536, 65536);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
    /* A grown segment: current_size above total_size. */
    set_sizes(&h, 65536, UINT64_MAX);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_total_size)
{
    roam_segment_header_t h;

    make_header(&h);
    set_sizes(&h, 128, 65536);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
    set_sizes(&h, 127, 65536);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_TOTAL_SIZE);
    set_sizes(&h, 0, 65536);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_TOTAL_SIZE);
}
END_TEST

START_TEST(rule_reserved_every_byte)
{
    union {
        roam_segment_header_t h;
        unsigned char b[128];
    } u;

    for (size_t i = 80; i < 128; i++) {
        make_header(&u.h);
        u.b[i] = 0x01;
        ck_assert_int_eq(roam_header_check(&u.h), ROAM_E_RESERVED);
    }
    make_header(&u.h);
    ck_assert_int_eq(roam_header_check(&u.h), ROAM_OK);
}
END_TEST

START_TEST(rule_peer_table_align)
{
    static const uint64_t bad[] = {129, 160, 191, 4095};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_peer_table_offset(&h, bad[i]);
        ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_ALIGN);
    }
    make_header(&h);
    roam_segment_header_set_peer_table_offset(&h, 192);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_var_pool_align)
{
    static const uint64_t bad[] = {4097, 4128, 4159};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_var_pool_offset(&h, bad[i]);
        ck_assert_int_eq(roam_header_check(&h), ROAM_E_VAR_POOL_ALIGN);
    }
    make_header(&h);
    roam_segment_header_set_var_pool_offset(&h, 4160);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_peer_table_bounds)
{
    roam_segment_header_t h;

    /* Start: over the header fails, right after it passes. */
    make_header(&h);
    roam_segment_header_set_peer_table_offset(&h, 0);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_peer_table_offset(&h, 64);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_peer_table_offset(&h, 128);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);

    /* End: 4 entries end at 384; a segment of 320 cannot hold them. */
    make_header(&h);
    set_sizes(&h, 320, 320);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    /* Peer table, then one class header, exactly filling 448 bytes. */
    roam_segment_header_set_var_pool_offset(&h, 384);
    set_sizes(&h, 448, 448);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
    set_sizes(&h, 383, 383);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_BOUNDS);

    /* An end past 2^64 must not wrap around to a small number. */
    make_header(&h);
    set_sizes(&h, UINT64_MAX, UINT64_MAX);
    roam_segment_header_set_peer_table_offset(&h, UINT64_MAX - 63); /* multiple of 64 */
    roam_segment_header_set_max_guests(&h, 1);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_max_guests(&h, 255);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_PEER_TABLE_BOUNDS);
}
END_TEST

START_TEST(rule_class_table_bounds)
{
    roam_segment_header_t h;

    /* Start: over the peer table (ends at 384) fails, right after passes. */
    make_header(&h);
    roam_segment_header_set_var_pool_offset(&h, 320);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_var_pool_offset(&h, 384);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);

    /* End: 3 classes at 4096 end at 4288 exactly. */
    make_header(&h);
    roam_segment_header_set_num_var_slot_classes(&h, 3);
    set_sizes(&h, 4288, 4288);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
    set_sizes(&h, 4287, 4287);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_num_var_slot_classes(&h, UINT32_MAX);
    set_sizes(&h, 65536, 65536);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CLASS_TABLE_BOUNDS);

    /* An end past 2^64 must not wrap around to a small number. */
    make_header(&h);
    set_sizes(&h, UINT64_MAX, UINT64_MAX);
    roam_segment_header_set_var_pool_offset(&h, UINT64_MAX - 63);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_num_var_slot_classes(&h, UINT32_MAX);
    ck_assert_int_eq(roam_header_check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    /* The last 64 bytes of a 2^64 - 1 segment: the table ends at 2^64. */
    roam_segment_header_set_num_var_slot_classes(&h, 1);
    roam_segment_header_set_var_pool_offset(&h, UINT64_MAX - 127);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_mapping)
{
    roam_segment_header_t h;
    unsigned char *seg = calloc(1, 65536);

    make_header(&h);
    ck_assert_int_eq(roam_header_check_mapping(&h, 65536), ROAM_OK);
    ck_assert_int_eq(roam_header_check_mapping(&h, 65535), ROAM_E_MAPPING_SHORT);
    ck_assert_int_eq(roam_header_check_mapping(&h, 0), ROAM_E_MAPPING_SHORT);

    /* Through roam_header_validate: only with the flag. */
    ck_assert_ptr_nonnull(seg);
    memcpy(seg, &h, sizeof h);
    ck_assert_int_eq(roam_header_validate(seg, 65536, ROAM_VALIDATE_MAPPING, NULL), ROAM_OK);
    ck_assert_int_eq(roam_header_validate(seg, 65535, ROAM_VALIDATE_MAPPING, NULL),
                     ROAM_E_MAPPING_SHORT);
    ck_assert_int_eq(roam_header_validate(seg, 128, ROAM_VALIDATE_MAPPING, NULL),
                     ROAM_E_MAPPING_SHORT);
    ck_assert_int_eq(roam_header_validate(seg, 128, 0, NULL), ROAM_OK);
    free(seg);
}
END_TEST

/* ---- Snapshot ----------------------------------------------------------- */

START_TEST(truncated_buffers)
{
    roam_segment_header_t h, snap;

    make_header(&h);
    /* Each length 0..127 in a buffer of exactly that size: ASan would
     * report any read past it. */
    for (size_t len = 0; len < ROAM_SEGMENT_HEADER_SIZE; len++) {
        unsigned char *buf = malloc(len > 0 ? len : 1);

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, &h, len);
        ck_assert_int_eq(roam_header_snapshot(buf, len, &snap), ROAM_E_TRUNCATED);
        ck_assert_int_eq(roam_header_validate(buf, len, 0, &snap), ROAM_E_TRUNCATED);
        ck_assert_int_eq(roam_header_validate(buf, len, ROAM_VALIDATE_MAPPING, &snap),
                         ROAM_E_TRUNCATED);
        free(buf);
    }
    ck_assert_int_eq(roam_header_snapshot(NULL, 128, &snap), ROAM_E_TRUNCATED);

    unsigned char *exact = malloc(ROAM_SEGMENT_HEADER_SIZE);
    ck_assert_ptr_nonnull(exact);
    memcpy(exact, &h, sizeof h);
    ck_assert_int_eq(roam_header_validate(exact, ROAM_SEGMENT_HEADER_SIZE, 0, &snap), ROAM_OK);
    free(exact);
}
END_TEST

START_TEST(snapshot_is_a_copy)
{
    roam_segment_header_t shared, snap;

    make_header(&shared);
    ck_assert_int_eq(roam_header_snapshot(&shared, sizeof shared, &snap), ROAM_OK);
    ck_assert_mem_eq(&snap, &shared, sizeof snap);
    /* Later writes to the shared header do not reach the snapshot. */
    roam_segment_header_set_version(&shared, 99);
    roam_segment_header_store_current_size(&shared, 1);
    ck_assert_uint_eq(roam_segment_header_plain_version(&snap), 7);
    ck_assert_uint_eq(roam_segment_header_plain_current_size(&snap), 65536);
    ck_assert_int_eq(roam_header_check(&snap), ROAM_OK);
}
END_TEST

/* ---- Fixtures written by roam's code ------------------------------------ */

static const char *const fixture_bin[] = {"roam-header-a.bin", "roam-header-b.bin"};
static const char *const fixture_txt[] = {"roam-header-a.txt", "roam-header-b.txt"};

START_TEST(fixture_validates)
{
    roam_segment_header_plain_t snap;
    size_t len = 0;
    unsigned char *buf = tb_read_fixture(fixture_bin[_i], &len);

    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(len, ROAM_SEGMENT_HEADER_SIZE);
    ck_assert_int_eq(roam_header_validate(buf, len, 0, &snap), ROAM_OK);
    /* Only the header: the segment it describes is longer. */
    ck_assert_int_eq(roam_header_validate(buf, len, ROAM_VALIDATE_MAPPING, &snap),
                     ROAM_E_MAPPING_SHORT);
    free(buf);
}
END_TEST

START_TEST(fixture_fields_match)
{
    tb_pair_t pairs[64];
    roam_segment_header_plain_t snap;
    size_t len = 0, ninfo, seen = 0, scalars = 0;
    const roam_field_info_t *info = roam_segment_header_fields(&ninfo);
    unsigned char *buf = tb_read_fixture(fixture_bin[_i], &len);
    int n = tb_read_pairs(fixture_txt[_i], pairs, 64);

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(roam_header_snapshot(buf, len, &snap), ROAM_OK);

    for (int k = 0; k < n; k++) {
        const roam_field_info_t *f = NULL;
        const tb_field_t *acc;

        if (strcmp(pairs[k].name, "effective_inline_threshold") == 0) {
            ck_assert_uint_eq(roam_segment_header_plain_effective_inline_threshold(&snap), pairs[k].value);
            continue;
        }
        /* Every other line names a scalar field of the description ... */
        for (size_t j = 0; j < ninfo; j++)
            if (strcmp(info[j].name, pairs[k].name) == 0)
                f = &info[j];
        ck_assert_msg(f != NULL, "%s: not a header field", pairs[k].name);
        ck_assert_uint_eq(f->count, 0);
        ck_assert_msg(roam_field_value(&snap, f) == pairs[k].value, "%s: raw value differs",
                      pairs[k].name);
        /* ... and our accessor for it reads the same value. */
        acc = header_field(pairs[k].name);
        ck_assert_msg(acc != NULL, "%s: no accessor", pairs[k].name);
        ck_assert_msg(acc->get(&snap) == pairs[k].value, "%s: accessor reads %llu, fixture %llu",
                      pairs[k].name, (unsigned long long)acc->get(&snap),
                      (unsigned long long)pairs[k].value);
        seen++;
    }
    /* The fixture lists every scalar, non-reserved field. */
    for (size_t j = 0; j < ninfo; j++)
        if (info[j].count == 0 && !info[j].reserved)
            scalars++;
    ck_assert_uint_eq(seen, scalars);
    free(buf);
}
END_TEST

START_TEST(fixture_init_bytes)
{
    tb_pair_t pairs[64];
    roam_segment_header_t h;
    size_t len = 0;
    unsigned char *buf = tb_read_fixture(fixture_bin[_i], &len);
    int n = tb_read_pairs(fixture_txt[_i], pairs, 64);
    roam_header_params_t p;

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_gt(n, 0);
    p.total_size = tb_pair_value(pairs, n, "total_size");
    p.max_payload_size = (uint32_t)tb_pair_value(pairs, n, "max_payload_size");
    p.inline_threshold = (uint32_t)tb_pair_value(pairs, n, "inline_threshold");
    p.max_guests = (uint32_t)tb_pair_value(pairs, n, "max_guests");
    p.bipbuf_capacity = (uint32_t)tb_pair_value(pairs, n, "bipbuf_capacity");
    p.peer_table_offset = tb_pair_value(pairs, n, "peer_table_offset");
    p.var_pool_offset = tb_pair_value(pairs, n, "var_pool_offset");
    p.heartbeat_interval = tb_pair_value(pairs, n, "heartbeat_interval");
    p.num_var_slot_classes = (uint32_t)tb_pair_value(pairs, n, "num_var_slot_classes");

    memset(&h, 0, sizeof h);
    roam_header_init(&h, &p);
    ck_assert_uint_eq(len, sizeof h);
    ck_assert_mem_eq(&h, buf, sizeof h);
    free(buf);
}
END_TEST

/* ---- Accessors against the reference's byte offsets --------------------- */

START_TEST(accessors_raw_bytes)
{
    size_t ninfo;
    const roam_field_info_t *info = roam_segment_header_fields(&ninfo);
    const char *err = tb_check_fields(sizeof(roam_segment_header_t), header_fields, NFIELDS, info,
                                      ninfo);
    union {
        roam_segment_header_t h;
        unsigned char b[128];
    } u;

    ck_assert_msg(err == NULL, "%s", err);
    /* Magic at 0 and reserved at 80..127. */
    make_header(&u.h);
    ck_assert_ptr_eq(roam_segment_header_magic(&u.h), &u.b[0]);
    ck_assert_mem_eq(&u.b[0], "ROAMHUB\x07", 8);
    ck_assert_ptr_eq(u.h.reserved, &u.b[80]);
}
END_TEST

START_TEST(atomics_lock_free)
{
    roam_segment_header_t h;

    ck_assert(atomic_is_lock_free(&h.host_goodbye));
    ck_assert(atomic_is_lock_free(&h.current_size));
}
END_TEST

/* ---- Error texts -------------------------------------------------------- */

START_TEST(error_texts)
{
    ck_assert_str_eq(roam_strerror(ROAM_E_BAD_MAGIC), "bad magic: not a roam v7 segment");
    ck_assert_str_eq(roam_strerror(ROAM_E_VERSION), "unsupported segment version");
    ck_assert_str_eq(roam_strerror(ROAM_E_HEADER_SIZE), "unexpected header_size");
    ck_assert_str_eq(roam_strerror(ROAM_E_NO_CLASSES), "segment missing var-slot classes");
    ck_assert_str_eq(roam_errname(ROAM_E_BAD_MAGIC), "ROAM_E_BAD_MAGIC");
    ck_assert_str_eq(roam_errname(ROAM_OK), "ROAM_OK");

    /* Every code has its own name and a message. */
    for (int i = 0; i < ROAM_E__COUNT; i++) {
        const char *name = roam_errname((roam_err_t)i);

        ck_assert_msg(strncmp(name, "ROAM_", 5) == 0, "code %d has no name", i);
        ck_assert_msg(strcmp(roam_strerror((roam_err_t)i), "unknown error") != 0,
                      "code %d has no message", i);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(name, roam_errname((roam_err_t)j));
    }
    ck_assert_str_eq(roam_strerror(ROAM_E__COUNT), "unknown error");
    ck_assert_str_eq(roam_strerror((roam_err_t)-1), "unknown error");
    ck_assert_str_eq(roam_errname((roam_err_t)1000), "ROAM_E_UNKNOWN");
}
END_TEST

static Suite *header_suite(void)
{
    Suite *s = suite_create("header");
    TCase *tc;

    tc = tcase_create("roam");
    tcase_add_test(tc, roam_roundtrip);
    tcase_add_test(tc, roam_validate_ok);
    tcase_add_test(tc, roam_validate_bad_magic);
    tcase_add_test(tc, roam_validate_bad_version);
    tcase_add_test(tc, roam_inline_threshold_default);
    tcase_add_test(tc, roam_host_goodbye_flag);
    tcase_add_test(tc, roam_current_size_matches_total);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_test(tc, rule_order);
    tcase_add_test(tc, rule_magic_every_byte);
    tcase_add_test(tc, rule_version);
    tcase_add_test(tc, rule_header_size);
    tcase_add_test(tc, rule_no_classes);
    tcase_add_test(tc, rule_max_guests);
    tcase_add_test(tc, rule_current_size);
    tcase_add_test(tc, rule_total_size);
    tcase_add_test(tc, rule_reserved_every_byte);
    tcase_add_test(tc, rule_peer_table_align);
    tcase_add_test(tc, rule_var_pool_align);
    tcase_add_test(tc, rule_peer_table_bounds);
    tcase_add_test(tc, rule_class_table_bounds);
    tcase_add_test(tc, rule_mapping);
    suite_add_tcase(s, tc);

    tc = tcase_create("snapshot");
    tcase_add_test(tc, truncated_buffers);
    tcase_add_test(tc, snapshot_is_a_copy);
    suite_add_tcase(s, tc);

    tc = tcase_create("fixtures");
    tcase_add_loop_test(tc, fixture_validates, 0, 2);
    tcase_add_loop_test(tc, fixture_fields_match, 0, 2);
    tcase_add_loop_test(tc, fixture_init_bytes, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("accessors");
    tcase_add_test(tc, accessors_raw_bytes);
    tcase_add_test(tc, atomics_lock_free);
    tcase_add_test(tc, error_texts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(header_suite());
}
