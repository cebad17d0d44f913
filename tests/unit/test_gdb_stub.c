/* test_gdb_stub.c: the GDB command set against a fake target: registers, memory, breakpoints, resume
 * actions, threads, qXfer, monitor commands, unknown and malformed packets; and the --gdb address parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"
#include "gdb/server.h"
#include "gdb/stub.h"

#define FAKE_MEM_BASE 0x1000ULL
#define FAKE_MEM_SIZE 64
#define MAIN_KOID     0x402ULL
#define OTHER_KOID    0x405ULL

static struct fake {
    struct gdb_regs regs;
    uint8_t mem[FAKE_MEM_SIZE];
    uint64_t last_bp;
    bool bp_inserted;
    struct gdb_action actions[8];
    size_t nactions;
    bool killed, detached;
    unsigned mem_calls; /* read_mem and write_mem calls */
} fake;

static size_t f_threads(void *ctx, struct gdb_thread_entry *out, size_t max)
{
    (void)ctx;
    cr_assert_geq(max, 2);
    out[0] = (struct gdb_thread_entry){MAIN_KOID, "main<prog>"};
    out[1] = (struct gdb_thread_entry){OTHER_KOID, "other"};
    return 2;
}

static int f_get_regs(void *ctx, uint64_t koid, struct gdb_regs *out)
{
    (void)ctx;
    if (koid != MAIN_KOID && koid != OTHER_KOID)
        return -ESRCH;
    *out = fake.regs;
    return 0;
}

static int f_set_regs(void *ctx, uint64_t koid, const struct gdb_regs *in)
{
    (void)ctx;
    (void)koid;
    if (in->general.rip >> 47 || (in->vector.mxcsr >> 16))
        return -EINVAL;
    fake.regs = *in;
    return 0;
}

static size_t f_read(void *ctx, uint64_t koid, uint64_t addr, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)koid;
    fake.mem_calls++;
    if (addr < FAKE_MEM_BASE || addr >= FAKE_MEM_BASE + FAKE_MEM_SIZE)
        return 0;
    size_t n = FAKE_MEM_BASE + FAKE_MEM_SIZE - addr < len ? FAKE_MEM_BASE + FAKE_MEM_SIZE - addr : len;
    memcpy(buf, fake.mem + (addr - FAKE_MEM_BASE), n);
    return n;
}

static size_t f_write(void *ctx, uint64_t koid, uint64_t addr, const uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)koid;
    fake.mem_calls++;
    if (addr < FAKE_MEM_BASE || addr + len > FAKE_MEM_BASE + FAKE_MEM_SIZE)
        return 0;
    memcpy(fake.mem + (addr - FAKE_MEM_BASE), buf, len);
    return len;
}

static int f_bp(void *ctx, uint64_t koid, uint64_t addr, bool insert)
{
    (void)ctx;
    (void)koid;
    if (addr == 0)
        return -EFAULT;
    fake.last_bp = addr;
    fake.bp_inserted = insert;
    return 0;
}

static void f_resume(void *ctx, const struct gdb_action *a, size_t n)
{
    (void)ctx;
    cr_assert_leq(n, 8);
    memcpy(fake.actions, a, n * sizeof(*a));
    fake.nactions = n;
}

static void f_kill(void *ctx)
{
    (void)ctx;
    fake.killed = true;
}

static void f_detach(void *ctx)
{
    (void)ctx;
    fake.detached = true;
}

static size_t f_describe(void *ctx, char *out, size_t cap)
{
    (void)ctx;
    return (size_t)snprintf(out, cap, "1026 prog running\n");
}

static const struct gdb_target target = {NULL, f_threads, f_get_regs, f_set_regs, f_read,    f_write,
                                         f_bp, f_resume,  f_kill,     f_detach,   f_describe};

static struct gdb_session s;
static struct gdb_reply r;
static char text[GDB_PACKET_MAX + 1];

