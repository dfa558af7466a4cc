/* roam-shm validate: check a segment file, or only its header. */
#include <stdio.h>

#include "cli.h"

static const char usage[] =
    "usage: " CLI_PROG " validate [--header-only] FILE\n"
    "\n"
    "Check that FILE holds a valid roam v7 segment: the header rules, then\n"
    "(unless --header-only) that the file is at least current_size bytes long\n"
    "and every size class, peer entry and BipBuffer header is consistent.\n"
    "Prints 'ok' and exits 0, or prints 'FILE: <reason>' on stderr and exits 1.\n"
    "\n"
    "  --header-only  check only the 128-byte header, not the file's length\n"
    "  -h, --help     print this help\n";

enum { OPT_HELP, OPT_HEADER_ONLY };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_HEADER_ONLY] = {"header-only", 0, false},
};

/* Validate the file's bytes; 0 or CLI_EXIT_INVALID with the message printed. */
static int check(const char *path, const cli_file_t *f, bool header_only)
{
    roam_segment_header_t snap;
    if (header_only) {
        roam_err_t err = roam_header_validate(f->data, f->len, 0, &snap);
        return err == ROAM_OK ? CLI_EXIT_OK : cli_report_invalid(path, err, NULL);
    }
    roam_diag_t diag = {0};
    roam_err_t err = roam_segment_validate(f->data, f->len, &snap, &diag);
    return err == ROAM_OK ? CLI_EXIT_OK : cli_report_invalid(path, err, &diag);
}

int cmd_validate(int argc, char **argv)
{
    /* Options and the one FILE operand. */
    bool seen[sizeof options / sizeof options[0]] = {0};
    const char *path;
    int rc = cli_args_one_file(argc, argv, options, sizeof options / sizeof options[0], usage,
                               seen, &path);
    if (rc != CLI_ARGS_RUN)
        return rc;

    /* Read, check, report. */
    cli_file_t f;
    if (cli_file_read(path, &f) < 0)
        return CLI_EXIT_USAGE;
    rc = check(path, &f, seen[OPT_HEADER_ONLY]);
    cli_file_free(&f);
    if (rc == CLI_EXIT_OK)
        puts("ok");
    return rc;
}
