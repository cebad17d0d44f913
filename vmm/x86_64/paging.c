/* paging.c: the 4-level page-table builder and the 4/5-level software page walker (SDM Vol. 3A ch. 4). */
#include "x86_64/paging.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>

#define PT_PAGE_SHIFT     12
#define PT_INDEX_BITS     9
#define PT_INDEX_MASK     ((1ULL << PT_INDEX_BITS) - 1)
#define PT_TABLE_SIZE     4096ULL
#define PT_LEVELS_4       4
#define PT_LEVELS_5       5
#define PT_LEVEL_PT       1 /* level 1 maps 4 KiB pages; level n covers 2^(12 + 9n) bytes */
#define PT_LEVEL_PD       2
#define PT_LEVEL_PDPT     3
#define PT_MAXPHYADDR_MIN 36 /* the smallest MAXPHYADDR of a CPU with long mode */
#define PT_MAXPHYADDR_MAX 52 /* SDM Vol. 3A §4.1.4 */
#define PT_PAT_ENTRY_BITS 8
#define PT_PAT_TYPE_MASK  0x7ULL /* IA32_PAT entry bits 2:0; bits 7:3 are reserved (SDM Vol. 3A §11.12.2) */
#define PT_PAT_INDEX_PAT  2      /* PAT index bit taken from the entry's PAT bit */
#define PT_PAT_INDEX_PCD  1
#define PT_PAT_INDEX_PWT  0
#define PT_PAT_TYPE_RSVD2 2 /* IA32_PAT encodings 2 and 3 are reserved (SDM Vol. 3A table 11-10) */
#define PT_PAT_TYPE_RSVD3 3

/* Bits maxphyaddr-1 .. 0. */
static uint64_t phys_mask(unsigned maxphyaddr)
{
    return (1ULL << maxphyaddr) - 1;
}

static uint64_t level_shift(unsigned level)
{
    return PT_PAGE_SHIFT + PT_INDEX_BITS * (level - 1);
}

/* Index into the table of `level` that translates `va` (SDM Vol. 3A figures 4-8 .. 4-10). */
static unsigned pt_index(uint64_t va, unsigned level)
{
    return (unsigned)((va >> level_shift(level)) & PT_INDEX_MASK);
}

/* Bits 63..N equal bit N-1, N being 48 with 4 levels and 57 with 5 (SDM Vol. 3A §3.3.7.1, §4.5). */
static bool pt_canonical(uint64_t va, unsigned levels)
{
    unsigned unused_bits = 64 - (unsigned)level_shift(levels + 1);
    return (uint64_t)((int64_t)(va << unused_bits) >> unused_bits) == va;
}

/* Reads entry `index` of the table at `table` once; -EFAULT when the table is not wholly inside RAM. */
static int pt_read_entry(const struct guest_ram *ram, uint64_t table, unsigned index, uint64_t *entry)
{
    const uint64_t *host = mem_ptr(ram, gpa(table), PT_TABLE_SIZE);
    if (host == NULL)
        return -EFAULT;
    /* One relaxed atomic load: a concurrent writer yields either the old or the new entry. */
    *entry = __atomic_load_n(&host[index], __ATOMIC_RELAXED);
    return 0;
}

/* True when `entry` of `level` maps a page rather than pointing at a table (SDM Vol. 3A §4.5). */
static bool pt_is_leaf(uint64_t entry, unsigned level)
{
    return level == PT_LEVEL_PT || ((level == PT_LEVEL_PD || level == PT_LEVEL_PDPT) && (entry & PTE_PS));
}

/*
 * True when a present entry has a reserved bit set, which makes the address
 * not mapped (SDM Vol. 3A §4.5, tables 4-14 .. 4-20): physical-address bits
 * 51..MAXPHYADDR in every entry; bit 7 in PML5Es and PML4Es; in a large leaf
 * the address bits below the page size other than the PAT bit (2 MiB: 20:13,
 * 1 GiB: 29:13). NX is taken as allowed: the VMM always sets EFER.NXE.
 */
static bool pt_reserved_bits(uint64_t entry, unsigned level, unsigned maxphyaddr)
{
    const uint64_t addr_bits_52 = phys_mask(PT_MAXPHYADDR_MAX);
    if (entry & addr_bits_52 & ~phys_mask(maxphyaddr))
        return true;
    if (level > PT_LEVEL_PDPT && (entry & PTE_PS))
        return true;
    if (level != PT_LEVEL_PT && pt_is_leaf(entry, level)) {
        uint64_t low_addr = ((1ULL << level_shift(level)) - 1) & ~(PT_TABLE_SIZE - 1);
        if (entry & low_addr & ~PTE_PAT_BIG)
            return true;
    }
    return false;
}

