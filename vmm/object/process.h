/* process.h: a guest process: its address space (page-table tree, images, stack), state and return code. */
#ifndef ZXVMM_OBJECT_PROCESS_H
#define ZXVMM_OBJECT_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/syscalls/object.h>
#include <zircon/types.h>

#include "boot/elf.h"
#include "mem/mem.h"
#include "object/handle.h"
#include "object/object.h"
#include "object/thread.h"
#include "object/vmar.h"
#include "x86_64/paging.h"

/* What every process of a VM shares: guest RAM, its frames and the read-only images. */
struct aspace_env {
    struct guest_ram *ram;
    struct frame_alloc *frames;
    unsigned maxphyaddr;
    /* The kernel shim and the vDSO, loaded once per VM and mapped into every process. */
    const struct elf_image *shim;
    gpa_t shim_pa;
    const struct elf_image *vdso;
    gpa_t vdso_pa;
    /* The device tree blob copied into each process's stack area. */
    const void *fdt;
    size_t fdt_size;
};

/* A run of frames a process owns, freed when it is destroyed. */
struct frame_run {
    gpa_t base;
    uint64_t count;
};

enum process_state {
    PROCESS_NEW,     /* built, not started */
    PROCESS_RUNNING, /* its vCPU runs */
    PROCESS_DYING,   /* killed: its vCPU is being stopped; end and return_code are set */
    PROCESS_DEAD,    /* exited, killed or crashed: return_code is final, address space released */
};

enum process_end {
    PROCESS_END_NONE,
    PROCESS_END_EXIT,      /* zx_process_exit or main returned */
    PROCESS_END_KILL,      /* zx_task_kill or stopped by the VMM */
    PROCESS_END_EXCEPTION, /* a CPU exception or a fault the VMM reported */
    PROCESS_END_VMM_ERROR, /* KVM failed to run it (reported) */
};

struct process {
    struct object obj;  /* ZX_OBJ_TYPE_PROCESS; first, so an object pointer is a process pointer */
    char name[32];      /* the program as given, truncated */
    gpa_t root;         /* PML4 */
    uint64_t pat;       /* the IA32_PAT its vCPU runs with */
    uint64_t entry;     /* program entry point */
    uint64_t boot_info; /* guest-virtual address of struct zxvmm_boot_info */
    uint64_t vdso_lo;   /* [vdso_lo, vdso_hi): the vDSO mapping */
    uint64_t vdso_hi;
    gpa_t kstack_pa; /* the CPL0 stack, for reading exception frames */
    enum process_state state;
    enum process_end end;
    int64_t return_code;
    struct frame_run *runs; /* every frame it owns, page tables included */
    size_t nruns;
    size_t runs_cap;
    struct handle_table handles;
    struct vmar vmar; /* the root VMAR */
    struct job *job;
    zx_time_t start_time;                   /* monotonic time it started, 0 before */
    void *host;                             /* the vCPU that runs it (opaque here) */
    zx_handle_t start_handles[4];           /* self, root VMAR, job, thread */
    struct thread thread;                   /* its one thread */
    struct exceptionate exceptionate;       /* ZX_EXCEPTION_CHANNEL_TYPE_PROCESS */
    struct exceptionate debug_exceptionate; /* ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER */
    bool spawn_stopped;                     /* hold the first instruction until a debugger channel is bound */
};

/*
 * Builds a process for `argv[0]` (a path) with arguments argv[0..argc): reads
 * and validates the program, creates its page-table tree with the kernel
 * region (shim, GDT, IDT, TSS, kernel stack), the vDSO, private copies of the
 * program's segments, a ZXVMM_STACK_SIZE stack above an unmapped guard page,
 * and the boot info (arguments, device tree) at the top of the stack.
 *
 * Returns 0; -EINVAL/-ENOENT/... with `err` naming the file and the cause when
 * the program cannot be used (a usage error: exit status 2); -ENOMEM when guest
 * RAM runs out. On failure nothing is left allocated.
 */
int process_create(struct process *p, struct objects *o, int argc, char *const argv[], char *err,
                   size_t errlen);

/*
 * Reads and validates the program at `path` as process_create would, without
 * a VM: returns 0, or -errno with `err` naming the file and the cause.
 */
int process_check_program(const char *path, char *err, size_t errlen);

/*
 * Ends the process (first cause wins): state DEAD, its thread dead
 * (ZX_THREAD_TERMINATED), its exception channels see their peer closed, its
 * handles closed, its mappings removed, its frames freed,
 * ZX_PROCESS_TERMINATED raised, and it leaves its job. Its vCPU must no
 * longer run. Lock held.
 */
void process_finish(struct objects *o, struct process *p, enum process_end end, int64_t code);

/* Marks a running process as being killed (ZX_TASK_RETCODE_SYSCALL_KILL) and asks the VM to stop it. Lock
 * held. */
void process_kill(struct objects *o, struct process *p);

/* True from the moment a process is killed or ends. */
bool process_is_dying(const struct process *p);

/*
 * Its ZX_INFO_PROCESS record: STARTED once it has started, EXITED with the
 * return code as soon as it is dying (killed, not yet stopped), as Zircon
 * reports a dying process. Lock held.
 */
void process_get_info(const struct process *p, zx_info_process_t *info);

/* Frees whatever the process still holds. The process must not run. */
void process_destroy(struct process *p, struct objects *o);

/* Maps one page of the process (page tables come from its own frames); PTE_KEPT in flags keeps it not
 * present (pt_map_page). */
int process_map_page(struct process *p, const struct aspace_env *env, uint64_t va, gpa_t pa, uint64_t flags);

/* The walk context for this process's own page tables. */
struct pt_walk_ctx process_walk_ctx(const struct process *p, const struct aspace_env *env);

/* Layout of the per-process kernel region (supervisor-only), after the shim. */
#define PROCESS_KERNEL_GDT  0xffffffff80100000ULL
#define PROCESS_KERNEL_IDT  0xffffffff80101000ULL
#define PROCESS_KERNEL_TSS  0xffffffff80102000ULL /* 3 pages: TSS + I/O bitmap */
#define PROCESS_KSTACK_BASE 0xffffffff80108000ULL /* an unmapped page lies below */
#define PROCESS_KSTACK_SIZE 0x4000ULL

#endif
