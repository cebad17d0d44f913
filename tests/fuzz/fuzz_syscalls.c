/* fuzz_syscalls.c: libFuzzer entry point for the syscall handlers: each input is a sequence of calls. */
/*
 * Input: one flags byte (FUZZ_FLAG_*), then records, each a caller/number
 * byte and the arguments (see decode_number and decode_arg). Each input gets
 * a fresh VM (fuzz_layout.h). After each call: the return value is ZX_OK, a
 * ZX_ERR_* value or, for the time and page-size calls, a plausible value;
 * handles and addresses a call reports are real; the frame allocator's count
 * matches its bitmap. After the input: every frame came back.
 *
 * Besides the files read at start-up, only guest RAM outlives an input
 * (mapped once, for speed). It is as good as freshly mapped because the VMM
 * keeps free frames zero and every frame is free after the teardown: where
 * the VMM frees memory, the harness zero-fills each page of it the VMM was
 * handed a pointer into since the page was last zeroed (fuzz_layout.c), and
 * no byte is written any other way. ZXVMM_FUZZ_CHECK_ZERO=1 checks that all
 * of RAM is zero after each input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zircon/rights.h>
#include <zircon/syscalls/object.h>
#include <zircon/time.h>
#include <zircon/types.h>
#include <zxvmm/abi.h>

#include "fuzz_layout.h"

#define FUZZ_FLAG_NO_DEBUGGING 0x01 /* kernel.enable-debugging-syscalls=false */
#define FUZZ_FLAG_NO_SERIAL    0x02 /* kernel.enable-serial-syscalls=false */
#define FUZZ_FLAG_SIBLING_EXIT 0x04 /* block() lets a killed sibling finish */

#define FUZZ_MAX_CALLS    48
#define FUZZ_CALLER_B     0x80 /* in the number byte: the call comes from B */
#define FUZZ_NUMBER_TABLE 0x60 /* number byte (low 7 bits) below this: a number modulo the table size */
#define FUZZ_NUMBER_PAST  0x70 /* below this: just past the table; from here: a 64-bit literal */
#define FUZZ_UNUSED_ARG   0xa5a5a5a5a5a5a5a5ULL /* registers past a syscall's arity */
#define FUZZ_NONCANONICAL 0x0000800000000000ULL
#define FUZZ_64MIB        (64ULL << 20)
#define FUZZ_PAGE_DELTA   8     /* ARG_PAGES: n pages, then -8..+7 bytes */
#define FUZZ_CHECK_COPY   65536 /* process_{read,write}_memory contents are compared up to this size */
#define ZX_ERR_LOWEST     ZX_ERR_CONNECTION_ABORTED
#define FUZZ_KIND_MASK    0x0f /* argument selector: the kind */
#define FUZZ_PARAM_SHIFT  4    /* argument selector: the parameter p above the kind */
#define FUZZ_HANDLE_OTHER 0x8  /* ARG_HANDLE p: the other process's handles */
#define FUZZ_HANDLE_TWEAK 0x3  /* ARG_HANDLE p: how the value is corrupted */
#define FUZZ_64MIB_PAGES  0x1  /* ARG_64MIB p: the offset counts pages */
#define FUZZ_BITMAP_WORD  64   /* frames per word of the allocator's bitmap */

static struct fuzz_files fuzz_files;
static struct guest_ram fuzz_ram;
static bool fuzz_trace; /* ZXVMM_FUZZ_TRACE set: each call and its result go to stderr */

/* Arguments each syscall takes, from the ABI's table; 0 where no syscall is. */
#define FUZZ_ARITY_ENTRY(num, name, nargs) [num] = (nargs),
static const unsigned fuzz_arity[ZXVMM_SYSCALL_COUNT] = {ZXVMM_SYSCALLS(FUZZ_ARITY_ENTRY)};
#undef FUZZ_ARITY_ENTRY

struct fuzz_input {
    const uint8_t *data;
    size_t size, pos;
};

/* The next `n` bytes (n <= 8) little-endian; bytes past the end read as zero. */
static uint64_t take(struct fuzz_input *in, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++, in->pos++)
        if (in->pos < in->size)
            v |= (uint64_t)in->data[in->pos] << (8 * i);
    return v;
}