static void setup(void)
{
    memset(&fake, 0, sizeof(fake));
    for (int i = 0; i < FAKE_MEM_SIZE; i++)
        fake.mem[i] = (uint8_t)i;
    fake.regs.general.rax = 0x1122334455667788ULL;
    fake.regs.general.rip = 0x20000010;
    fake.regs.general.rsp = 0x7fff0000;
    fake.regs.general.rflags = 0x246;
    fake.regs.general.fs_base = 0xabc;
    fake.regs.fp.fcw = 0x37f;
    fake.regs.fp.fsw = 0x3800; /* top = 7: st0 is physical register 7 */
    fake.regs.fp.ftw = 0x80;   /* only physical register 7 is in use */
    fake.regs.fp.fip = 0x1122334455667788ULL;
    fake.regs.fp.st[0].low = 0x8000000000000000ULL; /* 1.0 */
    fake.regs.fp.st[0].high = 0x3fff;
    fake.regs.vector.zmm[3].v[0] = 0x0706050403020100ULL;
    fake.regs.vector.zmm[3].v[1] = 0x0f0e0d0c0b0a0908ULL;
    fake.regs.vector.mxcsr = 0x1f80;
    struct gdb_stop initial = {.koid = MAIN_KOID, .signal = GDB_SIGTRAP, .rip = 0x20000010};
    gdb_session_init(&s, &target, &initial);
}

/* Sends one packet; returns the outcome with the reply in `text`. */
static enum gdb_outcome cmd_len(const char *p, size_t len)
{
    enum gdb_outcome out = gdb_session_packet(&s, (const uint8_t *)p, len, &r);
    memcpy(text, r.data, r.len);
    text[r.len] = '\0';
    return out;
}

static enum gdb_outcome cmd(const char *p)
{
    return cmd_len(p, strlen(p));
}

TestSuite(gdb_stub, .init = setup);

Test(gdb_stub, qsupported_announces_packet_size_and_features)
{
    cr_assert_eq(cmd("qSupported:multiprocess+;swbreak+;xmlRegisters=i386"), GDB_OUT_REPLY);
    cr_assert(strstr(text, "PacketSize=10000;") != NULL, "%s", text);
    const char *features[] = {"QStartNoAckMode+",    "swbreak+",       "hwbreak+", "qXfer:features:read+",
                              "qXfer:threads:read+", "vContSupported+"};
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
        cr_assert(strstr(text, features[i]) != NULL, "missing %s in %s", features[i], text);
}

Test(gdb_stub, no_ack_mode)
{
    cr_assert_not(s.no_ack);
    cmd("QStartNoAckMode");
    cr_assert_str_eq(text, "OK");
    cr_assert(s.no_ack);
}

Test(gdb_stub, unknown_packets_get_an_empty_reply)
{
    const char *unknown[] = {"qTStatus", "vMustReplyEmpty", "!", "qFooBar", "jThreadsInfo", "vFile:open:x"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        cr_assert_eq(cmd(unknown[i]), GDB_OUT_REPLY);
        cr_assert_str_eq(text, "", "%s", unknown[i]);
    }
}

Test(gdb_stub, question_mark_reports_the_last_stop_with_registers)
{
    cmd("?");
    cr_assert(strncmp(text, "T05thread:402;", 14) == 0, "%s", text);
    cr_assert(strstr(text, "10:1000002000000000;") != NULL, "rip missing: %s", text);
}

Test(gdb_stub, stop_reply_for_a_planted_breakpoint_says_swbreak)
{
    struct gdb_stop st = {
        .koid = OTHER_KOID, .signal = GDB_SIGTRAP, .swbreak = true, .rip = 1, .rsp = 2, .rbp = 3};
    gdb_session_stopped(&s, &st, &r);
    memcpy(text, r.data, r.len);
    text[r.len] = '\0';
    cr_assert_str_eq(text,
                     "T05swbreak:;thread:405;06:0300000000000000;07:0200000000000000;10:0100000000000000;");
}

Test(gdb_stub, exit_replies)
{
    struct gdb_stop w = {.exited = true, .code = 3};
    gdb_session_stopped(&s, &w, &r);
    cr_assert_eq(r.len, 3);
    cr_assert_eq(memcmp(r.data, "W03", 3), 0);
    struct gdb_stop x = {.exited = true, .by_signal = true, .signal = GDB_SIGSEGV};
    gdb_session_stopped(&s, &x, &r);
    cr_assert_eq(memcmp(r.data, "X0b", 3), 0);
}

