/*
 * Message ports in one process: routing, copy and fill-in-place sends,
 * views that live until done, backpressure codes for a full ring and an
 * exhausted pool, malformed slot references and mmap references from the
 * peer, a departed peer, the doorbell, and following a remap.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_util.h"
#include "roam_port.h"
#include "test_bytes.h"
#include "test_run.h"

static const roam_size_class_t k_classes[] = {{1024, 4}, {4096, 2}};

typedef struct pair {
    char dir[256], path[300];
    roam_segment_t host, guest;
    roam_port_t hp, gp;
    uint32_t index;
    int fds[2];
} pair_t;

/* A host and a guest handle over one mapping, their ports open. */
static void pair_open(pair_t *t, uint32_t capacity, unsigned flags, bool doorbell)
{
    roam_segment_config_t cfg = {
        .max_guests = 2,
        .bipbuf_capacity = capacity,
        .max_payload_size = 8000,
        .num_classes = 2,
        .classes = k_classes,
    };
    roam_diag_t d;

    ck_assert(proc_tmpdir_make(t->dir, sizeof t->dir));
    proc_path(t->path, sizeof t->path, t->dir, "seg");
    ck_assert_int_eq(roam_segment_create(&t->host, t->path, &cfg, &d), ROAM_OK);
    ck_assert_int_eq(roam_host_reserve(&t->host, &t->index, NULL, &d), ROAM_OK);
    t->guest = t->host;
    t->guest.is_host = false;
    t->guest.peer_index = ROAM_NO_PEER;
    ck_assert_int_eq(roam_guest_claim(&t->guest, t->index, NULL, &d), ROAM_OK);
    t->fds[0] = t->fds[1] = -1;
    if (doorbell)
        ck_assert_int_eq(roam_doorbell_pair(t->fds, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&t->hp, &t->host, t->index, t->fds[0], flags, &d), ROAM_OK);
    ck_assert_int_eq(roam_port_open(&t->gp, &t->guest, t->index, t->fds[1], flags, &d), ROAM_OK);
}

static void pair_close(pair_t *t)
{
    for (int i = 0; i < 2; i++)
        if (t->fds[i] >= 0)
            close(t->fds[i]);
    roam_segment_close(&t->host);   /* the guest handle shares its mapping */
    roam_segment_unlink(t->path, NULL);
    proc_tmpdir_remove(t->dir);
}

/* Receive one message on p and expect it to hold len bytes of value v. */
static void expect_msg(roam_port_t *p, uint32_t len, int v, roam_frame_kind_t kind)
{
    roam_rx_t m;

    ck_assert_int_eq(roam_port_recv(p, &m), ROAM_OK);
    ck_assert_int_eq(m.kind, kind);
    ck_assert_uint_eq(m.len, len);
    for (uint32_t i = 0; i < len; i++)
        ck_assert_int_eq(m.data[i], v);
    ck_assert_int_eq(roam_port_done(p, &m), ROAM_OK);
}

/* Receive one message on p and expect it to be text. */
static void expect_text(roam_port_t *p, const char *text)
{
    roam_rx_t m;

    ck_assert_int_eq(roam_port_recv(p, &m), ROAM_OK);
    ck_assert_uint_eq(m.len, strlen(text));
    ck_assert(memcmp(m.data, text, m.len) == 0);
    ck_assert_int_eq(roam_port_done(p, &m), ROAM_OK);
}

