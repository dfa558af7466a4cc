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
    "  --header-only  check only the " ROAM_SEGMENT_HEADER_SIZE_STR "-byte header, not the file's length\n"
    "  -h, --help     print this help\n";

enum { OPT_HELP, OPT_HEADER_ONLY };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_HEADER_ONLY] = {"header-only", 0, false},
};

/* Validate the file's bytes and say so; the exit code. */
static int check(const char *path, const cli_file_t *f, const bool *seen)
{
    roam_segment_header_plain_t snap;
    roam_diag_t diag = {0};
    roam_err_t err = seen[OPT_HEADER_ONLY] ? roam_header_validate(f->data, f->len, 0, &snap)
                                           : roam_segment_validate(f->data, f->len, &snap, &diag);
    if (err != ROAM_OK)
        return cli_report_invalid(path, err, &diag);
    puts("ok");
    return CLI_EXIT_OK;
}

int cmd_validate(int argc, char **argv)
{
    return cli_run_on_file(argc, argv, options, sizeof options / sizeof options[0], usage, check);
}