Test(gdb_stub, g_returns_every_register_in_gdb_order)
{
    cmd("g");
    /* 16 GPRs, rip, eflags, 6 segments, 8 x87 of 10, 8 x87 control, 16 xmm, mxcsr, fs_base, gs_base */
    size_t bytes = 16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 8 + 8;
    cr_assert_eq(strlen(text), 2 * bytes);
    cr_assert(strncmp(text, "8877665544332211", 16) == 0, "rax: %.16s", text);
    cr_assert(strncmp(text + 16 * 16, "1000002000000000", 16) == 0, "rip: %.16s", text + 256);
    cr_assert(strncmp(text + 17 * 16, "46020000", 8) == 0, "eflags");
    cr_assert(strncmp(text + 17 * 16 + 8, "2b000000", 8) == 0, "cs is the user code selector");
    cr_assert(strncmp(text + 2 * (bytes - 16), "bc0a000000000000", 16) == 0, "fs_base");
}

/* Offset in hex digits of register n in the `g` reply (n in the x87/SSE part). */
static size_t g_offset(unsigned n)
{
    size_t bytes = 16 * 8 + 8 + 4 + 6 * 4;
    for (unsigned i = 24; i < n; i++)
        bytes += i < 32 ? 10 : i < 40 ? 4 : i < 56 ? 16 : 4;
    return 2 * bytes;
}

Test(gdb_stub, g_serves_the_x87_and_sse_state_of_the_thread)
{
    cmd("g");
    cr_assert(strncmp(text + g_offset(24), "0000000000000080ff3f", 20) == 0, "st0 = 1.0: %.20s",
              text + g_offset(24));
    cr_assert(strncmp(text + g_offset(32), "7f030000", 8) == 0, "fctrl");
    cr_assert(strncmp(text + g_offset(33), "00380000", 8) == 0, "fstat");
    /* physical register 7 valid (00), the others empty (11): 0x3fff */
    cr_assert(strncmp(text + g_offset(34), "ff3f0000", 8) == 0, "ftag: %.8s", text + g_offset(34));
    cr_assert(strncmp(text + g_offset(35), "44332211", 8) == 0, "fiseg is fip's high half");
    cr_assert(strncmp(text + g_offset(36), "88776655", 8) == 0, "fioff is fip's low half");
    cr_assert(strncmp(text + g_offset(43), "000102030405060708090a0b0c0d0e0f", 32) == 0, "xmm3");
    cr_assert(strncmp(text + g_offset(56), "801f0000", 8) == 0, "mxcsr");
}

Test(gdb_stub, P_writes_x87_and_sse_registers_and_refuses_a_reserved_mxcsr_bit)
{
    cmd("P2b=ffeeddccbbaa99887766554433221100"); /* xmm3 */
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.regs.vector.zmm[3].v[0], 0x8899aabbccddeeffULL);
    cmd("P22=ff3f0000"); /* ftag: st0 valid, the others empty */
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.regs.fp.ftw, 0x80);
    cmd("P22=ffff0000"); /* all empty */
    cr_assert_eq(fake.regs.fp.ftw, 0);
    cmd("P18=00000000000000c00040"); /* st0 = 3.0 */
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.regs.fp.st[0].low, 0xc000000000000000ULL);
    cr_assert_eq(fake.regs.fp.st[0].high, 0x4000);
    cmd("P38=00000100"); /* mxcsr bit 16 is reserved */
    cr_assert_eq(text[0], 'E', "%s", text);
    cr_assert_eq(fake.regs.vector.mxcsr, 0x1f80);
}

Test(gdb_stub, G_writes_registers_back)
{
    cmd("g");
    char g[GDB_PACKET_MAX];
    strcpy(g + 1, text);
    g[0] = 'G';
    memcpy(g + 1, "0100000000000000", 16); /* rax = 1 */
    cr_assert_eq(cmd(g), GDB_OUT_REPLY);
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.regs.general.rax, 1);
    cr_assert_eq(fake.regs.general.rip, 0x20000010);
}

