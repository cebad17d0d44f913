/* test_crash_report.c: symbol lookup in a guest program's ELF, and the detail lines of a crash report. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "boot/elf.h"
#include "boot/symbols.h"
#include "vm/crash_report.h"
#include "x86_64/cpu.h"

static uint8_t *elf;
static size_t elf_size;

static void load_fault_guest(void)
{
    char err[256];
    cr_assert_eq(elf_read_file(ZXVMM_GUESTS "/fault", 1 << 26, &elf, &elf_size, err, sizeof(err)), 0, "%s",
                 err);
}

static void unload(void)
{
    free(elf);
}

TestSuite(crash_report, .init = load_fault_guest, .fini = unload);

Test(crash_report, symbols_name_an_address_inside_a_function)
{
    uint64_t main_addr;
    cr_assert(symbols_find(elf, elf_size, "main", &main_addr));
    char name[64];
    uint64_t off = 99;
    cr_assert(symbols_lookup(elf, elf_size, main_addr + 3, name, sizeof(name), &off));
    cr_assert_str_eq(name, "main");
    cr_assert_eq(off, 3);
    cr_assert_not(symbols_lookup(elf, elf_size, 0x10, name, sizeof(name), &off));
}

Test(crash_report, hostile_or_stripped_files_have_no_symbols)
{
    char name[64];
    uint64_t off;
    for (size_t cut = 0; cut < elf_size; cut += elf_size / 97 + 1)
        symbols_lookup(elf, cut, 0x20001000, name, sizeof(name), &off); /* never reads past `cut` (ASan) */
    uint8_t junk[256] = {0x7f, 'E', 'L', 'F', 2};
    memset(junk + 5, 0xff, sizeof(junk) - 5);
    cr_assert_not(symbols_lookup(junk, sizeof(junk), 0, name, sizeof(name), &off));
}

Test(crash_report, names_symbol_offset_and_registers)
{
    uint64_t main_addr;
    cr_assert(symbols_find(elf, elf_size, "main", &main_addr));
    struct crash_info c = {.vector = X86_VEC_UD, .rip = main_addr + 0x10, .rflags = 0x10246};
    for (unsigned i = 0; i < CRASH_GPRS; i++)
        c.gprs[i] = 0x1000 + i;
    char out[4096];
    crash_report_format(out, sizeof(out), &c, elf, elf_size, false, NULL, NULL);
    cr_assert(strstr(out, "zxvmm:   at main+0x10\n") != NULL, "%s", out);
    cr_assert(strstr(out, "rax 0x") != NULL, "%s", out);
    cr_assert(strstr(out, "rbx 0x0000000000001001") != NULL, "%s", out);
    cr_assert(strstr(out, "r15 0x000000000000100f\n") != NULL, "%s", out);
    cr_assert(strstr(out, "rflags 0x10246") != NULL, "%s", out);
    cr_assert_null(strstr(out, "hint"), "%s", out);
    cr_assert_null(strstr(out, "backtrace"), "%s", out);
}

Test(crash_report, guard_page_fault_gets_a_stack_overflow_hint)
{
    struct crash_info c = {.vector = X86_VEC_PF,
                           .has_cr2 = true,
                           .cr2 = ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE - 8,
                           .rip = 0x20001000};
    char out[4096];
    crash_report_format(out, sizeof(out), &c, NULL, 0, false, NULL, NULL);
    cr_assert(strstr(out, "is in the guard page below the stack: the stack (256 KiB) overflowed") != NULL,
              "%s", out);
    c.cr2 = ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE; /* the stack's lowest byte: not the guard page */
    crash_report_format(out, sizeof(out), &c, NULL, 0, false, NULL, NULL);
    cr_assert_null(strstr(out, "hint"), "%s", out);
}

/* A fake stack: two frames whose return addresses lie in main. */
static uint64_t fake_stack[8];
#define FAKE_BASE 0x7fef00000000ULL

static bool fake_read(void *ctx, uint64_t va, void *buf, size_t len)
{
    (void)ctx;
    if (va < FAKE_BASE || va + len > FAKE_BASE + sizeof(fake_stack))
        return false;
    memcpy(buf, (uint8_t *)fake_stack + (va - FAKE_BASE), len);
    return true;
}

Test(crash_report, verbose_backtrace_follows_frame_pointers)
{
    uint64_t main_addr;
    cr_assert(symbols_find(elf, elf_size, "main", &main_addr));
    fake_stack[0] = FAKE_BASE + 32; /* saved rbp -> next frame */
    fake_stack[1] = main_addr + 5;  /* return address */
    fake_stack[4] = 0;              /* end of the chain */
    fake_stack[5] = main_addr + 9;
    struct crash_info c = {.vector = X86_VEC_BP, .rip = main_addr + 1};
    c.gprs[6] = FAKE_BASE; /* rbp */
    char out[4096];
    crash_report_format(out, sizeof(out), &c, elf, elf_size, true, fake_read, NULL);
    cr_assert(strstr(out, "#0 0x") != NULL && strstr(out, " main+0x1\n") != NULL, "%s", out);
    cr_assert(strstr(out, " main+0x5\n") != NULL, "%s", out);
    cr_assert(strstr(out, " main+0x9\n") != NULL, "%s", out);
}