static int64_t take_s16(struct fuzz_input *in)
{
    return (int16_t)(uint16_t)take(in, 2);
}

/* Argument kinds: the low nibble of an argument's selector byte; the high nibble `p` tunes it. */
enum fuzz_arg_kind {
    ARG_LITERAL64,    /* 8 bytes */
    ARG_SMALL,        /* 1 byte + p * 256 */
    ARG_HANDLE,       /* a handle the caller (p & 8: the other process) knows; p & 3 perturbs it */
    ARG_STACK_LO,     /* stack bottom + s16 << p */
    ARG_STACK_HI,     /* stack top + s16 << p */
    ARG_PROGRAM,      /* program base + s16 << p */
    ARG_VMO_MAPPING,  /* A's VMO mapping + s16 << p */
    ARG_VDSO,         /* vDSO + s16 << p */
    ARG_KERNEL,       /* the shim (supervisor) + s16 << p */
    ARG_NONCANONICAL, /* the first non-canonical address + s16 << p */
    ARG_MAPPED,       /* an address zx_vmar_map returned (1 byte picks it) + s16 */
    ARG_PAGES,        /* 1 byte of pages, p - 8 bytes more */
    ARG_64MIB,        /* 64 MiB + s16 (pages when p & 1) */
    ARG_CONSTANT,     /* fuzz_constants[p] */
    ARG_KOID,         /* a koid of the layout */
    ARG_LITERAL32,    /* 4 bytes */
};

static const uint64_t fuzz_constants[16] = {
    0,
    1,
    UINT64_MAX,
    (uint64_t)INT64_MAX,
    (uint64_t)INT64_MIN,
    UINT32_MAX,
    ZX_RIGHT_SAME_RIGHTS,
    ZX_VM_PERM_READ | ZX_VM_PERM_WRITE,
    ZX_VM_SPECIFIC | ZX_VM_PERM_READ | ZX_VM_PERM_WRITE,
    ZX_VM_SPECIFIC_OVERWRITE | ZX_VM_PERM_READ,
    ZXVMM_PAGE_SIZE,
    ZX_INFO_HANDLE_BASIC,
    ZX_INFO_PROCESS,
    ZX_INFO_JOB_PROCESSES,
    ZX_INFO_VMAR,
    ZX_PROCESS_TERMINATED,
};

static uint64_t region(struct fuzz_input *in, uint64_t base, unsigned p)
{
    return base + (uint64_t)take_s16(in) * (1ULL << p);
}

static uint64_t handle_arg(struct fuzz_input *in, const struct fuzz_vm *vm, int caller, unsigned p)
{
    const struct fuzz_proc *fp = &vm->p[(p & FUZZ_HANDLE_OTHER) ? 1 - caller : caller];
    uint64_t h = fp->handles[take(in, 1) % fp->nhandles];
    switch (p & FUZZ_HANDLE_TWEAK) {
    case 1:
        return h ^ ZX_HANDLE_FIXED_BITS_MASK; /* never a valid value */
    case 2:
        return h + (ZX_HANDLE_FIXED_BITS_MASK + 1); /* a neighbouring value */
    case 3:
        return h | (1ULL << 32); /* bits above the 32 a handle has */
    default:
        return h;
    }
}

static uint64_t koid_arg(const struct fuzz_vm *vm, unsigned p)
{
    const uint64_t koids[] = {vm->p[0].proc.obj.koid, vm->p[1].proc.obj.koid, vm->objects.root_job.obj.koid,
                              vm->vmo_koid,           vm->objects.next_koid,  ZX_KOID_INVALID};
    return koids[p % (sizeof(koids) / sizeof(koids[0]))];
}

