/* test_vmar_pages.c: VMO mappings reach the page tables: map, cache policies, protect, unmap, references. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/types.h>

#include "object/object.h"
#include "object/process.h"
#include "object/vmar.h"
#include "object/vmo.h"
#include "x86_64/paging.h"

#define RAM_SIZE   (32ULL << 20)
#define MAXPHYADDR 46
#define MAP_AT     0x40000000ULL
#define RWX        (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE)

static struct guest_ram ram;
static struct frame_alloc frames;
static struct aspace_env env;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct objects objects;
static struct process proc;

static void setup(void)
{
    cr_assert_eq(mem_ram_map(&ram, RAM_SIZE), 0);
    cr_assert_eq(mem_frames_init(&frames, RAM_SIZE), 0);
    env = (struct aspace_env){.ram = &ram, .frames = &frames, .maxphyaddr = MAXPHYADDR};
    objects_init(&objects, &lock, &changed, &env);
    memset(&proc, 0, sizeof(proc));
    proc.pat = PT_PAT_ZIRCON;
    cr_assert_eq(mem_frames_alloc(&frames, 1, 1, &proc.root), 0);
    vmar_init(&proc.vmar, &objects, &proc);
}

static void teardown(void)
{
    vmar_teardown(&objects, &proc.vmar); /* drops what a test left mapped, as a dying process does */
    vmar_space_destroy(&proc.vmar.space);
    free(proc.runs);
    objects_destroy(&objects);
    mem_frames_destroy(&frames);
    mem_ram_unmap(&ram);
}

static struct pt_walk_result walk(uint64_t va, int *rc)
{
    struct pt_walk_ctx w = process_walk_ctx(&proc, &env);
    struct pt_walk_result r;
    memset(&r, 0, sizeof(r));
    *rc = pt_walk(&w, gva(va), &r);
    return r;
}

static struct vmo *new_vmo(uint64_t size)
{
    struct vmo *v;
    cr_assert_eq(vmo_create(&objects, size, &v), ZX_OK);
    return v;
}

TestSuite(vmar_pages, .init = setup, .fini = teardown);

Test(vmar_pages, map_installs_every_page_with_the_vmo_frames)
{
    struct vmo *v = new_vmo(3 * MEM_PAGE_SIZE);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, MAP_AT, 3 * MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ, RWX),
                 ZX_OK);
    for (uint64_t i = 0; i < 3; i++) {
        int rc;
        struct pt_walk_result r = walk(MAP_AT + i * MEM_PAGE_SIZE, &rc);
        cr_assert_eq(rc, 0);
        cr_assert_eq(r.pa.raw, vmo_page(v, i).raw);
        cr_assert(r.user);
        cr_assert_not(r.writable);
        cr_assert(r.nx);
        cr_assert_eq(r.mem_type, PT_MEM_WB);
    }
    cr_assert_eq(v->mapped_pages, 3);
    cr_assert_eq(v->obj.refs, 4, "the handle's reference and one per mapped page");
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, map_honours_vmo_offset)
{
    struct vmo *v = new_vmo(4 * MEM_PAGE_SIZE);
    cr_assert_eq(
        vmar_map(&objects, &proc.vmar, MAP_AT, MEM_PAGE_SIZE, v, 2 * MEM_PAGE_SIZE, ZX_VM_PERM_READ, RWX),
        ZX_OK);
    int rc;
    cr_assert_eq(walk(MAP_AT, &rc).pa.raw, vmo_page(v, 2).raw);
    object_unref(&objects, &v->obj);
}

static enum pt_mem_type type_for_policy(uint32_t policy)
{
    struct vmo *v = new_vmo(MEM_PAGE_SIZE);
    v->cache_policy = policy;
    cr_assert_eq(
        vmar_map(&objects, &proc.vmar, MAP_AT, MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, RWX),
        ZX_OK);
    int rc;
    enum pt_mem_type t = walk(MAP_AT, &rc).mem_type;
    cr_assert_eq(rc, 0);
    vmar_unmap(&objects, &proc.vmar, MAP_AT, MEM_PAGE_SIZE);
    object_unref(&objects, &v->obj);
    return t;
}

Test(vmar_pages, cache_policies_give_zircon_memory_types)
{
    cr_assert_eq(type_for_policy(ZX_CACHE_POLICY_CACHED), PT_MEM_WB);
    cr_assert_eq(type_for_policy(ZX_CACHE_POLICY_UNCACHED), PT_MEM_UC);
    cr_assert_eq(type_for_policy(ZX_CACHE_POLICY_UNCACHED_DEVICE), PT_MEM_UC);
    cr_assert_eq(type_for_policy(ZX_CACHE_POLICY_WRITE_COMBINING), PT_MEM_WC);
}

