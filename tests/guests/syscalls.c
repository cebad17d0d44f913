/* syscalls.c: test guest: one syscall behaviour per case name in argv[1], results printed as key=value lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zxvmm/abi.h>

#define USAGE_RETCODE        2
#define SLEEP_MS             50
#define NS_PER_MS            1000000
#define UNKNOWN_SYSCALL      999
#define STUB_SCAN_BYTES      32
#define OUT_EAX_IMM8_OPCODE  0xE7
#define UNMAPPED_USER_ADDR   0x7000000000ULL
#define NONCANONICAL_ADDR    0x8000000000000000ULL
#define DEBUG_WRITE_BAD_SIZE 4
#define BAD_HANDLE           0x12345673u
#define DEBUG_WRITE_LONG_NB  300

/* The syscall numbers of abi.h as constants: SYSNUM_zx_debug_write, ... */
#define SYSNUM_ENUM(number, name, nargs) SYSNUM_##name = number,
enum { ZXVMM_SYSCALLS(SYSNUM_ENUM) };

static const char abc[] = "abc\n";

/* Casts an integer address to a pointer through a volatile, so the compiler cannot reason about it. */
static const char *opaque_pointer(uint64_t addr)
{
    volatile uint64_t v = addr;
    return (const char *)(uintptr_t)v;
}

/* Two writes into its own .data: with debugging syscalls off both are refused (the VMM notes it once). */
static void case_write_memory_twice(void)
{
    static char target[4] = "abc";
    size_t actual = 0;
    for (int i = 0; i < 2; i++)
        printf("write%d=%d\n", i,
               zx_process_write_memory(zx_process_self(), (zx_vaddr_t)target, "xyz", 3, &actual));
}

static void case_page_size(void)
{
    printf("page_size=%u\n", zx_system_get_page_size());
}

static void case_clock(void)
{
    zx_time_t a = zx_clock_get_monotonic();
    zx_time_t b = zx_clock_get_monotonic();
    printf("monotonic_increases=%d\n", a > 0 && b >= a);
}

static void case_deadline(void)
{
    zx_time_t before = zx_clock_get_monotonic();
    zx_time_t deadline = zx_deadline_after(0);
    printf("deadline_after_zero_ok=%d\n", deadline >= before);
    printf("infinite_saturates=%d\n", zx_deadline_after(ZX_TIME_INFINITE) == ZX_TIME_INFINITE);
}

static void case_sleep(void)
{
    zx_time_t start = zx_clock_get_monotonic();
    zx_status_t status = zx_nanosleep(zx_deadline_after(ZX_MSEC(SLEEP_MS)));
    zx_time_t end = zx_clock_get_monotonic();
    printf("slept_ms=%lld\n", (long long)((end - start) / NS_PER_MS));
    printf("status=%d\n", status);
}

static void case_sleep_past(void)
{
    printf("sleep_zero_status=%d\n", zx_nanosleep(0));
    printf("sleep_negative_status=%d\n", zx_nanosleep(-1));
}

static void print_debug_write(const char *buffer, size_t size)
{
    printf("status=%d\n", zx_debug_write(buffer, size));
}

/* The address of the `out %eax, $ZXVMM_PORT_SYSCALL` inside zx_system_get_page_size, or 0. */
static uintptr_t find_vdso_out(void)
{
    const volatile uint8_t *code = (const volatile uint8_t *)(uintptr_t)&zx_system_get_page_size;
    for (int i = 0; i + 1 < STUB_SCAN_BYTES; i++) {
        if (code[i] == OUT_EAX_IMM8_OPCODE && code[i + 1] == ZXVMM_PORT_SYSCALL)
            return (uintptr_t)&code[i];
    }
    return 0;
}

