/*
 * Segment layout: the generated layout computation on many shapes, checked
 * for what any correct layout has (every region where its structs can be
 * read, in order, without overlap, no bigger than it needs, the total at
 * the end), the header's view of the same layout, and every rejection.
 *
 * Sizes come from the structs and the ROAM_* constants; the numbers of the
 * reference's worked example are pinned only in check_conformance.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

#define A ROAM_SEGMENT_ALIGN
#define RING_HEADER ((uint64_t)sizeof(roam_bipbuf_header_t))

/* A configuration with the given guests, capacity and classes. */
static roam_segment_config_t config(uint32_t guests, uint32_t capacity, uint32_t n,
                                    const roam_size_class_t *classes)
{
    roam_segment_config_t cfg = {
        .max_guests = guests,
        .bipbuf_capacity = capacity,
        .max_payload_size = 4096,
        .num_classes = n,
        .classes = classes,
    };
    return cfg;
}

/* [off, off + size) holds `need` bytes of objects aligned to `align`, starts
 * at or after *end, padded by less than one alignment unit; *end moves past it. */
static void expect_region(const char *what, uint64_t off, uint64_t size, uint64_t need,
                          uint64_t align, uint64_t *end)
{
    ck_assert_msg(off >= *end, "%s at %llu overlaps what ends at %llu", what,
                  (unsigned long long)off, (unsigned long long)*end);
    ck_assert_msg(off % align == 0, "%s at %llu is not %llu-aligned", what,
                  (unsigned long long)off, (unsigned long long)align);
    ck_assert_msg(size >= need && size - need < A, "%s: %llu bytes for %llu", what,
                  (unsigned long long)size, (unsigned long long)need);
    *end = off + size;
}

/* Everything a correct layout of cfg is, checked on l. */
static void expect_shape(const roam_segment_config_t *cfg, const roam_layout_t *l)
{
    uint64_t end = 0, pair_end = 0;

    ck_assert_uint_eq(l->max_guests, cfg->max_guests);
    ck_assert_uint_eq(l->bipbuf_capacity, cfg->bipbuf_capacity);
    ck_assert_uint_eq(l->num_classes, cfg->num_classes);

    /* The header at 0. */
    ck_assert_uint_eq(l->header_offset, 0);
    expect_region("header", l->header_offset, l->header_size, ROAM_SEGMENT_HEADER_SIZE, A, &end);

    /* One peer entry per guest; the table is what the header rules check. */
    ck_assert_uint_eq(l->peer_table_count, cfg->max_guests);
    ck_assert_uint_eq(l->peer_table_stride, sizeof(roam_peer_entry_t));
    expect_region("peer table", l->peer_table_offset, l->peer_table_size,
                  (uint64_t)cfg->max_guests * sizeof(roam_peer_entry_t), A, &end);

    /* One ring pair per guest: a header then capacity data bytes, each way,
     * every header aligned as its struct. */
    ck_assert_uint_eq(l->rings_count, cfg->max_guests);
    ck_assert_uint_eq(l->rings_to_host_size, RING_HEADER);
    ck_assert_uint_eq(l->rings_to_guest_size, RING_HEADER);
    ck_assert_uint_eq(l->rings_to_host_data_size, cfg->bipbuf_capacity);
    ck_assert_uint_eq(l->rings_to_guest_data_size, cfg->bipbuf_capacity);
    ck_assert_uint_eq(l->rings_to_host_data_offset, l->rings_to_host_offset + RING_HEADER);
    ck_assert_uint_eq(l->rings_to_guest_data_offset, l->rings_to_guest_offset + RING_HEADER);
    expect_region("guest-to-host ring", l->rings_to_host_offset,
                  RING_HEADER + cfg->bipbuf_capacity, RING_HEADER + cfg->bipbuf_capacity,
                  _Alignof(roam_bipbuf_header_t), &pair_end);
    expect_region("host-to-guest ring", l->rings_to_guest_offset,
                  RING_HEADER + cfg->bipbuf_capacity, RING_HEADER + cfg->bipbuf_capacity,
                  _Alignof(roam_bipbuf_header_t), &pair_end);
    ck_assert_uint_eq(l->rings_stride % _Alignof(roam_bipbuf_header_t), 0);
    expect_region("ring pair", 0, l->rings_stride, pair_end, 1, &(uint64_t){0});
    expect_region("rings", l->rings_offset, l->rings_size,
                  (uint64_t)cfg->max_guests * l->rings_stride, _Alignof(roam_bipbuf_header_t),
                  &end);
    ck_assert_uint_eq(l->rings_size, (uint64_t)cfg->max_guests * l->rings_stride);
    for (uint32_t i = 0; i < cfg->max_guests; i++) {
        ck_assert_uint_eq(roam_layout_peer_table_offset_at(l, i),
                          l->peer_table_offset + (uint64_t)i * sizeof(roam_peer_entry_t));
        ck_assert_uint_eq(roam_layout_rings_offset_at(l, i),
                          l->rings_offset + (uint64_t)i * l->rings_stride);
    }
    ck_assert_uint_eq(roam_layout_peer_table_offset_at(l, cfg->max_guests), UINT64_MAX);
    ck_assert_uint_eq(roam_layout_rings_offset_at(l, cfg->max_guests), UINT64_MAX);

    /* The size-class headers, back to back. */
    ck_assert_uint_eq(l->var_pool_count, cfg->num_classes);
    ck_assert_uint_eq(l->var_pool_stride, sizeof(roam_size_class_header_t));
    expect_region("size-class table", l->var_pool_offset, l->var_pool_size,
                  (uint64_t)cfg->num_classes * sizeof(roam_size_class_header_t), A, &end);
    for (uint32_t i = 0; i < cfg->num_classes; i++)
        ck_assert_uint_eq(roam_layout_var_pool_offset_at(l, i),
                          l->var_pool_offset + (uint64_t)i * sizeof(roam_size_class_header_t));
    ck_assert_uint_eq(roam_layout_var_pool_offset_at(l, cfg->num_classes), UINT64_MAX);

    /* Each class in order: its slot metadata, then its slots. */
    ck_assert_uint_eq(l->class_areas_count, cfg->num_classes);
    for (uint32_t i = 0; i < cfg->num_classes; i++) {
        const roam_class_areas_item_t *c = &l->class_areas[i];
        const roam_size_class_t *k = &cfg->classes[i];

        ck_assert_uint_eq(l->classes[i].slot_size, k->slot_size);
        ck_assert_uint_eq(l->classes[i].slot_count, k->slot_count);
        ck_assert_uint_eq(c->offset, c->meta_offset);
        expect_region("slot metadata", c->meta_offset, c->meta_size,
                      (uint64_t)k->slot_count * sizeof(roam_var_slot_meta_t), A, &end);
        expect_region("slot data", c->data_offset, c->data_size,
                      (uint64_t)k->slot_count * k->slot_size, A, &end);
        ck_assert_uint_eq(c->size, end - c->offset);
    }

    /* Nothing after the last class. */
    ck_assert_uint_eq(l->total_size, end);
}

