/* hostile.c: test guest doing what a hostile program would: privileged instructions, int N, port I/O, vDSO
 * entry at odd offsets, forged syscalls, resource exhaustion and output floods (one role per argv[1]). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zxvmm/abi.h>

#define USAGE_RETCODE       2
#define OUT_EAX_IMM8_OPCODE 0xE7
#define STUB_SCAN_BYTES     64
#define FORGED_MAX_NUMBER   64
#define PAGE                4096u
#define MAX_OBJECTS         8192
#define MAX_MAPPINGS        4000
#define FLOOD_LINE          64
#define SYSNUM_DEBUG_WRITE  19 /* zx_debug_write in abi.h's table */

/* int_table + 4 * N: `int $N; ret; nop` for every vector N (int $3 too is the two-byte form). */
__asm__(".pushsection .text\n"
        ".globl hostile_int_table\n"
        "hostile_int_table:\n"
        ".set vector, 0\n"
        ".rept 256\n"
        ".byte 0xcd, vector, 0xc3, 0x90\n"
        ".set vector, vector + 1\n"
        ".endr\n"
        ".popsection\n");
extern const uint8_t hostile_int_table[];

static void announce(const char *role, const char *what)
{
    printf("hostile %s %s\n", role, what);
}

/* One privileged or unusual instruction by name; returns when the CPU let it pass. */
static int privileged(const char *name)
{
    static const uint8_t gdtr[10];
    uint64_t zero = 0;
    if (!strcmp(name, "hlt"))
        __asm__ volatile("hlt");
    else if (!strcmp(name, "cli"))
        __asm__ volatile("cli");
    else if (!strcmp(name, "sti"))
        __asm__ volatile("sti");
    else if (!strcmp(name, "rdmsr"))
        __asm__ volatile("rdmsr" : : "c"(0xC0000080u) : "rax", "rdx");
    else if (!strcmp(name, "wrmsr"))
        __asm__ volatile("wrmsr" : : "c"(0xC0000080u), "a"(0), "d"(0));
    else if (!strcmp(name, "lgdt"))
        __asm__ volatile("lgdt %0" : : "m"(gdtr));
    else if (!strcmp(name, "lidt"))
        __asm__ volatile("lidt %0" : : "m"(gdtr));
    else if (!strcmp(name, "ltr"))
        __asm__ volatile("ltr %w0" : : "r"(0x28));
    else if (!strcmp(name, "mov_cr3"))
        __asm__ volatile("mov %0, %%cr3" : : "r"(zero));
    else if (!strcmp(name, "read_cr3"))
        __asm__ volatile("mov %%cr3, %0" : "=r"(zero));
    else if (!strcmp(name, "mov_cr0"))
        __asm__ volatile("mov %0, %%cr0" : : "r"(zero));
    else if (!strcmp(name, "mov_cr4"))
        __asm__ volatile("mov %0, %%cr4" : : "r"(zero));
    else if (!strcmp(name, "mov_dr7"))
        __asm__ volatile("mov %0, %%dr7" : : "r"((uint64_t)0x3ff));
    else if (!strcmp(name, "invlpg"))
        __asm__ volatile("invlpg (%0)" : : "r"(ZXVMM_VDSO_BASE) : "memory");
    else if (!strcmp(name, "wbinvd"))
        __asm__ volatile("wbinvd");
    else if (!strcmp(name, "invd"))
        __asm__ volatile("invd");
    else if (!strcmp(name, "clts"))
        __asm__ volatile("clts");
    else if (!strcmp(name, "swapgs"))
        __asm__ volatile("swapgs");
    else if (!strcmp(name, "rdpmc"))
        __asm__ volatile("rdpmc" : : "c"(0) : "rax", "rdx");
    else if (!strcmp(name, "xsetbv"))
        __asm__ volatile("xsetbv" : : "c"(0), "a"(1), "d"(0));
    else if (!strcmp(name, "iretq_forged"))
        __asm__ volatile("pushq $0\n pushq $0\n pushq $0x2\n pushq $0x8\n pushq $0\n iretq");
    else if (!strcmp(name, "sysret"))
        __asm__ volatile("sysretq");
    else if (!strcmp(name, "sysenter"))
        __asm__ volatile("sysenter");
    else if (!strcmp(name, "syscall"))
        __asm__ volatile("syscall" : : : "rcx", "r11", "memory");
    else if (!strcmp(name, "vmcall"))
        __asm__ volatile("vmcall");
    else if (!strcmp(name, "vmmcall"))
        __asm__ volatile("vmmcall");
    else if (!strcmp(name, "icebp"))
        __asm__ volatile(".byte 0xf1");
    else
        return USAGE_RETCODE;
    return 0;
}

