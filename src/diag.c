/*
 * Diagnostics: fill a roam_diag_t with an error code, the entry it is about
 * and a sentence that says what failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "roam_internal.h"

roam_err_t roam__diag(roam_diag_t *diag, roam_err_t err, uint32_t index, const char *fmt, ...)
{
    va_list ap;

    if (diag == NULL)
        return err;
    diag->err = err;
    diag->index = index;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    va_end(ap);
    return err;
}

roam_err_t roam__diag_sys(roam_diag_t *diag, const char *step)
{
    /* Read errno before anything else can change it, and leave it as the
     * caller's errno: on ROAM_E_IO it names the failed call's error. */
    int e = errno;

    roam__diag(diag, ROAM_E_IO, 0, "%s: %s", step, strerror(e));
    errno = e;
    return ROAM_E_IO;
}
