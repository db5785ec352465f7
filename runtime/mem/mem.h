/* The runtime's one allocator face. Every byte the runtime allocates goes
 * through these functions, so that pool mode (issue: embedding API) can route
 * all of it into the embedder's buffer. Until then they wrap libc. */
#ifndef WR_MEM_H
#define WR_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
/* Zero-filled; fails (NULL) on n * size overflow. */
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *ptr, size_t size);
void mem_free(void *ptr);

#endif
