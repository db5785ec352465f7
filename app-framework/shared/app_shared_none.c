/* Default hooks for freestanding builds: no allocator and no output until the
 * embedder installs its own with app_shared_set_allocator/_set_printf. */
#include "app_shared_internal.h"

void *afs_default_malloc(uint32_t size)
{
    (void)size;
    return NULL;
}

void afs_default_free(void *ptr)
{
    (void)ptr;
}

int afs_default_printf(const char *format, ...)
{
    (void)format;
    return 0;
}
