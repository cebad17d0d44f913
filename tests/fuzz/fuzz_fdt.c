/* fuzz_fdt.c: the device-tree writer (boot_fdt_build) and reader (boot_fdt_bootargs) on arbitrary input. */
/*
 * Built by tests/fuzz/CMakeLists.txt (-DZXVMM_FUZZ=ON, clang); run by scripts/fuzz.sh.
 * The first byte picks the mode.
 *
 * Even: the rest is a blob, read as the VMM reads one it did not write, in a
 * heap buffer of exactly its size: when it holds a header and its totalsize
 * fits, boot_fdt_bootargs must stay inside it (AddressSanitizer), give 0 or a
 * negative libfdt error, and a string it returns lies inside the blob with its
 * NUL; a tree built with that string reads it back identically.
 *
 * Odd: 8 bytes of RAM size, a vCPU count byte (0..64), a buffer size byte,
 * then bootargs (cut at the first NUL). The tree built in the documented
 * room (a page, the string and 128 bytes per vCPU) must succeed, pass
 * fdt_check_full, and read back: the same bootargs, /memory@0 reg = <0 size>,
 * and cpu@0..N-1 under /cpus with reg = <n>. Built again into a heap buffer
 * cut to the size byte's share of that, it gives -FDT_ERR_NOSPACE, or 0 and
 * the very same blob, and never writes past the buffer.
 */
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/fdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FDT_MAX_CPUS 64

static void broken(const char *what, int rc)
{
    fprintf(stderr, "fuzz invariant broken: %s (rc %d)\n", what, rc);
    abort();
}

/* Builds in the documented room; the caller frees the blob. */
static void *build(uint64_t mem_size, unsigned ncpus, const char *bootargs, size_t *room)
{
    *room = 4096 + strlen(bootargs) + 128 * (size_t)ncpus;
    void *buf = malloc(*room);
    if (!buf)
        abort();
    int rc = boot_fdt_build(buf, *room, mem_size, ncpus, bootargs);
    if (rc != 0)
        broken("a build in the documented room fails", rc);
    if (fdt_totalsize(buf) > *room || fdt_check_full(buf, fdt_totalsize(buf)) != 0)
        broken("a built blob is larger than its buffer or malformed", 0);
    return buf;
}

static void check_bootargs(const void *fdt, const char *bootargs)
{
    const char *back = NULL;
    int rc = boot_fdt_bootargs(fdt, &back);
    if (rc != 0 || strcmp(back, bootargs) != 0)
        broken("bootargs do not read back", rc);
}

static void check_memory_and_cpus(const void *fdt, uint64_t mem_size, unsigned ncpus)
{
    int len = 0;
    int node = fdt_path_offset(fdt, "/memory@0");
    const fdt64_t *reg = node < 0 ? NULL : fdt_getprop(fdt, node, "reg", &len);
    if (!reg || len != 16 || fdt64_to_cpu(reg[0]) != 0 || fdt64_to_cpu(reg[1]) != mem_size)
        broken("/memory@0 reg does not read back", len);
    int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0)
        broken("no /cpus", cpus);
    unsigned n = 0;
    int child;
    fdt_for_each_subnode(child, fdt, cpus)
    {
        char name[32];
        snprintf(name, sizeof(name), "cpu@%u", n);
        const fdt32_t *r = fdt_getprop(fdt, child, "reg", &len);
        if (strcmp(fdt_get_name(fdt, child, NULL), name) != 0 || !r || len != 4 || fdt32_to_cpu(*r) != n)
            broken("a cpu node out of order or with the wrong reg", (int)n);
        n++;
    }
    if (n != ncpus)
        broken("the cpu count does not read back", (int)n);
}

static void write_then_read(const uint8_t *data, size_t size)
{
    if (size < 10)
        return;
    uint64_t mem_size;
    memcpy(&mem_size, data, sizeof(mem_size));
    unsigned ncpus = data[8] % (FUZZ_FDT_MAX_CPUS + 1);
    unsigned share = data[9];
    char *bootargs = strndup((const char *)data + 10, size - 10);
    if (!bootargs)
        abort();
    size_t room;
    void *fdt = build(mem_size, ncpus, bootargs, &room);
    check_bootargs(fdt, bootargs);
    check_memory_and_cpus(fdt, mem_size, ncpus);

    size_t cut = room * share / 255;
    uint8_t *small = malloc(cut ? cut : 1);
    if (!small)
        abort();
    int rc = boot_fdt_build(small, cut, mem_size, ncpus, bootargs);
    if (rc == 0 &&
        (fdt_totalsize(small) != fdt_totalsize(fdt) || memcmp(small, fdt, fdt_totalsize(fdt)) != 0))
        broken("a build in a smaller buffer gives another blob", rc);
    if (rc != 0 && rc != -FDT_ERR_NOSPACE)
        broken("a build in a smaller buffer fails with something but NOSPACE", rc);
    free(small);
    free(fdt);
    free(bootargs);
}

static void read_blob(const uint8_t *data, size_t size)
{
    struct fdt_header header;
    if (size < sizeof(header))
        return;
    memcpy(&header, data, sizeof(header));
    size_t total = fdt32_to_cpu(header.totalsize);
    if (total < sizeof(header) || total > size)
        return;
    uint8_t *blob = malloc(total);
    if (!blob)
        abort();
    memcpy(blob, data, total);
    const char *bootargs = NULL;
    int rc = boot_fdt_bootargs(blob, &bootargs);
    if (rc > 0)
        broken("a positive status", rc);
    if (rc == 0) {
        if (bootargs < (const char *)blob || bootargs >= (const char *)blob + total ||
            !memchr(bootargs, '\0', total - (size_t)(bootargs - (const char *)blob)))
            broken("bootargs outside the blob", rc);
        char *copy = strdup(bootargs);
        size_t room;
        void *fdt = build(256ULL << 20, 1, copy, &room);
        check_bootargs(fdt, copy);
        free(fdt);
        free(copy);
    }
    free(blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        write_then_read(data + 1, size - 1);
    else
        read_blob(data + 1, size - 1);
    return 0;
}
