/* cli.c: parsing the zxvmm command line. */
#include "cli/cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/options.h"
#include "campaign/shard.h"
#include "cli/args.h"
#include "gdb/server.h"

const char cli_usage[] =
    "Usage:\n"
    "  zxvmm run [--cmdline TEXT] [--mem SIZE] [--timeout SECONDS] [--wait-all]\n"
    "            [-v] [--label-output] [--trace FILE.jsonl] [--no-seccomp]\n"
    "            [--spawn \"PROGRAM [ARG...]\"]...\n"
    "            [--spawn-stopped \"PROGRAM [ARG...]\"]...\n"
    "            [--gdb tcp:HOST:PORT | --gdb unix:PATH] PROGRAM [ARG...]\n"
    "  zxvmm run [OPTION]... --scenario S.lua [--seed N]\n"
    "  zxvmm dtb [--cmdline TEXT] [--mem SIZE] -o FILE\n"
    "  zxvmm campaign S.lua --runs N [-j J] [--seed N] [--out FILE.jsonl]\n"
    "                 [--shard K/M] [--resume]\n"
    "  zxvmm campaign S.lua --systematic [--runs N] [OPTION]...\n"
    "  zxvmm campaign S.lua --seed N --replay I [--out FILE.jsonl] [--trace FILE.jsonl]\n"
    "  zxvmm report FILE.jsonl...\n"
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
    "  --scenario S.lua   (run) run the fault-injection scenario S.lua (its programs,\n"
    "                     a silent golden run, then the faulted run) and print its class\n"
    "  --seed N           (run) the scenario run's seed (default: random, printed)\n"
    "  --no-seccomp       (run) install no seccomp filters, to debug zxvmm itself\n"
    "  -o FILE            (dtb) where to write the device tree blob\n"
    "\n"
    "'zxvmm COMMAND --help' describes each command's options (run, dtb, campaign,\n"
    "report).\n"
    "\n"
    "Exit status: the main process's return code (low 8 bits); 2 usage or program\n"
    "error; 124 timeout; 125 VM set-up failed; 137 killed; 139 CPU exception;\n"
    "159 zxvmm made a system call its seccomp filter forbids.\n";

const char cli_usage_run[] =
    "Usage: zxvmm run [OPTION]... PROGRAM [ARG]...\n"
    "   or: zxvmm run [OPTION]... --scenario S.lua [--seed N]\n"
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
    "  --scenario S.lua   run the fault-injection scenario S.lua: its programs (no\n"
    "                     PROGRAM on the command line) run once silently as the golden\n"
    "                     run, then with its faults; guest output and exit status are\n"
    "                     the faulted run's, and one stderr line gives its class\n"
    "  --seed N           the seed of the faulted run's draws, decimal or 0x hex\n"
    "                     (default: chosen at random and printed on stderr)\n"
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

