/* cli.c: parsing the zxvmm command line. */
#include "cli/cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "boot/options.h"
#include "cli/args.h"
#include "gdb/server.h"

const char cli_usage[] =
    "Usage:\n"
    "  zxvmm run [--cmdline TEXT] [--mem SIZE] [--timeout SECONDS] [--wait-all]\n"
    "            [-v] [--label-output] [--trace FILE.jsonl] [--no-seccomp]\n"
    "            [--spawn \"PROGRAM [ARG...]\"]...\n"
    "            [--spawn-stopped \"PROGRAM [ARG...]\"]...\n"
    "            [--gdb tcp:HOST:PORT | --gdb unix:PATH] PROGRAM [ARG...]\n"
    "  zxvmm dtb [--cmdline TEXT] [--mem SIZE] -o FILE\n"
    "  zxvmm --help | --version\n"
    "\n"
    "Runs static x86-64 guest programs built with the zxguest SDK as processes of\n"
    "one KVM virtual machine, serving them Zircon syscalls.\n"
    "\n"
    "Options:\n"
    "  --cmdline TEXT     kernel command line, e.g. kernel.enable-debugging-syscalls=true\n"
    "  --mem SIZE         guest RAM, with suffix K, M or G (default 256M, reserved lazily)\n"
    "  --timeout SECONDS  stop everything after SECONDS (fractions allowed); exit 124\n"
    "  --spawn \"PROG ARGS\" start another process in the same job first (repeatable)\n"
    "  --spawn-stopped \"PROG ARGS\"\n"
    "                     the same, but hold it before its first instruction until a\n"
    "                     debugger binds a ZX_EXCEPTION_CHANNEL_DEBUGGER channel to it\n"
    "  --wait-all         (run) wait for every process, not just the main one\n"
    "  -v, --verbose      (run) report each process's end on stderr\n"
    "  --label-output     (run) prefix guest output lines with [PROGRAM:KOID]\n"
    "  --gdb tcp:HOST:PORT | unix:PATH\n"
    "                     serve gdb's remote protocol there; every process is held\n"
    "                     before its first instruction until gdb attaches\n"
    "  --trace FILE.jsonl (run) write every syscall, exception, process start and\n"
    "                     exit as one JSON line to FILE.jsonl\n"
    "  --no-seccomp       (run) install no seccomp filters, to debug zxvmm itself\n"
    "  -o FILE            (dtb) where to write the device tree blob\n"
    "\n"
    "'zxvmm run --help' and 'zxvmm dtb --help' describe each command's options.\n"
    "\n"
    "Exit status: the main process's return code (low 8 bits); 2 usage or program\n"
    "error; 124 timeout; 125 VM set-up failed; 137 killed; 139 CPU exception;\n"
    "159 zxvmm made a system call its seccomp filter forbids.\n";

