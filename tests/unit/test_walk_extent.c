/* test_walk_extent.c: pt_walk_extent: contiguous extents over 4 KiB leaves, and where they must stop. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "mem/mem.h"
#include "x86_64/paging.h"

#define RAM_SIZE   (64ULL << 20)
#define MAXPHYADDR 46
#define PAGE       4096ULL
#define ROOT       0x1000ULL
#define TABLES     0x2000ULL /* tables are handed out from here */
#define FRAMES     (16ULL << 20)
#define VA         0x40000000ULL /* index 0 of its page table */
#define USER_RW    (PTE_US | PTE_RW | PTE_NX)
#define TABLE_PTES 512ULL
#define HUGE       (1ULL << 40) /* longer than any extent */

static struct guest_ram ram;
static uint64_t next_table;
static struct pt_walk_ctx ctx;

static int take_table(void *arg, gpa_t *out)
{
    (void)arg;
    *out = gpa(next_table);
    next_table += PAGE;
    return 0;
}

static void setup(void)
{
    cr_assert_eq(mem_ram_map(&ram, RAM_SIZE), 0);
    next_table = TABLES;
    ctx =
        (struct pt_walk_ctx){.ram = &ram, .root = gpa(ROOT), .pat = PT_PAT_ZIRCON, .maxphyaddr = MAXPHYADDR};
}

static void teardown(void)
{
    mem_ram_unmap(&ram);
}

/* Maps `pages` pages from VA + first * PAGE to frames FRAMES + first * PAGE on, with `flags`. */
static void map(uint64_t first, uint64_t pages, uint64_t flags)
{
    struct pt_alloc alloc = {take_table, NULL};
    for (uint64_t i = first; i < first + pages; i++)
        cr_assert_eq(pt_map_page(&ram, gpa(ROOT), gva(VA + i * PAGE), gpa(FRAMES + i * PAGE), flags, &alloc),
                     0);
}

static uint64_t extent(uint64_t va, uint64_t max_len, struct pt_walk_result *r)
{
    uint64_t len = 0;
    cr_assert_eq(pt_walk_extent(&ctx, gva(va), max_len, r, &len), 0);
    return len;
}

TestSuite(walk_extent, .init = setup, .fini = teardown);

Test(walk_extent, covers_contiguous_pages_to_the_end_of_the_table)
{
    map(0, TABLE_PTES + 1, USER_RW);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA + 16, HUGE, &r), TABLE_PTES * PAGE - 16);
    cr_assert_eq(r.pa.raw, FRAMES + 16);
    cr_assert(r.user && r.writable && r.nx);
}

Test(walk_extent, is_cut_at_max_len)
{
    map(0, 8, USER_RW);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA + 100, 3 * PAGE, &r), 3 * PAGE);
    cr_assert_eq(extent(VA + 100, 10, &r), 10);
}

Test(walk_extent, stops_at_a_missing_page)
{
    map(0, 3, USER_RW);
    map(4, 2, USER_RW);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA, HUGE, &r), 3 * PAGE);
}

Test(walk_extent, stops_where_permissions_change)
{
    map(0, 2, USER_RW);
    map(2, 2, PTE_US | PTE_NX);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA, HUGE, &r), 2 * PAGE);
    cr_assert_eq(extent(VA + 2 * PAGE, HUGE, &r), 2 * PAGE);
    cr_assert_not(r.writable);
}

Test(walk_extent, stops_where_the_memory_type_changes)
{
    map(0, 2, USER_RW);
    map(2, 1, USER_RW | PTE_PCD | PTE_PWT);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA, HUGE, &r), 2 * PAGE);
}

Test(walk_extent, stops_where_frames_are_not_consecutive)
{
    struct pt_alloc alloc = {take_table, NULL};
    map(0, 2, USER_RW);
    cr_assert_eq(pt_map_page(&ram, gpa(ROOT), gva(VA + 2 * PAGE), gpa(FRAMES + 10 * PAGE), USER_RW, &alloc),
                 0);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA, HUGE, &r), 2 * PAGE);
}

Test(walk_extent, ignores_accessed_and_dirty_bits)
{
    map(0, 1, USER_RW);
    map(1, 1, USER_RW | PTE_A | PTE_D);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA, HUGE, &r), 2 * PAGE);
}

Test(walk_extent, stops_before_a_frame_outside_ram)
{
    struct pt_alloc alloc = {take_table, NULL};
    uint64_t last = RAM_SIZE - PAGE;
    cr_assert_eq(pt_map_page(&ram, gpa(ROOT), gva(VA), gpa(last), USER_RW, &alloc), 0);
    cr_assert_eq(pt_map_page(&ram, gpa(ROOT), gva(VA + PAGE), gpa(RAM_SIZE), USER_RW, &alloc), 0);
    struct pt_walk_result r;
    cr_assert_eq(extent(VA, HUGE, &r), PAGE);
}

Test(walk_extent, fails_like_pt_walk_on_an_unmapped_address)
{
    uint64_t len = 7;
    struct pt_walk_result r;
    cr_assert_eq(pt_walk_extent(&ctx, gva(VA), HUGE, &r, &len), -EFAULT);
    cr_assert_eq(len, 7);
}
