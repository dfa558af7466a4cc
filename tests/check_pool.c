/*
 * The var-slot pool (reference §7): allocation order and fallback, free
 * with the double-free and stale-generation checks, payload addresses,
 * reclaiming a peer's slots, and corrupt pool state refused without any
 * access outside the segment.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "roam_data.h"
#include "test_bytes.h"
#include "test_run.h"

static const roam_size_class_t k_classes[] = {{1024, 8}, {16384, 4}, {262144, 2}};
static const roam_size_class_t k_unsorted[] = {{4096, 1}, {512, 2}, {8192, 1}};

typedef struct test_seg {
    unsigned char *buf;
    size_t len;
    roam_segment_header_plain_t snap;
    roam_layout_t layout;
    roam_pool_t pool;
} test_seg_t;

/* A fresh segment with these classes in an exactly-sized buffer, its pool bound. */
static void seg_make(test_seg_t *t, const roam_size_class_t *classes, uint32_t n)
{
    roam_segment_config_t cfg = {
        .max_guests = 2,
        .bipbuf_capacity = 1024,
        .max_payload_size = 1u << 20,
        .num_classes = n,
        .classes = classes,
    };
    roam_diag_t d;

    ck_assert_int_eq(roam_layout_compute(&cfg, &t->layout), ROAM_OK);
    t->len = (size_t)t->layout.total_size;
    t->buf = tb_alloc_segment(t->len);
    ck_assert(t->buf != NULL);
    ck_assert_int_eq(roam_segment_init(t->buf, t->len, &cfg, NULL), ROAM_OK);
    ck_assert_int_eq(roam_segment_validate(t->buf, t->len, &t->snap, NULL), ROAM_OK);
    ck_assert_msg(roam_pool_bind(&t->pool, t->buf, t->len, &t->snap, &d) == ROAM_OK, "%s", d.msg);
}

static roam_var_slot_meta_t *meta(test_seg_t *t, uint32_t c, uint32_t s)
{
    return (roam_var_slot_meta_t *)(t->buf + t->layout.class_areas[c].meta_offset) + s;
}

static roam_slot_t must_alloc(test_seg_t *t, uint32_t size, uint32_t owner)
{
    roam_slot_t s;

    ck_assert_int_eq(roam_pool_alloc(&t->pool, size, owner, &s), ROAM_OK);
    return s;
}

START_TEST(alloc_first_fit_and_generation)
{
    test_seg_t t;
    roam_slot_t s;

    seg_make(&t, k_classes, 3);
    ck_assert_uint_eq(t.pool.num_classes, 3);
    for (uint32_t c = 0; c < 3; c++) {
        ck_assert_uint_eq(t.pool.slot_size[c], k_classes[c].slot_size);
        ck_assert_uint_eq(t.pool.data_off[c], t.layout.class_areas[c].data_offset);
        ck_assert_uint_eq(t.pool.meta_off[c], t.layout.class_areas[c].meta_offset);
    }

    /* As roam's own test: 512 bytes for peer 1 is class 0, slot 0, generation 1. */
    s = must_alloc(&t, 512, 1);
    ck_assert_uint_eq(s.class_idx, 0);
    ck_assert_uint_eq(s.extent_idx, 0);
    ck_assert_uint_eq(s.slot_idx, 0);
    ck_assert_uint_eq(s.generation, 1);
    ck_assert_uint_eq(roam_var_slot_meta_load_state(meta(&t, 0, 0)), ROAM_SLOT_STATE_ALLOCATED);
    ck_assert_uint_eq(roam_var_slot_meta_load_owner_peer(meta(&t, 0, 0)), 1);
    ck_assert_uint_eq(roam_pool_owner(&t.pool, s), 1);
    ck_assert_int_eq(roam_pool_check(&t.pool, s), ROAM_OK);

    /* The smallest class that fits when the table is sorted. */
    s = must_alloc(&t, 2000, 0);
    ck_assert_uint_eq(s.class_idx, 1);
    s = must_alloc(&t, 16385, 0);
    ck_assert_uint_eq(s.class_idx, 2);
    ck_assert_int_eq(roam_pool_alloc(&t.pool, 262145, 0, &s), ROAM_E_TOO_LARGE);

    /* Freed, the same slot comes back with the next generation. */
    s = must_alloc(&t, 1, 0);
    ck_assert_int_eq(roam_pool_free(&t.pool, s, NULL), ROAM_OK);
    roam_slot_t again = must_alloc(&t, 1, 0);
    ck_assert_uint_eq(again.slot_idx, s.slot_idx);
    ck_assert_uint_eq(again.generation, s.generation + 1);
    free(t.buf);
}
END_TEST

