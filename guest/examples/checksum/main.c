/* main.c: checksum, a fault-injection target: fills a buffer, prints its checksum, and with "verify" checks
 * it against the sum taken before, so a bit flip in between is silent (sdc), harmless (masked) or caught
 * (detected). docs/faults.md walks through it with checksum/flip.lua.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

/*
 * The buffer lives in a VMO mapped at a fixed address, so that a scenario can
 * name its bytes whatever the program's own layout: its first page holds the
 * data the checksum reads, its second page is spare (never read).
 */
#define DATA_AT   0x30000000ULL
#define DATA_SIZE 4096
#define MAP_SIZE  (2 * 4096)

/* Fletcher-32 over `n` bytes, read through a volatile pointer so that each call reads the memory again. */
static uint32_t fletcher32(const volatile uint8_t *p, size_t n)
{
    uint32_t a = 0xffff, b = 0xffff;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65535;
        b = (b + a) % 65535;
    }
    return (b << 16) | a;
}

int main(int argc, char **argv)
{
    int verify = argc > 1 && strcmp(argv[1], "verify") == 0;
    zx_handle_t vmo;
    zx_status_t s = zx_vmo_create(MAP_SIZE, 0, &vmo);
    if (s != ZX_OK) {
        printf("zx_vmo_create failed: %s\n", zx_status_get_string(s));
        return 2;
    }
    zx_info_vmar_t root;
    zx_object_get_info(zx_vmar_root_self(), ZX_INFO_VMAR, &root, sizeof(root), NULL, NULL);
    zx_vaddr_t addr;
    s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_SPECIFIC,
                    DATA_AT - root.base, vmo, 0, MAP_SIZE, &addr);
    if (s != ZX_OK) {
        printf("zx_vmar_map at 0x%llx failed: %s\n", (unsigned long long)DATA_AT, zx_status_get_string(s));
        return 2;
    }
    volatile uint8_t *data = (volatile uint8_t *)(uintptr_t)addr;
    for (size_t i = 0; i < DATA_SIZE; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    uint32_t before = fletcher32(data, DATA_SIZE);
    /* A scenario's fault on this call lands between the two sums. */
    printf("filled %d bytes at 0x%llx\n", DATA_SIZE, (unsigned long long)addr);
    uint32_t after = fletcher32(data, DATA_SIZE);
    printf("checksum=0x%08x\n", (unsigned)after);
    if (verify && after != before) {
        printf("CHECKSUM MISMATCH (was 0x%08x)\n", (unsigned)before);
        return 1;
    }
    return 0;
}
