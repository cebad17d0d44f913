/* harness.h: running zxvmm (and other commands) from integration tests, and the KVM skip rule. */
#ifndef ZXVMM_TESTS_HARNESS_H
#define ZXVMM_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <criterion/criterion.h>

struct run_result {
    int status; /* exit status, or 128 + signal number */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr, NUL-terminated */
};

/* Runs argv (argv[0] a path) with a 120 s safety limit; captures both streams. Returns 0 or -errno. */
int harness_run(const char *const argv[], struct run_result *r);

/* Runs zxvmm with the given arguments (NULL-terminated list). */
int harness_zxvmm(struct run_result *r, ...);

void harness_free(struct run_result *r);

/* The zxvmm executable, a test guest or an example: from the build, or from ZXVMM_BIN / ZXVMM_GUESTS /
 * ZXVMM_EXAMPLES. */
const char *harness_zxvmm_path(void);
const char *harness_guest(const char *name);
const char *harness_example(const char *name);

/* True when /dev/kvm can be opened read-write. */
bool harness_kvm_available(void);

/* Skips the test (counted, and reported loudly once at the end) when there is no KVM. */
#define REQUIRE_KVM()                                                                                        \
    do {                                                                                                     \
        if (!harness_kvm_available())                                                                        \
            cr_skip_test("needs /dev/kvm, which is missing");                                                \
    } while (0)

/* Asserts that `out` has `line` as one whole line. */
void harness_assert_line(const char *out, const char *line);

/* Asserts that `haystack` contains `needle`, printing both when it doesn't. */
#define assert_contains(haystack, needle)                                                                    \
    cr_assert(strstr((haystack), (needle)) != NULL, "expected to find \"%s\" in:\n%s", (needle), (haystack))

#endif
