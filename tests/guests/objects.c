/* objects.c: test guest for handles, object info, get_child, kill and wait: one case per argv[1], key=value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "guest_common.h"

#define BAD_HANDLE_VALUE  0x12345673u
#define STARTING_HANDLES  4u /* process, root VMAR, job, thread */
#define HANDLE_LIMIT      4096u
#define UNKNOWN_TOPIC     0x12345u
#define PROCESS_TOPIC_V0  3u
#define UNKNOWN_KOID      0x7fffffffULL
#define SHORT_WAIT_MS     20
#define NS_PER_MS         1000000
#define POLL_MS           1
#define POLL_LIMIT        10000
#define SMALL_INFO_BUFFER 8
#define PAGE              4096u
#define KOID_BUFFER_SLOTS 8
#define EXIT_DELAY_MS     300
#define NUMBER_BASE       0 /* strtol: decimal or 0x-prefixed */

static const char read_only_bytes[64] = "read-only";
static zx_handle_t filler[HANDLE_LIMIT];

static zx_handle_t dup_rights(zx_handle_t h, zx_rights_t rights)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    zx_status_t s = zx_handle_duplicate(h, rights, &out);
    if (s != ZX_OK)
        guest_put_status("setup_duplicate", s);
    return out;
}

static zx_handle_t new_vmo(void)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    zx_status_t s = zx_vmo_create(PAGE, 0, &vmo);
    if (s != ZX_OK)
        guest_put_status("setup_vmo_create", s);
    return vmo;
}

static void print_basic(const char *name, zx_handle_t h, zx_info_handle_basic_t *info)
{
    zx_status_t s = zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, info, sizeof(*info), NULL, NULL);
    printf("%s_status=%s\n", name, guest_status_name(s));
    printf("%s_type=%u\n", name, info->type);
    printf("%s_rights=0x%x\n", name, info->rights);
    printf("%s_fixed_bits=%d\n", name, (h & ZX_HANDLE_FIXED_BITS_MASK) == ZX_HANDLE_FIXED_BITS_MASK);
    printf("%s_koid_valid=%d\n", name, info->koid >= ZX_KOID_FIRST);
}

/* Handles. */

GUEST_CASE(starting_handles)
{
    zx_info_handle_basic_t self, vmar, job;
    print_basic("self", zx_process_self(), &self);
    print_basic("vmar", zx_vmar_root_self(), &vmar);
    print_basic("job", zx_job_default(), &job);
    printf("self_related_is_job=%d\n", self.related_koid == job.koid);
    printf("vmar_related=%llu\n", (unsigned long long)vmar.related_koid);
    printf("koids_distinct=%d\n", self.koid != vmar.koid && self.koid != job.koid && vmar.koid != job.koid);
    printf("values_distinct=%d\n", zx_process_self() != zx_vmar_root_self() &&
                                       zx_process_self() != zx_job_default() &&
                                       zx_vmar_root_self() != zx_job_default());
}

GUEST_CASE(dup_same_rights)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &h));
    printf("new_value_differs=%d\n", h != zx_process_self() && h != ZX_HANDLE_INVALID);
    printf("same_koid=%d\n", guest_koid(h) == guest_koid(zx_process_self()));
    printf("rights=0x%x\n", guest_rights(h));
    printf("fixed_bits=%d\n", (h & ZX_HANDLE_FIXED_BITS_MASK) == ZX_HANDLE_FIXED_BITS_MASK);
}

GUEST_CASE(dup_reduced_rights)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("status",
                     zx_handle_duplicate(zx_job_default(), ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE, &h));
    printf("rights=0x%x\n", guest_rights(h));
    printf("original_rights=0x%x\n", guest_rights(zx_job_default()));
}

GUEST_CASE(dup_wider_rights)
{
    zx_handle_t reduced = dup_rights(zx_process_self(), ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE);
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_handle_duplicate(reduced, ZX_RIGHT_INSPECT | ZX_RIGHT_WRITE, &h));
}

GUEST_CASE(dup_same_rights_plus_bit)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("status",
                     zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS | ZX_RIGHT_INSPECT, &h));
}

