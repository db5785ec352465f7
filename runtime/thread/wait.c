/* The wait/notify parking lot (see wait.h). Waiters live on their own
 * stacks, linked into one of a few buckets by address; one mutex guards
 * everything, since waits are rare and short compared with the cost of a
 * thread switch. A waiter wakes every few milliseconds to see whether its
 * thread group is being terminated. */
#include "wait.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#define N_BUCKETS 64
#define POLL_NS 5000000LL /* interrupt check period while waiting */

typedef struct Waiter {
    void *addr;
    bool woken;
    pthread_cond_t cond;
    struct Waiter *next;
} Waiter;

static pthread_mutex_t lot_lock = PTHREAD_MUTEX_INITIALIZER;
static Waiter *buckets[N_BUCKETS];

static Waiter **bucket_of(void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    return &buckets[(a >> 2 ^ a >> 9) % N_BUCKETS];
}

/* Appends at the tail, so notify wakes the oldest waiters first. */
static void enqueue(Waiter *w)
{
    Waiter **p = bucket_of(w->addr);
    while (*p)
        p = &(*p)->next;
    *p = w;
}

static void dequeue(Waiter *w)
{
    for (Waiter **p = bucket_of(w->addr); *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            return;
        }
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool value_matches(void *addr, uint64_t expected, bool is64)
{
    if (is64)
        return __atomic_load_n((uint64_t *)addr, __ATOMIC_SEQ_CST) == expected;
    return __atomic_load_n((uint32_t *)addr, __ATOMIC_SEQ_CST) == (uint32_t)expected;
}

/* Sleeps on w->cond for at most ns (lot_lock held). */
static void sleep_for(Waiter *w, uint64_t ns)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    uint64_t t = (uint64_t)until.tv_nsec + ns;
    until.tv_sec += (time_t)(t / 1000000000u);
    until.tv_nsec = (long)(t % 1000000000u);
    pthread_cond_timedwait(&w->cond, &lot_lock, &until);
}

int wait_on_address(void *addr, uint64_t expected, bool is64, int64_t timeout_ns,
                    atomic_int *interrupt)
{
    Waiter w;
    pthread_condattr_t attr;
    int result;

    pthread_mutex_lock(&lot_lock);
    if (!value_matches(addr, expected, is64)) {
        pthread_mutex_unlock(&lot_lock);
        return 1;
    }
    memset(&w, 0, sizeof w);
    w.addr = addr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w.cond, &attr);
    pthread_condattr_destroy(&attr);
    enqueue(&w);
    uint64_t deadline = timeout_ns < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ns;
    for (;;) {
        if (w.woken) {
            result = 0;
            break;
        }
        if (interrupt && atomic_load(interrupt)) {
            result = -1;
            break;
        }
        uint64_t now = now_ns();
        if (now >= deadline) {
            result = 2;
            break;
        }
        uint64_t left = deadline - now;
        sleep_for(&w, left < POLL_NS ? left : POLL_NS);
    }
    if (!w.woken)
        dequeue(&w);
    pthread_mutex_unlock(&lot_lock);
    pthread_cond_destroy(&w.cond);
    return result;
}

uint32_t notify_address(void *addr, uint32_t count)
{
    uint32_t woken = 0;

    pthread_mutex_lock(&lot_lock);
    Waiter **p = bucket_of(addr);
    while (*p && woken < count) {
        Waiter *w = *p;
        if (w->addr != addr) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        w->woken = true;
        pthread_cond_signal(&w->cond);
        woken++;
    }
    pthread_mutex_unlock(&lot_lock);
    return woken;
}