Test(vmar_pages, write_and_execute_perms_set_rw_and_clear_nx)
{
    struct vmo *v = new_vmo(MEM_PAGE_SIZE);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, MAP_AT, MEM_PAGE_SIZE, v, 0, RWX, RWX), ZX_OK);
    int rc;
    struct pt_walk_result r = walk(MAP_AT, &rc);
    cr_assert(r.writable);
    cr_assert_not(r.nx);
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, unmap_clears_entries_and_drops_the_reference)
{
    struct vmo *v = new_vmo(2 * MEM_PAGE_SIZE);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, MAP_AT, 2 * MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ, RWX),
                 ZX_OK);
    cr_assert_eq(vmar_unmap(&objects, &proc.vmar, MAP_AT, 2 * MEM_PAGE_SIZE), (int64_t)(2 * MEM_PAGE_SIZE));
    int rc;
    walk(MAP_AT, &rc);
    cr_assert_neq(rc, 0, "an unmapped page has no translation");
    cr_assert_eq(v->mapped_pages, 0);
    cr_assert_eq(v->obj.refs, 1);
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, partial_unmap_splits_and_keeps_the_rest)
{
    struct vmo *v = new_vmo(3 * MEM_PAGE_SIZE);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, MAP_AT, 3 * MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ, RWX),
                 ZX_OK);
    cr_assert_eq(vmar_unmap(&objects, &proc.vmar, MAP_AT + MEM_PAGE_SIZE, MEM_PAGE_SIZE),
                 (int64_t)MEM_PAGE_SIZE);
    int rc;
    cr_assert_eq(walk(MAP_AT, &rc).pa.raw, vmo_page(v, 0).raw);
    walk(MAP_AT + MEM_PAGE_SIZE, &rc);
    cr_assert_neq(rc, 0);
    cr_assert_eq(walk(MAP_AT + 2 * MEM_PAGE_SIZE, &rc).pa.raw, vmo_page(v, 2).raw);
    cr_assert_eq(v->mapped_pages, 2, "two pages still show the VMO");
    cr_assert_eq(v->obj.refs, 3);
    cr_assert_not_null(vmar_space_find(&proc.vmar.space, MAP_AT + 2 * MEM_PAGE_SIZE));
    cr_assert_null(vmar_space_find(&proc.vmar.space, MAP_AT + MEM_PAGE_SIZE));
    vmar_unmap(&objects, &proc.vmar, MAP_AT, 3 * MEM_PAGE_SIZE);
    cr_assert_eq(v->obj.refs, 1);
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, protect_downgrades_and_restores)
{
    struct vmo *v = new_vmo(2 * MEM_PAGE_SIZE);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, MAP_AT, 2 * MEM_PAGE_SIZE, v, 0,
                          ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, RWX),
                 ZX_OK);
    cr_assert_eq(vmar_protect(&objects, &proc.vmar, MAP_AT, MEM_PAGE_SIZE, ZX_VM_PERM_READ), ZX_OK);
    int rc;
    cr_assert_not(walk(MAP_AT, &rc).writable);
    cr_assert(walk(MAP_AT + MEM_PAGE_SIZE, &rc).writable, "only the range changes");
    cr_assert_eq(vmar_protect(&objects, &proc.vmar, MAP_AT, MEM_PAGE_SIZE, 0), ZX_OK);
    walk(MAP_AT, &rc);
    cr_assert_neq(rc, 0, "no permission: not present");
    cr_assert_eq(
        vmar_protect(&objects, &proc.vmar, MAP_AT, MEM_PAGE_SIZE, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE), ZX_OK);
    struct pt_walk_result r = walk(MAP_AT, &rc);
    cr_assert_eq(rc, 0);
    cr_assert(r.writable);
    cr_assert_eq(r.pa.raw, vmo_page(v, 0).raw, "the frame survives a trip through no access");
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, last_reference_returns_frames)
{
    uint64_t before = mem_frames_free_count(&frames);
    struct vmo *v = new_vmo(8 * MEM_PAGE_SIZE);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, MAP_AT, 8 * MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ, RWX),
                 ZX_OK);
    object_unref(&objects, &v->obj); /* the handle goes; the mapping keeps it */
    uint64_t tables = before - 8 - mem_frames_free_count(&frames);
    vmar_unmap(&objects, &proc.vmar, MAP_AT, 8 * MEM_PAGE_SIZE);
    cr_assert_eq(mem_frames_free_count(&frames), before - tables, "the VMO's 8 frames are back");
}

Test(vmar_pages, vmo_creation_beyond_ram_is_no_memory)
{
    struct vmo *v;
    uint64_t before = mem_frames_free_count(&frames);
    cr_assert_eq(vmo_create(&objects, RAM_SIZE, &v), ZX_ERR_NO_MEMORY);
    cr_assert_eq(mem_frames_free_count(&frames), before, "nothing is left allocated");
    cr_assert_eq(vmo_create(&objects, UINT64_MAX, &v), ZX_ERR_OUT_OF_RANGE);
}

