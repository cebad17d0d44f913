/* sandbox.c: the Lua sandbox: a counting allocator, a count hook, and the libraries a scenario may use. */
#include "inject/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "inject/pattern.h"
#include "inject/tables.h"
#include "syscall/names.h"

/* The count hook runs every SANDBOX_HOOK_STEP VM instructions; the budget is checked in such steps. */
#define SANDBOX_HOOK_STEP 1000

struct sandbox {
    lua_State *L;
    struct sandbox_limits limits;
    struct rng *rng;
    sandbox_log_fn log; /* zx.log's sink, or NULL */
    void *log_ctx;
    struct sandbox_vm vm;   /* zx.read, zx.write, zx.reg; all NULL without a VM */
    uint64_t used;          /* bytes the state holds */
    uint64_t steps;         /* hook steps in the current call */
    uint64_t library_steps; /* library functions' steps not yet a whole hook step */
    uint64_t progress;      /* hook steps and call starts and ends, ever (sandbox_progress; atomic) */
    uint64_t call_start_ns; /* when the current call started, if sandbox_stop_after came before it */
    uint64_t run_ended_ns;  /* sandbox_stop_after's time (atomic; 0 before) */
    uint64_t stop_grace_ns;
    bool budget_hit; /* the instruction budget ran out (sticky) */
    bool memory_hit; /* an allocation was refused by the cap (sticky) */
    bool stopped;    /* a call outlived sandbox_stop_after's grace (sticky) */
};

static struct sandbox *sandbox_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* lua_Alloc with a cap: refuses (NULL, which Lua turns into a memory error) what would pass limits.memory. */
static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct sandbox *s = ud;
    size_t old = ptr ? osize : 0; /* without ptr, osize names the kind of object */
    if (nsize == 0) {
        free(ptr);
        s->used -= old;
        return NULL;
    }
    if (nsize > old && (nsize > s->limits.memory || s->used - old > s->limits.memory - nsize)) {
        s->memory_hit = true;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p)
        s->used = s->used - old + nsize;
    return p;
}

/* Counts a sign of life: only the thread calling into the state writes `progress`, another may read it. */
static void note_progress(struct sandbox *s)
{
    __atomic_store_n(&s->progress, s->progress + 1, __ATOMIC_RELAXED);
}

static void count_hook(lua_State *L, lua_Debug *ar);

/* Now, on the clock sandbox_stop_after counts from. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Raises `what` after the line of the Lua function `level` levels up when there is one; from then on every
 * instruction raises it again, so that no pcall in the script can outlast it. */
static void raise_limit(lua_State *L, int level, const char *what)
{
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    lua_Debug where;
    if (lua_getstack(L, level, &where) && lua_getinfo(L, "Sl", &where) && where.currentline > 0)
        lua_pushfstring(L, "%s:%d: ", where.short_src, where.currentline);
    else
        lua_pushliteral(L, "");
    lua_pushstring(L, what);
    lua_concat(L, 2);
    lua_error(L);
}

static void budget_text(const struct sandbox *s, char *out, size_t len)
{
    snprintf(out, len, "instruction budget of %llu exceeded", (unsigned long long)s->limits.instructions);
}

static void stopped_text(const struct sandbox *s, char *out, size_t len)
{
    snprintf(out, len, "still running %llu ms after the run ended; stopped",
             (unsigned long long)(s->stop_grace_ns / 1000000));
}

/* Whether the call in progress is past the time sandbox_stop_after gave it. */
static bool past_stop(struct sandbox *s)
{
    uint64_t ended = __atomic_load_n(&s->run_ended_ns, __ATOMIC_ACQUIRE);
    if (!ended)
        return false;
    uint64_t from = ended > s->call_start_ns ? ended : s->call_start_ns;
    return now_ns() - from >= s->stop_grace_ns;
}

/* At every count: the budget spent, or the run over for long enough, raise their errors (`level`: where the
 * Lua code that made the count is). */
static void check_limits(lua_State *L, struct sandbox *s, int level)
{
    char what[96];
    if (s->budget_hit || s->steps * SANDBOX_HOOK_STEP > s->limits.instructions) {
        s->budget_hit = true;
        budget_text(s, what, sizeof(what));
        raise_limit(L, level, what);
    }
    if (s->stopped || past_stop(s)) {
        s->stopped = true;
        stopped_text(s, what, sizeof(what));
        raise_limit(L, level, what);
    }
}

