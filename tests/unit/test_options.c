/* test_options.c: kernel command-line boot options. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/options.h"

#define T_ERR_SIZE 256
#define T_KEY      "kernel.enable-debugging-syscalls"

static char err[T_ERR_SIZE];

/* Parses cmdline, which must succeed, and returns the debugging-syscalls option. */
static bool debugging(const char *cmdline)
{
    struct boot_options opts;
    int rc = boot_options_parse(cmdline, &opts, err, sizeof(err));

    cr_assert_eq(rc, 0, "\"%s\": %d %s", cmdline, rc, err);
    return opts.enable_debugging_syscalls;
}

Test(options, default_is_false)
{
    cr_assert_not(debugging("console=hvc0 quiet"));
}

Test(options, bare_key_means_true)
{
    cr_assert(debugging(T_KEY));
    cr_assert(debugging("quiet " T_KEY " x=1"));
}

Test(options, true_spellings_mean_true)
{
    cr_assert(debugging(T_KEY "=true"));
    cr_assert(debugging(T_KEY "=1"));
    cr_assert(debugging(T_KEY "=on"));
    cr_assert(debugging(T_KEY "=TRUE"));
}

Test(options, false_spellings_mean_false)
{
    cr_assert_not(debugging(T_KEY "=false"));
    cr_assert_not(debugging(T_KEY "=0"));
    cr_assert_not(debugging(T_KEY "=off"));
    cr_assert_not(debugging(T_KEY "=Off"));
}

Test(options, last_occurrence_wins)
{
    cr_assert_not(debugging(T_KEY "=true " T_KEY "=false"));
    cr_assert(debugging(T_KEY "=off " T_KEY));
}

Test(options, tabs_and_newlines_separate_words)
{
    cr_assert(debugging("quiet\t" T_KEY "=on\nother"));
    cr_assert(debugging("\n\t  " T_KEY "  \t\n"));
}

Test(options, unknown_keys_ignored)
{
    cr_assert_not(debugging("kernel.unknown=maybe " T_KEY "-extra=1 kernel.enable-debugging=1 =true"));
}

Test(options, key_must_match_whole_word)
{
    cr_assert_not(debugging("x" T_KEY "=true"));
}

Test(options, non_boolean_value_rejected_naming_the_word)
{
    struct boot_options opts = {.enable_debugging_syscalls = true};

    cr_assert_eq(boot_options_parse("quiet " T_KEY "=maybe other", &opts, err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, T_KEY "=maybe") != NULL, "%s", err);
    cr_assert(strstr(err, "other") == NULL, "%s", err);
    cr_assert(opts.enable_debugging_syscalls, "out changed on error");
}

Test(options, empty_value_rejected)
{
    struct boot_options opts;

    cr_assert_eq(boot_options_parse(T_KEY "=", &opts, err, sizeof(err)), -EINVAL);
}

Test(options, empty_and_null_cmdline_accepted)
{
    cr_assert_not(debugging(""));
    cr_assert_not(debugging("   \t\n"));
    cr_assert_not(debugging(NULL));
}

Test(options, serial_syscalls_default_on)
{
    struct boot_options o;
    cr_assert_eq(boot_options_parse("", &o, err, sizeof(err)), 0);
    cr_assert(o.enable_serial_syscalls);
}

Test(options, serial_syscalls_can_be_turned_off)
{
    struct boot_options o;
    cr_assert_eq(boot_options_parse("kernel.enable-serial-syscalls=off", &o, err, sizeof(err)), 0);
    cr_assert_not(o.enable_serial_syscalls);
    cr_assert_not(o.enable_debugging_syscalls);
}

/* Collects the unknown words of cmdline, joined by '|'. */
static const char *unknown_words(const char *cmdline)
{
    static char out[T_ERR_SIZE];
    const char *pos = cmdline, *word;
    size_t len, n = 0;

    out[0] = '\0';
    while (boot_options_next_unknown(&pos, &word, &len))
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%.*s", n ? "|" : "", (int)len, word);
    return out;
}

Test(options, unknown_words_are_listed_in_order)
{
    cr_assert_str_eq(unknown_words(""), "");
    cr_assert_str_eq(unknown_words(T_KEY "=true kernel.enable-serial-syscalls"), "");
    cr_assert_str_eq(unknown_words("quiet " T_KEY " console=hvc0\tkernel.enable-debuging-syscalls=1"),
                     "quiet|console=hvc0|kernel.enable-debuging-syscalls=1");
}

Test(options, a_misspelled_key_has_a_nearest_known_key)
{
    const char *w = "kernel.enable-debuging-syscalls=true";
    cr_assert_str_eq(boot_options_nearest_key(w, strlen(w)), T_KEY);
    cr_assert_str_eq(boot_options_nearest_key("kernel.enable-serial-syscall", 28),
                     "kernel.enable-serial-syscalls");
    cr_assert_null(boot_options_nearest_key("quiet", 5));
    cr_assert_null(boot_options_nearest_key("console=hvc0", 12));
}

Test(options, edit_distance_counts_single_edits)
{
    cr_assert_eq(boot_edit_distance("kitten", 6, "sitting", 7), 3);
    cr_assert_eq(boot_edit_distance("", 0, "abc", 3), 3);
    cr_assert_eq(boot_edit_distance("same", 4, "same", 4), 0);
}
