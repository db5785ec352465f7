/* Unit tests of mem/app_heap.c: ranges and alignment, bad frees, exact
 * exhaustion and merging (no metadata inside linear memory), realloc in
 * place and by copy through a fake linear memory, metadata allocation
 * failures, several threads, and a randomized model test that scribbles over
 * every unowned byte of the fake memory between operations. Prints
 * "N passed, N failed" last and exits nonzero on any failure. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/app_heap.h"
#include "mem/mem.h"
#include "platform/os.h"

#include "check.h"

/* The fake linear memory the heap lives in. */
#define MEM_SIZE (1u << 17)
static uint8_t memory[MEM_SIZE];

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint32_t rnd(uint32_t n) /* uniform-ish in [0, n) (xorshift64) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32) % n;
}

static uint32_t heap_free(const AppHeap *h)
{
    uint32_t free_bytes;

    app_heap_stats(h, NULL, &free_bytes, NULL);
    return free_bytes;
}

/* ------------------------------------------------------------------------
 * Ranges, sizes, bad frees
 * ------------------------------------------------------------------------ */

static void test_create(void)
{
    AppHeap *h = app_heap_create(0, 64);
    uint32_t total, free_bytes, highmark, off;

    /* offset 0 is never handed out: it means failure */
    app_heap_stats(h, &total, &free_bytes, &highmark);
    CHECK(h && total == 56 && free_bytes == 56 && highmark == 0);
    off = app_heap_alloc(h, 1);
    CHECK(off == 8 && app_heap_check(h));
    app_heap_destroy(h);

    h = app_heap_create(13, 100); /* [16, 112) */
    app_heap_stats(h, &total, NULL, NULL);
    CHECK(h && total == 96 && app_heap_alloc(h, 96) == 16 && app_heap_alloc(h, 0) == 0);
    app_heap_destroy(h);

    h = app_heap_create(0xFFFF0000u, 0x10000u); /* ends exactly at 4 GiB */
    off = h ? app_heap_alloc(h, 0x8000) : 0;
    CHECK(off == 0xFFFF0000u && app_heap_alloc(h, 0x8000) == 0 && app_heap_check(h));
    app_heap_destroy(h);

    CHECK(app_heap_create(0xFFFF0000u, 0x10001u) == NULL);
    CHECK(app_heap_create(UINT32_MAX, UINT32_MAX) == NULL);

    h = app_heap_create(100, 4); /* no room for a block */
    CHECK(h && app_heap_alloc(h, 0) == 0 && !app_heap_free(h, 100) && app_heap_check(h));
    app_heap_destroy(h);
    app_heap_destroy(NULL);
}

static void test_sizes_and_bad_frees(void)
{
    AppHeap *h = app_heap_create(1024, 4096);
    uint32_t a = app_heap_alloc(h, 0), b = app_heap_alloc(h, 0), c = app_heap_alloc(h, 13);
    uint32_t free0;

    CHECK(a && b && a != b && app_heap_block_size(h, a) == 8);
    CHECK(c % 8 == 0 && c >= 1024 && app_heap_block_size(h, c) == 16);
    CHECK(app_heap_alloc(h, UINT32_MAX) == 0 && app_heap_alloc(h, UINT32_MAX - 6) == 0);
    CHECK(app_heap_alloc(h, 4097) == 0);
    free0 = heap_free(h);
    CHECK(!app_heap_free(h, 0) && !app_heap_free(h, c + 8) && !app_heap_free(h, c + 1));
    CHECK(!app_heap_free(h, 8) && !app_heap_free(h, 1024 + 4096) && !app_heap_free(h, UINT32_MAX));
    CHECK(!app_heap_free(h, 2048)); /* inside the free tail */
    CHECK(heap_free(h) == free0 && app_heap_check(h));
    CHECK(app_heap_free(h, b) && !app_heap_free(h, b)); /* double free */
    CHECK(app_heap_block_size(h, b) == 0 && app_heap_block_size(h, c + 8) == 0);
    CHECK(app_heap_free(h, a) && app_heap_free(h, c) && !app_heap_free(h, c));
    CHECK(heap_free(h) == 4096 && app_heap_check(h));
    app_heap_destroy(h);
}

