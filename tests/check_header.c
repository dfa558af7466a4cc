/*
 * Segment header: initialisation, every validation rule with its boundary,
 * the snapshot, raw-byte accessors and error texts.
 *
 * Offsets, sizes and field lists come from the schema (the generated
 * layout and field tables), so these tests follow a schema change; roam's
 * literal values are pinned only in check_conformance.c.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

/* ---- Helpers ------------------------------------------------------------ */

/* The configuration of the test header (roam's own tests use the same
 * parameters), and its layout. */
static const roam_size_class_t classes[] = {{4096, 1}};
static const roam_segment_config_t cfg = {
    .max_guests = 4,
    .bipbuf_capacity = 16384,
    .max_payload_size = 65536,
    .inline_threshold = 0,
    .heartbeat_interval = 0,
    .num_classes = 1,
    .classes = classes,
};
static roam_layout_t L;

#define A ROAM_SEGMENT_ALIGN
#define HEADER_END (L.header_offset + L.header_size)
#define PEERS_END (L.peer_table_offset + L.peer_table_size)
#define TOTAL L.total_size

/* Every test starts with L laid out for cfg. */
static void setup(void)
{
    ck_assert_int_eq(roam_layout_compute(&cfg, &L), ROAM_OK);
}

/* A fresh header for cfg, as segment creation writes it. */
static void make_header(roam_segment_header_t *h)
{
    memset(h, 0, sizeof *h);
    roam_segment_header_init(h, &cfg, &L);
}

/* The first reserved field of the header, as the schema lists it. */
static const roam_field_info_t *first_reserved(void)
{
    size_t n;
    const roam_field_info_t *info = roam_segment_header_fields(&n);

    for (size_t i = 0; i < n; i++)
        if (info[i].reserved)
            return &info[i];
    ck_abort_msg("the header has no reserved field");
    return NULL;
}

/* The header rules, on a snapshot of h. */
static roam_err_t check(const roam_segment_header_t *h)
{
    roam_segment_header_plain_t snap;

    ck_assert_int_eq(roam_header_snapshot(h, sizeof *h, &snap), ROAM_OK);
    return roam_header_check(&snap);
}

/* Set total_size and current_size together. */
static void set_sizes(roam_segment_header_t *h, uint64_t total, uint64_t current)
{
    roam_segment_header_set_total_size(h, total);
    roam_segment_header_store_current_size(h, current);
}

/* Size of the size-class table for n classes, as the header's layout has it. */
static uint64_t class_table_size(const roam_segment_header_t *h, uint32_t n)
{
    roam_segment_header_plain_t snap;
    roam_layout_t l;

    memcpy(&snap, h, sizeof snap);
    snap.num_var_slot_classes = n;
    snap.var_pool_offset = 0;   /* only the size matters, wherever the table is */
    ck_assert(roam_layout_from_header(&snap, &l));
    return l.var_pool_size;
}

/* ---- Initialisation ----------------------------------------------------- */

START_TEST(init_roundtrip)
{
    roam_segment_header_t h;
    size_t n;
    const roam_field_info_t *info = roam_segment_header_fields(&n);

    make_header(&h);
    ck_assert_mem_eq(roam_segment_header_magic(&h), ROAM_MAGIC, ROAM_MAGIC_SIZE);
    ck_assert_uint_eq(roam_segment_header_version(&h), ROAM_SEGMENT_VERSION);
    ck_assert_uint_eq(roam_segment_header_header_size(&h), ROAM_SEGMENT_HEADER_SIZE);
    ck_assert_uint_eq(roam_segment_header_header_size(&h), sizeof h);
    ck_assert_uint_eq(roam_segment_header_total_size(&h), L.total_size);
    ck_assert_uint_eq(roam_segment_header_max_payload_size(&h), cfg.max_payload_size);
    ck_assert_uint_eq(roam_segment_header_inline_threshold(&h), cfg.inline_threshold);
    ck_assert_uint_eq(roam_segment_header_max_guests(&h), cfg.max_guests);
    ck_assert_uint_eq(roam_segment_header_bipbuf_capacity(&h), cfg.bipbuf_capacity);
    ck_assert_uint_eq(roam_segment_header_peer_table_offset(&h), L.peer_table_offset);
    ck_assert_uint_eq(roam_segment_header_var_pool_offset(&h), L.var_pool_offset);
    ck_assert_uint_eq(roam_segment_header_heartbeat_interval(&h), cfg.heartbeat_interval);
    ck_assert_uint_eq(roam_segment_header_load_host_goodbye(&h), 0);
    ck_assert_uint_eq(roam_segment_header_num_var_slot_classes(&h), cfg.num_classes);
    ck_assert_uint_eq(roam_segment_header_load_current_size(&h), L.total_size);
    /* Every reserved byte is zero. */
    for (size_t i = 0; i < n; i++)
        for (uint32_t b = 0; info[i].reserved && b < info[i].size; b++)
            ck_assert_uint_eq(((const unsigned char *)&h)[info[i].offset + b], 0);
}
END_TEST

