/* fdt.c: builds the VM's device tree with libfdt's sequential-write API and reads /chosen/bootargs back. */
#include "boot/fdt.h"

#include <libfdt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define FDT_ROOT_ADDRESS_CELLS 2
#define FDT_ROOT_SIZE_CELLS    2
#define FDT_CPUS_ADDRESS_CELLS 1
#define FDT_CPUS_SIZE_CELLS    0
#define FDT_ROOT_COMPATIBLE    "zxvmm,virt"
#define FDT_CPU_COMPATIBLE     "zxvmm,vcpu"
#define FDT_MEMORY_NODE        "memory@0"
#define FDT_MEMORY_BASE        0
#define FDT_CHOSEN_PATH        "/chosen"
#define FDT_NODE_NAME_MAX      32 /* "cpu@" and a 32-bit unit address fit with room to spare */

/* The root node's own properties. */
static int fdt_add_root_props(void *fdt)
{
    int rc = fdt_property_u32(fdt, "#address-cells", FDT_ROOT_ADDRESS_CELLS);

    if (rc == 0)
        rc = fdt_property_u32(fdt, "#size-cells", FDT_ROOT_SIZE_CELLS);
    if (rc == 0)
        rc = fdt_property_string(fdt, "compatible", FDT_ROOT_COMPATIBLE);
    return rc;
}

/* /memory@0: reg = <0 mem_size> in two-cell (64-bit, big-endian) address and size. */
static int fdt_add_memory(void *fdt, uint64_t mem_size)
{
    const fdt64_t reg[] = {cpu_to_fdt64(FDT_MEMORY_BASE), cpu_to_fdt64(mem_size)};
    int rc = fdt_begin_node(fdt, FDT_MEMORY_NODE);

    if (rc == 0)
        rc = fdt_property_string(fdt, "device_type", "memory");
    if (rc == 0)
        rc = fdt_property(fdt, "reg", reg, sizeof(reg));
    if (rc == 0)
        rc = fdt_end_node(fdt);
    return rc;
}

/* One cpu@N node, reg = <N>. */
static int fdt_add_cpu(void *fdt, unsigned n)
{
    char name[FDT_NODE_NAME_MAX];
    int rc;

    snprintf(name, sizeof(name), "cpu@%u", n);
    rc = fdt_begin_node(fdt, name);
    if (rc == 0)
        rc = fdt_property_string(fdt, "device_type", "cpu");
    if (rc == 0)
        rc = fdt_property_u32(fdt, "reg", n);
    if (rc == 0)
        rc = fdt_property_string(fdt, "compatible", FDT_CPU_COMPATIBLE);
    if (rc == 0)
        rc = fdt_end_node(fdt);
    return rc;
}

/* /cpus with #address-cells = <1>, #size-cells = <0> and one node per vCPU. */
static int fdt_add_cpus(void *fdt, unsigned ncpus)
{
    int rc = fdt_begin_node(fdt, "cpus");

    if (rc == 0)
        rc = fdt_property_u32(fdt, "#address-cells", FDT_CPUS_ADDRESS_CELLS);
    if (rc == 0)
        rc = fdt_property_u32(fdt, "#size-cells", FDT_CPUS_SIZE_CELLS);
    for (unsigned n = 0; rc == 0 && n < ncpus; n++)
        rc = fdt_add_cpu(fdt, n);
    if (rc == 0)
        rc = fdt_end_node(fdt);
    return rc;
}

/* /chosen with the kernel command line. */
static int fdt_add_chosen(void *fdt, const char *bootargs)
{
    int rc = fdt_begin_node(fdt, "chosen");

    if (rc == 0)
        rc = fdt_property_string(fdt, "bootargs", bootargs);
    if (rc == 0)
        rc = fdt_end_node(fdt);
    return rc;
}

int boot_fdt_build(void *buf, size_t bufsize, uint64_t mem_size, unsigned ncpus, const char *bootargs)
{
    /* libfdt sizes are ints; a larger buffer is simply not used beyond INT_MAX. */
    int rc = fdt_create(buf, bufsize > INT_MAX ? INT_MAX : (int)bufsize);

    if (rc == 0)
        rc = fdt_finish_reservemap(buf);
    if (rc == 0)
        rc = fdt_begin_node(buf, "");
    if (rc == 0)
        rc = fdt_add_root_props(buf);
    if (rc == 0)
        rc = fdt_add_memory(buf, mem_size);
    if (rc == 0)
        rc = fdt_add_cpus(buf, ncpus);
    if (rc == 0)
        rc = fdt_add_chosen(buf, bootargs != NULL ? bootargs : "");
    if (rc == 0)
        rc = fdt_end_node(buf);
    if (rc == 0)
        rc = fdt_finish(buf);
    if (rc == 0)
        rc = fdt_pack(buf);
    return rc;
}

/*
 * Whether every tag of the structure block lies after the one before it, up
 * to FDT_END. Debian 12's libfdt (1.6.1) adds a property's length to its
 * offset without an overflow check (fixed upstream in 2022): a length of
 * 0xfffffff4 makes that property its own successor, and fdt_check_full then
 * loops forever (fuzz_fdt found it). Each step moves at least one tag and
 * fdt_next_tag keeps offsets inside the block, so this walk ends.
 */
static int tags_move_forward(const void *fdt)
{
    int offset = 0, next = 0;
    for (;;) {
        uint32_t tag = fdt_next_tag(fdt, offset, &next);
        if (next < 0)
            return next;
        if (tag == FDT_END)
            return 0;
        if (next <= offset)
            return -FDT_ERR_BADSTRUCTURE;
        offset = next;
    }
}

int boot_fdt_bootargs(const void *fdt, const char **bootargs)
{
    const char *val;
    int len, node;
    int rc = fdt_check_header(fdt);

    /* Only the version libfdt writes (17): fdt_check_full of Debian 12's libfdt (1.6.1) dereferences NULL on
       some malformed blobs of the old versions it still accepts (fuzz_fdt found one with version 9). */
    if (rc == 0 && fdt_version(fdt) != FDT_LAST_SUPPORTED_VERSION)
        rc = -FDT_ERR_BADVERSION;
    if (rc == 0)
        rc = tags_move_forward(fdt);
    if (rc == 0)
        rc = fdt_check_full(fdt, fdt_totalsize(fdt));
    if (rc < 0)
        return rc;
    node = fdt_path_offset(fdt, FDT_CHOSEN_PATH);
    if (node < 0)
        return node;
    val = fdt_getprop(fdt, node, "bootargs", &len);
    if (val == NULL)
        return len;
    /* One string: NUL-terminated, with no NUL before the end (that would be a string list). */
    if (len < 1 || strnlen(val, (size_t)len) != (size_t)len - 1)
        return -FDT_ERR_BADVALUE;
    *bootargs = val;
    return 0;
}
