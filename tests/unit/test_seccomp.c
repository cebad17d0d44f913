/* test_seccomp.c: each thread role's seccomp allowlist, installed in a forked child: every call the role
 * makes still works, and a forbidden one ends the child with the report line and status 159. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/kvm.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vm/seccomp.h"
#include "vm/syscall_names.h"
#include "vm/vcpu.h"

/* What the child left behind: its wait status and what it wrote to stderr. */
struct child {
    int status;
    char err[512];
};

/* Descriptors opened before the filter, as zxvmm's set-up opens its own. */
struct fds {
    int vcpu;      /* stands for the vCPU fd (/dev/null: every KVM ioctl fails with ENOTTY, unfiltered) */
    int other;     /* any other descriptor (/dev/null again) */
    int program;   /* stands for the vCPU's program (this test's own executable) */
    int pipe[2];   /* [0] the gdb stub's wake-up read end, [1] a descriptor not in the output list */
    int listen;    /* stands for the gdb stub's listening socket */
    int client[2]; /* a connected socket pair, for the stub's send and receive */
};

static struct fds fds;
static struct vm_seccomp_config cfg;

static void kick(int sig)
{
    (void)sig;
}

static void setup(void)
{
    fds.vcpu = open("/dev/null", O_RDWR | O_CLOEXEC);
    fds.other = open("/dev/null", O_RDWR | O_CLOEXEC);
    fds.program = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    cr_assert(fds.vcpu >= 0 && fds.other >= 0 && fds.program >= 0);
    cr_assert_eq(pipe2(fds.pipe, O_CLOEXEC | O_NONBLOCK), 0);
    fds.listen = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    cr_assert(fds.listen >= 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.client), 0);
    vm_seccomp_config_init(&cfg);
    cfg.vcpu_fd = fds.vcpu;
    cfg.program_fd = fds.program;
    cfg.gdb_listen_fd = fds.listen;
    cfg.gdb_wake_fd = fds.pipe[0];
    signal(VCPU_KICK_SIGNAL, kick);
}

static void teardown(void)
{
    close(fds.vcpu);
    close(fds.other);
    close(fds.program);
    close(fds.pipe[0]);
    close(fds.pipe[1]);
    close(fds.listen);
    close(fds.client[0]);
    close(fds.client[1]);
}

/* Forks; the child installs `role`'s filter, runs `body` and exits with its result (exit_group itself, so no
 * exit handler runs). */
static struct child run_child(enum vm_seccomp_role role, int (*body)(void))
{
    struct child c = {0};
    int out[2];
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDERR_FILENO);
        close(out[0]);
        int rc = vm_seccomp_install(role, &cfg) == 0 ? body() : 90;
        syscall(SYS_exit_group, rc);
    }
    close(out[1]);
    size_t n = 0;
    ssize_t got;
    while ((got = read(out[0], c.err + n, sizeof(c.err) - 1 - n)) > 0)
        n += (size_t)got;
    close(out[0]);
    cr_assert_eq(waitpid(pid, &c.status, 0), pid);
    return c;
}

/* The child ran `body` to its end: no call was refused. */
static void expect_allowed(enum vm_seccomp_role role, int (*body)(void))
{
    struct child c = run_child(role, body);
    cr_assert(WIFEXITED(c.status), "the child died of signal %d; stderr: %s", WTERMSIG(c.status), c.err);
    cr_assert_eq(WEXITSTATUS(c.status), 0, "status %d; stderr: %s", WEXITSTATUS(c.status), c.err);
    cr_assert_str_empty(c.err);
}

/* The child was ended by the filter at `call` ("NAME (NR)"), with the report line and status 159. */
static void expect_forbidden(enum vm_seccomp_role role, int (*body)(void), const char *call)
{
    struct child c = run_child(role, body);
    char line[160];
    snprintf(line, sizeof(line), "zxvmm: seccomp: forbidden system call %s in %s thread\n", call,
             vm_seccomp_role_name(role));
    cr_assert(WIFEXITED(c.status), "the child died of signal %d; stderr: %s", WTERMSIG(c.status), c.err);
    cr_assert_eq(WEXITSTATUS(c.status), VM_SECCOMP_EXIT_STATUS, "status %d; stderr: %s",
                 WEXITSTATUS(c.status), c.err);
    cr_assert_str_eq(c.err, line);
}