START_TEST(route_and_send_both_ways)
{
    pair_t t;
    char buf[8000];
    roam_rx_t m;

    pair_open(&t, 4096, 0, false);
    ck_assert_int_eq(roam_port_route(&t.hp, 256), ROAM_FRAME_INLINE);
    ck_assert_int_eq(roam_port_route(&t.hp, 257), ROAM_FRAME_SLOT_REF);
    ck_assert_int_eq(roam_port_route(&t.hp, 4092), ROAM_FRAME_SLOT_REF);
    ck_assert_int_eq(roam_port_route(&t.hp, 4093), ROAM_FRAME_MMAP_REF);
    ck_assert_int_eq(roam_port_route(&t.hp, 8001), ROAM_FRAME_REFUSED);

    /* Host to guest and back, each kind; the slot arrives without its prefix. */
    memset(buf, 'i', 256);
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 256), ROAM_OK);
    memset(buf, 's', 4092);
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 4092), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 0), ROAM_OK);
    expect_msg(&t.gp, 256, 'i', ROAM_FRAME_INLINE);
    expect_msg(&t.gp, 4092, 's', ROAM_FRAME_SLOT_REF);
    expect_msg(&t.gp, 0, 0, ROAM_FRAME_INLINE);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_EMPTY);

    memset(buf, 'g', 1000);
    ck_assert_int_eq(roam_port_send(&t.gp, buf, 1000), ROAM_OK);
    expect_msg(&t.hp, 1000, 'g', ROAM_FRAME_SLOT_REF);
    ck_assert_uint_eq(t.hp.stats.sent_inline, 2);
    ck_assert_uint_eq(t.hp.stats.sent_slot, 1);
    ck_assert_uint_eq(t.gp.stats.received_slot, 1);

    /* Too large for any slot, or for the segment. */
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 4093), ROAM_E_MMAP_REF);
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 8001), ROAM_E_TOO_LARGE);
    pair_close(&t);
}
END_TEST

START_TEST(fill_in_place)
{
    pair_t t;
    roam_tx_t a, b, c;
    roam_rx_t m;

    pair_open(&t, 4096, 0, false);
    /* Slots: two reserved at once, committed in reverse order. */
    ck_assert_int_eq(roam_port_reserve(&t.hp, 3000, &a), ROAM_OK);
    ck_assert_int_eq(roam_port_reserve(&t.hp, 500, &b), ROAM_OK);
    ck_assert_int_eq(a.kind, ROAM_FRAME_SLOT_REF);
    memset(a.data, 'A', 3000);
    memset(b.data, 'B', 500);
    ck_assert_int_eq(roam_port_commit(&t.hp, &b), ROAM_OK);
    ck_assert_int_eq(roam_port_commit(&t.hp, &a), ROAM_OK);
    ck_assert_int_eq(roam_port_commit(&t.hp, &a), ROAM_E_INVALID);   /* sent already */

    /* Inline: the entry itself; nothing else is sent until it is committed. */
    ck_assert_int_eq(roam_port_reserve(&t.hp, 100, &c), ROAM_OK);
    ck_assert_int_eq(c.kind, ROAM_FRAME_INLINE);
    ck_assert_int_eq(roam_port_send(&t.hp, "x", 1), ROAM_E_INVALID);
    ck_assert_int_eq(roam_port_reserve(&t.hp, 1000, &a), ROAM_E_INVALID);
    memset(c.data, 'C', 100);
    ck_assert_int_eq(roam_port_commit(&t.hp, &c), ROAM_OK);

    expect_msg(&t.gp, 500, 'B', ROAM_FRAME_SLOT_REF);
    expect_msg(&t.gp, 3000, 'A', ROAM_FRAME_SLOT_REF);
    expect_msg(&t.gp, 100, 'C', ROAM_FRAME_INLINE);

    /* Cancelled: nothing is sent, the slot is free again. */
    ck_assert_int_eq(roam_port_reserve(&t.hp, 30, &c), ROAM_OK);
    roam_port_cancel(&t.hp, &c);
    ck_assert_int_eq(roam_port_reserve(&t.hp, 3000, &a), ROAM_OK);
    roam_port_cancel(&t.hp, &a);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_EMPTY);
    ck_assert_int_eq(roam_pool_check(&t.hp.pool, a.slot), ROAM_E_SLOT_STALE);
    pair_close(&t);
}
END_TEST

