/* attr_container: building, checking and reading the format-99 image of
 * contract section 3 in place. Every walk is bounded by the image's own
 * 2 + total_length (or, when validating, by the caller's buffer length) and
 * checks each length before touching the bytes it covers. Every operation
 * checks the whole image, so a malformed one is never half-used. */
#include <limits.h>

#include "app_shared_internal.h"
#include "attr_container.h"

enum {
    IMG_TOTAL = 2,   /* offset of total_length */
    IMG_TAG_LEN = 6, /* offset of tag_len */
    IMG_TAG = 8,     /* offset of the tag */
    RESERVED = 100,  /* bytes reserved at creation and added by each growth */
    MAX_STR = 0xFFFF /* largest u16 length (with the NUL) */
};

#define READONLY_BIT (1u << ATTR_CONT_READONLY_SHIFT)

/* ========================================================================
 * Parsing
 * ======================================================================== */

/* Where the parts of one image are (offsets from the image start). */
typedef struct {
    uint32_t size;    /* 2 + total_length: the bytes we may read */
    uint32_t num_pos; /* offset of attr_num; attributes follow it */
    uint16_t attr_num;
} image_t;

/* One parsed attribute. */
typedef struct {
    uint32_t pos;       /* offset of key_len */
    uint32_t key_len;   /* with the NUL */
    uint8_t type;
    uint32_t value_pos; /* offset of the value bytes, past any length word */
    uint32_t value_len;
    uint32_t next;      /* offset just past the attribute */
} attr_t;

/* What walking every attribute of an image found. */
typedef struct {
    bool found;
    attr_t attr;  /* the first attribute with the key asked for */
    uint32_t end; /* offset just past the last attribute */
} lookup_t;

/* Bytes of a fixed-size type; 0 for STRING, BYTEARRAY and unassigned codes. */
static uint32_t fixed_size(uint8_t type)
{
    if (type <= ATTR_TYPE_UINT64
        || (type >= ATTR_TYPE_FLOAT && type <= ATTR_TYPE_BOOLEAN))
        return 1u << (type & 3);
    return 0;
}

/* Whether n bytes at pos lie inside size; callers keep pos <= size. */
static bool fits(uint32_t size, uint32_t pos, uint32_t n)
{
    return n <= size - pos;
}

/* image -> flags:u16 total_length:u32 tag_len:u16 tag[tag_len] attr_num:u16
 * avail is how many bytes the caller vouches for at img. */
static bool image_open(const uint8_t *img, uint32_t avail, image_t *out)
{
    uint32_t total, tag_len;

    if (!img || avail < IMG_TAG)
        return false;
    total = afs_get_u32le(img + IMG_TOTAL);
    if (total > UINT32_MAX - 2 || total + 2 > avail || total + 2 < IMG_TAG)
        return false;
    out->size = total + 2;
    tag_len = afs_get_u16le(img + IMG_TAG_LEN);
    if (tag_len == 0 || !fits(out->size, IMG_TAG, tag_len)
        || img[IMG_TAG + tag_len - 1] != 0)
        return false;
    out->num_pos = IMG_TAG + tag_len;
    if (!fits(out->size, out->num_pos, 2))
        return false;
    out->attr_num = afs_get_u16le(img + out->num_pos);
    return true;
}

/* value -> fixed[1 << (type & 3)]
 *        | str_len:u16 str[str_len] (NUL last)
 *        | bytes_len:u32 bytes[bytes_len] */
