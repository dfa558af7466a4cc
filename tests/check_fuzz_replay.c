/*
 * The fuzz targets, replayed without libFuzzer on their seed corpus (made
 * from segments roam-shm creates) and on every input that ever crashed one
 * (fuzz/regressions/TARGET/): so the gcc, clang and sanitizer builds of
 * make check run them all, and a crash once found stays fixed.
 *
 * Environment: ROAM_TEST_FUZZ_SEEDS, ROAM_TEST_FUZZ_REGRESSIONS.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "test_run.h"

/* Each target's entry point, under its own name. */
#define LLVMFuzzerTestOneInput fuzz_header
#include "../fuzz/fuzz_header.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_segment
#include "../fuzz/fuzz_segment.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_frame
#include "../fuzz/fuzz_frame.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_cli_args
#include "../fuzz/fuzz_cli_args.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

static const struct {
    const char *name;
    fuzz_fn run;
    bool quiet;   /* its own output is noise: sent to /dev/null */
} targets[] = {
    {"header", fuzz_header, false},
    {"segment", fuzz_segment, false},
    {"frame", fuzz_frame, false},
    {"cli_args", fuzz_cli_args, true},
};

/* Feed every file of dir/target to fn, as libFuzzer would; the count. */
static int replay_dir(const char *dir, const char *target, fuzz_fn fn, bool quiet)
{
    char *path = cli_path(dir, target);
    DIR *d = opendir(path);
    int n = 0, saved_out = -1, saved_err = -1;

    ck_assert_msg(d != NULL, "no directory %s", path);
    if (quiet) {
        int null = open("/dev/null", O_WRONLY);

        fflush(stdout);
        fflush(stderr);
        saved_out = dup(STDOUT_FILENO);
        saved_err = dup(STDERR_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char *file;
        size_t len;
        unsigned char *data;

        if (e->d_name[0] == '.')
            continue;
        file = cli_path(path, e->d_name);
        data = cli_read_file(file, &len);
        ck_assert_msg(data != NULL, "cannot read %s", file);
        /* An exact-size copy: a read past the input is caught. */
        {
            unsigned char *exact = malloc(len > 0 ? len : 1);

            memcpy(exact, data, len);
            fn(exact, len);
            free(exact);
        }
        free(data);
        free(file);
        n++;
    }
    if (quiet) {
        fflush(stdout);
        fflush(stderr);
        dup2(saved_out, STDOUT_FILENO);
        dup2(saved_err, STDERR_FILENO);
        close(saved_out);
        close(saved_err);
    }
    closedir(d);
    free(path);
    return n;
}

START_TEST(replay_seeds_and_regressions)
{
    const char *seeds = getenv("ROAM_TEST_FUZZ_SEEDS");
    const char *regressions = getenv("ROAM_TEST_FUZZ_REGRESSIONS");
    int n_seeds, n_regressions;

    ck_assert_msg(seeds != NULL && regressions != NULL,
                  "ROAM_TEST_FUZZ_SEEDS and ROAM_TEST_FUZZ_REGRESSIONS must be set");
    n_seeds = replay_dir(seeds, targets[_i].name, targets[_i].run, targets[_i].quiet);
    n_regressions = replay_dir(regressions, targets[_i].name, targets[_i].run, targets[_i].quiet);
    printf("fuzz_%s: %d seeds, %d regressions replayed\n", targets[_i].name, n_seeds,
           n_regressions);
    ck_assert_int_gt(n_seeds, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz_replay");
    TCase *tc = tcase_create("replay");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, replay_seeds_and_regressions, 0,
                        (int)(sizeof targets / sizeof targets[0]));
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
