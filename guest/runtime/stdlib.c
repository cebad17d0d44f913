/* stdlib.c: libzxguest's <stdlib.h>: abort, exit and the strtol family. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <zircon/syscalls.h>

#define MIN_BASE  2
#define MAX_BASE  36
#define HEX       16
#define OCTAL     8
#define DECIMAL   10
#define ALPHA_VAL 10 /* the value of digit 'a' */

struct parsed {
    unsigned long long magnitude;
    bool negative;
    bool overflow;
};

void abort(void)
{
    __builtin_trap();
}

void exit(int status)
{
    zx_process_exit(status);
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + ALPHA_VAL;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + ALPHA_VAL;
    return MAX_BASE;
}

/* Skips a "0x" prefix when a hex digit follows it, and picks the base for base 0. */
static const char *parse_prefix(const char *p, int *base)
{
    bool hex_prefix = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < HEX;
    if ((*base == 0 || *base == HEX) && hex_prefix) {
        *base = HEX;
        return p + 2;
    }
    if (*base == 0)
        *base = p[0] == '0' ? OCTAL : DECIMAL;
    return p;
}

/* Parses nptr's magnitude and sign; *end gets the position after the last digit, or nptr. */
static struct parsed parse_integer(const char *nptr, const char **end, int base)
{
    struct parsed r = {0, false, false};
    const char *p = nptr;
    *end = nptr;
    if (base < 0 || base == 1 || base > MAX_BASE)
        return r;
    while (is_space(*p))
        p++;
    if (*p == '+' || *p == '-')
        r.negative = *p++ == '-';
    p = parse_prefix(p, &base);
    const char *digits = p;
    for (int d; (d = digit_value(*p)) < base; p++) {
        if (r.magnitude > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
            r.overflow = true;
        else
            r.magnitude = r.magnitude * (unsigned)base + (unsigned)d;
    }
    if (p != digits)
        *end = p;
    return r;
}

static void set_end(char **endptr, const char *end)
{
    if (endptr != NULL)
        *endptr = (char *)end;
}

unsigned long long strtoull(const char *restrict nptr, char **restrict endptr, int base)
{
    const char *end;
    struct parsed r = parse_integer(nptr, &end, base);
    set_end(endptr, end);
    if (r.overflow)
        return ULLONG_MAX;
    return r.negative ? 0ULL - r.magnitude : r.magnitude;
}

unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base)
{
    const char *end;
    struct parsed r = parse_integer(nptr, &end, base);
    set_end(endptr, end);
    if (r.overflow || r.magnitude > ULONG_MAX)
        return ULONG_MAX;
    return r.negative ? 0UL - (unsigned long)r.magnitude : (unsigned long)r.magnitude;
}

long long strtoll(const char *restrict nptr, char **restrict endptr, int base)
{
    const char *end;
    struct parsed r = parse_integer(nptr, &end, base);
    set_end(endptr, end);
    if (r.negative) {
        if (r.overflow || r.magnitude > (unsigned long long)LLONG_MAX + 1)
            return LLONG_MIN;
        return (long long)(0ULL - r.magnitude);
    }
    if (r.overflow || r.magnitude > (unsigned long long)LLONG_MAX)
        return LLONG_MAX;
    return (long long)r.magnitude;
}

long strtol(const char *restrict nptr, char **restrict endptr, int base)
{
    const char *end;
    struct parsed r = parse_integer(nptr, &end, base);
    set_end(endptr, end);
    if (r.negative) {
        if (r.overflow || r.magnitude > (unsigned long)LONG_MAX + 1)
            return LONG_MIN;
        return (long)(0UL - (unsigned long)r.magnitude);
    }
    if (r.overflow || r.magnitude > (unsigned long)LONG_MAX)
        return LONG_MAX;
    return (long)r.magnitude;
}

int atoi(const char *nptr)
{
    return (int)strtol(nptr, NULL, DECIMAL);
}

int abs(int v)
{
    return v < 0 ? -v : v;
}

long labs(long v)
{
    return v < 0 ? -v : v;
}
