/* start.c: the C side of program start-up: boot-info check, starting handles, constructors, main, exit. */
#include <stdint.h>
#include <string.h>
#include <zircon/syscalls.h>

#include "runtime.h"

int main(int argc, char **argv);

/* Bounds of .init_array, defined by program.ld. */
extern void (*const __init_array_start[])(void);
extern void (*const __init_array_end[])(void);

static void report_bad_boot_info(void)
{
    static const char message[] = "zxguest: boot info does not match this runtime (magic or ABI version)\n";
    zx_debug_write(message, sizeof(message) - 1);
}

static void run_constructors(void)
{
    for (void (*const *ctor)(void) = __init_array_start; ctor < __init_array_end; ctor++)
        (*ctor)();
}

void zxguest_start(const struct zxvmm_boot_info *boot)
{
    if (boot == NULL || boot->magic != ZXVMM_BOOT_MAGIC || boot->abi_version != ZXVMM_ABI_VERSION) {
        report_bad_boot_info();
        zx_process_exit(ZXGUEST_RETCODE_BAD_BOOT_INFO);
    }
    zxguest_set_startup_handles(boot->process_self, boot->vmar_root_self, boot->job_default,
                                boot->thread_self);
    run_constructors();
    int ret = main((int)boot->argc, (char **)(uintptr_t)boot->argv);
    zx_process_exit(ret);
}
