/* test_syscall_handlers.c: syscall handlers run against a process built without KVM (its own page tables). */
#include <criterion/criterion.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>

#include "object/handle.h"
#include "object/object.h"
#include "object/process.h"
#include "object/vmar.h"
#include "object/vmo.h"
#include "syscall/syscall.h"
#include "syscall/uaccess.h"
#include "x86_64/paging.h"

#include "process_fixture.h"

#define PAGE          MEM_PAGE_SIZE
#define BUFFER_AT     0x40000000ULL /* the caller's scratch: buffers and out-pointers, read-write */
#define BUFFER_PAGES  4
#define ACTUAL_AT     (BUFFER_AT + (BUFFER_PAGES - 1) * PAGE) /* the last scratch page holds *actual */
#define TARGET_AT     0x50000000ULL                           /* the mappings the memory calls aim at */
#define BAD_HANDLE    0x12345673u
#define UNKNOWN_TOPIC 0x12345u
#define RW            (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE)
#define RWX           (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE)

static struct boot_options boot = {.enable_debugging_syscalls = true, .enable_serial_syscalls = true};
static struct process_fixture fixture;
static struct vmo *vmos[8];
static unsigned nvmos;

static void setup(void)
{
    process_fixture_setup(&fixture, &boot);
    nvmos = 0;
}

static void teardown(void)
{
    for (unsigned i = 0; i < nvmos; i++)
        object_unref(&fixture.objects, &vmos[i]->obj);
    process_fixture_teardown(&fixture);
}

TestSuite(handlers, .init = setup, .fini = teardown);

/* Maps a new VMO of `pages` at `at` with `perms`; its bytes are `fill`. */
static struct vmo *map_new(uint64_t at, uint64_t pages, uint32_t perms, uint8_t fill)
{
    struct vmo *v;
    cr_assert_eq(vmo_create(&fixture.objects, pages * PAGE, &v), ZX_OK);
    cr_assert_lt(nvmos, sizeof(vmos) / sizeof(vmos[0]));
    vmos[nvmos++] = v;
    for (uint64_t i = 0; i < pages; i++)
        memset(mem_ptr(&fixture.ram, vmo_page(v, i), PAGE), fill, PAGE);
    cr_assert_eq(vmar_map(&fixture.objects, &fixture.proc.vmar, at, pages * PAGE, v, 0, perms, RWX), ZX_OK);
    return v;
}

static uint64_t call(uint64_t (*handler)(struct syscall_call *), uint64_t a0, uint64_t a1, uint64_t a2,
                     uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct syscall_call c = {.env = &fixture.sys, .caller = &fixture.proc, .arg = {a0, a1, a2, a3, a4, a5}};
    return handler(&c);
}

static zx_status_t status_of(uint64_t rax)
{
    return (zx_status_t)(int64_t)rax;
}

/* ---- zx_object_get_info ---- */

Test(handlers, get_info_checks_the_handle_before_the_topic)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    cr_assert_eq(status_of(call(sys_zx_object_get_info, BAD_HANDLE, UNKNOWN_TOPIC, BUFFER_AT, 64, 0, 0)),
                 ZX_ERR_BAD_HANDLE);
    cr_assert_eq(status_of(call(sys_zx_object_get_info, fixture.self, UNKNOWN_TOPIC, BUFFER_AT, 64, 0, 0)),
                 ZX_ERR_NOT_SUPPORTED);
}

Test(handlers, handle_valid_says_whether_a_handle_is_live)
{
    cr_assert_eq(status_of(call(sys_zx_object_get_info, fixture.self, ZX_INFO_HANDLE_VALID, 0, 0, 0, 0)),
                 ZX_OK);
    cr_assert_eq(status_of(call(sys_zx_object_get_info, BAD_HANDLE, ZX_INFO_HANDLE_VALID, 0, 0, 0, 0)),
                 ZX_ERR_BAD_HANDLE);
    zx_handle_t none;
    cr_assert_eq(handle_table_add(&fixture.proc.handles, &fixture.proc.obj, ZX_RIGHT_NONE, &none), ZX_OK);
    cr_assert_eq(status_of(call(sys_zx_object_get_info, none, ZX_INFO_HANDLE_VALID, 0, 0, 0, 0)), ZX_OK,
                 "no right is needed");
    struct object *obj;
    cr_assert_eq(handle_table_remove(&fixture.proc.handles, none, &obj, NULL), ZX_OK);
    cr_assert_eq(status_of(call(sys_zx_object_get_info, none, ZX_INFO_HANDLE_VALID, 0, 0, 0, 0)),
                 ZX_ERR_BAD_HANDLE, "a closed handle is not valid");
}

