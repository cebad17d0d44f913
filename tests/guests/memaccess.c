/* memaccess.c: test guest for zx_process_write_memory/read_memory on the caller itself: `memaccess DIR CASE`
 * (DIR is write or read); prints key=value lines that the host tests compare whole. */
#include "memaccess.h"

#define TARGET_FILL       0x11
#define BUFFER_FILL       0x22
#define WATCH_FILL        0x33
#define FIXTURE_TARGET_AT 0x0000000300000000ULL /* fixed, so that nothing of ours follows the vDSO */
#define FIXTURE_BUFFER_AT 0x0000000300010000ULL
#define FIXTURE_SIZE      (2 * MA_PAGE)
#define DEFAULT_SIZE      16
#define SMALL_SIZE        64
#define ADJACENT_LEAD     100 /* an access starting this many bytes before the end of a mapping */
#define UNALIGNED_VADDR   3
#define UNALIGNED_BUF     5
#define UNALIGNED_SIZE    (MA_PAGE + 1)
#define ACTUAL_MISALIGN   3
#define ACTUAL_WIDTH      8
#define PATCH_MAGIC       0x5eed1234u
#define PATCH_SCAN        64
#define INT3              0xcc
#define XORSHIFT_SEED     0x2545f491u
#define XORSHIFT_A        13
#define XORSHIFT_B        17
#define XORSHIFT_C        5
#define PATTERN_SIZE      (3 * MA_PAGE)
#define OFFSET_VMO_PAGES  4
#define OFFSET_MAP_AT     (2 * MA_PAGE)
#define OFFSET_ACCESS     100
#define BIG_MAP_SIZE      (MA_MAX_SIZE + MA_PAGE)
#define BIG_PAGES         (MA_MAX_SIZE / MA_PAGE)
#define BIG_MARK          0x6d61726b00000000ULL /* "mark" in the high half, the page index below */
#define VDSO_PROBE        16
#define RO_FIRST          0x10 /* ro_bytes[0] */
#define RODATA_NEW        0x7e
#define SUBRANGE_PAGES    3

/* One call's arguments, as integers so that cases can pass any address. */
struct call {
    zx_handle_t h;
    uint64_t vaddr, buf;
    size_t size;
    uint64_t actual;
};

/* The fixture every case starts with: a target and a buffer mapping, each two pages, filled with known bytes.
 */
static struct {
    uint64_t target, buffer;
    uint64_t watch; /* when non-zero: WATCH_FILL bytes a call must not touch */
    size_t watch_len;
    size_t actual;
} fx;

static const size_t ro_actual = MA_ACTUAL_SENTINEL;
static const uint8_t ro_bytes[DEFAULT_SIZE] = {RO_FIRST, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                               0x98,     0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f};
static uint8_t pattern[PATTERN_SIZE], back[PATTERN_SIZE];

static void *ptr(uint64_t addr)
{
    return guest_opaque(addr);
}

