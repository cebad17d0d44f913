/* test_sandbox.c: the Lua sandbox refuses every way out (files, processes, bytecode, finalizers, the
 * collector) and every budget (instructions, memory), whatever the script catches. No KVM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "inject/sandbox.h"

static struct rng rng;
static struct sandbox *sb;
static char err[512];

static void open_sandbox(uint64_t instructions, uint64_t memory)
{
    rng = rng_seeded(42);
    struct sandbox_limits limits = {instructions, memory};
    sb = sandbox_new(&limits, &rng);
    cr_assert_not_null(sb);
}

static void close_sandbox(void)
{
    sandbox_free(sb);
}

/* Runs `code` as chunk "t.lua"; returns 0 (its one result left on the stack) or -1 with `err` set. */
static int run(const char *code)
{
    err[0] = '\0';
    if (sandbox_load(sb, "t.lua", code, strlen(code), err, sizeof(err)) != 0)
        return -1;
    return sandbox_call(sb, 0, 1, err, sizeof(err));
}

/* Runs `code`, which must succeed and return a string; compares it. */
static void expect_result(const char *code, const char *want)
{
    cr_assert_eq(run(code), 0, "%s: %s", code, err);
    lua_State *L = sandbox_lua(sb);
    cr_assert_str_eq(luaL_tolstring(L, -1, NULL), want, "%s", code);
    lua_pop(L, 2);
}

static void expect_error(const char *code, const char *want)
{
    cr_assert_eq(run(code), -1, "%s ran", code);
    cr_assert(strstr(err, want) != NULL, "%s: expected \"%s\" in \"%s\"", code, want, err);
}

static void defaults(void)
{
    open_sandbox(SANDBOX_DEFAULT_INSTRUCTIONS, SANDBOX_DEFAULT_MEMORY);
}

TestSuite(sandbox, .init = defaults, .fini = close_sandbox);

Test(sandbox, host_libraries_are_absent)
{
    expect_result("return tostring(io) .. tostring(os) .. tostring(package) .. tostring(require) .. "
                  "tostring(debug) .. tostring(dofile) .. tostring(loadfile) .. tostring(coroutine)",
                  "nilnilnilnilnilnilnilnil");
    expect_error("return io.open('/etc/passwd')", "t.lua:1: attempt to index a nil value (global 'io')");
    expect_error("os.execute('touch /tmp/zxvmm-sandbox-escape')",
                 "attempt to index a nil value (global 'os')");
    expect_error("return require('io')", "attempt to call a nil value (global 'require')");
    expect_error("return dofile('/etc/passwd')", "attempt to call a nil value (global 'dofile')");
    expect_error("return loadfile('/etc/passwd')", "attempt to call a nil value (global 'loadfile')");
    cr_assert_neq(access("/tmp/zxvmm-sandbox-escape", F_OK), 0, "the host was touched");
}

Test(sandbox, safe_libraries_work)
{
    expect_result("return string.format('%d %s', #table.concat({'a','b'}), utf8.char(72)) .. math.floor(2.5)",
                  "2 H2");
}

Test(sandbox, bytecode_is_never_loaded)
{
    expect_result("return tostring(string.dump)", "nil");
    expect_result("local f, e = load('\\27Lua\\x54\\0rest') return e",
                  "attempt to load a binary chunk (mode is 't')");
    expect_result("local f, e = load('\\27Lua\\x54\\0rest', 'x', 'b') return e",
                  "attempt to load a binary chunk (mode is 't')");
    expect_result("return load('return 1 + 1')()", "2");
    expect_result("local e = {} load('y = 3', 'c', 'bt', e)() return e.y", "3");
}

Test(sandbox, library_calls_the_budget_cannot_count_are_bounded)
{
    /* Both ran in C without end: the budget counts VM instructions only. */
    expect_result("return #string.rep('', 1 << 62) .. #string.rep('', 1 << 62, '')", "00");
    expect_result("return string.rep('ab', 3, '-') .. ('x'):rep(2)", "ab-ab-abxx");
    expect_error("return load(math.random)",
                 "load: a scenario loads a string chunk only, not a reader function");
    expect_error("local i = 0 return load(function() i = i + 1 if i < 3 then return ' ' end end)",
                 "load: a scenario loads a string chunk only");
    /* Anything longer is allocated whole first: the cap (which then refuses the state for good). */
    expect_error("return #string.rep('x', 1 << 26)", "memory cap of 16777216 bytes exceeded");
}

