/* test_hostbp.c: the int3 bytes the VMM plants (exec triggers, the gdb stub): planting through the page
 * tables, hiding the original bytes from reads, keeping the breakpoint over writes, stepping over it, one
 * byte shared by both owners, the gdb stub's breakpoints in the shared vDSO. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/types.h>

#include "debug/debug.h"
#include "debug/hostbp.h"
#include "object/object.h"
#include "object/process.h"
#include "object/vmar.h"
#include "object/vmo.h"

#define RAM_SIZE   (32ULL << 20)
#define MAXPHYADDR 46
#define CODE_AT    0x40000000ULL
#define DATA_AT    0x40010000ULL
#define VDSO_AT    0x40020000ULL
#define RWX        (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE)

static struct guest_ram ram;
static struct frame_alloc frames;
static struct aspace_env env;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct objects objects;
static struct process proc, other;
static struct hostbp_table tab;

static const uint8_t code[8] = {0xf0, 0xff, 0x05, 0x10, 0x20, 0x30, 0x40, 0xc3};

static void init_process(struct process *p)
{
    memset(p, 0, sizeof(*p));
    p->pat = PT_PAT_ZIRCON;
    p->state = PROCESS_RUNNING;
    cr_assert_eq(mem_frames_alloc(&frames, 1, 1, &p->root), 0);
    vmar_init(&p->vmar, &objects, p);
}

static void map(struct process *p, uint64_t at, uint32_t perms)
{
    struct vmo *v;
    cr_assert_eq(vmo_create(&objects, MEM_PAGE_SIZE, &v), ZX_OK);
    cr_assert_eq(vmar_map(&objects, &p->vmar, at, MEM_PAGE_SIZE, v, 0, perms, RWX), ZX_OK);
    object_unref(&objects, &v->obj);
}

static void setup(void)
{
    cr_assert_eq(mem_ram_map(&ram, RAM_SIZE), 0);
    cr_assert_eq(mem_frames_init(&frames, RAM_SIZE), 0);
    env = (struct aspace_env){.ram = &ram, .frames = &frames, .maxphyaddr = MAXPHYADDR};
    objects_init(&objects, &lock, &changed, &env);
    init_process(&proc);
    init_process(&other);
    map(&proc, CODE_AT, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE);
    map(&proc, DATA_AT, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE);
    map(&other, CODE_AT, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE);
    cr_assert_eq(debug_access_memory(&objects, &proc, CODE_AT, (void *)code, sizeof(code), true, false),
                 sizeof(code));
    cr_assert_eq(debug_access_memory(&objects, &other, CODE_AT, (void *)code, sizeof(code), true, false),
                 sizeof(code));
    memset(&tab, 0, sizeof(tab));
}

static void teardown(void)
{
    struct process *ps[] = {&proc, &other};
    for (unsigned i = 0; i < 2; i++) {
        vmar_teardown(&objects, &ps[i]->vmar);
        vmar_space_destroy(&ps[i]->vmar.space);
        free(ps[i]->runs);
    }
    objects_destroy(&objects);
    mem_frames_destroy(&frames);
    mem_ram_unmap(&ram);
}

/* The byte really in memory (what the CPU fetches). */
static uint8_t raw(struct process *p, uint64_t va)
{
    uint8_t b = 0;
    cr_assert_eq(debug_access_memory(&objects, p, va, &b, 1, false, false), 1);
    return b;
}

TestSuite(hostbp, .init = setup, .fini = teardown);

Test(hostbp, plant_puts_int3_in_that_process_only_and_keeps_the_original)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 1, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(raw(&proc, CODE_AT + 1), HOSTBP_INT3);
    cr_assert_eq(raw(&proc, CODE_AT), 0xf0, "the neighbours are untouched");
    cr_assert_eq(raw(&other, CODE_AT + 1), 0xff, "another process's copy is untouched");
    struct hostbp *b = hostbp_find(&tab, &proc, CODE_AT + 1, HOSTBP_EXEC);
    cr_assert_not_null(b);
    cr_assert_eq(b->orig, 0xff);
    cr_assert_null(hostbp_find(&tab, &other, CODE_AT + 1, HOSTBP_EXEC));
    cr_assert_null(hostbp_find(&tab, &proc, CODE_AT, HOSTBP_EXEC));
}

