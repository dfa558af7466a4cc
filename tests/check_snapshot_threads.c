/*
 * Snapshot safety: a header that changes while it is validated.
 *
 * One thread rewrites a shared header word by word (atomic 64-bit stores),
 * alternating valid images with corrupted ones; another validates it in a
 * loop. Consecutive images differ in one word, and every corruption breaks
 * a rule on its own, so a snapshot that passes validation must be one of
 * the valid images: any other accepted snapshot means validation looked at
 * the shared bytes more than once.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "roam_shm.h"
#include "test_run.h"

#define WORDS (ROAM_SEGMENT_HEADER_SIZE / 8)
#define RUN_NS 700000000u          /* how long the reader validates */
#define VARIANT_WORD (offsetof(roam_segment_header_t, heartbeat_interval) / 8)
#define NUM_VARIANTS 8

_Static_assert(ROAM_SEGMENT_HEADER_SIZE % 8 == 0, "the header is whole words");

/* One corrupted word: on its own it breaks `rule`. */
typedef struct corruption {
    size_t word;
    uint64_t value;
    roam_err_t rule;
} corruption_t;

static _Alignas(64) _Atomic uint64_t g_shared[WORDS];
static uint64_t g_base[WORDS];           /* valid image, variant 0 */
static uint64_t g_variant[NUM_VARIANTS]; /* values of VARIANT_WORD */
static corruption_t g_bad[16];
static size_t g_num_bad;
static _Atomic int g_stop;

/* The valid image: a real header as roam_header_init writes it. */
static void build_images(void)
{
    roam_segment_header_t h;
    const roam_header_params_t p = {
        .total_size = 8512,
        .max_payload_size = 4096,
        .inline_threshold = 0,
        .max_guests = 3,
        .bipbuf_capacity = 256,
        .peer_table_offset = 128,
        .var_pool_offset = 2624,
        .heartbeat_interval = 1000,
        .num_var_slot_classes = 2,
    };
    size_t n = 0;

    memset(&h, 0, sizeof h);
    roam_header_init(&h, &p);
    ck_assert_int_eq(roam_header_check(&h), ROAM_OK);
    memcpy(g_base, &h, sizeof g_base);
    for (size_t v = 0; v < NUM_VARIANTS; v++)
        g_variant[v] = 1000 * (v + 1);

    /* Word by word (little-endian): each breaks one rule, whatever the
     * other words hold among the values written here. */
    g_bad[n++] = (corruption_t){0, g_base[0] ^ ((uint64_t)0xff << 56), ROAM_E_BAD_MAGIC};
    g_bad[n++] = (corruption_t){1, ((uint64_t)128 << 32) | 6, ROAM_E_VERSION};
    g_bad[n++] = (corruption_t){1, ((uint64_t)64 << 32) | 7, ROAM_E_HEADER_SIZE};
    g_bad[n++] = (corruption_t){2, 64, ROAM_E_TOTAL_SIZE};
    g_bad[n++] = (corruption_t){2, 8512 + 64, ROAM_E_CURRENT_SIZE};
    g_bad[n++] = (corruption_t){4, ((uint64_t)256 << 32) | 300, ROAM_E_MAX_GUESTS};
    g_bad[n++] = (corruption_t){5, 130, ROAM_E_PEER_TABLE_ALIGN};
    g_bad[n++] = (corruption_t){5, 0, ROAM_E_PEER_TABLE_BOUNDS};
    g_bad[n++] = (corruption_t){6, 2624 + 1, ROAM_E_VAR_POOL_ALIGN};
    g_bad[n++] = (corruption_t){8, 0, ROAM_E_NO_CLASSES};
    g_bad[n++] = (corruption_t){9, 8512 - 64, ROAM_E_CURRENT_SIZE};
    g_bad[n++] = (corruption_t){10, 1, ROAM_E_RESERVED};
    g_bad[n++] = (corruption_t){15, (uint64_t)1 << 63, ROAM_E_RESERVED};
    g_num_bad = n;

    /* Each corruption alone is rejected with its rule. */
    for (size_t i = 0; i < n; i++) {
        uint64_t img[WORDS];
        roam_segment_header_plain_t snap;

        memcpy(img, g_base, sizeof img);
        img[g_bad[i].word] = g_bad[i].value;
        ck_assert_int_eq(roam_header_validate(img, sizeof img, 0, &snap), g_bad[i].rule);
    }
}

