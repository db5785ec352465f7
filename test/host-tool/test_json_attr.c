/* Unit tests of host-tool/json_attr: every JSON kind into an attr_container,
 * every wire type back out as the exact text cJSON_Print gives (what
 * host_tool prints), the error message of each bad input, and hostile
 * containers (truncated, lying lengths, huge counts, random mutations)
 * rejected without a single out-of-bounds read (run under ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr_container.h"
#include "check.h"
#include "json_attr.h"

/* ========================================================================
 * Helpers
 * ======================================================================== */

/* The pretty JSON host_tool would print for image[0..len), or NULL. */
static char *print_attr(const void *image, uint32_t len)
{
    char err[256] = "";
    cJSON *json = attr_to_json(image, len, err, sizeof(err));
    char *text;

    if (!json) {
        printf("  attr_to_json: %s\n", err);
        return NULL;
    }
    text = cJSON_Print(json);
    cJSON_Delete(json);
    return text;
}

static int text_is(char *text, const char *expected)
{
    int ok = text && strcmp(text, expected) == 0;

    if (!ok)
        printf("  got:\n%s\n  expected:\n%s\n", text ? text : "(null)", expected);
    cJSON_free(text);
    return ok;
}

/* json_to_attr must fail with exactly this message. */
static int json_error_is(const char *json, const char *expected)
{
    char err[256] = "";
    attr_container_t *c = json_to_attr(json, strlen(json), err, sizeof(err));
    int ok = !c && strcmp(err, expected) == 0;

    if (!ok)
        printf("  input %s\n  got error: '%s'\n  expected:  '%s'\n", json, c ? "(none)" : err,
               expected);
    attr_container_destroy(c);
    return ok;
}

/* attr_to_json must refuse image[0..len) with a message. */
static int attr_rejected(const void *image, uint32_t len)
{
    char err[256] = "";
    cJSON *json = attr_to_json(image, len, err, sizeof(err));
    int ok = !json && err[0];

    cJSON_Delete(json);
    return ok;
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    put_u16(p, (uint16_t)v);
    put_u16(p + 2, (uint16_t)(v >> 16));
}

/* ========================================================================
 * JSON -> attr_container
 * ======================================================================== */

static void test_every_json_kind(void)
{
    static const char json[] =
        "{\"n\": 1.5, \"i\": 42, \"neg\": -7, \"t\": true, \"f\": false, \"s\": \"hello\","
        " \"b\": [1, 2, 255, -128], \"e\": [], \"u\": \"caf\\u00e9\"}";
    char err[256] = "";
    attr_container_t *c = json_to_attr(json, sizeof(json) - 1, err, sizeof(err));
    attr_container_iter_t it;
    attr_container_attr_t a;
    static const struct { const char *key; uint8_t type; } want[] = {
        { "n", ATTR_TYPE_DOUBLE }, { "i", ATTR_TYPE_DOUBLE }, { "neg", ATTR_TYPE_DOUBLE },
        { "t", ATTR_TYPE_BOOLEAN }, { "f", ATTR_TYPE_BOOLEAN }, { "s", ATTR_TYPE_STRING },
        { "b", ATTR_TYPE_BYTEARRAY }, { "e", ATTR_TYPE_BYTEARRAY }, { "u", ATTR_TYPE_STRING },
    };
    const int8_t *bytes;
    unsigned n = 0;
    size_t i = 0;

    CHECK(c != NULL);
    if (!c)
        return;
    CHECK(strcmp(attr_container_get_tag(c), "") == 0);
    CHECK(attr_container_get_attr_num(c) == 9);
    CHECK(attr_container_iter_init(&it, c));
    while (attr_container_iter_next(&it, &a) && i < 9) {
        CHECK(strcmp(a.key, want[i].key) == 0);
        CHECK(a.type == want[i].type);
        i++;
    }
    CHECK(i == 9);
    CHECK(attr_container_get_as_double(c, "n") == 1.5);
    CHECK(attr_container_get_as_double(c, "i") == 42.0);
    CHECK(attr_container_get_as_double(c, "neg") == -7.0);
    CHECK(attr_container_get_as_bool(c, "t") == true);
    CHECK(attr_container_get_as_bool(c, "f") == false);
    CHECK(strcmp(attr_container_get_as_string(c, "s"), "hello") == 0);
    CHECK(strcmp(attr_container_get_as_string(c, "u"), "caf\xc3\xa9") == 0);
    bytes = attr_container_get_as_bytearray(c, "b", &n);
    CHECK(bytes && n == 4 && bytes[0] == 1 && bytes[1] == 2 && (uint8_t)bytes[2] == 0xff
          && (uint8_t)bytes[3] == 0x80);
    CHECK(attr_container_get_as_bytearray(c, "e", &n) != NULL && n == 0);
    attr_container_destroy(c);
}