/* Compute cfg's layout, expect it to be OK and well formed. */
static void expect_layout(const roam_segment_config_t *cfg, roam_layout_t *l)
{
    ck_assert_int_eq(roam_layout_compute(cfg, l), ROAM_OK);
    expect_shape(cfg, l);
}

START_TEST(shapes)
{
    static const roam_size_class_t one[] = {{1, 1}};
    static const roam_size_class_t two[] = {{64, 2}};
    static const roam_size_class_t typical[] = {{512, 3}, {4096, 1}};
    static const roam_size_class_t odd[] = {{100, 3}, {7, 5}, {65, 1}};
    static const roam_size_class_t wide[] = {{1024, 32}, {256, 16}, {8192, 4}};
    const roam_segment_config_t cfgs[] = {
        config(1, A, 1, one),            /* the smallest of everything */
        config(0, A, 1, two),            /* no guests: no peers, no rings */
        config(3, 4 * A, 2, typical),
        config(2, 2 * A, 3, odd),        /* sizes that are not multiples of A */
        config(8, 64 * A, 3, wide),
    };
    roam_layout_t l;

    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++)
        expect_layout(&cfgs[i], &l);

    /* Without guests the pool follows the header directly. */
    expect_layout(&cfgs[1], &l);
    ck_assert_uint_eq(l.peer_table_size, 0);
    ck_assert_uint_eq(l.rings_size, 0);
    ck_assert_uint_lt(l.var_pool_offset, ROAM_SEGMENT_HEADER_SIZE + A);
}
END_TEST

START_TEST(largest_guests_and_classes)
{
    static roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    roam_segment_config_t cfg;
    roam_layout_t l;

    for (uint32_t i = 0; i < ROAM_MAX_SIZE_CLASSES; i++)
        classes[i] = (roam_size_class_t){A, 1};
    cfg = config(ROAM_MAX_GUESTS, A, ROAM_MAX_SIZE_CLASSES, classes);
    expect_layout(&cfg, &l);
    ck_assert_uint_eq(l.class_areas[ROAM_MAX_SIZE_CLASSES - 1].data_offset + A, l.total_size);
}
END_TEST

START_TEST(large_but_fits)
{
    static const roam_size_class_t classes[] = {{UINT32_MAX, 1}, {1, UINT32_MAX}};
    roam_segment_config_t cfg = config(ROAM_MAX_GUESTS, UINT32_MAX / A * A, 2, classes);
    roam_layout_t l;

    expect_layout(&cfg, &l);
    ck_assert_uint_ge(l.rings_stride, 2 * (RING_HEADER + (uint64_t)(UINT32_MAX / A * A)));
}
END_TEST

