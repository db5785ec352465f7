/* Unit tests of app-framework/shared/attr_container.c: golden images written
 * by hand from the table of contract section 3 (never produced by our own
 * packer), round trips of every type, conversions, replacement and growth,
 * allocation failure, the dump text, and hostile images (every truncation,
 * every byte of every field set to every value, huge lengths) that must be
 * rejected or read without leaving the buffer (ASan watches). Prints
 * "N passed, N failed" last and exits nonzero on any failure. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_shared.h"
#include "attr_container.h"

#include "check.h"

/* ------------------------------------------------------------------------
 * Hooks: a counting allocator that can be told to fail, and a printf that
 * captures the dump
 * ------------------------------------------------------------------------ */

static int alloc_budget = -1; /* allocations left before failing; -1: no limit */

static void *test_malloc(uint32_t size)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(size);
}

static char dump_text[4096];
static size_t dump_used;

static int capture_printf(const char *format, ...)
{
    va_list ap;
    int n;

    va_start(ap, format);
    n = vsnprintf(dump_text + dump_used, sizeof(dump_text) - dump_used, format,
                  ap);
    va_end(ap);
    if (n > 0)
        dump_used += (size_t)n < sizeof(dump_text) - dump_used
                         ? (size_t)n
                         : sizeof(dump_text) - dump_used - 1;
    return n;
}

static void capture_reset(void)
{
    dump_used = 0;
    dump_text[0] = 0;
}

/* A heap copy of exactly len bytes, so ASan sees any read past it. */
static uint8_t *exact_copy(const void *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);

    memcpy(p, src, len);
    return p;
}

/* ------------------------------------------------------------------------
 * Golden images, by hand from contract section 3:
 *   flags:u16 total_length:u32 tag_len:u16 tag attr_num:u16 attrs slack,
 *   all little-endian; attr = key_len:u16 key type:u8 value.
 * ------------------------------------------------------------------------ */

/* attr_container_create(""): total_length = 4 (itself) + 2 (tag_len) + 1
 * (tag "") + 100 reserved = 107; the reserved bytes hold attr_num = 0. */
static const uint8_t golden_empty_head[] = {
    0x00, 0x00,             /* flags */
    0x6B, 0x00, 0x00, 0x00, /* total_length 107 */
    0x01, 0x00,             /* tag_len 1 */
    0x00,                   /* tag "" */
    0x00, 0x00,             /* attr_num 0 */
}; /* then 98 zero bytes: 2 + 107 = 109 in all */

/* Thirteen attributes, one of each type, in this order. */
static const uint8_t golden_attrs[] = {
    /* @17  "b" INT8 -123 */
    0x02, 0x00, 'b', 0x00, 0x00, 0x85,
    /* @23  "s" INT16 -2 */
    0x02, 0x00, 's', 0x00, 0x01, 0xFE, 0xFF,
    /* @30  "i" INT32 -100000 = 0xFFFE7960 */
    0x02, 0x00, 'i', 0x00, 0x02, 0x60, 0x79, 0xFE, 0xFF,
    /* @39  "l" INT64 0x0102030405060708 */
    0x02, 0x00, 'l', 0x00, 0x03, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
    /* @52  "B" UINT8 255 */
    0x02, 0x00, 'B', 0x00, 0x04, 0xFF,
    /* @58  "S" UINT16 0xBEEF */
    0x02, 0x00, 'S', 0x00, 0x05, 0xEF, 0xBE,
    /* @65  "I" UINT32 0xDEADBEEF */
    0x02, 0x00, 'I', 0x00, 0x06, 0xEF, 0xBE, 0xAD, 0xDE,
    /* @74  "L" UINT64 0xFFFFFFFFFFFFFFFF */
    0x02, 0x00, 'L', 0x00, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    /* @87  "f" FLOAT 1.5 = 0x3FC00000 */
    0x02, 0x00, 'f', 0x00, 0x0A, 0x00, 0x00, 0xC0, 0x3F,
    /* @96  "d" DOUBLE -2.25 = 0xC002000000000000 */
    0x02, 0x00, 'd', 0x00, 0x0B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xC0,
    /* @109 "z" BOOLEAN true */
    0x02, 0x00, 'z', 0x00, 0x0C, 0x01,
    /* @115 "str" STRING "hi" (u16 length 3 with the NUL) */
    0x04, 0x00, 's', 't', 'r', 0x00, 0x0D, 0x03, 0x00, 'h', 'i', 0x00,
    /* @127 "arr" BYTEARRAY {1,2,3} (u32 length) */
    0x04, 0x00, 'a', 'r', 'r', 0x00, 0x0E, 0x03, 0x00, 0x00, 0x00, 0x01, 0x02,
    0x03,
    /* @141 end */
};

/* Offsets in the image of each attribute above, and of its type byte. */
static const uint32_t attr_at[13] = { 17, 23, 30, 39, 52, 58, 65,
                                      74, 87, 96, 109, 115, 127 };
static const char *const attr_keys[13] = { "b", "s", "i", "l", "B", "S", "I",
                                           "L", "f", "d", "z", "str", "arr" };

static uint32_t type_pos(int i)
{
    return attr_at[i] + 2 + (uint32_t)strlen(attr_keys[i]) + 1;
}