START_TEST(init_validates)
{
    roam_segment_header_t h;
    roam_segment_header_plain_t snap;

    make_header(&h);
    ck_assert_int_eq(check(&h), ROAM_OK);
    ck_assert_int_eq(roam_header_validate(&h, sizeof h, 0, &snap), ROAM_OK);
    ck_assert_mem_eq(&snap, &h, sizeof h);
}
END_TEST

START_TEST(inline_threshold_default)
{
    roam_segment_header_t h;

    make_header(&h);
    ck_assert_uint_eq(roam_segment_header_effective_inline_threshold(&h),
                      ROAM_DEFAULT_INLINE_THRESHOLD);
    roam_segment_header_set_inline_threshold(&h, 2 * ROAM_DEFAULT_INLINE_THRESHOLD);
    ck_assert_uint_eq(roam_segment_header_effective_inline_threshold(&h),
                      2 * ROAM_DEFAULT_INLINE_THRESHOLD);
}
END_TEST

START_TEST(host_goodbye_flag)
{
    roam_segment_header_t h;

    make_header(&h);
    ck_assert_uint_eq(roam_segment_header_load_host_goodbye(&h), 0);
    roam_segment_header_store_host_goodbye(&h, 1);
    ck_assert_uint_ne(roam_segment_header_load_host_goodbye(&h), 0);
    /* A raised flag does not make the header invalid. */
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

/* ---- Validation rules, in order, each with its boundary ----------------- */

START_TEST(rule_order)
{
    roam_segment_header_t h;
    const roam_field_info_t *reserved = first_reserved();

    /* Break every rule at once, then mend them one by one. */
    make_header(&h);
    h.magic[0] ^= 0xFF;
    roam_segment_header_set_version(&h, ROAM_SEGMENT_VERSION + 1);
    roam_segment_header_set_header_size(&h, ROAM_SEGMENT_HEADER_SIZE / 2);
    roam_segment_header_set_num_var_slot_classes(&h, 0);
    roam_segment_header_set_max_guests(&h, ROAM_MAX_GUESTS + 1);
    set_sizes(&h, ROAM_SEGMENT_HEADER_SIZE - 1, ROAM_SEGMENT_HEADER_SIZE - 2);
    ((unsigned char *)&h)[reserved->offset + reserved->size - 1] = 1;
    roam_segment_header_set_peer_table_offset(&h, L.peer_table_offset + 2);
    roam_segment_header_set_var_pool_offset(&h, L.var_pool_offset + 1);

    ck_assert_int_eq(check(&h), ROAM_E_BAD_MAGIC);
    h.magic[0] ^= 0xFF;
    ck_assert_int_eq(check(&h), ROAM_E_VERSION);
    roam_segment_header_set_version(&h, ROAM_SEGMENT_VERSION);
    ck_assert_int_eq(check(&h), ROAM_E_HEADER_SIZE);
    roam_segment_header_set_header_size(&h, ROAM_SEGMENT_HEADER_SIZE);
    ck_assert_int_eq(check(&h), ROAM_E_NO_CLASSES);
    roam_segment_header_set_num_var_slot_classes(&h, cfg.num_classes);
    ck_assert_int_eq(check(&h), ROAM_E_MAX_GUESTS);
    roam_segment_header_set_max_guests(&h, cfg.max_guests);
    ck_assert_int_eq(check(&h), ROAM_E_CURRENT_SIZE);
    set_sizes(&h, ROAM_SEGMENT_HEADER_SIZE - 1, TOTAL);
    ck_assert_int_eq(check(&h), ROAM_E_TOTAL_SIZE);
    set_sizes(&h, TOTAL, TOTAL);
    ck_assert_int_eq(check(&h), ROAM_E_RESERVED);
    ((unsigned char *)&h)[reserved->offset + reserved->size - 1] = 0;
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_ALIGN);
    /* Aligned, but over the header. */
    roam_segment_header_set_peer_table_offset(&h, tb_align_down(HEADER_END - 1, A));
    ck_assert_int_eq(check(&h), ROAM_E_VAR_POOL_ALIGN);
    /* Aligned, but over the peer table. */
    roam_segment_header_set_var_pool_offset(&h, tb_align_down(PEERS_END - 1, A));
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_peer_table_offset(&h, L.peer_table_offset);
    ck_assert_int_eq(check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_var_pool_offset(&h, L.var_pool_offset);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_magic_every_byte)
{
    roam_segment_header_t h;

    for (size_t i = 0; i < ROAM_MAGIC_SIZE; i++) {
        make_header(&h);
        h.magic[i] ^= 0xFF;
        ck_assert_int_eq(check(&h), ROAM_E_BAD_MAGIC);
    }
    /* A zero magic (a segment still being created) is bad magic too. */
    make_header(&h);
    memset(h.magic, 0, sizeof h.magic);
    ck_assert_int_eq(check(&h), ROAM_E_BAD_MAGIC);
}
END_TEST

START_TEST(rule_version)
{
    static const uint32_t bad[] = {0, ROAM_SEGMENT_VERSION - 1, ROAM_SEGMENT_VERSION + 1,
                                   ROAM_SEGMENT_VERSION + 92, UINT32_MAX};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_version(&h, bad[i]);
        ck_assert_int_eq(check(&h), ROAM_E_VERSION);
    }
    make_header(&h);
    roam_segment_header_set_version(&h, ROAM_SEGMENT_VERSION);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_header_size)
{
    static const uint32_t bad[] = {0, ROAM_SEGMENT_HEADER_SIZE / 2, ROAM_SEGMENT_HEADER_SIZE - 1,
                                   ROAM_SEGMENT_HEADER_SIZE + 1, 2 * ROAM_SEGMENT_HEADER_SIZE};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_header_size(&h, bad[i]);
        ck_assert_int_eq(check(&h), ROAM_E_HEADER_SIZE);
    }
}
END_TEST

