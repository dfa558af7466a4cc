/*
 * roam-shm command-line tool: what the commands share.
 *
 * Exit codes: 0 success, 1 the file is not a valid segment, 2 usage, bad
 * parameters or an I/O error (a file that cannot be opened, is not a
 * regular file, or output that cannot be written). Messages about a file
 * start with "FILE: "; usage messages start with "roam-shm COMMAND: ".
 * The same condition gives the same message and exit code in every command.
 *
 * Parsing (cli_parse) only reads argv and prints help or usage errors; all
 * file work happens in the commands' run functions.
 */
#ifndef ROAM_CLI_H
#define ROAM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "roam_segment.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_INVALID 1
#define CLI_EXIT_USAGE 2 /* bad usage, bad parameters or an I/O error */

#define CLI_PROG "roam-shm"

/* create's heartbeat interval unless --heartbeat-interval says otherwise:
 * 1 s, so a host that sweeps learns of a dead guest within 2 s. */
#define CLI_DEFAULT_HEARTBEAT_NS 1000000000u
#define CLI_STR(x) CLI_STR_(x)
#define CLI_STR_(x) #x

/* ---- Options and parsed command lines ------------------------------------ */

/* One option a command accepts: --name, or -s when short_name is set. */
typedef struct cli_option {
    const char *name;
    char short_name;  /* 0 if the option has no short form */
    bool has_value;   /* --name VALUE or --name=VALUE */
} cli_option_t;

#define CLI_MAX_OPTIONS 16

struct cli_command;

/* Everything a command line says. */
typedef struct cli_inv {
    const struct cli_command *cmd;
    const char *path;             /* the FILE operand */
    bool seen[CLI_MAX_OPTIONS];   /* options given, by index */
    /* create */
    roam_segment_config_t cfg;
    roam_size_class_t classes[ROAM_MAX_SIZE_CLASSES];
    uint32_t mode;
    /* echo */
    uint64_t peer;          /* UINT64_MAX: attach to the first empty entry */
    int doorbell;           /* -1: none */
    uint32_t timeout_ms;
} cli_inv_t;

/* One command. Option 0 is always --help. */
typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;
    const cli_option_t *options;
    size_t noptions;
    /* Store an option's value (NULL when every option is a flag); -1 once a
     * usage error is printed. */
    int (*apply)(cli_inv_t *inv, int opt, const char *value);
    /* Defaults and required options once argv is read; -1 after a message. */
    int (*finish)(cli_inv_t *inv, const char *cmd);
    /* Do it; returns the exit code. */
    int (*run)(const cli_inv_t *inv);
} cli_command_t;

extern const cli_command_t cli_cmd_validate;
extern const cli_command_t cli_cmd_dump;
extern const cli_command_t cli_cmd_create;
extern const cli_command_t cli_cmd_goodbye;
extern const cli_command_t cli_cmd_echo;

/* Parse argv (argv[1] names the command) into *inv. CLI_ARGS_RUN when the
 * command should run; otherwise the exit code, after printing help, the
 * version or a usage error. Reads nothing but argv. */
#define CLI_ARGS_RUN (-1)
int cli_parse(int argc, char **argv, cli_inv_t *inv);

/* cli_parse, then run the command; the exit code. */
int cli_main(int argc, char **argv);

/* fflush(stdout), remembering why the first failed flush failed: main
 * reports it and exits 2. */
void cli_flush_stdout(void);

/* errno of the first failed cli_flush_stdout, 0 if none failed. */
int cli_stdout_errno(void);

/* ---- Argument scanning (args.c) ------------------------------------------ */

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

/* Strict decimal parse of s[0..len) into *out (at most max); the message names opt. */
int cli_parse_uint(const char *cmd, const char *opt, const char *s, size_t len, uint64_t max,
                   uint64_t *out);

/* Print "roam-shm CMD: <message>" and a pointer to --help on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- Segment files (segfile.c) --------------------------------------------
 * Every command that reads a segment goes through here, so a condition is
 * reported the same way everywhere. Nothing is ever read whole: the header
 * is read with pread (128 bytes), the rest is mapped. */

typedef struct cli_seg {
    const char *path;
    int fd;
    uint64_t file_size;
    roam_err_t header_err;        /* the header rules on the snapshot */
    roam_segment_header_plain_t snap;   /* valid when the file has a whole header */
    bool have_header;
    void *base;                   /* mapping of map_len bytes, or NULL */
    size_t map_len;
} cli_seg_t;

/* Open path (read-write when writable), refuse anything but a regular
 * file, read and check the header. Returns CLI_ARGS_RUN to go on, or the
 * exit code after printing "PATH: <message>". A header that fails its
 * rules is printed and exits 1 unless keep_bad_header. */
int cli_seg_open(cli_seg_t *s, const char *path, bool writable, bool keep_bad_header);

/* Map the segment: min(file size, current_size) bytes, or the whole file
 * when whole_file. Returns CLI_ARGS_RUN or the exit code (printed). */
int cli_seg_map(cli_seg_t *s, bool writable, bool whole_file);

/* Validate the mapped segment; ROAM_OK, or the error printed as
 * "PATH: <message>". */
roam_err_t cli_seg_validate(cli_seg_t *s);

void cli_seg_unmap(cli_seg_t *s);
void cli_seg_close(cli_seg_t *s);

/* dump --frames (frames.c): every ring's unread entries of the validated,
 * mapped segment, decoded; returns the exit code. */
int cli_dump_frames(const cli_seg_t *s, bool json);

/* Copy len bytes (a multiple of 8, 8-aligned) of shared memory at src into
 * dst with relaxed atomic loads: the file may be changing while it is read.
 * False when the copy raised SIGBUS (the file was cut short meanwhile). */
bool cli_copy_shared(void *dst, const void *src, size_t len);

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

/* ---- Messages (report.c) -------------------------------------------------- */

/* Print "PATH: <message>" for a file that is not a valid segment (the
 * diag's sentence when it has one); returns CLI_EXIT_INVALID. */
int cli_report_invalid(const char *path, roam_err_t err, const roam_diag_t *diag);

/* Print "PATH: <message>" for an I/O problem; returns CLI_EXIT_USAGE. */
int cli_report_io(const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif /* ROAM_CLI_H */