enum {
    GOLDEN_ATTRS_END = 141,
    /* Building that image with the setters: create("sensor") has
     * total_length 4 + 2 + 7 + 100 = 113 (image 115, 98 bytes free after
     * attr_num); "b".."z" use exactly 98, so "str" (12 bytes) grows the
     * image by 12 + 100 to total_length 225 (image 227) and "arr" fits. */
    GOLDEN_BUILT_SIZE = 227,
    /* The same attributes with no slack: total_length 139 (image 141). */
    GOLDEN_TIGHT_SIZE = 141,
};

/* Writes the header for tag "sensor" with 13 attributes and the given
 * total_length, then the attributes, then zeros up to size. */
static void golden_image(uint8_t *out, uint32_t size, uint32_t total_length)
{
    static const uint8_t head[] = {
        0x00, 0x00,                              /* flags */
        0x00, 0x00, 0x00, 0x00,                  /* total_length, set below */
        0x07, 0x00,                              /* tag_len 7 */
        's',  'e',  'n',  's', 'o', 'r', 0x00,   /* tag */
        0x0D, 0x00,                              /* attr_num 13 */
    };

    memset(out, 0, size);
    memcpy(out, head, sizeof(head));
    out[2] = (uint8_t)total_length;
    out[3] = (uint8_t)(total_length >> 8);
    out[4] = (uint8_t)(total_length >> 16);
    out[5] = (uint8_t)(total_length >> 24);
    memcpy(out + sizeof(head), golden_attrs, sizeof(golden_attrs));
}

/* Checks every value of the golden attributes through the getters. */
static void check_golden_values(const attr_container_t *c)
{
    unsigned len = 0;
    const int8_t *arr;

    CHECK(strcmp(attr_container_get_tag(c), "sensor") == 0);
    CHECK(attr_container_get_attr_num(c) == 13);
    CHECK(attr_container_get_as_byte(c, "b") == -123);
    CHECK(attr_container_get_as_int8(c, "b") == -123);
    CHECK(attr_container_get_as_short(c, "s") == -2);
    CHECK(attr_container_get_as_int16(c, "s") == -2);
    CHECK(attr_container_get_as_int(c, "i") == -100000);
    CHECK(attr_container_get_as_int32(c, "i") == -100000);
    CHECK(attr_container_get_as_int64(c, "l") == 0x0102030405060708LL);
    CHECK(attr_container_get_as_uint8(c, "B") == 255);
    CHECK(attr_container_get_as_uint16(c, "S") == 0xBEEF);
    CHECK(attr_container_get_as_uint32(c, "I") == 0xDEADBEEFu);
    CHECK(attr_container_get_as_uint64(c, "L") == UINT64_MAX);
    CHECK(attr_container_get_as_float(c, "f") == 1.5f);
    CHECK(attr_container_get_as_double(c, "d") == -2.25);
    CHECK(attr_container_get_as_bool(c, "z") == true);
    CHECK(strcmp(attr_container_get_as_string(c, "str"), "hi") == 0);
    arr = attr_container_get_as_bytearray(c, "arr", &len);
    CHECK(arr && len == 3 && arr[0] == 1 && arr[1] == 2 && arr[2] == 3);
    CHECK(attr_container_contain_key(c, "arr"));
    CHECK(!attr_container_contain_key(c, "ar"));
    CHECK(!attr_container_contain_key(c, "arrr"));
}

/* Sets the golden attributes, in order, on a container tagged "sensor". */
static attr_container_t *build_golden(void)
{
    attr_container_t *c = attr_container_create("sensor");
    int8_t bytes[3] = { 1, 2, 3 };
    bool ok = c != NULL;

    ok = ok && attr_container_set_byte(&c, "b", -123);
    ok = ok && attr_container_set_short(&c, "s", -2);
    ok = ok && attr_container_set_int(&c, "i", -100000);
    ok = ok && attr_container_set_int64(&c, "l", 0x0102030405060708LL);
    ok = ok && attr_container_set_uint8(&c, "B", 255);
    ok = ok && attr_container_set_uint16(&c, "S", 0xBEEF);
    ok = ok && attr_container_set_uint32(&c, "I", 0xDEADBEEFu);
    ok = ok && attr_container_set_uint64(&c, "L", UINT64_MAX);
    ok = ok && attr_container_set_float(&c, "f", 1.5f);
    ok = ok && attr_container_set_double(&c, "d", -2.25);
    ok = ok && attr_container_set_bool(&c, "z", true);
    ok = ok && attr_container_set_string(&c, "str", "hi");
    ok = ok && attr_container_set_bytearray(&c, "arr", bytes, 3);
    CHECK(ok);
    return c;
}

/* ------------------------------------------------------------------------
 * Golden vectors
 * ------------------------------------------------------------------------ */

static void test_golden_empty(void)
{
    uint8_t expect[109] = { 0 };
    attr_container_t *c = attr_container_create("");
    attr_container_t *c_null = attr_container_create(NULL);

    memcpy(expect, golden_empty_head, sizeof(golden_empty_head));
    CHECK(c && c_null);
    CHECK(attr_container_get_serialize_length(c) == 109);
    CHECK(memcmp(c, expect, 109) == 0);
    CHECK(memcmp(c_null, expect, 109) == 0); /* NULL tag counts as "" */
    CHECK(attr_container_validate(expect, 109));
    CHECK(!attr_container_validate(expect, 108));
    CHECK(strcmp(attr_container_get_tag(c), "") == 0);
    CHECK(attr_container_get_attr_num(c) == 0);
    CHECK(!attr_container_is_constant(c));
    attr_container_destroy(c);
    attr_container_destroy(c_null);
}

