/* Unit tests of mem/pool.c (alignment, merging, in-place realloc, exhaustion,
 * stats, bad frees, a randomized model test) and of mem/mem.c (the three
 * backends, failure injection, pool mode under several threads), plus the
 * bits of platform/os.h they use. Prints "N passed, N failed" last and exits
 * nonzero on any failure. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "mem/pool.h"
#include "platform/os.h"

#include "check.h"

/* Backing store of every pool here; the extra bytes let tests misalign it. */
static _Alignas(16) uint8_t pool_buf[(1u << 20) + 64];

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n) /* uniform-ish in [0, n) (xorshift64) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32) % n;
}

static bool aligned(const void *p)
{
    return (uintptr_t)p % POOL_ALIGN == 0;
}

static uint32_t pool_free_bytes(const Pool *p)
{
    uint32_t free_bytes;

    pool_stats(p, NULL, &free_bytes, NULL);
    return free_bytes;
}

/* ------------------------------------------------------------------------
 * pool.c
 * ------------------------------------------------------------------------ */

static void test_pool_create(void)
{
    Pool *p;
    uint32_t total, free_bytes, highmark;

    CHECK(pool_create(NULL, 65536) == NULL);
    CHECK(pool_create(pool_buf, POOL_MIN_SIZE - 1) == NULL);
    CHECK(pool_create(pool_buf, 0) == NULL);
    p = pool_create(pool_buf, POOL_MIN_SIZE);
    CHECK(p != NULL && pool_check(p));
    CHECK(p && aligned(pool_alloc(p, 1)));

    /* a misaligned buffer still gives aligned blocks */
    p = pool_create(pool_buf + 3, 65536);
    CHECK(p != NULL && pool_check(p));
    pool_stats(p, &total, &free_bytes, &highmark);
    CHECK(total == 65536 && free_bytes < total && free_bytes > total - 4096);
    CHECK(highmark == total - free_bytes);
    CHECK(aligned(pool_alloc(p, 3)) && aligned(pool_alloc(p, 17)));
    CHECK(pool_check(p));
}

static void test_pool_sizes(void)
{
    Pool *p = pool_create(pool_buf, 1u << 20);
    uint8_t *blocks[301];
    uint32_t i, free0 = pool_free_bytes(p);
    bool ok = true;

    for (i = 0; i <= 300; i++) {
        blocks[i] = pool_alloc(p, i);
        ok = ok && blocks[i] && aligned(blocks[i]) && pool_usable_size(p, blocks[i]) >= i;
        if (blocks[i])
            memset(blocks[i], (int)i, i);
    }
    CHECK(ok);
    CHECK(blocks[0] != blocks[1] && pool_usable_size(p, blocks[0]) > 0);
    for (i = 1; i <= 300; i++)
        ok = ok && (blocks[i - 1] + pool_usable_size(p, blocks[i - 1]) <= blocks[i]);
    CHECK(ok); /* carved in address order from one block: no overlap */
    for (i = 0; i <= 300; i++)
        ok = ok && (i == 0 || blocks[i][i - 1] == (uint8_t)i);
    CHECK(ok);
    CHECK(pool_check(p));
    for (i = 0; i <= 300; i += 2)
        pool_free(p, blocks[i]);
    CHECK(pool_check(p));
    for (i = 1; i <= 300; i += 2)
        pool_free(p, blocks[i]);
    CHECK(pool_check(p) && pool_free_bytes(p) == free0);
    CHECK(pool_alloc(p, UINT32_MAX) == NULL && pool_alloc(p, UINT32_MAX - 8) == NULL);
    CHECK(pool_alloc(p, 1u << 20) == NULL);
}

/* Fills the pool with `size`-byte blocks until it refuses, then with smaller
 * ones until even size 0 is refused; returns how many of `size` fitted. */
static uint32_t fill_pool(Pool *p, uint32_t size, void **blocks, uint32_t cap, uint32_t *out_n)
{
    uint32_t n = 0, big;

    while (n < cap && (blocks[n] = pool_alloc(p, size)) != NULL)
        n++;
    big = n;
    while (n < cap && (blocks[n] = pool_alloc(p, 0)) != NULL)
        n++;
    *out_n = n;
    return big;
}

