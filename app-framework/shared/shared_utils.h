/* Requests and responses as apps, the device and host_tool see them: the C
 * structs, their packed wire form (contract section 2, headers big-endian),
 * the URL helpers of section 4.3, and the method/status/format codes.
 * Names and signatures are WAMR's (its bi-inc/shared_utils.h, plus the codes
 * of its app-side request.h), so WAMR app source compiles unchanged. Memory
 * comes from the app_shared.h allocator. */
#ifndef SHARED_UTILS_H
#define SHARED_UTILS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Payload formats. */
#define FMT_ATTR_CONTAINER 99
#define FMT_APP_RAW_BINARY 98

/* Request actions (wire values). */
typedef enum {
    COAP_GET = 1,
    COAP_POST,
    COAP_PUT,
    COAP_DELETE,
    COAP_EVENT = (COAP_DELETE + 2)
} coap_method_t;

/* Response statuses: CoAP class * 32 + detail (wire values). */
typedef enum {
    NO_ERROR = 0,

    CREATED_2_01 = 65,
    DELETED_2_02 = 66,
    VALID_2_03 = 67,
    CHANGED_2_04 = 68,
    CONTENT_2_05 = 69,
    CONTINUE_2_31 = 95,

    BAD_REQUEST_4_00 = 128,
    UNAUTHORIZED_4_01 = 129,
    BAD_OPTION_4_02 = 130,
    FORBIDDEN_4_03 = 131,
    NOT_FOUND_4_04 = 132,
    METHOD_NOT_ALLOWED_4_05 = 133,
    NOT_ACCEPTABLE_4_06 = 134,
    PRECONDITION_FAILED_4_12 = 140,
    REQUEST_ENTITY_TOO_LARGE_4_13 = 141,
    UNSUPPORTED_MEDIA_TYPE_4_15 = 143,

    INTERNAL_SERVER_ERROR_5_00 = 160,
    NOT_IMPLEMENTED_5_01 = 161,
    BAD_GATEWAY_5_02 = 162,
    SERVICE_UNAVAILABLE_5_03 = 163,
    GATEWAY_TIMEOUT_5_04 = 164,
    PROXYING_NOT_SUPPORTED_5_05 = 165,

    /* Not on the wire: kept because WAMR's header has them. */
    MEMORY_ALLOCATION_ERROR = 192,
    PACKET_SERIALIZATION_ERROR,
    MANUAL_RESPONSE,
    PING_RESPONSE
} coap_status_t;

/* Field order and names are what app source uses. */
typedef struct request {
    uint32_t mid;         /* message id */
    char *url;
    int action;           /* coap_method_t */
    int fmt;              /* payload format */
    void *payload;
    int payload_len;
    unsigned long sender; /* a u32 on the wire */
} request_t;

typedef struct response {
    uint32_t mid;           /* the request's mid */
    int status;             /* coap_status_t */
    int fmt;
    void *payload;
    int payload_len;
    unsigned long reciever; /* sic: apps use this spelling */
} response_t;

/* ---- packing: the result is allocated; free it with free_req_resp_packet.
 * NULL (and *size untouched) for a NULL url, a url longer than 65534 bytes,
 * a negative payload_len, a NULL payload with a positive length, or no
 * memory. action/status are stored as u8, fmt as u16, mid and
 * sender/reciever as u32: higher bits are dropped. ------------------------ */

/* version:u8=1 action:u8 fmt:u16 mid:u32 sender:u32 url_len:u16 payload_len:u32
 * url[url_len] (with NUL) payload[payload_len] */
char *pack_request(const request_t *request, int *size);

/* version:u8=1 status:u8 fmt:u16 mid:u32 reciever:u32 payload_len:u32
 * payload[payload_len] */
char *pack_response(const response_t *response, int *size);

void free_req_resp_packet(char *packet);

/* ---- unpacking: fills *request or *response with pointers INTO packet (url,
 * payload; payload NULL when empty) and returns it, or NULL when the packet
 * is malformed: size < fixed part, version != 1, size != fixed part + url_len
 * + payload_len, url_len 0, or url not ending in its NUL. ----------------- */

request_t *unpack_request(char *packet, int size, request_t *request);
response_t *unpack_response(char *packet, int size, response_t *response);

/* ---- building (no allocation) ------------------------------------------- */

/* Sets the fields and a fresh mid (a per-image counter). */
request_t *init_request(request_t *request, char *url, int action, int fmt,
                        void *payload, int payload_len);

/* Addresses response to the request's sender, with the request's mid. */
response_t *make_response_for_request(const request_t *request,
                                      response_t *response);

response_t *set_response(response_t *response, int status, int fmt,
                         const char *payload, int payload_len);

/* ---- deep copies (device side: queues outlive the packet) ------------------
 * The clone owns its url and payload; a payload with payload_len 0 is a
 * handle and is copied as a pointer. Free with request_cleaner /
 * response_cleaner, which also free the struct itself. */

request_t *clone_request(const request_t *request);
void request_cleaner(request_t *request);
response_t *clone_response(const response_t *response);
void response_cleaner(response_t *response);
char *wa_strdup(const char *str);

/* ---- URL helpers (contract 4.3) ----------------------------------------- */

/* Whether url (url_len bytes, no NUL needed) lies under leading_str: one
 * leading '/' is ignored on both, one trailing '/' on leading_str; an empty
 * leading_str matches nothing; equal lengths compare exactly, otherwise url
 * must start with leading_str followed by '/' or '?'. "/url1" matches "url1",
 * "/url1/x", "/url1?a=b", not "/url10". Returns 0 for no match, else the
 * offset in url just past the match and its '/' or '?' separator. */
int check_url_start(const char *url, int url_len, const char *leading_str);

/* Looks key up in "k1=v1<d>k2=v2..." (d = delimiter; spaces before a key are
 * skipped; buffer ends at buffer_len or its NUL). Copies the value, cut to
 * value_len - 1 bytes, NUL-terminated, into value and returns value; NULL
 * if the key is absent, empty, or value_len < 1. */
char *find_key_value(const char *buffer, int buffer_len, const char *key,
                     char *value, int value_len, char delimiter);

#ifdef __cplusplus
}
#endif

#endif /* SHARED_UTILS_H */
