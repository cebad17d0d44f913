/* test_walker.c: pt_walk against SEMANTICS.md §5, a simple reference walk, and randomized differential tests.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "x86_64/paging.h"

#define KIB         1024ULL
#define MIB         (1024 * KIB)
#define GIB         (1024 * MIB)
#define PAGE        (4 * KIB)
#define RAM_SIZE    (2 * GIB + 1 * MIB) /* room for a 1 GiB leaf; not a multiple of 2 MiB */
#define TABLES_END  (16 * MIB)          /* every table the tests build lies below this */
#define ROOT        0x1000ULL
#define MAXPHYADDR  46
#define ADDR_BITS   0x000FFFFFFFFFF000ULL
#define INDEX_MASK  511ULL
#define TABLE_FLAGS (PTE_P | PTE_RW | PTE_US)
#define PA_4K       (8 * MIB)
#define PA_2M       (12 * MIB)
#define PA_1G       (1 * GIB)
#define VA_USER     0x00007f1234567000ULL
#define VA_LA57     0x00ab123456789000ULL /* canonical with 5 levels only */
#define PAT_INDEXES 8

static struct guest_ram ram;
static uint64_t table_next;

static void setup(void)
{
    cr_assert_eq(mem_ram_map(&ram, RAM_SIZE), 0);
    table_next = ROOT + PAGE;
}

static void teardown(void)
{
    mem_ram_unmap(&ram);
}

static uint64_t get(uint64_t table, unsigned index)
{
    uint64_t entry;
    memcpy(&entry, ram.host + table + index * sizeof(entry), sizeof(entry));
    return entry;
}

static void put(uint64_t table, unsigned index, uint64_t entry)
{
    memcpy(ram.host + table + index * sizeof(entry), &entry, sizeof(entry));
}

static unsigned index_of(uint64_t va, unsigned level)
{
    return (unsigned)((va >> (12 + 9 * (level - 1))) & INDEX_MASK);
}

/* The table holding the level-`leaf_level` entry for `va`, creating tables from level `levels` down. */
static uint64_t path_to(uint64_t va, unsigned levels, unsigned leaf_level)
{
    uint64_t table = ROOT;
    for (unsigned level = levels; level > leaf_level; level--) {
        uint64_t entry = get(table, index_of(va, level));
        if (!(entry & PTE_P)) {
            entry = table_next | TABLE_FLAGS;
            table_next += PAGE;
            cr_assert_leq(table_next, TABLES_END);
            put(table, index_of(va, level), entry);
        }
        table = entry & ADDR_BITS;
    }
    return table;
}

static void map_leaf(uint64_t va, unsigned levels, unsigned leaf_level, uint64_t entry)
{
    put(path_to(va, levels, leaf_level), index_of(va, leaf_level), entry);
}

/* ORs `bits` into the existing entry of `level` on the path of `va`. */
static void add_bits(uint64_t va, unsigned levels, unsigned level, uint64_t bits)
{
    uint64_t table = path_to(va, levels, level);
    put(table, index_of(va, level), get(table, index_of(va, level)) | bits);
}

static void clear_bits(uint64_t va, unsigned levels, unsigned level, uint64_t bits)
{
    uint64_t table = path_to(va, levels, level);
    put(table, index_of(va, level), get(table, index_of(va, level)) & ~bits);
}

static struct pt_walk_ctx ctx_for(bool la57)
{
    return (struct pt_walk_ctx){
        .ram = &ram, .root = gpa(ROOT), .la57 = la57, .pat = PT_PAT_ZIRCON, .maxphyaddr = MAXPHYADDR};
}

static int walk(bool la57, uint64_t va, struct pt_walk_result *res)
{
    struct pt_walk_ctx ctx = ctx_for(la57);
    return pt_walk(&ctx, gva(va), res);
}

TestSuite(walker, .init = setup, .fini = teardown);

/* ---- leaf sizes and modes ---- */

struct leaf_case {
    unsigned level;
    uint64_t size;
    uint64_t pa;
    uint64_t ps;
};

