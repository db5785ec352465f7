/* The two hooks of app-framework/shared: the allocator and the printf that
 * attr_container and the packet helpers use. These sources build unchanged
 * for the device, for host_tool and into wasm apps, so they never call the OS
 * themselves. The build picks the defaults by linking one variant file:
 *   app_shared_libc.c  malloc/free/printf of the C library (host, wasm apps);
 *   app_shared_none.c  nothing: every allocation fails and printing is silent
 *                      until the embedder installs its own hooks.
 * Install hooks once at start, before any other thread uses these modules;
 * memory allocated through one allocator must be freed through the same. */
#ifndef APP_SHARED_H
#define APP_SHARED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *(*app_shared_malloc_fn)(uint32_t size); /* NULL on failure */
typedef void (*app_shared_free_fn)(void *ptr);        /* ptr may be NULL */
typedef int (*app_shared_printf_fn)(const char *format, ...);

/* Replaces the allocator; NULL for either restores the build's default. */
void app_shared_set_allocator(app_shared_malloc_fn malloc_fn,
                              app_shared_free_fn free_fn);

/* Replaces the printf used by attr_container_dump(); NULL restores the
 * build's default. */
void app_shared_set_printf(app_shared_printf_fn printf_fn);

#ifdef __cplusplus
}
#endif

#endif /* APP_SHARED_H */