/* JSON in, the container's JSON out, compared with cJSON_Print's exact
 * text: tabs, "key":<tab>value, integral doubles without a fraction. */
static void test_round_trip(void)
{
    static const char json[] =
        "{\"n\": 1.5, \"i\": 42, \"neg\": -7, \"t\": true, \"f\": false, \"s\": \"he\\\"llo\","
        " \"b\": [1, 2, 255, -128], \"e\": [], \"big\": 1e20}";
    static const char expected[] =
        "{\n\t\"n\":\t1.5,\n\t\"i\":\t42,\n\t\"neg\":\t-7,\n\t\"t\":\ttrue,\n\t\"f\":\tfalse,"
        "\n\t\"s\":\t\"he\\\"llo\",\n\t\"b\":\t[1, 2, -1, -128],\n\t\"e\":\t[],"
        "\n\t\"big\":\t1e+20\n}";
    attr_container_t *c = json_to_attr(json, sizeof(json) - 1, NULL, 0);

    CHECK(c != NULL);
    if (!c)
        return;
    CHECK(text_is(print_attr(c, attr_container_get_serialize_length(c)), expected));
    attr_container_destroy(c);
}

static void test_json_details(void)
{
    static const char not_terminated[] = "{\"a\":1}GARBAGE";
    char err[256] = "";
    attr_container_t *c;

    /* Only len bytes are read: no NUL needed, what follows is ignored. */
    c = json_to_attr(not_terminated, 7, err, sizeof(err));
    CHECK(c && attr_container_get_as_double(c, "a") == 1.0);
    attr_container_destroy(c);
    /* An empty object is fine; a repeated key keeps the last value. */
    c = json_to_attr(" {} \n", 5, err, sizeof(err));
    CHECK(c && attr_container_get_attr_num(c) == 0);
    attr_container_destroy(c);
    c = json_to_attr("{\"k\":1,\"k\":2}", 13, err, sizeof(err));
    CHECK(c && attr_container_get_attr_num(c) == 1 && attr_container_get_as_double(c, "k") == 2);
    attr_container_destroy(c);
    /* err may be NULL. */
    CHECK(json_to_attr("[", 1, NULL, 0) == NULL);
}

