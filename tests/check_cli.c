/*
 * The roam-shm command-line tool, run as a separate process: exit codes,
 * exact messages, dump output, and create -> validate -> dump round trips.
 * What the tool must print is worked out from the library (the layout, a
 * segment image) and the generated field tables; the tool on roam's own
 * headers and the worked example's numbers are in check_conformance_cli.c.
 *
 * Environment: ROAM_SHM_CLI (the binary).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_dump.h"
#include "cli/cli.h"
#include "cli_run.h"
#include "roam_shm.h"
#include "test_run.h"

static char *root; /* scratch directory of the whole run, removed at its end */
static char *tmp;  /* scratch directory of the running test, inside root */

static void setup(void)
{
    tmp = cli_tmpdir_make(root);
    ck_assert_ptr_nonnull(tmp);
}

static void teardown(void)
{
    cli_tmpdir_remove(tmp);
    tmp = NULL;
}

/* ---- Helpers ---------------------------------------------------------- */

/* The two configurations the tests create, as options and as the library
 * takes them (with the heartbeat create gives a segment by default). */
static const roam_size_class_t example_classes[] = {{512, 3}, {4096, 1}};
static const roam_segment_config_t example_cfg = {
    .max_guests = 3, .bipbuf_capacity = 256, .max_payload_size = 4096,
    .heartbeat_interval = CLI_DEFAULT_HEARTBEAT_NS, .num_classes = 2, .classes = example_classes,
};
static const roam_size_class_t other_classes[] = {{1024, 32}};
static const roam_segment_config_t other_cfg = {
    .max_guests = 8, .bipbuf_capacity = 4096, .max_payload_size = 4096,
    .inline_threshold = 512, .heartbeat_interval = CLI_DEFAULT_HEARTBEAT_NS, .num_classes = 1,
    .classes = other_classes,
};

/* Create the example configuration (the reference's worked example) at path. */
static int create_example(cli_result_t *r, const char *path, bool force)
{
    return cli_run(r, "create", path, "--max-guests", "3", "--bipbuf-capacity", "256",
                   "--max-payload-size", "4096", "--size-class", "512:3", "--size-class",
                   "4096:1", force ? "--force" : NULL, NULL);
}

/* Create the other configuration at path. */
static int create_other(cli_result_t *r, const char *path, bool force)
{
    return cli_run(r, "create", path, "--max-guests", "8", "--bipbuf-capacity", "4096",
                   "--max-payload-size", "4096", "--inline-threshold", "512", "--size-class",
                   "1024:32", force ? "--force" : NULL, NULL);
}

/* The segment the library lays out for cfg: what create must write. */
static unsigned char *library_image(const roam_segment_config_t *cfg, size_t *len)
{
    roam_layout_t l;
    unsigned char *img;

    ck_assert_int_eq(roam_layout_compute(cfg, &l), ROAM_OK);
    *len = (size_t)l.total_size;
    img = aligned_alloc(ROAM_SEGMENT_ALIGN, (*len + ROAM_SEGMENT_ALIGN - 1) / ROAM_SEGMENT_ALIGN *
                                                ROAM_SEGMENT_ALIGN);
    ck_assert_ptr_nonnull(img);
    memset(img, 0, *len);
    ck_assert_int_eq(roam_segment_init(img, *len, cfg, NULL), ROAM_OK);
    return img;
}

/* total_size of cfg's segment. */
static size_t total_size(const roam_segment_config_t *cfg)
{
    roam_layout_t l;

    ck_assert_int_eq(roam_layout_compute(cfg, &l), ROAM_OK);
    return (size_t)l.total_size;
}

/* Path of a file in the scratch directory. */
static char *scratch(const char *name)
{
    return cli_path(tmp, name);
}

