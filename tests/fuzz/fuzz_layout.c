/* fuzz_layout.c: builds and tears down fuzz_syscalls' VM without KVM, and checks frame accounting. */
#include "fuzz_layout.h"

#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

#include "boot/fdt.h"
#include "object/image.h"
#include "syscall/uaccess.h"

#define FUZZ_IMAGE_MAX_SIZE  (16ULL << 20)
#define FUZZ_FDT_BASE_SIZE   4096
#define FUZZ_FDT_PER_CPU     128
#define FUZZ_ERR_LEN         256
#define FUZZ_CONSOLE_MAX     256 /* zx_debug_write cuts longer writes */
#define FUZZ_FIXED_HANDLES_A 5   /* self, root VMAR, job, the VMO, process B */
#define FUZZ_SCRATCH         (ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE) /* setup out-pointers: A's stack bottom */

#ifndef ZXVMM_FUZZ_SHIM_IMAGE
#define ZXVMM_FUZZ_SHIM_IMAGE "shim.elf"
#endif
#ifndef ZXVMM_FUZZ_VDSO_IMAGE
#define ZXVMM_FUZZ_VDSO_IMAGE "vdso.elf"
#endif
#ifndef ZXVMM_FUZZ_PROGRAM
#define ZXVMM_FUZZ_PROGRAM "hello"
#endif

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static const char *path_from_env(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    return v && v[0] ? v : fallback;
}

/* Reads and parses one shared image for [lo, lo + max). */
static int load_image(const char *path, uint64_t lo, uint64_t max, uint8_t **file, size_t *size,
                      struct elf_image *img)
{
    char err[FUZZ_ERR_LEN];
    int rc = elf_read_file(path, FUZZ_IMAGE_MAX_SIZE, file, size, err, sizeof(err));
    if (rc == 0 && elf_parse(*file, *size, lo, lo + max, img, err, sizeof(err)) != 0)
        rc = -EINVAL;
    if (rc)
        fprintf(stderr, "fuzz_syscalls: %s: %s (set ZXVMM_FUZZ_SHIM/VDSO/PROGRAM)\n", path, err);
    return rc;
}

static int build_fdt(struct fuzz_files *f)
{
    size_t bufsize = FUZZ_FDT_BASE_SIZE + sizeof(FUZZ_BOOTARGS) + FUZZ_FDT_PER_CPU * FUZZ_PROCESSES;
    f->fdt = malloc(bufsize);
    if (!f->fdt || boot_fdt_build(f->fdt, bufsize, FUZZ_RAM_SIZE, FUZZ_PROCESSES, FUZZ_BOOTARGS) != 0)
        return -ENOMEM;
    f->fdt_size = fdt_totalsize(f->fdt);
    const char *bootargs;
    char err[FUZZ_ERR_LEN];
    if (boot_fdt_bootargs(f->fdt, &bootargs) != 0 ||
        boot_options_parse(bootargs, &f->options, err, sizeof(err)) != 0)
        return -EINVAL;
    return 0;
}

/*
 * The program every process is built from, read once: process_create asks
 * elf_read_file for it twice per input, and the open, stat and read cost
 * more than the copy into a new buffer that remains. The fuzz target is
 * linked with --wrap=elf_read_file; the bytes read at start-up are as good
 * as the file, unless the file changes during the run. Other paths, and a
 * limit the program is over, go to the real function.
 */
static const struct fuzz_files *fuzz_program;

int __real_elf_read_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err,
                         size_t errlen);
int __wrap_elf_read_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err,
                         size_t errlen);

int __wrap_elf_read_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    if (!fuzz_program || strcmp(path, fuzz_program->program) != 0 || fuzz_program->program_size > max)
        return __real_elf_read_file(path, max, data, size, err, errlen);
    *size = 0;
    *data = malloc(fuzz_program->program_size ? fuzz_program->program_size : 1);
    if (!*data) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    memcpy(*data, fuzz_program->program_file, fuzz_program->program_size);
    *size = fuzz_program->program_size;
    return 0;
}

