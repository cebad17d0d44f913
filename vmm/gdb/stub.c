/* stub.c: the GDB command set: registers, memory, breakpoints, resume, threads, qXfer, monitor commands. */
#include "gdb/stub.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <zircon/syscalls/exception.h>

#include "x86_64/cpu.h"

/* gdb's amd64 register numbers (features/i386/64bit-*.xml), in `g` order. */
#define REG_RIP      16
#define REG_EFLAGS   17
#define REG_CS       18
#define REG_SS       19
#define REG_ST0      24
#define REG_FCTRL    32
#define REG_FSTAT    33
#define REG_FTAG     34
#define REG_FISEG    35
#define REG_FIOFF    36
#define REG_FOSEG    37
#define REG_FOOFF    38
#define REG_FOP      39
#define REG_XMM0     40
#define REG_MXCSR    56
#define REG_FS_BASE  57
#define REG_GS_BASE  58
#define REG_COUNT    59
#define REG_GPRS     16
#define ERR_FAULT    "E14" /* unreadable or unwritable memory (GDB.md) */
#define ERR_ARGS     "E22" /* malformed arguments or a value the debug core refuses */
#define ERR_NOTHREAD "E03"

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
    "<feature name=\"org.gnu.gdb.i386.core\">"
    "<flags id=\"i386_eflags\" size=\"4\"><field name=\"CF\" start=\"0\" end=\"0\"/>"
    "<field name=\"\" start=\"1\" end=\"1\"/><field name=\"PF\" start=\"2\" end=\"2\"/>"
    "<field name=\"AF\" start=\"4\" end=\"4\"/><field name=\"ZF\" start=\"6\" end=\"6\"/>"
    "<field name=\"SF\" start=\"7\" end=\"7\"/><field name=\"TF\" start=\"8\" end=\"8\"/>"
    "<field name=\"IF\" start=\"9\" end=\"9\"/><field name=\"DF\" start=\"10\" end=\"10\"/>"
    "<field name=\"OF\" start=\"11\" end=\"11\"/></flags>"
    "<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/><reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/><reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/><reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/><reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>"
    "<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/><reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/><reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/><reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/><reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>"
    "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/><reg name=\"eflags\" bitsize=\"32\" "
    "type=\"i386_eflags\"/>"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/><reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/><reg name=\"es\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/><reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/></feature>"
    "<feature name=\"org.gnu.gdb.i386.sse\">"
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/><vector id=\"v2d\" type=\"ieee_double\" "
    "count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/><vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/><vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>"
    "<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>"
    "<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>"
    "<field name=\"uint128\" type=\"uint128\"/></union>"
    "<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\" regnum=\"40\"/>"
    "<reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm2\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm4\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm6\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm8\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"xmm9\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm10\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm11\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm12\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm13\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm14\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm15\" bitsize=\"128\" type=\"vec128\"/>"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
    "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>"
    "</flags>"
    "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/></feature>"
    "<feature name=\"org.gnu.gdb.i386.segments\">"
    "<reg name=\"fs_base\" bitsize=\"64\" type=\"int\" regnum=\"57\"/>"
    "<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/></feature></target>\n";

/* Size in bytes of register n in the `g` packet. */
static size_t reg_size(unsigned n)
{
    if (n < REG_GPRS || n == REG_RIP || n == REG_FS_BASE || n == REG_GS_BASE)
        return 8;
    if (n >= REG_ST0 && n < REG_FCTRL)
        return 10;
    if (n >= REG_XMM0 && n < REG_MXCSR)
        return 16;
    return 4;
}

/* The full x87 tag word (2 bits a physical register: 0 valid, 1 zero, 2 special, 3 empty) from FXSAVE's. */
static uint16_t x87_full_tag(const zx_thread_state_fp_regs_t *fp)
{
    unsigned top = (fp->fsw >> 11) & 7;
    uint16_t tag = 0;
    for (unsigned phys = 0; phys < 8; phys++) {
        unsigned t = 3;
        if (fp->ftw & (1u << phys)) {
            const uint64_t mant = fp->st[(phys - top) & 7].low;
            unsigned exp = (unsigned)(fp->st[(phys - top) & 7].high & 0x7fff);
            if (exp == 0x7fff)
                t = 2;
            else if (exp == 0)
                t = mant == 0 ? 1 : 2;
            else
                t = (mant >> 63) ? 0 : 2; /* an unnormal (integer bit clear) is special */
        }
        tag |= (uint16_t)(t << (2 * phys));
    }
    return tag;
}

