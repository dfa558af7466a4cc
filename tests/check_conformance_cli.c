/*
 * roam v7 conformance of the roam-shm tool: it accepts and prints the
 * headers roam's own Rust code wrote (tests/fixtures) as roam reads them,
 * reports roam's four header failures with roam's messages, creates
 * roam's headers byte for byte from the same parameters, and lays out the
 * reference's worked example at its literal offsets. A failure says that
 * the schema change breaks compatibility with roam v7 peers.
 *
 * Environment: ROAM_SHM_CLI (the binary), ROAM_TEST_FIXTURES (tests/fixtures).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"
#include "roam_shm.h"
#include "test_run.h"
#include "v7.h"

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

static const char *const fixtures[][2] = {
    {"roam-header-a.bin", "roam-header-a.txt"},
    {"roam-header-b.bin", "roam-header-b.txt"},
};

/* Path of a file in tests/fixtures. */
static char *fixture(const char *name)
{
    const char *dir = getenv("ROAM_TEST_FIXTURES");
    ck_assert_msg(dir != NULL, "ROAM_TEST_FIXTURES is not set");
    return cli_path(dir, name);
}

/* Run cmd [opt] path. */
static void run(cli_result_t *r, const char *cmd, const char *opt, const char *path)
{
    if (opt != NULL)
        cli_run(r, cmd, opt, path, NULL);
    else
        cli_run(r, cmd, path, NULL);
}

/* The run printed every name=value line of the fixture's .txt, as text
 * lines, or as JSON members. */
static void expect_fixture_values(const cli_result_t *r, const char *txt_name, bool json)
{
    char *txt_path = fixture(txt_name);
    size_t len, n = 0;
    char *txt = cli_read_file(txt_path, &len);
    char what[256];

    ck_assert_msg(txt != NULL, "cannot read %s", txt_path);
    for (char *line = strtok(txt, "\n"); line != NULL; line = strtok(NULL, "\n"), n++) {
        char *eq = strchr(line, '=');
        bool found;

        ck_assert_ptr_nonnull(eq);
        snprintf(what, sizeof what, "dump%s prints %.100s as roam reads it", json ? " --json" : "",
                 line);
        if (json) {
            char a[160], b[160];
            snprintf(a, sizeof a, "\"%.*s\":%s,", (int)(eq - line), line, eq + 1);
            snprintf(b, sizeof b, "\"%.*s\":%s}", (int)(eq - line), line, eq + 1);
            found = strstr(r->out, a) != NULL || strstr(r->out, b) != NULL;
        } else {
            found = cli_has_line(r->out, line);
        }
        v7_true(found, what);
    }
    ck_assert_uint_gt(n, 10);
    free(txt);
    free(txt_path);
}

/* Create the reference's worked example at path. */
static int create_example(cli_result_t *r, const char *path)
{
    return cli_run(r, "create", path, "--max-guests", "3", "--bipbuf-capacity", "256",
                   "--max-payload-size", "4096", "--size-class", "512:3", "--size-class",
                   "4096:1", NULL);
}

/* ---- roam's headers ---------------------------------------------------- */

START_TEST(fixtures_validate)
{
    char *bin = fixture(fixtures[_i][0]);
    char want[512];
    cli_result_t r;

    cli_run(&r, "validate", "--header-only", bin, NULL);
    v7_true(r.status == 0 && strcmp(r.out, "ok\n") == 0 && r.err[0] == '\0',
            "validate --header-only accepts roam's header");
    cli_result_free(&r);

    /* The whole segment is not in the file. */
    cli_run(&r, "validate", bin, NULL);
    snprintf(want, sizeof want, "%s: %s\n", bin, roam_strerror(ROAM_E_MAPPING_SHORT));
    v7_true(r.status == 1 && strcmp(r.err, want) == 0,
            "validate finds roam's header shorter than its segment, and nothing else");
    cli_result_free(&r);
    free(bin);
}
END_TEST

