/*
 * BipBuffer rings (reference §7): grant, commit, read and release; a full
 * ring is backpressure; both wrap behaviours (roam's producer leaves a
 * failed wrap in place, the specification's undoes it) are read correctly;
 * corrupt indices are refused without touching memory outside the ring.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "roam_data.h"
#include "test_bytes.h"
#include "test_run.h"

#define CAP 256u

/* A ring of cap bytes in a block of exactly header + cap bytes (ASan
 * catches any access past the data area). */
typedef struct test_ring {
    unsigned char *mem;
    roam_ring_t r;
} test_ring_t;

static void ring_make(test_ring_t *t, uint32_t cap)
{
    t->mem = tb_alloc_segment(ROAM_BIPBUF_HEADER_SIZE + cap);
    ck_assert(t->mem != NULL);
    roam_bipbuf_header_set_capacity((roam_bipbuf_header_t *)t->mem, cap);
    roam_ring_attach(&t->r, t->mem, cap);
}

static roam_bipbuf_header_t *hdr(test_ring_t *t)
{
    return (roam_bipbuf_header_t *)t->mem;
}

/* Set the three indices directly, as a peer would have left them. */
static void set_indices(test_ring_t *t, uint32_t write, uint32_t read, uint32_t mark)
{
    roam_bipbuf_header_store_write(hdr(t), write);
    roam_bipbuf_header_store_read(hdr(t), read);
    roam_bipbuf_header_store_watermark(hdr(t), mark);
}

static void expect_indices(test_ring_t *t, uint32_t write, uint32_t read, uint32_t mark)
{
    ck_assert_uint_eq(roam_bipbuf_header_load_write(hdr(t)), write);
    ck_assert_uint_eq(roam_bipbuf_header_load_read(hdr(t)), read);
    ck_assert_uint_eq(roam_bipbuf_header_load_watermark(hdr(t)), mark);
}

/* Grant n, fill it with byte v, commit; the offset. */
static uint32_t put(test_ring_t *t, uint32_t n, unsigned char v)
{
    uint32_t off = UINT32_MAX;

    ck_assert_int_eq(roam_ring_grant(&t->r, n, &off), ROAM_OK);
    memset(t->r.data + off, v, n);
    ck_assert_int_eq(roam_ring_commit(&t->r, n), ROAM_OK);
    return off;
}

/* Expect the readable region [off, off + len). */
static void expect_read(test_ring_t *t, uint32_t off, uint32_t len)
{
    uint32_t o = UINT32_MAX, l = UINT32_MAX;

    ck_assert_int_eq(roam_ring_read(&t->r, &o, &l), ROAM_OK);
    ck_assert_uint_eq(o, off);
    ck_assert_uint_eq(l, len);
}

static void expect_empty(test_ring_t *t)
{
    uint32_t o, l;

    ck_assert_int_eq(roam_ring_read(&t->r, &o, &l), ROAM_E_EMPTY);
}

START_TEST(grant_commit_read_release)
{
    test_ring_t t;
    uint32_t off, len;

    ring_make(&t, CAP);
    expect_empty(&t);
    ck_assert_uint_eq(put(&t, 10, 'a'), 0);
    ck_assert_uint_eq(put(&t, 6, 'b'), 10);
    expect_indices(&t, 16, 0, 0);

    /* Both entries readable as one region; release them one at a time. */
    ck_assert_int_eq(roam_ring_read(&t.r, &off, &len), ROAM_OK);
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(len, 16);
    ck_assert(t.r.data[0] == 'a' && t.r.data[9] == 'a' && t.r.data[10] == 'b');
    ck_assert_int_eq(roam_ring_release(&t.r, 10), ROAM_OK);
    expect_read(&t, 10, 6);
    ck_assert_int_eq(roam_ring_release(&t.r, 6), ROAM_OK);
    expect_empty(&t);
    expect_indices(&t, 16, 16, 0);

    /* A zero-length grant is granted, at offset 0, and changes nothing. */
    ck_assert_int_eq(roam_ring_grant(&t.r, 0, &off), ROAM_OK);
    ck_assert_uint_eq(off, 0);
    expect_indices(&t, 16, 16, 0);
    free(t.mem);
}
END_TEST

