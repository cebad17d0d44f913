/* fdt.h: the VM's device tree (built with libfdt): memory, cpus and /chosen/bootargs. */
#ifndef ZXVMM_BOOT_FDT_H
#define ZXVMM_BOOT_FDT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Builds a device tree into `buf` (`bufsize` bytes): root with
 * #address-cells = #size-cells = 2, compatible "zxvmm,virt"; /memory@0 with
 * reg = <0 mem_size>; /cpus with one cpu@N node per vCPU; /chosen with
 * bootargs = `bootargs` (may be ""; NULL is taken as ""). Each cpu@N has
 * device_type "cpu", reg = <N> and compatible "zxvmm,vcpu"; /cpus has
 * #address-cells = <1>, #size-cells = <0>. The blob is packed: its
 * fdt_totalsize() is what a caller copies out. Building needs a little more
 * room than that: a page plus strlen(bootargs) plus 128 bytes per vCPU is
 * plenty. Returns 0 or a negative libfdt error (-FDT_ERR_NOSPACE when
 * `bufsize` is too small; `buf` is never written past `bufsize`).
 */
int boot_fdt_build(void *buf, size_t bufsize, uint64_t mem_size, unsigned ncpus, const char *bootargs);

/*
 * Finds /chosen/bootargs in a blob. The whole blob is validated first
 * (each tag after the one before, then fdt_check_full over the header's
 * totalsize: a malformed one gives -FDT_ERR_BADSTRUCTURE), so the caller must have
 * checked that its buffer holds at least fdt_totalsize(fdt) bytes (and at
 * least a header's worth before reading that field). Returns 0 and a pointer
 * into the blob (NUL-terminated string), or a negative libfdt error when the
 * blob is malformed (-FDT_ERR_BADMAGIC, -FDT_ERR_TRUNCATED, ...) or of
 * another version than the 17 boot_fdt_build writes (-FDT_ERR_BADVERSION), the node or
 * property is missing (-FDT_ERR_NOTFOUND) or the value is not one string
 * (-FDT_ERR_BADVALUE).
 */
int boot_fdt_bootargs(const void *fdt, const char **bootargs);

#endif
