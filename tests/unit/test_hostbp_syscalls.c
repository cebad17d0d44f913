/* test_hostbp_syscalls.c: the memory syscalls keep the VMM's own breakpoints (exec triggers) hidden: reads
 * give the original bytes, writes over them change what runs and keep them planted. */
#include <criterion/criterion.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/types.h>

#include "debug/debug.h"
#include "debug/hostbp.h"
#include "object/handle.h"
#include "object/object.h"
#include "object/process.h"
#include "object/vmar.h"
#include "object/vmo.h"
#include "syscall/syscall.h"
#include "syscall/uaccess.h"

#include "process_fixture.h"

#define PAGE      MEM_PAGE_SIZE
#define BUFFER_AT 0x40000000ULL /* the caller's buffer */
#define ACTUAL_AT (BUFFER_AT + PAGE)
#define CODE_AT   0x50000000ULL /* the code the breakpoints are in */
#define RWX       (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE)

static struct boot_options boot = {.enable_debugging_syscalls = true};
static struct process_fixture fixture;
static struct hostbp_table tab;

static const uint8_t code[6] = {0x55, 0x48, 0x89, 0xe5, 0x90, 0xc3};

static void map(uint64_t at, uint64_t pages, uint32_t perms)
{
    struct vmo *v;
    cr_assert_eq(vmo_create(&fixture.objects, pages * PAGE, &v), ZX_OK);
    cr_assert_eq(vmar_map(&fixture.objects, &fixture.proc.vmar, at, pages * PAGE, v, 0, perms, RWX), ZX_OK);
    object_unref(&fixture.objects, &v->obj);
}

static void setup(void)
{
    process_fixture_setup(&fixture, &boot);
    map(BUFFER_AT, 2, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE);
    map(CODE_AT, 1, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE);
    cr_assert_eq(debug_access_memory(&fixture.objects, &fixture.proc, CODE_AT, (void *)code, sizeof(code),
                                     true, false),
                 sizeof(code));
    memset(&tab, 0, sizeof(tab));
    fixture.objects.host_bps = &tab;
    cr_assert_eq(hostbp_plant(&fixture.objects, &tab, &fixture.proc, CODE_AT + 1, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&fixture.objects, &tab, &fixture.proc, CODE_AT + 4, HOSTBP_EXEC), ZX_OK);
}

static void teardown(void)
{
    process_fixture_teardown(&fixture);
}

TestSuite(hostbp_syscalls, .init = setup, .fini = teardown);

static zx_status_t memory_call(uint64_t (*handler)(struct syscall_call *), uint64_t vaddr, uint64_t size)
{
    struct syscall_call c = {.env = &fixture.sys,
                             .caller = &fixture.proc,
                             .arg = {fixture.self, vaddr, BUFFER_AT, size, ACTUAL_AT}};
    return (zx_status_t)(int64_t)handler(&c);
}

static void buffer_in(void *out, size_t len)
{
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    cr_assert_eq(uaccess_copy_in(&w, out, BUFFER_AT, len), ZX_OK);
}

static void buffer_out(const void *in, size_t len)
{
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    cr_assert_eq(uaccess_copy_out(&w, BUFFER_AT, in, len), ZX_OK);
}

static uint8_t raw(uint64_t va)
{
    uint8_t b = 0;
    cr_assert_eq(debug_access_memory(&fixture.objects, &fixture.proc, va, &b, 1, false, false), 1);
    return b;
}

Test(hostbp_syscalls, read_memory_gives_the_original_bytes)
{
    cr_assert_eq(raw(CODE_AT + 1), HOSTBP_INT3);
    cr_assert_eq(memory_call(sys_zx_process_read_memory, CODE_AT, sizeof(code)), ZX_OK);
    uint8_t got[sizeof(code)];
    buffer_in(got, sizeof(got));
    cr_assert_arr_eq(got, code, sizeof(code));
    /* A read of the second breakpoint's byte alone, and one that misses both. */
    cr_assert_eq(memory_call(sys_zx_process_read_memory, CODE_AT + 4, 1), ZX_OK);
    buffer_in(got, 1);
    cr_assert_eq(got[0], 0x90);
    cr_assert_eq(memory_call(sys_zx_process_read_memory, CODE_AT + 2, 2), ZX_OK);
    buffer_in(got, 2);
    cr_assert_eq(got[0], 0x89);
    cr_assert_eq(got[1], 0xe5);
}

Test(hostbp_syscalls, write_memory_over_a_breakpoint_changes_its_original_and_keeps_it)
{
    const uint8_t bytes[3] = {0x66, 0x67, 0x68};
    buffer_out(bytes, sizeof(bytes));
    cr_assert_eq(memory_call(sys_zx_process_write_memory, CODE_AT, sizeof(bytes)), ZX_OK);
    cr_assert_eq(raw(CODE_AT), 0x66);
    cr_assert_eq(raw(CODE_AT + 1), HOSTBP_INT3, "the guest cannot remove it");
    cr_assert_eq(raw(CODE_AT + 2), 0x68);
    cr_assert_eq(hostbp_find(&tab, &fixture.proc, CODE_AT + 1, HOSTBP_EXEC)->orig, 0x67);
    cr_assert_eq(hostbp_find(&tab, &fixture.proc, CODE_AT + 4, HOSTBP_EXEC)->orig, 0x90, "outside the write");
    cr_assert_eq(memory_call(sys_zx_process_read_memory, CODE_AT, 3), ZX_OK);
    uint8_t got[3];
    buffer_in(got, sizeof(got));
    cr_assert_arr_eq(got, bytes, sizeof(bytes), "a read shows what was written");
}

Test(hostbp_syscalls, without_a_table_reads_see_the_int3)
{
    fixture.objects.host_bps = NULL;
    cr_assert_eq(memory_call(sys_zx_process_read_memory, CODE_AT + 1, 1), ZX_OK);
    uint8_t got;
    buffer_in(&got, 1);
    cr_assert_eq(got, HOSTBP_INT3, "the hiding is what the table does, nothing else");
}
