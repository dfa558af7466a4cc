/* roam-shm: install the SIGBUS guard, run one command, report write errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "roam_sigbus.h"

/* Everything written reached stdout; a write error is an I/O error. */
static int finish_stdout(int rc)
{
    int e;

    cli_flush_stdout();
    e = cli_stdout_errno();
    if (!ferror(stdout) && e == 0)
        return rc;
    fprintf(stderr, CLI_PROG ": cannot write the output: %s\n",
            e != 0 ? strerror(e) : "a write failed");
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* One buffer for all of a typical output: its write error is seen by the
     * final flush, with its reason. */
    static char out_buf[1 << 16];

    setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    /* A file cut short while it is read is an error, not a crash. */
    if (roam_sigbus_install(NULL) != ROAM_OK)
        fprintf(stderr, CLI_PROG ": cannot install the SIGBUS guard: %s\n", strerror(errno));
    return finish_stdout(cli_main(argc, argv));
}
