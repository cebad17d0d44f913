/* fuzz_layout.h: the fixed VM a syscall fuzz input runs against: RAM, shared images, two processes, a VMO. */
#ifndef ZXVMM_FUZZ_LAYOUT_H
#define ZXVMM_FUZZ_LAYOUT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/elf.h"
#include "boot/options.h"
#include "mem/mem.h"
#include "object/object.h"
#include "object/process.h"
#include "syscall/syscall.h"

#include <zxvmm/abi.h>

/* Syscall numbers by name: FUZZ_NR_zx_vmo_create, ... */
#define FUZZ_NR_ENTRY(num, name, nargs) FUZZ_NR_##name = (num),
enum fuzz_nr { ZXVMM_SYSCALLS(FUZZ_NR_ENTRY) };
#undef FUZZ_NR_ENTRY

#define FUZZ_PROCESSES   2  /* A (index 0) holds the VMO mapping and a handle to B (index 1) */
#define FUZZ_MAX_HANDLES 24 /* handle values a process knows: its start handles, then any it is given */
#define FUZZ_MAX_ADDRS   8  /* addresses zx_vmar_map returned */

/* Files read once per run: the shim, the vDSO and a guest program, with the device tree. */
struct fuzz_files {
    uint8_t *shim_file, *vdso_file;
    size_t shim_size, vdso_size;
    struct elf_image shim, vdso;
    char *program;
    uint8_t *program_file; /* its bytes, which process_create is given for every process (elf_read_file) */
    size_t program_size;
    void *fdt;
    size_t fdt_size;
    struct boot_options options; /* parsed from the device tree's bootargs */
};

/* One emulated vCPU: the process it runs and the services its syscalls see. */
struct fuzz_proc {
    struct fuzz_vm *vm;
    struct process proc;
    struct syscall_env env;
    unsigned stops;                        /* objects.stop_process calls for this process */
    zx_handle_t handles[FUZZ_MAX_HANDLES]; /* values known to be (or to have been) valid */
    unsigned nhandles;
    unsigned rotor; /* which extra handle a new one replaces when the list is full */
};

/* One VM, built afresh for each input so an input behaves the same whatever ran before it. */
struct fuzz_vm {
    const struct fuzz_files *files;
    struct guest_ram ram;
    struct frame_alloc frames;
    uint64_t frames_after_images; /* free frames before any process existed */
    struct aspace_env env;
    struct boot_options options;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct objects objects;
    uint64_t boot_ns;
    bool sibling_exits; /* block() lets a killed sibling finish (else it only times out) */
    struct fuzz_proc p[FUZZ_PROCESSES];
    uint64_t vmo_addr; /* where A's VMO is mapped */
    zx_koid_t vmo_koid;
    uint64_t addrs[FUZZ_MAX_ADDRS];
    unsigned naddrs;
};

#define FUZZ_RAM_SIZE   (160ULL << 20) /* room for a VMO a little over 64 MiB */
#define FUZZ_MAXPHYADDR 46
#define FUZZ_VMO_PAGES  16
#define FUZZ_BOOTARGS   "kernel.enable-debugging-syscalls=true"

/*
 * Reads the images and the program named by the environment variables
 * ZXVMM_FUZZ_SHIM, ZXVMM_FUZZ_VDSO and ZXVMM_FUZZ_PROGRAM, or by the paths the
 * build compiled in, and builds the device tree. Reports and returns -errno
 * when a file is missing or invalid. From then on, process_create reads the
 * program from memory: its bytes as they were here.
 */
int fuzz_files_load(struct fuzz_files *f);

/*
 * Guest RAM for every input, mapped once. What the VMM frees is zero-filled
 * as it would be dropped, but only the pages mem_ptr handed out since they
 * were last zeroed; the rest are zero already (fuzz_layout.c).
 */
int fuzz_ram_map(struct guest_ram *ram);

/*
 * Builds the layout: frame allocator, shared images, processes A and B in the
 * root job (both RUNNING), a FUZZ_VMO_PAGES VMO created and mapped read-write
 * by A through syscalls, and a handle to B in A. Any failure is a harness
 * bug: reports and aborts.
 */
void fuzz_vm_create(struct fuzz_vm *vm, const struct fuzz_files *f, const struct guest_ram *ram,
                    const struct boot_options *options, bool sibling_exits);

/*
 * Destroys both processes and checks that every frame they and their VMOs
 * held came back; then releases the images and the allocator, which leaves
 * RAM all zero (checked page by page when ZXVMM_FUZZ_CHECK_ZERO is set).
 * Aborts on a leak.
 */
void fuzz_vm_destroy(struct fuzz_vm *vm);

/* Ends, as their vCPU threads would, every process that was killed. Lock held. */
void fuzz_vm_reap(struct fuzz_vm *vm);

/* Copies `len` bytes from process `p`'s user memory; false when they are not all mapped. */
bool fuzz_read_user(const struct fuzz_proc *p, uint64_t va, void *out, size_t len);

/* Remembers a handle value `p` was given (the oldest extra one goes when full). */
void fuzz_note_handle(struct fuzz_proc *p, zx_handle_t value);

/* Remembers an address a mapping was placed at. */
void fuzz_note_addr(struct fuzz_vm *vm, uint64_t addr);

/*
 * For the harness's own loops that run per page or per call (the dirty-page
 * bookkeeping for every page-table level the VMM walks, the frame bitmap
 * count after every call): traced for coverage they took about a fifth of
 * the run time, and their branches tell the fuzzer nothing about the VMM.
 */
#define FUZZ_UNTRACED __attribute__((no_sanitize("coverage")))

/* Reports a broken invariant on stderr and aborts, so that libFuzzer saves the input. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