GUEST_CASE(dup_without_duplicate_right)
{
    zx_handle_t inspect_only = dup_rights(zx_process_self(), ZX_RIGHT_INSPECT);
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_handle_duplicate(inspect_only, ZX_RIGHT_SAME_RIGHTS, &h));
}

GUEST_CASE(dup_bad_handle)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("bad_status", zx_handle_duplicate(BAD_HANDLE_VALUE, ZX_RIGHT_SAME_RIGHTS, &h));
    guest_put_status("invalid_status", zx_handle_duplicate(ZX_HANDLE_INVALID, ZX_RIGHT_SAME_RIGHTS, &h));
}

GUEST_CASE(dup_bad_out)
{
    guest_put_status("null_status", zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, NULL));
    guest_put_status("unmapped_status", zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS,
                                                            guest_opaque(GUEST_UNMAPPED_ADDR)));
    guest_put_status("readonly_status", zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS,
                                                            guest_opaque((uintptr_t)read_only_bytes)));
}

/* Duplicates the process handle until the table is full; returns how many were made. */
static size_t fill_table(zx_status_t *last)
{
    size_t n = 0;
    *last = ZX_OK;
    while (n < HANDLE_LIMIT) {
        *last = zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &filler[n]);
        if (*last != ZX_OK)
            break;
        n++;
    }
    return n;
}

static void empty_table(size_t n)
{
    for (size_t i = 0; i < n; i++)
        zx_handle_close(filler[i]);
}

GUEST_CASE(dup_bad_out_creates_no_handle)
{
    zx_status_t last;
    size_t before = fill_table(&last);
    empty_table(before);
    for (int i = 0; i < 16; i++)
        zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, guest_opaque(GUEST_UNMAPPED_ADDR));
    size_t after = fill_table(&last);
    printf("capacity_unchanged=%d\n", before == after && before > 0);
}

GUEST_CASE(handle_table_exhaustion)
{
    zx_status_t last;
    size_t made = fill_table(&last);
    printf("created=%zu\n", made);
    printf("total=%zu\n", made + STARTING_HANDLES);
    guest_put_status("full_status", last);
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    guest_put_status("vmo_create_full_status", zx_vmo_create(PAGE, 0, &vmo));
    zx_handle_t child = ZX_HANDLE_INVALID;
    guest_put_status(
        "get_child_full_status",
        zx_object_get_child(zx_job_default(), guest_koid(zx_process_self()), ZX_RIGHT_SAME_RIGHTS, &child));
    zx_handle_t replaced = ZX_HANDLE_INVALID;
    guest_put_status("replace_full_status", zx_handle_replace(filler[1], ZX_RIGHT_SAME_RIGHTS, &replaced));
    guest_put_status("close_status", zx_handle_close(filler[0]));
    guest_put_status("after_close_status",
                     zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &filler[0]));
    zx_handle_t extra = ZX_HANDLE_INVALID;
    guest_put_status("full_again_status",
                     zx_handle_duplicate(zx_process_self(), ZX_RIGHT_SAME_RIGHTS, &extra));
}

GUEST_CASE(replace_reduces_rights)
{
    zx_handle_t a = dup_rights(zx_process_self(), ZX_RIGHT_SAME_RIGHTS);
    zx_handle_t b = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_handle_replace(a, ZX_RIGHT_INSPECT | ZX_RIGHT_WAIT, &b));
    printf("rights=0x%x\n", guest_rights(b));
    printf("same_koid=%d\n", guest_koid(b) == guest_koid(zx_process_self()));
    guest_put_status("old_close_status", zx_handle_close(a));
}

GUEST_CASE(replace_wider_rights_consumes)
{
    zx_handle_t a = dup_rights(zx_process_self(), ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE);
    zx_handle_t b = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_handle_replace(a, ZX_RIGHT_INSPECT | ZX_RIGHT_WRITE, &b));
    guest_put_status("old_close_status", zx_handle_close(a));
}

