/* fuzz_walker.c: libFuzzer entry point for pt_walk and pt_walk_extent on arbitrary RAM and roots. */
/*
 * Built by tests/fuzz/CMakeLists.txt (-DZXVMM_FUZZ=ON, clang); run by scripts/fuzz.sh.
 * Input: a header (flags, MAXPHYADDR, RAM size, root, address, IA32_PAT, extent
 * limit), then records that place 8-byte values in otherwise zeroed RAM. The RAM
 * buffer is allocated with the exact size, so AddressSanitizer reports any read
 * past it. pt_walk must return 0, -EFAULT, or -EINVAL exactly when MAXPHYADDR is
 * outside 36..52; a successful walk must name a page inside RAM; RAM must be
 * unchanged. pt_walk_extent must agree with pt_walk at its start, stay within
 * its limit and RAM, and be what pt_walk finds page by page.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "x86_64/paging.h"

#define FUZZ_FLAG_LA57       0x01
#define FUZZ_FLAG_LOW_ROOT   0x02 /* fold the root into RAM so walks get somewhere */
#define FUZZ_MAXPHYADDR_MIN  36
#define FUZZ_MAXPHYADDR_MAX  52
#define FUZZ_MAXPHYADDR_SPAN (FUZZ_MAXPHYADDR_MAX - FUZZ_MAXPHYADDR_MIN + 1)
#define FUZZ_FLAG_RAW_MAXPHY 0x04 /* pass the MAXPHYADDR byte as is (mostly out of range) */
#define FUZZ_FLAG_HUGE_LIMIT 0x08 /* the extent limit counts down from UINT64_MAX */
#define FUZZ_PAGE            4096ULL
#define FUZZ_MAX_PAGES       16 /* RAM of 1..16 pages, less a tail so sizes need not be page multiples */
#define FUZZ_SIZE_4K         (1ULL << 12)
#define FUZZ_SIZE_2M         (1ULL << 21)
#define FUZZ_SIZE_1G         (1ULL << 30)

struct fuzz_header {
    uint8_t flags;
    uint8_t maxphyaddr;
    uint8_t ram_pages;
    uint16_t ram_tail;
    uint64_t root;
    uint64_t va;
    uint64_t pat;
    uint32_t max_len; /* pt_walk_extent's limit */
} __attribute__((packed));

/*
 * After the header: records, each storing one 8-byte value at entry `slot` of
 * RAM, or, with FUZZ_SLOT_TILE, in every entry of the page holding that slot
 * (so that a walk finds it whatever the index).
 */
#define FUZZ_SLOT_TILE      0x8000U
#define FUZZ_ENTRIES_PER_PG (FUZZ_PAGE / sizeof(uint64_t))
struct fuzz_record {
    uint16_t slot;
    uint64_t value;
} __attribute__((packed));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(const struct guest_ram *ram, uint64_t va, const struct pt_walk_result *res)
{
    uint64_t page = res->page_size;
    if (page != FUZZ_SIZE_4K && page != FUZZ_SIZE_2M && page != FUZZ_SIZE_1G)
        abort();
    if (!mem_range_ok(ram, gpa(res->pa.raw & ~(page - 1)), page))
        abort();
    if ((res->pa.raw & (page - 1)) != (va & (page - 1)))
        abort();
}

static bool same_attributes(const struct pt_walk_result *a, const struct pt_walk_result *b)
{
    return a->mem_type == b->mem_type && a->writable == b->writable && a->user == b->user && a->nx == b->nx;
}

/*
 * pt_walk_extent from `va`: the same status and result as pt_walk (`rc`,
 * `res`), a length within the limit and RAM, and physically contiguous with
 * the same attributes according to pt_walk at each 4 KiB page it spans.
 */
