/*
 * Segments larger than 4 GiB: a 64-bit process maps them; a 32-bit one,
 * whose size_t cannot hold their size, refuses them with
 * ROAM_E_ADDRESS_SPACE and changes nothing. Never a truncated length.
 *
 * The files are sparse: only the pages the library writes take space.
 */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_run.h"
#include "roam_segment.h"
#include "test_run.h"

/* 6 GiB: past every 32-bit size_t, well under ROAM_SEGMENT_MAX_SIZE. */
#define BIG ((uint64_t)6 << 30)

/* True when this process cannot map BIG bytes at all. */
static bool narrow(void)
{
    return BIG > SIZE_MAX;
}

static const roam_size_class_t small_classes[] = {{512, 2}};
static const roam_segment_config_t small_cfg = {
    .max_guests = 2,
    .bipbuf_capacity = 256,
    .max_payload_size = 512,
    .num_classes = 1,
    .classes = small_classes,
};

static char *dir;
static char *path;

static void setup(void)
{
    dir = cli_tmpdir_make(NULL);
    ck_assert_ptr_nonnull(dir);
    path = cli_path(dir, "seg");
}

static void teardown(void)
{
    free(path);
    cli_tmpdir_remove(dir);
}

static uint64_t file_size(const char *p)
{
    struct stat st;

    ck_assert_int_eq(stat(p, &st), 0);
    return (uint64_t)st.st_size;
}

static void expect_refused(roam_err_t err, const roam_diag_t *d, const char *step)
{
    ck_assert_int_eq(err, ROAM_E_ADDRESS_SPACE);
    ck_assert_int_eq(d->err, ROAM_E_ADDRESS_SPACE);
    ck_assert_msg(strstr(d->msg, step) != NULL && strstr(d->msg, "address space") != NULL,
                  "diag \"%s\" does not name %s and the address space", d->msg, step);
}

/* A small valid segment at path, closed again. */
static void make_small(void)
{
    roam_segment_t h;
    roam_diag_t d;

    ck_assert_msg(roam_segment_create(&h, path, &small_cfg, &d) == ROAM_OK, "%s", d.msg);
    roam_segment_close(&h);
}

/* What a host that grew the segment to BIG leaves: a longer file, and
 * current_size saying so (stored little-endian at its schema offset). */
static void grow_file_by_hand(void)
{
    uint8_t le[8];
    int fd = open(path, O_RDWR);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)BIG), 0);
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(BIG >> (8 * i));
    ck_assert_int_eq(pwrite(fd, le, sizeof le, (off_t)offsetof(roam_segment_header_t, current_size)),
                     (ssize_t)sizeof le);
    close(fd);
}

/* Create: a configuration whose total_size is over 6 GiB. */
START_TEST(create_big)
{
    static const roam_size_class_t classes[] = {{(uint32_t)1 << 31, 3}};
    roam_segment_config_t cfg = small_cfg;
    roam_layout_t layout;
    roam_segment_t seg;
    roam_diag_t d;

    cfg.classes = classes;
    ck_assert_int_eq(roam_layout_compute(&cfg, &layout), ROAM_OK);
    ck_assert_uint_gt(layout.total_size, BIG);

    roam_err_t err = roam_segment_create(&seg, path, &cfg, &d);
    if (narrow()) {
        expect_refused(err, &d, "total_size");
        ck_assert(!cli_exists(path));   /* refused before the file was made */
        return;
    }
    ck_assert_msg(err == ROAM_OK, "%s", d.msg);
    ck_assert_uint_eq(seg.map_len, layout.total_size);
    ck_assert_uint_eq(file_size(path), layout.total_size);
    roam_segment_close(&seg);
}
END_TEST

/* Attach: a segment a host has grown to BIG. */
START_TEST(attach_big)
{
    roam_segment_t g;
    roam_diag_t d;

    make_small();
    grow_file_by_hand();
    roam_err_t err = roam_segment_attach(&g, path, &d);
    if (narrow()) {
        expect_refused(err, &d, "current_size");
        ck_assert_ptr_null(g.base);
        roam_segment_close(&g);
        return;
    }
    ck_assert_msg(err == ROAM_OK, "%s", d.msg);
    ck_assert_uint_eq(g.map_len, BIG);
    roam_segment_close(&g);
}
END_TEST

/* Refresh: a guest follows growth to BIG, or keeps its mapping. */
START_TEST(refresh_big)
{
    roam_segment_t g;
    roam_diag_t d;

    make_small();
    ck_assert_msg(roam_segment_attach(&g, path, &d) == ROAM_OK, "%s", d.msg);
    size_t small = g.map_len;
    void *base = g.base;

    grow_file_by_hand();
    roam_err_t err = roam_segment_refresh(&g, &d);
    if (narrow()) {
        expect_refused(err, &d, "current_size");
        ck_assert_ptr_eq(g.base, base);
        ck_assert_uint_eq(g.map_len, small);
        /* The old mapping still works. */
        ck_assert_uint_eq(roam_segment_header_load_current_size(roam_segment_header(&g)), BIG);
    } else {
        ck_assert_msg(err == ROAM_OK, "%s", d.msg);
        ck_assert_uint_eq(g.map_len, BIG);
    }
    roam_segment_close(&g);
}
END_TEST

/* Grow: the host's own growth to BIG. */
START_TEST(grow_big)
{
    roam_segment_t h;
    roam_diag_t d;

    ck_assert_msg(roam_segment_create(&h, path, &small_cfg, &d) == ROAM_OK, "%s", d.msg);
    uint64_t before = file_size(path);
    size_t small = h.map_len;

    roam_err_t err = roam_segment_grow(&h, BIG, &d);
    if (narrow()) {
        expect_refused(err, &d, "grow");
        ck_assert_uint_eq(file_size(path), before);   /* the file was not touched */
        ck_assert_uint_eq(h.map_len, small);
        ck_assert_uint_eq(roam_segment_header_load_current_size(roam_segment_header(&h)), before);
    } else {
        ck_assert_msg(err == ROAM_OK, "%s", d.msg);
        ck_assert_uint_eq(h.map_len, BIG);
        ck_assert_uint_eq(file_size(path), BIG);
    }
    roam_segment_close(&h);
}
END_TEST

static Suite *big_suite(void)
{
    Suite *s = suite_create("big_segments");
    TCase *tc = tcase_create("size_t");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_big);
    tcase_add_test(tc, attach_big);
    tcase_add_test(tc, refresh_big);
    tcase_add_test(tc, grow_big);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(big_suite());
}
