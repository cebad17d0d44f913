/* scenario.h: a fault-injection scenario, checked and read from its Lua file into plain data
 * (docs/faults.md). */
#ifndef ZXVMM_INJECT_SCENARIO_H
#define ZXVMM_INJECT_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

#include "inject/counter.h"
#include "inject/sandbox.h"

#define SCENARIO_MAX_FAULTS   64
#define SCENARIO_MAX_SPAWN    63
#define SCENARIO_NAME_MAX     32 /* process names and fault ids, NUL included */
#define SCENARIO_MAX_ARGS     8  /* syscall arguments a range may name (1-based) */
#define SCENARIO_MAX_BYTES    8  /* bytes a flip/set0/set1 may touch */
#define SCENARIO_MAX_SYSCALLS 64 /* names in systematic.syscalls (each syscall once) */

enum fault_on {
    FAULT_ON_SYSCALL,
    FAULT_ON_EXCEPTION,
    FAULT_ON_EXEC,
    FAULT_ON_START,
    FAULT_ON_EXIT,
    FAULT_ON_TIME
};

enum fault_action_kind {
    ACTION_FAIL,
    ACTION_SHORT,
    ACTION_UNMAP,
    ACTION_UNCACHE,
    ACTION_KILL,
    ACTION_REVOKE,
    ACTION_DEBUGGING,
    ACTION_FLIP,
    ACTION_SET0,
    ACTION_SET1,
    ACTION_REG,
    ACTION_DELAY,
    ACTION_EXCEPTION,
};

enum fault_reg_op { REG_FLIP, REG_SET0, REG_SET1, REG_VALUE };

struct fault_action {
    enum fault_action_kind kind;
    zx_status_t status;              /* fail */
    uint64_t count;                  /* short: bytes; delay: milliseconds */
    unsigned vector;                 /* exception */
    char process[SCENARIO_NAME_MAX]; /* unmap, uncache, kill, flip/set0/set1, reg */
    uint64_t addr, len;              /* unmap, uncache: the range; flip/set0/set1: addr */
    uint64_t mask;                   /* flip/set0/set1 (and reg's operand) */
    unsigned bytes;                  /* flip/set0/set1: 1..8 (default: enough for the mask) */
    zx_rights_t rights;              /* revoke */
    char reg[8];                     /* reg: rax ... gs_base */
    enum fault_reg_op reg_op;
    uint64_t lifespan; /* data actions: undone after this many more events (0: never) */
};

struct fault_range {
    bool set;
    uint64_t lo, hi; /* inclusive */
};

struct fault {
    char id[SCENARIO_NAME_MAX]; /* "f1", "f2", ... by default */
    enum fault_on on;
    uint32_t number;                 /* syscall: its number (0: any) */
    bool after;                      /* syscall: when = "after" */
    char process[SCENARIO_NAME_MAX]; /* "" for any process */
    struct fault_range arg[SCENARIO_MAX_ARGS];
    int vector;      /* exception: -1 for any */
    uint64_t addr;   /* exec */
    char symbol[64]; /* exec, when given by name */
    uint64_t ms;     /* time */
    struct fault_counter counter;
    struct fault_action action;
    int line; /* where its id (or trigger) is written, 0 when unknown */
};

struct scenario_program {
    int argc;
    char **argv; /* NULL-terminated, owned */
};

/* `systematic = {process = NAME, syscalls = {NAME, ...}}`: what a systematic campaign may fail. */
struct scenario_systematic {
    char process[SCENARIO_NAME_MAX];          /* only this process's calls ("" for every process) */
    uint32_t syscalls[SCENARIO_MAX_SYSCALLS]; /* only these syscalls, by number, each once */
    unsigned nsyscalls;                       /* 0: every syscall */
};

struct scenario {
    struct scenario_program program;
    struct scenario_program spawn[SCENARIO_MAX_SPAWN];
    int nspawn;
    char *cmdline;  /* NULL when not given */
    char *mem;      /* NULL when not given: a size as --mem takes it */
    double timeout; /* seconds, 0 when not given */
    struct fault faults[SCENARIO_MAX_FAULTS];
    unsigned nfaults;
    bool on_syscall, on_exception, on_exit, classify; /* hooks it defines */
    bool compare_exit, compare_stdout;                /* the oracle (default both) */
    struct sandbox_limits limits;
    struct scenario_systematic systematic; /* empty when not given */
    char *file;                            /* the scenario's name as given (its chunk name) */
    char *text;      /* its text, run again in each faulted run's own Lua state for the hooks */
    size_t text_len; /* bytes of text */
};

/*
 * Checks the scenario `text` (the file `name`) and reads it into `out`: the
 * chunk runs in a sandbox under the default limits and must return a table
 * of the documented keys. Returns 0, or -1 with one line in `err`: "NAME:LINE:
 * message" for Lua errors and wherever the text shows the line of an unknown
 * key, trigger, action, syscall or status name or a value of the wrong type,
 * naming the fault (its id or position) and the key. Program paths are kept
 * as written. On failure `out` holds nothing to free.
 */
int scenario_parse(const char *name, const char *text, size_t len, struct scenario *out, char *err,
                   size_t errlen);

/*
 * Reads and checks the file at `path`, then makes relative program paths
 * relative to the file's directory. Returns as scenario_parse (a file that
 * cannot be read: "PATH: cannot read: CAUSE").
 */
int scenario_load(const char *path, struct scenario *out, char *err, size_t errlen);

/*
 * Reads the action table on top of `L`'s stack (as a fault's `action` is
 * written: {fail = "ZX_ERR_NO_MEMORY"}, ...) into `a`. `what` names where it
 * came from in messages ("hook on_syscall"). Returns 0, or -1 with "FILE:
 * WHAT: key 'KEY': message" in `err`.
 */
int scenario_read_action(lua_State *L, const char *file, const char *what, struct fault_action *a, char *err,
                         size_t errlen);

/* Whether a fault has a `time` trigger: its runs depend on the host's timing, so rows say reproducible false.
 */
bool scenario_timed(const struct scenario *s);

/* Frees what scenario_parse allocated. */
void scenario_free(struct scenario *s);

/* The action's name as scenarios write it ("fail", "unmap", ...). */
const char *scenario_action_name(enum fault_action_kind kind);

#endif