/* Runs `code` in a fresh sandbox with the default limits, which must end it with the budget's error, `where`
 * (the chunk's line) first. */
static void expect_budget_error(const char *code, const char *where)
{
    close_sandbox();
    defaults();
    char want[128];
    snprintf(want, sizeof(want), "%sinstruction budget of 1000000 exceeded", where);
    expect_error(code, want);
}

/* A string pattern that backtracks for billions of years on a subject that never matches. */
#define ENDLESS_PATTERN "string.rep('a', 60), string.rep('a-', 20) .. 'b'"

Test(sandbox, pattern_functions_count_their_steps_against_the_budget)
{
    /* Each of these ran in C for longer than the universe will last: Lua's matcher counts nothing. */
    expect_budget_error("return string.find(" ENDLESS_PATTERN ")", "t.lua:1: ");
    expect_budget_error("return string.match(" ENDLESS_PATTERN ")", "t.lua:1: ");
    expect_budget_error("local s, p = " ENDLESS_PATTERN "\nreturn s:gsub(p, 'x')", "t.lua:2: ");
    expect_budget_error("local s, p = " ENDLESS_PATTERN "\nfor w in s:gmatch(p) do end", "t.lua:2: ");
    /* Quadratic work spread over many short calls counts too: %b scanning an unbalanced subject. */
    expect_budget_error("local s = string.rep('(', 20000) return s:gsub('%b()', '')", "t.lua:1: ");
    /* A back-reference compared at every position, and a long template expanded at every empty match. */
    expect_budget_error("local s = string.rep('a', 1 << 16) return s:find('(' .. s:sub(1, 4096) .. ')%1b')",
                        "t.lua:1: ");
    expect_budget_error("return ('x'):rep(30000):gsub('', ('%0'):rep(5000))", "t.lua:1: ");
}

Test(sandbox, a_caught_pattern_budget_error_still_ends_the_call)
{
    expect_error("local ok = pcall(string.find, " ENDLESS_PATTERN ") return ok",
                 "instruction budget of 1000000 exceeded");
    expect_error("return 1", "instruction budget of 1000000 exceeded");
}

Test(sandbox, a_raised_budget_lets_a_long_pattern_finish)
{
    close_sandbox();
    open_sandbox(200000000, SANDBOX_DEFAULT_MEMORY);
    /* About 20 million steps: within a budget of 2e8, and with the same answer as Lua's. */
    expect_result("return string.find(string.rep('a', 200), string.rep('a-', 3) .. 'b')", "nil");
    expect_result("return select(2, string.rep('ab', 50000):gsub('(a)(b)', '%2%1'))", "50000");
}

Test(sandbox, table_functions_count_the_elements_they_go_through)
{
    /* Each of these looped in C as far as an integer or __len said: 2^62 times. */
    expect_budget_error("table.move({}, 1, 1 << 62, 2)", "t.lua:1: ");
    expect_budget_error("local t = setmetatable({}, {__len = function() return 1 << 62 end})\n"
                        "table.insert(t, 1, 'x')",
                        "t.lua:2: ");
    expect_budget_error("local t = setmetatable({}, {__len = function() return 1 << 62 end})\n"
                        "table.remove(t, 1)",
                        "t.lua:2: ");
    /* t[i] is table.concat(t, i) over an empty range: "" with no allocation and no Lua code. */
    expect_budget_error(
        "local t = setmetatable({}, {__index = table.concat}) return table.concat(t, '', 1, 1 << 62)",
        "t.lua:1: ");
    /* Every element is rawlen(t) = 0, read by a C function: a sort of 2^31 - 2 elements. */
    expect_budget_error(
        "local t = setmetatable({}, {__len = function() return (1 << 31) - 2 end, __index = rawlen,\n"
        "  __newindex = rawequal}) table.sort(t)",
        "t.lua:2: ");
}

