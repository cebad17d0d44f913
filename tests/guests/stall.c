/* stall.c: test guest for the deadline guarantees: floods stdout, kills a sibling stuck writing, or makes one
 * huge mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "guest_common.h"

#define STALL_LINE_LEN      256
#define STALL_SIBLING_POLLS 1000
#define STALL_POLL_NS       ZX_MSEC(10)
#define STALL_WAIT_NS       ZX_SEC(10) /* how long the kill may take before this guest says it did not */
#define STALL_GIB           (1ULL << 30)

/* Return codes of "kill" (the host cannot read this guest's stdout, so the outcome is the status). */
enum {
    STALL_KILLED = 0,
    STALL_NO_SIBLING = 3,
    STALL_KILL_FAILED = 4,
    STALL_STILL_RUNNING = 5,
    STALL_WRONG_END = 6,
};

/* Writes lines to stdout for ever (returns only if a write fails). */
static int flood(void)
{
    char line[STALL_LINE_LEN];
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\n';
    while (zx_debug_write(line, sizeof(line)) == ZX_OK)
        ;
    return 1;
}

/*
 * Kills the first sibling after `delay_ms` (time for a "flood" to get stuck on
 * a full stdout, or a "map" to be deep in its entries) and waits for it to end.
 */
static int kill_sibling(const char *delay_ms)
{
    zx_handle_t victim = ZX_HANDLE_INVALID;
    for (int i = 0; i < STALL_SIBLING_POLLS && victim == ZX_HANDLE_INVALID; i++) {
        victim = guest_sibling();
        zx_nanosleep(zx_deadline_after(STALL_POLL_NS));
    }
    if (victim == ZX_HANDLE_INVALID)
        return STALL_NO_SIBLING;
    zx_nanosleep(zx_deadline_after(ZX_MSEC(strtoll(delay_ms, NULL, 0))));
    if (zx_task_kill(victim) != ZX_OK)
        return STALL_KILL_FAILED;
    zx_signals_t seen = 0;
    if (zx_object_wait_one(victim, ZX_PROCESS_TERMINATED, zx_deadline_after(STALL_WAIT_NS), &seen) != ZX_OK)
        return STALL_STILL_RUNNING;
    zx_info_process_t info;
    if (zx_object_get_info(victim, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL) != ZX_OK ||
        info.return_code != ZX_TASK_RETCODE_SYSCALL_KILL)
        return STALL_WRONG_END;
    return STALL_KILLED;
}

/* Maps one VMO of `gib` GiB (every page's entry is written at map time), then says how that went. */
static int map_huge(const char *gib)
{
    uint64_t size = strtoull(gib, NULL, 0) * STALL_GIB;
    zx_handle_t vmo;
    zx_status_t s = zx_vmo_create(size, 0, &vmo);
    if (s != ZX_OK) {
        guest_put_status("vmo_create", s);
        return 1;
    }
    zx_vaddr_t addr = 0;
    s = zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, size, &addr);
    guest_put_status("map", s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "flood") == 0)
        return flood();
    if (argc == 3 && strcmp(argv[1], "kill") == 0)
        return kill_sibling(argv[2]);
    if (argc == 3 && strcmp(argv[1], "map") == 0)
        return map_huge(argv[2]);
    printf("usage: stall flood|kill DELAY_MS|map GIB\n");
    return GUEST_USAGE_RETCODE;
}
