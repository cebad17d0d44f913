/* test_args.c: the command-line parsers: sizes, seconds and shell-style word splitting. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "cli/args.h"

#define T_ERR_SIZE 256
#define T_KIB      (1ULL << 10)
#define T_MIB      (1ULL << 20)
#define T_GIB      (1ULL << 30)
#define T_NS       1000000000ULL

static char err[T_ERR_SIZE];

static uint64_t size_ok(const char *s)
{
    uint64_t v = 0;
    int rc = cli_parse_size(s, &v);

    cr_assert_eq(rc, 0, "\"%s\": %d", s, rc);
    return v;
}

static int size_rc(const char *s)
{
    uint64_t v = 42;
    int rc = cli_parse_size(s, &v);

    cr_assert_eq(v, 42, "\"%s\": out written on error", s);
    return rc;
}

Test(args, size_plain_bytes)
{
    cr_assert_eq(size_ok("4096"), 4096);
    cr_assert_eq(size_ok("1"), 1);
    cr_assert_eq(size_ok("007"), 7);
}

Test(args, size_suffixes_are_binary_and_case_insensitive)
{
    cr_assert_eq(size_ok("4K"), 4 * T_KIB);
    cr_assert_eq(size_ok("4k"), 4 * T_KIB);
    cr_assert_eq(size_ok("64M"), 64 * T_MIB);
    cr_assert_eq(size_ok("64MiB"), 64 * T_MIB);
    cr_assert_eq(size_ok("64mb"), 64 * T_MIB);
    cr_assert_eq(size_ok("2G"), 2 * T_GIB);
    cr_assert_eq(size_ok("2gIb"), 2 * T_GIB);
}

Test(args, size_largest_value_accepted)
{
    cr_assert_eq(size_ok("18446744073709551615"), UINT64_MAX);
    cr_assert_eq(size_ok("17179869183G"), 17179869183ULL * T_GIB);
}

Test(args, size_overflow_gives_erange)
{
    cr_assert_eq(size_rc("18446744073709551616"), -ERANGE);
    cr_assert_eq(size_rc("99999999999999999999999999"), -ERANGE);
    cr_assert_eq(size_rc("17179869184G"), -ERANGE);
    cr_assert_eq(size_rc("18014398509481984K"), -ERANGE);
}

Test(args, size_zero_rejected)
{
    cr_assert_eq(size_rc("0"), -EINVAL);
    cr_assert_eq(size_rc("0M"), -EINVAL);
}

Test(args, size_malformed_rejected)
{
    static const char *const bad[] = {"",   "M",    "-1",  "+1",    " 1",   "1 ",  "1.5M", "1T",
                                      "1B", "1KB2", "1Kx", "1MiBB", "0x10", "1e3", "abc",  "1KiBi"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(size_rc(bad[i]), -EINVAL, "\"%s\" accepted", bad[i]);
}

static uint64_t seconds_ok(const char *s)
{
    uint64_t ns = 0;
    int rc = cli_parse_seconds(s, &ns);

    cr_assert_eq(rc, 0, "\"%s\": %d", s, rc);
    return ns;
}

Test(args, seconds_whole_and_fractional)
{
    cr_assert_eq(seconds_ok("2"), 2 * T_NS);
    cr_assert_eq(seconds_ok("0.5"), T_NS / 2);
    cr_assert_eq(seconds_ok("1.25"), T_NS + T_NS / 4);
    cr_assert_eq(seconds_ok("0.000000001"), 1);
}

Test(args, seconds_extra_fraction_digits_truncated)
{
    cr_assert_eq(seconds_ok("1.0000000019"), T_NS + 1);
}

Test(args, seconds_limit_is_one_million)
{
    cr_assert_eq(seconds_ok("1000000"), 1000000 * T_NS);
    cr_assert_eq(seconds_ok("1000000.0"), 1000000 * T_NS);
}

Test(args, seconds_malformed_or_out_of_range_rejected)
{
    static const char *const bad[] = {
        "",   "-1", "1e3", "abc", "1.2.3", "0",         "0.0",     "1.",           ".5",
        " 1", "1 ", "+1",  "1s",  "0x1",   "1000000.5", "1000001", "0.0000000001", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t ns = 42;

        cr_assert_eq(cli_parse_seconds(bad[i], &ns), -EINVAL, "\"%s\" accepted", bad[i]);
        cr_assert_eq(ns, 42);
    }
}

/* Splits s, which must succeed, and compares with the expected words. */
static void expect_words(const char *s, int n, const char *const *want)
{
    int argc = -1;
    char **argv = NULL;
    int rc = cli_split_words(s, &argc, &argv, err, sizeof(err));

    cr_assert_eq(rc, 0, "\"%s\": %s", s, err);
    cr_assert_eq(argc, n, "\"%s\": %d words", s, argc);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(argv[i], want[i], "\"%s\" word %d", s, i);
    cr_assert_null(argv[n]);
    cli_free_words(argv);
}

