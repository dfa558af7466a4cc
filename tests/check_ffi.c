/*
 * roam's C interface (reference §9), used as code written for roam uses it:
 * this file includes roam_shm_ffi.h and nothing else of this library, and
 * checks each function's return codes as roam documents them.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm_ffi.h"
#include "test_run.h"

#define CAP 256u

/* A 64-byte-aligned, zeroed block. */
static uint8_t *zalloc(size_t len)
{
    size_t rounded = (len + 63) / 64 * 64;
    uint8_t *p = aligned_alloc(64, rounded);

    ck_assert(p != NULL);
    memset(p, 0, rounded);
    return p;
}

START_TEST(bipbuf_calls)
{
    uint8_t *mem = zalloc(roam_bipbuf_header_size() + CAP);
    uint8_t *data = mem + roam_bipbuf_header_size();
    uint32_t off = 99, len = 99;

    ck_assert_uint_eq(roam_bipbuf_header_size(), 128);
    memset(mem, 0x5A, 128);
    roam_bipbuf_init(mem, CAP);
    for (int i = 12; i < 64; i++)
        ck_assert_uint_eq(mem[i], 0);   /* the padding is zeroed too */
    ck_assert_uint_eq(roam_bipbuf_capacity(mem), CAP);
    ck_assert_uint_eq(roam_bipbuf_load_write_acquire(mem), 0);
    ck_assert_uint_eq(roam_bipbuf_load_read_acquire(mem), 0);
    ck_assert_uint_eq(roam_bipbuf_load_watermark_acquire(mem), 0);

    /* try_grant: 1 granted, 0 full, -1 larger than the ring; len 0 at 0. */
    ck_assert_int_eq(roam_bipbuf_try_grant(mem, CAP + 1, &off), -1);
    ck_assert_int_eq(roam_bipbuf_try_grant(mem, 0, &off), 1);
    ck_assert_uint_eq(off, 0);
    ck_assert_int_eq(roam_bipbuf_try_read(mem, &off, &len), 0);
    ck_assert_int_eq(roam_bipbuf_try_grant(mem, 200, &off), 1);
    ck_assert_uint_eq(off, 0);
    memcpy(data + off, "payload", 7);
    ck_assert_int_eq(roam_bipbuf_commit(mem, 200), 0);
    ck_assert_int_eq(roam_bipbuf_try_grant(mem, 100, &off), 0);

    /* try_read: 1 with the region; release: 0, -1 past the capacity. */
    ck_assert_int_eq(roam_bipbuf_try_read(mem, &off, &len), 1);
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(len, 200);
    ck_assert(memcmp(data, "payload", 7) == 0);
    ck_assert_int_eq(roam_bipbuf_release(mem, CAP + 1), -1);
    ck_assert_int_eq(roam_bipbuf_release(mem, 150), 0);
    ck_assert_uint_eq(roam_bipbuf_load_read_acquire(mem), 150);

    /* The wrap: watermark at the old write, write at the front. */
    ck_assert_int_eq(roam_bipbuf_try_grant(mem, 100, &off), 1);
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(roam_bipbuf_load_watermark_acquire(mem), 200);
    ck_assert_int_eq(roam_bipbuf_commit(mem, 100), 0);
    ck_assert_int_eq(roam_bipbuf_try_read(mem, &off, &len), 1);
    ck_assert_uint_eq(off, 150);
    ck_assert_uint_eq(len, 50);
    ck_assert_int_eq(roam_bipbuf_release(mem, 50), 0);
    ck_assert_uint_eq(roam_bipbuf_load_watermark_acquire(mem), 0);
    ck_assert_int_eq(roam_bipbuf_try_read(mem, &off, &len), 1);
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(len, 100);

    /* commit: -1 when write + len overflows or passes the capacity. */
    ck_assert_int_eq(roam_bipbuf_commit(mem, CAP), -1);
    ck_assert_int_eq(roam_bipbuf_commit(mem, UINT32_MAX), -1);
    free(mem);
}
END_TEST

static const RoamSizeClass k_classes[] = {{1024, 8}, {16384, 4}, {262144, 2}};

/* A pool region with the classes at offset 64, and a handle over it. */
static RoamVarSlotPool *make_pool(uint8_t **region, size_t *len)
{
    uint64_t size = roam_var_slot_pool_calculate_size(k_classes, 3);
    RoamVarSlotPool *p;

    ck_assert_uint_gt(size, 0);
    *len = 64 + (size_t)size;
    *region = zalloc(*len);
    p = roam_var_slot_pool_attach(*region, *len, 64, k_classes, 3);
    ck_assert(p != NULL);
    roam_var_slot_pool_init(p);
    return p;
}

