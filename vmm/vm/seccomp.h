/* seccomp.h: the seccomp allowlists (libseccomp) each zxvmm thread installs once the VM is set up, one per
 * thread role, and the SIGSYS handler that reports a forbidden system call. */
#ifndef ZXVMM_VM_SECCOMP_H
#define ZXVMM_VM_SECCOMP_H

#include <stdbool.h>

/* What kind of thread a filter is for; each role allows only what that thread does after set-up. */
enum vm_seccomp_role {
    VM_SECCOMP_MAIN,  /* waits for the run, stops the vCPUs, reports and tears the VM down */
    VM_SECCOMP_VCPU,  /* one per process: KVM_RUN on its own vCPU and the syscalls served under it */
    VM_SECCOMP_GDB,   /* --gdb: the stub's socket, one client at a time */
    VM_SECCOMP_CLOCK, /* --scenario with `time` triggers: waits, then acts on processes (the common calls) */
};

/* zxvmm's exit status after a forbidden system call: 128 + SIGSYS, after the shell's convention for a
 * process ended by a signal (docs/cli.md). */
#define VM_SECCOMP_EXIT_STATUS 159

#define VM_SECCOMP_MAX_OUT_FDS 8

/* The descriptors a filter names in its argument checks (-1: none). */
struct vm_seccomp_config {
    int out_fds[VM_SECCOMP_MAX_OUT_FDS]; /* the only fds any thread may write(2): stdout, stderr, the
                                            --trace file, the gdb stub's wake-up pipe */
    unsigned nout_fds;
    int vcpu_fd;          /* VCPU: the only fd its ioctls may name */
    int program_fd;       /* VCPU: the only fd it may pread64 (its program, for the crash report) */
    int gdb_listen_fd;    /* GDB: the only fd it may accept4(2) on */
    int gdb_wake_fd;      /* GDB: the only fd it may read(2) (the wake-up pipe's read end) */
    bool gdb_unix_socket; /* MAIN: it removes the --gdb unix socket at the end (unlink) */
};

/* An empty configuration: stdout and stderr writable, no other descriptor named. */
void vm_seccomp_config_init(struct vm_seccomp_config *cfg);

/* Adds `fd` to the descriptors every thread may write. Returns 0, or -ENOSPC when the list is full. */
int vm_seccomp_add_out_fd(struct vm_seccomp_config *cfg, int fd);

/*
 * Once per process, before the first filter and before zxvmm starts any
 * thread: installs the SIGSYS handler and limits malloc to one arena (glibc
 * opens files lazily for thread arenas). Idempotent and thread-safe.
 * Returns 0 or -errno.
 */
int vm_seccomp_prepare(void);

/*
 * Installs `role`'s allowlist on the calling thread only (threads it creates
 * afterwards inherit it; zxvmm creates none after set-up). Any system call
 * outside the list raises SIGSYS, whose handler writes
 * "zxvmm: seccomp: forbidden system call NAME (NR) in ROLE thread" to stderr
 * and ends zxvmm with VM_SECCOMP_EXIT_STATUS. Calls vm_seccomp_prepare.
 * Returns 0 or -errno (libseccomp's status).
 */
int vm_seccomp_install(enum vm_seccomp_role role, const struct vm_seccomp_config *cfg);

/* The name of x86-64 system call `nr` as the report prints it, or NULL when libseccomp knew none when
 * zxvmm was built. Async-signal-safe. */
const char *vm_seccomp_syscall_name(int nr);

/* "main", "vCPU", "gdb stub" or "scenario clock": the word the report uses. */
const char *vm_seccomp_role_name(enum vm_seccomp_role role);

#endif
