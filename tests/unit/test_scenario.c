/* test_scenario.c: the scenario validator: good scenarios read into data, and every kind of mistake
 * refused with FILE:LINE, the fault and the key. No KVM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zircon/errors.h>
#include <zircon/rights.h>

#include "inject/inject.h"
#include "inject/scenario.h"
#include "syscall/names.h"

static struct scenario sc;
static char err[512];

static int parse(const char *text)
{
    err[0] = '\0';
    return scenario_parse("s.lua", text, strlen(text), &sc, err, sizeof(err));
}

static void expect_ok(const char *text)
{
    cr_assert_eq(parse(text), 0, "refused: %s", err);
}

static void expect_refused(const char *text, const char *message)
{
    cr_assert_eq(parse(text), -1, "accepted:\n%s", text);
    cr_assert_str_eq(err, message);
}

static void cleanup(void)
{
    scenario_free(&sc);
}

TestSuite(scenario, .fini = cleanup);

Test(scenario, the_design_example_is_read_whole)
{
    expect_ok(
        "return {\n"
        "  program = { 'victim', 'arg1' },\n"
        "  spawn = { { 'helper', 'x' } },\n"
        "  cmdline = 'kernel.enable-debugging-syscalls=true',\n"
        "  mem = '256M', timeout = 5,\n"
        "  faults = {\n"
        "    { id = 'wm3', on = 'syscall', name = 'zx_process_write_memory', when = 'before',\n"
        "      process = 'victim', nth = 3, action = { fail = 'ZX_ERR_NO_MEMORY' } },\n"
        "    { id = 'flip', on = 'syscall', name = 'zx_debug_write', process = 'victim', probability = 20,\n"
        "      action = { flip = { process = 'victim', addr = 0x20001000, mask = 0x10 }, lifespan = 0 } },\n"
        "  },\n"
        "  oracle = { compare = { 'exit', 'stdout' } },\n"
        "  classify = function(r) end,\n"
        "  on_syscall = function(ev) end,\n"
        "}\n");
    cr_assert_eq(sc.program.argc, 2);
    cr_assert_str_eq(sc.program.argv[1], "arg1");
    cr_assert_eq(sc.nspawn, 1);
    cr_assert_str_eq(sc.spawn[0].argv[0], "helper");
    cr_assert_str_eq(sc.cmdline, "kernel.enable-debugging-syscalls=true");
    cr_assert_str_eq(sc.mem, "256M");
    cr_assert_eq(sc.timeout, 5);
    cr_assert_eq(sc.nfaults, 2);
    const struct fault *f = &sc.faults[0];
    cr_assert_str_eq(f->id, "wm3");
    cr_assert_eq(f->on, FAULT_ON_SYSCALL);
    cr_assert_eq(f->number, 10);
    cr_assert_not(f->after);
    cr_assert_str_eq(f->process, "victim");
    cr_assert_eq(f->counter.nth, 3);
    cr_assert_eq(f->counter.times, 1);
    cr_assert_eq(f->action.kind, ACTION_FAIL);
    cr_assert_eq(f->action.status, ZX_ERR_NO_MEMORY);
    cr_assert_eq(f->line, 7);
    f = &sc.faults[1];
    cr_assert_eq(f->counter.probability, 20);
    cr_assert_eq(f->counter.times, -1);
    cr_assert_eq(f->action.kind, ACTION_FLIP);
    cr_assert_eq(f->action.addr, 0x20001000);
    cr_assert_eq(f->action.mask, 0x10);
    cr_assert_eq(f->action.bytes, 1);
    cr_assert(sc.classify && sc.on_syscall && !sc.on_exit && !sc.on_exception);
    cr_assert(sc.compare_exit && sc.compare_stdout);
}

Test(scenario, defaults_ids_by_position_and_reads_every_action)
{
    expect_ok(
        "return { program = {'p'}, faults = {\n"
        " { on = 'start', action = { kill = 'p' } },\n"
        " { on = 'exit', action = { debugging = false } },\n"
        " { on = 'syscall', number = 1, when = 'after', action = { short = 4 } },\n"
        " { on = 'syscall', name = 'zx_vmo_read', arg = { [2] = {0, 4096} }, action = { unmap = {process = "
        "'p', "
        "addr = 4096, len = 8192} } },\n"
        " { on = 'syscall', name = 'zx_vmo_read', action = { uncache = {process = 'p', addr = 0, len = 1} } "
        "},\n"
        " { on = 'syscall', name = 'zx_handle_duplicate', action = { revoke = {'ZX_RIGHT_READ', "
        "'ZX_RIGHT_WRITE'} } },\n"
        " { on = 'exception', vector = '#PF', action = { reg = {process = 'p', name = 'rip', value = 5}, "
        "lifespan = 3 } },\n"
        " { on = 'exec', symbol = 'main', action = { delay = 10 } },\n"
        " { on = 'time', ms = 20, action = { exception = 'UD' } },\n"
        " { on = 'exec', addr = 0x20000000, interval = 2, space = 10, times = -1, action = { set1 = {process "
        "= 'p', addr = 1, mask = 0x100} } },\n"
        "}}");
    cr_assert_eq(sc.nfaults, 10);
    cr_assert_str_eq(sc.faults[0].id, "f1");
    cr_assert_str_eq(sc.faults[9].id, "f10");
    cr_assert_eq(sc.faults[1].action.kind, ACTION_DEBUGGING);
    cr_assert(sc.faults[2].after);
    cr_assert_eq(sc.faults[2].action.count, 4);
    cr_assert(sc.faults[3].arg[1].set);
    cr_assert_eq(sc.faults[3].arg[1].hi, 4096);
    cr_assert_eq(sc.faults[3].action.len, 8192);
    cr_assert_eq(sc.faults[5].action.rights, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    cr_assert_eq(sc.faults[6].vector, 14);
    cr_assert_eq(sc.faults[6].action.reg_op, REG_VALUE);
    cr_assert_eq(sc.faults[6].action.lifespan, 3);
    cr_assert_str_eq(sc.faults[7].symbol, "main");
    cr_assert_eq(sc.faults[8].action.vector, 6);
    cr_assert_eq(sc.faults[9].counter.interval, 2);
    cr_assert_eq(sc.faults[9].counter.space, 10);
    cr_assert_eq(sc.faults[9].action.bytes, 2);
}

Test(scenario, lua_syntax_errors_name_file_and_line)
{
    expect_refused("return {\n program = {'p'},\n faults = {{ on = }}\n}",
                   "s.lua:3: unexpected symbol near '}'");
}

Test(scenario, lua_runtime_errors_name_file_and_line)
{
    expect_refused("local x = nil\n\nreturn x.y", "s.lua:3: attempt to index a nil value (local 'x')");
    expect_refused("error('my own message')", "s.lua:1: my own message");
}

Test(scenario, the_chunk_runs_under_the_budget)
{
    expect_refused("\nwhile true do end", "s.lua:2: instruction budget of 1000000 exceeded");
}

Test(scenario, sandbox_escapes_are_lua_errors)
{
    expect_refused("return { program = { io.read() } }",
                   "s.lua:1: attempt to index a nil value (global 'io')");
}

Test(scenario, it_must_return_a_table_with_a_program)
{
    expect_refused("return 5", "s.lua: the scenario must return a table, not number");
    expect_refused("return {}", "s.lua: key 'program': missing (e.g. program = {\"victim\", \"arg\"})");
    expect_refused(
        "return { program = {} }",
        "s.lua:1: key 'program': expected a list {\"PROGRAM\", \"ARG\", ...} with at least the program");
    expect_refused("return { program = {'a', 3} }",
                   "s.lua:1: key 'program': word 2 is a number, not a string");
}

Test(scenario, unknown_top_level_keys_are_refused_with_a_suggestion)
{
    expect_refused("return {\n program = {'p'},\n timout = 3 }",
                   "s.lua:3: key 'timout': unknown key (did you mean 'timeout'?)");
}

Test(scenario, unknown_fault_keys_name_the_fault_and_line)
{
    expect_refused("return { program = {'p'}, faults = {\n"
                   "  { id = 'a', on = 'start', action = { kill = 'p' } },\n"
                   "  { id = 'wm3', on = 'syscall', name = 'zx_debug_write',\n"
                   "    nht = 3, action = { fail = 'ZX_ERR_IO' } } } }",
                   "s.lua:4: fault 'wm3': key 'nht': unknown key (did you mean 'nth'?)");
}

Test(scenario, a_fault_without_id_is_named_by_position)
{
    expect_refused("return { program = {'p'}, faults = {\n"
                   "  { on = 'start', action = { kill = 'p' } },\n"
                   "  { on = 'syscal', action = { kill = 'p' } } } }",
                   "s.lua:3: fault 2: key 'on': unknown trigger 'syscal' (did you mean 'syscall'?)");
}

Test(scenario, unknown_syscalls_statuses_actions_and_rights_are_refused)
{
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'syscall', name = 'zx_nope', action = { fail = 1 } }}}",
        "s.lua:1: fault 1: key 'name': unknown syscall 'zx_nope'");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'syscall', name = 'zx_debug_write', action = { fail = "
        "'ZX_ERR_NOPE' } }}}",
        "s.lua:1: fault 1: key 'fail': unknown status 'ZX_ERR_NOPE'");
    expect_refused("return { program = {'p'}, faults = {{ on = 'start', action = { explode = 1 } }}}",
                   "s.lua:1: fault 1: key 'explode': unknown key");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', action = { revoke = 'ZX_RIGHT_FLY' } }}}",
        "s.lua:1: fault 1: key 'revoke': unknown right 'ZX_RIGHT_FLY' (expected ZX_RIGHT_* names)");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'exception', vector = 'XX', action = { kill = 'p' } }}}",
        "s.lua:1: fault 1: key 'vector': unknown exception vector 'XX' (expected 0-31 or a name such as "
        "\"PF\" or \"#GP\")");
}

Test(scenario, wrong_types_and_ranges_are_refused)
{
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', nth = 'three', action = { kill = 'p' } }}}",
        "s.lua:1: fault 1: key 'nth': expected an integer, got string");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', probability = 120, action = { kill = 'p' } "
        "}}}",
        "s.lua:1: fault 1: key 'probability': 120 is out of range (0 to 100)");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', interval = 0, action = { kill = 'p' } }}}",
        "s.lua:1: fault 1: key 'interval': 0 is out of range (1 to 9223372036854775807)");
    expect_refused("return { program = {'p'}, timeout = -1 }",
                   "s.lua:1: key 'timeout': expected seconds, more than 0 and at most 1000000");
    expect_refused("return { program = {'p'}, on_syscall = 5 }",
                   "s.lua:1: key 'on_syscall': expected a function, got number");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', action = { debugging = true } }}}",
        "s.lua:1: fault 1: key 'debugging': expected false (debugging syscalls can only be switched off)");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', action = { flip = { process = 'p', addr = "
        "0, mask = 0x1ff, bytes = 1 } } }}}",
        "s.lua:1: fault 1: key 'bytes': the mask 0x1ff does not fit in 1 bytes");
}

Test(scenario, keys_of_another_trigger_and_missing_keys_are_refused)
{
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', vector = 3, action = { kill = 'p' } }}}",
        "s.lua:1: fault 1: key 'vector': does not apply to on = \"start\"");
    expect_refused("return { program = {'p'}, faults = {{ on = 'syscall', action = { kill = 'p' } }}}",
                   "s.lua:1: fault 1: key 'on': a syscall trigger needs a name (or number)");
    expect_refused("return { program = {'p'}, faults = {{ on = 'exec', action = { kill = 'p' } }}}",
                   "s.lua:1: fault 1: key 'on': an exec trigger needs exactly one of addr or symbol");
    expect_refused("return { program = {'p'}, faults = {{ on = 'start' }}}",
                   "s.lua:1: fault 1: key 'action': missing (e.g. action = {fail = \"ZX_ERR_NO_MEMORY\"})");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', action = { kill = 'p', fail = 1 } }}}",
        "s.lua:1: fault 1: key 'kill': an action has one kind; 'fail' is already given");
    expect_refused(
        "return { program = {'p'}, faults = {{ on = 'start', action = { kill = 'p', lifespan = 2 } }}}",
        "s.lua:1: fault 1: key 'lifespan': only data actions (flip, set0, set1, reg) have a lifespan");
}

Test(scenario, duplicate_ids_are_refused)
{
    expect_refused("return { program = {'p'}, faults = {\n"
                   " { id = 'x', on = 'start', action = { kill = 'p' } },\n"
                   " { id = 'x', on = 'exit', action = { kill = 'p' } } } }",
                   "s.lua:3: fault 'x': key 'id': used by faults 1 and 2");
}

Test(scenario, limits_are_read_and_checked)
{
    expect_ok("return { program = {'p'}, limits = { instructions = 5000, memory = 1 << 20 } }");
    cr_assert_eq(sc.limits.instructions, 5000);
    cr_assert_eq(sc.limits.memory, 1 << 20);
    scenario_free(&sc);
    expect_refused("return { program = {'p'}, limits = { memory = 10 } }",
                   "s.lua:1: key 'memory': 10 is out of range (65536 to 9223372036854775807)");
}

Test(scenario, load_makes_programs_relative_to_the_file)
{
    char dir[] = "/tmp/zxvmm-scenario-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/s.lua", dir);
    FILE *f = fopen(path, "w");
    fputs("return { program = {'victim', 'x'}, spawn = {{'/abs/helper'}} }", f);
    fclose(f);
    cr_assert_eq(scenario_load(path, &sc, err, sizeof(err)), 0, "%s", err);
    char want[160];
    snprintf(want, sizeof(want), "%s/victim", dir);
    cr_assert_str_eq(sc.program.argv[0], want);
    cr_assert_str_eq(sc.spawn[0].argv[0], "/abs/helper");
    unlink(path);
    rmdir(dir);
}

Test(scenario, a_missing_file_is_refused_with_its_cause)
{
    cr_assert_eq(scenario_load("/nonexistent/s.lua", &sc, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "/nonexistent/s.lua: cannot read: No such file or directory");
}

Test(scenario, a_directory_is_refused_with_its_cause)
{
    char dir[] = "/tmp/zxvmm-scenario-dir-XXXXXX", want[96];
    cr_assert(mkdtemp(dir));
    cr_assert_eq(scenario_load(dir, &sc, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: cannot read: Is a directory", dir);
    cr_assert_str_eq(err, want);
    rmdir(dir);
}

Test(scenario, systematic_narrowing_is_read)
{
    expect_ok("return { program = {'dir/victim'}, spawn = {{'helper'}},\n"
              "  systematic = { process = 'helper', syscalls = { 'zx_vmo_write', 'zx_debug_write' } } }");
    cr_assert_str_eq(sc.systematic.process, "helper");
    cr_assert_eq(sc.systematic.nsyscalls, 2);
    cr_assert_eq(sc.systematic.syscalls[0], syscall_number("zx_vmo_write"));
    cr_assert_eq(sc.systematic.syscalls[1], syscall_number("zx_debug_write"));
    scenario_free(&sc);
    expect_ok("return { program = {'dir/victim'}, systematic = { process = 'victim' } }");
    cr_assert_str_eq(sc.systematic.process, "victim");
    cr_assert_eq(sc.systematic.nsyscalls, 0, "no syscalls: every syscall");
    scenario_free(&sc);
    expect_ok("return { program = {'victim'} }");
    cr_assert_str_eq(sc.systematic.process, "");
    cr_assert_eq(sc.systematic.nsyscalls, 0);
}

Test(scenario, bad_systematic_tables_are_refused_with_line_and_key)
{
    expect_refused(
        "return { program = {'p'},\n systematic = 'all' }",
        "s.lua:2: key 'systematic': expected {process = NAME, syscalls = {NAME, ...}}, got string");
    expect_refused("return { program = {'p'},\n systematic = { proces = 'p' } }",
                   "s.lua:2: key 'proces': unknown key (did you mean 'process'?)");
    expect_refused("return { program = {'p'},\n systematic = {\n process = 3 } }",
                   "s.lua:3: key 'process': expected a string, got number");
    expect_refused(
        "return { program = {'dir/p'},\n systematic = {\n process = 'q' } }",
        "s.lua:3: key 'process': no process of the scenario is named 'q' (a process is named after "
        "its program's basename, here 'p')");
    expect_refused("return { program = {'p'},\n systematic = {\n syscalls = 'zx_vmo_write' } }",
                   "s.lua:3: key 'syscalls': expected a list of zx_* names, got string");
    expect_refused("return { program = {'p'},\n systematic = {\n syscalls = {} } }",
                   "s.lua:3: key 'syscalls': expected a non-empty list {\"zx_...\", ...} (no named keys)");
    expect_refused("return { program = {'p'},\n systematic = {\n syscalls = { w = 'zx_vmo_write' } } }",
                   "s.lua:3: key 'syscalls': expected a non-empty list {\"zx_...\", ...} (no named keys)");
    expect_refused("return { program = {'p'},\n systematic = {\n syscalls = { 'zx_vmo_write', 7 } } }",
                   "s.lua:3: key 'syscalls': entry 2 is a number, not a zx_* name");
    expect_refused("return { program = {'p'},\n systematic = {\n syscalls = { 'zx_vmo_wrte' } } }",
                   "s.lua:3: key 'syscalls': unknown syscall 'zx_vmo_wrte'");
    expect_refused(
        "return { program = {'p'},\n systematic = {\n syscalls = { 'zx_vmo_write', 'zx_vmo_write' } } }",
        "s.lua:3: key 'syscalls': 'zx_vmo_write' is named twice");
    /* A `syscalls=` earlier in the text (a boot option) does not take the line. */
    expect_refused("return { program = {'p'}, cmdline = 'kernel.enable-serial-syscalls=true',\n"
                   " systematic = {\n syscalls = { 'zx_vmo_wrte' } } }",
                   "s.lua:3: key 'syscalls': unknown syscall 'zx_vmo_wrte'");
}

