/* test_usability.c: what a new user meets first: warnings about boot options, per-command help, "did you
 * mean", named limits, and the messages for host programs, refused debugging syscalls and full guest RAM. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static int count(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static const char *temp_dtb(void)
{
    static char path[128];
    snprintf(path, sizeof(path), "/tmp/zxvmm-usability-%d.dtb", (int)getpid());
    return path;
}

Test(usability, unknown_boot_option_is_warned_about_with_the_nearest_key)
{
    struct run_result r;
    harness_zxvmm(&r, "dtb", "--cmdline", "kernel.enable-debuging-syscalls=true quiet", "-o", temp_dtb(),
                  NULL);
    unlink(temp_dtb());
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_assert_line(r.err, "zxvmm: warning: --cmdline: unknown boot option "
                               "\"kernel.enable-debuging-syscalls=true\" is ignored; did you mean "
                               "kernel.enable-debugging-syscalls?");
    harness_assert_line(r.err, "zxvmm: warning: --cmdline: unknown boot option \"quiet\" is ignored");
    harness_free(&r);
}

Test(usability, known_boot_options_draw_no_warning)
{
    struct run_result r;
    harness_zxvmm(&r, "dtb", "--cmdline", "kernel.enable-debugging-syscalls kernel.enable-serial-syscalls=on",
                  "-o", temp_dtb(), NULL);
    unlink(temp_dtb());
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.err, "");
    harness_free(&r);
}

Test(usability, repeated_cmdline_is_warned_about_and_the_last_wins)
{
    struct run_result r;
    harness_zxvmm(&r, "dtb", "--cmdline", "kernel.enable-debugging-syscalls", "--cmdline",
                  "kernel.enable-serial-syscalls", "-o", temp_dtb(), NULL);
    unlink(temp_dtb());
    cr_assert_eq(r.status, 0);
    harness_assert_line(r.err, "zxvmm: warning: --cmdline given 2 times; only the last one is used: "
                               "\"kernel.enable-serial-syscalls\"");
    harness_free(&r);
}

Test(usability, run_warns_before_it_starts)
{
    /* Warnings come before KVM is touched, so this holds with and without /dev/kvm. */
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", "kernel.enable-debugging-syscals", harness_example("hello"), NULL);
    assert_contains(r.err,
                    "zxvmm: warning: --cmdline: unknown boot option \"kernel.enable-debugging-syscals\"");
    if (harness_kvm_available())
        cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_free(&r);
}

Test(usability, dtb_refuses_a_non_boolean_value)
{
    struct run_result r;
    harness_zxvmm(&r, "dtb", "--cmdline", "kernel.enable-debugging-syscalls=maybe", "-o", temp_dtb(), NULL);
    unlink(temp_dtb());
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "kernel.enable-debugging-syscalls=maybe");
    assert_contains(r.err, "true/1/on or false/0/off");
    harness_free(&r);
}

Test(usability, run_help_is_run_s_own)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--help", NULL);
    cr_assert_eq(r.status, 0);
    assert_contains(r.out, "Usage: zxvmm run [OPTION]... PROGRAM [ARG]...");
    assert_contains(r.out, "--timeout SECONDS");
    cr_assert_null(strstr(r.out, "zxvmm dtb"), "%s", r.out);
    harness_free(&r);
    harness_zxvmm(&r, "dtb", "--help", NULL);
    cr_assert_eq(r.status, 0);
    assert_contains(r.out, "Usage: zxvmm dtb [OPTION]... -o FILE");
    harness_free(&r);
}

Test(usability, unknown_flag_suggests_the_nearest)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--spwn", "x", "prog", NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "unknown option '--spwn' for 'run'; did you mean '--spawn'?");
    harness_free(&r);
}

Test(usability, timeout_error_names_the_range)
{
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "2000000", harness_example("hello"), NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "--timeout 2000000: expected a number of seconds more than 0 and at most 1000000");
    harness_free(&r);
}

Test(usability, cmdline_size_limit_is_named)
{
    static char big[5000];
    memset(big, 'a', sizeof(big) - 1);
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", big, harness_example("hello"), NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "--cmdline: 4999 bytes, at most 4096 (the command-line size limit)");
    harness_free(&r);
}