Test(sandbox, counting_functions_give_luas_results)
{
    expect_result("return table.concat({string.find('key = 42', '(%w+)%s*=%s*(%d+)')}, ',')", "1,8,key,42");
    expect_result("return table.concat({('hello world'):gsub('o', {o = '0'})}, ',')", "hell0 w0rld,2");
    expect_result("return (('abc'):gsub('%w', '%0%0'))", "aabbcc");
    expect_result("return (('hello world'):gsub('(%w+) (%w+)', '%2 %1'))", "world hello");
    expect_result("return (('abc'):gsub('', '-'))", "-a-b-c-");
    expect_result("local out = '' for k, v in ('a=1, b=2'):gmatch('(%w+)=(%w+)') do out = out .. k .. v end "
                  "return out",
                  "a1b2");
    expect_result("return ('THE (quick) fox'):find('%f[%a]%a+', 5)", "6");
    expect_result("return ('x(a(b)c)y'):match('%b()')", "(a(b)c)");
    expect_result("return select(2, ('say <hi>'):match('([<>])(.-)[<>]'))", "hi");
    expect_result("return ('[]]'):match('[]]+')", "]]");
    expect_result("return ('a.b'):find('.', 1, true)", "2");
    expect_result("return ('x'):find('', 10)", "nil");
    expect_result("return ('hello'):match('()ll()')", "3");
    expect_result("local t = {5, 2, 8, 1, 9, 3} table.sort(t) return table.concat(t, ' ')", "1 2 3 5 8 9");
    expect_result("local t = {'b', 'c', 'a'} table.sort(t, function(x, y) return x > y end) "
                  "return table.concat(t)",
                  "cba");
    expect_result("local t = {1, 2, 3} table.insert(t, 2, 'x') table.insert(t, 'y') "
                  "return table.concat(t, ',') .. ' ' .. table.remove(t, 1) .. ' ' .. table.remove(t)",
                  "1,x,2,3,y 1 y");
    expect_result("return table.concat(table.move({1, 2, 3}, 1, 3, 2), ',')", "1,1,2,3");
    expect_result("return table.concat(table.move({1, 2, 3}, 2, 3, 1, {9}), ',')", "2,3");
}

Test(sandbox, counting_functions_raise_luas_errors)
{
    expect_error("return ('a'):find('[a')", "t.lua:1: malformed pattern (missing ']')");
    expect_error("return ('a'):find('a%')", "t.lua:1: malformed pattern (ends with '%')");
    expect_error("return ('a'):match('%b')", "malformed pattern (missing arguments to '%b')");
    expect_error("return ('a'):match('%fa')", "missing '[' after '%f' in pattern");
    expect_error("return ('a'):match('(a')", "unfinished capture");
    expect_error("return ('a'):match('a)')", "invalid pattern capture");
    expect_error("return ('aa'):match('(a)%2')", "invalid capture index %2");
    expect_error("return ('a'):gsub('a', '%2')", "invalid capture index %2");
    expect_error("return ('a'):gsub('a', '%x')", "invalid use of '%' in replacement string");
    expect_error("return ('a'):gsub('a', {a = {}})", "invalid replacement value (a table)");
    expect_error("return string.gsub('a', 'a', true)",
                 "bad argument #3 to 'gsub' (string/function/table expected, got boolean)");
    expect_error("return string.find(nil, 'a')", "bad argument #1 to 'find' (string expected, got nil)");
    expect_error("return ('a'):match(string.rep('(', 40) .. 'a' .. string.rep(')', 40))",
                 "too many captures");
    expect_error("return ('a'):rep(300):match(string.rep('a?', 300))", "pattern too complex");
    expect_error("table.insert({}, 1, 2, 3)", "wrong number of arguments to 'insert'");
    expect_error("table.insert({}, 5, 'x')", "bad argument #2 to 'insert' (position out of bounds)");
    expect_error("table.remove({1}, 5)", "bad argument #1 to 'remove' (position out of bounds)");
    expect_error("table.move({}, -1, math.maxinteger, 1)",
                 "bad argument #3 to 'move' (too many elements to move)");
    expect_error("table.move({}, 1, 10, math.maxinteger)",
                 "bad argument #4 to 'move' (destination wrap around)");
    expect_error("return table.concat({1, {}, 3})", "invalid value (table) at index 2 in table for 'concat'");
    expect_error("table.sort({3, 1}, 1)", "bad argument #2 to 'sort' (function expected, got number)");
    expect_error("table.sort(5)", "bad argument #1 to 'sort' (table expected, got number)");
    expect_error("table.sort({1, 'x'})", "attempt to compare");
}