static const struct leaf_case leaf_cases[] = {
    {1, 4 * KIB, PA_4K, 0},
    {2, 2 * MIB, PA_2M, PTE_PS},
    {3, 1 * GIB, PA_1G, PTE_PS},
};

static void check_leaf_sizes(bool la57, uint64_t va_base)
{
    unsigned levels = la57 ? 5 : 4;
    for (size_t i = 0; i < sizeof(leaf_cases) / sizeof(leaf_cases[0]); i++) {
        const struct leaf_case *lc = &leaf_cases[i];
        uint64_t va = va_base + i * 2 * GIB; /* separate PDPT slots */
        uint64_t offset = (lc->size - 1) & 0x2345678ULL;
        map_leaf(va, levels, lc->level, lc->pa | lc->ps | PTE_P | PTE_RW | PTE_US);
        struct pt_walk_result res;
        cr_assert_eq(walk(la57, va + offset, &res), 0, "level %u", lc->level);
        cr_assert_eq(res.pa.raw, lc->pa + offset, "level %u", lc->level);
        cr_assert_eq(res.page_size, lc->size);
        cr_assert(res.user && res.writable && !res.nx);
    }
}

Test(walker, four_level_leaves_of_every_size)
{
    check_leaf_sizes(false, 0x0000100000000000ULL);
}

Test(walker, five_level_leaves_of_every_size)
{
    check_leaf_sizes(true, VA_LA57 & ~(GIB - 1));
}

Test(walker, five_level_mode_indexes_the_pml5_with_bits_56_to_48)
{
    struct pt_walk_result res;
    map_leaf(VA_LA57, 5, 1, PA_4K | PTE_P);
    cr_assert_eq(walk(true, VA_LA57, &res), 0);
    cr_assert_eq(walk(true, VA_LA57 ^ (1ULL << 48), &res), -EFAULT, "another PML5 slot");
    cr_assert_eq(walk(false, VA_LA57, &res), -EFAULT, "not canonical with 4 levels");
}

Test(walker, four_level_mode_ignores_a_pml5)
{
    struct pt_walk_result res;
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P);
    cr_assert_eq(walk(false, VA_USER, &res), 0);
    cr_assert_eq(walk(true, VA_USER, &res), -EFAULT, "the root read as a PML5 has no tables below");
}

Test(walker, noncanonical_addresses_are_not_mapped)
{
    struct pt_walk_result res;
    map_leaf(0, 4, 1, PA_4K | PTE_P);
    put(ROOT, 256, get(ROOT, 0)); /* the upper half reaches the same tables */
    cr_assert_eq(walk(false, 0xffff800000000000ULL, &res), 0);
    cr_assert_eq(walk(false, 0x0000800000000000ULL, &res), -EFAULT);
    cr_assert_eq(walk(false, 0x7fff800000000000ULL, &res), -EFAULT);
    cr_assert_eq(walk(false, 0xfff0000000000000ULL, &res), -EFAULT);
    cr_assert_eq(walk(true, 0x0100000000000000ULL, &res), -EFAULT);
    cr_assert_eq(walk(true, 0x7f00000000000000ULL, &res), -EFAULT);
    cr_assert_eq(walk(true, 0xfeff000000000000ULL, &res), -EFAULT);
}

Test(walker, root_flag_bits_are_ignored)
{
    struct pt_walk_result res;
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P);
    struct pt_walk_ctx ctx = ctx_for(false);
    ctx.root = gpa(ROOT | PTE_PCD | PTE_PWT);
    cr_assert_eq(pt_walk(&ctx, gva(VA_USER), &res), 0);
    cr_assert_eq(res.pa.raw, PA_4K);
}