static void test_pool_exhaustion_and_merging(void)
{
    static void *blocks[200];
    Pool *p = pool_create(pool_buf, 65536);
    uint32_t free0 = pool_free_bytes(p), n, big, i, total, free_bytes, highmark, peak;
    uint8_t *a, *b, *c;

    big = fill_pool(p, 1000, blocks, 200, &n);
    CHECK(big > 50 && n < 200);
    CHECK(pool_alloc(p, 0) == NULL && pool_alloc(p, 1) == NULL);
    CHECK(pool_check(p));
    pool_stats(p, &total, &free_bytes, &highmark);
    CHECK(free_bytes < 64 && highmark == total - free_bytes);

    /* three neighbours freed in the order a, c, b merge into one block,
     * found again even though good fit alone would look one class higher */
    a = blocks[10], b = blocks[11], c = blocks[12];
    CHECK(b == a + pool_usable_size(p, a) + 8 && c == b + pool_usable_size(p, b) + 8);
    CHECK(pool_free(p, a) && pool_free(p, c) && pool_free(p, b));
    CHECK(pool_check(p));
    blocks[10] = pool_alloc(p, 3 * 1000 + 2 * 8);
    CHECK(blocks[10] == a);
    blocks[11] = blocks[12] = NULL;
    CHECK(pool_check(p));

    for (i = 0; i < n; i++)
        pool_free(p, blocks[i]);
    pool_stats(p, NULL, &free_bytes, &peak);
    CHECK(free_bytes == free0 && peak == highmark); /* the highmark stays */
    /* everything merged back: the largest block is available again */
    a = pool_alloc(p, free0 - 64);
    CHECK(a != NULL && pool_check(p));
}

static void test_pool_realloc(void)
{
    Pool *p = pool_create(pool_buf, 65536);
    uint8_t *a = pool_alloc(p, 100), *b = pool_alloc(p, 100), *c = pool_alloc(p, 100), *d;
    uint32_t i, free0;
    bool ok = true;

    for (i = 0; i < 100; i++)
        a[i] = (uint8_t)(i * 7);
    CHECK(pool_free(p, b));
    d = pool_realloc(p, a, 200); /* grows into the freed neighbour */
    CHECK(d == a && pool_usable_size(p, d) >= 200 && pool_check(p));
    d = pool_realloc(p, a, 50); /* shrinks in place */
    CHECK(d == a && pool_check(p));
    d = pool_realloc(p, a, 5000); /* c is in the way: moves */
    CHECK(d != NULL && d != a && aligned(d) && pool_check(p));
    for (i = 0; i < 50; i++)
        ok = ok && d[i] == (uint8_t)(i * 7);
    CHECK(ok);
    CHECK(!pool_free(p, a)); /* the old block was freed by the move */
    free0 = pool_free_bytes(p);
    CHECK(pool_realloc(p, d, UINT32_MAX) == NULL && pool_free_bytes(p) == free0);
    CHECK(pool_realloc(p, d, 1u << 20) == NULL && pool_usable_size(p, d) >= 5000);
    CHECK(pool_realloc(p, c + 8, 10) == NULL && pool_free_bytes(p) == free0);
    a = pool_realloc(p, NULL, 10);
    CHECK(a != NULL && pool_check(p));
    d = pool_realloc(p, d, 0);
    CHECK(d != NULL && pool_check(p));
}

static void test_pool_bad_free(void)
{
    Pool *p = pool_create(pool_buf, 65536);
    uint8_t *a = pool_alloc(p, 64), *b = pool_alloc(p, 64), *c = pool_alloc(p, 64);
    uint32_t free0;
    int local;

    CHECK(!pool_free(p, NULL));
    CHECK(!pool_free(p, &local));
    CHECK(!pool_free(p, a + 16) && !pool_free(p, a + 1) && !pool_free(p, a - 8));
    CHECK(!pool_free(p, pool_buf + sizeof pool_buf - 16));
    CHECK(pool_free(p, b));
    free0 = pool_free_bytes(p);
    CHECK(!pool_free(p, b)); /* double free */
    CHECK(pool_free(p, a));
    CHECK(!pool_free(p, b)); /* b's header now lies inside a merged free block */
    CHECK(!pool_free(p, a));
    CHECK(pool_free_bytes(p) > free0 && pool_check(p));
    CHECK(pool_usable_size(p, a) == 0 && pool_usable_size(p, c) >= 64);
    CHECK(pool_realloc(p, a, 10) == NULL && pool_check(p));
}

