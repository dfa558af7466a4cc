/*
 * Segment layout (reference §5): the worked example, both roam fixture
 * configurations, more shapes, and every rejection.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

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

START_TEST(worked_example)
{
    static const roam_size_class_t classes[] = {{512, 3}, {4096, 1}};
    roam_segment_config_t cfg = config(3, 256, 2, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.peer_table_offset, 128);
    ck_assert_uint_eq(l.rings_offset, 320);
    ck_assert_uint_eq(l.rings_stride, 768);
    ck_assert_uint_eq(l.var_pool_offset, 2624);
    ck_assert_uint_eq(l.num_classes, 2);
    ck_assert_uint_eq(l.classes[0].header_offset, 2624);
    ck_assert_uint_eq(l.classes[1].header_offset, 2624 + 64);
    ck_assert_uint_eq(l.class_areas[0].meta_offset, 2624 + 128);
    ck_assert_uint_eq(l.class_areas[0].meta_size, 64);
    ck_assert_uint_eq(l.class_areas[0].data_offset, 2624 + 192);
    ck_assert_uint_eq(l.class_areas[0].data_size, 1536);
    ck_assert_uint_eq(l.class_areas[1].meta_offset, 2624 + 1728);
    ck_assert_uint_eq(l.class_areas[1].meta_size, 64);
    ck_assert_uint_eq(l.class_areas[1].data_offset, 2624 + 1792);
    ck_assert_uint_eq(l.class_areas[1].data_size, 4096);
    ck_assert_uint_eq(l.pool_size, 5888);
    ck_assert_uint_eq(l.total_size, 8512);
}
END_TEST

/* The two configurations roam's header fixtures were written with. */
static const roam_size_class_t fixture_a_classes[] = {{256, 16}, {8192, 4}};
static const roam_size_class_t fixture_b_classes[] = {{1024, 32}};

START_TEST(fixture_a)
{
    roam_segment_config_t cfg = config(4, 1024, 2, fixture_a_classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.rings_offset, 128 + 4 * 64);
    ck_assert_uint_eq(l.rings_stride, 2 * (128 + 1024));
    ck_assert_uint_eq(l.var_pool_offset, 9600);
    ck_assert_uint_eq(l.total_size, 46912);
}
END_TEST

START_TEST(fixture_b)
{
    roam_segment_config_t cfg = config(8, 4096, 1, fixture_b_classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.rings_offset, 128 + 8 * 64);
    ck_assert_uint_eq(l.var_pool_offset, 68224);
    ck_assert_uint_eq(l.total_size, 101568);
}
END_TEST

/* The fixture files agree with the layout: same offsets and sizes. */
START_TEST(fixture_files_agree)
{
    static const char *const bins[] = {"roam-header-a.bin", "roam-header-b.bin"};
    roam_segment_config_t cfgs[] = {
        config(4, 1024, 2, fixture_a_classes),
        config(8, 4096, 1, fixture_b_classes),
    };
    roam_segment_header_plain_t snap;
    roam_layout_t l;
    size_t len = 0;
    unsigned char *buf = tb_read_fixture(bins[_i], &len);

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(roam_header_snapshot(buf, len, &snap), ROAM_OK);
    ck_assert_int_eq(roam_layout_compute(&cfgs[_i], &l), ROAM_OK);
    ck_assert_uint_eq(roam_segment_header_plain_peer_table_offset(&snap), l.peer_table_offset);
    ck_assert_uint_eq(roam_segment_header_plain_var_pool_offset(&snap), l.var_pool_offset);
    ck_assert_uint_eq(roam_segment_header_plain_total_size(&snap), l.total_size);
    ck_assert_uint_eq(roam_segment_header_plain_num_var_slot_classes(&snap), l.num_classes);
    free(buf);
}
END_TEST

START_TEST(smallest)
{
    static const roam_size_class_t classes[] = {{1, 1}};
    roam_segment_config_t cfg = config(1, 64, 1, classes);
    roam_layout_t l;

    /* 128 header + 64 peer + 2*(128+64) rings = 576; pool 64+64+64. */
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.rings_offset, 192);
    ck_assert_uint_eq(l.rings_stride, 384);
    ck_assert_uint_eq(l.var_pool_offset, 576);
    ck_assert_uint_eq(l.class_areas[0].meta_offset, 640);
    ck_assert_uint_eq(l.class_areas[0].data_offset, 704);
    ck_assert_uint_eq(l.class_areas[0].data_size, 64);
    ck_assert_uint_eq(l.pool_size, 192);
    ck_assert_uint_eq(l.total_size, 768);
}
END_TEST

START_TEST(no_guests)
{
    static const roam_size_class_t classes[] = {{64, 2}};
    roam_segment_config_t cfg = config(0, 64, 1, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.rings_offset, 128);
    ck_assert_uint_eq(l.var_pool_offset, 128);
    ck_assert_uint_eq(l.total_size, 128 + 64 + 64 + 128);
}
END_TEST

