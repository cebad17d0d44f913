/* floor.c: the P2 floor: a minimal long-mode VM looping on `out` at CPL3 through the I/O bitmap. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zxvmm/abi.h>

#include "bench.h"
#include "mem/mem.h"
#include "x86_64/cpu.h"
#include "x86_64/paging.h"

/* Guest-physical (and identical guest-virtual) layout of the floor VM. */
#define FLOOR_RAM_SIZE     (2ULL << 20)
#define FLOOR_PML4         0x1000ULL
#define FLOOR_GDT          0x2000ULL
#define FLOOR_TSS          0x3000ULL /* x86_tss_size() bytes: three pages */
#define FLOOR_TSS_PAGES    3
#define FLOOR_CODE         0x6000ULL
#define FLOOR_STACK_TOP    0x8000ULL  /* one user page below it; the loop never touches it */
#define FLOOR_KSTACK_TOP   0x9000ULL  /* RSP0 in the TSS; nothing is ever delivered to CPL0 */
#define FLOOR_TABLES       0x10000ULL /* page tables are handed out from here */
#define FLOOR_SEG_LIMIT    0xffffffffu
#define FLOOR_SEG_TYPE_LDT 0x2 /* SDM Vol. 3A §3.5 table 3-2 */
#define FLOOR_CPUID_MAX    256
#define FLOOR_WARMUP       64

/* out %eax, $ZXVMM_PORT_SYSCALL; jmp back to it (rel8 -4 from the end of the jmp). */
#define OPCODE_OUT_EAX_IMM8 0xE7
#define OPCODE_JMP_REL8     0xEB
#define JMP_BACK_TO_OUT     0xFC

/* "AuthenticAMD" in CPUID leaf 0: ebx, edx, ecx. */
#define CPUID_AMD_EBX 0x68747541u
#define CPUID_AMD_EDX 0x69746e65u
#define CPUID_AMD_ECX 0x444d4163u

struct bench_floor {
    int vm_fd, vcpu_fd;
    struct guest_ram ram;
    struct kvm_run *run;
    size_t run_size;
    uint64_t next_table;
};

static int floor_alloc_table(void *ctx, gpa_t *out)
{
    struct bench_floor *f = ctx;
    if (f->next_table + MEM_PAGE_SIZE > f->ram.size)
        return -ENOMEM;
    *out = gpa(f->next_table);
    f->next_table += MEM_PAGE_SIZE;
    return 0;
}

/* Identity-maps [addr, addr + pages * 4 KiB) with `flags`. */
static int floor_map(struct bench_floor *f, uint64_t addr, unsigned pages, uint64_t flags)
{
    struct pt_alloc alloc = {floor_alloc_table, f};
    for (unsigned i = 0; i < pages; i++) {
        uint64_t a = addr + i * MEM_PAGE_SIZE;
        int rc = pt_map_page(&f->ram, gpa(FLOOR_PML4), gva(a), gpa(a), flags, &alloc);
        if (rc)
            return rc;
    }
    return 0;
}

