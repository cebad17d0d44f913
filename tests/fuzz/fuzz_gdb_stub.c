/* fuzz_gdb_stub.c: the GDB command set (gdb/stub.c) on arbitrary packet sequences over a checking fake
 * target.
 */
/*
 * Built by tests/fuzz/CMakeLists.txt (-DZXVMM_FUZZ=ON, clang); run by scripts/fuzz.sh.
 * Input: decoded packet payloads separated by '\n' (what the server hands
 * gdb_session_packet once the framing layer, fuzz_gdb_packet's subject, has
 * checked and unescaped them). Each goes to one session, as from one gdb;
 * a resume is answered by a stop of a thread the fake chose, as the server
 * does when the target stops. Checked, beside ASan and UBSan:
 * - every reply fits GDB_PACKET_MAX, and every outcome is one of the enum's;
 * - the stub asks the target for memory ranges that are not empty and do not wrap, never for
 *   more bytes than a reply carries in hex (reads) or a packet (writes);
 * - resume actions carry signals in 0..255;
 * - registers it writes pass the checks the debug core makes (the fake
 *   refuses what the core refuses; a refused write leaves them as they were);
 * - an "E.." reply is exactly "E" and two hex digits;
 * - a resume has 1 to GDB_MAX_THREADS + 1 actions;
 * - after kill or detach nothing more is sent, as the server closes then.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAKE_MEM_BASE 0x20000000ULL
#define FAKE_MEM_SIZE 4096
#define FAKE_THREADS  3

static const uint64_t koids[FAKE_THREADS] = {0x402, 0x405, 0x40a};

static struct {
    struct gdb_regs regs[FAKE_THREADS];
    uint8_t mem[FAKE_MEM_SIZE];
    size_t live; /* threads listed: 1..FAKE_THREADS; a resume may end the last one */
    uint64_t resumed;
} fake;

static void broken(const char *what)
{
    fprintf(stderr, "fuzz invariant broken: %s\n", what);
    abort();
}

/* The index of a listed thread, or -1; koid 0 (the target's choice) is the main thread. */
static int thread_index(uint64_t koid)
{
    if (koid == 0)
        return 0;
    for (size_t i = 0; i < fake.live; i++)
        if (koids[i] == koid)
            return (int)i;
    return -1;
}

static size_t f_threads(void *ctx, struct gdb_thread_entry *out, size_t max)
{
    (void)ctx;
    size_t n = fake.live < max ? fake.live : max;
    for (size_t i = 0; i < n; i++) {
        out[i].koid = koids[i];
        snprintf(out[i].name, sizeof(out[i].name), "%s", i == 0 ? "main<&>\"'" : "other");
    }
    return n;
}

static int f_get_regs(void *ctx, uint64_t koid, struct gdb_regs *out)
{
    (void)ctx;
    int i = thread_index(koid);
    if (i < 0)
        return -ESRCH;
    *out = fake.regs[i];
    return 0;
}

/* The debug core's checks (debug_set_general_regs and the FP/vector setters): canonical user rip and bases.
 */
static int f_set_regs(void *ctx, uint64_t koid, const struct gdb_regs *in)
{
    (void)ctx;
    int i = thread_index(koid);
    if (i < 0)
        return -ESRCH;
    if (in->general.rip >> 47 || in->general.fs_base >> 47 || in->general.gs_base >> 47 ||
        in->vector.mxcsr >> 16)
        return -EINVAL;
    fake.regs[i] = *in;
    return 0;
}

/*
 * A range the stub asks for: never wrapping; a read never longer than a hex
 * reply carries, a write than a packet. The thread may be one that has gone
 * since gdb chose it (Hg, or the last stop): the target answers for it.
 */
static bool check_range(uint64_t koid, uint64_t addr, size_t len, size_t max)
{
    if (len > max)
        broken("memory access longer than a packet can carry");
    if (len == 0 || addr + (len - 1) < addr)
        broken("an empty memory access, or one that wraps around the address space");
    return thread_index(koid) >= 0;
}

static size_t f_read(void *ctx, uint64_t koid, uint64_t addr, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (!check_range(koid, addr, len, GDB_PACKET_MAX / 2) || addr < FAKE_MEM_BASE ||
        addr >= FAKE_MEM_BASE + FAKE_MEM_SIZE)
        return 0;
    size_t n = FAKE_MEM_BASE + FAKE_MEM_SIZE - addr < len ? FAKE_MEM_BASE + FAKE_MEM_SIZE - addr : len;
    memcpy(buf, fake.mem + (addr - FAKE_MEM_BASE), n);
    return n;
}

static size_t f_write(void *ctx, uint64_t koid, uint64_t addr, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (!check_range(koid, addr, len, GDB_PACKET_MAX) || addr < FAKE_MEM_BASE ||
        addr >= FAKE_MEM_BASE + FAKE_MEM_SIZE)
        return 0;
    size_t n = FAKE_MEM_BASE + FAKE_MEM_SIZE - addr < len ? FAKE_MEM_BASE + FAKE_MEM_SIZE - addr : len;
    memcpy(fake.mem + (addr - FAKE_MEM_BASE), buf, n);
    return n;
}

