/* test_guest_printf.c: the guest runtime's printf core (guest/runtime/format.c) against the host C library.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../guest/runtime/format.c"

#define OUT_NB 256

struct out_buf {
    char text[OUT_NB];
    size_t used;
};

static void buf_sink(void *ctx, const char *s, size_t n)
{
    struct out_buf *b = ctx;
    cr_assert_lt(b->used + n, sizeof(b->text), "test output overflows its buffer");
    memcpy(b->text + b->used, s, n);
    b->used += n;
}

/* Formats with the guest core into b; returns its result. */
static int __attribute__((format(printf, 2, 3))) guest_format(struct out_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    b->used = 0;
    int n = zxguest_vformat(buf_sink, b, fmt, ap);
    va_end(ap);
    b->text[b->used] = '\0';
    return n;
}

/* Formats fmt with the guest core and with the host's vsnprintf; both text and count must agree. */
static void __attribute__((format(printf, 1, 2))) expect_like_libc(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    char ref[OUT_NB];
    int ref_n = vsnprintf(ref, sizeof(ref), fmt, ap);
    struct out_buf b = {.used = 0};
    int n = zxguest_vformat(buf_sink, &b, fmt, ap2);
    b.text[b.used] = '\0';
    va_end(ap2);
    va_end(ap);
    cr_expect_str_eq(b.text, ref, "format \"%s\"", fmt);
    cr_expect_eq(n, ref_n, "count for format \"%s\"", fmt);
}

Test(guest_printf, signed_decimal_with_flags_width_precision_matches_libc)
{
    expect_like_libc("[%d][%i][%5d][%-5d][%05d][%+d][% d]", 42, -42, -7, 7, -7, 7, 7);
    expect_like_libc("[%.3d][%8.3d][%-8.3d][%.0d][%+.0d]", 5, -5, 5, 0, 0);
    expect_like_libc("[%d][%d][%+05d][%-+6d][% 06d]", -2147483647 - 1, 2147483647, -3, 3, -3);
}

Test(guest_printf, unsigned_hex_octal_with_alternate_form_matches_libc)
{
    expect_like_libc("[%u][%x][%X][%o][%u]", 0u, 0xbeefu, 0xbeefu, 8u, 4294967295u);
    expect_like_libc("[%#x][%#X][%#o][%#x][%#o][%#.0o][%#.0x]", 0x1fu, 0x1fu, 017u, 0u, 0u, 0u, 0u);
    expect_like_libc("[%#08x][%#-8x][%#5o][%.10u][%08X]", 0xabu, 0xabu, 7u, 123u, 0xabcu);
}

Test(guest_printf, length_modifiers_match_libc)
{
    expect_like_libc("[%lld][%llx][%llu][%020lld][%.25lld]", -9223372036854775807LL - 1,
                     0xffffffffffffffffULL, 18446744073709551615ULL, -5LL, 123LL);
    expect_like_libc("[%ld][%lx][%lu][%zu][%zx][%zd]", -1L, 0xfeedfacecafeUL, 4000000000UL, (size_t)7,
                     (size_t)0xabc, (ssize_t)-9);
    expect_like_libc("[%hd][%hu][%hx][%hhd][%hhu][%hhx][%ho]", 65536 + 5, 65535, 0x12345, 200, 257, 0x1ff,
                     65535);
    expect_like_libc("[%jd][%td][%ju]", (intmax_t)-1, (ptrdiff_t)-2, (uintmax_t)3);
}

Test(guest_printf, strings_and_chars_match_libc)
{
    expect_like_libc("[%s][%10s][%-10s][%.3s][%10.3s][%-10.3s][%.0s]", "hello", "hello", "hello", "hello",
                     "hello", "hello", "hello");
    expect_like_libc("[%s][%1s][%5s]", "", "abc", "");
    expect_like_libc("[%c][%5c][%-5c][%c]", 'a', 'b', 'c', 0x41);
}

Test(guest_printf, star_width_and_precision_match_libc)
{
    expect_like_libc("[%*d][%-*d][%*d]", 6, 42, 6, 42, -6, 42);
    expect_like_libc("[%.*d][%.*s][%.*d][%*.*x]", 5, 42, 2, "abcdef", -1, 7, 10, 4, 0xabu);
}

Test(guest_printf, percent_and_plain_text_match_libc)
{
    expect_like_libc("%%");
    expect_like_libc("a%%b%%c");
    expect_like_libc("no conversions at all");
}

Test(guest_printf, null_string_prints_null_marker_like_libc)
{
    const char *volatile null_string = NULL;
    expect_like_libc("[%s][%10s]", null_string, null_string);
}

Test(guest_printf, pointer_prints_0x_and_lowercase_hex)
{
    struct out_buf b;
    cr_expect_eq(guest_format(&b, "%p", (void *)0xdeadbeefUL), 10);
    cr_expect_str_eq(b.text, "0xdeadbeef");
    guest_format(&b, "[%12p][%-12p]", (void *)0x1000, (void *)0x1000);
    cr_expect_str_eq(b.text, "[      0x1000][0x1000      ]");
}

Test(guest_printf, null_pointer_prints_0x0)
{
    struct out_buf b;
    guest_format(&b, "%p", (void *)NULL);
    cr_expect_str_eq(b.text, "0x0");
}

Test(guest_printf, returns_number_of_characters_produced)
{
    struct out_buf b;
    cr_expect_eq(guest_format(&b, "%s=%d", "abc", 12345), 9);
    cr_expect_eq(guest_format(&b, "%s", ""), 0);
}
