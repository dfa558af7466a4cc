/*
 * roam-shm command-line tool: what the commands share.
 *
 * Exit codes: 0 success, 1 the file is not a valid segment, 2 usage or I/O
 * error. Messages about a file start with "FILE: "; usage messages start with
 * "roam-shm COMMAND: ".
 */
#ifndef ROAM_CLI_H
#define ROAM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "roam_shm.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_INVALID 1
#define CLI_EXIT_USAGE 2 /* bad usage, bad parameters or an I/O error */

#define CLI_PROG "roam-shm"

/* ---- Commands (cmd_*.c); argv[0] is the command name. ------------------ */
int cmd_validate(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_goodbye(int argc, char **argv);
int cmd_echo(int argc, char **argv);

/* ---- Option parsing (args.c) -------------------------------------------- */

/* One option a command accepts: --name, or -s when short_name is set. */
typedef struct cli_option {
    const char *name;
    char short_name;  /* 0 if the option has no short form */
    bool has_value;   /* --name VALUE or --name=VALUE */
} cli_option_t;

/* Walks argv[1..argc-1]; "--" ends the options. */
typedef struct cli_args {
    int argc;
    char **argv;
    int next;
    bool options_done;
} cli_args_t;

#define CLI_ARG_END (-1)        /* no argument left */
#define CLI_ARG_POSITIONAL (-2) /* *value is an operand */
#define CLI_ARG_ERROR (-3)      /* the message is already printed */

void cli_args_init(cli_args_t *a, int argc, char **argv);

/* Index in opts of the next option (its value in *value), or a CLI_ARG_* code. */
int cli_args_next(cli_args_t *a, const cli_option_t *opts, size_t nopts, const char **value);

/* For a command that takes flags and one FILE operand: parse argv, with
 * opts[0] being --help (prints usage, returns CLI_EXIT_OK). Sets
 * seen[i] for each flag given. Returns CLI_ARGS_RUN when the command should
 * go on with *path, else the exit code (usage errors are printed). */
#define CLI_ARGS_RUN (-1)
#define CLI_MAX_OPTIONS 16
int cli_args_one_file(int argc, char **argv, const cli_option_t *opts, size_t nopts,
                      const char *usage, bool *seen, const char **path);

/* Strict decimal parse of s[0..len) into *out (at most max); the message names opt. */
int cli_parse_uint(const char *cmd, const char *opt, const char *s, size_t len, uint64_t max,
                   uint64_t *out);

/* Print "roam-shm CMD: <message>" and a pointer to --help on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- Files (file.c) ------------------------------------------------------ */

/* A whole file in a private, zero-padded, 64-byte-aligned buffer. */
typedef struct cli_file {
    void *data;
    size_t len;
} cli_file_t;

/* Read path into *f; on failure print "PATH: STEP: reason" and return -1. */
int cli_file_read(const char *path, cli_file_t *f);
void cli_file_free(cli_file_t *f);

/* dump --frames (frames.c): every ring's unread entries in the file's
 * private copy f, decoded; returns the exit code. */
int cli_dump_frames(const char *path, const cli_file_t *f, bool json);

/* A zeroed buffer of len bytes (at least 64) aligned to ROAM_SEGMENT_ALIGN,
 * as a mapping is; NULL if out of memory. Free it with free(). */
void *cli_alloc_zeroed(size_t len);

/* Write buf to path, creating it (O_EXCL) or, with replace, renaming a
 * temporary file over it; on failure no partial file is left and
 * "PATH: STEP: reason" is printed. Returns 0 or -1. */
int cli_file_write(const char *path, const void *buf, size_t len, bool replace);

/* For a command that takes flags and one FILE: parse argv as
 * cli_args_one_file does, read FILE, and return fn's exit code. */
typedef int (*cli_file_fn)(const char *path, const cli_file_t *f, const bool *seen);
int cli_run_on_file(int argc, char **argv, const cli_option_t *opts, size_t nopts,
                    const char *usage, cli_file_fn fn);

/* ---- Output of name/value pairs (emit.c) --------------------------------
 * Text: one "path=value" line per value, the path joining object keys and
 * array indices with dots. JSON: one object on one line. */
#define CLI_EMIT_MAX_DEPTH 8

typedef struct cli_emit {
    FILE *fp;
    bool json;
    int depth;
    bool is_array[CLI_EMIT_MAX_DEPTH];
    uint32_t items[CLI_EMIT_MAX_DEPTH];      /* values emitted at each level */
    size_t path_len[CLI_EMIT_MAX_DEPTH];     /* text path length at each level */
    char path[256];
} cli_emit_t;

void cli_emit_init(cli_emit_t *e, FILE *fp, bool json);

/* Open an object ('{') or array ('[') under key (NULL inside an array or at
 * the root); nesting is at most CLI_EMIT_MAX_DEPTH deep. */
void cli_emit_open(cli_emit_t *e, const char *key, char kind);
void cli_emit_close(cli_emit_t *e);
void cli_emit_uint(cli_emit_t *e, const char *key, uint64_t v);

/* A byte string: text escapes \\ and non-printable bytes as \xNN, JSON as \u00NN. */
void cli_emit_bytes(cli_emit_t *e, const char *key, const void *s, size_t len);
void cli_emit_str(cli_emit_t *e, const char *key, const char *s);

/* Every non-reserved field of a private copy of a struct, in schema order:
 * enum fields by name, byte arrays as strings, and after a field with a
 * default for zero, "effective_<name>" with the default applied. */
void cli_emit_fields(cli_emit_t *e, const void *base, const roam_field_info_t *fields, size_t n);

/* ---- Messages ------------------------------------------------------------ */

/* Print "PATH: <message>" for a failed validation; returns CLI_EXIT_INVALID. */
int cli_report_invalid(const char *path, roam_err_t err, const roam_diag_t *diag);

#endif /* ROAM_CLI_H */
