/* format.c: the printf formatting core: parses conversion specifications and renders them to a sink. */
#include "format.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum {
    FLAG_LEFT = 1u << 0,  /* '-' */
    FLAG_ZERO = 1u << 1,  /* '0' */
    FLAG_PLUS = 1u << 2,  /* '+' */
    FLAG_SPACE = 1u << 3, /* ' ' */
    FLAG_ALT = 1u << 4,   /* '#' */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

#define NO_PRECISION   (-1)
#define DECIMAL        10
#define OCTAL          8
#define HEX            16
#define MAX_DIGITS     24 /* a 64-bit value in octal needs 22 */
#define MAX_PREFIX     2  /* "-", "+", " ", "0x" */
#define PAD_CHUNK      16
#define NULL_STRING    "(null)"
#define NULL_STRING_NB 6

struct spec {
    unsigned flags;
    int width;     /* 0 when absent */
    int precision; /* NO_PRECISION when absent */
    enum length length;
    char conversion;
};

struct state {
    zxguest_format_sink sink;
    void *ctx;
    size_t count;
};

/* va_list is an array type on x86-64; wrapping it lets helpers share one by pointer. */
struct args {
    va_list ap;
};

static void emit(struct state *st, const char *s, size_t n)
{
    if (n == 0)
        return;
    st->sink(st->ctx, s, n);
    st->count += n;
}

static void emit_repeat(struct state *st, char c, int n)
{
    char chunk[PAD_CHUNK];
    for (int i = 0; i < PAD_CHUNK; i++)
        chunk[i] = c;
    while (n > 0) {
        int part = n < PAD_CHUNK ? n : PAD_CHUNK;
        emit(st, chunk, (size_t)part);
        n -= part;
    }
}

static const char *parse_number(const char *p, int *out)
{
    int v = 0;
    while (*p >= '0' && *p <= '9') {
        int digit = *p++ - '0';
        v = v > (INT_MAX - digit) / DECIMAL ? INT_MAX : v * DECIMAL + digit;
    }
    *out = v;
    return p;
}

static const char *parse_flags(const char *p, unsigned *flags)
{
    for (;; p++) {
        switch (*p) {
        case '-':
            *flags |= FLAG_LEFT;
            break;
        case '0':
            *flags |= FLAG_ZERO;
            break;
        case '+':
            *flags |= FLAG_PLUS;
            break;
        case ' ':
            *flags |= FLAG_SPACE;
            break;
        case '#':
            *flags |= FLAG_ALT;
            break;
        default:
            return p;
        }
    }
}

static const char *parse_length(const char *p, enum length *length)
{
    switch (*p) {
    case 'h':
        if (p[1] == 'h') {
            *length = LEN_HH;
            return p + 2;
        }
        *length = LEN_H;
        return p + 1;
    case 'l':
        if (p[1] == 'l') {
            *length = LEN_LL;
            return p + 2;
        }
        *length = LEN_L;
        return p + 1;
    case 'z':
        *length = LEN_Z;
        return p + 1;
    case 'j':
        *length = LEN_J;
        return p + 1;
    case 't':
        *length = LEN_T;
        return p + 1;
    default:
        *length = LEN_NONE;
        return p;
    }
}

/* Parses the specification after '%'; returns the position of the conversion character. */
static const char *parse_spec(const char *p, struct spec *sp, struct args *args)
{
    sp->flags = 0;
    sp->width = 0;
    sp->precision = NO_PRECISION;
    p = parse_flags(p, &sp->flags);
    if (*p == '*') {
        sp->width = va_arg(args->ap, int);
        if (sp->width < 0) {
            sp->flags |= FLAG_LEFT;
            sp->width = sp->width == INT_MIN ? INT_MAX : -sp->width;
        }
        p++;
    } else {
        p = parse_number(p, &sp->width);
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            sp->precision = va_arg(args->ap, int);
            if (sp->precision < 0)
                sp->precision = NO_PRECISION;
            p++;
        } else {
            p = parse_number(p, &sp->precision);
        }
    }
    p = parse_length(p, &sp->length);
    sp->conversion = *p;
    return p;
}

static long long fetch_signed(const struct spec *sp, struct args *args)
{
    switch (sp->length) {
    case LEN_HH:
        return (signed char)va_arg(args->ap, int);
    case LEN_H:
        return (short)va_arg(args->ap, int);
    case LEN_L:
        return va_arg(args->ap, long);
    case LEN_LL:
        return va_arg(args->ap, long long);
    case LEN_Z:
    case LEN_T:
        return va_arg(args->ap, ptrdiff_t); /* the signed type of size_t's width */
    case LEN_J:
        return va_arg(args->ap, intmax_t);
    default:
        return va_arg(args->ap, int);
    }
}

static unsigned long long fetch_unsigned(const struct spec *sp, struct args *args)
{
    switch (sp->length) {
    case LEN_HH:
        return (unsigned char)va_arg(args->ap, unsigned int);
    case LEN_H:
        return (unsigned short)va_arg(args->ap, unsigned int);
    case LEN_L:
        return va_arg(args->ap, unsigned long);
    case LEN_LL:
        return va_arg(args->ap, unsigned long long);
    case LEN_Z:
    case LEN_T:
        return va_arg(args->ap, size_t);
    case LEN_J:
        return va_arg(args->ap, uintmax_t);
    default:
        return va_arg(args->ap, unsigned int);
    }
}

