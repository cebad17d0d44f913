/* stdio.c: libzxguest's <stdio.h>: printf and friends over zx_debug_write, snprintf into a buffer. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zircon/syscalls.h>

#include "format.h"

/* Output of one printf-family call, written to the console ZXGUEST_STDIO_CHUNK bytes at a time. */
struct console {
    char buf[ZXGUEST_STDIO_CHUNK];
    size_t used;
    bool failed;
};

/* Output of one snprintf-family call. */
struct bounded {
    char *buf;
    size_t size; /* room including the NUL */
    size_t used;
};

static void console_flush(struct console *con)
{
    if (con->used > 0 && zx_debug_write(con->buf, con->used) != ZX_OK)
        con->failed = true;
    con->used = 0;
}

static void console_sink(void *ctx, const char *s, size_t n)
{
    struct console *con = ctx;
    while (n > 0) {
        size_t room = sizeof(con->buf) - con->used;
        size_t part = n < room ? n : room;
        memcpy(con->buf + con->used, s, part);
        con->used += part;
        s += part;
        n -= part;
        if (con->used == sizeof(con->buf))
            console_flush(con);
    }
}

static void bounded_sink(void *ctx, const char *s, size_t n)
{
    struct bounded *b = ctx;
    if (b->used + 1 < b->size) {
        size_t room = b->size - 1 - b->used;
        memcpy(b->buf + b->used, s, n < room ? n : room);
    }
    b->used += n;
}

int vprintf(const char *restrict fmt, va_list ap)
{
    struct console con = {.used = 0, .failed = false};
    int n = zxguest_vformat(console_sink, &con, fmt, ap);
    console_flush(&con);
    return con.failed ? EOF : n;
}

int printf(const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
    struct bounded b = {.buf = buf, .size = size, .used = 0};
    int n = zxguest_vformat(bounded_sink, &b, fmt, ap);
    if (size > 0)
        buf[b.used < size ? b.used : size - 1] = '\0';
    return n;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    struct console con = {.used = 0, .failed = false};
    console_sink(&con, s, strlen(s));
    console_sink(&con, "\n", 1);
    console_flush(&con);
    return con.failed ? EOF : 0;
}

int putchar(int c)
{
    char ch = (char)c;
    if (zx_debug_write(&ch, 1) != ZX_OK)
        return EOF;
    return (unsigned char)c;
}
