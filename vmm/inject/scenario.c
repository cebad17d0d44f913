/* scenario.c: running a scenario chunk in the sandbox and checking every key of the table it returns. */
#include "inject/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <zircon/rights.h>

#include "boot/options.h"
#include "syscall/names.h"
#include "x86_64/cpu.h"

#define SCENARIO_MAX_FILE (1 << 20) /* bytes of a scenario file */

/* What is being checked, for messages: the file and its text (to find lines), the fault, the key. */
struct check {
    lua_State *L;
    const char *file;
    const char *text;
    size_t len;
    size_t from;   /* where the current fault's text starts (0: the whole file) */
    char what[64]; /* "fault 'wm3'", "fault 2", or "" at the top level */
    char *err;
    size_t errlen;
};

/* The line of `offset` in the text, from 1. */
static int line_at(const struct check *c, size_t offset)
{
    int line = 1;
    for (size_t i = 0; i < offset && i < c->len; i++)
        line += c->text[i] == '\n';
    return line;
}

static bool is_ident(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

/* Offset of the first `word =` (word as an identifier) at or after `from`, or SIZE_MAX. */
static size_t find_assignment(const struct check *c, const char *word, size_t from)
{
    size_t wl = strlen(word);
    for (size_t i = from; wl && i + wl <= c->len; i++) {
        if (memcmp(c->text + i, word, wl) != 0 || (i > 0 && is_ident(c->text[i - 1])) ||
            (i + wl < c->len && is_ident(c->text[i + wl])))
            continue;
        size_t j = i + wl;
        while (j < c->len && (c->text[j] == ' ' || c->text[j] == '\t'))
            j++;
        if (j < c->len && c->text[j] == '=' && (j + 1 >= c->len || c->text[j + 1] != '='))
            return i;
    }
    return SIZE_MAX;
}

/* "FILE:LINE: WHAT: key 'KEY': message", the line found from `key` where the text shows it. */
static int fail(struct check *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct check *c, const char *key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t at = key ? find_assignment(c, key, c->from) : SIZE_MAX;
    if (at == SIZE_MAX && c->from > 0)
        at = c->from;
    char where[32] = "";
    if (at != SIZE_MAX)
        snprintf(where, sizeof(where), ":%d", line_at(c, at));
    snprintf(c->err, c->errlen, "%s%s: %s%s%s%s%s%s", c->file, where, c->what, c->what[0] ? ": " : "",
             key ? "key '" : "", key ? key : "", key ? "': " : "", msg);
    return -1;
}

/* True when b is a with two adjacent characters swapped ("nht" for "nth"). */
static bool is_transposition(const char *a, const char *b)
{
    size_t len = strlen(a), i = 0;
    if (strlen(b) != len)
        return false;
    while (i < len && a[i] == b[i])
        i++;
    return i + 1 < len && a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0;
}

/* The nearest of `names` to `word`, when it is a likely misspelling (a swap of neighbours counts as one
 * edit). */
static const char *nearest(const char *word, const char *const *names)
{
    size_t len = strlen(word), best_d = len / 3 + 1;
    const char *best = NULL;
    for (size_t i = 0; names[i]; i++) {
        size_t d =
            is_transposition(word, names[i]) ? 1 : boot_edit_distance(word, len, names[i], strlen(names[i]));
        if (d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

/* Refuses keys of the table at `idx` that are not in `names` (or not strings). */
static int check_keys(struct check *c, int idx, const char *const *names)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            return fail(c, NULL, "a key of type %s where only named keys are allowed", luaL_typename(L, -1));
        }
        const char *key = lua_tostring(L, -1);
        bool known = false;
        for (size_t i = 0; names[i] && !known; i++)
            known = strcmp(names[i], key) == 0;
        if (!known) {
            const char *near = nearest(key, names);
            char k[64];
            snprintf(k, sizeof(k), "%s", key);
            lua_pop(L, 1);
            return fail(c, k, "unknown key%s%s%s", near ? " (did you mean '" : "", near ? near : "",
                        near ? "'?)" : "");
        }
    }
    return 0;
}

/* Field `key` of the table at `idx` pushed; returns its type. */
static int field(struct check *c, int idx, const char *key)
{
    return lua_getfield(c->L, idx, key);
}

static int want_integer(struct check *c, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    if (!lua_isinteger(c->L, -1))
        return fail(c, key, "expected an integer, got %s", luaL_typename(c->L, -1));
    int64_t v = (int64_t)lua_tointeger(c->L, -1);
    if (v < lo || v > hi)
        return fail(c, key, "%lld is out of range (%lld to %lld)", (long long)v, (long long)lo,
                    (long long)hi);
    *out = v;
    return 0;
}

/* An address or mask: any Lua integer, read as unsigned 64 bits. */
static int want_u64(struct check *c, const char *key, uint64_t *out)
{
    if (!lua_isinteger(c->L, -1))
        return fail(c, key, "expected an integer, got %s", luaL_typename(c->L, -1));
    *out = (uint64_t)lua_tointeger(c->L, -1);
    return 0;
}

static int want_string(struct check *c, const char *key, char *out, size_t size)
{
    if (lua_type(c->L, -1) != LUA_TSTRING)
        return fail(c, key, "expected a string, got %s", luaL_typename(c->L, -1));
    size_t len;
    const char *s = lua_tolstring(c->L, -1, &len);
    if (len == 0 || len >= size || strlen(s) != len)
        return fail(c, key, "expected a name of 1 to %zu bytes", size - 1);
    memcpy(out, s, len + 1);
    return 0;
}

/* A status: a ZX_* name or an integer. */
static int want_status(struct check *c, const char *key, zx_status_t *out)
{
    if (lua_isinteger(c->L, -1)) {
        int64_t v;
        if (want_integer(c, key, INT32_MIN, INT32_MAX, &v))
            return -1;
        *out = (zx_status_t)v;
        return 0;
    }
    if (lua_type(c->L, -1) != LUA_TSTRING)
        return fail(c, key, "expected a ZX_ERR_* name or a number, got %s", luaL_typename(c->L, -1));
    const char *name = lua_tostring(c->L, -1);
    if (!syscall_status_from_name(name, out))
        return fail(c, key, "unknown status '%s'", name);
    return 0;
}

static const struct {
    const char *name;
    unsigned vector;
} vector_names[] = {{"DE", X86_VEC_DE}, {"DB", X86_VEC_DB}, {"NMI", X86_VEC_NMI}, {"BP", X86_VEC_BP},
                    {"OF", X86_VEC_OF}, {"BR", X86_VEC_BR}, {"UD", X86_VEC_UD},   {"NM", X86_VEC_NM},
                    {"DF", X86_VEC_DF}, {"TS", X86_VEC_TS}, {"NP", X86_VEC_NP},   {"SS", X86_VEC_SS},
                    {"GP", X86_VEC_GP}, {"PF", X86_VEC_PF}, {"MF", X86_VEC_MF},   {"AC", X86_VEC_AC},
                    {"MC", X86_VEC_MC}, {"XM", X86_VEC_XM}, {"VE", X86_VEC_VE},   {"CP", X86_VEC_CP}};

/* A CPU exception vector: 0-31, or its mnemonic with or without '#' ("PF", "#GP"). */
static int want_vector(struct check *c, const char *key, unsigned *out)
{
    if (lua_isinteger(c->L, -1)) {
        int64_t v;
        if (want_integer(c, key, 0, 31, &v))
            return -1;
        *out = (unsigned)v;
        return 0;
    }
    if (lua_type(c->L, -1) != LUA_TSTRING)
        return fail(c, key, "expected a vector (0-31 or a name such as \"PF\"), got %s",
                    luaL_typename(c->L, -1));
    const char *name = lua_tostring(c->L, -1);
    const char *bare = name[0] == '#' ? name + 1 : name;
    for (size_t i = 0; i < sizeof(vector_names) / sizeof(vector_names[0]); i++)
        if (strcasecmp(bare, vector_names[i].name) == 0) {
            *out = vector_names[i].vector;
            return 0;
        }
    return fail(c, key, "unknown exception vector '%s' (expected 0-31 or a name such as \"PF\" or \"#GP\")",
                name);
}

#define RIGHT(r)                                                                                             \
    {                                                                                                        \
#r, r                                                                                                \
    }
static const struct {
    const char *name;
    zx_rights_t right;
} right_names[] = {
    RIGHT(ZX_RIGHT_DUPLICATE),     RIGHT(ZX_RIGHT_TRANSFER),     RIGHT(ZX_RIGHT_READ),
    RIGHT(ZX_RIGHT_WRITE),         RIGHT(ZX_RIGHT_EXECUTE),      RIGHT(ZX_RIGHT_MAP),
    RIGHT(ZX_RIGHT_GET_PROPERTY),  RIGHT(ZX_RIGHT_SET_PROPERTY), RIGHT(ZX_RIGHT_ENUMERATE),
    RIGHT(ZX_RIGHT_DESTROY),       RIGHT(ZX_RIGHT_SET_POLICY),   RIGHT(ZX_RIGHT_GET_POLICY),
    RIGHT(ZX_RIGHT_SIGNAL),        RIGHT(ZX_RIGHT_SIGNAL_PEER),  RIGHT(ZX_RIGHT_WAIT),
    RIGHT(ZX_RIGHT_INSPECT),       RIGHT(ZX_RIGHT_MANAGE_JOB),   RIGHT(ZX_RIGHT_MANAGE_PROCESS),
    RIGHT(ZX_RIGHT_MANAGE_THREAD), RIGHT(ZX_RIGHT_APPLY_PROFILE)};
#undef RIGHT

static int one_right(struct check *c, const char *key, const char *name, zx_rights_t *out)
{
    for (size_t i = 0; i < sizeof(right_names) / sizeof(right_names[0]); i++)
        if (strcmp(name, right_names[i].name) == 0) {
            *out |= right_names[i].right;
            return 0;
        }
    return fail(c, key, "unknown right '%s' (expected ZX_RIGHT_* names)", name);
}

/* revoke = "ZX_RIGHT_WRITE" or {"ZX_RIGHT_READ", "ZX_RIGHT_WRITE"}. */
static int want_rights(struct check *c, const char *key, zx_rights_t *out)
{
    lua_State *L = c->L;
    *out = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
        return one_right(c, key, lua_tostring(L, -1), out);
    if (lua_type(L, -1) != LUA_TTABLE || luaL_len(L, -1) == 0)
        return fail(c, key, "expected a ZX_RIGHT_* name or a list of them");
    for (lua_Integer i = 1; i <= luaL_len(L, -1); i++) {
        lua_geti(L, -1, i);
        int rc = lua_type(L, -1) == LUA_TSTRING ? one_right(c, key, lua_tostring(L, -1), out)
                                                : fail(c, key, "expected ZX_RIGHT_* names in the list");
        lua_pop(L, 1);
        if (rc)
            return -1;
    }
    return 0;
}

static const char *const action_names[] = {
    [ACTION_FAIL] = "fail",           [ACTION_SHORT] = "short", [ACTION_UNMAP] = "unmap",
    [ACTION_UNCACHE] = "uncache",     [ACTION_KILL] = "kill",   [ACTION_REVOKE] = "revoke",
    [ACTION_DEBUGGING] = "debugging", [ACTION_FLIP] = "flip",   [ACTION_SET0] = "set0",
    [ACTION_SET1] = "set1",           [ACTION_REG] = "reg",     [ACTION_DELAY] = "delay",
    [ACTION_EXCEPTION] = "exception"};
#define ACTION_COUNT (sizeof(action_names) / sizeof(action_names[0]))

const char *scenario_action_name(enum fault_action_kind kind)
{
    return (size_t)kind < ACTION_COUNT ? action_names[kind] : "?";
}

/* {process = NAME, addr = A, len = L} for unmap and uncache. */
static int read_range_target(struct check *c, const char *key, struct fault_action *a)
{
    static const char *const keys[] = {"process", "addr", "len", NULL};
    if (lua_type(c->L, -1) != LUA_TTABLE)
        return fail(c, key, "expected {process = NAME, addr = ADDRESS, len = BYTES}");
    int64_t len;
    int t = lua_gettop(c->L);
    if (check_keys(c, t, keys) ||
        (field(c, t, "process"), want_string(c, "process", a->process, sizeof(a->process))) ||
        (lua_pop(c->L, 1), field(c, t, "addr"), want_u64(c, "addr", &a->addr)) ||
        (lua_pop(c->L, 1), field(c, t, "len"), want_integer(c, "len", 1, INT64_MAX, &len)))
        return -1;
    lua_pop(c->L, 1);
    a->len = (uint64_t)len;
    return 0;
}

/* {process = NAME, addr = A, mask = M [, bytes = N]} for flip, set0 and set1. */
static int read_bits_target(struct check *c, const char *key, struct fault_action *a)
{
    static const char *const keys[] = {"process", "addr", "mask", "bytes", NULL};
    if (lua_type(c->L, -1) != LUA_TTABLE)
        return fail(c, key, "expected {process = NAME, addr = ADDRESS, mask = BITS [, bytes = 1..8]}");
    int t = lua_gettop(c->L);
    if (check_keys(c, t, keys) ||
        (field(c, t, "process"), want_string(c, "process", a->process, sizeof(a->process))) ||
        (lua_pop(c->L, 1), field(c, t, "addr"), want_u64(c, "addr", &a->addr)) ||
        (lua_pop(c->L, 1), field(c, t, "mask"), want_u64(c, "mask", &a->mask)))
        return -1;
    lua_pop(c->L, 1);
    a->bytes = 8;
    while (a->bytes > 1 && (a->mask >> ((a->bytes - 1) * 8)) == 0)
        a->bytes--; /* enough bytes for the mask */
    if (field(c, t, "bytes") != LUA_TNIL) {
        int64_t bytes;
        if (want_integer(c, "bytes", 1, SCENARIO_MAX_BYTES, &bytes))
            return -1;
        if (bytes < 8 && (a->mask >> (bytes * 8)) != 0)
            return fail(c, "bytes", "the mask 0x%llx does not fit in %lld bytes", (unsigned long long)a->mask,
                        (long long)bytes);
        a->bytes = (unsigned)bytes;
    }
    lua_pop(c->L, 1);
    return 0;
}

static const char *const reg_names[] = {"rax", "rbx", "rcx", "rdx",    "rsi",     "rdi",     "rbp",
                                        "rsp", "r8",  "r9",  "r10",    "r11",     "r12",     "r13",
                                        "r14", "r15", "rip", "rflags", "fs_base", "gs_base", NULL};

/* {process = NAME, name = REGISTER, flip|set0|set1|value = N}. */
static int read_reg_target(struct check *c, const char *key, struct fault_action *a)
{
    static const char *const keys[] = {"process", "name", "flip", "set0", "set1", "value", NULL};
    static const char *const ops[] = {
        [REG_FLIP] = "flip", [REG_SET0] = "set0", [REG_SET1] = "set1", [REG_VALUE] = "value"};
    if (lua_type(c->L, -1) != LUA_TTABLE)
        return fail(c, key, "expected {process = NAME, name = REGISTER, flip|set0|set1|value = N}");
    int t = lua_gettop(c->L);
    if (check_keys(c, t, keys) ||
        (field(c, t, "process"), want_string(c, "process", a->process, sizeof(a->process))) ||
        (lua_pop(c->L, 1), field(c, t, "name"), want_string(c, "name", a->reg, sizeof(a->reg))))
        return -1;
    lua_pop(c->L, 1);
    bool known = false;
    for (size_t i = 0; reg_names[i] && !known; i++)
        known = strcmp(reg_names[i], a->reg) == 0;
    if (!known) {
        const char *near = nearest(a->reg, reg_names);
        return fail(c, "name", "unknown register '%s'%s%s%s", a->reg, near ? " (did you mean '" : "",
                    near ? near : "", near ? "'?)" : "");
    }
    int found = 0;
    for (int op = REG_FLIP; op <= REG_VALUE; op++) {
        if (field(c, t, ops[op]) != LUA_TNIL) {
            if (want_u64(c, ops[op], &a->mask))
                return -1;
            a->reg_op = (enum fault_reg_op)op;
            found++;
        }
        lua_pop(c->L, 1);
    }
    if (found != 1)
        return fail(c, key, "expected exactly one of flip, set0, set1 or value");
    return 0;
}

/* The value of action key `kind`, on top of the stack. */
static int read_action_value(struct check *c, enum fault_action_kind kind, struct fault_action *a)
{
    const char *key = action_names[kind];
    int64_t v;
    switch (kind) {
    case ACTION_FAIL:
        return want_status(c, key, &a->status);
    case ACTION_SHORT:
    case ACTION_DELAY:
        if (want_integer(c, key, 0, kind == ACTION_DELAY ? 3600000 : INT64_MAX, &v))
            return -1;
        a->count = (uint64_t)v;
        return 0;
    case ACTION_UNMAP:
    case ACTION_UNCACHE:
        return read_range_target(c, key, a);
    case ACTION_KILL:
        return want_string(c, key, a->process, sizeof(a->process));
    case ACTION_REVOKE:
        return want_rights(c, key, &a->rights);
    case ACTION_DEBUGGING:
        if (lua_type(c->L, -1) != LUA_TBOOLEAN || lua_toboolean(c->L, -1))
            return fail(c, key, "expected false (debugging syscalls can only be switched off)");
        return 0;
    case ACTION_FLIP:
    case ACTION_SET0:
    case ACTION_SET1:
        return read_bits_target(c, key, a);
    case ACTION_REG:
        return read_reg_target(c, key, a);
    case ACTION_EXCEPTION:
        return want_vector(c, key, &a->vector);
    }
    return 0;
}

/* action = {KIND = VALUE [, lifespan = N]}: exactly one kind. */
static int read_action(struct check *c, struct fault_action *a)
{
    static const char *keys[ACTION_COUNT + 2];
    for (size_t i = 0; i < ACTION_COUNT; i++)
        keys[i] = action_names[i];
    keys[ACTION_COUNT] = "lifespan";
    if (lua_type(c->L, -1) != LUA_TTABLE)
        return fail(c, "action", "expected a table such as {fail = \"ZX_ERR_NO_MEMORY\"}, got %s",
                    luaL_typename(c->L, -1));
    int t = lua_gettop(c->L);
    if (check_keys(c, t, keys))
        return -1;
    int found = 0;
    for (size_t k = 0; k < ACTION_COUNT; k++) {
        if (field(c, t, action_names[k]) != LUA_TNIL) {
            if (found++)
                return fail(c, action_names[k], "an action has one kind; '%s' is already given",
                            action_names[a->kind]);
            a->kind = (enum fault_action_kind)k;
            if (read_action_value(c, a->kind, a))
                return -1;
        }
        lua_pop(c->L, 1);
    }
    if (!found)
        return fail(c, "action",
                    "no action kind (expected one of fail, short, unmap, uncache, kill, revoke, "
                    "debugging, flip, set0, set1, reg, delay, exception)");
    if (field(c, t, "lifespan") != LUA_TNIL) {
        int64_t v;
        if (want_integer(c, "lifespan", 0, INT64_MAX, &v))
            return -1;
        if (a->kind != ACTION_FLIP && a->kind != ACTION_SET0 && a->kind != ACTION_SET1 &&
            a->kind != ACTION_REG)
            return fail(c, "lifespan", "only data actions (flip, set0, set1, reg) have a lifespan");
        a->lifespan = (uint64_t)v;
    }
    lua_pop(c->L, 1);
    return 0;
}

int scenario_read_action(lua_State *L, const char *file, const char *what, struct fault_action *a, char *err,
                         size_t errlen)
{
    struct check c = {.L = L, .file = file, .text = "", .len = 0, .err = err, .errlen = errlen};
    snprintf(c.what, sizeof(c.what), "%s", what);
    memset(a, 0, sizeof(*a));
    int top = lua_gettop(L);
    int rc = read_action(&c, a);
    lua_settop(L, top);
    return rc;
}

static const char *const trigger_names[] = {[FAULT_ON_SYSCALL] = "syscall",
                                            [FAULT_ON_EXCEPTION] = "exception",
                                            [FAULT_ON_EXEC] = "exec",
                                            [FAULT_ON_START] = "start",
                                            [FAULT_ON_EXIT] = "exit",
                                            [FAULT_ON_TIME] = "time",
                                            NULL};

/* Which trigger-specific keys each trigger takes. */
static bool key_applies(enum fault_on on, const char *key)
{
    static const struct {
        const char *key;
        enum fault_on on;
    } only[] = {{"name", FAULT_ON_SYSCALL}, {"number", FAULT_ON_SYSCALL},   {"when", FAULT_ON_SYSCALL},
                {"arg", FAULT_ON_SYSCALL},  {"vector", FAULT_ON_EXCEPTION}, {"addr", FAULT_ON_EXEC},
                {"symbol", FAULT_ON_EXEC},  {"ms", FAULT_ON_TIME}};
    for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
        if (strcmp(only[i].key, key) == 0)
            return only[i].on == on;
    return true;
}

/* Offset of the n-th (from 1) `word =` in the text, or 0. */
static size_t nth_assignment(const struct check *c, const char *word, unsigned n)
{
    size_t at = 0;
    for (unsigned i = 0; i < n; i++, at++)
        if ((at = find_assignment(c, word, at)) == SIZE_MAX)
            return 0;
    return at - 1;
}

/* Where fault `index` (from 1) starts in the text: its id's literal, else its n-th `on =`. */
static size_t fault_offset(const struct check *c, const char *id, unsigned index)
{
    if (id) {
        char quoted[SCENARIO_NAME_MAX + 2];
        for (int q = 0; q < 2; q++) {
            snprintf(quoted, sizeof(quoted), "%c%s%c", q ? '\'' : '"', id, q ? '\'' : '"');
            const char *p = memmem(c->text, c->len, quoted, strlen(quoted));
            if (p)
                return (size_t)(p - c->text);
        }
    }
    return nth_assignment(c, "on", index);
}

/* arg = {[i] = {lo, hi}, ...}, i from 1 to 8. */
static int read_arg_ranges(struct check *c, struct fault *f)
{
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, "arg", "expected {[i] = {lo, hi}}, got %s", luaL_typename(L, -1));
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 || lua_tointeger(L, -2) > SCENARIO_MAX_ARGS)
            return fail(c, "arg", "argument indices are integers from 1 to %d", SCENARIO_MAX_ARGS);
        struct fault_range *r = &f->arg[lua_tointeger(L, -2) - 1];
        if (lua_type(L, -1) != LUA_TTABLE || luaL_len(L, -1) != 2)
            return fail(c, "arg", "each range is {lo, hi}");
        lua_geti(L, -1, 1);
        lua_geti(L, -2, 2);
        if (!lua_isinteger(L, -1) || !lua_isinteger(L, -2))
            return fail(c, "arg", "range bounds are integers");
        r->lo = (uint64_t)lua_tointeger(L, -2);
        r->hi = (uint64_t)lua_tointeger(L, -1);
        r->set = true;
        if (r->lo > r->hi)
            return fail(c, "arg", "a range's lo is above its hi");
        lua_pop(L, 3);
    }
    return 0;
}

