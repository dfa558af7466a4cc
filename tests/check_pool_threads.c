/*
 * The var-slot pool under contention: threads allocate and free slots of
 * one small pool at once (also run under ThreadSanitizer). No slot is ever
 * handed to two holders, no free is lost, and every slot is back on its
 * free list at the end. Racing frees of one handle: exactly one wins.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "roam_data.h"
#include "roam_segment.h"
#include "test_bytes.h"
#include "test_run.h"

#define THREADS 4
#define HOLD 3   /* slots each thread holds at once */
#define EXHAUST_WAIT_NS 10000000000u   /* at most 10 s more for the pool to run dry */

static const roam_size_class_t k_classes[] = {{64, 5}, {256, 3}};

typedef struct shared_pool {
    unsigned char *buf;
    roam_pool_t pool;
    uint32_t rounds;
    /* Exhaustions seen by all threads: they go on past rounds until there
     * is one (or a few seconds pass), however the machine schedules them. */
    _Atomic uint64_t exhausted;
} shared_pool_t;

typedef struct worker {
    shared_pool_t *sp;
    uint32_t id;
    uint64_t allocs, exhausted;
    int failures;
} worker_t;

static void make_pool(shared_pool_t *sp, uint32_t rounds)
{
    roam_segment_config_t cfg = {
        .max_guests = THREADS,
        .bipbuf_capacity = 64,
        .max_payload_size = 256,
        .inline_threshold = 64,   /* no more inline than a 64-byte ring carries */
        .num_classes = 2,
        .classes = k_classes,
    };
    roam_segment_header_plain_t snap;
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    sp->buf = tb_alloc_segment((size_t)l.total_size);
    ck_assert_int_eq(roam_segment_init(sp->buf, (size_t)l.total_size, &cfg, NULL), ROAM_OK);
    ck_assert_int_eq(roam_segment_validate(sp->buf, (size_t)l.total_size, &snap, NULL), ROAM_OK);
    ck_assert_int_eq(roam_pool_bind(&sp->pool, sp->buf, (size_t)l.total_size, &snap, NULL), ROAM_OK);
    sp->rounds = rounds;
    atomic_init(&sp->exhausted, 0);
}

/* Allocate up to HOLD slots, stamp each with our id, check the stamps are
 * still ours, free them; repeat. */
static void *churn(void *arg)
{
    worker_t *w = arg;
    const roam_pool_t *p = &w->sp->pool;

    uint64_t deadline = roam_clock_now_ns() + EXHAUST_WAIT_NS;

    for (uint32_t r = 0; r < w->sp->rounds ||
                         (atomic_load_explicit(&w->sp->exhausted, memory_order_relaxed) == 0 &&
                          roam_clock_now_ns() < deadline);
         r++) {
        roam_slot_t held[HOLD];
        int n = 0;

        for (int k = 0; k < HOLD; k++) {
            roam_err_t err = roam_pool_alloc(p, 1 + (r + (uint32_t)k) % 200, w->id, &held[n]);

            if (err == ROAM_E_POOL_EXHAUSTED) {
                w->exhausted++;
                atomic_fetch_add_explicit(&w->sp->exhausted, 1, memory_order_relaxed);
                continue;
            }
            if (err != ROAM_OK) {
                w->failures++;
                continue;
            }
            memset(roam_pool_slot(p, held[n], NULL), (int)w->id, 64);
            w->allocs++;
            n++;
        }
        for (int k = 0; k < n; k++) {
            unsigned char *b = roam_pool_slot(p, held[k], NULL);

            if (b[0] != w->id || b[63] != w->id || roam_pool_owner(p, held[k]) != w->id)
                w->failures++;
            if (roam_pool_free(p, held[k], NULL) != ROAM_OK)
                w->failures++;
        }
    }
    return NULL;
}

START_TEST(concurrent_alloc_free)
{
    shared_pool_t sp;
    worker_t w[THREADS];
    pthread_t th[THREADS];
    uint64_t allocs = 0, exhausted = 0;

    make_pool(&sp, 20000);
    for (uint32_t i = 0; i < THREADS; i++) {
        w[i] = (worker_t){&sp, i + 1, 0, 0, 0};
        ck_assert_int_eq(pthread_create(&th[i], NULL, churn, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(w[i].failures, 0);
        allocs += w[i].allocs;
        exhausted += w[i].exhausted;
    }
    /* 8 slots among 4 threads that want 3 each: the pool ran dry. */
    ck_assert_uint_gt(allocs, 0);
    ck_assert_uint_gt(exhausted, 0);
    for (uint32_t c = 0; c < 2; c++) {
        uint32_t n;

        ck_assert_int_eq(roam_pool_count_free(&sp.pool, c, &n), ROAM_OK);
        ck_assert_uint_eq(n, k_classes[c].slot_count);
    }
    free(sp.buf);
}
END_TEST

#define RACE_ROUNDS 2000

/* Two threads that, each round, free the same handle at the same moment
 * (the main thread allocates it between two barriers). */
typedef struct race {
    const roam_pool_t *pool;
    pthread_barrier_t start, done;
    roam_slot_t slot;
    roam_err_t result[2];
} race_t;

typedef struct racer {
    race_t *race;
    int id;
} racer_t;

static void *free_each_round(void *arg)
{
    racer_t *r = arg;
    race_t *race = r->race;

    for (int round = 0; round < RACE_ROUNDS; round++) {
        pthread_barrier_wait(&race->start);
        race->result[r->id] = roam_pool_free(race->pool, race->slot, NULL);
        pthread_barrier_wait(&race->done);
    }
    return NULL;
}

START_TEST(racing_double_free)
{
    shared_pool_t sp;
    race_t race;
    racer_t r[2];
    pthread_t th[2];

    make_pool(&sp, 0);
    race.pool = &sp.pool;
    pthread_barrier_init(&race.start, NULL, 3);
    pthread_barrier_init(&race.done, NULL, 3);
    for (int i = 0; i < 2; i++) {
        r[i] = (racer_t){&race, i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, free_each_round, &r[i]), 0);
    }
    for (int round = 0; round < RACE_ROUNDS; round++) {
        int won = 0;

        test_require_uint_eq(roam_pool_alloc(&sp.pool, 1, 0, &race.slot), ROAM_OK);
        race.result[0] = race.result[1] = ROAM_E_INVALID;
        pthread_barrier_wait(&race.start);   /* both free it now */
        pthread_barrier_wait(&race.done);
        for (int i = 0; i < 2; i++) {
            test_require(race.result[i] == ROAM_OK || race.result[i] == ROAM_E_SLOT_STALE);
            won += race.result[i] == ROAM_OK;
        }
        test_require_uint_eq(won, 1);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&race.start);
    pthread_barrier_destroy(&race.done);
    for (uint32_t c = 0; c < 2; c++) {
        uint32_t n;

        ck_assert_int_eq(roam_pool_count_free(&sp.pool, c, &n), ROAM_OK);
        ck_assert_uint_eq(n, k_classes[c].slot_count);
    }
    free(sp.buf);
}
END_TEST

static Suite *pool_threads_suite(void)
{
    Suite *s = suite_create("pool_threads");
    TCase *tc = tcase_create("threads");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, concurrent_alloc_free);
    tcase_add_test(tc, racing_double_free);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(pool_threads_suite());
}
