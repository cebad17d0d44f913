/* paging.h: x86-64 page-table entries, the page-table builder and the software walker (SDM Vol. 3A ch. 4). */
#ifndef ZXVMM_X86_64_PAGING_H
#define ZXVMM_X86_64_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "mem/mem.h"

/* Paging-structure entry bits, SDM Vol. 3A §4.5 tables 4-14 .. 4-20. */
#define PTE_P       (1ULL << 0)  /* present */
#define PTE_RW      (1ULL << 1)  /* writable */
#define PTE_US      (1ULL << 2)  /* user-mode accessible */
#define PTE_PWT     (1ULL << 3)  /* page-level write-through */
#define PTE_PCD     (1ULL << 4)  /* page-level cache disable */
#define PTE_A       (1ULL << 5)  /* accessed */
#define PTE_D       (1ULL << 6)  /* dirty (leaves) */
#define PTE_PS      (1ULL << 7)  /* page size, in PDPTEs and PDEs */
#define PTE_PAT_4K  (1ULL << 7)  /* PAT, in 4 KiB PTEs */
#define PTE_G       (1ULL << 8)  /* global (leaves) */
#define PTE_PAT_BIG (1ULL << 12) /* PAT, in 2 MiB / 1 GiB leaves */
#define PTE_NX      (1ULL << 63) /* execute-disable (EFER.NXE) */

/*
 * Software-available bit 9 of a 4 KiB leaf, set by the VMM only with P
 * clear: the page of a mapping without permissions, kept with its frame
 * (and its US, PAT, PCD, PWT bits) so that the memory-access calls still find
 * it. The CPU ignores every other bit of a not-present entry (SDM Vol. 3A
 * §4.5, figure 4-11), so the guest faults on it as on any absent page.
 */
#define PTE_KEPT (1ULL << 9)

/* Memory types, SDM Vol. 3A §11.12.3 table 11-10 (encodings of IA32_PAT entries). */
enum pt_mem_type {
    PT_MEM_UC = 0,
    PT_MEM_WC = 1,
    PT_MEM_WT = 4,
    PT_MEM_WP = 5,
    PT_MEM_WB = 6,
    PT_MEM_UC_MINUS = 7,
};

/* Zircon's IA32_PAT: entries 0-6 keep their power-on types, entry 7 is WC. */
#define PT_PAT_ZIRCON 0x0107040600070406ULL

/* A source of zeroed 4 KiB frames for new page tables. Returns 0 or -ENOMEM. */
struct pt_alloc {
    int (*alloc_table)(void *ctx, gpa_t *out);
    void *ctx;
};

/*
 * Installs a 4 KiB leaf mapping `va` -> `pa` with `leaf_flags` (PTE_* bits;
 * PTE_P is implied, except with PTE_KEPT: then the leaf is kept not
 * present) in the 4-level tree at `root`, creating missing tables
 * through `alloc` with P|RW|US intermediate entries (permissions are decided
 * by the leaf alone). Returns 0, -EEXIST when a leaf is already present or
 * kept,
 * -EFAULT when a table lies outside RAM, -ENOMEM when a table can't be had,
 * -EINVAL for an unaligned or non-canonical address.
 */
int pt_map_page(const struct guest_ram *ram, gpa_t root, gva_t va, gpa_t pa, uint64_t leaf_flags,
                const struct pt_alloc *alloc);

/*
 * Clears the 4 KiB leaf for `va` in a tree built by pt_map_page and returns
 * the frame it named (present or kept by pt_protect_page while not present).
 * -ENOENT when it names none. The running guest
 * may still hold the old translation: the caller makes it forget
 * (mem_invalidate on the old frame) before the change counts as done.
 */
int pt_unmap_page(const struct guest_ram *ram, gpa_t root, gva_t va, gpa_t *old);

/*
 * Rewrites the flags of the 4 KiB leaf for `va`, keeping its frame (returned
 * in *pa). Without PTE_P in `leaf_flags` the page becomes not present but
 * keeps naming its frame, so a later call can make it present again. -ENOENT
 * when the leaf names no frame. A downgrade needs the same invalidation as an
 * unmap.
 */
int pt_protect_page(const struct guest_ram *ram, gpa_t root, gva_t va, uint64_t leaf_flags, gpa_t *pa);

/* Everything a walk needs; a pure function of these (no KVM). */
struct pt_walk_ctx {
    const struct guest_ram *ram;
    gpa_t root;          /* CR3 with the flag bits cleared */
    bool la57;           /* CR4.LA57: 5-level paging */
    uint64_t pat;        /* IA32_PAT of the target */
    unsigned maxphyaddr; /* from CPUID 0x80000008 EAX[7:0]; 36..52 */
    bool kept;           /* also translate not-present PTE_KEPT 4 KiB leaves (the target of a memory call) */
};

struct pt_walk_result {
    gpa_t pa;                  /* translation of the walked address */
    uint64_t page_size;        /* 4 KiB, 2 MiB or 1 GiB */
    enum pt_mem_type mem_type; /* from PAT/PCD/PWT of the leaf and ctx->pat */
    bool writable;             /* RW set at every level */
    bool user;                 /* US set at every level */
    bool nx;                   /* NX set at any level */
    bool present;              /* false for a PTE_KEPT leaf (found only with ctx->kept) */
};

/*
 * Translates `va`. Returns 0 and fills `out`, or -EFAULT when the address is
 * not mapped: non-canonical, an entry not present (unless ctx->kept and it
 * is a PTE_KEPT 4 KiB leaf, reported with present false), a reserved bit
 * set, or a
 * table or leaf outside guest RAM (a table must lie wholly inside RAM, as
 * must the whole page a leaf maps). -EINVAL when ctx->maxphyaddr is outside
 * 36..52. Reads each entry once, sets no accessed/dirty bit, and never
 * touches memory outside `ctx->ram`. A reserved IA32_PAT type (2, 3) is
 * reported as PT_MEM_UC. See SEMANTICS.md §5.
 */
int pt_walk(const struct pt_walk_ctx *ctx, gva_t va, struct pt_walk_result *out);

/*
 * pt_walk, and in *len the bytes from `va` (at most `max_len`, at least 1
 * when max_len > 0) that translate to physically contiguous frames with the
 * same `out` fields: the rest of va's page, extended over the following
 * 4 KiB leaves of the same page table while each is present, has no
 * reserved bit, maps the next frame (inside RAM) and has the same P, RW, US,
 * PWT, PCD, PAT, NX and PTE_KEPT bits (kept leaves only with ctx->kept). One table walk per up to 2 MiB, so
 * callers resolving long ranges do not walk every page. Returns what pt_walk returns; *len is set only on
 * success.
 */
int pt_walk_extent(const struct pt_walk_ctx *ctx, gva_t va, uint64_t max_len, struct pt_walk_result *out,
                   uint64_t *len);

#endif
