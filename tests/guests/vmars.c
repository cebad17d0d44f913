/* vmars.c: test guest for zx_vmar_map/unmap/protect: one case per argv[1], key=value lines, touches pages. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zxvmm/abi.h>

#include "guest_common.h"

#define PAGE             4096u
#define BAD_HANDLE_VALUE 0x12345673u
#define SPECIFIC_ADDR    0x100000000ULL /* 4 GiB: free in every test process */
#define MIB              (1024u * 1024u)
#define PATTERN_A        0x5a
#define PATTERN_B        0xb7
#define NUMBER_BASE      0 /* strtoull: decimal or 0x-prefixed */
#define MAP_ARGS         5

static zx_handle_t new_vmo(uint64_t size)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    zx_status_t s = zx_vmo_create(size, 0, &vmo);
    if (s != ZX_OK)
        guest_put_status("setup_vmo_create", s);
    return vmo;
}

static zx_handle_t dup_rights(zx_handle_t h, zx_rights_t rights)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    zx_status_t s = zx_handle_duplicate(h, rights, &out);
    if (s != ZX_OK)
        guest_put_status("setup_duplicate", s);
    return out;
}

static uint64_t vmar_base(void)
{
    zx_info_vmar_t info = {0, 0};
    zx_object_get_info(zx_vmar_root_self(), ZX_INFO_VMAR, &info, sizeof(info), NULL, NULL);
    return info.base;
}

/* Maps `vmo` read-write anywhere; prints setup_map=STATUS when that fails. */
static volatile uint8_t *map_rw(zx_handle_t vmo, size_t len)
{
    zx_vaddr_t addr = 0;
    zx_status_t s =
        zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, len, &addr);
    if (s != ZX_OK)
        guest_put_status("setup_map", s);
    return (volatile uint8_t *)addr;
}

static zx_status_t map_specific(zx_vm_option_t options, zx_handle_t vmo, size_t len, zx_vaddr_t *addr)
{
    return zx_vmar_map(zx_vmar_root_self(), options | ZX_VM_SPECIFIC, SPECIFIC_ADDR - vmar_base(), vmo, 0,
                       len, addr);
}

/* Generic: map OPTIONS VMAR_OFFSET VMO_SIZE VMO_OFFSET LEN, all numbers; prints the status. */
GUEST_CASE(map)
{
    uint64_t v[MAP_ARGS];
    for (int i = 0; i < MAP_ARGS; i++) {
        if (args[i] == NULL) {
            printf("map needs %d numbers\n", MAP_ARGS);
            return;
        }
        v[i] = strtoull(args[i], NULL, NUMBER_BASE);
    }
    zx_vaddr_t addr = 0;
    zx_status_t s =
        zx_vmar_map(zx_vmar_root_self(), (zx_vm_option_t)v[0], v[1], new_vmo(v[2]), v[3], v[4], &addr);
    guest_put_status("status", s);
    printf("page_aligned=%d\n", s == ZX_OK && addr % PAGE == 0);
}

