/* fuzz_walker.c: libFuzzer entry point for pt_walk: arbitrary RAM, root, mode and address; results stay in
 * RAM. */
/*
 * Not part of the CMake build. From the repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ivmm -Iabi/include \
 *     tests/fuzz/fuzz_walker.c vmm/x86_64/paging.c vmm/mem/mem.c -o fuzz_walker
 *   ./fuzz_walker -max_total_time=30
 * Input: a header (flags, MAXPHYADDR, RAM size, root, address, IA32_PAT), then
 * records that place 8-byte values in otherwise zeroed RAM. The RAM buffer is
 * allocated with the exact size, so AddressSanitizer reports any read past it;
 * a successful walk must name a page inside RAM, and RAM must be unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "x86_64/paging.h"

#define FUZZ_FLAG_LA57       0x01
#define FUZZ_FLAG_LOW_ROOT   0x02 /* fold the root into RAM so walks get somewhere */
#define FUZZ_MAXPHYADDR_MIN  36
#define FUZZ_MAXPHYADDR_SPAN 17 /* 36..52 */
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
        .maxphyaddr = FUZZ_MAXPHYADDR_MIN + hdr.maxphyaddr % FUZZ_MAXPHYADDR_SPAN,
    };
    struct pt_walk_result res;
    if (pt_walk(&ctx, gva(hdr.va), &res) == 0)
        fuzz_check(&ram, hdr.va, &res);
    if (memcmp(before, ram.host, ram.size) != 0)
        abort(); /* the walk wrote to RAM */
    free(before);
    free(ram.host);
    return 0;
}
