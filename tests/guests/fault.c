/* fault.c: test guest: prints "about to fault", then raises the CPU exception named by argv[1]. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zxvmm/abi.h>

#define USAGE_RETCODE      2
#define SURVIVED_RETCODE   1
#define LOW_ADDR           0x10
#define NONCANONICAL_ADDR  0x8000000000000000ULL
#define UNOPENED_PORT      0x80
#define RET_OPCODE         0xC3
#define RECURSION_FRAME_NB 4096

static const char read_only[] = "read-only";

/* Hides an address from the compiler so that it emits the access as written. */
static uintptr_t opaque(uintptr_t addr)
{
    volatile uintptr_t v = addr;
    return v;
}

static void fault_divide(void)
{
    volatile uint32_t zero = 0;
    uint32_t lo = 1;
    uint32_t hi = 0;
    __asm__ volatile("divl %[d]" : "+a"(lo), "+d"(hi) : [d] "r"(zero));
}

/* Never reached: a 256 KiB stack holds far fewer page-sized frames; volatile so gcc cannot prove that. */
static volatile unsigned recursion_limit = UINT32_MAX;

/* Recurses with a page-sized frame until the stack reaches its guard page. */
__attribute__((noinline)) static unsigned recurse(unsigned depth)
{
    volatile uint8_t frame[RECURSION_FRAME_NB];
    if (depth == recursion_limit)
        return 0;
    frame[0] = (uint8_t)depth;
    frame[RECURSION_FRAME_NB - 1] = (uint8_t)depth;
    return recurse(depth + 1) + frame[0] + frame[RECURSION_FRAME_NB - 1];
}

static void fault_nx(void)
{
    volatile uint8_t code[16];
    code[0] = RET_OPCODE;
    void (*fn)(void) = (void (*)(void))opaque((uintptr_t)code);
    fn();
}

static int raise_fault(const char *name)
{
    if (strcmp(name, "pf") == 0)
        (void)*(volatile uint32_t *)opaque(LOW_ADDR);
    else if (strcmp(name, "pf_write_rodata") == 0)
        *(volatile char *)opaque((uintptr_t)read_only) = 'w';
    else if (strcmp(name, "ud") == 0)
        __asm__ volatile("ud2");
    else if (strcmp(name, "gp") == 0)
        (void)*(volatile uint64_t *)opaque(NONCANONICAL_ADDR);
    else if (strcmp(name, "bp") == 0)
        __asm__ volatile("int3");
    else if (strcmp(name, "de") == 0)
        fault_divide();
    else if (strcmp(name, "stack_overflow") == 0)
        printf("depth=%u\n", recurse(0));
    else if (strcmp(name, "badport") == 0)
        __asm__ volatile("outb %%al, %[port]" : : "a"(0), [port] "N"(UNOPENED_PORT));
    else if (strcmp(name, "nx") == 0)
        fault_nx();
    else if (strcmp(name, "kernel_read") == 0)
        (void)*(volatile uint64_t *)opaque(ZXVMM_SHIM_BASE);
    else
        return USAGE_RETCODE;
    return SURVIVED_RETCODE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: fault CASE\n");
        return USAGE_RETCODE;
    }
    printf("about to fault\n");
    int ret = raise_fault(argv[1]);
    printf(ret == USAGE_RETCODE ? "unknown case\n" : "survived\n");
    return ret;
}
