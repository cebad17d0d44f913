/* cpu.h: x86-64 architectural constants (CR0/CR4/EFER/MSR/RFLAGS, vectors) and GDT/IDT/TSS builders. */
#ifndef ZXVMM_X86_64_CPU_H
#define ZXVMM_X86_64_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CR0, SDM Vol. 3A §2.5. */
#define X86_CR0_PE (1ULL << 0)  /* protection enable */
#define X86_CR0_MP (1ULL << 1)  /* monitor coprocessor */
#define X86_CR0_EM (1ULL << 2)  /* x87 emulation */
#define X86_CR0_TS (1ULL << 3)  /* task switched */
#define X86_CR0_ET (1ULL << 4)  /* extension type, hardwired to 1 */
#define X86_CR0_NE (1ULL << 5)  /* native x87 error reporting */
#define X86_CR0_WP (1ULL << 16) /* CPL0 writes honour read-only pages */
#define X86_CR0_AM (1ULL << 18) /* alignment mask */
#define X86_CR0_NW (1ULL << 29) /* not write-through */
#define X86_CR0_CD (1ULL << 30) /* cache disable */
#define X86_CR0_PG (1ULL << 31) /* paging */

/* CR4, SDM Vol. 3A §2.5. */
#define X86_CR4_VME        (1ULL << 0)
#define X86_CR4_PVI        (1ULL << 1)
#define X86_CR4_TSD        (1ULL << 2)
#define X86_CR4_DE         (1ULL << 3)
#define X86_CR4_PSE        (1ULL << 4)
#define X86_CR4_PAE        (1ULL << 5)
#define X86_CR4_MCE        (1ULL << 6)
#define X86_CR4_PGE        (1ULL << 7)
#define X86_CR4_PCE        (1ULL << 8)
#define X86_CR4_OSFXSR     (1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)
#define X86_CR4_UMIP       (1ULL << 11)
#define X86_CR4_LA57       (1ULL << 12) /* 5-level paging */
#define X86_CR4_FSGSBASE   (1ULL << 16)
#define X86_CR4_PCIDE      (1ULL << 17)
#define X86_CR4_OSXSAVE    (1ULL << 18)
#define X86_CR4_SMEP       (1ULL << 20)
#define X86_CR4_SMAP       (1ULL << 21)
#define X86_CR4_PKE        (1ULL << 22)

/* CR3: the page-table root is bits MAXPHYADDR-1..12; bits 11..0 are flags (PWT, PCD) or a PCID. */
#define X86_CR3_FLAGS_MASK 0xFFFULL

/* IA32_EFER, SDM Vol. 3A §2.2.1. */
#define X86_EFER_SCE (1ULL << 0)  /* SYSCALL enable */
#define X86_EFER_LME (1ULL << 8)  /* long mode enable */
#define X86_EFER_LMA (1ULL << 10) /* long mode active */
#define X86_EFER_NXE (1ULL << 11) /* execute-disable bit enable */

/* MSR numbers, SDM Vol. 4 §2.1. */
#define X86_MSR_IA32_PAT       0x00000277U
#define X86_MSR_EFER           0xC0000080U
#define X86_MSR_STAR           0xC0000081U
#define X86_MSR_LSTAR          0xC0000082U
#define X86_MSR_FMASK          0xC0000084U
#define X86_MSR_FS_BASE        0xC0000100U
#define X86_MSR_GS_BASE        0xC0000101U
#define X86_MSR_KERNEL_GS_BASE 0xC0000102U

