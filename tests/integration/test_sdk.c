/* test_sdk.c: a guest written and built out of tree, exactly as the SDK documentation shows, then run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static const char cmake_lists[] = "cmake_minimum_required(VERSION 3.20)\n"
                                  "project(myguest C)\n"
                                  "find_package(zxguest REQUIRED)\n"
                                  "add_executable(myguest main.c)\n"
                                  "target_link_libraries(myguest PRIVATE zxguest::runtime)\n";

static const char main_c[] = "#include <stdio.h>\n"
                             "#include <zircon/syscalls.h>\n"
                             "int main(int argc, char **argv) {\n"
                             "    printf(\"out of tree: %s page=%u\\n\", argc > 1 ? argv[1] : \"-\",\n"
                             "           zx_system_get_page_size());\n"
                             "    return 42;\n"
                             "}\n";

/* Writes the SEMANTICS.md section 1 project into a fresh directory; returns its build directory. */
static void make_project(char *dir, char *build, size_t buildlen)
{
    cr_assert_not_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof(path), "%s/CMakeLists.txt", dir);
    write_text(path, cmake_lists);
    snprintf(path, sizeof(path), "%s/main.c", dir);
    write_text(path, main_c);
    snprintf(build, buildlen, "%s/build", dir);
}

/* Configures and builds the project with extra cmake arguments (NULL-terminated). */
static void configure_and_build(const char *dir, const char *build, const char *toolchain, const char *extra)
{
    struct run_result r;
    const char *configure[] = {"/usr/bin/cmake", "-S", dir, "-B", build, toolchain, extra, NULL};
    cr_assert_eq(harness_run(configure, &r), 0);
    cr_assert_eq(r.status, 0, "configure failed:\n%s\n%s", r.out, r.err);
    harness_free(&r);
    const char *make[] = {"/usr/bin/cmake", "--build", build, NULL};
    cr_assert_eq(harness_run(make, &r), 0);
    cr_assert_eq(r.status, 0, "build failed:\n%s\n%s", r.out, r.err);
    harness_free(&r);
}

static void remove_tree(const char *dir)
{
    struct run_result r;
    const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    harness_run(rm, &r);
    harness_free(&r);
}

static void run_guest(const char *zxvmm, const char *exe)
{
    if (!harness_kvm_available())
        return;
    struct run_result r;
    const char *argv[] = {zxvmm, "run", exe, "hi", NULL};
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 42, "stderr: %s", r.err);
    assert_contains(r.out, "out of tree: hi page=4096");
    harness_free(&r);
}

Test(sdk, out_of_tree_guest_builds_and_runs, .timeout = 300)
{
    char dir[] = "/tmp/zxvmm-sdk-XXXXXX", build[512], toolchain[512], sdk[600], exe[600];
    make_project(dir, build, sizeof(build));
    snprintf(toolchain, sizeof(toolchain), "-DCMAKE_TOOLCHAIN_FILE=%s/toolchain.cmake", ZXVMM_SOURCE_DIR);
    snprintf(sdk, sizeof(sdk), "-DZXGUEST_SDK=%s", ZXVMM_SDK_DIR);
    configure_and_build(dir, build, toolchain, sdk);
    snprintf(exe, sizeof(exe), "%s/myguest", build);
    struct stat st;
    cr_assert_eq(stat(exe, &st), 0, "no executable at %s", exe);
    run_guest(harness_zxvmm_path(), exe);
    remove_tree(dir);
}

Test(sdk, installed_sdk_builds_with_its_own_toolchain_file, .timeout = 300)
{
    char prefix[] = "/tmp/zxvmm-prefix-XXXXXX";
    cr_assert_not_null(mkdtemp(prefix));
    struct run_result r;
    const char *install[] = {"/usr/bin/cmake", "--install", ZXVMM_BUILD_DIR, "--prefix", prefix, NULL};
    cr_assert_eq(harness_run(install, &r), 0);
    cr_assert_eq(r.status, 0, "install failed:\n%s\n%s", r.out, r.err);
    harness_free(&r);

    char dir[] = "/tmp/zxvmm-sdk-XXXXXX", build[512], toolchain[512], exe[600], zxvmm[600];
    make_project(dir, build, sizeof(build));
    snprintf(toolchain, sizeof(toolchain), "-DCMAKE_TOOLCHAIN_FILE=%s/share/zxguest/toolchain.cmake", prefix);
    configure_and_build(dir, build, toolchain, NULL);
    snprintf(exe, sizeof(exe), "%s/myguest", build);
    snprintf(zxvmm, sizeof(zxvmm), "%s/bin/zxvmm", prefix);
    struct stat st;
    cr_assert_eq(stat(zxvmm, &st), 0, "no zxvmm at %s", zxvmm);
    cr_assert_eq(stat(exe, &st), 0, "no executable at %s", exe);
    run_guest(zxvmm, exe);
    remove_tree(dir);
    remove_tree(prefix);
}

/* Installs the build into a fresh prefix; the caller removes it. */
static void install_into(char *prefix)
{
    cr_assert_not_null(mkdtemp(prefix));
    struct run_result r;
    const char *install[] = {"/usr/bin/cmake", "--install", ZXVMM_BUILD_DIR, "--prefix", prefix, NULL};
    cr_assert_eq(harness_run(install, &r), 0);
    cr_assert_eq(r.status, 0, "install failed:\n%s\n%s", r.out, r.err);
    harness_free(&r);
}

static bool exists_under(const char *prefix, const char *rel)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", prefix, rel);
    return stat(path, &st) == 0;
}

/* A default install goes to /usr/local: a guest stdio.h in its include/ would shadow glibc's for host builds.
 */
Test(sdk, install_keeps_guest_headers_out_of_the_prefix_include_dir)
{
    char prefix[] = "/tmp/zxvmm-prefix-XXXXXX";
    install_into(prefix);
    const char *libc[] = {"stdio.h", "stdlib.h", "string.h", "zircon", "zxvmm"};
    for (size_t i = 0; i < sizeof(libc) / sizeof(libc[0]); i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "include/%s", libc[i]);
        cr_expect(!exists_under(prefix, rel), "%s/%s is installed straight into include/", prefix, rel);
        snprintf(rel, sizeof(rel), "include/zxguest/%s", libc[i]);
        cr_expect(exists_under(prefix, rel), "%s/%s is missing", prefix, rel);
    }
    cr_expect(!exists_under(prefix, "lib/libzxguest.a"));
    cr_expect(exists_under(prefix, "lib/zxguest/libzxguest.a"));
    cr_expect(exists_under(prefix, "share/man/man1/zxvmm.1"));
    cr_expect(exists_under(prefix, "share/bash-completion/completions/zxvmm"));
    remove_tree(prefix);
}
