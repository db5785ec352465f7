/* libc-builtin sysroot (wasm32, -nostdlib): pthread.h. Exactly what the
 * runtime's lib-pthread provides (runtime/thread/lib_pthread.c, module
 * "env"), with WAMR's types and signatures. Build with -pthread (shared
 * memory and atomics):
 *   clang --target=wasm32 -nostdlib -pthread -matomics -mbulk-memory ...
 *         -Wl,--shared-memory,--max-memory=N -Wl,--export=__heap_base
 *         -Wl,--export=__data_end
 * Each thread gets a shadow stack from the app heap, so give the instance
 * a heap big enough for one stack per thread (iwasm --heap-size).
 *
 * What differs from POSIX:
 * - Every handle is 4 bytes naming a runtime object; there are no static
 *   initializers: call the *_init functions. A handle that names nothing
 *   (or was destroyed) gives EINVAL.
 * - Attributes are ignored (pass NULL). Mutexes are error-checking: a
 *   relock gives EDEADLK, an unlock by another thread EPERM.
 * - pthread_cond_timedwait takes a relative timeout in microseconds.
 * - pthread_self() is 0 on the main thread, where pthread_exit does
 *   nothing.
 * - There is no cancellation.
 * - posix_memalign: alignments above 8 are best effort (ENOMEM when no
 *   aligned block turns up). */
#ifndef _LB_PTHREAD_H
#define _LB_PTHREAD_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The error numbers these functions return (Linux's values). */
#ifndef EPERM
#define EPERM 1
#endif
#ifndef ESRCH
#define ESRCH 3
#endif
#ifndef EAGAIN
#define EAGAIN 11
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EDEADLK
#define EDEADLK 35
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif

typedef unsigned int pthread_t;
typedef unsigned int pthread_mutex_t;
typedef unsigned int pthread_cond_t;
typedef unsigned int pthread_key_t;

/* Threads. At most the runtime's max_thread_num (iwasm --max-threads)
 * threads run at once besides the main one: pthread_create then gives
 * EAGAIN. A trap or exit() in any thread ends them all. */
int pthread_create(pthread_t *thread, const void *attr, void *(*start_routine)(void *),
                   void *arg);
int pthread_join(pthread_t thread, void **retval);
int pthread_detach(pthread_t thread);
pthread_t pthread_self(void);
void pthread_exit(void *retval);

/* Mutexes */
int pthread_mutex_init(pthread_mutex_t *mutex, const void *attr);
int pthread_mutex_lock(pthread_mutex_t *mutex);
int pthread_mutex_unlock(pthread_mutex_t *mutex);
int pthread_mutex_destroy(pthread_mutex_t *mutex);

/* Condition variables */
int pthread_cond_init(pthread_cond_t *cond, const void *attr);
int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex);
int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex, uint64_t useconds);
int pthread_cond_signal(pthread_cond_t *cond);
int pthread_cond_broadcast(pthread_cond_t *cond);
int pthread_cond_destroy(pthread_cond_t *cond);

/* Thread-specific data: 32 keys per instance; destructors run when a
 * thread started by pthread_create ends. */
int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_key_delete(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);
void *pthread_getspecific(pthread_key_t key);

/* From the same library (as in WAMR); align must be a power of two >= 4. */
int posix_memalign(void **memptr, size_t align, size_t size);

#ifdef __cplusplus
}
#endif

#endif