/* One word of the shared header. Relaxed: the reader's validation orders
 * nothing else by these stores; atomic so that each word is whole. */
static void put(size_t word, uint64_t v)
{
    atomic_store_explicit(&g_shared[word], v, memory_order_relaxed);
}

/* Writer: every step changes one word, so the shared bytes always hold
 * one of the images built above. */
static void *writer(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        for (size_t v = 0; v < NUM_VARIANTS; v++) {
            put(VARIANT_WORD, g_variant[v]);
            for (size_t i = 0; i < g_num_bad; i++) {
                put(g_bad[i].word, g_bad[i].value);
                put(g_bad[i].word, g_base[g_bad[i].word]);
            }
        }
    }
    return NULL;
}

/* An accepted snapshot: passes the rules again, and is a valid image. */
static bool is_valid_image(const roam_segment_header_plain_t *snap, char *why, size_t len)
{
    uint64_t w[WORDS];
    bool variant_ok = false;

    if (roam_header_check(snap) != ROAM_OK) {
        snprintf(why, len, "re-check: %s", roam_errname(roam_header_check(snap)));
        return false;
    }
    memcpy(w, snap, sizeof w);
    for (size_t i = 0; i < WORDS; i++) {
        if (i != VARIANT_WORD && w[i] != g_base[i]) {
            snprintf(why, len, "word %zu is %#llx, no valid image has it", i,
                     (unsigned long long)w[i]);
            return false;
        }
    }
    for (size_t v = 0; v < NUM_VARIANTS; v++)
        variant_ok |= w[VARIANT_WORD] == g_variant[v];
    if (!variant_ok)
        snprintf(why, len, "heartbeat_interval %llu was never written",
                 (unsigned long long)w[VARIANT_WORD]);
    return variant_ok;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

START_TEST(test_snapshot_under_writes)
{
    uint64_t accepted = 0, rejected = 0, end;
    pthread_t th;
    char why[160] = "";
    bool ok = true;

    build_images();
    for (size_t i = 0; i < WORDS; i++)
        put(i, g_base[i]);
    put(VARIANT_WORD, g_variant[0]);
    atomic_store_explicit(&g_stop, 0, memory_order_relaxed);
    ck_assert_int_eq(pthread_create(&th, NULL, writer, NULL), 0);

    /* Validate in a loop; keep the first violation. */
    end = now_ns() + RUN_NS;
    while (ok && now_ns() < end) {
        for (int i = 0; i < 256 && ok; i++) {
            roam_segment_header_plain_t snap;
            roam_err_t err = roam_header_validate((const void *)g_shared, sizeof g_shared, 0, &snap);

            if (err == ROAM_OK) {
                accepted++;
                ok = is_valid_image(&snap, why, sizeof why);
            } else {
                rejected++;
                if (err == ROAM_E_TRUNCATED) {
                    snprintf(why, sizeof why, "%s", roam_errname(err));
                    ok = false;
                }
            }
        }
    }

    atomic_store_explicit(&g_stop, 1, memory_order_relaxed);
    pthread_join(th, NULL);
    printf("snapshot: %llu accepted, %llu rejected\n", (unsigned long long)accepted,
           (unsigned long long)rejected);
    ck_assert_msg(ok, "accepted snapshot %llu is not a valid image: %s",
                  (unsigned long long)accepted, why);
    ck_assert_uint_gt(accepted, 0);
    ck_assert_uint_gt(rejected, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("snapshot_threads");
    TCase *tc = tcase_create("snapshot");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_snapshot_under_writes);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
