/* main.c: the zxvmm executable: parse the command line, run the VM or write its device tree, map the outcome
 * to an exit status. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <zxvmm/abi.h>

#include "boot/options.h"
#include "campaign/campaign.h"
#include "campaign/outcome.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "gdb/server.h"
#include "inject/inject.h"
#include "inject/scenario.h"
#include "object/process.h"
#include "syscall/syscall.h"
#include "trace/trace.h"
#include "vm/events.h"
#include "vm/seccomp.h"
#include "vm/vm.h"

/* The kernel shim and vDSO images embedded by vm/images.S. */
extern const uint8_t zxvmm_shim_image[], zxvmm_shim_image_end[];
extern const uint8_t zxvmm_vdso_image[], zxvmm_vdso_image_end[];

static struct vm_config vm_config_from(const struct cli_options *o)
{
    return (struct vm_config){
        .mem_size = o->mem_size,
        .cmdline = o->cmdline,
        .nprocesses = (unsigned)o->nspawn + 1,
        .shim_image = zxvmm_shim_image,
        .shim_size = (size_t)(zxvmm_shim_image_end - zxvmm_shim_image),
        .vdso_image = zxvmm_vdso_image,
        .vdso_size = (size_t)(zxvmm_vdso_image_end - zxvmm_vdso_image),
    };
}

/*
 * Boot options are checked before anything else, for `run` and `dtb` alike: a
 * bad value is a usage error; an unknown key (ignored, as kernels do) and a
 * repeated --cmdline (the last one wins) only get a warning, so that a
 * misspelled option does not silently leave a feature off.
 */