START_TEST(exhaustion_falls_through)
{
    test_seg_t t;
    roam_slot_t got[14], s;
    bool was_empty = true;

    seg_make(&t, k_classes, 3);
    for (int i = 0; i < 14; i++)
        got[i] = must_alloc(&t, 1, 0);
    /* 8 from class 0, then 4 from class 1, then 2 from class 2. */
    for (int i = 0; i < 14; i++)
        ck_assert_uint_eq(got[i].class_idx, i < 8 ? 0 : i < 12 ? 1 : 2);
    ck_assert_int_eq(roam_pool_alloc(&t.pool, 1, 0, &s), ROAM_E_POOL_EXHAUSTED);
    /* 20000 bytes fit only the last class, which is empty too. */
    ck_assert_int_eq(roam_pool_alloc(&t.pool, 20000, 0, &s), ROAM_E_POOL_EXHAUSTED);

    /* A free into an empty list says so: a waiter may be woken. */
    ck_assert_int_eq(roam_pool_free(&t.pool, got[13], &was_empty), ROAM_OK);
    ck_assert(was_empty);
    ck_assert_int_eq(roam_pool_free(&t.pool, got[12], &was_empty), ROAM_OK);
    ck_assert(!was_empty);
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(roam_pool_free(&t.pool, got[i], NULL), ROAM_OK);
    for (uint32_t c = 0; c < 3; c++) {
        uint32_t n;

        ck_assert_int_eq(roam_pool_count_free(&t.pool, c, &n), ROAM_OK);
        ck_assert_uint_eq(n, k_classes[c].slot_count);
    }
    free(t.buf);
}
END_TEST

START_TEST(unsorted_table_order)
{
    test_seg_t t;
    roam_slot_t a, b, s;

    /* Classes 4096, 512, 8192: 100 bytes take the first that fits (class
     * 0), then later ones that fit (1, then 2); 1000 bytes never take the
     * 512-byte class. */
    seg_make(&t, k_unsorted, 3);
    a = must_alloc(&t, 100, 0);
    ck_assert_uint_eq(a.class_idx, 0);
    b = must_alloc(&t, 1000, 0);
    ck_assert_uint_eq(b.class_idx, 2);
    ck_assert_int_eq(roam_pool_alloc(&t.pool, 1000, 0, &s), ROAM_E_POOL_EXHAUSTED);
    s = must_alloc(&t, 100, 0);
    ck_assert_uint_eq(s.class_idx, 1);
    free(t.buf);
}
END_TEST

START_TEST(double_free_and_stale_generation)
{
    test_seg_t t;
    roam_slot_t s, stale, bad;

    seg_make(&t, k_classes, 3);
    s = must_alloc(&t, 10, 0);
    ck_assert_int_eq(roam_pool_free(&t.pool, s, NULL), ROAM_OK);
    ck_assert_int_eq(roam_pool_free(&t.pool, s, NULL), ROAM_E_SLOT_STALE);
    ck_assert_int_eq(roam_pool_check(&t.pool, s), ROAM_E_SLOT_STALE);

    /* Reallocated: the old handle is stale, the new one frees. */
    stale = s;
    s = must_alloc(&t, 10, 0);
    ck_assert_uint_eq(s.slot_idx, stale.slot_idx);
    ck_assert_int_eq(roam_pool_free(&t.pool, stale, NULL), ROAM_E_SLOT_STALE);
    ck_assert_int_eq(roam_pool_adopt(&t.pool, stale, 2), ROAM_E_SLOT_STALE);
    ck_assert_int_eq(roam_pool_check(&t.pool, s), ROAM_OK);
    ck_assert_int_eq(roam_pool_free(&t.pool, s, NULL), ROAM_OK);

    /* Handles that name no slot. */
    bad = s;
    bad.class_idx = 3;
    ck_assert_int_eq(roam_pool_free(&t.pool, bad, NULL), ROAM_E_SLOT_REF);
    ck_assert(roam_pool_slot(&t.pool, bad, NULL) == NULL);
    ck_assert_uint_eq(roam_pool_owner(&t.pool, bad), UINT32_MAX);
    bad = s;
    bad.slot_idx = 8;
    ck_assert_int_eq(roam_pool_free(&t.pool, bad, NULL), ROAM_E_SLOT_REF);
    ck_assert(roam_pool_slot(&t.pool, bad, NULL) == NULL);
    bad = s;
    bad.extent_idx = 1;
    ck_assert_int_eq(roam_pool_check(&t.pool, bad), ROAM_E_SLOT_REF);
    free(t.buf);
}
END_TEST