/* Page tables, GDT, TSS with its I/O bitmap, and the loop; RAM is fresh, so zeroed. */
static int floor_build_memory(struct bench_floor *f)
{
    const uint64_t kernel_data = PTE_RW | PTE_NX;
    f->next_table = FLOOR_TABLES;
    int rc = floor_map(f, FLOOR_GDT, 1, kernel_data);
    if (rc == 0)
        rc = floor_map(f, FLOOR_TSS, FLOOR_TSS_PAGES, kernel_data);
    if (rc == 0)
        rc = floor_map(f, FLOOR_CODE, 1, PTE_US);
    if (rc == 0)
        rc = floor_map(f, FLOOR_STACK_TOP - MEM_PAGE_SIZE, 1, PTE_US | PTE_RW | PTE_NX);
    if (rc)
        return rc;
    x86_build_gdt(mem_ptr(&f->ram, gpa(FLOOR_GDT), X86_GDT_SIZE), FLOOR_TSS, (uint32_t)(x86_tss_size() - 1));
    uint16_t ports[ZXVMM_PORT_SYSCALL_WIDTH];
    for (unsigned i = 0; i < ZXVMM_PORT_SYSCALL_WIDTH; i++)
        ports[i] = (uint16_t)(ZXVMM_PORT_SYSCALL + i);
    x86_build_tss(mem_ptr(&f->ram, gpa(FLOOR_TSS), x86_tss_size()), FLOOR_KSTACK_TOP, ports,
                  ZXVMM_PORT_SYSCALL_WIDTH);
    static const uint8_t loop[] = {OPCODE_OUT_EAX_IMM8, ZXVMM_PORT_SYSCALL, OPCODE_JMP_REL8, JMP_BACK_TO_OUT};
    memcpy(mem_ptr(&f->ram, gpa(FLOOR_CODE), sizeof(loop)), loop, sizeof(loop));
    return 0;
}

/*
 * CPUID for the vCPU (KVM refuses EFER.LME without long mode in CPUID) and
 * the TR type: LTR leaves a busy TSS (type 11), which Intel's VM entry
 * requires (SDM Vol. 3C §27.3.1.2); AMD does not check, and the QEMU-TCG lab
 * accepts only an available TSS (type 9) in its I/O permission check.
 */
static int floor_set_cpuid(struct bench_floor *f, int kvm_fd, uint8_t *tss_type)
{
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + FLOOR_CPUID_MAX * sizeof(cpuid->entries[0]));
    if (!cpuid)
        return -ENOMEM;
    cpuid->nent = FLOOR_CPUID_MAX;
    int rc = 0;
    if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 || ioctl(f->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
        rc = -errno;
    *tss_type = X86_SEG_TYPE_TSS64_BUSY;
    for (unsigned i = 0; rc == 0 && i < cpuid->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        if (e->function == 0 && e->ebx == CPUID_AMD_EBX && e->edx == CPUID_AMD_EDX && e->ecx == CPUID_AMD_ECX)
            *tss_type = X86_SEG_TYPE_TSS64_AVAIL;
    }
    free(cpuid);
    return rc;
}

static void floor_long_mode_sregs(struct kvm_sregs *s, uint8_t tss_type)
{
    s->cs = (struct kvm_segment){.limit = FLOOR_SEG_LIMIT,
                                 .selector = X86_SEL_UCODE,
                                 .type = X86_SEG_TYPE_CODE_XR_A,
                                 .present = 1,
                                 .dpl = X86_DPL_USER,
                                 .s = 1,
                                 .l = 1,
                                 .g = 1};
    s->ss = (struct kvm_segment){.limit = FLOOR_SEG_LIMIT,
                                 .selector = X86_SEL_UDATA,
                                 .type = X86_SEG_TYPE_DATA_RW_A,
                                 .present = 1,
                                 .dpl = X86_DPL_USER,
                                 .s = 1,
                                 .db = 1,
                                 .g = 1};
    s->ds = s->es = s->fs = s->gs = s->ss;
    s->tr = (struct kvm_segment){.base = FLOOR_TSS,
                                 .limit = (uint32_t)(x86_tss_size() - 1),
                                 .selector = X86_SEL_TSS,
                                 .type = tss_type,
                                 .present = 1};
    s->ldt = (struct kvm_segment){.type = FLOOR_SEG_TYPE_LDT, .present = 1, .unusable = 1};
    s->gdt = (struct kvm_dtable){.base = FLOOR_GDT, .limit = X86_GDT_SIZE - 1};
    s->idt = (struct kvm_dtable){.base = 0, .limit = 0};
    s->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
    s->cr3 = FLOOR_PML4;
    s->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    s->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
}