/* The address of the table an entry points at: bits MAXPHYADDR-1..12. */
static uint64_t pt_next_table(uint64_t entry, unsigned maxphyaddr)
{
    return entry & phys_mask(maxphyaddr) & ~(PT_TABLE_SIZE - 1);
}

/*
 * The memory type of a leaf: IA32_PAT entry (PAT << 2 | PCD << 1 | PWT)
 * (SDM Vol. 3A §11.12.3); MTRRs are ignored. A reserved type (2 or 3, which
 * WRMSR would refuse to load) is reported as UC, the safe choice.
 */
static enum pt_mem_type pt_leaf_mem_type(uint64_t entry, unsigned level, uint64_t pat)
{
    uint64_t pat_bit = (level == PT_LEVEL_PT) ? PTE_PAT_4K : PTE_PAT_BIG;
    unsigned index = (unsigned)(((entry & pat_bit) ? 1U : 0U) << PT_PAT_INDEX_PAT |
                                ((entry & PTE_PCD) ? 1U : 0U) << PT_PAT_INDEX_PCD |
                                ((entry & PTE_PWT) ? 1U : 0U) << PT_PAT_INDEX_PWT);
    unsigned type = (unsigned)((pat >> (index * PT_PAT_ENTRY_BITS)) & PT_PAT_TYPE_MASK);
    if (type == PT_PAT_TYPE_RSVD2 || type == PT_PAT_TYPE_RSVD3)
        return PT_MEM_UC;
    return (enum pt_mem_type)type;
}

/*
 * Completes a walk at a leaf: the page frame is bits MAXPHYADDR-1..log2(page
 * size), the offset comes from `va`; the whole page must lie inside RAM.
 */
static int pt_translate_leaf(const struct pt_walk_ctx *ctx, uint64_t entry, unsigned level, uint64_t va,
                             struct pt_walk_result *out)
{
    uint64_t page_size = 1ULL << level_shift(level);
    uint64_t frame = entry & phys_mask(ctx->maxphyaddr) & ~(page_size - 1);
    if (!mem_range_ok(ctx->ram, gpa(frame), page_size))
        return -EFAULT;
    out->pa = gpa(frame | (va & (page_size - 1)));
    out->page_size = page_size;
    out->mem_type = pt_leaf_mem_type(entry, level, ctx->pat);
    return 0;
}

/* Where a walk ended: the leaf entry as read, its level, and the table holding it. */
struct pt_leaf {
    uint64_t entry;
    uint64_t table;
    unsigned level;
};

/* pt_walk, also reporting the leaf it ended at (valid when it returns 0). */
static int pt_walk_leaf(const struct pt_walk_ctx *ctx, gva_t va, struct pt_walk_result *out,
                        struct pt_leaf *leaf)
{
    if (ctx->maxphyaddr < PT_MAXPHYADDR_MIN || ctx->maxphyaddr > PT_MAXPHYADDR_MAX)
        return -EINVAL;
    unsigned levels = ctx->la57 ? PT_LEVELS_5 : PT_LEVELS_4;
    if (!pt_canonical(va.raw, levels))
        return -EFAULT;
    if (ctx->root.raw & ~phys_mask(ctx->maxphyaddr))
        return -EFAULT; /* a CR3 with reserved bits set could not be loaded */
    uint64_t table = ctx->root.raw & ~(PT_TABLE_SIZE - 1);
    bool writable = true, user = true, nx = false;
    for (unsigned level = levels; level >= PT_LEVEL_PT; level--) {
        uint64_t entry;
        if (pt_read_entry(ctx->ram, table, pt_index(va.raw, level), &entry) != 0)
            return -EFAULT;
        bool kept = ctx->kept && level == PT_LEVEL_PT && (entry & PTE_KEPT);
        if (!((entry & PTE_P) || kept) || pt_reserved_bits(entry, level, ctx->maxphyaddr))
            return -EFAULT;
        writable = writable && (entry & PTE_RW);
        user = user && (entry & PTE_US);
        nx = nx || (entry & PTE_NX);
        if (pt_is_leaf(entry, level)) {
            struct pt_walk_result result = {
                .writable = writable, .user = user, .nx = nx, .present = (entry & PTE_P) != 0};
            int err = pt_translate_leaf(ctx, entry, level, va.raw, &result);
            if (err == 0) {
                *out = result;
                *leaf = (struct pt_leaf){entry, table, level};
            }
            return err;
        }
        table = pt_next_table(entry, ctx->maxphyaddr);
    }
    return -EFAULT; /* not reached: every level-1 entry is a leaf */
}