/* The trigger-specific keys of fault `f` (table at `t`). */
static int read_trigger(struct check *c, int t, struct fault *f)
{
    lua_State *L = c->L;
    char name[64];
    int64_t v;
    if (field(c, t, "name") != LUA_TNIL) {
        if (want_string(c, "name", name, sizeof(name)))
            return -1;
        if (!(f->number = syscall_number(name)))
            return fail(c, "name", "unknown syscall '%s'", name);
    }
    lua_pop(L, 1);
    if (field(c, t, "number") != LUA_TNIL) {
        if (f->number)
            return fail(c, "number", "give the syscall by name or by number, not both");
        if (want_integer(c, "number", 1, UINT32_MAX, &v))
            return -1;
        f->number = (uint32_t)v;
    }
    lua_pop(L, 1);
    if (f->on == FAULT_ON_SYSCALL && !f->number)
        return fail(c, "on", "a syscall trigger needs a name (or number)");
    if (field(c, t, "when") != LUA_TNIL) {
        if (want_string(c, "when", name, sizeof(name)))
            return -1;
        if (strcmp(name, "before") != 0 && strcmp(name, "after") != 0)
            return fail(c, "when", "expected \"before\" or \"after\", got \"%s\"", name);
        f->after = strcmp(name, "after") == 0;
    }
    lua_pop(L, 1);
    if (field(c, t, "arg") != LUA_TNIL && read_arg_ranges(c, f))
        return -1;
    lua_pop(L, 1);
    f->vector = -1;
    if (field(c, t, "vector") != LUA_TNIL) {
        unsigned vec;
        if (want_vector(c, "vector", &vec))
            return -1;
        f->vector = (int)vec;
    }
    lua_pop(L, 1);
    bool has_addr = field(c, t, "addr") != LUA_TNIL;
    if (has_addr && want_u64(c, "addr", &f->addr))
        return -1;
    lua_pop(L, 1);
    bool has_symbol = field(c, t, "symbol") != LUA_TNIL;
    if (has_symbol && want_string(c, "symbol", f->symbol, sizeof(f->symbol)))
        return -1;
    lua_pop(L, 1);
    if (f->on == FAULT_ON_EXEC && has_addr == has_symbol)
        return fail(c, "on", "an exec trigger needs exactly one of addr or symbol");
    if (field(c, t, "ms") != LUA_TNIL) {
        if (want_integer(c, "ms", 0, INT64_MAX, &v))
            return -1;
        f->ms = (uint64_t)v;
    } else if (f->on == FAULT_ON_TIME) {
        return fail(c, "on", "a time trigger needs ms");
    }
    lua_pop(L, 1);
    return 0;
}