GUEST_CASE(replace_bad_out_consumes)
{
    zx_handle_t a = dup_rights(zx_process_self(), ZX_RIGHT_SAME_RIGHTS);
    guest_put_status("status", zx_handle_replace(a, ZX_RIGHT_SAME_RIGHTS, NULL));
    guest_put_status("old_close_status", zx_handle_close(a));
}

GUEST_CASE(replace_needs_no_right)
{
    zx_handle_t a = dup_rights(zx_process_self(), ZX_RIGHT_INSPECT);
    zx_handle_t b = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_handle_replace(a, ZX_RIGHT_SAME_RIGHTS, &b));
    printf("rights=0x%x\n", guest_rights(b));
}

GUEST_CASE(replace_bad_handle)
{
    zx_handle_t b = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_handle_replace(BAD_HANDLE_VALUE, ZX_RIGHT_SAME_RIGHTS, &b));
}

GUEST_CASE(close_twice)
{
    zx_handle_t a = dup_rights(zx_process_self(), ZX_RIGHT_SAME_RIGHTS);
    guest_put_status("first_status", zx_handle_close(a));
    guest_put_status("second_status", zx_handle_close(a));
}

GUEST_CASE(close_self_keeps_running)
{
    guest_put_status("status", zx_handle_close(zx_process_self()));
    printf("still_running=1\n");
}

/*
 * Spawned: waits until the main process is listed, then gives it EXIT_DELAY_MS to take a handle to this
 * process (a process that has ended leaves the job and cannot be found any more) before exiting.
 */
static void wait_for_main_then_delay(void)
{
    for (int i = 0; i < POLL_LIMIT && guest_sibling_koid() == ZX_KOID_INVALID; i++)
        zx_nanosleep(zx_deadline_after(ZX_MSEC(POLL_MS)));
    zx_nanosleep(zx_deadline_after(ZX_MSEC(EXIT_DELAY_MS)));
}

/* Spawned: publishes its own process handle value as its return code. */
GUEST_CASE(publish_handle)
{
    wait_for_main_then_delay();
    printf("published=0x%x\n", zx_process_self());
    zx_process_exit((int64_t)zx_process_self());
}

/* Spawned: exits with return code strtol(args[0]) once the main process had time to find it. */
GUEST_CASE(exit_later)
{
    wait_for_main_then_delay();
    zx_process_exit(args[0] ? strtol(args[0], NULL, NUMBER_BASE) : 0);
}

static zx_status_t wait_terminated(zx_handle_t h, zx_signals_t *observed)
{
    return zx_object_wait_one(h, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, observed);
}

static zx_info_process_t process_info(zx_handle_t h, zx_status_t *status)
{
    zx_info_process_t info;
    memset(&info, 0, sizeof(info));
    *status = zx_object_get_info(h, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    return info;
}

GUEST_CASE(foreign_handle)
{
    zx_handle_t sibling = guest_sibling();
    zx_signals_t observed = 0;
    guest_put_status("wait_status", wait_terminated(sibling, &observed));
    zx_status_t s;
    zx_info_process_t info = process_info(sibling, &s);
    zx_handle_t foreign = (zx_handle_t)info.return_code;
    printf("foreign=0x%x\n", foreign);
    printf("own_self=0x%x\n", zx_process_self());
    printf("differs=%d\n", foreign != zx_process_self() && foreign != zx_vmar_root_self() &&
                               foreign != zx_job_default() && foreign != sibling);
    zx_info_handle_basic_t basic;
    guest_put_status("info_status",
                     zx_object_get_info(foreign, ZX_INFO_HANDLE_BASIC, &basic, sizeof(basic), NULL, NULL));
    guest_put_status("close_status", zx_handle_close(foreign));
}

/* zx_object_get_info. */

GUEST_CASE(info_small_buffer)
{
    uint8_t buf[SMALL_INFO_BUFFER];
    size_t actual = 99, avail = 99;
    guest_put_status("status", zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, buf, sizeof(buf),
                                                  &actual, &avail));
    printf("actual=%zu\navail=%zu\n", actual, avail);
}

GUEST_CASE(info_actual_avail)
{
    zx_info_handle_basic_t info;
    size_t actual = 99, avail = 99;
    guest_put_status("status", zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info,
                                                  sizeof(info), &actual, &avail));
    printf("actual=%zu\navail=%zu\n", actual, avail);
}

