/*
 * Peer-entry lifecycle (reference §2): attach, reserve, claim, release,
 * goodbye, reset and heartbeat, with the states and epochs they leave.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

/* A zeroed (Empty, epoch 0) entry in memory aligned as a segment is. */
static roam_peer_entry_t *new_entry(void)
{
    return tb_alloc_segment(sizeof(roam_peer_entry_t));
}

START_TEST(attach_then_busy)
{
    roam_peer_entry_t *p = new_entry();
    uint32_t found = 99, epoch = 99;

    ck_assert_int_eq(roam_peer_attach(p, &found, &epoch), ROAM_OK);
    ck_assert_uint_eq(epoch, 1);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_ATTACHED);
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 1);

    /* A second guest finds the entry taken and learns by whom. */
    found = 99;
    epoch = 99;
    ck_assert_int_eq(roam_peer_attach(p, &found, &epoch), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_ATTACHED);
    ck_assert_uint_eq(epoch, 99);                       /* untouched */
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 1); /* no bump */
    free(p);
}
END_TEST

START_TEST(reserve_claim)
{
    roam_peer_entry_t *p = new_entry();
    uint32_t found, epoch;

    ck_assert_int_eq(roam_peer_reserve(p, &found, &epoch), ROAM_OK);
    ck_assert_uint_eq(epoch, 1);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_RESERVED);

    /* Reserved: neither attach nor a second reserve may take it. */
    ck_assert_int_eq(roam_peer_attach(p, &found, &epoch), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_RESERVED);
    ck_assert_int_eq(roam_peer_reserve(p, &found, &epoch), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_RESERVED);

    /* The spawned guest claims it; claim does not bump the epoch. */
    ck_assert_int_eq(roam_peer_claim(p, &found), ROAM_OK);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_ATTACHED);
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 1);

    /* Claim and release need Reserved. */
    ck_assert_int_eq(roam_peer_claim(p, &found), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_ATTACHED);
    ck_assert_int_eq(roam_peer_release(p, &found), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_ATTACHED);
    free(p);
}
END_TEST

START_TEST(reserve_release)
{
    roam_peer_entry_t *p = new_entry();
    uint32_t found, epoch;

    ck_assert_int_eq(roam_peer_release(p, &found), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_EMPTY);
    ck_assert_int_eq(roam_peer_claim(p, &found), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_EMPTY);

    ck_assert_int_eq(roam_peer_reserve(p, &found, &epoch), ROAM_OK);
    ck_assert_int_eq(roam_peer_release(p, &found), ROAM_OK);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_EMPTY);
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 1);

    /* Free again: the next attach counts as a new epoch. */
    ck_assert_int_eq(roam_peer_attach(p, &found, &epoch), ROAM_OK);
    ck_assert_uint_eq(epoch, 2);
    free(p);
}
END_TEST

START_TEST(goodbye_reset)
{
    roam_peer_entry_t *p = new_entry();
    uint32_t found, epoch;

    ck_assert_int_eq(roam_peer_attach(p, &found, &epoch), ROAM_OK);
    roam_peer_heartbeat(p, 123456789);
    roam_peer_goodbye(p);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_GOODBYE);

    /* Nobody takes an entry in Goodbye until the host resets it. */
    ck_assert_int_eq(roam_peer_attach(p, &found, &epoch), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_GOODBYE);
    ck_assert_int_eq(roam_peer_reserve(p, &found, &epoch), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(found, ROAM_PEER_STATE_GOODBYE);

    roam_peer_reset(p);
    ck_assert_uint_eq(roam_peer_entry_load_state(p), ROAM_PEER_STATE_EMPTY);
    ck_assert_uint_eq(roam_peer_entry_load_last_heartbeat(p), 0);
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 1); /* reset keeps the epoch */
    ck_assert_int_eq(roam_peer_reserve(p, &found, &epoch), ROAM_OK);
    ck_assert_uint_eq(epoch, 2);
    free(p);
}
END_TEST

