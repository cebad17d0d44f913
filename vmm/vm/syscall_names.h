/* syscall_names.h: the range of x86-64 system call numbers vm/gen/syscall_names.c names at build time
 * for vm/seccomp.c (vm_seccomp_syscall_name). */
#ifndef ZXVMM_VM_SYSCALL_NAMES_H
#define ZXVMM_VM_SYSCALL_NAMES_H

/* Numbers below this are named (the highest x86-64 number is about 460). */
#define SYSCALL_NAMES_MAX 512

#endif