static bool value_parse(const uint8_t *img, uint32_t size, uint32_t pos,
                        attr_t *a)
{
    a->value_pos = pos;
    a->value_len = fixed_size(a->type);
    if (a->type == ATTR_TYPE_STRING) {
        if (!fits(size, pos, 2))
            return false;
        a->value_len = afs_get_u16le(img + pos);
        a->value_pos = pos + 2;
    }
    else if (a->type == ATTR_TYPE_BYTEARRAY) {
        if (!fits(size, pos, 4))
            return false;
        a->value_len = afs_get_u32le(img + pos);
        a->value_pos = pos + 4;
    }
    else if (a->value_len == 0) {
        return false; /* unassigned type code */
    }
    if (!fits(size, a->value_pos, a->value_len))
        return false;
    if (a->type == ATTR_TYPE_STRING
        && (a->value_len == 0 || img[a->value_pos + a->value_len - 1] != 0))
        return false;
    a->next = a->value_pos + a->value_len;
    return true;
}

/* attr -> key_len:u16 key[key_len] (NUL last) type:u8 value */
static bool attr_parse(const uint8_t *img, uint32_t size, uint32_t pos,
                       attr_t *a)
{
    a->pos = pos;
    if (!fits(size, pos, 2))
        return false;
    a->key_len = afs_get_u16le(img + pos);
    pos += 2;
    if (a->key_len == 0 || !fits(size, pos, a->key_len)
        || img[pos + a->key_len - 1] != 0)
        return false;
    pos += a->key_len;
    if (!fits(size, pos, 1))
        return false;
    a->type = img[pos];
    return value_parse(img, size, pos + 1, a);
}

/* Walks and checks every attribute, remembering the first named key (key
 * may be NULL). False if any attribute is malformed. */
static bool lookup(const uint8_t *img, const image_t *im, const char *key,
                   uint32_t key_len, lookup_t *out)
{
    uint32_t pos = im->num_pos + 2;
    attr_t a;

    out->found = false;
    for (uint32_t i = 0; i < im->attr_num; i++) {
        if (!attr_parse(img, im->size, pos, &a))
            return false;
        if (key && !out->found && a.key_len == key_len
            && afs_equal(img + a.pos + 2, key, key_len)) {
            out->found = true;
            out->attr = a;
        }
        pos = a.next;
    }
    out->end = pos;
    return true;
}

/* strlen(key) + 1 if key is a usable key: non-empty, fits a u16 length. */
static bool key_len_of(const char *key, uint32_t *out_len)
{
    size_t n;

    if (!key || !key[0])
        return false;
    n = afs_strlen(key) + 1;
    if (n > MAX_STR)
        return false;
    *out_len = (uint32_t)n;
    return true;
}

/* Opens a container (trusting it to hold 2 + total_length bytes, see the
 * header) and checks all of it. */
static bool open_whole(const attr_container_t *attr_cont, image_t *out_im,
                       lookup_t *out_lk)
{
    const uint8_t *img = (const uint8_t *)attr_cont;

    return image_open(img, UINT32_MAX, out_im)
           && lookup(img, out_im, NULL, 0, out_lk);
}

/* Finds key in a well-formed container. */
static bool find(const attr_container_t *attr_cont, const char *key,
                 attr_t *out)
{
    const uint8_t *img = (const uint8_t *)attr_cont;
    uint32_t key_len;
    image_t im;
    lookup_t lk;

    if (!key_len_of(key, &key_len) || !image_open(img, UINT32_MAX, &im)
        || !lookup(img, &im, key, key_len, &lk) || !lk.found)
        return false;
    *out = lk.attr;
    return true;
}

bool attr_container_validate(const void *buf, uint32_t len)
{
    image_t im;
    lookup_t lk;

    return image_open((const uint8_t *)buf, len, &im)
           && lookup((const uint8_t *)buf, &im, NULL, 0, &lk);
}

/* ========================================================================
 * Numbers: a value widened without loss, then converted to what the getter
 * returns
 * ======================================================================== */

typedef enum { NUM_NONE, NUM_SIGNED, NUM_UNSIGNED, NUM_FLOAT } num_kind_t;

typedef struct {
    num_kind_t kind;
    int64_t s;
    uint64_t u;
    double f;
} num_t;