/* nth, times, space, interval, probability. */
static int read_counters(struct check *c, int t, struct fault_counter *k)
{
    lua_State *L = c->L;
    int64_t v;
    *k = counter_default();
    if (field(c, t, "nth") != LUA_TNIL) {
        if (want_integer(c, "nth", 1, INT64_MAX, &v))
            return -1;
        k->nth = (uint64_t)v;
        k->times = 1;
    }
    lua_pop(L, 1);
    if (field(c, t, "times") != LUA_TNIL) {
        if (want_integer(c, "times", -1, INT64_MAX, &v))
            return -1;
        k->times = v;
    }
    lua_pop(L, 1);
    if (field(c, t, "space") != LUA_TNIL) {
        if (want_integer(c, "space", 0, INT64_MAX, &v))
            return -1;
        k->space = (uint64_t)v;
    }
    lua_pop(L, 1);
    if (field(c, t, "interval") != LUA_TNIL) {
        if (want_integer(c, "interval", 1, INT64_MAX, &v))
            return -1;
        k->interval = (uint64_t)v;
    }
    lua_pop(L, 1);
    if (field(c, t, "probability") != LUA_TNIL) {
        if (!lua_isnumber(L, -1) || lua_type(L, -1) != LUA_TNUMBER)
            return fail(c, "probability", "expected a number from 0 to 100, got %s", luaL_typename(L, -1));
        double p = (double)lua_tonumber(L, -1);
        if (!(p >= 0 && p <= 100))
            return fail(c, "probability", "%g is out of range (0 to 100)", p);
        k->probability = p;
    }
    lua_pop(L, 1);
    return 0;
}