static void fuzz_check_extent(const struct pt_walk_ctx *ctx, uint64_t va, uint64_t max_len, int rc,
                              const struct pt_walk_result *res)
{
    struct pt_walk_result ext, at;
    uint64_t len = 0;
    if (pt_walk_extent(ctx, gva(va), max_len, &ext, &len) != rc)
        abort();
    if (rc != 0)
        return;
    if (ext.pa.raw != res->pa.raw || ext.page_size != res->page_size || !same_attributes(&ext, res))
        abort();
    if (len > max_len || (max_len > 0 && len == 0) || (len > 0 && !mem_range_ok(ctx->ram, ext.pa, len)))
        abort();
    if (res->page_size != FUZZ_SIZE_4K)
        return; /* one large page: contiguous by construction */
    for (uint64_t off = FUZZ_PAGE - (va & (FUZZ_PAGE - 1)); off < len; off += FUZZ_PAGE) {
        if (pt_walk(ctx, gva(va + off), &at) != 0 || at.pa.raw != ext.pa.raw + off ||
            !same_attributes(&at, &ext))
            abort();
    }
}

/* Guest RAM of exactly the size the header asks for, zeroed, with the records written in. */
static uint8_t *fuzz_ram(const struct fuzz_header *hdr, const uint8_t *records, size_t nbytes,
                         uint64_t *ram_size)
{
    uint64_t pages = 1 + hdr->ram_pages % FUZZ_MAX_PAGES;
    uint64_t bytes = pages * FUZZ_PAGE - hdr->ram_tail % FUZZ_PAGE;
    uint8_t *host = calloc(1, bytes);
    if (host == NULL)
        return NULL;
    for (size_t off = 0; off + sizeof(struct fuzz_record) <= nbytes; off += sizeof(struct fuzz_record)) {
        struct fuzz_record rec;
        memcpy(&rec, records + off, sizeof(rec));
        uint64_t first = rec.slot & ~FUZZ_SLOT_TILE, count = 1;
        if (rec.slot & FUZZ_SLOT_TILE) {
            first -= first % FUZZ_ENTRIES_PER_PG;
            count = FUZZ_ENTRIES_PER_PG;
        }
        uint64_t *entries = (uint64_t *)host; /* calloc's alignment suits 8-byte stores */
        for (uint64_t i = first; i < first + count && (i + 1) * sizeof(rec.value) <= bytes; i++)
            entries[i] = rec.value;
    }
    *ram_size = bytes;
    return host;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_header hdr;
    if (size < sizeof(hdr))
        return 0;
    memcpy(&hdr, data, sizeof(hdr));
    struct guest_ram ram;
    ram.host = fuzz_ram(&hdr, data + sizeof(hdr), size - sizeof(hdr), &ram.size);
    uint8_t *before = ram.host ? malloc(ram.size) : NULL;
    if (before == NULL) {
        free(ram.host);
        return 0;
    }
    memcpy(before, ram.host, ram.size);
    struct pt_walk_ctx ctx = {
        .ram = &ram,
        .root = gpa((hdr.flags & FUZZ_FLAG_LOW_ROOT) ? hdr.root % ram.size : hdr.root),
        .la57 = (hdr.flags & FUZZ_FLAG_LA57) != 0,
        .pat = hdr.pat,
        .maxphyaddr = (hdr.flags & FUZZ_FLAG_RAW_MAXPHY)
                          ? hdr.maxphyaddr
                          : FUZZ_MAXPHYADDR_MIN + hdr.maxphyaddr % FUZZ_MAXPHYADDR_SPAN,
    };
    bool valid_width = ctx.maxphyaddr >= FUZZ_MAXPHYADDR_MIN && ctx.maxphyaddr <= FUZZ_MAXPHYADDR_MAX;
    struct pt_walk_result res;
    int rc = pt_walk(&ctx, gva(hdr.va), &res);
    if (rc == 0 && valid_width)
        fuzz_check(&ram, hdr.va, &res);
    else if (rc != (valid_width ? -EFAULT : -EINVAL))
        abort(); /* a status the contract does not have */
    uint64_t max_len = (hdr.flags & FUZZ_FLAG_HUGE_LIMIT) ? UINT64_MAX - hdr.max_len : hdr.max_len;
    fuzz_check_extent(&ctx, hdr.va, max_len, rc, &res);
    if (memcmp(before, ram.host, ram.size) != 0)
        abort(); /* the walk wrote to RAM */
    free(before);
    free(ram.host);
    return 0;
}