/* Type punning through a union is defined in C99 (TC3) and later. */
typedef union {
    uint32_t bits;
    float value;
} float_bits_t;

typedef union {
    uint64_t bits;
    double value;
} double_bits_t;

/* Reads the fixed-size value at v; NUM_NONE for other types. */
static num_t read_num(uint8_t type, const uint8_t *v)
{
    num_t n = { NUM_SIGNED, 0, 0, 0.0 };
    float_bits_t fb;
    double_bits_t db;

    switch (type) {
    case ATTR_TYPE_INT8: n.s = (int8_t)v[0]; break;
    case ATTR_TYPE_INT16: n.s = (int16_t)afs_get_u16le(v); break;
    case ATTR_TYPE_INT32: n.s = (int32_t)afs_get_u32le(v); break;
    case ATTR_TYPE_INT64: n.s = (int64_t)afs_get_u64le(v); break;
    case ATTR_TYPE_UINT8: n.kind = NUM_UNSIGNED; n.u = v[0]; break;
    case ATTR_TYPE_UINT16: n.kind = NUM_UNSIGNED; n.u = afs_get_u16le(v); break;
    case ATTR_TYPE_UINT32: n.kind = NUM_UNSIGNED; n.u = afs_get_u32le(v); break;
    case ATTR_TYPE_UINT64: n.kind = NUM_UNSIGNED; n.u = afs_get_u64le(v); break;
    case ATTR_TYPE_BOOLEAN: n.kind = NUM_UNSIGNED; n.u = v[0] != 0; break;
    case ATTR_TYPE_FLOAT:
        fb.bits = afs_get_u32le(v);
        n.kind = NUM_FLOAT;
        n.f = fb.value;
        break;
    case ATTR_TYPE_DOUBLE:
        db.bits = afs_get_u64le(v);
        n.kind = NUM_FLOAT;
        n.f = db.value;
        break;
    default: n.kind = NUM_NONE; break;
    }
    return n;
}

/* To a signed type spanning [lo, hi]: integers are returned whole for the
 * caller's cast to wrap (as the reference's byte copy does on little-endian
 * machines); floating values saturate, NaN gives 0. */
static int64_t num_to_signed(num_t n, int64_t lo, int64_t hi)
{
    switch (n.kind) {
    case NUM_SIGNED: return n.s;
    case NUM_UNSIGNED: return (int64_t)n.u;
    case NUM_FLOAT:
        if (n.f != n.f)
            return 0;
        if (n.f <= (double)lo)
            return lo;
        if (n.f >= (double)hi)
            return hi;
        return (int64_t)n.f;
    default: return 0;
    }
}

/* To an unsigned type spanning [0, hi]; as num_to_signed. */
static uint64_t num_to_unsigned(num_t n, uint64_t hi)
{
    switch (n.kind) {
    case NUM_SIGNED: return (uint64_t)n.s;
    case NUM_UNSIGNED: return n.u;
    case NUM_FLOAT:
        if (!(n.f > 0)) /* negative, zero or NaN */
            return 0;
        if (n.f >= (double)hi)
            return hi;
        return (uint64_t)n.f;
    default: return 0;
    }
}

static double num_to_double(num_t n)
{
    switch (n.kind) {
    case NUM_SIGNED: return (double)n.s;
    case NUM_UNSIGNED: return (double)n.u;
    case NUM_FLOAT: return n.f;
    default: return 0.0;
    }
}

static bool num_to_bool(num_t n)
{
    switch (n.kind) {
    case NUM_SIGNED: return n.s != 0;
    case NUM_UNSIGNED: return n.u != 0;
    case NUM_FLOAT: return n.f != 0;
    default: return false;
    }
}

/* The value of key, widened; NUM_NONE if missing or not a number. */
static num_t get_num(const attr_container_t *attr_cont, const char *key)
{
    num_t none = { NUM_NONE, 0, 0, 0.0 };
    attr_t a;

    if (!find(attr_cont, key, &a))
        return none;
    return read_num(a.type, (const uint8_t *)attr_cont + a.value_pos);
}