START_TEST(full_is_backpressure)
{
    test_ring_t t;
    uint32_t off;

    ring_make(&t, CAP);
    ck_assert_int_eq(roam_ring_grant(&t.r, CAP + 1, &off), ROAM_E_TOO_LARGE);
    ck_assert(!roam_ring_can_grant(&t.r, CAP + 1));

    /* The whole ring in one entry, then nothing more. */
    ck_assert(roam_ring_can_grant(&t.r, CAP));
    put(&t, CAP, 'x');
    ck_assert(!roam_ring_can_grant(&t.r, 4));
    ck_assert_int_eq(roam_ring_grant(&t.r, 4, &off), ROAM_E_RING_FULL);
    /* read is 0: no wrap is attempted. */
    expect_indices(&t, CAP, 0, 0);

    /* After a wrap, the producer keeps one byte between write and read. */
    ck_assert_int_eq(roam_ring_release(&t.r, 100), ROAM_OK);
    ck_assert(roam_ring_can_grant(&t.r, 99));
    ck_assert(!roam_ring_can_grant(&t.r, 100));
    ck_assert_uint_eq(put(&t, 99, 'y'), 0);
    expect_indices(&t, 99, 100, CAP);
    ck_assert_int_eq(roam_ring_grant(&t.r, 1, &off), ROAM_E_RING_FULL);
    free(t.mem);
}
END_TEST

START_TEST(wrap_roam_style)
{
    test_ring_t t;
    uint32_t off;

    ring_make(&t, CAP);
    put(&t, 200, 'a');
    ck_assert_int_eq(roam_ring_release(&t.r, 120), ROAM_OK);   /* 80 bytes unread */

    /* 60 bytes: not at the end (56 left), so wrap: [0, 60). */
    ck_assert_uint_eq(put(&t, 60, 'b'), 0);
    expect_indices(&t, 60, 120, 200);
    ck_assert_uint_eq(t.r.wraps, 1);

    /* The tail first, then the front; reaching the watermark resets read. */
    expect_read(&t, 120, 80);
    ck_assert_int_eq(roam_ring_release(&t.r, 80), ROAM_OK);
    expect_indices(&t, 60, 0, 0);
    expect_read(&t, 0, 60);
    ck_assert(t.r.data[0] == 'b' && t.r.data[59] == 'b');

    /* A wrap whose front is too short stays wrapped (roam's producer):
     * watermark at the old write, write at 0, and the grant is refused. */
    ck_assert_int_eq(roam_ring_release(&t.r, 40), ROAM_OK);   /* read 40, write 60 */
    ck_assert_int_eq(roam_ring_grant(&t.r, 200, &off), ROAM_E_RING_FULL);
    expect_indices(&t, 0, 40, 60);
    /* The consumer drains the tail and comes back to the front... */
    expect_read(&t, 40, 20);
    ck_assert_int_eq(roam_ring_release(&t.r, 20), ROAM_OK);
    expect_indices(&t, 0, 0, 0);
    expect_empty(&t);
    /* ...where the large grant now fits. */
    ck_assert_uint_eq(put(&t, 200, 'c'), 0);
    expect_read(&t, 0, 200);
    free(t.mem);
}
END_TEST