Test(handlers, a_dying_process_reports_exited_with_its_return_code)
{
    zx_info_process_t info;
    fixture.proc.start_time = 1234;
    process_get_info(&fixture.proc, &info);
    cr_assert_eq(info.flags, ZX_INFO_PROCESS_FLAG_STARTED, "running: started, not exited");
    cr_assert_eq(info.return_code, 0);
    fixture.proc.state = PROCESS_DYING;
    fixture.proc.return_code = ZX_TASK_RETCODE_SYSCALL_KILL;
    process_get_info(&fixture.proc, &info);
    cr_assert_eq(info.flags, ZX_INFO_PROCESS_FLAG_STARTED | ZX_INFO_PROCESS_FLAG_EXITED);
    cr_assert_eq(info.return_code, ZX_TASK_RETCODE_SYSCALL_KILL);
    cr_assert_eq(info.start_time, 1234);
    fixture.proc.state = PROCESS_RUNNING;
}

Test(handlers, process_info_of_a_dying_process_through_the_syscall)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    fixture.proc.state = PROCESS_DYING;
    fixture.proc.return_code = ZX_TASK_RETCODE_SYSCALL_KILL;
    cr_assert_eq(status_of(call(sys_zx_object_get_info, fixture.self, ZX_INFO_PROCESS, BUFFER_AT,
                                sizeof(zx_info_process_t), 0, 0)),
                 ZX_OK);
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    zx_info_process_t info;
    cr_assert_eq(uaccess_copy_in(&w, &info, BUFFER_AT, sizeof(info)), ZX_OK);
    cr_assert(info.flags & ZX_INFO_PROCESS_FLAG_EXITED);
    cr_assert_eq(info.return_code, ZX_TASK_RETCODE_SYSCALL_KILL);
    fixture.proc.state = PROCESS_RUNNING;
}

/* ---- zx_vmar_map ---- */

/* A handle to the root VMAR with the rights a process starts with, and a new VMO of `size` made by the call.
 */
static zx_handle_t root_vmar(void)
{
    zx_handle_t h;
    cr_assert_eq(handle_table_add(&fixture.proc.handles, &fixture.proc.vmar.obj,
                                  ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE | ZX_RIGHT_EXECUTE,
                                  &h),
                 ZX_OK);
    return h;
}

static zx_handle_t create_vmo(uint64_t size, uint32_t options)
{
    cr_assert_eq(status_of(call(sys_zx_vmo_create, size, options, ACTUAL_AT, 0, 0, 0)), ZX_OK);
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    zx_handle_t h;
    cr_assert_eq(uaccess_copy_in(&w, &h, ACTUAL_AT, sizeof(h)), ZX_OK);
    return h;
}

static zx_status_t map(zx_handle_t vmar, zx_vm_option_t options, zx_handle_t vmo, uint64_t vmo_offset,
                       uint64_t len)
{
    struct syscall_call c = {.env = &fixture.sys,
                             .caller = &fixture.proc,
                             .arg = {vmar, options, 0, vmo, vmo_offset, len, ACTUAL_AT}};
    return status_of(sys_zx_vmar_map(&c));
}

Test(handlers, map_with_an_overflowing_vmo_offset_is_out_of_range)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    zx_handle_t vmar = root_vmar(), vmo = create_vmo(PAGE, 0);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, vmo, 0xfffffffffffff000ULL, 2 * PAGE), ZX_ERR_OUT_OF_RANGE);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, vmo, 100, PAGE), ZX_ERR_INVALID_ARGS, "unaligned comes first");
}