START_TEST(fixtures_dump)
{
    char *bin = fixture(fixtures[_i][0]);
    cli_result_t r;

    /* A lone header: --header-only prints it (without, dump also says the
     * segment is cut short and exits 1). */
    cli_run(&r, "dump", "--header-only", bin, NULL);
    v7_true(r.status == 0, "dump prints roam's header");
    expect_fixture_values(&r, fixtures[_i][1], false);
    v7_true(cli_has_line(r.out, "magic=ROAMHUB\\x07"), "dump prints roam's magic");
    cli_result_free(&r);

    cli_run(&r, "dump", "--json", "--header-only", bin, NULL);
    v7_true(r.status == 0, "dump --json prints roam's header");
    ck_assert_msg(cli_json_valid(r.out), "not JSON: %s", r.out);
    v7_true(strncmp(r.out, "{\"magic\":\"ROAMHUB\\u0007\",\"version\":7,", 36) == 0,
            "dump --json starts with roam's magic and version");
    expect_fixture_values(&r, fixtures[_i][1], true);
    cli_result_free(&r);
    free(bin);
}
END_TEST

/* roam's validate() rejects these with these messages, in this order. */
static void bad_magic(roam_segment_header_t *h) { h->magic[0] ^= 0xff; }
static void bad_version(roam_segment_header_t *h) { roam_segment_header_set_version(h, 99); }
static void bad_header_size(roam_segment_header_t *h) { roam_segment_header_set_header_size(h, 64); }
static void no_classes(roam_segment_header_t *h) { roam_segment_header_set_num_var_slot_classes(h, 0); }

static const struct {
    void (*corrupt)(roam_segment_header_t *h);
    const char *msg;
} roam_failures[] = {
    {bad_magic, "bad magic: not a roam v7 segment"},
    {bad_version, "unsupported segment version"},
    {bad_header_size, "unexpected header_size"},
    {no_classes, "segment missing var-slot classes"},
};

START_TEST(roam_failures_reported)
{
    static const char *const cmds[][2] = {{"validate", "--header-only"}, {"validate", NULL},
                                          {"dump", NULL},                {"dump", "--json"}};
    char *bin = fixture(fixtures[_i][0]);
    size_t len;
    void *orig = cli_read_file(bin, &len);

    ck_assert_ptr_nonnull(orig);
    ck_assert_uint_eq(len, 128);
    for (size_t i = 0; i < sizeof roam_failures / sizeof roam_failures[0]; i++) {
        /* A copy of roam's header with one field broken. */
        unsigned char h[128];
        char *path = cli_path(tmp, "corrupt.bin");
        char want[512], what[128];

        memcpy(h, orig, sizeof h);
        roam_failures[i].corrupt((roam_segment_header_t *)(void *)h);
        ck_assert_int_eq(cli_write_file(path, h, sizeof h), 0);
        snprintf(want, sizeof want, "%s: %s\n", path, roam_failures[i].msg);
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            cli_result_t r;

            run(&r, cmds[c][0], cmds[c][1], path);
            snprintf(what, sizeof what, "%s %s reports \"%s\"", cmds[c][0],
                     cmds[c][1] != NULL ? cmds[c][1] : "", roam_failures[i].msg);
            v7_true(r.status == 1 && strcmp(r.err, want) == 0 && r.out[0] == '\0', what);
            cli_result_free(&r);
        }
        free(path);
    }
    free(orig);
    free(bin);
}
END_TEST

/* roam's parameters give roam's header, byte for byte. */
START_TEST(create_matches_roam_headers)
{
    static const size_t sizes[2] = {46912, 101568};
    char *path = cli_path(tmp, "made.seg");
    char *bin = fixture(fixtures[_i][0]);
    size_t want_len, len;
    cli_result_t r;

    if (_i == 0)
        cli_run(&r, "create", path, "--max-guests", "4", "--bipbuf-capacity", "1024",
                "--max-payload-size", "8192", "--heartbeat-interval", "500000000",
                "--size-class", "256:16", "--size-class", "8192:4", NULL);
    else
        cli_run(&r, "create", path, "--max-guests", "8", "--bipbuf-capacity", "4096",
                "--max-payload-size", "4096", "--inline-threshold", "512",
                "--heartbeat-interval", "0", "--size-class", "1024:32", NULL);
    v7_true(r.status == 0, "create takes roam's parameters");
    cli_result_free(&r);

    void *want = cli_read_file(bin, &want_len);
    void *made = cli_read_file(path, &len);
    ck_assert(want != NULL && made != NULL);
    v7_eq(len, sizes[_i], "size of the segment made with roam's parameters");
    v7_mem_eq(made, want, want_len, "the header made with roam's parameters");

    cli_run(&r, "dump", path, NULL);
    v7_true(r.status == 0, "dump prints the segment made with roam's parameters");
    expect_fixture_values(&r, fixtures[_i][1], false);
    cli_result_free(&r);
    free(want);
    free(made);
    free(bin);
    free(path);
}
END_TEST

