/* test_paging.c: the 4-level page-table builder pt_map_page, checked through pt_walk and the raw entries. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "x86_64/paging.h"

#define RAM_SIZE      (16ULL << 20)
#define PAGE          MEM_PAGE_SIZE
#define ROOT          0x1000ULL
#define TABLE_POOL    0x2000ULL /* tables are handed out from here upwards */
#define MAXPHYADDR    46
#define ADDR_BITS     0x000FFFFFFFFFF000ULL
#define INDEX_MASK    511ULL
#define ENTRY_FLAGS   (PTE_P | PTE_RW | PTE_US)
#define USER_VA       0x0000000020001000ULL
#define KERNEL_VA     0xffffffff80000000ULL
#define DATA_PA       0x00800000ULL
#define GIANT_PA_BITS 0x0010000000000000ULL /* bit 52: beyond any entry's address field */

static struct guest_ram ram;
static uint64_t pool_next;
static unsigned tables_made;
static int alloc_error; /* when non-zero, the table source fails with it */

static int bump_table(void *ctx, gpa_t *out)
{
    (void)ctx;
    if (alloc_error != 0)
        return alloc_error;
    if (pool_next + PAGE > RAM_SIZE)
        return -ENOMEM;
    memset(ram.host + pool_next, 0, PAGE);
    *out = gpa(pool_next);
    pool_next += PAGE;
    tables_made++;
    return 0;
}

static const struct pt_alloc bump = {.alloc_table = bump_table, .ctx = NULL};

static void setup(void)
{
    ram.host = aligned_alloc(PAGE, RAM_SIZE);
    cr_assert_not_null(ram.host);
    memset(ram.host, 0, RAM_SIZE);
    ram.size = RAM_SIZE;
    pool_next = TABLE_POOL;
    tables_made = 0;
    alloc_error = 0;
}

static void teardown(void)
{
    free(ram.host);
}

static int walk(uint64_t va, struct pt_walk_result *out)
{
    struct pt_walk_ctx ctx = {.ram = &ram, .root = gpa(ROOT), .pat = PT_PAT_ZIRCON, .maxphyaddr = MAXPHYADDR};
    return pt_walk(&ctx, gva(va), out);
}

static uint64_t entry_at(uint64_t table, uint64_t va, unsigned level)
{
    uint64_t entry;
    unsigned index = (unsigned)((va >> (12 + 9 * (level - 1))) & INDEX_MASK);
    memcpy(&entry, ram.host + table + index * sizeof(entry), sizeof(entry));
    return entry;
}

static int map(uint64_t va, uint64_t pa, uint64_t flags)
{
    return pt_map_page(&ram, gpa(ROOT), gva(va), gpa(pa), flags, &bump);
}

TestSuite(paging, .init = setup, .fini = teardown);

Test(paging, mapped_page_walks_back_to_its_frame)
{
    struct pt_walk_result res;
    cr_assert_eq(map(USER_VA, DATA_PA, PTE_RW | PTE_US), 0);
    cr_assert_eq(walk(USER_VA + 0x123, &res), 0);
    cr_assert_eq(res.pa.raw, DATA_PA + 0x123);
    cr_assert_eq(res.page_size, PAGE);
    cr_assert(res.writable);
    cr_assert(res.user);
    cr_assert_not(res.nx);
    cr_assert_eq(res.mem_type, PT_MEM_WB);
}

Test(paging, many_pages_round_trip)
{
    const uint64_t vas[] = {0x1000,
                            0x1ff000,
                            0x200000,
                            0x7ffffffff000ULL,
                            KERNEL_VA,
                            0xffff800000000000ULL,
                            0x0000008000000000ULL};
    struct pt_walk_result res;
    for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++)
        cr_assert_eq(map(vas[i], DATA_PA + i * PAGE, PTE_RW), 0, "va %#llx", (unsigned long long)vas[i]);
    for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
        cr_assert_eq(walk(vas[i] + 8, &res), 0);
        cr_assert_eq(res.pa.raw, DATA_PA + i * PAGE + 8, "va %#llx", (unsigned long long)vas[i]);
    }
    cr_assert_eq(walk(0x2000, &res), -EFAULT, "a neighbour that was never mapped");
}

Test(paging, intermediate_entries_are_present_writable_user)
{
    cr_assert_eq(map(KERNEL_VA, DATA_PA, PTE_NX), 0);
    uint64_t table = ROOT;
    for (unsigned level = 4; level > 1; level--) {
        uint64_t entry = entry_at(table, KERNEL_VA, level);
        cr_assert_eq(entry & ~ADDR_BITS, ENTRY_FLAGS, "level %u entry %#llx", level,
                     (unsigned long long)entry);
        table = entry & ADDR_BITS;
    }
    cr_assert_eq(entry_at(table, KERNEL_VA, 1), DATA_PA | PTE_NX | PTE_P);
}

Test(paging, leaf_flags_alone_decide_permissions)
{
    struct pt_walk_result res;
    cr_assert_eq(map(KERNEL_VA, DATA_PA, PTE_NX), 0);
    cr_assert_eq(walk(KERNEL_VA, &res), 0);
    cr_assert_not(res.user);
    cr_assert_not(res.writable);
    cr_assert(res.nx);
}

Test(paging, leaf_cache_bits_reach_the_walk)
{
    struct pt_walk_result res;
    cr_assert_eq(map(USER_VA, DATA_PA, PTE_PCD | PTE_PWT), 0);
    cr_assert_eq(map(USER_VA + PAGE, DATA_PA, PTE_PAT_4K | PTE_PCD | PTE_PWT), 0);
    cr_assert_eq(walk(USER_VA, &res), 0);
    cr_assert_eq(res.mem_type, PT_MEM_UC);
    cr_assert_eq(walk(USER_VA + PAGE, &res), 0);
    cr_assert_eq(res.mem_type, PT_MEM_WC);
}