static uint64_t addr_of(const volatile void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static struct call fixture_call(void)
{
    return (struct call){zx_process_self(), fx.target, fx.buffer, DEFAULT_SIZE, addr_of(&fx.actual)};
}

static bool fixture_intact(void)
{
    return ma_all(ptr(fx.target), FIXTURE_SIZE, TARGET_FILL) &&
           ma_all(ptr(fx.buffer), FIXTURE_SIZE, BUFFER_FILL) &&
           (!fx.watch || ma_all(ptr(fx.watch), fx.watch_len, WATCH_FILL));
}

/*
 * Makes the call and prints status; on success actual and whether [vaddr, +actual) equals [buf, +actual)
 * (and whether the watched bytes survived); on failure whether *actual (read at `seen`) and every fixture
 * byte are untouched.
 */
static zx_status_t report_at(enum ma_dir d, struct call c, const volatile size_t *seen)
{
    fx.actual = MA_ACTUAL_SENTINEL;
    zx_status_t s = ma_access(d, c.h, c.vaddr, c.buf, c.size, c.actual);
    guest_put_status("status", s);
    if (s == ZX_OK) {
        size_t n = *seen;
        printf("actual=%zu\n", n);
        printf("copied=%d\n", n <= c.size && memcmp(ptr(c.vaddr), ptr(c.buf), n) == 0);
        if (fx.watch)
            printf("watch_intact=%d\n", ma_all(ptr(fx.watch), fx.watch_len, WATCH_FILL));
    } else {
        printf("actual_untouched=%d\n", *seen == MA_ACTUAL_SENTINEL);
        printf("unchanged=%d\n", fixture_intact());
    }
    return s;
}

static zx_status_t report(enum ma_dir d, struct call c)
{
    return report_at(d, c, &fx.actual);
}

/* Maps `size` bytes at `at` (0: anywhere) filled with `fill`, then sets `perms`; 0 on failure. */
static uint64_t map_filled(size_t size, uint32_t perms, uint32_t cache, uint64_t at, uint8_t fill)
{
    uint64_t addr = ma_map(size, MA_RW, cache, at, NULL);
    if (addr == 0)
        return 0;
    memset(ptr(addr), fill, size);
    if (perms != MA_RW) {
        zx_status_t s = zx_vmar_protect(zx_vmar_root_self(), perms, addr, size);
        if (s != ZX_OK)
            guest_put_status("setup_protect", s);
    }
    return addr;
}

static void watch(uint64_t addr, size_t len)
{
    fx.watch = addr;
    fx.watch_len = len;
}

#define CASE(name) static void case_##name(enum ma_dir d)

/* Step 13 and the check order, one competing pair at a time. */

CASE(basic)
{
    report(d, fixture_call());
}
CASE(null_buffer)
{
    struct call c = fixture_call();
    c.buf = 0;
    report(d, c);
}
CASE(null_buffer_bad_handle)
{
    struct call c = fixture_call();
    c.buf = 0;
    c.h = MA_BAD_HANDLE;
    report(d, c);
}
CASE(size_zero)
{
    struct call c = fixture_call();
    c.size = 0;
    report(d, c);
}
CASE(size_zero_bad_handle)
{
    struct call c = fixture_call();
    c.size = 0;
    c.h = MA_BAD_HANDLE;
    report(d, c);
}
CASE(size_zero_unmapped_vaddr)
{
    struct call c = fixture_call();
    c.size = 0;
    c.vaddr = GUEST_UNMAPPED_ADDR;
    report(d, c);
}
CASE(size_over_max_small_buffer)
{
    struct call c = fixture_call();
    c.size = MA_MAX_SIZE + 1;
    report(d, c);
}
CASE(size_max_value)
{
    struct call c = fixture_call();
    c.size = SIZE_MAX;
    report(d, c);
}
CASE(bad_handle)
{
    struct call c = fixture_call();
    c.h = MA_BAD_HANDLE;
    report(d, c);
}
CASE(invalid_handle)
{
    struct call c = fixture_call();
    c.h = ZX_HANDLE_INVALID;
    report(d, c);
}
CASE(closed_handle)
{
    struct call c = fixture_call();
    c.h = ma_dup(zx_process_self(), ZX_RIGHT_SAME_RIGHTS);
    zx_handle_close(c.h);
    report(d, c);
}
CASE(bad_handle_unmapped_vaddr)
{
    struct call c = fixture_call();
    c.h = MA_BAD_HANDLE;
    c.vaddr = GUEST_UNMAPPED_ADDR;
    report(d, c);
}
CASE(bad_handle_null_actual)
{
    struct call c = fixture_call();
    c.h = MA_BAD_HANDLE;
    c.actual = 0;
    report(d, c);
}

static zx_handle_t new_vmo(void)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    zx_status_t s = zx_vmo_create(MA_PAGE, 0, &vmo);
    if (s != ZX_OK)
        guest_put_status("setup_vmo", s);
    return vmo;
}