int fuzz_files_load(struct fuzz_files *f)
{
    memset(f, 0, sizeof(*f));
    int rc = load_image(path_from_env("ZXVMM_FUZZ_SHIM", ZXVMM_FUZZ_SHIM_IMAGE), ZXVMM_SHIM_BASE,
                        ZXVMM_SHIM_MAX_SIZE, &f->shim_file, &f->shim_size, &f->shim);
    if (rc == 0)
        rc = load_image(path_from_env("ZXVMM_FUZZ_VDSO", ZXVMM_FUZZ_VDSO_IMAGE), ZXVMM_VDSO_BASE,
                        ZXVMM_VDSO_MAX_SIZE, &f->vdso_file, &f->vdso_size, &f->vdso);
    if (rc)
        return rc;
    char err[FUZZ_ERR_LEN];
    const char *program = path_from_env("ZXVMM_FUZZ_PROGRAM", ZXVMM_FUZZ_PROGRAM);
    if ((rc = process_check_program(program, err, sizeof(err))) != 0) {
        fprintf(stderr, "fuzz_syscalls: %s (set ZXVMM_FUZZ_PROGRAM)\n", err);
        return rc;
    }
    f->program = strdup(program);
    if (!f->program)
        return -ENOMEM;
    if ((rc = __real_elf_read_file(program, SIZE_MAX, &f->program_file, &f->program_size, err,
                                   sizeof(err))) != 0) {
        fprintf(stderr, "fuzz_syscalls: %s\n", err);
        return rc;
    }
    fuzz_program = f;
    return build_fdt(f);
}

/* The RAM of every input, once mapped: the range the madvise and mprotect below serve themselves. */
static struct guest_ram fuzz_ram_range;

/*
 * Pages of that RAM that may hold a non-zero byte: one bit per page, set by
 * mem_ptr below, cleared when the page is zero-filled. No guest runs here,
 * so every byte the VMM writes into guest RAM is written through a pointer
 * mem_ptr handed out for a range covering it (the whole of vmm/ reaches RAM
 * only that way; mem.c's own calls only check ranges). A page whose bit is
 * clear has not been handed out since it was last zero-filled (or since the
 * RAM was mapped), so it is zero already. With ZXVMM_FUZZ_CHECK_ZERO set,
 * fuzz_vm_destroy checks after every input that the whole RAM is zero again,
 * which a page left out here would break.
 */
static uint64_t *fuzz_dirty;
static bool fuzz_check_zero;

#define FUZZ_DIRTY_BITS 64 /* pages per word of fuzz_dirty */

int fuzz_ram_map(struct guest_ram *ram)
{
    int rc = mem_ram_map(ram, FUZZ_RAM_SIZE);
    if (rc)
        return rc;
    uint64_t pages = ram->size / MEM_PAGE_SIZE;
    fuzz_dirty = calloc((pages + FUZZ_DIRTY_BITS - 1) / FUZZ_DIRTY_BITS, sizeof(*fuzz_dirty));
    if (!fuzz_dirty) {
        mem_ram_unmap(ram);
        return -ENOMEM;
    }
    fuzz_ram_range = *ram;
    fuzz_check_zero = getenv("ZXVMM_FUZZ_CHECK_ZERO") != NULL;
    return 0;
}

/* ZXVMM_FUZZ_CHECK_ZERO: every frame is free, so every byte of RAM must be zero. */
static void check_ram_zero(const struct guest_ram *ram)
{
    static const uint8_t zero_page[MEM_PAGE_SIZE];
    for (uint64_t page = 0; page < ram->size / MEM_PAGE_SIZE; page++)
        if (memcmp(ram->host + page * MEM_PAGE_SIZE, zero_page, MEM_PAGE_SIZE) != 0)
            fuzz_fail("guest RAM page 0x%llx is not zero after teardown (dirty bit %d)",
                      (unsigned long long)(page * MEM_PAGE_SIZE),
                      (int)(fuzz_dirty[page / FUZZ_DIRTY_BITS] >> (page % FUZZ_DIRTY_BITS) & 1));
}

