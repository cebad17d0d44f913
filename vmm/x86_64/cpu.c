/* cpu.c: builders for the GDT, IDT and TSS the VMM installs before a guest's first instruction; exception
 * names. */
#include "x86_64/cpu.h"

#include <assert.h>
#include <string.h>

#define X86_GDT_TSS_SLOT       (X86_SEL_TSS >> X86_SEL_INDEX_SHIFT)
#define X86_DESC_BASE_LO_BITS  24
#define X86_DESC_LIMIT_BITS    16
#define X86_UPPER32_SHIFT      32
#define X86_LOW32_MASK         0xFFFFFFFFULL
#define X86_LOW16_MASK         0xFFFFULL
#define X86_GATE_SEL_SHIFT     16
#define X86_GATE_OFF_HI_SHIFT  48
#define X86_GATE_OFF_MID_SHIFT 16
#define X86_BITS_PER_BYTE      8

/* One 8-byte segment descriptor (SDM Vol. 3A §3.4.5 figure 3-8). */
static uint64_t x86_seg_desc(uint64_t base, uint32_t limit, unsigned type, unsigned dpl, uint64_t flags)
{
    uint64_t limit_hi = (limit >> X86_DESC_LIMIT_BITS) & X86_DESC_LIMIT_HI_MASK;
    uint64_t base_hi = (base >> X86_DESC_BASE_LO_BITS) & X86_DESC_BASE_HI_MASK;
    return ((uint64_t)limit & X86_DESC_LIMIT_LO_MASK) |
           (base & X86_DESC_BASE_LO_MASK) << X86_DESC_BASE_LO_SHIFT | (uint64_t)type << X86_DESC_TYPE_SHIFT |
           (uint64_t)dpl << X86_DESC_DPL_SHIFT | X86_DESC_P | limit_hi << X86_DESC_LIMIT_HI_SHIFT |
           base_hi << X86_DESC_BASE_HI_SHIFT | flags;
}

void x86_build_gdt(uint64_t gdt[X86_GDT_ENTRIES], uint64_t tss_base, uint32_t tss_limit)
{
    const uint64_t code64 = X86_DESC_S | X86_DESC_L | X86_DESC_G;
    const uint64_t data = X86_DESC_S | X86_DESC_DB | X86_DESC_G;
    assert(tss_limit <= X86_DESC_LIMIT_MAX);
    memset(gdt, 0, X86_GDT_SIZE);
    gdt[X86_SEL_KCODE >> X86_SEL_INDEX_SHIFT] =
        x86_seg_desc(0, X86_DESC_LIMIT_MAX, X86_SEG_TYPE_CODE_XR_A, X86_DPL_KERNEL, code64);
    gdt[X86_SEL_KDATA >> X86_SEL_INDEX_SHIFT] =
        x86_seg_desc(0, X86_DESC_LIMIT_MAX, X86_SEG_TYPE_DATA_RW_A, X86_DPL_KERNEL, data);
    gdt[X86_SEL_UDATA >> X86_SEL_INDEX_SHIFT] =
        x86_seg_desc(0, X86_DESC_LIMIT_MAX, X86_SEG_TYPE_DATA_RW_A, X86_DPL_USER, data);
    gdt[X86_SEL_UCODE >> X86_SEL_INDEX_SHIFT] =
        x86_seg_desc(0, X86_DESC_LIMIT_MAX, X86_SEG_TYPE_CODE_XR_A, X86_DPL_USER, code64);
    /* 16-byte system descriptor: the usual layout, then base 63:32 in the next slot (SDM Vol. 3A §7.2.3). */
    gdt[X86_GDT_TSS_SLOT] = x86_seg_desc(tss_base, tss_limit, X86_SEG_TYPE_TSS64_BUSY, X86_DPL_KERNEL, 0);
    gdt[X86_GDT_TSS_SLOT + 1] = tss_base >> X86_UPPER32_SHIFT;
}

/* One 16-byte interrupt gate (SDM Vol. 3A §6.14.1 figure 6-8), as two little-endian words. */
static void x86_idt_gate(uint64_t gate[2], uint64_t offset, unsigned dpl)
{
    gate[0] = (offset & X86_LOW16_MASK) | (uint64_t)X86_SEL_KCODE << X86_GATE_SEL_SHIFT |
              (uint64_t)X86_SEG_TYPE_INT_GATE64 << X86_DESC_TYPE_SHIFT | (uint64_t)dpl << X86_DESC_DPL_SHIFT |
              X86_DESC_P | ((offset >> X86_GATE_OFF_MID_SHIFT) & X86_LOW16_MASK) << X86_GATE_OFF_HI_SHIFT;
    gate[1] = offset >> X86_UPPER32_SHIFT;
}