Test(paging, neighbouring_pages_share_tables)
{
    cr_assert_eq(map(USER_VA, DATA_PA, PTE_RW), 0);
    cr_assert_eq(tables_made, 3);
    cr_assert_eq(map(USER_VA + PAGE, DATA_PA + PAGE, PTE_RW), 0);
    cr_assert_eq(tables_made, 3);
}

Test(paging, mapping_a_present_leaf_again_is_eexist)
{
    struct pt_walk_result res;
    cr_assert_eq(map(USER_VA, DATA_PA, PTE_RW), 0);
    cr_assert_eq(map(USER_VA, DATA_PA + PAGE, PTE_RW), -EEXIST);
    cr_assert_eq(walk(USER_VA, &res), 0);
    cr_assert_eq(res.pa.raw, DATA_PA, "the first mapping stays");
}

Test(paging, large_leaf_in_the_way_is_eexist)
{
    cr_assert_eq(map(USER_VA, DATA_PA, PTE_RW), 0);
    uint64_t pdpt = entry_at(ROOT, USER_VA, 4) & ADDR_BITS;
    uint64_t pd = entry_at(pdpt, USER_VA, 3) & ADDR_BITS;
    uint64_t big = DATA_PA | PTE_P | PTE_PS;
    uint64_t other_va = USER_VA + (2ULL << 20);
    memcpy(ram.host + pd + ((other_va >> 21) & INDEX_MASK) * 8, &big, sizeof(big));
    cr_assert_eq(map(other_va, DATA_PA, PTE_RW), -EEXIST);
}

Test(paging, unaligned_or_noncanonical_addresses_are_einval)
{
    cr_assert_eq(map(USER_VA + 1, DATA_PA, 0), -EINVAL);
    cr_assert_eq(map(USER_VA, DATA_PA + 8, 0), -EINVAL);
    cr_assert_eq(map(0x0000800000000000ULL, DATA_PA, 0), -EINVAL);
    cr_assert_eq(map(0xfff0000000000000ULL, DATA_PA, 0), -EINVAL);
    cr_assert_eq(map(USER_VA, GIANT_PA_BITS, 0), -EINVAL);
    cr_assert_eq(map(USER_VA, DATA_PA, PTE_PAT_BIG), -EINVAL, "flags may not carry address bits");
    cr_assert_eq(tables_made, 0);
}

Test(paging, root_outside_ram_is_efault)
{
    cr_assert_eq(pt_map_page(&ram, gpa(RAM_SIZE), gva(USER_VA), gpa(DATA_PA), 0, &bump), -EFAULT);
    cr_assert_eq(pt_map_page(&ram, gpa(RAM_SIZE - PAGE), gva(USER_VA), gpa(DATA_PA), 0, &bump), 0);
}

Test(paging, table_pointing_outside_ram_is_efault)
{
    uint64_t outside = (RAM_SIZE + PAGE) | ENTRY_FLAGS;
    memcpy(ram.host + ROOT + ((USER_VA >> 39) & INDEX_MASK) * 8, &outside, sizeof(outside));
    cr_assert_eq(map(USER_VA, DATA_PA, 0), -EFAULT);
}

Test(paging, allocation_failure_is_passed_on)
{
    alloc_error = -ENOMEM;
    cr_assert_eq(map(USER_VA, DATA_PA, 0), -ENOMEM);
    cr_assert_eq(entry_at(ROOT, USER_VA, 4), 0, "nothing was linked in");
}

struct frames_source {
    struct frame_alloc frames;
    const struct guest_ram *ram;
};

static int frames_table(void *ctx, gpa_t *out)
{
    struct frames_source *src = ctx;
    int err = mem_frames_alloc(&src->frames, 1, 1, out);
    if (err == 0)
        memset(mem_ptr(src->ram, *out, PAGE), 0, PAGE);
    return err;
}

Test(paging, builds_with_the_frame_allocator_until_it_runs_out)
{
    struct frames_source src = {.ram = &ram};
    cr_assert_eq(mem_frames_init(&src.frames, 8 * PAGE), 0);
    const struct pt_alloc alloc = {.alloc_table = frames_table, .ctx = &src};
    gpa_t root;
    cr_assert_eq(mem_frames_alloc(&src.frames, 1, 1, &root), 0);
    memset(ram.host + root.raw, 0, PAGE);
    cr_assert_eq(pt_map_page(&ram, root, gva(USER_VA), gpa(DATA_PA), PTE_US, &alloc), 0);
    cr_assert_eq(mem_frames_free_count(&src.frames), 3);
    cr_assert_eq(pt_map_page(&ram, root, gva(KERNEL_VA), gpa(DATA_PA), 0, &alloc), 0);
    cr_assert_eq(mem_frames_free_count(&src.frames), 0);
    cr_assert_eq(pt_map_page(&ram, root, gva(0x0000400000000000ULL), gpa(DATA_PA), 0, &alloc), -ENOMEM);
    struct pt_walk_ctx ctx = {.ram = &ram, .root = root, .pat = PT_PAT_ZIRCON, .maxphyaddr = MAXPHYADDR};
    struct pt_walk_result res;
    cr_assert_eq(pt_walk(&ctx, gva(KERNEL_VA + 4), &res), 0);
    cr_assert_eq(res.pa.raw, DATA_PA + 4);
    mem_frames_destroy(&src.frames);
}