Test(walker, maxphyaddr_outside_36_to_52_is_einval)
{
    struct pt_walk_result res;
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P);
    struct pt_walk_ctx ctx = ctx_for(false);
    ctx.maxphyaddr = 35;
    cr_assert_eq(pt_walk(&ctx, gva(VA_USER), &res), -EINVAL);
    ctx.maxphyaddr = 53;
    cr_assert_eq(pt_walk(&ctx, gva(VA_USER), &res), -EINVAL);
    ctx.maxphyaddr = 52;
    cr_assert_eq(pt_walk(&ctx, gva(VA_USER), &res), 0);
    ctx.maxphyaddr = 36;
    cr_assert_eq(pt_walk(&ctx, gva(VA_USER), &res), 0);
}

/* ---- memory types ---- */

static uint64_t cache_bits(unsigned pat_index, unsigned level)
{
    uint64_t pat_bit = level == 1 ? PTE_PAT_4K : PTE_PAT_BIG;
    return ((pat_index & 1) ? PTE_PWT : 0) | ((pat_index & 2) ? PTE_PCD : 0) |
           ((pat_index & 4) ? pat_bit : 0);
}

static void check_mem_types(uint64_t pat, const enum pt_mem_type expect[PAT_INDEXES])
{
    for (size_t i = 0; i < sizeof(leaf_cases) / sizeof(leaf_cases[0]); i++) {
        const struct leaf_case *lc = &leaf_cases[i];
        uint64_t va = VA_USER & ~(GIB - 1);
        for (unsigned index = 0; index < PAT_INDEXES; index++) {
            map_leaf(va, 4, lc->level, lc->pa | lc->ps | PTE_P | cache_bits(index, lc->level));
            struct pt_walk_ctx ctx = ctx_for(false);
            ctx.pat = pat;
            struct pt_walk_result res;
            cr_assert_eq(pt_walk(&ctx, gva(va), &res), 0);
            cr_assert_eq(res.mem_type, expect[index], "level %u index %u", lc->level, index);
            cr_assert_eq(res.pa.raw, lc->pa, "the PAT bit is no address bit");
            cr_assert_eq(res.page_size, lc->size, "bit 7 of a 4 KiB PTE is PAT, not PS");
        }
        map_leaf(va, 4, lc->level, 0);
    }
}

Test(walker, zircon_pat_gives_wb_uc_and_wc)
{
    const enum pt_mem_type expect[PAT_INDEXES] = {PT_MEM_WB, PT_MEM_WT, PT_MEM_UC_MINUS, PT_MEM_UC,
                                                  PT_MEM_WB, PT_MEM_WT, PT_MEM_UC_MINUS, PT_MEM_WC};
    check_mem_types(PT_PAT_ZIRCON, expect);
}

Test(walker, other_pat_values_and_reserved_types)
{
    /* Entries 0..7: WC, WT, WP, UC-, UC, WB, reserved 2, reserved 3 (with stray reserved high bits). */
    const uint64_t pat = 0xFB02060007050401ULL;
    const enum pt_mem_type expect[PAT_INDEXES] = {PT_MEM_WC, PT_MEM_WT, PT_MEM_WP, PT_MEM_UC_MINUS,
                                                  PT_MEM_UC, PT_MEM_WB, PT_MEM_UC, PT_MEM_UC};
    check_mem_types(pat, expect);
}

Test(walker, pat_bit_12_of_large_leaves_stays_out_of_the_address)
{
    struct pt_walk_result res;
    const uint64_t va = (VA_USER & ~(2 * MIB - 1)) | 0x2000; /* bit 12 clear */
    map_leaf(va, 4, 2, PA_2M | PTE_PS | PTE_PAT_BIG | PTE_P);
    cr_assert_eq(walk(false, va, &res), 0);
    cr_assert_eq(res.pa.raw, PA_2M | 0x2000);
    map_leaf(PA_1G, 4, 3, PA_1G | PTE_PS | PTE_PAT_BIG | PTE_P);
    cr_assert_eq(walk(false, PA_1G + 0x2000, &res), 0);
    cr_assert_eq(res.pa.raw, PA_1G | 0x2000);
}

/* ---- reserved bits ---- */