static uint64_t decode_arg(struct fuzz_input *in, const struct fuzz_vm *vm, int caller)
{
    unsigned sel = (unsigned)take(in, 1), p = sel >> FUZZ_PARAM_SHIFT;
    switch ((enum fuzz_arg_kind)(sel & FUZZ_KIND_MASK)) {
    case ARG_LITERAL64:
        return take(in, 8);
    case ARG_SMALL:
        return take(in, 1) + p * 256;
    case ARG_HANDLE:
        return handle_arg(in, vm, caller, p);
    case ARG_STACK_LO:
        return region(in, ZXVMM_STACK_TOP - ZXVMM_STACK_SIZE, p);
    case ARG_STACK_HI:
        return region(in, ZXVMM_STACK_TOP, p);
    case ARG_PROGRAM:
        return region(in, ZXVMM_PROGRAM_BASE, p);
    case ARG_VMO_MAPPING:
        return region(in, vm->vmo_addr, p);
    case ARG_VDSO:
        return region(in, ZXVMM_VDSO_BASE, p);
    case ARG_KERNEL:
        return region(in, ZXVMM_SHIM_BASE, p);
    case ARG_NONCANONICAL:
        return region(in, FUZZ_NONCANONICAL, p);
    case ARG_MAPPED: {
        unsigned n = vm->naddrs < FUZZ_MAX_ADDRS ? vm->naddrs : FUZZ_MAX_ADDRS;
        return vm->addrs[take(in, 1) % n] + (uint64_t)take_s16(in);
    }
    case ARG_PAGES:
        return take(in, 1) * ZXVMM_PAGE_SIZE + p - FUZZ_PAGE_DELTA;
    case ARG_64MIB:
        return FUZZ_64MIB + (uint64_t)take_s16(in) * ((p & FUZZ_64MIB_PAGES) ? ZXVMM_PAGE_SIZE : 1);
    case ARG_CONSTANT:
        return fuzz_constants[p];
    case ARG_KOID:
        return koid_arg(vm, p);
    case ARG_LITERAL32:
        return take(in, 4);
    }
    return 0;
}

/* The number byte: the caller in its top bit, then a number in the table, just past it, or any. */
static uint64_t decode_number(struct fuzz_input *in, int *caller)
{
    unsigned b = (unsigned)take(in, 1);
    *caller = (b & FUZZ_CALLER_B) ? 1 : 0;
    b &= ~FUZZ_CALLER_B;
    if (b < FUZZ_NUMBER_TABLE)
        return b % ZXVMM_SYSCALL_COUNT;
    if (b < FUZZ_NUMBER_PAST)
        return ZXVMM_SYSCALL_COUNT + (b - FUZZ_NUMBER_TABLE);
    return take(in, 8);
}

static bool known_number(uint64_t number)
{
    return number < ZXVMM_SYSCALL_COUNT && number != 0;
}

static zx_time_t zx_now(const struct fuzz_vm *vm)
{
    return (zx_time_t)(syscall_host_now_ns() - vm->boot_ns);
}

static zx_time_t add_saturating(zx_time_t a, int64_t b)
{
    zx_time_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        return b > 0 ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
    return sum;
}

/* The value a call returned, given the time before and after it. */
static void check_return(const struct fuzz_vm *vm, const struct syscall_call *c, uint64_t number,
                         uint64_t ret, zx_time_t t0, zx_time_t t1)
{
    int64_t v = (int64_t)ret;
    if (c->exit != (number == FUZZ_NR_zx_process_exit))
        fuzz_fail("syscall %llu: exit flag %d", (unsigned long long)number, c->exit);
    if (!known_number(number)) {
        if (v != ZX_ERR_BAD_SYSCALL)
            fuzz_fail("unknown syscall %llu returned %lld", (unsigned long long)number, (long long)v);
        return;
    }
    switch (number) {
    case FUZZ_NR_zx_system_get_page_size:
        if (ret != ZXVMM_PAGE_SIZE)
            fuzz_fail("zx_system_get_page_size returned %llu", (unsigned long long)ret);
        return;
    case FUZZ_NR_zx_clock_get_monotonic:
        if (v < t0 || v > t1)
            fuzz_fail("zx_clock_get_monotonic returned %lld outside [%lld, %lld]", (long long)v,
                      (long long)t0, (long long)t1);
        return;
    case FUZZ_NR_zx_deadline_after:
        if (v < add_saturating(t0, (int64_t)c->arg[0]) || v > add_saturating(t1, (int64_t)c->arg[0]))
            fuzz_fail("zx_deadline_after(%lld) returned %lld", (long long)c->arg[0], (long long)v);
        return;
    case FUZZ_NR_zx_process_write_memory:
        if (!vm->options.enable_debugging_syscalls && v != ZX_ERR_NOT_SUPPORTED)
            fuzz_fail("zx_process_write_memory without debugging syscalls returned %lld", (long long)v);
        break;
    case FUZZ_NR_zx_debug_write:
        if (!vm->options.enable_serial_syscalls && v != ZX_ERR_NOT_SUPPORTED)
            fuzz_fail("zx_debug_write without serial syscalls returned %lld", (long long)v);
        break;
    default:
        break;
    }
    if (v != ZX_OK && (v > ZX_ERR_INTERNAL || v < ZX_ERR_LOWEST))
        fuzz_fail("syscall %llu returned %lld, not a status", (unsigned long long)number, (long long)v);
}