/* Calls the vDSO's `out; ret` with eax = an unassigned number; prints what the VMM put in rax. */
static void case_unknown_syscall(void)
{
    uintptr_t target = find_vdso_out();
    if (target == 0) {
        printf("no out instruction found\n");
        return;
    }
    uint64_t rax = UNKNOWN_SYSCALL;
    __asm__ volatile("call *%[target]"
                     : "+a"(rax)
                     : [target] "r"(target)
                     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    printf("status=%d\n", (int32_t)rax);
}

/* Executes the hypercall `out` from program text instead of the vDSO. */
static void case_rogue_out(void)
{
    static const char message[] = "rogue\n";
    uint64_t rax = SYSNUM_zx_debug_write;
    __asm__ volatile("outl %%eax, %[port]"
                     : "+a"(rax)
                     : [port] "N"(ZXVMM_PORT_SYSCALL), "D"(message), "S"(sizeof(message) - 1)
                     : "memory");
    printf("status=%d\n", (int32_t)rax);
}

/* 300 bytes in one call: Zircon cuts a debug write at 256 bytes. */
static void case_debug_write_long(void)
{
    static char line[DEBUG_WRITE_LONG_NB];
    memset(line, 'y', sizeof(line));
    zx_status_t status = zx_debug_write(line, sizeof(line));
    printf("\nstatus=%d\n", status);
}

/* The last two bytes of the stack and two beyond its end: nothing may be written. */
static void case_debug_write_straddle(void)
{
    char *tail = (char *)(uintptr_t)(ZXVMM_STACK_TOP - 2);
    tail[0] = 'S';
    tail[1] = 'T';
    print_debug_write(tail, DEBUG_WRITE_BAD_SIZE);
}

static void case_vdso_addr(void)
{
    uintptr_t addr = (uintptr_t)&zx_handle_close;
    printf("in_vdso=%d\n", addr >= ZXVMM_VDSO_BASE && addr < ZXVMM_VDSO_BASE + ZXVMM_VDSO_MAX_SIZE);
}

static int run_case(const char *name)
{
    if (strcmp(name, "page_size") == 0)
        case_page_size();
    else if (strcmp(name, "clock") == 0)
        case_clock();
    else if (strcmp(name, "deadline") == 0)
        case_deadline();
    else if (strcmp(name, "sleep") == 0)
        case_sleep();
    else if (strcmp(name, "sleep_past") == 0)
        case_sleep_past();
    else if (strcmp(name, "debug_write") == 0)
        print_debug_write(abc, strlen(abc));
    else if (strcmp(name, "debug_write_null") == 0)
        print_debug_write(NULL, DEBUG_WRITE_BAD_SIZE);
    else if (strcmp(name, "debug_write_unmapped") == 0)
        print_debug_write(opaque_pointer(UNMAPPED_USER_ADDR), DEBUG_WRITE_BAD_SIZE);
    else if (strcmp(name, "debug_write_kernel") == 0)
        print_debug_write(opaque_pointer(ZXVMM_SHIM_BASE), DEBUG_WRITE_BAD_SIZE);
    else if (strcmp(name, "debug_write_noncanonical") == 0)
        print_debug_write(opaque_pointer(NONCANONICAL_ADDR), DEBUG_WRITE_BAD_SIZE);
    else if (strcmp(name, "debug_write_zero") == 0)
        print_debug_write(NULL, 0);
    else if (strcmp(name, "debug_write_long") == 0)
        case_debug_write_long();
    else if (strcmp(name, "debug_write_straddle") == 0)
        case_debug_write_straddle();
    else if (strcmp(name, "close_invalid") == 0)
        printf("status=%d\n", zx_handle_close(ZX_HANDLE_INVALID));
    else if (strcmp(name, "close_bad") == 0)
        printf("status=%d\n", zx_handle_close(BAD_HANDLE));
    else if (strcmp(name, "unknown_syscall") == 0)
        case_unknown_syscall();
    else if (strcmp(name, "rogue_out") == 0)
        case_rogue_out();
    else if (strcmp(name, "vdso_addr") == 0)
        case_vdso_addr();
    else if (strcmp(name, "write_memory_twice") == 0)
        case_write_memory_twice();
    else
        return USAGE_RETCODE;
    return 0;
}

int main(int argc, char **argv)
{
    /* The status as the return code, for when the console itself is switched off. */
    if (argc == 2 && strcmp(argv[1], "debug_write_exit") == 0)
        return (uint8_t)zx_debug_write(abc, strlen(abc));
    if (argc < 2 || run_case(argv[1]) != 0) {
        printf("usage: syscalls CASE\n");
        return USAGE_RETCODE;
    }
    return 0;
}
