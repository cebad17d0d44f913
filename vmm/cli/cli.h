/* cli.h: the zxvmm command line, parsed into options (no KVM, no guest RAM). */
#ifndef ZXVMM_CLI_CLI_H
#define ZXVMM_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_DEFAULT_MEM   (256ULL << 20)
#define CLI_MIN_MEM       (16ULL << 20)
#define CLI_MAX_MEM       (1ULL << 40)
#define CLI_MAX_SPAWN     63
/* Limits named in their errors and in docs/cli.md: they keep a process's boot area (device tree, argv
 * strings and pointers) within the quarter of its stack that holds it. */
#define CLI_MAX_CMDLINE   4096  /* bytes of --cmdline */
#define CLI_MAX_ARG_BYTES 32768 /* bytes of one process's words, a NUL each */
#define CLI_MAX_ARGS      1024  /* words of one process, PROGRAM included */

/* Exit statuses, after timeout(1) and container runtimes (SEMANTICS.md section 2). */
#define CLI_EXIT_USAGE     2
#define CLI_EXIT_TIMEOUT   124
#define CLI_EXIT_VM_FAILED 125
#define CLI_EXIT_KILLED    137
#define CLI_EXIT_EXCEPTION 139

enum cli_command { CLI_RUN, CLI_DTB, CLI_HELP, CLI_VERSION, CLI_CAMPAIGN, CLI_REPORT };

#define CLI_MAX_RUNS 100000000ULL /* campaign --runs */
#define CLI_MAX_JOBS 64           /* campaign -j */

struct cli_program {
    int argc;
    char **argv;  /* NULL-terminated */
    bool stopped; /* --spawn-stopped: held before its first instruction until a debugger attaches */
};

struct cli_options {
    enum cli_command command;
    enum cli_command help_for; /* CLI_HELP: the command whose help to print (CLI_HELP: the general one) */
    const char *cmdline;       /* --cmdline, "" by default; the last one given wins */
    int ncmdline;              /* how many --cmdline were given (more than one is warned about) */
    uint64_t mem_size;         /* --mem */
    uint64_t timeout_ns;       /* --timeout, 0 for none */
    bool verbose;              /* -v, --verbose: one stderr line per process end */
    bool label_output;         /* --label-output: prefix each console line with [name:koid] */
    bool wait_all;             /* --wait-all: the run ends when every process has ended */
    bool no_seccomp;           /* --no-seccomp: install no seccomp filters (debugging zxvmm itself) */
    const char *output;        /* dtb -o FILE */
    const char *gdb;           /* --gdb tcp:HOST:PORT | unix:PATH, NULL for none */
    const char *trace;         /* run --trace FILE.jsonl, NULL for none */
    const char *scenario;      /* run --scenario S.lua: the programs come from it; NULL for none */
    bool seed_given;           /* --seed N */
    uint64_t seed;             /* the run's seed (with --scenario) */
    bool mem_given;            /* --mem was given (it then overrides a scenario's mem) */
    uint64_t runs;             /* campaign --runs N */
    unsigned jobs;             /* campaign -j J (default 1) */
    const char *out;           /* campaign --out FILE.jsonl, NULL for stdout */
    uint64_t shard_k, shard_m; /* campaign --shard K/M (shard_m 0: not given, the whole campaign) */
    bool resume;               /* campaign --resume: keep --out's whole rows, run the missing ones */
    bool replay_given;         /* campaign --replay I */
    uint64_t replay;           /* the run to replay */
    bool systematic;           /* campaign --systematic: enumerate the fault space instead of sampling it */
    char **files;              /* report FILE... (points into argv) */
    int nfiles;
    struct cli_program spawn[CLI_MAX_SPAWN];
    int nspawn;
    struct cli_program main; /* PROGRAM [ARG...] (argv points into the caller's argv) */
};

/*
 * Parses argv. Returns 0, or -EINVAL with one line in `err` naming the
 * offending option or value (a usage error, exit status 2).
 */
int cli_parse(int argc, char **argv, struct cli_options *o, char *err, size_t errlen);

/* Frees what cli_parse allocated (the --spawn word lists). */
void cli_options_free(struct cli_options *o);

/* The --help texts: general, and each command's. */
extern const char cli_usage[];
extern const char cli_usage_run[];
extern const char cli_usage_dtb[];
extern const char cli_usage_campaign[];
extern const char cli_usage_report[];

#endif
