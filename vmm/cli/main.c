/* main.c: the zxvmm executable: parse the command line, run the VM or write its device tree, map the outcome
 * to an exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zxvmm/abi.h>

#include "boot/options.h"
#include "cli/cli.h"
#include "gdb/server.h"
#include "object/process.h"
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

/* Builds the VM and its processes, runs it with `trace` (NULL: none) attached; returns the exit status. */
static int run_vm(const struct cli_options *o, struct trace *trace)
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
    if (trace) {
        vm_events_add(&events, trace_on_event, trace);
        vm.events = &events;
    }
    /* Seccomp filters (docs/security.md): every thread installs its own once the VM is set up. */
    struct vm_seccomp_config filters;
    vm_seccomp_config_init(&filters);
    if (trace)
        vm_seccomp_add_out_fd(&filters, trace_fd(trace));
    if (!o->no_seccomp && SECCOMP_IN_THIS_BUILD) {
        int rc = vm_seccomp_prepare(); /* before any thread starts */
        if (rc != 0) {
            fprintf(stderr, "zxvmm: seccomp: cannot prepare the filters: %s\n", strerror(-rc));
            vm_destroy(&vm);
            return CLI_EXIT_VM_FAILED;
        }
        vm.seccomp = &filters;
    }
    struct gdb_server *gdb = NULL;
    int status = o->gdb ? start_gdb(o, &vm, main_vcpu, vm.seccomp ? &filters : NULL, &gdb) : 0;
    if (status != 0) {
        vm_destroy(&vm);
        return status;
    }
    int64_t code = 0;
    enum vm_outcome outcome = vm_run(&vm, main_vcpu, o->timeout_ns, &code);
    gdb_server_finish(gdb, outcome, code);
    vm_destroy(&vm);
    return exit_status(outcome, code);
}

/* `run`: the trace file is created first, so that a bad path is a usage error before the VM starts. */
static int run(const struct cli_options *o)
{
    int status = check_inputs(o);
    if (status != 0)
        return status;
    struct trace *trace = NULL;
    char err[512];
    if (o->trace && !(trace = trace_open(o->trace, err, sizeof(err)))) {
        fprintf(stderr, "zxvmm: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    status = run_vm(o, trace);
    int rc = trace_close(trace);
    if (rc != 0)
        fprintf(stderr, "zxvmm: --trace %s: writing the trace failed: %s (it is incomplete)\n", o->trace,
                strerror(-rc));
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
        fputs(o.help_for == CLI_RUN   ? cli_usage_run
              : o.help_for == CLI_DTB ? cli_usage_dtb
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
        status = run(&o);
        break;
    }
    cli_options_free(&o);
    return status;
}
