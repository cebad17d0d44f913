/* spawn.c: running a child process to completion, timed, with its peak RSS and (optionally) its stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define NS_PER_SEC       1e9
#define EXEC_FAILED_EXIT 127
#define DRAIN_CHUNK      512

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * NS_PER_SEC + (double)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), compare_doubles);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The child: stdin from /dev/null, stdout to `out_fd`, stderr to /dev/null when `quiet`, then exec. Never
 * returns. */
static void exec_child(char *const argv[], int null_fd, int out_fd, int quiet)
{
    if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        (quiet && dup2(null_fd, STDERR_FILENO) < 0))
        _exit(EXEC_FAILED_EXIT);
    execv(argv[0], argv);
    _exit(EXEC_FAILED_EXIT);
}

/* Reads the pipe to its end, keeping what fits in run->out. */
static void drain(int fd, struct bench_run *run)
{
    size_t len = 0;
    char chunk[DRAIN_CHUNK];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t keep = sizeof(run->out) - 1 - len;
        if ((size_t)n < keep)
            keep = (size_t)n;
        memcpy(run->out + len, chunk, keep);
        len += keep;
    }
    run->out[len] = '\0';
}

static int reap(pid_t pid, const char *path, struct bench_run *run)
{
    struct rusage usage;
    pid_t got;
    while ((got = wait4(pid, &run->status, 0, &usage)) < 0 && errno == EINTR)
        ;
    if (got < 0) {
        fprintf(stderr, "zxvmm_bench: wait4 %s: %s\n", path, strerror(errno));
        return -1;
    }
    run->maxrss_kib = usage.ru_maxrss;
    if (!WIFEXITED(run->status) || WEXITSTATUS(run->status) != 0) {
        fprintf(stderr, "zxvmm_bench: %s failed (wait status 0x%x)\n", path, (unsigned)run->status);
        return -1;
    }
    return 0;
}

int bench_spawn(char *const argv[], int how, struct bench_run *run)
{
    int capture = how & BENCH_SPAWN_CAPTURE;
    int pipe_fds[2] = {-1, -1};
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0 || (capture && pipe2(pipe_fds, O_CLOEXEC) < 0)) {
        fprintf(stderr, "zxvmm_bench: cannot set up %s: %s\n", argv[0], strerror(errno));
        if (null_fd >= 0)
            close(null_fd);
        return -1;
    }
    run->out[0] = '\0';
    double start = bench_now_ns();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(argv, null_fd, capture ? pipe_fds[1] : null_fd, how & BENCH_SPAWN_QUIET);
    close(null_fd);
    if (capture)
        close(pipe_fds[1]);
    if (pid < 0) {
        fprintf(stderr, "zxvmm_bench: fork: %s\n", strerror(errno));
        if (capture)
            close(pipe_fds[0]);
        return -1;
    }
    if (capture) {
        drain(pipe_fds[0], run);
        close(pipe_fds[0]);
    }
    int rc = reap(pid, argv[0], run);
    run->wall_ns = bench_now_ns() - start;
    return rc;
}
