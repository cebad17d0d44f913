/* names.h: syscall and status names by number and back, for traces, scenarios and messages. */
#ifndef ZXVMM_SYSCALL_NAMES_H
#define ZXVMM_SYSCALL_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

/* The zx_* name of syscall `number`, or NULL when the ABI has none. */
const char *syscall_name(uint64_t number);

/* The number of the syscall called `name` (a zx_* name), or 0 when there is none (0 is never a syscall). */
uint32_t syscall_number(const char *name);

/* How many arguments syscall `number` takes (0 for an unknown number). */
unsigned syscall_nargs(uint64_t number);

/*
 * How the call's rax is read: SYSCALL_RETURNS_STATUS (a zx_status_t), a plain
 * value (zx_clock_get_monotonic, zx_deadline_after, zx_system_get_page_size),
 * or nothing (zx_process_exit never returns).
 */
enum syscall_return { SYSCALL_RETURNS_STATUS, SYSCALL_RETURNS_VALUE, SYSCALL_RETURNS_NOTHING };
enum syscall_return syscall_return_kind(uint64_t number);

/*
 * Where the call stores its `actual` count: the index of the pointer argument
 * and the stored integer's size in bytes; false for calls without one.
 */
bool syscall_actual_arg(uint64_t number, unsigned *index, size_t *size);

/*
 * The argument that gives the call's size in bytes (a buffer or range
 * length: the `space` counter spends it, `short` cuts it); false for calls
 * without one.
 */
bool syscall_size_arg(uint64_t number, unsigned *index);

/* Zircon's name of status `st` ("ZX_OK", "ZX_ERR_NO_MEMORY"), or NULL for a value Zircon does not name. */
const char *syscall_status_name(zx_status_t st);

/* The status called `name`; false when Zircon has no status of that name. */
bool syscall_status_from_name(const char *name, zx_status_t *st);

/* Iterates over every named status: the i-th one (from 0) into *name and *st; false past the last. */
bool syscall_status_at(size_t i, const char **name, zx_status_t *st);

#endif