/* Every SANDBOX_HOOK_STEP instructions (and at every one once a limit was hit). */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    struct sandbox *s = sandbox_of(L);
    s->steps++;
    note_progress(s);
    check_limits(L, s, 0);
    (void)ar;
}

/* meter_charge_fn for the library functions that count (pattern.c, tables.c): each of their steps is one
 * instruction of the budget, and a sign of life for sandbox_progress. */
static void charge_steps(lua_State *L, uint64_t steps)
{
    struct sandbox *s = sandbox_of(L);
    note_progress(s);
    s->library_steps += steps;
    s->steps += s->library_steps / SANDBOX_HOOK_STEP;
    s->library_steps %= SANDBOX_HOOK_STEP;
    check_limits(L, s, 1);
}

/* print: to stderr, never to the guest's stdout. */
static int safe_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "zxvmm: scenario: ");
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    fputs(lua_tostring(L, -1), stderr);
    return 0;
}

/*
 * load(chunk [, name [, mode [, env]]]) with mode forced to "t": precompiled bytecode is never loaded. The
 * chunk must be a string: a reader function written in C (math.random, say) feeds the compiler from C,
 * where the instruction budget does not count, and could run until the memory cap.
 */
static int safe_load(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "load: a scenario loads a string chunk only, not a reader function");
    bool has_env =
        lua_gettop(L) >= 4; /* an explicit env, even nil, is passed on; an absent one stays absent */
    lua_settop(L, 4);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "t");
    if (has_env)
        lua_pushvalue(L, 4);
    lua_call(L, has_env ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - 4;
}

/*
 * string.rep(s, n [, sep]): an empty s with an empty sep gives "" at once. Lua's own loops n times doing
 * nothing, in C where the instruction budget does not count: string.rep("", 1 << 62) never returned.
 * Anything longer is allocated whole first, so the memory cap bounds it.
 */
static int safe_rep(lua_State *L)
{
    size_t len, seplen;
    luaL_checklstring(L, 1, &len);
    luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &seplen);
    if (len == 0 && seplen == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* collectgarbage("count") only: a script may measure its memory, never drive the collector. */
static int safe_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage(\"%s\") is not allowed in a scenario (only \"count\")", opt);
    lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) + (lua_Number)lua_gc(L, LUA_GCCOUNTB, 0) / 1024);
    return 1;
}

/* setmetatable refusing __gc: finalizers run with hooks off, outside any instruction budget. */
static int safe_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL)
        return luaL_error(L, "setmetatable: __gc metamethods are not allowed in a scenario");
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* math.random as Lua's: () a float in [0, 1); (m) an integer in [1, m]; (m, n) one in [m, n]; from the run's
 * generator. */
static int safe_random(lua_State *L)
{
    struct sandbox *s = sandbox_of(L);
    lua_Integer lo = 1, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, (lua_Number)rng_double(s->rng));
        return 1;
    case 1:
        hi = luaL_checkinteger(L, 1);
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'random'");
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
    lua_pushinteger(L, (lua_Integer)rng_range(s->rng, (int64_t)lo, (int64_t)hi));
    return 1;
}

/* Replaces t[name] (t on top of the stack) by a C closure over its old value; nil removes it. */
static void replace_field(lua_State *L, const char *name, lua_CFunction fn)
{
    if (fn) {
        lua_getfield(L, -1, name);
        lua_pushcclosure(L, fn, 1);
    } else {
        lua_pushnil(L);
    }
    lua_setfield(L, -2, name);
}

static void open_safe_libraries(lua_State *L)
{
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    replace_field(L, "dofile", NULL);
    replace_field(L, "loadfile", NULL);
    replace_field(L, "load", safe_load);
    replace_field(L, "collectgarbage", safe_collectgarbage);
    replace_field(L, "setmetatable", safe_setmetatable);
    replace_field(L, "print", safe_print);
    lua_getfield(L, -1, LUA_STRLIBNAME);
    replace_field(L, "dump", NULL);
    replace_field(L, "rep", safe_rep);
    pattern_open(L, charge_steps);
    lua_pop(L, 1);
    lua_getfield(L, -1, LUA_TABLIBNAME);
    tables_open(L, charge_steps);
    lua_pop(L, 1);
    lua_getfield(L, -1, LUA_MATHLIBNAME);
    replace_field(L, "random", safe_random);
    replace_field(L, "randomseed", NULL);
    lua_pop(L, 2);
}