static int read_fault(struct check *c, unsigned index, struct fault *f)
{
    static const char *const keys[] = {"id",    "on",     "name",     "number",      "when",   "process",
                                       "arg",   "vector", "addr",     "symbol",      "ms",     "nth",
                                       "times", "space",  "interval", "probability", "action", NULL};
    lua_State *L = c->L;
    snprintf(c->what, sizeof(c->what), "fault %u", index);
    c->from = fault_offset(c, NULL, index);
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, NULL, "expected a table, got %s", luaL_typename(L, -1));
    int t = lua_gettop(L);
    snprintf(f->id, sizeof(f->id), "f%u", index);
    if (field(c, t, "id") != LUA_TNIL) {
        if (want_string(c, "id", f->id, sizeof(f->id)))
            return -1;
        snprintf(c->what, sizeof(c->what), "fault '%s'", f->id);
        c->from = fault_offset(c, f->id, index);
    }
    lua_pop(L, 1);
    f->line = c->from ? line_at(c, c->from) : 0;
    if (check_keys(c, t, keys))
        return -1;
    char on[16];
    if (field(c, t, "on") == LUA_TNIL)
        return fail(c, "on", "missing (expected one of syscall, exception, exec, start, exit, time)");
    if (want_string(c, "on", on, sizeof(on)))
        return -1;
    lua_pop(L, 1);
    size_t k = 0;
    while (trigger_names[k] && strcmp(trigger_names[k], on) != 0)
        k++;
    if (!trigger_names[k]) {
        const char *near = nearest(on, trigger_names);
        return fail(c, "on", "unknown trigger '%s'%s%s%s", on, near ? " (did you mean '" : "",
                    near ? near : "", near ? "'?)" : "");
    }
    f->on = (enum fault_on)k;
    for (size_t i = 0; keys[i]; i++) {
        if (key_applies(f->on, keys[i]))
            continue;
        bool present = field(c, t, keys[i]) != LUA_TNIL;
        lua_pop(L, 1);
        if (present)
            return fail(c, keys[i], "does not apply to on = \"%s\"", on);
    }
    if (field(c, t, "process") != LUA_TNIL && want_string(c, "process", f->process, sizeof(f->process)))
        return -1;
    lua_pop(L, 1);
    if (read_trigger(c, t, f) || read_counters(c, t, &f->counter))
        return -1;
    if (field(c, t, "action") == LUA_TNIL)
        return fail(c, "action", "missing (e.g. action = {fail = \"ZX_ERR_NO_MEMORY\"})");
    if (read_action(c, &f->action))
        return -1;
    lua_pop(L, 1);
    return 0;
}