static void expect_split_error(const char *s, const char *needle)
{
    int argc = -1;
    char **argv = (char **)err;

    cr_assert_eq(cli_split_words(s, &argc, &argv, err, sizeof(err)), -EINVAL, "\"%s\" accepted", s);
    cr_assert_eq(argc, 0);
    cr_assert_null(argv);
    cr_assert(strstr(err, needle) != NULL, "\"%s\": message \"%s\" lacks \"%s\"", s, err, needle);
}

Test(args, split_whitespace_separates_words)
{
    expect_words("a bc  d", 3, (const char *const[]){"a", "bc", "d"});
    expect_words("\t a\n\tb \n", 2, (const char *const[]){"a", "b"});
}

Test(args, split_empty_input_gives_no_words)
{
    expect_words("", 0, NULL);
    expect_words(" \t\n ", 0, NULL);
}

Test(args, split_single_quotes_are_literal)
{
    expect_words("'a b' 'x\\y\"z$'", 2, (const char *const[]){"a b", "x\\y\"z$"});
}

Test(args, split_double_quotes_escape_only_specials)
{
    expect_words("\"a \\\"b\\\" \\\\ \\$ \\` \\n\"", 1, (const char *const[]){"a \"b\" \\ $ ` \\n"});
    expect_words("\"it's\"", 1, (const char *const[]){"it's"});
}

Test(args, split_backslash_newline_is_removed)
{
    expect_words("\"ab\\\ncd\"", 1, (const char *const[]){"abcd"});
    expect_words("ab\\\ncd", 1, (const char *const[]){"abcd"});
    expect_words("a \\\n b", 2, (const char *const[]){"a", "b"});
}

Test(args, split_backslash_outside_quotes_escapes_next)
{
    expect_words("a\\ b \\'c \\\\", 3, (const char *const[]){"a b", "'c", "\\"});
}

Test(args, split_adjacent_parts_join)
{
    expect_words("a'b c'\"d e\"f", 1, (const char *const[]){"ab cd ef"});
    expect_words("--cmdline=\"x y\"", 1, (const char *const[]){"--cmdline=x y"});
}

Test(args, split_empty_quotes_yield_empty_word)
{
    expect_words("'' \"\" a''", 3, (const char *const[]){"", "", "a"});
}

Test(args, split_operators_and_dollars_are_literal)
{
    expect_words("a|b ; $HOME #c", 4, (const char *const[]){"a|b", ";", "$HOME", "#c"});
}

Test(args, split_unterminated_single_quote_rejected)
{
    expect_split_error("ok 'abc", "unterminated single quote at offset 3");
}

Test(args, split_unterminated_double_quote_rejected)
{
    expect_split_error("\"abc\\\"", "unterminated double quote at offset 0");
}

Test(args, split_trailing_backslash_rejected)
{
    expect_split_error("abc \\", "trailing backslash at offset 4");
}

Test(args, split_many_long_words_grow_buffers)
{
    char s[4096];
    int argc;
    char **argv;

    memset(s, 'x', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    for (size_t i = 100; i < sizeof(s) - 1; i += 100)
        s[i] = ' ';
    cr_assert_eq(cli_split_words(s, &argc, &argv, err, sizeof(err)), 0);
    cr_assert_eq(argc, 41);
    cr_assert_eq(strlen(argv[0]), 100);
    cr_assert_eq(strlen(argv[1]), 99);
    cr_assert_eq(strlen(argv[40]), 94);
    cli_free_words(argv);
}

Test(args, free_words_accepts_null)
{
    cli_free_words(NULL);
}
