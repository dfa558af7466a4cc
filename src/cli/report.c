/* The message for a file that is not a valid segment. */
#include <stdio.h>

#include "cli.h"

int cli_report_invalid(const char *path, roam_err_t err, const roam_diag_t *diag)
{
    /* The diag's sentence names the failing entry; fall back to the code's text. */
    const char *msg = diag != NULL && diag->err == err && diag->msg[0] != '\0' ? diag->msg
                                                                               : roam_strerror(err);
    fprintf(stderr, "%s: %s\n", path, msg);
    return CLI_EXIT_INVALID;
}
