/* vm.c: creating the VM (KVM, RAM, device tree, shared images), its processes, and running them. */
#include "vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <zxvmm/abi.h>

#include "boot/fdt.h"
#include "object/image.h"
#include "vm/vcpu.h"

#define FDT_BASE_SIZE            4096
#define FDT_PER_CPU_SIZE         128
#define CPUID_MAX_ENTRIES        256
#define CPUID_LEAF_ADDRESS_SIZES 0x80000008u
#define MAXPHYADDR_DEFAULT       36

int vm_build_fdt(const struct vm_config *cfg, void **fdt, size_t *size)
{
    const char *bootargs = cfg->cmdline ? cfg->cmdline : "";
    unsigned ncpus = cfg->nprocesses ? cfg->nprocesses : 1;
    size_t bufsize = FDT_BASE_SIZE + strlen(bootargs) + FDT_PER_CPU_SIZE * (size_t)ncpus;
    void *buf = malloc(bufsize);
    if (!buf)
        return -ENOMEM;
    int rc = boot_fdt_build(buf, bufsize, cfg->mem_size, ncpus, bootargs);
    if (rc) {
        free(buf);
        return -E2BIG;
    }
    *fdt = buf;
    *size = fdt_totalsize(buf);
    return 0;
}

/* MAXPHYADDR from CPUID leaf 0x80000008 EAX[7:0] (SDM Vol. 2A, CPUID). */
static unsigned cpuid_maxphyaddr(const struct kvm_cpuid2 *cpuid)
{
    for (unsigned i = 0; i < cpuid->nent; i++)
        if (cpuid->entries[i].function == CPUID_LEAF_ADDRESS_SIZES)
            return cpuid->entries[i].eax & 0xff;
    return MAXPHYADDR_DEFAULT;
}

/* `bytes` (a multiple of 4K) in the largest of G, M, K that divides it, as --mem accepts it. */
static void format_size(uint64_t bytes, char *out, size_t len)
{
    static const char units[] = "GMK";
    for (int i = 0; i < 3; i++) {
        uint64_t unit = 1ULL << (30 - 10 * i);
        if (bytes % unit == 0) {
            snprintf(out, len, "%llu%c", (unsigned long long)(bytes / unit), units[i]);
            return;
        }
    }
    snprintf(out, len, "%llu", (unsigned long long)bytes);
}

int vm_check_mem_width(uint64_t mem_size, unsigned maxphyaddr, char *err, size_t errlen)
{
    if (maxphyaddr >= 64 || mem_size <= (1ULL << maxphyaddr))
        return 0;
    char size[32], limit[32];
    format_size(mem_size, size, sizeof(size));
    format_size(1ULL << maxphyaddr, limit, sizeof(limit));
    snprintf(err, errlen,
             "--mem %s: larger than the %u-bit guest-physical address space of this host's vCPUs (CPUID "
             "MAXPHYADDR %u); at most %s",
             size, maxphyaddr, maxphyaddr, limit);
    return -ERANGE;
}

const char *vm_kvm_open_hint(int error)
{
    switch (error) {
    case EACCES:
    case EPERM:
        return " (access to /dev/kvm is for the 'kvm' group: run 'sudo usermod -aG kvm $USER', then log in "
               "again)";
    case ENOENT:
    case ENXIO:
    case ENODEV:
        return " (KVM is not available: enable virtualization in the firmware and load the kvm_intel or "
               "kvm_amd module; inside a VM, enable nested virtualization)";
    default:
        return "";
    }
}

/*
 * What /dev/kvm says alike to every VM of this host: read once per process,
 * and inherited by the children a campaign forks after vm_kvm_prepare, so
 * that a run does not pay for KVM_GET_SUPPORTED_CPUID (most of a
 * millisecond on kvm-pvm) again. A child creates its VM through a copy of
 * the descriptor: KVM ties a VM to the process that creates it, not /dev/kvm.
 */
static struct {
    int fd; /* -1 until read */
    size_t run_size;
    struct kvm_cpuid2 *cpuid;
} kvm_host = {.fd = -1};

