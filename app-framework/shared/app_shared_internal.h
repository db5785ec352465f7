/* Private helpers of app-framework/shared: the hook calls and the few byte
 * operations the modules need. There is no libc in a freestanding wasm
 * build, so string and memory helpers live here; the default hooks are
 * defined by whichever variant file the build links (see app_shared.h). */
#ifndef APP_SHARED_INTERNAL_H
#define APP_SHARED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_shared.h"

/* Hook calls; afs_printf_fn() never returns NULL. */
void *afs_malloc(uint32_t size);
void afs_free(void *ptr);
app_shared_printf_fn afs_printf_fn(void);

/* Defined by the variant file (app_shared_libc.c or app_shared_none.c). */
void *afs_default_malloc(uint32_t size);
void afs_default_free(void *ptr);
int afs_default_printf(const char *format, ...);

/* ---- bytes -------------------------------------------------------------- */

static inline void afs_copy(void *dst, const void *src, uint32_t n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;

    while (n--)
        *d++ = *s++;
}

/* Like afs_copy, but the ranges may overlap. */
static inline void afs_move(void *dst, const void *src, uint32_t n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;

    if (d <= s) {
        afs_copy(d, s, n);
        return;
    }
    while (n--)
        d[n] = s[n];
}

static inline void afs_zero(void *dst, uint32_t n)
{
    uint8_t *d = (uint8_t *)dst;

    while (n--)
        *d++ = 0;
}

static inline bool afs_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

static inline size_t afs_strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

/* ---- fixed-width integers: attr_container is little-endian, packet
 *      headers are big-endian (contract sections 2 and 3) --------------- */

static inline uint16_t afs_get_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t afs_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static inline uint64_t afs_get_u64le(const uint8_t *p)
{
    return (uint64_t)afs_get_u32le(p) | (uint64_t)afs_get_u32le(p + 4) << 32;
}

static inline void afs_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void afs_put_u32le(uint8_t *p, uint32_t v)
{
    afs_put_u16le(p, (uint16_t)v);
    afs_put_u16le(p + 2, (uint16_t)(v >> 16));
}

static inline void afs_put_u64le(uint8_t *p, uint64_t v)
{
    afs_put_u32le(p, (uint32_t)v);
    afs_put_u32le(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t afs_get_u16be(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t afs_get_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
           | (uint32_t)p[3];
}

static inline void afs_put_u16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void afs_put_u32be(uint8_t *p, uint32_t v)
{
    afs_put_u16be(p, (uint16_t)(v >> 16));
    afs_put_u16be(p + 2, (uint16_t)v);
}

#endif /* APP_SHARED_INTERNAL_H */