Test(vmar_pages, pages_without_permissions_are_kept_not_present)
{
    struct vmo *v = new_vmo(3 * MEM_PAGE_SIZE);
    cr_assert_eq(vmar_map(&objects, &proc.vmar, MAP_AT, 3 * MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ, RWX),
                 ZX_OK);
    cr_assert_eq(vmar_protect(&objects, &proc.vmar, MAP_AT + MEM_PAGE_SIZE, 2 * MEM_PAGE_SIZE, 0), ZX_OK);
    int rc;
    walk(MAP_AT + MEM_PAGE_SIZE, &rc);
    cr_assert_neq(rc, 0, "an ordinary walk (the CPU's view) finds nothing");
    struct pt_walk_ctx w = process_walk_ctx(&proc, &env);
    w.kept = true;
    struct pt_walk_result r;
    uint64_t len;
    cr_assert_eq(pt_walk_extent(&w, gva(MAP_AT), 3 * MEM_PAGE_SIZE, &r, &len), 0);
    cr_assert(r.present);
    cr_assert_eq(len, MEM_PAGE_SIZE, "a present page and a kept one are not one extent");
    cr_assert_eq(pt_walk_extent(&w, gva(MAP_AT + MEM_PAGE_SIZE), 2 * MEM_PAGE_SIZE, &r, &len), 0);
    cr_assert_not(r.present);
    cr_assert(r.user);
    cr_assert_not(r.writable);
    cr_assert_eq(r.mem_type, PT_MEM_WB);
    cr_assert_eq(r.pa.raw, vmo_page(v, 1).raw);
    if (vmo_page(v, 2).raw == vmo_page(v, 1).raw + MEM_PAGE_SIZE)
        cr_assert_eq(len, 2 * MEM_PAGE_SIZE, "kept pages form extents like present ones");
    vmar_unmap(&objects, &proc.vmar, MAP_AT, 3 * MEM_PAGE_SIZE);
    cr_assert_neq(pt_walk(&w, gva(MAP_AT + MEM_PAGE_SIZE), &r), 0, "an unmap drops kept pages too");
    object_unref(&objects, &v->obj);
}

/* objects.process_stopping stand-ins: count the questions, answer `stop_answer`. */
static int stop_questions;
static bool stop_answer;

static bool fake_stopping(void *host, struct process *p)
{
    (void)host;
    cr_assert_eq(p, &proc);
    stop_questions++;
    return stop_answer;
}

/* Pages of a map long enough to be asked about a stop (the question comes once per 4096 pages). */
#define LONG_MAP_PAGES 4097

Test(vmar_pages, a_long_map_asks_about_a_stop_as_it_goes_and_completes_when_none_comes)
{
    objects.process_stopping = fake_stopping;
    stop_questions = 0;
    stop_answer = false;
    struct vmo *v = new_vmo(LONG_MAP_PAGES * MEM_PAGE_SIZE);
    pthread_mutex_lock(&lock);
    zx_status_t st =
        vmar_map(&objects, &proc.vmar, MAP_AT, LONG_MAP_PAGES * MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ, RWX);
    pthread_mutex_unlock(&lock);
    cr_assert_eq(st, ZX_OK);
    cr_assert_eq(stop_questions, 1);
    cr_assert_not(proc.vmar.mapping, "the VMAR is free again");
    int rc;
    struct pt_walk_result r = walk(MAP_AT + (LONG_MAP_PAGES - 1) * MEM_PAGE_SIZE, &rc);
    cr_assert_eq(rc, 0);
    cr_assert_eq(r.pa.raw, vmo_page(v, LONG_MAP_PAGES - 1).raw);
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, a_long_map_gives_up_when_its_process_is_stopping_and_leaves_no_mapping)
{
    objects.process_stopping = fake_stopping;
    stop_questions = 0;
    stop_answer = true;
    struct vmo *v = new_vmo(LONG_MAP_PAGES * MEM_PAGE_SIZE);
    pthread_mutex_lock(&lock);
    zx_status_t st =
        vmar_map(&objects, &proc.vmar, MAP_AT, LONG_MAP_PAGES * MEM_PAGE_SIZE, v, 0, ZX_VM_PERM_READ, RWX);
    pthread_mutex_unlock(&lock);
    cr_assert_eq(st, ZX_ERR_CANCELED);
    cr_assert_eq(stop_questions, 1, "it gave up at the first question");
    cr_assert_null(vmar_space_find(&proc.vmar.space, MAP_AT), "the mapping is withdrawn");
    cr_assert_null(vmar_space_find(&proc.vmar.space, MAP_AT + (LONG_MAP_PAGES - 1) * MEM_PAGE_SIZE));
    cr_assert_eq(v->mapped_pages, 0);
    cr_assert_eq(v->obj.refs, 1, "only the handle's reference is left");
    cr_assert_not(proc.vmar.mapping);
    object_unref(&objects, &v->obj);
}