GUEST_CASE(info_bad_buffers)
{
    zx_info_handle_basic_t info;
    guest_put_status("null_status", zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, NULL,
                                                       sizeof(info), NULL, NULL));
    guest_put_status("unmapped_status",
                     zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC,
                                        guest_opaque(GUEST_UNMAPPED_ADDR), sizeof(info), NULL, NULL));
    guest_put_status("readonly_status",
                     zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC,
                                        guest_opaque((uintptr_t)read_only_bytes), sizeof(info), NULL, NULL));
    guest_put_status("actual_status",
                     zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info, sizeof(info),
                                        guest_opaque(GUEST_UNMAPPED_ADDR), NULL));
    guest_put_status("avail_status",
                     zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL,
                                        guest_opaque(GUEST_UNMAPPED_ADDR)));
}

GUEST_CASE(info_unknown_topic)
{
    uint8_t buf[64];
    guest_put_status("status",
                     zx_object_get_info(zx_process_self(), UNKNOWN_TOPIC, buf, sizeof(buf), NULL, NULL));
    guest_put_status("bad_handle_status",
                     zx_object_get_info(BAD_HANDLE_VALUE, UNKNOWN_TOPIC, buf, sizeof(buf), NULL, NULL));
    guest_put_status("process_v0_status",
                     zx_object_get_info(zx_process_self(), PROCESS_TOPIC_V0, buf, sizeof(buf), NULL, NULL));
}

/* ZX_INFO_HANDLE_VALID: ZX_OK for a live handle whatever its rights, BAD_HANDLE otherwise; no buffer. */
GUEST_CASE(info_handle_valid)
{
    guest_put_status("self_status",
                     zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL));
    zx_handle_t none = dup_rights(zx_process_self(), ZX_RIGHT_NONE);
    guest_put_status("no_rights_status", zx_object_get_info(none, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL));
    zx_handle_close(none);
    guest_put_status("closed_status", zx_object_get_info(none, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL));
    guest_put_status("bad_status",
                     zx_object_get_info(BAD_HANDLE_VALUE, ZX_INFO_HANDLE_VALID, NULL, 0, NULL, NULL));
}

GUEST_CASE(info_bad_handle)
{
    zx_info_handle_basic_t info;
    guest_put_status("status", zx_object_get_info(BAD_HANDLE_VALUE, ZX_INFO_HANDLE_BASIC, &info, sizeof(info),
                                                  NULL, NULL));
}

GUEST_CASE(info_wrong_type)
{
    zx_info_process_t proc;
    zx_info_vmar_t vmar;
    zx_koid_t koids[KOID_BUFFER_SLOTS];
    guest_put_status("process_on_vmar_status", zx_object_get_info(zx_vmar_root_self(), ZX_INFO_PROCESS, &proc,
                                                                  sizeof(proc), NULL, NULL));
    guest_put_status("process_on_job_status",
                     zx_object_get_info(zx_job_default(), ZX_INFO_PROCESS, &proc, sizeof(proc), NULL, NULL));
    guest_put_status("vmar_on_process_status",
                     zx_object_get_info(zx_process_self(), ZX_INFO_VMAR, &vmar, sizeof(vmar), NULL, NULL));
    guest_put_status(
        "job_processes_on_process_status",
        zx_object_get_info(zx_process_self(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), NULL, NULL));
}

GUEST_CASE(info_missing_rights)
{
    zx_info_process_t proc;
    zx_info_vmar_t vmar;
    zx_koid_t koids[KOID_BUFFER_SLOTS];
    zx_handle_t self = dup_rights(zx_process_self(), ZX_RIGHT_DUPLICATE);
    zx_handle_t vm = dup_rights(zx_vmar_root_self(), ZX_RIGHT_READ);
    zx_handle_t job = dup_rights(zx_job_default(), ZX_RIGHT_INSPECT);
    guest_put_status("process_status",
                     zx_object_get_info(self, ZX_INFO_PROCESS, &proc, sizeof(proc), NULL, NULL));
    guest_put_status("vmar_status", zx_object_get_info(vm, ZX_INFO_VMAR, &vmar, sizeof(vmar), NULL, NULL));
    guest_put_status("job_processes_status",
                     zx_object_get_info(job, ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), NULL, NULL));
    zx_info_handle_basic_t basic;
    zx_handle_t none = dup_rights(zx_process_self(), ZX_RIGHT_NONE);
    guest_put_status("basic_no_rights_status",
                     zx_object_get_info(none, ZX_INFO_HANDLE_BASIC, &basic, sizeof(basic), NULL, NULL));
}

