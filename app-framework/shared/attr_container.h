/* attr_container: the key/value payload of format 99, used alike by wasm
 * apps, the device and host_tool. Names and signatures are WAMR's, so app
 * source written for WAMR compiles unchanged; the wire image is contract
 * section 3, byte for byte. Memory comes from the app_shared.h allocator. */
#ifndef ATTR_CONTAINER_H
#define ATTR_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Attribute type codes (wire values). Fixed-size types 0..7 and 10..12 take
 * 1 << (type & 3) bytes; 8 and 9 are unassigned and rejected. */
enum {
    ATTR_TYPE_BEGIN = 0,
    ATTR_TYPE_BYTE = ATTR_TYPE_BEGIN,
    ATTR_TYPE_INT8 = ATTR_TYPE_BYTE,
    ATTR_TYPE_SHORT,
    ATTR_TYPE_INT16 = ATTR_TYPE_SHORT,
    ATTR_TYPE_INT,
    ATTR_TYPE_INT32 = ATTR_TYPE_INT,
    ATTR_TYPE_INT64,
    ATTR_TYPE_UINT8,
    ATTR_TYPE_UINT16,
    ATTR_TYPE_UINT32,
    ATTR_TYPE_UINT64,
    ATTR_TYPE_FLOAT = 10, /* 10 & 3 == 2: four bytes */
    ATTR_TYPE_DOUBLE,
    ATTR_TYPE_BOOLEAN,    /* one byte; any nonzero value reads as true */
    ATTR_TYPE_STRING,     /* u16 length including the NUL, then the bytes */
    ATTR_TYPE_BYTEARRAY,  /* u32 length, then the bytes */
    ATTR_TYPE_END = ATTR_TYPE_BYTEARRAY
};

/* Bit of the flags word marking a read-only copy (attr_container_serialize
 * sets it; setters refuse such a container). */
#define ATTR_CONT_READONLY_SHIFT 2

/* A container IS its serialized image (all integers little-endian):
 *   flags:u16  total_length:u32 (bytes after flags, slack included)
 *   tag_len:u16 (strlen + 1)  tag (with NUL)  attr_num:u16
 *   attr*: key_len:u16 key (with NUL) type:u8 value
 *   slack up to 2 + total_length
 * so a received buffer can be used in place once attr_container_validate()
 * accepted it. Getters trust only total_length: the caller guarantees that
 * the buffer holds 2 + total_length bytes, which validation establishes. */
typedef struct attr_container {
    char flags[2];
    char buf[1];
} attr_container_t;

/* ---- checking a buffer from outside ------------------------------------- */

/* True if buf[0..len) starts with a well-formed container: every length,
 * count and type byte checked, every key, the tag and every string
 * NUL-terminated, 2 + total_length <= len. Any bytes may follow. */
bool attr_container_validate(const void *buf, uint32_t len);

/* ---- life cycle --------------------------------------------------------- */

/* A new empty container with 100 bytes reserved after the tag (the attr_num
 * word included, as in the reference). tag NULL counts as "". NULL if out of
 * memory or the tag is longer than 65534 bytes. */
attr_container_t *attr_container_create(const char *tag);

/* Frees a container created here (never a borrowed buffer). NULL is fine. */
void attr_container_destroy(const attr_container_t *attr_cont);

/* ---- setters: add the key or replace its value. They may move the container
 * to a bigger allocation and update *p_attr_cont; on failure *p_attr_cont is
 * unchanged. False for NULL/empty keys, read-only or malformed containers,
 * sizes that do not fit the format, or no memory. ------------------------- */

bool attr_container_set_short(attr_container_t **p_attr_cont, const char *key,
                              short value);
bool attr_container_set_int16(attr_container_t **p_attr_cont, const char *key,
                              int16_t value);
bool attr_container_set_int(attr_container_t **p_attr_cont, const char *key,
                            int value);
bool attr_container_set_int32(attr_container_t **p_attr_cont, const char *key,
                              int32_t value);
bool attr_container_set_uint32(attr_container_t **p_attr_cont, const char *key,
                               uint32_t value);
bool attr_container_set_int64(attr_container_t **p_attr_cont, const char *key,
                              int64_t value);
bool attr_container_set_uint64(attr_container_t **p_attr_cont, const char *key,
                               uint64_t value);
bool attr_container_set_byte(attr_container_t **p_attr_cont, const char *key,
                             int8_t value);
bool attr_container_set_int8(attr_container_t **p_attr_cont, const char *key,
                             int8_t value);
bool attr_container_set_uint8(attr_container_t **p_attr_cont, const char *key,
                              uint8_t value);
bool attr_container_set_uint16(attr_container_t **p_attr_cont, const char *key,
                               uint16_t value);
bool attr_container_set_float(attr_container_t **p_attr_cont, const char *key,
                              float value);
bool attr_container_set_double(attr_container_t **p_attr_cont, const char *key,
                               double value);
bool attr_container_set_bool(attr_container_t **p_attr_cont, const char *key,
                             bool value);
