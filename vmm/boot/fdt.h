/* fdt.h: the VM's device tree (built with libfdt): memory, cpus and /chosen/bootargs. */
#ifndef ZXVMM_BOOT_FDT_H
#define ZXVMM_BOOT_FDT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Builds a device tree into `buf` (`bufsize` bytes): root with
 * #address-cells = #size-cells = 2, compatible "zxvmm,virt"; /memory@0 with
 * reg = <0 mem_size>; /cpus with one cpu@N node per vCPU; /chosen with
 * bootargs = `bootargs` (may be ""). The blob is packed. Returns 0 or a
 * negative libfdt error (e.g. -FDT_ERR_NOSPACE).
 */
int boot_fdt_build(void *buf, size_t bufsize, uint64_t mem_size, unsigned ncpus, const char *bootargs);

/*
 * Finds /chosen/bootargs in a blob. Returns 0 and a pointer into the blob
 * (NUL-terminated string), or a negative libfdt error when the blob is
 * malformed or the property is missing or not a string.
 */
int boot_fdt_bootargs(const void *fdt, const char **bootargs);

#endif