Test(walker, ps_in_pml4e_or_pml5e_is_reserved)
{
    struct pt_walk_result res;
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P);
    add_bits(VA_USER, 4, 4, PTE_PS);
    cr_assert_eq(walk(false, VA_USER, &res), -EFAULT);
    clear_bits(VA_USER, 4, 4, PTE_PS);
    cr_assert_eq(walk(false, VA_USER, &res), 0);

    map_leaf(VA_LA57, 5, 1, PA_4K | PTE_P);
    add_bits(VA_LA57, 5, 5, PTE_PS);
    cr_assert_eq(walk(true, VA_LA57, &res), -EFAULT);
}

Test(walker, physical_bits_at_or_above_maxphyaddr_are_reserved)
{
    struct pt_walk_result res;
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P);
    for (unsigned level = 1; level <= 4; level++) {
        add_bits(VA_USER, 4, level, 1ULL << MAXPHYADDR);
        cr_assert_eq(walk(false, VA_USER, &res), -EFAULT, "bit %d at level %u", MAXPHYADDR, level);
        clear_bits(VA_USER, 4, level, 1ULL << MAXPHYADDR);
        add_bits(VA_USER, 4, level, 1ULL << 51);
        cr_assert_eq(walk(false, VA_USER, &res), -EFAULT, "bit 51 at level %u", level);
        clear_bits(VA_USER, 4, level, 1ULL << 51);
    }
    add_bits(VA_USER, 4, 1, (1ULL << 52) | (1ULL << 62));
    cr_assert_eq(walk(false, VA_USER, &res), 0, "bits 62:52 are ignored, not reserved");
}

Test(walker, low_address_bits_of_large_leaves_are_reserved)
{
    struct pt_walk_result res;
    uint64_t va2m = VA_USER & ~(2 * MIB - 1);
    for (unsigned bit = 13; bit <= 20; bit++) {
        map_leaf(va2m, 4, 2, PA_2M | PTE_PS | PTE_P | (1ULL << bit));
        cr_assert_eq(walk(false, va2m, &res), -EFAULT, "2 MiB leaf bit %u", bit);
    }
    map_leaf(va2m, 4, 2, 0);
    uint64_t va1g = 0x0000400000000000ULL;
    for (unsigned bit = 13; bit <= 29; bit++) {
        map_leaf(va1g, 4, 3, PA_1G | PTE_PS | PTE_P | (1ULL << bit));
        cr_assert_eq(walk(false, va1g, &res), -EFAULT, "1 GiB leaf bit %u", bit);
    }
    map_leaf(va1g, 4, 3, PA_1G | PTE_PS | PTE_P | PTE_PAT_BIG);
    cr_assert_eq(walk(false, va1g, &res), 0, "bit 12 is PAT");
}

Test(walker, not_present_at_any_level_is_not_mapped)
{
    struct pt_walk_result res;
    map_leaf(VA_USER, 5, 1, PA_4K | PTE_P | PTE_RW);
    for (unsigned level = 1; level <= 5; level++) {
        clear_bits(VA_USER, 5, level, PTE_P);
        cr_assert_eq(walk(true, VA_USER, &res), -EFAULT, "level %u", level);
        add_bits(VA_USER, 5, level, PTE_P);
    }
    cr_assert_eq(walk(true, VA_USER, &res), 0);
}

/* ---- bounds ---- */

Test(walker, tables_outside_ram_are_not_mapped)
{
    struct pt_walk_result res;
    struct pt_walk_ctx ctx = ctx_for(false);
    ctx.root = gpa(RAM_SIZE);
    cr_assert_eq(pt_walk(&ctx, gva(VA_USER), &res), -EFAULT);
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P);
    uint64_t pdpt = path_to(VA_USER, 4, 3);
    uint64_t pd_slot = get(pdpt, index_of(VA_USER, 3));
    put(pdpt, index_of(VA_USER, 3), (pd_slot & ~ADDR_BITS) | (1ULL << 40));
    cr_assert_eq(walk(false, VA_USER, &res), -EFAULT);
}