/* RFLAGS, SDM Vol. 1 §3.4.3. */
#define X86_RFLAGS_CF         (1ULL << 0)
#define X86_RFLAGS_PF         (1ULL << 2)
#define X86_RFLAGS_AF         (1ULL << 4)
#define X86_RFLAGS_ZF         (1ULL << 6)
#define X86_RFLAGS_SF         (1ULL << 7)
#define X86_RFLAGS_OF         (1ULL << 11)
#define X86_RFLAGS_NT         (1ULL << 14)
#define X86_RFLAGS_FIXED      (1ULL << 1) /* reserved, always 1 */
#define X86_RFLAGS_TF         (1ULL << 8) /* trap flag: #DB after each instruction */
#define X86_RFLAGS_IF         (1ULL << 9)
#define X86_RFLAGS_DF         (1ULL << 10)
#define X86_RFLAGS_IOPL_SHIFT 12
#define X86_RFLAGS_IOPL_MASK  (3ULL << X86_RFLAGS_IOPL_SHIFT)
#define X86_RFLAGS_AC         (1ULL << 18)
#define X86_RFLAGS_ID         (1ULL << 21)

/* Exception vectors, SDM Vol. 3A §6.3.1 table 6-1. */
#define X86_VEC_DE            0  /* divide error */
#define X86_VEC_DB            1  /* debug */
#define X86_VEC_NMI           2  /* non-maskable interrupt */
#define X86_VEC_BP            3  /* breakpoint (int3) */
#define X86_VEC_OF            4  /* overflow (into) */
#define X86_VEC_BR            5  /* bound range exceeded */
#define X86_VEC_UD            6  /* invalid opcode */
#define X86_VEC_NM            7  /* device not available */
#define X86_VEC_DF            8  /* double fault */
#define X86_VEC_TS            10 /* invalid TSS */
#define X86_VEC_NP            11 /* segment not present */
#define X86_VEC_SS            12 /* stack-segment fault */
#define X86_VEC_GP            13 /* general protection */
#define X86_VEC_PF            14 /* page fault */
#define X86_VEC_MF            16 /* x87 floating-point error */
#define X86_VEC_AC            17 /* alignment check */
#define X86_VEC_MC            18 /* machine check */
#define X86_VEC_XM            19 /* SIMD floating-point exception */
#define X86_VEC_VE            20 /* virtualization exception */
#define X86_VEC_CP            21 /* control protection */
#define X86_VEC_HV            28 /* hypervisor injection (AMD) */
#define X86_VEC_VC            29 /* VMM communication (AMD) */
#define X86_VEC_SX            30 /* security exception (AMD) */
#define X86_EXCEPTION_VECTORS 32

/* Page-fault error code, SDM Vol. 3A §4.7. */
#define X86_PF_ERR_P    (1ULL << 0) /* protection violation (0: page not present) */
#define X86_PF_ERR_W    (1ULL << 1) /* write access */
#define X86_PF_ERR_U    (1ULL << 2) /* user-mode access */
#define X86_PF_ERR_RSVD (1ULL << 3) /* reserved bit set in a paging-structure entry */
#define X86_PF_ERR_I    (1ULL << 4) /* instruction fetch */
#define X86_PF_ERR_PK   (1ULL << 5) /* protection key */
#define X86_PF_ERR_SS   (1ULL << 6) /* shadow stack */

/*
 * Segment descriptors, SDM Vol. 3A §3.4.5 (figure 3-8) and §3.5. The type
 * values are those of struct kvm_segment.type and of the descriptor's type
 * field; "accessed" types keep the CPU from writing the A bit into the GDT.
 */
#define X86_SEG_TYPE_DATA_RW_A   0x3 /* data, read/write, accessed */
#define X86_SEG_TYPE_CODE_X_A    0x9 /* code, execute-only, accessed */
#define X86_SEG_TYPE_CODE_XR     0xA /* code, execute/read */
#define X86_SEG_TYPE_CODE_XR_A   0xB /* code, execute/read, accessed */
#define X86_SEG_TYPE_TSS64_AVAIL 0x9 /* 64-bit TSS, available (system descriptor, S = 0) */
#define X86_SEG_TYPE_TSS64_BUSY  0xB /* 64-bit TSS, busy: the state after LTR (SDM Vol. 3A §7.2.2) */
#define X86_SEG_TYPE_INT_GATE64  0xE /* 64-bit interrupt gate (SDM Vol. 3A §6.14.1) */

