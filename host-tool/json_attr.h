/* host_tool's two conversions between JSON and attr_container (format 99):
 * a -p payload file (JSON) into the container sent to the device, and a
 * container received from the device into the JSON that is printed.
 * Own library (host_tool_json) so unit tests and a fuzzer link it alone. */
#ifndef JSON_ATTR_H
#define JSON_ATTR_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "attr_container.h"

#ifdef __cplusplus
extern "C" {
#endif

/* JSON text (len bytes, no NUL needed) -> attr_container with tag "" (the
 * app_shared allocator; free with attr_container_destroy). The text must be
 * one JSON object; per member: number -> double, true/false -> bool,
 * string -> string, array of integers in -128..255 -> bytearray (values
 * above 127 are stored as their byte, i.e. wrap to negative int8). Anything
 * else (nested object, null, mixed or out-of-range array, non-finite number,
 * empty key) is refused. NULL with a precise message in err (naming the key
 * or the parse position); err may be NULL. */
attr_container_t *json_to_attr(const char *text, size_t len, char *err, size_t err_size);

/* An attr_container received from the wire (untrusted: len bytes, validated
 * with attr_container_validate before any read) -> cJSON object, one member
 * per attribute in wire order, as the reference host_tool prints it: every
 * integer kind, float and double -> number, bool -> true/false, string ->
 * string, bytearray -> array of numbers (bytes read as signed, -128..127);
 * the tag is not included. Free with cJSON_Delete. NULL + err if malformed
 * or out of memory. */
cJSON *attr_to_json(const void *payload, uint32_t len, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* JSON_ATTR_H */
