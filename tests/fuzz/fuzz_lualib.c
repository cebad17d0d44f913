/*
 * fuzz_lualib.c: the sandbox's counting library functions (inject/pattern.c, inject/tables.c) against Lua
 * 5.4's own, on the same arguments. One state keeps the stock string and table libraries, the other gets
 * ours; a fixed driver calls one function in each and writes down everything it returned or raised and
 * what the table holds afterwards. The two must agree, except where tables.h says sort differs (only a
 * valid order is compared, and of a comparison error only that there was one). Our steps are counted: an
 * input whose count passes STEP_LIMIT is skipped before Lua's own runs (its time is what the count bounds),
 * and a count that is too low shows up as a timeout of Lua's run.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "inject/pattern.h"
#include "inject/tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP_LIMIT 200000 /* steps of ours past which an input is not compared */

/*
 * The driver: (op, subject, pattern, replacement, init, n) -> a string of everything that happened. It
 * writes that string down with Lua's own table.concat (stock_concat), never with a function under test.
 */
static const char driver[] =
    "local op, s, p, r, init, n = ...\n"
    "local concat = stock_concat\n"
    "local function ser(...)\n"
    "  local out = {}\n"
    "  for i = 1, select('#', ...) do\n"
    "    local v = select(i, ...)\n"
    "    out[i] = type(v) .. ':' .. (type(v) == 'table' and 'table' or tostring(v))\n"
    "  end\n"
    "  return concat(out, '|') .. '|'\n"
    "end\n"
    "local function list(t, hi)\n"
    "  local out = {}\n"
    "  for i = -1, hi do out[i + 2] = ser(rawget(t, i)) end\n"
    "  return '[' .. concat(out) .. ']'\n"
    "end\n"
    "local repl_fn = function(a, b)\n"
    "  if a == nil or #tostring(a) % 3 == 0 then return nil end\n"
    "  if #tostring(a) % 3 == 1 then return tostring(a) .. '!' end\n"
    "  return b\n"
    "end\n"
    "local repl_table = {a = 'A', b = false, c = 1.5, d = {}, [1] = 'one'}\n"
    "local function bytes(str)\n"
    "  local t = {}\n"
    "  for i = 1, #str do\n"
    "    local c = str:byte(i)\n"
    "    if c % 4 == 0 then t[i] = tostring(c) else t[i] = c end\n"
    "  end\n"
    "  return t\n"
    "end\n"
    "local function numbers(str)\n"
    "  local t = {}\n"
    "  for i = 1, #str do t[i] = str:byte(i) % 16 end\n"
    "  return t\n"
    "end\n"
    "local function like_table(t, len)\n"
    "  return setmetatable({}, {__index = t, __newindex = t, __len = function() return len end})\n"
    "end\n"
    "local t = bytes(s)\n"
    "local t2 = bytes(p)\n"
    "local run = {\n"
    "  function() return string.find(s, p, init) end,\n"
    "  function() return string.match(s, p, init) end,\n"
    "  function()\n"
    "    local out, k = '', 0\n"
    "    for a, b, c in string.gmatch(s, p, init) do\n"
    "      out = out .. ser(a, b, c) .. ';'\n"
    "      k = k + 1\n"
    "      if k > 300 then break end\n"
    "    end\n"
    "    return out\n"
    "  end,\n"
    "  function() return string.gsub(s, p, r, n) end,\n"
    "  function() return string.gsub(s, p, repl_fn, n) end,\n"
    "  function() return string.gsub(s, p, repl_table, n) end,\n"
    "  function() return string.gsub(s, p, #r % 2 == 0 and init or nil) end,\n"
    "  function() return string.find(s, p, init, true) end,\n"
    "  function() return (s):find(p), (s):match(p), (s):gsub(p, '%0') end,\n"
    "  function() return table.concat(t, p, init, n) end,\n"
    "  function() return table.concat(like_table(t, n)) end,\n"
    "  function() table.insert(t, init, s) return #t end,\n"
    "  function() table.insert(t, p) return #t end,\n"
    "  function() return table.insert(like_table(t, n), init, p) end,\n"
    "  function() return table.remove(t, init), #t end,\n"
    "  function() return table.remove(t) end,\n"
    "  function() return table.remove(like_table(t, n), init) end,\n"
    "  function() return table.move(t, init, n, #r - 8) == t end,\n"
    "  function() return table.move(t, init, n, #r - 8, t2) == t2 end,\n"
    "  function() return table.move(like_table(t, n), n, init, #r, like_table(t2, init)) ~= nil end,\n"
    "  function() return table.insert(t, 1, 2, 3) end,\n"
    "  function() return table.concat(t, 1, 2, 3, 4) end,\n"
    "  function() return table.move(t, init) end,\n"
    "  function() return table.remove(init) end,\n"
    "  function() return table.concat(s) end,\n"
    "  function() return table.insert(init, p) end,\n"
    "  function() return table.move(t, 1, 2, 1, s) end,\n"
    "  function()\n"
    "    local mt = getmetatable('')\n"
    "    mt.__len = function() return n end\n"
    "    local ok, a = pcall(table.concat, s, p, init)\n"
    "    mt.__len = nil\n"
    "    if not ok then error(a, 0) end\n"
    "    return a\n"
    "  end,\n"
    "  function() t = numbers(s) table.sort(t) return #t end,\n"
    "  function() t = numbers(s) table.sort(t, function(a, b) return a > b end) return #t end,\n"
    "  function() t = numbers(s) table.sort(like_table(t, #t)) return #t end,\n"
    "  function() t = numbers(s) return table.sort(t, 1) end,\n"
    "}\n"
    "local f = run[op % #run + 1]\n"
    "local result = ser(pcall(f))\n"
    "return result .. list(t, #s + 2) .. list(t2, #p + 2)\n";