/* Stores strlen(value) + 1 bytes; the string may be at most 65534 bytes. */
bool attr_container_set_string(attr_container_t **p_attr_cont, const char *key,
                               const char *value);
bool attr_container_set_bytearray(attr_container_t **p_attr_cont,
                                  const char *key, const int8_t *value,
                                  unsigned length);

/* ---- getters: a missing key, a NULL or malformed container gives 0 / false /
 * NULL. Numeric getters convert from any numeric type (integers wrap as C
 * casts do, floating values saturate and NaN gives 0); strings and byte
 * arrays are not numbers and read as 0. ----------------------------------- */

short attr_container_get_as_short(const attr_container_t *attr_cont,
                                  const char *key);
int16_t attr_container_get_as_int16(const attr_container_t *attr_cont,
                                    const char *key);
int attr_container_get_as_int(const attr_container_t *attr_cont,
                              const char *key);
int32_t attr_container_get_as_int32(const attr_container_t *attr_cont,
                                    const char *key);
uint32_t attr_container_get_as_uint32(const attr_container_t *attr_cont,
                                      const char *key);
int64_t attr_container_get_as_int64(const attr_container_t *attr_cont,
                                    const char *key);
uint64_t attr_container_get_as_uint64(const attr_container_t *attr_cont,
                                      const char *key);
int8_t attr_container_get_as_byte(const attr_container_t *attr_cont,
                                  const char *key);
int8_t attr_container_get_as_int8(const attr_container_t *attr_cont,
                                  const char *key);
uint8_t attr_container_get_as_uint8(const attr_container_t *attr_cont,
                                    const char *key);
uint16_t attr_container_get_as_uint16(const attr_container_t *attr_cont,
                                      const char *key);
float attr_container_get_as_float(const attr_container_t *attr_cont,
                                  const char *key);
double attr_container_get_as_double(const attr_container_t *attr_cont,
                                    const char *key);
bool attr_container_get_as_bool(const attr_container_t *attr_cont,
                                 const char *key);

/* The string inside the container (valid while it is), or NULL if the key
 * is missing or not a STRING. */
char *attr_container_get_as_string(const attr_container_t *attr_cont,
                                   const char *key);

/* The value bytes inside the container and their count in *array_length:
 * a BYTEARRAY's bytes, a STRING's bytes with its NUL, or the raw
 * little-endian bytes of a fixed-size value. NULL if missing. */
const int8_t *attr_container_get_as_bytearray(const attr_container_t *attr_cont,
                                              const char *key,
                                              unsigned *array_length);

/* ---- the container as a whole ------------------------------------------- */

/* The tag (inside the container), or NULL if malformed. */
const char *attr_container_get_tag(const attr_container_t *attr_cont);

/* The attribute count, or 0 if malformed. */
uint16_t attr_container_get_attr_num(const attr_container_t *attr_cont);

bool attr_container_contain_key(const attr_container_t *attr_cont,
                                const char *key);

/* 2 + total_length (slack included, as the reference sends it), or 0 if
 * malformed. */
unsigned attr_container_get_serialize_length(const attr_container_t *attr_cont);

/* Copies the image into buf (attr_container_get_serialize_length bytes) and
 * marks the copy read-only. */
bool attr_container_serialize(char *buf, const attr_container_t *attr_cont);

/* True if the read-only flag is set. */
bool attr_container_is_constant(const attr_container_t *attr_cont);

/* Prints "Attribute container dump:", "Tag: <tag>", "Attribute list:" and one
 * "  key: <k>, type: <word>, value: <v>" line per attribute (a byte array
 * prints its length instead), through the app_shared printf hook. */
void attr_container_dump(const attr_container_t *attr_cont);

/* ---- walking every attribute (host_tool's JSON conversion, the dump) ---- */

/* One attribute, pointing into the container. */
typedef struct attr_container_attr {
    const char *key;      /* NUL-terminated */
    uint8_t type;         /* ATTR_TYPE_* */
    const uint8_t *value; /* raw value bytes (little-endian for numbers);
                             for STRING the bytes with their NUL */
    uint32_t value_len;
} attr_container_attr_t;

typedef struct attr_container_iter {
    const uint8_t *image;
    uint32_t pos;   /* offset of the next attribute */
    uint32_t size;  /* 2 + total_length */
    uint16_t left;  /* attributes not yet returned */
} attr_container_iter_t;

/* Checks the whole container, then positions before its first attribute.
 * False if malformed (out_it then yields nothing). */
bool attr_container_iter_init(attr_container_iter_t *out_it,
                              const attr_container_t *attr_cont);

/* The next attribute, or false when there is none left. */
bool attr_container_iter_next(attr_container_iter_t *it,
                              attr_container_attr_t *out_attr);

/* A numeric (or boolean) attribute's value converted as the getters do;
 * 0 for STRING and BYTEARRAY. */
int64_t attr_container_attr_as_int64(const attr_container_attr_t *attr);
uint64_t attr_container_attr_as_uint64(const attr_container_attr_t *attr);
double attr_container_attr_as_double(const attr_container_attr_t *attr);

#ifdef __cplusplus
}
#endif

#endif /* ATTR_CONTAINER_H */