START_TEST(rule_no_classes)
{
    roam_segment_header_t h;

    make_header(&h);
    roam_segment_header_set_num_var_slot_classes(&h, 0);
    ck_assert_int_eq(check(&h), ROAM_E_NO_CLASSES);
    roam_segment_header_set_num_var_slot_classes(&h, 1);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_max_guests)
{
    roam_segment_header_t h;
    roam_segment_header_plain_t snap;
    roam_layout_t l;

    /* The most guests: the class table moves to the end of their peer table. */
    make_header(&h);
    roam_segment_header_set_max_guests(&h, ROAM_MAX_GUESTS);
    memcpy(&snap, &h, sizeof snap);
    ck_assert(roam_layout_from_header(&snap, &l));
    ck_assert_uint_le(tb_align_up(l.peer_table_offset + l.peer_table_size, A) + L.var_pool_size,
                      TOTAL);
    roam_segment_header_set_var_pool_offset(&h, tb_align_up(l.peer_table_offset + l.peer_table_size, A));
    ck_assert_int_eq(check(&h), ROAM_OK);
    roam_segment_header_set_max_guests(&h, ROAM_MAX_GUESTS + 1);
    ck_assert_int_eq(check(&h), ROAM_E_MAX_GUESTS);
    roam_segment_header_set_max_guests(&h, UINT32_MAX);
    ck_assert_int_eq(check(&h), ROAM_E_MAX_GUESTS);
    /* No guests at all is a valid header. */
    roam_segment_header_set_max_guests(&h, 0);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_current_size)
{
    roam_segment_header_t h;

    make_header(&h);
    set_sizes(&h, TOTAL, TOTAL - 1);
    ck_assert_int_eq(check(&h), ROAM_E_CURRENT_SIZE);
    set_sizes(&h, TOTAL, 0);
    ck_assert_int_eq(check(&h), ROAM_E_CURRENT_SIZE);
    set_sizes(&h, TOTAL, TOTAL);
    ck_assert_int_eq(check(&h), ROAM_OK);
    /* A grown segment: current_size above total_size. */
    set_sizes(&h, TOTAL, UINT64_MAX);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_total_size)
{
    roam_segment_header_t h;

    make_header(&h);
    set_sizes(&h, ROAM_SEGMENT_HEADER_SIZE, TOTAL);
    ck_assert_int_eq(check(&h), ROAM_OK);
    set_sizes(&h, ROAM_SEGMENT_HEADER_SIZE - 1, TOTAL);
    ck_assert_int_eq(check(&h), ROAM_E_TOTAL_SIZE);
    set_sizes(&h, 0, TOTAL);
    ck_assert_int_eq(check(&h), ROAM_E_TOTAL_SIZE);
}
END_TEST