static void test_golden_one_int(void)
{
    /* create("t") + set_int("a", 0x12345678): total_length 4+2+2+100 = 108 */
    static const uint8_t head[] = {
        0x00, 0x00, 0x6C, 0x00, 0x00, 0x00, /* flags, total_length 108 */
        0x02, 0x00, 't',  0x00,             /* tag "t" */
        0x01, 0x00,                         /* attr_num 1 */
        0x02, 0x00, 'a',  0x00, 0x02,       /* key "a", INT32 */
        0x78, 0x56, 0x34, 0x12,             /* 0x12345678 LE */
    };
    uint8_t expect[110] = { 0 };
    attr_container_t *c = attr_container_create("t");

    memcpy(expect, head, sizeof(head));
    CHECK(attr_container_set_int(&c, "a", 0x12345678));
    CHECK(attr_container_get_serialize_length(c) == 110);
    CHECK(memcmp(c, expect, sizeof(expect)) == 0);
    attr_container_destroy(c);
}

static void test_golden_all_types(void)
{
    uint8_t expect[GOLDEN_BUILT_SIZE];
    uint8_t *tight = malloc(GOLDEN_TIGHT_SIZE);
    attr_container_t *c = build_golden();
    char ser[GOLDEN_BUILT_SIZE];

    golden_image(expect, GOLDEN_BUILT_SIZE, GOLDEN_BUILT_SIZE - 2);
    golden_image(tight, GOLDEN_TIGHT_SIZE, GOLDEN_TIGHT_SIZE - 2);
    /* Our packer reproduces the hand-written image byte for byte. */
    CHECK(attr_container_get_serialize_length(c) == GOLDEN_BUILT_SIZE);
    CHECK(memcmp(c, expect, GOLDEN_BUILT_SIZE) == 0);
    /* Our reader reads the hand-written images, with and without slack. */
    CHECK(attr_container_validate(expect, GOLDEN_BUILT_SIZE));
    CHECK(attr_container_validate(tight, GOLDEN_TIGHT_SIZE));
    check_golden_values((const attr_container_t *)expect);
    check_golden_values((const attr_container_t *)tight);
    /* serialize: same bytes, flags bit 2 (read-only) set. */
    CHECK(attr_container_serialize(ser, c));
    CHECK((uint8_t)ser[0] == 0x04 && ser[1] == 0);
    CHECK(memcmp(ser + 2, expect + 2, GOLDEN_BUILT_SIZE - 2) == 0);
    CHECK(attr_container_is_constant((attr_container_t *)ser));
    CHECK(attr_container_validate(ser, GOLDEN_BUILT_SIZE));
    check_golden_values((const attr_container_t *)ser);
    attr_container_destroy(c);
    free(tight);
}

static void test_iterator(void)
{
    uint8_t img[GOLDEN_TIGHT_SIZE];
    attr_container_iter_t it;
    attr_container_attr_t a;
    int i = 0;

    golden_image(img, sizeof(img), sizeof(img) - 2);
    CHECK(attr_container_iter_init(&it, (attr_container_t *)img));
    while (attr_container_iter_next(&it, &a)) {
        CHECK(i < 13 && strcmp(a.key, attr_keys[i]) == 0);
        CHECK(a.type == img[type_pos(i)]);
        i++;
    }
    CHECK(i == 13);
    CHECK(!attr_container_iter_next(&it, &a)); /* stays at the end */

    CHECK(attr_container_iter_init(&it, (attr_container_t *)img));
    CHECK(attr_container_iter_next(&it, &a)); /* "b" INT8 -123 */
    CHECK(attr_container_attr_as_int64(&a) == -123);
    CHECK(attr_container_attr_as_double(&a) == -123.0);
    for (i = 1; i < 8; i++)
        CHECK(attr_container_iter_next(&it, &a));
    CHECK(strcmp(a.key, "L") == 0 && attr_container_attr_as_uint64(&a) == UINT64_MAX);
    CHECK(attr_container_iter_next(&it, &a)); /* "f" */
    CHECK(attr_container_attr_as_double(&a) == 1.5);
    for (i = 0; i < 3; i++)
        CHECK(attr_container_iter_next(&it, &a));
    CHECK(a.type == ATTR_TYPE_STRING && a.value_len == 3);
    CHECK(memcmp(a.value, "hi", 3) == 0 && attr_container_attr_as_int64(&a) == 0);

    img[attr_at[0]] = 0; /* key_len 0: malformed, nothing iterates */
    CHECK(!attr_container_iter_init(&it, (attr_container_t *)img));
    CHECK(!attr_container_iter_next(&it, &a));
}

/* ------------------------------------------------------------------------
 * Round trips and conversions
 * ------------------------------------------------------------------------ */

