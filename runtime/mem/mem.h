/* The runtime's one allocator face. Every byte the runtime allocates goes
 * through mem_alloc/mem_calloc/mem_realloc/mem_free, so the backend chosen at
 * runtime init decides where all of it lives: libc (the default), the
 * embedder's pool buffer (never falling back to libc), or the embedder's
 * malloc/realloc/free. */
#ifndef WR_MEM_H
#define WR_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A size-0 request gives a minimal distinct block, as in libc. Sizes above
 * 4 GiB - 1 fail in the pool and allocator backends. */
void *mem_alloc(size_t size);
/* Zero-filled; fails (NULL) on n * size overflow. */
void *mem_calloc(size_t n, size_t size);
/* realloc(): NULL ptr allocates; on failure NULL and ptr stays valid. */
void *mem_realloc(void *ptr, size_t size);
/* NULL is ignored; so, in pool mode, is a pointer that is not a live block. */
void mem_free(void *ptr);

/* Backend selection, done once by runtime init before anything is allocated.
 * Each fails (false) when a backend is already set: call mem_destroy first.
 * Blocks must be freed under the backend that allocated them. */
bool mem_init_system(void);
/* Every allocation from buf[0, size); false when size < POOL_MIN_SIZE (4 KiB).
 * buf stays the caller's and must outlive the pool's use. */
bool mem_init_pool(void *buf, uint32_t size);
/* The embedder's functions: void *malloc_fn(unsigned int size), void
 * *realloc_fn(void *ptr, unsigned int size) or NULL (then realloc is
 * emulated by malloc + copy + free with a small size header in front of each
 * block), void free_fn(void *ptr). They must be thread-safe if the runtime is
 * used from several threads. */
bool mem_init_allocator(void *malloc_fn, void *realloc_fn, void *free_fn);
/* Back to the unset state (libc). Frees nothing: in pool mode the buffer is
 * simply no longer used; blocks still held by callers are the callers' leak. */
void mem_destroy(void);

/* Pool statistics (see pool.h for their meaning); false when not in pool mode. */
bool mem_get_info(uint32_t *out_total, uint32_t *out_free, uint32_t *out_highmark);
bool mem_is_pool(void);

/* For tests: the n-th following allocation fails, and so does every later
 * one until mem_set_fail_after(-1); n = 1 (or 0) fails the very next one.
 * mem_alloc, mem_calloc and mem_realloc each count as one allocation. Works
 * in every backend, independently of mem_init_* and mem_destroy. */
void mem_set_fail_after(long n);

#endif
