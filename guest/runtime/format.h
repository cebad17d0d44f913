/* format.h: libzxguest's printf formatting core, independent of where the characters go. */
#ifndef ZXGUEST_FORMAT_H
#define ZXGUEST_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the next `n` characters of output (not NUL-terminated; n > 0). */
typedef void (*zxguest_format_sink)(void *ctx, const char *s, size_t n);

/*
 * Formats `fmt` with the arguments in `ap` as <stdio.h> documents, handing
 * the output to `sink` in order, and returns the number of characters
 * produced (saturated at INT_MAX). Needs nothing from the environment, so the
 * host unit tests compile it as is and compare it with the C library.
 */
int zxguest_vformat(zxguest_format_sink sink, void *ctx, const char *fmt, va_list ap);

#endif
