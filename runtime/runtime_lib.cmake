# The embedding route of the WAMR guide. An embedder sets WAMR_BUILD_*
# variables, then:
#   include(${WAMR_ROOT_DIR}/runtime/runtime_lib.cmake)
#   add_library(vmlib ${WAMR_RUNTIME_LIB_SOURCE})
# This file turns the variables into the source list, include directory and
# definitions. Every WAMR_BUILD_* variable is checked: a feature this runtime
# does not have stops configuration with a message, never silently.

set(WR_RUNTIME_DIR ${CMAKE_CURRENT_LIST_DIR})
if(NOT DEFINED WAMR_ROOT_DIR)
  get_filename_component(WAMR_ROOT_DIR ${WR_RUNTIME_DIR}/.. ABSOLUTE)
endif()

# ---- defaults, as WAMR's ----
if(NOT DEFINED WAMR_BUILD_PLATFORM)
  string(TOLOWER ${CMAKE_HOST_SYSTEM_NAME} WAMR_BUILD_PLATFORM)
endif()
if(NOT DEFINED WAMR_BUILD_TARGET)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)")
    set(WAMR_BUILD_TARGET "AARCH64")
  elseif(CMAKE_SIZEOF_VOID_P EQUAL 8)
    set(WAMR_BUILD_TARGET "X86_64")
  else()
    set(WAMR_BUILD_TARGET "X86_32")
  endif()
endif()
foreach(opt INTERP FAST_INTERP LIBC_BUILTIN BULK_MEMORY REF_TYPES)
  if(NOT DEFINED WAMR_BUILD_${opt})
    set(WAMR_BUILD_${opt} 1)
  endif()
endforeach()

# ---- every WAMR_BUILD_* variable must be one we know ----
set(WR_KNOWN_OPTIONS
  PLATFORM TARGET INTERP FAST_INTERP AOT JIT FAST_JIT LAZY_JIT WAMR_COMPILER LIBC_BUILTIN
  LIBC_WASI LIBC_UVWASI SIMD LIB_PTHREAD LIB_WASI_THREADS THREAD_MGR SHARED_MEMORY
  MULTI_MODULE MINI_LOADER BULK_MEMORY REF_TYPES TAIL_CALL MEMORY_PROFILING PERF_PROFILING
  DUMP_CALL_STACK CUSTOM_NAME_SECTION LOAD_CUSTOM_SECTION SPEC_TEST DEBUG_INTERP
  APP_FRAMEWORK GC EXCE_HANDLING MEMORY64 STATIC_PGO SGX_IPFS WASI_NN SHRUNK_MEMORY
  GLOBAL_HEAP_POOL GLOBAL_HEAP_SIZE ALLOC_WITH_USER_DATA MINI WASM_CACHE)
get_cmake_property(WR_ALL_VARIABLES VARIABLES)
foreach(var ${WR_ALL_VARIABLES})
  if(var MATCHES "^WAMR_BUILD_(.+)$")
    list(FIND WR_KNOWN_OPTIONS ${CMAKE_MATCH_1} found)
    if(found EQUAL -1)
      message(FATAL_ERROR "runtime_lib.cmake: unknown option ${var}=${${var}}")
    endif()
  endif()
endforeach()

# Options naming engines or features this runtime does not have.
macro(wr_reject opt why)
  if(WAMR_BUILD_${opt})
    message(FATAL_ERROR "runtime_lib.cmake: WAMR_BUILD_${opt}=${WAMR_BUILD_${opt}} is not supported: ${why}")
  endif()
