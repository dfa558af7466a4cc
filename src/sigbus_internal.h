/*
 * Guarded library calls: a function whose whole body is ROAM__GUARDED
 * returns ROAM_E_SIGBUS when its work raises SIGBUS under the installed
 * guard. Not installed.
 */
#ifndef ROAM_SIGBUS_INTERNAL_H
#define ROAM_SIGBUS_INTERNAL_H

#include <stdatomic.h>

#include "roam_internal.h"
#include "roam_sigbus.h"

/* Set once the handler is in place (sigbus.c). */
extern atomic_bool roam__sigbus_on;

/* Whether regions must arm themselves; relaxed is enough: a thread that
 * has not seen the flag yet runs unguarded, exactly as before installing. */
static inline bool roam__sigbus_armed(void)
{
    return atomic_load_explicit(&roam__sigbus_on, memory_order_relaxed);
}

/* Fill *diag with ROAM_E_SIGBUS, naming the offset of the fault inside
 * [base, base + len) when it lies there; returns ROAM_E_SIGBUS. */
roam_err_t roam__sigbus_diag(roam_diag_t *diag, const char *what, const void *base, uint64_t len);

/* Return call (a roam_err_t expression) run as a guarded region; on a
 * SIGBUS run on_fault, then return ROAM_E_SIGBUS with what, base and len
 * for the message (re-read after the jump: they must be parameters or
 * memory, never locals changed by call). Unguarded while the guard is not
 * installed. */
#define ROAM__GUARDED(diag, what, base, len, on_fault, call)                 \
    do {                                                                     \
        roam_sigbus_scope_t scope_;                                          \
        roam_err_t err_;                                                     \
        if (!roam__sigbus_armed())                                           \
            return (call);                                                   \
        if (ROAM_SIGBUS_CAUGHT(&scope_)) {                                   \
            on_fault;                                                        \
            return roam__sigbus_diag((diag), (what), (base), (len));         \
        }                                                                    \
        roam_sigbus_enter(&scope_);                                          \
        err_ = (call);                                                       \
        roam_sigbus_leave(&scope_);                                          \
        return err_;                                                         \
    } while (0)

/* For the entry points on a hot path (header snapshot and validation,
 * whole-segment validation): run call, inlined, and return while the guard
 * is not installed; the guarded region is then a separate function (its
 * sigsetjmp frame costs the unguarded path nothing: no registers saved for
 * it, no walk locals in it for a longjmp to clobber). */
#define ROAM__UNGUARDED_FAST(call)                                           \
    do {                                                                     \
        if (__builtin_expect(!roam__sigbus_armed(), 1))                      \
            return (call);                                                   \
    } while (0)

#endif /* ROAM_SIGBUS_INTERNAL_H */
