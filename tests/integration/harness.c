/* harness.c: running zxvmm from integration tests, and the loud line about skipped tests. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HARNESS_LIMIT_MS 120000
#define HARNESS_MAX_ARGS 64

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

const char *harness_zxvmm_path(void)
{
    return env_or("ZXVMM_BIN", ZXVMM_BIN);
}

static const char *join(const char *dir, const char *name)
{
    static __thread char path[4][1024];
    static __thread int slot;
    char *p = path[slot++ % 4];
    snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
    return p;
}

const char *harness_guest(const char *name)
{
    return join(env_or("ZXVMM_GUESTS", ZXVMM_GUESTS), name);
}
const char *harness_example(const char *name)
{
    return join(env_or("ZXVMM_EXAMPLES", ZXVMM_EXAMPLES), name);
}

bool harness_kvm_available(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

struct sink {
    char *buf;
    size_t len, cap;
};

static void sink_add(struct sink *s, const char *data, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
        cr_assert_not_null(s->buf);
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads both pipes to EOF (or the limit, then kills the child). */
static void drain(pid_t pid, int out_fd, int err_fd, struct sink *out, struct sink *err)
{
    struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    struct sink *sinks[2] = {out, err};
    long deadline = now_ms() + HARNESS_LIMIT_MS;
    int open_fds = 2;
    while (open_fds > 0) {
        long left = deadline - now_ms();
        if (left <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[8192];
            ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
            if (n > 0) {
                sink_add(sinks[i], chunk, (size_t)n);
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
}

int harness_run(const char *const argv[], struct run_result *r)
{
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    struct sink out = {0}, err = {0};
    sink_add(&out, "", 0);
    sink_add(&err, "", 0);
    drain(pid, out_pipe[0], err_pipe[0], &out, &err);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    r->out = out.buf;
    r->err = err.buf;
    return 0;
}

int harness_zxvmm(struct run_result *r, ...)
{
    const char *argv[HARNESS_MAX_ARGS + 2] = {harness_zxvmm_path()};
    va_list ap;
    va_start(ap, r);
    int n = 1;
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < HARNESS_MAX_ARGS)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return harness_run(argv, r);
}

void harness_assert_line(const char *out, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = out; (p = strstr(p, line)) != NULL; p++) {
        if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return;
    }
    cr_assert_fail("expected the line \"%s\" in:\n%s", line, out);
}

void harness_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* One loud line whenever a test was skipped, so a partial run can't pass for a full one (scripts/test.sh
 * fails on it wherever guests can boot). */
ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    if (stats->tests_skipped == 0)
        return;
    fprintf(stderr, "\n*** SKIPPED %zu of %zu integration tests: %s ***\n\n", stats->tests_skipped,
            stats->nb_tests,
            harness_kvm_available() ? "each test's reason is in the verbose output"
                                    : "/dev/kvm is not available on this machine");
}