/* A list of strings (a program and its arguments) into `p`. */
static int read_program(struct check *c, const char *key, struct scenario_program *p)
{
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE || luaL_len(L, -1) < 1)
        return fail(c, key, "expected a list {\"PROGRAM\", \"ARG\", ...} with at least the program");
    lua_Integer n = luaL_len(L, -1);
    if (n > 1024)
        return fail(c, key, "%lld words, at most 1024", (long long)n);
    p->argv = calloc((size_t)n + 1, sizeof(char *));
    if (!p->argv)
        return fail(c, key, "out of host memory");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, -1, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            return fail(c, key, "word %lld is a %s, not a string", (long long)i, luaL_typename(L, -1));
        if (!(p->argv[p->argc++] = strdup(lua_tostring(L, -1))))
            return fail(c, key, "out of host memory");
        lua_pop(L, 1);
    }
    return 0;
}

static int read_spawn(struct check *c, struct scenario *s)
{
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, "spawn", "expected a list of programs {{\"PROGRAM\", \"ARG\"}, ...}");
    lua_Integer n = luaL_len(L, -1);
    if (n > SCENARIO_MAX_SPAWN)
        return fail(c, "spawn", "%lld processes, at most %d", (long long)n, SCENARIO_MAX_SPAWN);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, -1, i);
        if (read_program(c, "spawn", &s->spawn[s->nspawn++]))
            return -1;
        lua_pop(L, 1);
    }
    return 0;
}

