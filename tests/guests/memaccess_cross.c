/* memaccess_cross.c: test guest for the memory-access calls between two processes running this same program:
 * `memaccess_cross ROLE` as a --spawn sibling, `memaccess_cross DIR CASE` as the main process. */
#include "memaccess.h"

#define READY_MAGIC      0x5245414459ULL /* "READY" */
#define GO_MAGIC         0x474fULL       /* "GO" */
#define NOT_YET          1ULL            /* non-zero, so the flags live in .data */
#define MAILBOX_SIZE     64
#define GREETING_SIZE    32
#define PATCH_MAGIC      0x5eed1234u
#define INT3             0xcc
#define EXIT_CODE        7
#define RC_BASE          40 /* the "wait" sibling returns RC_BASE plus the RC_* bits of what it saw */
#define RC_MAILBOX_OK    1
#define RC_CALL_OK       2
#define RC_CALL_PATCHED  4 /* patch_target returned PATCH_MAGIC + 1: the sibling ran the patched code */
#define PATCH_SCAN       64
#define MAILBOX_SEED     0x3c
#define ACCESS_SIZE      16
#define BUFFER_FILL      0x22
#define CRASH_ADDR       GUEST_UNMAPPED_ADDR
#define SIBLING_GREETING "sibling-was-here"

/* Shared by link address: the main process reaches the sibling's copies through the calls. */
static volatile uint64_t ready = NOT_YET;
static volatile uint64_t go = NOT_YET;
static volatile uint8_t mailbox[MAILBOX_SIZE] = {1};
static volatile char greeting[GREETING_SIZE] = "main-keeps-this";

static uint64_t addr_of(const volatile void *p)
{
    return (uint64_t)(uintptr_t)p;
}

__attribute__((noinline)) static uint32_t patch_target(void)
{
    __asm__ volatile("");
    return PATCH_MAGIC;
}
static uint32_t (*volatile patch_fn)(void) = patch_target;

static uint64_t patch_addr(void)
{
    return addr_of((const void *)(uintptr_t)patch_fn);
}

static void mailbox_pattern(uint8_t *p)
{
    for (int i = 0; i < MAILBOX_SIZE; i++)
        p[i] = (uint8_t)(MAILBOX_SEED + i);
}

/* Sibling roles: they print nothing, so the main process's output is the whole output. */

static void announce_ready(void)
{
    for (size_t i = 0; i < sizeof(SIBLING_GREETING); i++)
        greeting[i] = SIBLING_GREETING[i];
    ready = READY_MAGIC;
}

/* Waits for GO, then reports through its return code what it saw in its own memory. */
static int role_wait(void)
{
    announce_ready();
    ma_await(&go, GO_MAGIC);
    uint8_t want[MAILBOX_SIZE];
    mailbox_pattern(want);
    int rc = RC_BASE;
    if (memcmp((const void *)(uintptr_t)mailbox, want, sizeof(want)) == 0)
        rc += RC_MAILBOX_OK;
    uint32_t v = patch_fn();
    if (v == PATCH_MAGIC)
        rc += RC_CALL_OK;
    else if (v == PATCH_MAGIC + 1)
        rc += RC_CALL_PATCHED;
    return rc;
}

static int role_spin(void)
{
    announce_ready();
    ma_await(&go, GO_MAGIC); /* no one sends GO to a spinner: it runs until killed */
    return EXIT_CODE;
}

static int role_exit(void)
{
    announce_ready();
    ma_await(&go, GO_MAGIC);
    return EXIT_CODE;
}

static int role_crash(void)
{
    announce_ready();
    ma_await(&go, GO_MAGIC);
    *(volatile uint8_t *)guest_opaque(CRASH_ADDR) = 1;
    return EXIT_CODE;
}

/* Main-process helpers. */

static zx_handle_t sibling_ready(void)
{
    zx_handle_t h = ma_first_sibling();
    uint64_t v = 0;
    size_t actual = 0;
    while (h != ZX_HANDLE_INVALID && v != READY_MAGIC) {
        zx_status_t s = zx_process_read_memory(h, addr_of(&ready), &v, sizeof(v), &actual);
        if (s != ZX_OK) {
            guest_put_status("setup_ready", s);
            return ZX_HANDLE_INVALID;
        }
        if (v != READY_MAGIC)
            zx_nanosleep(zx_deadline_after(MA_POLL_NS));
    }
    return h;
}

