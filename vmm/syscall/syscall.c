/* syscall.c: the table from syscall number to handler. */
#include "syscall/syscall.h"

#include <time.h>

#include <zircon/errors.h>
#include <zxvmm/abi.h>

typedef uint64_t (*syscall_handler)(struct syscall_call *c);

#define SYSCALL_ENTRY(num, name, nargs) [num] = sys_##name,
static const syscall_handler syscall_table[ZXVMM_SYSCALL_COUNT] = {ZXVMM_SYSCALLS(SYSCALL_ENTRY)};
#undef SYSCALL_ENTRY

uint64_t syscall_dispatch(struct syscall_call *call, uint64_t number)
{
    if (number >= ZXVMM_SYSCALL_COUNT || syscall_table[number] == NULL)
        return (uint64_t)(int64_t)ZX_ERR_BAD_SYSCALL;
    return syscall_table[number](call);
}

uint64_t syscall_host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
