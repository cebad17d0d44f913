/* vdso.S: the vDSO: one entry point per syscall of ZXVMM_SYSCALLS, each entering the VMM with `out`. */
#include <zxvmm/abi.h>

/*
 * Each entry point is called with the SysV calling convention and turns it
 * into the hypercall convention of abi.h: the fourth argument moves from rcx
 * to r10, the seventh and eighth (on the stack) go to r12 and r13, and eax
 * holds the syscall number. The VMM writes the result into rax and preserves
 * every other register, so r12 and r13 (callee-saved in SysV) are restored
 * only because this code loaded them.
 *
 * Stack on entry: 0(%rsp) return address, 8(%rsp) seventh argument,
 * 16(%rsp) eighth. After the two pushes below both sit 16 bytes further up.
 */
#define ZXGUEST_VDSO_REG_ARGS    6  /* arguments passed in registers */
#define ZXGUEST_VDSO_ARG7_OFFSET 24 /* 8(%rsp) + the two pushes */
#define ZXGUEST_VDSO_ARG8_OFFSET 32 /* 16(%rsp) + the two pushes */

    .macro vdso_syscall name, number, nargs
    .globl \name
    .type \name, @function
    .balign 16, 0xcc
\name:
    .if \nargs > ZXGUEST_VDSO_REG_ARGS
    pushq %r12
    pushq %r13
    movq ZXGUEST_VDSO_ARG7_OFFSET(%rsp), %r12
    .if \nargs > ZXGUEST_VDSO_REG_ARGS + 1
    movq ZXGUEST_VDSO_ARG8_OFFSET(%rsp), %r13
    .endif
    .endif
    movq %rcx, %r10
    movl $\number, %eax
    outl %eax, $ZXVMM_PORT_SYSCALL
    .if \nargs > ZXGUEST_VDSO_REG_ARGS
    popq %r13
    popq %r12
    .endif
    ret
    .size \name, . - \name
    .endm

#define ZXGUEST_VDSO_ENTRY(number, name, nargs) vdso_syscall name, number, nargs;

    .code64
    .text
    ZXVMM_SYSCALLS(ZXGUEST_VDSO_ENTRY)

    .section .note.GNU-stack, "", @progbits
