/* System-allocator backend of mem.h. */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *mem_alloc(size_t size)
{
    return malloc(size ? size : 1);
}

void *mem_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *mem_realloc(void *ptr, size_t size)
{
    return realloc(ptr, size ? size : 1);
}

void mem_free(void *ptr)
{
    free(ptr);
}