static void test_json_errors(void)
{
    CHECK(json_error_is("{\"a\": {\"x\": 1}}",
                        "key \"a\": an object cannot be stored (expected a number, boolean, "
                        "string or array of bytes)"));
    CHECK(json_error_is("{\"ok\": 1, \"n\": null}",
                        "key \"n\": null cannot be stored (expected a number, boolean, "
                        "string or array of bytes)"));
    CHECK(json_error_is("{\"m\": [1, \"x\"]}",
                        "key \"m\": array element 1 is a string, expected an integer in "
                        "-128..255"));
    CHECK(json_error_is("{\"m\": [0, [1]]}",
                        "key \"m\": array element 1 is an array, expected an integer in "
                        "-128..255"));
    CHECK(json_error_is("{\"r\": [256]}",
                        "key \"r\": array element 0 is out of range or not an integer, "
                        "expected an integer in -128..255"));
    CHECK(json_error_is("{\"r\": [1, 2, -129]}",
                        "key \"r\": array element 2 is out of range or not an integer, "
                        "expected an integer in -128..255"));
    CHECK(json_error_is("{\"r\": [1.5]}",
                        "key \"r\": array element 0 is out of range or not an integer, "
                        "expected an integer in -128..255"));
    CHECK(json_error_is("{\"big\": 1e999}", "key \"big\": number out of range"));
    CHECK(json_error_is("{\"\": 1}", "key \"\": empty keys cannot be stored"));
    CHECK(json_error_is("[1, 2]", "the JSON top level is an array, expected an object"));
    CHECK(json_error_is("\"s\"", "the JSON top level is a string, expected an object"));
    CHECK(json_error_is("42", "the JSON top level is a number, expected an object"));
    CHECK(json_error_is("null", "the JSON top level is null, expected an object"));
    CHECK(json_error_is("", "empty JSON text, expected an object"));
    CHECK(json_error_is(" \n\t", "empty JSON text, expected an object"));
    CHECK(json_error_is("{\"a\": 1,}",
                        "invalid JSON at line 1, column 9 (offset 8): near '}'"));
    CHECK(json_error_is("{\n  \"a\": tru\n}",
                        "invalid JSON at line 2, column 8 (offset 9): near 'tru }'"));
    CHECK(json_error_is("{\"a\": 1} x",
                        "invalid JSON at line 1, column 10 (offset 9): near 'x'"));
    CHECK(json_error_is("{\"a\": 1", "invalid JSON at line 1, column 7 (offset 6): near '1'"));
}

/* Keys and strings beyond the u16 length fields are refused by name. */
static void test_json_too_long(void)
{
    size_t n = 70000;
    char *json = malloc(n + 32);
    char err[256] = "";
    attr_container_t *c;

    if (!json)
        return;
    memcpy(json, "{\"s\": \"", 7);
    memset(json + 7, 'x', n);
    memcpy(json + 7 + n, "\"}", 3);
    c = json_to_attr(json, strlen(json), err, sizeof(err));
    CHECK(!c && strcmp(err, "key \"s\": string longer than 65534 bytes") == 0);
    attr_container_destroy(c);
    memcpy(json, "{\"", 2);
    memset(json + 2, 'k', n);
    memcpy(json + 2 + n, "\": 1}", 6);
    c = json_to_attr(json, strlen(json), err, sizeof(err));
    CHECK(!c && strncmp(err, "key \"kkkk", 9) == 0 && strstr(err, "key longer than 65534 bytes"));
    attr_container_destroy(c);
    free(json);
}

/* ========================================================================
 * attr_container -> JSON
 * ======================================================================== */

static void test_every_wire_type(void)
{
    static const char expected[] =
        "{\n\t\"i8\":\t-5,\n\t\"i16\":\t-300,\n\t\"i32\":\t-70000,"
        "\n\t\"i64\":\t1234567890123,\n\t\"i64min\":\t-9.2233720368547758e+18,"
        "\n\t\"u8\":\t250,\n\t\"u16\":\t65535,\n\t\"u32\":\t4294967295,"
        "\n\t\"u64\":\t1.8446744073709552e+19,\n\t\"f\":\t1.1000000238418579,"
        "\n\t\"d\":\t-0.25,\n\t\"yes\":\ttrue,\n\t\"no\":\tfalse,\n\t\"s\":\t\"text\","
        "\n\t\"ba\":\t[0, 127, -128, -1]\n}";
    static const int8_t ba[] = { 0, 127, -128, -1 };
    attr_container_t *c = attr_container_create("some tag");
    int ok = c != NULL;

    ok = ok && attr_container_set_int8(&c, "i8", -5);
    ok = ok && attr_container_set_int16(&c, "i16", -300);
    ok = ok && attr_container_set_int32(&c, "i32", -70000);
    ok = ok && attr_container_set_int64(&c, "i64", 1234567890123LL);
    ok = ok && attr_container_set_int64(&c, "i64min", INT64_MIN);
    ok = ok && attr_container_set_uint8(&c, "u8", 250);
    ok = ok && attr_container_set_uint16(&c, "u16", 65535);
    ok = ok && attr_container_set_uint32(&c, "u32", 4294967295u);
    ok = ok && attr_container_set_uint64(&c, "u64", UINT64_MAX);
    ok = ok && attr_container_set_float(&c, "f", 1.1f);
    ok = ok && attr_container_set_double(&c, "d", -0.25);
    ok = ok && attr_container_set_bool(&c, "yes", true);
    ok = ok && attr_container_set_bool(&c, "no", false);
    ok = ok && attr_container_set_string(&c, "s", "text");
    ok = ok && attr_container_set_bytearray(&c, "ba", ba, 4);
    CHECK(ok);
    if (!ok) {
        attr_container_destroy(c);
        return;
    }
    /* The tag is not printed. */
    CHECK(text_is(print_attr(c, attr_container_get_serialize_length(c)), expected));
    attr_container_destroy(c);
}

