/*
 * Helpers for tests that run real processes.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "proc_util.h"

/* ---- Scratch files --------------------------------------------------------*/

bool proc_tmpdir_make(char *dir, size_t len)
{
    const char *tmp = getenv("TMPDIR");

    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if ((size_t)snprintf(dir, len, "%s/roam-test-XXXXXX", tmp) >= len)
        return false;
    return mkdtemp(dir) != NULL;
}

void proc_tmpdir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        proc_path(path, sizeof path, dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void proc_path(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* ---- Time ------------------------------------------------------------------*/

static uint64_t proc_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t proc_deadline_ms(uint32_t ms)
{
    return proc_now_ns() + (uint64_t)ms * 1000000u;
}

bool proc_past(uint64_t deadline_ns)
{
    return proc_now_ns() >= deadline_ns;
}

void proc_sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- Children --------------------------------------------------------------*/

pid_t proc_spawn(int (*fn)(void *), void *arg)
{
    pid_t parent = getpid();
    pid_t pid;

    /* Nothing buffered may be written twice. */
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid != 0)
        return pid;

    /* Die with the parent, even if it died before prctl ran. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    _exit(fn(arg) & 0xff);
}

int proc_wait_all(const pid_t *pids, int n, uint32_t timeout_ms, proc_status_t *out)
{
    uint64_t deadline = proc_deadline_ms(timeout_ms);
    int left = 0, ok = 0;

    /* A failed spawn (pid -1) has nothing to wait for. */
    for (int i = 0; i < n; i++) {
        out[i] = (proc_status_t){.pid = pids[i]};
        if (pids[i] > 0)
            left++;
    }

    /* Poll until every child is reaped or time is up. */
    while (left > 0 && !proc_past(deadline)) {
        bool progress = false;

        for (int i = 0; i < n; i++) {
            int st;

            if (out[i].pid <= 0 || out[i].exited || out[i].signo != 0)
                continue;
            if (waitpid(out[i].pid, &st, WNOHANG) != out[i].pid)
                continue;
            out[i].exited = WIFEXITED(st);
            out[i].code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            out[i].signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
            left--;
            progress = true;
        }
        if (!progress)
            proc_sleep_ms(1);
    }

    /* Stragglers: kill and reap, so no test leaves a process behind. */
    for (int i = 0; i < n; i++) {
        int st;

        if (out[i].pid > 0 && !out[i].exited && out[i].signo == 0) {
            kill(out[i].pid, SIGKILL);
            waitpid(out[i].pid, &st, 0);
            out[i].timed_out = true;
            out[i].signo = SIGKILL;
        }
        if (out[i].exited && out[i].code == 0)
            ok++;
    }
    return ok;
}

const char *proc_status_str(const proc_status_t *st, char *buf, size_t len)
{
    if (st->timed_out)
        snprintf(buf, len, "pid %d timed out", (int)st->pid);
    else if (st->exited)
        snprintf(buf, len, "pid %d exit %d", (int)st->pid, st->code);
    else
        snprintf(buf, len, "pid %d signal %d", (int)st->pid, st->signo);
    return buf;
}

/* ---- Shared coordination memory ---------------------------------------------*/

void *proc_shared_alloc(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

void proc_shared_free(void *p, size_t len)
{
    if (p != NULL)
        munmap(p, len);
}

bool proc_wait_ge(const _Atomic uint32_t *v, uint32_t target, uint64_t deadline_ns)
{
    /* Check the clock only now and then: it costs more than a load. */
    for (uint32_t spins = 0;; spins++) {
        if (atomic_load_explicit(v, memory_order_acquire) >= target)
            return true;
        if (spins % 64 == 63 && proc_past(deadline_ns))
            return false;
        sched_yield();
    }
}