static void test_round_trip_extremes(void)
{
    attr_container_t *c = attr_container_create("rt");
    char *ser;
    unsigned n;

    CHECK(attr_container_set_int8(&c, "i8min", INT8_MIN));
    CHECK(attr_container_set_int8(&c, "i8max", INT8_MAX));
    CHECK(attr_container_set_int16(&c, "i16min", INT16_MIN));
    CHECK(attr_container_set_int16(&c, "i16max", INT16_MAX));
    CHECK(attr_container_set_int32(&c, "i32min", INT32_MIN));
    CHECK(attr_container_set_int32(&c, "i32max", INT32_MAX));
    CHECK(attr_container_set_int64(&c, "i64min", INT64_MIN));
    CHECK(attr_container_set_int64(&c, "i64max", INT64_MAX));
    CHECK(attr_container_set_uint8(&c, "u8", UINT8_MAX));
    CHECK(attr_container_set_uint16(&c, "u16", UINT16_MAX));
    CHECK(attr_container_set_uint32(&c, "u32", UINT32_MAX));
    CHECK(attr_container_set_uint64(&c, "u64", UINT64_MAX));
    CHECK(attr_container_set_float(&c, "fl", -3.25e10f));
    CHECK(attr_container_set_double(&c, "db", 1e300));
    CHECK(attr_container_set_bool(&c, "no", false));
    CHECK(attr_container_set_string(&c, "empty", ""));
    CHECK(attr_container_set_bytearray(&c, "none", NULL, 0));

    n = attr_container_get_serialize_length(c);
    ser = malloc(n);
    CHECK(attr_container_serialize(ser, c));
    CHECK(attr_container_validate(ser, n));
    attr_container_destroy(c);
    c = (attr_container_t *)ser; /* read back from the wire copy */

    CHECK(attr_container_get_attr_num(c) == 17);
    CHECK(attr_container_get_as_int8(c, "i8min") == INT8_MIN);
    CHECK(attr_container_get_as_int8(c, "i8max") == INT8_MAX);
    CHECK(attr_container_get_as_int16(c, "i16min") == INT16_MIN);
    CHECK(attr_container_get_as_int16(c, "i16max") == INT16_MAX);
    CHECK(attr_container_get_as_int32(c, "i32min") == INT32_MIN);
    CHECK(attr_container_get_as_int32(c, "i32max") == INT32_MAX);
    CHECK(attr_container_get_as_int64(c, "i64min") == INT64_MIN);
    CHECK(attr_container_get_as_int64(c, "i64max") == INT64_MAX);
    CHECK(attr_container_get_as_uint8(c, "u8") == UINT8_MAX);
    CHECK(attr_container_get_as_uint16(c, "u16") == UINT16_MAX);
    CHECK(attr_container_get_as_uint32(c, "u32") == UINT32_MAX);
    CHECK(attr_container_get_as_uint64(c, "u64") == UINT64_MAX);
    CHECK(attr_container_get_as_float(c, "fl") == -3.25e10f);
    CHECK(attr_container_get_as_double(c, "db") == 1e300);
    CHECK(attr_container_contain_key(c, "no") && !attr_container_get_as_bool(c, "no"));
    CHECK(strcmp(attr_container_get_as_string(c, "empty"), "") == 0);
    CHECK(attr_container_get_as_bytearray(c, "none", &n) != NULL && n == 0);
    /* The copy is read-only. */
    CHECK(!attr_container_set_int(&c, "x", 1));
    free(ser);
}