const char cli_usage_run[] =
    "Usage: zxvmm run [OPTION]... PROGRAM [ARG]...\n"
    "\n"
    "Runs PROGRAM, a static x86-64 guest program built with the zxguest SDK, as the\n"
    "main process of a new VM, with PROGRAM [ARG]... as its argv. Options come\n"
    "before PROGRAM; '--' ends them.\n"
    "\n"
    "Options:\n"
    "  --cmdline TEXT     kernel command line: key=value boot options, e.g.\n"
    "                     kernel.enable-debugging-syscalls=true (at most 4096 bytes)\n"
    "  --mem SIZE         guest RAM: a number with an optional suffix K, M or G (any\n"
    "                     case, optionally followed by B or iB), from 16M to 1024G, a\n"
    "                     multiple of 4K (default 256M, reserved lazily)\n"
    "  --timeout SECONDS  stop everything after SECONDS, more than 0 and at most\n"
    "                     1000000 (fractions allowed); exit 124\n"
    "  --spawn \"PROG ARGS\" start another process in the same job first (repeatable,\n"
    "                     up to 63); split into words as a POSIX shell would\n"
    "  --spawn-stopped \"PROG ARGS\"\n"
    "                     the same, but hold it before its first instruction until a\n"
    "                     debugger binds a ZX_EXCEPTION_CHANNEL_DEBUGGER channel to it\n"
    "  --wait-all         end the run when every process has ended, not just the main\n"
    "                     one (the exit status is still the main process's)\n"
    "  -v, --verbose      say on stderr how each process ended, with its koid\n"
    "  --label-output     prefix each line of guest output with [PROGRAM:KOID]\n"
    "  --gdb tcp:HOST:PORT | unix:PATH\n"
    "                     serve gdb's remote protocol there; every process is held\n"
    "                     before its first instruction until gdb attaches\n"
    "  --trace FILE.jsonl write one JSON line per event (syscall with its arguments,\n"
    "                     status and duration; exception; process start and exit)\n"
    "                     to FILE.jsonl, created or truncated (docs/faults.md)\n"
    "  --no-seccomp       install no seccomp filters: for debugging zxvmm itself\n"
    "                     (tools loaded into zxvmm, a suspected filter bug); every\n"
    "                     thread's filter is described in docs/security.md\n"
    "  --help             print this help\n"
    "\n"
    "Without --wait-all, the main process's end stops every process still running,\n"
    "and zxvmm says how many it stopped.\n"
    "\n"
    "Each process's arguments (PROGRAM and its ARGs) may take up to 32768 bytes,\n"
    "counting a terminating NUL per word, in at most 1024 words.\n"
    "\n"
    "Exit status: the main process's return code (low 8 bits); 2 usage or program\n"
    "error; 124 timeout; 125 VM set-up failed; 137 killed; 139 CPU exception;\n"
    "159 zxvmm made a system call its seccomp filter forbids.\n";

const char cli_usage_dtb[] = "Usage: zxvmm dtb [OPTION]... -o FILE\n"
                             "\n"
                             "Writes the device tree blob that 'zxvmm run' would give the VM to FILE, for\n"
                             "inspection with dtc(1).\n"
                             "\n"
                             "Options:\n"
                             "  --cmdline TEXT     kernel command line, placed in /chosen/bootargs\n"
                             "  --mem SIZE         guest RAM, as for run (default 256M)\n"
                             "  -o, --output FILE  where to write the blob\n"
                             "  --help             print this help\n";

/* Every option of each command, for "did you mean" (values are taken from the next word or after '='). */
static const char *const cli_run_options[] = {
    "--cmdline",  "--mem", "--timeout", "--spawn",      "--spawn-stopped", "--verbose", "--label-output",
    "--wait-all", "--gdb", "--trace",   "--no-seccomp", "--help",          NULL};
static const char *const cli_dtb_options[] = {"--cmdline", "--mem", "--output", "-o", "--help", NULL};

/* The option of `command` nearest to `arg` (its name before any '='), when it is a likely misspelling. */
static const char *nearest_option(enum cli_command command, const char *arg)
{
    const char *const *names = command == CLI_RUN ? cli_run_options : cli_dtb_options;
    size_t len = strcspn(arg, "=");
    const char *best = NULL;
    size_t best_distance = len / 3 + 1;
    for (size_t i = 0; names[i] != NULL; i++) {
        size_t d = boot_edit_distance(arg, len, names[i], strlen(names[i]));
        if (d < best_distance) {
            best = names[i];
            best_distance = d;
        }
    }
    return best;
}

/* Checks one process's words against CLI_MAX_ARGS and CLI_MAX_ARG_BYTES. */
static int check_arg_size(const struct cli_program *p, char *err, size_t errlen)
{
    size_t bytes = 0;
    for (int i = 0; i < p->argc; i++)
        bytes += strlen(p->argv[i]) + 1;
    if (p->argc > CLI_MAX_ARGS) {
        snprintf(err, errlen, "%s: %d arguments, at most %d per process (the argument count limit)",
                 p->argv[0], p->argc, CLI_MAX_ARGS);
        return -EINVAL;
    }
    if (bytes > CLI_MAX_ARG_BYTES) {
        snprintf(err, errlen,
                 "%s: the arguments take %zu bytes, at most %d per process (the argument size limit)",
                 p->argv[0], bytes, CLI_MAX_ARG_BYTES);
        return -EINVAL;
    }
    return 0;
}

