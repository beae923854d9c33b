# SPDX-License-Identifier: Apache-2.0
# Builds BPF C sources into objects and libbpf skeletons, in the build tree.
#
#   pktlens_vmlinux_h()                 -> ${PKTLENS_VMLINUX_DIR}/vmlinux.h
#   pktlens_bpf_object(NAME SOURCE src [DEPENDS files...])
#       -> ${NAME}.bpf.o, ${NAME}.skel.h and INTERFACE target ${NAME}_skel
#
# The headers an object includes are found by clang itself (-MD -MF, a
# depfile given to add_custom_command's DEPFILE): a change to any of them
# rebuilds the object, without a list to keep up to date. DEPENDS is for
# anything else the object depends on.
#
# vmlinux.h is generated from the running kernel's BTF, not vendored: the
# build host is the host pktlens runs on (scripts/deps.sh builds in place),
# and the programs use kernel types only through CO-RE-safe uapi structs.
# Packagers building elsewhere can point PKTLENS_VMLINUX_BTF at another BTF.

find_program(CLANG_EXE NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL_EXE NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

execute_process(COMMAND ${CLANG_EXE} --version OUTPUT_VARIABLE _clang_version)
string(REGEX MATCH "version ([0-9]+)" _ "${_clang_version}")
if(CMAKE_MATCH_1 LESS 11)
  message(FATAL_ERROR "clang >= 11 is needed for BPF CO-RE; found ${CMAKE_MATCH_1}")
endif()
execute_process(COMMAND ${BPFTOOL_EXE} version OUTPUT_VARIABLE _bpftool_version
                RESULT_VARIABLE _bpftool_rc ERROR_QUIET)
if(NOT _bpftool_rc EQUAL 0)
  message(FATAL_ERROR "${BPFTOOL_EXE} does not run: install bpftool (scripts/deps.sh)")
endif()

set(PKTLENS_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH
    "Kernel BTF that vmlinux.h is generated from")
if(NOT EXISTS "${PKTLENS_VMLINUX_BTF}")
  message(FATAL_ERROR "${PKTLENS_VMLINUX_BTF} not found: the kernel needs CONFIG_DEBUG_INFO_BTF=y")
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(PKTLENS_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(PKTLENS_BPF_ARCH arm64)
else()
  set(PKTLENS_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

set(PKTLENS_VMLINUX_DIR ${CMAKE_BINARY_DIR}/vmlinux)

function(pktlens_vmlinux_h)
  add_custom_command(
    OUTPUT ${PKTLENS_VMLINUX_DIR}/vmlinux.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PKTLENS_VMLINUX_DIR}
    COMMAND ${BPFTOOL_EXE} btf dump file ${PKTLENS_VMLINUX_BTF} format c
            > ${PKTLENS_VMLINUX_DIR}/vmlinux.h.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${PKTLENS_VMLINUX_DIR}/vmlinux.h.tmp
            ${PKTLENS_VMLINUX_DIR}/vmlinux.h
    COMMENT "Generating vmlinux.h from ${PKTLENS_VMLINUX_BTF}"
    VERBATIM)
  add_custom_target(pktlens_vmlinux DEPENDS ${PKTLENS_VMLINUX_DIR}/vmlinux.h)
endfunction()

# Multiarch include dir for <asm/types.h>, which -target bpf cannot find.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
                OUTPUT_VARIABLE _multiarch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT _multiarch)
  execute_process(COMMAND gcc -print-multiarch
                  OUTPUT_VARIABLE _multiarch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()

function(pktlens_bpf_object NAME)
  cmake_parse_arguments(ARG "" "SOURCE" "DEPENDS" ${ARGN})
  set(_out ${CMAKE_CURRENT_BINARY_DIR})
  set(_obj ${_out}/${NAME}.bpf.o)
  set(_skel ${_out}/${NAME}.skel.h)
  get_filename_component(_src ${ARG_SOURCE} ABSOLUTE)
  set(_werror)
  if(PKTLENS_WERROR)
    set(_werror -Werror)
  endif()
  add_custom_command(
    OUTPUT ${_obj}
    COMMAND ${CLANG_EXE} -g -O2 -target bpf -D__TARGET_ARCH_${PKTLENS_BPF_ARCH}
            -Wall -Wextra ${_werror}
            -I${PKTLENS_VMLINUX_DIR} -I${PROJECT_SOURCE_DIR}/bpf
            -idirafter /usr/include/${_multiarch}
            -MD -MF ${_obj}.d
            -c ${_src} -o ${_obj}
    DEPENDS ${_src} ${ARG_DEPENDS} ${PKTLENS_VMLINUX_DIR}/vmlinux.h
    DEPFILE ${_obj}.d
    COMMENT "BPF ${NAME}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${_skel}
    COMMAND ${BPFTOOL_EXE} gen skeleton ${_obj} name ${NAME} > ${_skel}.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${_skel}.tmp ${_skel}
    DEPENDS ${_obj}
    COMMENT "Skeleton ${NAME}.skel.h"
    VERBATIM)
  add_custom_target(${NAME}_skel_gen DEPENDS ${_skel})
  # vmlinux.h is generated in bpf/: a file dependency alone does not reach
  # a rule of another directory (a clean -j build of tests/ failed with
  # "No rule to make target vmlinux.h"), the target dependency does.
  add_dependencies(${NAME}_skel_gen pktlens_vmlinux)
  add_library(${NAME}_skel INTERFACE)
  add_dependencies(${NAME}_skel ${NAME}_skel_gen)
  target_include_directories(${NAME}_skel INTERFACE ${_out})
  target_link_libraries(${NAME}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
