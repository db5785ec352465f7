/* The OS layer: the few locks, threads and clocks the runtime needs from the
 * platform. One backend file per platform implements exactly this function
 * set (posix/os_posix.c first); a port adds its own file and its own type
 * block below, and nothing else in the runtime includes OS headers for these. */
#ifndef WR_OS_H
#define WR_OS_H

#include <stdbool.h>
#include <stdint.h>

/* Types are stored inline by their users (no allocation), so that pool mode
 * keeps every runtime byte in the embedder's buffer. */
#include <pthread.h>
typedef pthread_mutex_t os_mutex;
/* For mutexes with static storage, which need no os_mutex_init. */
#define OS_MUTEX_INITIALIZER PTHREAD_MUTEX_INITIALIZER
typedef pthread_t os_thread;

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

#endif
