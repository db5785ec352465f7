/* JSON <-> attr_container for host_tool (see json_attr.h). JSON -> attr is
 * strict: anything the container cannot represent is an error naming the
 * key, never silently dropped (the reference drops it). attr -> JSON reads
 * only what attr_container_validate has accepted. */
#include "json_attr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ht_util.h"

#define MAX_STR_BYTES 65535u /* u16 length fields count the NUL */
#define KEY_SHOWN 64         /* longest key quoted in a message */

/* ========================================================================
 * JSON -> attr_container
 * ======================================================================== */

static const char *json_kind(const cJSON *item)
{
    if (cJSON_IsNull(item))
        return "null";
    if (cJSON_IsBool(item))
        return "a boolean";
    if (cJSON_IsNumber(item))
        return "a number";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsArray(item))
        return "an array";
    if (cJSON_IsObject(item))
        return "an object";
    return "an unknown JSON value";
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where a parse failed, as line/column and a short quote of the text there,
 * so a user finds the mistake in an editor. */
static void report_parse_error(const char *text, size_t len, const char *at,
                               char *err, size_t err_size)
{
    size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
    size_t line = 1, col = 1, i, n;
    char near[17];

    for (i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    for (n = 0; n < sizeof(near) - 1 && off + n < len; n++) {
        char c = text[off + n];
        near[n] = c >= 0x20 && c < 0x7f ? c : ' ';
    }
    near[n] = '\0';
    ht_set_err(err, err_size, "invalid JSON at line %zu, column %zu (offset %zu): near '%s'",
               line, col, off, near);
}

/* An array of integers in -128..255 -> bytes (in *out_bytes, malloc'ed,
 * possibly NULL when empty). */
static int array_to_bytes(const cJSON *array, int8_t **out_bytes, unsigned *out_len,
                          char *err, size_t err_size)
{
    int count = cJSON_GetArraySize(array);
    int8_t *bytes = NULL;
    const cJSON *el;
    int i = 0;

    if (count > 0 && !(bytes = malloc((size_t)count))) {
        ht_set_err(err, err_size, "key \"%.*s\": out of memory", KEY_SHOWN, array->string);
        return 0;
    }
    cJSON_ArrayForEach(el, array)
    {
        double v = el->valuedouble;

        if (!cJSON_IsNumber(el) || v != floor(v) || v < -128 || v > 255) {
            ht_set_err(err, err_size,
                       "key \"%.*s\": array element %d is %s, expected an integer in -128..255",
                       KEY_SHOWN, array->string, i,
                       cJSON_IsNumber(el) ? "out of range or not an integer" : json_kind(el));
            free(bytes);
            return 0;
        }
        /* 128..255 are written as the byte they name. */
        bytes[i++] = (int8_t)(uint8_t)(int)v;
    }
    *out_bytes = bytes;
    *out_len = (unsigned)i;
    return 1;
}

/* Stores one object member; 0 with err set if it cannot be represented. */
static int add_member(attr_container_t **p_cont, const cJSON *item, char *err,
                      size_t err_size)
{
    const char *key = item->string;
    int8_t *bytes = NULL;
    unsigned n = 0;
    int ok;

    if (!key || !key[0]) {
        ht_set_err(err, err_size, "key \"\": empty keys cannot be stored");
        return 0;
    }
    if (strlen(key) + 1 > MAX_STR_BYTES) {
        ht_set_err(err, err_size, "key \"%.*s...\": key longer than %u bytes", KEY_SHOWN, key,
                   MAX_STR_BYTES - 1);
        return 0;
    }
    if (cJSON_IsNumber(item)) {
        if (!isfinite(item->valuedouble)) {
            ht_set_err(err, err_size, "key \"%.*s\": number out of range", KEY_SHOWN, key);
            return 0;
        }
        ok = attr_container_set_double(p_cont, key, item->valuedouble);
    } else if (cJSON_IsBool(item)) {
        ok = attr_container_set_bool(p_cont, key, cJSON_IsTrue(item));
    } else if (cJSON_IsString(item)) {
        if (strlen(item->valuestring) + 1 > MAX_STR_BYTES) {
            ht_set_err(err, err_size, "key \"%.*s\": string longer than %u bytes", KEY_SHOWN,
                       key, MAX_STR_BYTES - 1);
            return 0;
        }
        ok = attr_container_set_string(p_cont, key, item->valuestring);
    } else if (cJSON_IsArray(item)) {
        if (!array_to_bytes(item, &bytes, &n, err, err_size))
            return 0;
        ok = attr_container_set_bytearray(p_cont, key, bytes, n);
        free(bytes);
    } else {
        ht_set_err(err, err_size, "key \"%.*s\": %s cannot be stored (expected a number, "
                   "boolean, string or array of bytes)", KEY_SHOWN, key, json_kind(item));
        return 0;
    }
    if (!ok)
        ht_set_err(err, err_size, "key \"%.*s\": cannot store the value (out of memory)",
                   KEY_SHOWN, key);
    return ok;
}

attr_container_t *json_to_attr(const char *text, size_t len, char *err, size_t err_size)
{
    attr_container_t *cont = NULL;
    const char *end = NULL;
    const cJSON *item;
    cJSON *root = NULL;
    size_t i = 0;

    while (text && i < len && is_space(text[i]))
        i++;
    if (!text || i == len) {
        ht_set_err(err, err_size, "empty JSON text, expected an object");
        return NULL;
    }
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        report_parse_error(text, len, end, err, err_size);
        return NULL;
    }
    /* cJSON stops after the first value; more text means a broken file. */
    for (i = (size_t)(end - text); i < len && is_space(text[i]); i++)
        ;
    if (i < len) {
        report_parse_error(text, len, text + i, err, err_size);
        goto fail;
    }
    if (!cJSON_IsObject(root)) {
        ht_set_err(err, err_size, "the JSON top level is %s, expected an object", json_kind(root));
        goto fail;
    }
    if (!(cont = attr_container_create(""))) {
        ht_set_err(err, err_size, "out of memory");
        goto fail;
    }
    cJSON_ArrayForEach(item, root)
    {
        if (!add_member(&cont, item, err, err_size))
            goto fail;
    }
    cJSON_Delete(root);
    return cont;

fail:
    attr_container_destroy(cont);
    cJSON_Delete(root);
    return NULL;
}