/* One live block of the model: where, how big, and the byte it is filled with. */
typedef struct Live {
    uint8_t *ptr;
    uint32_t size;
    uint8_t fill;
} Live;

static bool live_intact(const Live *l)
{
    uint32_t i;

    for (i = 0; i < l->size; i++) {
        if (l->ptr[i] != l->fill)
            return false;
    }
    return true;
}

static int live_cmp(const void *x, const void *y)
{
    const Live *a = x, *b = y;

    return a->ptr < b->ptr ? -1 : a->ptr > b->ptr;
}

/* Every live block keeps its bytes and no two overlap. */
static bool model_ok(Live *live, uint32_t n)
{
    static Live sorted[512];
    uint32_t i;

    memcpy(sorted, live, n * sizeof *live);
    qsort(sorted, n, sizeof *sorted, live_cmp);
    for (i = 0; i < n; i++) {
        if (!live_intact(&sorted[i]))
            return false;
        if (i && sorted[i - 1].ptr + sorted[i - 1].size > sorted[i].ptr)
            return false;
    }
    return true;
}

static uint32_t random_size(void)
{
    uint32_t r = rnd(100);

    return r < 70 ? rnd(64) : r < 95 ? rnd(1024) : rnd(16384);
}

static void test_pool_random(void)
{
    static Live live[512];
    Pool *p = pool_create(pool_buf, 1u << 19);
    uint32_t n = 0, op, i, free0 = pool_free_bytes(p), fails = 0;
    bool ok = true;

    for (op = 0; op < 40000 && ok; op++) {
        uint32_t what = rnd(10), size = random_size();
        void *q;

        if (what < 5 && n < 512) {
            q = pool_alloc(p, size);
            fails += !q;
            if (q) {
                ok = aligned(q) && pool_usable_size(p, q) >= size;
                live[n] = (Live){ q, size, (uint8_t)op };
                memset(q, live[n++].fill, size);
            }
        } else if (what < 8 && n) {
            i = rnd(n);
            ok = live_intact(&live[i]) && pool_free(p, live[i].ptr);
            live[i] = live[--n];
        } else if (n) {
            i = rnd(n);
            q = pool_realloc(p, live[i].ptr, size);
            if (q) {
                live[i].ptr = q;
                live[i].size = live[i].size < size ? live[i].size : size;
                ok = aligned(q) && live_intact(&live[i]);
                live[i].size = size;
                memset(q, live[i].fill, size);
            }
        }
        if (op % 1000 == 0)
            ok = ok && pool_check(p) && model_ok(live, n);
    }
    CHECK(ok && model_ok(live, n) && pool_check(p));
    CHECK(fails > 0); /* the pool is small enough to run out now and then */
    while (n)
        pool_free(p, live[--n].ptr);
    CHECK(pool_free_bytes(p) == free0 && pool_check(p));
}

/* ------------------------------------------------------------------------
 * mem.c backends
 * ------------------------------------------------------------------------ */

static bool in_pool_buf(const void *q)
{
    return (const uint8_t *)q >= pool_buf && (const uint8_t *)q < pool_buf + sizeof pool_buf;
}

static void test_mem_system(void)
{
    void *q = mem_alloc(0), *r;
    uint32_t total;

    CHECK(!mem_is_pool() && !mem_get_info(&total, NULL, NULL));
    CHECK(q != NULL);
    r = mem_realloc(q, 100000);
    CHECK(r != NULL);
    mem_free(r);
    CHECK(mem_calloc(SIZE_MAX / 2, 4) == NULL);
    q = mem_calloc(0, 0);
    CHECK(q != NULL);
    mem_free(q);
    mem_free(NULL);
    CHECK(mem_init_system() && !mem_init_system() && !mem_init_pool(pool_buf, 65536));
    mem_destroy();
}

