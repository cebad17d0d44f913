/* inject_target.c: test guest for fault injection (docs/faults.md): checks its syscalls' statuses.
 *   inject_target writes   three zx_process_write_memory calls of "xyz" into its own .data, each printed
 *                          with its status, actual and the bytes after it; returns the number that failed.
 *   inject_target ignore   a zx_handle_close whose status it ignores; prints "done".
 *   inject_target word     prints its global `inject_word` (a flip target), after a first printf.
 *   inject_target words    the same, then prints it twice more, each time in its own printf (lifespans).
 *   inject_target sleep MS sleeps MS milliseconds, then prints "slept" (time triggers). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

#define USAGE_RETCODE 2
#define WRITES        3

/* Page-aligned, alone on its page, so a scenario can unmap it. */
static char target[4096] __attribute__((aligned(4096))) = "abc";
volatile uint32_t inject_word = 0x1234;

static int writes(void)
{
    int failed = 0;
    for (int i = 1; i <= WRITES; i++) {
        memcpy(target, "abc", 4);
        size_t actual = 0;
        zx_status_t st = zx_process_write_memory(zx_process_self(), (zx_vaddr_t)target, "xyz", 3, &actual);
        printf("write%d=%s actual=%zu target=%s\n", i, zx_status_get_string(st), actual, target);
        failed += st != ZX_OK;
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "writes") == 0)
        return writes();
    if (argc == 2 && strcmp(argv[1], "ignore") == 0) {
        zx_handle_close(ZX_HANDLE_INVALID);
        printf("done\n");
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
        zx_nanosleep(zx_deadline_after(ZX_MSEC(atoi(argv[2]))));
        printf("slept\n");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "words") == 0) {
        printf("word at %p\n", (void *)&inject_word);
        for (int i = 1; i <= 3; i++)
            printf("word%d=0x%x\n", i, (unsigned)inject_word);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "word") == 0) {
        printf("word at %p\n", (void *)&inject_word);
        printf("word=0x%x\n", (unsigned)inject_word);
        return 0;
    }
    return USAGE_RETCODE;
}