Test(usability, argument_size_limit_is_named)
{
    static char big[40000];
    memset(big, 'a', sizeof(big) - 1);
    struct run_result r;
    harness_zxvmm(&r, "run", "--spawn", "prog x", harness_example("hello"), big, NULL);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "at most 32768 per process (the argument size limit)");
    harness_free(&r);
}

Test(usability, documented_mem_suffixes_are_accepted)
{
    const char *sizes[] = {"64M", "64m", "64MB", "64MiB", "65536K", "1G", "1gib", "67108864"};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct run_result r;
        harness_zxvmm(&r, "dtb", "--mem", sizes[i], "-o", temp_dtb(), NULL);
        cr_assert_eq(r.status, 0, "--mem %s: %s", sizes[i], r.err);
        harness_free(&r);
    }
    unlink(temp_dtb());
}

Test(usability, a_static_linux_program_is_told_to_use_the_sdk, .timeout = 60)
{
    char src[] = "/tmp/zxvmm-linux-XXXXXX.c", exe[64];
    int fd = mkstemps(src, 2);
    cr_assert_geq(fd, 0);
    const char text[] = "int main(void) { return 0; }\n";
    cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
    close(fd);
    snprintf(exe, sizeof(exe), "%.*s", (int)(strlen(src) - 2), src);
    struct run_result r;
    const char *gcc[] = {"/usr/bin/gcc", "-static", "-o", exe, src, NULL};
    cr_assert_eq(harness_run(gcc, &r), 0);
    cr_assert_eq(r.status, 0, "gcc -static failed (libc6-dev provides libc.a): %s", r.err);
    harness_free(&r);
    harness_zxvmm(&r, "run", exe, NULL);
    unlink(src);
    unlink(exe);
    cr_assert_eq(r.status, 2);
    assert_contains(r.err, "a Linux program");
    assert_contains(r.err, "built with the zxguest SDK");
    harness_free(&r);
}

Test(usability, a_refused_debugging_syscall_is_noted_once)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("syscalls"), "write_memory_twice", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    assert_contains(r.out, "write0=-2\nwrite1=-2\n"); /* ZX_ERR_NOT_SUPPORTED */
    cr_assert_eq(count(r.err, "kernel.enable-debugging-syscalls=true"), 1, "stderr: %s", r.err);
    assert_contains(r.err,
                    "zx_process_write_memory refused with ZX_ERR_NOT_SUPPORTED: debugging syscalls are off");
    harness_free(&r);
    harness_zxvmm(&r, "run", "--cmdline", "kernel.enable-debugging-syscalls", harness_guest("syscalls"),
                  "write_memory_twice", NULL);
    assert_contains(r.out, "write0=0\nwrite1=0\n");
    cr_assert_str_eq(r.err, "");
    harness_free(&r);
}

Test(usability, exhausted_guest_memory_is_a_setup_failure)
{
    REQUIRE_KVM();
    /* 16 MiB cannot hold 63 processes' stacks (256 KiB each) and page tables. */
    const char *argv[160] = {harness_zxvmm_path(), "run", "--mem", "16M"};
    int n = 4;
    for (int i = 0; i < 62; i++) {
        argv[n++] = "--spawn";
        argv[n++] = harness_example("hello");
    }
    argv[n++] = harness_example("hello");
    argv[n] = NULL;
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 125, "status %d, stderr: %s", r.status, r.err);
    assert_contains(r.err, "guest memory exhausted");
    harness_free(&r);
}

Test(usability, guest_libc_has_malloc_and_status_names)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", harness_guest("heap_check"), NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "small=0\nbig=ok\ncalloc_sum=0\nrealloc=hello\ncalloc_overflow=null\n"
                            "status=ZX_OK ZX_ERR_BAD_HANDLE ZX_ERR_BAD_HANDLE\n");
    harness_free(&r);
}

Test(usability, vmo_example_runs)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", harness_example("vmo"), NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "created a VMO of 8192 bytes\n"
                            "mapped it; its second page reads \"written with zx_vmo_write\"\n"
                            "zx_vmo_read sees \"stored through the mapping\"\n"
                            "writing past its end: ZX_ERR_OUT_OF_RANGE\n");
    harness_free(&r);
}