static void test_mem_pool(void)
{
    static void *blocks[100];
    uint32_t total = 0, free0 = 0, free_bytes = 0, highmark = 0, n = 0, i;
    uint8_t *q;
    int local;
    bool ok = true;

    memset(pool_buf, 0xAA, sizeof pool_buf);
    CHECK(!mem_init_pool(pool_buf, 100));
    CHECK(mem_init_pool(pool_buf, 65536));
    CHECK(!mem_init_pool(pool_buf, 65536) && !mem_init_system());
    CHECK(mem_is_pool() && mem_get_info(&total, &free0, &highmark));
    CHECK(total == 65536 && free0 < total && highmark == total - free0);

    q = mem_calloc(10, 100);
    CHECK(q && in_pool_buf(q));
    for (i = 0; q && i < 1000; i++)
        ok = ok && q[i] == 0;
    CHECK(ok);
    mem_free(q);
    mem_free(&local); /* foreign: ignored */
    CHECK(mem_alloc(1u << 20) == NULL); /* no fallback to libc */
    CHECK(mem_alloc(SIZE_MAX) == NULL && mem_calloc(1u << 16, 1u << 16) == NULL);
    while (n < 100 && (blocks[n] = mem_alloc(1024)) != NULL)
        ok = ok && in_pool_buf(blocks[n++]);
    CHECK(ok && n > 30 && n < 100);
    CHECK(mem_get_info(NULL, &free_bytes, &highmark) && free_bytes < 1100);
    q = mem_realloc(blocks[0], 10); /* shrinking works even when full */
    CHECK(q == blocks[0]);
    for (i = 0; i < n; i++)
        mem_free(blocks[i]);
    CHECK(mem_get_info(NULL, &free_bytes, &highmark) && free_bytes == free0);
    CHECK(highmark > total - 1100);
    mem_destroy();
    CHECK(!mem_is_pool() && !mem_get_info(NULL, NULL, NULL));
}

/* An embedder allocator that counts live blocks and realloc calls. */
static int user_live, user_reallocs;

static void *user_malloc(unsigned int size)
{
    user_live++;
    return malloc(size);
}

static void *user_realloc(void *ptr, unsigned int size)
{
    user_reallocs++;
    return realloc(ptr, size);
}

static void user_free(void *ptr)
{
    user_live -= ptr != NULL;
    free(ptr);
}

static void test_mem_allocator(void)
{
    uint8_t *q, *r;
    uint32_t i;
    bool ok = true;

    CHECK(!mem_init_allocator(NULL, NULL, (void *)user_free));
    /* no realloc: emulated with a size header */
    CHECK(mem_init_allocator((void *)user_malloc, NULL, (void *)user_free));
    CHECK(!mem_is_pool() && !mem_get_info(NULL, NULL, NULL));
    q = mem_alloc(10);
    CHECK(q && (uintptr_t)q % _Alignof(max_align_t) == 0 && user_live == 1);
    for (i = 0; q && i < 10; i++)
        q[i] = (uint8_t)(i + 1);
    r = mem_realloc(q, 5); /* shrink keeps the block */
    CHECK(r == q && user_live == 1);
    r = mem_realloc(q, 100000);
    CHECK(r && user_live == 1);
    for (i = 0; r && i < 10; i++)
        ok = ok && r[i] == (uint8_t)(i + 1);
    CHECK(ok);
    mem_free(r);
    q = mem_calloc(100, 10);
    for (i = 0; q && i < 1000; i++)
        ok = ok && q[i] == 0;
    CHECK(q && ok);
    mem_free(q);
    q = mem_realloc(NULL, 7);
    mem_free(q);
    CHECK(q && user_live == 0 && user_reallocs == 0);
    mem_destroy();

    /* with realloc: passed through */
    CHECK(mem_init_allocator((void *)user_malloc, (void *)user_realloc, (void *)user_free));
    q = mem_alloc(10);
    r = mem_realloc(q, 1000);
    CHECK(r && user_reallocs == 1);
    mem_free(r);
    CHECK(user_live == 0);
    mem_destroy();
}