/* zx.status_name(n): Zircon's name of status n, or nil. */
static int zx_status_name(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    const char *name = n >= INT32_MIN && n <= INT32_MAX ? syscall_status_name((zx_status_t)n) : NULL;
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushnil(L);
    return 1;
}

/* zx.rand(): a float in [0, 1) from the run's generator. */
static int zx_rand(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)rng_double(sandbox_of(L)->rng));
    return 1;
}

/* zx.randint(lo, hi): an integer in [lo, hi] from the run's generator. */
static int zx_randint(lua_State *L)
{
    lua_Integer lo = luaL_checkinteger(L, 1), hi = luaL_checkinteger(L, 2);
    luaL_argcheck(L, lo <= hi, 2, "interval is empty");
    lua_pushinteger(L, (lua_Integer)rng_range(sandbox_of(L)->rng, (int64_t)lo, (int64_t)hi));
    return 1;
}

/* zx.log(...): its arguments, as print shows them and joined by tabs, to the run's log. */
static int zx_log(lua_State *L)
{
    struct sandbox *s = sandbox_of(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    if (s->log)
        s->log(s->log_ctx, text, len);
    return 0;
}

/* The VM the zx memory and register functions reach, or a Lua error naming `fn` when there is none. */
static const struct sandbox_vm *vm_of(lua_State *L, const char *fn)
{
    const struct sandbox_vm *vm = &sandbox_of(L)->vm;
    if (!vm->read)
        luaL_error(L, "%s: no VM here: call it from a hook (on_syscall, on_exception, on_exit) of a run", fn);
    return vm;
}

/* A guest address argument: any 64-bit value, written as a Lua integer (negative for the upper half). */
static uint64_t check_addr(lua_State *L, int arg)
{
    return (uint64_t)luaL_checkinteger(L, arg);
}

/* zx.read(process, addr, len): the bytes as a string, through the process's page tables. */
static int zx_read(lua_State *L)
{
    const char *process = luaL_checkstring(L, 1);
    uint64_t addr = check_addr(L, 2);
    lua_Integer len = luaL_checkinteger(L, 3);
    const struct sandbox_vm *vm = vm_of(L, "zx.read");
    if (len < 0 || len > SANDBOX_MAX_ACCESS)
        return luaL_error(L, "zx.read: length %I is outside 0..%d", len, SANDBOX_MAX_ACCESS);
    char buf[SANDBOX_MAX_ACCESS], why[160];
    if (vm->read(vm->ctx, process, addr, buf, (size_t)len, why, sizeof(why)) != 0)
        return luaL_error(L, "zx.read: %s", why);
    lua_pushlstring(L, buf, (size_t)len);
    return 1;
}

/* zx.write(process, addr, bytes): the string's bytes into the process's memory. */
static int zx_write(lua_State *L)
{
    const char *process = luaL_checkstring(L, 1);
    uint64_t addr = check_addr(L, 2);
    size_t len;
    const char *bytes = luaL_checklstring(L, 3, &len);
    const struct sandbox_vm *vm = vm_of(L, "zx.write");
    if (len > SANDBOX_MAX_ACCESS)
        return luaL_error(L, "zx.write: %d bytes at most, not %I", SANDBOX_MAX_ACCESS, (lua_Integer)len);
    char why[160];
    if (vm->write(vm->ctx, process, addr, bytes, len, why, sizeof(why)) != 0)
        return luaL_error(L, "zx.write: %s", why);
    return 0;
}

/* zx.reg(process, name): the register's value as an integer. */
static int zx_reg(lua_State *L)
{
    const char *process = luaL_checkstring(L, 1), *name = luaL_checkstring(L, 2);
    const struct sandbox_vm *vm = vm_of(L, "zx.reg");
    uint64_t value;
    char why[160];
    if (vm->reg(vm->ctx, process, name, &value, why, sizeof(why)) != 0)
        return luaL_error(L, "zx.reg: %s", why);
    lua_pushinteger(L, (lua_Integer)value);
    return 1;
}

static int open_zx(lua_State *L)
{
    static const luaL_Reg fns[] = {{"status_name", zx_status_name},
                                   {"rand", zx_rand},
                                   {"randint", zx_randint},
                                   {"log", zx_log},
                                   {"read", zx_read},
                                   {"write", zx_write},
                                   {"reg", zx_reg},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    const char *name;
    zx_status_t st;
    for (size_t i = 0; syscall_status_at(i, &name, &st); i++) {
        lua_pushinteger(L, st);
        lua_setfield(L, -2, name);
    }
    lua_setglobal(L, "zx");
    return 0;
}

int sandbox_open_zx(struct sandbox *s, sandbox_log_fn log, void *ctx)
{
    s->log = log;
    s->log_ctx = ctx;
    lua_pushcfunction(s->L, open_zx);
    if (lua_pcall(s->L, 0, 0, 0) != LUA_OK) {
        lua_pop(s->L, 1);
        return -1;
    }
    return 0;
}

void sandbox_set_vm(struct sandbox *s, const struct sandbox_vm *vm)
{
    if (vm)
        s->vm = *vm;
    else
        memset(&s->vm, 0, sizeof(s->vm));
}

static int open_protected(lua_State *L)
{
    open_safe_libraries(L);
    return 0;
}

struct sandbox *sandbox_new(const struct sandbox_limits *limits, struct rng *rng)
{
    struct sandbox *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->limits = *limits;
    s->rng = rng;
    s->L = lua_newstate(sandbox_alloc, s);
    if (!s->L) {
        free(s);
        return NULL;
    }
    lua_pushcfunction(s->L, open_protected);
    if (lua_pcall(s->L, 0, 0, 0) != LUA_OK) {
        sandbox_free(s);
        return NULL;
    }
    return s;
}

void sandbox_free(struct sandbox *s)
{
    if (!s)
        return;
    lua_close(s->L);
    free(s);
}

lua_State *sandbox_lua(struct sandbox *s)
{
    return s->L;
}

void sandbox_set_limits(struct sandbox *s, const struct sandbox_limits *limits)
{
    s->limits = *limits;
}

uint64_t sandbox_progress(const struct sandbox *s)
{
    return __atomic_load_n(&s->progress, __ATOMIC_RELAXED);
}

bool sandbox_exhausted(const struct sandbox *s)
{
    return s->budget_hit || s->memory_hit || s->stopped;
}

void sandbox_stop_after(struct sandbox *s, uint64_t grace_ns)
{
    s->stop_grace_ns = grace_ns;
    uint64_t now = now_ns();
    __atomic_store_n(&s->run_ended_ns, now ? now : 1, __ATOMIC_RELEASE);
}

/* The message of a failed call: the limit that was hit, else the error value if it is a string. */
static void describe_error(struct sandbox *s, int status, char *err, size_t errlen)
{
    const char *msg = lua_type(s->L, -1) == LUA_TSTRING ? lua_tostring(s->L, -1) : NULL;
    if (s->memory_hit)
        snprintf(err, errlen, "memory cap of %llu bytes exceeded", (unsigned long long)s->limits.memory);
    else if (s->budget_hit && !(msg && strstr(msg, "instruction budget")))
        budget_text(s, err, errlen);
    else if (s->stopped && !(msg && strstr(msg, "after the run ended")))
        stopped_text(s, err, errlen);
    else if (msg)
        snprintf(err, errlen, "%s", msg);
    else
        snprintf(err, errlen, "error object is a %s value (status %d)", luaL_typename(s->L, -1), status);
}

int sandbox_load(struct sandbox *s, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    char chunkname[4096];
    snprintf(chunkname, sizeof(chunkname), "@%s", name);
    int status = luaL_loadbufferx(s->L, text, len, chunkname, "t");
    if (status != LUA_OK) {
        describe_error(s, status, err, errlen);
        lua_pop(s->L, 1);
        return -1;
    }
    return 0;
}

int sandbox_call(struct sandbox *s, int nargs, int nresults, char *err, size_t errlen)
{
    if (sandbox_exhausted(s)) {
        lua_pop(s->L, nargs + 1);
        lua_pushnil(s->L);
        describe_error(s, LUA_ERRRUN, err, errlen);
        lua_pop(s->L, 1);
        return -1;
    }
    s->steps = 0;
    s->library_steps = 0;
    s->call_start_ns = __atomic_load_n(&s->run_ended_ns, __ATOMIC_ACQUIRE) ? now_ns() : 0;
    note_progress(s);
    lua_sethook(s->L, count_hook, LUA_MASKCOUNT, SANDBOX_HOOK_STEP);
    int status = lua_pcall(s->L, nargs, nresults, 0);
    lua_sethook(s->L, NULL, 0, 0);
    note_progress(s);
    if (status != LUA_OK || sandbox_exhausted(s)) {
        if (status == LUA_OK) {
            lua_pop(s->L, nresults);
            lua_pushnil(s->L);
        }
        describe_error(s, status, err, errlen);
        lua_pop(s->L, 1);
        return -1;
    }
    return 0;
}
