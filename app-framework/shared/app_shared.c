/* The hook state of app-framework/shared. Each hook starts at the default of
 * the variant file the build linked and may be replaced once at start. */
#include "app_shared_internal.h"

static app_shared_malloc_fn g_malloc = afs_default_malloc;
static app_shared_free_fn g_free = afs_default_free;
static app_shared_printf_fn g_printf = afs_default_printf;

void app_shared_set_allocator(app_shared_malloc_fn malloc_fn,
                              app_shared_free_fn free_fn)
{
    /* Both or neither: a foreign free on our default's memory is fatal. */
    if (!malloc_fn || !free_fn) {
        malloc_fn = afs_default_malloc;
        free_fn = afs_default_free;
    }
    g_malloc = malloc_fn;
    g_free = free_fn;
}

void app_shared_set_printf(app_shared_printf_fn printf_fn)
{
    g_printf = printf_fn ? printf_fn : afs_default_printf;
}

void *afs_malloc(uint32_t size)
{
    return size ? g_malloc(size) : NULL;
}

void afs_free(void *ptr)
{
    if (ptr)
        g_free(ptr);
}

app_shared_printf_fn afs_printf_fn(void)
{
    return g_printf;
}