Test(walker, leaves_partly_outside_ram_are_not_mapped)
{
    struct pt_walk_result res;
    const uint64_t va = 0x0000200000000000ULL;
    map_leaf(va, 4, 1, (RAM_SIZE - PAGE) | PTE_P);
    cr_assert_eq(walk(false, va, &res), 0, "the last page of RAM");
    map_leaf(va, 4, 1, RAM_SIZE | PTE_P);
    cr_assert_eq(walk(false, va, &res), -EFAULT);
    map_leaf(va, 4, 2, (2 * GIB - 2 * MIB) | PTE_PS | PTE_P);
    cr_assert_eq(walk(false, va, &res), 0);
    map_leaf(va, 4, 2, (2 * GIB) | PTE_PS | PTE_P);
    cr_assert_eq(walk(false, va, &res), -EFAULT, "[2 GiB, +2 MiB) ends past RAM; offset 0 alone is inside");
    map_leaf(va, 4, 3, (2 * GIB) | PTE_PS | PTE_P);
    cr_assert_eq(walk(false, va, &res), -EFAULT);
}

Test(walker, self_referencing_tables_terminate)
{
    struct pt_walk_result res;
    put(ROOT, 0, ROOT | TABLE_FLAGS);
    cr_assert_eq(walk(false, 0x123, &res), 0, "a recursive slot maps the root itself");
    cr_assert_eq(res.pa.raw, ROOT + 0x123);
    cr_assert_eq(walk(true, 0x123, &res), 0);
    put(ROOT, 0, ROOT | TABLE_FLAGS | PTE_PS);
    cr_assert_eq(walk(false, 0x123, &res), -EFAULT);
    uint64_t other = table_next;
    put(ROOT, 1, other | TABLE_FLAGS);
    put(other, 1, ROOT | TABLE_FLAGS);
    put(ROOT, 0, 0);
    const uint64_t va = (1ULL << 39) | (1ULL << 30) | (1ULL << 21) | (1ULL << 12);
    cr_assert_eq(walk(false, va, &res), 0, "a two-table cycle ends at level 1");
    cr_assert_eq(res.pa.raw, ROOT, "root -> other -> root -> other, whose entry maps the root");
}

/* ---- permissions ---- */

Test(walker, user_and_writable_need_every_level_nx_needs_one)
{
    struct pt_walk_result res;
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P | PTE_RW | PTE_US);
    for (unsigned level = 1; level <= 4; level++) {
        clear_bits(VA_USER, 4, level, PTE_US);
        cr_assert_eq(walk(false, VA_USER, &res), 0);
        cr_assert_not(res.user, "US clear at level %u", level);
        cr_assert(res.writable);
        add_bits(VA_USER, 4, level, PTE_US);
        clear_bits(VA_USER, 4, level, PTE_RW);
        cr_assert_eq(walk(false, VA_USER, &res), 0);
        cr_assert_not(res.writable, "RW clear at level %u", level);
        cr_assert(res.user);
        add_bits(VA_USER, 4, level, PTE_RW);
        add_bits(VA_USER, 4, level, PTE_NX);
        cr_assert_eq(walk(false, VA_USER, &res), 0);
        cr_assert(res.nx, "NX at level %u", level);
        clear_bits(VA_USER, 4, level, PTE_NX);
    }
    cr_assert_eq(walk(false, VA_USER, &res), 0);
    cr_assert(res.user && res.writable && !res.nx);
}