endmacro()
wr_reject(AOT "this runtime is an interpreter; load .wasm, not AOT files")
wr_reject(JIT "there is no LLVM JIT; the interpreter is the only engine")
wr_reject(FAST_JIT "there is no fast JIT; the interpreter is the only engine")
wr_reject(LAZY_JIT "there is no JIT")
wr_reject(WAMR_COMPILER "there is no AOT compiler")
wr_reject(LIBC_UVWASI "uvwasi is not used; WASI is our own")
wr_reject(SIMD "SIMD (v128) is not built yet (set WAMR_BUILD_SIMD 0)")
wr_reject(MULTI_MODULE "imports between modules go through the internal linker only")
wr_reject(TAIL_CALL "the tail-call proposal is not supported")
wr_reject(GC "the GC proposal is not supported")
wr_reject(EXCE_HANDLING "the exception-handling proposal is not supported")
wr_reject(MEMORY64 "memory64 is not supported")
wr_reject(SGX_IPFS "SGX is not a supported platform")
wr_reject(WASI_NN "wasi-nn is not supported")
wr_reject(DEBUG_INTERP "the debug interpreter (lldb remote) is not supported")
wr_reject(ALLOC_WITH_USER_DATA "allocator callbacks take no user data")
if(NOT WAMR_BUILD_INTERP)
  message(FATAL_ERROR "runtime_lib.cmake: WAMR_BUILD_INTERP=0 leaves no engine: the interpreter is the only one")
endif()
if(NOT WAMR_BUILD_FAST_INTERP)
  message(STATUS "runtime_lib.cmake: WAMR_BUILD_FAST_INTERP=0 still builds our one interpreter (register-based, computed goto)")
endif()
if(NOT WAMR_BUILD_BULK_MEMORY OR NOT WAMR_BUILD_REF_TYPES)
  message(STATUS "runtime_lib.cmake: bulk memory and reference types are part of Wasm 2.0 and always built")
endif()

# ---- WAMR_BUILD_MINI: interpreter + libc-builtin + the embedding API ----
# The smallest runtime worth embedding (make bench prints its text size).
# It turns off, and says so, everything else that brings code of its own:
# WASI, lib-pthread and wasi-threads (wasi_absent.c answers the WASI API),
# the thread manager (thread_mgr_none.c: the spawn API fails with a logged
# error), and guard pages, so that only the software-checked interpreter
# loop is compiled (no second loop, no code_variant.c retargeting, no fault
# handler). Shared memories and atomics stay: the threads proposal is part
# of the one translator and loop, and costs wait.c and atomics.c (~1.6 KiB).
if(WAMR_BUILD_MINI)
  set(WR_MINI_OFF "")
  foreach(opt LIBC_WASI LIB_PTHREAD LIB_WASI_THREADS)
    if(WAMR_BUILD_${opt})
      list(APPEND WR_MINI_OFF WAMR_BUILD_${opt})
    endif()
    set(WAMR_BUILD_${opt} 0)
  endforeach()
  set(WAMR_BUILD_THREAD_MGR 0)
  list(APPEND WR_MINI_OFF "the thread manager (spawn API)")
  if(NOT WAMR_DISABLE_HW_BOUND_CHECK)
    set(WAMR_DISABLE_HW_BOUND_CHECK 1)
    list(APPEND WR_MINI_OFF "guard pages (as WAMR_DISABLE_HW_BOUND_CHECK=1)")
  endif()
  string(REPLACE ";" ", " WR_MINI_OFF "${WR_MINI_OFF}")
  message(STATUS "runtime_lib.cmake: WAMR_BUILD_MINI=1 turned off ${WR_MINI_OFF}")
endif()

# ---- platform and target ----
if(NOT WAMR_BUILD_PLATFORM MATCHES "^(linux|darwin|freebsd|android)$")
  message(FATAL_ERROR "runtime_lib.cmake: WAMR_BUILD_PLATFORM=${WAMR_BUILD_PLATFORM} is not supported: only POSIX platforms (linux, darwin, freebsd, android) have a platform layer")
endif()
string(TOUPPER ${WAMR_BUILD_TARGET} WR_TARGET)
if(WR_TARGET STREQUAL "X86_32" AND CMAKE_SIZEOF_VOID_P EQUAL 8)
  # As WAMR does: a 32-bit runtime on a 64-bit host.
  add_compile_options(-m32)
  add_link_options(-m32)
