/* exec_target.c: test guest for exec triggers (docs/faults.md): a function whose first instruction counts.
 *   exec_target calls N    calls exec_tick() N times; prints "ticks=T value=0xV" (T counts the calls
 *                          that ran its first instruction; V is `exec_value`, a flip target).
 *   exec_target read N     reads exec_tick's first bytes with zx_process_read_memory and prints
 *                          "code=XXXXXX", then does what "calls N" does.
 *   exec_target write N    writes exec_tick's first byte (its own value) with zx_process_write_memory,
 *                          prints "write=STATUS code=XXXXXX" as read back, then does what "calls N" does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

#define USAGE_RETCODE 2
#define CODE_BYTES    3

volatile uint32_t exec_count;
volatile uint32_t exec_value = 0x1234;

/* Its first instruction is 3 known bytes (f0 ff 05: lock incl rel32), RIP-relative: stepping over it
 * elsewhere than at its own address would count wrong. */
__asm__(".text\n"
        ".globl exec_tick\n"
        ".type exec_tick, @function\n"
        "exec_tick:\n"
        "\tlock incl exec_count(%rip)\n"
        "\tret\n"
        ".size exec_tick, . - exec_tick\n");
void exec_tick(void);

static int calls(int n)
{
    for (int i = 0; i < n; i++)
        exec_tick();
    printf("ticks=%u value=0x%x\n", (unsigned)exec_count, (unsigned)exec_value);
    return 0;
}

/* Prints "code=XXXXXX": exec_tick's first bytes as zx_process_read_memory gives them. */
static void print_code(void)
{
    uint8_t code[CODE_BYTES] = {0};
    size_t actual = 0;
    zx_status_t st = zx_process_read_memory(zx_process_self(), (zx_vaddr_t)(uintptr_t)exec_tick, code,
                                            sizeof(code), &actual);
    if (st != ZX_OK || actual != sizeof(code)) {
        printf("read=%s actual=%zu\n", zx_status_get_string(st), actual);
        return;
    }
    printf("code=%02x%02x%02x\n", code[0], code[1], code[2]);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return USAGE_RETCODE;
    int n = atoi(argv[2]);
    if (strcmp(argv[1], "calls") == 0)
        return calls(n);
    if (strcmp(argv[1], "read") == 0) {
        print_code();
        return calls(n);
    }
    if (strcmp(argv[1], "write") == 0) {
        const uint8_t lock = 0xf0;
        size_t actual = 0;
        zx_status_t st =
            zx_process_write_memory(zx_process_self(), (zx_vaddr_t)(uintptr_t)exec_tick, &lock, 1, &actual);
        printf("write=%s ", zx_status_get_string(st));
        print_code();
        return calls(n);
    }
    return USAGE_RETCODE;
}