/* Calls every thread makes, as system calls (not the vDSO), each checked for its real result. */
static int common_calls(void)
{
    struct timespec ts, short_sleep = {0, 1000};
    int futex_word = 0;
    if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0 ||
        syscall(SYS_nanosleep, &short_sleep, NULL) != 0 ||
        syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &short_sleep, NULL) != 0)
        return 1;
    if (syscall(SYS_futex, &futex_word, FUTEX_WAKE, 1, NULL, NULL, 0) != 0)
        return 2;
    if (syscall(SYS_getpid) != getpid() || syscall(SYS_gettid) <= 0 || syscall(SYS_sched_yield) != 0)
        return 3;
    char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || madvise(p, 1 << 20, MADV_DONTNEED) != 0)
        return 4;
    p = mremap(p, 1 << 20, 2 << 20, MREMAP_MAYMOVE);
    if (p == MAP_FAILED || mprotect(p, 4096, PROT_READ) != 0 || munmap(p, 2 << 20) != 0 ||
        syscall(SYS_brk, 0) == 0)
        return 5;
    char random[8];
    struct stat st;
    if (syscall(SYS_getrandom, random, sizeof(random), 0) != sizeof(random) ||
        fstat(STDERR_FILENO, &st) != 0 || fstatat(STDERR_FILENO, "", &st, AT_EMPTY_PATH) != 0)
        return 6;
    if (write(STDOUT_FILENO, "", 0) != 0 || write(STDERR_FILENO, "", 0) != 0)
        return 7;
    /* Waiting for an output that takes no bytes (stdout, a --trace pipe): poll(2) in slices. */
    struct pollfd out[1] = {{STDERR_FILENO, POLLOUT, 0}};
    struct timespec zero = {0, 0};
    if (poll(out, 1, 0) < 0 || ppoll(out, 1, &zero, NULL) < 0)
        return 11;
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_BLOCK, &none, NULL) != 0 ||
        syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), VCPU_KICK_SIGNAL) != 0)
        return 8; /* the kick's handler returns through rt_sigreturn */
    /* What the run loop's locks and timed waits come down to. */
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    struct timespec soon;
    clock_gettime(CLOCK_REALTIME, &soon);
    soon.tv_nsec += 1000000;
    if (soon.tv_nsec >= 1000000000) {
        soon.tv_sec++;
        soon.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m);
    int rc = pthread_cond_timedwait(&cond, &m, &soon);
    pthread_mutex_unlock(&m);
    if (rc != ETIMEDOUT)
        return 9;
    void *big = malloc(8 << 20); /* the allocator maps and unmaps */
    if (!big)
        return 10;
    memset(big, 1, 8 << 20);
    free(big);
    return 0;
}

static int vcpu_calls(void)
{
    const unsigned long requests[] = {KVM_RUN,       KVM_GET_REGS,      KVM_SET_REGS,
                                      KVM_GET_SREGS, KVM_SET_SREGS,     KVM_GET_XSAVE,
                                      KVM_SET_XSAVE, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS};
    char arg[4096] = {0};
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
        if (syscall(SYS_ioctl, fds.vcpu, requests[i], arg) != -1 || errno != ENOTTY)
            return 20;
    char elf[4];
    if (pread(fds.program, elf, sizeof(elf), 0) != sizeof(elf) || memcmp(elf, "\177ELF", 4) != 0)
        return 21; /* a crash report reads the program's symbols */
    return common_calls();
}

static int main_calls(void)
{
    if (lseek(fds.other, 0, SEEK_SET) != 0 || close(fds.other) != 0)
        return 30;
    return common_calls();
}

static int main_unlink(void)
{
    return unlink("/nonexistent/zxvmm-gdb.sock") == -1 && errno == ENOENT ? 0 : 31;
}