elseif(NOT WR_TARGET MATCHES "^(X86_64|AMD_64|X86_32|AARCH64.*|ARM.*|THUMB.*|RISCV.*|MIPS.*|XTENSA)$")
  message(FATAL_ERROR "runtime_lib.cmake: unknown WAMR_BUILD_TARGET=${WAMR_BUILD_TARGET}")
endif()

# ---- what gets built ----
set(WAMR_RUNTIME_LIB_SOURCE
  ${WR_RUNTIME_DIR}/platform/posix/os_posix.c
  ${WR_RUNTIME_DIR}/mem/mem.c
  ${WR_RUNTIME_DIR}/mem/pool.c
  ${WR_RUNTIME_DIR}/mem/app_heap.c
  ${WR_RUNTIME_DIR}/loader/loader.c
  ${WR_RUNTIME_DIR}/loader/translate.c
  ${WR_RUNTIME_DIR}/loader/translate_values.c
  ${WR_RUNTIME_DIR}/interp/interp.c
  ${WR_RUNTIME_DIR}/interp/atomics.c
  ${WR_RUNTIME_DIR}/thread/wait.c
  ${WR_RUNTIME_DIR}/common/error.c
  ${WR_RUNTIME_DIR}/common/sort.c
  ${WR_RUNTIME_DIR}/common/log.c
  ${WR_RUNTIME_DIR}/common/instance.c
  ${WR_RUNTIME_DIR}/common/exec_env.c
  ${WR_RUNTIME_DIR}/common/native.c
  ${WR_RUNTIME_DIR}/common/wasm_runtime.c
  ${WR_RUNTIME_DIR}/common/wasm_call.c
  ${WR_RUNTIME_DIR}/common/wasm_memory.c
  ${WR_RUNTIME_DIR}/common/read_file.c
)
if(WAMR_BUILD_MINI)
  # the spawn API answers "not built in" (thread groups, spawned exec envs)
  list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/thread/thread_mgr_none.c)
else()
  list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/thread/thread_mgr.c)
endif()
if(WAMR_BUILD_LIBC_BUILTIN)
  # libc-builtin: printf, malloc, strlen, ... under module "env", registered at init
  list(APPEND WAMR_RUNTIME_LIB_SOURCE
    ${WR_RUNTIME_DIR}/libc-builtin/libc_builtin.c
    ${WR_RUNTIME_DIR}/libc-builtin/lb_string.c
    ${WR_RUNTIME_DIR}/libc-builtin/lb_printf.c)
  add_definitions(-DWR_LIBC_BUILTIN=1)
else()
  add_definitions(-DWR_LIBC_BUILTIN=0)
endif()
if(WAMR_BUILD_LIBC_WASI)
  # WASI preview1 under wasi_snapshot_preview1 and wasi_unstable, registered at init
  list(APPEND WAMR_RUNTIME_LIB_SOURCE
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_api.c
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_ctx.c
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_path.c
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_fd.c
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_file.c
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_proc.c
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_sock.c
    ${WR_RUNTIME_DIR}/libc-wasi/wasi_native.c)
  # fd_readdir's stream: getdents64 on Linux (no libc allocation), readdir(3) elsewhere
  if(WAMR_BUILD_PLATFORM MATCHES "^(linux|android)$")
    list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/libc-wasi/wasi_dir_linux.c)
  else()
    list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/libc-wasi/wasi_dir_posix.c)
  endif()
  add_definitions(-DWR_LIBC_WASI=1)
else()
  # the public WASI functions still exist, answering "not built in"
  list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/libc-wasi/wasi_absent.c)
  add_definitions(-DWR_LIBC_WASI=0)
endif()
if(WAMR_BUILD_LIB_PTHREAD)
  # lib-pthread: pthread_create, mutexes, conds, keys under module "env", registered at init
  list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/thread/lib_pthread.c)
  add_definitions(-DWR_LIB_PTHREAD=1)
else()
  add_definitions(-DWR_LIB_PTHREAD=0)
endif()
if(WAMR_BUILD_LIB_WASI_THREADS)
  # wasi-threads: "wasi" "thread-spawn", registered at init
  list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/thread/wasi_threads.c)
  add_definitions(-DWR_LIB_WASI_THREADS=1)
