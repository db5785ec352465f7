/* lib-pthread cases, built for wasm32 against the libc-builtin sysroot with
 * -pthread. run(case) returns 0 when every check of the case held, else the
 * number of the first failed check (and prints it); the trap and terminate
 * cases never return normally. thread_test calls run. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(n, cond)                                   \
    do {                                                 \
        if (!(cond)) {                                   \
            printf("check %d failed: %s\n", n, #cond);  \
            return n;                                    \
        }                                                \
    } while (0)

static void *arg_of(int v)
{
    return (void *)(long)v;
}

static int int_of(void *p)
{
    return (int)(long)p;
}

/* ---- 1: producer/consumer with a mutex and two conditions ---- */

#define PC_SLOTS 4
#define PC_ITEMS 500
#define PC_PRODUCERS 2
#define PC_CONSUMERS 2

static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    int buf[PC_SLOTS];
    int head, count, produced, consumed;
    long long sum;
} pc;

static void *producer(void *arg)
{
    int base = int_of(arg) * PC_ITEMS;
    for (int i = 1; i <= PC_ITEMS; i++) {
        pthread_mutex_lock(&pc.lock);
        while (pc.count == PC_SLOTS)
            pthread_cond_wait(&pc.not_full, &pc.lock);
        pc.buf[(pc.head + pc.count++) % PC_SLOTS] = base + i;
        pthread_cond_signal(&pc.not_empty);
        pthread_mutex_unlock(&pc.lock);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&pc.lock);
        while (pc.count == 0 && pc.consumed < PC_ITEMS * PC_PRODUCERS)
            pthread_cond_wait(&pc.not_empty, &pc.lock);
        if (pc.consumed == PC_ITEMS * PC_PRODUCERS) {
            pthread_mutex_unlock(&pc.lock);
            return NULL;
        }
        pc.sum += pc.buf[pc.head];
        pc.head = (pc.head + 1) % PC_SLOTS;
        pc.count--;
        if (++pc.consumed == PC_ITEMS * PC_PRODUCERS)
            pthread_cond_broadcast(&pc.not_empty); /* the other consumer ends too */
        pthread_cond_signal(&pc.not_full);
        pthread_mutex_unlock(&pc.lock);
    }
}

static int producer_consumer(void)
{
    pthread_t p[PC_PRODUCERS], c[PC_CONSUMERS];
    long long n = PC_ITEMS * PC_PRODUCERS;
    CHECK(1, pthread_mutex_init(&pc.lock, NULL) == 0);
    CHECK(2, pthread_cond_init(&pc.not_full, NULL) == 0);
    CHECK(3, pthread_cond_init(&pc.not_empty, NULL) == 0);
    for (int i = 0; i < PC_CONSUMERS; i++)
        CHECK(4, pthread_create(&c[i], NULL, consumer, NULL) == 0);
    for (int i = 0; i < PC_PRODUCERS; i++)
        CHECK(5, pthread_create(&p[i], NULL, producer, arg_of(i)) == 0);
    for (int i = 0; i < PC_PRODUCERS; i++)
        CHECK(6, pthread_join(p[i], NULL) == 0);
    for (int i = 0; i < PC_CONSUMERS; i++)
        CHECK(7, pthread_join(c[i], NULL) == 0);
    CHECK(8, pc.consumed == n && pc.sum == n * (n + 1) / 2);
    CHECK(9, pthread_cond_destroy(&pc.not_full) == 0);
    CHECK(10, pthread_cond_destroy(&pc.not_empty) == 0);
    CHECK(11, pthread_mutex_destroy(&pc.lock) == 0);
    return 0;
}

/* ---- 2, 3: many threads incrementing, under a mutex and atomically ---- */

#define INC_THREADS 4
#define INC_TIMES 20000

static pthread_mutex_t inc_lock;
static int plain_counter;
static int atomic_counter;

static void *inc_locked(void *arg)
{
    for (int i = 0; i < INC_TIMES; i++) {
        pthread_mutex_lock(&inc_lock);
        plain_counter++;
        pthread_mutex_unlock(&inc_lock);
    }
    return arg;
}

static void *inc_atomic(void *arg)
{
    for (int i = 0; i < INC_TIMES; i++)
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
    return arg;
}