enum vm_status vm_kvm_prepare(char *err, size_t errlen)
{
    if (kvm_host.fd >= 0)
        return VM_OK;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open /dev/kvm: %s%s", strerror(e), vm_kvm_open_hint(e));
        return VM_ERR_SETUP;
    }
    enum vm_status st = VM_ERR_SETUP;
    struct kvm_cpuid2 *cpuid = NULL;
    int version = ioctl(fd, KVM_GET_API_VERSION, 0), run_size = 0;
    if (version != KVM_API_VERSION)
        snprintf(err, errlen, "KVM_GET_API_VERSION: got %d, need %d", version, KVM_API_VERSION);
    else if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0)
        snprintf(err, errlen, "KVM_CHECK_EXTENSION: KVM_CAP_SYNC_REGS is not supported");
    else if ((run_size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0)) <= 0)
        snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
    else if (!(cpuid = calloc(1, sizeof(*cpuid) + CPUID_MAX_ENTRIES * sizeof(cpuid->entries[0]))))
        snprintf(err, errlen, "out of host memory");
    else if ((cpuid->nent = CPUID_MAX_ENTRIES, ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0))
        snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
    else
        st = VM_OK;
    if (st != VM_OK) {
        free(cpuid);
        close(fd);
        return st;
    }
    kvm_host.fd = fd;
    kvm_host.run_size = (size_t)run_size;
    kvm_host.cpuid = cpuid;
    return VM_OK;
}

static enum vm_status open_kvm(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    enum vm_status st = vm_kvm_prepare(err, errlen);
    if (st != VM_OK)
        return st;
    vm->kvm_fd = fcntl(kvm_host.fd, F_DUPFD_CLOEXEC, 0);
    if (vm->kvm_fd < 0) {
        snprintf(err, errlen, "cannot copy the /dev/kvm descriptor: %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    vm->cpuid = kvm_host.cpuid;
    vm->run_size = kvm_host.run_size;
    if (vm_check_mem_width(cfg->mem_size, cpuid_maxphyaddr(vm->cpuid), err, errlen) != 0)
        return VM_ERR_USAGE;
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    int rc = mem_ram_map(&vm->ram, cfg->mem_size);
    if (rc) {
        snprintf(err, errlen, "mmap of %llu bytes of guest RAM: %s", (unsigned long long)cfg->mem_size,
                 strerror(-rc));
        return VM_ERR_SETUP;
    }
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = vm->ram.size,
        .userspace_addr = (uint64_t)(uintptr_t)vm->ram.host,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        return VM_ERR_SETUP;
    }
    return VM_OK;
}

/* Parses and loads one embedded image (shim or vDSO) into shared frames. */
static enum vm_status load_builtin(struct vm *vm, const char *what, const uint8_t *file, size_t size,
                                   uint64_t lo, uint64_t hi, struct elf_image *img, gpa_t *pa, char *err,
                                   size_t errlen)
{
    char why[160];
    if (elf_parse(file, size, lo, hi, img, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "built-in %s image: %s", what, why);
        return VM_ERR_SETUP;
    }
    if (image_load_shared(&vm->ram, &vm->frames, img, file, pa) != 0) {
        snprintf(err, errlen, "built-in %s image: guest memory exhausted", what);
        return VM_ERR_SETUP;
    }
    return VM_OK;
}

static enum vm_status setup_guest(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    if (mem_frames_init(&vm->frames, cfg->mem_size) != 0) {
        snprintf(err, errlen, "frame allocator for %llu bytes: out of host memory",
                 (unsigned long long)cfg->mem_size);
        return VM_ERR_SETUP;
    }
    if (vm_build_fdt(cfg, &vm->fdt, &vm->fdt_size) != 0) {
        snprintf(err, errlen, "device tree: out of host memory");
        return VM_ERR_SETUP;
    }
    /* Boot options come from the device tree, as a guest kernel would read them. */
    const char *bootargs = "";
    char why[160];
    if (boot_fdt_bootargs(vm->fdt, &bootargs) != 0 ||
        boot_options_parse(bootargs, &vm->options, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "--cmdline: %s", why);
        return VM_ERR_USAGE;
    }
    enum vm_status st =
        load_builtin(vm, "shim", cfg->shim_image, cfg->shim_size, ZXVMM_SHIM_BASE,
                     ZXVMM_SHIM_BASE + ZXVMM_SHIM_MAX_SIZE, &vm->shim, &vm->env.shim_pa, err, errlen);
    if (st == VM_OK)
        st = load_builtin(vm, "vDSO", cfg->vdso_image, cfg->vdso_size, ZXVMM_VDSO_BASE,
                          ZXVMM_VDSO_BASE + ZXVMM_VDSO_MAX_SIZE, &vm->vdso, &vm->env.vdso_pa, err, errlen);
    vm->env.ram = &vm->ram;
    vm->env.frames = &vm->frames;
    vm->env.maxphyaddr = cpuid_maxphyaddr(vm->cpuid);
    vm->env.shim = &vm->shim;
    vm->env.vdso = &vm->vdso;
    vm->env.fdt = vm->fdt;
    vm->env.fdt_size = vm->fdt_size;
    objects_init(&vm->objects, &vm->lock, &vm->cond, &vm->env);
    vm->objects.stop_process = vcpu_stop_process;
    vm->objects.kick_process = vcpu_kick_process;
    vm->objects.process_stopping = vcpu_process_stopping;
    vm->objects.host = vm;
    return st;
}

enum vm_status vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    memset(vm, 0, sizeof(*vm));
    vm->kvm_fd = vm->vm_fd = -1;
    pthread_mutex_init(&vm->lock, NULL);
    pthread_mutex_init(&vm->console_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&vm->cond, &attr);
    pthread_condattr_destroy(&attr);
    vm->boot_ns = syscall_host_now_ns();

    enum vm_status st = open_kvm(vm, cfg, err, errlen);
    if (st == VM_OK)
        st = setup_guest(vm, cfg, err, errlen);
    if (st != VM_OK)
        vm_destroy(vm);
    return st;
}

