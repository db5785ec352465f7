/* memory.atomic.wait / notify: a parking lot of threads waiting on
 * addresses of shared linear memories. */
#ifndef WR_WAIT_H
#define WR_WAIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Blocks while *addr == expected (compared under the lot's lock, so a
 * notify can never slip between the check and the sleep) until notified,
 * the timeout (ns; negative = none) passes, or *interrupt is set.
 * Returns 0 woken, 1 value differed, 2 timed out; -1 interrupted. */
int wait_on_address(void *addr, uint64_t expected, bool is64, int64_t timeout_ns,
                    atomic_int *interrupt);

/* Wakes up to count waiters of addr, oldest first; returns how many. */
uint32_t notify_address(void *addr, uint32_t count);

#endif