static int increments(void *(*fn)(void *), int *counter)
{
    pthread_t t[INC_THREADS];
    void *ret;
    CHECK(1, pthread_mutex_init(&inc_lock, NULL) == 0);
    for (int i = 0; i < INC_THREADS; i++)
        CHECK(2, pthread_create(&t[i], NULL, fn, arg_of(i + 100)) == 0);
    for (int i = 0; i < INC_THREADS; i++) {
        CHECK(3, pthread_join(t[i], &ret) == 0);
        CHECK(4, int_of(ret) == i + 100);
    }
    CHECK(5, *counter == INC_THREADS * INC_TIMES);
    CHECK(6, pthread_mutex_destroy(&inc_lock) == 0);
    return 0;
}

/* ---- 4: keys, setspecific/getspecific and destructors ---- */

static pthread_key_t key;
static int destructed; /* sum of the values destructors saw */

static void destructor(void *value)
{
    __atomic_fetch_add(&destructed, int_of(value), __ATOMIC_SEQ_CST);
}

static void *key_user(void *arg)
{
    if (pthread_getspecific(key) != NULL)
        return arg_of(-1); /* a new thread starts with NULL */
    if (pthread_setspecific(key, arg) != 0)
        return arg_of(-2);
    for (int i = 0; i < 1000; i++) {
        if (pthread_getspecific(key) != arg)
            return arg_of(-3);
    }
    return arg;
}