/* ========================================================================
 * attr_container -> JSON
 * ======================================================================== */

/* Why a buffer is not a container, as precisely as the header allows:
 * flags:u16 total_length:u32 (LE) come first. */
static int check_container(const uint8_t *p, uint32_t len, char *err, size_t err_size)
{
    uint32_t total;

    if (len < 6) {
        ht_set_err(err, err_size, "attr_container truncated: %u bytes, the header needs 6", len);
        return 0;
    }
    total = (uint32_t)p[2] | (uint32_t)p[3] << 8 | (uint32_t)p[4] << 16 | (uint32_t)p[5] << 24;
    if (total > len - 2) {
        ht_set_err(err, err_size,
                   "attr_container total_length %u needs %llu bytes, only %u received", total,
                   (unsigned long long)total + 2, len);
        return 0;
    }
    if (!attr_container_validate(p, len)) {
        ht_set_err(err, err_size, "malformed attr_container: bad tag or attribute list");
        return 0;
    }
    return 1;
}

static cJSON *bytes_to_json(const uint8_t *bytes, uint32_t n)
{
    cJSON *array = cJSON_CreateArray();

    for (uint32_t i = 0; array && i < n; i++) {
        /* Signed, as the reference prints bytes (through a plain char). */
        cJSON *num = cJSON_CreateNumber((int8_t)bytes[i]);

        if (!num || !cJSON_AddItemToArray(array, num)) {
            cJSON_Delete(num);
            cJSON_Delete(array);
            return NULL;
        }
    }
    return array;
}

/* One attribute's value; NULL if out of memory (validation has ruled out
 * unknown types and short values). */
static cJSON *value_to_json(const attr_container_attr_t *a)
{
    switch (a->type) {
    case ATTR_TYPE_INT8:
    case ATTR_TYPE_INT16:
    case ATTR_TYPE_INT32:
    case ATTR_TYPE_INT64:
        return cJSON_CreateNumber((double)attr_container_attr_as_int64(a));
    case ATTR_TYPE_UINT8:
    case ATTR_TYPE_UINT16:
    case ATTR_TYPE_UINT32:
    case ATTR_TYPE_UINT64:
        return cJSON_CreateNumber((double)attr_container_attr_as_uint64(a));
    case ATTR_TYPE_FLOAT:
    case ATTR_TYPE_DOUBLE:
        return cJSON_CreateNumber(attr_container_attr_as_double(a));
    case ATTR_TYPE_BOOLEAN:
        return cJSON_CreateBool(a->value[0] != 0);
    case ATTR_TYPE_STRING:
        return cJSON_CreateString((const char *)a->value);
    case ATTR_TYPE_BYTEARRAY:
        return bytes_to_json(a->value, a->value_len);
    default:
        return NULL;
    }
}

cJSON *attr_to_json(const void *payload, uint32_t len, char *err, size_t err_size)
{
    attr_container_iter_t it;
    attr_container_attr_t a;
    cJSON *root;

    if (!payload) {
        ht_set_err(err, err_size, "no attr_container payload");
        return NULL;
    }
    if (!check_container(payload, len, err, err_size))
        return NULL;
    if (!(root = cJSON_CreateObject()) || !attr_container_iter_init(&it, payload))
        goto fail;
    while (attr_container_iter_next(&it, &a)) {
        cJSON *value = value_to_json(&a);

        if (!value || !cJSON_AddItemToObject(root, a.key, value)) {
            cJSON_Delete(value);
            goto fail;
        }
    }
    return root;

fail:
    ht_set_err(err, err_size, "out of memory converting the attr_container");
    cJSON_Delete(root);
    return NULL;
}