void vm_destroy(struct vm *vm)
{
    if (vm->abandoned)
        return; /* a vCPU thread left behind may still use all of it; the process exits */
    vcpu_stop_all(vm);
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < vm->nvcpus; i++)
        process_destroy(vm->vcpus[i]->proc, &vm->objects);
    pthread_mutex_unlock(&vm->lock);
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        free(vm->vcpus[i]->proc);
        vcpu_destroy(vm->vcpus[i]);
    }
    vm->nvcpus = 0;
    objects_destroy(&vm->objects);
    free(vm->fdt);
    if (vm->frames.bitmap)
        mem_frames_destroy(&vm->frames);
    if (vm->ram.host)
        mem_ram_unmap(&vm->ram);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    vm->vm_fd = vm->kvm_fd = -1;
    pthread_cond_destroy(&vm->cond);
    pthread_mutex_destroy(&vm->lock);
    pthread_mutex_destroy(&vm->console_lock);
}

void vm_destroy_at_exit(struct vm *vm)
{
#ifdef ZXVMM_SANITIZED
    vm_destroy(vm);
#else
    vcpu_stop_all(vm);
#endif
}

enum vm_status vm_add_process(struct vm *vm, int argc, char *const argv[], struct vcpu **out, char *err,
                              size_t errlen)
{
    if (vm->nvcpus == VM_MAX_PROCESSES) {
        snprintf(err, errlen, "too many processes (at most %d)", VM_MAX_PROCESSES);
        return VM_ERR_USAGE;
    }
    struct process *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of host memory");
        return VM_ERR_SETUP;
    }
    err[0] = '\0';
    pthread_mutex_lock(&vm->lock);
    int rc = process_create(p, &vm->objects, argc, argv, err, errlen);
    pthread_mutex_unlock(&vm->lock);
    if (rc) {
        free(p);
        /* Running out of guest RAM is a set-up failure (exit 125, docs/cli.md), not a usage error. */
        return rc == -ENOMEM ? VM_ERR_SETUP : VM_ERR_USAGE;
    }
    struct vcpu *v;
    enum vm_status st = vcpu_create(vm, p, vm->nvcpus, &v, err, errlen);
    if (st != VM_OK) {
        pthread_mutex_lock(&vm->lock);
        process_destroy(p, &vm->objects);
        pthread_mutex_unlock(&vm->lock);
        free(p);
        return st;
    }
    p->host = v;
    v->program = argv[0];
    v->program_fd = open(argv[0], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    vm->vcpus[vm->nvcpus++] = v;
    *out = v;
    return VM_OK;
}

/* The run is over when main has ended and, with --wait-all, every other process too. Lock held. */
static bool run_over(const struct vm *vm, const struct vcpu *main)
{
    if (main->proc->state != PROCESS_DEAD)
        return false;
    for (unsigned i = 0; vm->wait_all && i < vm->nvcpus; i++)
        if (vm->vcpus[i]->proc->state != PROCESS_DEAD)
            return false;
    return true;
}

/* Waits for the run to be over or the deadline (host monotonic ns, 0 for none) to pass; true when it is over.
 * Marks each process still running as stopped by the VMM, and why (for the reports). */
