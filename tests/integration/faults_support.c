/* faults_support.c: what the fault-injection suites share: temp and scenario files, symbols, runs, rows. */
#include "faults_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *faults_temp_path(char *path, size_t size, const char *suffix)
{
    snprintf(path, size, "/tmp/zxvmm-faults-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    cr_assert_geq(fd, 0);
    close(fd);
    return path;
}

const char *faults_guest_symbol(const char *guest, const char *name)
{
    static char hex[2][24];
    static int which;
    const char *argv[] = {"/usr/bin/nm", "-P", harness_guest(guest), NULL};
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    char want[64];
    snprintf(want, sizeof(want), "\n%s ", name);
    const char *at = strstr(r.out, want);
    cr_assert_not_null(at, "no %s in nm's output:\n%s", name, r.out);
    unsigned long long addr = strtoull(at + strlen(want) + 2, NULL, 16); /* after the type letter */
    harness_free(&r);
    which ^= 1;
    snprintf(hex[which], sizeof(hex[which]), "0x%llx", addr);
    return hex[which];
}

/* The symbol that "@" and `letter` stand for, or NULL when they stand for nothing. */
static const char *marked_symbol(const struct faults_mark *marks, char letter)
{
    for (; marks && marks->letter; marks++)
        if (marks->letter == letter)
            return marks->symbol;
    return NULL;
}

const char *faults_scenario(char *path, size_t size, const char *guest, const struct faults_mark *marks,
                            const char *text)
{
    faults_temp_path(path, size, ".lua");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (const char *p = text; *p; p++) {
        const char *symbol = p[0] == '@' && p[1] ? marked_symbol(marks, p[1]) : NULL;
        if (p[0] == '@' && p[1] == 'P')
            fputs(harness_guest(guest), f);
        else if (symbol)
            fputs(faults_guest_symbol(guest, symbol), f);
        else
            fputc(*p, f);
        p += p[0] == '@' && (p[1] == 'P' || symbol);
    }
    fclose(f);
    return path;
}

void faults_run_scenario(struct run_result *r, const char *path, int status, const char *class_line,
                         const char *trace)
{
    harness_zxvmm(r, "run", "--seed", "1", "--scenario", path, trace ? "--trace" : NULL, trace, NULL);
    cr_assert_eq(r->status, status, "status %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
    harness_assert_line(r->err, class_line);
}

char *faults_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    cr_assert_not_null(text);
    size_t len = fread(text, 1, (size_t)size, f);
    text[len] = '\0';
    fclose(f);
    return text;
}

char *faults_take_file(const char *path)
{
    static char text[1 << 20];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no file at %s", path);
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    text[len] = '\0';
    fclose(f);
    unlink(path);
    return text;
}

unsigned faults_count(const char *text, const char *needle)
{
    unsigned n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

char *faults_without_durations(const char *text)
{
    char *copy = strdup(text), *w = copy;
    cr_assert_not_null(copy);
    for (const char *p = text; *p;) {
        if (strncmp(p, "\"duration_ms\":", 14) == 0) {
            p += 14;
            while (*p && *p != ',' && *p != '}')
                p++;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return copy;
}
