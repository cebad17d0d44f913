# toolchain.cmake: freestanding x86-64 ELF toolchain (Debian's gcc + GNU ld) for zxvmm guest programs.
#
# Use: cmake -S <project> -B <build> -DCMAKE_TOOLCHAIN_FILE=<this file> [-DZXGUEST_SDK=<dir>]
#
# Unless ZXGUEST_BOOTSTRAP is ON (set only when building the SDK itself), this
# file locates the zxguest SDK and appends it to CMAKE_PREFIX_PATH so that
# `find_package(zxguest REQUIRED)` works. The SDK is looked for, in order:
#   1. -DZXGUEST_SDK=<dir>: a build's sdk directory or an install prefix;
#   2. the install prefix holding this file, when it sits at
#      <prefix>/share/zxguest/toolchain.cmake next to <prefix>/lib/cmake/zxguest;
#   3. <directory of this file>/build/sdk, where the README's set-up builds it.
#
# CMake re-reads this file in every try_compile project; the variables it
# needs there travel through CMAKE_TRY_COMPILE_PLATFORM_VARIABLES.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
# There is no C library to link a test executable against.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER gcc)
endif()
if(NOT CMAKE_ASM_COMPILER)
  set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
endif()

# The compiler's own header directory: <stdint.h>, <stddef.h>, <stdarg.h>,
# <stdbool.h>, <limits.h> come from there and nothing from /usr/include.
execute_process(
  COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
  OUTPUT_VARIABLE ZXGUEST_COMPILER_INCLUDE
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE zxguest_print_result)
if(NOT zxguest_print_result EQUAL 0 OR NOT IS_DIRECTORY "${ZXGUEST_COMPILER_INCLUDE}")
  message(FATAL_ERROR "zxguest toolchain: `${CMAKE_C_COMPILER} -print-file-name=include` gave no directory")
endif()

# -ffreestanding implies -fno-builtin for implicit recognition, while
# __builtin_* stay usable; gcc may still emit calls to memcpy, memset, memmove
# and memcmp, which libzxguest provides.
# _LIBC_LIMITS_H_ tells gcc's <limits.h> that no C library limits.h follows,
# so it defines everything itself instead of chaining to /usr/include.
# -g whatever the build type: guests carry DWARF for gdb (docs/gdb.md); the
# loader ignores non-loadable sections, so it costs nothing at run time.
set(zxguest_common_flags
  "-g -ffreestanding -nostdinc -isystem ${ZXGUEST_COMPILER_INCLUDE} -D_LIBC_LIMITS_H_"
  "-fno-pie -fno-pic -mno-red-zone -fno-stack-protector"
  "-fno-asynchronous-unwind-tables -fno-unwind-tables")
string(JOIN " " zxguest_common_flags ${zxguest_common_flags})
set(CMAKE_C_FLAGS_INIT "${zxguest_common_flags}")
set(CMAKE_ASM_FLAGS_INIT "${zxguest_common_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000")

list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ZXGUEST_BOOTSTRAP ZXGUEST_SDK)

if(NOT ZXGUEST_BOOTSTRAP)
  get_filename_component(zxguest_prefix_guess "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
  if(ZXGUEST_SDK)
    get_filename_component(zxguest_sdk "${ZXGUEST_SDK}" ABSOLUTE)
    set(zxguest_sdk_origin "-DZXGUEST_SDK")
  elseif(CMAKE_CURRENT_LIST_DIR MATCHES "/share/zxguest$"
         AND IS_DIRECTORY "${zxguest_prefix_guess}/lib/cmake/zxguest")
    set(zxguest_sdk "${zxguest_prefix_guess}")
    set(zxguest_sdk_origin "the install prefix holding toolchain.cmake")
  else()
    set(zxguest_sdk "${CMAKE_CURRENT_LIST_DIR}/build/sdk")
    set(zxguest_sdk_origin "the default build directory")
  endif()
  if(NOT EXISTS "${zxguest_sdk}/lib/cmake/zxguest/zxguestConfig.cmake")
    message(FATAL_ERROR
      "zxguest toolchain: no SDK in ${zxguest_sdk} (from ${zxguest_sdk_origin}): "
      "${zxguest_sdk}/lib/cmake/zxguest/zxguestConfig.cmake does not exist. "
      "Build the zxvmm checkout first, or pass -DZXGUEST_SDK=<build>/sdk or <install prefix>.")
  endif()
  set(ZXGUEST_SDK "${zxguest_sdk}" CACHE PATH "The zxguest SDK: a build's sdk directory or an install prefix")
  list(APPEND CMAKE_PREFIX_PATH "${zxguest_sdk}")
endif()