Test(usability, sibling_editor_example_runs)
{
    REQUIRE_KVM();
    char spawn[600];
    snprintf(spawn, sizeof(spawn), "%s target", harness_example("sibling_editor"));
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", "kernel.enable-debugging-syscalls=true", "--spawn", spawn,
                  harness_example("sibling_editor"), NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "target: my message is now \"edited by my sibling\"\n"
                            "editor: wrote 21 bytes; the target exited with 0\n");
    harness_free(&r);
}

/*
 * The README's examples run verbatim: every ```sh block after "## Using zxvmm" runs under bash -e in a
 * directory that looks like a checkout after scripts/demo.sh (build/ and toolchain.cmake link to this
 * build and this source tree).
 */
Test(usability, readme_examples_run_verbatim, .timeout = 600)
{
    REQUIRE_KVM();
    FILE *f = fopen(ZXVMM_SOURCE_DIR "/README.md", "r");
    cr_assert_not_null(f);
    static char script[65536];
    size_t n = (size_t)snprintf(script, sizeof(script), "set -e\n");
    char line[1024];
    bool started = false, in_block = false;
    int blocks = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "## Using zxvmm", 14) == 0)
            started = true;
        else if (strncmp(line, "## Documentation", 16) == 0)
            started = false;
        if (!started)
            continue;
        if (!in_block && strcmp(line, "```sh\n") == 0) {
            in_block = true;
            blocks++;
        } else if (in_block && strcmp(line, "```\n") == 0) {
            in_block = false;
        } else if (in_block) {
            n += (size_t)snprintf(script + n, sizeof(script) - n, "%s", line);
        }
    }
    fclose(f);
    cr_assert_geq(blocks, 2, "README's example blocks found");
    cr_assert_lt(n, sizeof(script) - 1);

    char dir[] = "/tmp/zxvmm-readme-XXXXXX", path[600];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/build", dir);
    cr_assert_eq(symlink(ZXVMM_BUILD_DIR, path), 0);
    snprintf(path, sizeof(path), "%s/toolchain.cmake", dir);
    cr_assert_eq(symlink(ZXVMM_SOURCE_DIR "/toolchain.cmake", path), 0);
    char command[700];
    snprintf(command, sizeof(command), "cd '%s' && exec bash -c \"$0\"", dir);
    const char *argv[] = {"/bin/bash", "-c", command, script, NULL};
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 0, "README examples failed (%d):\n%s\n%s", r.status, r.out, r.err);
    harness_assert_line(r.out, "hello, world; closing a bad handle: ZX_ERR_BAD_HANDLE");
    harness_assert_line(r.out, "target: my message is now \"edited by my sibling\"");
    const char *rm[] = {"/bin/rm", "-rf", dir, "/tmp/myguest", NULL};
    harness_free(&r);
    harness_run(rm, &r);
    harness_free(&r);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

/* Every option a command's --help lists is in the man page and in the bash completion. */
static void check_options_documented(const char *command, const char *man, const char *completion)
{
    struct run_result r;
    harness_zxvmm(&r, command, "--help", NULL);
    cr_assert_eq(r.status, 0);
    int found = 0;
    for (const char *p = r.out; (p = strstr(p, "\n  -")) != NULL; p++) {
        char opt[32], escaped[64];
        if (sscanf(p + 3, "%31[-a-z]", opt) != 1)
            continue;
        size_t k = 0;
        for (const char *c = opt; *c && k < sizeof(escaped) - 2; c++) {
            if (*c == '-')
                escaped[k++] = '\\';
            escaped[k++] = *c;
        }
        escaped[k] = '\0';
        cr_expect(strstr(man, escaped) != NULL, "zxvmm.1 lacks %s (%s)", opt, escaped);
        cr_expect(strstr(completion, opt) != NULL, "the completion lacks %s", opt);
        found++;
    }
    cr_assert_geq(found, 4, "options parsed from zxvmm %s --help:\n%s", command, r.out);
    harness_free(&r);
}

Test(usability, man_page_and_completion_know_every_option)
{
    char *man = read_text(ZXVMM_SOURCE_DIR "/man/zxvmm.1");
    char *completion = read_text(ZXVMM_SOURCE_DIR "/completions/zxvmm");
    check_options_documented("run", man, completion);
    check_options_documented("dtb", man, completion);
    check_options_documented("campaign", man, completion);
    cr_expect(strstr(man, "kernel.enable\\-debugging\\-syscalls") != NULL);
    free(man);
    free(completion);
}

