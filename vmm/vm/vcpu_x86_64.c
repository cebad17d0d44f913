/* vcpu_x86_64.c: the x86-64 state a process starts in: long mode at CPL3, its page tables, GDT/IDT/TSS, PAT.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <zxvmm/abi.h>

#include "vm/vcpu.h"
#include "x86_64/cpu.h"

#define SEG_LIMIT_FLAT    0xffffffffu
#define SEG_TYPE_LDT      0x2 /* SDM Vol. 3A §3.5 table 3-2 */
#define CPUID_LEAF_VENDOR 0u

/*
 * The TSS type TR holds. LTR leaves a busy TSS (type 11), and Intel's VM entry
 * insists on it in IA-32e mode (SDM Vol. 3C §27.3.1.2). AMD's VMRUN does not
 * check the type, and QEMU's emulated I/O permission check (used to test
 * zxvmm under nested KVM) accepts only an available TSS (type 9); so AMD gets
 * type 9. Both reach the same I/O bitmap.
 */
static uint8_t tss_type_for(const struct kvm_cpuid2 *cpuid)
{
    for (unsigned i = 0; i < cpuid->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        if (e->function == CPUID_LEAF_VENDOR)
            /* "AuthenticAMD": ebx "Auth", edx "enti", ecx "cAMD" */
            return e->ebx == 0x68747541 && e->edx == 0x69746e65 && e->ecx == 0x444d4163
                       ? X86_SEG_TYPE_TSS64_AVAIL
                       : X86_SEG_TYPE_TSS64_BUSY;
    }
    return X86_SEG_TYPE_TSS64_BUSY;
}

/* A flat 64-bit code or data segment (SDM Vol. 3A 3.4.5) at privilege `dpl`. */
static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, unsigned dpl, bool code)
{
    return (struct kvm_segment){.base = 0,
                                .limit = SEG_LIMIT_FLAT,
                                .selector = selector,
                                .type = type,
                                .present = 1,
                                .dpl = (uint8_t)dpl,
                                .s = 1,
                                .l = code,
                                .db = !code,
                                .g = 1};
}

static struct kvm_segment user_code(void)
{
    return flat_segment(X86_SEL_UCODE, X86_SEG_TYPE_CODE_XR_A, 3, true);
}

static struct kvm_segment user_data(void)
{
    return flat_segment(X86_SEL_UDATA, X86_SEG_TYPE_DATA_RW_A, 3, false);
}

static void set_long_mode_sregs(struct kvm_sregs *s, const struct process *p, uint8_t tss_type)
{
    s->cs = user_code();
    s->ss = s->ds = s->es = s->fs = s->gs = user_data();
    s->tr = (struct kvm_segment){.base = PROCESS_KERNEL_TSS,
                                 .limit = (uint32_t)(x86_tss_size() - 1),
                                 .selector = X86_SEL_TSS,
                                 .type = tss_type,
                                 .present = 1};
    s->ldt = (struct kvm_segment){.type = SEG_TYPE_LDT, .present = 1, .unusable = 1};
    s->gdt = (struct kvm_dtable){.base = PROCESS_KERNEL_GDT, .limit = X86_GDT_ENTRIES * 8 - 1};
    s->idt =
        (struct kvm_dtable){.base = PROCESS_KERNEL_IDT, .limit = ZXVMM_SHIM_VECTORS * X86_IDT_GATE_SIZE - 1};
    s->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
    s->cr3 = p->root.raw;
    s->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    s->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
}