GUEST_CASE(info_process_self)
{
    zx_status_t s;
    zx_time_t now = zx_clock_get_monotonic();
    zx_info_process_t info = process_info(zx_process_self(), &s);
    guest_put_status("status", s);
    printf("flags=%u\n", info.flags);
    printf("start_time_valid=%d\n", info.start_time > 0 && info.start_time <= now);
}

GUEST_CASE(info_job_processes)
{
    zx_koid_t koids[KOID_BUFFER_SLOTS];
    size_t actual = 99, avail = 99;
    guest_put_status("status", zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids,
                                                  sizeof(koids), &actual, &avail));
    printf("actual=%zu\navail=%zu\n", actual, avail);
    zx_koid_t self = guest_koid(zx_process_self());
    printf("main_is_last=%d\n", actual > 0 && koids[actual - 1] == self);
    int distinct = 1;
    for (size_t i = 0; i < actual; i++)
        for (size_t j = i + 1; j < actual; j++)
            distinct &= koids[i] != koids[j];
    printf("distinct=%d\n", distinct);
}

GUEST_CASE(info_job_processes_small)
{
    zx_koid_t koids[1];
    size_t actual = 99, avail = 99;
    guest_put_status("status", zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids,
                                                  sizeof(koids), &actual, &avail));
    printf("actual=%zu\navail=%zu\n", actual, avail);
    size_t count_actual = 99, count_avail = 99;
    guest_put_status("count_status", zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, NULL, 0,
                                                        &count_actual, &count_avail));
    printf("count_actual=%zu\ncount_avail=%zu\n", count_actual, count_avail);
    guest_put_status("bad_buffer_status",
                     zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES,
                                        guest_opaque(GUEST_UNMAPPED_ADDR),
                                        sizeof(zx_koid_t) * KOID_BUFFER_SLOTS, NULL, NULL));
}

GUEST_CASE(info_vmar)
{
    zx_info_vmar_t info;
    size_t actual = 99, avail = 99;
    guest_put_status("status", zx_object_get_info(zx_vmar_root_self(), ZX_INFO_VMAR, &info, sizeof(info),
                                                  &actual, &avail));
    printf("base=0x%lx\nlen=0x%lx\n", (unsigned long)info.base, (unsigned long)info.len);
    printf("actual=%zu\navail=%zu\n", actual, avail);
    guest_put_status("small_status", zx_object_get_info(zx_vmar_root_self(), ZX_INFO_VMAR, &info,
                                                        sizeof(info) - 1, NULL, NULL));
}

/* zx_object_get_child. */

GUEST_CASE(child_same_rights)
{
    zx_koid_t koid = guest_sibling_koid();
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_object_get_child(zx_job_default(), koid, ZX_RIGHT_SAME_RIGHTS, &h));
    zx_info_handle_basic_t info;
    memset(&info, 0, sizeof(info));
    zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL);
    printf("type=%u\nrights=0x%x\n", info.type, info.rights);
    printf("koid_matches=%d\n", info.koid == koid && koid != ZX_KOID_INVALID);
    printf("related_is_job=%d\n", info.related_koid == guest_koid(zx_job_default()));
}