static int f_bp(void *ctx, uint64_t koid, uint64_t addr, bool insert)
{
    (void)ctx;
    (void)insert;
    if (thread_index(koid) < 0)
        return -EFAULT;
    return addr >= FAKE_MEM_BASE && addr < FAKE_MEM_BASE + FAKE_MEM_SIZE ? 0 : -EFAULT;
}

static void f_resume(void *ctx, const struct gdb_action *a, size_t n)
{
    (void)ctx;
    if (n == 0 || n > GDB_MAX_THREADS + 1)
        broken("no resume action, or more than GDB_MAX_THREADS and the default");
    for (size_t i = 0; i < n; i++)
        if (a[i].signal < 0 || a[i].signal > 0xff)
            broken("a resume signal outside 0..255");
    fake.resumed++;
}

static void f_kill(void *ctx)
{
    (void)ctx;
}

static void f_detach(void *ctx)
{
    (void)ctx;
}

static size_t f_describe(void *ctx, char *out, size_t cap)
{
    (void)ctx;
    size_t len = 0;
    for (size_t i = 0; i < fake.live && len < cap; i++) {
        int n = snprintf(out + len, cap - len, "%llu other running\n", (unsigned long long)koids[i]);
        if (n < 0)
            break;
        len += (size_t)n < cap - len ? (size_t)n : cap - len - 1;
    }
    return len;
}

static const struct gdb_target target = {NULL, f_threads, f_get_regs, f_set_regs, f_read,    f_write,
                                         f_bp, f_resume,  f_kill,     f_detach,   f_describe};

static struct gdb_session session;
static struct gdb_reply reply;
static uint8_t packet[GDB_PACKET_MAX + 1];

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void check_reply(void)
{
    if (reply.len > GDB_PACKET_MAX)
        broken("reply longer than GDB_PACKET_MAX");
    if (reply.len >= 1 && reply.data[0] == 'E' && reply.len <= 3 &&
        !(reply.len == 3 && is_hex(reply.data[1]) && is_hex(reply.data[2])))
        broken("an error reply that is not E and two hex digits");
}

/* The stop the fake reports after a resume: the thread and signal come from the resume count. */
static void stop_after_resume(void)
{
    static const int signals[] = {GDB_SIGTRAP, GDB_SIGSEGV, GDB_SIGINT, GDB_SIGILL};
    size_t i = fake.resumed % fake.live;
    struct gdb_stop stop = {
        .koid = koids[i],
        .signal = signals[fake.resumed % 4],
        .swbreak = fake.resumed % 3 == 0,
        .rip = fake.regs[i].general.rip,
        .rsp = fake.regs[i].general.rsp,
        .rbp = fake.regs[i].general.rbp,
    };
    if (fake.resumed % 5 == 4 && fake.live > 1)
        fake.live--; /* a process ended while running: it leaves the thread list */
    if (fake.resumed % 7 == 6) {
        stop.exited = true;
        stop.by_signal = fake.resumed % 2;
        stop.code = (int64_t)fake.resumed;
    }
    gdb_session_stopped(&session, &stop, &reply);
    check_reply();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&fake, 0, sizeof(fake));
    fake.live = FAKE_THREADS;
    for (size_t i = 0; i < FAKE_MEM_SIZE; i++)
        fake.mem[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < FAKE_THREADS; i++) {
        fake.regs[i].general.rip = FAKE_MEM_BASE + 16 * i;
        fake.regs[i].general.rsp = 0x7fff0000;
        fake.regs[i].general.rflags = 0x246;
        fake.regs[i].vector.mxcsr = 0x1f80;
        fake.regs[i].fp.fcw = 0x37f;
    }
    struct gdb_stop initial = {.koid = koids[0], .signal = GDB_SIGTRAP, .rip = FAKE_MEM_BASE};
    gdb_session_init(&session, &target, &initial);
    while (size > 0) {
        const uint8_t *end = memchr(data, '\n', size);
        size_t len = end ? (size_t)(end - data) : size;
        if (len <= GDB_PACKET_MAX) {
            memcpy(packet, data, len);
            packet[len] = '\0';
            struct gdb_regs before[FAKE_THREADS];
            memcpy(before, fake.regs, sizeof(before));
            enum gdb_outcome out = gdb_session_packet(&session, packet, len, &reply);
            switch (out) {
            case GDB_OUT_REPLY:
            case GDB_OUT_NONE:
                check_reply();
                break;
            case GDB_OUT_RESUMED:
                stop_after_resume();
                break;
            case GDB_OUT_DETACHED:
            case GDB_OUT_KILLED:
                check_reply();
                return 0; /* the server closes the connection */
            default:
                broken("an outcome that is not one of enum gdb_outcome");
            }
            if (reply.len == 3 && reply.data[0] == 'E' && (packet[0] == 'G' || packet[0] == 'P') &&
                memcmp(before, fake.regs, sizeof(before)) != 0)
                broken("a refused register write changed registers");
        }
        size_t used = end ? len + 1 : len;
        data += used;
        size -= used;
    }
    return 0;
}