START_TEST(wrap_left_in_place_unblocks_empty_ring)
{
    test_ring_t t;
    uint32_t off;

    /* An empty ring with both indices at 100: 160 bytes fit neither the
     * 156-byte tail nor before read. Undoing the wrap would leave the ring
     * empty and the grant refused for ever; leaving it lets the consumer
     * reset, and the grant succeeds. */
    ring_make(&t, CAP);
    set_indices(&t, 100, 100, 0);
    ck_assert_int_eq(roam_ring_grant(&t.r, 160, &off), ROAM_E_RING_FULL);
    expect_indices(&t, 0, 100, 100);
    expect_empty(&t);                       /* resets read and watermark */
    expect_indices(&t, 0, 0, 0);
    ck_assert_int_eq(roam_ring_grant(&t.r, 160, &off), ROAM_OK);
    ck_assert_uint_eq(off, 0);
    free(t.mem);
}
END_TEST

START_TEST(undoing_producer)
{
    test_ring_t t;

    /* A producer following the specification's text wraps (watermark = W,
     * write = 0), finds the front too short and undoes it: write = W, then
     * watermark = 0 (or the other way round). Every state it passes
     * through must read right. */
    ring_make(&t, CAP);

    /* Consumer mid-tail: the data [100, 200) is there whatever the state. */
    set_indices(&t, 0, 100, 200);           /* wrapped */
    expect_read(&t, 100, 100);
    set_indices(&t, 200, 100, 200);         /* write restored, watermark not yet cleared */
    expect_read(&t, 100, 100);
    set_indices(&t, 200, 100, 0);           /* undone */
    expect_read(&t, 100, 100);

    /* Consumer at the old write (all read). Mid-undo, write is back at the
     * watermark: no reset (roam's reader would reset and read [0, 200)
     * again), just empty. */
    set_indices(&t, 200, 200, 200);
    expect_empty(&t);
    expect_indices(&t, 200, 200, 200);
    /* Undo done, and new data after the old write. */
    set_indices(&t, 220, 200, 0);
    expect_read(&t, 200, 20);

    /* The other order: watermark cleared first, write still 0. */
    set_indices(&t, 0, 200, 0);
    expect_empty(&t);
    expect_indices(&t, 0, 200, 0);

    /* Release reaching a watermark the producer is undoing: no reset. */
    set_indices(&t, 200, 180, 200);
    ck_assert_int_eq(roam_ring_release(&t.r, 20), ROAM_OK);
    expect_indices(&t, 200, 200, 200);
    free(t.mem);
}
END_TEST

START_TEST(corrupt_indices_refused)
{
    test_ring_t t;
    roam_ring_view_t v;
    uint32_t off, len;

    ring_make(&t, CAP);
    const uint32_t bad[][3] = {
        {CAP + 1, 0, 0}, {0, CAP + 1, 0}, {0, 0, CAP + 1}, {UINT32_MAX, 0, 0}, {10, 5, UINT32_MAX},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_indices(&t, bad[i][0], bad[i][1], bad[i][2]);
        ck_assert_int_eq(roam_ring_read(&t.r, &off, &len), ROAM_E_RING_INDEX);
        ck_assert_int_eq(roam_ring_peek(&t.r, &v), ROAM_E_RING_INDEX);
        if (bad[i][2] > CAP && bad[i][0] <= CAP && bad[i][1] <= CAP)
            continue;   /* the producer does not look at the watermark */
        ck_assert_int_eq(roam_ring_grant(&t.r, 8, &off), ROAM_E_RING_INDEX);
        ck_assert(!roam_ring_can_grant(&t.r, 8));
    }

    /* Commit and release past the capacity. */
    set_indices(&t, CAP - 4, 0, 0);
    ck_assert_int_eq(roam_ring_commit(&t.r, 8), ROAM_E_RING_INDEX);
    ck_assert_int_eq(roam_ring_commit(&t.r, UINT32_MAX), ROAM_E_RING_INDEX);
    ck_assert_int_eq(roam_ring_commit(&t.r, 4), ROAM_OK);
    set_indices(&t, CAP, CAP - 4, 0);
    ck_assert_int_eq(roam_ring_release(&t.r, 8), ROAM_E_RING_INDEX);
    ck_assert_int_eq(roam_ring_release(&t.r, UINT32_MAX), ROAM_E_RING_INDEX);
    free(t.mem);
}
END_TEST

