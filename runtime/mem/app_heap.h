/* The allocator of a wasm instance's app heap: a range [base, base + size)
 * of offsets inside a linear memory, serving module_malloc and libc-builtin
 * malloc/free. Wasm code can write anything anywhere in linear memory, so
 * all metadata lives outside it (runtime memory from mem_alloc): the
 * allocator hands out offsets and never reads linear memory, except to copy
 * a moved block in app_heap_realloc. Thread-safe (one mutex per heap). */
#ifndef WR_APP_HEAP_H
#define WR_APP_HEAP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct AppHeap AppHeap;

/* Manages the 8-byte aligned part of [base, base + size), offset 0 excluded
 * (0 means failure). A range too small for one 8-byte block gives a heap
 * where every allocation fails. NULL when runtime memory runs out or
 * base + size passes 4 GiB. */
AppHeap *app_heap_create(uint32_t base, uint32_t size);
/* NULL is ignored. Offsets handed out become meaningless. */
void app_heap_destroy(AppHeap *h);

/* An 8-byte aligned offset of a block of at least size bytes, never 0. Size 0
 * gives a distinct minimal (8-byte) block, as WAMR's malloc(0) does. 0 when
 * the heap has no room, when size rounds past 4 GiB, or when runtime memory
 * for the metadata runs out; the heap is then unchanged. */
uint32_t app_heap_alloc(AppHeap *h, uint32_t size);
/* false (nothing changes) when offset is not the start of a live block:
 * 0, interior, already freed or never allocated. */
bool app_heap_free(AppHeap *h, uint32_t offset);
/* realloc() on offsets: offset 0 allocates; size 0 keeps a minimal block.
 * Grows in place into a free successor when possible; otherwise allocates,
 * copies the old block's bytes through mem_base (the linear memory's base,
 * which must cover the heap range) and frees the old block. 0 on failure, or
 * when offset is not a live block; the old block then stays as it was. */
uint32_t app_heap_realloc(AppHeap *h, uint8_t *mem_base, uint32_t offset, uint32_t size);
/* The usable size of the live block at offset (>= the size asked for, a
 * multiple of 8), 0 if offset is not the start of a live block. */
uint32_t app_heap_block_size(const AppHeap *h, uint32_t offset);
/* total: bytes managed; free: bytes in free blocks; highmark: the largest
 * total - free seen. Any pointer may be NULL. */
void app_heap_stats(const AppHeap *h, uint32_t *out_total, uint32_t *out_free,
                    uint32_t *out_highmark);

/* Walks every block, list and hash entry and checks the invariants (O(n); for tests). */
bool app_heap_check(const AppHeap *h);

#endif
