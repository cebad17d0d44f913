/* test_cli_parse.c: cli_parse: per-command help, repeated --cmdline, size limits, "did you mean". */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "vm/vm.h"

static char err[512];

/* Parses a NULL-terminated list of words after "zxvmm". */
static int parse(struct cli_options *o, const char **words)
{
    char *argv[64] = {"zxvmm"};
    int argc = 1;
    for (; words[argc - 1] != NULL; argc++)
        argv[argc] = (char *)words[argc - 1];
    err[0] = '\0';
    return cli_parse(argc, argv, o, err, sizeof(err));
}

Test(cli_parse, run_help_asks_for_run_s_own_help)
{
    struct cli_options o;
    cr_assert_eq(parse(&o, (const char *[]){"run", "--help", NULL}), 0);
    cr_assert_eq(o.command, CLI_HELP);
    cr_assert_eq(o.help_for, CLI_RUN);
    cr_assert_eq(parse(&o, (const char *[]){"dtb", "-h", NULL}), 0);
    cr_assert_eq(o.help_for, CLI_DTB);
    cr_assert_eq(parse(&o, (const char *[]){"help", "run", NULL}), 0);
    cr_assert_eq(o.help_for, CLI_RUN);
    cr_assert_eq(parse(&o, (const char *[]){"--help", NULL}), 0);
    cr_assert_eq(o.help_for, CLI_HELP);
}

Test(cli_parse, repeated_cmdline_is_counted_and_the_last_wins)
{
    struct cli_options o;
    cr_assert_eq(parse(&o, (const char *[]){"run", "--cmdline", "a=1", "--cmdline=b=2", "prog", NULL}), 0);
    cr_assert_eq(o.ncmdline, 2);
    cr_assert_str_eq(o.cmdline, "b=2");
    cli_options_free(&o);
}

Test(cli_parse, unknown_option_suggests_the_nearest)
{
    struct cli_options o;
    cr_assert_eq(parse(&o, (const char *[]){"run", "--timout", "5", "prog", NULL}), -EINVAL);
    cr_assert(strstr(err, "did you mean '--timeout'?") != NULL, "%s", err);
    cr_assert_eq(parse(&o, (const char *[]){"dtb", "--outptu=x", NULL}), -EINVAL);
    cr_assert(strstr(err, "did you mean '--output'?") != NULL, "%s", err);
    cr_assert_eq(parse(&o, (const char *[]){"run", "--turbo", "prog", NULL}), -EINVAL);
    cr_assert_null(strstr(err, "did you mean"), "%s", err);
}

Test(cli_parse, cmdline_size_limit_is_named)
{
    char *big = malloc(CLI_MAX_CMDLINE + 2);
    memset(big, 'a', CLI_MAX_CMDLINE + 1);
    big[CLI_MAX_CMDLINE + 1] = '\0';
    struct cli_options o;
    cr_assert_eq(parse(&o, (const char *[]){"run", "--cmdline", big, "prog", NULL}), -EINVAL);
    cr_assert(strstr(err, "at most 4096 (the command-line size limit)") != NULL, "%s", err);
    big[CLI_MAX_CMDLINE] = '\0';
    cr_assert_eq(parse(&o, (const char *[]){"run", "--cmdline", big, "prog", NULL}), 0, "%s", err);
    free(big);
}

Test(cli_parse, argument_size_limit_is_named)
{
    size_t n = CLI_MAX_ARG_BYTES - 5; /* "prog" and its NUL take 5 */
    char *word = malloc(n + 2);
    memset(word, 'x', n + 1);
    word[n] = '\0'; /* n - 1 chars + NUL = n bytes: exactly at the limit */
    word[n - 1] = '\0';
    struct cli_options o;
    cr_assert_eq(parse(&o, (const char *[]){"run", "prog", word, NULL}), 0, "%s", err);
    word[n - 1] = 'x';
    cr_assert_eq(parse(&o, (const char *[]){"run", "prog", word, NULL}), -EINVAL);
    cr_assert(strstr(err, "prog: the arguments take 32769 bytes, at most 32768") != NULL, "%s", err);
    free(word);
}

Test(cli_parse, argument_count_limit_is_named)
{
    static char *argv[CLI_MAX_ARGS + 4];
    argv[0] = "zxvmm";
    argv[1] = "run";
    for (int i = 2; i < CLI_MAX_ARGS + 3; i++)
        argv[i] = "a";
    struct cli_options o;
    cr_assert_eq(cli_parse(CLI_MAX_ARGS + 2, argv, &o, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cli_parse(CLI_MAX_ARGS + 3, argv, &o, err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "1025 arguments, at most 1024") != NULL, "%s", err);
}

Test(cli_parse, kvm_open_errors_say_how_to_get_access)
{
    cr_assert(strstr(vm_kvm_open_hint(EACCES), "'kvm' group") != NULL);
    cr_assert(strstr(vm_kvm_open_hint(ENOENT), "kvm_intel or kvm_amd") != NULL);
    cr_assert_str_eq(vm_kvm_open_hint(EINVAL), "");
}

Test(cli_parse, no_seccomp_is_a_run_option_off_by_default)
{
    struct cli_options o;
    cr_assert_eq(parse(&o, (const char *[]){"run", "prog", NULL}), 0);
    cr_assert_not(o.no_seccomp);
    cr_assert_eq(parse(&o, (const char *[]){"run", "--no-seccomp", "prog", NULL}), 0);
    cr_assert(o.no_seccomp);
    cr_assert_str_eq(o.main.argv[0], "prog");
    cr_assert_eq(parse(&o, (const char *[]){"dtb", "--no-seccomp", "-o", "f", NULL}), -EINVAL);
    cr_assert_str_eq(err, "unknown option '--no-seccomp' for 'dtb'");
}

Test(cli_parse, mem_beyond_maxphyaddr_is_refused_naming_the_cause)
{
    cr_assert_eq(vm_check_mem_width(1024ULL << 30, 39, err, sizeof(err)), -ERANGE);
    cr_assert(strstr(err, "--mem 1024G") != NULL, "%s", err);
    cr_assert(strstr(err, "MAXPHYADDR 39") != NULL, "%s", err);
    cr_assert(strstr(err, "at most 512G") != NULL, "%s", err);
    cr_assert_eq(vm_check_mem_width((512ULL << 30) + 4096, 39, err, sizeof(err)), -ERANGE);
}

Test(cli_parse, mem_within_maxphyaddr_is_accepted)
{
    cr_assert_eq(vm_check_mem_width(512ULL << 30, 39, err, sizeof(err)), 0);
    cr_assert_eq(vm_check_mem_width(1024ULL << 30, 40, err, sizeof(err)), 0);
    cr_assert_eq(vm_check_mem_width(256ULL << 20, 36, err, sizeof(err)), 0);
    cr_assert_eq(vm_check_mem_width(UINT64_MAX & ~4095ULL, 64, err, sizeof(err)), 0);
}