Test(hostbp, planting_twice_at_one_address_keeps_the_first_original)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(tab.n, 1);
    cr_assert_eq(tab.bp[0].orig, 0xf0, "not the int3 the first plant wrote");
}

Test(hostbp, unmapped_and_non_executable_addresses_are_refused_and_nothing_changes)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, 0x10, HOSTBP_EXEC), ZX_ERR_NOT_FOUND);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + MEM_PAGE_SIZE, HOSTBP_EXEC), ZX_ERR_NOT_FOUND);
    uint8_t data = 0x5a;
    debug_access_memory(&objects, &proc, DATA_AT, &data, 1, true, false);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, DATA_AT, HOSTBP_EXEC), ZX_ERR_ACCESS_DENIED);
    cr_assert_eq(raw(&proc, DATA_AT), 0x5a);
    cr_assert_eq(tab.n, 0);
}

Test(hostbp, a_full_table_refuses_more)
{
    for (unsigned i = 0; i < HOSTBP_MAX; i++)
        cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 16 + i, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_ERR_NO_RESOURCES);
    cr_assert_eq(raw(&proc, CODE_AT), 0xf0);
}

Test(hostbp, hide_gives_the_original_bytes_of_a_copied_range)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 7, HOSTBP_EXEC), ZX_OK);
    uint8_t buf[8];
    debug_access_memory(&objects, &proc, CODE_AT, buf, sizeof(buf), false, false);
    cr_assert_eq(buf[0], HOSTBP_INT3);
    cr_assert_eq(hostbp_hide(&tab, &proc, CODE_AT, buf, sizeof(buf), HOSTBP_EXEC), 2);
    cr_assert_arr_eq(buf, code, sizeof(code));
    /* A range that starts after one breakpoint and ends before the other sees neither. */
    uint8_t mid[3] = {1, 2, 3};
    cr_assert_eq(hostbp_hide(&tab, &proc, CODE_AT + 1, mid, sizeof(mid), HOSTBP_EXEC), 0);
    cr_assert_eq(mid[0], 1);
    /* A range ending right at a breakpoint does not include it; one starting on it does. */
    uint8_t one[1] = {9};
    cr_assert_eq(hostbp_hide(&tab, &proc, CODE_AT + 6, one, 1, HOSTBP_EXEC), 0);
    cr_assert_eq(hostbp_hide(&tab, &proc, CODE_AT + 7, one, 1, HOSTBP_EXEC), 1);
    cr_assert_eq(one[0], 0xc3);
    /* Another process's range is not touched. */
    uint8_t theirs[1] = {HOSTBP_INT3};
    cr_assert_eq(hostbp_hide(&tab, &other, CODE_AT, theirs, 1, HOSTBP_EXEC), 0);
}

Test(hostbp, a_write_over_a_breakpoint_changes_its_original_and_keeps_it_planted)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 2, HOSTBP_EXEC), ZX_OK);
    const uint8_t bytes[3] = {0x90, 0x91, 0x92};
    debug_access_memory(&objects, &proc, CODE_AT + 1, (void *)bytes, sizeof(bytes), true, false);
    cr_assert_eq(raw(&proc, CODE_AT + 2), 0x91, "the write itself lands");
    hostbp_note_write(&objects, &tab, &proc, CODE_AT + 1, sizeof(bytes), HOSTBP_EXEC);
    cr_assert_eq(raw(&proc, CODE_AT + 2), HOSTBP_INT3, "the guest cannot remove it");
    cr_assert_eq(hostbp_find(&tab, &proc, CODE_AT + 2, HOSTBP_EXEC)->orig, 0x91);
    cr_assert_eq(raw(&proc, CODE_AT + 1), 0x90);
    /* A write elsewhere leaves it alone. */
    hostbp_note_write(&objects, &tab, &proc, CODE_AT + 3, 2, HOSTBP_EXEC);
    cr_assert_eq(hostbp_find(&tab, &proc, CODE_AT + 2, HOSTBP_EXEC)->orig, 0x91);
}