const char cli_usage_campaign[] =
    "Usage: zxvmm campaign S.lua --runs N [-j J] [--seed N] [--out FILE.jsonl]\n"
    "                      [--shard K/M] [--resume]\n"
    "   or: zxvmm campaign S.lua --systematic [--runs N] [-j J] [--seed N]\n"
    "                      [--out FILE.jsonl] [--shard K/M] [--resume]\n"
    "   or: zxvmm campaign S.lua --seed N --replay I [--systematic]\n"
    "                      [--out FILE.jsonl] [--trace FILE.jsonl]\n"
    "\n"
    "Runs the fault-injection scenario S.lua N times with seeds derived from the\n"
    "campaign seed, after one golden run without faults, and writes one JSON line\n"
    "per run (the golden run's first) to FILE.jsonl or stdout. A class table ends\n"
    "on stderr. One run's failure is its row (vmm_error), never the campaign's end.\n"
    "\n"
    "Options:\n"
    "  --runs N           how many faulted runs, 1 to 100000000\n"
    "  -j, --jobs J       runs at once, 1 to 64 (default 1)\n"
    "  --seed N           the campaign seed, decimal or 0x hex (default: random,\n"
    "                     printed on stderr and stored in every row)\n"
    "  --out FILE.jsonl   where the rows go (created or truncated; default stdout)\n"
    "  --shard K/M        run only the runs i with i mod M = K (0 <= K < M); every\n"
    "                     shard writes the golden row; 'zxvmm report' merges them\n"
    "  --resume           (with --out) keep the whole rows already in FILE.jsonl\n"
    "                     (a last line cut off is dropped), run only the missing\n"
    "                     runs and append their rows\n"
    "  --replay I         run run I alone, as 'zxvmm run --scenario' does (guest\n"
    "                     output on stdout, class on stderr); needs --seed; with\n"
    "                     --out, writes its row\n"
    "  --trace FILE.jsonl (with --replay) write the replayed run's trace\n"
    "  --systematic       enumerate instead of sampling: one run per (syscall of\n"
    "                     the golden run, error its docs page lists), each failing\n"
    "                     that call with that status; --runs N keeps the first N\n"
    "  --help             print this help\n"
    "\n"
    "A progress line (runs, runs/s, classes, ETA) is redrawn on stderr when it is\n"
    "a terminal.\n"
    "\n"
    "Exit status: 0 when the campaign ran (whatever the classes); 2 usage or\n"
    "scenario error; 125 when the golden run failed or a row could not be\n"
    "written (the campaign stops there; --resume goes on from the whole rows).\n"
    "With --replay, the run's status as 'zxvmm run --scenario' gives it (125 if\n"
    "its row could not be written).\n";

const char cli_usage_report[] = "Usage: zxvmm report FILE.jsonl...\n"
                                "\n"
                                "Reads the rows of campaign files (shards concatenate) and prints the class\n"
                                "table; a golden row counts once however many files carry it.\n"
                                "\n"
                                "Options:\n"
                                "  --help             print this help\n"
                                "\n"
                                "A line that is not a whole row is named on stderr and skipped.\n"
                                "\n"
                                "Exit status: 0; 2 when a file cannot be read or the table cannot be\n"
                                "written.\n";

/* Every option of each command, for "did you mean" (values are taken from the next word or after '='). */
static const char *const cli_run_options[] = {
    "--cmdline",  "--mem",          "--timeout",    "--spawn", "--spawn-stopped",
    "--verbose",  "--label-output", "--wait-all",   "--gdb",   "--trace",
    "--scenario", "--seed",         "--no-seccomp", "--help",  NULL};
static const char *const cli_dtb_options[] = {"--cmdline", "--mem", "--output", "-o", "--help", NULL};
static const char *const cli_campaign_options[] = {"--runs",  "--jobs",       "-j",       "--seed",
                                                   "--out",   "--shard",      "--resume", "--replay",
                                                   "--trace", "--systematic", "--help",   NULL};

/* The option of `command` nearest to `arg` (its name before any '='), when it is a likely misspelling. */
static const char *nearest_option(enum cli_command command, const char *arg)
{
    const char *const *names = command == CLI_RUN        ? cli_run_options
                               : command == CLI_CAMPAIGN ? cli_campaign_options
                                                         : cli_dtb_options;
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

/* The value of an option naming a file, which may not be empty; NULL with `err` set. */
static const char *file_value(int argc, char **argv, int *i, const char *name, char *err, size_t errlen)
{
    const char *v = option_value(argc, argv, i, name, err, errlen);
    if (v && *v == '\0') {
        snprintf(err, errlen, "%s: the file name is empty", name);
        return NULL;
    }
    return v;
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
        o->mem_given = true;
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
        if (!(o->trace = file_value(argc, argv, i, "--trace", err, errlen)))
            return -EINVAL;
    } else if (o->command == CLI_RUN && is_option(arg, "--scenario")) {
        if (!(o->scenario = file_value(argc, argv, i, "--scenario", err, errlen)))
            return -EINVAL;
    } else if (o->command == CLI_RUN && is_option(arg, "--seed")) {
        if (!(v = option_value(argc, argv, i, "--seed", err, errlen)))
            return -EINVAL;
        char *end;
        errno = 0;
        o->seed = strtoull(v, &end, 0);
        if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0) {
            snprintf(err, errlen, "--seed %s: expected an unsigned 64-bit number, decimal or 0x hex", v);
            return -EINVAL;
        }
        o->seed_given = true;
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

/* A 64-bit unsigned number, decimal or 0x hex, into *out; the option's name in the error. */
static int parse_u64(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out, char *err,
                     size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0 || n < lo || n > hi) {
        snprintf(err, errlen, "%s %s: expected a number from %llu to %llu (decimal or 0x hex)", opt, v,
                 (unsigned long long)lo, (unsigned long long)hi);
        return -EINVAL;
    }
    *out = n;
    return 0;
}