static int check_cmdline(const struct cli_options *o)
{
    char err[512];
    struct boot_options options;
    if (boot_options_parse(o->cmdline, &options, err, sizeof(err)) != 0) {
        fprintf(stderr, "zxvmm: --cmdline: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    if (o->ncmdline > 1)
        fprintf(stderr, "zxvmm: warning: --cmdline given %d times; only the last one is used: \"%s\"\n",
                o->ncmdline, o->cmdline);
    const char *pos = o->cmdline, *word;
    size_t len;
    while (boot_options_next_unknown(&pos, &word, &len)) {
        const char *near = boot_options_nearest_key(word, len);
        fprintf(stderr, "zxvmm: warning: --cmdline: unknown boot option \"%.*s\" is ignored%s%s%s\n",
                (int)len, word, near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
    }
    return 0;
}

static int write_dtb(const struct cli_options *o)
{
    int status = check_cmdline(o);
    if (status != 0)
        return status;
    struct vm_config cfg = vm_config_from(o);
    void *fdt;
    size_t size;
    if (vm_build_fdt(&cfg, &fdt, &size) != 0) {
        fprintf(stderr, "zxvmm: device tree: out of host memory\n");
        return CLI_EXIT_VM_FAILED;
    }
    FILE *f = fopen(o->output, "wb");
    if (!f) {
        fprintf(stderr, "zxvmm: cannot open %s: %s\n", o->output, strerror(errno));
        free(fdt);
        return CLI_EXIT_USAGE;
    }
    bool ok = fwrite(fdt, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    free(fdt);
    if (!ok) {
        fprintf(stderr, "zxvmm: cannot write %s: %s\n", o->output, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static int exit_status(enum vm_outcome outcome, int64_t code)
{
    switch (outcome) {
    case VM_MAIN_EXITED:
        return (int)((uint64_t)code & 0xff);
    case VM_MAIN_KILLED:
        return CLI_EXIT_KILLED;
    case VM_MAIN_EXCEPTION:
        return CLI_EXIT_EXCEPTION;
    case VM_TIMED_OUT:
        fprintf(stderr, "zxvmm: --timeout expired; all processes stopped\n");
        return CLI_EXIT_TIMEOUT;
    case VM_RUN_FAILED:
        break;
    }
    return CLI_EXIT_VM_FAILED;
}

/* Boot options and programs are checked before KVM is touched, so bad input is a usage error on any host. */
static int check_inputs(const struct cli_options *o)
{
    char err[512];
    int status = check_cmdline(o);
    if (status != 0)
        return status;
    for (int i = 0; i <= o->nspawn; i++) {
        const struct cli_program *prog = i < o->nspawn ? &o->spawn[i] : &o->main;
        if (process_check_program(prog->argv[0], err, sizeof(err)) != 0) {
            fprintf(stderr, "zxvmm: %s\n", err);
            return CLI_EXIT_USAGE;
        }
    }
    return 0;
}

/*
 * The sanitizer build installs no seccomp filter: LeakSanitizer's check at
 * exit stops the world by tracing zxvmm's threads from a cloned thread and
 * reads /proc, and the reports open files; allowing all that would empty the
 * allowlists of meaning (docs/security.md).
 */
#ifdef ZXVMM_SANITIZED
#define SECCOMP_IN_THIS_BUILD false
#else
#define SECCOMP_IN_THIS_BUILD true
#endif

/* --gdb: the socket, then every process held until gdb attaches; a usage error or VM set-up status. */
static int start_gdb(const struct cli_options *o, struct vm *vm, struct vcpu *main_vcpu,
                     struct vm_seccomp_config *filters, struct gdb_server **out)
{
    const char *programs[VM_MAX_PROCESSES];
    for (int i = 0; i <= o->nspawn; i++)
        programs[i] = i < o->nspawn ? o->spawn[i].argv[0] : o->main.argv[0];
    const char *spec = o->gdb;
    char err[512];
    struct gdb_address addr;
    if (gdb_parse_address(spec, &addr, err, sizeof(err)) != 0 ||
        gdb_server_open(&addr, out, err, sizeof(err)) != 0) {
        fprintf(stderr, "zxvmm: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    if (filters) {
        filters->gdb_unix_socket = addr.kind == GDB_ADDR_UNIX;
        vm_seccomp_add_out_fd(filters, gdb_server_wake_fd(*out));
    }
    int rc = gdb_server_start(*out, vm, main_vcpu, programs);
    if (rc != 0) {
        fprintf(stderr, "zxvmm: --gdb: cannot start the server thread: %s\n", strerror(-rc));
        gdb_server_finish(*out, VM_RUN_FAILED, 0);
        *out = NULL;
        return CLI_EXIT_VM_FAILED;
    }
    return 0;
}

/* What a run attaches to its VM: a trace writer, a scenario's faults (each may be NULL). */
struct run_attach {
    struct trace *trace;
    const struct scenario *scenario;
    uint64_t seed;
    struct inject_result *faults; /* the scenario's results */
    enum vm_outcome *outcome;     /* how it ended (VM_RUN_FAILED when set-up failed) */
    int64_t *code;
    bool abandoned; /* set by run_vm: the run gave up on a hook, whose thread may still use what it holds */
};

/* Builds the VM and its processes, runs it with `a`'s observers attached; returns the exit status. */
static int run_vm(const struct cli_options *o, struct run_attach *a)
{
    struct vm_config cfg = vm_config_from(o);
    struct vm vm;
    char err[512] = "";
    enum vm_status st = vm_create(&vm, &cfg, err, sizeof(err));
    if (st != VM_OK) {
        fprintf(stderr, "zxvmm: %s\n", err);
        return (int)st;
    }
    struct vcpu *main_vcpu = NULL;
    for (int i = 0; i <= o->nspawn && st == VM_OK; i++) {
        const struct cli_program *prog = i < o->nspawn ? &o->spawn[i] : &o->main;
        st = vm_add_process(&vm, prog->argc, prog->argv, &main_vcpu, err, sizeof(err));
        if (st == VM_OK)
            main_vcpu->proc->spawn_stopped = prog->stopped;
    }
    if (st != VM_OK) {
        fprintf(stderr, "zxvmm: %s\n", err);
        vm_destroy(&vm);
        return (int)st;
    }
    vm.verbose = o->verbose;
    vm.label_output = o->label_output;
    vm.wait_all = o->wait_all;
    struct vm_events events = {0};
    struct inject *inject = NULL;
    if (a->scenario) {
        if (!(inject = inject_new(a->scenario, &vm, a->seed, a->faults))) {
            fprintf(stderr, "zxvmm: scenario: %s\n", a->faults->failure);
            vm_destroy(&vm);
            return CLI_EXIT_VM_FAILED;
        }
        vm_events_add(&events, inject_on_event, inject); /* first: the trace then sees what it decided */
    }
    if (a->trace)
        vm_events_add_timed(&events, trace_on_event, a->trace); /* the one sink that reads t_ns and dur_ns */
    if (events.n)
        vm.events = &events;
    vm.holder = inject_holder(inject);
    /* Seccomp filters (docs/security.md): every thread installs its own once the VM is set up. */
    struct vm_seccomp_config filters;
    vm_seccomp_config_init(&filters);
    if (a->trace)
        vm_seccomp_add_out_fd(&filters, trace_fd(a->trace));
    if (!o->no_seccomp && SECCOMP_IN_THIS_BUILD) {
        int rc = vm_seccomp_prepare(); /* before any thread starts */
        if (rc != 0) {
            fprintf(stderr, "zxvmm: seccomp: cannot prepare the filters: %s\n", strerror(-rc));
            vm_destroy(&vm);
            inject_free(inject);
            return CLI_EXIT_VM_FAILED;
        }
        vm.seccomp = &filters;
    }
    struct gdb_server *gdb = NULL;
    int status = o->gdb ? start_gdb(o, &vm, main_vcpu, vm.seccomp ? &filters : NULL, &gdb) : 0;
    if (status != 0) {
        vm_destroy(&vm);
        inject_free(inject);
        return status;
    }
    int64_t code = 0;
    int rc = inject ? inject_start(inject) : 0;
    if (rc != 0) {
        fprintf(stderr, "zxvmm: cannot start the scenario's clock: %s\n", strerror(-rc));
        gdb_server_finish(gdb, VM_RUN_FAILED, 0);
        vm_destroy(&vm);
        inject_free(inject);
        return CLI_EXIT_VM_FAILED;
    }
    enum vm_outcome outcome = vm_run(&vm, main_vcpu, o->timeout_ns, &code);
    /* A hook the run gave up on (VM_RUN_FAILED, with the reason in a->faults) holds the scenario and may
     * still reach the VM: neither is then stopped nor freed (the process exits: a campaign's child, as every
     * scenario run is). */
    a->abandoned = vm.abandoned;
    if (!vm.abandoned) {
        inject_stop(inject);
        gdb_server_finish(gdb, outcome, code);
        /* The VMM exits once the run is over (run, or a campaign's child): the kernel drops the VM faster. */
        vm_destroy_at_exit(&vm);
        inject_free(inject);
    }
    if (inject && a->faults->failed) { /* a hook failed: the run is the VMM's failure, not the guest's */
        fprintf(stderr, "zxvmm: scenario: %s\n", a->faults->failure);
        outcome = VM_RUN_FAILED;
    }
    if (a->outcome) {
        *a->outcome = outcome;
        *a->code = code;
    }
    return exit_status(outcome, code);
}

/* Opens the trace, runs, closes the trace; a bad trace path is a usage error before the VM starts. */
static int run_traced(const struct cli_options *o, struct run_attach *a)
{
    char err[512];
    if (o->trace && !(a->trace = trace_open(o->trace, err, sizeof(err)))) {
        fprintf(stderr, "zxvmm: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    int status = run_vm(o, a);
    int rc = a->abandoned ? trace_flush(a->trace) : trace_close(a->trace);
    a->trace = NULL;
    if (rc != 0)
        fprintf(stderr, "zxvmm: --trace %s: writing the trace failed: %s (it is incomplete)\n", o->trace,
                trace_error_text(rc));
    return status;
}

static int run(const struct cli_options *o)
{
    int status = check_inputs(o);
    if (status != 0)
        return status;
    struct run_attach a = {0};
    return run_traced(o, &a);
}

/* One run of a scenario, in the child campaign_fork_run made. */
struct scenario_body {
    const struct cli_options *o;
    const struct scenario *scenario;
    const char *golden_trace; /* --systematic: where the golden run's trace goes (NULL: untraced) */
};

static void scenario_body(void *arg, struct campaign_run *r)
{
    struct scenario_body *b = arg;
    struct cli_options o = *b->o;
    if (r->golden)
        o.trace = b->golden_trace; /* the golden run is silent, and untraced but for --systematic */
    struct run_attach a = {.scenario = r->golden ? NULL : b->scenario,
                           .seed = r->seed,
                           .faults = &r->faults,
                           .outcome = &r->outcome,
                           .code = &r->code};
    r->outcome = VM_RUN_FAILED; /* until vm_run says otherwise */
    r->status = run_traced(&o, &a);
    r->ran = r->outcome != VM_RUN_FAILED;
}

/* The scenario's programs and settings as the options of a run (command-line options win). */
static int scenario_options(const struct cli_options *o, const struct scenario *sc, struct cli_options *eff)
{
    *eff = *o;
    eff->main = (struct cli_program){sc->program.argc, sc->program.argv, false};
    eff->nspawn = sc->nspawn;
    for (int i = 0; i < sc->nspawn; i++)
        eff->spawn[i] = (struct cli_program){sc->spawn[i].argc, sc->spawn[i].argv, false};
    if (o->ncmdline == 0 && sc->cmdline) {
        eff->cmdline = sc->cmdline;
        eff->ncmdline = 1;
    }
    if (!o->mem_given && sc->mem &&
        (cli_parse_size(sc->mem, &eff->mem_size) != 0 || eff->mem_size < CLI_MIN_MEM ||
         eff->mem_size > CLI_MAX_MEM || eff->mem_size % 4096 != 0)) {
        fprintf(stderr, "zxvmm: %s: key 'mem': %s: expected a size from 16M to 1024G, a multiple of 4K\n",
                o->scenario, sc->mem);
        return CLI_EXIT_USAGE;
    }
    if (o->timeout_ns == 0 && sc->timeout > 0)
        eff->timeout_ns = (uint64_t)(sc->timeout * 1e9);
    return check_inputs(eff);
}

/* The class line: "zxvmm: class CLASS: ID xN, ..." (the faults that fired), and a line per fault not applied.
 */
static void print_class(const struct campaign_run *run, const char *class)
{
    for (const char *line = run->faults.log; *line;) { /* zx.log's lines, then the class */
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        fprintf(stderr, "zxvmm: scenario log: %.*s\n", len, line);
        line += len + (nl != NULL);
    }
    fprintf(stderr, "zxvmm: class %s", class);
    const char *sep = ": ";
    for (unsigned i = 0; i < run->faults.nfaults; i++)
        if (run->faults.faults[i].fired) {
            fprintf(stderr, "%s%s x%llu", sep, run->faults.faults[i].id,
                    (unsigned long long)run->faults.faults[i].fired);
            sep = ", ";
        }
    fputc('\n', stderr);
    for (unsigned i = 0; i < run->faults.nfaults; i++)
        if (!run->faults.faults[i].applied)
            fprintf(stderr, "zxvmm: fault '%s' %s: %s\n", run->faults.faults[i].id,
                    run->faults.faults[i].fired ? "fired but its action did not apply" : "was not armed",
                    run->faults.faults[i].why);
}

/* campaign --replay: where the replayed run's row goes, and what it says. */
struct replay_row {
    FILE *out; /* NULL: no row */
    const char *name;
    uint64_t campaign_seed;
    uint64_t index;
    const struct systematic_run *sys; /* --systematic: the run's fail (NULL otherwise) */
    const char *path;                 /* --out, for a message */
};

/*
 * The golden run, silently (unless `golden_made` is one already made), then the faulted run with its output;
 * its class on stderr, and its row when `row` asks for one.
 */
static int run_scenario_runs(const struct cli_options *eff, const struct scenario *sc, uint64_t seed,
                             const struct replay_row *row, const struct campaign_run *golden_made)
{
    struct campaign_run golden, faulted;
    struct scenario_body body = {eff, sc, NULL};
    int rc = golden_made ? 0 : campaign_fork_run(scenario_body, &body, true, true, 0, &golden);
    if (golden_made)
        golden = *golden_made;
    if (rc == 0 && !golden.ran) {
        fprintf(stderr,
                "zxvmm: the golden run (no faults) failed with status %d; run its programs without "
                "--scenario to see why\n",
                golden.status);
        if (!golden_made)
            campaign_run_free(&golden);
        return CLI_EXIT_VM_FAILED;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rc == 0 && (rc = campaign_fork_run(scenario_body, &body, false, false, seed, &faulted)) != 0 &&
        !golden_made)
        campaign_run_free(&golden);
    if (rc != 0) {
        fprintf(stderr, "zxvmm: cannot start a run: %s\n", strerror(-rc));
        return CLI_EXIT_VM_FAILED;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fwrite(faulted.out, 1, faulted.out_len, stdout);
    fflush(stdout);
    const char *class = campaign_class_of(sc, &golden, &faulted, campaign_class_names, CAMPAIGN_CLASSES);
    if (faulted.faults.failed && faulted.ran) /* only classify failed; the run said nothing of it yet */
        fprintf(stderr, "zxvmm: scenario: %s\n", faulted.faults.failure);
    print_class(&faulted, class);
    int status = faulted.ran ? faulted.status : CLI_EXIT_VM_FAILED;
    if (row && row->out &&
        (rc = campaign_write_row(
             row->out, row->name, sc, row->campaign_seed, (int64_t)row->index, &faulted, class,
             (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, row->sys)) !=
            0) {
        fprintf(stderr, "zxvmm: --out %s: writing the row failed: %s\n", row->path, strerror(-rc));
        status = CLI_EXIT_VM_FAILED;
    }
    if (!golden_made)
        campaign_run_free(&golden);
    campaign_run_free(&faulted);
    return status;
}

/* A seed from the host's generator, for a run given none. */
static uint64_t random_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    return seed;
}

/* Loads and checks the scenario of `o` and makes the run options `eff` from it; 0 or an exit status. */
static int prepare_scenario(const struct cli_options *o, struct scenario *sc, struct cli_options *eff)
{
    char err[1024];
    if (scenario_load(o->scenario, sc, err, sizeof(err)) != 0) {
        fprintf(stderr, "zxvmm: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    /* --systematic uses none of the scenario's faults: they are not checked for support. */
    int status = o->systematic ? 0 : inject_check_supported(sc, o->scenario, err, sizeof(err));
    if (status == 0 && !o->systematic)
        status = inject_resolve_exec(sc, o->scenario, err, sizeof(err));
    if (status != 0)
        fprintf(stderr, "zxvmm: %s\n", err);
    else
        status = scenario_options(o, sc, eff);
    if (status == 0 && o->trace) {
        /* The trace file is made here, so that a bad path is refused before any run. */
        struct trace *t = trace_open(o->trace, err, sizeof(err));
        if (!t)
            fprintf(stderr, "zxvmm: %s\n", err);
        status = t ? trace_close(t) : CLI_EXIT_USAGE;
    }
    if (status != 0) {
        scenario_free(sc);
        return CLI_EXIT_USAGE;
    }
    /* Each run is a child that creates its own VM: they inherit what /dev/kvm says instead of each asking.
     * A failure here is left to the runs, which report it as a run without a scenario does. */
    vm_kvm_prepare(err, sizeof(err));
    return 0;
}

/* run --scenario: checked before anything runs (exit 2), then the golden and the faulted run. */
static int run_scenario(const struct cli_options *o)
{
    struct scenario sc;
    struct cli_options eff;
    int status = prepare_scenario(o, &sc, &eff);
    if (status != 0)
        return status;
    uint64_t seed = o->seed_given ? o->seed : random_seed();
    if (!o->seed_given)
        fprintf(stderr, "zxvmm: seed 0x%016llx\n", (unsigned long long)seed);
    status = run_scenario_runs(&eff, &sc, seed, NULL, NULL);
    scenario_free(&sc);
    return status;
}

/* --systematic: the golden run (traced), the space it gives, the scenarios of its runs. */
struct systematic_setup {
    struct campaign_run golden;
    double golden_ms;
    struct systematic_space space;
    struct systematic_scenarios *ss; /* two whole scenarios: on the heap */
};

static void systematic_setup_free(struct systematic_setup *sys)
{
    campaign_run_free(&sys->golden);
    systematic_space_free(&sys->space);
    free(sys->ss);
}

/* The golden run with its trace in a memory file; the calls it made into *calls. 0 or an exit status. */
static int systematic_golden(const struct cli_options *eff, const struct scenario *sc,
                             struct campaign_run *golden, struct systematic_call **calls, size_t *ncalls)
{
    char path[64], err[128];
    int fd = memfd_create("zxvmm-golden-trace", MFD_CLOEXEC); /* the child opens it by path: nothing stays */
    if (fd < 0) {
        fprintf(stderr, "zxvmm: --systematic: cannot make the golden run's trace file: %s\n",
                strerror(errno));
        return CLI_EXIT_VM_FAILED;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct cli_options o = *eff;
    o.trace = NULL;
    struct scenario_body body = {&o, sc, path};
    int rc = campaign_fork_run(scenario_body, &body, true, true, 0, golden);
    if (rc != 0 || !golden->ran) {
        fprintf(stderr,
                "zxvmm: the golden run (no faults) failed%s%s; run the scenario's programs without faults to "
                "see why\n",
                rc ? ": " : "", rc ? strerror(-rc) : "");
        close(fd);
        return CLI_EXIT_VM_FAILED;
    }
    FILE *f = lseek(fd, 0, SEEK_SET) == 0 ? fdopen(fd, "r") : NULL;
    rc = f ? systematic_read_trace(f, calls, ncalls, err, sizeof(err)) : -errno;
    if (f)
        fclose(f);
    else
        close(fd);
    if (rc != 0) {
        fprintf(stderr, "zxvmm: --systematic: the golden run's trace: %s\n",
                rc == -EINVAL ? err : strerror(-rc));
        return CLI_EXIT_VM_FAILED;
    }
    return 0;
}

/* The golden run, then the space of the systematic campaign (narrowed, capped by --runs), printed on stderr.
 */
static int systematic_prepare(const struct cli_options *o, const struct scenario *sc,
                              const struct cli_options *eff, struct systematic_setup *sys)
{
    memset(sys, 0, sizeof(*sys));
    struct systematic_call *calls = NULL;
    size_t ncalls = 0;
    uint64_t start = syscall_host_now_ns();
    int status = systematic_golden(eff, sc, &sys->golden, &calls, &ncalls);
    sys->golden_ms = (double)(syscall_host_now_ns() - start) / 1e6;
    if (status != 0) {
        systematic_setup_free(sys);
        return status;
    }
    int rc = systematic_space_make(calls, ncalls, &sc->systematic, o->runs, &sys->space);
    free(calls);
    if (rc != 0 || !(sys->ss = malloc(sizeof(*sys->ss)))) {
        fprintf(stderr, "zxvmm: --systematic: out of host memory for the runs\n");
        systematic_setup_free(sys);
        return CLI_EXIT_VM_FAILED;
    }
    systematic_scenarios_init(sys->ss, sc, &sys->space);
    fprintf(stderr, "zxvmm: systematic: %llu runs (%llu syscall occurrences)",
            (unsigned long long)sys->space.n, (unsigned long long)sys->space.ncalls);
    if (sys->space.n < sys->space.total)
        fprintf(stderr, ", the first %llu of %llu (--runs)", (unsigned long long)sys->space.n,
                (unsigned long long)sys->space.total);
    fputc('\n', stderr);
    return 0;
}

/*
 * campaign --replay I: run I of the campaign alone, as run --scenario does; its row to --out. With
 * --systematic (`sys`), run I fails the call and status the space gives it.
 */
static int campaign_replay(const struct cli_options *o, const struct scenario *sc,
                           const struct cli_options *eff, struct systematic_setup *sys)
{
    struct replay_row row = {NULL, o->scenario, o->seed, o->replay, NULL, o->out};
    if (sys && o->replay >= sys->space.n) {
        fprintf(stderr, "zxvmm: --replay %llu: not a run of this systematic campaign (%llu runs, from 0)\n",
                (unsigned long long)o->replay, (unsigned long long)sys->space.n);
        return CLI_EXIT_USAGE;
    }
    if (sys) {
        systematic_prepare_run(sys->ss, o->replay);
        sc = &sys->ss->run;
        row.sys = &sys->space.runs[o->replay];
    }
    if (o->out && !(row.out = fopen(o->out, "w"))) {
        fprintf(stderr, "zxvmm: --out %s: cannot create the file: %s\n", o->out, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    /* With --systematic the golden run has run already (traced, for the space): it is the one compared. */
    int status =
        run_scenario_runs(eff, sc, campaign_seed_of(o->seed, o->replay), &row, sys ? &sys->golden : NULL);
    if (row.out && fclose(row.out) != 0 && status != CLI_EXIT_VM_FAILED) {
        fprintf(stderr, "zxvmm: --out %s: writing the row failed: %s\n", o->out, strerror(errno));
        status = CLI_EXIT_VM_FAILED;
    }
    return status;
}

/*
 * --resume: opens --out for appending, reads the rows it keeps into `res` (cutting a last line cut off
 * mid-row), and takes the campaign seed from them when none was given. 0 or an exit status.
 */
static int open_resume(const struct cli_options *o, uint64_t runs, const struct campaign_shard *shard,
                       struct campaign_resume *res, uint64_t *seed, bool *seed_known, FILE **out)
{
    char err[512];
    FILE *f = fopen(o->out, "a+");
    if (!f) {
        fprintf(stderr, "zxvmm: --out %s: cannot open the file: %s\n", o->out, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    rewind(f);
    int rc = campaign_resume_read(f, runs, shard, res, err, sizeof(err));
    if (rc == 0 && res->seed_known && *seed_known && res->seed != *seed) {
        snprintf(err, sizeof(err), "its rows are of campaign seed %llu, not %llu (--seed)",
                 (unsigned long long)res->seed, (unsigned long long)*seed);
        campaign_resume_free(res);
        rc = -EINVAL;
    }
    if (rc == 0 && ftruncate(fileno(f), res->keep) != 0) {
        snprintf(err, sizeof(err), "cannot drop its cut-off last line: %s", strerror(errno));
        campaign_resume_free(res);
        rc = -EIO;
    }
    if (rc != 0) {
        fprintf(stderr, "zxvmm: --resume %s: %s%s\n", o->out,
                rc == -EINVAL && isdigit((unsigned char)err[0]) ? "line " : "", err);
        fclose(f);
        return CLI_EXIT_USAGE;
    }
    if (res->seed_known && !*seed_known) {
        *seed = res->seed;
        *seed_known = true;
    }
    fprintf(stderr, "zxvmm: --resume %s: %llu of this shard's runs already there%s\n", o->out,
            (unsigned long long)res->ndone, res->cut ? "; a last line cut off mid-row was dropped" : "");
    *out = f;
    return 0;
}

/* Opens where the rows go (stdout, --out, or --out resumed); 0 or an exit status. */
static int open_rows(const struct cli_options *o, uint64_t runs, const struct campaign_shard *shard,
                     struct campaign_resume *res, uint64_t *seed, bool *seed_known, FILE **out)
{
    memset(res, 0, sizeof(*res));
    *out = stdout;
    if (o->resume)
        return open_resume(o, runs, shard, res, seed, seed_known, out);
    if (o->out && !(*out = fopen(o->out, "w"))) {
        fprintf(stderr, "zxvmm: --out %s: cannot create the file: %s\n", o->out, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/*
 * campaign S.lua --runs N: the golden run, N seeded runs (of a shard), their rows, the class table on stderr.
 * With --systematic (`sys`): its golden run, and run i fails the call and status of the space's run i.
 */
static int campaign_runs(const struct cli_options *o, const struct scenario *sc,
                         const struct cli_options *eff, struct systematic_setup *sys)
{
    uint64_t runs = sys ? sys->space.n : o->runs;
    struct campaign_shard shard = {o->shard_m ? o->shard_k : 0, o->shard_m ? o->shard_m : 1};
    struct campaign_resume res;
    uint64_t seed = o->seed;
    bool seed_known = o->seed_given;
    FILE *out;
    int status = open_rows(o, runs, &shard, &res, &seed, &seed_known, &out);
    if (status != 0)
        return status;
    if (!seed_known) {
        seed = random_seed();
        fprintf(stderr, "zxvmm: campaign seed 0x%016llx\n", (unsigned long long)seed);
    }
    struct scenario_body body = {eff, sys ? &sys->ss->run : sc, NULL};
    struct campaign_config c = {.name = o->scenario,
                                .scenario = sys ? &sys->ss->base : sc,
                                .seed = seed,
                                .runs = runs,
                                .jobs = o->jobs,
                                .out = out,
                                .body = scenario_body,
                                .arg = &body,
                                .shard = shard,
                                .done = o->resume ? res.done : NULL,
                                .golden_written = res.golden,
                                .progress = isatty(STDERR_FILENO) == 1,
                                .golden = sys ? &sys->golden : NULL,
                                .golden_ms = sys ? sys->golden_ms : 0,
                                .space = sys ? &sys->space : NULL,
                                .prepare = sys ? systematic_prepare_run : NULL,
                                .prepare_arg = sys ? sys->ss : NULL};
    uint64_t counts[CAMPAIGN_CLASSES];
    memcpy(counts, res.counts, sizeof(counts));
    int row_error = 0;
    int rc = campaign_run(&c, counts, &row_error);
    if (rc != 0)
        fprintf(stderr,
                "zxvmm: the golden run (no faults) failed%s%s; run the scenario's programs without "
                "faults to see why\n",
                rc == -ECHILD ? "" : ": ", rc == -ECHILD ? "" : strerror(-rc));
    else if (row_error == 0)
        campaign_print_table(stderr, counts);
    if (out != stdout && fclose(out) != 0 && rc == 0 && row_error == 0)
        row_error = -errno;
    if (row_error != 0) {
        fprintf(stderr, "zxvmm: %s%s: writing a row failed: %s; the campaign stopped%s\n",
                o->out ? "--out " : "standard output", o->out ? o->out : "", strerror(-row_error),
                o->out ? " (its whole rows are kept: --resume goes on from them once the file can be written)"
                       : "");
        rc = row_error;
    }
    campaign_resume_free(&res);
    return rc ? CLI_EXIT_VM_FAILED : 0;
}

/* campaign: the scenario checked before anything runs (exit 2), then the runs or the one replayed. */
static int campaign(const struct cli_options *o)
{
    struct scenario sc;
    struct cli_options eff;
    int status = prepare_scenario(o, &sc, &eff);
    if (status != 0)
        return status;
    struct systematic_setup sys;
    if (o->systematic && (status = systematic_prepare(o, &sc, &eff, &sys)) != 0) {
        scenario_free(&sc);
        return status;
    }
    struct systematic_setup *s = o->systematic ? &sys : NULL;
    status = o->replay_given ? campaign_replay(o, &sc, &eff, s) : campaign_runs(o, &sc, &eff, s);
    if (s)
        systematic_setup_free(s);
    scenario_free(&sc);
    return status;
}

/*
 * report FILE...: the class table of the rows in the files (a golden row counts once, for all of them).
 * A line that is not a whole row (no known class, or cut off before its newline) is named and skipped;
 * a file that cannot be read, or a table that cannot be written, is exit status 2.
 */
static int report(const struct cli_options *o)
{
    uint64_t counts[CAMPAIGN_CLASSES] = {0};
    char *line = NULL;
    size_t cap = 0;
    int status = 0;
    for (int i = 0; i < o->nfiles && status == 0; i++) {
        FILE *f = fopen(o->files[i], "r");
        ssize_t len;
        unsigned n = 1;
        for (; f && (len = getline(&line, &cap, f)) > 0; n++) {
            if (strstr(line, "\"run\":\"golden\""))
                continue;
            const char *class = strstr(line, "\"class\":\"");
            int k = class ? campaign_class_index_prefix(class + 9) : -1;
            if (k < 0 || line[len - 1] != '\n')
                fprintf(stderr, "zxvmm: report: %s:%u: not a whole result row; skipped\n", o->files[i], n);
            else
                counts[k]++;
        }
        if (!f || ferror(f)) {
            fprintf(stderr, "zxvmm: report: cannot read %s: %s\n", o->files[i], strerror(errno));
            status = CLI_EXIT_USAGE;
        }
        if (f)
            fclose(f);
    }
    free(line);
    if (status == 0) {
        campaign_print_table(stdout, counts);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "zxvmm: report: writing the table failed: %s\n", strerror(errno));
            status = CLI_EXIT_USAGE;
        }
    }
    return status;
}

int main(int argc, char **argv)
{
    /* A closed stdout must not kill the VMM: guest output is then dropped. */
    signal(SIGPIPE, SIG_IGN);
    struct cli_options o;
    char err[512];
    if (cli_parse(argc, argv, &o, err, sizeof(err)) != 0) {
        fprintf(stderr, "zxvmm: %s\nTry 'zxvmm --help'.\n", err);
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    int status = 0;
    switch (o.command) {
    case CLI_HELP:
        fputs(o.help_for == CLI_RUN        ? cli_usage_run
              : o.help_for == CLI_DTB      ? cli_usage_dtb
              : o.help_for == CLI_CAMPAIGN ? cli_usage_campaign
              : o.help_for == CLI_REPORT   ? cli_usage_report
                                           : cli_usage,
              stdout);
        break;
    case CLI_VERSION:
        printf("zxvmm %s (guest ABI %d)\n", ZXVMM_VERSION, ZXVMM_ABI_VERSION);
        break;
    case CLI_DTB:
        status = write_dtb(&o);
        break;
    case CLI_RUN:
        status = o.scenario ? run_scenario(&o) : run(&o);
        break;
    case CLI_CAMPAIGN:
        status = campaign(&o);
        break;
    case CLI_REPORT:
        status = report(&o);
        break;
    }
    cli_options_free(&o);
    return status;
}
