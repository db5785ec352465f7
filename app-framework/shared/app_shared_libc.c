/* Default hooks for builds that have a C library (the host, and wasm apps
 * linked against libc-builtin or wasi-libc): malloc, free and printf. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "app_shared_internal.h"

void *afs_default_malloc(uint32_t size)
{
    return malloc(size);
}

void afs_default_free(void *ptr)
{
    free(ptr);
}

int afs_default_printf(const char *format, ...)
{
    va_list ap;
    int n;

    va_start(ap, format);
    n = vprintf(format, ap);
    va_end(ap);
    return n;
}