/* One option of `campaign`; *i advances past its value. */
static int parse_campaign_option(int argc, char **argv, int *i, struct cli_options *o, char *err,
                                 size_t errlen)
{
    const char *arg = argv[*i], *v;
    uint64_t n;
    if (is_option(arg, "--runs")) {
        if (!(v = option_value(argc, argv, i, "--runs", err, errlen)) ||
            parse_u64("--runs", v, 1, CLI_MAX_RUNS, &o->runs, err, errlen))
            return -EINVAL;
    } else if (strcmp(arg, "-j") == 0 || is_option(arg, "--jobs")) {
        const char *name = strcmp(arg, "-j") == 0 ? "-j" : "--jobs";
        if (!(v = option_value(argc, argv, i, name, err, errlen)) ||
            parse_u64(name, v, 1, CLI_MAX_JOBS, &n, err, errlen))
            return -EINVAL;
        o->jobs = (unsigned)n;
    } else if (is_option(arg, "--seed")) {
        if (!(v = option_value(argc, argv, i, "--seed", err, errlen)) ||
            parse_u64("--seed", v, 0, UINT64_MAX, &o->seed, err, errlen))
            return -EINVAL;
        o->seed_given = true;
    } else if (is_option(arg, "--out")) {
        if (!(v = option_value(argc, argv, i, "--out", err, errlen)))
            return -EINVAL;
        o->out = v;
    } else if (is_option(arg, "--shard")) {
        struct campaign_shard s;
        if (!(v = option_value(argc, argv, i, "--shard", err, errlen)) ||
            campaign_shard_parse(v, &s, err, errlen) != 0)
            return -EINVAL;
        o->shard_k = s.k;
        o->shard_m = s.m;
    } else if (strcmp(arg, "--resume") == 0) {
        o->resume = true;
    } else if (strcmp(arg, "--systematic") == 0) {
        o->systematic = true;
    } else if (is_option(arg, "--replay")) {
        if (!(v = option_value(argc, argv, i, "--replay", err, errlen)) ||
            parse_u64("--replay", v, 0, CLI_MAX_RUNS - 1, &o->replay, err, errlen))
            return -EINVAL;
        o->replay_given = true;
    } else if (is_option(arg, "--trace")) {
        if (!(o->trace = file_value(argc, argv, i, "--trace", err, errlen)))
            return -EINVAL;
    } else {
        const char *near = nearest_option(CLI_CAMPAIGN, arg);
        int k = snprintf(err, errlen, "unknown option '%s' for 'campaign'", arg);
        if (near && k > 0 && (size_t)k < errlen)
            snprintf(err + k, errlen - (size_t)k, "; did you mean '%s'?", near);
        return -EINVAL;
    }
    return 0;
}