/* Writes `body` (prefix, precision zeros, digits) into a field of sp->width. */
static void emit_field(struct state *st, const struct spec *sp, const char *prefix, int nprefix, int zeros,
                       const char *digits, int ndigits)
{
    int body = nprefix + zeros + ndigits;
    int pad = sp->width > body ? sp->width - body : 0;
    bool zero_pad = (sp->flags & FLAG_ZERO) && !(sp->flags & FLAG_LEFT) && sp->precision == NO_PRECISION;

    if (!(sp->flags & FLAG_LEFT) && !zero_pad)
        emit_repeat(st, ' ', pad);
    emit(st, prefix, (size_t)nprefix);
    if (zero_pad)
        emit_repeat(st, '0', pad);
    emit_repeat(st, '0', zeros);
    emit(st, digits, (size_t)ndigits);
    if (sp->flags & FLAG_LEFT)
        emit_repeat(st, ' ', pad);
}

static int conversion_base(char conversion)
{
    switch (conversion) {
    case 'o':
        return OCTAL;
    case 'x':
    case 'X':
    case 'p':
        return HEX;
    default:
        return DECIMAL;
    }
}

static void format_integer(struct state *st, const struct spec *sp, unsigned long long magnitude,
                           bool negative)
{
    static const char lower[] = "0123456789abcdef";
    static const char upper[] = "0123456789ABCDEF";
    const char *alphabet = sp->conversion == 'X' ? upper : lower;
    unsigned base = (unsigned)conversion_base(sp->conversion);
    bool is_signed = sp->conversion == 'd' || sp->conversion == 'i';
    char digits[MAX_DIGITS];
    int ndigits = MAX_DIGITS;
    char prefix[MAX_PREFIX];
    int nprefix = 0;

    for (unsigned long long v = magnitude; v != 0; v /= base)
        digits[--ndigits] = alphabet[v % base];
    int count = MAX_DIGITS - ndigits;
    int precision = sp->precision == NO_PRECISION ? 1 : sp->precision;
    int zeros = precision > count ? precision - count : 0;

    if (negative)
        prefix[nprefix++] = '-';
    else if (is_signed && (sp->flags & FLAG_PLUS))
        prefix[nprefix++] = '+';
    else if (is_signed && (sp->flags & FLAG_SPACE))
        prefix[nprefix++] = ' ';
    if (sp->conversion == 'o' && (sp->flags & FLAG_ALT) && zeros == 0)
        zeros = 1;
    if (sp->conversion == 'p' || ((sp->flags & FLAG_ALT) && base == HEX && magnitude != 0)) {
        prefix[nprefix++] = '0';
        prefix[nprefix++] = sp->conversion == 'X' ? 'X' : 'x';
    }
    emit_field(st, sp, prefix, nprefix, zeros, digits + ndigits, count);
}

/* %c and %s take a width but no zero padding or digit precision. */
static void format_text(struct state *st, const struct spec *sp, const char *s, int n)
{
    struct spec plain = *sp;
    plain.precision = NO_PRECISION;
    plain.flags &= ~FLAG_ZERO;
    emit_field(st, &plain, "", 0, 0, s, n);
}

static void format_string(struct state *st, const struct spec *sp, const char *s)
{
    int n = 0;
    if (s == NULL) {
        s = NULL_STRING;
        if (sp->precision != NO_PRECISION && sp->precision < NULL_STRING_NB)
            s = "";
    }
    while ((sp->precision == NO_PRECISION || n < sp->precision) && n < INT_MAX && s[n] != '\0')
        n++;
    format_text(st, sp, s, n);
}

static void format_one(struct state *st, const struct spec *sp, struct args *args)
{
    char c;
    switch (sp->conversion) {
    case 'd':
    case 'i': {
        long long v = fetch_signed(sp, args);
        format_integer(st, sp, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0);
        break;
    }
    case 'u':
    case 'o':
    case 'x':
    case 'X':
        format_integer(st, sp, fetch_unsigned(sp, args), false);
        break;
    case 'p':
        format_integer(st, sp, (uintptr_t)va_arg(args->ap, void *), false);
        break;
    case 'c':
        c = (char)va_arg(args->ap, int);
        format_text(st, sp, &c, 1);
        break;
    case 's':
        format_string(st, sp, va_arg(args->ap, const char *));
        break;
    default:
        emit(st, "%", 1);
        emit(st, &sp->conversion, 1);
        break;
    }
}

int zxguest_vformat(zxguest_format_sink sink, void *ctx, const char *fmt, va_list ap)
{
    struct state st = {.sink = sink, .ctx = ctx, .count = 0};
    struct args args;
    va_copy(args.ap, ap);

    const char *p = fmt;
    while (*p != '\0') {
        const char *run = p;
        while (*p != '\0' && *p != '%')
            p++;
        emit(&st, run, (size_t)(p - run));
        if (*p == '\0')
            break;
        if (p[1] == '%') {
            emit(&st, "%", 1);
            p += 2;
            continue;
        }
        struct spec sp;
        p = parse_spec(p + 1, &sp, &args);
        if (sp.conversion == '\0')
            break;
        format_one(&st, &sp, &args);
        p++;
    }
    va_end(args.ap);
    return st.count > INT_MAX ? INT_MAX : (int)st.count;
}