/* Maps LONG_MAP_PAGES pages at MAP_AT without stop questions (read-write), for a long unmap or protect. */
static struct vmo *map_long(void)
{
    objects.process_stopping = NULL;
    struct vmo *v = new_vmo(LONG_MAP_PAGES * MEM_PAGE_SIZE);
    pthread_mutex_lock(&lock);
    zx_status_t st = vmar_map(&objects, &proc.vmar, MAP_AT, LONG_MAP_PAGES * MEM_PAGE_SIZE, v, 0,
                              ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, RWX);
    pthread_mutex_unlock(&lock);
    cr_assert_eq(st, ZX_OK);
    objects.process_stopping = fake_stopping;
    stop_questions = 0;
    return v;
}

Test(vmar_pages, a_long_unmap_asks_about_a_stop_as_it_goes_and_clears_every_entry_when_none_comes)
{
    struct vmo *v = map_long();
    stop_answer = false;
    pthread_mutex_lock(&lock);
    int64_t removed = vmar_unmap(&objects, &proc.vmar, MAP_AT, LONG_MAP_PAGES * MEM_PAGE_SIZE);
    pthread_mutex_unlock(&lock);
    cr_assert_eq(removed, (int64_t)(LONG_MAP_PAGES * MEM_PAGE_SIZE));
    cr_assert_eq(stop_questions, 1);
    cr_assert_not(proc.vmar.mapping, "the VMAR is free again");
    int rc;
    walk(MAP_AT + (LONG_MAP_PAGES - 1) * MEM_PAGE_SIZE, &rc);
    cr_assert_neq(rc, 0, "the last page is unmapped too");
    cr_assert_eq(v->mapped_pages, 0);
    cr_assert_eq(v->obj.refs, 1);
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, a_long_unmap_stops_clearing_entries_once_its_process_is_stopping_but_drops_every_reference)
{
    struct vmo *v = map_long();
    stop_answer = true;
    pthread_mutex_lock(&lock);
    int64_t removed = vmar_unmap(&objects, &proc.vmar, MAP_AT, LONG_MAP_PAGES * MEM_PAGE_SIZE);
    pthread_mutex_unlock(&lock);
    cr_assert_eq(removed, (int64_t)(LONG_MAP_PAGES * MEM_PAGE_SIZE), "the list lost the whole range");
    cr_assert_eq(stop_questions, 1, "it gave up at the first question");
    cr_assert_null(vmar_space_find(&proc.vmar.space, MAP_AT));
    int rc;
    walk(MAP_AT, &rc);
    cr_assert_neq(rc, 0, "the pages before the question are cleared");
    walk(MAP_AT + (LONG_MAP_PAGES - 1) * MEM_PAGE_SIZE, &rc);
    cr_assert_eq(rc, 0, "the entries after it are left for the teardown");
    cr_assert_eq(v->mapped_pages, 0);
    cr_assert_eq(v->obj.refs, 1, "only the handle's reference is left");
    cr_assert_not(proc.vmar.mapping);
    object_unref(&objects, &v->obj);
}

Test(vmar_pages, a_long_protect_asks_about_a_stop_and_stops_changing_entries_once_its_process_is_stopping)
{
    struct vmo *v = map_long();
    stop_answer = false;
    pthread_mutex_lock(&lock);
    zx_status_t st =
        vmar_protect(&objects, &proc.vmar, MAP_AT, LONG_MAP_PAGES * MEM_PAGE_SIZE, ZX_VM_PERM_READ);
    pthread_mutex_unlock(&lock);
    cr_assert_eq(st, ZX_OK);
    cr_assert_eq(stop_questions, 1);
    int rc;
    cr_assert_not(walk(MAP_AT + (LONG_MAP_PAGES - 1) * MEM_PAGE_SIZE, &rc).writable, "every page changed");
    stop_answer = true;
    stop_questions = 0;
    pthread_mutex_lock(&lock);
    st = vmar_protect(&objects, &proc.vmar, MAP_AT, LONG_MAP_PAGES * MEM_PAGE_SIZE,
                      ZX_VM_PERM_READ | ZX_VM_PERM_WRITE);
    pthread_mutex_unlock(&lock);
    cr_assert_eq(st, ZX_OK);
    cr_assert_eq(stop_questions, 1);
    cr_assert(walk(MAP_AT, &rc).writable, "the pages before the question changed");
    cr_assert_not(walk(MAP_AT + (LONG_MAP_PAGES - 1) * MEM_PAGE_SIZE, &rc).writable,
                  "the entries after it were left alone");
    cr_assert_not(proc.vmar.mapping);
    object_unref(&objects, &v->obj);
}
