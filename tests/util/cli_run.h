/*
 * Test helpers for the roam-shm command-line tool: run it and capture its
 * output, and small whole-file helpers for scratch directories.
 */
#ifndef ROAM_TEST_CLI_RUN_H
#define ROAM_TEST_CLI_RUN_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one run of the tool did. */
typedef struct cli_result {
    int status;      /* exit status, or -1 if it did not exit normally */
    int signo;       /* the signal that ended it, else 0 */
    bool timed_out;  /* killed after the run's timeout */
    long maxrss_kb;  /* peak resident memory */
    double cpu_s;    /* user + system CPU time */
    double wall_s;   /* elapsed time */
    char *out;       /* all of stdout, NUL-terminated ("" when sent elsewhere) */
    char *err;       /* all of stderr, NUL-terminated */
} cli_result_t;

/* How to run it. */
typedef struct cli_run_opts {
    const char *stdout_path;  /* open this for stdout instead of capturing it */
    uint32_t timeout_ms;      /* 0: wait as long as it runs; else SIGKILL then */
} cli_run_opts_t;

/* Run $ROAM_SHM_CLI with the NULL-terminated argument list; returns r->status. */
int cli_run(cli_result_t *r, const char *arg, ...);

/* Run it with an argument vector (argv[0] is ignored; NULL-terminated). */
int cli_runv(cli_result_t *r, const char *const *argv);

/* cli_runv with options (o may be NULL). */
int cli_runv_opts(cli_result_t *r, const cli_run_opts_t *o, const char *const *argv);

void cli_result_free(cli_result_t *r);

/* True when text holds line as a whole line. */
bool cli_has_line(const char *text, const char *line);

/* Number of '\n'-terminated lines in text. */
size_t cli_count_lines(const char *text);

/* A fresh scratch directory (mkdtemp) in parent, or in $TMPDIR or /tmp when
 * parent is NULL; cli_tmpdir_remove deletes it with everything inside. */
char *cli_tmpdir_make(const char *parent);
void cli_tmpdir_remove(char *dir);

/* main() of a CLI test binary: one scratch directory for the whole run in
 * *root (so that a failed test leaves nothing behind), suite s run in it,
 * the directory removed; EXIT_SUCCESS when every test passed. */
int cli_run_suite_in_tmpdir(Suite *s, char **root);

/* Number of entries in dir, "." and ".." not counted. */
int cli_dir_entries(const char *dir);

/* "dir/name" in a static-free malloc'd string. */
char *cli_path(const char *dir, const char *name);

/* Whole file into a zero-padded buffer aligned as a segment is
 * (ROAM_SEGMENT_ALIGN); NULL if it cannot be read. */
void *cli_read_file(const char *path, size_t *len);

/* Write len bytes to path (created or truncated); 0 or -1. */
int cli_write_file(const char *path, const void *buf, size_t len);

/* True when path exists. */
bool cli_exists(const char *path);

/* A minimal JSON checker: true when text is exactly one JSON value
 * followed by an optional newline. */
bool cli_json_valid(const char *text);

#endif /* ROAM_TEST_CLI_RUN_H */