START_TEST(views_live_until_done)
{
    pair_t t;
    roam_rx_t m, m2;

    pair_open(&t, 4096, 0, false);
    ck_assert_int_eq(roam_port_send(&t.hp, "first", 5), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&t.hp, "second", 6), ROAM_OK);

    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_OK);
    /* One at a time; the view still reads "first". */
    ck_assert_int_eq(roam_port_recv(&t.gp, &m2), ROAM_E_INVALID);
    ck_assert(memcmp(m.data, "first", 5) == 0);
    /* The entry stays in the ring until done. */
    ck_assert_uint_eq(roam_bipbuf_header_load_read(t.gp.rx.hdr), 0);
    ck_assert_int_eq(roam_port_done(&t.gp, &m), ROAM_OK);
    ck_assert_int_eq(roam_port_done(&t.gp, &m), ROAM_E_INVALID);
    expect_text(&t.gp, "second");
    pair_close(&t);
}
END_TEST

START_TEST(backpressure_codes)
{
    pair_t t;
    char buf[3000];
    roam_tx_t held[6], extra;
    int n = 0;
    roam_err_t err;

    /* A 1 KiB ring: inline messages fill it. */
    pair_open(&t, 1024, 0, false);
    memset(buf, 'r', sizeof buf);
    while ((err = roam_port_send(&t.hp, buf, 200)) == ROAM_OK)
        n++;
    ck_assert_int_eq(err, ROAM_E_RING_FULL);
    ck_assert(roam_err_is_backpressure(err));
    ck_assert_int_eq(n, 4);   /* 208-byte entries */
    ck_assert_uint_eq(t.hp.stats.ring_full, 1);
    for (int i = 0; i < n; i++)
        expect_msg(&t.gp, 200, 'r', ROAM_FRAME_INLINE);

    /* Every slot taken: the pool is exhausted, not an error. */
    for (n = 0; n < 6; n++)
        ck_assert_int_eq(roam_port_reserve(&t.hp, 1000, &held[n]), ROAM_OK);
    err = roam_port_reserve(&t.hp, 1000, &extra);
    ck_assert_int_eq(err, ROAM_E_POOL_EXHAUSTED);
    ck_assert(roam_err_is_backpressure(err));
    ck_assert_uint_eq(roam_port_wait_for(err), ROAM_PORT_WAIT_SLOT);
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 300), ROAM_E_POOL_EXHAUSTED);
    for (n = 0; n < 6; n++)
        roam_port_cancel(&t.hp, &held[n]);
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 300), ROAM_OK);

    /* A slot reserved while the ring is full: commit says so and keeps it. */
    while (roam_port_send(&t.hp, buf, 8) == ROAM_OK)
        ;
    ck_assert_int_eq(roam_port_reserve(&t.hp, 2000, &extra), ROAM_OK);
    memset(extra.data, 'k', 2000);
    ck_assert_int_eq(roam_port_commit(&t.hp, &extra), ROAM_E_RING_FULL);
    expect_msg(&t.gp, 300, 'r', ROAM_FRAME_SLOT_REF);
    expect_msg(&t.gp, 8, 'r', ROAM_FRAME_INLINE);
    ck_assert_int_eq(roam_port_commit(&t.hp, &extra), ROAM_OK);
    pair_close(&t);
}
END_TEST

/* Publish raw bytes as one entry on the host's outgoing ring. */
static void put_raw(pair_t *t, const void *entry, uint32_t len)
{
    uint32_t off;

    ck_assert_int_eq(roam_ring_grant(&t->hp.tx, len, &off), ROAM_OK);
    memcpy(t->hp.tx.data + off, entry, len);
    ck_assert_int_eq(roam_ring_commit(&t->hp.tx, len), ROAM_OK);
}