/* ========================================================================
 * Getters
 * ======================================================================== */

short attr_container_get_as_short(const attr_container_t *attr_cont,
                                  const char *key)
{
    return (short)num_to_signed(get_num(attr_cont, key), SHRT_MIN, SHRT_MAX);
}

int16_t attr_container_get_as_int16(const attr_container_t *attr_cont,
                                    const char *key)
{
    return (int16_t)attr_container_get_as_short(attr_cont, key);
}

int attr_container_get_as_int(const attr_container_t *attr_cont,
                              const char *key)
{
    return (int)num_to_signed(get_num(attr_cont, key), INT_MIN, INT_MAX);
}

int32_t attr_container_get_as_int32(const attr_container_t *attr_cont,
                                    const char *key)
{
    return (int32_t)num_to_signed(get_num(attr_cont, key), INT32_MIN,
                                  INT32_MAX);
}

uint32_t attr_container_get_as_uint32(const attr_container_t *attr_cont,
                                      const char *key)
{
    return (uint32_t)num_to_unsigned(get_num(attr_cont, key), UINT32_MAX);
}

int64_t attr_container_get_as_int64(const attr_container_t *attr_cont,
                                    const char *key)
{
    return num_to_signed(get_num(attr_cont, key), INT64_MIN, INT64_MAX);
}

uint64_t attr_container_get_as_uint64(const attr_container_t *attr_cont,
                                      const char *key)
{
    return num_to_unsigned(get_num(attr_cont, key), UINT64_MAX);
}

int8_t attr_container_get_as_byte(const attr_container_t *attr_cont,
                                  const char *key)
{
    return (int8_t)num_to_signed(get_num(attr_cont, key), INT8_MIN, INT8_MAX);
}

int8_t attr_container_get_as_int8(const attr_container_t *attr_cont,
                                  const char *key)
{
    return attr_container_get_as_byte(attr_cont, key);
}

uint8_t attr_container_get_as_uint8(const attr_container_t *attr_cont,
                                    const char *key)
{
    return (uint8_t)num_to_unsigned(get_num(attr_cont, key), UINT8_MAX);
}

uint16_t attr_container_get_as_uint16(const attr_container_t *attr_cont,
                                      const char *key)
{
    return (uint16_t)num_to_unsigned(get_num(attr_cont, key), UINT16_MAX);
}

float attr_container_get_as_float(const attr_container_t *attr_cont,
                                  const char *key)
{
    /* Out-of-range doubles become +-inf (IEEE 754), as in C on our targets. */
    return (float)num_to_double(get_num(attr_cont, key));
}

double attr_container_get_as_double(const attr_container_t *attr_cont,
                                    const char *key)
{
    return num_to_double(get_num(attr_cont, key));
}

bool attr_container_get_as_bool(const attr_container_t *attr_cont,
                                const char *key)
{
    return num_to_bool(get_num(attr_cont, key));
}

char *attr_container_get_as_string(const attr_container_t *attr_cont,
                                   const char *key)
{
    attr_t a;

    if (!find(attr_cont, key, &a) || a.type != ATTR_TYPE_STRING)
        return NULL;
    /* Non-const because WAMR's signature is; the string stays the
     * container's. */
    return (char *)attr_cont + a.value_pos;
}

const int8_t *attr_container_get_as_bytearray(const attr_container_t *attr_cont,
                                              const char *key,
                                              unsigned *array_length)
{
    attr_t a;

    if (!array_length || !find(attr_cont, key, &a))
        return NULL;
    *array_length = a.value_len;
    return (const int8_t *)attr_cont + a.value_pos;
}

/* ========================================================================
 * Setters
 * ======================================================================== */