/* ZX_PROP_NAME of this process and of its sibling: their programs' basenames. */
GUEST_CASE(process_name)
{
    char name[ZX_MAX_NAME_LEN];
    memset(name, 0, sizeof(name));
    guest_put_status("self_status",
                     zx_object_get_property(zx_process_self(), ZX_PROP_NAME, name, sizeof(name)));
    printf("self=%s\n", name);
    zx_handle_t h = ZX_HANDLE_INVALID;
    zx_object_get_child(zx_job_default(), guest_sibling_koid(), ZX_RIGHT_SAME_RIGHTS, &h);
    memset(name, 0, sizeof(name));
    guest_put_status("sibling_status", zx_object_get_property(h, ZX_PROP_NAME, name, sizeof(name)));
    printf("sibling=%s\n", name);
}

GUEST_CASE(child_reduced_rights)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    guest_put_status("status", zx_object_get_child(zx_job_default(), guest_sibling_koid(),
                                                   ZX_RIGHT_INSPECT | ZX_RIGHT_WAIT, &h));
    printf("rights=0x%x\n", guest_rights(h));
}

GUEST_CASE(child_self)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    zx_koid_t self = guest_koid(zx_process_self());
    guest_put_status("status", zx_object_get_child(zx_job_default(), self, ZX_RIGHT_SAME_RIGHTS, &h));
    printf("koid_matches=%d\n", guest_koid(h) == self);
}

GUEST_CASE(child_errors)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    zx_koid_t koid = guest_sibling_koid();
    zx_handle_t narrow_job = dup_rights(zx_job_default(), ZX_RIGHT_ENUMERATE | ZX_RIGHT_INSPECT);
    zx_handle_t no_enum_job = dup_rights(zx_job_default(), ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE);
    guest_put_status("wider_status",
                     zx_object_get_child(narrow_job, koid, ZX_RIGHT_INSPECT | ZX_RIGHT_WRITE, &h));
    guest_put_status("no_enumerate_status", zx_object_get_child(no_enum_job, koid, ZX_RIGHT_SAME_RIGHTS, &h));
    guest_put_status("vmar_status", zx_object_get_child(zx_vmar_root_self(), koid, ZX_RIGHT_SAME_RIGHTS, &h));
    guest_put_status("process_status",
                     zx_object_get_child(zx_process_self(), koid, ZX_RIGHT_SAME_RIGHTS, &h));
    guest_put_status("unknown_koid_status",
                     zx_object_get_child(zx_job_default(), UNKNOWN_KOID, ZX_RIGHT_SAME_RIGHTS, &h));
    guest_put_status("job_koid_status", zx_object_get_child(zx_job_default(), guest_koid(zx_job_default()),
                                                            ZX_RIGHT_SAME_RIGHTS, &h));
    guest_put_status("bad_handle_status",
                     zx_object_get_child(BAD_HANDLE_VALUE, koid, ZX_RIGHT_SAME_RIGHTS, &h));
    guest_put_status("null_out_status",
                     zx_object_get_child(zx_job_default(), koid, ZX_RIGHT_SAME_RIGHTS, NULL));
}

/* zx_task_kill and zx_object_wait_one. */

static void print_process_info(zx_handle_t h)
{
    zx_status_t s;
    zx_info_process_t info = process_info(h, &s);
    guest_put_status("info_status", s);
    printf("return_code=%lld\nflags=%u\n", (long long)info.return_code, info.flags);
}

GUEST_CASE(kill_sibling)
{
    zx_handle_t sibling = guest_sibling();
    zx_koid_t koid = guest_koid(sibling);
    guest_put_status("kill_status", zx_task_kill(sibling));
    zx_signals_t observed = 0;
    guest_put_status("wait_status", wait_terminated(sibling, &observed));
    printf("terminated_observed=%d\n", (observed & ZX_PROCESS_TERMINATED) != 0);
    print_process_info(sibling);
    size_t actual = 99, avail = 99;
    zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, NULL, 0, &actual, &avail);
    printf("job_avail_after=%zu\n", avail);
    zx_handle_t again = ZX_HANDLE_INVALID;
    guest_put_status("get_child_after_status",
                     zx_object_get_child(zx_job_default(), koid, ZX_RIGHT_SAME_RIGHTS, &again));
    guest_put_status("kill_again_status", zx_task_kill(sibling));
    zx_status_t s;
    printf("return_code_after_second_kill=%lld\n", (long long)process_info(sibling, &s).return_code);
}

