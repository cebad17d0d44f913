/* options.h: kernel command-line boot options (`key=value` words). */
#ifndef ZXVMM_BOOT_OPTIONS_H
#define ZXVMM_BOOT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct boot_options {
    bool enable_debugging_syscalls; /* kernel.enable-debugging-syscalls: zx_process_write_memory (default
                                       false) */
    bool enable_serial_syscalls; /* kernel.enable-serial-syscalls: zx_debug_write (default true in zxvmm) */
};

/*
 * Parses `key=value` words separated by spaces, tabs or newlines (NULL is
 * taken as ""). A bare key means true; "true", "1", "on" mean true and
 * "false", "0", "off" mean false (any case); the last occurrence of a key
 * wins. Unknown keys are ignored, as kernels do. Returns 0, or -EINVAL with a
 * line in `err` naming the word when a known key has a value that is not a
 * boolean (`out` is then left unchanged). Defaults: serial syscalls on, every
 * other option false.
 */
int boot_options_parse(const char *cmdline, struct boot_options *out, char *err, size_t errlen);

/*
 * Finds the next word of `cmdline` whose key zxvmm does not know, starting at
 * *pos (set *pos = cmdline first). Returns true with the word in
 * [*word, *word + *len) and *pos past it; false when none is left. Lets the
 * CLI warn about a misspelled option that boot_options_parse ignores.
 */
bool boot_options_next_unknown(const char **pos, const char **word, size_t *len);

/*
 * The known key nearest to the key of `word` (`len` bytes, `key=value` or a
 * bare key) by edit distance, when it is near enough to be a likely
 * misspelling (at most a third of the key's length); NULL otherwise.
 */
const char *boot_options_nearest_key(const char *word, size_t len);

/* The known boot option keys, NULL-terminated (for help texts and completion). */
extern const char *const boot_options_keys[];

/*
 * Levenshtein distance between a[0..alen) and b[0..blen) (insertions,
 * deletions, substitutions), capped at BOOT_DISTANCE_MAX: longer strings
 * count as that far apart. Shared with the CLI's "did you mean" for flags.
 */
#define BOOT_DISTANCE_MAX 64
size_t boot_edit_distance(const char *a, size_t alen, const char *b, size_t blen);

#endif