/* What a device answers to -q, printed as the reference prints it. */
static void test_applets_info(void)
{
    attr_container_t *c = attr_container_create("Applets Info");
    char *copy;
    unsigned len;

    CHECK(c && attr_container_set_int(&c, "num", 1)
          && attr_container_set_string(&c, "applet1", "request_handler")
          && attr_container_set_int(&c, "heap1", 8192));
    /* A read-only serialized copy with non-zero slack bytes reads the same. */
    len = attr_container_get_serialize_length(c);
    copy = malloc(len);
    if (copy && attr_container_serialize(copy, c)) {
        copy[len - 1] = (char)0xAA;
        CHECK(text_is(print_attr(copy, len),
                      "{\n\t\"num\":\t1,\n\t\"applet1\":\t\"request_handler\","
                      "\n\t\"heap1\":\t8192\n}"));
    }
    free(copy);
    attr_container_destroy(c);
    c = attr_container_create("");
    CHECK(text_is(print_attr(c, attr_container_get_serialize_length(c)), "{\n}"));
    attr_container_destroy(c);
}

/* A hand-made image: tag "", then the given attribute bytes, no slack. */
static uint32_t make_image(uint8_t *out, uint16_t attr_num, const void *attrs, uint32_t len)
{
    put_u16(out, 0);
    put_u32(out + 2, 4 + 2 + 1 + 2 + len);
    put_u16(out + 6, 1);
    out[8] = 0;
    put_u16(out + 9, attr_num);
    memcpy(out + 11, attrs, len);
    return 11 + len;
}

static void test_hostile_images(void)
{
    static const uint8_t one_int[] = { 2, 0, 'k', 0, ATTR_TYPE_INT32, 1, 0, 0, 0 };
    static const uint8_t lying_string[] = { 2, 0, 'k', 0, ATTR_TYPE_STRING, 0xff, 0xff, 'a', 0 };
    static const uint8_t lying_bytes[] = { 2, 0, 'k', 0, ATTR_TYPE_BYTEARRAY, 0xff, 0xff, 0xff,
                                           0xff, 1, 2 };
    static const uint8_t key_no_nul[] = { 2, 0, 'k', 'x', ATTR_TYPE_INT8, 1 };
    static const uint8_t string_no_nul[] = { 2, 0, 'k', 0, ATTR_TYPE_STRING, 2, 0, 'a', 'b' };
    static const uint8_t key_len_huge[] = { 0xff, 0xff, 'k', 0, ATTR_TYPE_INT8, 1 };
    static const uint8_t types[] = { 8, 9, 15, 0x7f, 0xff };
    uint8_t img[64], bad[sizeof(one_int)];
    uint32_t n;

    CHECK(attr_rejected(NULL, 10));
    n = make_image(img, 1, one_int, sizeof(one_int));
    CHECK(text_is(print_attr(img, n), "{\n\t\"k\":\t1\n}"));
    /* Truncated anywhere, with the header's length telling the truth or not. */
    for (uint32_t cut = 0; cut < n; cut++) {
        CHECK(attr_rejected(img, cut));
        if (cut >= 6) {
            uint8_t copy[64];

            memcpy(copy, img, cut);
            put_u32(copy + 2, cut - 2);
            CHECK(attr_rejected(copy, cut));
        }
    }
    /* A huge attribute count over one attribute. */
    n = make_image(img, 0xffff, one_int, sizeof(one_int));
    CHECK(attr_rejected(img, n));
    /* Lengths that point past the end. */
    n = make_image(img, 1, lying_string, sizeof(lying_string));
    CHECK(attr_rejected(img, n));
    n = make_image(img, 1, lying_bytes, sizeof(lying_bytes));
    CHECK(attr_rejected(img, n));
    n = make_image(img, 1, key_len_huge, sizeof(key_len_huge));
    CHECK(attr_rejected(img, n));
    n = make_image(img, 1, key_no_nul, sizeof(key_no_nul));
    CHECK(attr_rejected(img, n));
    n = make_image(img, 1, string_no_nul, sizeof(string_no_nul));
    CHECK(attr_rejected(img, n));
    /* total_length far beyond what arrived. */
    n = make_image(img, 1, one_int, sizeof(one_int));
    put_u32(img + 2, 0xfffffff0u);
    CHECK(attr_rejected(img, n));
    /* Unassigned type codes. */
    for (size_t i = 0; i < sizeof(types); i++) {
        memcpy(bad, one_int, sizeof(bad));
        bad[4] = types[i];
        n = make_image(img, 1, bad, sizeof(bad));
        CHECK(attr_rejected(img, n));
    }
}