static int read_faults(struct check *c, struct scenario *s)
{
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, "faults", "expected a list of fault tables, got %s", luaL_typename(L, -1));
    lua_Integer n = luaL_len(L, -1);
    if (n > SCENARIO_MAX_FAULTS)
        return fail(c, "faults", "%lld faults, at most %d", (long long)n, SCENARIO_MAX_FAULTS);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, -1, i);
        if (read_fault(c, (unsigned)i, &s->faults[s->nfaults++]))
            return -1;
        lua_pop(L, 1);
    }
    for (unsigned i = 0; i < s->nfaults; i++)
        for (unsigned j = 0; j < i; j++)
            if (strcmp(s->faults[i].id, s->faults[j].id) == 0) {
                snprintf(c->what, sizeof(c->what), "fault '%s'", s->faults[i].id);
                c->from = fault_offset(c, s->faults[i].id, i + 1);
                return fail(c, "id", "used by faults %u and %u", j + 1, i + 1);
            }
    c->what[0] = '\0';
    c->from = 0;
    return 0;
}

static int read_oracle(struct check *c, struct scenario *s)
{
    static const char *const keys[] = {"compare", NULL};
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, "oracle", "expected {compare = {\"exit\", \"stdout\"}}");
    int t = lua_gettop(L);
    if (check_keys(c, t, keys))
        return -1;
    if (field(c, t, "compare") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TTABLE)
            return fail(c, "compare", "expected a list of \"exit\" and \"stdout\"");
        s->compare_exit = s->compare_stdout = false;
        for (lua_Integer i = 1; i <= luaL_len(L, -1); i++) {
            lua_geti(L, -1, i);
            const char *what = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (strcmp(what, "exit") == 0)
                s->compare_exit = true;
            else if (strcmp(what, "stdout") == 0)
                s->compare_stdout = true;
            else
                return fail(c, "compare", "expected \"exit\" or \"stdout\" in the list");
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return 0;
}

