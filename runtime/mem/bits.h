/* Bit scans for the allocators' two-level size-class bitmaps. */
#ifndef WR_BITS_H
#define WR_BITS_H

#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
/* Index of the highest set bit; x != 0. */
static inline uint32_t bits_fls(uint32_t x)
{
    return 31u - (uint32_t)__builtin_clz(x);
}

/* Index of the lowest set bit; x != 0. */
static inline uint32_t bits_ffs(uint32_t x)
{
    return (uint32_t)__builtin_ctz(x);
}
#else
static inline uint32_t bits_fls(uint32_t x)
{
    uint32_t i = 0;
    while (x >>= 1)
        i++;
    return i;
}

static inline uint32_t bits_ffs(uint32_t x)
{
    uint32_t i = 0;
    while (!(x & 1u)) {
        x >>= 1;
        i++;
    }
    return i;
}
#endif

#endif