static void test_conversions(void)
{
    attr_container_t *c = attr_container_create(NULL);
    unsigned n = 99;

    attr_container_set_double(&c, "pi", 3.7);
    attr_container_set_double(&c, "big", 1e20);
    attr_container_set_double(&c, "neg", -1e20);
    attr_container_set_double(&c, "nan", NAN);
    attr_container_set_float(&c, "half", 0.5f);
    attr_container_set_int(&c, "300", 300);
    attr_container_set_int(&c, "m1", -1);
    attr_container_set_uint64(&c, "huge", UINT64_MAX);
    attr_container_set_string(&c, "text", "42");
    attr_container_set_bool(&c, "yes", true);

    CHECK(attr_container_get_as_int(c, "pi") == 3);
    CHECK(attr_container_get_as_int(c, "big") == INT32_MAX);    /* saturates */
    CHECK(attr_container_get_as_int(c, "neg") == INT32_MIN);
    CHECK(attr_container_get_as_int64(c, "big") == INT64_MAX);
    CHECK(attr_container_get_as_uint32(c, "neg") == 0);
    CHECK(attr_container_get_as_uint64(c, "big") == UINT64_MAX);
    CHECK(attr_container_get_as_uint8(c, "big") == UINT8_MAX);
    CHECK(attr_container_get_as_short(c, "neg") == INT16_MIN);
    CHECK(attr_container_get_as_int(c, "nan") == 0);
    CHECK(attr_container_get_as_uint16(c, "nan") == 0);
    CHECK(isnan(attr_container_get_as_double(c, "nan")));
    CHECK(isinf(attr_container_get_as_float(c, "big") * 1e30f));
    CHECK(attr_container_get_as_bool(c, "half"));
    CHECK(attr_container_get_as_double(c, "half") == 0.5);
    CHECK(attr_container_get_as_byte(c, "300") == 44);          /* wraps like C */
    CHECK(attr_container_get_as_uint8(c, "300") == 44);
    CHECK(attr_container_get_as_double(c, "300") == 300.0);
    CHECK(attr_container_get_as_float(c, "300") == 300.0f);
    CHECK(attr_container_get_as_uint32(c, "m1") == UINT32_MAX);
    CHECK(attr_container_get_as_uint64(c, "m1") == UINT64_MAX);
    CHECK(attr_container_get_as_int64(c, "huge") == -1);
    CHECK(attr_container_get_as_double(c, "huge") == 18446744073709551616.0);
    CHECK(attr_container_get_as_int(c, "yes") == 1);
    CHECK(attr_container_get_as_double(c, "yes") == 1.0);
    /* Strings are not numbers; numbers are not strings. */
    CHECK(attr_container_get_as_int(c, "text") == 0);
    CHECK(!attr_container_get_as_bool(c, "text"));
    CHECK(attr_container_get_as_string(c, "300") == NULL);
    /* bytearray view of a string (with NUL) and of a fixed value (raw LE). */
    CHECK(memcmp(attr_container_get_as_bytearray(c, "text", &n), "42", 3) == 0 && n == 3);
    CHECK(memcmp(attr_container_get_as_bytearray(c, "300", &n), "\x2c\x01\0\0",
                 4) == 0
          && n == 4);
    CHECK(attr_container_get_as_bytearray(c, "300", NULL) == NULL);
    /* Missing keys and bad arguments. */
    CHECK(attr_container_get_as_int(c, "missing") == 0);
    CHECK(attr_container_get_as_string(c, "missing") == NULL);
    CHECK(attr_container_get_as_bytearray(c, "missing", &n) == NULL);
    CHECK(attr_container_get_as_int(NULL, "pi") == 0);
    CHECK(attr_container_get_as_int(c, NULL) == 0);
    CHECK(attr_container_get_as_int(c, "") == 0);
    CHECK(!attr_container_contain_key(c, NULL));
    CHECK(attr_container_get_tag(NULL) == NULL);
    CHECK(attr_container_get_attr_num(NULL) == 0);
    CHECK(attr_container_get_serialize_length(NULL) == 0);
    CHECK(!attr_container_serialize(NULL, c));
    CHECK(!attr_container_is_constant(NULL));
    attr_container_destroy(c);
    attr_container_destroy(NULL);
}

/* ------------------------------------------------------------------------
 * Replacement and growth
 * ------------------------------------------------------------------------ */

static void test_replace(void)
{
    attr_container_t *c = attr_container_create("t");
    uint8_t *img;

    attr_container_set_int(&c, "a", 1);
    attr_container_set_int(&c, "b", 2);
    img = (uint8_t *)c;
    /* Same size: in place, order kept. */
    CHECK(attr_container_set_int(&c, "a", 0x0A0B0C0D));
    CHECK((uint8_t *)c == img);
    {
        static const uint8_t expect[] = {
            0x02, 0x00, 'a', 0x00, 0x02, 0x0D, 0x0C, 0x0B, 0x0A,
            0x02, 0x00, 'b', 0x00, 0x02, 0x02, 0x00, 0x00, 0x00,
        };
        CHECK(memcmp(img + 12, expect, sizeof(expect)) == 0);
    }
    /* Other size, fits the slack: the old one goes, the new one is last. */
    CHECK(attr_container_set_string(&c, "a", "xyz"));
    CHECK((uint8_t *)c == img);
    {
        static const uint8_t expect[] = {
            0x02, 0x00, 'b', 0x00, 0x02, 0x02, 0x00, 0x00, 0x00,
            0x02, 0x00, 'a', 0x00, 0x0D, 0x04, 0x00, 'x', 'y', 'z', 0x00,
            0x00, /* slack stays zero */
        };
        CHECK(memcmp(img + 12, expect, sizeof(expect)) == 0);
    }
    CHECK(attr_container_get_attr_num(c) == 2);
    /* Smaller again: the freed bytes are zeroed. */
    CHECK(attr_container_set_byte(&c, "a", 7));
    {
        static const uint8_t expect[] = {
            0x02, 0x00, 'b', 0x00, 0x02, 0x02, 0x00, 0x00, 0x00,
            0x02, 0x00, 'a', 0x00, 0x00, 0x07,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        };
        CHECK(memcmp(img + 12, expect, sizeof(expect)) == 0);
    }
    CHECK(attr_container_get_as_int(c, "a") == 7 && attr_container_get_as_int(c, "b") == 2);
    attr_container_destroy(c);
}

static void test_replace_grows(void)
{
    attr_container_t *c = attr_container_create("t"); /* total 108 */
    char big[200];
    uint32_t total;

    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    attr_container_set_int(&c, "a", 1);     /* 9 bytes */
    attr_container_set_int(&c, "b", 2);     /* 9 bytes */
    /* "a" becomes a 2+2+1+2+200 = 207-byte string: 9 + slack (98-18) < 207,
     * so total_length grows by 207 + 100. */
    CHECK(attr_container_set_string(&c, "a", big));
    total = attr_container_get_serialize_length(c) - 2;
    CHECK(total == 108 + 207 + 100);
    CHECK(attr_container_get_attr_num(c) == 2);
    CHECK(strcmp(attr_container_get_as_string(c, "a"), big) == 0);
    CHECK(attr_container_get_as_int(c, "b") == 2);
    {   /* "b" moved to the front, then "a". */
        const uint8_t *img = (const uint8_t *)c;
        CHECK(img[12 + 2] == 'b' && img[12 + 9 + 2] == 'a');
    }
    attr_container_destroy(c);
}

