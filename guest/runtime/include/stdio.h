/* stdio.h: libzxguest's <stdio.h> subset: formatted output written through zx_debug_write. */
#ifndef ZXGUEST_STDIO_H
#define ZXGUEST_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EOF (-1)

/*
 * Conversions: %d %i %u %x %X %o %c %s %p %%, with the length modifiers hh,
 * h, l, ll, z, j and t, a field width (digits or *), a precision (.digits or
 * .*) and the flags '-', '0', '+', ' ' and '#', as ISO C specifies. %p prints
 * "0x" and the lowercase hex value (also for NULL: "0x0"); %s prints "(null)"
 * for NULL. Floating point is not supported. An unknown conversion is printed
 * as written.
 *
 * printf, vprintf, puts and putchar write the output of one call through
 * zx_debug_write in chunks of at most ZXGUEST_STDIO_CHUNK bytes, in order, and
 * nothing stays buffered between calls. They return the number of characters
 * written (puts: a non-negative value), or EOF when zx_debug_write fails.
 */
#define ZXGUEST_STDIO_CHUNK 256

int printf(const char *restrict fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *restrict fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * Writes at most size - 1 characters and a NUL into buf (nothing when size is
 * 0); returns the length the whole output would have had.
 */
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Writes s and a newline. */
int puts(const char *s);
/* Writes (unsigned char)c; returns it, or EOF. */
int putchar(int c);

#ifdef __cplusplus
}
#endif

#endif