/* in or out of `width` bytes (1, 2, 4) on `port`. */
static int port_io(unsigned port, const char *dir, unsigned width)
{
    uint32_t v = 0;
    uint16_t p = (uint16_t)port;
    int out = !strcmp(dir, "out");
    if (width == 1 && out)
        __asm__ volatile("outb %%al, %%dx" : : "a"(v), "d"(p));
    else if (width == 1)
        __asm__ volatile("inb %%dx, %%al" : "=a"(v) : "d"(p));
    else if (width == 2 && out)
        __asm__ volatile("outw %%ax, %%dx" : : "a"(v), "d"(p));
    else if (width == 2)
        __asm__ volatile("inw %%dx, %%ax" : "=a"(v) : "d"(p));
    else if (width == 4 && out)
        __asm__ volatile("outl %%eax, %%dx" : : "a"(v), "d"(p));
    else if (width == 4)
        __asm__ volatile("inl %%dx, %%eax" : "=a"(v) : "d"(p));
    else
        return USAGE_RETCODE;
    printf("port_result=0x%x\n", v);
    return 0;
}

/* Calls vDSO base + offset with every argument register zero; prints what came back in rax. */
static int vdso_jump(uint64_t offset)
{
    uint64_t rax = 0;
    uintptr_t target = ZXVMM_VDSO_BASE + offset;
    __asm__ volatile("xor %%edi, %%edi\n xor %%esi, %%esi\n xor %%edx, %%edx\n call *%[t]"
                     : "+a"(rax)
                     : [t] "r"(target)
                     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    printf("returned rax=%lld\n", (long long)rax);
    return 0;
}

/* The `out %eax, $ZXVMM_PORT_SYSCALL` inside zx_system_get_page_size, or 0. */
static uintptr_t find_vdso_out(void)
{
    const volatile uint8_t *code = (const volatile uint8_t *)(uintptr_t)&zx_system_get_page_size;
    for (int i = 0; i + 1 < STUB_SCAN_BYTES; i++)
        if (code[i] == OUT_EAX_IMM8_OPCODE && code[i + 1] == ZXVMM_PORT_SYSCALL)
            return (uintptr_t)&code[i];
    return 0;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint8_t scratch[PAGE];
static char printable[PAGE]; /* dots: what a forged zx_debug_write prints */

/* A garbage argument: a literal, a bad pointer of each kind, or the scratch buffer. */
static uint64_t garbage(void)
{
    switch (rng() % 8) {
    case 0:
        return rng();
    case 1:
        return rng() & 0xffff;
    case 2:
        return 0;
    case 3:
        return 0xffff800000000000ULL + (rng() & 0xffff); /* kernel half */
    case 4:
        return 0x8000000000000000ULL + (rng() & 0xffff); /* non-canonical */
    case 5:
        return ZXVMM_VDSO_BASE + (rng() & 0xfff); /* read-only */
    case 6:
        return (uint64_t)(uintptr_t)scratch + (rng() % PAGE); /* writable, ours */
    default:
        return (uint64_t)(int64_t)(int32_t)rng();
    }
}

/* Numbers whose garbage arguments could end or block the caller: exit, kill, sleep, waits, suspend. */
static int forged_number_skipped(uint64_t n)
{
    return n == 6 || n == 7 || n == 8 || n == 20 || n == 25 || n == 32 || n == 33;
}

static int64_t forged_call(uintptr_t out, uint64_t n, const uint64_t a[8])
{
    register uint64_t r10 __asm__("r10") = a[3];
    register uint64_t r8 __asm__("r8") = a[4];
    register uint64_t r9 __asm__("r9") = a[5];
    register uint64_t r12 __asm__("r12") = a[6];
    register uint64_t r13 __asm__("r13") = a[7];
    uint64_t rax = n;
    __asm__ volatile("call *%[t]"
                     : "+a"(rax), "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r12), "+r"(r13)
                     : [t] "r"(out), "D"(a[0]), "S"(a[1]), "d"(a[2])
                     : "rcx", "r11", "memory", "cc");
    return (int64_t)rax;
}

/* `count` syscalls with forged numbers (small, past the table, any 64-bit value) and garbage arguments. */
static int forged_syscalls(unsigned long count, uint64_t seed)
{
    uintptr_t out = find_vdso_out();
    if (out == 0)
        return USAGE_RETCODE;
    rng_state = seed | 1;
    memset(printable, '.', sizeof(printable));
    unsigned long made = 0, positive = 0, bad_syscall = 0;
    while (made < count) {
        uint64_t n = rng() % 4 == 0 ? rng() : rng() % FORGED_MAX_NUMBER;
        if (forged_number_skipped(n & 0xffffffffu))
            continue;
        uint64_t a[8];
        for (int i = 0; i < 8; i++)
            a[i] = garbage();
        /* zx_debug_write prints from a buffer nothing else is pointed at, so that the host's output stays
           text (a NUL would hide the rest of it from the test). */
        if ((uint32_t)n == SYSNUM_DEBUG_WRITE)
            a[0] = (uint64_t)(uintptr_t)printable;
        int64_t status = forged_call(out, n, a);
        made++;
        /* Only the clock, deadline and page-size calls return a value instead of a status. */
        positive += (int32_t)status > 0 && ((uint32_t)n < 21 || (uint32_t)n > 23);
        bad_syscall += (int32_t)status == ZX_ERR_BAD_SYSCALL;
    }
    printf("\nforged calls=%lu positive=%lu bad_syscall=%lu\n", made, positive, bad_syscall);
    return 0;
}

static zx_handle_t objects[MAX_OBJECTS];

/* Duplicates the self handle until the table is full, then frees them all and checks one works again. */
static int exhaust_handles(void)
{
    zx_status_t status = ZX_OK;
    unsigned n = 0;
    while (n < MAX_OBJECTS &&
           (status = zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &objects[n])) == ZX_OK)
        n++;
    printf("handles=%u status=%d\n", n, status);
    for (unsigned i = 0; i < n; i++)
        zx_handle_close(objects[i]);
    zx_handle_t again;
    printf("after_close=%d\n", zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &again));
    return 0;
}