START_TEST(payload_addresses)
{
    test_seg_t t;

    seg_make(&t, k_classes, 3);
    for (uint32_t c = 0; c < 3; c++) {
        for (uint32_t i = 0; i < k_classes[c].slot_count; i++) {
            roam_slot_t s = {(uint8_t)c, 0, i, 0};
            uint32_t size = 0;
            unsigned char *p = roam_pool_slot(&t.pool, s, &size);

            ck_assert_uint_eq(size, k_classes[c].slot_size);
            ck_assert(p == t.buf + t.layout.class_areas[c].data_offset + (uint64_t)i * size);
            ck_assert(p + size <= t.buf + t.len);
        }
    }
    /* Every byte of every slot can be written without disturbing another. */
    roam_slot_t a = must_alloc(&t, 1024, 0), b = must_alloc(&t, 1024, 0);
    memset(roam_pool_slot(&t.pool, a, NULL), 0xAA, 1024);
    memset(roam_pool_slot(&t.pool, b, NULL), 0xBB, 1024);
    ck_assert_uint_eq(roam_pool_slot(&t.pool, a, NULL)[1023], 0xAA);
    ck_assert_uint_eq(roam_pool_slot(&t.pool, b, NULL)[0], 0xBB);
    free(t.buf);
}
END_TEST

START_TEST(reclaim_peer)
{
    test_seg_t t;
    roam_slot_t mine[3], other, host;

    seg_make(&t, k_classes, 3);
    mine[0] = must_alloc(&t, 1, 7);
    mine[1] = must_alloc(&t, 5000, 7);
    mine[2] = must_alloc(&t, 1, 7);
    other = must_alloc(&t, 1, 2);
    host = must_alloc(&t, 1, 0);
    ck_assert_int_eq(roam_pool_free(&t.pool, mine[2], NULL), ROAM_OK);

    ck_assert_uint_eq(roam_pool_reclaim(&t.pool, 7), 2);
    ck_assert_int_eq(roam_pool_check(&t.pool, mine[0]), ROAM_E_SLOT_STALE);
    ck_assert_int_eq(roam_pool_check(&t.pool, mine[1]), ROAM_E_SLOT_STALE);
    ck_assert_int_eq(roam_pool_check(&t.pool, other), ROAM_OK);
    ck_assert_int_eq(roam_pool_check(&t.pool, host), ROAM_OK);
    ck_assert_uint_eq(roam_pool_reclaim(&t.pool, 7), 0);

    /* A slot taken over by its receiver is reclaimed with the receiver. */
    ck_assert_int_eq(roam_pool_adopt(&t.pool, host, 2), ROAM_OK);
    ck_assert_uint_eq(roam_pool_reclaim(&t.pool, 2), 2);
    ck_assert_uint_eq(roam_pool_reclaim(&t.pool, 0), 0);
    for (uint32_t c = 0; c < 3; c++) {
        uint32_t n;

        ck_assert_int_eq(roam_pool_count_free(&t.pool, c, &n), ROAM_OK);
        ck_assert_uint_eq(n, k_classes[c].slot_count);
    }
    free(t.buf);
}
END_TEST

