/* POSIX backend of platform/os.h: pthreads and clock_gettime. Other
 * platforms provide the same function set in their own file. */
#define _POSIX_C_SOURCE 200809L

#include "platform/os.h"

#include <errno.h>
#include <time.h>

bool os_mutex_init(os_mutex *m)
{
    return pthread_mutex_init(m, NULL) == 0;
}

void os_mutex_lock(os_mutex *m)
{
    pthread_mutex_lock(m);
}

void os_mutex_unlock(os_mutex *m)
{
    pthread_mutex_unlock(m);
}

void os_mutex_destroy(os_mutex *m)
{
    pthread_mutex_destroy(m);
}

uint64_t os_time_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void os_sleep_ms(uint32_t ms)
{
    struct timespec left;

    left.tv_sec = (time_t)(ms / 1000);
    left.tv_nsec = (long)(ms % 1000) * 1000000L;
    /* nanosleep writes the remaining time back when a signal interrupts it */
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

bool os_thread_create(os_thread *out_thread, void *(*fn)(void *), void *arg)
{
    return pthread_create(out_thread, NULL, fn, arg) == 0;
}

bool os_thread_join(os_thread t, void **out_ret)
{
    return pthread_join(t, out_ret) == 0;
}