Test(walker, walking_never_writes_ram)
{
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P | PTE_RW);
    map_leaf(0x0000300000000000ULL, 4, 2, PA_2M | PTE_PS | PTE_P);
    map_leaf(0x0000400000000000ULL, 4, 3, PA_1G | PTE_PS | PTE_P);
    put(ROOT, 7, ROOT | TABLE_FLAGS);
    uint8_t *before = malloc(TABLES_END);
    cr_assert_not_null(before);
    memcpy(before, ram.host, TABLES_END);
    const uint64_t vas[] = {VA_USER, 0x0000300000000000ULL, 0x0000400000000000ULL, 7ULL << 39, 0x1000, 0};
    struct pt_walk_result res;
    for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
        (void)walk(false, vas[i], &res);
        (void)walk(true, vas[i], &res);
    }
    cr_assert_eq(walk(false, VA_USER, &res), 0);
    cr_assert_eq(memcmp(before, ram.host, TABLES_END), 0, "no accessed or dirty bit was set");
    free(before);
}

/* ---- concurrent writers ---- */

struct flipper {
    uint64_t *slot;
    uint64_t states[2];
    int stop;
};

static void *flip(void *arg)
{
    struct flipper *f = arg;
    for (unsigned i = 0; !__atomic_load_n(&f->stop, __ATOMIC_RELAXED); i++)
        __atomic_store_n(f->slot, f->states[i & 1], __ATOMIC_RELAXED);
    return NULL;
}

Test(walker, a_concurrent_writer_gives_one_of_two_states)
{
    map_leaf(VA_USER, 4, 1, PA_4K | PTE_P | PTE_RW);
    uint64_t table = path_to(VA_USER, 4, 1);
    struct flipper f = {
        .slot = (uint64_t *)(ram.host + table + index_of(VA_USER, 1) * sizeof(uint64_t)),
        .states = {PA_4K | PTE_P | PTE_RW, (PA_4K + PAGE) | PTE_P | PTE_NX},
    };
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, flip, &f), 0);
    for (int i = 0; i < 200000; i++) {
        struct pt_walk_result res;
        cr_assert_eq(walk(false, VA_USER, &res), 0);
        bool first = res.pa.raw == PA_4K && res.writable && !res.nx;
        bool second = res.pa.raw == PA_4K + PAGE && !res.writable && res.nx;
        cr_assert(first || second, "a torn walk: pa %#llx", (unsigned long long)res.pa.raw);
    }
    __atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
    pthread_join(thread, NULL);
}

/* ---- the reference walk and randomized differential tests ---- */

/*
 * A deliberately plain walk written straight from the SDM tables, sharing
 * nothing with paging.c: the oracle for the randomized tests.
 */