Test(scenario, reg_names_and_operations_are_read_and_checked)
{
    expect_ok("return { program = {'p'}, faults = {\n"
              " { on = 'start', action = { reg = {process = 'p', name = 'gs_base', flip = 0x10} } },\n"
              " { on = 'start', action = { reg = {process = 'p', name = 'r15', set0 = 1} } },\n"
              " { on = 'start', action = { reg = {process = 'p', name = 'rflags', set1 = 0x100} } },\n"
              " { on = 'start', action = { reg = {process = 'p', name = 'rax', value = -40} } },\n"
              "}}");
    cr_assert_str_eq(sc.faults[0].action.reg, "gs_base");
    cr_assert_eq(sc.faults[0].action.reg_op, REG_FLIP);
    cr_assert_eq(sc.faults[0].action.mask, 0x10);
    cr_assert_eq(sc.faults[1].action.reg_op, REG_SET0);
    cr_assert_eq(sc.faults[2].action.reg_op, REG_SET1);
    cr_assert_eq(sc.faults[3].action.reg_op, REG_VALUE);
    cr_assert_eq(sc.faults[3].action.mask, (uint64_t)-40);
    scenario_free(&sc);
    expect_refused("return { program = {'p'}, faults = {\n"
                   " { on = 'start', action = { reg = {process = 'p', name = 'rxa', value = 1} } } }}",
                   "s.lua:2: fault 1: key 'name': unknown register 'rxa' (did you mean 'rax'?)");
    expect_refused(
        "return { program = {'p'}, faults = {\n"
        " { on = 'start', action = { reg = {process = 'p', name = 'rax', flip = 1, set0 = 2} } } }}",
        "s.lua:2: fault 1: key 'reg': expected exactly one of flip, set0, set1 or value");
    expect_refused("return { program = {'p'}, faults = {\n"
                   " { on = 'start', action = { reg = {process = 'p', name = 'rax'} } } }}",
                   "s.lua:2: fault 1: key 'reg': expected exactly one of flip, set0, set1 or value");
    expect_refused("return { program = {'p'}, faults = {\n"
                   " { on = 'start', action = { reg = {process = 'p', name = 'rax', value = 'x'} } } }}",
                   "s.lua:2: fault 1: key 'value': expected an integer, got string");
    expect_refused("return { program = {'p'}, faults = {\n"
                   " { on = 'start', action = { uncache = {process = 'p', addr = 0} } } }}",
                   "s.lua:2: fault 1: key 'len': expected an integer, got nil");
    expect_refused("return { program = {'p'}, faults = {\n"
                   " { on = 'start', action = { exception = 32 } } }}",
                   "s.lua:2: fault 1: key 'exception': 32 is out of range (0 to 31)");
}