/* Every byte of every reserved field, as the schema lists them. */
START_TEST(rule_reserved_every_byte)
{
    roam_segment_header_t h;
    size_t n, bytes = 0;
    const roam_field_info_t *info = roam_segment_header_fields(&n);

    for (size_t i = 0; i < n; i++) {
        for (uint32_t b = 0; info[i].reserved && b < info[i].size; b++, bytes++) {
            make_header(&h);
            ((unsigned char *)&h)[info[i].offset + b] = 0x01;
            ck_assert_int_eq(check(&h), ROAM_E_RESERVED);
        }
    }
    ck_assert_uint_gt(bytes, 0);
    make_header(&h);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_peer_table_align)
{
    const uint64_t bad[] = {L.peer_table_offset + 1, L.peer_table_offset + A / 2,
                            L.peer_table_offset + A - 1, L.var_pool_offset - 1};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_peer_table_offset(&h, bad[i]);
        ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_ALIGN);
    }
    make_header(&h);
    roam_segment_header_set_peer_table_offset(&h, L.peer_table_offset + A);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_var_pool_align)
{
    const uint64_t bad[] = {L.var_pool_offset + 1, L.var_pool_offset + A / 2,
                            L.var_pool_offset + A - 1};
    roam_segment_header_t h;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_header(&h);
        roam_segment_header_set_var_pool_offset(&h, bad[i]);
        ck_assert_int_eq(check(&h), ROAM_E_VAR_POOL_ALIGN);
    }
    make_header(&h);
    roam_segment_header_set_var_pool_offset(&h, L.var_pool_offset + A);
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_peer_table_bounds)
{
    roam_segment_header_t h;
    uint64_t pool;

    /* Start: over the header fails, right after it passes. */
    make_header(&h);
    roam_segment_header_set_peer_table_offset(&h, 0);
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_peer_table_offset(&h, tb_align_down(HEADER_END - 1, A));
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_peer_table_offset(&h, L.peer_table_offset);
    ck_assert_int_eq(check(&h), ROAM_OK);

    /* End: a segment one alignment unit short of the table cannot hold it. */
    make_header(&h);
    ck_assert_uint_ge(PEERS_END - A, ROAM_SEGMENT_HEADER_SIZE);
    set_sizes(&h, PEERS_END - A, PEERS_END - A);
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    /* Peer table, then the class table, exactly filling the segment. */
    pool = tb_align_up(PEERS_END, A);
    roam_segment_header_set_var_pool_offset(&h, pool);
    set_sizes(&h, pool + L.var_pool_size, pool + L.var_pool_size);
    ck_assert_int_eq(check(&h), ROAM_OK);
    set_sizes(&h, PEERS_END - 1, PEERS_END - 1);
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_BOUNDS);

    /* An end past 2^64 must not wrap around to a small number. */
    make_header(&h);
    set_sizes(&h, UINT64_MAX, UINT64_MAX);
    roam_segment_header_set_peer_table_offset(&h, UINT64_MAX - A + 1); /* a multiple of A */
    roam_segment_header_set_max_guests(&h, 1);
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_BOUNDS);
    roam_segment_header_set_max_guests(&h, ROAM_MAX_GUESTS);
    ck_assert_int_eq(check(&h), ROAM_E_PEER_TABLE_BOUNDS);
}
END_TEST

