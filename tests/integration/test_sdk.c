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

Test(sdk, out_of_tree_guest_builds_and_runs, .timeout = 300)
{
    char dir[] = "/tmp/zxvmm-sdk-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[512], build[512], toolchain[512], sdk[600], exe[600];
    snprintf(path, sizeof(path), "%s/CMakeLists.txt", dir);
    write_text(path, cmake_lists);
    snprintf(path, sizeof(path), "%s/main.c", dir);
    write_text(path, main_c);
    snprintf(build, sizeof(build), "%s/build", dir);
    snprintf(toolchain, sizeof(toolchain), "-DCMAKE_TOOLCHAIN_FILE=%s/toolchain.cmake", ZXVMM_SOURCE_DIR);
    snprintf(sdk, sizeof(sdk), "-DZXGUEST_SDK=%s", ZXVMM_SDK_DIR);

    struct run_result r;
    const char *configure[] = {"/usr/bin/cmake", "-S", dir, "-B", build, toolchain, sdk, NULL};
    cr_assert_eq(harness_run(configure, &r), 0);
    cr_assert_eq(r.status, 0, "configure failed:\n%s\n%s", r.out, r.err);
    harness_free(&r);
    const char *make[] = {"/usr/bin/cmake", "--build", build, NULL};
    cr_assert_eq(harness_run(make, &r), 0);
    cr_assert_eq(r.status, 0, "build failed:\n%s\n%s", r.out, r.err);
    harness_free(&r);
    snprintf(exe, sizeof(exe), "%s/myguest", build);
    struct stat st;
    cr_assert_eq(stat(exe, &st), 0, "no executable at %s", exe);

    if (harness_kvm_available()) {
        harness_zxvmm(&r, "run", exe, "hi", NULL);
        cr_assert_eq(r.status, 42, "stderr: %s", r.err);
        assert_contains(r.out, "out of tree: hi page=4096");
        harness_free(&r);
    }
    const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    harness_run(rm, &r);
    harness_free(&r);
}
