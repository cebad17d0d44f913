/* test_cpu.c: GDT, IDT and TSS layouts decoded field by field, and the exception tables. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "x86_64/cpu.h"

#define TSS_BASE    0xffffffff80123000ULL
#define STUB_BASE   0xffffffff80000000ULL
#define STUB_STRIDE 32
#define RSP0        0xffffffff80ff0ff0ULL

/* Field extraction straight from SDM Vol. 3A figure 3-8, independent of cpu.c's constants. */
static uint64_t desc_base(uint64_t d)
{
    return ((d >> 16) & 0xFFFFFF) | ((d >> 56) & 0xFF) << 24;
}

static uint32_t desc_limit(uint64_t d)
{
    return (uint32_t)((d & 0xFFFF) | ((d >> 48) & 0xF) << 16);
}

static unsigned desc_type(uint64_t d)
{
    return (unsigned)((d >> 40) & 0xF);
}

static unsigned desc_dpl(uint64_t d)
{
    return (unsigned)((d >> 45) & 3);
}

static bool desc_bit(uint64_t d, unsigned bit)
{
    return (d >> bit) & 1;
}

enum { BIT_S = 44, BIT_P = 47, BIT_L = 53, BIT_DB = 54, BIT_G = 55 };

static uint64_t gdt[X86_GDT_ENTRIES];

static void build_gdt(void)
{
    x86_build_gdt(gdt, TSS_BASE, (uint32_t)x86_tss_size() - 1);
}

Test(cpu, selectors_have_the_documented_values)
{
    cr_assert_eq(X86_SEL_KCODE, 0x08);
    cr_assert_eq(X86_SEL_KDATA, 0x10);
    cr_assert_eq(X86_SEL_UDATA, 0x23);
    cr_assert_eq(X86_SEL_UCODE, 0x2b);
    cr_assert_eq(X86_SEL_TSS, 0x30);
}

Test(cpu, gdt_null_and_unused_slots_are_zero, .init = build_gdt)
{
    cr_assert_eq(gdt[0], 0);
    cr_assert_eq(gdt[X86_SEL_UNUSED >> 3], 0);
}

static void check_code64(uint64_t d, unsigned dpl)
{
    cr_assert(desc_bit(d, BIT_P) && desc_bit(d, BIT_S));
    cr_assert(desc_bit(d, BIT_L), "64-bit code");
    cr_assert_not(desc_bit(d, BIT_DB), "L and D together are reserved");
    cr_assert_eq(desc_type(d), 0xB);
    cr_assert_eq(desc_dpl(d), dpl);
    cr_assert_eq(desc_base(d), 0);
}

static void check_data(uint64_t d, unsigned dpl)
{
    cr_assert(desc_bit(d, BIT_P) && desc_bit(d, BIT_S));
    cr_assert_not(desc_bit(d, BIT_L));
    cr_assert_eq(desc_type(d), 0x3);
    cr_assert_eq(desc_dpl(d), dpl);
    cr_assert_eq(desc_base(d), 0);
    cr_assert_eq(desc_limit(d), 0xFFFFF);
    cr_assert(desc_bit(d, BIT_G));
}

Test(cpu, gdt_kernel_segments_are_dpl0, .init = build_gdt)
{
    check_code64(gdt[X86_SEL_KCODE >> 3], 0);
    check_data(gdt[X86_SEL_KDATA >> 3], 0);
}

Test(cpu, gdt_user_segments_are_dpl3, .init = build_gdt)
{
    check_code64(gdt[X86_SEL_UCODE >> 3], 3);
    check_data(gdt[X86_SEL_UDATA >> 3], 3);
}

Test(cpu, gdt_tss_descriptor_spans_two_slots, .init = build_gdt)
{
    uint64_t lo = gdt[X86_SEL_TSS >> 3];
    uint64_t hi = gdt[(X86_SEL_TSS >> 3) + 1];
    cr_assert(desc_bit(lo, BIT_P));
    cr_assert_not(desc_bit(lo, BIT_S), "a system descriptor");
    cr_assert_not(desc_bit(lo, BIT_G), "byte-granular limit");
    cr_assert_eq(desc_type(lo), X86_SEG_TYPE_TSS64_BUSY);
    cr_assert_eq(desc_dpl(lo), 0);
    cr_assert_eq(desc_limit(lo), x86_tss_size() - 1);
    cr_assert_eq(desc_base(lo) | (hi & 0xFFFFFFFF) << 32, TSS_BASE);
    cr_assert_eq(hi >> 32, 0, "the upper half of the second word is reserved");
}

