/* outcome.c: forked runs with captured output, and the class of a run. */
#include "campaign/outcome.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* The whole of file `fd` from its start, NUL-terminated. */
static int read_all(int fd, char **out, size_t *len)
{
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
        return -errno;
    char *buf = malloc((size_t)size + 1);
    if (!buf)
        return -ENOMEM;
    size_t done = 0;
    while (done < (size_t)size) {
        ssize_t n = read(fd, buf + done, (size_t)size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    buf[done] = '\0';
    *out = buf;
    *len = done;
    return 0;
}

static void child(campaign_body body, void *arg, bool quiet, int out_fd, struct campaign_run *shared)
{
    dup2(out_fd, STDOUT_FILENO);
    if (quiet) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
    }
    body(arg, shared);
    _exit(0);
}

int campaign_spawn(campaign_body body, void *arg, bool quiet, bool golden, uint64_t seed,
                   struct campaign_child *c)
{
    c->out_fd = memfd_create("zxvmm-run-stdout", MFD_CLOEXEC);
    if (c->out_fd < 0)
        return -errno;
    c->shared = mmap(NULL, sizeof(*c->shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c->shared == MAP_FAILED) {
        int e = errno;
        close(c->out_fd);
        return -e;
    }
    memset(c->shared, 0, sizeof(*c->shared));
    c->shared->golden = golden;
    c->shared->seed = seed;
    fflush(NULL); /* nothing buffered is written twice */
    c->pid = fork();
    if (c->pid == 0)
        child(body, arg, quiet, c->out_fd, c->shared);
    if (c->pid < 0) {
        int e = errno;
        munmap(c->shared, sizeof(*c->shared));
        close(c->out_fd);
        return -e;
    }
    return 0;
}

int campaign_reap(struct campaign_child *c, int wstatus, struct campaign_run *r)
{
    *r = *c->shared;
    r->ran = r->ran && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
    if (!r->ran && r->status == 0)
        r->status = 125; /* CLI_EXIT_VM_FAILED: the child died or never ran the VM */
    int rc = read_all(c->out_fd, &r->out, &r->out_len);
    munmap(c->shared, sizeof(*c->shared));
    close(c->out_fd);
    return rc;
}

int campaign_fork_run(campaign_body body, void *arg, bool quiet, bool golden, uint64_t seed,
                      struct campaign_run *r)
{
    memset(r, 0, sizeof(*r));
    struct campaign_child c;
    int rc = campaign_spawn(body, arg, quiet, golden, seed, &c);
    if (rc != 0)
        return rc;
    int wstatus = 0;
    while (waitpid(c.pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    return campaign_reap(&c, wstatus, r);
}

void campaign_run_free(struct campaign_run *r)
{
    free(r->out);
    r->out = NULL;
}

bool campaign_any_fired(const struct campaign_run *r)
{
    for (unsigned i = 0; i < r->faults.nfaults; i++)
        if (r->faults.faults[i].fired)
            return true;
    return false;
}

const char *campaign_classify(const struct campaign_run *golden, const struct campaign_run *run,
                              bool compare_exit, bool compare_stdout)
{
    if (!run->ran || run->outcome == VM_RUN_FAILED)
        return "vmm_error";
    if (!campaign_any_fired(run))
        return "not_activated";
    if (run->outcome == VM_TIMED_OUT)
        return "hang";
    if (run->outcome == VM_MAIN_EXCEPTION || run->outcome == VM_MAIN_KILLED)
        return "crash";
    if (compare_exit && (golden->outcome != VM_MAIN_EXITED || golden->code != run->code))
        return "detected";
    if (compare_stdout && (golden->out_len != run->out_len ||
                           (run->out_len && memcmp(golden->out, run->out, run->out_len) != 0)))
        return "sdc";
    return "masked";
}

const char *campaign_end_name(const struct campaign_run *r)
{
    if (!r->ran || r->outcome == VM_RUN_FAILED || r->faults.failed)
        return "vmm_error";
    switch (r->outcome) {
    case VM_MAIN_EXITED:
        return "exit";
    case VM_MAIN_KILLED:
        return "kill";
    case VM_MAIN_EXCEPTION:
        return "exception";
    case VM_TIMED_OUT:
        return "timeout";
    default:
        return "vmm_error";
    }
}

/* What classify(r) sees of `r` (ids and counts point into `ids` and `fired`). */
static struct hook_result hook_view(const struct campaign_run *r, const char **ids, uint64_t *fired)
{
    struct hook_result h = {.exited = r->ran && r->outcome == VM_MAIN_EXITED,
                            .code = r->code,
                            .end = campaign_end_name(r),
                            .out = r->out,
                            .out_len = r->out_len,
                            .fault_ids = ids,
                            .fault_fired = fired};
    for (unsigned i = 0; i < r->faults.nfaults; i++)
        if (r->faults.faults[i].fired) {
            ids[h.nfaults] = r->faults.faults[i].id;
            fired[h.nfaults++] = r->faults.faults[i].fired;
        }
    return h;
}

const char *campaign_class_of(const struct scenario *sc, const struct campaign_run *golden,
                              struct campaign_run *run, const char *const *names, size_t nnames)
{
    const char *class = campaign_classify(golden, run, sc->compare_exit, sc->compare_stdout);
    if (!sc->classify || strcmp(class, "vmm_error") == 0)
        return class;
    const char *gids[SCENARIO_MAX_FAULTS + HOOK_COUNT], *rids[SCENARIO_MAX_FAULTS + HOOK_COUNT];
    uint64_t gfired[SCENARIO_MAX_FAULTS + HOOK_COUNT], rfired[SCENARIO_MAX_FAULTS + HOOK_COUNT];
    struct hook_result g = hook_view(golden, gids, gfired), r = hook_view(run, rids, rfired);
    const char *named = NULL;
    char err[sizeof(run->faults.failure)];
    int rc = hooks_classify(sc, run->seed, &g, &r, names, nnames, &named, err, sizeof(err));
    if (rc > 0)
        return named;
    if (rc < 0) {
        run->faults.failed = true;
        snprintf(run->faults.failure, sizeof(run->faults.failure), "%s", err);
        return "vmm_error";
    }
    return class;
}