static int keys(void)
{
    pthread_t t[3];
    pthread_key_t extra[32];
    void *ret;
    int n = 0;
    CHECK(1, pthread_key_create(&key, destructor) == 0);
    CHECK(2, pthread_setspecific(key, arg_of(1000)) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(3, pthread_create(&t[i], NULL, key_user, arg_of(i + 1)) == 0);
    for (int i = 0; i < 3; i++) {
        CHECK(4, pthread_join(t[i], &ret) == 0);
        CHECK(5, int_of(ret) == i + 1);
    }
    CHECK(6, destructed == 1 + 2 + 3); /* each thread's value, once */
    CHECK(7, pthread_getspecific(key) == arg_of(1000)); /* main's untouched */
    while (n < 32 && pthread_key_create(&extra[n], NULL) == 0)
        n++;
    CHECK(8, n == 31); /* 32 keys in all */
    CHECK(9, pthread_key_create(&extra[31], NULL) == EAGAIN);
    CHECK(10, pthread_key_delete(key) == 0);
    CHECK(11, pthread_setspecific(key, arg_of(1)) == EINVAL);
    CHECK(12, pthread_getspecific(key) == NULL);
    CHECK(13, pthread_key_delete(key) == EINVAL);
    CHECK(14, pthread_key_create(&key, NULL) == 0);
    CHECK(15, pthread_getspecific(key) == NULL); /* a reused key starts NULL */
    CHECK(16, pthread_setspecific(12345, arg_of(1)) == EINVAL);
    return 0;
}

/* ---- 5: more threads than max_thread_num (run with --max-threads=2) ---- */

static int release_flag;

static void *wait_release(void *arg)
{
    while (!__atomic_load_n(&release_flag, __ATOMIC_SEQ_CST))
        __builtin_wasm_memory_atomic_wait32(&release_flag, 0, -1);
    return arg;
}

static void release(void)
{
    __atomic_store_n(&release_flag, 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(&release_flag, 0xffffffffu);
}

static int max_threads(void)
{
    pthread_t t[3];
    CHECK(1, pthread_create(&t[0], NULL, wait_release, NULL) == 0);
    CHECK(2, pthread_create(&t[1], NULL, wait_release, NULL) == 0);
    CHECK(3, pthread_create(&t[2], NULL, wait_release, NULL) == EAGAIN);
    release();
    CHECK(4, pthread_join(t[0], NULL) == 0);
    CHECK(5, pthread_join(t[1], NULL) == 0);
    CHECK(6, pthread_create(&t[2], NULL, wait_release, NULL) == 0);
    CHECK(7, pthread_join(t[2], NULL) == 0);
    return 0;
}

/* ---- 6: 1000 create/join cycles ---- */

static void *plus_one(void *arg)
{
    return arg_of(int_of(arg) + 1);
}

static int stress(void)
{
    for (int i = 0; i < 1000; i++) {
        pthread_t t;
        void *ret;
        CHECK(1, pthread_create(&t, NULL, plus_one, arg_of(i)) == 0);
        CHECK(2, pthread_join(t, &ret) == 0);
        CHECK(3, int_of(ret) == i + 1);
    }
    return 0;
}

/* ---- 7: errors: garbage handles and misuse fail cleanly ---- */

static void *join_self(void *arg)
{
    (void)arg;
    return arg_of(pthread_join(pthread_self(), NULL));
}

static int errors(void)
{
    pthread_mutex_t m, garbage = 12345;
    pthread_cond_t c, garbage_cond = 0xdeadbeef;
    pthread_t t;
    void *ret, *mem = NULL;
    CHECK(1, pthread_mutex_lock(&garbage) == EINVAL);
    CHECK(2, pthread_mutex_unlock(&garbage) == EINVAL);
    CHECK(3, pthread_mutex_destroy(&garbage) == EINVAL);
    CHECK(4, pthread_cond_signal(&garbage_cond) == EINVAL);
    CHECK(5, pthread_cond_wait(&garbage_cond, &garbage) == EINVAL);
    CHECK(6, pthread_mutex_init(&m, NULL) == 0 && pthread_cond_init(&c, NULL) == 0);
    CHECK(7, pthread_cond_wait(&c, &m) == EPERM); /* mutex not held */
    CHECK(8, pthread_mutex_unlock(&m) == EPERM);
    CHECK(9, pthread_mutex_lock(&m) == 0);
    CHECK(10, pthread_mutex_lock(&m) == EDEADLK);
    CHECK(11, pthread_mutex_destroy(&m) == EBUSY);
    CHECK(12, pthread_cond_timedwait(&c, &m, 10000) == ETIMEDOUT);
    CHECK(13, pthread_mutex_unlock(&m) == 0); /* held again after the timeout */
    CHECK(14, pthread_cond_wait(&c, (pthread_mutex_t *)&c) == EINVAL); /* a cond is no mutex */
    CHECK(15, pthread_mutex_destroy(&m) == 0);
    CHECK(16, pthread_mutex_lock(&m) == EINVAL); /* destroyed */
    CHECK(17, pthread_cond_destroy(&c) == 0 && pthread_cond_signal(&c) == EINVAL);
    CHECK(18, pthread_join(777777, NULL) == ESRCH);
    CHECK(19, pthread_detach(777777) == ESRCH);
    CHECK(20, pthread_mutex_lock(NULL) == EINVAL);
    CHECK(21, pthread_create(&t, NULL, join_self, NULL) == 0);
    CHECK(22, pthread_join(t, &ret) == 0 && int_of(ret) == EDEADLK);
    CHECK(23, pthread_join(t, NULL) == ESRCH); /* joined already */
    CHECK(24, posix_memalign(&mem, 3, 16) == EINVAL);
    CHECK(25, posix_memalign(&mem, 8, 100) == 0 && mem && (long)mem % 8 == 0);
    free(mem);
    CHECK(26, posix_memalign(&mem, 16, 100) == 0 && mem && (long)mem % 16 == 0);
    free(mem);
    return 0;
}

/* ---- 8: pthread_exit and pthread_self ---- */

static pthread_t exiting_self;

static void deep_exit(int depth)
{
    if (depth == 0)
        pthread_exit(arg_of(42));
    else
        deep_exit(depth - 1);
    printf("pthread_exit returned\n");
}

static void *exiter(void *arg)
{
    (void)arg;
    exiting_self = pthread_self();
    deep_exit(5);
    return arg_of(-1);
}

static int exit_and_self(void)
{
    pthread_t t;
    void *ret;
    CHECK(1, pthread_self() == 0); /* the main thread */
    pthread_exit(arg_of(1)); /* does nothing on the main thread */
    CHECK(2, pthread_create(&t, NULL, exiter, NULL) == 0);
    CHECK(3, pthread_join(t, &ret) == 0);
    CHECK(4, int_of(ret) == 42);
    CHECK(5, exiting_self == t && t != 0);
    return 0;
}

/* ---- 9: detached threads are reaped ---- */

static int detached_done;

static void *detached_worker(void *arg)
{
    __atomic_fetch_add(&detached_done, 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(&detached_done, 1);
    return arg;
}

static int detach(void)
{
    for (int i = 0; i < 100; i++) {
        pthread_t t;
        CHECK(1, pthread_create(&t, NULL, detached_worker, NULL) == 0);
        CHECK(2, pthread_detach(t) == 0);
        while (__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST) != i + 1)
            __builtin_wasm_memory_atomic_wait32(&detached_done, i, -1);
        int r = pthread_join(t, NULL); /* detached: EINVAL, or ESRCH once reaped */
        CHECK(3, r == EINVAL || r == ESRCH);
    }
    return 0;
}

/* ---- 10-12: a thread that traps or exits takes the group down ---- */

static void *spinner(void *arg)
{
    volatile int forever = 1;
    while (forever)
        ;
    return arg;
}

static void *trapper(void *arg)
{
    (void)arg;
    __builtin_trap();
}

static int not_a_start_routine(int a, int b)
{
    return a + b;
}

static void *exiter_process(void *arg)
{
    (void)arg;
    exit(3);
}

static int group_down(void *(*fn)(void *))
{
    pthread_t spin, t;
    CHECK(1, pthread_create(&spin, NULL, spinner, NULL) == 0);
    CHECK(2, pthread_create(&t, NULL, fn, NULL) == 0);
    pthread_join(spin, NULL); /* never returns normally */
    printf("NOT STOPPED\n");
    return 99;
}

/* ---- 13, 14: threads blocked everywhere, for wasm_runtime_terminate ---- */

static pthread_mutex_t held;
static pthread_cond_t never;
static pthread_mutex_t cond_lock;
static int never_changes;

static void *block_cond(void *arg)
{
    pthread_mutex_lock(&cond_lock);
    for (;;)
        pthread_cond_wait(&never, &cond_lock);
    return arg;
}

static void *block_mutex(void *arg)
{
    pthread_mutex_lock(&held); /* main holds it */
    return arg;
}

static void *block_atomic_wait(void *arg)
{
    for (;;)
        __builtin_wasm_memory_atomic_wait32(&never_changes, 0, -1);
    return arg;
}

static int blocked(int main_waits_atomically)
{
    pthread_t t[3];
    CHECK(1, pthread_mutex_init(&held, NULL) == 0 && pthread_mutex_init(&cond_lock, NULL) == 0);
    CHECK(2, pthread_cond_init(&never, NULL) == 0);
    CHECK(3, pthread_mutex_lock(&held) == 0);
    CHECK(4, pthread_create(&t[0], NULL, block_cond, NULL) == 0);
    CHECK(5, pthread_create(&t[1], NULL, block_mutex, NULL) == 0);
    CHECK(6, pthread_create(&t[2], NULL, block_atomic_wait, NULL) == 0);
    if (main_waits_atomically)
        block_atomic_wait(NULL);
    else
        pthread_join(t[0], NULL);
    printf("NOT STOPPED\n");
    return 99;
}

/* ---- 15: return with threads still running and objects not destroyed:
 * the end of the instance stops and frees them all (LeakSanitizer checks) ---- */

static int left_running(void)
{
    pthread_t t;
    pthread_mutex_t m;
    pthread_cond_t c;
    pthread_key_t k;
    CHECK(1, pthread_mutex_init(&m, NULL) == 0 && pthread_cond_init(&c, NULL) == 0);
    CHECK(2, pthread_key_create(&k, destructor) == 0 && pthread_setspecific(k, arg_of(5)) == 0);
    CHECK(3, pthread_create(&t, NULL, spinner, NULL) == 0);
    CHECK(4, pthread_create(&t, NULL, block_atomic_wait, NULL) == 0);
    CHECK(5, pthread_create(&t, NULL, wait_release, NULL) == 0 && pthread_detach(t) == 0);
    CHECK(6, pthread_create(&t, NULL, plus_one, NULL) == 0); /* ends, never joined */
    return 0;
}

int run(int which)
{
    switch (which) {
    case 1: return producer_consumer();
    case 2: return increments(inc_locked, &plain_counter);
    case 3: return increments(inc_atomic, &atomic_counter);
    case 4: return keys();
    case 5: return max_threads();
    case 6: return stress();
    case 7: return errors();
    case 8: return exit_and_self();
    case 9: return detach();
    case 10: return group_down(trapper);
    case 11: return group_down((void *(*)(void *))not_a_start_routine);
    case 12: return group_down(exiter_process);
    case 13: return blocked(0);
    case 14: return blocked(1);
    case 15: return left_running();
    default: return -1;
    }
}