static uint8_t idt[X86_IDT_VECTORS * X86_IDT_GATE_SIZE];

static void build_idt(void)
{
    memset(idt, 0xcc, sizeof(idt));
    x86_build_idt(idt, sizeof(idt), STUB_BASE, STUB_STRIDE, X86_EXCEPTION_VECTORS);
}

static void gate_words(unsigned vector, uint64_t words[2])
{
    memcpy(words, idt + vector * X86_IDT_GATE_SIZE, 2 * sizeof(uint64_t));
}

Test(cpu, idt_gate_points_at_its_stub, .init = build_idt)
{
    for (unsigned v = 0; v < X86_EXCEPTION_VECTORS; v++) {
        uint64_t g[2];
        gate_words(v, g);
        uint64_t offset = (g[0] & 0xFFFF) | ((g[0] >> 48) & 0xFFFF) << 16 | (g[1] & 0xFFFFFFFF) << 32;
        cr_assert_eq(offset, STUB_BASE + v * STUB_STRIDE, "vector %u", v);
        cr_assert_eq((g[0] >> 16) & 0xFFFF, X86_SEL_KCODE);
        cr_assert_eq((g[0] >> 32) & 7, 0, "IST 0");
        cr_assert_eq(desc_type(g[0]), 0xE, "64-bit interrupt gate");
        cr_assert(desc_bit(g[0], BIT_P));
        cr_assert_not(desc_bit(g[0], BIT_S));
        cr_assert_eq(g[1] >> 32, 0);
    }
}

Test(cpu, idt_only_breakpoint_and_overflow_are_dpl3, .init = build_idt)
{
    for (unsigned v = 0; v < X86_EXCEPTION_VECTORS; v++) {
        uint64_t g[2];
        gate_words(v, g);
        unsigned want = (v == X86_VEC_BP || v == X86_VEC_OF) ? 3 : 0;
        cr_assert_eq(desc_dpl(g[0]), want, "vector %u", v);
    }
}

Test(cpu, idt_is_zero_past_the_last_gate, .init = build_idt)
{
    for (size_t i = X86_EXCEPTION_VECTORS * X86_IDT_GATE_SIZE; i < sizeof(idt); i++)
        cr_assert_eq(idt[i], 0, "byte %zu", i);
}

static const uint16_t open_ports[] = {0xE0, 0xE1, 0xE2, 0xE3, 0x3F8};

static uint8_t *build_tss(void)
{
    uint8_t *tss = malloc(x86_tss_size());
    cr_assert_not_null(tss);
    memset(tss, 0x5a, x86_tss_size());
    x86_build_tss(tss, RSP0, open_ports, sizeof(open_ports) / sizeof(open_ports[0]));
    return tss;
}

static bool port_denied(const uint8_t *tss, unsigned port)
{
    uint16_t base;
    memcpy(&base, tss + 102, sizeof(base));
    return (tss[base + port / 8] >> (port % 8)) & 1;
}

Test(cpu, tss_size_is_header_bitmap_and_terminator)
{
    cr_assert_eq(x86_tss_size(), 104 + 8192 + 1);
}

Test(cpu, tss_header_holds_rsp0_and_iomap_base)
{
    uint8_t *tss = build_tss();
    uint64_t rsp0;
    uint16_t base;
    memcpy(&rsp0, tss + 4, sizeof(rsp0));
    memcpy(&base, tss + 102, sizeof(base));
    cr_assert_eq(rsp0, RSP0);
    cr_assert_eq(base, 104);
    for (size_t i = 12; i < 102; i++)
        cr_assert_eq(tss[i], 0, "RSP1-2, IST1-7 and reserved fields are zero (byte %zu)", i);
    free(tss);
}

