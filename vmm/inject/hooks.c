/* hooks.c: the scenario chunk run again in a run's own sandbox, its hook functions called with event tables.
 */
#include "inject/hooks.h"

#include <assert.h>
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

/*
 * What every call uses sits at the bottom of the state's stack for the life of
 * the state, one value a slot: a call copies it from there, with no table
 * lookup and no string hashed or compared. The `ev` tables are refilled for
 * every call (no allocation per call).
 */
enum hook_slot {
    SLOT_HOOK = 1,                    /* HOOK_COUNT slots: each hook function, or nil */
    SLOT_EV = SLOT_HOOK + HOOK_COUNT, /* HOOK_COUNT slots: each hook's `ev`, or nil */
    SLOT_ARGS = SLOT_EV + HOOK_COUNT, /* on_syscall's ev.args */
    SLOT_STRING = SLOT_ARGS + 1,      /* EV_STRING_COUNT slots: the ev_strings, in order */
    SLOT_COUNT = SLOT_STRING + EV_STRING_COUNT - 1
};

struct hooks {
    struct sandbox *sb;
    const struct scenario *s;
    bool has[HOOK_COUNT];
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

/* Returns the values of the slots (hook_slot), in order, from the scenario's table (argument 1, so that
 * slot i is at i + 1 here). */
static int make_slots(lua_State *L)
{
    luaL_checkstack(L, SLOT_COUNT, "hook slots");
    for (int k = 0; k < HOOK_COUNT; k++)
        if (lua_getfield(L, 1, hook_names[k]) != LUA_TFUNCTION) {
            lua_pop(L, 1);
            lua_pushnil(L);
        }
    for (int k = 0; k < HOOK_COUNT; k++)
        if (lua_isnil(L, SLOT_HOOK + 1 + k))
            lua_pushnil(L);
        else
            lua_createtable(L, 0, 10);
    lua_createtable(L, SYSCALL_MAX_ARGS, 0);
    for (int i = 0; i < EV_STRING_COUNT; i++)
        lua_pushstring(L, ev_strings[i]);
    return SLOT_COUNT;
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
    /* A sandbox call, so that the memory cap refusing any of it is an error, not a panic. */
    lua_State *L = sandbox_lua(h->sb);
    lua_pushcfunction(L, make_slots);
    lua_pushvalue(L, -2);
    if (sandbox_call(h->sb, 1, SLOT_COUNT, err, errlen) != 0) {
        hooks_free(h);
        return NULL;
    }
    lua_remove(L, -SLOT_COUNT - 1); /* the scenario's table: the stack is now the slots alone */
    assert(lua_gettop(L) == SLOT_COUNT);
    for (int k = 0; k < HOOK_COUNT; k++)
        h->has[k] = lua_type(L, SLOT_HOOK + k) == LUA_TFUNCTION;
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

void hooks_stop_after(struct hooks *h, uint64_t grace_ns)
{
    sandbox_stop_after(h->sb, grace_ns);
}

uint64_t hooks_progress(const struct hooks *h)
{
    return sandbox_progress(h->sb);
}

bool hooks_has(const struct hooks *h, enum hook_kind kind)
{
    return h && (unsigned)kind < HOOK_COUNT && h->has[kind];
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
 * Fields of `ev` (slot `ev`) are set raw: no metamethod a hook put on `ev`
 * runs outside the hook's budget. The key is pushed, then the value.
 */
static void push_ev_string(lua_State *L, enum ev_string s)
{
    lua_pushvalue(L, SLOT_STRING + s);
}

static void ev_set_integer(lua_State *L, int ev, enum ev_string key, int64_t v)
{
    push_ev_string(L, key);
    lua_pushinteger(L, (lua_Integer)v);
    lua_rawset(L, ev);
}

static void ev_set_nil(lua_State *L, int ev, enum ev_string key)
{
    push_ev_string(L, key);
    lua_pushnil(L);
    lua_rawset(L, ev);
}

static void ev_set_string(lua_State *L, int ev, enum ev_string key, const char *v)
{
    push_ev_string(L, key);
    lua_pushstring(L, v);
    lua_rawset(L, ev);
}

static void ev_set_ev_string(lua_State *L, int ev, enum ev_string key, enum ev_string v)
{
    push_ev_string(L, key);
    push_ev_string(L, v);
    lua_rawset(L, ev);
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
static void fill_syscall(lua_State *L, int ev, const struct vm_event *e, uint64_t n)
{
    const char *name = syscall_name(e->number);
    if (name)
        ev_set_string(L, ev, EV_SYSCALL, name);
    else
        ev_set_ev_string(L, ev, EV_SYSCALL, EV_UNKNOWN);
    ev_set_integer(L, ev, EV_NUMBER, e->number);
    for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
        lua_pushinteger(L, (lua_Integer)e->call->arg[i]);
        lua_rawseti(L, SLOT_ARGS, i + 1);
    }
    push_ev_string(L, EV_ARGS);
    lua_pushvalue(L, SLOT_ARGS);
    lua_rawset(L, ev);
    ev_set_integer(L, ev, EV_N, (int64_t)n);
    bool after = e->kind == VM_EVENT_SYSCALL_AFTER;
    ev_set_ev_string(L, ev, EV_WHEN, after ? EV_AFTER : EV_BEFORE);
    uint64_t actual;
    if (after)
        ev_set_integer(L, ev, EV_STATUS, (int64_t)e->ret);
    else
        ev_set_nil(L, ev, EV_STATUS);
    if (after && vm_event_actual(e, &actual))
        ev_set_integer(L, ev, EV_ACTUAL, (int64_t)actual);
    else
        ev_set_nil(L, ev, EV_ACTUAL);
}

/* The event table `ev` of docs/faults.md, refilled and pushed: fields a call does not have are nil. */
static void push_event(lua_State *L, enum hook_kind kind, const struct vm_event *e, uint64_t n)
{
    int ev = SLOT_EV + (int)kind;
    ev_set_string(L, ev, EV_PROCESS, e->name);
    ev_set_integer(L, ev, EV_KOID, (int64_t)e->proc->obj.koid);
    if (kind == HOOK_ON_SYSCALL) {
        fill_syscall(L, ev, e, n);
    } else if (kind == HOOK_ON_EXCEPTION) {
        ev_set_integer(L, ev, EV_VECTOR, e->vector);
        ev_set_integer(L, ev, EV_RIP, (int64_t)e->rip);
        ev_set_integer(L, ev, EV_CR2, (int64_t)e->cr2);
    } else {
        ev_set_integer(L, ev, EV_CODE, e->code);
        ev_set_string(L, ev, EV_END, end_name(e->end));
    }
    lua_pushvalue(L, ev);
}

int hooks_call(struct hooks *h, enum hook_kind kind, const struct vm_event *ev, uint64_t n,
               struct fault_action *a, char *err, size_t errlen)
{
    lua_State *L = sandbox_lua(h->sb);
    char msg[384];
    lua_pushvalue(L, SLOT_HOOK + (int)kind);
    push_event(L, kind, ev, n);
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