/* The campaign options that only go together. */
static int check_campaign(const struct cli_options *o, char *err, size_t errlen)
{
    const char *why = NULL;
    if (o->replay_given && !o->seed_given)
        why = "--replay needs --seed N (the campaign seed of the run to replay)";
    else if (o->replay_given && (o->shard_m || o->resume))
        why = o->resume ? "--replay runs one run; it cannot be used with --resume"
                        : "--replay runs one run; it cannot be used with --shard";
    else if (!o->replay_given && o->runs == 0 && !o->systematic)
        why = "campaign needs --runs N (or --systematic)";
    else if (!o->replay_given && o->trace)
        why = "--trace needs --replay I (a campaign does not trace its runs; replay the one to trace)";
    else if (o->resume && !o->out)
        why = "--resume needs --out FILE.jsonl (the file whose rows it keeps and appends to)";
    if (why) {
        snprintf(err, errlen, "%s", why);
        return -EINVAL;
    }
    if (o->replay_given && o->runs && o->replay >= o->runs) {
        snprintf(err, errlen, "--replay %llu: not a run of --runs %llu (runs are numbered from 0)",
                 (unsigned long long)o->replay, (unsigned long long)o->runs);
        return -EINVAL;
    }
    return 0;
}

/* `campaign S.lua OPTIONS` (options before or after the scenario) and `report FILE...`. */
static int parse_campaign(int argc, char **argv, struct cli_options *o, char *err, size_t errlen)
{
    bool report = o->command == CLI_REPORT;
    o->jobs = 1;
    o->files = calloc((size_t)argc, sizeof(char *));
    if (!o->files) {
        snprintf(err, errlen, "out of memory");
        return -EINVAL;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            o->help_for = o->command;
            o->command = CLI_HELP;
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            if (report) {
                snprintf(err, errlen, "unknown option '%s' for 'report'", argv[i]);
                return -EINVAL;
            }
            if (parse_campaign_option(argc, argv, &i, o, err, errlen) != 0)
                return -EINVAL;
        } else {
            o->files[o->nfiles++] = argv[i];
        }
    }
    if (report && o->nfiles == 0) {
        snprintf(err, errlen, "report needs at least one FILE.jsonl");
        return -EINVAL;
    }
    if (!report && o->nfiles != 1) {
        snprintf(err, errlen,
                 o->nfiles ? "campaign takes one scenario ('%s' is a second)"
                           : "campaign needs a scenario S.lua",
                 o->nfiles ? o->files[1] : "");
        return -EINVAL;
    }
    o->scenario = report ? NULL : o->files[0];
    return report ? 0 : check_campaign(o, err, errlen);
}

static int parse_command(const char *word, struct cli_options *o, char *err, size_t errlen)
{
    if (strcmp(word, "run") == 0)
        o->command = CLI_RUN;
    else if (strcmp(word, "dtb") == 0)
        o->command = CLI_DTB;
    else if (strcmp(word, "campaign") == 0)
        o->command = CLI_CAMPAIGN;
    else if (strcmp(word, "report") == 0)
        o->command = CLI_REPORT;
    else if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
        o->help_for = o->command = CLI_HELP;
    } else if (strcmp(word, "--version") == 0)
        o->command = CLI_VERSION;
    else {
        snprintf(err, errlen, "unknown command '%s' (expected run, dtb, campaign or report)", word);
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
    if (o->command == CLI_HELP && argc > 2) { /* zxvmm help run */
        struct cli_options sub;
        if (parse_command(argv[2], &sub, err, errlen) == 0 && sub.command != CLI_HELP &&
            sub.command != CLI_VERSION)
            o->help_for = sub.command;
    }
    if (o->command == CLI_HELP || o->command == CLI_VERSION)
        return 0;
    if (o->command == CLI_CAMPAIGN || o->command == CLI_REPORT)
        return parse_campaign(argc, argv, o, err, errlen);
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
    if (o->seed_given && !o->scenario) {
        snprintf(err, errlen, "--seed needs --scenario");
        return -EINVAL;
    }
    if (o->scenario) {
        if (i < argc || o->nspawn > 0) {
            snprintf(err, errlen, "--scenario takes its programs from the scenario; remove '%s'",
                     i < argc ? argv[i] : "--spawn");
            return -EINVAL;
        }
        if (o->gdb) {
            snprintf(err, errlen,
                     "--gdb cannot be used with --scenario (a scenario runs its programs twice, "
                     "each run in a child process)");
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
    free(o->files);
    o->files = NULL;
    for (int i = 0; i < o->nspawn; i++)
        cli_free_words(o->spawn[i].argv);
    o->nspawn = 0;
}