Test(handlers, map_with_a_length_rounding_up_to_zero_is_out_of_range)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    zx_handle_t vmar = root_vmar(), vmo = create_vmo(PAGE, 0);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, vmo, 0, UINT64_MAX), ZX_ERR_OUT_OF_RANGE);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, vmo, 0, UINT64_MAX - PAGE + 2), ZX_ERR_OUT_OF_RANGE);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, vmo, 0, 0), ZX_ERR_INVALID_ARGS, "length 0 stays INVALID_ARGS");
}

Test(handlers, a_discardable_vmo_maps_only_with_allow_faults)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    zx_handle_t vmar = root_vmar(), vmo = create_vmo(PAGE, ZX_VMO_DISCARDABLE);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, vmo, 0, PAGE), ZX_ERR_NOT_SUPPORTED);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ | ZX_VM_REQUIRE_NON_RESIZABLE, vmo, 0, PAGE),
                 ZX_ERR_NOT_SUPPORTED);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ | ZX_VM_ALLOW_FAULTS, vmo, 0, PAGE), ZX_OK);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, create_vmo(PAGE, 0), 0, PAGE), ZX_OK, "others need no flag");
}

/* ---- zx_process_read_memory / zx_process_write_memory ---- */

/* Calls zx_process_read_memory or zx_process_write_memory (`handler`) on the process itself, between `vaddr`
 * and the scratch buffer; its *actual goes to `actual`. */
static zx_status_t memory_call(uint64_t (*handler)(struct syscall_call *), uint64_t vaddr, uint64_t size,
                               uint64_t *actual)
{
    zx_status_t st = status_of(call(handler, fixture.self, vaddr, BUFFER_AT, size, ACTUAL_AT, 0));
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    cr_assert_eq(uaccess_copy_in(&w, actual, ACTUAL_AT, sizeof(*actual)), ZX_OK);
    return st;
}

static zx_status_t read_memory(uint64_t vaddr, uint64_t size, uint64_t *actual)
{
    return memory_call(sys_zx_process_read_memory, vaddr, size, actual);
}

static zx_status_t write_memory(uint64_t vaddr, uint64_t size, uint64_t *actual)
{
    return memory_call(sys_zx_process_write_memory, vaddr, size, actual);
}

Test(handlers, a_protect_inside_a_mapping_does_not_cut_an_access)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    map_new(TARGET_AT, 2, RW, 0x77);
    cr_assert_eq(vmar_protect(&fixture.objects, &fixture.proc.vmar, TARGET_AT, PAGE, ZX_VM_PERM_READ), ZX_OK);
    uint64_t actual = 0;
    cr_assert_eq(read_memory(TARGET_AT, 2 * PAGE, &actual), ZX_OK);
    cr_assert_eq(actual, 2 * PAGE, "cut at the end of the VMO mapping, not at the protection boundary");
    cr_assert_eq(write_memory(TARGET_AT + PAGE - 1, 2, &actual), ZX_OK);
    cr_assert_eq(actual, 2, "a write straddles the boundary too");
}

Test(handlers, a_protect_that_changes_nothing_changes_no_access)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    map_new(TARGET_AT, 2, RW, 0x77);
    cr_assert_eq(vmar_protect(&fixture.objects, &fixture.proc.vmar, TARGET_AT + PAGE, PAGE, RW), ZX_OK);
    cr_assert_eq(fixture.proc.vmar.space.count, 2, "the scratch and the target, each whole");
    uint64_t actual = 0;
    cr_assert_eq(read_memory(TARGET_AT, 2 * PAGE, &actual), ZX_OK);
    cr_assert_eq(actual, 2 * PAGE);
}

Test(handlers, an_access_never_enters_the_next_mapping)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    map_new(TARGET_AT, 1, RW, 0x77);
    map_new(TARGET_AT + PAGE, 1, RW, 0x78);
    uint64_t actual = 0;
    cr_assert_eq(read_memory(TARGET_AT, 2 * PAGE, &actual), ZX_OK);
    cr_assert_eq(actual, PAGE);
}

