/* The messages about a file (one line, "PATH: <message>"), and stdout's
 * write errors. */
#include <errno.h>
#include <stdarg.h>
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

int cli_report_io(const char *path, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_USAGE;
}

/* Why the first flush of stdout failed, 0 if none did. */
static int stdout_errno;

void cli_flush_stdout(void)
{
    if (fflush(stdout) != 0 && stdout_errno == 0)
        stdout_errno = errno;
}

int cli_stdout_errno(void)
{
    return stdout_errno;
}