/* A file at scratch/name holding only the header of a created example. */
static char *header_only(const char *name)
{
    char *seg = scratch("whole.seg"), *path = scratch(name);
    cli_result_t r;
    size_t len;
    void *buf;

    if (!cli_exists(seg)) {
        create_example(&r, seg, false);
        ck_assert_msg(r.status == 0, "%s", r.err);
        cli_result_free(&r);
    }
    buf = cli_read_file(seg, &len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_ge(len, sizeof(roam_segment_header_t));
    ck_assert_int_eq(cli_write_file(path, buf, sizeof(roam_segment_header_t)), 0);
    free(buf);
    free(seg);
    return path;
}

/* A run that failed validation: exit 1, nothing on stdout, "PATH: msg\n" on stderr. */
static void expect_invalid(const cli_result_t *r, const char *path, const char *msg)
{
    char want[512];
    snprintf(want, sizeof want, "%s: %s\n", path, msg);
    ck_assert_int_eq(r->status, 1);
    ck_assert_str_eq(r->err, want);
}

/* dump (text, then JSON) of path prints exactly what the image says. An
 * image that is not a whole, valid segment prints its header, says on
 * stderr what it could not show and exits 1; with --header-only it prints
 * the same and exits 0. */
static void expect_dump(const char *path, const void *image, size_t len)
{
    roam_segment_header_plain_t snap;
    bool whole;

    ck_assert_int_eq(roam_header_validate(image, len, 0, &snap), ROAM_OK);
    whole = len >= roam_segment_header_plain_current_size(&snap) &&
            roam_segment_validate(image, len, &snap, NULL) == ROAM_OK;
    for (int json = 0; json < 2; json++) {
        char *want = cli_expected_dump(image, len, json);
        cli_result_t r;

        if (!whole) {
            cli_run(&r, "dump", json ? "--json" : "--header-only", json ? "--header-only" : path,
                    json ? path : NULL, NULL);
            ck_assert_msg(r.status == 0, "%s: %s", path, r.err);
            ck_assert_str_eq(r.err, "");
            ck_assert_str_eq(r.out, want);
            cli_result_free(&r);
        }
        if (json)
            cli_run(&r, "dump", "--json", path, NULL);
        else
            cli_run(&r, "dump", path, NULL);
        if (whole) {
            ck_assert_msg(r.status == 0, "%s: %s", path, r.err);
            ck_assert_str_eq(r.err, "");
        } else {
            ck_assert_int_eq(r.status, 1);
            ck_assert_msg(strstr(r.err, ": not shown: peers, size_classes") != NULL, "%s",
                          r.err);
        }
        ck_assert_str_eq(r.out, want);
        if (json) {
            ck_assert_msg(cli_json_valid(r.out), "not JSON: %s", r.out);
            ck_assert_uint_eq(cli_count_lines(r.out), 1);
        }
        cli_result_free(&r);
        free(want);
    }
}

/* Size of a file, or (size_t)-1 when it cannot be read. */
static size_t file_size(const char *path)
{
    size_t len;
    void *buf = cli_read_file(path, &len);
    if (buf == NULL)
        return (size_t)-1;
    free(buf);
    return len;
}

/* Lines dump prints for a struct: its non-reserved fields, plus an
 * effective_ line for each field with a default for zero. */
static size_t dump_lines(const roam_field_info_t *fields, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += fields[i].reserved ? 0 : fields[i].zero_means != 0 ? 2 : 1;
    return lines;
}

static size_t header_lines(void)
{
    size_t n;
    const roam_field_info_t *f = roam_segment_header_fields(&n);
    return dump_lines(f, n);
}

/* Run validate (whole segment) and expect ok. */
static void expect_valid(const char *path)
{
    cli_result_t r;
    cli_run(&r, "validate", path, NULL);
    ck_assert_msg(r.status == 0, "validate %s: %s", path, r.err);
    ck_assert_str_eq(r.out, "ok\n");
    ck_assert_str_eq(r.err, "");
    cli_result_free(&r);
}

/* ---- Help and usage --------------------------------------------------- */

START_TEST(help_everywhere)
{
    static const char *const cases[][3] = {
        {"--help"},           {"-h"},           {"help"},
        {"validate", "--help"}, {"validate", "-h"}, {"dump", "--help"},
        {"dump", "-h"},       {"create", "--help"}, {"create", "-h"},
        {"create", "x", "--help"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[5] = {"roam-shm", cases[i][0], cases[i][1], cases[i][2], NULL};
        cli_result_t r;
        cli_runv(&r, argv);
        ck_assert_msg(r.status == 0, "case %zu: status %d", i, r.status);
        ck_assert_msg(strncmp(r.out, "usage: roam-shm", 15) == 0, "case %zu: %s", i, r.out);
        ck_assert_str_eq(r.err, "");
        cli_result_free(&r);
    }
    ck_assert_int_eq(cli_dir_entries(tmp), 0);
}
END_TEST

/* --version prints the version of the library the tool runs with. */
START_TEST(version_is_the_library_version)
{
    char want[64];
    cli_result_t r;

    snprintf(want, sizeof want, "roam-shm %s\n", roam_shm_version_string());
    cli_run(&r, "--version", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, want);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(roam_shm_version_string(), ROAM_SHM_VERSION_STRING);
    ck_assert_uint_eq(roam_shm_version(), ROAM_SHM_VERSION_HEX);
    cli_result_free(&r);
}
END_TEST

START_TEST(bad_usage)
{
    char *a = header_only("header.bin");
    char *out = scratch("new");
    const char *const cases[][7] = {
        {NULL},
        {"frobnicate"},
        {"validate"},
        {"validate", a, a},
        {"validate", "--bogus", a},
        {"validate", "--header-only=yes", a},
        {"validate", "-x", a},
        {"dump"},
        {"dump", "--json", "--xml", a},
        {"create"},
        {"create", out},
        {"create", out, "--max-guests"},
        {"create", out, "--max-guests", "3", "--bipbuf-capacity", "256"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[9] = {"roam-shm"};
        memcpy(argv + 1, cases[i], sizeof cases[i]);
        cli_result_t r;
        cli_runv(&r, argv);
        ck_assert_msg(r.status == 2, "case %zu: status %d", i, r.status);
        ck_assert_msg(r.err[0] != '\0', "case %zu: no message", i);
        ck_assert_str_eq(r.out, "");
        cli_result_free(&r);
    }
    ck_assert(!cli_exists(out));
    free(out);
    free(a);
}
END_TEST

START_TEST(missing_file)
{
    char *missing = scratch("missing");
    const char *const cmds[][2] = {{"validate", NULL}, {"validate", "--header-only"},
                                   {"dump", NULL},     {"dump", "--json"}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        for (int dir = 0; dir < 2; dir++) {
            const char *path = dir ? tmp : missing;
            cli_result_t r;
            if (cmds[i][1] != NULL)
                cli_run(&r, cmds[i][0], cmds[i][1], path, NULL);
            else
                cli_run(&r, cmds[i][0], path, NULL);
            ck_assert_msg(r.status == 2, "%s %s: status %d", cmds[i][0], path, r.status);
            ck_assert_msg(strncmp(r.err, path, strlen(path)) == 0, "%s", r.err);
            ck_assert_str_eq(r.out, "");
            cli_result_free(&r);
        }
    }
    free(missing);
}
END_TEST

/* ---- Validate and dump a lone header -------------------------------- */

START_TEST(validate_header_only)
{
    char *bin = header_only("header.bin");
    cli_result_t r;
    cli_run(&r, "validate", "--header-only", bin, NULL);
    ck_assert_msg(r.status == 0, "%s: %s", bin, r.err);
    ck_assert_str_eq(r.out, "ok\n");
    ck_assert_str_eq(r.err, "");
    cli_result_free(&r);
    free(bin);
}
END_TEST

START_TEST(validate_whole_needs_whole_file)
{
    char *bin = header_only("header.bin");
    cli_result_t r;
    cli_run(&r, "validate", bin, NULL);
    expect_invalid(&r, bin, roam_strerror(ROAM_E_MAPPING_SHORT));
    ck_assert_str_eq(r.out, "");
    ck_assert(strstr(r.err, "shorter than current_size") != NULL);
    cli_result_free(&r);
    free(bin);
}
END_TEST

START_TEST(dump_header_only)
{
    char *bin = header_only("header.bin");
    size_t len;
    void *hdr = cli_read_file(bin, &len);
    cli_result_t r;

    ck_assert_ptr_nonnull(hdr);
    /* Only the header, every field in schema order. */
    expect_dump(bin, hdr, len);
    cli_run(&r, "dump", bin, NULL);
    ck_assert(strstr(r.out, "peers.") == NULL);
    ck_assert(strstr(r.out, "reserved") == NULL);
    ck_assert_uint_eq(cli_count_lines(r.out), header_lines());
    cli_result_free(&r);
    cli_run(&r, "dump", "--json", bin, NULL);
    ck_assert(strstr(r.out, "\"peers\"") == NULL);
    ck_assert(strstr(r.out, "\"size_classes\"") == NULL);
    cli_result_free(&r);
    free(hdr);
    free(bin);
}
END_TEST

/* ---- The header rules' failures --------------------------------------- */

static void bad_magic(roam_segment_header_t *h)
{
    h->magic[0] ^= 0xff;
}

static void bad_version(roam_segment_header_t *h)
{
    roam_segment_header_set_version(h, ROAM_SEGMENT_VERSION + 1);
}

static void bad_header_size(roam_segment_header_t *h)
{
    roam_segment_header_set_header_size(h, ROAM_SEGMENT_HEADER_SIZE / 2);
}

static void no_classes(roam_segment_header_t *h)
{
    roam_segment_header_set_num_var_slot_classes(h, 0);
}

static void reserved_byte(roam_segment_header_t *h)
{
    size_t n;
    const roam_field_info_t *info = roam_segment_header_fields(&n);
    for (size_t i = 0; i < n; i++)
        if (info[i].reserved) {
            ((unsigned char *)h)[info[i].offset] = 1;
            return;
        }
    ck_abort_msg("the header has no reserved field");
}

static const struct {
    void (*corrupt)(roam_segment_header_t *h);
    roam_err_t err;
} header_failures[] = {
    {bad_magic, ROAM_E_BAD_MAGIC},
    {bad_version, ROAM_E_VERSION},
    {bad_header_size, ROAM_E_HEADER_SIZE},
    {no_classes, ROAM_E_NO_CLASSES},
    {reserved_byte, ROAM_E_RESERVED},
};

START_TEST(header_failures_reported)
{
    static const char *const cmds[][2] = {{"validate", "--header-only"}, {"validate", NULL},
                                          {"dump", NULL},                {"dump", "--json"}};
    char *bin = header_only("header.bin");
    size_t len;
    void *orig = cli_read_file(bin, &len);
    ck_assert_ptr_nonnull(orig);
    ck_assert_uint_eq(len, sizeof(roam_segment_header_t));
    for (size_t i = 0; i < sizeof header_failures / sizeof header_failures[0]; i++) {
        /* A copy of the header with one field broken. */
        roam_segment_header_t h;
        memcpy(&h, orig, sizeof h);
        header_failures[i].corrupt(&h);
        char *path = scratch("corrupt.bin");
        ck_assert_int_eq(cli_write_file(path, &h, sizeof h), 0);

        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            cli_result_t r;
            if (cmds[c][1] != NULL)
                cli_run(&r, cmds[c][0], cmds[c][1], path, NULL);
            else
                cli_run(&r, cmds[c][0], path, NULL);
            expect_invalid(&r, path, roam_strerror(header_failures[i].err));
            ck_assert_str_eq(r.out, "");
            cli_result_free(&r);
        }
        free(path);
    }
    free(orig);
    free(bin);
}
END_TEST

START_TEST(short_files_rejected)
{
    char *bin = header_only("header.bin");
    size_t len;
    void *orig = cli_read_file(bin, &len);
    ck_assert_ptr_nonnull(orig);
    static const size_t sizes[] = {0, 1, ROAM_SEGMENT_HEADER_SIZE - 1};
    static const char *const cmds[][2] = {{"validate", "--header-only"}, {"validate", NULL},
                                          {"dump", NULL},                {"dump", "--json"}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        char *path = scratch("short.bin");
        ck_assert_int_eq(cli_write_file(path, orig, sizes[s]), 0);
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            cli_result_t r;
            if (cmds[c][1] != NULL)
                cli_run(&r, cmds[c][0], cmds[c][1], path, NULL);
            else
                cli_run(&r, cmds[c][0], path, NULL);
            ck_assert_msg(r.status == 1, "%zu bytes, %s: status %d", sizes[s], cmds[c][0],
                          r.status);
            ck_assert_str_eq(r.out, "");
            /* "PATH: <message>\n", one line with a message. */
            size_t plen = strlen(path);
            ck_assert(strncmp(r.err, path, plen) == 0 && strncmp(r.err + plen, ": ", 2) == 0);
            ck_assert_uint_gt(strlen(r.err), plen + 3);
            ck_assert_uint_eq(cli_count_lines(r.err), 1);
            ck_assert(strstr(r.err, roam_strerror(ROAM_E_TRUNCATED)) != NULL);
            cli_result_free(&r);
        }
        free(path);
    }
    free(orig);
    free(bin);
}
END_TEST

/* ---- create -> validate -> dump --------------------------------------- */

/* create writes exactly the library's image of its configuration, which
 * validates and dumps field by field. */
START_TEST(create_writes_the_layout)
{
    static const roam_segment_config_t *const cfgs[] = {&example_cfg, &other_cfg};
    int (*const create[])(cli_result_t *, const char *, bool) = {create_example, create_other};
    for (size_t i = 0; i < 2; i++) {
        char *path = scratch(i == 0 ? "example.seg" : "other.seg");
        size_t len, made_len;
        unsigned char *img = library_image(cfgs[i], &len);
        cli_result_t r;
        char want[512];

        create[i](&r, path, false);
        ck_assert_msg(r.status == 0, "%s", r.err);
        snprintf(want, sizeof want, "created %s (total_size %zu)\n", path, len);
        ck_assert_str_eq(r.out, want);
        ck_assert_str_eq(r.err, "");
        cli_result_free(&r);

        void *made = cli_read_file(path, &made_len);
        ck_assert_ptr_nonnull(made);
        ck_assert_uint_eq(made_len, len);
        ck_assert_msg(memcmp(made, img, len) == 0, "%s differs from the library's image", path);

        expect_valid(path);
        cli_run(&r, "validate", "--header-only", path, NULL);
        ck_assert_int_eq(r.status, 0);
        ck_assert_str_eq(r.out, "ok\n");
        cli_result_free(&r);

        /* The header, then each peer (its id and fields) and each class. */
        expect_dump(path, img, len);
        cli_run(&r, "dump", path, NULL);
        size_t np, nc;
        const roam_field_info_t *pf = roam_peer_entry_fields(&np);
        const roam_field_info_t *cf = roam_size_class_header_fields(&nc);
        ck_assert_uint_eq(cli_count_lines(r.out),
                          header_lines() + cfgs[i]->max_guests * (1 + dump_lines(pf, np)) +
                              cfgs[i]->num_classes * dump_lines(cf, nc));
        ck_assert(cli_has_line(r.out, "peers.0.peer_id=1"));
        ck_assert(cli_has_line(r.out, "peers.0.state=empty"));
        cli_result_free(&r);
        free(made);
        free(img);
        free(path);
    }
}
END_TEST

START_TEST(create_refuses_existing_file)
{
    const size_t example_size = total_size(&example_cfg), other_size = total_size(&other_cfg);
    char *path = scratch("seg");
    cli_result_t r;
    create_example(&r, path, false);
    ck_assert_int_eq(r.status, 0);
    cli_result_free(&r);

    /* Without --force: exit 2 and the file is untouched. */
    create_other(&r, path, false);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.out, "");
    ck_assert(strstr(r.err, "already exists") != NULL);
    ck_assert(strncmp(r.err, path, strlen(path)) == 0);
    cli_result_free(&r);
    ck_assert_uint_eq(file_size(path), example_size);

    /* With --force: replaced, and no temporary file left beside it. */
    create_other(&r, path, true);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cli_result_free(&r);
    ck_assert_uint_eq(file_size(path), other_size);
    expect_valid(path);
    ck_assert_int_eq(cli_dir_entries(tmp), 1);

    /* --force with bad parameters leaves the existing file as it was. */
    cli_run(&r, "create", path, "--force", "--max-guests", "3", "--bipbuf-capacity", "100",
            "--max-payload-size", "4096", "--size-class", "512:3", NULL);
    ck_assert_int_eq(r.status, 2);
    cli_result_free(&r);
    ck_assert_uint_eq(file_size(path), other_size);
    ck_assert_int_eq(cli_dir_entries(tmp), 1);

    /* --force on a new file simply creates it. */
    char *other = scratch("other");
    create_example(&r, other, true);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cli_result_free(&r);
    ck_assert_uint_eq(file_size(other), example_size);
    ck_assert_int_eq(cli_dir_entries(tmp), 2);
    free(other);
    free(path);
}
END_TEST

