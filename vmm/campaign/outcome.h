/* outcome.h: one run of a scenario in a child process (its stdout captured), and its class against the
 * golden run (docs/faults.md, Results and classes). */
#ifndef ZXVMM_CAMPAIGN_OUTCOME_H
#define ZXVMM_CAMPAIGN_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inject/inject.h"
#include "vm/vm.h"

/* How one run went. */
struct campaign_run {
    /* Inputs, set before the run. */
    bool golden;   /* the run without faults */
    uint64_t seed; /* the faulted run's seed */
    /* What happened. */
    bool ran;                /* the VM ran (false: zxvmm failed to set it up, or the child died) */
    int status;              /* the exit status `zxvmm run` gives it */
    enum vm_outcome outcome; /* how the main process ended, when ran */
    int64_t code;            /* its return code, for VM_MAIN_EXITED */
    struct inject_result faults;
    char *out; /* the guest's stdout (malloc'd, NUL-terminated) */
    size_t out_len;
};

/* The run itself, in the child: reads r->golden and r->seed, fills the rest of `r` but out. */
typedef void (*campaign_body)(void *arg, struct campaign_run *r);

/*
 * Runs `body` in a child process with its stdout captured (and its stderr
 * sent to /dev/null when `quiet`), so that a run can neither disturb nor
 * crash the caller. Returns 0 with `r` filled (r->ran false when the child
 * died), or -errno when the child could not be made.
 */
int campaign_fork_run(campaign_body body, void *arg, bool quiet, bool golden, uint64_t seed,
                      struct campaign_run *r);

/* A run started in a child process, not yet reaped. */
struct campaign_child {
    int pid;
    int out_fd;
    struct campaign_run *shared;
};

/* campaign_fork_run in two halves, so that several runs go at once: start one... */
int campaign_spawn(campaign_body body, void *arg, bool quiet, bool golden, uint64_t seed,
                   struct campaign_child *c);

/* ...and, once waitpid returned `wstatus` for c->pid, collect it into `r`. Returns 0 or -errno. */
int campaign_reap(struct campaign_child *c, int wstatus, struct campaign_run *r);

/* Frees r->out. */
void campaign_run_free(struct campaign_run *r);

/* True when any fault of the run fired. */
bool campaign_any_fired(const struct campaign_run *r);

/*
 * The class of `run` against `golden`, the first that applies: vmm_error
 * (checked first, so that a failed set-up is never not_activated),
 * not_activated, hang, crash, detected, sdc, masked; the oracle compares
 * the return code and/or stdout.
 */
const char *campaign_classify(const struct campaign_run *golden, const struct campaign_run *run,
                              bool compare_exit, bool compare_stdout);

/*
 * The class of a faulted run as rows give it: campaign_classify with the
 * scenario's oracle, then, for a run that ran, the scenario's classify hook,
 * which may name another class (`names`, `nnames`: the class names it may
 * use). A hook that fails makes the run a vmm_error, with the reason in
 * run->faults.failure.
 */
const char *campaign_class_of(const struct scenario *sc, const struct campaign_run *golden,
                              struct campaign_run *run, const char *const *names, size_t nnames);

/* How the run's main process ended, as rows and classify name it: exit, kill, exception, timeout, vmm_error.
 */
const char *campaign_end_name(const struct campaign_run *r);

#endif