/* CPL3 long mode at the loop, IOPL 0 (the bitmap decides), registers synced through kvm_run. */
static int floor_set_registers(struct bench_floor *f, int kvm_fd)
{
    uint8_t tss_type;
    int rc = floor_set_cpuid(f, kvm_fd, &tss_type);
    if (rc)
        return rc;
    struct kvm_sregs sregs;
    if (ioctl(f->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
        return -errno;
    floor_long_mode_sregs(&sregs, tss_type);
    if (ioctl(f->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
        return -errno;
    struct kvm_regs regs = {.rip = FLOOR_CODE, .rsp = FLOOR_STACK_TOP, .rflags = X86_RFLAGS_FIXED};
    if (ioctl(f->vcpu_fd, KVM_SET_REGS, &regs) < 0)
        return -errno;
    f->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
    return 0;
}

/* One KVM_RUN that must end in the loop's `out`; the synced registers are read as a VMM would. */
static int floor_round_trip(struct bench_floor *f, uint64_t *sink)
{
    if (ioctl(f->vcpu_fd, KVM_RUN, 0) < 0)
        return -errno;
    const struct kvm_run *run = f->run;
    if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT ||
        run->io.port != ZXVMM_PORT_SYSCALL)
        return -EPROTO;
    *sink += run->s.regs.regs.rax + run->s.regs.regs.rip;
    return 0;
}

static int floor_open(struct bench_floor *f, int kvm_fd)
{
    if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0)
        return -ENOTSUP;
    int size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0)
        return -errno;
    f->run_size = (size_t)size;
    f->vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (f->vm_fd < 0)
        return -errno;
    int rc = mem_ram_map(&f->ram, FLOOR_RAM_SIZE);
    if (rc)
        return rc;
    struct kvm_userspace_memory_region region = {.memory_size = f->ram.size,
                                                 .userspace_addr = (uint64_t)(uintptr_t)f->ram.host};
    if (ioctl(f->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return -errno;
    f->vcpu_fd = ioctl(f->vm_fd, KVM_CREATE_VCPU, 0);
    if (f->vcpu_fd < 0)
        return -errno;
    void *run = mmap(NULL, f->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, f->vcpu_fd, 0);
    if (run == MAP_FAILED)
        return -errno;
    f->run = run;
    return 0;
}

struct bench_floor *bench_floor_create(int kvm_fd)
{
    struct bench_floor *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->vm_fd = f->vcpu_fd = -1;
    uint64_t sink = 0;
    int rc = floor_open(f, kvm_fd);
    if (rc == 0)
        rc = floor_build_memory(f);
    if (rc == 0)
        rc = floor_set_registers(f, kvm_fd);
    for (unsigned i = 0; rc == 0 && i < FLOOR_WARMUP; i++)
        rc = floor_round_trip(f, &sink);
    if (rc) {
        fprintf(stderr, "zxvmm_bench: bare out floor VM: %s (exit reason %u)\n", strerror(-rc),
                f->run ? f->run->exit_reason : 0);
        bench_floor_destroy(f);
        return NULL;
    }
    return f;
}

double bench_floor_measure(struct bench_floor *f, uint64_t count)
{
    uint64_t sink = 0;
    double start = bench_now_ns();
    for (uint64_t i = 0; i < count; i++) {
        int rc = floor_round_trip(f, &sink);
        if (rc) {
            fprintf(stderr, "zxvmm_bench: bare out floor: %s (exit reason %u)\n", strerror(-rc),
                    f->run->exit_reason);
            return -1;
        }
    }
    double elapsed = bench_now_ns() - start;
    __asm__ volatile("" : : "r"(sink));
    return elapsed / (double)count;
}

void bench_floor_destroy(struct bench_floor *f)
{
    if (!f)
        return;
    if (f->run)
        munmap(f->run, f->run_size);
    if (f->vcpu_fd >= 0)
        close(f->vcpu_fd);
    if (f->vm_fd >= 0)
        close(f->vm_fd);
    if (f->ram.host)
        mem_ram_unmap(&f->ram);
    free(f);
}