CASE(vmo_handle)
{
    struct call c = fixture_call();
    c.h = new_vmo();
    report(d, c);
}
CASE(vmo_handle_without_rights)
{
    struct call c = fixture_call();
    c.h = ma_dup(new_vmo(), ZX_RIGHT_MAP);
    report(d, c);
}
CASE(job_handle)
{
    struct call c = fixture_call();
    c.h = zx_job_default();
    report(d, c);
}
CASE(vmar_handle)
{
    struct call c = fixture_call();
    c.h = zx_vmar_root_self();
    report(d, c);
}
CASE(without_write_right)
{
    struct call c = fixture_call();
    c.h = ma_dup(zx_process_self(), ZX_DEFAULT_PROCESS_RIGHTS & ~ZX_RIGHT_WRITE);
    report(d, c);
}
CASE(without_read_right)
{
    struct call c = fixture_call();
    c.h = ma_dup(zx_process_self(), ZX_DEFAULT_PROCESS_RIGHTS & ~ZX_RIGHT_READ);
    report(d, c);
}
CASE(only_write_right)
{
    struct call c = fixture_call();
    c.h = ma_dup(zx_process_self(), ZX_RIGHT_WRITE);
    report(d, c);
}
CASE(only_read_write_rights)
{
    struct call c = fixture_call();
    c.h = ma_dup(zx_process_self(), ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    report(d, c);
}
CASE(without_write_right_unmapped_vaddr)
{
    struct call c = fixture_call();
    c.h = ma_dup(zx_process_self(), ZX_DEFAULT_PROCESS_RIGHTS & ~ZX_RIGHT_WRITE);
    c.vaddr = GUEST_UNMAPPED_ADDR;
    report(d, c);
}

/* Step 8: nothing present at vaddr. */

static void at_vaddr(enum ma_dir d, uint64_t vaddr, size_t size)
{
    struct call c = fixture_call();
    c.vaddr = vaddr;
    c.size = size;
    report(d, c);
}

CASE(vaddr_zero)
{
    at_vaddr(d, 0, SMALL_SIZE);
}
CASE(vaddr_unmapped)
{
    at_vaddr(d, GUEST_UNMAPPED_ADDR, DEFAULT_SIZE);
}
CASE(vaddr_noncanonical)
{
    at_vaddr(d, MA_NONCANONICAL, DEFAULT_SIZE);
}
CASE(vaddr_low_noncanonical)
{
    at_vaddr(d, MA_LOW_NONCANONICAL, DEFAULT_SIZE);
}
CASE(vaddr_kernel_unmapped)
{
    at_vaddr(d, MA_KERNEL_UNMAPPED, DEFAULT_SIZE);
}
CASE(vaddr_user_end)
{
    at_vaddr(d, ZXVMM_USER_END, DEFAULT_SIZE);
}
CASE(vaddr_stack_guard)
{
    at_vaddr(d, MA_STACK_GUARD, DEFAULT_SIZE);
}
/*
 * A call at `vaddr`, the start of a mapping of `vmo` at offset 0 whose pages the caller may not touch
 * itself: on success the copy is checked through the VMO (its first `actual` bytes equal the buffer's).
 */
static void report_through_vmo(enum ma_dir d, zx_handle_t vmo, uint64_t vaddr, size_t size)
{
    static uint8_t seen[FIXTURE_SIZE];
    struct call c = fixture_call();
    c.vaddr = vaddr;
    c.size = size;
    fx.actual = MA_ACTUAL_SENTINEL;
    zx_status_t s = ma_access(d, c.h, c.vaddr, c.buf, c.size, c.actual);
    guest_put_status("status", s);
    if (s != ZX_OK)
        return;
    size_t n = fx.actual;
    printf("actual=%zu\n", n);
    printf("copied=%d\n",
           n <= sizeof(seen) && zx_vmo_read(vmo, seen, 0, n) == ZX_OK && memcmp(seen, ptr(c.buf), n) == 0);
}

/* Two pages of TARGET_FILL mapped at MA_FIXED_A with no permission at all; the VMO handle in *vmo. */
static uint64_t map_no_perms(zx_handle_t *vmo)
{
    uint64_t t = ma_map(FIXTURE_SIZE, 0, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, vmo);
    static uint8_t fill[FIXTURE_SIZE];
    memset(fill, TARGET_FILL, sizeof(fill));
    if (t)
        zx_vmo_write(*vmo, fill, 0, sizeof(fill));
    return t;
}

/* Zircon copies through the VMO and ignores protections: a mapping without permissions is reachable. */
CASE(vaddr_no_perms_mapping)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    uint64_t t = map_no_perms(&vmo);
    report_through_vmo(d, vmo, t, FIXTURE_SIZE);
}
CASE(vaddr_unmapped_bad_buffer)
{
    struct call c = fixture_call();
    c.vaddr = GUEST_UNMAPPED_ADDR;
    c.buf = GUEST_UNMAPPED_ADDR;
    report(d, c);
}
CASE(vaddr_unmapped_null_actual)
{
    struct call c = fixture_call();
    c.vaddr = GUEST_UNMAPPED_ADDR;
    c.actual = 0;
    report(d, c);
}

/* Step 9: protected areas. */

CASE(vaddr_shim)
{
    at_vaddr(d, ZXVMM_SHIM_BASE, DEFAULT_SIZE);
}
CASE(vaddr_shim_bad_buffer)
{
    struct call c = fixture_call();
    c.vaddr = ZXVMM_SHIM_BASE;
    c.buf = GUEST_UNMAPPED_ADDR;
    report(d, c);
}

/* Accesses `size` bytes of the vDSO at `vaddr` and prints whether its bytes are still what they were. */
static void at_vdso(enum ma_dir d, uint64_t vaddr, uint64_t buf)
{
    uint8_t before[VDSO_PROBE];
    memcpy(before, ptr(vaddr), sizeof(before));
    struct call c = fixture_call();
    c.vaddr = vaddr;
    c.buf = buf;
    report(d, c);
    printf("vdso_intact=%d\n", memcmp(before, ptr(vaddr), sizeof(before)) == 0);
}

CASE(vaddr_vdso_base)
{
    at_vdso(d, ZXVMM_VDSO_BASE, fx.buffer);
}
CASE(vaddr_vdso_function)
{
    at_vdso(d, addr_of(&zx_handle_close), fx.buffer);
}
CASE(vaddr_vdso_bad_buffer)
{
    at_vdso(d, addr_of(&zx_handle_close), GUEST_UNMAPPED_ADDR);
}

/* The first page after the vDSO mapping: found by reading page by page from its base (the fixture lies
 * elsewhere, so the first page that cannot be read ends the vDSO). */
static uint64_t vdso_end(void)
{
    uint64_t at = ZXVMM_VDSO_BASE;
    uint8_t b;
    size_t actual;
    while (at < ZXVMM_VDSO_BASE + ZXVMM_VDSO_MAX_SIZE &&
           zx_process_read_memory(zx_process_self(), at, &b, 1, &actual) == ZX_OK)
        at += MA_PAGE;
    return at;
}

/* A mapping placed right after the vDSO: an access starting in the vDSO's last bytes is refused (write) or
 * cut at the vDSO's end (read); one starting in the new mapping works. */
CASE(vdso_boundary)
{
    uint64_t end = vdso_end();
    uint64_t next = map_filled(MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, end, WATCH_FILL);
    printf("mapped_after_vdso=%d\n", next == end);
    watch(next, MA_PAGE);
    struct call c = fixture_call();
    c.vaddr = end - DEFAULT_SIZE / 2;
    report(d, c);
    fx.watch = 0;
    c.vaddr = end;
    report(d, c);
}

