/* kvm_minimal.c: the P4 floor: the smallest KVM guest as a whole process (real mode `out`, `hlt`). */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_PAGE_SIZE 0x1000
#define GUEST_PORT      0xE0
#define GUEST_BYTE      0x42
#define RFLAGS_FIXED    0x2 /* reserved bit 1, always set (SDM Vol. 1 §3.4.3) */
#define OPCODE_MOV_AL   0xB0
#define OPCODE_OUT_IMM8 0xE6
#define OPCODE_HLT      0xF4

/* mov $GUEST_BYTE, %al; out %al, $GUEST_PORT; hlt -- at guest-physical 0, where CS:IP = 0:0 starts. */
static const uint8_t guest_code[] = {OPCODE_MOV_AL, GUEST_BYTE, OPCODE_OUT_IMM8, GUEST_PORT, OPCODE_HLT};

static int fail(const char *what)
{
    perror(what);
    return 1;
}

/* A VM with one page of RAM and one vCPU in real mode at 0:0; returns the vCPU fd or -1. */
static int make_vcpu(int kvm, uint8_t *page)
{
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        return -1;
    struct kvm_userspace_memory_region region = {.memory_size = GUEST_PAGE_SIZE,
                                                 .userspace_addr = (uint64_t)(uintptr_t)page};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return -1;
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    struct kvm_sregs sregs;
    if (vcpu < 0 || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        return -1;
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    struct kvm_regs regs = {.rip = 0, .rflags = RFLAGS_FIXED};
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        return -1;
    return vcpu;
}

/* Exit status 0 when the guest's `out` and `hlt` arrive in order, 1 otherwise. */
int main(void)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        return fail("/dev/kvm");
    uint8_t *page = mmap(NULL, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return fail("mmap");
    memcpy(page, guest_code, sizeof(guest_code));
    int vcpu = make_vcpu(kvm, page);
    if (vcpu < 0)
        return fail("vcpu set-up");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run =
        run_size > 0 ? mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0) : MAP_FAILED;
    if (run == MAP_FAILED)
        return fail("kvm_run mmap");
    if (ioctl(vcpu, KVM_RUN, 0) < 0)
        return fail("KVM_RUN");
    if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_PORT ||
        *((uint8_t *)run + run->io.data_offset) != GUEST_BYTE) {
        fprintf(stderr, "kvm_minimal: expected the out, got exit reason %u\n", run->exit_reason);
        return 1;
    }
    if (ioctl(vcpu, KVM_RUN, 0) < 0)
        return fail("KVM_RUN");
    if (run->exit_reason != KVM_EXIT_HLT) {
        fprintf(stderr, "kvm_minimal: expected hlt, got exit reason %u\n", run->exit_reason);
        return 1;
    }
    return 0;
}