static int reference_walk(const struct guest_ram *r, uint64_t root, bool la57, unsigned mpa, uint64_t pat,
                          uint64_t va, struct pt_walk_result *res)
{
    if (mpa < 36 || mpa > 52)
        return -EINVAL;
    int vbits = la57 ? 57 : 48;
    uint64_t top = va >> (vbits - 1);
    if (top != 0 && top != (UINT64_MAX >> (vbits - 1)))
        return -EFAULT;
    uint64_t below_mpa = (1ULL << mpa) - 1;
    uint64_t reserved_high = ((1ULL << 52) - 1) & ~below_mpa;
    if (root & ~below_mpa)
        return -EFAULT;
    uint64_t table = root & ~0xFFFULL;
    bool w = true, u = true, x = false;
    for (int lvl = la57 ? 5 : 4; lvl >= 1; lvl--) {
        int shift = 12 + 9 * (lvl - 1);
        if (table >= r->size || r->size - table < 4096)
            return -EFAULT;
        uint64_t e;
        memcpy(&e, r->host + table + ((va >> shift) & 511) * 8, 8);
        if ((e & 1) == 0 || (e & reserved_high) != 0)
            return -EFAULT;
        int ps = (e >> 7) & 1;
        if (lvl >= 4 && ps)
            return -EFAULT;
        w = w && ((e >> 1) & 1);
        u = u && ((e >> 2) & 1);
        x = x || ((e >> 63) & 1);
        if (lvl == 1 || ps) {
            uint64_t size = 1ULL << shift;
            if (lvl > 1 && (e & (size - 1) & ~0x1FFFULL))
                return -EFAULT;
            uint64_t base = e & below_mpa & ~(size - 1);
            if (base >= r->size || r->size - base < size)
                return -EFAULT;
            int pat_bit = lvl == 1 ? (int)((e >> 7) & 1) : (int)((e >> 12) & 1);
            int index = pat_bit * 4 + (int)((e >> 4) & 1) * 2 + (int)((e >> 3) & 1);
            int type = (int)((pat >> (8 * index)) & 7);
            res->pa = gpa(base + (va & (size - 1)));
            res->page_size = size;
            res->mem_type = (type == 2 || type == 3) ? PT_MEM_UC : (enum pt_mem_type)type;
            res->writable = w;
            res->user = u;
            res->nx = x;
            return 0;
        }
        table = e & below_mpa & ~0xFFFULL;
    }
    return -EFAULT;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static bool one_in(unsigned n)
{
    return rng() % n == 0;
}

#define POOL_BASE   0x10000ULL
#define POOL_TABLES 8
#define CONFIGS     3000
#define WALKS       64

static const unsigned hot_indexes[] = {0, 1, 2, 255, 256, 510, 511};
#define HOT_COUNT (sizeof(hot_indexes) / sizeof(hot_indexes[0]))

static uint64_t random_address(void)
{
    switch (rng() % 14) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 9:
    case 10:
    case 11:
    case 12:
        return POOL_BASE + (rng() % POOL_TABLES) * PAGE;
    case 4:
        return (rng() % RAM_SIZE) & ~((1ULL << (12 + 9 * (rng() % 3))) - 1);
    case 5:
        return (rng() % RAM_SIZE) & ~(GIB - 1);
    case 6:
    case 7:
        return (rng() % RAM_SIZE) & ~(2 * MIB - 1);
    case 8:
        return RAM_SIZE - (rng() % 4) * PAGE - (one_in(2) ? 2 * MIB : 0);
    default:
        return rng() & ADDR_BITS;
    }
}

static uint64_t random_entry(void)
{
    uint64_t flags = rng() & (0xFFFULL | PTE_PAT_BIG | PTE_NX | (0x7FFULL << 52));
    if (!one_in(8))
        flags |= PTE_P;
    if (one_in(2))
        flags &= ~PTE_PS;
    uint64_t entry = flags | random_address();
    if (one_in(8))
        entry |= rng() & 0x3FFFE000ULL; /* large-leaf reserved bits and the PAT bit */
    return entry;
}

static uint64_t random_va(bool la57)
{
    uint64_t va = rng() & 0xFFF;
    for (unsigned level = 1; level <= 5; level++) {
        uint64_t index = one_in(8) ? rng() % 512 : hot_indexes[rng() % HOT_COUNT];
        va |= index << (12 + 9 * (level - 1));
    }
    if (one_in(16))
        return va | (rng() << 57);
    unsigned unused = la57 ? 7 : 16;
    return (uint64_t)((int64_t)(va << unused) >> unused);
}

static void fill_random_tables(void)
{
    memset(ram.host + POOL_BASE, 0, POOL_TABLES * PAGE);
    for (unsigned t = 0; t < POOL_TABLES; t++)
        for (unsigned i = 0; i < HOT_COUNT; i++)
            if (!one_in(8))
                put(POOL_BASE + t * PAGE, hot_indexes[i], random_entry());
}

static struct pt_walk_ctx random_ctx(void)
{
    struct pt_walk_ctx ctx = {.ram = &ram, .la57 = one_in(2), .pat = rng()};
    ctx.maxphyaddr = one_in(32) ? 30 + (unsigned)(rng() % 30) : 36 + (unsigned)(rng() % 17);
    ctx.root = gpa(POOL_BASE + (rng() % POOL_TABLES) * PAGE + (one_in(4) ? rng() % PAGE : 0));
    if (one_in(16))
        ctx.root = gpa(random_address());
    return ctx;
}