/* The layout a header describes is the one it was made from. */
START_TEST(from_header_agrees)
{
    static const roam_size_class_t classes[] = {{100, 3}, {7, 5}, {4096, 2}};
    roam_segment_config_t cfg = config(5, 3 * A, 3, classes);
    roam_segment_header_t h;
    roam_segment_header_plain_t snap;
    roam_layout_t l, from;

    /* The layout writes what it places; compared whole, both start zeroed. */
    memset(&l, 0, sizeof l);
    expect_layout(&cfg, &l);
    memset(&h, 0, sizeof h);
    roam_segment_header_init(&h, &cfg, &l);
    ck_assert_int_eq(roam_header_validate(&h, sizeof h, 0, &snap), ROAM_OK);
    memset(&from, 0, sizeof from);
    ck_assert(roam_layout_from_header(&snap, &from));
    /* Per-class areas come from the class headers, one by one. */
    ck_assert_uint_eq(from.class_areas_count, 0);
    for (uint32_t i = 0; i < cfg.num_classes; i++)
        ck_assert(roam_layout_class_areas_item(&from, i, &classes[i]));
    ck_assert(roam_layout_total_size(&from, &from.total_size));
    ck_assert_mem_eq(&from, &l, sizeof l);

    /* Items go in order only. */
    ck_assert(!roam_layout_class_areas_item(&from, 0, &classes[0]));
    ck_assert(!roam_layout_class_areas_item(&from, cfg.num_classes + 1, &classes[0]));
}
END_TEST

START_TEST(reject_max_guests)
{
    static const roam_size_class_t classes[] = {{A, 1}};
    roam_segment_config_t cfg = config(ROAM_MAX_GUESTS + 1, A, 1, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_MAX_GUESTS);
    cfg.max_guests = UINT32_MAX;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_MAX_GUESTS);
    cfg.max_guests = ROAM_MAX_GUESTS;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_capacity)
{
    static const uint32_t bad[] = {0, 1, A - 1, A + 1, A + A / 2, 1000 * A + 1, UINT32_MAX};
    static const roam_size_class_t classes[] = {{A, 1}};
    roam_segment_config_t cfg = config(1, A, 1, classes);
    roam_layout_t l;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.bipbuf_capacity = bad[i];
        ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_CAPACITY);
    }
    cfg.bipbuf_capacity = A;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    cfg.bipbuf_capacity = 16 * A;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_no_classes)
{
    static const roam_size_class_t classes[] = {{A, 1}};
    roam_segment_config_t cfg = config(1, A, 0, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_NO_CLASSES);
    cfg = config(1, A, 1, NULL);
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_NO_CLASSES);
}
END_TEST

START_TEST(reject_too_many_classes)
{
    static roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES + 1];
    roam_segment_config_t cfg;
    roam_layout_t l;

    for (uint32_t i = 0; i <= ROAM_MAX_SIZE_CLASSES; i++)
        classes[i] = (roam_size_class_t){A, 1};
    cfg = config(1, A, ROAM_MAX_SIZE_CLASSES + 1, classes);
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_TOO_MANY_CLASSES);
    cfg.num_classes = ROAM_MAX_SIZE_CLASSES;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_slot_size)
{
    static const roam_size_class_t classes[] = {{A, 1}, {0, 4}};
    roam_segment_config_t cfg = config(1, A, 2, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_SLOT_SIZE);
    cfg.num_classes = 1;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_slot_count)
{
    static const roam_size_class_t classes[] = {{A, 1}, {2 * A, 0}};
    roam_segment_config_t cfg = config(1, A, 2, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_SLOT_COUNT);
    cfg.num_classes = 1;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_overflow)
{
    /* One class of (2^32-1)^2 bytes plus its metadata passes 2^64. */
    static const roam_size_class_t one[] = {{UINT32_MAX, UINT32_MAX}};
    /* Each class alone fits; together they do not. */
    static const roam_size_class_t two[] = {{UINT32_MAX, 0x80000000u}, {UINT32_MAX, 0x80000000u}};
    roam_segment_config_t cfg = config(1, A, 1, one);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_OVERFLOW);
    ck_assert_uint_eq(l.total_size, 0);
    cfg = config(1, A, 2, two);
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_OVERFLOW);
    cfg.num_classes = 1;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

static Suite *layout_suite(void)
{
    Suite *s = suite_create("layout");
    TCase *tc;

    tc = tcase_create("formulas");
    tcase_add_test(tc, shapes);
    tcase_add_test(tc, largest_guests_and_classes);
    tcase_add_test(tc, large_but_fits);
    tcase_add_test(tc, from_header_agrees);
    suite_add_tcase(s, tc);

    tc = tcase_create("rejections");
    tcase_add_test(tc, reject_max_guests);
    tcase_add_test(tc, reject_capacity);
    tcase_add_test(tc, reject_no_classes);
    tcase_add_test(tc, reject_too_many_classes);
    tcase_add_test(tc, reject_slot_size);
    tcase_add_test(tc, reject_slot_count);
    tcase_add_test(tc, reject_overflow);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(layout_suite());
}