/* A handle a successful call stored at `out`: readable, well-formed and live in the caller's table. */
static void check_new_handle(struct fuzz_proc *fp, uint64_t number, uint64_t out)
{
    zx_handle_t h;
    if (!fuzz_read_user(fp, out, &h, sizeof(h)))
        fuzz_fail("syscall %llu: ZX_OK but its handle at 0x%llx is unreadable", (unsigned long long)number,
                  (unsigned long long)out);
    if ((h & ZX_HANDLE_FIXED_BITS_MASK) != ZX_HANDLE_FIXED_BITS_MASK)
        fuzz_fail("syscall %llu gave handle 0x%x without the fixed bits", (unsigned long long)number, h);
    if (handle_table_get(&fp->proc.handles, h, &(struct object *){NULL}, NULL) != ZX_OK)
        fuzz_fail("syscall %llu gave handle 0x%x that is not in the table", (unsigned long long)number, h);
    fuzz_note_handle(fp, h);
}

/* After a successful process_{read,write}_memory: the count is sane and the bytes match. */
static void check_memory_copy(struct fuzz_vm *vm, struct fuzz_proc *fp, const struct syscall_call *c)
{
    uint64_t vaddr = c->arg[1], buffer = c->arg[2], size = c->arg[3], actual;
    if (!fuzz_read_user(fp, c->arg[4], &actual, sizeof(actual)))
        fuzz_fail("process memory: ZX_OK but *actual at 0x%llx is unreadable", (unsigned long long)c->arg[4]);
    if (actual == 0 || actual > size)
        fuzz_fail("process memory: actual %llu for size %llu", (unsigned long long)actual,
                  (unsigned long long)size);
    struct object *obj;
    if (handle_table_get(&fp->proc.handles, (zx_handle_t)c->arg[0], &obj, NULL) != ZX_OK)
        fuzz_fail("process memory: ZX_OK for a handle not in the table");
    struct fuzz_proc *target = (struct fuzz_proc *)((struct process *)obj)->host;
    if (target == fp || actual > FUZZ_CHECK_COPY)
        return; /* source and destination may overlap within one process */
    if (c->arg[4] < buffer + actual && buffer < c->arg[4] + sizeof(actual))
        return; /* *actual was stored over the caller's copy */
    uint8_t *mine = malloc(actual), *theirs = malloc(actual);
    if (!mine || !theirs)
        fuzz_fail("out of host memory");
    /* The target's bytes need not be user-readable in full, only present: compare when they are. */
    if (fuzz_read_user(fp, buffer, mine, actual) && fuzz_read_user(target, vaddr, theirs, actual) &&
        memcmp(mine, theirs, actual) != 0)
        fuzz_fail("process memory: %llu bytes copied but they differ", (unsigned long long)actual);
    free(mine);
    free(theirs);
}

/* What a successful call produced: handles and mapping addresses to reuse, copies to compare. */
static void check_outputs(struct fuzz_vm *vm, struct fuzz_proc *fp, const struct syscall_call *c,
                          uint64_t number)
{
    switch (number) {
    case FUZZ_NR_zx_handle_duplicate:
    case FUZZ_NR_zx_handle_replace:
    case FUZZ_NR_zx_vmo_create:
        check_new_handle(fp, number, c->arg[2]);
        break;
    case FUZZ_NR_zx_object_get_child:
        check_new_handle(fp, number, c->arg[3]);
        break;
    case FUZZ_NR_zx_vmar_map: {
        uint64_t addr;
        if (!fuzz_read_user(fp, c->arg[6], &addr, sizeof(addr)))
            fuzz_fail("zx_vmar_map: ZX_OK but the address is unreadable");
        fuzz_note_addr(vm, addr);
        break;
    }
    case FUZZ_NR_zx_process_read_memory:
    case FUZZ_NR_zx_process_write_memory:
        check_memory_copy(vm, fp, c);
        break;
    default:
        break;
    }
}