void x86_build_idt(void *idt, size_t idt_size, uint64_t stub_base, unsigned stride, unsigned nvectors)
{
    assert(nvectors <= X86_IDT_VECTORS && (size_t)nvectors * X86_IDT_GATE_SIZE <= idt_size);
    memset(idt, 0, idt_size);
    for (unsigned v = 0; v < nvectors; v++) {
        bool user_gate = v == X86_VEC_BP || v == X86_VEC_OF;
        uint64_t gate[2];
        x86_idt_gate(gate, stub_base + (uint64_t)v * stride, user_gate ? X86_DPL_USER : X86_DPL_KERNEL);
        memcpy((uint8_t *)idt + (size_t)v * X86_IDT_GATE_SIZE, gate, sizeof(gate));
    }
}

size_t x86_tss_size(void)
{
    return X86_TSS_HEADER_SIZE + X86_IO_BITMAP_SIZE + 1;
}

void x86_build_tss(void *tss, uint64_t rsp0, const uint16_t *open_ports, size_t nports)
{
    uint8_t *bytes = tss;
    uint16_t iomap = X86_TSS_HEADER_SIZE;
    memset(bytes, 0, X86_TSS_HEADER_SIZE);
    memcpy(bytes + X86_TSS_RSP0_OFFSET, &rsp0, sizeof(rsp0));
    memcpy(bytes + X86_TSS_IOMAP_OFFSET, &iomap, sizeof(iomap));
    uint8_t *bitmap = bytes + X86_TSS_HEADER_SIZE;
    memset(bitmap, X86_IO_BITMAP_TERMINATOR, X86_IO_BITMAP_SIZE + 1);
    for (size_t i = 0; i < nports; i++)
        bitmap[open_ports[i] / X86_BITS_PER_BYTE] &= (uint8_t) ~(1U << (open_ports[i] % X86_BITS_PER_BYTE));
}

/* Names and error-code flags of the architectural exceptions, SDM Vol. 3A table 6-1 (28-30: AMD APM). */
static const struct {
    const char *name;
    bool error_code;
} x86_exceptions[X86_EXCEPTION_VECTORS] = {
    [X86_VEC_DE] = {"divide error (#DE)", false},
    [X86_VEC_DB] = {"debug (#DB)", false},
    [X86_VEC_NMI] = {"non-maskable interrupt (NMI)", false},
    [X86_VEC_BP] = {"breakpoint (#BP)", false},
    [X86_VEC_OF] = {"overflow (#OF)", false},
    [X86_VEC_BR] = {"bound range exceeded (#BR)", false},
    [X86_VEC_UD] = {"invalid opcode (#UD)", false},
    [X86_VEC_NM] = {"device not available (#NM)", false},
    [X86_VEC_DF] = {"double fault (#DF)", true},
    [X86_VEC_TS] = {"invalid TSS (#TS)", true},
    [X86_VEC_NP] = {"segment not present (#NP)", true},
    [X86_VEC_SS] = {"stack-segment fault (#SS)", true},
    [X86_VEC_GP] = {"general protection (#GP)", true},
    [X86_VEC_PF] = {"page fault (#PF)", true},
    [X86_VEC_MF] = {"x87 floating-point error (#MF)", false},
    [X86_VEC_AC] = {"alignment check (#AC)", true},
    [X86_VEC_MC] = {"machine check (#MC)", false},
    [X86_VEC_XM] = {"SIMD floating-point exception (#XM)", false},
    [X86_VEC_VE] = {"virtualization exception (#VE)", false},
    [X86_VEC_CP] = {"control protection (#CP)", true},
    [X86_VEC_HV] = {"hypervisor injection (#HV)", false},
    [X86_VEC_VC] = {"VMM communication (#VC)", true},
    [X86_VEC_SX] = {"security exception (#SX)", true},
};

const char *x86_exception_name(unsigned vector)
{
    if (vector >= X86_EXCEPTION_VECTORS || x86_exceptions[vector].name == NULL)
        return "exception";
    return x86_exceptions[vector].name;
}

bool x86_exception_has_error_code(unsigned vector)
{
    return vector < X86_EXCEPTION_VECTORS && x86_exceptions[vector].error_code;
}

bool x86_is_user_address(uint64_t va)
{
    return va < (1ULL << 47); /* bits 63..47 all zero: canonical and in the lower half */
}