START_TEST(create_rejects_bad_parameters)
{
    /* Each case replaces one option of the example; want is in the message. */
    char too_many[16];
    snprintf(too_many, sizeof too_many, "%u", ROAM_MAX_GUESTS + 1);
    const struct {
        const char *opt, *value, *want;
    } cases[] = {
        {"--bipbuf-capacity", "100", "bad parameters"},
        {"--bipbuf-capacity", "0", "bad parameters"},
        {"--max-guests", too_many, "bad parameters"},
        {"--size-class", "0:3", "bad parameters"},
        {"--size-class", "512:0", "bad parameters"},
        {"--max-guests", "3x", "--max-guests"},
        {"--max-guests", "-1", "--max-guests"},
        {"--max-guests", "+3", "--max-guests"},
        {"--max-guests", " 3", "--max-guests"},
        {"--max-guests", "", "--max-guests"},
        {"--bipbuf-capacity", "0x100", "--bipbuf-capacity"},
        {"--max-payload-size", "4294967296", "--max-payload-size"},
        {"--inline-threshold", "abc", "--inline-threshold"},
        {"--heartbeat-interval", "1e9", "--heartbeat-interval"},
        {"--heartbeat-interval", "18446744073709551616", "--heartbeat-interval"},
        {"--size-class", "512", "--size-class"},
        {"--size-class", "512:", "--size-class"},
        {"--size-class", ":3", "--size-class"},
        {"--size-class", "512:3:1", "--size-class"},
        {"--size-class", "512:99999999999", "--size-class"},
    };
    static const char *const base[][2] = {
        {"--max-guests", "3"},
        {"--bipbuf-capacity", "256"},
        {"--max-payload-size", "4096"},
        {"--inline-threshold", "0"},
        {"--heartbeat-interval", "0"},
        {"--size-class", "512:3"},
    };
    char *path = scratch("bad.seg");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[20] = {"roam-shm", "create", path};
        size_t n = 3;
        for (size_t b = 0; b < sizeof base / sizeof base[0]; b++) {
            argv[n++] = base[b][0];
            argv[n++] = strcmp(base[b][0], cases[i].opt) == 0 ? cases[i].value : base[b][1];
        }
        argv[n] = NULL;
        cli_result_t r;
        cli_runv(&r, argv);
        ck_assert_msg(r.status == 2, "%s '%s': status %d", cases[i].opt, cases[i].value,
                      r.status);
        ck_assert_str_eq(r.out, "");
        ck_assert_msg(strstr(r.err, cases[i].want) != NULL, "%s '%s': %s", cases[i].opt,
                      cases[i].value, r.err);
        ck_assert_msg(!cli_exists(path), "%s '%s' left a file", cases[i].opt, cases[i].value);
        cli_result_free(&r);
    }
    ck_assert_int_eq(cli_dir_entries(tmp), 0);
    free(path);
}
END_TEST