int pt_walk(const struct pt_walk_ctx *ctx, gva_t va, struct pt_walk_result *out)
{
    struct pt_leaf leaf;
    return pt_walk_leaf(ctx, va, out, &leaf);
}

/*
 * The leaf bits that decide access and memory type, and whether a leaf is
 * kept. Accessed, dirty, global and the other software-available bits may
 * differ inside an extent.
 */
#define PT_EXTENT_ATTRS (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_PAT_4K | PTE_NX | PTE_KEPT)
#define PT_ENTRIES      (PT_TABLE_SIZE / sizeof(uint64_t))

/*
 * Bytes of the 4 KiB pages that follow `leaf` (a level-1 leaf for `va`) in
 * the same table and continue it: present, no reserved bit, the same
 * PT_EXTENT_ATTRS, the next frame, inside RAM. Stops once `want` bytes are
 * covered. Entries of one table share every upper-level entry, so the
 * combined permissions are the leaf's. Reads each entry once.
 */
static uint64_t pt_scan_ptes(const struct pt_walk_ctx *ctx, const struct pt_leaf *leaf, uint64_t va,
                             uint64_t want)
{
    const uint64_t *entries = mem_ptr(ctx->ram, gpa(leaf->table), PT_TABLE_SIZE);
    const uint64_t frame_mask = phys_mask(ctx->maxphyaddr) & ~(PT_TABLE_SIZE - 1);
    const uint64_t attrs = leaf->entry & PT_EXTENT_ATTRS;
    uint64_t frame = leaf->entry & frame_mask, more = 0;
    for (unsigned i = pt_index(va, PT_LEVEL_PT) + 1; entries && i < PT_ENTRIES && more < want; i++) {
        uint64_t entry = __atomic_load_n(&entries[i], __ATOMIC_RELAXED);
        frame += PT_TABLE_SIZE;
        if ((entry & PT_EXTENT_ATTRS) != attrs || (entry & frame_mask) != frame ||
            pt_reserved_bits(entry, PT_LEVEL_PT, ctx->maxphyaddr) ||
            !mem_range_ok(ctx->ram, gpa(frame), PT_TABLE_SIZE))
            break;
        more += PT_TABLE_SIZE;
    }
    return more;
}

int pt_walk_extent(const struct pt_walk_ctx *ctx, gva_t va, uint64_t max_len, struct pt_walk_result *out,
                   uint64_t *len)
{
    struct pt_leaf leaf;
    int err = pt_walk_leaf(ctx, va, out, &leaf);
    if (err != 0)
        return err;
    uint64_t extent = out->page_size - (va.raw & (out->page_size - 1));
    if (leaf.level == PT_LEVEL_PT && extent < max_len)
        extent += pt_scan_ptes(ctx, &leaf, va.raw, max_len - extent);
    *len = extent < max_len ? extent : max_len;
    return 0;
}

/* ---- the builder ---- */

/* Physical-address bits of an entry, 51..12, whatever the CPU's MAXPHYADDR. */
#define PT_ADDR_MASK   (phys_mask(PT_MAXPHYADDR_MAX) & ~(PT_TABLE_SIZE - 1))
#define PT_TABLE_FLAGS (PTE_P | PTE_RW | PTE_US)

/*
 * Returns the table below `*slot`, creating it through `alloc` when the slot
 * is empty. -EEXIST when a large leaf is in the way.
 */
