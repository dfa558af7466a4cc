/* roam-shm goodbye: raise the host goodbye flag on a live segment. */
#include <stdio.h>

#include "cli.h"
#include "roam_sigbus.h"

enum { OPT_HELP };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
};

/* Store host_goodbye = 1 (release); false if the file was cut short. */
static bool say_goodbye(const cli_seg_t *s)
{
    roam_sigbus_scope_t scope;

    if (ROAM_SIGBUS_CAUGHT(&scope))
        return false;
    roam_sigbus_enter(&scope);
    roam_segment_header_store_host_goodbye((roam_segment_header_t *)s->base, 1);
    roam_sigbus_leave(&scope);
    return true;
}

static int run(const cli_inv_t *inv)
{
    cli_seg_t s;
    int rc = cli_seg_open(&s, inv->path, true, false);

    /* Only a valid segment is touched. */
    if (rc == CLI_ARGS_RUN)
        rc = cli_seg_map(&s, true, false);
    if (rc == CLI_ARGS_RUN && cli_seg_validate(&s) != ROAM_OK)
        rc = CLI_EXIT_INVALID;
    if (rc == CLI_ARGS_RUN)
        rc = say_goodbye(&s) ? CLI_EXIT_OK : cli_report_invalid(inv->path, ROAM_E_SIGBUS, NULL);
    cli_seg_close(&s);
    return rc;
}

const cli_command_t cli_cmd_goodbye = {
    .name = "goodbye",
    .summary = "raise the host goodbye flag on a live segment",
    .usage =
        "usage: " CLI_PROG " goodbye FILE\n"
        "\n"
        "Map the live segment in FILE, validate it, and store host_goodbye = 1\n"
        "with release ordering, as a host does on orderly shutdown: every guest\n"
        "that polls the flag detaches. Prints nothing on success. A file that is\n"
        "not a valid segment prints 'FILE: <reason>' and exits 1, exactly as\n"
        "validate does; one that cannot be opened or is not a regular file exits 2.\n"
        "\n"
        "  -h, --help  print this help\n",
    .options = options,
    .noptions = sizeof options / sizeof options[0],
    .run = run,
};