/* An attribute about to be stored. */
typedef struct {
    const char *key;
    uint32_t key_len; /* with the NUL */
    uint8_t type;
    const uint8_t *value; /* fixed types: little-endian bytes */
    uint32_t value_len;
    uint32_t size; /* encoded bytes */
} new_attr_t;

/* Computes na->size; false if it does not fit in a u32. */
static bool encoded_size(new_attr_t *na)
{
    uint64_t n = 2 + (uint64_t)na->key_len + 1 + na->value_len;

    if (na->type == ATTR_TYPE_STRING)
        n += 2;
    else if (na->type == ATTR_TYPE_BYTEARRAY)
        n += 4;
    if (n > UINT32_MAX)
        return false;
    na->size = (uint32_t)n;
    return true;
}

/* Encodes key_len key type [length] value at dst (na->size bytes). */
static void attr_write(uint8_t *dst, const new_attr_t *na)
{
    afs_put_u16le(dst, (uint16_t)na->key_len);
    dst += 2;
    afs_copy(dst, na->key, na->key_len);
    dst += na->key_len;
    *dst++ = na->type;
    if (na->type == ATTR_TYPE_STRING) {
        afs_put_u16le(dst, (uint16_t)na->value_len);
        dst += 2;
    }
    else if (na->type == ATTR_TYPE_BYTEARRAY) {
        afs_put_u32le(dst, na->value_len);
        dst += 4;
    }
    afs_copy(dst, na->value, na->value_len);
}

/* A new image, attr_size + RESERVED bytes bigger than im (the reference's
 * growth rule, which fixes the slack the wire carries), holding img's first
 * keep bytes and zeros after them. The caller frees the old image. */
static uint8_t *grown_copy(const uint8_t *img, const image_t *im,
                           uint32_t attr_size, uint32_t keep)
{
    uint64_t total = (uint64_t)im->size - 2 + attr_size + RESERVED;
    uint8_t *out;

    if (total > UINT32_MAX - 2)
        return NULL;
    out = (uint8_t *)afs_malloc((uint32_t)total + 2);
    if (!out)
        return NULL;
    afs_copy(out, img, keep);
    afs_zero(out + keep, (uint32_t)total + 2 - keep);
    afs_put_u32le(out + IMG_TOTAL, (uint32_t)total);
    return out;
}

static void adopt(attr_container_t **p_attr_cont, uint8_t *img)
{
    afs_free(*p_attr_cont);
    *p_attr_cont = (attr_container_t *)img;
}

/* Adds an attribute after the last one, growing the image if the slack is
 * too small. */
static bool append(attr_container_t **p_attr_cont, const image_t *im,
                   const lookup_t *lk, const new_attr_t *na)
{
    uint8_t *img = (uint8_t *)*p_attr_cont;

    if (im->attr_num == UINT16_MAX)
        return false;
    if (!fits(im->size, lk->end, na->size)) {
        img = grown_copy(img, im, na->size, lk->end);
        if (!img)
            return false;
        adopt(p_attr_cont, img);
    }
    attr_write(img + lk->end, na);
    afs_put_u16le(img + im->num_pos, (uint16_t)(im->attr_num + 1));
    return true;
}

/* Replaces the attribute lk found: in place if the size is unchanged,
 * otherwise the old one is removed and the new one goes last (as in the
 * reference), in the slack if it fits. */
static bool replace(attr_container_t **p_attr_cont, const image_t *im,
                    const lookup_t *lk, const new_attr_t *na)
{
    uint8_t *img = (uint8_t *)*p_attr_cont;
    const attr_t *old = &lk->attr;
    uint32_t old_size = old->next - old->pos;
    uint32_t tail = lk->end - old->next; /* bytes of the later attributes */
    uint32_t new_end;

    if (old_size == na->size) {
        attr_write(img + old->pos, na);
        return true;
    }
    if (fits(im->size, lk->end - old_size, na->size)) {
        afs_move(img + old->pos, img + old->next, tail);
        attr_write(img + old->pos + tail, na);
        new_end = old->pos + tail + na->size;
        if (new_end < lk->end) /* keep the slack zero */
            afs_zero(img + new_end, lk->end - new_end);
        return true;
    }
    img = grown_copy(img, im, na->size, old->pos);
    if (!img)
        return false;
    afs_copy(img + old->pos, (const uint8_t *)*p_attr_cont + old->next, tail);
    attr_write(img + old->pos + tail, na);
    adopt(p_attr_cont, img);
    return true;
}