static int pt_descend(const struct guest_ram *ram, uint64_t *slot, unsigned level,
                      const struct pt_alloc *alloc, uint64_t *next)
{
    uint64_t entry = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (entry & PTE_P) {
        if (entry & PTE_PS)
            return level > PT_LEVEL_PDPT ? -EFAULT : -EEXIST;
        *next = entry & PT_ADDR_MASK;
        return 0;
    }
    gpa_t table;
    int err = alloc->alloc_table(alloc->ctx, &table);
    if (err != 0)
        return err;
    assert((table.raw & ~PT_ADDR_MASK) == 0);
    if (!mem_range_ok(ram, table, PT_TABLE_SIZE))
        return -EFAULT;
    /* Release: the zeroed table is visible before the entry that points at it. */
    __atomic_store_n(slot, table.raw | PT_TABLE_FLAGS, __ATOMIC_RELEASE);
    *next = table.raw;
    return 0;
}

int pt_map_page(const struct guest_ram *ram, gpa_t root, gva_t va, gpa_t pa, uint64_t leaf_flags,
                const struct pt_alloc *alloc)
{
    if (!pt_canonical(va.raw, PT_LEVELS_4) || (va.raw & (MEM_PAGE_SIZE - 1)) != 0)
        return -EINVAL;
    if ((pa.raw & ~PT_ADDR_MASK) != 0 || (leaf_flags & PT_ADDR_MASK) != 0)
        return -EINVAL;
    uint64_t table = root.raw;
    for (unsigned level = PT_LEVELS_4; level >= PT_LEVEL_PT; level--) {
        uint64_t *entries = mem_ptr(ram, gpa(table), PT_TABLE_SIZE);
        if (entries == NULL || (table & ~PT_ADDR_MASK) != 0)
            return -EFAULT;
        uint64_t *slot = &entries[pt_index(va.raw, level)];
        if (level == PT_LEVEL_PT) {
            if (__atomic_load_n(slot, __ATOMIC_RELAXED) & (PTE_P | PTE_KEPT))
                return -EEXIST;
            uint64_t present = (leaf_flags & PTE_KEPT) ? 0 : PTE_P;
            __atomic_store_n(slot, pa.raw | leaf_flags | present, __ATOMIC_RELEASE);
            return 0;
        }
        int err = pt_descend(ram, slot, level, alloc, &table);
        if (err != 0)
            return err;
    }
    return -EFAULT; /* not reached */
}

/* The 4 KiB leaf slot for `va` in a tree built by pt_map_page, or NULL when a table is missing. */
static uint64_t *pt_leaf_slot(const struct guest_ram *ram, gpa_t root, gva_t va)
{
    if (!pt_canonical(va.raw, PT_LEVELS_4) || (va.raw & (MEM_PAGE_SIZE - 1)) != 0)
        return NULL;
    uint64_t table = root.raw;
    for (unsigned level = PT_LEVELS_4; level > PT_LEVEL_PT; level--) {
        uint64_t *entries = mem_ptr(ram, gpa(table), PT_TABLE_SIZE);
        if (entries == NULL)
            return NULL;
        uint64_t entry = __atomic_load_n(&entries[pt_index(va.raw, level)], __ATOMIC_RELAXED);
        if (!(entry & PTE_P) || (entry & PTE_PS))
            return NULL;
        table = entry & PT_ADDR_MASK;
    }
    uint64_t *entries = mem_ptr(ram, gpa(table), PT_TABLE_SIZE);
    return entries ? &entries[pt_index(va.raw, PT_LEVEL_PT)] : NULL;
}

int pt_unmap_page(const struct guest_ram *ram, gpa_t root, gva_t va, gpa_t *old)
{
    uint64_t *slot = pt_leaf_slot(ram, root, va);
    uint64_t entry = slot ? __atomic_load_n(slot, __ATOMIC_RELAXED) : 0;
    if ((entry & PT_ADDR_MASK) == 0)
        return -ENOENT;
    __atomic_store_n(slot, 0, __ATOMIC_RELEASE);
    *old = gpa(entry & PT_ADDR_MASK);
    return 0;
}

int pt_protect_page(const struct guest_ram *ram, gpa_t root, gva_t va, uint64_t leaf_flags, gpa_t *pa)
{
    if ((leaf_flags & PT_ADDR_MASK) != 0)
        return -EINVAL;
    uint64_t *slot = pt_leaf_slot(ram, root, va);
    uint64_t entry = slot ? __atomic_load_n(slot, __ATOMIC_RELAXED) : 0;
    if ((entry & PT_ADDR_MASK) == 0)
        return -ENOENT;
    __atomic_store_n(slot, (entry & PT_ADDR_MASK) | leaf_flags, __ATOMIC_RELEASE);
    *pa = gpa(entry & PT_ADDR_MASK);
    return 0;
}
