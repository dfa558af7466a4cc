/*
 * Cost of `roam-shm create` as a ratio against the floor for making a file
 * of the same size: `truncate -s SIZE FILE` run as a process, then one
 * fsync of FILE. Both run here, alternately, in the same directory; the
 * median of the rounds is compared, wall time and CPU time (user + system,
 * of the processes and of the fsync). Peak memory of create is printed too.
 *
 * Environment: ROAM_SHM_CLI (the tool), BENCH_DIR (default: the current
 * directory; the file system decides what fsync costs).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 7

/* One measurement. */
typedef struct sample {
    double wall_s;
    double cpu_s;
    long maxrss_kb;
} sample_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_of(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
}

/* Run argv with stdout silenced; its CPU time and peak memory into *s. */
static int run(char *const *argv, sample_t *s)
{
    struct rusage ru;
    int st;
    pid_t pid = fork();

    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    s->cpu_s += cpu_of(&ru);
    if (ru.ru_maxrss > s->maxrss_kb)
        s->maxrss_kb = ru.ru_maxrss;
    return 0;
}

/* The floor: truncate -s SIZE FILE, then one fsync. */
static int floor_once(const char *path, const char *size, sample_t *s)
{
    char *argv[] = {"truncate", "-s", (char *)size, (char *)path, NULL};
    struct rusage r0, r1;
    double t0 = now_s();
    int fd;

    memset(s, 0, sizeof *s);
    if (run(argv, s) != 0)
        return -1;
    getrusage(RUSAGE_SELF, &r0);
    fd = open(path, O_RDWR);
    if (fd < 0 || fsync(fd) != 0)
        return -1;
    close(fd);
    getrusage(RUSAGE_SELF, &r1);
    s->cpu_s += cpu_of(&r1) - cpu_of(&r0);
    s->wall_s = now_s() - t0;
    return 0;
}

/* roam-shm create FILE with the configuration's options. */
static int create_once(const char *cli, const char *path, char *const *opts, sample_t *s)
{
    char *argv[24] = {(char *)cli, "create", (char *)path};
    size_t n = 3;
    double t0 = now_s();

    memset(s, 0, sizeof *s);
    for (size_t i = 0; opts[i] != NULL && n < 23; i++)
        argv[n++] = opts[i];
    argv[n] = NULL;
    if (run(argv, s) != 0)
        return -1;
    s->wall_s = now_s() - t0;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* One configuration: ROUNDS of each, alternating; prints the ratios. */
static int bench(const char *cli, const char *dir, const char *name, char *const *opts)
{
    char seg[4096], flat[4096], size[32];
    double cw[ROUNDS], cc[ROUNDS], fw[ROUNDS], fc[ROUNDS];
    long rss = 0;
    struct stat st;

    snprintf(seg, sizeof seg, "%s/bench-create.seg", dir);
    snprintf(flat, sizeof flat, "%s/bench-create.flat", dir);
    for (int r = 0; r < ROUNDS; r++) {
        sample_t c, f;

        unlink(seg);
        unlink(flat);
        if (create_once(cli, seg, opts, &c) != 0 || stat(seg, &st) != 0) {
            fprintf(stderr, "%s: roam-shm create failed\n", name);
            return -1;
        }
        snprintf(size, sizeof size, "%lld", (long long)st.st_size);
        if (floor_once(flat, size, &f) != 0) {
            fprintf(stderr, "%s: truncate + fsync failed\n", name);
            return -1;
        }
        cw[r] = c.wall_s;
        cc[r] = c.cpu_s;
        fw[r] = f.wall_s;
        fc[r] = f.cpu_s;
        rss = c.maxrss_kb > rss ? c.maxrss_kb : rss;
    }
    unlink(seg);
    unlink(flat);

    double mcw = median(cw, ROUNDS), mcc = median(cc, ROUNDS);
    double mfw = median(fw, ROUNDS), mfc = median(fc, ROUNDS);
    printf("%-32s %6.1f MiB  create %7.2f ms wall %7.2f ms cpu  floor %7.2f ms wall %7.2f ms cpu"
           "  ratio wall %5.2f cpu %5.2f  create peak %ld KiB\n",
           name, (double)st.st_size / (1 << 20), mcw * 1e3, mcc * 1e3, mfw * 1e3, mfc * 1e3,
           mcw / mfw, mfc > 0 ? mcc / mfc : 0.0, rss);
    return 0;
}

int main(void)
{
    const char *cli = getenv("ROAM_SHM_CLI");
    const char *dir = getenv("BENCH_DIR") != NULL ? getenv("BENCH_DIR") : ".";
    static char *const big_slots[] = {"--max-guests", "4", "--bipbuf-capacity", "65536",
                                      "--max-payload-size", "1048576", "--size-class",
                                      "1048576:256", NULL};
    static char *const page_slots[] = {"--max-guests", "16", "--bipbuf-capacity", "65536",
                                       "--max-payload-size", "4096", "--size-class",
                                       "4096:65536", NULL};
    static char *const tiny_slots[] = {"--max-guests", "4", "--bipbuf-capacity", "4096",
                                       "--max-payload-size", "64", "--size-class",
                                       "64:3355443", NULL};

    if (cli == NULL) {
        fprintf(stderr, "ROAM_SHM_CLI is not set\n");
        return 1;
    }
    printf("roam-shm create against truncate -s + one fsync (median of %d, in %s)\n", ROUNDS,
           dir);
    if (bench(cli, dir, "256 MiB, 256 slots of 1 MiB", big_slots) != 0 ||
        bench(cli, dir, "256 MiB, 65536 slots of 4 KiB", page_slots) != 0 ||
        bench(cli, dir, "256 MiB, 3.3 M slots of 64 B", tiny_slots) != 0)
        return 1;
    return 0;
}
