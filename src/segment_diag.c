/*
 * Diagnostics of the file-backed segment module: which step failed, why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "segment_internal.h"

roam_err_t roam__seg_fail(roam_diag_t *diag, roam_err_t err, const char *fmt, ...)
{
    va_list ap;

    if (diag == NULL)
        return err;
    diag->err = err;
    diag->index = 0;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    va_end(ap);
    return err;
}

roam_err_t roam__seg_sys(roam_diag_t *diag, const char *step)
{
    /* Read errno before anything else can change it, and leave it as the
     * caller's errno: on ROAM_E_IO it names the failed call's error. */
    int e = errno;

    roam__seg_fail(diag, ROAM_E_IO, "%s: %s", step, strerror(e));
    errno = e;
    return ROAM_E_IO;
}

roam_err_t roam__seg_ok(roam_diag_t *diag)
{
    if (diag != NULL) {
        diag->err = ROAM_OK;
        diag->index = 0;
        diag->msg[0] = '\0';
    }
    return ROAM_OK;
}

void *roam__seg_map(int fd, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

    return p == MAP_FAILED ? NULL : p;
}
