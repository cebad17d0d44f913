/* seccomp.c: the per-role seccomp allowlists, built with libseccomp, and the SIGSYS report. */
#include "vm/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/kvm.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <seccomp.h>

/* libseccomp's SCMP_A*_32 macros leave a comparison's second datum to zero-initialisation, which clang's
 * -Wmissing-field-initializers reports (the fuzz build compiles this file with clang). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm/syscall_names.h"
#include "vm/vcpu.h"

#define SECCOMP_LINE_MAX 160

/* System call names by number, resolved by libseccomp at build time (vm/gen/syscall_names.c). */
static const char *const syscall_names[SYSCALL_NAMES_MAX] = {
#include "syscall_names.inc"
};
static pthread_once_t seccomp_once = PTHREAD_ONCE_INIT;
static int seccomp_prepare_error;
/* The calling thread's role, for the report (-1 while it has no filter). */
static __thread int seccomp_role = -1;

/* The KVM ioctls a vCPU thread makes after set-up: the run loop, exception reports and the debug core's
 * register access (vcpu_x86_64.c). KVM_SET_CPUID2 and KVM_SET_MSRS are set-up only. */
static const unsigned long seccomp_vcpu_ioctls[] = {
    KVM_RUN,       KVM_GET_REGS,  KVM_SET_REGS,      KVM_GET_SREGS,     KVM_SET_SREGS,
    KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
};

/* Calls every thread makes with any arguments: locks and condition variables, time, its own exit, the
 * allocator giving memory back, signal returns (the vCPU kick), and waiting for an output descriptor that
 * takes no bytes (stdout and a --trace pipe, which any thread may write, are polled in slices, to see a
 * stop).
 */
static const int seccomp_runtime_calls[] = {
    SCMP_SYS(futex),        SCMP_SYS(clock_gettime),  SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
    SCMP_SYS(gettimeofday), SCMP_SYS(getpid),         SCMP_SYS(gettid),          SCMP_SYS(sched_yield),
    SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(restart_syscall), SCMP_SYS(exit),
    SCMP_SYS(exit_group),   SCMP_SYS(madvise),        SCMP_SYS(munmap),          SCMP_SYS(brk),
    SCMP_SYS(mremap),       SCMP_SYS(getrandom),      SCMP_SYS(fstat),           SCMP_SYS(poll),
    SCMP_SYS(ppoll),
};

static const int seccomp_main_calls[] = {SCMP_SYS(close), SCMP_SYS(lseek)};

static const int seccomp_gdb_calls[] = {SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(close)};

const char *vm_seccomp_syscall_name(int nr)
{
    return nr >= 0 && nr < SYSCALL_NAMES_MAX ? syscall_names[nr] : NULL;
}

const char *vm_seccomp_role_name(enum vm_seccomp_role role)
{
    switch (role) {
    case VM_SECCOMP_MAIN:
        return "main";
    case VM_SECCOMP_VCPU:
        return "vCPU";
    case VM_SECCOMP_GDB:
        return "gdb stub";
    case VM_SECCOMP_CLOCK:
        return "scenario clock";
    }
    return "unknown";
}

static void append(char *line, size_t *n, const char *s)
{
    while (*s && *n < SECCOMP_LINE_MAX)
        line[(*n)++] = *s++;
}

static void append_decimal(char *line, size_t *n, long v)
{
    char digits[24];
    size_t k = 0;
    unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
    do {
        digits[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        append(line, n, "-");
    while (k > 0 && *n < SECCOMP_LINE_MAX)
        line[(*n)++] = digits[--k];
}

/* SIGSYS from a filter: one line on stderr, then the whole of zxvmm ends. Async-signal-safe calls only. */
static void sigsys_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)sig;
    (void)uctx;
    char line[SECCOMP_LINE_MAX];
    size_t n = 0;
    int nr = info->si_syscall;
    append(line, &n, "zxvmm: seccomp: forbidden system call ");
    if (info->si_arch != AUDIT_ARCH_X86_64)
        append(line, &n, "of a foreign ABI");
    else if (vm_seccomp_syscall_name(nr))
        append(line, &n, vm_seccomp_syscall_name(nr));
    else
        append(line, &n, "unknown");
    append(line, &n, " (");
    append_decimal(line, &n, nr);
    append(line, &n, ") in ");
    append(line, &n,
           seccomp_role >= 0 ? vm_seccomp_role_name((enum vm_seccomp_role)seccomp_role) : "unknown");
    append(line, &n, " thread\n");
    if (write(STDERR_FILENO, line, n) < 0) {
        /* nowhere left to say it: the exit status still does */
    }
    /* exit_group itself, not _exit(): a sanitizer's _exit interceptor makes calls of its own. */
    syscall(SYS_exit_group, VM_SECCOMP_EXIT_STATUS);
}

