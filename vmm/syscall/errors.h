/* errors.h: the error statuses each syscall's docs page lists, in check order (systematic campaigns). */
#ifndef ZXVMM_SYSCALL_ERRORS_H
#define ZXVMM_SYSCALL_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

/*
 * The distinct error statuses docs/syscalls/NAME.md lists for syscall
 * `number` under "Errors, in check order", in the page's order: the list in
 * *list, and how many. 0 (and *list NULL) for a call that can only return
 * ZX_OK or never returns, and for a number the ABI has not.
 */
size_t syscall_documented_errors(uint64_t number, const zx_status_t **list);

#endif