Test(gdb_stub, G_with_bad_hex_or_odd_length_is_refused)
{
    cr_assert_eq(cmd("Gzz"), GDB_OUT_REPLY);
    cr_assert_eq(text[0], 'E');
    cmd("G010");
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, p_and_P_one_register)
{
    cmd("p10");
    cr_assert_str_eq(text, "1000002000000000");
    cmd("P0=efbeadde00000000");
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.regs.general.rax, 0xdeadbeef);
    cmd("P11=02030000");
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.regs.general.rflags, 0x302);
}

Test(gdb_stub, P_of_a_kernel_rip_is_refused)
{
    cmd("P10=00000080ffffffff");
    cr_assert_eq(text[0], 'E', "%s", text);
    cr_assert_eq(fake.regs.general.rip, 0x20000010);
}

Test(gdb_stub, p_and_P_malformed)
{
    const char *bad[] = {"p", "pzz", "p3b", "P0", "P0=12", "P0=zz00000000000000", "Px=00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cmd(bad[i]);
        cr_assert_eq(text[0], 'E', "%s: %s", bad[i], text);
    }
}

Test(gdb_stub, registers_of_a_thread_that_is_gone)
{
    cmd("Hg999");
    cr_assert_eq(text[0], 'E');
    s.g_thread = 0x999;
    cmd("g");
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, m_reads_memory)
{
    cmd("m1004,4");
    cr_assert_str_eq(text, "04050607");
}

Test(gdb_stub, m_partial_and_unreadable)
{
    cmd("m103e,8");
    cr_assert_str_eq(text, "3e3f", "a read cut short returns what was read");
    cmd("m0,4");
    cr_assert_str_eq(text, "E14");
    cmd("m1000");
    cr_assert_eq(text[0], 'E');
    cmd("m,4");
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, memory_ranges_past_the_top_of_the_address_space_are_faults)
{
    const char *past[] = {"mfffffffffffffff0,20", "Mfffffffffffffffe,4:01020304", "Xffffffffffffffff,2:ab"};
    for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
        cmd(past[i]);
        cr_assert_str_eq(text, "E14", "%s", past[i]);
    }
    cr_assert_eq(fake.mem_calls, 0, "the target was asked for a range that wraps");
    cmd("mffffffffffffffff,1"); /* ends exactly at 2^64: asked, and unreadable here */
    cr_assert_str_eq(text, "E14");
    cr_assert_eq(fake.mem_calls, 1);
    cmd("M1000,8000000000000000:");
    cr_assert_str_eq(text, "E22", "a length no packet can carry");
}

Test(gdb_stub, M_writes_hex)
{
    cmd("M1000,2:abcd");
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.mem[0], 0xab);
    cr_assert_eq(fake.mem[1], 0xcd);
    cmd("M1000,2:ab");
    cr_assert_eq(text[0], 'E', "length mismatch");
    cmd("M0,1:00");
    cr_assert_str_eq(text, "E14");
}

Test(gdb_stub, X_writes_binary_including_nul_and_specials)
{
    const char pkt[] = "X1008,4:\0#$}";
    cmd_len(pkt, sizeof(pkt) - 1);
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(memcmp(fake.mem + 8, "\0#$}", 4), 0);
    cmd("X1000,0:");
    cr_assert_str_eq(text, "OK", "a zero-length X probes support");
    cmd_len("X1000,2:a", 9);
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, Z0_and_z0_go_to_the_target)
{
    cmd("Z0,20000040,1");
    cr_assert_str_eq(text, "OK");
    cr_assert_eq(fake.last_bp, 0x20000040);
    cr_assert(fake.bp_inserted);
    cmd("z0,20000040,1");
    cr_assert_str_eq(text, "OK");
    cr_assert_not(fake.bp_inserted);
    cmd("Z0,0,1");
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, hardware_breakpoints_and_watchpoints_get_an_empty_reply)
{
    const char *hw[] = {"Z1,20000040,1", "Z2,1000,4", "Z3,1000,4", "Z4,1000,8", "z1,20000040,1"};
    for (size_t i = 0; i < sizeof(hw) / sizeof(hw[0]); i++) {
        cmd(hw[i]);
        cr_assert_str_eq(text, "", "%s", hw[i]);
    }
    cmd("Z0,1000");
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, vcont_query)
{
    cmd("vCont?");
    cr_assert_str_eq(text, "vCont;c;C;s;S");
}