/* Step 11: memory types. */

static void at_cache_policy(enum ma_dir d, uint32_t cache, uint64_t buf, uint64_t actual)
{
    uint64_t t = map_filled(MA_PAGE, MA_RW, cache, 0, WATCH_FILL);
    watch(t, MA_PAGE);
    struct call c = fixture_call();
    c.vaddr = t;
    c.buf = buf;
    c.actual = actual;
    report(d, c);
}

CASE(uncached)
{
    at_cache_policy(d, ZX_CACHE_POLICY_UNCACHED, fx.buffer, addr_of(&fx.actual));
}
CASE(uncached_device)
{
    at_cache_policy(d, ZX_CACHE_POLICY_UNCACHED_DEVICE, fx.buffer, addr_of(&fx.actual));
}
CASE(write_combining)
{
    at_cache_policy(d, ZX_CACHE_POLICY_WRITE_COMBINING, fx.buffer, addr_of(&fx.actual));
}
CASE(uncached_bad_buffer)
{
    at_cache_policy(d, ZX_CACHE_POLICY_UNCACHED, GUEST_UNMAPPED_ADDR, addr_of(&fx.actual));
}
CASE(uncached_null_actual)
{
    at_cache_policy(d, ZX_CACHE_POLICY_UNCACHED, fx.buffer, 0);
}
/* A cached mapping followed by an uncached one: the copy stops before the uncached one, so it succeeds. */
CASE(uncached_next_mapping_not_entered)
{
    uint64_t first = map_filled(MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, TARGET_FILL);
    uint64_t second = map_filled(MA_PAGE, MA_RW, ZX_CACHE_POLICY_UNCACHED, MA_FIXED_A + MA_PAGE, WATCH_FILL);
    watch(second, MA_PAGE);
    struct call c = fixture_call();
    c.vaddr = first + MA_PAGE - ADJACENT_LEAD;
    c.size = 2 * ADJACENT_LEAD;
    report(d, c);
}

/* Step 12: the caller's buffer and actual. */

static void with_actual(enum ma_dir d, uint64_t actual, const volatile size_t *seen)
{
    struct call c = fixture_call();
    c.actual = actual;
    report_at(d, c, seen);
}

/* A one-page mapping at MA_FIXED_B with nothing mapped after it. */
static uint64_t page_before_hole(void)
{
    return map_filled(MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_B, WATCH_FILL);
}

CASE(null_actual)
{
    with_actual(d, 0, &fx.actual);
}
CASE(actual_unmapped)
{
    with_actual(d, GUEST_UNMAPPED_ADDR, &fx.actual);
}
CASE(actual_kernel)
{
    with_actual(d, ZXVMM_SHIM_BASE, &fx.actual);
}
CASE(actual_noncanonical)
{
    with_actual(d, MA_NONCANONICAL, &fx.actual);
}
CASE(actual_readonly)
{
    with_actual(d, addr_of(&ro_actual), &ro_actual);
}
CASE(actual_in_vdso)
{
    with_actual(d, addr_of(&zx_handle_close), &fx.actual);
}
CASE(actual_straddles_hole)
{
    uint64_t page = page_before_hole();
    with_actual(d, page + MA_PAGE - ACTUAL_WIDTH / 2, &fx.actual);
    printf("page_intact=%d\n", ma_all(ptr(page), MA_PAGE, WATCH_FILL));
}
CASE(actual_unaligned)
{
    static uint8_t slot[2 * ACTUAL_WIDTH];
    uint64_t at = addr_of(slot) + ACTUAL_MISALIGN;
    memcpy(ptr(at), &(size_t){MA_ACTUAL_SENTINEL}, ACTUAL_WIDTH);
    with_actual(d, at, ptr(at));
}

static void with_buffer(enum ma_dir d, uint64_t buf, size_t size)
{
    struct call c = fixture_call();
    c.buf = buf;
    c.size = size;
    report(d, c);
}

CASE(buffer_unmapped)
{
    with_buffer(d, GUEST_UNMAPPED_ADDR, DEFAULT_SIZE);
}
CASE(buffer_kernel)
{
    with_buffer(d, ZXVMM_SHIM_BASE, DEFAULT_SIZE);
}
CASE(buffer_noncanonical)
{
    with_buffer(d, MA_NONCANONICAL, DEFAULT_SIZE);
}
CASE(buffer_wraps)
{
    with_buffer(d, UINT64_MAX - DEFAULT_SIZE / 2 + 1, DEFAULT_SIZE);
}
CASE(buffer_straddles_hole)
{
    uint64_t page = page_before_hole();
    watch(page, MA_PAGE);
    with_buffer(d, page + MA_PAGE - DEFAULT_SIZE / 2, DEFAULT_SIZE);
}
CASE(buffer_readonly)
{
    with_buffer(d, addr_of(ro_bytes), sizeof(ro_bytes));
    printf("rodata_intact=%d\n", ((const volatile uint8_t *)ro_bytes)[0] == RO_FIRST);
}
CASE(buffer_in_vdso)
{
    with_buffer(d, addr_of(&zx_handle_close), DEFAULT_SIZE);
}
/* The target is cut to one page, but the caller's whole buffer is checked: its second page is missing. */
CASE(buffer_tail_beyond_truncation)
{
    uint64_t t = map_filled(2 * MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, TARGET_FILL);
    zx_vmar_unmap(zx_vmar_root_self(), t + MA_PAGE, MA_PAGE);
    uint64_t b = page_before_hole();
    watch(b, MA_PAGE);
    struct call c = fixture_call();
    c.vaddr = t;
    c.buf = b;
    c.size = 2 * MA_PAGE;
    report(d, c);
    printf("target_intact=%d\n", ma_all(ptr(t), MA_PAGE, TARGET_FILL));
}

