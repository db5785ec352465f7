/* A bounds-checked cursor over wasm bytes: every read checks the remaining
 * length first and LEB128 reads check length and unused bits, so no decoder
 * can read past its section. Errors carry the spec suite's wording. */
#ifndef WR_READER_H
#define WR_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct Reader {
    const uint8_t *pos;
    const uint8_t *end;
    /* First error, kept so that callers can bail out with one check. */
    const char *error;
} Reader;

static inline void rd_init(Reader *r, const uint8_t *buf, uint32_t size)
{
    r->pos = buf;
    r->end = buf + size;
    r->error = NULL;
}

static inline uint32_t rd_remaining(const Reader *r)
{
    return (uint32_t)(r->end - r->pos);
}

static inline bool rd_fail(Reader *r, const char *msg)
{
    if (!r->error)
        r->error = msg;
    return false;
}

/* byte -> u8 */
static inline bool rd_u8(Reader *r, uint8_t *out)
{
    *out = 0;
    if (r->pos >= r->end)
        return rd_fail(r, "unexpected end");
    *out = *r->pos++;
    return true;
}

/* bytes -> n raw bytes; returns a pointer into the buffer */
static inline bool rd_bytes(Reader *r, uint32_t n, const uint8_t **out)
{
    *out = NULL;
    if (n > rd_remaining(r))
        return rd_fail(r, "unexpected end");
    *out = r->pos;
    r->pos += n;
    return true;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline bool rd_uleb(Reader *r, unsigned bits, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;

    *out = 0;
    for (unsigned i = 0;; i++) {
        uint8_t byte;
        if (r->pos >= r->end)
            return rd_fail(r, "unexpected end");
        byte = *r->pos++;
        if (i == max_bytes - 1) {
            /* Last permitted byte: no continuation, unused bits zero. */
            if (byte & 0x80)
                return rd_fail(r, "integer representation too long");
            if (bits < 64 && (byte >> (bits - shift)) != 0)
                return rd_fail(r, "integer too large");
            if (bits == 64 && (byte & 0x7e))
                return rd_fail(r, "integer too large");
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            break;
        shift += 7;
    }
    *out = result;
    return true;
}

/* Signed LEB128 of at most `bits` bits (32 or 64). */
static inline bool rd_sleb(Reader *r, unsigned bits, int64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    uint8_t byte;

    *out = 0;
    for (unsigned i = 0;; i++) {
        if (r->pos >= r->end)
            return rd_fail(r, "unexpected end");
        byte = *r->pos++;
        if (i == max_bytes - 1) {
            if (byte & 0x80)
                return rd_fail(r, "integer representation too long");
            /* The sign bit and the unused bits above it must agree. */
            unsigned used = bits - shift;
            unsigned top = (unsigned)(byte & 0x7f) >> (used - 1);
            if (top != 0 && top != (0x7fu >> (used - 1)))
                return rd_fail(r, "integer too large");
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    if (shift < 64 && (byte & 0x40))
        result |= ~(uint64_t)0 << shift;
    *out = (int64_t)result;
    return true;
}

static inline bool rd_u32(Reader *r, uint32_t *out)
{
    uint64_t v;
    *out = 0;
    if (!rd_uleb(r, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static inline bool rd_s32(Reader *r, int32_t *out)
{
    int64_t v;
    *out = 0;
    if (!rd_sleb(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

static inline bool rd_s64(Reader *r, int64_t *out)
{
    return rd_sleb(r, 64, out);
}

/* Fixed-width little-endian words (f32/f64 immediates), as raw bits. */
static inline bool rd_fixed32(Reader *r, uint32_t *out)
{
    const uint8_t *p;
    *out = 0;
    if (!rd_bytes(r, 4, &p))
        return false;
    *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return true;
}

static inline bool rd_fixed64(Reader *r, uint64_t *out)
{
    uint32_t lo, hi;
    *out = 0;
    if (!rd_fixed32(r, &lo) || !rd_fixed32(r, &hi))
        return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

#endif