GUEST_CASE(sibling_exit_code)
{
    zx_handle_t sibling = guest_sibling();
    zx_signals_t observed = 0;
    guest_put_status("wait_status", wait_terminated(sibling, &observed));
    print_process_info(sibling);
    guest_put_status("poll_after_status", zx_object_wait_one(sibling, ZX_PROCESS_TERMINATED, 0, &observed));
    printf("observed=0x%x\n", observed);
}

GUEST_CASE(kill_self)
{
    printf("before_kill\n");
    zx_status_t s = zx_task_kill(zx_process_self());
    printf("after_kill=%d\n", s);
}

GUEST_CASE(kill_job)
{
    printf("before_kill\n");
    zx_status_t s = zx_task_kill(zx_job_default());
    printf("after_kill=%d\n", s);
}

/* Spawned: waits until the main process is listed, then kills it. */
GUEST_CASE(kill_main)
{
    zx_handle_t main_process = ZX_HANDLE_INVALID;
    for (int i = 0; i < POLL_LIMIT && main_process == ZX_HANDLE_INVALID; i++) {
        main_process = guest_sibling();
        if (main_process == ZX_HANDLE_INVALID)
            zx_nanosleep(zx_deadline_after(ZX_MSEC(POLL_MS)));
    }
    printf("killing_main\n");
    guest_put_status("kill_status", zx_task_kill(main_process));
}

GUEST_CASE(spin)
{
    printf("main_spinning\n");
    for (;;)
        __asm__ volatile("pause");
}

GUEST_CASE(kill_errors)
{
    guest_put_status("bad_handle_status", zx_task_kill(BAD_HANDLE_VALUE));
    guest_put_status("vmar_status", zx_task_kill(zx_vmar_root_self()));
    guest_put_status("vmo_status", zx_task_kill(new_vmo()));
    guest_put_status("no_destroy_status", zx_task_kill(dup_rights(zx_process_self(), ZX_RIGHT_INSPECT)));
    printf("still_running=1\n");
}

GUEST_CASE(wait_timeout)
{
    zx_handle_t sibling = guest_sibling();
    zx_signals_t observed = 0xffffffffu;
    zx_time_t start = zx_clock_get_monotonic();
    zx_status_t s = zx_object_wait_one(sibling, ZX_PROCESS_TERMINATED,
                                       zx_deadline_after(ZX_MSEC(SHORT_WAIT_MS)), &observed);
    zx_time_t waited = zx_clock_get_monotonic() - start;
    guest_put_status("status", s);
    printf("observed=0x%x\n", observed);
    printf("waited_enough=%d\n", waited >= (zx_time_t)SHORT_WAIT_MS * NS_PER_MS);
}

GUEST_CASE(wait_past_deadline)
{
    zx_signals_t observed = 0xffffffffu;
    guest_put_status("status", zx_object_wait_one(guest_sibling(), ZX_PROCESS_TERMINATED, 0, &observed));
    printf("observed=0x%x\n", observed);
    guest_put_status("infinite_past_status",
                     zx_object_wait_one(guest_sibling(), ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE_PAST, NULL));
}

GUEST_CASE(wait_no_signals)
{
    zx_signals_t observed = 0xffffffffu;
    guest_put_status("status", zx_object_wait_one(zx_process_self(), 0,
                                                  zx_deadline_after(ZX_MSEC(SHORT_WAIT_MS)), &observed));
}

GUEST_CASE(wait_vmo_zero_children)
{
    zx_signals_t observed = 0;
    guest_put_status("status", zx_object_wait_one(new_vmo(), ZX_VMO_ZERO_CHILDREN, 0, &observed));
    printf("observed=0x%x\n", observed);
}

GUEST_CASE(wait_job_no_jobs)
{
    zx_signals_t observed = 0;
    guest_put_status("status", zx_object_wait_one(zx_job_default(), ZX_JOB_NO_JOBS, 0, &observed));
    printf("no_jobs_observed=%d\n", (observed & ZX_JOB_NO_JOBS) != 0);
    printf("no_processes_observed=%d\n", (observed & ZX_JOB_NO_PROCESSES) != 0);
}