static enum vm_status set_cpuid_and_msrs(struct vcpu *v, char *err, size_t errlen)
{
    if (ioctl(v->fd, KVM_SET_CPUID2, (void *)v->vm->cpuid) < 0) { /* KVM only reads it */
        snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    /* struct kvm_msrs ends in a flexible array: room for one entry behind it. */
    union {
        struct kvm_msrs head;
        uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } msrs;
    memset(&msrs, 0, sizeof(msrs));
    msrs.head.nmsrs = 1;
    msrs.head.entries[0] = (struct kvm_msr_entry){.index = X86_MSR_IA32_PAT, .data = v->proc->pat};
    if (ioctl(v->fd, KVM_SET_MSRS, &msrs.head) != 1) {
        snprintf(err, errlen, "KVM_SET_MSRS (IA32_PAT): %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    return VM_OK;
}

enum vm_status vcpu_arch_setup(struct vcpu *v, char *err, size_t errlen)
{
    enum vm_status st = set_cpuid_and_msrs(v, err, errlen);
    if (st != VM_OK)
        return st;
    struct kvm_sregs sregs;
    if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
        snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    set_long_mode_sregs(&sregs, v->proc, tss_type_for(v->vm->cpuid));
    if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0) {
        snprintf(err, errlen, "KVM_SET_SREGS: %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    struct kvm_regs regs = {
        .rip = v->proc->entry,
        .rsp = v->proc->boot_info,
        .rdi = v->proc->boot_info,
        .rflags = X86_RFLAGS_FIXED,
    };
    if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
        snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    return VM_OK;
}

uint64_t vcpu_arch_fault_address(struct vcpu *v)
{
    struct kvm_sregs sregs;
    if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
        return 0;
    return sregs.cr2;
}

static void regs_from_kvm(const struct kvm_regs *k, zx_thread_state_general_regs_t *out)
{
    out->rax = k->rax;
    out->rbx = k->rbx;
    out->rcx = k->rcx;
    out->rdx = k->rdx;
    out->rsi = k->rsi;
    out->rdi = k->rdi;
    out->rbp = k->rbp;
    out->rsp = k->rsp;
    out->r8 = k->r8;
    out->r9 = k->r9;
    out->r10 = k->r10;
    out->r11 = k->r11;
    out->r12 = k->r12;
    out->r13 = k->r13;
    out->r14 = k->r14;
    out->r15 = k->r15;
    out->rip = k->rip;
    out->rflags = k->rflags;
}

static void regs_to_kvm(const zx_thread_state_general_regs_t *r, struct kvm_regs *k)
{
    *k = (struct kvm_regs){
        .rax = r->rax,
        .rbx = r->rbx,
        .rcx = r->rcx,
        .rdx = r->rdx,
        .rsi = r->rsi,
        .rdi = r->rdi,
        .rbp = r->rbp,
        .rsp = r->rsp,
        .r8 = r->r8,
        .r9 = r->r9,
        .r10 = r->r10,
        .r11 = r->r11,
        .r12 = r->r12,
        .r13 = r->r13,
        .r14 = r->r14,
        .r15 = r->r15,
        .rip = r->rip,
        .rflags = r->rflags | X86_RFLAGS_FIXED,
    };
}

int vcpu_arch_capture(struct vcpu *v, const struct zxvmm_exception_frame *frame,
                      zx_thread_state_general_regs_t *out)
{
    struct kvm_regs k;
    if (frame || (v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS))
        k = v->run->s.regs.regs; /* synced at this exit, or about to be loaded */
    else if (ioctl(v->fd, KVM_GET_REGS, &k) < 0)
        return -errno;
    regs_from_kvm(&k, out);
    if (frame) {
        out->rip = frame->rip;
        out->rsp = frame->rsp;
        out->rflags = frame->rflags;
    }
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    out->fs_base = s.fs.base;
    out->gs_base = s.gs.base;
    return 0;
}

int vcpu_arch_sync_regs(struct vcpu *v)
{
    if (ioctl(v->fd, KVM_GET_REGS, &v->run->s.regs.regs) < 0)
        return -errno;
    v->run->kvm_dirty_regs = 0;
    return 0;
}

int vcpu_arch_resume(struct vcpu *v, const zx_thread_state_general_regs_t *regs)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    s.cs = user_code();
    s.ss = user_data();
    /* KVM may read TR back as busy; the type must stay the one vcpu_arch_setup chose (see tss_type_for). */
    s.tr.type = tss_type_for(v->vm->cpuid);
    s.fs.base = regs->fs_base;
    s.gs.base = regs->gs_base;
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
        return -errno;
    struct kvm_regs k;
    regs_to_kvm(regs, &k);
    v->run->kvm_dirty_regs = 0; /* what is loaded now wins over the synced copy */
    if (ioctl(v->fd, KVM_SET_REGS, &k) < 0)
        return -errno;
    return 0;
}

int vcpu_arch_load_debug_regs(struct vcpu *v, const zx_thread_state_debug_regs_t *dr)
{
    struct kvm_debugregs k;
    memset(&k, 0, sizeof(k));
    memcpy(k.db, dr->dr, sizeof(k.db));
    k.dr6 = X86_DR6_INIT; /* a fresh status for the next #DB */
    k.dr7 = dr->dr7;
    return ioctl(v->fd, KVM_SET_DEBUGREGS, &k) < 0 ? -errno : 0;
}

int vcpu_arch_read_dr6(struct vcpu *v, uint64_t *dr6)
{
    struct kvm_debugregs k;
    if (ioctl(v->fd, KVM_GET_DEBUGREGS, &k) < 0)
        return -errno;
    *dr6 = k.dr6;
    return 0;
}

/*
 * The x87 and SSE state travel in the legacy (FXSAVE) region of KVM's XSAVE
 * image, not through KVM_GET_FPU/KVM_SET_FPU: those leave MXCSR out (they
 * read it as 0 and never load it), so a debugger saw 0 and its write-back
 * was dropped. The layout: Intel SDM Vol. 1 §10.5.1, Table 10-2; the XSAVE
 * header's XSTATE_BV follows the legacy region at byte 512 (§13.4.2).
 */
struct xsave_legacy {
    uint16_t fcw, fsw;
    uint8_t ftw; /* the abridged tag byte, as FXSAVE keeps it */
    uint8_t reserved;
    uint16_t fop;
    uint64_t fip, fdp;
    uint32_t mxcsr, mxcsr_mask;
    uint8_t st[8][16];
    uint8_t xmm[16][16];
    uint8_t available[96];
    uint64_t xstate_bv;
};
_Static_assert(offsetof(struct xsave_legacy, mxcsr) == 24 && offsetof(struct xsave_legacy, xmm) == 160 &&
                   offsetof(struct xsave_legacy, xstate_bv) == 512,
               "FXSAVE legacy region and XSAVE header layout");
#define XSTATE_BV_X87_SSE 0x3ULL /* components 0 (x87) and 1 (SSE, with MXCSR) */

int vcpu_arch_capture_fpu(struct vcpu *v, zx_thread_state_fp_regs_t *fp, zx_thread_state_vector_regs_t *vec)
{
    struct kvm_xsave x;
    struct xsave_legacy l;
    if (ioctl(v->fd, KVM_GET_XSAVE, &x) < 0)
        return -errno;
    memcpy(&l, x.region, sizeof(l));
    *fp = (zx_thread_state_fp_regs_t){
        .fcw = l.fcw, .fsw = l.fsw, .ftw = l.ftw, .fop = l.fop, .fip = l.fip, .fdp = l.fdp};
    memcpy(fp->st, l.st, sizeof(fp->st));
    memset(vec, 0, sizeof(*vec));
    for (unsigned i = 0; i < X86_XMM_REGS; i++)
        memcpy(vec->zmm[i].v, l.xmm[i], sizeof(l.xmm[i]));
    vec->mxcsr = l.mxcsr;
    return 0;
}

int vcpu_arch_load_fpu(struct vcpu *v, const zx_thread_state_fp_regs_t *fp,
                       const zx_thread_state_vector_regs_t *vec)
{
    struct kvm_xsave x; /* the other components (AVX, ...) stay as they are */
    struct xsave_legacy l;
    if (ioctl(v->fd, KVM_GET_XSAVE, &x) < 0)
        return -errno;
    memcpy(&l, x.region, sizeof(l));
    l.fcw = fp->fcw;
    l.fsw = fp->fsw;
    l.ftw = fp->ftw;
    l.fop = fp->fop;
    l.fip = fp->fip;
    l.fdp = fp->fdp;
    memcpy(l.st, fp->st, sizeof(l.st));
    for (unsigned i = 0; i < X86_XMM_REGS; i++)
        memcpy(l.xmm[i], vec->zmm[i].v, sizeof(l.xmm[i]));
    l.mxcsr = vec->mxcsr;
    l.xstate_bv |= XSTATE_BV_X87_SSE; /* components marked in their initial state would not be loaded */
    memcpy(x.region, &l, sizeof(l));
    return ioctl(v->fd, KVM_SET_XSAVE, &x) < 0 ? -errno : 0;
}

int vcpu_arch_set_report_regs(struct vcpu *v, const zx_thread_state_general_regs_t *regs)
{
    struct kvm_regs *k = &v->run->s.regs.regs;
    uint64_t rip = k->rip, rsp = k->rsp, rflags = k->rflags;
    regs_to_kvm(regs, k);
    k->rip = rip; /* the stub's own: the frame holds the process's */
    k->rsp = rsp;
    k->rflags = rflags;
    v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    s.fs.base = regs->fs_base;
    s.gs.base = regs->gs_base;
    return ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ? -errno : 0;
}

/* outl %eax, $imm8 (SDM Vol. 2B "OUT"): the vDSO's hypercall, two bytes. */
#define VCPU_OPCODE_OUT_IMM8_EAX 0xe7
#define VCPU_OUT_IMM8_LENGTH     2

/* The flags an interrupt gate clears on delivery (SDM Vol. 3A 6.12.1.3): IF, TF, NT, RF, VM. */
#define VCPU_RFLAGS_RF (1ULL << 16)
#define VCPU_RFLAGS_VM (1ULL << 17)
#define VCPU_RFLAGS_DELIVERY_CLEARS                                                                          \
    (X86_RFLAGS_IF | X86_RFLAGS_TF | X86_RFLAGS_NT | VCPU_RFLAGS_RF | VCPU_RFLAGS_VM)

/* Whether the process's byte at `va` is the opcode of the vDSO's hypercall. */
static bool hypercall_opcode_at(struct vcpu *v, uint64_t va)
{
    struct pt_walk_ctx w = process_walk_ctx(v->proc, &v->vm->env);
    struct pt_walk_result r;
    const uint8_t *op;
    return pt_walk(&w, gva(va), &r) == 0 && (op = mem_ptr(&v->vm->ram, r.pa, 1)) &&
           *op == VCPU_OPCODE_OUT_IMM8_EAX;
}

/* The length of the hypercall at `rip` when the vCPU stopped on it (KVM moves past it at the next entry), 0
 * when rip is past it already (kvm-pvm moves past it before the exit). */
static uint64_t hypercall_length(struct vcpu *v, uint64_t rip)
{
    return hypercall_opcode_at(v, rip) ? VCPU_OUT_IMM8_LENGTH : 0;
}

uint64_t vcpu_arch_hypercall_at(struct vcpu *v, uint64_t rip)
{
    if (!hypercall_opcode_at(v, rip) && rip >= VCPU_OUT_IMM8_LENGTH &&
        hypercall_opcode_at(v, rip - VCPU_OUT_IMM8_LENGTH))
        return rip - VCPU_OUT_IMM8_LENGTH;
    return rip;
}

/*
 * Enters the shim's stub for `vector` as delivery through the IDT would from
 * the CPL3 context `user` (rip, cs, rflags, rsp, ss): that frame, after an
 * error code 0 where the vector has one, at the top of the process's shim
 * stack. `k` and `s` hold the rest of the vCPU's registers, loaded with it.
 */
static int enter_stub(struct vcpu *v, unsigned vector, const uint64_t user[5], struct kvm_regs *k,
                      struct kvm_sregs *s)
{
    const uint64_t frame[] = {0, user[0], user[1], user[2], user[3], user[4]};
    size_t skip = x86_exception_has_error_code(vector) ? 0 : 1,
           bytes = sizeof(frame) - skip * sizeof(frame[0]);
    uint64_t rsp = PROCESS_KSTACK_BASE + PROCESS_KSTACK_SIZE - bytes;
    void *stack = mem_ptr(&v->vm->ram, gpa(v->proc->kstack_pa.raw + (rsp - PROCESS_KSTACK_BASE)), bytes);
    if (!stack)
        return -EFAULT;
    memcpy(stack, frame + skip, bytes);
    s->cs = flat_segment(X86_SEL_KCODE, X86_SEG_TYPE_CODE_XR_A, 0, true);
    s->ss = flat_segment(X86_SEL_KDATA, X86_SEG_TYPE_DATA_RW_A, 0, false);
    s->tr.type = tss_type_for(v->vm->cpuid);
    k->rip = ZXVMM_SHIM_BASE + vector * ZXVMM_SHIM_VECTOR_STRIDE;
    k->rsp = rsp;
    k->rflags &= ~VCPU_RFLAGS_DELIVERY_CLEARS;
    if (ioctl(v->fd, KVM_SET_SREGS, s) < 0 || ioctl(v->fd, KVM_SET_REGS, k) < 0)
        return -errno;
    return vcpu_arch_sync_regs(v); /* the run loop writes its synced copy back */
}

int vcpu_arch_raise_exception(struct vcpu *v, unsigned vector, bool after_hypercall)
{
    struct kvm_regs k;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_REGS, &k) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    uint64_t rip = k.rip + (after_hypercall ? hypercall_length(v, k.rip) : 0);
    const uint64_t user[5] = {rip, s.cs.selector, k.rflags, k.rsp, s.ss.selector};
    return enter_stub(v, vector, user, &k, &s);
}

int vcpu_arch_raise_exception_in_report(struct vcpu *v, unsigned vector, uint64_t rip)
{
    struct kvm_regs k;
    struct kvm_sregs s;
    if (v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS)
        k = v->run->s.regs.regs; /* a change made at this stop, not loaded yet */
    else if (ioctl(v->fd, KVM_GET_REGS, &k) < 0)
        return -errno;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    const struct zxvmm_exception_frame *f = vcpu_report_frame(v, k.rsp);
    if (!f)
        return -EFAULT;
    const uint64_t user[5] = {rip, f->cs, f->rflags, f->rsp, f->ss};
    return enter_stub(v, vector, user, &k, &s);
}
