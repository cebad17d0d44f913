/* crash_report.c: the detail lines of a CPU exception report: symbol+offset, registers, hints, backtrace. */
#include "vm/crash_report.h"

#include <stdarg.h>
#include <stdio.h>

#include <linux/kvm.h>
#include <stdlib.h>

#include "boot/elf.h"
#include "boot/symbols.h"
#include "syscall/uaccess.h"
#include "vm/vcpu.h"
#include "x86_64/cpu.h"

#define CRASH_REGS_PER_LINE 4
#define CRASH_GUARD_LO      (ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE - ZXVMM_PAGE_SIZE)
#define CRASH_GUARD_HI      (ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE)
#define CRASH_RBP           6
#define CRASH_NAME_MAX      128

static const char *const crash_gpr_names[CRASH_GPRS] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi",
                                                        "rbp", "rsp", "r8",  "r9",  "r10", "r11",
                                                        "r12", "r13", "r14", "r15"};

struct crash_out {
    char *buf;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void crash_put(struct crash_out *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

/* "name+0xOFF" for addr, or false when no symbol contains it. */
static bool crash_symbol(const uint8_t *elf, size_t size, uint64_t addr, char *out, size_t outlen)
{
    char name[CRASH_NAME_MAX];
    uint64_t off;
    if (!elf || !symbols_lookup(elf, size, addr, name, sizeof(name), &off))
        return false;
    snprintf(out, outlen, "%s+0x%llx", name, (unsigned long long)off);
    return true;
}

static void crash_registers(struct crash_out *o, const struct crash_info *c)
{
    for (unsigned i = 0; i < CRASH_GPRS; i++) {
        if (i % CRASH_REGS_PER_LINE == 0)
            crash_put(o, "zxvmm:  ");
        crash_put(o, " %-3s 0x%016llx", crash_gpr_names[i], (unsigned long long)c->gprs[i]);
        if (i % CRASH_REGS_PER_LINE == CRASH_REGS_PER_LINE - 1)
            crash_put(o, "\n");
    }
    crash_put(o, "zxvmm:   rip 0x%016llx rflags 0x%llx\n", (unsigned long long)c->rip,
              (unsigned long long)c->rflags);
}

/* Frame-pointer walk: [rbp] is the caller's rbp, [rbp + 8] the return address. */
static void crash_backtrace(struct crash_out *o, const struct crash_info *c, const uint8_t *elf, size_t size,
                            crash_read_fn read, void *ctx)
{
    char sym[CRASH_NAME_MAX + 24];
    crash_put(o, "zxvmm:   backtrace (frame pointers):\n");
    crash_put(o, "zxvmm:     #0 0x%llx %s\n", (unsigned long long)c->rip,
              crash_symbol(elf, size, c->rip, sym, sizeof(sym)) ? sym : "?");
    uint64_t fp = c->gprs[CRASH_RBP];
    for (unsigned depth = 1; depth < CRASH_BACKTRACE_MAX && fp != 0 && fp % 8 == 0; depth++) {
        uint64_t frame[2];
        if (!read(ctx, fp, frame, sizeof(frame)) || !crash_symbol(elf, size, frame[1], sym, sizeof(sym)))
            break;
        crash_put(o, "zxvmm:     #%u 0x%llx %s\n", depth, (unsigned long long)frame[1], sym);
        if (frame[0] <= fp) /* frames climb the stack; anything else ends the walk */
            break;
        fp = frame[0];
    }
}

size_t crash_report_format(char *out, size_t outlen, const struct crash_info *c, const uint8_t *elf,
                           size_t elf_size, bool backtrace, crash_read_fn read, void *read_ctx)
{
    struct crash_out o = {out, 0, outlen};
    if (outlen > 0)
        out[0] = '\0';
    char sym[CRASH_NAME_MAX + 24];
    if (crash_symbol(elf, elf_size, c->rip, sym, sizeof(sym)))
        crash_put(&o, "zxvmm:   at %s\n", sym);
    if (c->vector == X86_VEC_PF && c->has_cr2 && c->cr2 >= CRASH_GUARD_LO && c->cr2 < CRASH_GUARD_HI)
        crash_put(&o,
                  "zxvmm:   hint: cr2 0x%llx is in the guard page below the stack: the stack (%llu KiB) "
                  "overflowed, e.g. by deep recursion or a large local array\n",
                  (unsigned long long)c->cr2, (unsigned long long)(ZXVMM_STACK_SIZE / 1024));
    crash_registers(&o, c);
    if (backtrace && read)
        crash_backtrace(&o, c, elf, elf_size, read, read_ctx);
    return o.len;
}

#define CRASH_PROGRAM_MAX (256ULL << 20)

static bool crash_read_process(void *ctx, uint64_t va, void *buf, size_t len)
{
    const struct vcpu *v = ctx;
    struct pt_walk_ctx w = process_walk_ctx(v->proc, &v->vm->env);
    return uaccess_copy_in(&w, buf, va, len) == ZX_OK;
}

void crash_report_print(struct vcpu *v, const struct zxvmm_exception_frame *f, unsigned vector)
{
    const struct kvm_regs *r = &v->run->s.regs.regs;
    struct crash_info c = {
        .vector = vector,
        .rip = f->rip,
        .rflags = f->rflags,
        .gprs = {r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, f->rsp, r->r8, r->r9, r->r10, r->r11,
                 r->r12, r->r13, r->r14, r->r15},
        .has_cr2 = vector == X86_VEC_PF,
    };
    if (c.has_cr2)
        c.cr2 = vcpu_arch_fault_address(v);
    uint8_t *elf = NULL;
    size_t elf_size = 0;
    char err[256];
    /* From the descriptor opened at set-up: the seccomp filter lets a vCPU thread open nothing. */
    if (v->program_fd < 0 || elf_read_fd(v->program_fd, vcpu_program(v), CRASH_PROGRAM_MAX, &elf, &elf_size,
                                         err, sizeof(err)) != 0)
        elf = NULL;
    char text[4096];
    size_t n =
        crash_report_format(text, sizeof(text), &c, elf, elf_size, v->vm->verbose, crash_read_process, v);
    free(elf);
    fwrite(text, 1, n, stderr);
}
