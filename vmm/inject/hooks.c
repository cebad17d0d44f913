/* hooks.c: the scenario chunk run again in a run's own sandbox, its hook functions called with event tables.
 */
#include "inject/hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "inject/sandbox.h"
#include "object/process.h"
#include "syscall/names.h"

static const char *const hook_names[HOOK_COUNT] = {
    [HOOK_ON_SYSCALL] = "on_syscall", [HOOK_ON_EXCEPTION] = "on_exception", [HOOK_ON_EXIT] = "on_exit"};

/* The keys of `ev` and the values that do not vary, made into Lua strings once per state (push_event). */
enum ev_string {
    EV_PROCESS,
    EV_KOID,
    EV_SYSCALL,
    EV_NUMBER,
    EV_ARGS,
    EV_N,
    EV_WHEN,
    EV_STATUS,
    EV_ACTUAL,
    EV_VECTOR,
    EV_RIP,
    EV_CR2,
    EV_CODE,
    EV_END,
    EV_BEFORE,
    EV_AFTER,
    EV_UNKNOWN,
    EV_STRING_COUNT
};

static const char *const ev_strings[EV_STRING_COUNT] = {
    [EV_PROCESS] = "process", [EV_KOID] = "koid",     [EV_SYSCALL] = "syscall", [EV_NUMBER] = "number",
    [EV_ARGS] = "args",       [EV_N] = "n",           [EV_WHEN] = "when",       [EV_STATUS] = "status",
    [EV_ACTUAL] = "actual",   [EV_VECTOR] = "vector", [EV_RIP] = "rip",         [EV_CR2] = "cr2",
    [EV_CODE] = "code",       [EV_END] = "end",       [EV_BEFORE] = "before",   [EV_AFTER] = "after",
    [EV_UNKNOWN] = "unknown"};

struct hooks {
    struct sandbox *sb;
    const struct scenario *s;
    int ref[HOOK_COUNT];    /* registry references to the functions, LUA_NOREF when absent */
    int ev_ref[HOOK_COUNT]; /* each hook's `ev`, one table refilled for every call (no allocation per call) */
    int args_ref;           /* on_syscall's ev.args, refilled the same way */
    int strings_ref; /* a list of the ev_strings, in order, so a call neither looks them up nor hashes them */
};

const char *hook_name(enum hook_kind kind)
{
    return (unsigned)kind < HOOK_COUNT ? hook_names[kind] : "?";
}

/* A sandbox with `zx`, the scenario's table on top of its stack; NULL with `err`. */
static struct sandbox *load_scenario(const struct scenario *s, struct rng *rng, sandbox_log_fn log, void *ctx,
                                     char *err, size_t errlen)
{
    struct sandbox *sb = sandbox_new(&s->limits, rng);
    if (!sb) {
        snprintf(err, errlen, "out of host memory for the Lua state");
        return NULL;
    }
    if (sandbox_open_zx(sb, log, ctx) != 0) {
        snprintf(err, errlen, "memory cap of %llu bytes exceeded", (unsigned long long)s->limits.memory);
    } else if (sandbox_load(sb, s->file, s->text, s->text_len, err, errlen) == 0 &&
               sandbox_call(sb, 0, 1, err, errlen) == 0) {
        if (lua_type(sandbox_lua(sb), -1) == LUA_TTABLE)
            return sb;
        snprintf(err, errlen, "%s: the scenario returned %s this time, not a table", s->file,
                 luaL_typename(sandbox_lua(sb), -1));
    }
    sandbox_free(sb);
    return NULL;
}

/*
 * Keeps the scenario's hooks (the scenario's table on top of the stack) and
 * makes the tables and strings every call refills. Run as a sandbox call, so
 * that the memory cap refusing any of it is an error, not a panic.
 */