static zx_status_t poke_u64(zx_handle_t h, volatile uint64_t *at, uint64_t value)
{
    size_t actual = 0;
    return zx_process_write_memory(h, addr_of(at), &value, sizeof(value), &actual);
}

/* Releases the sibling and prints its return code. */
static void release_and_wait(zx_handle_t h)
{
    guest_put_status("go_status", poke_u64(h, &go, GO_MAGIC));
    printf("sibling_return_code=%lld\n", (long long)ma_wait_exit(h));
}

/* A write lands in the sibling's .data and the sibling sees it. */
static void case_write_seen(enum ma_dir d)
{
    (void)d;
    zx_handle_t h = sibling_ready();
    uint8_t pattern[MAILBOX_SIZE];
    mailbox_pattern(pattern);
    size_t actual = 0;
    guest_put_status("status",
                     zx_process_write_memory(h, addr_of(mailbox), pattern, sizeof(pattern), &actual));
    printf("actual=%zu\n", actual);
    printf("own_mailbox_untouched=%d\n", mailbox[0] == 1 && mailbox[1] == 0);
    release_and_wait(h);
}

/* The sibling's greeting, not the caller's own, comes back. */
static void case_read_sibling(enum ma_dir d)
{
    (void)d;
    zx_handle_t h = sibling_ready();
    char got[GREETING_SIZE] = {0};
    size_t actual = 0;
    guest_put_status("status", zx_process_read_memory(h, addr_of(greeting), got, sizeof(got), &actual));
    printf("actual=%zu\nread=%s\nown=%s\n", actual, got, (const char *)(uintptr_t)greeting);
}

static uint8_t peek_byte(zx_handle_t h, uint64_t at)
{
    uint8_t b = 0;
    size_t actual = 0;
    zx_status_t s = zx_process_read_memory(h, at, &b, 1, &actual);
    if (s != ZX_OK)
        guest_put_status("peek", s);
    return b;
}

/* int3 planted in the sibling's copy of patch_target: the caller's copy is unaffected. */
static void case_breakpoint_isolated(enum ma_dir d)
{
    (void)d;
    zx_handle_t h = sibling_ready();
    uint64_t at = patch_addr();
    uint8_t orig = *(const volatile uint8_t *)guest_opaque(at), int3 = INT3;
    printf("sibling_byte_matches=%d\n", peek_byte(h, at) == orig);
    size_t actual = 0;
    guest_put_status("plant_status", zx_process_write_memory(h, at, &int3, 1, &actual));
    printf("plant_actual=%zu\n", actual);
    printf("sibling_sees=0x%x\n", peek_byte(h, at));
    printf("own_byte_intact=%d\n", *(const volatile uint8_t *)guest_opaque(at) == orig);
    printf("own_read_intact=%d\n", peek_byte(zx_process_self(), at) == orig);
    printf("own_call=0x%x\n", patch_fn());
    guest_put_status("restore_status", zx_process_write_memory(h, at, &orig, 1, &actual));
    release_and_wait(h);
}

/* int3 planted in the caller's own patch_target: the sibling's copy is unaffected. */
static void case_own_breakpoint_isolated(enum ma_dir d)
{
    (void)d;
    zx_handle_t h = sibling_ready();
    uint64_t at = patch_addr();
    uint8_t orig = *(const volatile uint8_t *)guest_opaque(at), int3 = INT3;
    size_t actual = 0;
    guest_put_status("plant_status", zx_process_write_memory(zx_process_self(), at, &int3, 1, &actual));
    printf("own_byte=0x%x\n", *(const volatile uint8_t *)guest_opaque(at));
    printf("sibling_byte_intact=%d\n", peek_byte(h, at) == orig);
    guest_put_status("restore_status", zx_process_write_memory(zx_process_self(), at, &orig, 1, &actual));
    release_and_wait(h);
}