static int read_limits(struct check *c, struct scenario *s)
{
    static const char *const keys[] = {"instructions", "memory", NULL};
    lua_State *L = c->L;
    int64_t v;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, "limits", "expected {instructions = N, memory = BYTES}");
    int t = lua_gettop(L);
    if (check_keys(c, t, keys))
        return -1;
    if (field(c, t, "instructions") != LUA_TNIL) {
        if (want_integer(c, "instructions", 1000, INT64_MAX, &v))
            return -1;
        s->limits.instructions = (uint64_t)v;
    }
    lua_pop(L, 1);
    if (field(c, t, "memory") != LUA_TNIL) {
        if (want_integer(c, "memory", (int64_t)SANDBOX_MIN_MEMORY, INT64_MAX, &v))
            return -1;
        s->limits.memory = (uint64_t)v;
    }
    lua_pop(L, 1);
    return 0;
}

/* The basename of program `p`, as fault filters name processes. */
static const char *program_name(const struct scenario_program *p)
{
    const char *slash = strrchr(p->argv[0], '/');
    return slash && slash[1] ? slash + 1 : p->argv[0];
}

/* systematic.process: the name of one of the scenario's processes. */
static int read_systematic_process(struct check *c, const struct scenario *s, char *out, size_t size)
{
    if (want_string(c, "process", out, size))
        return -1;
    if (strcmp(program_name(&s->program), out) == 0)
        return 0;
    for (int i = 0; i < s->nspawn; i++)
        if (strcmp(program_name(&s->spawn[i]), out) == 0)
            return 0;
    return fail(c, "process",
                "no process of the scenario is named '%s' (a process is named after its program's basename, "
                "here '%s')",
                out, program_name(&s->program));
}

/* systematic.syscalls: a non-empty list of zx_* names, each once. */
static int read_systematic_syscalls(struct check *c, struct scenario_systematic *sy)
{
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, "syscalls", "expected a list of zx_* names, got %s", luaL_typename(L, -1));
    lua_Integer n = luaL_len(L, -1);
    size_t entries = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        entries++;
    }
    if (n < 1 || (size_t)n != entries)
        return fail(c, "syscalls", "expected a non-empty list {\"zx_...\", ...} (no named keys)");
    if (n > SCENARIO_MAX_SYSCALLS)
        return fail(c, "syscalls", "%lld names, at most %d", (long long)n, SCENARIO_MAX_SYSCALLS);
    char name[64];
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, -1, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            return fail(c, "syscalls", "entry %lld is a %s, not a zx_* name", (long long)i,
                        luaL_typename(L, -1));
        if (want_string(c, "syscalls", name, sizeof(name)))
            return -1;
        uint32_t number = syscall_number(name);
        if (!number)
            return fail(c, "syscalls", "unknown syscall '%s'", name);
        for (unsigned j = 0; j < sy->nsyscalls; j++)
            if (sy->syscalls[j] == number)
                return fail(c, "syscalls", "'%s' is named twice", name);
        sy->syscalls[sy->nsyscalls++] = number;
        lua_pop(L, 1);
    }
    return 0;
}

/* systematic = {process = NAME, syscalls = {NAME, ...}}: both optional. */
static int read_systematic(struct check *c, struct scenario *s)
{
    static const char *const keys[] = {"process", "syscalls", NULL};
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, "systematic", "expected {process = NAME, syscalls = {NAME, ...}}, got %s",
                    luaL_typename(L, -1));
    int t = lua_gettop(L);
    size_t at = find_assignment(c, "systematic", 0);
    c->from = at == SIZE_MAX ? 0 : at; /* its keys' lines are looked for from there */
    if (check_keys(c, t, keys))
        return -1;
    if (field(c, t, "process") != LUA_TNIL &&
        read_systematic_process(c, s, s->systematic.process, sizeof(s->systematic.process)))
        return -1;
    lua_pop(L, 1);
    if (field(c, t, "syscalls") != LUA_TNIL && read_systematic_syscalls(c, &s->systematic))
        return -1;
    lua_pop(L, 1);
    c->from = 0;
    return 0;
}

/* A string field copied into *out (NULL when absent). */
static int read_text(struct check *c, const char *key, char **out)
{
    if (lua_isnil(c->L, -1))
        return 0;
    if (lua_type(c->L, -1) != LUA_TSTRING && !(lua_isinteger(c->L, -1) && strcmp(key, "mem") == 0))
        return fail(c, key, "expected a string, got %s", luaL_typename(c->L, -1));
    if (!(*out = strdup(lua_tostring(c->L, -1))))
        return fail(c, key, "out of host memory");
    return 0;
}