FUZZ_UNTRACED static bool in_fuzz_ram(const void *addr, size_t len)
{
    const uint8_t *p = addr;
    return fuzz_ram_range.host && p >= fuzz_ram_range.host &&
           len <= (size_t)(fuzz_ram_range.host + fuzz_ram_range.size - p);
}

/*
 * Sets (dirty) or clears the bits of pages [first, end) that share first's
 * word; returns the page after them, with the bits that were set before in
 * *was_set (at their places in the word).
 */
FUZZ_UNTRACED static uint64_t dirty_mark(uint64_t first, uint64_t end, bool dirty, uint64_t *was_set)
{
    uint64_t w = first / FUZZ_DIRTY_BITS, bit = first % FUZZ_DIRTY_BITS;
    uint64_t span = FUZZ_DIRTY_BITS - bit < end - first ? FUZZ_DIRTY_BITS - bit : end - first;
    uint64_t mask = (span == FUZZ_DIRTY_BITS ? UINT64_MAX : (1ULL << span) - 1) << bit;
    *was_set = fuzz_dirty[w] & mask;
    if (dirty)
        fuzz_dirty[w] |= mask;
    else
        fuzz_dirty[w] &= ~mask;
    return first + span;
}

/*
 * Every caller in vmm/ reaches guest RAM through mem_ptr; the fuzz target is
 * linked with --wrap=mem_ptr so those calls come here first and the pages
 * they may write are marked.
 */
void *__real_mem_ptr(const struct guest_ram *ram, gpa_t addr, uint64_t len);
void *__wrap_mem_ptr(const struct guest_ram *ram, gpa_t addr, uint64_t len);

FUZZ_UNTRACED void *__wrap_mem_ptr(const struct guest_ram *ram, gpa_t addr, uint64_t len)
{
    uint8_t *host = __real_mem_ptr(ram, addr, len);
    uint64_t checked = len ? len : 1, was_set;
    if (!host || !in_fuzz_ram(host, checked))
        return host;
    uint64_t off = (uint64_t)(host - fuzz_ram_range.host);
    uint64_t page = off / MEM_PAGE_SIZE, end = (off + checked + MEM_PAGE_SIZE - 1) / MEM_PAGE_SIZE;
    if (end == page + 1) { /* most calls: one page-table page, one piece of a copy */
        fuzz_dirty[page / FUZZ_DIRTY_BITS] |= 1ULL << (page % FUZZ_DIRTY_BITS);
        return host;
    }
    while (page < end)
        page = dirty_mark(page, end, true, &was_set);
    return host;
}

/*
 * Speed: on guest RAM, the VMM's madvise(MADV_DONTNEED) (mem_discard) and
 * mprotect round trips (mem_invalidate) exist only to make KVM forget
 * translations, and each costs a TLB shootdown; here they dominated the run
 * time. Inside guest RAM they are replaced by what they mean for the
 * contents: DONTNEED zero-fills (private anonymous memory), mprotect leaves
 * them as they were. Anything else goes to the kernel.
 *
 * The zero-fill covers only the pages marked dirty: a freed VMO nobody wrote
 * costs a scan of its bits, whatever the inputs before it wrote elsewhere.
 * (Asking mincore which pages are resident, as before, stopped helping once
 * earlier inputs had touched most of the RAM: every page they zero-filled
 * stays resident, so a large VMO freed later was zero-filled in full.) A
 * real madvise was measured slower on these machines, page faults and TLB
 * flushes being expensive under kvm-pvm.
 */