/* What runs can do: the actions built pass; what cannot be raised or is not built is refused by name. */
Test(scenario, runs_accept_the_built_actions_and_refuse_the_rest_with_file_and_line)
{
    expect_ok("return { program = {'p'}, faults = {\n"
              " { on = 'start', action = { uncache = {process = 'p', addr = 0, len = 1} } },\n"
              " { on = 'start', action = { reg = {process = 'p', name = 'rax', value = 1} } },\n"
              " { on = 'start', action = { exception = 'UD' } },\n"
              " { on = 'start', action = { exception = 14 } },\n"
              "}}");
    cr_assert_eq(inject_check_supported(&sc, "s.lua", err, sizeof(err)), 0, "%s", err);
    scenario_free(&sc);
    static const struct {
        const char *fault, *message;
    } refused[] = {
        {"{ id = 'n', on = 'start', action = { exception = 2 } }",
         "s.lua:2: fault 'n': exception = 2 (non-maskable interrupt (NMI)) is not an exception a process can "
         "raise"},
        {"{ id = 'd', on = 'start', action = { exception = '#DF' } }",
         "s.lua:2: fault 'd': exception = 8 (double fault (#DF)) is not an exception a process can raise"},
        {"{ id = 'm', on = 'start', action = { exception = 18 } }",
         "s.lua:2: fault 'm': exception = 18 (machine check (#MC)) is not an exception a process can raise"},
        {"{ id = 'l', on = 'start', action = { reg = {process = 'p', name = 'rax', flip = 1}, lifespan = 1 } "
         "}",
         "s.lua:2: fault 'l': lifespan beside reg is not supported by this zxvmm yet"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "return { program = {'p'}, faults = {\n %s }}", refused[i].fault);
        expect_ok(text);
        cr_assert_eq(inject_check_supported(&sc, "s.lua", err, sizeof(err)), -1, "%s", text);
        cr_assert_str_eq(err, refused[i].message);
        scenario_free(&sc);
    }
}
