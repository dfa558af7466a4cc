/*
 * Peer entries under contention: threads race for the same entries, and a
 * validator reads the segment while they change it.
 */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "roam_shm.h"
#include "test_bytes.h"
#include "test_run.h"

#define NTHREADS 8
#define GUESTS 4

static const roam_size_class_t classes[] = {{256, 4}};
static const roam_segment_config_t cfg = {
    .max_guests = GUESTS, .bipbuf_capacity = 256, .num_classes = 1, .classes = classes,
};

typedef struct race {
    unsigned char *seg;
    roam_segment_header_plain_t snap;
    atomic_int go;
    atomic_int stop;
    int won[NTHREADS];          /* entry each thread attached to, -1 if none */
    uint32_t epoch[NTHREADS];
} race_t;

/* What one racing thread gets: the race and its own number. */
typedef struct racer {
    race_t *r;
    int id;
} racer_t;

/* A fresh segment for the race. */
static void race_init(race_t *r, size_t *len)
{
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    *len = l.total_size;
    r->seg = tb_alloc_segment(l.total_size);
    ck_assert_int_eq(roam_segment_init(r->seg, l.total_size, &cfg, NULL), ROAM_OK);
    ck_assert_int_eq(roam_segment_validate(r->seg, l.total_size, &r->snap, NULL), ROAM_OK);
    atomic_init(&r->go, 0);
    atomic_init(&r->stop, 0);
}

/* The first Empty entry this thread can attach to, like a guest does. */
static void *attach_any(void *arg)
{
    const racer_t *me = arg;
    race_t *r = me->r;

    /* Start together, so that the attaches really contend. */
    while (!atomic_load_explicit(&r->go, memory_order_acquire))
        ;
    r->won[me->id] = -1;
    for (uint32_t i = 0; i < GUESTS; i++) {
        roam_peer_entry_t *p = roam_segment_peer(r->seg, &r->snap, i);

        if (roam_peer_attach(p, NULL, &r->epoch[me->id]) == ROAM_OK) {
            r->won[me->id] = (int)i;
            break;
        }
    }
    return NULL;
}

START_TEST(attach_race)
{
    static race_t r;
    pthread_t t[NTHREADS];
    racer_t who[NTHREADS];
    int owners[GUESTS] = {0};
    size_t len;
    int winners = 0;

    race_init(&r, &len);
    for (int i = 0; i < NTHREADS; i++) {
        who[i] = (racer_t){&r, i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, attach_any, &who[i]), 0);
    }
    atomic_store_explicit(&r.go, 1, memory_order_release);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);

    /* Every entry has exactly one owner; the other threads found none. */
    for (int i = 0; i < NTHREADS; i++) {
        if (r.won[i] < 0)
            continue;
        winners++;
        owners[r.won[i]]++;
        ck_assert_uint_eq(r.epoch[i], 1);
    }
    ck_assert_int_eq(winners, GUESTS);
    for (int g = 0; g < GUESTS; g++)
        ck_assert_int_eq(owners[g], 1);
    ck_assert_int_eq(roam_segment_validate(r.seg, len, NULL, NULL), ROAM_OK);
    free(r.seg);
}
END_TEST

/* Cycle one entry through its states until told to stop. */
static void *churn(void *arg)
{
    race_t *r = arg;
    roam_peer_entry_t *p = roam_segment_peer(r->seg, &r->snap, 0);
    uint64_t now = 1;

    while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
        if (roam_peer_attach(p, NULL, NULL) == ROAM_OK) {
            roam_peer_heartbeat(p, now++);
            roam_peer_goodbye(p);
            roam_peer_reset(p);
        }
        if (roam_peer_reserve(p, NULL, NULL) == ROAM_OK)
            (void)roam_peer_release(p, NULL);
    }
    return NULL;
}

START_TEST(validate_while_peers_change)
{
    static race_t r;
    pthread_t t;
    size_t len;

    race_init(&r, &len);
    roam_peer_entry_t *p = roam_segment_peer(r.seg, &r.snap, 0);
    uint32_t epoch;

    ck_assert_int_eq(pthread_create(&t, NULL, churn, &r), 0);
    /* Let the churn get going, then validate while it runs: every state
     * the entry passes through is a valid one. */
    while (roam_peer_entry_load_epoch(p) == 0)
        sched_yield();
    for (int i = 0; i < 2000; i++)
        ck_assert_int_eq(roam_segment_validate(r.seg, len, NULL, NULL), ROAM_OK);
    epoch = roam_peer_entry_load_epoch(p);
    atomic_store_explicit(&r.stop, 1, memory_order_release);
    pthread_join(t, NULL);
    ck_assert_uint_ge(roam_peer_entry_load_epoch(p), epoch);
    ck_assert_int_eq(roam_segment_validate(r.seg, len, NULL, NULL), ROAM_OK);
    free(r.seg);
}
END_TEST

static Suite *peer_threads_suite(void)
{
    Suite *s = suite_create("peer_threads");
    TCase *tc = tcase_create("contention");

    tcase_add_test(tc, attach_race);
    tcase_add_test(tc, validate_while_peers_change);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(peer_threads_suite());
}