FUZZ_UNTRACED static void zero_dirty(uint8_t *addr, size_t len)
{
    uint64_t off = (uint64_t)(addr - fuzz_ram_range.host);
    uint64_t first = (off + MEM_PAGE_SIZE - 1) / MEM_PAGE_SIZE, end = (off + len) / MEM_PAGE_SIZE;
    if (first >= end) { /* inside one page: mem_discard never asks this, but DONTNEED means zero */
        memset(addr, 0, len);
        return;
    }
    memset(addr, 0, first * MEM_PAGE_SIZE - off); /* partial pages at either end, likewise */
    memset(fuzz_ram_range.host + end * MEM_PAGE_SIZE, 0, off + len - end * MEM_PAGE_SIZE);
    for (uint64_t page = first, was_set; page < end;) {
        uint64_t next = dirty_mark(page, end, false, &was_set);
        uint8_t *word_base = fuzz_ram_range.host + (page - page % FUZZ_DIRTY_BITS) * MEM_PAGE_SIZE;
        while (was_set) { /* one memset per run of set bits */
            unsigned lo = (unsigned)__builtin_ctzll(was_set);
            uint64_t above = ~(was_set >> lo);
            unsigned run = above ? (unsigned)__builtin_ctzll(above) : FUZZ_DIRTY_BITS;
            memset(word_base + lo * MEM_PAGE_SIZE, 0, run * MEM_PAGE_SIZE);
            was_set = lo + run < FUZZ_DIRTY_BITS ? was_set & (UINT64_MAX << (lo + run)) : 0;
        }
        page = next;
    }
}

int madvise(void *addr, size_t len, int advice)
{
    if (!in_fuzz_ram(addr, len))
        return (int)syscall(SYS_madvise, addr, len, advice);
    if (advice == MADV_DONTNEED)
        zero_dirty(addr, len);
    return 0;
}

int mprotect(void *addr, size_t len, int prot)
{
    if (!in_fuzz_ram(addr, len))
        return (int)syscall(SYS_mprotect, addr, len, prot);
    return 0;
}

static struct fuzz_proc *proc_of(struct fuzz_vm *vm, const struct process *p)
{
    for (int i = 0; i < FUZZ_PROCESSES; i++)
        if (&vm->p[i].proc == p)
            return &vm->p[i];
    fuzz_fail("stop_process called for a process %p the VM does not have", (const void *)p);
}

/* objects.stop_process: there is no vCPU to kick; counts the calls (at most one per process). */
static void fuzz_stop_process(void *host, struct process *p)
{
    struct fuzz_proc *fp = proc_of(host, p);
    if (p->state != PROCESS_DYING)
        fuzz_fail("stop_process for %s in state %d, not DYING", p->name, (int)p->state);
    if (++fp->stops > 1)
        fuzz_fail("stop_process called %u times for %s", fp->stops, p->name);
}

/* Written by the console so the compiler keeps the reads. */
static volatile uint8_t fuzz_console_sink;

/* Console output is dropped, but every byte is read so that a bad buffer shows up under ASan. */
static void fuzz_console_write(void *host, const void *buf, size_t len)
{
    const uint8_t *bytes = buf;
    uint8_t x = 0;
    if (len > FUZZ_CONSOLE_MAX)
        fuzz_fail("console write of %zu bytes, more than zx_debug_write allows", len);
    for (size_t i = 0; i < len; i++)
        x ^= bytes[i];
    fuzz_console_sink = x;
}

/*
 * The VM's block(): never waits. The caller being killed gives -EINTR; when
 * the VM lets siblings exit, a killed sibling finishes here as its vCPU
 * thread would while the caller waits (0: look again); otherwise -ETIMEDOUT.
 */
static int fuzz_block(void *host, uint64_t deadline_ns)
{
    struct fuzz_proc *fp = host;
    struct fuzz_vm *vm = fp->vm;
    if (process_is_dying(&fp->proc))
        return -EINTR;
    if (!vm->sibling_exits)
        return -ETIMEDOUT;
    for (int i = 0; i < FUZZ_PROCESSES; i++) {
        if (vm->p[i].proc.state == PROCESS_DYING) {
            process_finish(&vm->objects, &vm->p[i].proc, PROCESS_END_KILL, ZX_TASK_RETCODE_SYSCALL_KILL);
            return 0;
        }
    }
    return -ETIMEDOUT;
}

void fuzz_vm_reap(struct fuzz_vm *vm)
{
    for (int i = 0; i < FUZZ_PROCESSES; i++)
        if (vm->p[i].proc.state == PROCESS_DYING)
            process_finish(&vm->objects, &vm->p[i].proc, PROCESS_END_KILL, ZX_TASK_RETCODE_SYSCALL_KILL);
}

