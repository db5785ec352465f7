/* Backends of mem.h: libc, a pool over the embedder's buffer (pool.c, under
 * one mutex) or the embedder's malloc/realloc/free. The backend is chosen
 * once at runtime init; before that, and after mem_destroy, libc serves, so
 * code and tests that never initialise keep working. */
#include "mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "platform/os.h"
#include "pool.h"

typedef void *(*MemMallocFn)(unsigned int size);
typedef void *(*MemReallocFn)(void *ptr, unsigned int size);
typedef void (*MemFreeFn)(void *ptr);

typedef enum MemBackend { MEM_UNSET, MEM_SYSTEM, MEM_POOL, MEM_ALLOCATOR } MemBackend;

/* Written by mem_init_* and mem_destroy only, which the runtime calls while
 * no other thread allocates; read without locking everywhere else. */
static struct {
    MemBackend backend;
    Pool *pool;         /* lives inside the embedder's buffer */
    os_mutex pool_lock; /* pool.c is not thread-safe */
    MemMallocFn malloc_fn;
    MemReallocFn realloc_fn; /* NULL: emulated, blocks carry a MemSizeHeader */
    MemFreeFn free_fn;
} mem;

/* In front of each embedder block when realloc is emulated: the size asked
 * for, padded so that the payload keeps malloc's alignment. */
typedef union MemSizeHeader {
    size_t size;
    max_align_t align;
} MemSizeHeader;

/* Allocations that still succeed before the test-injected failure; -1 = off. */
static atomic_long mem_successes_left = -1;

/* ------------------------------------------------------------------------
 * Failure injection (tests)
 * ------------------------------------------------------------------------ */

void mem_set_fail_after(long n)
{
    atomic_store(&mem_successes_left, n < 0 ? -1 : (n > 0 ? n - 1 : 0));
}

/* Counts one allocation; true when it must fail. */
static bool mem_should_fail(void)
{
    long left = atomic_load(&mem_successes_left);

    while (left > 0) {
        if (atomic_compare_exchange_weak(&mem_successes_left, &left, left - 1))
            return false;
    }
    return left == 0;
}

/* ------------------------------------------------------------------------
 * Pool backend
 * ------------------------------------------------------------------------ */

/* The pool and the embedder's functions take 32-bit sizes. Written as a
 * round trip so that 32-bit hosts compile it without a constant comparison. */
static bool mem_fits_u32(size_t size)
{
    return size == (uint32_t)size;
}

static void *mem_pool_alloc(size_t size)
{
    void *p;

    if (!mem_fits_u32(size))
        return NULL;
    os_mutex_lock(&mem.pool_lock);
    p = pool_alloc(mem.pool, (uint32_t)size);
    os_mutex_unlock(&mem.pool_lock);
    return p;
}

static void *mem_pool_realloc(void *ptr, size_t size)
{
    void *p;

    if (!mem_fits_u32(size))
        return NULL;
    os_mutex_lock(&mem.pool_lock);
    p = pool_realloc(mem.pool, ptr, (uint32_t)size);
    os_mutex_unlock(&mem.pool_lock);
    return p;
}

static void mem_pool_free(void *ptr)
{
    os_mutex_lock(&mem.pool_lock);
    pool_free(mem.pool, ptr); /* a bad pointer is refused and ignored */
    os_mutex_unlock(&mem.pool_lock);
}

/* ------------------------------------------------------------------------
 * Embedder allocator backend
 * ------------------------------------------------------------------------ */

static void *mem_user_alloc(size_t size)
{
    MemSizeHeader *h;

    if (mem.realloc_fn)
        return mem_fits_u32(size) ? mem.malloc_fn((unsigned int)(size ? size : 1)) : NULL;
    if ((uint64_t)size > UINT32_MAX - sizeof *h)
        return NULL;
    h = mem.malloc_fn((unsigned int)(sizeof *h + size));
    if (!h)
        return NULL;
    h->size = size;
    return h + 1;
}