static void test_hostile_messages(void)
{
    static const uint8_t short_img[] = { 0, 0, 0x10, 0 };
    uint8_t img[16] = { 0 };
    char err[256] = "";

    CHECK(!attr_to_json(short_img, sizeof(short_img), err, sizeof(err)));
    CHECK(strcmp(err, "attr_container truncated: 4 bytes, the header needs 6") == 0);
    put_u32(img + 2, 100);
    CHECK(!attr_to_json(img, sizeof(img), err, sizeof(err)));
    CHECK(strcmp(err, "attr_container total_length 100 needs 102 bytes, only 16 received") == 0);
    put_u32(img + 2, 14);
    put_u16(img + 6, 40); /* tag_len past the end */
    CHECK(!attr_to_json(img, sizeof(img), err, sizeof(err)));
    CHECK(strcmp(err, "malformed attr_container: bad tag or attribute list") == 0);
}

/* Random byte mutations of a valid image: each result is either refused
 * with a message or an object with one member per attribute. */
static void test_mutations(void)
{
    static const int8_t ba[] = { 1, 2, 3 };
    attr_container_t *c = attr_container_create("tag");
    uint32_t len, state = 12345;
    uint8_t *img;
    int refused = 0, accepted = 0, consistent = 1;

    if (!c || !attr_container_set_int(&c, "a", 7) || !attr_container_set_string(&c, "bb", "str")
        || !attr_container_set_bytearray(&c, "ccc", ba, 3) || !attr_container_set_double(&c, "d", 2)) {
        CHECK(0);
        attr_container_destroy(c);
        return;
    }
    len = attr_container_get_serialize_length(c);
    img = malloc(len);
    for (int round = 0; img && round < 20000; round++) {
        char err[256] = "";
        cJSON *json;

        memcpy(img, c, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            state = state * 1103515245u + 12345u;
            img[(state >> 8) % 48] = (uint8_t)(state >> 20); /* the used part */
        }
        json = attr_to_json(img, (round % 7) ? len : (state >> 4) % (len + 1), err, sizeof(err));
        if (!json) {
            refused++;
            consistent &= err[0] != 0;
            continue;
        }
        accepted++;
        consistent &= cJSON_GetArraySize(json)
                      == attr_container_get_attr_num((attr_container_t *)img);
        cJSON_Delete(json);
    }
    CHECK(consistent);
    CHECK(refused > 0 && accepted > 0);
    free(img);
    attr_container_destroy(c);
}

int main(void)
{
    test_every_json_kind();
    test_round_trip();
    test_json_details();
    test_json_errors();
    test_json_too_long();
    test_every_wire_type();
    test_applets_info();
    test_hostile_images();
    test_hostile_messages();
    test_mutations();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