bool fuzz_read_user(const struct fuzz_proc *p, uint64_t va, void *out, size_t len)
{
    struct pt_walk_ctx w = process_walk_ctx(&p->proc, &p->vm->env);
    return uaccess_copy_in(&w, out, va, len) == ZX_OK;
}

void fuzz_note_handle(struct fuzz_proc *p, zx_handle_t value)
{
    if (p->nhandles < FUZZ_MAX_HANDLES)
        p->handles[p->nhandles++] = value;
    else
        p->handles[FUZZ_FIXED_HANDLES_A + p->rotor++ % (FUZZ_MAX_HANDLES - FUZZ_FIXED_HANDLES_A)] = value;
}

void fuzz_note_addr(struct fuzz_vm *vm, uint64_t addr)
{
    vm->addrs[vm->naddrs++ % FUZZ_MAX_ADDRS] = addr;
}

/* Frames, shared images and the address-space environment every process shares. */
static void create_env(struct fuzz_vm *vm)
{
    const struct fuzz_files *f = vm->files;
    if (mem_frames_init(&vm->frames, vm->ram.size) != 0)
        fuzz_fail("mem_frames_init");
    if (image_load_shared(&vm->ram, &vm->frames, &f->shim, f->shim_file, &vm->env.shim_pa) != 0 ||
        image_load_shared(&vm->ram, &vm->frames, &f->vdso, f->vdso_file, &vm->env.vdso_pa) != 0)
        fuzz_fail("image_load_shared");
    vm->env.ram = &vm->ram;
    vm->env.frames = &vm->frames;
    vm->env.maxphyaddr = FUZZ_MAXPHYADDR;
    vm->env.shim = &f->shim;
    vm->env.vdso = &f->vdso;
    vm->env.fdt = f->fdt;
    vm->env.fdt_size = f->fdt_size;
    vm->frames_after_images = mem_frames_free_count(&vm->frames);
}

/* Creates process `i` as vm_add_process and vcpu_start would: built, then RUNNING. */
static void create_process(struct fuzz_vm *vm, int i)
{
    struct fuzz_proc *fp = &vm->p[i];
    char err[FUZZ_ERR_LEN] = "";
    char *argv[] = {vm->files->program, NULL};
    fp->vm = vm;
    pthread_mutex_lock(&vm->lock);
    int rc = process_create(&fp->proc, &vm->objects, 1, argv, err, sizeof(err));
    if (rc == 0) {
        fp->proc.host = fp;
        fp->proc.state = PROCESS_RUNNING;
        fp->proc.start_time = (zx_time_t)(syscall_host_now_ns() - vm->boot_ns);
    }
    pthread_mutex_unlock(&vm->lock);
    if (rc)
        fuzz_fail("process_create: %s", err);
    fp->env = (struct syscall_env){&vm->objects, &vm->env, &vm->options, vm->boot_ns, fuzz_console_write,
                                   fuzz_block,   fp};
    for (int h = 0; h < 3; h++)
        fuzz_note_handle(fp, fp->proc.start_handles[h]);
}

/* One setup syscall from A; anything but ZX_OK is a harness bug. */
static void setup_call(struct fuzz_vm *vm, uint64_t number, const uint64_t args[SYSCALL_MAX_ARGS])
{
    struct syscall_call c = {.env = &vm->p[0].env, .caller = &vm->p[0].proc};
    memcpy(c.arg, args, sizeof(c.arg));
    uint64_t ret = syscall_dispatch(&c, number);
    if (ret != ZX_OK)
        fuzz_fail("setup syscall %llu returned %lld", (unsigned long long)number, (long long)ret);
}