START_TEST(pool_calls)
{
    uint8_t *region;
    size_t len;
    RoamVarSlotPool *p = make_pool(&region, &len);
    RoamVarSlotHandle h, h2;

    ck_assert_uint_eq(sizeof(RoamVarSlotHandle), 12);
    ck_assert_uint_eq(roam_var_slot_pool_slot_size(p, 1), 16384);
    ck_assert_uint_eq(roam_var_slot_pool_slot_size(p, 3), 0);

    /* alloc: 1 and a handle; payload_ptr inside the region. */
    ck_assert_int_eq(roam_var_slot_pool_alloc(p, 512, 1, &h), 1);
    ck_assert_uint_eq(h.class_idx, 0);
    ck_assert_uint_eq(h.slot_idx, 0);
    ck_assert_uint_eq(h.generation, 1);
    uint8_t *b = roam_var_slot_pool_payload_ptr(p, h);
    ck_assert(b != NULL && b >= region && b + 1024 <= region + len);
    memset(b, 7, 1024);

    /* This process's records: allocated, then in flight, stale for another
     * generation, none after the free. */
    ck_assert_int_eq(roam_var_slot_pool_slot_state(p, h), 1);
    ck_assert_int_eq(roam_var_slot_pool_mark_in_flight(p, h), 0);
    ck_assert_int_eq(roam_var_slot_pool_slot_state(p, h), 2);
    h2 = h;
    h2.generation++;
    ck_assert_int_eq(roam_var_slot_pool_slot_state(p, h2), -1);

    /* free: 0, then -1 on the double free and on a stale generation. */
    ck_assert_int_eq(roam_var_slot_pool_free(p, h), 0);
    ck_assert_int_eq(roam_var_slot_pool_slot_state(p, h), 0);
    ck_assert_int_eq(roam_var_slot_pool_free(p, h), -1);
    ck_assert_int_eq(roam_var_slot_pool_free_allocated(p, h2), -1);
    ck_assert_int_eq(roam_var_slot_pool_alloc(p, 512, 1, &h2), 1);
    ck_assert_uint_eq(h2.generation, 2);
    ck_assert_int_eq(roam_var_slot_pool_free_allocated(p, h), -1);
    ck_assert_int_eq(roam_var_slot_pool_free_allocated(p, h2), 0);

    /* payload_ptr: NULL for a bad class (and a slot the class lacks). */
    h2.class_idx = 9;
    ck_assert(roam_var_slot_pool_payload_ptr(p, h2) == NULL);
    h2.class_idx = 0;
    h2.slot_idx = 8;
    ck_assert(roam_var_slot_pool_payload_ptr(p, h2) == NULL);

    /* 0 when nothing fits or nothing is left. */
    ck_assert_int_eq(roam_var_slot_pool_alloc(p, 262145, 0, &h), 0);
    for (int i = 0; i < 14; i++)
        ck_assert_int_eq(roam_var_slot_pool_alloc(p, 1, 3, &h), 1);
    ck_assert_int_eq(roam_var_slot_pool_alloc(p, 1, 3, &h), 0);

    /* recover_peer: every slot of peer 3 back, records dropped. */
    roam_var_slot_pool_recover_peer(p, 3);
    ck_assert_int_eq(roam_var_slot_pool_slot_state(p, h), 0);
    for (int i = 0; i < 14; i++)
        ck_assert_int_eq(roam_var_slot_pool_alloc(p, 1, 4, &h), 1);
    roam_var_slot_pool_destroy(p);
    roam_var_slot_pool_destroy(NULL);
    free(region);
}
END_TEST

START_TEST(pool_attach_refusals)
{
    uint8_t *region;
    size_t len;
    RoamVarSlotPool *p = make_pool(&region, &len);
    RoamVarSlotHandle h;
    RoamSizeClass empty = {64, 0};

    /* roam's refusals: a null pointer or no classes. */
    ck_assert(roam_var_slot_pool_attach(NULL, len, 64, k_classes, 3) == NULL);
    ck_assert(roam_var_slot_pool_attach(region, len, 64, NULL, 3) == NULL);
    ck_assert(roam_var_slot_pool_attach(region, len, 64, k_classes, 0) == NULL);
    ck_assert_uint_eq(roam_var_slot_pool_calculate_size(k_classes, 0), 0);
    ck_assert_uint_eq(roam_var_slot_pool_calculate_size(NULL, 3), 0);
    /* And this library's: a pool past the region, unaligned, a class without slots. */
    ck_assert(roam_var_slot_pool_attach(region, len - 1, 64, k_classes, 3) == NULL);
    ck_assert(roam_var_slot_pool_attach(region, len, 60, k_classes, 3) == NULL);
    ck_assert(roam_var_slot_pool_attach(region, len, 64, &empty, 1) == NULL);

    /* A remap to a region too short: every call refuses, none reads past it. */
    roam_var_slot_pool_update_region(p, region, 128);
    ck_assert_int_eq(roam_var_slot_pool_alloc(p, 1, 0, &h), 0);
    h = (RoamVarSlotHandle){0, 0, 0, 1};
    ck_assert(roam_var_slot_pool_payload_ptr(p, h) == NULL);
    ck_assert_int_eq(roam_var_slot_pool_free(p, h), -1);
    roam_var_slot_pool_update_region(p, region, len);
    ck_assert_int_eq(roam_var_slot_pool_alloc(p, 1, 0, &h), 1);
    roam_var_slot_pool_destroy(p);
    free(region);
}
END_TEST

static Suite *ffi_suite(void)
{
    Suite *s = suite_create("ffi");
    TCase *tc = tcase_create("ffi");

    tcase_add_test(tc, bipbuf_calls);
    tcase_add_test(tc, pool_calls);
    tcase_add_test(tc, pool_attach_refusals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(ffi_suite());
}
