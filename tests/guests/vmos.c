/* vmos.c: test guest for zx_vmo_*: one case per argv[1], results as key=value lines. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zxvmm/abi.h>

#include "guest_common.h"

#define PAGE             4096u
#define BAD_HANDLE_VALUE 0x12345673u
#define MAX_VMO_SIZE     0xfffffffffffe0000ULL
#define HUGE_VMO_SIZE    (1ULL << 40)
#define OOM_CHUNK        (1024u * 1024u)
#define OOM_MAX_VMOS     512
#define UNKNOWN_VMO_OPT  (1u << 3)
#define BAD_CACHE_POLICY 4u
#define PATTERN_OFFSET   (PAGE - 6)
#define STRADDLE_BYTES   4

static const char pattern[] = "zxvmm-vmo";
static const char read_only_bytes[64] = "read-only";
static zx_handle_t oom_vmos[OOM_MAX_VMOS];

static zx_handle_t new_vmo(uint64_t size)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    zx_status_t s = zx_vmo_create(size, 0, &vmo);
    if (s != ZX_OK)
        guest_put_status("setup_vmo_create", s);
    return vmo;
}

static zx_handle_t dup_rights(zx_handle_t h, zx_rights_t rights)
{
    zx_handle_t out = ZX_HANDLE_INVALID;
    zx_status_t s = zx_handle_duplicate(h, rights, &out);
    if (s != ZX_OK)
        guest_put_status("setup_duplicate", s);
    return out;
}

GUEST_CASE(create_sizes)
{
    static const uint64_t sizes[] = {0, 1, PAGE, PAGE + 1, 3 * PAGE + 5};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        zx_handle_t vmo = ZX_HANDLE_INVALID;
        zx_status_t s = zx_vmo_create(sizes[i], 0, &vmo);
        printf("create_%llu=%s\n", (unsigned long long)sizes[i], guest_status_name(s));
        uint64_t size = UINT64_MAX;
        guest_put_status("get_size_status", zx_vmo_get_size(vmo, &size));
        printf("size_%llu=%llu\n", (unsigned long long)sizes[i], (unsigned long long)size);
    }
}

GUEST_CASE(create_rights)
{
    zx_info_handle_basic_t info;
    memset(&info, 0, sizeof(info));
    zx_object_get_info(new_vmo(PAGE), ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL);
    printf("type=%u\nrights=0x%x\nrelated=%llu\n", info.type, info.rights,
           (unsigned long long)info.related_koid);
}

GUEST_CASE(create_options)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    guest_put_status("resizable_status", zx_vmo_create(PAGE, ZX_VMO_RESIZABLE, &vmo));
    guest_put_status("discardable_status", zx_vmo_create(PAGE, ZX_VMO_DISCARDABLE, &vmo));
    guest_put_status("both_status", zx_vmo_create(PAGE, ZX_VMO_RESIZABLE | ZX_VMO_DISCARDABLE, &vmo));
    guest_put_status("bit0_status", zx_vmo_create(PAGE, 1u, &vmo));
    guest_put_status("unknown_status", zx_vmo_create(PAGE, UNKNOWN_VMO_OPT, &vmo));
}

GUEST_CASE(create_too_big)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    guest_put_status("max_u64_status", zx_vmo_create(UINT64_MAX, 0, &vmo));
    guest_put_status("above_max_status", zx_vmo_create(MAX_VMO_SIZE + 1, 0, &vmo));
    guest_put_status("huge_status", zx_vmo_create(HUGE_VMO_SIZE, 0, &vmo));
    guest_put_status("options_before_size_status", zx_vmo_create(UINT64_MAX, UNKNOWN_VMO_OPT, &vmo));
    guest_put_status("small_after_status", zx_vmo_create(PAGE, 0, &vmo));
}

GUEST_CASE(create_bad_out)
{
    guest_put_status("null_status", zx_vmo_create(PAGE, 0, NULL));
    guest_put_status("unmapped_status", zx_vmo_create(PAGE, 0, guest_opaque(GUEST_UNMAPPED_ADDR)));
    guest_put_status("readonly_status", zx_vmo_create(PAGE, 0, guest_opaque((uintptr_t)read_only_bytes)));
}

GUEST_CASE(zero_filled)
{
    static uint8_t buf[3 * PAGE];
    memset(buf, 0xa5, sizeof(buf));
    guest_put_status("status", zx_vmo_read(new_vmo(sizeof(buf)), buf, 0, sizeof(buf)));
    int zero = 1;
    for (size_t i = 0; i < sizeof(buf); i++)
        zero &= buf[i] == 0;
    printf("zero=%d\n", zero);
}

GUEST_CASE(write_read_roundtrip)
{
    zx_handle_t vmo = new_vmo(2 * PAGE);
    guest_put_status("write_status", zx_vmo_write(vmo, pattern, PATTERN_OFFSET, sizeof(pattern)));
    char back[sizeof(pattern)];
    memset(back, 0, sizeof(back));
    guest_put_status("read_status", zx_vmo_read(vmo, back, PATTERN_OFFSET, sizeof(back)));
    printf("match=%d\n", memcmp(back, pattern, sizeof(pattern)) == 0);
    char before[2] = {'x', 'x'};
    zx_vmo_read(vmo, before, PATTERN_OFFSET - sizeof(before), sizeof(before));
    printf("neighbours_zero=%d\n", before[0] == 0 && before[1] == 0);
}

GUEST_CASE(range_edges)
{
    zx_handle_t vmo = new_vmo(PAGE);
    char buf[8] = {0};
    guest_put_status("end_exact_status", zx_vmo_write(vmo, buf, PAGE - 4, 4));
    guest_put_status("len0_at_size_status", zx_vmo_read(vmo, buf, PAGE, 0));
    guest_put_status("len0_null_status", zx_vmo_read(vmo, NULL, 0, 0));
    guest_put_status("read_beyond_status", zx_vmo_read(vmo, buf, PAGE - 2, 4));
    guest_put_status("write_beyond_status", zx_vmo_write(vmo, buf, PAGE - 2, 4));
    guest_put_status("len0_beyond_status", zx_vmo_read(vmo, buf, PAGE + 1, 0));
    guest_put_status("overflow_status", zx_vmo_read(vmo, buf, UINT64_MAX, 2));
    guest_put_status("write_overflow_status", zx_vmo_write(vmo, buf, UINT64_MAX - 1, 4));
}

GUEST_CASE(handle_errors)
{
    zx_handle_t vmo = new_vmo(PAGE);
    char buf[8] = {0};
    uint64_t size = 0;
    guest_put_status("read_bad_handle_status", zx_vmo_read(BAD_HANDLE_VALUE, buf, 0, 1));
    guest_put_status("write_bad_handle_status", zx_vmo_write(BAD_HANDLE_VALUE, buf, 0, 1));
    guest_put_status("size_bad_handle_status", zx_vmo_get_size(BAD_HANDLE_VALUE, &size));
    guest_put_status("read_wrong_type_status", zx_vmo_read(zx_vmar_root_self(), buf, 0, 1));
    guest_put_status("write_wrong_type_status", zx_vmo_write(zx_process_self(), buf, 0, 1));
    guest_put_status("size_wrong_type_status", zx_vmo_get_size(zx_job_default(), &size));
    zx_handle_t no_read = dup_rights(vmo, ZX_RIGHT_WRITE | ZX_RIGHT_MAP);
    zx_handle_t no_write = dup_rights(vmo, ZX_RIGHT_READ | ZX_RIGHT_MAP);
    guest_put_status("read_no_right_status", zx_vmo_read(no_read, buf, 0, 1));
    guest_put_status("write_no_right_status", zx_vmo_write(no_write, buf, 0, 1));
    guest_put_status("read_with_right_status", zx_vmo_read(no_write, buf, 0, 1));
    guest_put_status("no_read_beyond_status", zx_vmo_read(no_read, buf, PAGE, 8));
    zx_handle_t none = dup_rights(vmo, ZX_RIGHT_NONE);
    guest_put_status("size_no_rights_status", zx_vmo_get_size(none, &size));
    printf("size_no_rights=%llu\n", (unsigned long long)size);
    guest_put_status("size_null_status", zx_vmo_get_size(vmo, NULL));
    guest_put_status("size_readonly_status", zx_vmo_get_size(vmo, guest_opaque((uintptr_t)read_only_bytes)));
}

GUEST_CASE(bad_buffers)
{
    zx_handle_t vmo = new_vmo(PAGE);
    guest_put_status("read_null_status", zx_vmo_read(vmo, NULL, 0, 4));
    guest_put_status("read_unmapped_status", zx_vmo_read(vmo, guest_opaque(GUEST_UNMAPPED_ADDR), 0, 4));
    guest_put_status("read_into_rodata_status",
                     zx_vmo_read(vmo, guest_opaque((uintptr_t)read_only_bytes), 0, 4));
    guest_put_status("read_into_kernel_status", zx_vmo_read(vmo, guest_opaque(ZXVMM_SHIM_BASE), 0, 4));
    guest_put_status("write_null_status", zx_vmo_write(vmo, NULL, 0, 4));
    guest_put_status("write_unmapped_status", zx_vmo_write(vmo, guest_opaque(GUEST_UNMAPPED_ADDR), 0, 4));
    guest_put_status("write_from_rodata_status", zx_vmo_write(vmo, read_only_bytes, 0, 4));
}

GUEST_CASE(bad_buffer_moves_nothing)
{
    zx_handle_t vmo = new_vmo(PAGE);
    zx_vmo_write(vmo, "ABCD", 0, STRADDLE_BYTES);
    char *tail = guest_opaque(ZXVMM_STACK_TOP - 2);
    tail[0] = 'S';
    tail[1] = 'T';
    guest_put_status("read_status", zx_vmo_read(vmo, tail, 0, STRADDLE_BYTES));
    printf("tail_unchanged=%d\n", tail[0] == 'S' && tail[1] == 'T');
    guest_put_status("write_status", zx_vmo_write(vmo, tail, PAGE / 2, STRADDLE_BYTES));
    char back[STRADDLE_BYTES] = {1, 1, 1, 1};
    zx_vmo_read(vmo, back, PAGE / 2, sizeof(back));
    printf("vmo_unchanged=%d\n", back[0] == 0 && back[1] == 0 && back[2] == 0 && back[3] == 0);
}

GUEST_CASE(out_of_memory)
{
    size_t n = 0;
    zx_status_t s = ZX_OK;
    while (n < OOM_MAX_VMOS) {
        s = zx_vmo_create(OOM_CHUNK, 0, &oom_vmos[n]);
        if (s != ZX_OK)
            break;
        n++;
    }
    guest_put_status("status", s);
    printf("created_some=%d\n", n > 0);
    printf("created_mib=%zu\n", n);
    printf("alive=1\n");
    for (size_t i = 0; i < n; i++)
        zx_handle_close(oom_vmos[i]);
    zx_handle_t again = ZX_HANDLE_INVALID;
    guest_put_status("after_free_status", zx_vmo_create(OOM_CHUNK, 0, &again));
    size_t m = 0;
    while (m < OOM_MAX_VMOS && zx_vmo_create(OOM_CHUNK, 0, &oom_vmos[m]) == ZX_OK)
        m++;
    printf("refill_no_leak=%d\n", m + 1 >= n);
}

GUEST_CASE(cache_fresh_roundtrip)
{
    zx_handle_t vmo = new_vmo(PAGE);
    guest_put_status("uncached_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED));
    guest_put_status("cached_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_CACHED));
    char buf[4] = {0};
    guest_put_status("read_after_status", zx_vmo_read(vmo, buf, 0, sizeof(buf)));
}

GUEST_CASE(cache_all_policies)
{
    static const uint32_t policies[] = {ZX_CACHE_POLICY_CACHED, ZX_CACHE_POLICY_UNCACHED,
                                        ZX_CACHE_POLICY_UNCACHED_DEVICE, ZX_CACHE_POLICY_WRITE_COMBINING};
    for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
        printf("policy_%u=%s\n", policies[i],
               guest_status_name(zx_vmo_set_cache_policy(new_vmo(PAGE), policies[i])));
}

GUEST_CASE(cache_uncached_blocks_copies)
{
    zx_handle_t vmo = new_vmo(PAGE);
    zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED);
    char buf[4] = {0};
    guest_put_status("read_status", zx_vmo_read(vmo, buf, 0, sizeof(buf)));
    guest_put_status("write_status", zx_vmo_write(vmo, buf, 0, sizeof(buf)));
    uint64_t size = 0;
    guest_put_status("get_size_status", zx_vmo_get_size(vmo, &size));
}

GUEST_CASE(cache_committed_pages)
{
    zx_handle_t vmo = new_vmo(PAGE);
    guest_put_status("write_status", zx_vmo_write(vmo, "x", 0, 1));
    guest_put_status("uncached_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_UNCACHED));
    guest_put_status("back_to_cached_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_CACHED));
    guest_put_status("write_combining_status", zx_vmo_set_cache_policy(vmo, ZX_CACHE_POLICY_WRITE_COMBINING));
}

GUEST_CASE(cache_errors)
{
    zx_handle_t vmo = new_vmo(PAGE);
    guest_put_status("bad_policy_status", zx_vmo_set_cache_policy(vmo, BAD_CACHE_POLICY));
    guest_put_status("bad_policy_bad_handle_status",
                     zx_vmo_set_cache_policy(BAD_HANDLE_VALUE, BAD_CACHE_POLICY));
    guest_put_status("bad_handle_status",
                     zx_vmo_set_cache_policy(BAD_HANDLE_VALUE, ZX_CACHE_POLICY_UNCACHED));
    guest_put_status("wrong_type_status",
                     zx_vmo_set_cache_policy(zx_vmar_root_self(), ZX_CACHE_POLICY_UNCACHED));
    zx_handle_t no_map = dup_rights(vmo, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    guest_put_status("no_map_status", zx_vmo_set_cache_policy(no_map, ZX_CACHE_POLICY_UNCACHED));
}

static const struct guest_case cases[] = {
    {"create_sizes", case_create_sizes},
    {"create_rights", case_create_rights},
    {"create_options", case_create_options},
    {"create_too_big", case_create_too_big},
    {"create_bad_out", case_create_bad_out},
    {"zero_filled", case_zero_filled},
    {"write_read_roundtrip", case_write_read_roundtrip},
    {"range_edges", case_range_edges},
    {"handle_errors", case_handle_errors},
    {"bad_buffers", case_bad_buffers},
    {"bad_buffer_moves_nothing", case_bad_buffer_moves_nothing},
    {"out_of_memory", case_out_of_memory},
    {"cache_fresh_roundtrip", case_cache_fresh_roundtrip},
    {"cache_all_policies", case_cache_all_policies},
    {"cache_uncached_blocks_copies", case_cache_uncached_blocks_copies},
    {"cache_committed_pages", case_cache_committed_pages},
    {"cache_errors", case_cache_errors},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: vmos CASE\n");
        return GUEST_USAGE_RETCODE;
    }
    return guest_run_case(cases, argv[1], argv + 2);
}