static void *mem_user_realloc(void *ptr, size_t size)
{
    MemSizeHeader *h;
    void *moved;

    if (mem.realloc_fn)
        return mem_fits_u32(size) ? mem.realloc_fn(ptr, (unsigned int)(size ? size : 1)) : NULL;
    h = (MemSizeHeader *)ptr - 1;
    /* Shrinking keeps the block and its header, which stays the true size. */
    if (size <= h->size)
        return ptr;
    moved = mem_user_alloc(size);
    if (!moved)
        return NULL;
    memcpy(moved, ptr, h->size);
    mem.free_fn(h);
    return moved;
}

static void mem_user_free(void *ptr)
{
    mem.free_fn(mem.realloc_fn ? ptr : (void *)((MemSizeHeader *)ptr - 1));
}

/* ------------------------------------------------------------------------
 * The face
 * ------------------------------------------------------------------------ */

/* One allocation from the current backend, not counted for failure injection. */
static void *mem_backend_alloc(size_t size)
{
    switch (mem.backend) {
    case MEM_POOL:
        return mem_pool_alloc(size);
    case MEM_ALLOCATOR:
        return mem_user_alloc(size);
    default:
        return malloc(size ? size : 1);
    }
}

void *mem_alloc(size_t size)
{
    if (mem_should_fail())
        return NULL;
    return mem_backend_alloc(size);
}

void *mem_calloc(size_t n, size_t size)
{
    void *p;

    if (size && n > SIZE_MAX / size)
        return NULL;
    if (mem_should_fail())
        return NULL;
    /* libc's calloc can hand out fresh zero pages without touching them */
    if (mem.backend == MEM_UNSET || mem.backend == MEM_SYSTEM)
        return calloc(n ? n : 1, size ? size : 1);
    p = mem_backend_alloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *mem_realloc(void *ptr, size_t size)
{
    if (mem_should_fail())
        return NULL;
    if (!ptr)
        return mem_backend_alloc(size);
    switch (mem.backend) {
    case MEM_POOL:
        return mem_pool_realloc(ptr, size);
    case MEM_ALLOCATOR:
        return mem_user_realloc(ptr, size);
    default:
        return realloc(ptr, size ? size : 1);
    }
}

void mem_free(void *ptr)
{
    if (!ptr)
        return;
    switch (mem.backend) {
    case MEM_POOL:
        mem_pool_free(ptr);
        break;
    case MEM_ALLOCATOR:
        mem_user_free(ptr);
        break;
    default:
        free(ptr);
        break;
    }
}

/* ------------------------------------------------------------------------
 * Backend selection
 * ------------------------------------------------------------------------ */

bool mem_init_system(void)
{
    if (mem.backend != MEM_UNSET)
        return false;
    mem.backend = MEM_SYSTEM;
    return true;
}

bool mem_init_pool(void *buf, uint32_t size)
{
    Pool *pool;

    if (mem.backend != MEM_UNSET)
        return false;
    pool = pool_create(buf, size);
    if (!pool || !os_mutex_init(&mem.pool_lock))
        return false;
    mem.pool = pool;
    mem.backend = MEM_POOL;
    return true;
}

bool mem_init_allocator(void *malloc_fn, void *realloc_fn, void *free_fn)
{
    if (mem.backend != MEM_UNSET || !malloc_fn || !free_fn)
        return false;
    /* The public API passes functions as void * (MemAllocOption); POSIX
     * guarantees the round trip. */
    mem.malloc_fn = (MemMallocFn)malloc_fn;
    mem.realloc_fn = (MemReallocFn)realloc_fn;
    mem.free_fn = (MemFreeFn)free_fn;
    mem.backend = MEM_ALLOCATOR;
    return true;
}

void mem_destroy(void)
{
    if (mem.backend == MEM_POOL)
        os_mutex_destroy(&mem.pool_lock);
    mem.backend = MEM_UNSET;
    mem.pool = NULL;
    mem.malloc_fn = NULL;
    mem.realloc_fn = NULL;
    mem.free_fn = NULL;
}

bool mem_is_pool(void)
{
    return mem.backend == MEM_POOL;
}

bool mem_get_info(uint32_t *out_total, uint32_t *out_free, uint32_t *out_highmark)
{
    if (mem.backend != MEM_POOL)
        return false;
    os_mutex_lock(&mem.pool_lock);
    pool_stats(mem.pool, out_total, out_free, out_highmark);
    os_mutex_unlock(&mem.pool_lock);
    return true;
}
