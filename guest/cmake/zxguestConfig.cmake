# zxguestConfig.cmake: the zxguest SDK package: the IMPORTED target zxguest::runtime for guest programs.
#
# Linking a target against zxguest::runtime gives it the SDK's headers,
# libzxguest (crt0, start-up, libc subset), libgcc for compiler helpers, the
# program linker script and the vDSO's symbols (--just-symbols), so that every
# zx_* call resolves to an address inside the vDSO mapping. Paths are relative
# to this file: the same package works from a build's sdk directory and from
# an install prefix.
if(NOT CMAKE_CROSSCOMPILING OR NOT CMAKE_SYSTEM_NAME STREQUAL "Generic")
  message(FATAL_ERROR "zxguest: configure guest programs with -DCMAKE_TOOLCHAIN_FILE=<zxvmm>/toolchain.cmake")
endif()

get_filename_component(_zxguest_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(ZXGUEST_INCLUDE_DIR "${_zxguest_prefix}/include/zxguest")
set(ZXGUEST_LIB_DIR "${_zxguest_prefix}/lib/zxguest")
set(ZXGUEST_SHIM_IMAGE "${ZXGUEST_LIB_DIR}/shim.elf")
set(ZXGUEST_VDSO_IMAGE "${ZXGUEST_LIB_DIR}/vdso.elf")
set(ZXGUEST_LINKER_SCRIPT "${ZXGUEST_LIB_DIR}/program.ld")

foreach(_zxguest_file libzxguest.a program.ld vdso.elf)
  if(NOT EXISTS "${ZXGUEST_LIB_DIR}/${_zxguest_file}")
    set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
    set(${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE "missing ${ZXGUEST_LIB_DIR}/${_zxguest_file}")
    return()
  endif()
endforeach()

if(NOT TARGET zxguest::runtime)
  add_library(zxguest::runtime INTERFACE IMPORTED)
  set_target_properties(zxguest::runtime PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ZXGUEST_INCLUDE_DIR}"
    # Debug information for gdb (docs/gdb.md), also in build trees configured before toolchain.cmake
    # added -g to its initial flags.
    INTERFACE_COMPILE_OPTIONS "-g"
    INTERFACE_LINK_LIBRARIES "${ZXGUEST_LIB_DIR}/libzxguest.a;gcc"
    INTERFACE_LINK_OPTIONS
      "-Wl,-T,${ZXGUEST_LINKER_SCRIPT};-Wl,--just-symbols=${ZXGUEST_VDSO_IMAGE};-Wl,-u,_start"
    INTERFACE_LINK_DEPENDS "${ZXGUEST_LINKER_SCRIPT};${ZXGUEST_VDSO_IMAGE}")
endif()
unset(_zxguest_prefix)
unset(_zxguest_file)