START_TEST(epochs_increase)
{
    roam_peer_entry_t *p = new_entry();
    uint32_t found, epoch, last = 0;

    /* Alternate attach and reserve cycles; every one gets a new epoch. */
    for (int i = 0; i < 10; i++) {
        if (i % 2 == 0) {
            ck_assert_int_eq(roam_peer_attach(p, &found, &epoch), ROAM_OK);
            roam_peer_goodbye(p);
            roam_peer_reset(p);
        } else {
            ck_assert_int_eq(roam_peer_reserve(p, &found, &epoch), ROAM_OK);
            ck_assert_int_eq(roam_peer_release(p, &found), ROAM_OK);
        }
        ck_assert_uint_eq(epoch, last + 1);
        ck_assert_uint_eq(roam_peer_entry_load_epoch(p), epoch);
        last = epoch;
    }
    free(p);
}
END_TEST

START_TEST(epoch_wraps)
{
    roam_peer_entry_t *p = new_entry();
    uint32_t epoch;

    roam_peer_entry_store_epoch(p, UINT32_MAX);
    ck_assert_int_eq(roam_peer_attach(p, NULL, &epoch), ROAM_OK);
    ck_assert_uint_eq(epoch, 0);
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 0);
    free(p);
}
END_TEST

START_TEST(null_outputs)
{
    roam_peer_entry_t *p = new_entry();

    ck_assert_int_eq(roam_peer_reserve(p, NULL, NULL), ROAM_OK);
    ck_assert_int_eq(roam_peer_attach(p, NULL, NULL), ROAM_E_PEER_BUSY);
    ck_assert_int_eq(roam_peer_claim(p, NULL), ROAM_OK);
    ck_assert_int_eq(roam_peer_release(p, NULL), ROAM_E_PEER_BUSY);
    ck_assert_uint_eq(roam_peer_entry_load_epoch(p), 1);
    free(p);
}
END_TEST

START_TEST(heartbeat_bytes)
{
    const roam_field_info_t *hb = tb_field(roam_peer_entry_fields, "last_heartbeat");
    const roam_field_info_t *st = tb_field(roam_peer_entry_fields, "state");
    roam_peer_entry_t *p = new_entry();
    const unsigned char *b = (const unsigned char *)p;

    roam_peer_heartbeat(p, 0x0102030405060708ull);
    ck_assert_uint_eq(tb_get_le(b, hb->offset, hb->size), 0x0102030405060708ull);
    ck_assert_uint_eq(roam_peer_entry_load_last_heartbeat(p), 0x0102030405060708ull);
    roam_peer_goodbye(p);
    ck_assert_uint_eq(tb_get_le(b, st->offset, st->size), ROAM_PEER_STATE_GOODBYE);
    roam_peer_reset(p);
    ck_assert_uint_eq(tb_get_le(b, st->offset, st->size), ROAM_PEER_STATE_EMPTY);
    ck_assert_uint_eq(tb_get_le(b, hb->offset, hb->size), 0);
    free(p);
}
END_TEST

START_TEST(in_a_segment)
{
    static const roam_size_class_t classes[] = {{256, 4}};
    const roam_segment_config_t cfg = {
        .max_guests = 4, .bipbuf_capacity = 8 * ROAM_SEGMENT_ALIGN, .num_classes = 1,
        .classes = classes,
    };
    roam_segment_header_plain_t snap;
    roam_layout_t l;
    unsigned char *seg;
    uint32_t found, epoch;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    seg = tb_alloc_segment(l.total_size);
    ck_assert_int_eq(roam_segment_init(seg, l.total_size, &cfg, NULL), ROAM_OK);
    ck_assert_int_eq(roam_segment_validate(seg, l.total_size, &snap, NULL), ROAM_OK);

    /* One entry in each state: the segment stays valid. */
    ck_assert_int_eq(roam_peer_attach(roam_segment_peer(seg, &snap, 0), &found, &epoch), ROAM_OK);
    ck_assert_int_eq(roam_peer_reserve(roam_segment_peer(seg, &snap, 1), &found, &epoch), ROAM_OK);
    ck_assert_int_eq(roam_peer_attach(roam_segment_peer(seg, &snap, 2), &found, &epoch), ROAM_OK);
    roam_peer_goodbye(roam_segment_peer(seg, &snap, 2));
    roam_peer_heartbeat(roam_segment_peer(seg, &snap, 0), 42);
    ck_assert_int_eq(roam_segment_validate(seg, l.total_size, NULL, NULL), ROAM_OK);

    /* Only the entry touched changed: peer 3 is still Empty at epoch 0. */
    ck_assert_uint_eq(roam_peer_entry_load_state(roam_segment_peer(seg, &snap, 3)),
                      ROAM_PEER_STATE_EMPTY);
    ck_assert_uint_eq(roam_peer_entry_load_epoch(roam_segment_peer(seg, &snap, 3)), 0);
    /* The bytes where the layout and the field table put them. */
    ck_assert_uint_eq(tb_get_field(seg, roam_layout_peer_table_offset_at(&l, 0),
                                   roam_peer_entry_fields, "last_heartbeat"), 42);
    ck_assert_uint_eq(tb_get_field(seg, roam_layout_peer_table_offset_at(&l, 1),
                                   roam_peer_entry_fields, "state"), ROAM_PEER_STATE_RESERVED);
    ck_assert_uint_eq(tb_get_field(seg, roam_layout_peer_table_offset_at(&l, 1),
                                   roam_peer_entry_fields, "epoch"), 1);
    free(seg);
}
END_TEST

