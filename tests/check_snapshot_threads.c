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
#define RUN_NS 250000000u          /* how long the reader validates */
#define RUN_MAX_NS 10000000000u    /* at most, waiting for both outcomes */
#define VARIANT_WORD (offsetof(roam_segment_header_t, heartbeat_interval) / 8)
#define NUM_VARIANTS 8

_Static_assert(ROAM_SEGMENT_HEADER_SIZE % 8 == 0, "the header is whole words");

/* One corrupted word: on its own it breaks `rule`. */
typedef struct corruption {
    size_t word;
    uint64_t value;
    roam_err_t rule;
} corruption_t;

static _Alignas(ROAM_SEGMENT_ALIGN) _Atomic uint64_t g_shared[WORDS];
static uint64_t g_base[WORDS];           /* valid image, variant 0 */
static uint64_t g_variant[NUM_VARIANTS]; /* values of VARIANT_WORD */
static corruption_t g_bad[16];
static size_t g_num_bad;
static _Atomic int g_stop;

/* Where field `name` of the header lies (generated table). */
static const roam_field_info_t *field(const char *name)
{
    size_t n;
    const roam_field_info_t *info = roam_segment_header_fields(&n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(info[i].name, name) == 0)
            return &info[i];
    ck_abort_msg("the header has no field %s", name);
    return NULL;
}

/* The first and the last byte of the header's reserved fields. */
static void reserved_span(size_t *first, size_t *last)
{
    size_t n;
    const roam_field_info_t *info = roam_segment_header_fields(&n);

    *first = SIZE_MAX;
    *last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!info[i].reserved)
            continue;
        if (*first == SIZE_MAX)
            *first = info[i].offset;
        *last = info[i].offset + info[i].size - 1;
    }
    ck_assert_uint_ne(*first, SIZE_MAX);
}

/* The base image with the byte at `off` replaced by `b`: one word. */
static void bad_byte(size_t *n, size_t off, unsigned char b, roam_err_t rule)
{
    unsigned char img[sizeof g_base];

    memcpy(img, g_base, sizeof img);
    img[off] = b;
    g_bad[*n].word = off / 8;
    memcpy(&g_bad[*n].value, img + off / 8 * 8, 8);
    g_bad[(*n)++].rule = rule;
}

/* The base image with field `name` set to v (it must not straddle words). */
static void bad_field(size_t *n, const char *name, uint64_t v, roam_err_t rule)
{
    const roam_field_info_t *f = field(name);
    unsigned char img[sizeof g_base];

    ck_assert_uint_eq(f->offset / 8, (f->offset + f->size - 1) / 8);
    memcpy(img, g_base, sizeof img);
    for (uint32_t i = 0; i < f->size; i++, v >>= 8)
        img[f->offset + i] = (unsigned char)v;
    g_bad[*n].word = f->offset / 8;
    memcpy(&g_bad[*n].value, img + f->offset / 8 * 8, 8);
    g_bad[(*n)++].rule = rule;
}

/* The valid image: a real header as segment creation writes it. */
static void build_images(void)
{
    static const roam_size_class_t classes[] = {{512, 3}, {4096, 1}};
    const roam_segment_config_t cfg = {
        .max_guests = 3, .bipbuf_capacity = 256, .max_payload_size = 4096,
        .heartbeat_interval = 1000, .num_classes = 2, .classes = classes,
    };
    roam_segment_header_t h;
    roam_segment_header_plain_t snap;
    roam_layout_t l;
    size_t n = 0, first, last;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    memset(&h, 0, sizeof h);
    roam_segment_header_init(&h, &cfg, &l);
    ck_assert_int_eq(roam_header_validate(&h, sizeof h, 0, &snap), ROAM_OK);
    memcpy(g_base, &h, sizeof g_base);
    for (size_t v = 0; v < NUM_VARIANTS; v++)
        g_variant[v] = cfg.heartbeat_interval * (v + 1);

    /* One word each: each breaks one rule, whatever the other words hold
     * among the values written here. */
    bad_byte(&n, field("magic")->offset + ROAM_MAGIC_SIZE - 1,
             (unsigned char)(ROAM_MAGIC[ROAM_MAGIC_SIZE - 1] ^ 0xff), ROAM_E_BAD_MAGIC);
    bad_field(&n, "version", ROAM_SEGMENT_VERSION - 1, ROAM_E_VERSION);
    bad_field(&n, "header_size", ROAM_SEGMENT_HEADER_SIZE / 2, ROAM_E_HEADER_SIZE);
    bad_field(&n, "total_size", ROAM_SEGMENT_HEADER_SIZE / 2, ROAM_E_TOTAL_SIZE);
    bad_field(&n, "total_size", l.total_size + ROAM_SEGMENT_ALIGN, ROAM_E_CURRENT_SIZE);
    bad_field(&n, "max_guests", ROAM_MAX_GUESTS + 45, ROAM_E_MAX_GUESTS);
    bad_field(&n, "peer_table_offset", l.peer_table_offset + 2, ROAM_E_PEER_TABLE_ALIGN);
    bad_field(&n, "peer_table_offset", 0, ROAM_E_PEER_TABLE_BOUNDS);
    bad_field(&n, "var_pool_offset", l.var_pool_offset + 1, ROAM_E_VAR_POOL_ALIGN);
    bad_field(&n, "num_var_slot_classes", 0, ROAM_E_NO_CLASSES);
    bad_field(&n, "current_size", l.total_size - ROAM_SEGMENT_ALIGN, ROAM_E_CURRENT_SIZE);
    reserved_span(&first, &last);
    bad_byte(&n, first, 1, ROAM_E_RESERVED);
    bad_byte(&n, last, 0x80, ROAM_E_RESERVED);
    g_num_bad = n;

    /* Each corruption alone is rejected with its rule, and none touches
     * the word that varies. */
    for (size_t i = 0; i < n; i++) {
        uint64_t img[WORDS];

        ck_assert_uint_ne(g_bad[i].word, VARIANT_WORD);
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
    uint64_t accepted = 0, rejected = 0, end, end_max;
    pthread_t th;
    char why[160] = "";
    bool ok = true;

    build_images();
    for (size_t i = 0; i < WORDS; i++)
        put(i, g_base[i]);
    put(VARIANT_WORD, g_variant[0]);
    atomic_store_explicit(&g_stop, 0, memory_order_relaxed);
    ck_assert_int_eq(pthread_create(&th, NULL, writer, NULL), 0);

    /* Validate in a loop; keep the first violation. Past RUN_NS, go on
     * (up to RUN_MAX_NS) until both an accepted and a rejected snapshot
     * were seen, however the machine schedules the two threads. */
    end = now_ns() + RUN_NS;
    end_max = end - RUN_NS + RUN_MAX_NS;
    while (ok) {
        uint64_t now = now_ns();

        if (now >= end_max || (now >= end && accepted > 0 && rejected > 0))
            break;
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
