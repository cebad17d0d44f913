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

struct hooks {
    struct sandbox *sb;
    const struct scenario *s;
    int ref[HOOK_COUNT];    /* registry references to the functions, LUA_NOREF when absent */
    int ev_ref[HOOK_COUNT]; /* each hook's `ev`, one table refilled for every call (no allocation per call) */
    int args_ref;           /* on_syscall's ev.args, refilled the same way */
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
    lua_State *L = sandbox_lua(h->sb);
    for (int k = 0; k < HOOK_COUNT; k++) {
        h->ref[k] = h->ev_ref[k] = LUA_NOREF;
        if (lua_getfield(L, -1, hook_names[k]) == LUA_TFUNCTION) {
            h->ref[k] = luaL_ref(L, LUA_REGISTRYINDEX);
            lua_createtable(L, 0, 10);
            h->ev_ref[k] = luaL_ref(L, LUA_REGISTRYINDEX);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_createtable(L, SYSCALL_MAX_ARGS, 0);
    h->args_ref = luaL_ref(L, LUA_REGISTRYINDEX);
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

static void set_nil(lua_State *L, const char *key)
{
    lua_pushnil(L);
    lua_setfield(L, -2, key);
}

static void set_string(lua_State *L, const char *key, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
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

/* The event table `ev` of docs/faults.md, refilled and pushed: fields a call does not have are nil. */
static void push_event(const struct hooks *h, lua_State *L, enum hook_kind kind, const struct vm_event *ev,
                       uint64_t n)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ev_ref[kind]);
    set_string(L, "process", ev->name);
    set_integer(L, "koid", (int64_t)ev->proc->obj.koid);
    if (kind == HOOK_ON_SYSCALL) {
        const char *name = syscall_name(ev->number);
        set_string(L, "syscall", name ? name : "unknown");
        set_integer(L, "number", ev->number);
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->args_ref);
        for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
            lua_pushinteger(L, (lua_Integer)ev->call->arg[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "args");
        set_integer(L, "n", (int64_t)n);
        bool after = ev->kind == VM_EVENT_SYSCALL_AFTER;
        set_string(L, "when", after ? "after" : "before");
        uint64_t actual;
        if (after)
            set_integer(L, "status", (int64_t)ev->ret);
        else
            set_nil(L, "status");
        if (after && vm_event_actual(ev, &actual))
            set_integer(L, "actual", (int64_t)actual);
        else
            set_nil(L, "actual");
    } else if (kind == HOOK_ON_EXCEPTION) {
        set_integer(L, "vector", ev->vector);
        set_integer(L, "rip", (int64_t)ev->rip);
        set_integer(L, "cr2", (int64_t)ev->cr2);
    } else {
        set_integer(L, "code", ev->code);
        set_string(L, "end", end_name(ev->end));
    }
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
