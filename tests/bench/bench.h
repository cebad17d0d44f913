/* bench.h: the pieces of zxvmm_bench: configuration, figures, the floors, running child processes, medians.
 */
#ifndef ZXVMM_BENCH_H
#define ZXVMM_BENCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Exit status of the benchmark when /dev/kvm is missing (the "skipped" convention of automake/ctest). */
#define BENCH_EXIT_NO_KVM 77

/* bench_spawn's `how`: stdout to /dev/null (DROP) or kept (CAPTURE); with QUIET, stderr to /dev/null too. */
#define BENCH_SPAWN_DROP    0
#define BENCH_SPAWN_CAPTURE 1
#define BENCH_SPAWN_QUIET   2

/* Bytes of a child's stdout that bench_spawn keeps (the rest is read and dropped). */
#define BENCH_CAPTURE_MAX 4096

/* What one child process run cost, as seen by its parent. */
struct bench_run {
    double wall_ns;              /* fork to wait4 returning, on CLOCK_MONOTONIC */
    long maxrss_kib;             /* ru_maxrss from wait4: the child's peak resident set */
    int status;                  /* wait4 status */
    char out[BENCH_CAPTURE_MAX]; /* its stdout, NUL-terminated, when asked for */
};

/*
 * Runs argv[0] (a path) with argv, stdin from /dev/null, stderr inherited,
 * stdout captured into run->out when `how` has BENCH_SPAWN_CAPTURE and
 * sent to /dev/null otherwise (stderr too when it has BENCH_SPAWN_QUIET). Times it from just before fork to
 * wait4 returning. Returns 0 when the child exited with status 0, -1 otherwise (a message on stderr says
 * why).
 */
int bench_spawn(char *const argv[], int how, struct bench_run *run);

/*
 * The floor of P2: a minimal long-mode VM whose CPL3 code loops on
 * `out %eax, $ZXVMM_PORT_SYSCALL` (IOPL 0, the TSS I/O bitmap opening the four
 * ports it touches), with KVM_CAP_SYNC_REGS on and one KVM_RUN per exit.
 */
struct bench_floor;

/* Creates the VM and runs its first exit. Returns NULL (message on stderr) on failure. */
struct bench_floor *bench_floor_create(int kvm_fd);

/* Times `count` round trips; returns nanoseconds per round trip, or a negative value on failure. */
double bench_floor_measure(struct bench_floor *f, uint64_t count);

void bench_floor_destroy(struct bench_floor *f);

/*
 * The floors of P3: one memcpy of `len` bytes between two buffers of this
 * process, and one process_vm_writev of `len` bytes from this process into a
 * buffer of a forked child. Every page of all three buffers is faulted in
 * before anything is timed, and the child is forked before the parent's
 * buffers exist, so no copy-on-write is left.
 */
struct bench_copy;

/* Maps and touches the buffers and starts the child. Returns NULL (message on stderr) on failure. */
struct bench_copy *bench_copy_create(size_t len);

/* One host memcpy of the whole buffer; nanoseconds. */
double bench_copy_memcpy_ns(struct bench_copy *c);

/* One process_vm_writev of the whole buffer into the child; nanoseconds, or negative on failure. */
double bench_copy_pvw_ns(struct bench_copy *c);

/* Ends the child and unmaps everything. */
void bench_copy_destroy(struct bench_copy *c);

/* Where the programs under measurement are: build-tree defaults, overridable from the environment. */
struct bench_paths {
    char zxvmm[PATH_MAX];
    char hello[PATH_MAX];
    char bench_null[PATH_MAX];
    char bench_wmem[PATH_MAX];
    char bench_wbig[PATH_MAX];
    char bench_bp[PATH_MAX];
    char bench_map[PATH_MAX];
    char kvm_minimal[PATH_MAX];
};

/* What to run and how often (docs/benchmark.md lists the variables). */
struct bench_config {
    long calls;       /* hypercalls per P1/P2 round */
    long rounds;      /* P1/P2 rounds */
    long runs;        /* P4/P5 whole-process runs */
    long copies;      /* P3: 64 MiB copies per round, on each side */
    long copy_rounds; /* P3 rounds */
    long bp_hits;     /* breakpoint round trips (and null syscalls) per round; as many rounds as P1/P2 */
    long map_small;   /* P9: mappings present for the reference maps */
    long map_large;   /* P9: mappings present for the measured maps */
    long map_timed;   /* P9: maps timed per side and round */
    long map_cycles;  /* P9: few/many cycles within one run (the guest reports their medians) */
    long map_rounds;  /* P9 rounds: one zxvmm run each */
    long camp_runs;   /* P8: faulted runs per side and round */
    long camp_rounds; /* P8 rounds: one campaign and as many `run --scenario` as camp_runs each */
    struct bench_paths paths;
};