/* With all metadata outside, 4096 bytes hold exactly 512 blocks of 8. */
static void test_exhaustion_and_merging(void)
{
    static uint32_t offs[600];
    AppHeap *h = app_heap_create(4096, 4096);
    uint32_t n = 0, i, highmark;
    bool ok = true;

    while (n < 600 && (offs[n] = app_heap_alloc(h, 8)) != 0)
        n++;
    CHECK(n == 512 && heap_free(h) == 0 && app_heap_check(h));
    for (i = 0; i < n; i += 2)
        ok = app_heap_free(h, offs[i]) && ok;
    CHECK(ok && heap_free(h) == 2048);
    CHECK(app_heap_alloc(h, 16) == 0); /* fragmented: no two free grains touch */
    offs[0] = app_heap_alloc(h, 8);
    CHECK(offs[0] && app_heap_free(h, offs[0]) && app_heap_check(h));
    for (i = 1; i < n; i += 2)
        ok = app_heap_free(h, offs[i]) && ok;
    app_heap_stats(h, NULL, NULL, &highmark);
    CHECK(ok && heap_free(h) == 4096 && highmark == 4096 && app_heap_check(h));
    CHECK(app_heap_alloc(h, 4096) == 4096); /* all merged back */
    app_heap_destroy(h);
}

/* ------------------------------------------------------------------------
 * realloc
 * ------------------------------------------------------------------------ */

static bool filled(uint32_t off, uint32_t size, uint8_t fill)
{
    uint32_t i;

    for (i = 0; i < size; i++) {
        if (memory[off + i] != fill)
            return false;
    }
    return true;
}

static void test_realloc(void)
{
    AppHeap *h = app_heap_create(256, 8192);
    uint32_t a = app_heap_alloc(h, 100), b = app_heap_alloc(h, 100), c = app_heap_alloc(h, 100);
    uint32_t r, free0;

    memset(memory + a, 0x5A, 100);
    CHECK(app_heap_free(h, b));
    r = app_heap_realloc(h, memory, a, 200); /* grows into b */
    CHECK(r == a && app_heap_block_size(h, a) == 200 && app_heap_check(h));
    r = app_heap_realloc(h, memory, a, 208); /* takes all of b: its record goes */
    CHECK(r == a && app_heap_check(h));
    r = app_heap_realloc(h, memory, a, 40); /* shrinks in place */
    CHECK(r == a && app_heap_block_size(h, a) == 40 && app_heap_check(h));
    CHECK(app_heap_free(h, c) && app_heap_check(h));
    r = app_heap_realloc(h, memory, a, 1000); /* all free after a now: in place */
    CHECK(r == a && app_heap_check(h));
    memset(memory + a, 0x5A, 1000);
    b = app_heap_alloc(h, 8); /* now a's successor is used */
    CHECK(b == a + 1000);
    r = app_heap_realloc(h, memory, a, 2000); /* moves, copying */
    CHECK(r && r != a && filled(r, 1000, 0x5A) && app_heap_check(h));
    CHECK(app_heap_block_size(h, a) == 0);
    a = r;
    free0 = heap_free(h);
    CHECK(app_heap_realloc(h, memory, a, 100000) == 0 && app_heap_block_size(h, a) == 2000);
    CHECK(app_heap_realloc(h, memory, a, UINT32_MAX) == 0 && heap_free(h) == free0);
    CHECK(app_heap_realloc(h, memory, a + 8, 10) == 0);
    CHECK(app_heap_realloc(h, memory, 12345, 1) == 0);
    CHECK(heap_free(h) == free0 && app_heap_check(h));
    r = app_heap_realloc(h, memory, 0, 24);
    CHECK(r && app_heap_block_size(h, r) == 24);
    r = app_heap_realloc(h, memory, r, 0);
    CHECK(r && app_heap_block_size(h, r) == 8);
    app_heap_destroy(h);
}

/* ------------------------------------------------------------------------
 * Runtime memory failures
 * ------------------------------------------------------------------------ */

static void test_metadata_failure(void)
{
    AppHeap *h;
    uint32_t n, free_bytes, i, made = 0;
    bool ok = true;

    for (i = 1; i <= 4; i++) {
        mem_set_fail_after((long)i);
        h = app_heap_create(0, 65536);
        mem_set_fail_after(-1);
        made += h != NULL;
        app_heap_destroy(h); /* a failed create leaks nothing (ASan) */
    }
    CHECK(made == 1); /* create makes three allocations */

    h = app_heap_create(0, 65536);
    /* records and hash start small; once they must grow, allocation fails
     * cleanly and leaves the heap as it was */
    mem_set_fail_after(1);
    for (n = 0; n < 1000; n++) {
        free_bytes = heap_free(h);
        if (!app_heap_alloc(h, 16))
            break;
    }
    mem_set_fail_after(-1);
    CHECK(n > 5 && n < 1000 && heap_free(h) == free_bytes && app_heap_check(h));
    for (i = 0; i < 1000 && ok; i++)
        ok = app_heap_alloc(h, 16) != 0;
    CHECK(ok && app_heap_check(h));
    app_heap_destroy(h);
}

/* ------------------------------------------------------------------------
 * Randomized model test
 * ------------------------------------------------------------------------ */

typedef struct Live {
    uint32_t off, size;
    uint8_t fill;
} Live;