/* The one setter: na->key_len and na->size are filled in here. */
static bool set_attr(attr_container_t **p_attr_cont, new_attr_t *na)
{
    const uint8_t *img;
    image_t im;
    lookup_t lk;

    if (!p_attr_cont || !*p_attr_cont || !key_len_of(na->key, &na->key_len)
        || !encoded_size(na))
        return false;
    img = (const uint8_t *)*p_attr_cont;
    if ((afs_get_u16le(img) & READONLY_BIT)
        || !image_open(img, UINT32_MAX, &im)
        || !lookup(img, &im, na->key, na->key_len, &lk))
        return false;
    if (lk.found)
        return replace(p_attr_cont, &im, &lk, na);
    return append(p_attr_cont, &im, &lk, na);
}

/* Stores the low fixed_size(type) bytes of bits, little-endian. */
static bool set_fixed(attr_container_t **p_attr_cont, const char *key,
                      uint8_t type, uint64_t bits)
{
    uint8_t bytes[8];
    new_attr_t na = { key, 0, type, bytes, fixed_size(type), 0 };

    afs_put_u64le(bytes, bits);
    return set_attr(p_attr_cont, &na);
}

bool attr_container_set_short(attr_container_t **p_attr_cont, const char *key,
                              short value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_SHORT, (uint64_t)value);
}

bool attr_container_set_int16(attr_container_t **p_attr_cont, const char *key,
                              int16_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_INT16, (uint64_t)value);
}

bool attr_container_set_int(attr_container_t **p_attr_cont, const char *key,
                            int value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_INT, (uint64_t)value);
}

bool attr_container_set_int32(attr_container_t **p_attr_cont, const char *key,
                              int32_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_INT32, (uint64_t)value);
}

bool attr_container_set_uint32(attr_container_t **p_attr_cont, const char *key,
                               uint32_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_UINT32, value);
}

bool attr_container_set_int64(attr_container_t **p_attr_cont, const char *key,
                              int64_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_INT64, (uint64_t)value);
}

bool attr_container_set_uint64(attr_container_t **p_attr_cont, const char *key,
                               uint64_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_UINT64, value);
}

bool attr_container_set_byte(attr_container_t **p_attr_cont, const char *key,
                             int8_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_BYTE, (uint64_t)value);
}

bool attr_container_set_int8(attr_container_t **p_attr_cont, const char *key,
                             int8_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_INT8, (uint64_t)value);
}

bool attr_container_set_uint8(attr_container_t **p_attr_cont, const char *key,
                              uint8_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_UINT8, value);
}

bool attr_container_set_uint16(attr_container_t **p_attr_cont, const char *key,
                               uint16_t value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_UINT16, value);
}

bool attr_container_set_float(attr_container_t **p_attr_cont, const char *key,
                              float value)
{
    float_bits_t fb;

    fb.value = value;
    return set_fixed(p_attr_cont, key, ATTR_TYPE_FLOAT, fb.bits);
}

bool attr_container_set_double(attr_container_t **p_attr_cont, const char *key,
                               double value)
{
    double_bits_t db;

    db.value = value;
    return set_fixed(p_attr_cont, key, ATTR_TYPE_DOUBLE, db.bits);
}

