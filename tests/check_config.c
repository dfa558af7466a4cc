/*
 * Configuration rules: configurations that cannot work are refused at
 * creation, in memory and as files, with a reason naming the values; a
 * segment made by someone else with such a configuration still validates,
 * and the lint reports what is wrong with it.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_run.h"
#include "proc_util.h"
#include "roam_segment.h"
#include "test_bytes.h"
#include "test_run.h"

/* The reference's worked example. */
static const roam_size_class_t example_classes[] = {{512, 3}, {4096, 1}};

static roam_segment_config_t example(void)
{
    return (roam_segment_config_t){
        .max_guests = 3,
        .bipbuf_capacity = 256,
        .max_payload_size = 4096,
        .num_classes = 2,
        .classes = example_classes,
    };
}

/* A configuration that breaks one rule, and what must be said about it. */
typedef struct bad_config {
    const char *what;
    roam_segment_config_t cfg;
    roam_err_t err;
    const char *says;   /* a piece of the diag message */
} bad_config_t;

static const roam_size_class_t prefix_classes[] = {{512, 3}, {4, 8}};
static const roam_size_class_t tiny_classes[] = {{1, 8}};
static roam_size_class_t many_classes[ROAM_MAX_SIZE_CLASSES + 1];

/* Every rule with a configuration that breaks only it. */
static size_t bad_configs(bad_config_t *out)
{
    size_t n = 0;
    roam_segment_config_t c;

    for (uint32_t i = 0; i <= ROAM_MAX_SIZE_CLASSES; i++)
        many_classes[i] = (roam_size_class_t){64 + 64 * i, 1};

    c = example();
    c.max_guests = 0;
    out[n++] = (bad_config_t){"no guests", c, ROAM_E_CONFIG_NO_GUESTS, "max_guests is 0"};
    c = example();
    c.max_guests = ROAM_MAX_GUESTS + 1;
    out[n++] = (bad_config_t){"256 guests", c, ROAM_E_LAYOUT_MAX_GUESTS, "max_guests 256"};
    c = example();
    c.max_payload_size = 0;
    out[n++] = (bad_config_t){"no payload", c, ROAM_E_CONFIG_NO_PAYLOAD, "max_payload_size is 0"};
    /* The reported case: a 60 000-byte threshold over 64-byte rings. */
    c = example();
    c.bipbuf_capacity = 64;
    c.inline_threshold = 60000;
    c.max_payload_size = 65536;
    out[n++] = (bad_config_t){"inline into a 64-byte ring", c, ROAM_E_CONFIG_INLINE_RING,
                              "larger than a 64-byte ring can carry"};
    /* The default threshold (256) over 128-byte rings. */
    c = example();
    c.bipbuf_capacity = 128;
    out[n++] = (bad_config_t){"default threshold", c, ROAM_E_CONFIG_INLINE_RING,
                              "inline_threshold 256"};
    c = example();
    c.classes = prefix_classes;
    out[n++] = (bad_config_t){"4-byte slots", c, ROAM_E_CONFIG_SLOT_PREFIX, "class 1: slot_size 4"};
    c = example();
    c.num_classes = 1;
    c.classes = tiny_classes;
    out[n++] = (bad_config_t){"1-byte slots", c, ROAM_E_CONFIG_SLOT_PREFIX, "length prefix"};
    c = example();
    c.num_classes = ROAM_MAX_SIZE_CLASSES + 1;
    c.classes = many_classes;
    out[n++] = (bad_config_t){"257 classes", c, ROAM_E_LAYOUT_TOO_MANY_CLASSES, "257 size classes"};
    c = example();
    c.bipbuf_capacity = 100;
    out[n++] = (bad_config_t){"capacity 100", c, ROAM_E_LAYOUT_CAPACITY, "bipbuf_capacity 100"};
    return n;
}