else()
  add_definitions(-DWR_LIB_WASI_THREADS=0)
endif()
# Memory bounds: guard pages (a reservation per memory, faults become traps)
# where the address space allows, as WAMR does on 64-bit Linux; software
# checks elsewhere, and when the embedder sets WAMR_DISABLE_HW_BOUND_CHECK=1.
if(WAMR_BUILD_PLATFORM MATCHES "^(linux|android)$" AND CMAKE_SIZEOF_VOID_P EQUAL 8
   AND NOT WR_TARGET STREQUAL "X86_32" AND NOT WAMR_DISABLE_HW_BOUND_CHECK)
  list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/interp/guard.c
                                      ${WR_RUNTIME_DIR}/interp/code_variant.c)
  add_definitions(-DWR_GUARD_PAGES=1)
else()
  list(APPEND WAMR_RUNTIME_LIB_SOURCE ${WR_RUNTIME_DIR}/interp/guard_none.c)
  add_definitions(-DWR_GUARD_PAGES=0)
endif()
include_directories(${WR_RUNTIME_DIR}/include)
# The runtime's own sources also include internal headers by their path under
# runtime/ ("platform/os.h"); only they get that directory, so the embedder's
# include path sees nothing but the public headers.
set_property(SOURCE ${WAMR_RUNTIME_LIB_SOURCE} APPEND PROPERTY INCLUDE_DIRECTORIES ${WR_RUNTIME_DIR})
# computed goto is a GNU extension the interpreter relies on
# -ffp-contract=off: wasm rounds every f64/f32 operation; a fused
# multiply-add (gcc contracts a * b + c across statements by default in GNU
# mode, on targets with FMA such as AArch64) would round once and differ.
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  set_source_files_properties(${WR_RUNTIME_DIR}/interp/interp.c PROPERTIES COMPILE_OPTIONS
                              "-std=gnu11;-ffp-contract=off")
endif()
# MINI is built for size, on the runtime's own sources only (their options
# come after the build type's -O on the command line, so they win). Text of
# the MINI libvmlib.a on x86-64 with gcc 12 when this was written (size -B
# -t, in KiB; test/mini's embedder, stripped, in brackets):
#  -Os (not in Debug builds): 175 at -O3, 146 at -O2 -> 111 (124). gcc's
#    -Oz is 0.3 larger; clang's -Os leaves 115 in all, its -Oz 103, so
#    clang gets -Oz.
#  -fno-asynchronous-unwind-tables -fno-unwind-tables: no .eh_frame, which
#    size counts as text: -18 (-21). The cost: nothing unwinds through
#    runtime frames (a C++ exception thrown by a native, backtrace(3), perf
#    --call-graph=dwarf); gdb still unwinds a -g build by its debug info.
#  -ffunction-sections -fdata-sections: -0.3 in the library, but an embedder
#    linking with -Wl,--gc-sections drops every function it never reaches:
#    -8.5 (a static library has no link step of its own for --gc-sections
#    to apply to). All together: 93 (95).
# interp.c keeps the build type's -O: its loop is no smaller at -Os (+0.6
# against -O3) and -Os makes it slower (fib: 1.4 times the time).
if(WAMR_BUILD_MINI)
  set(WR_MINI_SIZE_SOURCES ${WAMR_RUNTIME_LIB_SOURCE})
  list(REMOVE_ITEM WR_MINI_SIZE_SOURCES ${WR_RUNTIME_DIR}/interp/interp.c)
  set_property(SOURCE ${WR_MINI_SIZE_SOURCES} APPEND PROPERTY COMPILE_OPTIONS
               "$<$<NOT:$<CONFIG:Debug>>:$<IF:$<C_COMPILER_ID:Clang,AppleClang>,-Oz,-Os>>")
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    set_property(SOURCE ${WAMR_RUNTIME_LIB_SOURCE} APPEND PROPERTY COMPILE_OPTIONS
                 -fno-asynchronous-unwind-tables -fno-unwind-tables
                 -ffunction-sections -fdata-sections)
  endif()
endif()