START_TEST(malformed_from_peer)
{
    pair_t t;
    unsigned char e[ROAM_MMAP_REF_ENTRY_SIZE];
    roam_slot_t s;
    roam_mmap_ref_t mm;
    roam_rx_t m;

    pair_open(&t, 4096, 0, false);
    /* A slot reference to a slot that does not exist: consumed, reported. */
    s = (roam_slot_t){9, 0, 0, 1};
    roam_frame_put_slot_ref(e, s);
    put_raw(&t, e, ROAM_SLOT_REF_ENTRY_SIZE);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_SLOT_REF);

    /* A stale generation: the slot is free. */
    s = (roam_slot_t){0, 0, 1, 5};
    roam_frame_put_slot_ref(e, s);
    put_raw(&t, e, ROAM_SLOT_REF_ENTRY_SIZE);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_SLOT_STALE);

    /* A slot without roam's length prefix ("hello" read as a length):
     * consumed and freed, as roam's receiver does. */
    ck_assert_int_eq(roam_pool_alloc(&t.hp.pool, 10, 0, &s), ROAM_OK);
    memcpy(roam_pool_slot(&t.hp.pool, s, NULL), "hello", 5);
    roam_frame_put_slot_ref(e, s);
    put_raw(&t, e, ROAM_SLOT_REF_ENTRY_SIZE);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_SLOT_LEN);
    ck_assert_int_eq(roam_pool_check(&t.hp.pool, s), ROAM_E_SLOT_STALE);

    /* An mmap reference: consumed, handed over, not mapped here. */
    memset(&mm, 0, sizeof mm);
    roam_mmap_ref_set_map_id(&mm, 4);
    roam_mmap_ref_set_payload_len(&mm, 100000);
    roam_frame_put_mmap_ref(e, &mm);
    put_raw(&t, e, ROAM_MMAP_REF_ENTRY_SIZE);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_MMAP_REF);
    ck_assert_int_eq(m.kind, ROAM_FRAME_MMAP_REF);
    ck_assert_uint_eq(roam_mmap_ref_map_id(&m.mmap), 4);
    ck_assert_uint_eq(roam_mmap_ref_payload_len(&m.mmap), 100000);

    /* The stream goes on after each of them. */
    ck_assert_int_eq(roam_port_send(&t.hp, "ok", 2), ROAM_OK);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_OK);
    ck_assert(memcmp(m.data, "ok", 2) == 0);
    ck_assert_int_eq(roam_port_done(&t.gp, &m), ROAM_OK);

    /* A malformed header cannot be skipped: it stays and is reported. */
    memset(e, 0, sizeof e);
    e[0] = 6;   /* total_len 6 */
    put_raw(&t, e, 8);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_FRAME_LEN);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_FRAME_LEN);
    pair_close(&t);
}
END_TEST

START_TEST(roam_inline_without_length)
{
    pair_t t;
    unsigned char e[16] = {16, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0};
    roam_rx_t m;

    /* An older writer's entry (inline length 0): the payload is everything. */
    pair_open(&t, 4096, 0, false);
    put_raw(&t, e, sizeof e);
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_OK);
    ck_assert_uint_eq(m.len, 8);
    ck_assert(memcmp(m.data, "hello\0\0\0", 8) == 0);
    ck_assert_int_eq(roam_port_done(&t.gp, &m), ROAM_OK);
    pair_close(&t);
}
END_TEST

START_TEST(peer_gone)
{
    pair_t t;
    roam_rx_t m;
    roam_diag_t d;

    pair_open(&t, 4096, 0, false);
    ck_assert(roam_port_peer_alive(&t.hp));
    ck_assert(roam_port_peer_alive(&t.gp));
    ck_assert_int_eq(roam_port_send(&t.gp, "last words", 10), ROAM_OK);

    /* The guest leaves: the host still reads what it sent, then is told. */
    ck_assert_int_eq(roam_guest_detach(&t.guest, &d), ROAM_OK);
    ck_assert(!roam_port_peer_alive(&t.hp));
    ck_assert_int_eq(roam_port_send(&t.hp, "x", 1), ROAM_E_PEER_GONE);
    ck_assert_int_eq(roam_port_recv(&t.hp, &m), ROAM_OK);
    ck_assert_int_eq(roam_port_done(&t.hp, &m), ROAM_OK);
    ck_assert_int_eq(roam_port_recv(&t.hp, &m), ROAM_E_PEER_GONE);
    ck_assert_int_eq(roam_port_recv_wait(&t.hp, &m, 1000), ROAM_E_PEER_GONE);

    /* Host goodbye: gone for the guest side too. */
    roam_host_goodbye(&t.host);
    ck_assert(!roam_port_peer_alive(&t.gp));
    ck_assert_int_eq(roam_port_recv(&t.gp, &m), ROAM_E_PEER_GONE);
    pair_close(&t);
}
END_TEST

