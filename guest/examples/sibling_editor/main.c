/*
 * main.c: sibling_editor: one process edits another's memory with zx_process_write_memory.
 *
 * Run it twice in one VM: the spawned copy ("target") waits for its message to
 * change; the main copy finds it through the job and overwrites the message.
 * Both run the same program, so the message has the same address in both.
 *
 *   zxvmm run --cmdline kernel.enable-debugging-syscalls=true \
 *       --spawn "sibling_editor target" sibling_editor
 */
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/object.h>

#define POLL_NS 1000000 /* 1 ms */

static volatile char message[32] = "original";

static int target(void)
{
    while (strcmp((const char *)message, "original") == 0)
        zx_nanosleep(zx_deadline_after(POLL_NS));
    printf("target: my message is now \"%s\"\n", (const char *)message);
    return 0;
}

/* The first process of the job that is not this one. */
static zx_status_t find_sibling(zx_handle_t *out)
{
    zx_koid_t koids[8];
    size_t actual = 0, avail = 0;
    zx_info_handle_basic_t self;
    zx_status_t s =
        zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual, &avail);
    if (s == ZX_OK)
        s = zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &self, sizeof(self), NULL, NULL);
    for (size_t i = 0; s == ZX_OK && i < actual; i++)
        if (koids[i] != self.koid)
            return zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, out);
    return s == ZX_OK ? ZX_ERR_NOT_FOUND : s;
}

static int editor(void)
{
    zx_handle_t sibling;
    zx_status_t s = find_sibling(&sibling);
    if (s != ZX_OK) {
        printf("editor: no sibling (%s); run me with --spawn \"sibling_editor target\"\n",
               zx_status_get_string(s));
        return 1;
    }
    const char edit[] = "edited by my sibling";
    size_t actual = 0;
    s = zx_process_write_memory(sibling, (zx_vaddr_t)message, edit, sizeof(edit), &actual);
    if (s != ZX_OK) {
        printf("editor: zx_process_write_memory: %s%s\n", zx_status_get_string(s),
               s == ZX_ERR_NOT_SUPPORTED ? " (pass --cmdline kernel.enable-debugging-syscalls=true)" : "");
        zx_task_kill(sibling);
        return 1;
    }
    zx_object_wait_one(sibling, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    zx_info_process_t info;
    zx_object_get_info(sibling, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    printf("editor: wrote %zu bytes; the target exited with %lld\n", actual, (long long)info.return_code);
    return 0;
}

int main(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[1], "target") == 0 ? target() : editor();
}
