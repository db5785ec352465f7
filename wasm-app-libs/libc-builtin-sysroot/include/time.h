/* libc-builtin sysroot (wasm32, -nostdlib): time.h. Only what the
 * runtime's libc-builtin provides: clock and clock_gettime. */
#ifndef _LB_TIME_H
#define _LB_TIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef long long time_t;
typedef long long clock_t;
typedef int clockid_t;

/* 16 bytes on wasm32: the layout the runtime writes. */
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};

/* clock() counts nanoseconds of a monotonic clock (elapsed time, as in
 * WAMR), not processor time. */
#define CLOCKS_PER_SEC ((clock_t)1000000000)

/* CLOCK_REALTIME is wall time; every other id reads the monotonic clock. */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

clock_t clock(void);
int clock_gettime(clockid_t clock_id, struct timespec *ts);

#ifdef __cplusplus
}
#endif

#endif