GUEST_CASE(map_touch)
{
    zx_handle_t vmo = new_vmo(3 * PAGE);
    volatile uint8_t *p = map_rw(vmo, 3 * PAGE);
    zx_info_vmar_t root = {0, 0};
    zx_object_get_info(zx_vmar_root_self(), ZX_INFO_VMAR, &root, sizeof(root), NULL, NULL);
    uintptr_t a = (uintptr_t)p;
    printf("in_root=%d\n", a >= root.base && a + 3 * PAGE <= root.base + root.len);
    printf("aligned=%d\n", a % PAGE == 0 && a != 0);
    int zero = 1;
    for (size_t i = 0; i < 3 * PAGE; i++)
        zero &= p[i] == 0;
    printf("zero_filled=%d\n", zero);
    for (size_t i = 0; i < 3; i++) {
        p[i * PAGE] = (uint8_t)(PATTERN_A + i);
        p[i * PAGE + PAGE - 1] = (uint8_t)(PATTERN_B + i);
    }
    int back = 1;
    for (size_t i = 0; i < 3; i++)
        back &= p[i * PAGE] == (uint8_t)(PATTERN_A + i) && p[i * PAGE + PAGE - 1] == (uint8_t)(PATTERN_B + i);
    printf("read_back=%d\n", back);
    uint8_t via_vmo[2] = {0, 0};
    zx_vmo_read(vmo, &via_vmo[0], 2 * PAGE, 1);
    zx_vmo_read(vmo, &via_vmo[1], 3 * PAGE - 1, 1);
    printf("vmo_sees_writes=%d\n", via_vmo[0] == PATTERN_A + 2 && via_vmo[1] == PATTERN_B + 2);
    zx_vmo_write(vmo, "Q", PAGE + 7, 1);
    printf("mapping_sees_vmo_write=%d\n", p[PAGE + 7] == 'Q');
}

GUEST_CASE(map_keeps_vmo_alive)
{
    zx_handle_t vmo = new_vmo(PAGE);
    volatile uint8_t *p = map_rw(vmo, PAGE);
    guest_put_status("close_status", zx_handle_close(vmo));
    p[10] = PATTERN_A;
    printf("still_mapped=%d\n", p[10] == PATTERN_A);
}

GUEST_CASE(map_twice_shares_frames)
{
    zx_handle_t vmo = new_vmo(PAGE);
    volatile uint8_t *a = map_rw(vmo, PAGE);
    volatile uint8_t *b = map_rw(vmo, PAGE);
    a[100] = PATTERN_B;
    printf("distinct=%d\n", a != b);
    printf("shared=%d\n", b[100] == PATTERN_B);
}

GUEST_CASE(unmap_then_read_faults)
{
    volatile uint8_t *p = map_rw(new_vmo(PAGE), PAGE);
    p[0] = PATTERN_A;
    printf("touched=%d\n", p[0] == PATTERN_A);
    guest_put_status("unmap_status", zx_vmar_unmap(zx_vmar_root_self(), (zx_vaddr_t)p, PAGE));
    printf("fault_addr=0x%lx\n", (unsigned long)(uintptr_t)p);
    printf("survived=%d\n", p[0]);
}

GUEST_CASE(protect_read_only_write_faults)
{
    volatile uint8_t *p = map_rw(new_vmo(PAGE), PAGE);
    p[8] = PATTERN_A;
    guest_put_status("protect_status",
                     zx_vmar_protect(zx_vmar_root_self(), ZX_VM_PERM_READ, (zx_vaddr_t)p, PAGE));
    printf("read_after_protect=0x%x\n", p[8]);
    printf("fault_addr=0x%lx\n", (unsigned long)(uintptr_t)(p + 8));
    p[8] = PATTERN_B;
    printf("survived=1\n");
}

GUEST_CASE(partial_unmap_splits)
{
    volatile uint8_t *p = map_rw(new_vmo(3 * PAGE), 3 * PAGE);
    for (size_t i = 0; i < 3; i++)
        p[i * PAGE] = (uint8_t)(PATTERN_A + i);
    guest_put_status("unmap_status", zx_vmar_unmap(zx_vmar_root_self(), (zx_vaddr_t)(p + PAGE), PAGE));
    printf("first=0x%x\nlast=0x%x\n", p[0], p[2 * PAGE]);
    p[2 * PAGE + 1] = PATTERN_B;
    printf("last_writable=%d\n", p[2 * PAGE + 1] == PATTERN_B);
    printf("fault_addr=0x%lx\n", (unsigned long)(uintptr_t)(p + PAGE));
    printf("survived=%d\n", p[PAGE]);
}

