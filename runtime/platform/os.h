/* The OS layer: the few locks, threads, clocks, address-space reservations
 * and fault signals the runtime needs from the platform. One backend file
 * per platform implements exactly this function set (posix/os_posix.c
 * first); a port adds its own file and its own type block below, and
 * nothing else in the runtime includes OS headers for these. */
#ifndef WR_OS_H
#define WR_OS_H

#include <stdbool.h>
#include <stdint.h>

/* Types are stored inline by their users (no allocation), so that pool mode
 * keeps every runtime byte in the embedder's buffer. */
#include <pthread.h>
#include <setjmp.h>
typedef pthread_mutex_t os_mutex;
/* For mutexes with static storage, which need no os_mutex_init. */
#define OS_MUTEX_INITIALIZER PTHREAD_MUTEX_INITIALIZER
typedef pthread_t os_thread;
/* A jump buffer a fault handler may leave through. os_setjmp must be a macro
 * (setjmp cannot be wrapped in a function that returns). It need not save
 * the signal mask (glibc's and musl's setjmp do not: no system call), since
 * the fault handler runs without blocking the signal (SA_NODEFER). */
typedef jmp_buf os_jmp_buf;
#define os_setjmp(buf) setjmp(buf)

/* A non-recursive mutex. init returns false when the OS refuses (rare). */
bool os_mutex_init(os_mutex *m);
void os_mutex_lock(os_mutex *m);
void os_mutex_unlock(os_mutex *m);
void os_mutex_destroy(os_mutex *m);

/* Monotonic clock in nanoseconds since an arbitrary origin. */
uint64_t os_time_ns(void);
/* Sleeps at least ms milliseconds (resumes after signal interruptions). */
void os_sleep_ms(uint32_t ms);

/* Starts fn(arg) on a new joinable thread with the OS default stack. */
bool os_thread_create(os_thread *out_thread, void *(*fn)(void *), void *arg);
/* Waits for t to end; out_ret (may be NULL) receives fn's return value. */
bool os_thread_join(os_thread t, void **out_ret);

/* Address space (guard-page linear memories). reserve maps size bytes that
 * fault on any access (NULL when the OS refuses, e.g. under ulimit -v);
 * commit makes [addr, addr + size) of a reservation readable, writable and,
 * on first touch, zero; release unmaps a whole reservation. */
void *os_vm_reserve(uint64_t size);
bool os_vm_commit(void *addr, uint64_t size);
void os_vm_release(void *addr, uint64_t size);

/* Memory access faults (SIGSEGV, SIGBUS). hook runs first on every fault of
 * every thread, in signal context, with the faulting address: it either
 * leaves through os_longjmp or returns, and then the handler installed
 * before ours runs (the default action when there was none). Installs once;
 * later calls only report whether that worked. */
typedef void (*OsFaultHook)(void *fault_addr);
bool os_fault_handler_install(OsFaultHook hook);
/* Leaves a fault handler (or any code) to the matching os_setjmp, which
 * then returns 1. */
_Noreturn void os_longjmp(os_jmp_buf buf);

#endif