Test(gdb_stub, vcont_step_one_continue_others)
{
    cr_assert_eq(cmd("vCont;s:405;c"), GDB_OUT_RESUMED);
    cr_assert_eq(fake.nactions, 2);
    cr_assert_eq(fake.actions[0].koid, OTHER_KOID);
    cr_assert(fake.actions[0].step);
    cr_assert_eq(fake.actions[1].koid, 0);
    cr_assert_not(fake.actions[1].step);
}

Test(gdb_stub, vcont_with_signals_and_all_threads)
{
    cr_assert_eq(cmd("vCont;C0b:-1"), GDB_OUT_RESUMED);
    cr_assert_eq(fake.nactions, 1);
    cr_assert_eq(fake.actions[0].signal, 11);
    cr_assert_eq(fake.actions[0].koid, 0);
    cr_assert_eq(cmd("vCont;S05:402"), GDB_OUT_RESUMED);
    cr_assert(fake.actions[0].step);
    cr_assert_eq(fake.actions[0].signal, 5);
}

Test(gdb_stub, vcont_malformed_is_refused_and_nothing_resumes)
{
    const char *bad[] = {"vCont;", "vCont;x", "vCont;Czz", "vCont;c:zz", "vCont;C100", "vCont;c;"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(cmd(bad[i]), GDB_OUT_REPLY, "%s", bad[i]);
        cr_assert_eq(text[0], 'E', "%s", bad[i]);
    }
    cr_assert_eq(fake.nactions, 0);
}

Test(gdb_stub, legacy_continue_and_step)
{
    cr_assert_eq(cmd("c"), GDB_OUT_RESUMED);
    cr_assert_not(fake.actions[0].step);
    cr_assert_eq(cmd("s"), GDB_OUT_RESUMED);
    cr_assert(fake.actions[0].step);
    cr_assert_eq(fake.actions[0].koid, MAIN_KOID);
    cr_assert_eq(cmd("c20000000"), GDB_OUT_REPLY, "a resume address is refused");
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, threads_list_and_names)
{
    cmd("qfThreadInfo");
    cr_assert_str_eq(text, "m402,405");
    cmd("qsThreadInfo");
    cr_assert_str_eq(text, "l");
    cmd("qXfer:threads:read::0,1000");
    cr_assert_eq(text[0], 'l');
    cr_assert(strstr(text, "<thread id=\"402\" name=\"main_prog_\"/>") != NULL, "%s", text);
    cr_assert(strstr(text, "<thread id=\"405\" name=\"other\"/>") != NULL, "%s", text);
    cmd("T405");
    cr_assert_str_eq(text, "OK");
    cmd("T999");
    cr_assert_eq(text[0], 'E');
    cmd("qC");
    cr_assert_str_eq(text, "QC402");
}

Test(gdb_stub, target_xml_in_windows)
{
    cmd("qXfer:features:read:target.xml:0,20");
    cr_assert_eq(text[0], 'm');
    cr_assert_eq(strlen(text), 0x21);
    char whole[16384] = "";
    for (unsigned off = 0;; off += 0x100) {
        char p[64];
        snprintf(p, sizeof(p), "qXfer:features:read:target.xml:%x,100", off);
        cmd(p);
        strcat(whole, text + 1);
        if (text[0] == 'l')
            break;
        cr_assert_eq(text[0], 'm');
    }
    cr_assert(strstr(whole, "<architecture>i386:x86-64</architecture>") != NULL);
    cr_assert(strstr(whole, "name=\"fs_base\"") != NULL && strstr(whole, "name=\"gs_base\"") != NULL);
    cr_assert(strstr(whole, "</target>") != NULL);
    cmd("qXfer:features:read:other.xml:0,100");
    cr_assert_eq(text[0], 'E');
    cmd("qXfer:features:read:target.xml:100000,100");
    cr_assert_str_eq(text, "l");
}