static int gdb_calls(void)
{
    struct pollfd p[1] = {{fds.pipe[0], POLLIN, 0}};
    struct timespec zero = {0, 0};
    char b;
    if (poll(p, 1, 0) != 0 || ppoll(p, 1, &zero, NULL) != 0 || read(fds.pipe[0], &b, 1) != -1 ||
        errno != EAGAIN)
        return 40;
    if (accept4(fds.listen, NULL, NULL, SOCK_CLOEXEC) != -1) /* not listening: refused by the socket layer */
        return 41;
    if (send(fds.client[0], "x", 1, MSG_NOSIGNAL) != 1 || recv(fds.client[1], &b, 1, 0) != 1 || b != 'x')
        return 42;
    int one = 1;
    setsockopt(fds.client[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* fails on a unix socket */
    if (close(fds.client[0]) != 0)
        return 43;
    return common_calls();
}

/* Forbidden calls, one per body. */
static int call_execve(void)
{
    char *const argv[] = {"true", NULL};
    execve("/bin/true", argv, argv + 1);
    return 1;
}

static int call_open_new_file(void)
{
    open("/nonexistent/zxvmm-new-file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    return 1;
}

static int call_socket(void)
{
    socket(AF_INET, SOCK_STREAM, 0);
    return 1;
}

static int call_fork(void)
{
    if (syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0) == 0)
        syscall(SYS_exit_group, 0);
    return 1;
}

static int call_mmap_exec(void)
{
    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return 1;
}

static int call_mprotect_exec(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    return 1;
}

/* Returns 1 once the byte is written (the filter let it through). */
static int call_write_other_fd(void)
{
    return write(fds.pipe[1], "x", 1) == 1 ? 1 : 2;
}

static int call_tgkill_other_signal(void)
{
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGTERM);
    return 1;
}

static int call_kill(void)
{
    kill(getpid(), VCPU_KICK_SIGNAL);
    return 1;
}

static int call_setup_ioctl(void)
{
    syscall(SYS_ioctl, fds.vcpu, KVM_CREATE_VCPU, 0);
    return 1;
}

static int call_run_on_other_fd(void)
{
    syscall(SYS_ioctl, fds.other, KVM_RUN, 0);
    return 1;
}

static int call_accept_other_fd(void)
{
    accept4(fds.client[0], NULL, NULL, 0);
    return 1;
}

static int call_read_other_fd(void)
{
    char b;
    if (read(fds.other, &b, 1) < 0)
        return 2;
    return 1;
}

static int call_pread_other_fd(void)
{
    char b;
    if (pread(fds.other, &b, 1, 0) < 0)
        return 2;
    return 1;
}

static int call_setsockopt_reuseaddr(void)
{
    int one = 1;
    setsockopt(fds.listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    return 1;
}

static int call_close(void)
{
    close(fds.other);
    return 1;
}

TestSuite(seccomp, .init = setup, .fini = teardown);

Test(seccomp, vcpu_role_allows_every_call_the_run_loop_makes)
{
    expect_allowed(VM_SECCOMP_VCPU, vcpu_calls);
}

Test(seccomp, main_role_allows_every_call_the_main_thread_makes)
{
    expect_allowed(VM_SECCOMP_MAIN, main_calls);
}

Test(seccomp, gdb_role_allows_every_call_the_stub_makes)
{
    expect_allowed(VM_SECCOMP_GDB, gdb_calls);
}

Test(seccomp, main_role_may_remove_the_gdb_unix_socket_only_when_there_is_one)
{
    cfg.gdb_unix_socket = true;
    expect_allowed(VM_SECCOMP_MAIN, main_unlink);
    cfg.gdb_unix_socket = false;
    expect_forbidden(VM_SECCOMP_MAIN, main_unlink, "unlink (87)");
}

Test(seccomp, every_role_refuses_execve)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_execve, "execve (59)");
    expect_forbidden(VM_SECCOMP_MAIN, call_execve, "execve (59)");
    expect_forbidden(VM_SECCOMP_GDB, call_execve, "execve (59)");
}

Test(seccomp, every_role_refuses_to_open_a_new_file)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_open_new_file, "openat (257)");
    expect_forbidden(VM_SECCOMP_MAIN, call_open_new_file, "openat (257)");
    expect_forbidden(VM_SECCOMP_GDB, call_open_new_file, "openat (257)");
}

Test(seccomp, every_role_refuses_new_sockets_the_stub_included)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_socket, "socket (41)");
    expect_forbidden(VM_SECCOMP_MAIN, call_socket, "socket (41)");
    expect_forbidden(VM_SECCOMP_GDB, call_socket, "socket (41)");
}

Test(seccomp, every_role_refuses_new_processes_and_threads)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_fork, "clone (56)");
    expect_forbidden(VM_SECCOMP_MAIN, call_fork, "clone (56)");
    expect_forbidden(VM_SECCOMP_GDB, call_fork, "clone (56)");
}

Test(seccomp, no_role_may_make_memory_executable)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_mmap_exec, "mmap (9)");
    expect_forbidden(VM_SECCOMP_MAIN, call_mprotect_exec, "mprotect (10)");
    expect_forbidden(VM_SECCOMP_GDB, call_mmap_exec, "mmap (9)");
}

Test(seccomp, writes_go_only_to_the_output_descriptors)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_write_other_fd, "write (1)");
    expect_forbidden(VM_SECCOMP_MAIN, call_write_other_fd, "write (1)");
    expect_forbidden(VM_SECCOMP_GDB, call_write_other_fd, "write (1)");
}