/* ---- Accessors on the bytes the field table names ---------------------- */

static uint64_t get_state(const void *o) { return roam_peer_entry_load_state(o); }
static void set_state(void *o, uint64_t v) { roam_peer_entry_store_state(o, (uint32_t)v); }
static uint64_t get_epoch(const void *o) { return roam_peer_entry_load_epoch(o); }
static void set_epoch(void *o, uint64_t v) { roam_peer_entry_store_epoch(o, (uint32_t)v); }
static uint64_t get_last_heartbeat(const void *o) { return roam_peer_entry_load_last_heartbeat(o); }
static void set_last_heartbeat(void *o, uint64_t v) { roam_peer_entry_store_last_heartbeat(o, v); }
static uint64_t get_ring_offset(const void *o) { return roam_peer_entry_ring_offset(o); }
static void set_ring_offset(void *o, uint64_t v) { roam_peer_entry_set_ring_offset(o, v); }

START_TEST(accessors_raw_bytes)
{
    /* Where each field lies comes from the generated table. */
    static const tb_field_t fields[] = {
        {"state", get_state, set_state},
        {"epoch", get_epoch, set_epoch},
        {"last_heartbeat", get_last_heartbeat, set_last_heartbeat},
        {"ring_offset", get_ring_offset, set_ring_offset},
    };
    size_t ninfo;
    const roam_field_info_t *info = roam_peer_entry_fields(&ninfo);
    const char *err = tb_check_table(sizeof(roam_peer_entry_t), info, ninfo);

    ck_assert_msg(err == NULL, "%s", err);
    err = tb_check_fields(sizeof(roam_peer_entry_t), fields, sizeof fields / sizeof fields[0],
                          info, ninfo);
    ck_assert_msg(err == NULL, "%s", err);
    ck_assert_uint_eq(sizeof(roam_peer_entry_t), ROAM_PEER_ENTRY_SIZE);
}
END_TEST

START_TEST(atomics_lock_free)
{
    roam_peer_entry_t p;

    ck_assert(atomic_is_lock_free(&p.state));
    ck_assert(atomic_is_lock_free(&p.epoch));
    ck_assert(atomic_is_lock_free(&p.last_heartbeat));
}
END_TEST

static Suite *peer_suite(void)
{
    Suite *s = suite_create("peer");
    TCase *tc;

    tc = tcase_create("lifecycle");
    tcase_add_test(tc, attach_then_busy);
    tcase_add_test(tc, reserve_claim);
    tcase_add_test(tc, reserve_release);
    tcase_add_test(tc, goodbye_reset);
    tcase_add_test(tc, epochs_increase);
    tcase_add_test(tc, epoch_wraps);
    tcase_add_test(tc, null_outputs);
    tcase_add_test(tc, heartbeat_bytes);
    tcase_add_test(tc, in_a_segment);
    suite_add_tcase(s, tc);

    tc = tcase_create("accessors");
    tcase_add_test(tc, accessors_raw_bytes);
    tcase_add_test(tc, atomics_lock_free);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(peer_suite());
}