GUEST_CASE(partial_protect_splits)
{
    volatile uint8_t *p = map_rw(new_vmo(3 * PAGE), 3 * PAGE);
    for (size_t i = 0; i < 3; i++)
        p[i * PAGE] = (uint8_t)(PATTERN_A + i);
    guest_put_status("protect_status",
                     zx_vmar_protect(zx_vmar_root_self(), ZX_VM_PERM_READ, (zx_vaddr_t)(p + PAGE), PAGE));
    p[1] = PATTERN_B;
    p[2 * PAGE + 1] = PATTERN_B;
    printf("outer_writable=%d\n", p[1] == PATTERN_B && p[2 * PAGE + 1] == PATTERN_B);
    printf("middle=0x%x\n", p[PAGE]);
    printf("fault_addr=0x%lx\n", (unsigned long)(uintptr_t)(p + PAGE));
    p[PAGE] = PATTERN_B;
    printf("survived=1\n");
}

GUEST_CASE(protect_upgrade)
{
    zx_handle_t vmo = new_vmo(PAGE);
    zx_vaddr_t addr = 0;
    guest_put_status("map_status", zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, PAGE, &addr));
    guest_put_status("protect_status",
                     zx_vmar_protect(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, addr, PAGE));
    volatile uint8_t *p = (volatile uint8_t *)addr;
    p[3] = PATTERN_A;
    printf("written=%d\n", p[3] == PATTERN_A);
}

GUEST_CASE(protect_none_then_read_faults)
{
    volatile uint8_t *p = map_rw(new_vmo(PAGE), PAGE);
    p[0] = PATTERN_A;
    guest_put_status("protect_status", zx_vmar_protect(zx_vmar_root_self(), 0, (zx_vaddr_t)p, PAGE));
    printf("fault_addr=0x%lx\n", (unsigned long)(uintptr_t)p);
    printf("survived=%d\n", p[0]);
}

GUEST_CASE(map_specific)
{
    zx_vaddr_t addr = 0;
    zx_handle_t vmo = new_vmo(2 * PAGE);
    guest_put_status("status", map_specific(ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, vmo, 2 * PAGE, &addr));
    printf("at_requested=%d\n", addr == SPECIFIC_ADDR);
    zx_vaddr_t again = 0;
    guest_put_status("overlap_status", map_specific(ZX_VM_PERM_READ, new_vmo(PAGE), PAGE, &again));
    zx_vaddr_t inside = 0;
    guest_put_status("overlap_inside_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_SPECIFIC,
                                 SPECIFIC_ADDR + PAGE - vmar_base(), new_vmo(PAGE), 0, PAGE, &inside));
    guest_put_status("unmap_status", zx_vmar_unmap(zx_vmar_root_self(), SPECIFIC_ADDR, 2 * PAGE));
    guest_put_status("remap_status", map_specific(ZX_VM_PERM_READ, vmo, PAGE, &again));
}

GUEST_CASE(map_specific_overwrite)
{
    zx_handle_t a = new_vmo(PAGE), b = new_vmo(PAGE);
    zx_vmo_write(a, "A", 0, 1);
    zx_vmo_write(b, "B", 0, 1);
    zx_vaddr_t addr = 0;
    map_specific(ZX_VM_PERM_READ, a, PAGE, &addr);
    guest_put_status("status", zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_SPECIFIC_OVERWRITE,
                                           SPECIFIC_ADDR - vmar_base(), b, 0, PAGE, &addr));
    printf("sees=%c\n", *(volatile char *)SPECIFIC_ADDR);
    zx_vaddr_t vdso = 0;
    guest_put_status("vdso_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_SPECIFIC_OVERWRITE,
                                 ZXVMM_VDSO_BASE - vmar_base(), b, 0, PAGE, &vdso));
    printf("alive=1\n");
}

GUEST_CASE(map_align)
{
    zx_vaddr_t addr = 0;
    guest_put_status("status", zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_ALIGN_1MB, 0,
                                           new_vmo(PAGE), 0, PAGE, &addr));
    printf("aligned_1mb=%d\n", addr % MIB == 0 && addr != 0);
    zx_vaddr_t sp = 0;
    guest_put_status("specific_misaligned_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_SPECIFIC | ZX_VM_ALIGN_1MB,
                                 SPECIFIC_ADDR + PAGE - vmar_base(), new_vmo(PAGE), 0, PAGE, &sp));
}