bool attr_container_set_bool(attr_container_t **p_attr_cont, const char *key,
                             bool value)
{
    return set_fixed(p_attr_cont, key, ATTR_TYPE_BOOLEAN, value ? 1 : 0);
}

bool attr_container_set_string(attr_container_t **p_attr_cont, const char *key,
                               const char *value)
{
    new_attr_t na = { key, 0, ATTR_TYPE_STRING, (const uint8_t *)value, 0, 0 };
    size_t len;

    if (!value)
        return false;
    len = afs_strlen(value) + 1;
    if (len > MAX_STR)
        return false;
    na.value_len = (uint32_t)len;
    return set_attr(p_attr_cont, &na);
}

bool attr_container_set_bytearray(attr_container_t **p_attr_cont,
                                  const char *key, const int8_t *value,
                                  unsigned length)
{
    new_attr_t na = { key, 0, ATTR_TYPE_BYTEARRAY, (const uint8_t *)value,
                      length, 0 };

    if (!value && length)
        return false;
    return set_attr(p_attr_cont, &na);
}

/* ========================================================================
 * The container as a whole
 * ======================================================================== */

attr_container_t *attr_container_create(const char *tag)
{
    size_t tag_len = tag ? afs_strlen(tag) + 1 : 1;
    uint32_t total;
    uint8_t *img;

    if (tag_len > MAX_STR)
        return NULL;
    /* total_length counts itself, tag_len, the tag and RESERVED bytes that
     * hold attr_num (0) and the slack: the reference's layout. */
    total = 4 + 2 + (uint32_t)tag_len + RESERVED;
    img = (uint8_t *)afs_malloc(total + 2);
    if (!img)
        return NULL;
    afs_zero(img, total + 2);
    afs_put_u32le(img + IMG_TOTAL, total);
    afs_put_u16le(img + IMG_TAG_LEN, (uint16_t)tag_len);
    if (tag)
        afs_copy(img + IMG_TAG, tag, (uint32_t)tag_len);
    return (attr_container_t *)img;
}

void attr_container_destroy(const attr_container_t *attr_cont)
{
    afs_free((void *)attr_cont);
}

const char *attr_container_get_tag(const attr_container_t *attr_cont)
{
    image_t im;

    if (!image_open((const uint8_t *)attr_cont, UINT32_MAX, &im))
        return NULL;
    return (const char *)attr_cont + IMG_TAG;
}

uint16_t attr_container_get_attr_num(const attr_container_t *attr_cont)
{
    image_t im;
    lookup_t lk;

    return open_whole(attr_cont, &im, &lk) ? im.attr_num : 0;
}

bool attr_container_contain_key(const attr_container_t *attr_cont,
                                const char *key)
{
    attr_t a;

    return find(attr_cont, key, &a);
}

unsigned attr_container_get_serialize_length(const attr_container_t *attr_cont)
{
    image_t im;
    lookup_t lk;

    return open_whole(attr_cont, &im, &lk) ? im.size : 0;
}

bool attr_container_serialize(char *buf, const attr_container_t *attr_cont)
{
    image_t im;
    lookup_t lk;
    uint16_t flags;

    if (!buf || !open_whole(attr_cont, &im, &lk))
        return false;
    afs_copy(buf, attr_cont, im.size);
    flags = afs_get_u16le((const uint8_t *)attr_cont);
    afs_put_u16le((uint8_t *)buf, (uint16_t)(flags | READONLY_BIT));
    return true;
}

bool attr_container_is_constant(const attr_container_t *attr_cont)
{
    return attr_cont
           && (afs_get_u16le((const uint8_t *)attr_cont) & READONLY_BIT);
}

/* ========================================================================
 * Iteration and dump
 * ======================================================================== */