/* A creates a VMO, maps it read-write and takes a handle to B, all through syscalls. */
static void setup_objects(struct fuzz_vm *vm)
{
    struct fuzz_proc *a = &vm->p[0];
    const uint64_t out_vmo = FUZZ_SCRATCH, out_addr = FUZZ_SCRATCH + 8, out_b = FUZZ_SCRATCH + 16;
    zx_handle_t vmo, b;
    setup_call(vm, FUZZ_NR_zx_vmo_create,
               (uint64_t[SYSCALL_MAX_ARGS]){FUZZ_VMO_PAGES * ZXVMM_PAGE_SIZE, 0, out_vmo});
    if (!fuzz_read_user(a, out_vmo, &vmo, sizeof(vmo)))
        fuzz_fail("setup: VMO handle unreadable");
    setup_call(vm, FUZZ_NR_zx_vmar_map,
               (uint64_t[SYSCALL_MAX_ARGS]){a->proc.start_handles[1], ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0,
                                            vmo, 0, FUZZ_VMO_PAGES * ZXVMM_PAGE_SIZE, out_addr});
    setup_call(vm, FUZZ_NR_zx_object_get_child,
               (uint64_t[SYSCALL_MAX_ARGS]){a->proc.start_handles[2], vm->p[1].proc.obj.koid,
                                            ZX_RIGHT_SAME_RIGHTS, out_b});
    if (!fuzz_read_user(a, out_addr, &vm->vmo_addr, sizeof(vm->vmo_addr)) ||
        !fuzz_read_user(a, out_b, &b, sizeof(b)))
        fuzz_fail("setup: outputs unreadable");
    struct object *obj;
    if (handle_table_get(&a->proc.handles, vmo, &obj, NULL) != ZX_OK)
        fuzz_fail("setup: VMO handle not in A's table");
    vm->vmo_koid = obj->koid;
    fuzz_note_handle(a, vmo);
    fuzz_note_handle(a, b);
    fuzz_note_addr(vm, vm->vmo_addr);
}

void fuzz_vm_create(struct fuzz_vm *vm, const struct fuzz_files *f, const struct guest_ram *ram,
                    const struct boot_options *options, bool sibling_exits)
{
    memset(vm, 0, sizeof(*vm));
    vm->files = f;
    vm->ram = *ram;
    vm->options = *options;
    vm->sibling_exits = sibling_exits;
    vm->boot_ns = syscall_host_now_ns();
    create_env(vm);
    pthread_mutex_init(&vm->lock, NULL);
    pthread_cond_init(&vm->changed, NULL);
    objects_init(&vm->objects, &vm->lock, &vm->changed, &vm->env);
    vm->objects.stop_process = fuzz_stop_process;
    vm->objects.host = vm;
    for (int i = 0; i < FUZZ_PROCESSES; i++)
        create_process(vm, i);
    setup_objects(vm);
}

/* Frees a shared image's frames, zeroed as the VMM keeps free frames. */
static void release_image(struct fuzz_vm *vm, gpa_t pa, const struct elf_image *img)
{
    mem_discard(&vm->ram, pa, image_span(img));
    mem_frames_free(&vm->frames, pa, image_span(img) / MEM_PAGE_SIZE);
}

void fuzz_vm_destroy(struct fuzz_vm *vm)
{
    pthread_mutex_lock(&vm->lock);
    for (int i = 0; i < FUZZ_PROCESSES; i++)
        process_destroy(&vm->p[i].proc, &vm->objects);
    pthread_mutex_unlock(&vm->lock);
    if (vm->objects.root_job.nchildren != 0)
        fuzz_fail("%zu processes left in the job after teardown", vm->objects.root_job.nchildren);
    objects_destroy(&vm->objects);
    uint64_t free_now = mem_frames_free_count(&vm->frames);
    if (free_now != vm->frames_after_images)
        fuzz_fail("frames leaked: %llu free after teardown, %llu before the processes",
                  (unsigned long long)free_now, (unsigned long long)vm->frames_after_images);
    release_image(vm, vm->env.shim_pa, &vm->files->shim);
    release_image(vm, vm->env.vdso_pa, &vm->files->vdso);
    if (mem_frames_free_count(&vm->frames) != vm->frames.nframes - 1)
        fuzz_fail("frames still in use after the images were released");
    if (fuzz_check_zero)
        check_ram_zero(&vm->ram);
    mem_frames_destroy(&vm->frames);
    pthread_cond_destroy(&vm->changed);
    pthread_mutex_destroy(&vm->lock);
}
