/* memaccess.h: helpers of the memaccess test guests: either memory-access call, mappings, siblings. */
#ifndef ZXVMM_TEST_MEMACCESS_H
#define ZXVMM_TEST_MEMACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>
#include <zxvmm/abi.h>

#include "guest_common.h"

#define MA_PAGE             4096u
#define MA_MAX_SIZE         (64ULL << 20) /* the largest access the calls allow */
#define MA_ACTUAL_SENTINEL  ((size_t)0xa5a5a5a5a5a5a5a5ULL)
#define MA_BAD_HANDLE       0x12345673u
#define MA_NONCANONICAL     0x8000000000000000ULL
#define MA_LOW_NONCANONICAL 0x0000800000000000ULL /* first address above the lower canonical half */
#define MA_KERNEL_UNMAPPED  0xffff800000000000ULL /* canonical, upper half, nothing mapped there */
#define MA_FIXED_A          0x0000000100000000ULL /* free addresses for ZX_VM_SPECIFIC mappings */
#define MA_FIXED_B          0x0000000200000000ULL
#define MA_WAIT_NS          ZX_SEC(30)
#define MA_POLL_NS          ZX_MSEC(1)
#define MA_SIBLING_POLLS    1000
#define MA_RW               (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE)
#define MA_STACK_GUARD      (ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE - MA_PAGE)
#define MA_DIR_WRITE_NAME   "write"
#define MA_DIR_READ_NAME    "read"

/* Which of the two calls a case exercises. */
enum ma_dir { MA_WRITE, MA_READ };

/* Parses "write" or "read"; false for anything else. */
static inline bool ma_parse_dir(const char *s, enum ma_dir *d)
{
    if (strcmp(s, MA_DIR_WRITE_NAME) == 0)
        *d = MA_WRITE;
    else if (strcmp(s, MA_DIR_READ_NAME) == 0)
        *d = MA_READ;
    else
        return false;
    return true;
}

/* zx_process_write_memory (MA_WRITE) or zx_process_read_memory (MA_READ) with integer pointers. */
static inline zx_status_t ma_access(enum ma_dir d, zx_handle_t h, uint64_t vaddr, uint64_t buf, size_t size,
                                    uint64_t actual)
{
    if (d == MA_WRITE)
        return zx_process_write_memory(h, vaddr, guest_opaque(buf), size, guest_opaque(actual));
    return zx_process_read_memory(h, vaddr, guest_opaque(buf), size, guest_opaque(actual));
}

/*
 * Creates a VMO of `size` bytes with cache policy `cache` and maps it with `perms` (at `at` when non-zero,
 * else anywhere). Returns the address, or 0 after printing the failing step. The VMO handle goes to
 * `*vmo_out` when non-NULL, else it is closed (the mapping keeps the VMO alive).
 */
static inline uint64_t ma_map(size_t size, uint32_t perms, uint32_t cache, uint64_t at, zx_handle_t *vmo_out)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    zx_status_t s = zx_vmo_create(size, 0, &vmo);
    if (s == ZX_OK && cache != ZX_CACHE_POLICY_CACHED)
        s = zx_vmo_set_cache_policy(vmo, cache);
    zx_vaddr_t addr = 0;
    if (s == ZX_OK)
        s = zx_vmar_map(zx_vmar_root_self(), perms | (at ? ZX_VM_SPECIFIC : 0), at ? at - ZXVMM_USER_BASE : 0,
                        vmo, 0, size, &addr);
    if (s != ZX_OK) {
        guest_put_status("setup_map", s);
        return 0;
    }
    if (vmo_out)
        *vmo_out = vmo;
    else
        zx_handle_close(vmo);
    return addr;
}

/* A duplicate of `h` with exactly `rights`, or ZX_HANDLE_INVALID after printing why. */
static inline zx_handle_t ma_dup(zx_handle_t h, zx_rights_t rights)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    zx_status_t s = zx_handle_duplicate(h, rights, &out);
    if (s != ZX_OK)
        guest_put_status("setup_duplicate", s);
    return out;
}

/* True when every byte of [p, p + n) is `fill`. */
static inline bool ma_all(const volatile uint8_t *p, size_t n, uint8_t fill)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != fill)
            return false;
    return true;
}

/* Waits for `h` to terminate; returns its return code, or prints the failure and returns INT64_MIN. */
static inline int64_t ma_wait_exit(zx_handle_t h)
{
    zx_signals_t seen = 0;
    zx_status_t s = zx_object_wait_one(h, ZX_PROCESS_TERMINATED, zx_deadline_after(MA_WAIT_NS), &seen);
    zx_info_process_t info;
    if (s == ZX_OK)
        s = zx_object_get_info(h, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    if (s != ZX_OK) {
        guest_put_status("setup_wait", s);
        return INT64_MIN;
    }
    return info.return_code;
}

/* The handle of the first process the job lists that is not the caller (the first --spawn), polling
 * until one exists. */
static inline zx_handle_t ma_first_sibling(void)
{
    for (int i = 0; i < MA_SIBLING_POLLS; i++) {
        zx_handle_t h = guest_sibling();
        if (h != ZX_HANDLE_INVALID)
            return h;
        zx_nanosleep(zx_deadline_after(MA_POLL_NS));
    }
    printf("setup_sibling=missing\n");
    return ZX_HANDLE_INVALID;
}

/* Spins (sleeping briefly between looks) until the 64-bit word at `p` equals `want`. */
static inline void ma_await(const volatile uint64_t *p, uint64_t want)
{
    while (*p != want)
        zx_nanosleep(zx_deadline_after(MA_POLL_NS));
}

#endif