static Live live[1024];
static uint32_t n_live;
static uint8_t owned[MEM_SIZE]; /* 1 where a live block owns the byte */

/* Every live block keeps its bytes and owns them alone; all else in the
 * fake memory is overwritten with garbage, which must not matter. */
static bool model_ok(void)
{
    uint32_t i, j;

    memset(owned, 0, sizeof owned);
    for (i = 0; i < n_live; i++) {
        if (!filled(live[i].off, live[i].size, live[i].fill))
            return false;
        for (j = live[i].off; j < live[i].off + live[i].size; j++) {
            if (owned[j]++)
                return false;
        }
    }
    for (j = 0; j < MEM_SIZE; j++) {
        if (!owned[j])
            memory[j] = (uint8_t)rnd(256);
    }
    return true;
}

static bool random_step(AppHeap *h, uint32_t op, uint32_t *fails)
{
    uint32_t what = rnd(10), r = rnd(100), i, off;
    uint32_t size = r < 70 ? rnd(64) : r < 95 ? rnd(1024) : rnd(8192);
    bool ok = true;

    if (what < 5 && n_live < 1024) {
        off = app_heap_alloc(h, size);
        *fails += !off;
        if (off) {
            ok = off % 8 == 0 && app_heap_block_size(h, off) >= size;
            live[n_live] = (Live){ off, size, (uint8_t)op };
            memset(memory + off, live[n_live++].fill, size);
        }
    } else if (what < 8 && n_live) {
        i = rnd(n_live);
        ok = filled(live[i].off, live[i].size, live[i].fill) && app_heap_free(h, live[i].off);
        ok = ok && !app_heap_free(h, live[i].off);
        live[i] = live[--n_live];
    } else if (n_live) {
        i = rnd(n_live);
        off = app_heap_realloc(h, memory, live[i].off, size);
        if (off) {
            uint32_t kept = live[i].size < size ? live[i].size : size;

            ok = off % 8 == 0 && filled(off, kept, live[i].fill);
            live[i] = (Live){ off, size, live[i].fill };
            memset(memory + off, live[i].fill, size);
        }
    }
    return ok;
}

static void test_random(void)
{
    AppHeap *h = app_heap_create(1000, MEM_SIZE - 1000);
    uint32_t op, fails = 0, total, free_bytes;
    bool ok = true;

    for (op = 0; op < 50000 && ok; op++) {
        ok = random_step(h, op, &fails);
        if (op % 500 == 0)
            ok = ok && model_ok() && app_heap_check(h);
    }
    CHECK(ok && model_ok() && app_heap_check(h));
    CHECK(fails > 0);
    while (n_live) {
        n_live--;
        ok = app_heap_free(h, live[n_live].off) && ok;
    }
    app_heap_stats(h, &total, &free_bytes, NULL);
    CHECK(ok && free_bytes == total && app_heap_check(h));
    app_heap_destroy(h);
}

/* ------------------------------------------------------------------------
 * Several threads on one heap
 * ------------------------------------------------------------------------ */

static AppHeap *shared_heap;

static void *thread_churn(void *arg)
{
    uint32_t mine[32] = { 0 };
    uint8_t fill = (uint8_t)(uintptr_t)arg;
    uint32_t i, k, bad = 0, x = fill * 2654435761u;

    for (i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        k = (x >> 8) % 32;
        if (mine[k]) {
            bad += memory[mine[k]] != fill || memory[mine[k] + 15] != fill;
            bad += !app_heap_free(shared_heap, mine[k]);
            mine[k] = 0;
        } else if ((mine[k] = app_heap_alloc(shared_heap, 16 + (x >> 20) % 200)) != 0) {
            memset(memory + mine[k], fill, 16);
        }
    }
    for (k = 0; k < 32; k++)
        bad += mine[k] && !app_heap_free(shared_heap, mine[k]);
    return (void *)(uintptr_t)bad;
}

static void test_threads(void)
{
    os_thread t[4];
    uint32_t i, started = 0, total, free_bytes;
    uintptr_t bad = 0;
    void *ret;

    shared_heap = app_heap_create(64, MEM_SIZE - 64);
    for (i = 0; i < 4; i++)
        started += os_thread_create(&t[i], thread_churn, (void *)(uintptr_t)(i + 1));
    for (i = 0; i < started; i++) {
        ret = NULL;
        os_thread_join(t[i], &ret);
        bad += (uintptr_t)ret;
    }
    app_heap_stats(shared_heap, &total, &free_bytes, NULL);
    CHECK(started == 4 && bad == 0 && free_bytes == total && app_heap_check(shared_heap));
    app_heap_destroy(shared_heap);
}

int main(void)
{
    test_create();
    test_sizes_and_bad_frees();
    test_exhaustion_and_merging();
    test_realloc();
    test_metadata_failure();
    test_random();
    test_threads();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed != 0;
}