/* ---- Whole-segment failures name the entry ----------------------------- */

/* A copy of the created example at name, after edit() changed its bytes. */
static char *corrupted_example(const char *name,
                               void (*edit)(void *base, const roam_segment_header_plain_t *snap))
{
    char *good = scratch("good.seg");
    cli_result_t r;
    if (!cli_exists(good)) {
        create_example(&r, good, false);
        ck_assert_int_eq(r.status, 0);
        cli_result_free(&r);
    }
    size_t len;
    void *buf = cli_read_file(good, &len);
    ck_assert_ptr_nonnull(buf);
    roam_segment_header_plain_t snap;
    ck_assert_int_eq(roam_header_snapshot(buf, len, &snap), ROAM_OK);
    edit(buf, &snap);
    char *path = scratch(name);
    ck_assert_int_eq(cli_write_file(path, buf, len), 0);
    free(buf);
    free(good);
    return path;
}

static void shift_peer1_ring(void *base, const roam_segment_header_plain_t *snap)
{
    roam_peer_entry_t *p = roam_segment_peer(base, snap, 1);
    roam_peer_entry_set_ring_offset(p, roam_peer_entry_ring_offset(p) + ROAM_SEGMENT_ALIGN);
}

static void zero_class1_slot_size(void *base, const roam_segment_header_plain_t *snap)
{
    roam_size_class_header_set_slot_size(roam_segment_class(base, snap, 1), 0);
}

