/* roam-shm validate: check a segment file, or only its header. */
#include <stdio.h>

#include "cli.h"
#include "roam_sigbus.h"

enum { OPT_HELP, OPT_HEADER_ONLY, OPT_STRICT };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
    [OPT_HEADER_ONLY] = {"header-only", 0, false},
    [OPT_STRICT] = {"strict", 0, false},
};

/* Warnings: at most this many are printed (all are counted). */
#define MAX_WARNINGS 16

/* Print "PATH: warning: ..." for each configuration problem roam's peers
 * accept; returns how many there are, or -1 when the file was cut short
 * while they were read (already reported). */
static long warn(const cli_seg_t *s)
{
    roam_diag_t found[MAX_WARNINGS];
    roam_sigbus_scope_t scope;
    uint32_t n;

    if (ROAM_SIGBUS_CAUGHT(&scope)) {
        cli_report_invalid(s->path, ROAM_E_SIGBUS, NULL);
        return -1;
    }
    roam_sigbus_enter(&scope);
    n = roam_segment_lint(s->base, &s->snap, found, MAX_WARNINGS);
    roam_sigbus_leave(&scope);
    for (uint32_t i = 0; i < n && i < MAX_WARNINGS; i++)
        fprintf(stderr, "%s: warning: %s\n", s->path, found[i].msg);
    return n;
}

static int run(const cli_inv_t *inv)
{
    cli_seg_t s;
    long warnings = 0;
    int rc = cli_seg_open(&s, inv->path, false, false);

    /* The whole segment: mapped, never read into memory. */
    if (rc == CLI_ARGS_RUN && !inv->seen[OPT_HEADER_ONLY]) {
        rc = cli_seg_map(&s, false, false);
        if (rc == CLI_ARGS_RUN && cli_seg_validate(&s) != ROAM_OK)
            rc = CLI_EXIT_INVALID;
        if (rc == CLI_ARGS_RUN && (warnings = warn(&s)) < 0)
            rc = CLI_EXIT_INVALID;
    }
    cli_seg_close(&s);
    if (rc != CLI_ARGS_RUN)
        return rc;
    if (warnings > 0 && inv->seen[OPT_STRICT])
        return CLI_EXIT_INVALID;
    puts("ok");
    return CLI_EXIT_OK;
}

const cli_command_t cli_cmd_validate = {
    .name = "validate",
    .summary = "check that a file holds a valid roam v7 segment",
    .usage =
        "usage: " CLI_PROG " validate [--header-only] [--strict] FILE\n"
        "\n"
        "Check that FILE holds a valid roam v7 segment: the header rules, then\n"
        "(unless --header-only) that the file is at least current_size bytes long\n"
        "and every size class, peer entry and BipBuffer header is consistent.\n"
        "Prints 'ok' and exits 0, or prints 'FILE: <reason>' on stderr and exits 1.\n"
        "A configuration roam's peers accept but that cannot work (max_guests 0,\n"
        "max_payload_size 0, inline entries larger than a ring, slots too small\n"
        "for their length prefix) is reported as 'FILE: warning: <reason>'.\n"
        "The file is mapped, never read whole; --header-only reads "
        ROAM_SEGMENT_HEADER_SIZE_STR " bytes.\n"
        "\n"
        "  --header-only  check only the " ROAM_SEGMENT_HEADER_SIZE_STR
        "-byte header, not the file's length\n"
        "  --strict       a warning fails validation (exit 1)\n"
        "  -h, --help     print this help\n",
    .options = options,
    .noptions = sizeof options / sizeof options[0],
    .run = run,
};