/* Step 10: truncation. */

CASE(adjacent_mappings)
{
    uint64_t first = map_filled(MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, TARGET_FILL);
    uint64_t second = map_filled(MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A + MA_PAGE, WATCH_FILL);
    watch(second, MA_PAGE);
    struct call c = fixture_call();
    c.vaddr = first + MA_PAGE - ADJACENT_LEAD;
    c.size = 2 * ADJACENT_LEAD;
    report(d, c);
}
CASE(adjacent_mappings_of_one_vmo)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    uint64_t first = ma_map(MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, &vmo);
    zx_vaddr_t second = 0;
    zx_status_t s = zx_vmar_map(zx_vmar_root_self(), MA_RW | ZX_VM_SPECIFIC,
                                MA_FIXED_A + MA_PAGE - ZXVMM_USER_BASE, vmo, 0, MA_PAGE, &second);
    guest_put_status("second_map", s);
    memset(ptr(first), TARGET_FILL, MA_PAGE);
    struct call c = fixture_call();
    c.vaddr = first + MA_PAGE - ADJACENT_LEAD;
    c.size = 2 * ADJACENT_LEAD;
    report(d, c);
}
/* Protecting the second page to nothing neither cuts the access nor hides the page. */
CASE(protected_none_after)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    uint64_t t = ma_map(2 * MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, &vmo);
    memset(ptr(t), TARGET_FILL, 2 * MA_PAGE);
    guest_put_status("protect", zx_vmar_protect(zx_vmar_root_self(), 0, t + MA_PAGE, MA_PAGE));
    report_through_vmo(d, vmo, t, 2 * MA_PAGE);
}
CASE(vaddr_protected_none)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    uint64_t t = ma_map(2 * MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, &vmo);
    memset(ptr(t), TARGET_FILL, 2 * MA_PAGE);
    guest_put_status("protect", zx_vmar_protect(zx_vmar_root_self(), 0, t, 2 * MA_PAGE));
    report_through_vmo(d, vmo, t, 2 * MA_PAGE);
}
/* A protect boundary inside a mapping does not cut the access (Zircon: one VmMapping). */
CASE(protected_read_only_first)
{
    uint64_t t = map_filled(2 * MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, TARGET_FILL);
    guest_put_status("protect", zx_vmar_protect(zx_vmar_root_self(), ZX_VM_PERM_READ, t, MA_PAGE));
    struct call c = fixture_call();
    c.vaddr = t;
    c.size = 2 * MA_PAGE;
    report(d, c);
}
/* A protect that changes nothing changes no access either. */
CASE(protected_unchanged)
{
    uint64_t t = map_filled(2 * MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, TARGET_FILL);
    guest_put_status("protect", zx_vmar_protect(zx_vmar_root_self(), MA_RW, t + MA_PAGE, MA_PAGE));
    struct call c = fixture_call();
    c.vaddr = t;
    c.size = 2 * MA_PAGE;
    report(d, c);
}
CASE(whole_mapping)
{
    struct call c = fixture_call();
    c.size = FIXTURE_SIZE;
    report(d, c);
}
CASE(unaligned)
{
    struct call c = fixture_call();
    c.vaddr += UNALIGNED_VADDR;
    c.buf += UNALIGNED_BUF;
    c.size = UNALIGNED_SIZE;
    report(d, c);
}

/* Protections of the target are ignored. */

__attribute__((noinline)) static uint32_t patch_target(void)
{
    __asm__ volatile("");
    return PATCH_MAGIC;
}
static uint32_t (*volatile patch_fn)(void) = patch_target;

/* The address of PATCH_MAGIC's lowest byte inside patch_target's code (a `mov $imm32`), or 0. */
static uint64_t patch_imm_addr(void)
{
    const volatile uint8_t *code = (const volatile uint8_t *)(uintptr_t)patch_fn;
    for (int i = 0; i + 4 <= PATCH_SCAN; i++) {
        uint32_t v = (uint32_t)code[i] | (uint32_t)code[i + 1] << 8 | (uint32_t)code[i + 2] << 16 |
                     (uint32_t)code[i + 3] << 24;
        if (v == PATCH_MAGIC)
            return addr_of(&code[i]);
    }
    printf("setup_patch=not found\n");
    return 0;
}