/* end_run(): the run ends now, with a grace of 20 ms (what the hooks' holder does at a run's end). */
static int end_run(lua_State *L)
{
    sandbox_stop_after(sb, 20000000);
    (void)L;
    return 0;
}

/* The sandbox again, with a budget that lasts for centuries and end_run(). */
static void endless_budget(void)
{
    close_sandbox();
    open_sandbox(INT64_MAX, SANDBOX_DEFAULT_MEMORY);
    lua_register(sandbox_lua(sb), "end_run", end_run);
}

Test(sandbox, lua_code_still_running_after_the_run_ended_is_stopped)
{
    endless_budget();
    expect_error("end_run()\nwhile true do end", "t.lua:2: still running 20 ms after the run ended; stopped");
    /* The state is refused from then on, as after any limit. */
    expect_error("return 1", "still running 20 ms after the run ended; stopped");
}

Test(sandbox, a_pattern_call_still_running_after_the_run_ended_is_stopped)
{
    endless_budget();
    expect_error("end_run()\nreturn string.find(" ENDLESS_PATTERN ")",
                 "t.lua:2: still running 20 ms after the run ended; stopped");
}

Test(sandbox, a_caught_stop_still_ends_the_call)
{
    endless_budget();
    expect_error("end_run() for i = 1, 3 do pcall(function() while true do end end) end return 'caught'",
                 "still running 20 ms after the run ended; stopped");
}

Test(sandbox, a_call_that_starts_after_the_run_ended_gets_its_own_grace)
{
    endless_budget();
    sandbox_stop_after(sb, 500000000);
    usleep(600000);
    /* 600 ms after the end, but a new call: it has 500 ms of its own. Its 20000 or so instructions (20
     * counts, each of which would stop a call the grace counted from the run's end) take far less. */
    expect_result("local n = 0 for i = 1, 5000 do n = n + 1 end return n", "5000");
}

/* probe(): sandbox_progress as the script sees it. */
static int probe(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sandbox_progress(sb));
    return 1;
}

Test(sandbox, progress_moves_with_lua_code_and_stands_still_inside_a_library_call)
{
    lua_register(sandbox_lua(sb), "probe", probe);
    uint64_t before = sandbox_progress(sb);
    /* Between a and b, one library call and a few instructions: no step. From b to c, 300000 or so
     * instructions: a step every 1000. */
    expect_result("local a = probe() local s = string.rep('x', 1 << 20) local b = probe()\n"
                  "for i = 1, 100000 do end\n"
                  "local c = probe() return (b - a) .. ' ' .. tostring(c - b >= 100)",
                  "0 true");
    /* The call's start and end count too, so a new call is never mistaken for a stuck one. */
    cr_assert_geq(sandbox_progress(sb), before + 2 + 100);
}

Test(sandbox, the_chunk_itself_must_be_text)
{
    const char chunk[] = "\x1bLua\x54";
    cr_assert_eq(sandbox_load(sb, "t.lua", chunk, sizeof(chunk) - 1, err, sizeof(err)), -1);
    cr_assert(strstr(err, "attempt to load a binary chunk") != NULL, "%s", err);
}

Test(sandbox, finalizers_and_the_collector_are_refused)
{
    expect_error("setmetatable({}, {__gc = function() while true do end end})",
                 "t.lua:1: setmetatable: __gc metamethods are not allowed in a scenario");
    expect_error("collectgarbage('stop')", "collectgarbage(\"stop\") is not allowed in a scenario");
    expect_error("collectgarbage()", "collectgarbage(\"collect\") is not allowed");
    expect_result("return type(collectgarbage('count'))", "number");
    expect_result("return getmetatable(setmetatable({}, {__index = {a = 5}})).__index.a", "5");
}

Test(sandbox, metatables_do_not_outlast_the_budget)
{
    expect_error("local t = setmetatable({}, {__index = function() while true do end end}) return t.x",
                 "instruction budget of 1000000 exceeded");
}

Test(sandbox, an_infinite_loop_is_stopped_with_its_line)
{
    expect_error("local x = 0\nwhile true do x = x + 1 end",
                 "t.lua:2: instruction budget of 1000000 exceeded");
}

