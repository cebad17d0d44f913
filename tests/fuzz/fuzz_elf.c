/* fuzz_elf.c: the ELF loader's parser (elf_parse) and symbol lookup on arbitrary files. */
/*
 * Built by tests/fuzz/CMakeLists.txt (-DZXVMM_FUZZ=ON, clang); run by scripts/fuzz.sh.
 * Input: a whole file, parsed with the limits process_create uses. A refusal
 * must say why; an accepted file must describe a program that can be loaded
 * safely: every segment's file bytes inside the file, memsz >= filesz, vaddr
 * congruent to the offset, no W+X, page-rounded ranges inside the user range,
 * sorted and sharing no page; the entry point inside an executable segment.
 * Parsing twice gives the same answer. symbols_lookup, which crash reports
 * run on the same file, must not read outside it, and a name it gives is one
 * symbols_find finds.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zxvmm/abi.h>

#include "boot/elf.h"
#include "boot/symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the fuzzer must never break: report it and stop with the input saved. */
static void broken(const char *what, unsigned segment)
{
    fprintf(stderr, "fuzz invariant broken: %s (segment %u)\n", what, segment);
    abort();
}

static uint64_t page_down(uint64_t v)
{
    return v & ~(ZXVMM_PAGE_SIZE - 1);
}

/* The first byte past the last page the segment touches (no overflow: checked against the user range). */
static uint64_t page_end(const struct elf_segment *s)
{
    return page_down(s->vaddr + s->memsz - 1) + ZXVMM_PAGE_SIZE;
}

static void check_segment(const struct elf_segment *s, unsigned i, size_t size)
{
    if (s->memsz == 0 || s->filesz > s->memsz)
        broken("memsz is 0 or below filesz", i);
    if (s->offset > size || s->filesz > size - s->offset)
        broken("file bytes outside the file", i);
    if (s->vaddr % ZXVMM_PAGE_SIZE != s->offset % ZXVMM_PAGE_SIZE)
        broken("vaddr not congruent to the offset", i);
    if ((s->flags & (ELF_SEG_W | ELF_SEG_X)) == (ELF_SEG_W | ELF_SEG_X))
        broken("a W+X segment", i);
    if (s->flags & ~(uint32_t)(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X))
        broken("unknown flag bits", i);
    if (s->vaddr < ZXVMM_USER_BASE || s->memsz > ZXVMM_USER_END - s->vaddr)
        broken("outside the user range", i);
    if (page_end(s) > ZXVMM_USER_END)
        broken("last page outside the user range", i);
}

static void check_image(const struct elf_image *img, size_t size)
{
    if (img->nsegments == 0 || img->nsegments > ELF_MAX_SEGMENTS)
        broken("segment count out of range", img->nsegments);
    bool entry_ok = false;
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segments[i];
        check_segment(s, i, size);
        if (i > 0 && page_down(s->vaddr) < page_end(&img->segments[i - 1]))
            broken("overlaps or shares a page with the previous segment", i);
        if ((s->flags & ELF_SEG_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    if (!entry_ok)
        broken("entry point outside every executable segment", 0);
}

static void check_symbols(const uint8_t *data, size_t size, uint64_t addr)
{
    char name[64];
    uint64_t offset = 0, value = 0;
    memset(name, 0x5a, sizeof(name));
    if (!symbols_lookup(data, size, addr, name, sizeof(name), &offset))
        return;
    if (memchr(name, '\0', sizeof(name)) == NULL)
        broken("symbol name not terminated", 0);
    if (offset > addr)
        broken("symbol offset past the address", 0);
    /* A name not cut to fit is in the table, so symbols_find finds it (perhaps at another symbol of that
       name, so its value is not compared). */
    if (strlen(name) + 1 < sizeof(name) && !symbols_find(data, size, name, &value))
        broken("symbols_find misses the name symbols_lookup gave", 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct elf_image img, again;
    char err[160], err2[160];
    memset(&img, 0xa5, sizeof(img));
    memset(&again, 0xa5, sizeof(again));
    err[0] = err2[0] = '\0';
    int rc = elf_parse(data, size, ZXVMM_USER_BASE, ZXVMM_USER_END, &img, err, sizeof(err));
    int rc2 = elf_parse(data, size, ZXVMM_USER_BASE, ZXVMM_USER_END, &again, err2, sizeof(err2));
    if (rc != rc2)
        broken("two parses of one file disagree", 0);
    if (rc == -EINVAL) {
        if (err[0] == '\0' || strchr(err, '\n') != NULL || strcmp(err, err2) != 0)
            broken("a refusal without one stable line saying why", 0);
    } else if (rc == 0) {
        check_image(&img, size);
        if (memcmp(&img, &again, sizeof(img)) != 0)
            broken("two parses of one file give different images", 0);
    } else {
        broken("status neither 0 nor -EINVAL", 0);
    }
    check_symbols(data, size, rc == 0 ? img.entry : ZXVMM_USER_BASE + 0x1000);
    return 0;
}
