/* heap_check.c: test guest: the malloc family and zx_status_get_string of libzxguest, results on stdout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

#define SMALL_COUNT 1000
#define BIG_SIZE    (3u << 20)

/* Many small blocks, each filled with its index and checked after all are allocated. */
static int small_blocks(void)
{
    static unsigned char *p[SMALL_COUNT];
    for (int i = 0; i < SMALL_COUNT; i++) {
        p[i] = malloc((size_t)(i % 200) + 1);
        if (!p[i] || (uintptr_t)p[i] % 16 != 0)
            return -1;
        memset(p[i], i & 0xff, (size_t)(i % 200) + 1);
    }
    for (int i = 0; i < SMALL_COUNT; i++) {
        for (int j = 0; j <= i % 200; j++)
            if (p[i][j] != (i & 0xff))
                return -2;
        free(p[i]);
    }
    return 0;
}

int main(void)
{
    printf("small=%d\n", small_blocks());
    unsigned char *big = malloc(BIG_SIZE);
    memset(big, 0x5a, BIG_SIZE);
    printf("big=%s\n", big && big[BIG_SIZE - 1] == 0x5a ? "ok" : "bad");
    int *zeros = calloc(1024, sizeof(int));
    int sum = 0;
    for (int i = 0; i < 1024; i++)
        sum += zeros[i];
    printf("calloc_sum=%d\n", sum);
    char *s = malloc(6);
    strcpy(s, "hello");
    s = realloc(s, 100000);
    printf("realloc=%s\n", s);
    free(s);
    free(big);
    free(zeros);
    printf("calloc_overflow=%s\n", calloc(SIZE_MAX / 2, 4) == NULL ? "null" : "non-null");
    printf("status=%s %s %s\n", zx_status_get_string(ZX_OK), zx_status_get_string(ZX_ERR_BAD_HANDLE),
           zx_status_get_string(zx_handle_close(0x12345673u)));
    return 0;
}