Test(hostbp, stepping_puts_the_original_back_until_the_step_ends)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_OK);
    struct hostbp *b = hostbp_find(&tab, &proc, CODE_AT, HOSTBP_EXEC);
    cr_assert_null(hostbp_stepping(&tab, &proc));
    hostbp_step_begin(&objects, b, &proc, true);
    cr_assert_eq(raw(&proc, CODE_AT), 0xf0);
    cr_assert_eq(hostbp_stepping(&tab, &proc), b);
    cr_assert(b->guest_tf);
    cr_assert_null(hostbp_stepping(&tab, &other));
    /* A write meanwhile becomes the original and is what runs; the end plants again. */
    uint8_t nop = 0x90;
    debug_access_memory(&objects, &proc, CODE_AT, &nop, 1, true, false);
    hostbp_note_write(&objects, &tab, &proc, CODE_AT, 1, HOSTBP_EXEC);
    cr_assert_eq(raw(&proc, CODE_AT), 0x90);
    hostbp_step_end(&objects, b, &proc);
    cr_assert_eq(raw(&proc, CODE_AT), HOSTBP_INT3);
    cr_assert_eq(b->orig, 0x90);
    cr_assert_null(hostbp_stepping(&tab, &proc));
    cr_assert_not(b->guest_tf);
}

Test(hostbp, forget_drops_one_process_only)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &other, CODE_AT, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 4, HOSTBP_EXEC), ZX_OK);
    hostbp_forget(&tab, &proc);
    cr_assert_eq(tab.n, 1);
    cr_assert_null(hostbp_find(&tab, &proc, CODE_AT, HOSTBP_EXEC));
    cr_assert_null(hostbp_find(&tab, &proc, CODE_AT + 4, HOSTBP_EXEC));
    cr_assert_not_null(hostbp_find(&tab, &other, CODE_AT, HOSTBP_EXEC));
}

/* Owners: one byte planted by both */

static const unsigned owners[2] = {HOSTBP_EXEC, HOSTBP_GDB};

Test(hostbp, a_byte_both_owners_planted_is_one_entry_that_stays_planted_until_both_remove_it)
{
    for (unsigned first = 0; first < 2; first++) { /* either owner first, either removed first */
        unsigned a = owners[first], b = owners[1 - first];
        cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 1, a), ZX_OK);
        cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 1, b), ZX_OK);
        cr_assert_eq(tab.n, 1);
        cr_assert_eq(tab.bp[0].owners, HOSTBP_EXEC | HOSTBP_GDB);
        cr_assert_eq(tab.bp[0].orig, 0xff, "the second owner keeps the original, not the int3");
        hostbp_remove(&objects, &tab, hostbp_find(&tab, &proc, CODE_AT + 1, a), a, &proc);
        cr_assert_eq(raw(&proc, CODE_AT + 1), HOSTBP_INT3, "the other owner keeps it planted");
        cr_assert_null(hostbp_find(&tab, &proc, CODE_AT + 1, a));
        cr_assert_not_null(hostbp_find(&tab, &proc, CODE_AT + 1, b));
        hostbp_remove(&objects, &tab, hostbp_find(&tab, &proc, CODE_AT + 1, b), b, &proc);
        cr_assert_eq(raw(&proc, CODE_AT + 1), 0xff, "the last owner puts the original back");
        cr_assert_eq(tab.n, 0);
    }
}

Test(hostbp, find_and_hide_see_only_the_owners_asked_for)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 7, HOSTBP_GDB), ZX_OK);
    cr_assert_null(hostbp_find(&tab, &proc, CODE_AT, HOSTBP_GDB));
    cr_assert_null(hostbp_find(&tab, &proc, CODE_AT + 7, HOSTBP_EXEC));
    cr_assert_not_null(hostbp_find(&tab, &proc, CODE_AT + 7, HOSTBP_ANY));
    uint8_t buf[8];
    debug_access_memory(&objects, &proc, CODE_AT, buf, sizeof(buf), false, false);
    cr_assert_eq(hostbp_hide(&tab, &proc, CODE_AT, buf, sizeof(buf), HOSTBP_EXEC), 1);
    cr_assert_eq(buf[0], 0xf0);
    cr_assert_eq(buf[7], HOSTBP_INT3, "gdb's byte is not an exec trigger's to hide");
    cr_assert_eq(hostbp_hide(&tab, &proc, CODE_AT, buf, sizeof(buf), HOSTBP_ANY), 2);
    cr_assert_arr_eq(buf, code, sizeof(code));
}