Test(handlers, a_mapping_without_permissions_is_read_and_written_through_its_frames)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0x22);
    struct vmo *target = map_new(TARGET_AT, 2, 0, 0x77);
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    struct pt_walk_result r;
    cr_assert_neq(pt_walk(&w, gva(TARGET_AT), &r), 0, "the guest itself still faults there");
    uint64_t actual = 0;
    cr_assert_eq(read_memory(TARGET_AT, 2 * PAGE, &actual), ZX_OK);
    cr_assert_eq(actual, 2 * PAGE);
    uint8_t got[2 * PAGE];
    cr_assert_eq(uaccess_copy_in(&w, got, BUFFER_AT, sizeof(got)), ZX_OK);
    cr_assert_eq(got[0], 0x77);
    cr_assert_eq(got[sizeof(got) - 1], 0x77);
    memset(mem_ptr(&fixture.ram, vmo_page(vmos[0], 0), PAGE), 0x22, PAGE);
    cr_assert_eq(write_memory(TARGET_AT + 10, 100, &actual), ZX_OK);
    cr_assert_eq(actual, 100);
    const uint8_t *frame = mem_ptr(&fixture.ram, vmo_page(target, 0), PAGE);
    cr_assert_eq(frame[10], 0x22);
    cr_assert_eq(frame[109], 0x22);
    cr_assert_eq(frame[110], 0x77);
}

Test(handlers, a_page_protected_to_nothing_stays_reachable_and_keeps_its_frame)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    struct vmo *target = map_new(TARGET_AT, 2, RW, 0x77);
    cr_assert_eq(vmar_protect(&fixture.objects, &fixture.proc.vmar, TARGET_AT + PAGE, PAGE, 0), ZX_OK);
    uint64_t actual = 0;
    cr_assert_eq(read_memory(TARGET_AT + PAGE, 16, &actual), ZX_OK);
    cr_assert_eq(actual, 16);
    cr_assert_eq(read_memory(TARGET_AT, 2 * PAGE, &actual), ZX_OK);
    cr_assert_eq(actual, 2 * PAGE, "no cut at the page without permissions");
    cr_assert_eq(vmar_protect(&fixture.objects, &fixture.proc.vmar, TARGET_AT + PAGE, PAGE, RW), ZX_OK);
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    struct pt_walk_result r;
    cr_assert_eq(pt_walk(&w, gva(TARGET_AT + PAGE), &r), 0);
    cr_assert_eq(r.pa.raw, vmo_page(target, 1).raw);
}

Test(handlers, an_uncached_mapping_without_permissions_is_still_bad_state)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    struct vmo *v;
    cr_assert_eq(vmo_create(&fixture.objects, PAGE, &v), ZX_OK);
    vmos[nvmos++] = v;
    v->cache_policy = ZX_CACHE_POLICY_UNCACHED;
    cr_assert_eq(vmar_map(&fixture.objects, &fixture.proc.vmar, TARGET_AT, PAGE, v, 0, 0, RWX), ZX_OK);
    uint64_t actual = 0;
    cr_assert_eq(read_memory(TARGET_AT, 16, &actual), ZX_ERR_BAD_STATE);
}

Test(handlers, a_caller_buffer_without_permissions_is_invalid_args)
{
    map_new(BUFFER_AT, BUFFER_PAGES - 1, 0, 0);
    map_new(ACTUAL_AT, 1, RW, 0);
    map_new(TARGET_AT, 1, RW, 0x77);
    uint64_t actual = 0;
    cr_assert_eq(read_memory(TARGET_AT, 16, &actual), ZX_ERR_INVALID_ARGS);
}

/* ---- zx_vmo_set_cache_policy ---- */

Test(handlers, a_discardable_vmo_stays_cached)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    zx_handle_t vmo = create_vmo(PAGE, ZX_VMO_DISCARDABLE);
    cr_assert_eq(status_of(call(sys_zx_vmo_set_cache_policy, vmo, ZX_CACHE_POLICY_UNCACHED, 0, 0, 0, 0)),
                 ZX_ERR_BAD_STATE);
    cr_assert_eq(status_of(call(sys_zx_vmo_set_cache_policy, vmo, ZX_CACHE_POLICY_CACHED, 0, 0, 0, 0)),
                 ZX_OK);
    zx_handle_t plain = create_vmo(PAGE, 0);
    cr_assert_eq(status_of(call(sys_zx_vmo_set_cache_policy, plain, ZX_CACHE_POLICY_UNCACHED, 0, 0, 0, 0)),
                 ZX_OK);
}