#define X86_DPL_KERNEL 0
#define X86_DPL_USER   3

/* Descriptor field positions in the 64-bit descriptor word. */
#define X86_DESC_LIMIT_LO_MASK  0xFFFFULL
#define X86_DESC_BASE_LO_SHIFT  16 /* base 23:0 at bits 39:16 */
#define X86_DESC_BASE_LO_MASK   0xFFFFFFULL
#define X86_DESC_TYPE_SHIFT     40
#define X86_DESC_S              (1ULL << 44) /* code or data (1), system (0) */
#define X86_DESC_DPL_SHIFT      45
#define X86_DESC_P              (1ULL << 47)
#define X86_DESC_LIMIT_HI_SHIFT 48 /* limit 19:16 at bits 51:48 */
#define X86_DESC_LIMIT_HI_MASK  0xFULL
#define X86_DESC_L              (1ULL << 53) /* 64-bit code segment */
#define X86_DESC_DB             (1ULL << 54) /* default operation size 32 bits */
#define X86_DESC_G              (1ULL << 55) /* limit in 4 KiB units */
#define X86_DESC_BASE_HI_SHIFT  56           /* base 31:24 at bits 63:56 */
#define X86_DESC_BASE_HI_MASK   0xFFULL
#define X86_DESC_LIMIT_MAX      0xFFFFFU

/*
 * The GDT (one per VM, shared by every vCPU). The slot at 0x18 is left null
 * so that the user selectors keep the layout SYSRET would need (STAR[63:48]
 * = 0x18 | 3: user data at +8, user code 64 at +16).
 */
#define X86_SEL_RPL_USER    3
#define X86_SEL_NULL        0x00
#define X86_SEL_KCODE       0x08
#define X86_SEL_KDATA       0x10
#define X86_SEL_UNUSED      0x18
#define X86_SEL_UDATA       (0x20 | X86_SEL_RPL_USER)
#define X86_SEL_UCODE       (0x28 | X86_SEL_RPL_USER)
#define X86_SEL_TSS         0x30 /* a 16-byte system descriptor: two slots */
#define X86_SEL_INDEX_SHIFT 3
#define X86_GDT_ENTRIES     8
#define X86_GDT_SIZE        (X86_GDT_ENTRIES * sizeof(uint64_t))

/*
 * Fills `gdt`: null, kernel code 64 (DPL 0, L), kernel data, null at 0x18,
 * user data (DPL 3), user code 64 (DPL 3, L), and a busy 64-bit TSS
 * descriptor with base `tss_base` and byte-granular limit `tss_limit`
 * (at most X86_DESC_LIMIT_MAX). Code and data have base 0 and a 4 GiB limit,
 * which long mode ignores apart from the attributes (SDM Vol. 3A §3.4.5,
 * §7.2.3 for the 16-byte TSS descriptor).
 */
void x86_build_gdt(uint64_t gdt[X86_GDT_ENTRIES], uint64_t tss_base, uint32_t tss_limit);

/* IDT, SDM Vol. 3A §6.14.1 figure 6-8. */
#define X86_IDT_GATE_SIZE 16
#define X86_IDT_VECTORS   256

/*
 * Fills `idt` (`idt_size` bytes, zeroed beyond the gates) with `nvectors`
 * present 64-bit interrupt gates, gate v pointing at stub_base + v * stride
 * through selector X86_SEL_KCODE with IST 0. Gates for #BP and #OF have
 * DPL 3 so that `int3` and `into` at CPL3 raise those exceptions instead of
 * #GP (SDM Vol. 3A §6.12.1.1); every other gate has DPL 0, so `int N` from
 * user mode raises #GP. nvectors * X86_IDT_GATE_SIZE must fit in idt_size.
 */
void x86_build_idt(void *idt, size_t idt_size, uint64_t stub_base, unsigned stride, unsigned nvectors);