/* The allocator's free count matches its bitmap (bits past the last frame read as used). */
FUZZ_UNTRACED static void check_frames(struct frame_alloc *fa)
{
    uint64_t free_count = mem_frames_free_count(fa), zeros = 0;
    for (uint64_t w = 0; w < (fa->nframes + FUZZ_BITMAP_WORD - 1) / FUZZ_BITMAP_WORD; w++)
        zeros += (uint64_t)__builtin_popcountll(~fa->bitmap[w]);
    if (free_count > fa->nframes || free_count != zeros)
        fuzz_fail("frame allocator: %llu free of %llu, bitmap says %llu", (unsigned long long)free_count,
                  (unsigned long long)fa->nframes, (unsigned long long)zeros);
}

static void trace_call(int caller, uint64_t number, const struct syscall_call *c, uint64_t ret)
{
    if (!fuzz_trace)
        return;
    fprintf(stderr, "%c: %llu(", 'A' + caller, (unsigned long long)number);
    for (int i = 0; i < SYSCALL_MAX_ARGS; i++)
        fprintf(stderr, "%s%#llx", i ? ", " : "", (unsigned long long)c->arg[i]);
    fprintf(stderr, ") = %lld\n", (long long)ret);
}

/* One call from process `caller`, then what its vCPU thread would do: end the caller on exit, reap kills. */
static void run_call(struct fuzz_vm *vm, int caller, uint64_t number, const uint64_t args[SYSCALL_MAX_ARGS])
{
    struct fuzz_proc *fp = &vm->p[caller];
    struct syscall_call c = {.env = &fp->env, .caller = &fp->proc};
    memcpy(c.arg, args, sizeof(c.arg));
    zx_time_t t0 = zx_now(vm);
    uint64_t ret = syscall_dispatch(&c, number);
    zx_time_t t1 = zx_now(vm);
    trace_call(caller, number, &c, ret);
    check_return(vm, &c, number, ret, t0, t1);
    pthread_mutex_lock(&vm->lock);
    if (ret == ZX_OK && known_number(number))
        check_outputs(vm, fp, &c, number);
    check_frames(&vm->frames);
    if (c.exit)
        process_finish(&vm->objects, &fp->proc, PROCESS_END_EXIT, c.exit_code);
    fuzz_vm_reap(vm);
    pthread_mutex_unlock(&vm->lock);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (fuzz_files_load(&fuzz_files) != 0 || fuzz_ram_map(&fuzz_ram) != 0) {
        fprintf(stderr, "fuzz_syscalls: cannot set up the VM\n");
        exit(1);
    }
    fuzz_trace = getenv("ZXVMM_FUZZ_TRACE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = {data, size, 0};
    unsigned flags = (unsigned)take(&in, 1);
    struct boot_options options = fuzz_files.options;
    if (flags & FUZZ_FLAG_NO_DEBUGGING)
        options.enable_debugging_syscalls = false;
    if (flags & FUZZ_FLAG_NO_SERIAL)
        options.enable_serial_syscalls = false;
    static struct fuzz_vm vm;
    fuzz_vm_create(&vm, &fuzz_files, &fuzz_ram, &options, flags & FUZZ_FLAG_SIBLING_EXIT);
    for (int n = 0; n < FUZZ_MAX_CALLS && in.pos < in.size; n++) {
        int caller;
        uint64_t number = decode_number(&in, &caller);
        unsigned nargs = known_number(number) ? fuzz_arity[number] : SYSCALL_MAX_ARGS;
        uint64_t args[SYSCALL_MAX_ARGS];
        for (unsigned i = 0; i < SYSCALL_MAX_ARGS; i++)
            args[i] = i < nargs ? decode_arg(&in, &vm, caller) : FUZZ_UNUSED_ARG;
        if (vm.p[0].proc.state != PROCESS_RUNNING && vm.p[1].proc.state != PROCESS_RUNNING)
            break;
        if (vm.p[caller].proc.state == PROCESS_RUNNING)
            run_call(&vm, caller, number, args);
    }
    fuzz_vm_destroy(&vm);
    return 0;
}