static void test_many_attributes(void)
{
    attr_container_t *c = attr_container_create("many");
    char key[16];
    bool ok = true;
    int i;

    for (i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        ok = ok && attr_container_set_int(&c, key, i * 3);
    }
    CHECK(ok);
    CHECK(attr_container_get_attr_num(c) == 2000);
    for (i = 0; i < 2000; i += 97) {
        snprintf(key, sizeof(key), "k%d", i);
        CHECK(attr_container_get_as_int(c, key) == i * 3);
    }
    attr_container_destroy(c);
}

static void test_setter_refusals(void)
{
    attr_container_t *c = attr_container_create("t");
    attr_container_t *null_cont = NULL;
    char *long_str = malloc(70000);
    const uint8_t *before = (const uint8_t *)c;

    CHECK(!attr_container_set_int(NULL, "k", 1));
    CHECK(!attr_container_set_int(&null_cont, "k", 1));
    CHECK(!attr_container_set_int(&c, NULL, 1));
    CHECK(!attr_container_set_int(&c, "", 1));
    CHECK(!attr_container_set_string(&c, "k", NULL));
    CHECK(!attr_container_set_bytearray(&c, "k", NULL, 1));
    /* A key or string of 65535 bytes does not fit its u16 length with NUL. */
    memset(long_str, 'x', 65535);
    long_str[65535] = 0;
    CHECK(!attr_container_set_int(&c, long_str, 1));
    CHECK(!attr_container_set_string(&c, "k", long_str));
    CHECK(attr_container_create(long_str) == NULL);
    CHECK(attr_container_get_attr_num(c) == 0 && (const uint8_t *)c == before);
    long_str[65534] = 0;
    CHECK(attr_container_set_string(&c, "k", long_str));
    CHECK(attr_container_set_int(&c, long_str, 5));
    CHECK(attr_container_get_as_int(c, long_str) == 5);
    CHECK(strlen(attr_container_get_as_string(c, "k")) == 65534);
    attr_container_destroy(c);
    free(long_str);
}

static void test_alloc_failure(void)
{
    attr_container_t *c;
    uint8_t snapshot[110]; /* create("x"): 2 + 4+2+2+100 */
    char big[150];
    int budget;

    app_shared_set_allocator(test_malloc, free);
    alloc_budget = 0;
    CHECK(attr_container_create("x") == NULL);
    alloc_budget = 1;
    c = attr_container_create("x");
    CHECK(c != NULL);
    /* Fits the slack: no allocation needed. */
    CHECK(attr_container_set_int(&c, "a", 1));
    memcpy(snapshot, c, sizeof(snapshot));
    /* Needs growth and the allocator says no: nothing changes. */
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    CHECK(!attr_container_set_string(&c, "s", big));
    CHECK(!attr_container_set_string(&c, "a", big));
    CHECK(memcmp(snapshot, c, sizeof(snapshot)) == 0);
    CHECK(attr_container_get_as_int(c, "a") == 1);
    alloc_budget = -1;
    CHECK(attr_container_set_string(&c, "s", big));
    attr_container_destroy(c);

    /* Every allocation of a longer build failing in turn leaves a usable
     * container and no leak (LeakSanitizer). */
    for (budget = 0; budget < 6; budget++) {
        char key[8];
        int i;

        alloc_budget = budget;
        c = attr_container_create("loop");
        for (i = 0; c && i < 40; i++) {
            snprintf(key, sizeof(key), "k%d", i);
            attr_container_set_string(&c, key, "a value of some length");
        }
        CHECK(budget == 0 ? c == NULL
                          : attr_container_validate(
                              c, attr_container_get_serialize_length(c)));
        attr_container_destroy(c);
    }
    alloc_budget = -1;
    app_shared_set_allocator(NULL, NULL);
}

/* ------------------------------------------------------------------------
 * Dump
 * ------------------------------------------------------------------------ */

static void test_dump(void)
{
    attr_container_t *c = attr_container_create("tg");
    int8_t bytes[2] = { 9, 8 };
    static const char expect[] =
        "Attribute container dump:\n"
        "Tag: tg\n"
        "Attribute list:\n"
        "  key: s, type: string, value: v\n"
        "  key: i, type: int, value: 0x2a\n"
        "  key: h, type: short, value: 0xffff\n"
        "  key: q, type: int64, value: 0x100000000\n"
        "  key: f, type: float, value: 1.500000\n"
        "  key: z, type: bool, value: 0x1\n"
        "  key: y, type: byte array, length: 2\n"
        "\n";

    attr_container_set_string(&c, "s", "v");
    attr_container_set_int(&c, "i", 42);
    attr_container_set_short(&c, "h", -1);
    attr_container_set_int64(&c, "q", 0x100000000LL);
    attr_container_set_float(&c, "f", 1.5f);
    attr_container_set_bool(&c, "z", true);
    attr_container_set_bytearray(&c, "y", bytes, 2);
    capture_reset();
    attr_container_dump(c);
    CHECK(strcmp(dump_text, expect) == 0);
    if (strcmp(dump_text, expect) != 0)
        printf("dump was:\n%s", dump_text);
    capture_reset();
    attr_container_dump(NULL); /* prints nothing */
    CHECK(dump_used == 0);
    attr_container_destroy(c);
}