/* 64-bit TSS, SDM Vol. 3A §7.7 figure 7-11, and its I/O permission bitmap, SDM Vol. 1 §19.5.2. */
#define X86_TSS_RSP0_OFFSET      4
#define X86_TSS_IOMAP_OFFSET     102 /* 16-bit offset of the I/O bitmap from the TSS base */
#define X86_TSS_HEADER_SIZE      104
#define X86_IO_PORTS             65536
#define X86_IO_BITMAP_SIZE       (X86_IO_PORTS / 8)
#define X86_IO_BITMAP_TERMINATOR 0xFF /* the byte after the bitmap must have every bit set */

/* Bytes of the TSS built by x86_build_tss: header, bitmap, terminator byte. Its limit is this - 1. */
size_t x86_tss_size(void);

/*
 * Fills `tss` (x86_tss_size() bytes): RSP0 = `rsp0` (the stack of exceptions
 * taken at CPL3), no IST stacks, the I/O bitmap right after the header with
 * every port denied except `open_ports`. The CPU checks one bit per byte
 * accessed: `out %eax, $P` needs ports P..P+3 open (SDM Vol. 1 §19.5.2).
 */
void x86_build_tss(void *tss, uint64_t rsp0, const uint16_t *open_ports, size_t nports);

/*
 * The RFLAGS bits user code may set through zx_thread_write_state (Zircon's
 * X86_FLAGS_USER): the arithmetic flags, TF, DF, NT, AC and ID. IF, IOPL, RF,
 * VM and the rest keep the values the VMM gave the process.
 */
#define X86_RFLAGS_USER                                                                                      \
    (X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF | X86_RFLAGS_TF |         \
     X86_RFLAGS_DF | X86_RFLAGS_OF | X86_RFLAGS_NT | X86_RFLAGS_AC | X86_RFLAGS_ID)

/* Architectural values of DR6 and DR7 with nothing armed (SDM Vol. 3B §18.2.3, §18.2.4). */
#define X86_DR6_INIT 0xFFFF0FF0ULL
#define X86_DR7_INIT 0x00000400ULL

/*
 * DR7 (SDM Vol. 3B §18.2.4): L0/G0 ... L3/G3 enable bits 0-7, then R/W and LEN
 * two bits each per slot from bit 16. X86_DR7_USER_MASK is what a debugger
 * may set (Zircon's X86_DR7_USER_MASK: no GD, no LE/GE); X86_DR7_FIXED is
 * always set (bit 10, LE and GE, Zircon's X86_DR7_MASK).
 */
#define X86_DR7_USER_MASK   0xFFFF00FFULL
#define X86_DR7_FIXED       0x00000700ULL
#define X86_DR7_ENABLE(i)   (3ULL << (2 * (i))) /* L and G of slot i */
#define X86_DR7_RW_SHIFT(i) (16 + 4 * (i))      /* R/W of slot i; LEN two bits above */
#define X86_DR7_RW_EXECUTE  0x0ULL
#define X86_DR7_RW_WRITE    0x1ULL
#define X86_DR7_RW_ACCESS   0x3ULL /* read or write */
#define X86_DR_SLOTS        4

/* SSE state the guest has (CR4.OSFXSR, no XSAVE): XMM0-15; MXCSR bits 16-31 are reserved (SDM Vol. 1
 * §10.2.3). */
#define X86_XMM_REGS       16
#define X86_MXCSR_WRITABLE 0x0000FFFFu

/* True when `va` is canonical with 48-bit addresses and in the lower (user) half. */
bool x86_is_user_address(uint64_t va);

/* "page fault (#PF)" and so on; "exception" for a vector without a name. */
const char *x86_exception_name(unsigned vector);

/* True for the exceptions the CPU delivers with an error code (SDM Vol. 3A §6.13, table 6-1). */
bool x86_exception_has_error_code(unsigned vector);

#endif
