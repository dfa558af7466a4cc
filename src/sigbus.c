/*
 * The opt-in SIGBUS guard: a process-wide handler that, on a thread inside
 * a guarded region, jumps back to the region instead of letting the process
 * die. Every other SIGBUS goes where it went before.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "sigbus_internal.h"

/* The handler that was installed before ours, for SIGBUS we do not take. */
static struct sigaction roam__sigbus_prev;
static pthread_once_t roam__sigbus_once = PTHREAD_ONCE_INIT;
static int roam__sigbus_errno;
atomic_bool roam__sigbus_on;

/* This thread's innermost guarded region, and where its last SIGBUS hit.
 * volatile: the handler reads them between any two instructions. */
static _Thread_local roam_sigbus_scope_t *volatile roam__sigbus_top;
static _Thread_local const void *volatile roam__sigbus_addr;

/* Not ours: hand it to the previous handler, or die as we would have. */
static void roam__sigbus_chain(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *p = &roam__sigbus_prev;

    if (p->sa_flags & SA_SIGINFO) {
        p->sa_sigaction(sig, si, uc);
        return;
    }
    if (p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN) {
        p->sa_handler(sig);
        return;
    }
    /* A sent signal that was ignored stays ignored. */
    if (p->sa_handler == SIG_IGN && si->si_code <= 0)
        return;
    /* Default action: a fault re-executes and kills with the default
     * action; a sent signal is raised again, pending until we return. */
    signal(SIGBUS, SIG_DFL);
    if (si->si_code <= 0)
        raise(SIGBUS);
}

static void roam__sigbus_handler(int sig, siginfo_t *si, void *uc)
{
    roam_sigbus_scope_t *s = roam__sigbus_top;
    sigset_t bus;

    /* Only a fault raised by this thread's own access (si_code > 0: from
     * the kernel, not kill or sigqueue) inside a guarded region. */
    if (s == NULL || si->si_code <= 0) {
        roam__sigbus_chain(sig, si, uc);
        return;
    }
    roam__sigbus_top = s->prev;
    roam__sigbus_addr = si->si_addr;
    /* The jump does not restore the signal mask (the region saved none: that
     * would cost a system call per region): unblock SIGBUS here so the next
     * fault is caught. */
    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &bus, NULL);
    longjmp(s->env, 1);
}

static void roam__sigbus_do_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = roam__sigbus_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &roam__sigbus_prev) != 0) {
        roam__sigbus_errno = errno;
        return;
    }
    atomic_store_explicit(&roam__sigbus_on, true, memory_order_relaxed);
}

roam_err_t roam_sigbus_install(roam_diag_t *diag)
{
    pthread_once(&roam__sigbus_once, roam__sigbus_do_install);
    if (!roam__sigbus_armed()) {
        errno = roam__sigbus_errno;
        return roam__diag_sys(diag, "sigaction (SIGBUS)");
    }
    return roam__diag_ok(diag);
}

bool roam_sigbus_installed(void)
{
    return roam__sigbus_armed();
}

void roam_sigbus_enter(roam_sigbus_scope_t *s)
{
    s->prev = roam__sigbus_top;
    /* Keep the compiler from moving the mapping's accesses before this. */
    atomic_signal_fence(memory_order_seq_cst);
    roam__sigbus_top = s;
    atomic_signal_fence(memory_order_seq_cst);
}

void roam_sigbus_leave(roam_sigbus_scope_t *s)
{
    atomic_signal_fence(memory_order_seq_cst);
    roam__sigbus_top = s->prev;
    atomic_signal_fence(memory_order_seq_cst);
}

const void *roam_sigbus_fault_addr(void)
{
    return roam__sigbus_addr;
}

roam_err_t roam__sigbus_diag(roam_diag_t *diag, const char *what, const void *base, uint64_t len)
{
    uintptr_t at = (uintptr_t)roam__sigbus_addr;
    uintptr_t lo = (uintptr_t)base;

    if (base != NULL && at >= lo && at - lo < len)
        return roam__diag(diag, ROAM_E_SIGBUS, 0,
                          "%s: SIGBUS at offset %llu: the file was cut short under the mapping",
                          what, (unsigned long long)(at - lo));
    return roam__diag(diag, ROAM_E_SIGBUS, 0,
                      "%s: SIGBUS: the file was cut short under the mapping", what);
}