START_TEST(rule_class_table_bounds)
{
    roam_segment_header_t h;
    uint64_t end, one;

    /* Start: over the peer table fails, right after it passes. */
    make_header(&h);
    roam_segment_header_set_var_pool_offset(&h, tb_align_down(PEERS_END - 1, A));
    ck_assert_int_eq(check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_var_pool_offset(&h, tb_align_up(PEERS_END, A));
    ck_assert_int_eq(check(&h), ROAM_OK);

    /* End: 3 classes end exactly at the end of the segment. */
    make_header(&h);
    roam_segment_header_set_num_var_slot_classes(&h, 3);
    end = L.var_pool_offset + class_table_size(&h, 3);
    set_sizes(&h, end, end);
    ck_assert_int_eq(check(&h), ROAM_OK);
    set_sizes(&h, end - 1, end - 1);
    ck_assert_int_eq(check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_num_var_slot_classes(&h, UINT32_MAX);
    set_sizes(&h, TOTAL, TOTAL);
    ck_assert_int_eq(check(&h), ROAM_E_CLASS_TABLE_BOUNDS);

    /* An end past 2^64 must not wrap around to a small number. */
    make_header(&h);
    set_sizes(&h, UINT64_MAX, UINT64_MAX);
    roam_segment_header_set_var_pool_offset(&h, UINT64_MAX - A + 1);
    ck_assert_int_eq(check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    roam_segment_header_set_num_var_slot_classes(&h, UINT32_MAX);
    ck_assert_int_eq(check(&h), ROAM_E_CLASS_TABLE_BOUNDS);
    /* One class at the very end of a 2^64 - 1 byte segment. */
    roam_segment_header_set_num_var_slot_classes(&h, 1);
    one = class_table_size(&h, 1);
    roam_segment_header_set_var_pool_offset(&h, tb_align_down(UINT64_MAX - one, A));
    ck_assert_int_eq(check(&h), ROAM_OK);
}
END_TEST

START_TEST(rule_mapping)
{
    roam_segment_header_t h;
    roam_segment_header_plain_t snap;
    unsigned char *seg;

    make_header(&h);
    seg = calloc(1, TOTAL);
    ck_assert_ptr_nonnull(seg);
    memcpy(&snap, &h, sizeof snap);
    ck_assert_int_eq(roam_header_check_mapping(&snap, TOTAL), ROAM_OK);
    ck_assert_int_eq(roam_header_check_mapping(&snap, TOTAL - 1), ROAM_E_MAPPING_SHORT);
    ck_assert_int_eq(roam_header_check_mapping(&snap, 0), ROAM_E_MAPPING_SHORT);

    /* Through roam_header_validate: only with the flag. */
    memcpy(seg, &h, sizeof h);
    ck_assert_int_eq(roam_header_validate(seg, TOTAL, ROAM_VALIDATE_MAPPING, NULL), ROAM_OK);
    ck_assert_int_eq(roam_header_validate(seg, TOTAL - 1, ROAM_VALIDATE_MAPPING, NULL),
                     ROAM_E_MAPPING_SHORT);
    ck_assert_int_eq(roam_header_validate(seg, sizeof h, ROAM_VALIDATE_MAPPING, NULL),
                     ROAM_E_MAPPING_SHORT);
    ck_assert_int_eq(roam_header_validate(seg, sizeof h, 0, NULL), ROAM_OK);
    free(seg);
}
END_TEST

/* ---- Snapshot ----------------------------------------------------------- */

START_TEST(truncated_buffers)
{
    roam_segment_header_t h;
    roam_segment_header_plain_t snap;

    make_header(&h);
    /* Each length below the header's in a buffer of exactly that size:
     * ASan would report any read past it. */
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
    ck_assert_int_eq(roam_header_snapshot(NULL, ROAM_SEGMENT_HEADER_SIZE, &snap), ROAM_E_TRUNCATED);

    unsigned char *exact = malloc(ROAM_SEGMENT_HEADER_SIZE);
    ck_assert_ptr_nonnull(exact);
    memcpy(exact, &h, sizeof h);
    ck_assert_int_eq(roam_header_validate(exact, ROAM_SEGMENT_HEADER_SIZE, 0, &snap), ROAM_OK);
    free(exact);
}
END_TEST

START_TEST(snapshot_is_a_copy)
{
    roam_segment_header_t shared;
    roam_segment_header_plain_t snap;

    make_header(&shared);
    ck_assert_int_eq(roam_header_snapshot(&shared, sizeof shared, &snap), ROAM_OK);
    ck_assert_mem_eq(&snap, &shared, sizeof snap);
    /* Later writes to the shared header do not reach the snapshot. */
    roam_segment_header_set_version(&shared, ROAM_SEGMENT_VERSION + 1);
    roam_segment_header_store_current_size(&shared, 1);
    ck_assert_uint_eq(roam_segment_header_plain_version(&snap), ROAM_SEGMENT_VERSION);
    ck_assert_uint_eq(roam_segment_header_plain_current_size(&snap), TOTAL);
    ck_assert_int_eq(roam_header_check(&snap), ROAM_OK);
}
END_TEST

/* ---- Field table and accessors ------------------------------------------ */

/* Getters and setters of the scalar header fields this test knows; where
 * each lies comes from the generated table. */
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

#define F(name) {#name, get_##name, set_##name}
static const tb_field_t header_accessors[] = {
    F(version), F(header_size), F(total_size), F(max_payload_size), F(inline_threshold),
    F(max_guests), F(bipbuf_capacity), F(peer_table_offset), F(var_pool_offset),
    F(heartbeat_interval), F(host_goodbye), F(num_var_slot_classes), F(current_size),
};
#undef F

START_TEST(field_table)
{
    size_t n;
    const roam_field_info_t *info = roam_segment_header_fields(&n);
    const char *err = tb_check_table(sizeof(roam_segment_header_t), info, n);

    ck_assert_msg(err == NULL, "%s", err);
    ck_assert_uint_eq(sizeof(roam_segment_header_t), ROAM_SEGMENT_HEADER_SIZE);
    ck_assert_uint_eq(sizeof(roam_segment_header_plain_t), sizeof(roam_segment_header_t));
}
END_TEST

START_TEST(accessors_raw_bytes)
{
    size_t ninfo;
    const roam_field_info_t *info = roam_segment_header_fields(&ninfo);
    const char *err = tb_check_fields(sizeof(roam_segment_header_t), header_accessors,
                                      sizeof header_accessors / sizeof header_accessors[0], info,
                                      ninfo);
    roam_segment_header_t h;

    ck_assert_msg(err == NULL, "%s", err);
    /* The magic where the table puts it. */
    make_header(&h);
    ck_assert_ptr_eq(roam_segment_header_magic(&h),
                     (unsigned char *)&h + tb_field(roam_segment_header_fields, "magic")->offset);
    ck_assert_mem_eq(roam_segment_header_magic(&h), ROAM_MAGIC, ROAM_MAGIC_SIZE);
}
END_TEST

/* The plain snapshot's getters read the same bytes as the shared ones. */
START_TEST(plain_getters)
{
    roam_segment_header_t h;
    roam_segment_header_plain_t snap;

    make_header(&h);
    roam_segment_header_store_host_goodbye(&h, 3);
    memcpy(&snap, &h, sizeof snap);
    for (size_t i = 0; i < sizeof header_accessors / sizeof header_accessors[0]; i++) {
        const roam_field_info_t *f = tb_field(roam_segment_header_fields, header_accessors[i].name);

        ck_assert_uint_eq(roam_field_value(&snap, f), header_accessors[i].get(&h));
    }
    ck_assert_uint_eq(roam_segment_header_plain_host_goodbye(&snap), 3);
    ck_assert_uint_eq(roam_segment_header_plain_max_guests(&snap), cfg.max_guests);
    ck_assert_uint_eq(roam_segment_header_plain_effective_inline_threshold(&snap),
                      roam_segment_header_effective_inline_threshold(&h));
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

    tc = tcase_create("init");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, init_roundtrip);
    tcase_add_test(tc, init_validates);
    tcase_add_test(tc, inline_threshold_default);
    tcase_add_test(tc, host_goodbye_flag);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, NULL);
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
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, truncated_buffers);
    tcase_add_test(tc, snapshot_is_a_copy);
    suite_add_tcase(s, tc);

    tc = tcase_create("accessors");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, field_table);
    tcase_add_test(tc, accessors_raw_bytes);
    tcase_add_test(tc, plain_getters);
    tcase_add_test(tc, atomics_lock_free);
    tcase_add_test(tc, error_texts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(header_suite());
}