/* Takes an option's value from "--opt=value" or the next argument. */
static const char *option_value(int argc, char **argv, int *i, const char *name, char *err, size_t errlen)
{
    const char *arg = argv[*i];
    size_t len = strlen(name);
    if (arg[len] == '=')
        return arg + len + 1;
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "option %s needs a value", name);
        return NULL;
    }
    return argv[++*i];
}

static bool is_option(const char *arg, const char *name)
{
    size_t len = strlen(name);
    return strncmp(arg, name, len) == 0 && (arg[len] == '\0' || arg[len] == '=');
}

static int parse_mem(const char *v, struct cli_options *o, char *err, size_t errlen)
{
    if (cli_parse_size(v, &o->mem_size) != 0 || o->mem_size < CLI_MIN_MEM || o->mem_size > CLI_MAX_MEM ||
        o->mem_size % 4096 != 0) {
        snprintf(err, errlen, "--mem %s: expected a size from 16M to 1024G, a multiple of 4K (e.g. 256M)", v);
        return -EINVAL;
    }
    return 0;
}

static int parse_spawn(const char *v, bool stopped, struct cli_options *o, char *err, size_t errlen)
{
    const char *opt = stopped ? "--spawn-stopped" : "--spawn";
    if (o->nspawn == CLI_MAX_SPAWN) {
        snprintf(err, errlen, "%s: at most %d processes", opt, CLI_MAX_SPAWN);
        return -EINVAL;
    }
    struct cli_program *p = &o->spawn[o->nspawn];
    p->stopped = stopped;
    char why[128];
    if (cli_split_words(v, &p->argc, &p->argv, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s \"%s\": %s", opt, v, why);
        return -EINVAL;
    }
    o->nspawn++;
    if (p->argc == 0) {
        snprintf(err, errlen, "%s: the program is missing", opt);
        return -EINVAL;
    }
    return 0;
}

/* One option of `run` or `dtb`; *i advances past its value. */
static int parse_option(int argc, char **argv, int *i, struct cli_options *o, char *err, size_t errlen)
{
    const char *arg = argv[*i], *v;
    if (o->command == CLI_RUN && (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0)) {
        o->verbose = true;
    } else if (o->command == CLI_RUN && strcmp(arg, "--label-output") == 0) {
        o->label_output = true;
    } else if (o->command == CLI_RUN && strcmp(arg, "--wait-all") == 0) {
        o->wait_all = true;
    } else if (o->command == CLI_RUN && strcmp(arg, "--no-seccomp") == 0) {
        o->no_seccomp = true;
    } else if (is_option(arg, "--cmdline")) {
        if (!(v = option_value(argc, argv, i, "--cmdline", err, errlen)))
            return -EINVAL;
        if (strlen(v) > CLI_MAX_CMDLINE) {
            snprintf(err, errlen, "--cmdline: %zu bytes, at most %d (the command-line size limit)", strlen(v),
                     CLI_MAX_CMDLINE);
            return -EINVAL;
        }
        o->cmdline = v;
        o->ncmdline++;
    } else if (is_option(arg, "--mem")) {
        if (!(v = option_value(argc, argv, i, "--mem", err, errlen)))
            return -EINVAL;
        return parse_mem(v, o, err, errlen);
    } else if (o->command == CLI_RUN && is_option(arg, "--timeout")) {
        if (!(v = option_value(argc, argv, i, "--timeout", err, errlen)))
            return -EINVAL;
        if (cli_parse_seconds(v, &o->timeout_ns) != 0) {
            snprintf(err, errlen,
                     "--timeout %s: expected a number of seconds more than 0 and at most %llu "
                     "(e.g. 10 or 0.5)",
                     v, (unsigned long long)CLI_SECONDS_MAX);
            return -EINVAL;
        }
    } else if (o->command == CLI_RUN && is_option(arg, "--gdb")) {
        if (!(v = option_value(argc, argv, i, "--gdb", err, errlen)))
            return -EINVAL;
        struct gdb_address addr;
        if (gdb_parse_address(v, &addr, err, errlen) != 0)
            return -EINVAL;
        o->gdb = v;
    } else if (o->command == CLI_RUN && is_option(arg, "--trace")) {
        if (!(v = option_value(argc, argv, i, "--trace", err, errlen)))
            return -EINVAL;
        if (*v == '\0') {
            snprintf(err, errlen, "--trace: the file name is empty");
            return -EINVAL;
        }
        o->trace = v;
    } else if (o->command == CLI_RUN && is_option(arg, "--spawn-stopped")) {
        if (!(v = option_value(argc, argv, i, "--spawn-stopped", err, errlen)))
            return -EINVAL;
        return parse_spawn(v, true, o, err, errlen);
    } else if (o->command == CLI_RUN && is_option(arg, "--spawn")) {
        if (!(v = option_value(argc, argv, i, "--spawn", err, errlen)))
            return -EINVAL;
        return parse_spawn(v, false, o, err, errlen);
    } else if (o->command == CLI_DTB && (strcmp(arg, "-o") == 0 || is_option(arg, "--output"))) {
        if (!(v = option_value(argc, argv, i, strcmp(arg, "-o") == 0 ? "-o" : "--output", err, errlen)))
            return -EINVAL;
        o->output = v;
    } else {
        const char *near = nearest_option(o->command, arg);
        int n =
            snprintf(err, errlen, "unknown option '%s' for '%s'", arg, o->command == CLI_RUN ? "run" : "dtb");
        if (near && n > 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, "; did you mean '%s'?", near);
        return -EINVAL;
    }
    return 0;
}