static bool wait_main(struct vm *vm, struct vcpu *main, uint64_t deadline, unsigned *nstopped)
{
    pthread_mutex_lock(&vm->lock);
    while (!run_over(vm, main)) {
        if (deadline == 0) {
            pthread_cond_wait(&vm->cond, &vm->lock);
            continue;
        }
        if (syscall_host_now_ns() >= deadline) {
            __atomic_store_n(&vm->timed_out, true, __ATOMIC_RELEASE);
            break;
        }
        struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ULL),
                              .tv_nsec = (long)(deadline % 1000000000ULL)};
        pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
    }
    /* A long syscall that saw the deadline first stopped its process: that is the timeout too. */
    bool ended = run_over(vm, main) && !__atomic_load_n(&vm->timed_out, __ATOMIC_ACQUIRE);
    *nstopped = 0;
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        if (process_is_dying(vm->vcpus[i]->proc))
            continue;
        vm->vcpus[i]->stopped_by = ended ? VCPU_STOPPED_AT_MAIN : VCPU_STOPPED_AT_TIMEOUT;
        ++*nstopped;
    }
    pthread_mutex_unlock(&vm->lock);
    return ended;
}

/* -v: how one process ended, after every vCPU has stopped. */
static void report_end(const struct vcpu *v)
{
    const struct process *p = v->proc;
    char how[320];
    switch (p->end) {
    case PROCESS_END_EXIT:
        snprintf(how, sizeof(how), "exited with return code %lld", (long long)p->return_code);
        break;
    case PROCESS_END_KILL:
        snprintf(how, sizeof(how), "%s",
                 v->stopped_by == VCPU_STOPPED_AT_MAIN      ? "stopped: the main process had ended"
                 : v->stopped_by == VCPU_STOPPED_AT_TIMEOUT ? "stopped: --timeout expired"
                                                            : "killed (zx_task_kill)");
        break;
    case PROCESS_END_EXCEPTION:
        snprintf(how, sizeof(how), "died of a CPU exception: %s", v->end_report);
        break;
    default:
        snprintf(how, sizeof(how), "could not be run: %s", v->end_report);
        break;
    }
    fprintf(stderr, "zxvmm: process %s (koid %llu) %s\n", vcpu_program(v), (unsigned long long)p->obj.koid,
            how);
}

/* The run is over: tells the holder, then stops every vCPU, asking the holder about one that is late. */
static void stop_run(struct vm *vm)
{
    if (vm->holder) {
        vm->holder->ending(vm->holder->ctx);
        pthread_mutex_lock(&vm->lock);
        vm->ask_holder_ns = syscall_host_now_ns() + VM_HOLDER_GRACE_NS;
        pthread_mutex_unlock(&vm->lock);
    }
    vcpu_stop_all(vm);
}

enum vm_outcome vm_run(struct vm *vm, struct vcpu *main, uint64_t timeout_ns, int64_t *code)
{
    vm->deadline_ns = timeout_ns ? syscall_host_now_ns() + timeout_ns : 0;
    for (unsigned i = 0; i < vm->nvcpus; i++) {
        if (vcpu_start(vm->vcpus[i]) != 0) {
            stop_run(vm);
            return VM_RUN_FAILED;
        }
    }
    int rc = vm->seccomp ? vm_seccomp_install(VM_SECCOMP_MAIN, vm->seccomp) : 0;
    if (rc != 0) {
        fprintf(stderr, "zxvmm: seccomp: cannot install the main thread's filter: %s\n", strerror(-rc));
        stop_run(vm);
        return VM_RUN_FAILED;
    }
    unsigned nstopped;
    bool ended = wait_main(vm, main, vm->deadline_ns, &nstopped);
    stop_run(vm);
    if (vm->abandoned)
        return VM_RUN_FAILED; /* no reports: the processes' states may still change */
    /* Reports come after every vCPU has stopped, so they follow all guest output and keep one order. */
    if (ended && nstopped > 0)
        fprintf(stderr,
                "zxvmm: the main process ended; stopped %u other process%s still running (--wait-all waits "
                "for them)\n",
                nstopped, nstopped == 1 ? "" : "es");
    for (unsigned i = 0; vm->verbose && i < vm->nvcpus; i++)
        report_end(vm->vcpus[i]);
    if (!ended)
        return VM_TIMED_OUT;
    switch (main->proc->end) {
    case PROCESS_END_EXIT:
        *code = main->proc->return_code;
        return VM_MAIN_EXITED;
    case PROCESS_END_KILL:
        return VM_MAIN_KILLED;
    case PROCESS_END_VMM_ERROR:
        return VM_RUN_FAILED;
    default:
        return VM_MAIN_EXCEPTION;
    }
}
