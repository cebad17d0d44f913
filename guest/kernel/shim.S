/* shim.S: the CPL0 kernel shim: 32 exception stubs that report the vector to the VMM and halt. */
#include <zxvmm/abi.h>

/*
 * The VMM sets up long mode, the GDT, the TSS, the IDT (gate v points at
 * ZXVMM_SHIM_BASE + v * ZXVMM_SHIM_VECTOR_STRIDE) and the page tables before
 * the first instruction; this image holds nothing but the stubs.
 *
 * On entry the CPU has pushed ss, rsp, rflags, cs, rip and, for the vectors
 * listed in ZXGUEST_VECTOR_HAS_ERROR_CODE, an error code (SDM Vol. 3A, 6.13
 * "Error Code" and 6.14.2 "64-Bit Mode Stack Frame"). Each stub makes the
 * frame uniform (struct zxvmm_exception_frame: vector, error code, then the
 * CPU's part) and exits to the VMM with `out`, touching no register but
 * rsp, so that the VMM sees the interrupted code's registers (a debugger
 * reads them). The VMM never resumes a stub with iretq: it sets the
 * registers of the interrupted code instead; should it run the vCPU again
 * here the stub halts for ever.
 */

/* Vectors for which the CPU pushes an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX. */
#define ZXGUEST_VECTOR_HAS_ERROR_CODE(v)                                                                      \
    ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

    .code64
    .section .text.shim_vectors, "ax", @progbits
    .globl zxguest_shim_vectors
zxguest_shim_vectors:

    .macro shim_stub vector
    .org \vector * ZXVMM_SHIM_VECTOR_STRIDE, 0xcc
    .globl zxguest_shim_vector_\vector
    .type zxguest_shim_vector_\vector, @function
zxguest_shim_vector_\vector:
    .if !ZXGUEST_VECTOR_HAS_ERROR_CODE(\vector)
    pushq $0
    .endif
    pushq $\vector
    outl %eax, $ZXVMM_PORT_EXCEPTION
1:
    hlt
    jmp 1b
    .size zxguest_shim_vector_\vector, . - zxguest_shim_vector_\vector
    .endm

    .irp vector, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    shim_stub \vector
    .endr

    /* Pad the last stub to a full stride so the image covers every slot. */
    .org ZXVMM_SHIM_VECTORS * ZXVMM_SHIM_VECTOR_STRIDE, 0xcc
    .size zxguest_shim_vectors, . - zxguest_shim_vectors

    .section .note.GNU-stack, "", @progbits