Test(hostbp, a_write_over_a_shared_byte_changes_the_original_of_both_owners)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 2, HOSTBP_GDB), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 2, HOSTBP_EXEC), ZX_OK);
    uint8_t nop = 0x90;
    debug_access_memory(&objects, &proc, CODE_AT + 2, &nop, 1, true, false);
    hostbp_note_write(&objects, &tab, &proc, CODE_AT + 2, 1, HOSTBP_EXEC); /* the memory syscalls' write */
    cr_assert_eq(raw(&proc, CODE_AT + 2), HOSTBP_INT3);
    uint8_t seen = 0;
    hostbp_hide(&tab, &proc, CODE_AT + 2, &seen, 1, HOSTBP_GDB);
    cr_assert_eq(seen, 0x90, "gdb reads the byte written");
    hostbp_remove(&objects, &tab, &tab.bp[0], HOSTBP_EXEC, &proc);
    hostbp_remove(&objects, &tab, &tab.bp[0], HOSTBP_GDB, &proc);
    cr_assert_eq(raw(&proc, CODE_AT + 2), 0x90, "the byte written is the one put back");
}

Test(hostbp, a_write_noted_for_other_owners_leaves_a_breakpoint_alone)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 2, HOSTBP_GDB), ZX_OK);
    uint8_t nop = 0x90;
    debug_access_memory(&objects, &proc, CODE_AT + 2, &nop, 1, true, false);
    hostbp_note_write(&objects, &tab, &proc, CODE_AT + 2, 1, HOSTBP_EXEC);
    cr_assert_eq(raw(&proc, CODE_AT + 2), 0x90);
    cr_assert_eq(tab.bp[0].orig, 0x05);
    hostbp_note_write(&objects, &tab, &proc, CODE_AT + 2, 1, HOSTBP_GDB);
    cr_assert_eq(raw(&proc, CODE_AT + 2), HOSTBP_INT3);
    cr_assert_eq(tab.bp[0].orig, 0x90);
}

Test(hostbp, a_debugger_may_plant_in_data_but_an_exec_trigger_may_not_join_it)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, DATA_AT, HOSTBP_GDB), ZX_OK);
    cr_assert_eq(raw(&proc, DATA_AT), HOSTBP_INT3);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, DATA_AT, HOSTBP_EXEC), ZX_ERR_ACCESS_DENIED);
    cr_assert_eq(tab.bp[0].owners, HOSTBP_GDB);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, 0x10, HOSTBP_GDB), ZX_ERR_NOT_FOUND);
}

Test(hostbp, each_owner_has_its_own_limit)
{
    for (unsigned i = 0; i < HOSTBP_MAX; i++)
        cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 16 + i, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_ERR_NO_RESOURCES);
    /* gdb joins an exec trigger's byte and plants its own: each counts against gdb's limit only. */
    for (unsigned i = 0; i < HOSTBP_MAX_GDB; i++)
        cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 16 + i, HOSTBP_GDB), ZX_OK);
    cr_assert_eq(tab.n, HOSTBP_MAX_GDB);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_GDB), ZX_ERR_NO_RESOURCES);
    cr_assert_eq(raw(&proc, CODE_AT), 0xf0);
    /* A byte gdb leaves frees one of its places, not an exec trigger's. */
    hostbp_remove(&objects, &tab, hostbp_find(&tab, &proc, CODE_AT + 16, HOSTBP_GDB), HOSTBP_GDB, &proc);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_EXEC), ZX_ERR_NO_RESOURCES);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_GDB), ZX_OK);
}

