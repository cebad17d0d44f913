/* main.c: vmo, a VMO example: create a VMO, write it, map it, read it through the mapping, print what
 * happened.
 */
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

#define VMO_SIZE (2 * 4096)

/* Prints a failed call with its status name and returns 1, so main can `return fail(...)`. */
static int fail(const char *call, zx_status_t status)
{
    printf("%s failed: %s\n", call, zx_status_get_string(status));
    return 1;
}

int main(void)
{
    zx_handle_t vmo;
    zx_status_t s = zx_vmo_create(VMO_SIZE, 0, &vmo);
    if (s != ZX_OK)
        return fail("zx_vmo_create", s);
    uint64_t size = 0;
    zx_vmo_get_size(vmo, &size);
    printf("created a VMO of %llu bytes\n", (unsigned long long)size);

    const char text[] = "written with zx_vmo_write";
    if ((s = zx_vmo_write(vmo, text, 4096, sizeof(text))) != ZX_OK)
        return fail("zx_vmo_write", s);

    zx_vaddr_t addr;
    s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, VMO_SIZE, &addr);
    if (s != ZX_OK)
        return fail("zx_vmar_map", s);
    char *mapped = (char *)(uintptr_t)addr;
    printf("mapped it; its second page reads \"%s\"\n", mapped + 4096);

    strcpy(mapped, "stored through the mapping");
    char back[32] = "";
    zx_vmo_read(vmo, back, 0, sizeof("stored through the mapping"));
    printf("zx_vmo_read sees \"%s\"\n", back);

    printf("writing past its end: %s\n", zx_status_get_string(zx_vmo_write(vmo, text, VMO_SIZE, 1)));
    zx_vmar_unmap(zx_vmar_root_self(), addr, VMO_SIZE);
    zx_handle_close(vmo);
    return 0;
}