static void prepare_once(void)
{
    /* One malloc arena for every thread: glibc opens /proc/sys/vm/overcommit_memory the first time it
     * shrinks a thread arena's heap, and reads the CPU count from /sys once it has many arenas; a filtered
     * thread may open nothing. Threads still allocate small blocks from their own caches without the lock.
     * A sanitizer's allocator, which has no arenas, ignores this (and says so by returning 0). */
    mallopt(M_ARENA_MAX, 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = sigsys_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0)
        seccomp_prepare_error = -errno;
}

int vm_seccomp_prepare(void)
{
    pthread_once(&seccomp_once, prepare_once);
    return seccomp_prepare_error;
}

void vm_seccomp_config_init(struct vm_seccomp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->out_fds[0] = STDOUT_FILENO;
    cfg->out_fds[1] = STDERR_FILENO;
    cfg->nout_fds = 2;
    cfg->vcpu_fd = cfg->program_fd = cfg->gdb_listen_fd = cfg->gdb_wake_fd = -1;
}

int vm_seccomp_add_out_fd(struct vm_seccomp_config *cfg, int fd)
{
    if (cfg->nout_fds == VM_SECCOMP_MAX_OUT_FDS)
        return -ENOSPC;
    cfg->out_fds[cfg->nout_fds++] = fd;
    return 0;
}

static int allow_all(scmp_filter_ctx ctx, const int *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* What every role allows: the runtime calls, memory that never becomes executable, writes to the output
 * descriptors only, the vCPU kick and abort() signals to zxvmm's own threads only. */
static int add_common(scmp_filter_ctx ctx, const struct vm_seccomp_config *cfg)
{
    int rc = allow_all(ctx, seccomp_runtime_calls, sizeof(seccomp_runtime_calls) / sizeof(int));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
                              SCMP_A3_32(SCMP_CMP_EQ, AT_EMPTY_PATH));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                              SCMP_A2_32(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                              SCMP_A2_32(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    for (unsigned i = 0; rc == 0 && i < cfg->nout_fds; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)cfg->out_fds[i]));
    const int signals[] = {VCPU_KICK_SIGNAL, SIGABRT};
    for (unsigned i = 0; rc == 0 && i < sizeof(signals) / sizeof(signals[0]); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 2,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)getpid()),
                              SCMP_A2_32(SCMP_CMP_EQ, (uint32_t)signals[i]));
    return rc;
}

/* A vCPU thread: the KVM ioctls above, on its own vCPU fd only (ioctl is checked first: every exit makes
 * one), and reading its own program for a crash report's symbols. */
static int add_vcpu(scmp_filter_ctx ctx, const struct vm_seccomp_config *cfg)
{
    int rc = seccomp_syscall_priority(ctx, SCMP_SYS(ioctl), 255);
    for (size_t i = 0; rc == 0 && i < sizeof(seccomp_vcpu_ioctls) / sizeof(seccomp_vcpu_ioctls[0]); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)cfg->vcpu_fd),
                              SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)seccomp_vcpu_ioctls[i]));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pread64), 1,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)cfg->program_fd));
    return rc;
}

/* The main thread: closing what the VM held, and removing the --gdb unix socket when there is one. */
static int add_main(scmp_filter_ctx ctx, const struct vm_seccomp_config *cfg)
{
    int rc = allow_all(ctx, seccomp_main_calls, sizeof(seccomp_main_calls) / sizeof(int));
    if (rc == 0 && cfg->gdb_unix_socket)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlink), 0);
    return rc;
}

/* The gdb stub's thread: its listening socket, the wake-up pipe, the client connection; no new sockets. */
static int add_gdb(scmp_filter_ctx ctx, const struct vm_seccomp_config *cfg)
{
    int rc = allow_all(ctx, seccomp_gdb_calls, sizeof(seccomp_gdb_calls) / sizeof(int));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)cfg->gdb_listen_fd));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
                              SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)cfg->gdb_wake_fd));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
                              SCMP_A1_32(SCMP_CMP_EQ, IPPROTO_TCP), SCMP_A2_32(SCMP_CMP_EQ, TCP_NODELAY));
    return rc;
}

int vm_seccomp_install(enum vm_seccomp_role role, const struct vm_seccomp_config *cfg)
{
    int rc = vm_seccomp_prepare();
    if (rc != 0)
        return rc;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        return -ENOMEM;
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
    if (rc == 0)
        rc = add_common(ctx, cfg);
    if (rc == 0)
        rc = role == VM_SECCOMP_VCPU    ? add_vcpu(ctx, cfg)
             : role == VM_SECCOMP_GDB   ? add_gdb(ctx, cfg)
             : role == VM_SECCOMP_CLOCK ? 0 /* the common calls are all it makes */
                                        : add_main(ctx, cfg);
    sigset_t sigsys;
    sigemptyset(&sigsys);
    sigaddset(&sigsys, SIGSYS);
    if (rc == 0)
        rc = -pthread_sigmask(SIG_UNBLOCK, &sigsys, NULL);
    if (rc == 0) {
        seccomp_role = (int)role;
        rc = seccomp_load(ctx);
        if (rc != 0)
            seccomp_role = -1;
    }
    seccomp_release(ctx);
    return rc;
}