GUEST_CASE(wait_errors)
{
    zx_signals_t observed = 0;
    guest_put_status("bad_handle_status",
                     zx_object_wait_one(BAD_HANDLE_VALUE, ZX_PROCESS_TERMINATED, 0, &observed));
    guest_put_status("vmar_status",
                     zx_object_wait_one(zx_vmar_root_self(), ZX_PROCESS_TERMINATED, 0, &observed));
    zx_handle_t no_wait = dup_rights(zx_process_self(), ZX_RIGHT_INSPECT);
    guest_put_status("no_wait_status", zx_object_wait_one(no_wait, ZX_PROCESS_TERMINATED, 0, &observed));
    guest_put_status("bad_observed_status", zx_object_wait_one(zx_process_self(), ZX_PROCESS_TERMINATED, 0,
                                                               guest_opaque(GUEST_UNMAPPED_ADDR)));
    guest_put_status("null_observed_status",
                     zx_object_wait_one(zx_process_self(), ZX_PROCESS_TERMINATED, 0, NULL));
}

static const struct guest_case cases[] = {
    {"starting_handles", case_starting_handles},
    {"dup_same_rights", case_dup_same_rights},
    {"dup_reduced_rights", case_dup_reduced_rights},
    {"dup_wider_rights", case_dup_wider_rights},
    {"dup_same_rights_plus_bit", case_dup_same_rights_plus_bit},
    {"dup_without_duplicate_right", case_dup_without_duplicate_right},
    {"dup_bad_handle", case_dup_bad_handle},
    {"dup_bad_out", case_dup_bad_out},
    {"dup_bad_out_creates_no_handle", case_dup_bad_out_creates_no_handle},
    {"handle_table_exhaustion", case_handle_table_exhaustion},
    {"replace_reduces_rights", case_replace_reduces_rights},
    {"replace_wider_rights_consumes", case_replace_wider_rights_consumes},
    {"replace_bad_out_consumes", case_replace_bad_out_consumes},
    {"replace_needs_no_right", case_replace_needs_no_right},
    {"replace_bad_handle", case_replace_bad_handle},
    {"close_twice", case_close_twice},
    {"close_self_keeps_running", case_close_self_keeps_running},
    {"publish_handle", case_publish_handle},
    {"exit_later", case_exit_later},
    {"foreign_handle", case_foreign_handle},
    {"info_small_buffer", case_info_small_buffer},
    {"info_actual_avail", case_info_actual_avail},
    {"info_bad_buffers", case_info_bad_buffers},
    {"info_unknown_topic", case_info_unknown_topic},
    {"info_handle_valid", case_info_handle_valid},
    {"info_bad_handle", case_info_bad_handle},
    {"info_wrong_type", case_info_wrong_type},
    {"info_missing_rights", case_info_missing_rights},
    {"info_process_self", case_info_process_self},
    {"info_job_processes", case_info_job_processes},
    {"info_job_processes_small", case_info_job_processes_small},
    {"info_vmar", case_info_vmar},
    {"process_name", case_process_name},
    {"child_same_rights", case_child_same_rights},
    {"child_reduced_rights", case_child_reduced_rights},
    {"child_self", case_child_self},
    {"child_errors", case_child_errors},
    {"kill_sibling", case_kill_sibling},
    {"sibling_exit_code", case_sibling_exit_code},
    {"kill_self", case_kill_self},
    {"kill_job", case_kill_job},
    {"kill_main", case_kill_main},
    {"spin", case_spin},
    {"kill_errors", case_kill_errors},
    {"wait_timeout", case_wait_timeout},
    {"wait_past_deadline", case_wait_past_deadline},
    {"wait_no_signals", case_wait_no_signals},
    {"wait_vmo_zero_children", case_wait_vmo_zero_children},
    {"wait_job_no_jobs", case_wait_job_no_jobs},
    {"wait_errors", case_wait_errors},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: objects CASE [ARG...]\n");
        return GUEST_USAGE_RETCODE;
    }
    return guest_run_case(cases, argv[1], argv + 2);
}