START_TEST(blocking_and_doorbell)
{
    pair_t t;
    roam_rx_t m;
    char buf[600];

    pair_open(&t, 1024, 0, true);
    ck_assert_int_eq(roam_port_fd(&t.hp), t.fds[0]);

    /* Nothing to read: the wait times out. */
    ck_assert_int_eq(roam_port_recv_wait(&t.gp, &m, 20), ROAM_E_TIMEOUT);

    /* A send rings the guest's end. */
    ck_assert_int_eq(roam_port_send(&t.hp, "ding", 4), ROAM_OK);
    ck_assert_int_eq(roam_doorbell_wait(t.fds[1], 1000), ROAM_OK);
    ck_assert_int_eq(roam_doorbell_wait(t.fds[1], 0), ROAM_E_TIMEOUT);   /* drained */
    ck_assert_int_eq(roam_port_recv_wait(&t.gp, &m, 1000), ROAM_OK);
    ck_assert_int_eq(roam_port_done(&t.gp, &m), ROAM_OK);
    /* Consuming rang the host's end (room for a waiting sender). */
    ck_assert_int_eq(roam_doorbell_wait(t.fds[0], 1000), ROAM_OK);

    /* A full ring: send_wait times out, then succeeds once there is room. */
    memset(buf, 'w', sizeof buf);
    ck_assert_int_eq(roam_port_send(&t.hp, buf, 200), ROAM_OK);
    while (roam_port_send(&t.hp, buf, 200) == ROAM_OK)
        ;
    ck_assert_int_eq(roam_port_send_wait(&t.hp, buf, 200, 20), ROAM_E_TIMEOUT);
    expect_msg(&t.gp, 200, 'w', ROAM_FRAME_INLINE);
    ck_assert_int_eq(roam_port_send_wait(&t.hp, buf, 200, 1000), ROAM_OK);
    ck_assert_int_eq(roam_port_wait(&t.gp, ROAM_PORT_WAIT_MESSAGE, 0), ROAM_OK);

    /* The other end closed: hang-up. */
    close(t.fds[1]);
    t.fds[1] = -1;
    ck_assert_int_eq(roam_doorbell_wait(t.fds[0], 1000), ROAM_E_PEER_GONE);
    ck_assert_int_eq(roam_doorbell_ring(t.fds[0]), ROAM_E_PEER_GONE);
    pair_close(&t);
}
END_TEST

START_TEST(follows_growth)
{
    pair_t t;
    roam_diag_t d;
    void *before;

    pair_open(&t, 4096, 0, false);
    ck_assert_int_eq(roam_port_send(&t.hp, "before", 6), ROAM_OK);
    before = t.host.base;
    /* Grow well past the mapping: it may move; both ports follow. */
    ck_assert_int_eq(roam_segment_grow(&t.host, t.host.map_len * 64, &d), ROAM_OK);
    t.guest.base = t.host.base;
    t.guest.map_len = t.host.map_len;
    (void)before;
    expect_text(&t.gp, "before");
    ck_assert_int_eq(roam_port_send(&t.hp, "after", 5), ROAM_OK);
    ck_assert_int_eq(roam_port_send(&t.gp, "reply", 5), ROAM_OK);
    expect_text(&t.gp, "after");
    expect_text(&t.hp, "reply");
    ck_assert(t.hp.base == t.host.base && t.gp.base == t.host.base);
    pair_close(&t);
}
END_TEST

static Suite *port_suite(void)
{
    Suite *s = suite_create("port");
    TCase *tc = tcase_create("port");

    tcase_add_test(tc, route_and_send_both_ways);
    tcase_add_test(tc, fill_in_place);
    tcase_add_test(tc, views_live_until_done);
    tcase_add_test(tc, backpressure_codes);
    tcase_add_test(tc, malformed_from_peer);
    tcase_add_test(tc, roam_inline_without_length);
    tcase_add_test(tc, peer_gone);
    tcase_add_test(tc, blocking_and_doorbell);
    tcase_add_test(tc, follows_growth);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(port_suite());
}
