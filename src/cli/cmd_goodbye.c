/* roam-shm goodbye: raise the host goodbye flag on a live segment. */
#include <stdio.h>

#include "cli.h"
#include "roam_segment.h"

static const char usage[] =
    "usage: " CLI_PROG " goodbye FILE\n"
    "\n"
    "Attach to the live segment in FILE (validating it) and store\n"
    "host_goodbye = 1 with release ordering, as a host does on orderly\n"
    "shutdown: every guest that polls the flag detaches. Prints nothing on\n"
    "success. An invalid segment prints 'FILE: <reason>' and exits 1; a file\n"
    "that cannot be opened or is still being created exits 2.\n"
    "\n"
    "  -h, --help  print this help\n";

enum { OPT_HELP };

static const cli_option_t options[] = {
    [OPT_HELP] = {"help", 'h', false},
};

int cmd_goodbye(int argc, char **argv)
{
    /* The one FILE operand. */
    bool seen[sizeof options / sizeof options[0]] = {0};
    const char *path;
    int rc = cli_args_one_file(argc, argv, options, sizeof options / sizeof options[0], usage,
                               seen, &path);
    if (rc != CLI_ARGS_RUN)
        return rc;

    /* Attach without taking a peer entry; only a valid segment is touched. */
    roam_segment_t seg;
    roam_diag_t diag = {0};
    roam_err_t err = roam_segment_attach(&seg, path, &diag);
    if (err == ROAM_E_IO || err == ROAM_E_NOT_READY) {
        fprintf(stderr, "%s: %s\n", path, diag.msg[0] != '\0' ? diag.msg : roam_strerror(err));
        return CLI_EXIT_USAGE;
    }
    if (err != ROAM_OK)
        return cli_report_invalid(path, err, &diag);

    roam_host_goodbye(&seg);
    roam_segment_close(&seg);
    return CLI_EXIT_OK;
}