/* ------------------------------------------------------------------------
 * Hostile images
 * ------------------------------------------------------------------------ */

/* Everything a reader may do with an image validate() accepted; ASan
 * reports any byte read outside the len bytes at img. */
static void read_everything(const uint8_t *img)
{
    const attr_container_t *c = (const attr_container_t *)img;
    attr_container_iter_t it;
    attr_container_attr_t a;
    unsigned n;
    int i;

    for (i = 0; i < 13; i++) {
        const char *k = attr_keys[i];
        (void)attr_container_get_as_int64(c, k);
        (void)attr_container_get_as_uint64(c, k);
        (void)attr_container_get_as_double(c, k);
        (void)attr_container_get_as_bool(c, k);
        (void)attr_container_get_as_bytearray(c, k, &n);
        if (attr_container_get_as_string(c, k))
            (void)strlen(attr_container_get_as_string(c, k));
    }
    (void)strlen(attr_container_get_tag(c));
    if (attr_container_iter_init(&it, c))
        while (attr_container_iter_next(&it, &a))
            (void)(strlen(a.key) + attr_container_attr_as_double(&a));
    capture_reset();
    attr_container_dump(c);
}

/* validate() on a heap copy of exactly len bytes; reads it all if valid. */
static bool try_image(const uint8_t *img, size_t len)
{
    uint8_t *copy = exact_copy(img, len);
    bool ok = attr_container_validate(copy, (uint32_t)len);

    if (ok)
        read_everything(copy);
    free(copy);
    return ok;
}

static void test_truncations(void)
{
    uint8_t img[GOLDEN_BUILT_SIZE];
    bool all_rejected = true;
    size_t n;

    golden_image(img, GOLDEN_TIGHT_SIZE, GOLDEN_TIGHT_SIZE - 2);
    CHECK(try_image(img, GOLDEN_TIGHT_SIZE));
    for (n = 0; n < GOLDEN_TIGHT_SIZE; n++)
        all_rejected = all_rejected && !try_image(img, n);
    CHECK(all_rejected);
    /* Cut short AND total_length shrunk to match: still rejected, since the
     * attributes no longer fit (every cut inside the attributes). */
    all_rejected = true;
    for (n = 17; n < GOLDEN_TIGHT_SIZE; n++) {
        if (n == GOLDEN_ATTRS_END)
            continue;
        golden_image(img, GOLDEN_TIGHT_SIZE, (uint32_t)n - 2);
        all_rejected = all_rejected && !try_image(img, n);
    }
    CHECK(all_rejected);
    CHECK(!attr_container_validate(NULL, 100));
    /* Any slack is accepted, and so are bytes after the image. */
    golden_image(img, GOLDEN_BUILT_SIZE, GOLDEN_BUILT_SIZE - 2);
    memset(img + GOLDEN_ATTRS_END, 0xA5, GOLDEN_BUILT_SIZE - GOLDEN_ATTRS_END);
    CHECK(try_image(img, GOLDEN_BUILT_SIZE));
    golden_image(img, GOLDEN_BUILT_SIZE, GOLDEN_TIGHT_SIZE - 2);
    CHECK(try_image(img, GOLDEN_BUILT_SIZE));
}

static void test_minimal_images(void)
{
    /* total_length 9: itself, tag_len, "" and attr_num: the smallest image. */
    static const uint8_t min[] = { 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0 };
    uint8_t img[sizeof(min)];

    CHECK(try_image(min, sizeof(min)));
    memcpy(img, min, sizeof(img));
    img[2] = 8; /* attr_num outside the image */
    CHECK(!try_image(img, sizeof(img)));
    img[2] = 0; /* total_length 0 */
    CHECK(!try_image(img, sizeof(img)));
    memcpy(img, min, sizeof(img));
    img[6] = 0; /* tag_len 0 */
    CHECK(!try_image(img, sizeof(img)));
    memcpy(img, min, sizeof(img));
    img[8] = 'x'; /* tag without its NUL */
    CHECK(!try_image(img, sizeof(img)));
    memcpy(img, min, sizeof(img));
    img[9] = 1; /* one attribute, no bytes for it */
    CHECK(!try_image(img, sizeof(img)));
}

/* Sets the u32/u16 at pos (little-endian) in a fresh tight golden image. */
static bool try_field(uint32_t pos, int width, uint32_t value)
{
    uint8_t img[GOLDEN_TIGHT_SIZE];

    golden_image(img, sizeof(img), sizeof(img) - 2);
    for (int i = 0; i < width; i++)
        img[pos + i] = (uint8_t)(value >> (8 * i));
    return try_image(img, sizeof(img));
}

