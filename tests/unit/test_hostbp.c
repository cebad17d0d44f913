/* test_hostbp.c: the VMM's own breakpoints (exec triggers): planting through the page tables, hiding the
 * original bytes from reads, keeping the breakpoint over writes, stepping over it. */
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