START_TEST(good_configurations_pass)
{
    static const roam_size_class_t a[] = {{256, 16}, {8192, 4}};
    static const roam_size_class_t b[] = {{1024, 32}};
    /* The worked example, roam's two fixture configurations, and the
     * limits of each rule on the working side. */
    const roam_segment_config_t good[] = {
        example(),
        {.max_guests = 4, .bipbuf_capacity = 1024, .max_payload_size = 8192,
         .heartbeat_interval = 500000000, .num_classes = 2, .classes = a},
        {.max_guests = 8, .bipbuf_capacity = 4096, .max_payload_size = 4096,
         .inline_threshold = 512, .num_classes = 1, .classes = b},
        /* align4(8 + 56) = 64: exactly one ring. */
        {.max_guests = 1, .bipbuf_capacity = 64, .max_payload_size = 1, .inline_threshold = 64,
         .num_classes = 1, .classes = b},
        /* A huge threshold is fine when max_payload_size keeps entries small. */
        {.max_guests = 255, .bipbuf_capacity = 128, .max_payload_size = 100,
         .inline_threshold = 60000, .num_classes = 1, .classes = b},
    };
    static const roam_size_class_t five[] = {{ROAM_SLOT_LEN_PREFIX_SIZE + 1, 1}};
    roam_segment_config_t c = example();
    roam_diag_t d;

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        memset(&d, 0x55, sizeof d);
        ck_assert_msg(roam_config_check(&good[i], &d) == ROAM_OK, "config %zu: %s", i, d.msg);
        ck_assert_int_eq(d.err, ROAM_OK);
        ck_assert_str_eq(d.msg, "");
    }
    c.num_classes = 1;
    c.classes = five;
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_OK);
}
END_TEST

START_TEST(bad_configurations_refused_with_reason)
{
    bad_config_t bad[16];
    size_t n = bad_configs(bad);

    for (size_t i = 0; i < n; i++) {
        roam_diag_t d;
        roam_err_t err = roam_config_check(&bad[i].cfg, &d);

        ck_assert_msg(err == bad[i].err, "%s: %s, expected %s", bad[i].what, roam_errname(err),
                      roam_errname(bad[i].err));
        ck_assert_int_eq(d.err, err);
        ck_assert_msg(strstr(d.msg, bad[i].says) != NULL, "%s: '%s' lacks '%s'", bad[i].what,
                      d.msg, bad[i].says);
        ck_assert_str_ne(roam_strerror(err), "unknown error");
    }
}
END_TEST

START_TEST(init_refuses_and_writes_nothing)
{
    bad_config_t bad[16];
    size_t n = bad_configs(bad);
    const size_t len = 1u << 20;
    unsigned char *buf = tb_alloc_segment(len);

    unsigned char *zero = tb_alloc_segment(len);

    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(roam_segment_init(buf, len, &bad[i].cfg, NULL) == bad[i].err, "%s",
                      bad[i].what);
        ck_assert_msg(memcmp(buf, zero, len) == 0, "%s: bytes written", bad[i].what);
    }
    free(zero);
    free(buf);
}
END_TEST

START_TEST(create_refuses_and_leaves_no_file)
{
    bad_config_t bad[16];
    size_t n = bad_configs(bad);
    char dir[256], path[512];

    ck_assert(proc_tmpdir_make(dir, sizeof dir));
    proc_path(path, sizeof path, dir, "seg");
    for (size_t i = 0; i < n; i++) {
        roam_segment_t seg;
        roam_diag_t d;
        struct stat st;

        ck_assert_int_eq(roam_segment_create(&seg, path, &bad[i].cfg, &d), bad[i].err);
        ck_assert_msg(strstr(d.msg, bad[i].says) != NULL, "%s: %s", bad[i].what, d.msg);
        ck_assert_int_eq(stat(path, &st), -1);
        roam_segment_close(&seg);
    }
    ck_assert_int_eq(cli_dir_entries(dir), 0);
    proc_tmpdir_remove(dir);
}
END_TEST

/* ---- Validation reports, never rejects -------------------------------------*/

/* The worked example, then edited as another peer's creator might have made it. */
static unsigned char *edited_example(size_t *len, void (*edit)(unsigned char *seg,
                                                                const roam_segment_header_plain_t *snap))
{
    roam_segment_config_t cfg = example();
    roam_segment_header_plain_t snap;
    roam_layout_t l;
    unsigned char *seg;

    ck_assert_int_eq(roam_layout_compute(&cfg, &l), ROAM_OK);
    seg = tb_alloc_segment(l.total_size);
    ck_assert_int_eq(roam_segment_init(seg, l.total_size, &cfg, NULL), ROAM_OK);
    ck_assert_int_eq(roam_segment_validate(seg, l.total_size, &snap, NULL), ROAM_OK);
    edit(seg, &snap);
    *len = l.total_size;
    return seg;
}