/* Changes the immediate of patch_target through the call, calls it, and puts the byte back. */
CASE(own_text)
{
    uint64_t imm = patch_imm_addr();
    uint8_t byte = (uint8_t)(PATCH_MAGIC + 1);
    size_t actual = 0;
    if (d == MA_READ) {
        uint32_t v = 0;
        guest_put_status("status", zx_process_read_memory(zx_process_self(), imm, &v, sizeof(v), &actual));
        printf("actual=%zu\nread_imm=0x%x\n", actual, v);
        return;
    }
    guest_put_status("status", zx_process_write_memory(zx_process_self(), imm, &byte, 1, &actual));
    printf("actual=%zu\ncall_returns=0x%x\n", actual, patch_fn());
    byte = (uint8_t)PATCH_MAGIC;
    guest_put_status("restore_status", zx_process_write_memory(zx_process_self(), imm, &byte, 1, &actual));
    printf("restore_actual=%zu\ncall_returns=0x%x\n", actual, patch_fn());
}

static const uint8_t ro_target[DEFAULT_SIZE] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

CASE(own_rodata)
{
    const volatile uint8_t *t = (const volatile uint8_t *)ro_target;
    uint8_t src[DEFAULT_SIZE];
    memset(src, RODATA_NEW, sizeof(src));
    struct call c = fixture_call();
    c.vaddr = addr_of(ro_target);
    c.buf = d == MA_WRITE ? addr_of(src) : fx.buffer;
    report(d, c);
    printf("first_byte=0x%x\n", t[0]);
}

/* The ported cases of Zircon's suites. */

static void xorshift_fill(uint8_t *p, size_t n)
{
    uint32_t x = XORSHIFT_SEED;
    for (size_t i = 0; i < n; i++) {
        x ^= x << XORSHIFT_A;
        x ^= x >> XORSHIFT_B;
        x ^= x << XORSHIFT_C;
        p[i] = (uint8_t)x;
    }
}

CASE(pattern_12k)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    uint64_t t = ma_map(PATTERN_SIZE, MA_RW, ZX_CACHE_POLICY_CACHED, 0, &vmo);
    size_t actual = 0;
    xorshift_fill(pattern, sizeof(pattern));
    if (d == MA_WRITE) {
        guest_put_status("write_status",
                         zx_process_write_memory(zx_process_self(), t, pattern, PATTERN_SIZE, &actual));
        printf("write_actual=%zu\n", actual);
        printf("mapping_matches=%d\n", memcmp(ptr(t), pattern, PATTERN_SIZE) == 0);
        zx_vmo_read(vmo, back, 0, PATTERN_SIZE);
        printf("vmo_matches=%d\n", memcmp(back, pattern, PATTERN_SIZE) == 0);
    } else {
        zx_vmo_write(vmo, pattern, 0, PATTERN_SIZE);
    }
    memset(back, 0, sizeof(back));
    guest_put_status("read_status",
                     zx_process_read_memory(zx_process_self(), t, back, PATTERN_SIZE, &actual));
    printf("read_actual=%zu\n", actual);
    printf("read_matches=%d\n", memcmp(back, pattern, PATTERN_SIZE) == 0);
}

/* A 64-byte access at an unmapped page between two mapped ones. */
CASE(subrange_hole)
{
    uint64_t t = map_filled(SUBRANGE_PAGES * MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, 0, WATCH_FILL);
    guest_put_status("unmap", zx_vmar_unmap(zx_vmar_root_self(), t + MA_PAGE, MA_PAGE));
    at_vaddr(d, t + MA_PAGE, SMALL_SIZE);
}

static const struct {
    const char *name;
    uint64_t addr;
} vdso_functions[] = {
    {"zx_handle_close", (uint64_t)(uintptr_t)&zx_handle_close},
    {"zx_process_write_memory", (uint64_t)(uintptr_t)&zx_process_write_memory},
    {"zx_process_read_memory", (uint64_t)(uintptr_t)&zx_process_read_memory},
    {"zx_vmo_create", (uint64_t)(uintptr_t)&zx_vmo_create},
    {"zx_debug_write", (uint64_t)(uintptr_t)&zx_debug_write},
    {"zx_system_get_page_size", (uint64_t)(uintptr_t)&zx_system_get_page_size},
};

/* Each vDSO function: writing 16 bytes of int3 there is refused and changes nothing; reading them works. */
CASE(vdso_functions)
{
    for (size_t i = 0; i < sizeof(vdso_functions) / sizeof(vdso_functions[0]); i++) {
        uint64_t at = vdso_functions[i].addr;
        uint8_t before[VDSO_PROBE], buf[VDSO_PROBE];
        memcpy(before, ptr(at), sizeof(before));
        memset(buf, INT3, sizeof(buf));
        size_t actual = MA_ACTUAL_SENTINEL;
        zx_status_t s = ma_access(d, zx_process_self(), at, addr_of(buf), sizeof(buf), addr_of(&actual));
        const char *status = guest_status_name(s);
        printf("%s=%s", vdso_functions[i].name, status ? status : "ZX_ERR_OTHER");
        if (s == ZX_OK)
            printf(" actual=%zu matches=%d\n", actual, memcmp(buf, before, sizeof(buf)) == 0);
        else
            printf(" intact=%d\n", memcmp(before, ptr(at), sizeof(before)) == 0);
    }
}