/* A ZX_VMO_DISCARDABLE VMO maps only with ZX_VM_ALLOW_FAULTS. */
GUEST_CASE(map_discardable)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    guest_put_status("create_status", zx_vmo_create(PAGE, ZX_VMO_DISCARDABLE, &vmo));
    zx_vaddr_t addr = 0;
    guest_put_status("plain_status", zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0,
                                                 vmo, 0, PAGE, &addr));
    guest_put_status("allow_faults_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_ALLOW_FAULTS,
                                 0, vmo, 0, PAGE, &addr));
    volatile uint8_t *p = (volatile uint8_t *)addr;
    p[1] = PATTERN_A;
    printf("usable=%d\n", p[1] == PATTERN_A);
}

GUEST_CASE(map_len_rounded)
{
    zx_handle_t vmo = new_vmo(2 * PAGE);
    zx_vaddr_t addr = 0;
    guest_put_status("status", zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0,
                                           PAGE + 1, &addr));
    volatile uint8_t *p = (volatile uint8_t *)addr;
    p[PAGE + 100] = PATTERN_A;
    printf("second_page_mapped=%d\n", p[PAGE + 100] == PATTERN_A);
    guest_put_status("unmap_status", zx_vmar_unmap(zx_vmar_root_self(), addr, PAGE + 1));
}

