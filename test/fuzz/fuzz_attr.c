/* fuzz_attr: attr_container (format 99) from both sides. The input is first
 * taken as a received image: validated, and when valid walked, read through
 * every getter, dumped and serialized, each result checked against the
 * image. The bytes after the image (or the whole input when it is not one)
 * are then a script of setters, each checked by reading every key set so
 * far back. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>

#include "app_shared.h"
#include "attr_container.h"
#include "fuzz_common.h"

#define MAX_CHECKED_ATTRS 64 /* getters by name cost O(n) each */
#define MAX_OPS 64
#define MAX_MODEL 32
#define MAX_KEY 16
#define MAX_STRING 256

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
 * Checks shared by both halves
 * ------------------------------------------------------------------------ */

static bool inside(const void *p, size_t n, const void *base, size_t size)
{
    const uint8_t *b = base, *q = p;

    return q >= b && q <= b + size && n <= (size_t)(b + size - q);
}

/* The dump's output is formatted (so %s and %f run over the image) and
 * thrown away. */
static int silent_printf(const char *format, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, format);
    n = vsnprintf(line, sizeof line, format, ap);
    va_end(ap);
    return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    app_shared_set_printf(silent_printf);
    return 0;
}

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Bytes of a fixed-size type (the header's rule), 0 otherwise. */
static uint32_t fixed_size(uint8_t type)
{
    if (type <= ATTR_TYPE_UINT64 || (type >= ATTR_TYPE_FLOAT && type <= ATTR_TYPE_BOOLEAN))
        return 1u << (type & 3);
    return 0;
}

/* What the iterator says about one attribute must hold inside the image. */
static void check_attr_shape(const attr_container_attr_t *a, const uint8_t *img, uint32_t len)
{
    FUZZ_CHECK(inside(a->key, 1, img, len));
    FUZZ_CHECK(memchr(a->key, 0, (size_t)(img + len - (const uint8_t *)a->key)) != NULL);
    FUZZ_CHECK(inside(a->value, a->value_len, img, len));
    FUZZ_CHECK(fixed_size(a->type) || a->type == ATTR_TYPE_STRING ||
               a->type == ATTR_TYPE_BYTEARRAY);
    if (fixed_size(a->type))
        FUZZ_CHECK(a->value_len == fixed_size(a->type));
    if (a->type == ATTR_TYPE_STRING)
        FUZZ_CHECK(a->value_len > 0 && a->value[a->value_len - 1] == 0);
}

/* Every getter by name agrees with the iterator's view of the first
 * attribute carrying that key. */
static void check_getters(const attr_container_t *c, const attr_container_attr_t *a)
{
    unsigned n = 0;
    const int8_t *bytes = attr_container_get_as_bytearray(c, a->key, &n);
    char *str = attr_container_get_as_string(c, a->key);

    FUZZ_CHECK(attr_container_contain_key(c, a->key));
    FUZZ_CHECK(bytes == (const int8_t *)a->value && n == a->value_len);
    FUZZ_CHECK(a->type == ATTR_TYPE_STRING ? str == (const char *)a->value : str == NULL);
    FUZZ_CHECK(attr_container_get_as_int64(c, a->key) == attr_container_attr_as_int64(a));
    FUZZ_CHECK(attr_container_get_as_uint64(c, a->key) == attr_container_attr_as_uint64(a));
    FUZZ_CHECK(same_double(attr_container_get_as_double(c, a->key),
                           attr_container_attr_as_double(a)));
    /* The narrow getters convert; UBSan watches the conversions. */
    (void)attr_container_get_as_short(c, a->key);
    (void)attr_container_get_as_int(c, a->key);
    (void)attr_container_get_as_uint32(c, a->key);
    (void)attr_container_get_as_byte(c, a->key);
    (void)attr_container_get_as_uint8(c, a->key);
    (void)attr_container_get_as_uint16(c, a->key);
    (void)attr_container_get_as_float(c, a->key);
    (void)attr_container_get_as_bool(c, a->key);
}

/* Whether the attribute's key is non-empty with no NUL before its end:
 * only such keys can be named to the getters (the wire allows others). The key's bytes end
 * at the type byte, which precedes any length word and the value. */
static bool key_nameable(const attr_container_attr_t *a)
{
    size_t len_word = a->type == ATTR_TYPE_STRING ? 2 : a->type == ATTR_TYPE_BYTEARRAY ? 4 : 0;
    size_t key_len = (size_t)(a->value - len_word - 1 - (const uint8_t *)a->key);

    return a->key[0] && strlen(a->key) + 1 == key_len;
}

/* ------------------------------------------------------------------------
 * The input as a received image
 * ------------------------------------------------------------------------ */

/* True if an earlier attribute than *a has its key. */
static bool key_seen_before(const attr_container_t *c, const attr_container_attr_t *a)
{
    attr_container_iter_t it;
    attr_container_attr_t b;

    attr_container_iter_init(&it, c);
    while (attr_container_iter_next(&it, &b) && b.key != a->key)
        if (strcmp(b.key, a->key) == 0)
            return true;
    return false;
}

/* The serialized copy is the image, marked read-only, and nothing more. */
static void check_serialize(const attr_container_t *c, const uint8_t *img, uint32_t len)
{
    char *copy = malloc(len);
    attr_container_t *ro;

    FUZZ_CHECK(copy != NULL);
    FUZZ_CHECK(attr_container_serialize(copy, c));
    FUZZ_CHECK(attr_container_validate(copy, len));
    FUZZ_CHECK(!attr_container_validate(copy, len - 1));
    FUZZ_CHECK(attr_container_get_serialize_length((attr_container_t *)copy) == len);
    FUZZ_CHECK(attr_container_is_constant((attr_container_t *)copy));
    FUZZ_CHECK(((uint8_t)copy[0] | 1u << ATTR_CONT_READONLY_SHIFT) ==
               (img[0] | 1u << ATTR_CONT_READONLY_SHIFT));
    FUZZ_CHECK((uint8_t)copy[1] == img[1] && memcmp(copy + 2, img + 2, len - 2) == 0);
    /* Setters refuse a read-only container and leave it where it is. */
    ro = (attr_container_t *)copy;
    FUZZ_CHECK(!attr_container_set_int(&ro, "k", 1) && ro == (attr_container_t *)copy);
    free(copy);
}

/* Returns the image length when data starts with a valid image, else 0.
 * *out_unique says whether its keys are all different. */
static uint32_t check_image(const uint8_t *data, size_t size, bool *out_unique)
{
    const attr_container_t *c = (const attr_container_t *)data;
    attr_container_iter_t it;
    attr_container_attr_t a;
    uint32_t len, count = 0;
    const char *tag;

    *out_unique = true;
    if (!attr_container_validate(data, size > UINT32_MAX ? UINT32_MAX : (uint32_t)size))
        return 0;
    len = attr_container_get_serialize_length(c);
    FUZZ_CHECK(len >= 10 && len <= size);
    tag = attr_container_get_tag(c);
    FUZZ_CHECK(inside(tag, strlen(tag) + 1, data, len));
    FUZZ_CHECK(attr_container_iter_init(&it, c));
    while (attr_container_iter_next(&it, &a)) {
        check_attr_shape(&a, data, len);
        /* Past the first attributes uniqueness is not checked: assumed not. */
        if (count >= MAX_CHECKED_ATTRS)
            *out_unique = false;
        else if (key_seen_before(c, &a))
            *out_unique = false;
        else if (key_nameable(&a))
            check_getters(c, &a);
        count++;
    }
    FUZZ_CHECK(count == attr_container_get_attr_num(c));
    attr_container_dump(c);
    check_serialize(c, data, len);
    return len;
}

/* ------------------------------------------------------------------------
 * The setter script: op:u8 key_len:u8 key[key_len % MAX_KEY] value...
 * ------------------------------------------------------------------------ */

/* What a key must read back as: its type and raw value bytes. */
typedef struct {
    char key[MAX_KEY + 1];
    uint8_t type;
    uint32_t len;
    uint8_t value[MAX_STRING + 1];
} model_entry_t;

typedef struct {
    attr_container_t *c;
    model_entry_t entries[MAX_MODEL];
    int n;
} model_t;

static void model_put(model_t *m, const char *key, uint8_t type, const void *value, uint32_t len)
{
    int i = 0;

    while (i < m->n && strcmp(m->entries[i].key, key) != 0)
        i++;
    if (i == m->n) {
        if (m->n == MAX_MODEL)
            return; /* untracked: still checked right after its set */
        m->n++;
    }
    snprintf(m->entries[i].key, sizeof m->entries[i].key, "%s", key);
    m->entries[i].type = type;
    m->entries[i].len = len;
    memcpy(m->entries[i].value, value, len);
}

/* Every key set so far reads back as set, whatever moved since. */
static void model_check(const model_t *m)
{
    uint32_t len = attr_container_get_serialize_length(m->c);

    FUZZ_CHECK(len > 0 && attr_container_validate(m->c, len));
    for (int i = 0; i < m->n; i++) {
        const model_entry_t *e = &m->entries[i];
        unsigned n = 0;
        const int8_t *v = attr_container_get_as_bytearray(m->c, e->key, &n);

        FUZZ_CHECK(v != NULL && n == e->len && memcmp(v, e->value, n) == 0);
        FUZZ_CHECK(inside(v, n, m->c, len));
    }
}

/* The fixed-size setters, by op number, each with the getter of its own
 * type: what was set must come back unchanged. */
static bool set_fixed(model_t *m, unsigned op, const char *key, uint64_t bits)
{
    attr_container_t **pc = &m->c;
    uint8_t type;
    bool ok;

    switch (op) {
    case 0:
        type = ATTR_TYPE_SHORT;
        ok = attr_container_set_short(pc, key, (short)bits);
        FUZZ_CHECK(!ok || attr_container_get_as_short(*pc, key) == (short)bits);
        break;
    case 1:
        type = ATTR_TYPE_INT;
        ok = attr_container_set_int(pc, key, (int)bits);
        FUZZ_CHECK(!ok || attr_container_get_as_int(*pc, key) == (int)bits);
        break;
    case 2:
        type = ATTR_TYPE_UINT32;
        ok = attr_container_set_uint32(pc, key, (uint32_t)bits);
        FUZZ_CHECK(!ok || attr_container_get_as_uint32(*pc, key) == (uint32_t)bits);
        break;
    case 3:
        type = ATTR_TYPE_INT64;
        ok = attr_container_set_int64(pc, key, (int64_t)bits);
        FUZZ_CHECK(!ok || attr_container_get_as_int64(*pc, key) == (int64_t)bits);
        break;
    case 4:
        type = ATTR_TYPE_UINT64;
        ok = attr_container_set_uint64(pc, key, bits);
        FUZZ_CHECK(!ok || attr_container_get_as_uint64(*pc, key) == bits);
        break;
    case 5:
        type = ATTR_TYPE_BYTE;
        ok = attr_container_set_byte(pc, key, (int8_t)bits);
        FUZZ_CHECK(!ok || attr_container_get_as_byte(*pc, key) == (int8_t)bits);
        break;
    case 6:
        type = ATTR_TYPE_UINT8;
        ok = attr_container_set_uint8(pc, key, (uint8_t)bits);
        FUZZ_CHECK(!ok || attr_container_get_as_uint8(*pc, key) == (uint8_t)bits);
        break;
    case 7:
        type = ATTR_TYPE_UINT16;
        ok = attr_container_set_uint16(pc, key, (uint16_t)bits);
        FUZZ_CHECK(!ok || attr_container_get_as_uint16(*pc, key) == (uint16_t)bits);
        break;
    case 8: {
        float f;
        uint32_t b32 = (uint32_t)bits;
        memcpy(&f, &b32, sizeof f);
        type = ATTR_TYPE_FLOAT;
        ok = attr_container_set_float(pc, key, f);
        FUZZ_CHECK(!ok || same_double(attr_container_get_as_float(*pc, key), f));
        break;
    }
    case 9: {
        double d;
        memcpy(&d, &bits, sizeof d);
        type = ATTR_TYPE_DOUBLE;
        ok = attr_container_set_double(pc, key, d);
        FUZZ_CHECK(!ok || same_double(attr_container_get_as_double(*pc, key), d));
        break;
    }
    default:
        type = ATTR_TYPE_BOOLEAN;
        bits &= 1;
        ok = attr_container_set_bool(pc, key, bits != 0);
        FUZZ_CHECK(!ok || attr_container_get_as_bool(*pc, key) == (bits != 0));
        break;
    }
    if (ok) {
        uint8_t le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(bits >> (8 * i));
        model_put(m, key, type, le, fixed_size(type));
    }
    return ok;
}

static bool set_string(model_t *m, fuzz_reader_t *r, const char *key)
{
    char s[MAX_STRING + 1];
    size_t n;
    const uint8_t *p = fuzz_bytes(r, fuzz_u8(r), &n);
    bool ok;

    memcpy(s, p, n);
    s[n] = 0;
    ok = attr_container_set_string(&m->c, key, s);
    if (ok) {
        FUZZ_CHECK(strcmp(attr_container_get_as_string(m->c, key), s) == 0);
        model_put(m, key, ATTR_TYPE_STRING, s, (uint32_t)strlen(s) + 1);
    }
    return ok;
}

static bool set_bytes(model_t *m, fuzz_reader_t *r, const char *key)
{
    size_t n;
    const uint8_t *p = fuzz_bytes(r, fuzz_u8(r), &n);
    /* An empty array is passed as NULL, which the API allows. */
    bool ok = attr_container_set_bytearray(&m->c, key, n ? (const int8_t *)p : NULL,
                                           (unsigned)n);

    if (ok)
        model_put(m, key, ATTR_TYPE_BYTEARRAY, p, (uint32_t)n);
    return ok;
}

/* One setter: it fails exactly for an empty key (or a new key when the
 * u16 count is full), and the count grows exactly when the key is new. */
static void run_op(model_t *m, fuzz_reader_t *r)
{
    unsigned op = fuzz_u8(r) % 13;
    char key[MAX_KEY + 1];
    size_t klen;
    const uint8_t *kp = fuzz_bytes(r, fuzz_u8(r) % (MAX_KEY + 1), &klen);
    bool existed, ok;
    uint16_t before;

    memcpy(key, kp, klen);
    key[klen] = 0;
    existed = attr_container_contain_key(m->c, key);
    before = attr_container_get_attr_num(m->c);
    if (op == 11)
        ok = set_string(m, r, key);
    else if (op == 12)
        ok = set_bytes(m, r, key);
    else
        ok = set_fixed(m, op, key, fuzz_uint(r, 8));
    FUZZ_CHECK(ok == (key[0] != 0 && (existed || before < UINT16_MAX)));
    FUZZ_CHECK(attr_container_get_attr_num(m->c) == before + (ok && !existed));
    model_check(m);
}

/* The script runs on a writable copy of the received image (when its keys
 * are unique: with duplicates a replaced key may read back its stale twin,
 * as in the reference) or on a fresh container. */
static void run_script(const uint8_t *image, uint32_t image_len, fuzz_reader_t *r)
{
    model_t m;
    char tag[MAX_KEY + 1];

    m.n = 0;
    if (image_len) {
        m.c = malloc(image_len); /* the app_shared allocator is libc's here */
        FUZZ_CHECK(m.c != NULL);
        memcpy(m.c, image, image_len);
        m.c->flags[0] &= (char)~(1 << ATTR_CONT_READONLY_SHIFT);
    } else {
        size_t n;
        const uint8_t *p = fuzz_bytes(r, fuzz_u8(r) % (MAX_KEY + 1), &n);
        memcpy(tag, p, n);
        tag[n] = 0;
        m.c = attr_container_create(tag);
        FUZZ_CHECK(m.c != NULL && strcmp(attr_container_get_tag(m.c), tag) == 0);
    }
    for (int i = 0; i < MAX_OPS && fuzz_left(r) > 0; i++)
        run_op(&m, r);
    check_serialize(m.c, (const uint8_t *)m.c, attr_container_get_serialize_length(m.c));
    attr_container_destroy(m.c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader_t r;
    bool unique;
    uint32_t len = check_image(data, size, &unique);

    fuzz_reader_init(&r, data + len, size - len);
    run_script(unique ? data : NULL, unique ? len : 0, &r);
    return 0;
}
