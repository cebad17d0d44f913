/* fuzz_options.c: the kernel command-line boot options reader on arbitrary text. */
/*
 * Built by tests/fuzz/CMakeLists.txt (-DZXVMM_FUZZ=ON, clang); run by scripts/fuzz.sh.
 * Input: a command line (cut at its first NUL, as a C string would be).
 * Checked: boot_options_parse gives 0, or -EINVAL with one line naming the
 * word and `out` untouched; parsed options written back as canonical
 * `key=true|false` words parse to the same options, and so does the input
 * followed by those words (the last occurrence wins); the unknown-word
 * iterator yields non-empty words without separators, inside the input, in
 * order, none of them a known key; a "did you mean" suggestion is a known key
 * within the documented distance; the edit distance is 0 on equal strings,
 * symmetric and at most the longer length.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, const char *text)
{
    fprintf(stderr, "fuzz invariant broken: %s: \"%s\"\n", what, text);
    abort();
}

static bool is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* The options as canonical words, one per known key. */
static void canonical(const struct boot_options *o, char *buf, size_t len)
{
    snprintf(buf, len, "kernel.enable-debugging-syscalls=%s kernel.enable-serial-syscalls=%s",
             o->enable_debugging_syscalls ? "true" : "false", o->enable_serial_syscalls ? "TRUE" : "0");
}

static void check_round_trip(const char *text, const struct boot_options *o)
{
    char words[160], err[256];
    struct boot_options back, both;
    canonical(o, words, sizeof(words));
    if (boot_options_parse(words, &back, err, sizeof(err)) != 0 || memcmp(&back, o, sizeof(back)) != 0)
        broken("canonical words do not parse back to the same options", text);
    size_t n = strlen(text) + 1 + strlen(words) + 1;
    char *joined = malloc(n);
    if (!joined)
        abort();
    snprintf(joined, n, "%s %s", text, words);
    if (boot_options_parse(joined, &both, err, sizeof(err)) != 0 || memcmp(&both, o, sizeof(both)) != 0)
        broken("the last occurrence of a key does not win", text);
    free(joined);
}

static void check_unknown_words(const char *text)
{
    const char *pos = text, *word, *prev_end = text;
    size_t len, textlen = strlen(text);
    while (boot_options_next_unknown(&pos, &word, &len)) {
        if (len == 0 || word < prev_end || word + len > text + textlen || pos < word + len)
            broken("an unknown word outside the text or out of order", text);
        for (size_t i = 0; i < len; i++)
            if (is_separator(word[i]))
                broken("an unknown word holding a separator", text);
        size_t keylen = strcspn(word, "= \t\n");
        for (size_t k = 0; boot_options_keys[k]; k++)
            if (strlen(boot_options_keys[k]) == keylen && memcmp(boot_options_keys[k], word, keylen) == 0)
                broken("a known key reported as unknown", text);
        const char *near = boot_options_nearest_key(word, len);
        if (near) {
            bool known = false;
            for (size_t k = 0; boot_options_keys[k]; k++)
                known |= boot_options_keys[k] == near;
            size_t d = boot_edit_distance(word, keylen < len ? keylen : len, near, strlen(near));
            if (!known || d > (keylen < len ? keylen : len) / 3)
                broken("a suggestion that is no known key or too far", text);
        }
        prev_end = word + len;
    }
}

static void check_distance(const char *text, size_t len)
{
    size_t half = len / 2;
    const char *a = text, *b = text + half;
    size_t alen = half, blen = len - half;
    if (alen > BOOT_DISTANCE_MAX || blen > BOOT_DISTANCE_MAX)
        return;
    size_t ab = boot_edit_distance(a, alen, b, blen), ba = boot_edit_distance(b, blen, a, alen);
    size_t longer = alen > blen ? alen : blen;
    if (boot_edit_distance(a, alen, a, alen) != 0 || ab != ba || ab > longer)
        broken("edit distance not a distance", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct boot_options o, untouched;
    memset(&o, 0x5a, sizeof(o));
    untouched = o;
    char err[256] = "";
    int rc = boot_options_parse(text, &o, err, sizeof(err));
    if (rc == 0) {
        check_round_trip(text, &o);
    } else if (rc == -EINVAL) {
        if (err[0] == '\0' || strchr(err, '\n') || memcmp(&o, &untouched, sizeof(o)) != 0)
            broken("a refusal without its line, or with the options changed", text);
    } else {
        broken("status neither 0 nor -EINVAL", text);
    }
    check_unknown_words(text);
    check_distance(text, strlen(text));
    free(text);
    return 0;
}
