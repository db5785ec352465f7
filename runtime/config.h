/* Compile-time options of the runtime: every option is 0/1 valued, lives here
 * with a comment, and impossible combinations are rejected below. The build
 * passes -D overrides; nothing else in the tree defines these names. */
#ifndef WR_CONFIG_H
#define WR_CONFIG_H

/* Dispatch through computed goto (gcc/clang label addresses). 0 builds the
 * same handler text as a plain switch, for compilers without the extension. */
#ifndef WR_COMPUTED_GOTO
#if defined(__GNUC__) || defined(__clang__)
#define WR_COMPUTED_GOTO 1
#else
#define WR_COMPUTED_GOTO 0
#endif
#endif

/* Guard-page linear memories (interp/guard.h): memories reserve 8 GiB of
 * address space and the interpreter skips bounds compares, faults becoming
 * traps. Needs a 64-bit POSIX host; runtime_lib.cmake turns it on for
 * 64-bit Linux unless WAMR_DISABLE_HW_BOUND_CHECK is set. 0: every memory
 * access is checked in software (the portable default). */
#ifndef WR_GUARD_PAGES
#define WR_GUARD_PAGES 0
#endif

/* Count executed internal instructions (debug builds): lets us measure the
 * dispatches spent per wasm instruction. Costs one increment per dispatch. */
#ifndef WR_DISPATCH_COUNT
#define WR_DISPATCH_COUNT 0
#endif

/* Build the libc-builtin natives (module "env": printf, malloc, strlen, ...;
 * runtime/libc-builtin/) and register them at runtime init. The build sets
 * it from WAMR_BUILD_LIBC_BUILTIN (runtime_lib.cmake). */
#ifndef WR_LIBC_BUILTIN
#define WR_LIBC_BUILTIN 0
#endif

/* WASI preview1 natives (runtime/libc-wasi/), under wasi_snapshot_preview1
 * and wasi_unstable. runtime_lib.cmake sets it from WAMR_BUILD_LIBC_WASI. */
#ifndef WR_LIBC_WASI
#define WR_LIBC_WASI 0
#endif

/* lib-pthread: the pthread natives under "env" (runtime/thread/lib_pthread.c),
 * registered at runtime init. runtime_lib.cmake sets it from
 * WAMR_BUILD_LIB_PTHREAD. */
#ifndef WR_LIB_PTHREAD
#define WR_LIB_PTHREAD 0
#endif

/* wasi-threads: the "wasi" "thread-spawn" import (runtime/thread/
 * wasi_threads.c), registered at runtime init. runtime_lib.cmake sets it
 * from WAMR_BUILD_LIB_WASI_THREADS. */
#ifndef WR_LIB_WASI_THREADS
#define WR_LIB_WASI_THREADS 0
#endif

/* Default wasm value stack (bytes) of an exec env when the caller gives 0. */
#ifndef WR_DEFAULT_STACK_SIZE
#define WR_DEFAULT_STACK_SIZE (64 * 1024)
#endif

/* Upper bounds the loader enforces on module shape; generous enough for every
 * real toolchain output, small enough that hostile counts fail before any
 * allocation is attempted. */
#define WR_MAX_TYPES 1000000u
#define WR_MAX_FUNCTIONS 1000000u
#define WR_MAX_IMPORTS 100000u
#define WR_MAX_EXPORTS 100000u
#define WR_MAX_GLOBALS 1000000u
#define WR_MAX_TABLES 100000u
#define WR_MAX_ELEM_SEGMENTS 10000000u
#define WR_MAX_DATA_SEGMENTS 100000u
#define WR_MAX_PARAMS 1000u
#define WR_MAX_RESULTS 1000u
/* Total locals of one function, params included ("too many locals"). */
#define WR_MAX_LOCALS 50000u
/* Operand stack height of one function, in slots. */
#define WR_MAX_STACK_HEIGHT 65535u
#define WR_MAX_TABLE_SIZE 10000000u
/* 64 KiB pages of one 32-bit linear memory. */
#define WR_MAX_MEMORY_PAGES 65536u

#if WR_DISPATCH_COUNT != 0 && WR_DISPATCH_COUNT != 1
#error "WR_DISPATCH_COUNT must be 0 or 1"
#endif
#if WR_GUARD_PAGES != 0 && WR_GUARD_PAGES != 1
#error "WR_GUARD_PAGES must be 0 or 1"
#endif
#if WR_GUARD_PAGES && defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ < 8
#error "WR_GUARD_PAGES needs a 64-bit host: a memory reserves 8 GiB of address space"
#endif
#if WR_LIBC_BUILTIN != 0 && WR_LIBC_BUILTIN != 1
#error "WR_LIBC_BUILTIN must be 0 or 1"
#endif
#if WR_COMPUTED_GOTO != 0 && WR_COMPUTED_GOTO != 1
#error "WR_COMPUTED_GOTO must be 0 or 1"
#endif
#if WR_LIBC_WASI != 0 && WR_LIBC_WASI != 1
#error "WR_LIBC_WASI must be 0 or 1"
#endif
#if WR_LIB_PTHREAD != 0 && WR_LIB_PTHREAD != 1
#error "WR_LIB_PTHREAD must be 0 or 1"
#endif
#if WR_LIB_WASI_THREADS != 0 && WR_LIB_WASI_THREADS != 1
#error "WR_LIB_WASI_THREADS must be 0 or 1"
#endif

#endif