Test(walker, matches_the_reference_on_random_tables)
{
    rng_state = 0x9E3779B97F4A7C15ULL;
    unsigned hits[4] = {0};
    for (unsigned c = 0; c < CONFIGS; c++) {
        fill_random_tables();
        struct pt_walk_ctx ctx = random_ctx();
        for (unsigned w = 0; w < WALKS; w++) {
            uint64_t va = random_va(ctx.la57);
            struct pt_walk_result got = {0}, want = {0};
            int rc = pt_walk(&ctx, gva(va), &got);
            int ref = reference_walk(&ram, ctx.root.raw, ctx.la57, ctx.maxphyaddr, ctx.pat, va, &want);
            cr_assert_eq(rc, ref, "config %u va %#llx", c, (unsigned long long)va);
            if (rc != 0)
                continue;
            cr_assert_eq(got.pa.raw, want.pa.raw, "config %u va %#llx", c, (unsigned long long)va);
            cr_assert_eq(got.page_size, want.page_size);
            cr_assert_eq(got.mem_type, want.mem_type);
            cr_assert_eq(got.writable, want.writable);
            cr_assert_eq(got.user, want.user);
            cr_assert_eq(got.nx, want.nx);
            hits[got.page_size == PAGE ? 1 : got.page_size == 2 * MIB ? 2 : 3]++;
        }
    }
    cr_log_info("differential: %u / %u / %u hits of 4K / 2M / 1G leaves", hits[1], hits[2], hits[3]);
    cr_assert_gt(hits[1], 100, "4 KiB leaves reached: %u", hits[1]);
    cr_assert_gt(hits[2], 100, "2 MiB leaves reached: %u", hits[2]);
    cr_assert_gt(hits[3], 100, "1 GiB leaves reached: %u", hits[3]);
}

#define NOISE_RAM    (16 * MIB)
#define NOISE_ROUNDS 8
#define NOISE_WALKS  20000

/* Random words whose address fields mostly point inside the small RAM, so walks get far. */
static void fill_noise(struct guest_ram *r)
{
    uint64_t *words = (uint64_t *)r->host;
    for (uint64_t i = 0; i < r->size / sizeof(uint64_t); i++) {
        uint64_t word = rng();
        if (!one_in(4)) {
            uint64_t align = one_in(2) ? PAGE : 2 * MIB;
            word = (word & ~ADDR_BITS & ~PTE_PS) | (rng() % (r->size + 2 * MIB) & ~(align - 1));
            word |= (one_in(8) ? 0 : PTE_P) | (one_in(4) ? PTE_PS : 0);
        }
        words[i] = word;
    }
}

Test(walker, random_ram_never_yields_a_page_outside_ram)
{
    struct guest_ram noise = {.host = malloc(NOISE_RAM), .size = NOISE_RAM};
    cr_assert_not_null(noise.host);
    rng_state = 0x0123456789ABCDEFULL;
    unsigned successes = 0;
    for (unsigned round = 0; round < NOISE_ROUNDS; round++) {
        fill_noise(&noise);
        for (unsigned w = 0; w < NOISE_WALKS; w++) {
            struct pt_walk_ctx ctx = {.ram = &noise, .la57 = one_in(2), .pat = rng()};
            ctx.maxphyaddr = 36 + (unsigned)(rng() % 17);
            ctx.root = gpa(one_in(8) ? rng() : rng() % NOISE_RAM);
            uint64_t va = random_va(ctx.la57);
            struct pt_walk_result res;
            if (pt_walk(&ctx, gva(va), &res) != 0)
                continue;
            successes++;
            uint64_t base = res.pa.raw & ~(res.page_size - 1);
            cr_assert(res.page_size == PAGE || res.page_size == 2 * MIB || res.page_size == GIB);
            cr_assert(mem_range_ok(&noise, gpa(base), res.page_size), "pa %#llx",
                      (unsigned long long)res.pa.raw);
            cr_assert_eq(res.pa.raw & (res.page_size - 1), va & (res.page_size - 1));
        }
    }
    cr_assert_gt(successes, 1000, "walks that succeeded: %u", successes);
    cr_log_info("random RAM: %u successful walks", successes);
    free(noise.host);
}
