/*
 * roam-shm: the opt-in SIGBUS guard.
 *
 * A process that truncates a segment file makes every other process that
 * touches the lost pages of its mapping receive SIGBUS, which kills it by
 * default. After roam_sigbus_install() (once per process), a SIGBUS raised
 * on a thread inside a guarded region jumps back to that region instead:
 *
 *  - every library function that reads or writes segment memory and returns
 *    a roam_err_t is a guarded region of its own: it returns ROAM_E_SIGBUS,
 *    its diag names the offset, and its handle stays safe to close;
 *  - the application guards its own accesses to a mapping, and the library
 *    calls that return no roam_err_t (roam_frame_route, roam_host_sweep,
 *    roam_host_goodbye, roam_segment_host_gone, roam_host_peer_dead,
 *    roam_segment_config, roam_segment_lint, the roam_peer_* entry ops):
 *
 *        roam_sigbus_scope_t s;
 *        if (ROAM_SIGBUS_CAUGHT(&s)) {
 *            ... SIGBUS: the scope has been left already ...
 *        } else {
 *            roam_sigbus_enter(&s);
 *            ... touch the mapping ...
 *            roam_sigbus_leave(&s);
 *        }
 *
 *    Locals changed inside the scope must be volatile to be read after a
 *    SIGBUS (the rule of setjmp).
 *
 * A SIGBUS outside every guarded region, or one sent by kill(), goes to the
 * handler installed before (or takes the default action, as it would have).
 * Without roam_sigbus_install() nothing changes and regions cost one load.
 *
 * A region is a setjmp (standard C; the signal mask is not saved, so no
 * system call): the handler jumps back with longjmp after unblocking
 * SIGBUS itself.
 */
#ifndef ROAM_SIGBUS_H
#define ROAM_SIGBUS_H

#include <setjmp.h>
#include <stdbool.h>

#include "roam_shm.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Everything declared here is the library's exported API. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* One guarded region on one thread; regions nest. */
typedef struct roam_sigbus_scope {
    jmp_buf env;
    struct roam_sigbus_scope *prev;
} roam_sigbus_scope_t;

/* Install the process-wide SIGBUS handler; idempotent and thread-safe.
 * ROAM_E_IO if sigaction fails. */
roam_err_t roam_sigbus_install(roam_diag_t *diag);

/* True once roam_sigbus_install() has succeeded. */
bool roam_sigbus_installed(void);

/* Nonzero (true) when control comes back from a SIGBUS in the scope;
 * expands to setjmp, so it must be the whole condition of an if. */
#define ROAM_SIGBUS_CAUGHT(s) (setjmp((s)->env) != 0)

/* Enter and leave the scope armed by ROAM_SIGBUS_CAUGHT, on this thread. */
void roam_sigbus_enter(roam_sigbus_scope_t *s);
void roam_sigbus_leave(roam_sigbus_scope_t *s);

/* The address of this thread's last SIGBUS taken by a region. */
const void *roam_sigbus_fault_addr(void);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif

#endif /* ROAM_SIGBUS_H */
