/* options.h: kernel command-line boot options (`key=value` words). */
#ifndef ZXVMM_BOOT_OPTIONS_H
#define ZXVMM_BOOT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct boot_options {
    bool enable_debugging_syscalls; /* kernel.enable-debugging-syscalls: zx_process_write_memory (default
                                       false) */
    bool enable_serial_syscalls; /* kernel.enable-serial-syscalls: zx_debug_write (default true in zxvmm) */
};

/*
 * Parses `key=value` words separated by spaces, tabs or newlines (NULL is
 * taken as ""). A bare key means true; "true", "1", "on" mean true and
 * "false", "0", "off" mean false (any case); the last occurrence of a key
 * wins. Unknown keys are ignored, as kernels do. Returns 0, or -EINVAL with a
 * line in `err` naming the word when a known key has a value that is not a
 * boolean (`out` is then left unchanged). Defaults: serial syscalls on, every
 * other option false.
 */
int boot_options_parse(const char *cmdline, struct boot_options *out, char *err, size_t errlen);

#endif