Test(sandbox, a_caught_budget_error_still_ends_the_call)
{
    expect_error("while true do pcall(function() while true do end end) end", "instruction budget");
    expect_error("for i = 1, 3 do pcall(function() while true do end end) end return 'escaped'",
                 "instruction budget");
}

Test(sandbox, an_exhausted_state_refuses_every_later_call)
{
    expect_error("while true do end", "instruction budget");
    expect_error("return 1", "instruction budget of 1000000 exceeded");
}

Test(sandbox, the_budget_is_per_call)
{
    close_sandbox();
    open_sandbox(50000, SANDBOX_DEFAULT_MEMORY);
    for (int i = 0; i < 5; i++)
        expect_result("local s = 0 for i = 1, 4000 do s = s + i end return s", "8002000");
}

Test(sandbox, a_memory_bomb_hits_the_cap)
{
    expect_error("return string.rep('x', 1 << 30)", "memory cap of 16777216 bytes exceeded");
}

Test(sandbox, a_growing_table_hits_the_cap)
{
    close_sandbox();
    open_sandbox(UINT64_MAX / 2, 1 << 20);
    expect_error("local t = {} for i = 1, 1e9 do t[i] = i end", "memory cap of 1048576 bytes exceeded");
}

Test(sandbox, a_caught_memory_error_still_ends_the_call)
{
    expect_error("local ok = pcall(string.rep, 'x', 1 << 30) return 'escaped'", "memory cap");
    cr_assert(sandbox_exhausted(sb));
}

Test(sandbox, math_random_draws_from_the_run_generator)
{
    expect_result("return tostring(math.randomseed)", "nil");
    struct rng same = rng_seeded(42);
    (void)rng_double(&same); /* math.random() */
    long long a = (long long)rng_range(&same, 1, 1000000);
    long long b = (long long)rng_range(&same, 1, 6);
    char want[64];
    snprintf(want, sizeof(want), "%lld %lld true", a, b);
    expect_result("local r = math.random() return math.random(1, 1000000) .. ' ' .. math.random(6) .. ' ' .. "
                  "tostring(r >= 0 and r < 1)",
                  want);
    expect_error("return math.random(3, 1)", "interval is empty");
}

Test(rng, splitmix64_reference_values)
{
    /* splitmix64 from state 0: the published first outputs. */
    struct rng r = rng_seeded(0);
    cr_assert_eq(rng_next(&r), 0xe220a8397b1dcdafULL);
    cr_assert_eq(rng_next(&r), 0x6e789e6aa1b965f4ULL);
}

Test(rng, ranges_stay_inside_their_bounds)
{
    struct rng r = rng_seeded(7);
    for (int i = 0; i < 10000; i++) {
        int64_t v = rng_range(&r, -3, 3);
        cr_assert(v >= -3 && v <= 3);
        double d = rng_double(&r);
        cr_assert(d >= 0 && d < 1);
    }
    cr_assert_eq(rng_range(&r, 5, 5), 5);
}

/* ---- the zx table ---- */

static char logged[256];

static void log_into(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%.*s|", (int)len, text);
}

Test(sandbox, zx_table_names_statuses_and_draws_from_the_run_generator)
{
    cr_assert_eq(sandbox_open_zx(sb, log_into, NULL), 0);
    expect_result("return zx.ZX_ERR_NO_MEMORY", "-4");
    expect_result("return zx.ZX_OK", "0");
    expect_result("return zx.status_name(-20)", "ZX_ERR_BAD_STATE");
    expect_result("return tostring(zx.status_name(12345))", "nil");
    expect_result("local x = zx.randint(3, 3) return x", "3");
    expect_result("local r = zx.rand() return r >= 0 and r < 1", "true");
    expect_error("return zx.randint(5, 1)", "interval is empty");
    logged[0] = '\0';
    expect_result("zx.log('a', 1, true) zx.log() return 'ok'", "ok");
    cr_assert_str_eq(logged, "a\t1\ttrue||");
}

Test(sandbox, zx_randint_draws_what_the_run_generator_gives)
{
    cr_assert_eq(sandbox_open_zx(sb, NULL, NULL), 0);
    struct rng same = rng_seeded(42); /* the seed open_sandbox gave the sandbox's generator */
    char want[64];
    long long a = (long long)rng_range(&same, 1, 1000000);
    long long b = (long long)rng_range(&same, 1, 1000000);
    snprintf(want, sizeof(want), "%lld,%lld", a, b);
    expect_result("return zx.randint(1, 1000000) .. ',' .. zx.randint(1, 1000000)", want);
}