START_TEST(corrupt_pool_refused)
{
    test_seg_t t;
    roam_size_class_header_t *h;
    roam_pool_t p;
    roam_slot_t s;
    roam_diag_t d;
    uint32_t n;

    seg_make(&t, k_classes, 3);
    h = (roam_size_class_header_t *)(t.buf + roam_layout_var_pool_offset_at(&t.layout, 0));

    /* A free_head naming a slot the class does not have. */
    roam_size_class_header_store_free_head(h, 8);
    ck_assert_int_eq(roam_pool_alloc(&t.pool, 1, 0, &s), ROAM_E_CLASS_FREE_HEAD);
    ck_assert_int_eq(roam_pool_count_free(&t.pool, 0, &n), ROAM_E_CLASS_FREE_HEAD);

    /* A next_free cycle: the walk stops, it does not loop. */
    roam_size_class_header_store_free_head(h, 0);
    roam_var_slot_meta_store_next_free(meta(&t, 0, 3), 0);
    ck_assert_int_eq(roam_pool_count_free(&t.pool, 0, &n), ROAM_E_CLASS_FREE_HEAD);

    /* A class header grown under us: the bound pool keeps its own sizes,
     * and a new bind refuses the pool that no longer fits. */
    roam_size_class_header_set_slot_count(h, 1000000);
    ck_assert_uint_eq(t.pool.slot_count[0], 8);
    ck_assert_int_eq(roam_pool_bind(&p, t.buf, t.len, &t.snap, &d), ROAM_E_CLASS_BOUNDS);
    ck_assert(strstr(d.msg, "past the") != NULL);
    roam_size_class_header_set_slot_count(h, 8);

    /* A mapping shorter than the pool. */
    ck_assert_int_eq(roam_pool_bind(&p, t.buf, t.len - 1, &t.snap, NULL), ROAM_E_CLASS_BOUNDS);
    ck_assert_int_eq(roam_pool_bind(&p, t.buf, t.layout.var_pool_offset + ROAM_SEGMENT_ALIGN, &t.snap, NULL),
                     ROAM_E_CLASS_TABLE_BOUNDS);
    free(t.buf);
}
END_TEST

START_TEST(format_matches_segment_init)
{
    test_seg_t t;
    unsigned char *copy;
    roam_pool_t p;

    /* The pool part of a fresh segment, written again by roam_pool_format
     * over zeroes, byte for byte. */
    seg_make(&t, k_classes, 3);
    copy = tb_alloc_segment(t.len);
    ck_assert(copy != NULL);
    ck_assert_int_eq(roam_pool_bind_classes(&p, copy, t.len, t.layout.var_pool_offset, k_classes,
                                            3, NULL),
                     ROAM_OK);
    roam_pool_format(&p);
    ck_assert(memcmp(copy + t.layout.var_pool_offset, t.buf + t.layout.var_pool_offset,
                     t.len - t.layout.var_pool_offset) == 0);

    /* Bad placements. */
    ck_assert_int_eq(roam_pool_bind_classes(&p, copy, t.len, t.layout.var_pool_offset + 4,
                                            k_classes, 3, NULL),
                     ROAM_E_VAR_POOL_ALIGN);
    ck_assert_int_eq(roam_pool_bind_classes(&p, copy, t.len, 0, k_classes, 0, NULL),
                     ROAM_E_NO_CLASSES);
    ck_assert_int_eq(roam_pool_bind_classes(&p, copy, t.len, t.layout.var_pool_offset + ROAM_SEGMENT_ALIGN,
                                            k_classes, 3, NULL),
                     ROAM_E_CLASS_BOUNDS);
    free(copy);
    free(t.buf);
}
END_TEST

static Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");

    tcase_add_test(tc, alloc_first_fit_and_generation);
    tcase_add_test(tc, exhaustion_falls_through);
    tcase_add_test(tc, unsorted_table_order);
    tcase_add_test(tc, double_free_and_stale_generation);
    tcase_add_test(tc, payload_addresses);
    tcase_add_test(tc, reclaim_peer);
    tcase_add_test(tc, corrupt_pool_refused);
    tcase_add_test(tc, format_matches_segment_init);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(pool_suite());
}