static void bad_peer2_state(void *base, const roam_segment_header_plain_t *snap)
{
    uint32_t bad = 0;
    while (roam_peer_state_is_valid(bad))
        bad++;
    roam_peer_entry_store_state(roam_segment_peer(base, snap, 2), bad);
}

static void attach_peer0(void *base, const roam_segment_header_plain_t *snap)
{
    roam_peer_entry_t *p = roam_segment_peer(base, snap, 0);
    roam_peer_entry_store_state(p, ROAM_PEER_STATE_ATTACHED);
    roam_peer_entry_store_epoch(p, 5);
    roam_peer_entry_store_last_heartbeat(p, 123456789);
    /* Heartbeats off: otherwise the dump adds heartbeat_age_ns, which
     * depends on when it runs. */
    roam_segment_header_set_heartbeat_interval((roam_segment_header_t *)base, 0);
}

START_TEST(segment_failures_name_the_entry)
{
    static const struct {
        void (*edit)(void *base, const roam_segment_header_plain_t *snap);
        const char *entry, *field;
    } cases[] = {
        {shift_peer1_ring, "peer 1", "ring_offset"},
        {zero_class1_slot_size, "class 1", "slot_size"},
        {bad_peer2_state, "peer 2", "state"},
    };
    char total_line[64];
    snprintf(total_line, sizeof total_line, "total_size=%zu", total_size(&example_cfg));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = corrupted_example("bad.seg", cases[i].edit);
        size_t plen = strlen(path);

        /* validate: one line "PATH: <sentence naming the entry>". */
        cli_result_t r;
        cli_run(&r, "validate", path, NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert_str_eq(r.out, "");
        ck_assert(strncmp(r.err, path, plen) == 0 && strncmp(r.err + plen, ": ", 2) == 0);
        ck_assert_msg(strstr(r.err, cases[i].entry) != NULL && strstr(r.err, cases[i].field),
                      "case %zu: %s", i, r.err);
        ck_assert_uint_eq(cli_count_lines(r.err), 1);
        char *msg = strdup(r.err);
        cli_result_free(&r);

        /* The header alone is still valid. */
        cli_run(&r, "validate", "--header-only", path, NULL);
        ck_assert_int_eq(r.status, 0);
        cli_result_free(&r);

        /* dump: the header, no tables, the same message, what it could
         * not show, and exit 1. */
        cli_run(&r, "dump", path, NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert(cli_has_line(r.out, total_line));
        ck_assert(strstr(r.out, "peers.") == NULL);
        ck_assert_msg(strncmp(r.err, msg, strlen(msg)) == 0, "%s", r.err);
        ck_assert_uint_eq(cli_count_lines(r.err), 2);
        ck_assert(strstr(r.err + strlen(msg), ": not shown: peers, size_classes") != NULL);
        cli_result_free(&r);

        /* dump --partial: every entry as read too, and still exit 1. */
        cli_run(&r, "dump", "--partial", path, NULL);
        ck_assert_int_eq(r.status, 1);
        ck_assert(cli_has_line(r.out, "peers.2.peer_id=3"));
        ck_assert(cli_has_line(r.out, "size_classes.1.slot_count=1"));
        ck_assert_msg(strncmp(r.err, msg, strlen(msg)) == 0, "%s", r.err);
        ck_assert(strstr(r.err, "shown as read: the segment is not valid") != NULL);
        cli_result_free(&r);
        free(msg);
        free(path);
    }
}
END_TEST

START_TEST(dump_reads_live_peer_fields)
{
    char *path = corrupted_example("attached.seg", attach_peer0);
    expect_valid(path);
    cli_result_t r;
    cli_run(&r, "dump", path, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert(cli_has_line(r.out, "peers.0.state=attached"));
    ck_assert(cli_has_line(r.out, "peers.0.epoch=5"));
    ck_assert(cli_has_line(r.out, "peers.0.last_heartbeat=123456789"));
    ck_assert(cli_has_line(r.out, "peers.1.state=empty"));
    cli_result_free(&r);


    /* Text and JSON, every field as the file holds it. */
    size_t len;
    void *buf = cli_read_file(path, &len);
    ck_assert_ptr_nonnull(buf);
    expect_dump(path, buf, len);
    free(buf);
    free(path);
}
END_TEST

/* ---- Suite -------------------------------------------------------------- */

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, help_everywhere);
    tcase_add_test(tc, version_is_the_library_version);
    tcase_add_test(tc, bad_usage);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, validate_header_only);
    tcase_add_test(tc, validate_whole_needs_whole_file);
    tcase_add_test(tc, dump_header_only);
    tcase_add_test(tc, header_failures_reported);
    tcase_add_test(tc, short_files_rejected);
    tcase_add_test(tc, create_writes_the_layout);
    tcase_add_test(tc, create_refuses_existing_file);
    tcase_add_test(tc, create_rejects_bad_parameters);
    tcase_add_test(tc, segment_failures_name_the_entry);
    tcase_add_test(tc, dump_reads_live_peer_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cli_run_suite_in_tmpdir(cli_suite(), &root);
}
