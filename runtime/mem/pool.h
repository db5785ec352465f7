/* A general-purpose allocator over one caller-supplied buffer, for pool mode
 * (TLSF-style segregated free lists, O(1) alloc and free). Block headers live
 * in-band, in front of each block, so the buffer must be trusted runtime
 * memory. Not thread-safe: mem.c serialises every call with one mutex. */
#ifndef WR_POOL_H
#define WR_POOL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Pool Pool;

/* Alignment of every block returned: that of max_align_t on the usual ABIs. */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define POOL_ALIGN 16u
#else
#define POOL_ALIGN 8u
#endif

/* Smaller buffers are rejected: the control block alone takes about 1.7 KiB. */
#define POOL_MIN_SIZE 4096u

/* Lays a pool out over buf[0, size). The handle points into buf, which must
 * stay valid and untouched by others while the pool is used; there is no
 * destroy: the caller simply stops using buf. NULL when buf is NULL or size
 * is below POOL_MIN_SIZE. */
Pool *pool_create(void *buf, uint32_t size);

/* A POOL_ALIGN-aligned block of at least size bytes (size 0 gives a minimal
 * distinct block); NULL when no free block is large enough. */
void *pool_alloc(Pool *p, uint32_t size);

/* Returns ptr's block to the pool, merging it with free neighbours. false,
 * with the pool untouched, when ptr is NULL, foreign, not a block start or
 * already free (the header check catches these cheaply, not perfectly). */
bool pool_free(Pool *p, void *ptr);

/* realloc(): NULL ptr allocates; grows in place into a free successor when it
 * can, else moves. On failure returns NULL and ptr stays valid. A ptr that is
 * not a live block gives NULL and changes nothing. */
void *pool_realloc(Pool *p, void *ptr, uint32_t size);

/* Bytes usable at ptr (>= the size asked for), 0 if ptr is not a live block. */
uint32_t pool_usable_size(const Pool *p, const void *ptr);

/* total: the buffer size given to pool_create; free: bytes in free blocks
 * (headers included), so total - free is what is in use, overheads
 * included; highmark: the largest total - free seen. Any pointer may be NULL. */
void pool_stats(const Pool *p, uint32_t *out_total, uint32_t *out_free, uint32_t *out_highmark);

/* Walks every block and free list and checks the invariants (O(n); for tests). */
bool pool_check(const Pool *p);

#endif
