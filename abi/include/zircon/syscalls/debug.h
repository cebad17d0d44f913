/* zircon/syscalls/debug.h: the register sets zx_thread_read_state() and zx_thread_write_state() move
 * (x86-64). */
#ifndef ZIRCON_SYSCALLS_DEBUG_H_
#define ZIRCON_SYSCALLS_DEBUG_H_

#include <stdint.h>
#include <zircon/compiler.h>

__BEGIN_CDECLS

/* ZX_THREAD_STATE_GENERAL_REGS. */
typedef struct zx_thread_state_general_regs {
    uint64_t rax;
    uint64_t rbx;
    uint64_t rcx;
    uint64_t rdx;
    uint64_t rsi;
    uint64_t rdi;
    uint64_t rbp;
    uint64_t rsp;
    uint64_t r8;
    uint64_t r9;
    uint64_t r10;
    uint64_t r11;
    uint64_t r12;
    uint64_t r13;
    uint64_t r14;
    uint64_t r15;
    uint64_t rip;
    uint64_t rflags;
    uint64_t fs_base;
    uint64_t gs_base;
} zx_thread_state_general_regs_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_thread_state_general_regs_t) == 160, "general regs layout");

/* ZX_THREAD_STATE_DEBUG_REGS. */
typedef struct zx_thread_state_debug_regs {
    uint64_t dr[4]; /* breakpoint addresses */
    uint64_t dr6;   /* status */
    uint64_t dr7;   /* control */
} zx_thread_state_debug_regs_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_thread_state_debug_regs_t) == 48, "debug regs layout");

/* ZX_THREAD_STATE_FP_REGS: the x87/MMX state as FXSAVE holds it. */
typedef struct zx_thread_state_fp_regs {
    uint16_t fcw; /* control word */
    uint16_t fsw; /* status word */
    uint8_t ftw;  /* tag word (FXSAVE's abridged form) */
    uint8_t reserved;
    uint16_t fop; /* last opcode */
    uint64_t fip; /* last instruction pointer */
    uint64_t fdp; /* last data pointer */
    uint8_t padding1[8];
    struct {
        uint64_t low; /* x87: the low 80 bits hold the register; MMX: the low 64 */
        uint64_t high;
    } st[8];
} zx_thread_state_fp_regs_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_thread_state_fp_regs_t) == 160, "fp regs layout");

/* ZX_THREAD_STATE_VECTOR_REGS: SSE (and, where enabled, AVX/AVX-512) registers. XMM is v[0-1]. */
typedef struct zx_thread_state_vector_regs {
    struct {
        uint64_t v[8];
    } zmm[32];
    uint64_t opmask[8]; /* AVX-512 mask registers; 0 without AVX-512 */
    uint32_t mxcsr;     /* SIMD control and status */
    uint8_t padding1[4];
} zx_thread_state_vector_regs_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_thread_state_vector_regs_t) == 2120, "vector regs layout");

/* ZX_THREAD_STATE_SINGLE_STEP: 0 (not stepping) or 1 (stepping); other values are INVALID_ARGS. */
typedef uint32_t zx_thread_state_single_step_t;

typedef uint64_t zx_thread_x86_register_fs_t;
typedef uint64_t zx_thread_x86_register_gs_t;

/* The `kind` of zx_thread_read_state() and zx_thread_write_state(). */
typedef uint32_t zx_thread_state_topic_t;
#define ZX_THREAD_STATE_GENERAL_REGS ((uint32_t)0) /* zx_thread_state_general_regs_t */
#define ZX_THREAD_STATE_FP_REGS      ((uint32_t)1) /* zx_thread_state_fp_regs_t */
#define ZX_THREAD_STATE_VECTOR_REGS  ((uint32_t)2) /* zx_thread_state_vector_regs_t */
#define ZX_THREAD_STATE_DEBUG_REGS   ((uint32_t)4) /* zx_thread_state_debug_regs_t */
#define ZX_THREAD_STATE_SINGLE_STEP  ((uint32_t)5) /* zx_thread_state_single_step_t */
#define ZX_THREAD_X86_REGISTER_FS    ((uint32_t)6) /* not served by zxvmm: INVALID_ARGS */
#define ZX_THREAD_X86_REGISTER_GS    ((uint32_t)7) /* not served by zxvmm: INVALID_ARGS */

__END_CDECLS

#endif
