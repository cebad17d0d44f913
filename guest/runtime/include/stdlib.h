/* stdlib.h: libzxguest's <stdlib.h> subset: memory allocation, process termination and integer parsing. */
#ifndef ZXGUEST_STDLIB_H
#define ZXGUEST_STDLIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/*
 * The heap: blocks aligned to 16 bytes, carved first-fit from VMOs of at
 * least 1 MiB that the runtime maps into the root VMAR as it needs them (a
 * larger request gets a VMO of its own size). Freed memory is reused but never
 * unmapped. ISO C semantics: NULL when memory runs out or a size overflows;
 * malloc(0) returns a unique pointer; free(NULL) does nothing; realloc(NULL,
 * n) is malloc(n); realloc(p, 0) frees p and returns NULL; calloc zeroes.
 * free or realloc of a pointer the heap did not return, or freed already,
 * calls abort().
 */
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

/*
 * Executes ud2: the process dies of an invalid-opcode exception (#UD), which
 * the VMM reports like any other CPU exception (ZX_TASK_RETCODE_EXCEPTION_KILL).
 */
__attribute__((noreturn)) void abort(void);

/* zx_process_exit(status): ends the process with return code `status`. */
__attribute__((noreturn)) void exit(int status);

/*
 * ISO C parsing: leading white space, an optional sign, then digits of
 * `base` (2..36); base 0 picks 16 for a "0x"/"0X" prefix, 8 for a leading 0
 * and 10 otherwise; base 16 also accepts the prefix. *endptr (when endptr is
 * not NULL) points past the last digit used, or at nptr if there was none.
 * Out-of-range values saturate (LONG_MIN/LONG_MAX, ULONG_MAX, ...); an
 * unsupported base returns 0 with *endptr = nptr. There is no errno.
 */
long strtol(const char *restrict nptr, char **restrict endptr, int base);
long long strtoll(const char *restrict nptr, char **restrict endptr, int base);
unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base);
unsigned long long strtoull(const char *restrict nptr, char **restrict endptr, int base);

/* (int)strtol(nptr, NULL, 10). */
int atoi(const char *nptr);
int abs(int v);
long labs(long v);

#ifdef __cplusplus
}
#endif

#endif