/* Ops 28-31 are sorts: (op % #run) of the driver's list. */
#define FIRST_SORT 28
#define OPS        32

static uint64_t steps;

static void count_steps(lua_State *L, uint64_t n)
{
    steps += n;
    if (steps > STEP_LIMIT)
        luaL_error(L, "fuzz: step limit");
}

/* A state with the base, string and table libraries (Lua's own, or ours over them) and the driver loaded
 * at stack index 1. */
static lua_State *new_state(bool ours)
{
    lua_State *L = luaL_newstate();
    if (!L)
        abort();
    luaL_openlibs(L);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "concat");
    lua_setglobal(L, "stock_concat");
    lua_pop(L, 1);
    if (ours) {
        lua_getglobal(L, "string");
        pattern_open(L, count_steps);
        lua_getglobal(L, "table");
        tables_open(L, count_steps);
        lua_pop(L, 2);
    }
    if (luaL_loadbuffer(L, driver, sizeof(driver) - 1, "driver") != LUA_OK) {
        fprintf(stderr, "fuzz invariant broken: the driver does not compile: %s\n", lua_tostring(L, -1));
        abort();
    }
    return L;
}

struct args {
    int op;
    const char *parts[3]; /* subject, pattern, replacement */
    size_t lens[3];
    lua_Integer init, n;
};

/* Runs the driver in L; returns its result string (owned by L's stack until the next call). */
static const char *drive(lua_State *L, const struct args *a, size_t *len)
{
    lua_settop(L, 1);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, a->op);
    for (int i = 0; i < 3; i++)
        lua_pushlstring(L, a->parts[i], a->lens[i]);
    lua_pushinteger(L, a->init);
    lua_pushinteger(L, a->n);
    if (lua_pcall(L, 6, 1, 0) != LUA_OK) {
        fprintf(stderr, "fuzz invariant broken: the driver failed: %s\n", lua_tostring(L, -1));
        abort();
    }
    return lua_tolstring(L, -1, len);
}

static void collect(lua_State *L)
{
    lua_settop(L, 1);
    lua_gc(L, LUA_GCCOLLECT, 0);
}

/* Whether the result says the function raised a comparison error ("boolean:false|string:..."). */
static bool compare_error(const char *result)
{
    return strncmp(result, "boolean:false|", 14) == 0 && strstr(result, "attempt to compare");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lua_State *stock, *ours;
    if (!stock) {
        stock = new_state(false);
        ours = new_state(true);
    }
    if (size < 3)
        return 0;
    /* op, init, n, then the subject, pattern and replacement separated by 0xff bytes. */
    struct args a = {.op = data[0] % OPS, .init = (int8_t)data[1], .n = (int8_t)data[2]};
    const char *rest = (const char *)data + 3, *end = (const char *)data + size;
    for (int i = 0; i < 3; i++) {
        const char *sep = i < 2 ? memchr(rest, 0xff, (size_t)(end - rest)) : NULL;
        a.parts[i] = rest;
        a.lens[i] = (size_t)((sep ? sep : end) - rest);
        rest = sep ? sep + 1 : end;
    }
    if (a.lens[0] > 300 || a.lens[1] > 70 || a.lens[2] > 64)
        return 0;

    steps = 0;
    size_t ours_len, stock_len;
    const char *ours_result = drive(ours, &a, &ours_len);
    if (!strstr(ours_result, "fuzz: step limit")) {
        const char *stock_result = drive(stock, &a, &stock_len);
        /* Which two elements a sort's comparison error names depends on the algorithm. */
        bool both_compare = a.op >= FIRST_SORT && compare_error(ours_result) && compare_error(stock_result);
        if (!both_compare && (ours_len != stock_len || memcmp(ours_result, stock_result, ours_len) != 0)) {
            fprintf(stderr,
                    "fuzz invariant broken: op %d: ours and Lua's differ\n  ours:  %.*s\n  Lua's: %.*s\n",
                    a.op, (int)ours_len, ours_result, (int)stock_len, stock_result);
            abort();
        }
    }
    /* All the call left is garbage: collected now, so that libFuzzer's leak check (more allocations than
     * frees in a run) does not take it for a leak and stop the world to look at every input. */
    collect(ours);
    collect(stock);
    return 0;
}
