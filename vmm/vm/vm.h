/* vm.h: one KVM virtual machine: guest RAM, the shared images, the processes and their vCPU threads. */
#ifndef ZXVMM_VM_VM_H
#define ZXVMM_VM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/elf.h"
#include "boot/options.h"
#include "mem/mem.h"
#include "object/process.h"
#include "syscall/syscall.h"
#include "vm/seccomp.h"

#define VM_MAX_PROCESSES 64

/* Outcomes of set-up calls, numbered as the CLI's exit statuses. */
enum vm_status {
    VM_OK = 0,
    VM_ERR_USAGE = 2,   /* a program or argument zxvmm cannot use */
    VM_ERR_SETUP = 125, /* KVM unavailable or an ioctl failed */
};

struct vm_config {
    uint64_t mem_size;   /* guest RAM in bytes, a multiple of the page size */
    const char *cmdline; /* the kernel command line, "" for none */
    unsigned nprocesses; /* vCPUs described by the device tree */
    /* The kernel shim and vDSO ELF images (embedded in the executable). */
    const uint8_t *shim_image;
    size_t shim_size;
    const uint8_t *vdso_image;
    size_t vdso_size;
};

/* Why the VMM stopped a process that was still running when the run ended (for the -v report). */
enum vcpu_stopped_by {
    VCPU_NOT_STOPPED,     /* it ended on its own, or was killed by a guest */
    VCPU_STOPPED_AT_MAIN, /* the main process ended (no --wait-all) */
    VCPU_STOPPED_AT_TIMEOUT,
};

#define VCPU_LINE_MAX 1024 /* --label-output: a longer line is cut into labelled pieces */

struct vcpu {
    struct vm *vm;
    struct process *proc;
    const char *program; /* PROGRAM as given on the command line, whole (proc->name is cut at 32 bytes) */
    int program_fd;      /* PROGRAM opened read-only at set-up, for the crash report's symbols (-1: none) */
    unsigned id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool started;
    bool stop;     /* set under vm->lock: leave KVM_RUN and do not come back */
    bool finished; /* set under vm->lock when the thread has left its loop */
    struct syscall_env sys;
    enum vcpu_stopped_by stopped_by;
    char end_report[256];     /* what ended it when the VMM reported a fault or an error ("" otherwise) */
    char line[VCPU_LINE_MAX]; /* --label-output: the console line being assembled */
    size_t line_len;
};

/* How long, after a run ends, a vCPU held in an observer's own code may go without a sign of life. */
#define VM_HOLDER_GRACE_NS 50000000ULL /* 50 ms */

/*
 * An observer whose code runs on vCPU threads and may not come back when the
 * run ends (a scenario's hooks: a Lua library call runs in C, where nothing
 * can stop it). vm_run calls `ending` (main thread) once the run is over,
 * before it stops the vCPUs. A vCPU that has not stopped VM_HOLDER_GRACE_NS
 * later makes vm_run ask `abandon` (main thread, object lock held), and again
 * every few ms: true means the observer gives up on the code it is running,
 * whose thread will never touch the VM again, and vm_run returns at once with
 * vm->abandoned set. The caller must then neither stop nor free anything a
 * vCPU thread may use (the VM, the observers), and its process must exit.
 */
struct vm_holder {
    void (*ending)(void *ctx);
    bool (*abandon)(void *ctx);
    void *ctx;
};

struct vm {
    int kvm_fd;
    int vm_fd;
    size_t run_size;
    const struct kvm_cpuid2 *cpuid; /* the host's supported CPUID (vm_kvm_prepare), shared by every VM */
    struct guest_ram ram;
    struct frame_alloc frames;
    struct boot_options options;
    void *fdt;
    size_t fdt_size;
    struct elf_image shim, vdso;
    struct aspace_env env;
    struct objects objects; /* uses `lock` and `cond` below */
    uint64_t boot_ns;
    pthread_mutex_t lock; /* the object lock: every syscall, process end and vCPU stop */
    pthread_cond_t cond;  /* broadcast when a signal rises, a process ends or a vCPU must stop */
    pthread_mutex_t console_lock;
    struct vcpu *vcpus[VM_MAX_PROCESSES];
    unsigned nvcpus;
    bool debugging_refusal_noted; /* the once-per-run note about kernel.enable-debugging-syscalls is out */
    /* How `zxvmm run` wants the run reported (set before vm_run). */
    bool verbose;      /* one stderr line per process end */
    bool label_output; /* prefix guest console lines with [name:koid] */
    bool wait_all;     /* the run ends when every process has ended */
    uint64_t
        deadline_ns; /* --timeout as host monotonic ns, 0 for none (set by vm_run before any vCPU runs) */
    bool timed_out;  /* the deadline passed (atomic: a long syscall may see it before vm_run does) */
    /* Observers (vm/events.h): NULL while none is attached; set before vm_run. */
    struct vm_events *events;
    const struct vm_holder *holder; /* NULL, or the observer that may hold a vCPU (set before vm_run) */
    uint64_t ask_holder_ns; /* vcpu_stop_all asks `holder` from then on (host monotonic ns; 0: never) */
    bool abandoned;         /* vm_run gave up waiting for the vCPUs (see struct vm_holder) */
    /* The descriptors the seccomp filters name (vm/seccomp.h); NULL: no filters (--no-seccomp). Each vCPU
     * thread installs its filter as it starts, the main thread once every vCPU has started. Set before
     * vm_run (and before gdb_server_start). */
    const struct vm_seccomp_config *seccomp;
};