bool attr_container_iter_init(attr_container_iter_t *out_it,
                              const attr_container_t *attr_cont)
{
    image_t im;
    lookup_t lk;

    if (!out_it)
        return false;
    out_it->image = (const uint8_t *)attr_cont;
    out_it->pos = out_it->size = 0;
    out_it->left = 0;
    if (!open_whole(attr_cont, &im, &lk))
        return false;
    out_it->pos = im.num_pos + 2;
    out_it->size = im.size;
    out_it->left = im.attr_num;
    return true;
}

bool attr_container_iter_next(attr_container_iter_t *it,
                              attr_container_attr_t *out_attr)
{
    attr_t a;

    /* attr_parse checks again, so a stale or hand-made iterator cannot
     * read past it->size either. */
    if (!it || !it->left || it->pos > it->size
        || !attr_parse(it->image, it->size, it->pos, &a))
        return false;
    it->left--;
    it->pos = a.next;
    out_attr->key = (const char *)it->image + a.pos + 2;
    out_attr->type = a.type;
    out_attr->value = it->image + a.value_pos;
    out_attr->value_len = a.value_len;
    return true;
}

/* The attribute's number, NUM_NONE unless its bytes are a whole fixed value. */
static num_t attr_num_value(const attr_container_attr_t *attr)
{
    num_t none = { NUM_NONE, 0, 0, 0.0 };
    uint32_t n = fixed_size(attr->type);

    if (!n || attr->value_len < n)
        return none;
    return read_num(attr->type, attr->value);
}

int64_t attr_container_attr_as_int64(const attr_container_attr_t *attr)
{
    return num_to_signed(attr_num_value(attr), INT64_MIN, INT64_MAX);
}

uint64_t attr_container_attr_as_uint64(const attr_container_attr_t *attr)
{
    return num_to_unsigned(attr_num_value(attr), UINT64_MAX);
}

double attr_container_attr_as_double(const attr_container_attr_t *attr)
{
    return num_to_double(attr_num_value(attr));
}

/* Type words of the dump, indexed by type code (8 and 9 are unassigned). */
static const char *const type_words[ATTR_TYPE_END + 1] = {
    "byte",   "short",  "int",   "int64", "uint8",  "uint16",     "uint32",
    "uint64", NULL,     NULL,    "float", "double", "bool",       "string",
    "byte array",
};

/* One "  key: k, type: word, value: v" line. Integers print as the
 * reference prints them: the raw bits in hex. */
static void dump_attr(app_shared_printf_fn pf, const attr_container_attr_t *a)
{
    const char *word = type_words[a->type];
    uint64_t raw = 0;

    for (uint32_t i = 0; i < fixed_size(a->type); i++)
        raw |= (uint64_t)a->value[i] << (8 * i);
    if (a->type == ATTR_TYPE_STRING)
        pf("  key: %s, type: %s, value: %s\n", a->key, word,
           (const char *)a->value);
    else if (a->type == ATTR_TYPE_BYTEARRAY)
        pf("  key: %s, type: %s, length: %u\n", a->key, word,
           (unsigned)a->value_len);
    else if (a->type == ATTR_TYPE_FLOAT || a->type == ATTR_TYPE_DOUBLE)
        pf("  key: %s, type: %s, value: %f\n", a->key, word,
           attr_container_attr_as_double(a));
    else if (fixed_size(a->type) == 8)
        pf("  key: %s, type: %s, value: 0x%llx\n", a->key, word,
           (unsigned long long)raw);
    else
        pf("  key: %s, type: %s, value: 0x%x\n", a->key, word,
           (unsigned)raw);
}

void attr_container_dump(const attr_container_t *attr_cont)
{
    app_shared_printf_fn pf = afs_printf_fn();
    attr_container_iter_t it;
    attr_container_attr_t a;

    if (!attr_container_iter_init(&it, attr_cont))
        return;
    pf("Attribute container dump:\n");
    pf("Tag: %s\n", attr_container_get_tag(attr_cont));
    pf("Attribute list:\n");
    while (attr_container_iter_next(&it, &a))
        dump_attr(pf, &a);
    pf("\n");
}