GUEST_CASE(map_vmo_offset)
{
    zx_handle_t vmo = new_vmo(3 * PAGE);
    zx_vmo_write(vmo, "C", 2 * PAGE, 1);
    zx_vaddr_t addr = 0;
    guest_put_status("status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 2 * PAGE, PAGE, &addr));
    printf("sees=%c\n", *(volatile char *)addr);
}

GUEST_CASE(map_rights)
{
    zx_handle_t vmo = new_vmo(PAGE);
    zx_vaddr_t addr = 0;
    zx_vm_option_t rw = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    zx_handle_t no_map = dup_rights(vmo, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    zx_handle_t read_only = dup_rights(vmo, ZX_RIGHT_READ | ZX_RIGHT_MAP);
    zx_handle_t vmar_ro = dup_rights(zx_vmar_root_self(), ZX_RIGHT_READ | ZX_RIGHT_INSPECT);
    guest_put_status("no_map_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, no_map, 0, PAGE, &addr));
    guest_put_status("vmo_no_write_status",
                     zx_vmar_map(zx_vmar_root_self(), rw, 0, read_only, 0, PAGE, &addr));
    guest_put_status("vmo_read_only_ok_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, read_only, 0, PAGE, &addr));
    guest_put_status("vmar_no_write_status", zx_vmar_map(vmar_ro, rw, 0, vmo, 0, PAGE, &addr));
    guest_put_status("vmar_read_ok_status", zx_vmar_map(vmar_ro, ZX_VM_PERM_READ, 0, vmo, 0, PAGE, &addr));
    guest_put_status("execute_status", zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE,
                                                   0, vmo, 0, PAGE, &addr));
}

GUEST_CASE(map_handle_errors)
{
    zx_handle_t vmo = new_vmo(PAGE);
    zx_vaddr_t addr = 0;
    guest_put_status("bad_vmar_status",
                     zx_vmar_map(BAD_HANDLE_VALUE, ZX_VM_PERM_READ, 0, vmo, 0, PAGE, &addr));
    guest_put_status("bad_vmo_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, BAD_HANDLE_VALUE, 0, PAGE, &addr));
    guest_put_status("vmar_wrong_type_status", zx_vmar_map(vmo, ZX_VM_PERM_READ, 0, vmo, 0, PAGE, &addr));
    guest_put_status("vmo_wrong_type_status", zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0,
                                                          zx_vmar_root_self(), 0, PAGE, &addr));
    guest_put_status("bad_vmar_before_bad_vmo_status",
                     zx_vmar_map(vmo, ZX_VM_PERM_READ, 0, BAD_HANDLE_VALUE, 0, PAGE, &addr));
}

GUEST_CASE(map_require_non_resizable)
{
    zx_handle_t resizable = ZX_HANDLE_INVALID;
    zx_vmo_create(PAGE, ZX_VMO_RESIZABLE, &resizable);
    zx_vaddr_t addr = 0;
    zx_vm_option_t opts = ZX_VM_PERM_READ | ZX_VM_REQUIRE_NON_RESIZABLE;
    guest_put_status("resizable_status",
                     zx_vmar_map(zx_vmar_root_self(), opts, 0, resizable, 0, PAGE, &addr));
    guest_put_status("plain_status",
                     zx_vmar_map(zx_vmar_root_self(), opts, 0, new_vmo(PAGE), 0, PAGE, &addr));
    guest_put_status("resizable_plain_map_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, resizable, 0, PAGE, &addr));
}

GUEST_CASE(map_bad_mapped_addr)
{
    zx_handle_t vmo = new_vmo(PAGE);
    guest_put_status("null_status", map_specific(ZX_VM_PERM_READ, vmo, PAGE, NULL));
    guest_put_status("unmapped_status",
                     map_specific(ZX_VM_PERM_READ, vmo, PAGE, guest_opaque(GUEST_UNMAPPED_ADDR)));
    zx_vaddr_t addr = 0;
    guest_put_status("retry_status", map_specific(ZX_VM_PERM_READ, vmo, PAGE, &addr));
}

GUEST_CASE(map_no_permissions)
{
    zx_vaddr_t addr = 0;
    guest_put_status("status", zx_vmar_map(zx_vmar_root_self(), 0, 0, new_vmo(PAGE), 0, PAGE, &addr));
    printf("fault_addr=0x%lx\n", (unsigned long)addr);
    printf("survived=%d\n", *(volatile uint8_t *)addr);
}

GUEST_CASE(unmap_errors)
{
    zx_handle_t vmar = zx_vmar_root_self();
    zx_vaddr_t base = vmar_base();
    volatile uint8_t *p = map_rw(new_vmo(PAGE), PAGE);
    guest_put_status("unaligned_status", zx_vmar_unmap(vmar, (zx_vaddr_t)p + 1, PAGE));
    guest_put_status("len0_status", zx_vmar_unmap(vmar, (zx_vaddr_t)p, 0));
    guest_put_status("below_base_status", zx_vmar_unmap(vmar, base - PAGE, PAGE));
    guest_put_status("beyond_end_status", zx_vmar_unmap(vmar, ZXVMM_USER_END - PAGE, 2 * PAGE));
    guest_put_status("wrapping_status", zx_vmar_unmap(vmar, (zx_vaddr_t)p, UINT64_MAX - PAGE));
    guest_put_status("vdso_status", zx_vmar_unmap(vmar, ZXVMM_VDSO_BASE, PAGE));
    guest_put_status("nothing_mapped_status", zx_vmar_unmap(vmar, GUEST_UNMAPPED_ADDR, PAGE));
    guest_put_status("wrong_type_status", zx_vmar_unmap(zx_process_self(), (zx_vaddr_t)p, PAGE));
    guest_put_status("bad_handle_status", zx_vmar_unmap(BAD_HANDLE_VALUE, (zx_vaddr_t)p, PAGE));
    zx_handle_t no_rights = dup_rights(vmar, ZX_RIGHT_NONE);
    guest_put_status("no_rights_ok_status", zx_vmar_unmap(no_rights, (zx_vaddr_t)p, PAGE));
    printf("vdso_still_works=%u\n", zx_system_get_page_size());
}

GUEST_CASE(unmap_len_rounded)
{
    volatile uint8_t *p = map_rw(new_vmo(2 * PAGE), 2 * PAGE);
    p[PAGE] = PATTERN_A;
    guest_put_status("status", zx_vmar_unmap(zx_vmar_root_self(), (zx_vaddr_t)p, 1));
    printf("second_page=0x%x\n", p[PAGE]);
    printf("fault_addr=0x%lx\n", (unsigned long)(uintptr_t)p);
    printf("survived=%d\n", p[0]);
}

GUEST_CASE(protect_errors)
{
    zx_handle_t vmar = zx_vmar_root_self();
    zx_vm_option_t r = ZX_VM_PERM_READ;
    zx_vaddr_t a = 0;
    guest_put_status("map_status", map_specific(r | ZX_VM_PERM_WRITE, new_vmo(3 * PAGE), 3 * PAGE, &a));
    guest_put_status("unaligned_status", zx_vmar_protect(vmar, r, a + 1, PAGE));
    guest_put_status("len0_status", zx_vmar_protect(vmar, r, a, 0));
    guest_put_status("write_only_status", zx_vmar_protect(vmar, ZX_VM_PERM_WRITE, a, PAGE));
    guest_put_status("execute_only_status", zx_vmar_protect(vmar, ZX_VM_PERM_EXECUTE, a, PAGE));
    guest_put_status("specific_bit_status", zx_vmar_protect(vmar, r | ZX_VM_SPECIFIC, a, PAGE));
    guest_put_status("align_bits_status", zx_vmar_protect(vmar, r | ZX_VM_ALIGN_4KB, a, PAGE));
    guest_put_status("unmapped_status", zx_vmar_protect(vmar, r, GUEST_UNMAPPED_ADDR, PAGE));
    guest_put_status("below_base_status", zx_vmar_protect(vmar, r, vmar_base() - PAGE, PAGE));
    guest_put_status("past_mapping_status", zx_vmar_protect(vmar, r, a + 2 * PAGE, 2 * PAGE));
    guest_put_status("execute_status", zx_vmar_protect(vmar, r | ZX_VM_PERM_EXECUTE, a, PAGE));
    guest_put_status("vdso_status", zx_vmar_protect(vmar, r, ZXVMM_VDSO_BASE, PAGE));
    guest_put_status("bad_handle_status", zx_vmar_protect(BAD_HANDLE_VALUE, r, a, PAGE));
    guest_put_status("wrong_type_status", zx_vmar_protect(zx_process_self(), r, a, PAGE));
    zx_handle_t vmar_ro = dup_rights(vmar, ZX_RIGHT_READ | ZX_RIGHT_INSPECT);
    guest_put_status("vmar_no_write_status", zx_vmar_protect(vmar_ro, r | ZX_VM_PERM_WRITE, a, PAGE));
    guest_put_status("vmar_read_ok_status", zx_vmar_protect(vmar_ro, r, a, PAGE));
    zx_vmar_unmap(vmar, a + PAGE, PAGE);
    guest_put_status("gap_status", zx_vmar_protect(vmar, r, a, 3 * PAGE));
}

GUEST_CASE(protect_failure_changes_nothing)
{
    volatile uint8_t *p = map_rw(new_vmo(2 * PAGE), 2 * PAGE);
    zx_vmar_unmap(zx_vmar_root_self(), (zx_vaddr_t)(p + PAGE), PAGE);
    guest_put_status("status",
                     zx_vmar_protect(zx_vmar_root_self(), ZX_VM_PERM_READ, (zx_vaddr_t)p, 2 * PAGE));
    p[5] = PATTERN_A;
    printf("still_writable=%d\n", p[5] == PATTERN_A);
}

GUEST_CASE(protect_beyond_vmo_rights)
{
    zx_handle_t vmo = new_vmo(PAGE);
    zx_handle_t read_only = dup_rights(vmo, ZX_RIGHT_READ | ZX_RIGHT_MAP);
    zx_vaddr_t addr = 0;
    guest_put_status("map_status",
                     zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, read_only, 0, PAGE, &addr));
    guest_put_status("status",
                     zx_vmar_protect(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, addr, PAGE));
}

GUEST_CASE(cache_policy_while_mapped)
{
    zx_handle_t vmo = new_vmo(PAGE);
    volatile uint8_t *p = map_rw(vmo, PAGE);
    guest_put_status("mapped_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED));
    guest_put_status("mapped_cached_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_CACHED));
    zx_vmar_unmap(zx_vmar_root_self(), (zx_vaddr_t)p, PAGE);
    guest_put_status("unmapped_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED));
    guest_put_status("back_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_CACHED));
}

GUEST_CASE(cache_policy_before_map)
{
    zx_handle_t vmo = new_vmo(PAGE);
    guest_put_status("set_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_WRITE_COMBINING));
    volatile uint8_t *p = map_rw(vmo, PAGE);
    p[0] = PATTERN_A;
    printf("touched=%d\n", p[0] == PATTERN_A);
}

/* A page of the program's own data (a mapping zxvmm made at start), made writable and executable at run time
 * as Zircon allows: code written there runs (docs/security.md). */
static uint8_t wx_page[PAGE] __attribute__((aligned(PAGE)));

GUEST_CASE(protect_own_data_writable_and_executable)
{
    zx_vm_option_t rwx = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE;
    guest_put_status("protect_status", zx_vmar_protect(zx_vmar_root_self(), rwx, (zx_vaddr_t)wx_page, PAGE));
    static const uint8_t mov_eax_42_ret[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov eax, 42; ret */
    memcpy(wx_page, mov_eax_42_ret, sizeof(mov_eax_42_ret));
    int (*fn)(void) = (int (*)(void))(uintptr_t)wx_page;
    printf("returned=%d\n", fn());
}

static const struct guest_case cases[] = {
    {"map", case_map},
    {"map_touch", case_map_touch},
    {"map_keeps_vmo_alive", case_map_keeps_vmo_alive},
    {"map_twice_shares_frames", case_map_twice_shares_frames},
    {"unmap_then_read_faults", case_unmap_then_read_faults},
    {"protect_read_only_write_faults", case_protect_read_only_write_faults},
    {"partial_unmap_splits", case_partial_unmap_splits},
    {"partial_protect_splits", case_partial_protect_splits},
    {"protect_upgrade", case_protect_upgrade},
    {"protect_none_then_read_faults", case_protect_none_then_read_faults},
    {"map_specific", case_map_specific},
    {"map_specific_overwrite", case_map_specific_overwrite},
    {"map_align", case_map_align},
    {"map_discardable", case_map_discardable},
    {"map_len_rounded", case_map_len_rounded},
    {"map_vmo_offset", case_map_vmo_offset},
    {"map_rights", case_map_rights},
    {"map_handle_errors", case_map_handle_errors},
    {"map_require_non_resizable", case_map_require_non_resizable},
    {"map_bad_mapped_addr", case_map_bad_mapped_addr},
    {"map_no_permissions", case_map_no_permissions},
    {"unmap_errors", case_unmap_errors},
    {"unmap_len_rounded", case_unmap_len_rounded},
    {"protect_errors", case_protect_errors},
    {"protect_failure_changes_nothing", case_protect_failure_changes_nothing},
    {"protect_beyond_vmo_rights", case_protect_beyond_vmo_rights},
    {"protect_own_data_writable_and_executable", case_protect_own_data_writable_and_executable},
    {"cache_policy_while_mapped", case_cache_policy_while_mapped},
    {"cache_policy_before_map", case_cache_policy_before_map},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: vmars CASE [ARG...]\n");
        return GUEST_USAGE_RETCODE;
    }
    return guest_run_case(cases, argv[1], argv + 2);
}