Test(gdb_stub, monitor_commands)
{
    char hex[64] = {0};
    gdb_hex_encode((const uint8_t *)"processes", 9, hex);
    char p[96];
    snprintf(p, sizeof(p), "qRcmd,%s", hex);
    cmd(p);
    uint8_t out[64] = {0};
    cr_assert_eq(gdb_hex_decode(text, strlen(text) / 2, out), 0);
    cr_assert_str_eq((char *)out, "1026 prog running\n");
    gdb_hex_encode((const uint8_t *)"help", 4, hex);
    snprintf(p, sizeof(p), "qRcmd,%.8s", hex);
    cmd(p);
    cr_assert_gt(strlen(text), 10);
    cmd("qRcmd,zz");
    cr_assert_eq(text[0], 'E');
}

Test(gdb_stub, attached_detach_and_kill)
{
    cmd("qAttached");
    cr_assert_str_eq(text, "1");
    cr_assert_eq(cmd("D"), GDB_OUT_DETACHED);
    cr_assert_str_eq(text, "OK");
    cr_assert(fake.detached);
    cr_assert_eq(cmd("k"), GDB_OUT_KILLED);
    cr_assert(fake.killed);
    cr_assert_eq(cmd("vKill;402"), GDB_OUT_KILLED);
    cr_assert_str_eq(text, "OK");
}

Test(gdb_stub, empty_packet_gets_an_empty_reply)
{
    cr_assert_eq(cmd(""), GDB_OUT_REPLY);
    cr_assert_eq(r.len, 0);
}

Test(gdb_stub, signals_of_exception_types)
{
    cr_assert_eq(gdb_signal_of(ZX_EXCP_SW_BREAKPOINT), GDB_SIGTRAP);
    cr_assert_eq(gdb_signal_of(ZX_EXCP_HW_BREAKPOINT), GDB_SIGTRAP);
    cr_assert_eq(gdb_signal_of(ZX_EXCP_UNDEFINED_INSTRUCTION), GDB_SIGILL);
    cr_assert_eq(gdb_signal_of(ZX_EXCP_FATAL_PAGE_FAULT), GDB_SIGSEGV);
    cr_assert_eq(gdb_signal_of(ZX_EXCP_GENERAL), GDB_SIGSEGV);
}

Test(gdb_address, tcp_and_unix)
{
    struct gdb_address a;
    char err[256];
    cr_assert_eq(gdb_parse_address("tcp:127.0.0.1:1234", &a, err, sizeof(err)), 0);
    cr_assert_eq(a.kind, GDB_ADDR_TCP);
    cr_assert_str_eq(a.host, "127.0.0.1");
    cr_assert_eq(a.port, 1234);
    cr_assert_eq(gdb_parse_address("tcp:localhost:65535", &a, err, sizeof(err)), 0);
    cr_assert_eq(gdb_parse_address("unix:/tmp/zx.sock", &a, err, sizeof(err)), 0);
    cr_assert_eq(a.kind, GDB_ADDR_UNIX);
    cr_assert_str_eq(a.path, "/tmp/zx.sock");
}

Test(gdb_address, malformed_addresses_are_usage_errors)
{
    const char *bad[] = {
        "",          "1234",          "tcp:",          "tcp:1234",        "tcp:127.0.0.1:",
        "tcp::1234", "tcp:h:0",       "tcp:h:65536",   "tcp:1.2.3.4:12x", "tcp:example.com:1",
        "unix:",     "udp:1.2.3.4:1", "tcp:1.2.3.4:-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct gdb_address a;
        char err[256] = "";
        cr_assert_eq(gdb_parse_address(bad[i], &a, err, sizeof(err)), -EINVAL, "%s", bad[i]);
        cr_assert(strstr(err, "--gdb") != NULL, "%s: %s", bad[i], err);
    }
    char longpath[200];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    memcpy(longpath, "unix:", 5);
    struct gdb_address a;
    char err[256];
    cr_assert_eq(gdb_parse_address(longpath, &a, err, sizeof(err)), -EINVAL);
}