START_TEST(odd_slot_sizes)
{
    /* Sizes that are not multiples of 64 are padded per region. */
    static const roam_size_class_t classes[] = {{100, 3}, {7, 5}, {65, 1}};
    roam_segment_config_t cfg = config(2, 128, 3, classes);
    roam_layout_t l;
    uint64_t pool;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    /* ring_base 256, stride 512, rings end at 1280. */
    ck_assert_uint_eq(l.var_pool_offset, 1280);
    pool = l.var_pool_offset;
    ck_assert_uint_eq(l.class_areas[0].meta_offset, pool + 192);     /* 3 headers */
    ck_assert_uint_eq(l.class_areas[0].data_offset, pool + 256);     /* 48 -> 64 */
    ck_assert_uint_eq(l.class_areas[1].meta_offset, pool + 576);     /* 300 -> 320 */
    ck_assert_uint_eq(l.class_areas[1].data_offset, pool + 704);     /* 80 -> 128 */
    ck_assert_uint_eq(l.class_areas[2].meta_offset, pool + 768);     /* 35 -> 64 */
    ck_assert_uint_eq(l.class_areas[2].data_offset, pool + 832);     /* 16 -> 64 */
    ck_assert_uint_eq(l.pool_size, 960);                         /* 65 -> 128 */
    ck_assert_uint_eq(l.total_size, 1280 + 960);
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(l.classes[i].header_offset, pool + 64 * i);
        ck_assert_uint_eq(l.classes[i].meta_offset % 64, 0);
        ck_assert_uint_eq(l.classes[i].data_offset % 64, 0);
    }
}
END_TEST

START_TEST(largest_guests_and_classes)
{
    static roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    roam_segment_config_t cfg;
    roam_layout_t l;
    uint64_t ring_end = 128 + 255 * 64 + 255 * 2 * (128 + 64);

    for (uint32_t i = 0; i < ROAM_MAX_SIZE_CLASSES; i++)
        classes[i] = (roam_size_class_t){64, 1};
    cfg = config(255, 64, ROAM_MAX_SIZE_CLASSES, classes);
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.var_pool_offset, (ring_end + 63) / 64 * 64);
    /* 256 headers, then 64 metadata + 64 data bytes per class. */
    ck_assert_uint_eq(l.pool_size, 256 * 64 + 256 * 128);
    ck_assert_uint_eq(l.classes[255].data_offset + 64, l.total_size);
}
END_TEST

START_TEST(large_but_fits)
{
    static const roam_size_class_t classes[] = {{UINT32_MAX, 1}, {1, UINT32_MAX}};
    roam_segment_config_t cfg = config(255, UINT32_MAX - 63, 2, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    ck_assert_uint_eq(l.rings_stride, 2 * (128 + (uint64_t)UINT32_MAX - 63));
    ck_assert_uint_gt(l.total_size, l.var_pool_offset);
}
END_TEST

START_TEST(reject_max_guests)
{
    static const roam_size_class_t classes[] = {{64, 1}};
    roam_segment_config_t cfg = config(256, 64, 1, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_MAX_GUESTS);
    cfg.max_guests = UINT32_MAX;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_MAX_GUESTS);
    cfg.max_guests = 255;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_capacity)
{
    static const uint32_t bad[] = {0, 1, 63, 65, 100, 1000, UINT32_MAX};
    static const roam_size_class_t classes[] = {{64, 1}};
    roam_segment_config_t cfg = config(1, 64, 1, classes);
    roam_layout_t l;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.bipbuf_capacity = bad[i];
        ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_CAPACITY);
    }
    cfg.bipbuf_capacity = 64;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    cfg.bipbuf_capacity = 1024;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_no_classes)
{
    static const roam_size_class_t classes[] = {{64, 1}};
    roam_segment_config_t cfg = config(1, 64, 0, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_NO_CLASSES);
    cfg = config(1, 64, 1, NULL);
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_NO_CLASSES);
}
END_TEST

START_TEST(reject_too_many_classes)
{
    static roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES + 1];
    roam_segment_config_t cfg;
    roam_layout_t l;

    for (uint32_t i = 0; i <= ROAM_MAX_SIZE_CLASSES; i++)
        classes[i] = (roam_size_class_t){64, 1};
    cfg = config(1, 64, ROAM_MAX_SIZE_CLASSES + 1, classes);
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_TOO_MANY_CLASSES);
    cfg.num_classes = ROAM_MAX_SIZE_CLASSES;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_slot_size)
{
    static const roam_size_class_t classes[] = {{64, 1}, {0, 4}};
    roam_segment_config_t cfg = config(1, 64, 2, classes);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_SLOT_SIZE);
    cfg.num_classes = 1;
    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
}
END_TEST

START_TEST(reject_slot_count)
{
    static const roam_size_class_t classes[] = {{64, 1}, {128, 0}};
    roam_segment_config_t cfg = config(1, 64, 2, classes);
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
    roam_segment_config_t cfg = config(1, 64, 1, one);
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_E_LAYOUT_OVERFLOW);
    ck_assert_uint_eq(l.total_size, 0);
    cfg = config(1, 64, 2, two);
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
    tcase_add_test(tc, worked_example);
    tcase_add_test(tc, fixture_a);
    tcase_add_test(tc, fixture_b);
    tcase_add_loop_test(tc, fixture_files_agree, 0, 2);
    tcase_add_test(tc, smallest);
    tcase_add_test(tc, no_guests);
    tcase_add_test(tc, odd_slot_sizes);
    tcase_add_test(tc, largest_guests_and_classes);
    tcase_add_test(tc, large_but_fits);
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
