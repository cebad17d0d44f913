/* uaccess.h: reaching a caller's user memory through its own page tables, checked before any byte moves. */
#ifndef ZXVMM_SYSCALL_UACCESS_H
#define ZXVMM_SYSCALL_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

#include "x86_64/paging.h"

/*
 * Checks that every byte of [va, va + len) is mapped user-accessible in the
 * tree `w` (and writable when `write`). len 0 is always valid. Returns ZX_OK
 * or ZX_ERR_INVALID_ARGS (unmapped, supervisor, read-only for a write,
 * non-canonical, or wrapping past 2^64).
 */
zx_status_t uaccess_check(const struct pt_walk_ctx *w, uint64_t va, size_t len, bool write);

/* Copies from user memory after uaccess_check(read); on failure nothing is copied. */
zx_status_t uaccess_copy_in(const struct pt_walk_ctx *w, void *dst, uint64_t va, size_t len);

/* Copies to user memory after uaccess_check(write); on failure nothing is written. */
zx_status_t uaccess_copy_out(const struct pt_walk_ctx *w, uint64_t va, const void *src, size_t len);

#endif