static void test_hostile_fields(void)
{
    const uint32_t str_len_pos = attr_at[11] + 7, arr_len_pos = attr_at[12] + 7;
    bool types_rejected = true;
    int i;

    /* total_length */
    CHECK(!try_field(2, 4, 0xFFFFFFFF));
    CHECK(!try_field(2, 4, 0xFFFFFFFE));
    CHECK(!try_field(2, 4, 0xFFFFFFFD));
    CHECK(!try_field(2, 4, GOLDEN_TIGHT_SIZE - 1)); /* one past the buffer */
    CHECK(!try_field(2, 4, GOLDEN_TIGHT_SIZE - 3)); /* cuts the last value */
    CHECK(!try_field(2, 4, 0));
    /* tag_len */
    CHECK(!try_field(6, 2, 0));
    CHECK(!try_field(6, 2, 0xFFFF));
    CHECK(!try_field(6, 2, 6)); /* tag's last byte 'r', no NUL */
    CHECK(!try_field(14, 1, 'x')); /* tag NUL overwritten */
    /* attr_num */
    CHECK(!try_field(15, 2, 14));
    CHECK(!try_field(15, 2, 0xFFFF));
    CHECK(try_field(15, 2, 12)); /* fewer: the rest reads as slack */
    CHECK(try_field(15, 2, 0));
    /* key_len / key NUL */
    CHECK(!try_field(attr_at[0], 2, 0));
    CHECK(!try_field(attr_at[0], 2, 1));      /* "b" without NUL */
    CHECK(!try_field(attr_at[0], 2, 0xFFFF));
    CHECK(!try_field(attr_at[12], 2, 0xFFFF));
    CHECK(!try_field(attr_at[12] + 5, 1, 'x')); /* "arr" NUL overwritten */
    /* type bytes: unassigned codes 8, 9 and 15..255 */
    for (i = 0; i < 13; i++) {
        uint32_t v;
        for (v = 8; v < 256; v++)
            if (v != 10 && v != 11 && v != 12 && v != 13 && v != 14)
                types_rejected = types_rejected && !try_field(type_pos(i), 1, v);
    }
    CHECK(types_rejected);
    /* string length: 0, no NUL last, past the end */
    CHECK(!try_field(str_len_pos, 2, 0));
    CHECK(!try_field(str_len_pos, 2, 2));
    CHECK(!try_field(str_len_pos, 2, 4));
    CHECK(!try_field(str_len_pos, 2, 0xFFFF));
    CHECK(!try_field(attr_at[11] + 11, 1, 'x')); /* "hi" NUL overwritten */
    /* byte array length: past the end, and u32 wrap-around */
    CHECK(!try_field(arr_len_pos, 4, 4));
    CHECK(!try_field(arr_len_pos, 4, 0xFFFFFFFF));
    CHECK(!try_field(arr_len_pos, 4, 0xFFFFFFFC));
    CHECK(!try_field(arr_len_pos, 4, 0x80000000));
    CHECK(try_field(arr_len_pos, 4, 2)); /* shorter: last byte is slack */
    /* bool bytes other than 0/1 read as true */
    CHECK(try_field(attr_at[10] + 5, 1, 2));
}

/* Every byte of the tight golden image set to every value: each result is
 * either rejected or fully readable within the buffer. */
static void test_every_byte_every_value(void)
{
    uint8_t img[GOLDEN_TIGHT_SIZE];
    unsigned accepted = 0, rejected = 0;

    for (uint32_t pos = 0; pos < GOLDEN_TIGHT_SIZE; pos++) {
        for (uint32_t v = 0; v < 256; v++) {
            golden_image(img, sizeof(img), sizeof(img) - 2);
            img[pos] = (uint8_t)v;
            if (try_image(img, sizeof(img)))
                accepted++;
            else
                rejected++;
        }
    }
    CHECK(accepted + rejected == GOLDEN_TIGHT_SIZE * 256);
    CHECK(rejected > 0 && accepted > 0);
}

/* Random multi-byte damage and random lengths. */
static void test_random_damage(void)
{
    uint8_t img[GOLDEN_BUILT_SIZE];
    uint32_t seed = 12345;

    for (int round = 0; round < 20000; round++) {
        int hits;
        size_t len;

        golden_image(img, sizeof(img), sizeof(img) - 2);
        seed = seed * 1103515245u + 12345u;
        hits = 1 + (int)(seed >> 28);
        for (int h = 0; h < hits; h++) {
            seed = seed * 1103515245u + 12345u;
            img[(seed >> 8) % sizeof(img)] = (uint8_t)(seed >> 24);
        }
        seed = seed * 1103515245u + 12345u;
        len = (seed >> 8) % (sizeof(img) + 1);
        (void)try_image(img, len);
    }
    CHECK(1); /* reaching here under ASan is the assertion */
}

int main(void)
{
    /* Dumps (including those of thousands of damaged images) go to a buffer. */
    app_shared_set_printf(capture_printf);
    test_golden_empty();
    test_golden_one_int();
    test_golden_all_types();
    test_iterator();
    test_round_trip_extremes();
    test_conversions();
    test_replace();
    test_replace_grows();
    test_many_attributes();
    test_setter_refusals();
    test_alloc_failure();
    test_dump();
    test_truncations();
    test_minimal_images();
    test_hostile_fields();
    test_every_byte_every_value();
    test_random_damage();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
