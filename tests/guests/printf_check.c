/* printf_check.c: test guest: prints formatted lines that the host compares exactly, and a 5000-character
 * line. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Expected stdout, line by line:
 *   [   42][42   ][00042][beef][BEEF][10][Z][str][abc][0x1000][%][-5][7][-3][4000000000]
 *   [+7][ 7][0x1f][017][    9][9    ][ab][200][ffffffffffffffff]
 *   [-2147483648][4294967295][-9223372036854775808][18446744073709551615]
 *   [  -0042][-42    ][  0x0a][(null)][    ][x   ][   c]
 *   snprintf=11 [hell]
 *   snprintf_empty=3
 *   0123456789 printf_ret=10
 *   xxxx... (LONG_LINE_NB times 'x')
 *   done
 */
#define LONG_LINE_NB 5000
#define SMALL_BUF_NB 5

static char long_line[LONG_LINE_NB + 1];
/* Volatile so that gcc neither warns about nor folds the NULL %s argument. */
static const char *volatile null_string = NULL;

int main(void)
{
    printf("[%5d][%-5d][%05d][%x][%X][%o][%c][%s][%.3s][%p][%%][%lld][%zu][%hd][%lu]\n", 42, 42, 42, 0xbeef,
           0xbeef, 8, 'Z', "str", "abcdef", (void *)0x1000, -5LL, (size_t)7, (short)-3, 4000000000UL);
    printf("[%+d][% d][%#x][%#o][%*d][%-*d][%.*s][%hhu][%lx]\n", 7, 7, 0x1f, 017, 5, 9, 5, 9, 2, "abc",
           (unsigned char)200, (unsigned long)-1);
    printf("[%d][%u][%lld][%llu]\n", INT32_MIN, UINT32_MAX, (long long)INT64_MIN,
           (unsigned long long)UINT64_MAX);
    printf("[%7.4d][%-7d][%#6.2x][%s][%4s][%-4c][%4c]\n", -42, -42, 10, null_string, "", 'x', 'c');

    char small[SMALL_BUF_NB];
    int n = snprintf(small, sizeof(small), "hello world");
    printf("snprintf=%d [%s]\n", n, small);
    printf("snprintf_empty=%d\n", snprintf(NULL, 0, "abc"));
    int ret = printf("0123456789");
    printf(" printf_ret=%d\n", ret);

    memset(long_line, 'x', LONG_LINE_NB);
    printf("%s\n", long_line);
    printf("done\n");
    return 0;
}