/* A fake VM for zx.read, zx.write and zx.reg: one process "p" with 16 bytes at 0x1000 and rax = 7. */
static uint8_t fake_mem[16];

static int fake_read(void *ctx, const char *process, uint64_t addr, void *buf, size_t len, char *why,
                     size_t whylen)
{
    (void)ctx;
    if (strcmp(process, "p") != 0)
        return snprintf(why, whylen, "no process named %s", process), -1;
    if (addr < 0x1000 || addr - 0x1000 > sizeof(fake_mem) || len > sizeof(fake_mem) - (addr - 0x1000))
        return snprintf(why, whylen, "0x%llx is not mapped in p", (unsigned long long)addr), -1;
    memcpy(buf, fake_mem + (addr - 0x1000), len);
    return 0;
}

static int fake_write(void *ctx, const char *process, uint64_t addr, const void *buf, size_t len, char *why,
                      size_t whylen)
{
    uint8_t scratch[SANDBOX_MAX_ACCESS];
    if (fake_read(ctx, process, addr, scratch, len, why, whylen) != 0)
        return -1;
    memcpy(fake_mem + (addr - 0x1000), buf, len);
    return 0;
}

static int fake_reg(void *ctx, const char *process, const char *name, uint64_t *value, char *why,
                    size_t whylen)
{
    (void)ctx;
    (void)process;
    if (strcmp(name, "rax") != 0)
        return snprintf(why, whylen, "unknown register '%s'", name), -1;
    *value = 7;
    return 0;
}

Test(sandbox, zx_memory_and_register_functions_need_a_vm)
{
    cr_assert_eq(sandbox_open_zx(sb, NULL, NULL), 0);
    expect_error(
        "return zx.read('p', 0x1000, 4)",
        "t.lua:1: zx.read: no VM here: call it from a hook (on_syscall, on_exception, on_exit) of a run");
    expect_error("zx.write('p', 0x1000, 'x')", "t.lua:1: zx.write: no VM here");
    expect_error("return zx.reg('p', 'rax')", "t.lua:1: zx.reg: no VM here");
    sandbox_set_vm(sb, &(struct sandbox_vm){fake_read, fake_write, fake_reg, NULL});
    sandbox_set_vm(sb, NULL); /* taken away again */
    expect_error("return zx.reg('p', 'rax')", "t.lua:1: zx.reg: no VM here");
}

Test(sandbox, zx_read_write_and_reg_reach_the_vm_and_raise_its_reasons)
{
    cr_assert_eq(sandbox_open_zx(sb, NULL, NULL), 0);
    sandbox_set_vm(sb, &(struct sandbox_vm){fake_read, fake_write, fake_reg, NULL});
    memset(fake_mem, 0, sizeof(fake_mem));
    expect_result("zx.write('p', 0x1002, 'hi') return zx.read('p', 0x1002, 2) .. #zx.read('p', 0x1000, 16)",
                  "hi16");
    cr_assert_eq(fake_mem[2], 'h');
    expect_result("return #zx.read('p', 0x1000, 0)", "0");
    expect_result("return zx.reg('p', 'rax')", "7");
    expect_error("return zx.read('q', 0x1000, 1)", "t.lua:1: zx.read: no process named q");
    expect_error("return zx.read('p', 0x2000, 1)", "t.lua:1: zx.read: 0x2000 is not mapped in p");
    expect_error("zx.write('p', 0x2000, 'x')", "t.lua:1: zx.write: 0x2000 is not mapped in p");
    expect_error("return zx.reg('p', 'rxa')", "t.lua:1: zx.reg: unknown register 'rxa'");
    expect_error("return zx.read('p', 0x1000, 4097)", "t.lua:1: zx.read: length 4097 is outside 0..4096");
    expect_error("return zx.read('p', 0x1000, -1)", "t.lua:1: zx.read: length -1 is outside 0..4096");
    expect_error("zx.write('p', 0x1000, string.rep('x', 4097))",
                 "t.lua:1: zx.write: 4096 bytes at most, not 4097");
    expect_error("return zx.read('p', 'here', 1)", "bad argument #2 to 'read'");
}