/* The debugger's breakpoint on its own code: int3 over patch_target's first byte, read back, restore. */
CASE(text_patch_restore)
{
    (void)d;
    uint64_t at = addr_of((const void *)(uintptr_t)patch_fn);
    uint8_t saved = *(const volatile uint8_t *)ptr(at), int3 = INT3, seen = 0;
    size_t actual = 0;
    guest_put_status("plant_status", zx_process_write_memory(zx_process_self(), at, &int3, 1, &actual));
    printf("plant_actual=%zu\n", actual);
    zx_process_read_memory(zx_process_self(), at, &seen, 1, &actual);
    printf("seen=0x%x\n", seen);
    guest_put_status("restore_status", zx_process_write_memory(zx_process_self(), at, &saved, 1, &actual));
    printf("restore_actual=%zu\n", actual);
    printf("call_returns=0x%x\n", patch_fn());
}

/* Two pages mapped, the second then unmapped. */
static uint64_t half_unmapped(void)
{
    uint64_t t = map_filled(2 * MA_PAGE, MA_RW, ZX_CACHE_POLICY_CACHED, MA_FIXED_A, TARGET_FILL);
    zx_status_t s = zx_vmar_unmap(zx_vmar_root_self(), t + MA_PAGE, MA_PAGE);
    if (s != ZX_OK)
        guest_put_status("setup_unmap", s);
    return t;
}

CASE(partial_unmap_two_pages)
{
    uint64_t t = half_unmapped();
    struct call c = fixture_call();
    c.vaddr = t;
    c.size = 2 * MA_PAGE;
    report(d, c);
}
CASE(partial_unmap_straddle)
{
    uint64_t t = half_unmapped();
    struct call c = fixture_call();
    c.vaddr = t + MA_PAGE - 1;
    c.size = 2;
    report(d, c);
}
CASE(partial_unmap_gap)
{
    at_vaddr(d, half_unmapped() + MA_PAGE, DEFAULT_SIZE);
}

/* A mapping that starts OFFSET_MAP_AT into its VMO: the call's bytes land at that VMO offset. */
CASE(mapping_offset)
{
    zx_handle_t vmo = ZX_HANDLE_INVALID;
    zx_status_t s = zx_vmo_create(OFFSET_VMO_PAGES * MA_PAGE, 0, &vmo);
    zx_vaddr_t t = 0;
    if (s == ZX_OK)
        s = zx_vmar_map(zx_vmar_root_self(), MA_RW, 0, vmo, OFFSET_MAP_AT, 2 * MA_PAGE, &t);
    guest_put_status("map", s);
    uint8_t src[DEFAULT_SIZE], got[DEFAULT_SIZE] = {0};
    xorshift_fill(src, sizeof(src));
    size_t actual = 0;
    if (d == MA_WRITE) {
        s = zx_process_write_memory(zx_process_self(), t + OFFSET_ACCESS, src, sizeof(src), &actual);
        zx_vmo_read(vmo, got, OFFSET_MAP_AT + OFFSET_ACCESS, sizeof(got));
    } else {
        zx_vmo_write(vmo, src, OFFSET_MAP_AT + OFFSET_ACCESS, sizeof(src));
        s = zx_process_read_memory(zx_process_self(), t + OFFSET_ACCESS, got, sizeof(got), &actual);
    }
    guest_put_status("status", s);
    printf("actual=%zu\nat_vmo_offset=%d\n", actual, memcmp(src, got, sizeof(src)) == 0);
}

/* A read-only mapping can be read and written this way, and the process sees the new bytes. */
CASE(readonly_mapping)
{
    uint64_t t = map_filled(MA_PAGE, ZX_VM_PERM_READ, ZX_CACHE_POLICY_CACHED, 0, TARGET_FILL);
    struct call c = fixture_call();
    c.vaddr = t;
    report(d, c);
    printf("first_byte=0x%x\n", *(const volatile uint8_t *)ptr(t));
}

/* 64 MiB: a page-marked source, a zero destination, one more page of each beyond. */

static void big_access(enum ma_dir d, size_t size)
{
    uint64_t t = ma_map(BIG_MAP_SIZE, MA_RW, ZX_CACHE_POLICY_CACHED, 0, NULL);
    uint64_t b = ma_map(BIG_MAP_SIZE, MA_RW, ZX_CACHE_POLICY_CACHED, 0, NULL);
    volatile uint64_t *src = ptr(d == MA_WRITE ? b : t), *dst = ptr(d == MA_WRITE ? t : b);
    for (uint64_t i = 0; i <= BIG_PAGES; i++)
        src[i * MA_PAGE / sizeof(uint64_t)] = BIG_MARK | i;
    size_t actual = MA_ACTUAL_SENTINEL;
    zx_status_t s = ma_access(d, zx_process_self(), t, b, size, addr_of(&actual));
    guest_put_status("status", s);
    if (s == ZX_OK)
        printf("actual=%zu\n", actual);
    else
        printf("actual_untouched=%d\n", actual == MA_ACTUAL_SENTINEL);
    uint64_t arrived = 0;
    for (uint64_t i = 0; i < BIG_PAGES; i++)
        arrived += dst[i * MA_PAGE / sizeof(uint64_t)] == (BIG_MARK | i);
    printf("pages_arrived=%llu\n", (unsigned long long)arrived);
    printf("page_after_untouched=%d\n", dst[BIG_PAGES * MA_PAGE / sizeof(uint64_t)] == 0);
}

