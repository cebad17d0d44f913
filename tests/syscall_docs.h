/* syscall_docs.h: reads the error statuses a docs/syscalls/NAME.md page lists, for tests that check against
 * it. */
#ifndef ZXVMM_TESTS_SYSCALL_DOCS_H
#define ZXVMM_TESTS_SYSCALL_DOCS_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYSCALL_DOCS_MAX_ERRORS 32
#define SYSCALL_DOCS_NAME_MAX   48

/* Adds every ZX_ERR_* name in `line` to names (each once, in order of appearance). */
static void syscall_docs_take_names(const char *line, char names[][SYSCALL_DOCS_NAME_MAX], int *n)
{
    for (const char *p = strstr(line, "ZX_ERR_"); p; p = strstr(p + 1, "ZX_ERR_")) {
        size_t len = 7;
        while (isupper((unsigned char)p[len]) || p[len] == '_' || isdigit((unsigned char)p[len]))
            len++;
        bool seen = false;
        for (int i = 0; i < *n && !seen; i++)
            seen = strlen(names[i]) == len && strncmp(names[i], p, len) == 0;
        if (!seen && *n < SYSCALL_DOCS_MAX_ERRORS && len < SYSCALL_DOCS_NAME_MAX)
            snprintf(names[(*n)++], SYSCALL_DOCS_NAME_MAX, "%.*s", (int)len, p);
    }
}

/*
 * The statuses docs/syscalls/NAME.md (in `dir`) lists under "## Errors, in
 * check order": the distinct ZX_ERR_* names of its numbered items (an item
 * is a line "N. ..." and the indented lines right after it; the prose
 * before and after the list does not count), in order of first appearance.
 * A page without that section that says it is "The older name of
 * [zx_OTHER](zx_OTHER.md)" lists what zx_OTHER's page lists. Returns how
 * many, or -1 when the page cannot be read.
 */
static int syscall_docs_errors(const char *dir, const char *name, char names[][SYSCALL_DOCS_NAME_MAX])
{
    char path[512], line[4096];
    snprintf(path, sizeof(path), "%s/%s.md", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0;
    bool section = false, found = false, item = false;
    char alias[SYSCALL_DOCS_NAME_MAX] = "";
    while (fgets(line, sizeof(line), f)) {
        const char *older = strstr(line, "The older name of [");
        if (older)
            sscanf(older, "The older name of [%47[a-z_]]", alias);
        if (strncmp(line, "## ", 3) == 0) {
            section = strcmp(line, "## Errors, in check order\n") == 0;
            found = found || section;
            item = false;
            continue;
        }
        if (!section)
            continue;
        size_t digits = strspn(line, "0123456789");
        if (digits > 0 && line[digits] == '.' && line[digits + 1] == ' ')
            item = true;
        else if (!(item && line[0] == ' ' && line[strspn(line, " ")] != '\n'))
            item = false;
        if (item)
            syscall_docs_take_names(line, names, &n);
    }
    fclose(f);
    if (!found && alias[0])
        return syscall_docs_errors(dir, alias, names);
    return n;
}

#endif
