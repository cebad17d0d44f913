/* test_hostbp_syscalls.c: the memory syscalls keep the VMM's own breakpoints (exec triggers) hidden: reads
 * give the original bytes, writes over them change what runs and keep them planted. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
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

#define RAM_SIZE     (32ULL << 20)
#define MAXPHYADDR   46
#define PAGE         MEM_PAGE_SIZE
#define BUFFER_AT    0x40000000ULL /* the caller's buffer */
#define ACTUAL_AT    (BUFFER_AT + PAGE)
#define CODE_AT      0x50000000ULL /* the code the breakpoints are in */
#define HANDLE_SLOTS 16
#define RWX          (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE)

static struct guest_ram ram;
static struct frame_alloc frames;
static struct aspace_env env;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct objects objects;
static struct boot_options boot = {.enable_debugging_syscalls = true};
static struct syscall_env sys;
static struct process proc;
static zx_handle_t self;
static struct hostbp_table tab;

static const uint8_t code[6] = {0x55, 0x48, 0x89, 0xe5, 0x90, 0xc3};

static void map(uint64_t at, uint64_t pages, uint32_t perms)
{
    struct vmo *v;
    cr_assert_eq(vmo_create(&objects, pages * PAGE, &v), ZX_OK);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, at, pages * PAGE, v, 0, perms, RWX), ZX_OK);
    object_unref(&objects, &v->obj);
}

static void setup(void)
{
    cr_assert_eq(mem_ram_map(&ram, RAM_SIZE), 0);
    cr_assert_eq(mem_frames_init(&frames, RAM_SIZE), 0);
    env = (struct aspace_env){.ram = &ram, .frames = &frames, .maxphyaddr = MAXPHYADDR};
    objects_init(&objects, &lock, &changed, &env);
    sys = (struct syscall_env){.objects = &objects, .aspace = &env, .options = &boot};
    memset(&proc, 0, sizeof(proc));
    proc.obj = (struct object){.type = ZX_OBJ_TYPE_PROCESS, .koid = objects_new_koid(&objects)};
    proc.pat = PT_PAT_ZIRCON;
    proc.state = PROCESS_RUNNING;
    cr_assert_eq(mem_frames_alloc(&frames, 1, 1, &proc.root), 0);
    vmar_init(&proc.vmar, &objects, &proc);
    cr_assert_eq(handle_table_init(&proc.handles, HANDLE_SLOTS, 0x5a5a5a5c), 0);
    cr_assert_eq(handle_table_add(&proc.handles, &proc.obj, ZX_DEFAULT_PROCESS_RIGHTS, &self), ZX_OK);
    map(BUFFER_AT, 2, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE);
    map(CODE_AT, 1, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE);
    cr_assert_eq(debug_access_memory(&objects, &proc, CODE_AT, (void *)code, sizeof(code), true, false),
                 sizeof(code));
    memset(&tab, 0, sizeof(tab));
    objects.host_bps = &tab;
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 1, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 4, HOSTBP_EXEC), ZX_OK);
}

static void teardown(void)
{
    vmar_teardown(&objects, &proc.vmar);
    struct object *obj;
    while (handle_table_pop(&proc.handles, &obj))
        ;
    handle_table_destroy(&proc.handles);
    vmar_space_destroy(&proc.vmar.space);
    free(proc.runs);
    objects_destroy(&objects);
    mem_frames_destroy(&frames);
    mem_ram_unmap(&ram);
}

TestSuite(hostbp_syscalls, .init = setup, .fini = teardown);

static zx_status_t memory_call(uint64_t (*handler)(struct syscall_call *), uint64_t vaddr, uint64_t size)
{
    struct syscall_call c = {.env = &sys, .caller = &proc, .arg = {self, vaddr, BUFFER_AT, size, ACTUAL_AT}};
    return (zx_status_t)(int64_t)handler(&c);
}

static void buffer_in(void *out, size_t len)
{
    struct pt_walk_ctx w = process_walk_ctx(&proc, &env);
    cr_assert_eq(uaccess_copy_in(&w, out, BUFFER_AT, len), ZX_OK);
}

static void buffer_out(const void *in, size_t len)
{
    struct pt_walk_ctx w = process_walk_ctx(&proc, &env);
    cr_assert_eq(uaccess_copy_out(&w, BUFFER_AT, in, len), ZX_OK);
}

static uint8_t raw(uint64_t va)
{
    uint8_t b = 0;
    cr_assert_eq(debug_access_memory(&objects, &proc, va, &b, 1, false, false), 1);
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
    cr_assert_eq(hostbp_find(&tab, &proc, CODE_AT + 1, HOSTBP_EXEC)->orig, 0x67);
    cr_assert_eq(hostbp_find(&tab, &proc, CODE_AT + 4, HOSTBP_EXEC)->orig, 0x90, "outside the write");
    cr_assert_eq(memory_call(sys_zx_process_read_memory, CODE_AT, 3), ZX_OK);
    uint8_t got[3];
    buffer_in(got, sizeof(got));
    cr_assert_arr_eq(got, bytes, sizeof(bytes), "a read shows what was written");
}

Test(hostbp_syscalls, without_a_table_reads_see_the_int3)
{
    objects.host_bps = NULL;
    cr_assert_eq(memory_call(sys_zx_process_read_memory, CODE_AT + 1, 1), ZX_OK);
    uint8_t got;
    buffer_in(&got, 1);
    cr_assert_eq(got, HOSTBP_INT3, "the hiding is what the table does, nothing else");
}