/* A unix socket bound at `path`, listening or not; returns its descriptor. */
static int bound_socket(const char *path, bool listening)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    cr_assert(!listening || listen(fd, 1) == 0);
    return fd;
}

Test(gdb_address, a_unix_path_holding_a_dead_socket_is_replaced_and_anything_else_refused)
{
    char dir[] = "/tmp/zxvmm-gdb-XXXXXX", path[64], want[256], err[256];
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/g.sock", dir);
    struct gdb_address a = {.kind = GDB_ADDR_UNIX};
    snprintf(a.path, sizeof(a.path), "%s", path);
    struct gdb_server *srv = NULL;

    /* Left by a zxvmm that was killed: bound, nobody listening any more. */
    close(bound_socket(path, false));
    cr_assert_eq(gdb_server_open(&a, &srv, err, sizeof(err)), 0, "%s", err);
    gdb_server_finish(srv, VM_MAIN_EXITED, 0);
    cr_assert_eq(access(path, F_OK), -1, "the socket is removed at the end");

    /* Another program listening there: refused, its socket left alone. */
    int live = bound_socket(path, true);
    cr_assert_eq(gdb_server_open(&a, &srv, err, sizeof(err)), -EADDRINUSE);
    snprintf(want, sizeof(want), "--gdb unix:%s: another program is listening on this socket", path);
    cr_assert_str_eq(err, want);
    cr_assert_eq(access(path, F_OK), 0);
    close(live);
    unlink(path);

    /* A file that is not a socket: refused and kept as it was. */
    FILE *f = fopen(path, "w");
    cr_assert(f && fputs("precious", f) >= 0 && fclose(f) == 0);
    cr_assert_eq(gdb_server_open(&a, &srv, err, sizeof(err)), -EADDRINUSE);
    snprintf(
        want, sizeof(want),
        "--gdb unix:%s: the path exists and is not a socket (zxvmm replaces only a socket nobody listens on)",
        path);
    cr_assert_str_eq(err, want);
    char back[16] = "";
    f = fopen(path, "r");
    cr_assert(f && fgets(back, sizeof(back), f));
    fclose(f);
    cr_assert_str_eq(back, "precious");
    unlink(path);
    rmdir(dir);
}

Test(gdb_address, cli_takes_gdb_for_run)
{
    char *argv[] = {"zxvmm", "run", "--gdb", "unix:/tmp/g.sock", "main", NULL};
    struct cli_options o;
    char err[256];
    cr_assert_eq(cli_parse(5, argv, &o, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(o.gdb, "unix:/tmp/g.sock");
    cli_options_free(&o);
    char *eq[] = {"zxvmm", "run", "--gdb=tcp:127.0.0.1:9", "main", NULL};
    cr_assert_eq(cli_parse(4, eq, &o, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(o.gdb, "tcp:127.0.0.1:9");
    cli_options_free(&o);
}

Test(gdb_address, cli_refuses_a_bad_gdb_address)
{
    char *argv[] = {"zxvmm", "run", "--gdb", "tcp:1.2.3.4", "main", NULL};
    struct cli_options o;
    char err[256] = "";
    cr_assert_eq(cli_parse(5, argv, &o, err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "--gdb tcp:1.2.3.4") != NULL, "%s", err);
    cli_options_free(&o);
    char *missing[] = {"zxvmm", "run", "--gdb", NULL};
    cr_assert_eq(cli_parse(3, missing, &o, err, sizeof(err)), -EINVAL);
    cli_options_free(&o);
    char *dtb[] = {"zxvmm", "dtb", "--gdb", "unix:x", "-o", "f", NULL};
    cr_assert_eq(cli_parse(6, dtb, &o, err, sizeof(err)), -EINVAL, "--gdb is for run only");
    cli_options_free(&o);
}
