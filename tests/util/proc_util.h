/*
 * Helpers for tests that run real processes: scratch directories, children
 * that die with their parent, bounded waits, shared coordination memory.
 */
#ifndef PROC_UTIL_H
#define PROC_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- Scratch files --------------------------------------------------------*/

/* Make a fresh directory under $TMPDIR (or /tmp) into dir; false on error. */
bool proc_tmpdir_make(char *dir, size_t len);

/* Remove dir and every file in it (no subdirectories are expected). */
void proc_tmpdir_remove(const char *dir);

/* out = dir/name. */
void proc_path(char *out, size_t len, const char *dir, const char *name);

/* ---- Time ------------------------------------------------------------------*/

/* CLOCK_MONOTONIC now plus ms, in nanoseconds. */
uint64_t proc_deadline_ms(uint32_t ms);

/* True once CLOCK_MONOTONIC has passed deadline_ns. */
bool proc_past(uint64_t deadline_ns);

void proc_sleep_ms(uint32_t ms);

/* ---- Children --------------------------------------------------------------*/

/* Fork a child that runs fn(arg) and _exit()s with its return value. The
 * child is killed if the parent dies first. Returns the pid, -1 on error. */
pid_t proc_spawn(int (*fn)(void *), void *arg);

/* How a child ended. */
typedef struct proc_status {
    pid_t pid;
    bool exited;     /* ended through exit: code is valid */
    int code;
    int signo;       /* killed by this signal, else 0 */
    bool timed_out;  /* still running at the deadline: killed by the waiter */
} proc_status_t;

/* Reap n children, waiting at most timeout_ms in all; SIGKILL and reap any
 * still running then. Returns how many exited with code 0. */
int proc_wait_all(const pid_t *pids, int n, uint32_t timeout_ms, proc_status_t *out);

/* "exit 3", "signal 9", "timed out": for failure messages. */
const char *proc_status_str(const proc_status_t *st, char *buf, size_t len);

/* ---- Shared coordination memory ---------------------------------------------*/

/* Zeroed MAP_SHARED|MAP_ANONYMOUS memory, inherited by children; NULL on error. */
void *proc_shared_alloc(size_t len);
void proc_shared_free(void *p, size_t len);

/* Yield until *v >= target (acquire); false if deadline_ns passes first. */
bool proc_wait_ge(const _Atomic uint32_t *v, uint32_t target, uint64_t deadline_ns);

#endif /* PROC_UTIL_H */