Test(seccomp, an_added_output_descriptor_may_be_written)
{
    cr_assert_eq(vm_seccomp_add_out_fd(&cfg, fds.pipe[1]), 0);
    struct child c = run_child(VM_SECCOMP_VCPU, call_write_other_fd);
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 1, "status 0x%x; stderr: %s", c.status, c.err);
    char b;
    cr_assert_eq(read(fds.pipe[0], &b, 1), 1);
    cr_assert_eq(b, 'x');
}

Test(seccomp, the_output_descriptor_list_is_bounded)
{
    struct vm_seccomp_config full;
    vm_seccomp_config_init(&full);
    cr_assert_eq(full.nout_fds, 2);
    while (full.nout_fds < VM_SECCOMP_MAX_OUT_FDS)
        cr_assert_eq(vm_seccomp_add_out_fd(&full, 100 + (int)full.nout_fds), 0);
    cr_assert_eq(vm_seccomp_add_out_fd(&full, 99), -ENOSPC);
    cr_assert_eq(full.nout_fds, VM_SECCOMP_MAX_OUT_FDS);
}

Test(seccomp, signals_go_only_to_zxvmm_s_own_threads_and_only_the_kick_or_abort)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_tgkill_other_signal, "tgkill (234)");
    expect_forbidden(VM_SECCOMP_MAIN, call_kill, "kill (62)");
    expect_forbidden(VM_SECCOMP_GDB, call_tgkill_other_signal, "tgkill (234)");
}

Test(seccomp, vcpu_role_refuses_set_up_ioctls_and_other_descriptors)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_setup_ioctl, "ioctl (16)");
    expect_forbidden(VM_SECCOMP_VCPU, call_run_on_other_fd, "ioctl (16)");
}

Test(seccomp, main_and_gdb_roles_refuse_every_ioctl)
{
    expect_forbidden(VM_SECCOMP_MAIN, call_run_on_other_fd, "ioctl (16)");
    expect_forbidden(VM_SECCOMP_GDB, call_run_on_other_fd, "ioctl (16)");
}

Test(seccomp, vcpu_role_refuses_close_and_socket_calls)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_close, "close (3)");
    expect_forbidden(VM_SECCOMP_VCPU, call_accept_other_fd, "accept4 (288)");
}

Test(seccomp, vcpu_role_reads_only_its_own_program)
{
    expect_forbidden(VM_SECCOMP_VCPU, call_pread_other_fd, "pread64 (17)");
    expect_forbidden(VM_SECCOMP_VCPU, call_read_other_fd, "read (0)");
    expect_forbidden(VM_SECCOMP_MAIN, call_pread_other_fd, "pread64 (17)");
}

Test(seccomp, gdb_role_accepts_and_reads_only_on_its_own_descriptors)
{
    expect_forbidden(VM_SECCOMP_GDB, call_accept_other_fd, "accept4 (288)");
    expect_forbidden(VM_SECCOMP_GDB, call_read_other_fd, "read (0)");
    expect_forbidden(VM_SECCOMP_GDB, call_setsockopt_reuseaddr, "setsockopt (54)");
}

Test(seccomp, role_names_are_the_report_s_words)
{
    cr_assert_str_eq(vm_seccomp_role_name(VM_SECCOMP_MAIN), "main");
    cr_assert_str_eq(vm_seccomp_role_name(VM_SECCOMP_VCPU), "vCPU");
    cr_assert_str_eq(vm_seccomp_role_name(VM_SECCOMP_GDB), "gdb stub");
}

/* The names built into zxvmm are libseccomp's, number by number, and out-of-range numbers have none. */
Test(seccomp, report_names_are_libseccomp_s_for_every_number)
{
    int named = 0;
    for (int nr = -1; nr <= SYSCALL_NAMES_MAX; nr++) {
        char *want = nr >= 0 ? seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr) : NULL;
        const char *got = vm_seccomp_syscall_name(nr);
        if (want)
            cr_assert(got && strcmp(got, want) == 0, "system call %d: zxvmm says %s, libseccomp %s", nr,
                      got ? got : "(none)", want);
        else
            cr_assert_null(got, "system call %d: zxvmm says %s, libseccomp knows none", nr, got);
        named += want != NULL;
        free(want);
    }
    cr_assert_gt(named, 300);
    cr_assert_str_eq(vm_seccomp_syscall_name(__NR_process_vm_writev), "process_vm_writev");
}