static int keep_hooks(lua_State *L)
{
    struct hooks *h = lua_touserdata(L, 1);
    for (int k = 0; k < HOOK_COUNT; k++) {
        if (lua_getfield(L, 2, hook_names[k]) == LUA_TFUNCTION) {
            h->ref[k] = luaL_ref(L, LUA_REGISTRYINDEX);
            lua_createtable(L, 0, 10);
            h->ev_ref[k] = luaL_ref(L, LUA_REGISTRYINDEX);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_createtable(L, SYSCALL_MAX_ARGS, 0);
    h->args_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, EV_STRING_COUNT, 0);
    for (int i = 0; i < EV_STRING_COUNT; i++) {
        lua_pushstring(L, ev_strings[i]);
        lua_rawseti(L, -2, i + 1);
    }
    h->strings_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

struct hooks *hooks_new(const struct scenario *s, struct rng *rng, sandbox_log_fn log, void *log_ctx,
                        char *err, size_t errlen)
{
    struct hooks *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of host memory for the hooks");
        return NULL;
    }
    h->s = s;
    if (!(h->sb = load_scenario(s, rng, log, log_ctx, err, errlen))) {
        free(h);
        return NULL;
    }
    for (int k = 0; k < HOOK_COUNT; k++)
        h->ref[k] = h->ev_ref[k] = LUA_NOREF;
    lua_State *L = sandbox_lua(h->sb);
    lua_pushcfunction(L, keep_hooks);
    lua_pushlightuserdata(L, h);
    lua_pushvalue(L, -3);
    if (sandbox_call(h->sb, 2, 0, err, errlen) != 0) {
        hooks_free(h);
        return NULL;
    }
    lua_pop(L, 1);
    return h;
}

void hooks_free(struct hooks *h)
{
    if (!h)
        return;
    sandbox_free(h->sb);
    free(h);
}

void hooks_set_vm(struct hooks *h, const struct sandbox_vm *vm)
{
    sandbox_set_vm(h->sb, vm);
}

bool hooks_has(const struct hooks *h, enum hook_kind kind)
{
    return h && (unsigned)kind < HOOK_COUNT && h->ref[kind] != LUA_NOREF;
}

static void set_integer(lua_State *L, const char *key, int64_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, key);
}

static void set_string(lua_State *L, const char *key, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
}

/*
 * Where push_event writes: the `ev` table and the list of ev_strings, by
 * stack index. Fields are set raw with the keys made once: no string is
 * looked up or hashed per call, and no metamethod a hook put on `ev` runs
 * outside the hook's budget.
 */
struct ev_fill {
    lua_State *L;
    int ev, strings;
};

static void push_ev_string(const struct ev_fill *f, enum ev_string s)
{
    lua_rawgeti(f->L, f->strings, s + 1);
}

/* ev[key] = the value on top of the stack (pushed after the key). */
static void ev_set(const struct ev_fill *f)
{
    lua_rawset(f->L, f->ev);
}

static void ev_set_integer(const struct ev_fill *f, enum ev_string key, int64_t v)
{
    push_ev_string(f, key);
    lua_pushinteger(f->L, (lua_Integer)v);
    ev_set(f);
}

static void ev_set_nil(const struct ev_fill *f, enum ev_string key)
{
    push_ev_string(f, key);
    lua_pushnil(f->L);
    ev_set(f);
}

static void ev_set_string(const struct ev_fill *f, enum ev_string key, const char *v)
{
    push_ev_string(f, key);
    lua_pushstring(f->L, v);
    ev_set(f);
}

static void ev_set_ev_string(const struct ev_fill *f, enum ev_string key, enum ev_string v)
{
    push_ev_string(f, key);
    push_ev_string(f, v);
    ev_set(f);
}

/* The name of how a process ended, as rows write it. */
static const char *end_name(enum process_end end)
{
    switch (end) {
    case PROCESS_END_EXIT:
        return "exit";
    case PROCESS_END_EXCEPTION:
        return "exception";
    case PROCESS_END_VMM_ERROR:
        return "vmm_error";
    default:
        return "kill";
    }
}

/* on_syscall's fields of `ev`. */
static void fill_syscall(const struct hooks *h, const struct ev_fill *f, const struct vm_event *ev,
                         uint64_t n)
{
    const char *name = syscall_name(ev->number);
    if (name)
        ev_set_string(f, EV_SYSCALL, name);
    else
        ev_set_ev_string(f, EV_SYSCALL, EV_UNKNOWN);
    ev_set_integer(f, EV_NUMBER, ev->number);
    push_ev_string(f, EV_ARGS);
    lua_rawgeti(f->L, LUA_REGISTRYINDEX, h->args_ref);
    for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
        lua_pushinteger(f->L, (lua_Integer)ev->call->arg[i]);
        lua_rawseti(f->L, -2, i + 1);
    }
    ev_set(f);
    ev_set_integer(f, EV_N, (int64_t)n);
    bool after = ev->kind == VM_EVENT_SYSCALL_AFTER;
    ev_set_ev_string(f, EV_WHEN, after ? EV_AFTER : EV_BEFORE);
    uint64_t actual;
    if (after)
        ev_set_integer(f, EV_STATUS, (int64_t)ev->ret);
    else
        ev_set_nil(f, EV_STATUS);
    if (after && vm_event_actual(ev, &actual))
        ev_set_integer(f, EV_ACTUAL, (int64_t)actual);
    else
        ev_set_nil(f, EV_ACTUAL);
}