Test(hostbp, removing_the_last_owner_of_a_gone_process_leaves_memory_alone)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_GDB), ZX_OK);
    hostbp_remove(&objects, &tab, &tab.bp[0], HOSTBP_GDB, NULL);
    cr_assert_eq(tab.n, 0);
    cr_assert_eq(raw(&proc, CODE_AT), HOSTBP_INT3);
}

Test(hostbp, forget_drops_both_owners_bytes_of_the_process)
{
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT, HOSTBP_GDB), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, CODE_AT + 4, HOSTBP_EXEC), ZX_OK);
    cr_assert_eq(hostbp_plant(&objects, &tab, &other, CODE_AT, HOSTBP_GDB), ZX_OK);
    hostbp_forget(&tab, &proc);
    cr_assert_eq(tab.n, 1);
    cr_assert_not_null(hostbp_find(&tab, &other, CODE_AT, HOSTBP_GDB));
}

/* The shared vDSO */

/* One frame mapped at VDSO_AT in both processes as their vDSO, holding `code`. */
static void map_vdso(void)
{
    gpa_t pa;
    cr_assert_eq(mem_frames_alloc(&frames, 1, 1, &pa), 0);
    struct process *ps[] = {&proc, &other};
    for (unsigned i = 0; i < 2; i++) {
        uint32_t perms = ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE;
        cr_assert_eq(
            process_map_page(ps[i], &env, VDSO_AT, pa, vmar_pte_flags(perms, ZX_CACHE_POLICY_CACHED)), 0);
        cr_assert_eq(vmar_record(&ps[i]->vmar, VDSO_AT, MEM_PAGE_SIZE, vmar_vdso_vmo, perms), 0);
    }
    cr_assert_eq(debug_access_memory(&objects, &proc, VDSO_AT, (void *)code, sizeof(code), true, true),
                 sizeof(code));
}

Test(hostbp, an_exec_trigger_is_refused_in_the_vdso)
{
    map_vdso();
    cr_assert_eq(hostbp_plant(&objects, &tab, &proc, VDSO_AT + 1, HOSTBP_EXEC), ZX_ERR_NOT_SUPPORTED);
    cr_assert_eq(raw(&proc, VDSO_AT + 1), 0xff);
    cr_assert_eq(tab.n, 0);
}

Test(hostbp, a_shared_breakpoint_is_one_entry_every_process_runs_into)
{
    map_vdso();
    cr_assert_eq(hostbp_plant_shared(&objects, &tab, &proc, VDSO_AT + 1), ZX_OK);
    cr_assert_eq(hostbp_plant_shared(&objects, &tab, &other, VDSO_AT + 1), ZX_OK);
    cr_assert_eq(tab.n, 1);
    cr_assert_null(tab.bp[0].proc);
    cr_assert_eq(tab.bp[0].orig, 0xff);
    cr_assert_eq(raw(&other, VDSO_AT + 1), HOSTBP_INT3, "one page, planted through one process");
    cr_assert_not_null(hostbp_find(&tab, &other, VDSO_AT + 1, HOSTBP_GDB));
    cr_assert_null(hostbp_find(&tab, &other, VDSO_AT + 1, HOSTBP_EXEC));
    uint8_t seen = HOSTBP_INT3;
    cr_assert_eq(hostbp_hide(&tab, &other, VDSO_AT + 1, &seen, 1, HOSTBP_GDB), 1);
    cr_assert_eq(seen, 0xff);
    hostbp_remove(&objects, &tab, hostbp_find(&tab, &proc, VDSO_AT + 1, HOSTBP_GDB), HOSTBP_GDB, &other);
    cr_assert_eq(raw(&proc, VDSO_AT + 1), 0xff, "put back through another process");
    cr_assert_eq(tab.n, 0);
}

Test(hostbp, forget_keeps_the_shared_breakpoints)
{
    map_vdso();
    cr_assert_eq(hostbp_plant_shared(&objects, &tab, &proc, VDSO_AT), ZX_OK);
    hostbp_forget(&tab, &proc);
    cr_assert_not_null(hostbp_find(&tab, &other, VDSO_AT, HOSTBP_GDB));
}