/* Creates VMOs of `size` bytes until guest RAM runs out, then frees them and creates one again. */
static int exhaust_vmos(uint64_t size)
{
    zx_status_t status = ZX_OK;
    unsigned n = 0;
    while (n < MAX_OBJECTS && (status = zx_vmo_create(size, 0, &objects[n])) == ZX_OK)
        n++;
    printf("vmos=%u status=%d\n", n, status);
    for (unsigned i = 0; i < n; i++)
        zx_handle_close(objects[i]);
    zx_handle_t again;
    printf("after_close=%d\n", zx_vmo_create(size, 0, &again));
    return 0;
}

/* Maps one page MAX_MAPPINGS times (or until an error), touches each, then unmaps them all. */
static int many_mappings(void)
{
    static zx_vaddr_t addrs[MAX_MAPPINGS];
    zx_handle_t vmo;
    if (zx_vmo_create(PAGE, 0, &vmo) != ZX_OK)
        return USAGE_RETCODE;
    zx_status_t status = ZX_OK;
    unsigned n = 0;
    while (n < MAX_MAPPINGS && (status = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE,
                                                     0, vmo, 0, PAGE, &addrs[n])) == ZX_OK) {
        *(volatile uint32_t *)addrs[n] = n;
        n++;
    }
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++) {
        bad += *(volatile uint32_t *)addrs[i] != n - 1; /* one VMO: every mapping sees the last write */
        bad += zx_vmar_unmap(zx_vmar_root_self(), addrs[i], PAGE) != ZX_OK;
    }
    printf("mappings=%u status=%d bad=%u\n", n, status, bad);
    return 0;
}

/* Writes `bytes` of numbered 64-byte lines, then a closing line. */
static int flood(unsigned long bytes, const char *tag)
{
    unsigned long lines = bytes / FLOOD_LINE;
    for (unsigned long i = 0; i < lines; i++)
        printf("%s %08lu %*s\n", tag, i, (int)(FLOOD_LINE - 11 - strlen(tag)), "x");
    printf("flood %s done lines=%lu\n", tag, lines);
    return 0;
}

/* The well-behaved process beside the hostile ones: sleeps, then says it is still alive. */
static int survivor(unsigned long ms)
{
    zx_nanosleep(zx_deadline_after(ZX_MSEC((int64_t)ms)));
    printf("survivor alive\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return USAGE_RETCODE;
    const char *role = argv[1];
    const char *arg = argc > 2 ? argv[2] : "";
    announce(role, arg);
    if (!strcmp(role, "priv")) {
        int rc = privileged(arg);
        if (rc == 0)
            printf("survived %s\n", arg);
        return rc;
    }
    if (!strcmp(role, "int")) {
        unsigned long vector = strtoul(arg, NULL, 0);
        if (vector > 255)
            return USAGE_RETCODE;
        ((void (*)(void))(uintptr_t)(hostile_int_table + 4 * vector))();
        printf("survived int %lu\n", vector);
        return 0;
    }
    if (!strcmp(role, "port") && argc == 5)
        return port_io((unsigned)strtoul(arg, NULL, 0), argv[3], (unsigned)strtoul(argv[4], NULL, 0));
    if (!strcmp(role, "vdso"))
        return vdso_jump(strtoull(arg, NULL, 0));
    if (!strcmp(role, "syscalls") && argc == 4)
        return forged_syscalls(strtoul(arg, NULL, 0), strtoull(argv[3], NULL, 0));
    if (!strcmp(role, "handles"))
        return exhaust_handles();
    if (!strcmp(role, "vmos"))
        return exhaust_vmos(strtoull(arg, NULL, 0));
    if (!strcmp(role, "mappings"))
        return many_mappings();
    if (!strcmp(role, "flood") && argc == 4)
        return flood(strtoul(arg, NULL, 0), argv[3]);
    if (!strcmp(role, "survivor"))
        return survivor(strtoul(arg, NULL, 0));
    return USAGE_RETCODE;
}