/* FXSAVE's abridged tag (a bit a physical register: not empty) from the full tag word. */
static uint8_t x87_abridged_tag(uint16_t tag)
{
    uint8_t ftw = 0;
    for (unsigned phys = 0; phys < 8; phys++)
        if (((tag >> (2 * phys)) & 3) != 3)
            ftw |= (uint8_t)(1u << phys);
    return ftw;
}

/* Register n's value (little-endian bytes, reg_size(n) of them) from the thread's registers. */
static void reg_get(const struct gdb_regs *regs, unsigned n, uint8_t *out)
{
    const zx_thread_state_general_regs_t *g = &regs->general;
    const zx_thread_state_fp_regs_t *fp = &regs->fp;
    const uint64_t *gpr = &g->rax; /* rax..r15 are in gdb's order */
    uint64_t v = 0;
    memset(out, 0, reg_size(n));
    if (n >= REG_ST0 && n < REG_FCTRL) {
        memcpy(out, &fp->st[n - REG_ST0].low, 8);
        uint16_t high = (uint16_t)fp->st[n - REG_ST0].high;
        memcpy(out + 8, &high, 2);
        return;
    }
    if (n >= REG_XMM0 && n < REG_MXCSR) {
        memcpy(out, regs->vector.zmm[n - REG_XMM0].v, 16);
        return;
    }
    if (n < REG_GPRS)
        v = gpr[n];
    else if (n == REG_RIP)
        v = g->rip;
    else if (n == REG_EFLAGS)
        v = g->rflags;
    else if (n == REG_CS)
        v = X86_SEL_UCODE;
    else if (n == REG_SS)
        v = X86_SEL_UDATA;
    else if (n == REG_FCTRL)
        v = fp->fcw;
    else if (n == REG_FSTAT)
        v = fp->fsw;
    else if (n == REG_FTAG)
        v = x87_full_tag(fp);
    else if (n == REG_FISEG)
        v = fp->fip >> 32;
    else if (n == REG_FIOFF)
        v = (uint32_t)fp->fip;
    else if (n == REG_FOSEG)
        v = fp->fdp >> 32;
    else if (n == REG_FOOFF)
        v = (uint32_t)fp->fdp;
    else if (n == REG_FOP)
        v = fp->fop & 0x7ff;
    else if (n == REG_MXCSR)
        v = regs->vector.mxcsr;
    else if (n == REG_FS_BASE)
        v = g->fs_base;
    else if (n == REG_GS_BASE)
        v = g->gs_base;
    size_t size = reg_size(n) < 8 ? reg_size(n) : 8;
    for (size_t i = 0; i < size; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* Sets register n from little-endian bytes; the segment selectors are fixed and writes to them are ignored.
 */
static void reg_set(struct gdb_regs *regs, unsigned n, const uint8_t *in)
{
    zx_thread_state_general_regs_t *g = &regs->general;
    zx_thread_state_fp_regs_t *fp = &regs->fp;
    if (n >= REG_ST0 && n < REG_FCTRL) {
        uint16_t high;
        memcpy(&fp->st[n - REG_ST0].low, in, 8);
        memcpy(&high, in + 8, 2);
        fp->st[n - REG_ST0].high = high;
        return;
    }
    if (n >= REG_XMM0 && n < REG_MXCSR) {
        memcpy(regs->vector.zmm[n - REG_XMM0].v, in, 16);
        return;
    }
    uint64_t v = 0;
    size_t size = reg_size(n) < 8 ? reg_size(n) : 8;
    for (size_t i = 0; i < size; i++)
        v |= (uint64_t)in[i] << (8 * i);
    uint64_t *gpr = &g->rax;
    if (n < REG_GPRS)
        gpr[n] = v;
    else if (n == REG_RIP)
        g->rip = v;
    else if (n == REG_EFLAGS)
        g->rflags = v;
    else if (n == REG_FCTRL)
        fp->fcw = (uint16_t)v;
    else if (n == REG_FSTAT)
        fp->fsw = (uint16_t)v;
    else if (n == REG_FTAG)
        fp->ftw = x87_abridged_tag((uint16_t)v);
    else if (n == REG_FISEG)
        fp->fip = (fp->fip & 0xffffffffULL) | (v << 32);
    else if (n == REG_FIOFF)
        fp->fip = (fp->fip & ~0xffffffffULL) | (uint32_t)v;
    else if (n == REG_FOSEG)
        fp->fdp = (fp->fdp & 0xffffffffULL) | (v << 32);
    else if (n == REG_FOOFF)
        fp->fdp = (fp->fdp & ~0xffffffffULL) | (uint32_t)v;
    else if (n == REG_FOP)
        fp->fop = (uint16_t)(v & 0x7ff);
    else if (n == REG_MXCSR)
        regs->vector.mxcsr = (uint32_t)v;
    else if (n == REG_FS_BASE)
        g->fs_base = v;
    else if (n == REG_GS_BASE)
        g->gs_base = v;
}

static void reply_str(struct gdb_reply *r, const char *s)
{
    size_t n = strlen(s);
    memcpy(r->data, s, n);
    r->len = n;
}

static void reply_fmt(struct gdb_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply_fmt(struct gdb_reply *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf((char *)r->data + r->len, sizeof(r->data) - r->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len += (size_t)n < sizeof(r->data) - r->len ? (size_t)n : sizeof(r->data) - r->len - 1;
}

static void reply_hex(struct gdb_reply *r, const uint8_t *bytes, size_t n)
{
    gdb_hex_encode(bytes, n, (char *)r->data + r->len);
    r->len += 2 * n;
}

void gdb_session_init(struct gdb_session *s, const struct gdb_target *target, const struct gdb_stop *initial)
{
    memset(s, 0, sizeof(*s));
    s->target = target;
    s->stop = *initial;
}

int gdb_signal_of(uint32_t type)
{
    switch (type) {
    case ZX_EXCP_SW_BREAKPOINT:
    case ZX_EXCP_HW_BREAKPOINT:
        return GDB_SIGTRAP;
    case ZX_EXCP_UNDEFINED_INSTRUCTION:
        return GDB_SIGILL;
    case ZX_EXCP_POLICY_ERROR:
        return GDB_SIGSYS;
    default:
        return GDB_SIGSEGV;
    }
}

/* The thread register and memory packets act on: Hg's, else the one that stopped. */
static uint64_t g_thread(const struct gdb_session *s)
{
    return s->g_thread ? s->g_thread : s->stop.koid;
}

static void handle_g(struct gdb_session *s, struct gdb_reply *r)
{
    struct gdb_regs g;
    if (s->target->get_regs(s->target->ctx, g_thread(s), &g) != 0) {
        reply_str(r, ERR_NOTHREAD);
        return;
    }
    uint8_t bytes[16];
    for (unsigned n = 0; n < REG_COUNT; n++) {
        reg_get(&g, n, bytes);
        reply_hex(r, bytes, reg_size(n));
    }
}

static void handle_G(struct gdb_session *s, const char *arg, size_t len, struct gdb_reply *r)
{
    struct gdb_regs g;
    if (s->target->get_regs(s->target->ctx, g_thread(s), &g) != 0) {
        reply_str(r, ERR_NOTHREAD);
        return;
    }
    size_t off = 0;
    uint8_t bytes[16];
    /* gdb may send fewer registers than it knows: the rest stay as they are. */
    for (unsigned n = 0; n < REG_COUNT && off + 2 * reg_size(n) <= len; n++) {
        if (gdb_hex_decode(arg + off, reg_size(n), bytes) != 0) {
            reply_str(r, ERR_ARGS);
            return;
        }
        reg_set(&g, n, bytes);
        off += 2 * reg_size(n);
    }
    if (off != len || s->target->set_regs(s->target->ctx, g_thread(s), &g) != 0) {
        reply_str(r, ERR_ARGS);
        return;
    }
    reply_str(r, "OK");
}

static void handle_p(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    uint64_t n;
    struct gdb_regs g;
    if (gdb_parse_hex(&arg, &n) != 0 || *arg != '\0' || n >= REG_COUNT) {
        reply_str(r, ERR_ARGS);
        return;
    }
    if (s->target->get_regs(s->target->ctx, g_thread(s), &g) != 0) {
        reply_str(r, ERR_NOTHREAD);
        return;
    }
    uint8_t bytes[16];
    reg_get(&g, (unsigned)n, bytes);
    reply_hex(r, bytes, reg_size((unsigned)n));
}

static void handle_P(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    uint64_t n;
    struct gdb_regs g;
    uint8_t bytes[16];
    if (gdb_parse_hex(&arg, &n) != 0 || *arg++ != '=' || n >= REG_COUNT ||
        strlen(arg) != 2 * reg_size((unsigned)n) || gdb_hex_decode(arg, reg_size((unsigned)n), bytes) != 0) {
        reply_str(r, ERR_ARGS);
        return;
    }
    if (s->target->get_regs(s->target->ctx, g_thread(s), &g) != 0) {
        reply_str(r, ERR_NOTHREAD);
        return;
    }
    reg_set(&g, (unsigned)n, bytes);
    reply_str(r, s->target->set_regs(s->target->ctx, g_thread(s), &g) == 0 ? "OK" : ERR_ARGS);
}

/* "ADDR,LEN" followed by `end` (':' or '\0'); advances *arg past `end`. */
static int parse_addr_len(const char **arg, char end, uint64_t *addr, uint64_t *len)
{
    if (gdb_parse_hex(arg, addr) != 0 || *(*arg)++ != ',' || gdb_parse_hex(arg, len) != 0 || **arg != end)
        return -1;
    if (end != '\0')
        (*arg)++;
    return 0;
}

/* Whether [addr, addr + len) runs past the top of the address space: no memory is there. */
static bool range_wraps(uint64_t addr, uint64_t len)
{
    return len > 0 && addr + (len - 1) < addr;
}

static void handle_m(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    uint64_t addr, len;
    static uint8_t buf[GDB_PACKET_MAX / 2];
    if (parse_addr_len(&arg, '\0', &addr, &len) != 0) {
        reply_str(r, ERR_ARGS);
        return;
    }
    if (len > sizeof(buf))
        len = sizeof(buf);
    if (range_wraps(addr, len)) {
        reply_str(r, ERR_FAULT);
        return;
    }
    size_t n = len ? s->target->read_mem(s->target->ctx, g_thread(s), addr, buf, len) : 0;
    if (n == 0 && len > 0) {
        reply_str(r, ERR_FAULT);
        return;
    }
    reply_hex(r, buf, n);
}

/* M (hex data) and X (binary data, already unescaped by the packet layer). */
static void handle_write(struct gdb_session *s, const char *arg, const uint8_t *end, bool binary,
                         struct gdb_reply *r)
{
    uint64_t addr, len;
    static uint8_t buf[GDB_PACKET_MAX];
    if (parse_addr_len(&arg, ':', &addr, &len) != 0) {
        reply_str(r, ERR_ARGS);
        return;
    }
    size_t avail = (size_t)(end - (const uint8_t *)arg);
    const uint8_t *data = (const uint8_t *)arg;
    if (len > sizeof(buf)) { /* more than a packet carries: never matches its data */
        reply_str(r, ERR_ARGS);
        return;
    }
    if (!binary) {
        if (avail != 2 * len || gdb_hex_decode(arg, len, buf) != 0) {
            reply_str(r, ERR_ARGS);
            return;
        }
        data = buf;
    } else if (avail != len) {
        reply_str(r, ERR_ARGS);
        return;
    }
    if (range_wraps(addr, len)) {
        reply_str(r, ERR_FAULT);
        return;
    }
    if (len > 0 && s->target->write_mem(s->target->ctx, g_thread(s), addr, data, len) != len) {
        reply_str(r, ERR_FAULT);
        return;
    }
    reply_str(r, "OK");
}

/* Z0/z0 (software breakpoints, kept by the stub); Z1-Z4 get an empty reply: gdb then says it cannot. */
static void handle_z(struct gdb_session *s, const char *arg, bool insert, struct gdb_reply *r)
{
    uint64_t type, addr, kind;
    if (gdb_parse_hex(&arg, &type) != 0 || *arg++ != ',' || gdb_parse_hex(&arg, &addr) != 0 ||
        *arg++ != ',' || gdb_parse_hex(&arg, &kind) != 0) {
        reply_str(r, ERR_ARGS);
        return;
    }
    if (type != 0)
        return; /* hardware breakpoints and watchpoints: not served (docs/gdb.md) */
    int rc = s->target->breakpoint(s->target->ctx, g_thread(s), addr, insert);
    reply_str(r, rc == 0 ? "OK" : ERR_FAULT);
}

static bool thread_exists(const struct gdb_session *s, uint64_t koid)
{
    struct gdb_thread_entry list[GDB_MAX_THREADS];
    size_t n = s->target->threads(s->target->ctx, list, GDB_MAX_THREADS);
    for (size_t i = 0; i < n; i++)
        if (list[i].koid == koid)
            return true;
    return false;
}

/* A thread id: hex koid, "-1" (all) or "0" (any) both read as 0. */
static int parse_thread(const char **arg, uint64_t *koid)
{
    if ((*arg)[0] == '-' && (*arg)[1] == '1') {
        *arg += 2;
        *koid = 0;
        return 0;
    }
    return gdb_parse_hex(arg, koid);
}

static void handle_H(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    char op = *arg++;
    uint64_t koid;
    if ((op != 'g' && op != 'c') || parse_thread(&arg, &koid) != 0 || *arg != '\0') {
        reply_str(r, ERR_ARGS);
        return;
    }
    if (koid != 0 && !thread_exists(s, koid)) {
        reply_str(r, ERR_NOTHREAD);
        return;
    }
    if (op == 'g')
        s->g_thread = koid;
    reply_str(r, "OK");
}

/* "vCont;ACTION[:TID];..." with actions c, C sig, s, S sig. Returns the number of actions, or -1. */
static int parse_vcont(const char *arg, struct gdb_action *out, size_t max)
{
    size_t n = 0;
    while (*arg == ';') {
        arg++;
        if (n == max)
            return -1;
        struct gdb_action a = {0};
        char op = *arg++;
        uint64_t sig = 0;
        if (op == 'C' || op == 'S') {
            if (gdb_parse_hex(&arg, &sig) != 0 || sig > 0xff)
                return -1;
        } else if (op != 'c' && op != 's') {
            return -1;
        }
        a.step = op == 's' || op == 'S';
        a.signal = (int)sig;
        if (*arg == ':') {
            arg++;
            if (parse_thread(&arg, &a.koid) != 0)
                return -1;
        }
        out[n++] = a;
    }
    return *arg == '\0' && n > 0 ? (int)n : -1;
}

static enum gdb_outcome handle_vcont(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    struct gdb_action actions[GDB_MAX_THREADS + 1];
    int n = parse_vcont(arg, actions, GDB_MAX_THREADS + 1);
    if (n < 0) {
        reply_str(r, ERR_ARGS);
        return GDB_OUT_REPLY;
    }
    s->target->resume(s->target->ctx, actions, (size_t)n);
    return GDB_OUT_RESUMED;
}

/* Legacy c/s/C/S: the whole target, the step on the stopped (or Hg) thread; a resume address is refused. */
static enum gdb_outcome handle_legacy_resume(struct gdb_session *s, char op, const char *arg,
                                             struct gdb_reply *r)
{
    uint64_t sig = 0;
    if ((op == 'C' || op == 'S') && (gdb_parse_hex(&arg, &sig) != 0 || sig > 0xff)) {
        reply_str(r, ERR_ARGS);
        return GDB_OUT_REPLY;
    }
    if (*arg != '\0') {
        reply_str(r, ERR_ARGS);
        return GDB_OUT_REPLY;
    }
    struct gdb_action a[2] = {{.koid = g_thread(s), .step = op == 's' || op == 'S', .signal = (int)sig}, {0}};
    s->target->resume(s->target->ctx, a, 2);
    return GDB_OUT_RESUMED;
}

/* Sends one window "offset,length" of a document as an m (more) or l (last) reply. */
static void reply_window(const char *doc, size_t size, const char *arg, struct gdb_reply *r)
{
    uint64_t off, len;
    if (parse_addr_len(&arg, '\0', &off, &len) != 0) {
        reply_str(r, ERR_ARGS);
        return;
    }
    if (len > GDB_PACKET_MAX - 1)
        len = GDB_PACKET_MAX - 1;
    if (off >= size) {
        reply_str(r, "l");
        return;
    }
    size_t n = size - off < len ? (size_t)(size - off) : (size_t)len;
    r->data[0] = off + n < size ? 'm' : 'l';
    memcpy(r->data + 1, doc + off, n);
    r->len = n + 1;
}

static void threads_xml(struct gdb_session *s, char *out, size_t cap, size_t *size)
{
    struct gdb_thread_entry list[GDB_MAX_THREADS];
    size_t n = s->target->threads(s->target->ctx, list, GDB_MAX_THREADS), len = 0;
    len += (size_t)snprintf(out, cap, "<?xml version=\"1.0\"?>\n<threads>\n");
    for (size_t i = 0; i < n && len < cap; i++) {
        char name[GDB_NAME_MAX];
        size_t k = 0;
        for (const char *c = list[i].name; *c && k + 1 < sizeof(name); c++)
            name[k++] = (*c == '<' || *c == '>' || *c == '&' || *c == '"') ? '_' : *c;
        name[k] = '\0';
        len += (size_t)snprintf(out + len, cap - len, "<thread id=\"%llx\" name=\"%s\"/>\n",
                                (unsigned long long)list[i].koid, name);
    }
    if (len < cap)
        len += (size_t)snprintf(out + len, cap - len, "</threads>\n");
    *size = len < cap ? len : cap - 1;
}

static void handle_qxfer(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    static char doc[GDB_MAX_THREADS * 96 + 128];
    const char *features = "features:read:target.xml:", *threads = "threads:read::";
    if (strncmp(arg, features, strlen(features)) == 0) {
        reply_window(target_xml, sizeof(target_xml) - 1, arg + strlen(features), r);
    } else if (strncmp(arg, threads, strlen(threads)) == 0) {
        size_t size;
        threads_xml(s, doc, sizeof(doc), &size);
        reply_window(doc, size, arg + strlen(threads), r);
    } else if (strncmp(arg, "features:read:", 14) == 0) {
        reply_str(r, "E00"); /* an annex that does not exist */
    }
}

static void handle_thread_info(struct gdb_session *s, struct gdb_reply *r)
{
    struct gdb_thread_entry list[GDB_MAX_THREADS];
    size_t n = s->target->threads(s->target->ctx, list, GDB_MAX_THREADS);
    reply_str(r, n ? "m" : "l");
    for (size_t i = 0; i < n; i++)
        reply_fmt(r, "%s%llx", i ? "," : "", (unsigned long long)list[i].koid);
}

static void handle_rcmd(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    static char out[GDB_PACKET_MAX / 2 - 1];
    char cmd[128];
    size_t n = strlen(arg) / 2;
    if (strlen(arg) % 2 || n >= sizeof(cmd) || gdb_hex_decode(arg, n, (uint8_t *)cmd) != 0) {
        reply_str(r, ERR_ARGS);
        return;
    }
    cmd[n] = '\0';
    size_t len;
    if (strcmp(cmd, "processes") == 0) {
        len = s->target->describe(s->target->ctx, out, sizeof(out));
    } else if (strcmp(cmd, "help") == 0) {
        len = (size_t)snprintf(out, sizeof(out),
                               "monitor processes  koid, name and state of every guest process\n"
                               "monitor help       this list\n");
    } else {
        len =
            (size_t)snprintf(out, sizeof(out), "unknown monitor command '%.64s'; try 'monitor help'\n", cmd);
    }
    reply_hex(r, (const uint8_t *)out, len < sizeof(out) ? len : sizeof(out) - 1);
}

static void handle_query(struct gdb_session *s, const char *p, struct gdb_reply *r)
{
    if (strncmp(p, "qSupported", 10) == 0)
        reply_fmt(r,
                  "PacketSize=%x;QStartNoAckMode+;swbreak+;hwbreak+;qXfer:features:read+;"
                  "qXfer:threads:read+;vContSupported+",
                  GDB_PACKET_MAX);
    else if (strcmp(p, "QStartNoAckMode") == 0) {
        s->no_ack = true;
        reply_str(r, "OK");
    } else if (strncmp(p, "qXfer:", 6) == 0)
        handle_qxfer(s, p + 6, r);
    else if (strcmp(p, "qAttached") == 0 || strncmp(p, "qAttached:", 10) == 0)
        reply_str(r, "1");
    else if (strcmp(p, "qC") == 0)
        reply_fmt(r, "QC%llx", (unsigned long long)g_thread(s));
    else if (strcmp(p, "qfThreadInfo") == 0)
        handle_thread_info(s, r);
    else if (strcmp(p, "qsThreadInfo") == 0)
        reply_str(r, "l");
    else if (strncmp(p, "qRcmd,", 6) == 0)
        handle_rcmd(s, p + 6, r);
}

static enum gdb_outcome handle_v(struct gdb_session *s, const char *p, struct gdb_reply *r)
{
    if (strcmp(p, "vCont?") == 0) {
        reply_str(r, "vCont;c;C;s;S");
        return GDB_OUT_REPLY;
    }
    if (strncmp(p, "vCont;", 6) == 0)
        return handle_vcont(s, p + 5, r);
    if (strncmp(p, "vKill", 5) == 0) {
        s->target->kill(s->target->ctx);
        reply_str(r, "OK");
        return GDB_OUT_KILLED;
    }
    return GDB_OUT_REPLY; /* vMustReplyEmpty and everything unknown: empty */
}

static void handle_T(struct gdb_session *s, const char *arg, struct gdb_reply *r)
{
    uint64_t koid;
    if (parse_thread(&arg, &koid) != 0 || *arg != '\0') {
        reply_str(r, ERR_ARGS);
        return;
    }
    reply_str(r, thread_exists(s, koid) ? "OK" : ERR_NOTHREAD);
}

enum gdb_outcome gdb_session_packet(struct gdb_session *s, const uint8_t *pkt, size_t len,
                                    struct gdb_reply *r)
{
    const char *p = (const char *)pkt, *arg = p + 1;
    r->len = 0;
    if (len == 0)
        return GDB_OUT_REPLY;
    switch (p[0]) {
    case '?':
        gdb_session_stopped(s, &s->stop, r);
        break;
    case 'g':
        handle_g(s, r);
        break;
    case 'G':
        handle_G(s, arg, len - 1, r);
        break;
    case 'p':
        handle_p(s, arg, r);
        break;
    case 'P':
        handle_P(s, arg, r);
        break;
    case 'm':
        handle_m(s, arg, r);
        break;
    case 'M':
    case 'X':
        handle_write(s, arg, pkt + len, p[0] == 'X', r);
        break;
    case 'Z':
    case 'z':
        handle_z(s, arg, p[0] == 'Z', r);
        break;
    case 'H':
        handle_H(s, arg, r);
        break;
    case 'T':
        handle_T(s, arg, r);
        break;
    case 'c':
    case 'C':
    case 's':
    case 'S':
        return handle_legacy_resume(s, p[0], arg, r);
    case 'v':
        return handle_v(s, p, r);
    case 'q':
    case 'Q':
        handle_query(s, p, r);
        break;
    case 'D':
        s->target->detach(s->target->ctx);
        reply_str(r, "OK");
        return GDB_OUT_DETACHED;
    case 'k':
        s->target->kill(s->target->ctx);
        return GDB_OUT_KILLED;
    default:
        break; /* unknown: empty reply */
    }
    return GDB_OUT_REPLY;
}

void gdb_session_stopped(struct gdb_session *s, const struct gdb_stop *st, struct gdb_reply *r)
{
    if (st != &s->stop)
        s->stop = *st;
    r->len = 0;
    if (st->exited) {
        if (st->by_signal)
            reply_fmt(r, "X%02x", st->signal & 0xff);
        else
            reply_fmt(r, "W%02llx", (unsigned long long)((uint64_t)st->code & 0xff));
        return;
    }
    s->g_thread = 0;
    reply_fmt(r, "T%02x%sthread:%llx;", st->signal & 0xff, st->swbreak ? "swbreak:;" : "",
              (unsigned long long)st->koid);
    const struct {
        unsigned n;
        uint64_t v;
    } regs[] = {{6, st->rbp}, {7, st->rsp}, {REG_RIP, st->rip}};
    for (size_t i = 0; i < 3; i++) {
        uint8_t bytes[8];
        for (int b = 0; b < 8; b++)
            bytes[b] = (uint8_t)(regs[i].v >> (8 * b));
        reply_fmt(r, "%02x:", regs[i].n);
        reply_hex(r, bytes, 8);
        reply_fmt(r, ";");
    }
}