START_TEST(peek_does_not_consume)
{
    test_ring_t t;
    roam_ring_view_t v;

    ring_make(&t, CAP);
    ck_assert_int_eq(roam_ring_peek(&t.r, &v), ROAM_OK);
    ck_assert_uint_eq(v.parts, 0);

    put(&t, 200, 'a');
    ck_assert_int_eq(roam_ring_release(&t.r, 120), ROAM_OK);
    put(&t, 60, 'b');   /* wraps */
    ck_assert_int_eq(roam_ring_peek(&t.r, &v), ROAM_OK);
    ck_assert_uint_eq(v.parts, 2);
    ck_assert_uint_eq(v.part[0].off, 120);
    ck_assert_uint_eq(v.part[0].len, 80);
    ck_assert_uint_eq(v.part[1].off, 0);
    ck_assert_uint_eq(v.part[1].len, 60);
    expect_indices(&t, 60, 120, 200);

    /* Mid-undo states show [read, write) only. */
    set_indices(&t, 200, 100, 200);
    ck_assert_int_eq(roam_ring_peek(&t.r, &v), ROAM_OK);
    ck_assert_uint_eq(v.parts, 1);
    ck_assert_uint_eq(v.part[0].off, 100);
    ck_assert_uint_eq(v.part[0].len, 100);
    free(t.mem);
}
END_TEST

/* A small deterministic generator. */
static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(rng_state >> 33);
}

START_TEST(random_entries_in_order)
{
    /* Entries of random sizes (a 4-byte sequence number, then bytes derived
     * from it) through many wraps; the consumer reads whole entries and
     * checks each against the sequence. Nothing lost, repeated or split. */
    test_ring_t t;
    uint32_t sent = 0, got = 0;
    uint32_t pending_len[64], head = 0, tail = 0;   /* sizes in flight, FIFO */

    ring_make(&t, CAP);
    rng_state = 42;
    while (got < 20000) {
        uint32_t off, len;

        /* Produce while there is room (and the FIFO of sizes has room). */
        if (rng() % 3 != 0 && head - tail < 64) {
            uint32_t n = 4 + 4 * (rng() % 24);

            if (roam_ring_grant(&t.r, n, &off) == ROAM_OK) {
                memcpy(t.r.data + off, &sent, 4);
                for (uint32_t i = 4; i < n; i++)
                    t.r.data[off + i] = (unsigned char)(sent + i);
                test_require_uint_eq(roam_ring_commit(&t.r, n), ROAM_OK);
                pending_len[head++ % 64] = n;
                sent++;
            }
            continue;
        }
        /* Consume one whole entry. */
        if (roam_ring_read(&t.r, &off, &len) != ROAM_OK) {
            test_require_uint_eq(head, tail);
            continue;
        }
        uint32_t n = pending_len[tail++ % 64], seq;

        test_require(len >= n);
        memcpy(&seq, t.r.data + off, 4);
        test_require_uint_eq(seq, got);
        for (uint32_t i = 4; i < n; i++)
            test_require_uint_eq(t.r.data[off + i], (unsigned char)(got + i));
        test_require_uint_eq(roam_ring_release(&t.r, n), ROAM_OK);
        got++;
    }
    ck_assert_uint_gt(t.r.wraps, 100);
    free(t.mem);
}
END_TEST

static Suite *ring_suite(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("ring");

    tcase_add_test(tc, grant_commit_read_release);
    tcase_add_test(tc, full_is_backpressure);
    tcase_add_test(tc, wrap_roam_style);
    tcase_add_test(tc, wrap_left_in_place_unblocks_empty_ring);
    tcase_add_test(tc, undoing_producer);
    tcase_add_test(tc, corrupt_indices_refused);
    tcase_add_test(tc, peek_does_not_consume);
    tcase_add_test(tc, random_entries_in_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(ring_suite());
}