static int read_top(struct check *c, struct scenario *s)
{
    static const char *const keys[] = {"program", "spawn",  "cmdline",    "mem",        "timeout",
                                       "faults",  "oracle", "classify",   "on_syscall", "on_exception",
                                       "on_exit", "limits", "systematic", NULL};
    static const char *const hooks[] = {"classify", "on_syscall", "on_exception", "on_exit"};
    lua_State *L = c->L;
    if (lua_type(L, -1) != LUA_TTABLE)
        return fail(c, NULL, "the scenario must return a table, not %s", luaL_typename(L, -1));
    int t = lua_gettop(L);
    if (check_keys(c, t, keys))
        return -1;
    if (field(c, t, "program") == LUA_TNIL)
        return fail(c, "program", "missing (e.g. program = {\"victim\", \"arg\"})");
    if (read_program(c, "program", &s->program))
        return -1;
    lua_pop(L, 1);
    if ((field(c, t, "spawn") != LUA_TNIL && read_spawn(c, s)) || (lua_pop(L, 1), 0) ||
        (field(c, t, "cmdline"), read_text(c, "cmdline", &s->cmdline)) || (lua_pop(L, 1), 0) ||
        (field(c, t, "mem"), read_text(c, "mem", &s->mem)) || (lua_pop(L, 1), 0))
        return -1;
    if (field(c, t, "timeout") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TNUMBER || !(lua_tonumber(L, -1) > 0) || !(lua_tonumber(L, -1) <= 1000000))
            return fail(c, "timeout", "expected seconds, more than 0 and at most 1000000");
        s->timeout = (double)lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    bool *flags[] = {&s->classify, &s->on_syscall, &s->on_exception, &s->on_exit};
    for (size_t i = 0; i < 4; i++) {
        int type = field(c, t, hooks[i]);
        if (type != LUA_TNIL && type != LUA_TFUNCTION)
            return fail(c, hooks[i], "expected a function, got %s", luaL_typename(L, -1));
        *flags[i] = type == LUA_TFUNCTION;
        lua_pop(L, 1);
    }
    if ((field(c, t, "oracle") != LUA_TNIL && read_oracle(c, s)) || (lua_pop(L, 1), 0) ||
        (field(c, t, "limits") != LUA_TNIL && read_limits(c, s)) || (lua_pop(L, 1), 0) ||
        (field(c, t, "systematic") != LUA_TNIL && read_systematic(c, s)) || (lua_pop(L, 1), 0) ||
        (field(c, t, "faults") != LUA_TNIL && read_faults(c, s)))
        return -1;
    lua_pop(L, 1);
    return 0;
}

int scenario_parse(const char *name, const char *text, size_t len, struct scenario *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->compare_exit = out->compare_stdout = true;
    out->limits = (struct sandbox_limits){SANDBOX_DEFAULT_INSTRUCTIONS, SANDBOX_DEFAULT_MEMORY};
    struct rng rng = rng_seeded(0);
    struct sandbox *sb = sandbox_new(&out->limits, &rng);
    if (!sb) {
        snprintf(err, errlen, "%s: out of host memory for the Lua state", name);
        return -1;
    }
    struct check c = {
        .L = sandbox_lua(sb), .file = name, .text = text, .len = len, .err = err, .errlen = errlen};
    char msg[512] = "out of memory for the zx table";
    int rc = 0;
    if (sandbox_open_zx(sb, NULL, NULL) != 0 || sandbox_load(sb, name, text, len, msg, sizeof(msg)) != 0 ||
        sandbox_call(sb, 0, 1, msg, sizeof(msg)) != 0) {
        /* Lua's messages already read "NAME:LINE: ..." where Lua knows the line. */
        if (strncmp(msg, name, strlen(name)) == 0 && msg[strlen(name)] == ':')
            snprintf(err, errlen, "%s", msg);
        else
            snprintf(err, errlen, "%s: %s", name, msg);
        rc = -1;
    } else {
        rc = read_top(&c, out);
    }
    sandbox_free(sb);
    if (rc == 0 && (!(out->file = strdup(name)) || !(out->text = malloc(len + 1)))) {
        snprintf(err, errlen, "%s: out of host memory", name);
        rc = -1;
    }
    if (rc == 0) {
        memcpy(out->text, text, len);
        out->text[len] = '\0';
        out->text_len = len;
    }
    if (rc)
        scenario_free(out);
    return rc;
}

static void free_program(struct scenario_program *p)
{
    for (int i = 0; p->argv && i < p->argc; i++)
        free(p->argv[i]);
    free(p->argv);
    p->argv = NULL;
    p->argc = 0;
}

void scenario_free(struct scenario *s)
{
    free_program(&s->program);
    for (int i = 0; i < SCENARIO_MAX_SPAWN; i++)
        free_program(&s->spawn[i]);
    s->nspawn = 0;
    free(s->cmdline);
    free(s->mem);
    free(s->file);
    free(s->text);
    s->cmdline = s->mem = s->file = s->text = NULL;
}

/* Makes a relative program path relative to the scenario's directory `dir` (len bytes, ending in '/'). */
static int rebase(char **path, const char *dir, size_t dirlen)
{
    if ((*path)[0] == '/' || dirlen == 0)
        return 0;
    size_t len = strlen(*path);
    char *joined = malloc(dirlen + len + 1);
    if (!joined)
        return -ENOMEM;
    memcpy(joined, dir, dirlen);
    memcpy(joined + dirlen, *path, len + 1);
    free(*path);
    *path = joined;
    return 0;
}

int scenario_load(const char *path, struct scenario *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(SCENARIO_MAX_FILE + 1);
    size_t len = text ? fread(text, 1, SCENARIO_MAX_FILE + 1, f) : 0;
    int e = !text ? ENOMEM : ferror(f) ? errno : 0; /* a directory opens, then its read fails */
    fclose(f);
    if (e || len > SCENARIO_MAX_FILE) {
        snprintf(err, errlen, "%s: cannot read: %s", path, e ? strerror(e) : "larger than 1 MiB");
        free(text);
        return -1;
    }
    int rc = scenario_parse(path, text, len, out, err, errlen);
    free(text);
    if (rc)
        return rc;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    bool ok = rebase(&out->program.argv[0], path, dirlen) == 0;
    for (int i = 0; i < out->nspawn; i++)
        ok = ok && rebase(&out->spawn[i].argv[0], path, dirlen) == 0;
    if (!ok) {
        snprintf(err, errlen, "%s: out of host memory", path);
        scenario_free(out);
        return -1;
    }
    return 0;
}

bool scenario_timed(const struct scenario *s)
{
    for (unsigned i = 0; i < s->nfaults; i++)
        if (s->faults[i].on == FAULT_ON_TIME)
            return true;
    return false;
}
