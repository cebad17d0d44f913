/* sandbox.h: an embedded Lua 5.4 state that cannot reach the host: safe libraries only, an instruction
 * budget per call, a memory cap, and math.random drawn from the run's generator (docs/faults.md). */
#ifndef ZXVMM_INJECT_SANDBOX_H
#define ZXVMM_INJECT_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "inject/rng.h"

#define SANDBOX_DEFAULT_INSTRUCTIONS 1000000ULL    /* per chunk run or hook call */
#define SANDBOX_DEFAULT_MEMORY       (16ULL << 20) /* bytes the whole state may hold */
#define SANDBOX_MIN_MEMORY           (64ULL << 10) /* less cannot even open the libraries */

struct sandbox_limits {
    uint64_t instructions; /* VM instructions per sandbox_call, counted in steps of SANDBOX_HOOK_STEP */
    uint64_t memory;       /* bytes */
};

struct sandbox;

/*
 * A fresh state with the safe libraries (base without dofile, loadfile and
 * collectgarbage beyond "count", load in text mode only, print to stderr;
 * string without dump; table; math with random drawn from `rng`; utf8) and
 * nothing else: no io, os, package, require, debug, coroutine. `rng` must
 * outlive the sandbox. Returns NULL when the host is out of memory.
 */
struct sandbox *sandbox_new(const struct sandbox_limits *limits, struct rng *rng);

/* Receives what zx.log(...) appends: one string, `len` bytes. */
typedef void (*sandbox_log_fn)(void *ctx, const char *text, size_t len);

/*
 * Adds the global `zx` table: every status by Zircon's name
 * (zx.ZX_ERR_NO_MEMORY), zx.status_name(n), zx.rand() (a float in [0, 1)
 * from the run's generator), zx.randint(lo, hi) (inclusive), zx.log(...)
 * (its arguments as print would show them, joined by tabs, to `log`; NULL
 * drops them), and zx.read, zx.write, zx.reg (see sandbox_set_vm). Returns
 * 0, or -1 when the memory cap refused it.
 */
int sandbox_open_zx(struct sandbox *s, sandbox_log_fn log, void *ctx);

#define SANDBOX_MAX_ACCESS 4096 /* bytes one zx.read or zx.write may move */

/*
 * What zx.read, zx.write and zx.reg reach: a running VM. Each returns 0, or
 * -1 with the reason in `why` (no such process, an address not mapped, an
 * unknown register, a process whose registers are not held), which the Lua
 * function raises as its error.
 */
struct sandbox_vm {
    int (*read)(void *ctx, const char *process, uint64_t addr, void *buf, size_t len, char *why,
                size_t whylen);
    int (*write)(void *ctx, const char *process, uint64_t addr, const void *buf, size_t len, char *why,
                 size_t whylen);
    int (*reg)(void *ctx, const char *process, const char *name, uint64_t *value, char *why, size_t whylen);
    void *ctx;
};

/*
 * Lets zx.read(process, addr, len) (a string of len bytes, 0..SANDBOX_MAX_ACCESS),
 * zx.write(process, addr, bytes) and zx.reg(process, name) (an integer) reach
 * `vm`; NULL (the default) makes each of them raise "no VM here". `vm` is
 * copied.
 */
void sandbox_set_vm(struct sandbox *s, const struct sandbox_vm *vm);

/* Closes the state; NULL is ignored. */
void sandbox_free(struct sandbox *s);

/* The state, to push arguments and read results between calls. */
lua_State *sandbox_lua(struct sandbox *s);

/* Changes the limits (for a scenario's own `limits`); the memory cap applies from the next allocation. */
void sandbox_set_limits(struct sandbox *s, const struct sandbox_limits *limits);

/*
 * Compiles `text` (never bytecode) as chunk `@name`, so that messages read
 * "name:LINE: ...". Returns 0 with the function pushed, or -1 with the
 * message in `err`.
 */
int sandbox_load(struct sandbox *s, const char *name, const char *text, size_t len, char *err, size_t errlen);

/*
 * Calls the function below `nargs` arguments on the stack under a fresh
 * instruction budget, like lua_pcall. Returns 0 with `nresults` results
 * pushed, or -1 with the message in `err` (a Lua error, the instruction
 * budget or the memory cap; once a limit was hit the state stays refused,
 * even if the script caught the error).
 */
int sandbox_call(struct sandbox *s, int nargs, int nresults, char *err, size_t errlen);

/*
 * A count that grows while the state runs Lua code: at every hook step
 * (SANDBOX_HOOK_STEP instructions) and as each sandbox_call starts and ends.
 * Any thread may read it; one that sees it stand still while a call is in
 * progress knows the call is inside a library function (C code the
 * instruction budget does not reach).
 */
uint64_t sandbox_progress(const struct sandbox *s);

/*
 * The run this state serves is over (any thread; once): from now on a call
 * still running `grace_ns` after the later of now and its own start is
 * stopped at its next count (Lua code: every SANDBOX_HOOK_STEP
 * instructions; a counting library function: every METER_BATCH steps) with
 * "LINE: still running N ms after the run ended; stopped", which, like the
 * budget's, no pcall outlasts and which refuses the state from then on. A
 * budget far beyond the run's time cannot keep a hook going after its end.
 */
void sandbox_stop_after(struct sandbox *s, uint64_t grace_ns);

/* True once the budget or the memory cap was exceeded in this state, or a call was stopped. */
bool sandbox_exhausted(const struct sandbox *s);

#endif
