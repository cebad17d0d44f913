/* args.h: pure parsers for zxvmm's command line: sizes, durations and shell-style word splitting. */
#ifndef ZXVMM_CLI_ARGS_H
#define ZXVMM_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a byte count: one or more decimal digits, then optionally a binary
 * multiplier K (2^10), M (2^20) or G (2^30), which may be followed by "B" or
 * "iB"; letters in any case ("64M", "64m", "64MB", "64MiB", "4096" are all
 * accepted; a bare "B" is not). No sign, no spaces, no fraction. Returns 0
 * and *out (> 0); -EINVAL for a malformed string or zero; -ERANGE when the
 * value does not fit in 64 bits. *out is untouched on error.
 */
int cli_parse_size(const char *s, uint64_t *out);

/*
 * Parses a duration in seconds: decimal digits, optionally '.' and one or
 * more fraction digits ("2", "0.5", "1.25"); digits past the ninth fraction
 * digit are dropped (nanosecond resolution). The value must be > 0 (after
 * that truncation) and at most CLI_SECONDS_MAX. Returns 0 and *out_ns, or
 * -EINVAL (empty, sign, exponent, a second '.', letters, zero, too large).
 */
#define CLI_SECONDS_MAX 1000000ULL
int cli_parse_seconds(const char *s, uint64_t *out_ns);

/*
 * Splits `s` into words as a POSIX shell does before expansion, with no
 * expansion, operators or comments (every other character is literal):
 * - spaces, tabs and newlines separate words;
 * - inside '...' every character is literal;
 * - inside "..." a backslash escapes only \ " $ ` and newline (a backslash-
 *   newline pair is removed), and is literal before anything else;
 * - outside quotes a backslash makes the next character literal, and a
 *   backslash-newline pair is removed;
 * - quoted and unquoted parts that touch form one word; '' or "" alone is an
 *   empty word.
 * Returns 0 with *argc_out words in a NULL-terminated malloc'd array
 * *argv_out (free it with cli_free_words; empty input gives argc 0 and an
 * array holding only NULL). Returns -EINVAL with a line in `err` for an
 * unterminated quote or a trailing backslash, or -ENOMEM; on error
 * *argc_out is 0 and *argv_out NULL.
 */
int cli_split_words(const char *s, int *argc_out, char ***argv_out, char *err, size_t errlen);

/* Frees an array from cli_split_words (NULL is allowed). */
void cli_free_words(char **argv);

#endif
