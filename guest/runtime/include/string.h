/* string.h: libzxguest's <string.h> subset: byte-array and NUL-terminated string functions. */
#ifndef ZXGUEST_STRING_H
#define ZXGUEST_STRING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Each behaves as ISO C specifies. gcc may emit calls to the first four on its own. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
/* POSIX: the length of s, but at most maxlen; reads no byte past s[maxlen - 1]. */
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strstr(const char *haystack, const char *needle);

#ifdef __cplusplus
}
#endif

#endif
