/* inject.h: a scenario attached to a running VM: filters and counters on each event, and the actions. */
#ifndef ZXVMM_INJECT_INJECT_H
#define ZXVMM_INJECT_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inject/hooks.h"
#include "inject/scenario.h"
#include "vm/events.h"

struct vm;

/* What one fault did in a run (results rows and the class line). */
struct inject_fault_result {
    char id[SCENARIO_NAME_MAX]; /* the fault's id, or the hook's name for the faults a hook fired */
    uint64_t fired;
    bool have_first;
    char first_process[SCENARIO_NAME_MAX]; /* where it first fired */
    char first_event[40];                  /* the zx_* name, or start, exit, exception */
    uint64_t first_n;                      /* the event's index among those passing the filters */
    bool applied;                          /* false when its action could not apply (see why) */
    char why[128];
};

#define INJECT_LOG_MAX 2048 /* bytes of zx.log output a run keeps */

/* A run's fault results; plain data, so that it can live in memory shared with a parent process. */
struct inject_result {
    struct inject_fault_result faults[SCENARIO_MAX_FAULTS + HOOK_COUNT]; /* the scenario's, then its hooks' */
    unsigned nfaults;
    bool failed;              /* a hook failed (Lua error, limit, bad action): the run is a vmm_error */
    char failure[320];        /* why */
    char log[INJECT_LOG_MAX]; /* zx.log's lines, each ending in '\n' (cut at INJECT_LOG_MAX - 1 bytes) */
    size_t log_len;
};

/*
 * Refuses what the scenario asks that runs cannot do (a lifespan beside
 * reg, an exception vector no instruction at CPL3 raises), with one line
 * naming the file, line, fault and feature. Returns 0 or -1.
 */
int inject_check_supported(const struct scenario *s, const char *file, char *err, size_t errlen);

/*
 * Resolves the `symbol` of each exec trigger from the ELF symbol table of
 * the program its `process` filter names (the main program when none) into
 * its `addr`. Returns 0, or -1 with "FILE:LINE: fault 'ID': ..." in `err`
 * (no such program or symbol, a program that cannot be read).
 */
int inject_resolve_exec(struct scenario *s, const char *file, char *err, size_t errlen);

struct inject;

/*
 * Attaches `s` to `vm` (whose processes are all added) with the run's
 * generator seeded from `seed`, and the scenario's hooks in a Lua state of
 * their own; results go to `out`. Returns NULL when that fails (the host out
 * of memory, the chunk failing this time), with out->failed and the reason in
 * out->failure.
 */
struct inject *inject_new(const struct scenario *s, struct vm *vm, uint64_t seed, struct inject_result *out);

/*
 * The VM's holder for the scenario's hooks (struct vm_holder; NULL when it
 * has none): once the run is over, a hook whose Lua state shows no progress
 * for VM_HOLDER_GRACE_NS is inside a library call nothing can stop; the run
 * gives up on it, with out->failed and the reason in out->failure, and its
 * thread never touches the run again. After that, inject_stop and
 * inject_free must not be called (the hook's thread holds the scenario).
 */
const struct vm_holder *inject_holder(struct inject *in);

/* Starts the clock of the scenario's `time` triggers (call just before vm_run); 0 or -errno. */
int inject_start(struct inject *in);

/* Stops it (call once vm_run returned, before vm_destroy); inject_free stops it too. */
void inject_stop(struct inject *in);

/* The dispatcher sink. */
void inject_on_event(void *inject, struct vm_event *ev);

void inject_free(struct inject *in);

#endif