Test(handlers, cache_policy_is_refused_once_mapped_and_from_uncached_once_committed)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0);
    zx_handle_t vmar = root_vmar(), vmo = create_vmo(PAGE, 0);
    cr_assert_eq(status_of(call(sys_zx_vmo_set_cache_policy, vmo, ZX_CACHE_POLICY_UNCACHED, 0, 0, 0, 0)),
                 ZX_OK);
    cr_assert_eq(map(vmar, ZX_VM_PERM_READ, vmo, 0, PAGE), ZX_OK);
    uint64_t addr;
    struct pt_walk_ctx w = process_walk_ctx(&fixture.proc, &fixture.env);
    cr_assert_eq(uaccess_copy_in(&w, &addr, ACTUAL_AT, sizeof(addr)), ZX_OK);
    cr_assert_eq(status_of(call(sys_zx_vmo_set_cache_policy, vmo, ZX_CACHE_POLICY_UNCACHED, 0, 0, 0, 0)),
                 ZX_ERR_BAD_STATE, "mapped");
    cr_assert_gt(vmar_unmap(&fixture.objects, &fixture.proc.vmar, addr, PAGE), 0);
    cr_assert_eq(status_of(call(sys_zx_vmo_set_cache_policy, vmo, ZX_CACHE_POLICY_CACHED, 0, 0, 0, 0)),
                 ZX_ERR_BAD_STATE, "zxvmm counts a mapped VMO as committed, touched or not");
}

/* ---- blocking calls and suspension ---- */

static int block_calls;

/* A `block` that reports the caller being suspended. */
static int block_suspended(void *host, uint64_t deadline_ns)
{
    (void)host;
    (void)deadline_ns;
    block_calls++;
    return SYSCALL_BLOCK_SUSPENDED;
}

/* A `block` whose deadline has always passed. */
static int block_timed_out(void *host, uint64_t deadline_ns)
{
    (void)host;
    (void)deadline_ns;
    block_calls++;
    return -ETIMEDOUT;
}

Test(handlers, a_blocked_nanosleep_restarts_when_suspended_and_returns_ok_at_its_deadline)
{
    struct syscall_call c = {.env = &fixture.sys, .caller = &fixture.proc, .arg = {(uint64_t)INT64_MAX}};
    fixture.sys.block = block_suspended;
    block_calls = 0;
    cr_assert_eq(status_of(sys_zx_nanosleep(&c)), ZX_ERR_INTERNAL_INTR_RETRY);
    cr_assert(c.restart);
    cr_assert_eq(block_calls, 1);
    struct syscall_call d = {.env = &fixture.sys, .caller = &fixture.proc, .arg = {(uint64_t)INT64_MAX}};
    fixture.sys.block = block_timed_out;
    cr_assert_eq(status_of(sys_zx_nanosleep(&d)), ZX_OK);
    cr_assert_not(d.restart);
}

Test(handlers, a_blocked_wait_one_restarts_when_suspended_without_storing_observed)
{
    map_new(BUFFER_AT, BUFFER_PAGES, RW, 0xee);
    struct syscall_call c = {.env = &fixture.sys,
                             .caller = &fixture.proc,
                             .arg = {fixture.self, ZX_PROCESS_TERMINATED, (uint64_t)INT64_MAX, BUFFER_AT}};
    fixture.sys.block = block_suspended;
    cr_assert_eq(status_of(sys_zx_object_wait_one(&c)), ZX_ERR_INTERNAL_INTR_RETRY);
    cr_assert(c.restart);
    cr_assert_eq(*(uint8_t *)mem_ptr(&fixture.ram, vmo_page(vmos[0], 0), 1), 0xee, "observed was stored");
    struct syscall_call d = {.env = &fixture.sys,
                             .caller = &fixture.proc,
                             .arg = {fixture.self, ZX_PROCESS_TERMINATED, (uint64_t)INT64_MAX, BUFFER_AT}};
    fixture.sys.block = block_timed_out;
    cr_assert_eq(status_of(sys_zx_object_wait_one(&d)), ZX_ERR_TIMED_OUT);
    cr_assert_not(d.restart);
}
