/* Helpers the fuzz targets share: a failed property check (reported as a
 * crash, so libFuzzer saves the input), a reader that takes the input as a
 * stream of numbers and bytes, and a small PRNG for choices that must be a
 * pure function of the input (so every crash reproduces). */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks a property of the code under test; abort() makes libFuzzer keep
 * the input as a crash-* file. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))

static inline void fuzz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
    abort();
}

/* The input as a stream; reading past the end yields zeros, so every input
 * is a complete script. */
typedef struct fuzz_reader {
    const uint8_t *data;
    size_t size;
    size_t pos;
} fuzz_reader_t;

static inline void fuzz_reader_init(fuzz_reader_t *r, const uint8_t *data, size_t size)
{
    r->data = data;
    r->size = size;
    r->pos = 0;
}

static inline size_t fuzz_left(const fuzz_reader_t *r)
{
    return r->size - r->pos;
}

static inline uint8_t fuzz_u8(fuzz_reader_t *r)
{
    return r->pos < r->size ? r->data[r->pos++] : 0;
}

/* Little-endian, n <= 8 bytes. */
static inline uint64_t fuzz_uint(fuzz_reader_t *r, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)fuzz_u8(r) << (8 * i);
    return v;
}

/* Up to n bytes at the cursor (fewer at the end); *out_n says how many. */
static inline const uint8_t *fuzz_bytes(fuzz_reader_t *r, size_t n, size_t *out_n)
{
    const uint8_t *p = r->data + r->pos;

    if (n > fuzz_left(r))
        n = fuzz_left(r);
    r->pos += n;
    *out_n = n;
    return p;
}

/* FNV-1a: seeds the PRNG from the input's bytes. */
static inline uint64_t fuzz_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325u;

    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3u;
    return h;
}

/* splitmix64 step. */
static inline uint64_t fuzz_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

#endif /* FUZZ_COMMON_H */