/* The immediate of the sibling's patch_target changed by one: the sibling then runs the changed code. */
static void case_sibling_text_patched(enum ma_dir d)
{
    (void)d;
    zx_handle_t h = sibling_ready();
    const volatile uint8_t *code = (const volatile uint8_t *)(uintptr_t)patch_fn;
    uint64_t imm = 0;
    for (int i = 0; i + 4 <= PATCH_SCAN && imm == 0; i++)
        if (code[i] == (uint8_t)PATCH_MAGIC && code[i + 1] == (uint8_t)(PATCH_MAGIC >> 8) &&
            code[i + 2] == (uint8_t)(PATCH_MAGIC >> 16) && code[i + 3] == (uint8_t)(PATCH_MAGIC >> 24))
            imm = addr_of(&code[i]);
    uint8_t byte = (uint8_t)(PATCH_MAGIC + 1);
    size_t actual = 0;
    guest_put_status("status", zx_process_write_memory(h, imm, &byte, 1, &actual));
    printf("actual=%zu\nown_call=0x%x\n", actual, patch_fn());
    release_and_wait(h);
}

/* Accesses the (dead) sibling and prints the outcome and whether anything was touched. */
static void access_dead(enum ma_dir d, zx_handle_t h, uint64_t vaddr, uint64_t buf)
{
    uint8_t local[ACCESS_SIZE];
    memset(local, BUFFER_FILL, sizeof(local));
    if (buf == 0)
        buf = addr_of(local);
    size_t actual = MA_ACTUAL_SENTINEL;
    guest_put_status("status", ma_access(d, h, vaddr, buf, ACCESS_SIZE, addr_of(&actual)));
    printf("actual_untouched=%d\n", actual == MA_ACTUAL_SENTINEL);
    printf("buffer_untouched=%d\n", ma_all(local, sizeof(local), BUFFER_FILL));
}

static zx_handle_t killed_sibling(void)
{
    zx_handle_t h = sibling_ready();
    guest_put_status("kill_status", zx_task_kill(h));
    printf("return_code=%lld\n", (long long)ma_wait_exit(h));
    return h;
}

static zx_handle_t ended_sibling(void)
{
    zx_handle_t h = sibling_ready();
    guest_put_status("go_status", poke_u64(h, &go, GO_MAGIC));
    printf("return_code=%lld\n", (long long)ma_wait_exit(h));
    return h;
}

static void case_killed(enum ma_dir d)
{
    access_dead(d, killed_sibling(), addr_of(greeting), 0);
}
static void case_ended(enum ma_dir d)
{
    access_dead(d, ended_sibling(), addr_of(greeting), 0);
}
static void case_dead_unmapped_vaddr(enum ma_dir d)
{
    access_dead(d, ended_sibling(), GUEST_UNMAPPED_ADDR, 0);
}
static void case_dead_bad_buffer(enum ma_dir d)
{
    access_dead(d, ended_sibling(), addr_of(greeting), GUEST_UNMAPPED_ADDR);
}
static void case_dead_without_write_right(enum ma_dir d)
{
    zx_handle_t h = ended_sibling();
    access_dead(d, ma_dup(h, ZX_DEFAULT_PROCESS_RIGHTS & ~ZX_RIGHT_WRITE), addr_of(greeting), 0);
}

static const struct {
    const char *name;
    int (*run)(void);
} roles[] = {
    {"wait", role_wait}, {"spin", role_spin}, {"exit", role_exit}, {"crash", role_crash}, {NULL, NULL},
};

#define ENTRY(name)                                                                                          \
    {                                                                                                        \
#name, case_##name                                                                                   \
    }
static const struct {
    const char *name;
    void (*run)(enum ma_dir d);
} cases[] = {
    ENTRY(write_seen),
    ENTRY(read_sibling),
    ENTRY(breakpoint_isolated),
    ENTRY(own_breakpoint_isolated),
    ENTRY(sibling_text_patched),
    ENTRY(killed),
    ENTRY(ended),
    ENTRY(dead_unmapped_vaddr),
    ENTRY(dead_bad_buffer),
    ENTRY(dead_without_write_right),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    enum ma_dir d;
    if (argc == 2) {
        for (size_t i = 0; roles[i].name; i++)
            if (strcmp(roles[i].name, argv[1]) == 0)
                return roles[i].run();
    } else if (argc == 3 && ma_parse_dir(argv[1], &d)) {
        for (size_t i = 0; cases[i].name; i++) {
            if (strcmp(cases[i].name, argv[2]) == 0) {
                cases[i].run(d);
                return 0;
            }
        }
    }
    printf("usage: memaccess_cross wait|spin|exit|crash, or memaccess_cross write|read CASE\n");
    return GUEST_USAGE_RETCODE;
}
