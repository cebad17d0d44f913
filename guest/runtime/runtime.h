/* runtime.h: libzxguest's internal interfaces between start-up and the rest of the runtime. */
#ifndef ZXGUEST_RUNTIME_H
#define ZXGUEST_RUNTIME_H

#include <zircon/types.h>
#include <zxvmm/abi.h>

/*
 * The return code of a process whose boot info does not match this runtime
 * (wrong magic or ABI version): 126, the shell's "found but cannot execute".
 */
#define ZXGUEST_RETCODE_BAD_BOOT_INFO 126

/* Records the starting handles that <zircon/process.h>'s accessors return. */
void zxguest_set_startup_handles(zx_handle_t process, zx_handle_t vmar_root, zx_handle_t job,
                                 zx_handle_t thread);

/*
 * Called by _start (crt0.S) with the stack 16-byte aligned: checks the boot
 * info, records the handles, runs the constructors, calls main and passes its
 * return value to zx_process_exit.
 */
__attribute__((noreturn)) void zxguest_start(const struct zxvmm_boot_info *boot);

#endif