CASE(size_64mib)
{
    big_access(d, MA_MAX_SIZE);
}
CASE(size_64mib_plus_one)
{
    big_access(d, MA_MAX_SIZE + 1);
}

#define ENTRY(name)                                                                                          \
    {                                                                                                        \
#name, case_##name                                                                                   \
    }
static const struct {
    const char *name;
    void (*run)(enum ma_dir d);
} cases[] = {
    ENTRY(basic),
    ENTRY(null_buffer),
    ENTRY(null_buffer_bad_handle),
    ENTRY(size_zero),
    ENTRY(size_zero_bad_handle),
    ENTRY(size_zero_unmapped_vaddr),
    ENTRY(size_over_max_small_buffer),
    ENTRY(size_max_value),
    ENTRY(bad_handle),
    ENTRY(invalid_handle),
    ENTRY(closed_handle),
    ENTRY(bad_handle_unmapped_vaddr),
    ENTRY(bad_handle_null_actual),
    ENTRY(vmo_handle),
    ENTRY(vmo_handle_without_rights),
    ENTRY(job_handle),
    ENTRY(vmar_handle),
    ENTRY(without_write_right),
    ENTRY(without_read_right),
    ENTRY(only_write_right),
    ENTRY(only_read_write_rights),
    ENTRY(without_write_right_unmapped_vaddr),
    ENTRY(vaddr_zero),
    ENTRY(vaddr_unmapped),
    ENTRY(vaddr_noncanonical),
    ENTRY(vaddr_low_noncanonical),
    ENTRY(vaddr_kernel_unmapped),
    ENTRY(vaddr_user_end),
    ENTRY(vaddr_stack_guard),
    ENTRY(vaddr_no_perms_mapping),
    ENTRY(vaddr_unmapped_bad_buffer),
    ENTRY(vaddr_unmapped_null_actual),
    ENTRY(vaddr_shim),
    ENTRY(vaddr_shim_bad_buffer),
    ENTRY(vaddr_vdso_base),
    ENTRY(vaddr_vdso_function),
    ENTRY(vaddr_vdso_bad_buffer),
    ENTRY(vdso_boundary),
    ENTRY(uncached),
    ENTRY(uncached_device),
    ENTRY(write_combining),
    ENTRY(uncached_bad_buffer),
    ENTRY(uncached_null_actual),
    ENTRY(uncached_next_mapping_not_entered),
    ENTRY(null_actual),
    ENTRY(actual_unmapped),
    ENTRY(actual_kernel),
    ENTRY(actual_noncanonical),
    ENTRY(actual_readonly),
    ENTRY(actual_in_vdso),
    ENTRY(actual_straddles_hole),
    ENTRY(actual_unaligned),
    ENTRY(buffer_unmapped),
    ENTRY(buffer_kernel),
    ENTRY(buffer_noncanonical),
    ENTRY(buffer_wraps),
    ENTRY(buffer_straddles_hole),
    ENTRY(buffer_readonly),
    ENTRY(buffer_in_vdso),
    ENTRY(buffer_tail_beyond_truncation),
    ENTRY(adjacent_mappings),
    ENTRY(adjacent_mappings_of_one_vmo),
    ENTRY(protected_none_after),
    ENTRY(vaddr_protected_none),
    ENTRY(protected_read_only_first),
    ENTRY(protected_unchanged),
    ENTRY(whole_mapping),
    ENTRY(unaligned),
    ENTRY(own_text),
    ENTRY(own_rodata),
    ENTRY(pattern_12k),
    ENTRY(subrange_hole),
    ENTRY(vdso_functions),
    ENTRY(text_patch_restore),
    ENTRY(partial_unmap_two_pages),
    ENTRY(partial_unmap_straddle),
    ENTRY(partial_unmap_gap),
    ENTRY(mapping_offset),
    ENTRY(readonly_mapping),
    ENTRY(size_64mib),
    ENTRY(size_64mib_plus_one),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    enum ma_dir d;
    if (argc != 3 || !ma_parse_dir(argv[1], &d)) {
        printf("usage: memaccess write|read CASE\n");
        return GUEST_USAGE_RETCODE;
    }
    fx.target = map_filled(FIXTURE_SIZE, MA_RW, ZX_CACHE_POLICY_CACHED, FIXTURE_TARGET_AT, TARGET_FILL);
    fx.buffer = map_filled(FIXTURE_SIZE, MA_RW, ZX_CACHE_POLICY_CACHED, FIXTURE_BUFFER_AT, BUFFER_FILL);
    for (size_t i = 0; cases[i].name; i++) {
        if (strcmp(cases[i].name, argv[2]) == 0) {
            cases[i].run(d);
            return 0;
        }
    }
    printf("unknown case %s\n", argv[2]);
    return GUEST_USAGE_RETCODE;
}