/* The event table `ev` of docs/faults.md, refilled and pushed: fields a call does not have are nil. */
static void push_event(const struct hooks *h, lua_State *L, enum hook_kind kind, const struct vm_event *ev,
                       uint64_t n)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ev_ref[kind]);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->strings_ref);
    struct ev_fill f = {L, lua_absindex(L, -2), lua_absindex(L, -1)};
    ev_set_string(&f, EV_PROCESS, ev->name);
    ev_set_integer(&f, EV_KOID, (int64_t)ev->proc->obj.koid);
    if (kind == HOOK_ON_SYSCALL) {
        fill_syscall(h, &f, ev, n);
    } else if (kind == HOOK_ON_EXCEPTION) {
        ev_set_integer(&f, EV_VECTOR, ev->vector);
        ev_set_integer(&f, EV_RIP, (int64_t)ev->rip);
        ev_set_integer(&f, EV_CR2, (int64_t)ev->cr2);
    } else {
        ev_set_integer(&f, EV_CODE, ev->code);
        ev_set_string(&f, EV_END, end_name(ev->end));
    }
    lua_pop(L, 1);
}

int hooks_call(struct hooks *h, enum hook_kind kind, const struct vm_event *ev, uint64_t n,
               struct fault_action *a, char *err, size_t errlen)
{
    lua_State *L = sandbox_lua(h->sb);
    char msg[384];
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref[kind]);
    push_event(h, L, kind, ev, n);
    if (sandbox_call(h->sb, 1, 1, msg, sizeof(msg)) != 0) {
        snprintf(err, errlen, "%s: %s", hook_names[kind], msg);
        return -1;
    }
    int rc = 0;
    if (!lua_isnil(L, -1)) {
        char what[32];
        snprintf(what, sizeof(what), "hook %s", hook_names[kind]);
        rc = scenario_read_action(L, h->s->file, what, a, err, errlen) == 0 ? 1 : -1;
    }
    lua_pop(L, 1);
    return rc;
}

/* classify's view of one run, pushed. */
static void push_result(lua_State *L, const struct hook_result *r)
{
    lua_createtable(L, 0, 5);
    if (r->exited)
        set_integer(L, "exit", r->code);
    set_string(L, "end", r->end);
    lua_pushlstring(L, r->out ? r->out : "", r->out ? r->out_len : 0);
    lua_setfield(L, -2, "stdout");
    lua_createtable(L, (int)r->nfaults, 0);
    for (unsigned i = 0; i < r->nfaults; i++) {
        lua_createtable(L, 0, 2);
        set_string(L, "id", r->fault_ids[i]);
        set_integer(L, "fired", (int64_t)r->fault_fired[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "faults");
}

int hooks_classify(const struct scenario *s, uint64_t seed, const struct hook_result *golden,
                   const struct hook_result *run, const char *const *names, size_t nnames, const char **class,
                   char *err, size_t errlen)
{
    struct rng rng = rng_seeded(seed);
    struct sandbox *sb = load_scenario(s, &rng, NULL, NULL, err, errlen);
    if (!sb)
        return -1;
    lua_State *L = sandbox_lua(sb);
    int rc = 0;
    if (lua_getfield(L, -1, "classify") != LUA_TFUNCTION) {
        snprintf(err, errlen, "classify is not a function this time");
        rc = -1;
    } else {
        push_result(L, run);
        push_result(L, golden);
        lua_setfield(L, -2, "golden");
        char msg[384];
        if (sandbox_call(sb, 1, 1, msg, sizeof(msg)) != 0) {
            snprintf(err, errlen, "classify: %s", msg);
            rc = -1;
        } else if (!lua_isnil(L, -1)) {
            const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            rc = -1;
            for (size_t i = 0; name && i < nnames && rc < 0; i++)
                if (strcmp(name, names[i]) == 0) {
                    *class = names[i];
                    rc = 1;
                }
            if (rc < 0)
                snprintf(err, errlen, "classify returned %s%s%s, not a class name", name ? "'" : "a ",
                         name ? name : luaL_typename(L, -1), name ? "'" : " value");
        }
    }
    sandbox_free(sb);
    return rc;
}