static int parse_command(const char *word, struct cli_options *o, char *err, size_t errlen)
{
    if (strcmp(word, "run") == 0)
        o->command = CLI_RUN;
    else if (strcmp(word, "dtb") == 0)
        o->command = CLI_DTB;
    else if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
        o->help_for = o->command = CLI_HELP;
    } else if (strcmp(word, "--version") == 0)
        o->command = CLI_VERSION;
    else {
        snprintf(err, errlen, "unknown command '%s' (expected run or dtb)", word);
        return -EINVAL;
    }
    return 0;
}

int cli_parse(int argc, char **argv, struct cli_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->cmdline = "";
    o->help_for = CLI_HELP;
    o->mem_size = CLI_DEFAULT_MEM;
    if (argc < 2) {
        snprintf(err, errlen, "missing command");
        return -EINVAL;
    }
    if (parse_command(argv[1], o, err, errlen) != 0)
        return -EINVAL;
    if (o->command == CLI_HELP && argc > 2 && (strcmp(argv[2], "run") == 0 || strcmp(argv[2], "dtb") == 0))
        o->help_for = strcmp(argv[2], "run") == 0 ? CLI_RUN : CLI_DTB; /* zxvmm help run */
    if (o->command == CLI_HELP || o->command == CLI_VERSION)
        return 0;
    int i = 2;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            o->help_for = o->command;
            o->command = CLI_HELP;
            return 0;
        }
        if (parse_option(argc, argv, &i, o, err, errlen) != 0)
            return -EINVAL;
    }
    if (o->command == CLI_DTB) {
        if (i < argc) {
            snprintf(err, errlen, "dtb takes no program ('%s')", argv[i]);
            return -EINVAL;
        }
        if (!o->output) {
            snprintf(err, errlen, "dtb needs -o FILE");
            return -EINVAL;
        }
        return 0;
    }
    if (i >= argc) {
        snprintf(err, errlen, "run needs a PROGRAM");
        return -EINVAL;
    }
    o->main.argc = argc - i;
    o->main.argv = argv + i;
    for (int k = 0; k <= o->nspawn; k++)
        if (check_arg_size(k < o->nspawn ? &o->spawn[k] : &o->main, err, errlen) != 0)
            return -EINVAL;
    return 0;
}

void cli_options_free(struct cli_options *o)
{
    for (int i = 0; i < o->nspawn; i++)
        cli_free_words(o->spawn[i].argv);
    o->nspawn = 0;
}