/* ---- The worked example (reference §5) ---------------------------------- */

START_TEST(create_worked_example)
{
    char *path = cli_path(tmp, "example.seg");
    char want[512];
    cli_result_t r;
    size_t len;

    create_example(&r, path);
    v7_true(r.status == 0, "create takes the worked example's parameters");
    snprintf(want, sizeof want, "created %s (total_size 8512)", path);
    r.out[strcspn(r.out, "\n")] = '\0';
    v7_str_eq(r.out, want, "create's report for the worked example");
    cli_result_free(&r);
    void *made = cli_read_file(path, &len);
    ck_assert_ptr_nonnull(made);
    v7_eq(len, 8512, "the worked example's file size");
    free(made);

    /* The text dump: header, three Empty peers on the layout's rings, two classes. */
    cli_run(&r, "dump", path, NULL);
    v7_true(r.status == 0, "dump prints the worked example");
    static const char *const lines[] = {
        "magic=ROAMHUB\\x07", "version=7",           "header_size=128",
        "total_size=8512",    "var_pool_offset=2624", "current_size=8512",
        "max_guests=3",       "bipbuf_capacity=256", "max_payload_size=4096",
        "inline_threshold=0", "effective_inline_threshold=256", "num_var_slot_classes=2",
        "peer_table_offset=128",
        "peers.0.peer_id=1",  "peers.0.state=empty", "peers.0.epoch=0",
        "peers.0.last_heartbeat=0", "peers.0.ring_offset=320",
        "peers.1.peer_id=2",  "peers.1.ring_offset=1088",
        "peers.2.peer_id=3",  "peers.2.state=empty", "peers.2.ring_offset=1856",
        "size_classes.0.slot_size=512",  "size_classes.0.slot_count=3",
        "size_classes.0.free_head=0",    "size_classes.1.slot_size=4096",
        "size_classes.1.slot_count=1",   "size_classes.1.free_head=0",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "dump prints %s", lines[i]);
        v7_true(cli_has_line(r.out, lines[i]), what);
    }
    cli_result_free(&r);

    /* The JSON dump carries the same, with arrays. */
    cli_run(&r, "dump", "--json", path, NULL);
    v7_true(r.status == 0, "dump --json prints the worked example");
    static const char *const keys[] = {
        "\"total_size\":8512,",
        "\"var_pool_offset\":2624,",
        "\"effective_inline_threshold\":256,",
        "\"peers\":[{\"peer_id\":1,\"state\":\"empty\",\"epoch\":0,\"last_heartbeat\":0,"
        "\"ring_offset\":320},",
        "{\"peer_id\":3,\"state\":\"empty\",\"epoch\":0,\"last_heartbeat\":0,\"ring_offset\":1856}]",
        "\"size_classes\":[{\"slot_size\":512,\"slot_count\":3,\"free_head\":0},"
        "{\"slot_size\":4096,\"slot_count\":1,\"free_head\":0}]}",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char what[192];
        snprintf(what, sizeof what, "dump --json has %s", keys[i]);
        v7_true(strstr(r.out, keys[i]) != NULL, what);
    }
    cli_result_free(&r);
    free(path);
}
END_TEST

/* ---- Suite -------------------------------------------------------------- */

static Suite *conformance_cli_suite(void)
{
    Suite *s = suite_create("conformance_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, fixtures_validate, 0, 2);
    tcase_add_loop_test(tc, fixtures_dump, 0, 2);
    tcase_add_loop_test(tc, roam_failures_reported, 0, 2);
    tcase_add_loop_test(tc, create_matches_roam_headers, 0, 2);
    tcase_add_test(tc, create_worked_example);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cli_run_suite_in_tmpdir(conformance_cli_suite(), &root);
}