Test(cpu, tss_bitmap_opens_only_the_listed_ports)
{
    uint8_t *tss = build_tss();
    for (size_t i = 0; i < sizeof(open_ports) / sizeof(open_ports[0]); i++)
        cr_assert_not(port_denied(tss, open_ports[i]), "port %#x", open_ports[i]);
    cr_assert(port_denied(tss, 0xDF));
    cr_assert(port_denied(tss, 0xE4));
    cr_assert(port_denied(tss, 0x3F7));
    cr_assert(port_denied(tss, 0x3F9));
    cr_assert(port_denied(tss, 0));
    cr_assert(port_denied(tss, 0xFFFF));
    unsigned open = 0;
    for (unsigned port = 0; port < 65536; port++)
        open += !port_denied(tss, port);
    cr_assert_eq(open, sizeof(open_ports) / sizeof(open_ports[0]));
    free(tss);
}

Test(cpu, tss_bitmap_ends_with_an_all_ones_byte)
{
    uint8_t *tss = build_tss();
    cr_assert_eq(tss[x86_tss_size() - 1], 0xFF);
    free(tss);
}

Test(cpu, exception_names)
{
    cr_assert_str_eq(x86_exception_name(X86_VEC_DE), "divide error (#DE)");
    cr_assert_str_eq(x86_exception_name(X86_VEC_DB), "debug (#DB)");
    cr_assert_str_eq(x86_exception_name(X86_VEC_BP), "breakpoint (#BP)");
    cr_assert_str_eq(x86_exception_name(X86_VEC_UD), "invalid opcode (#UD)");
    cr_assert_str_eq(x86_exception_name(X86_VEC_GP), "general protection (#GP)");
    cr_assert_str_eq(x86_exception_name(X86_VEC_PF), "page fault (#PF)");
    cr_assert_str_eq(x86_exception_name(X86_VEC_CP), "control protection (#CP)");
}

Test(cpu, unknown_vectors_are_named_exception)
{
    cr_assert_str_eq(x86_exception_name(15), "exception");
    cr_assert_str_eq(x86_exception_name(31), "exception");
    cr_assert_str_eq(x86_exception_name(32), "exception");
    cr_assert_str_eq(x86_exception_name(1000), "exception");
}

Test(cpu, error_code_vectors_match_the_sdm)
{
    const unsigned with_code[] = {8, 10, 11, 12, 13, 14, 17, 21, 29, 30};
    unsigned count = 0;
    for (unsigned v = 0; v < 64; v++)
        count += x86_exception_has_error_code(v);
    cr_assert_eq(count, sizeof(with_code) / sizeof(with_code[0]));
    for (size_t i = 0; i < sizeof(with_code) / sizeof(with_code[0]); i++)
        cr_assert(x86_exception_has_error_code(with_code[i]), "vector %u", with_code[i]);
}

Test(cpu, vector_numbers_match_the_sdm)
{
    cr_assert_eq(X86_VEC_DE, 0);
    cr_assert_eq(X86_VEC_BP, 3);
    cr_assert_eq(X86_VEC_UD, 6);
    cr_assert_eq(X86_VEC_DF, 8);
    cr_assert_eq(X86_VEC_GP, 13);
    cr_assert_eq(X86_VEC_PF, 14);
    cr_assert_eq(X86_VEC_CP, 21);
}

Test(cpu, control_and_msr_constants_match_the_sdm)
{
    cr_assert_eq(X86_CR0_PG | X86_CR0_PE | X86_CR0_WP, 0x80010001ULL);
    cr_assert_eq(X86_CR4_PAE | X86_CR4_LA57 | X86_CR4_OSFXSR, 0x1220ULL);
    cr_assert_eq(X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SCE, 0xD01ULL);
    cr_assert_eq(X86_MSR_EFER, 0xC0000080U);
    cr_assert_eq(X86_MSR_IA32_PAT, 0x277U);
    cr_assert_eq(X86_RFLAGS_FIXED | X86_RFLAGS_TF | X86_RFLAGS_IF, 0x302ULL);
}