static void edit_nothing(unsigned char *seg, const roam_segment_header_plain_t *snap)
{
    (void)seg;
    (void)snap;
}

static void edit_two(unsigned char *seg, const roam_segment_header_plain_t *snap)
{
    roam_segment_header_t *h = (roam_segment_header_t *)seg;

    roam_segment_header_set_max_payload_size(h, 65536);
    roam_segment_header_set_inline_threshold(h, 60000);
    roam_size_class_header_set_slot_size(roam_segment_class(seg, snap, 1), 3);
}

static void edit_no_payload(unsigned char *seg, const roam_segment_header_plain_t *snap)
{
    (void)snap;
    roam_segment_header_set_max_payload_size((roam_segment_header_t *)seg, 0);
}

START_TEST(validation_reports_but_accepts)
{
    roam_segment_header_plain_t snap;
    roam_diag_t found[8];
    size_t len;
    unsigned char *seg = edited_example(&len, edit_nothing);

    /* A good segment: nothing to report. */
    ck_assert_int_eq(roam_segment_validate(seg, len, &snap, NULL), ROAM_OK);
    ck_assert_uint_eq(roam_segment_lint(seg, &snap, found, 8), 0);
    ck_assert_uint_eq(roam_segment_lint(seg, &snap, NULL, 0), 0);
    free(seg);

    /* Two problems roam's peers accept: validation passes, lint names both. */
    seg = edited_example(&len, edit_two);
    ck_assert_int_eq(roam_segment_validate(seg, len, &snap, NULL), ROAM_OK);
    ck_assert_uint_eq(roam_segment_lint(seg, &snap, found, 8), 2);
    ck_assert_int_eq(found[0].err, ROAM_E_CONFIG_INLINE_RING);
    ck_assert_ptr_nonnull(strstr(found[0].msg, "inline_threshold 60000"));
    ck_assert_int_eq(found[1].err, ROAM_E_CONFIG_SLOT_PREFIX);
    ck_assert_uint_eq(found[1].index, 1);
    ck_assert_ptr_nonnull(strstr(found[1].msg, "class 1: slot_size 3"));
    /* Fewer slots than problems: the count is still all of them. */
    ck_assert_uint_eq(roam_segment_lint(seg, &snap, found, 1), 2);
    ck_assert_int_eq(found[0].err, ROAM_E_CONFIG_INLINE_RING);
    ck_assert_uint_eq(roam_segment_lint(seg, &snap, NULL, 0), 2);
    free(seg);

    seg = edited_example(&len, edit_no_payload);
    ck_assert_int_eq(roam_segment_validate(seg, len, &snap, NULL), ROAM_OK);
    ck_assert_uint_eq(roam_segment_lint(seg, &snap, found, 8), 1);
    ck_assert_int_eq(found[0].err, ROAM_E_CONFIG_NO_PAYLOAD);
    free(seg);
}
END_TEST

START_TEST(inline_threshold_against_the_ring)
{
    roam_segment_config_t c = example();

    /* The worked example: a 256-byte threshold over 256-byte rings. */
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_OK);
    c.bipbuf_capacity = 192;
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_E_CONFIG_INLINE_RING);
    /* max_payload_size keeps every inline entry within the ring:
     * align4(8 + 180) = 188. */
    c.max_payload_size = 180;
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_OK);
    c.max_payload_size = 185;
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_E_CONFIG_INLINE_RING);
    /* An explicit threshold at the ring's size. */
    c.max_payload_size = 4096;
    c.inline_threshold = 192;
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_OK);
    c.inline_threshold = 193;
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_E_CONFIG_INLINE_RING);
    /* The largest inline payload a u16 can say bounds the reach. */
    c.inline_threshold = UINT32_MAX;
    c.max_payload_size = UINT32_MAX;
    c.bipbuf_capacity = 65536 + 4 * ROAM_SEGMENT_ALIGN;
    ck_assert_int_eq(roam_config_check(&c, NULL), ROAM_OK);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("rules");

    tcase_add_test(tc, good_configurations_pass);
    tcase_add_test(tc, bad_configurations_refused_with_reason);
    tcase_add_test(tc, init_refuses_and_writes_nothing);
    tcase_add_test(tc, create_refuses_and_leaves_no_file);
    tcase_add_test(tc, validation_reports_but_accepts);
    tcase_add_test(tc, inline_threshold_against_the_ring);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(config_suite());
}