/*
 * Builds the device tree for `cfg` (memory, cpus, bootargs) into a malloc'd
 * blob. Used by `zxvmm run` and `zxvmm dtb` alike. Returns 0 or -ENOMEM.
 */
int vm_build_fdt(const struct vm_config *cfg, void **fdt, size_t *size);

/*
 * Checks that `mem_size` bytes of guest RAM, from guest-physical 0, lie within
 * the MAXPHYADDR-bit address space the vCPUs are given (larger RAM could not
 * be reached by the guest's page tables). Returns 0, or -ERANGE with one line
 * naming the cause and the largest --mem that fits in `err`.
 */
int vm_check_mem_width(uint64_t mem_size, unsigned maxphyaddr, char *err, size_t errlen);

/* What to tell the user after "cannot open /dev/kvm" failed with errno `error` (" (...)", or ""). */
const char *vm_kvm_open_hint(int error);

/*
 * Opens /dev/kvm and reads what it says alike to every VM (API version, sync
 * registers, the run area's size, the supported CPUID), once per process:
 * vm_create calls it, and a process that forks children which each create a
 * VM (a campaign) calls it first so that they inherit the answers. VM_OK, or
 * VM_ERR_SETUP with one line in `err`; nothing is kept then.
 */
enum vm_status vm_kvm_prepare(char *err, size_t errlen);

/*
 * Opens /dev/kvm (vm_kvm_prepare), creates the VM and its lazily reserved RAM, builds the
 * device tree and reads the boot options back from its /chosen/bootargs, and
 * loads the kernel shim and the vDSO. On failure writes one line naming the
 * call to `err` and returns VM_ERR_SETUP (or VM_ERR_USAGE for bad boot
 * options, or RAM larger than the vCPUs' MAXPHYADDR can address); everything
 * acquired is released.
 */
enum vm_status vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen);

/* Stops every vCPU, joins their threads and releases the VM. */
void vm_destroy(struct vm *vm);

/*
 * vm_destroy for a VMM process about to exit: stops every vCPU and joins
 * their threads, then leaves the VM's pages, objects and descriptors to the
 * kernel, which drops them at exit in one go instead of page by page. The
 * sanitizer build releases everything as vm_destroy does, so that
 * LeakSanitizer still sees a VM that leaks. After it, the caller may only
 * exit.
 */
void vm_destroy_at_exit(struct vm *vm);

/*
 * Builds a process for argv[0..argc) and its vCPU (not yet running). Returns
 * VM_ERR_USAGE when the program can't be used, VM_ERR_SETUP when KVM fails or
 * guest RAM is exhausted.
 */
enum vm_status vm_add_process(struct vm *vm, int argc, char *const argv[], struct vcpu **out, char *err,
                              size_t errlen);

enum vm_outcome {
    VM_MAIN_EXITED,    /* return code in *code */
    VM_MAIN_KILLED,    /* zx_task_kill */
    VM_MAIN_EXCEPTION, /* a CPU exception (reported on stderr) */
    VM_TIMED_OUT,
    VM_RUN_FAILED, /* a thread could not be started, KVM failed to run main, or vm->abandoned */
};

/*
 * Starts every vCPU (in the order added) and waits until `main` ends (with
 * vm->wait_all: until every process has ended) or `timeout_ns` (0: none)
 * passes; then stops all vCPUs. When main's end stopped processes still
 * running, says so on stderr; with vm->verbose, then prints one stderr line
 * per process, in the order added, naming it, its koid and how it ended.
 * Returns the outcome and, for VM_MAIN_EXITED, the main process's return
 * code in *code. With vm->seccomp, the calling thread's filter is installed
 * once every vCPU has started (a failure says so on stderr: VM_RUN_FAILED).
 * When vm->holder gave up on a vCPU (struct vm_holder), returns
 * VM_RUN_FAILED at once with vm->abandoned set, and prints nothing.
 */
enum vm_outcome vm_run(struct vm *vm, struct vcpu *main, uint64_t timeout_ns, int64_t *code);

#endif
