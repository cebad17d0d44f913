/* crt0.S: _start, the entry point of every program: sets up a C stack frame and calls zxguest_start. */

/*
 * The VMM starts the process with rdi = the boot info and rsp below it
 * (abi.h). _start clears rbp (the end of the frame-pointer chain), aligns rsp
 * to 16 so that zxguest_start sees the SysV entry alignment after the call,
 * and passes rdi on unchanged. zxguest_start never returns; ud2 guards it.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call zxguest_start
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
