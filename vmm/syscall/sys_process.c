/* sys_process.c: process lifecycle syscalls (zx_process_exit). */
#include <zircon/types.h>

#include "syscall/syscall.h"

uint64_t sys_zx_process_exit(struct syscall_call *c)
{
    c->exit = true;
    c->exit_code = (int64_t)c->arg[0];
    return 0;
}