/* The failure sequence is the same in every backend. */
static void check_fail_after(const char *backend)
{
    void *a, *b, *c, *d;

    mem_set_fail_after(3);
    a = mem_alloc(8);
    b = mem_calloc(2, 8);
    c = mem_alloc(8);
    d = mem_realloc(a, 10000);
    check(a && b && !c && !d, backend, __LINE__);
    mem_set_fail_after(-1);
    d = mem_realloc(a, 10000); /* a survived the failed realloc */
    check(d != NULL, backend, __LINE__);
    mem_set_fail_after(1);
    c = mem_alloc(1);
    mem_set_fail_after(0);
    check(!c && !mem_alloc(1) && !mem_realloc(NULL, 1), backend, __LINE__);
    mem_set_fail_after(-1);
    mem_free(d);
    mem_free(b);
}

static void test_fail_after(void)
{
    uint32_t free0 = 0, free_bytes = 0;

    check_fail_after("system");
    CHECK(mem_init_pool(pool_buf, 65536));
    mem_get_info(NULL, &free0, NULL);
    check_fail_after("pool");
    CHECK(mem_get_info(NULL, &free_bytes, NULL) && free_bytes == free0);
    mem_destroy();
    CHECK(mem_init_allocator((void *)user_malloc, NULL, (void *)user_free));
    check_fail_after("allocator");
    CHECK(user_live == 0);
    mem_destroy();
}

/* ------------------------------------------------------------------------
 * Pool mode from several threads (and os.h)
 * ------------------------------------------------------------------------ */

static os_mutex counter_lock;
static long counter;

static void *thread_churn(void *arg)
{
    uint8_t *mine[32] = { 0 };
    uint8_t fill = (uint8_t)(uintptr_t)arg;
    uint32_t i, k, bad = 0, x = fill * 2654435761u;

    for (i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        k = (x >> 8) % 32;
        if (mine[k]) {
            bad += mine[k][0] != fill || mine[k][47] != fill;
            mem_free(mine[k]);
            mine[k] = NULL;
        } else if ((mine[k] = mem_alloc(48 + (x >> 20) % 200)) != NULL) {
            memset(mine[k], fill, 48);
        }
        os_mutex_lock(&counter_lock);
        counter++;
        os_mutex_unlock(&counter_lock);
    }
    for (k = 0; k < 32; k++)
        mem_free(mine[k]);
    return (void *)(uintptr_t)bad;
}

static void test_threads(void)
{
    os_thread t[4];
    uint32_t i, free0 = 0, free_bytes = 0, started = 0;
    void *ret;
    uintptr_t bad = 0;
    uint64_t t0 = os_time_ns(), t1;

    CHECK(os_mutex_init(&counter_lock));
    CHECK(mem_init_pool(pool_buf, 1u << 20));
    mem_get_info(NULL, &free0, NULL);
    for (i = 0; i < 4; i++)
        started += os_thread_create(&t[i], thread_churn, (void *)(uintptr_t)(i + 1));
    CHECK(started == 4);
    for (i = 0; i < started; i++) {
        CHECK(os_thread_join(t[i], &ret));
        bad += (uintptr_t)ret;
    }
    CHECK(bad == 0 && counter == 20000L * started);
    CHECK(mem_get_info(NULL, &free_bytes, NULL) && free_bytes == free0);
    mem_destroy();
    os_mutex_destroy(&counter_lock);

    os_sleep_ms(2);
    t1 = os_time_ns();
    CHECK(t1 >= t0 + 2000000u);
}

int main(void)
{
    test_pool_create();
    test_pool_sizes();
    test_pool_exhaustion_and_merging();
    test_pool_realloc();
    test_pool_bad_free();
    test_pool_random();
    test_mem_system();
    test_mem_pool();
    test_mem_allocator();
    test_fail_after();
    test_threads();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed != 0;
}
