/* hooks.h: a scenario's Lua hooks in one run: on_syscall, on_exception and on_exit in the faulted run's own
 * Lua state, and classify on a run's result (docs/faults.md, Hooks). */
#ifndef ZXVMM_INJECT_HOOKS_H
#define ZXVMM_INJECT_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inject/rng.h"
#include "inject/scenario.h"
#include "vm/events.h"

enum hook_kind { HOOK_ON_SYSCALL, HOOK_ON_EXCEPTION, HOOK_ON_EXIT, HOOK_COUNT };

/* The hook's name as scenarios write it, which is also the id of the faults it fires. */
const char *hook_name(enum hook_kind kind);

struct hooks;

/*
 * A fresh Lua state for one run: the sandbox with the `zx` table drawing from
 * `rng` and logging through `log`, the scenario's chunk run again, and its
 * hooks kept. Returns NULL with the reason in `err` (a Lua error, a limit, the
 * host out of memory).
 */
struct hooks *hooks_new(const struct scenario *s, struct rng *rng, sandbox_log_fn log, void *log_ctx,
                        char *err, size_t errlen);

void hooks_free(struct hooks *h);

/* Lets the hooks' zx.read, zx.write and zx.reg reach `vm` (sandbox_set_vm); NULL: no VM. */
void hooks_set_vm(struct hooks *h, const struct sandbox_vm *vm);

/* The run is over: a hook call still running `grace_ns` after it (or after its own start) is stopped at its
 * next count (sandbox_stop_after). Any thread. */
void hooks_stop_after(struct hooks *h, uint64_t grace_ns);

/* The hooks' state's sandbox_progress: any thread may read it, to tell a hook stuck in a library call. */
uint64_t hooks_progress(const struct hooks *h);

/* Whether the scenario defines hook `kind`. */
bool hooks_has(const struct hooks *h, enum hook_kind kind);

/*
 * Calls the hook for `ev` (a syscall before or after it, an exception, an
 * exit); `n` is the syscall's count in its process, from 1. Returns 1 with the
 * action it returned in `a`, 0 when it returned nil, or -1 with the reason in
 * `err` (a Lua error, a limit, a value that is not a valid action).
 */
int hooks_call(struct hooks *h, enum hook_kind kind, const struct vm_event *ev, uint64_t n,
               struct fault_action *a, char *err, size_t errlen);

/* What classify(r) sees of one run. */
struct hook_result {
    bool exited; /* `exit` is the main process's return code; else exit is nil */
    int64_t code;
    const char *end; /* "exit", "kill", "exception", "timeout", "vmm_error" */
    const char *out; /* the guest's stdout */
    size_t out_len;
    const char *const *fault_ids; /* the faults that fired, and how often */
    const uint64_t *fault_fired;
    unsigned nfaults;
};

/*
 * Runs the scenario's classify(r) in a fresh state (r: exit, end, stdout,
 * faults = {{id, fired}...}, golden = the same of the golden run). Returns 1
 * with the class it named in `class` (one of `names`, `nnames` of them), 0
 * when it returned nil (keep the default), -1 with the reason in `err` (a Lua
 * error, a limit, a value that is not one of the names).
 */
int hooks_classify(const struct scenario *s, uint64_t seed, const struct hook_result *golden,
                   const struct hook_result *run, const char *const *names, size_t nnames, const char **class,
                   char *err, size_t errlen);

#endif