/* Runs the completion function on the words of a command line; returns COMPREPLY joined by spaces. */
static char *complete(const char *words)
{
    static char script[1024];
    snprintf(script, sizeof(script),
             "source '%s/completions/zxvmm'; COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
             "_zxvmm; echo \"${COMPREPLY[*]}\"",
             ZXVMM_SOURCE_DIR, words);
    const char *argv[] = {"/bin/bash", "-c", script, NULL};
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    free(r.err);
    return r.out;
}

Test(usability, bash_completion_completes_commands_flags_and_boot_options)
{
    struct {
        const char *words, *want;
    } cases[] = {
        {"zxvmm r", "run report\n"},
        {"zxvmm c", "campaign\n"},
        {"zxvmm campaign s.lua --ru", "--runs\n"},
        {"zxvmm campaign s.lua --sh", "--shard\n"},
        {"zxvmm campaign s.lua --rep", "--replay\n"},
        {"zxvmm campaign s.lua --res", "--resume\n"},
        {"zxvmm run --scen", "--scenario\n"},
        {"zxvmm run --ti", "--timeout\n"},
        {"zxvmm run --label-output --w", "--wait-all\n"},
        {"zxvmm dtb --ou", "--output\n"},
        {"zxvmm run --cmdline kernel.enable-d", "kernel.enable-debugging-syscalls=\n"},
        {"zxvmm run --cmdline 'quiet kernel.enable-s'", "quiet kernel.enable-serial-syscalls=\n"},
        {"zxvmm help d", "dtb\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = complete(cases[i].words);
        cr_expect_str_eq(got, cases[i].want, "completing \"%s\"", cases[i].words);
        free(got);
    }
}

/* The demo says what it is doing before each long step. cmake is a stub here (first on PATH), so the test
 * never touches the real build directory; the final run may fail without KVM. */
Test(usability, demo_reports_its_progress)
{
    char stub[] = "/tmp/zxvmm-demo-XXXXXX", path[600];
    cr_assert_not_null(mkdtemp(stub));
    snprintf(path, sizeof(path), "%s/cmake", stub);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("#!/bin/sh\nexit 0\n", f);
    fclose(f);
    cr_assert_eq(chmod(path, 0755), 0);
    char script[1200];
    snprintf(script, sizeof(script), "PATH='%s':\"$PATH\" exec '%s/scripts/demo.sh'", stub, ZXVMM_SOURCE_DIR);
    const char *argv[] = {"/bin/bash", "-c", script, NULL};
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    unlink(path);
    rmdir(stub);
    const char *steps[] = {"demo: checking the Debian packages", "demo: configuring build/",
                           "demo: building zxvmm", "demo: built in ", "build/zxvmm run"};
    const char *at = r.out;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        const char *p = strstr(at, steps[i]);
        cr_assert_not_null(p, "step \"%s\" missing or out of order in:\n%s", steps[i], r.out);
        at = p;
    }
    harness_free(&r);
}

/* Every syscall page's synopsis (its first ```c block) compiles as C11 against the headers without a
 * warning: a page cannot show a spelling (such as C++'s [[noreturn]]) that a C program can't copy. */
Test(usability, syscall_page_synopses_compile_as_c, .timeout = 120)
{
    const char *ls[] = {"/bin/sh", "-c", "ls " ZXVMM_SOURCE_DIR "/docs/syscalls/zx_*.md", NULL};
    struct run_result list;
    cr_assert_eq(harness_run(ls, &list), 0);
    int pages = 0;
    for (char *name = strtok(list.out, "\n"); name; name = strtok(NULL, "\n")) {
        char script[1024];
        snprintf(script, sizeof(script),
                 "awk '/^```c$/{f=1;next} f&&/^```$/{exit} f{print}' '%s' | "
                 "gcc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I'%s/abi/include' -x c -",
                 name, ZXVMM_SOURCE_DIR);
        const char *sh[] = {"/bin/sh", "-c", script, NULL};
        struct run_result r;
        cr_assert_eq(harness_run(sh, &r), 0);
        cr_expect_eq(r.status, 0, "%s: the synopsis does not compile:\n%s", name, r.err);
        harness_free(&r);
        pages++;
    }
    cr_assert_geq(pages, 20);
    harness_free(&list);
}
