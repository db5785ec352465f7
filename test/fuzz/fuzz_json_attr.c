/* fuzz_json_attr: host_tool's JSON <-> attr_container conversion. The input
 * is taken both as JSON text for json_to_attr and as a received container
 * for attr_to_json. Whatever JSON converts must survive the round trip
 * attr -> JSON -> attr unchanged; whatever fails must say why. */
#include <float.h>
#include <math.h>
#include <stdbool.h>

#include "attr_container.h"
#include "fuzz_common.h"
#include "json_attr.h"

#define ERR_SIZE 160

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failure leaves a message, NUL-terminated inside the buffer. */
static void check_err(const char *err)
{
    FUZZ_CHECK(memchr(err, 0, ERR_SIZE) != NULL && err[0] != 0);
}

/* Whether a double survived printing as JSON. cJSON (1.7.15) prints %1.15g
 * whenever reading that back lands within DBL_EPSILON (relative) of the
 * value, so the last bit may change (-8.222222222222222 comes back as
 * -8.22222222222222); JSON has no -0 either. Anything further is a bug. */
static bool same_number(double a, double b)
{
    double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

    return a == b || fabs(a - b) <= scale * 2 * DBL_EPSILON;
}

/* Two containers hold the same attributes in the same order, numbers
 * compared as same_number says. */
static bool same_attrs(const attr_container_t *a, const attr_container_t *b)
{
    attr_container_iter_t ia, ib;
    attr_container_attr_t x, y;
    bool more_a, more_b;

    FUZZ_CHECK(attr_container_iter_init(&ia, a) && attr_container_iter_init(&ib, b));
    for (;;) {
        more_a = attr_container_iter_next(&ia, &x);
        more_b = attr_container_iter_next(&ib, &y);
        if (!more_a || !more_b)
            return more_a == more_b;
        if (strcmp(x.key, y.key) != 0 || x.type != y.type || x.value_len != y.value_len)
            return false;
        if (x.type == ATTR_TYPE_DOUBLE) {
            if (!same_number(attr_container_attr_as_double(&x),
                             attr_container_attr_as_double(&y)))
                return false;
        } else if (memcmp(x.value, y.value, x.value_len) != 0) {
            return false;
        }
    }
}

/* JSON text -> container -> wire -> JSON -> text -> container: the same. */
static void check_round_trip(const attr_container_t *first)
{
    char err[ERR_SIZE];
    unsigned len = attr_container_get_serialize_length(first);
    char *wire = malloc(len ? len : 1);
    cJSON *json;
    char *text;
    attr_container_t *again;

    FUZZ_CHECK(len > 0 && wire != NULL && attr_container_serialize(wire, first));
    json = attr_to_json(wire, len, err, sizeof err);
    FUZZ_CHECK(json != NULL);
    FUZZ_CHECK(cJSON_GetArraySize(json) == attr_container_get_attr_num(first));
    text = cJSON_PrintUnformatted(json);
    FUZZ_CHECK(text != NULL);
    again = json_to_attr(text, strlen(text), err, sizeof err);
    if (!again)
        fprintf(stderr, "round trip refused %s: %s\n", text, err);
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(same_attrs(first, again));
    attr_container_destroy(again);
    free(text);
    cJSON_Delete(json);
    free(wire);
}

/* The input as JSON text: it converts to a valid container with tag "", or
 * is refused with a message. */
static void from_json(const uint8_t *data, size_t size)
{
    char err[ERR_SIZE];
    char *text = malloc(size ? size : 1); /* no NUL after: the API takes a length */
    attr_container_t *c;

    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    err[0] = 0;
    c = json_to_attr(text, size, err, sizeof err);
    if (!c) {
        check_err(err);
    } else {
        unsigned len = attr_container_get_serialize_length(c);
        FUZZ_CHECK(len > 0 && attr_container_validate(c, len));
        FUZZ_CHECK(strcmp(attr_container_get_tag(c), "") == 0);
        check_round_trip(c);
        attr_container_destroy(c);
    }
    free(text);
}

/* The input as a container from the wire: converted exactly when valid; the
 * JSON printed from it is fed back (it may be refused: NaN, empty keys). */
static void from_wire(const uint8_t *data, size_t size)
{
    char err[ERR_SIZE];
    uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    cJSON *json;
    char *text;
    attr_container_t *c;

    err[0] = 0;
    json = attr_to_json(data, len, err, sizeof err);
    FUZZ_CHECK((json != NULL) == attr_container_validate(data, len));
    if (!json) {
        check_err(err);
        return;
    }
    FUZZ_CHECK(cJSON_GetArraySize(json) ==
               attr_container_get_attr_num((const attr_container_t *)data));
    text = cJSON_PrintUnformatted(json);
    FUZZ_CHECK(text != NULL);
    err[0] = 0;
    c = json_to_attr(text, strlen(text), err, sizeof err);
    if (!c)
        check_err(err);
    attr_container_destroy(c);
    free(text);
    cJSON_Delete(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    from_json(data, size);
    from_wire(data, size);
    return 0;
}