/* A median and the fastest and slowest sample it was taken from; NAN until measured. */
struct bench_stat {
    double med, lo, hi;
};

/* Every floor and figure. Times are in nanoseconds. */
struct bench_figures {
    struct bench_stat bare_out_ns;     /* P2 floor: one CPL3 `out` round trip of the minimal VM */
    struct bench_stat null_syscall_ns; /* P2: one zx_handle_close(ZX_HANDLE_INVALID) under zxvmm */
    struct bench_stat wmem_null_ns;    /* P1 floor: the same null syscall, timed by bench_wmem */
    struct bench_stat wmem_write_ns;   /* P1: one 8-byte zx_process_write_memory */
    struct bench_stat memcpy_ns;       /* P3 floor: host memcpy of BENCH_COPY_SIZE */
    struct bench_stat pvw_ns;          /* P3 floor: host process_vm_writev of BENCH_COPY_SIZE */
    struct bench_stat wbig_ns;         /* P3: zx_process_write_memory of BENCH_COPY_SIZE */
    struct bench_stat minimal_wall_ns; /* P4 floor: kvm_minimal as a whole process */
    struct bench_stat hello_wall_ns;   /* P4: `zxvmm run hello` as a whole process */
    struct bench_stat minimal_tree_ns; /* the same two run from where they were built, not from copies */
    struct bench_stat hello_tree_ns;
    double hello_rss_kib;               /* P5: the largest ru_maxrss of those runs */
    struct bench_stat bp_null_ns;       /* the null syscall, timed by bench_bp's debugger */
    struct bench_stat bp_round_trip_ns; /* one in-guest breakpoint hit, handled and resumed */
    struct bench_stat map_small_ns;     /* P9 floor: one zx_vmar_map with map_small mappings present */
    struct bench_stat map_large_ns;     /* P9: one zx_vmar_map with map_large mappings present */
    struct bench_stat camp_seq_ns;      /* P8 floor: camp_runs `zxvmm run --scenario`, one after another */
    struct bench_stat camp_ns;          /* P8: `zxvmm campaign --runs camp_runs -j 2`, whole process */
    struct bench_stat p10_plain_ns;     /* P10 floor: the null syscall of bench_null, nothing attached */
    struct bench_stat p10_hook_ns;      /* P10: the same with a Lua on_syscall hook */
    struct bench_stat p10_trace_ns;     /* P10: the same with --trace to a file */
};

/* The bytes one P3 copy moves: the largest zx_process_write_memory allowed. */
#define BENCH_COPY_SIZE (64ULL << 20)

/* Guest RAM for the P3 VM: two processes each holding a 64 MiB array, and room to spare. */
#define BENCH_COPY_GUEST_MEM "512M"

/* Each fills its figures, or leaves them NAN with a message on stderr. */
void bench_measure_p1(const struct bench_config *c, struct bench_figures *fig);
void bench_measure_p2(const struct bench_config *c, int kvm_fd, struct bench_figures *fig);
void bench_measure_p3(const struct bench_config *c, struct bench_figures *fig);
void bench_measure_startup(const struct bench_config *c, struct bench_figures *fig);
void bench_measure_breakpoint(const struct bench_config *c, struct bench_figures *fig);
void bench_measure_p9(const struct bench_config *c, struct bench_figures *fig);
void bench_measure_p8(const struct bench_config *c, struct bench_figures *fig);
void bench_measure_p10(const struct bench_config *c, struct bench_figures *fig);

/* The median of v[0..n); sorts v in place, so v[0] and v[n - 1] are then the extremes. n > 0. */
double bench_median(double *v, size_t n);

/* Median and extremes of v[0..n) (sorted in place), or NAN when n is 0. */
struct bench_stat bench_stat_of(double *v, size_t n);

/* The number after `key` in `out` (e.g. "calls=" in "... calls=12 ..."), or NAN when missing or not > 0. */
double bench_field(const char *out, const char *key);

/* Nanoseconds on CLOCK_MONOTONIC. */
double bench_now_ns(void);

#endif
