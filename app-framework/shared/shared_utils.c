/* Request/response packets (contract section 2) and the URL helpers of
 * section 4.3. Packet headers are big-endian whatever the machine. Unpacking
 * never copies: it checks every length against the packet size, then points
 * the struct into the packet, which the caller keeps alive. */
#include <limits.h>

#include "app_shared_internal.h"
#include "shared_utils.h"

enum {
    PACKET_VERSION = 1,
    REQUEST_FIXED = 18,  /* request header bytes; the url follows */
    RESPONSE_FIXED = 16, /* response header bytes; the payload follows */
    MAX_URL_LEN = 0xFFFF /* url_len is a u16 and counts the NUL */
};

/* ========================================================================
 * Packing
 * ======================================================================== */

/* Whether (payload, payload_len) describes bytes we can copy. */
static bool payload_ok(const void *payload, int payload_len)
{
    return payload_len == 0 || (payload_len > 0 && payload);
}

/* Allocates a packet of fixed + extra bytes, or NULL if that is not an int. */
static uint8_t *packet_alloc(uint32_t fixed, uint64_t extra, int *out_size)
{
    uint8_t *packet;

    if (extra > (uint64_t)INT_MAX - fixed)
        return NULL;
    packet = (uint8_t *)afs_malloc((uint32_t)(fixed + extra));
    if (packet)
        *out_size = (int)(fixed + extra);
    return packet;
}

char *pack_request(const request_t *request, int *size)
{
    size_t url_len;
    uint8_t *p;
    int n;

    if (!request || !size || !request->url
        || !payload_ok(request->payload, request->payload_len))
        return NULL;
    url_len = afs_strlen(request->url) + 1;
    if (url_len > MAX_URL_LEN)
        return NULL;
    p = packet_alloc(REQUEST_FIXED, url_len + (uint64_t)request->payload_len,
                     &n);
    if (!p)
        return NULL;
    p[0] = PACKET_VERSION;
    p[1] = (uint8_t)request->action;
    afs_put_u16be(p + 2, (uint16_t)request->fmt);
    afs_put_u32be(p + 4, request->mid);
    afs_put_u32be(p + 8, (uint32_t)request->sender);
    afs_put_u16be(p + 12, (uint16_t)url_len);
    afs_put_u32be(p + 14, (uint32_t)request->payload_len);
    afs_copy(p + REQUEST_FIXED, request->url, (uint32_t)url_len);
    afs_copy(p + REQUEST_FIXED + url_len, request->payload,
             (uint32_t)request->payload_len);
    *size = n;
    return (char *)p;
}

char *pack_response(const response_t *response, int *size)
{
    uint8_t *p;
    int n;

    if (!response || !size
        || !payload_ok(response->payload, response->payload_len))
        return NULL;
    p = packet_alloc(RESPONSE_FIXED, (uint64_t)response->payload_len, &n);
    if (!p)
        return NULL;
    p[0] = PACKET_VERSION;
    p[1] = (uint8_t)response->status;
    afs_put_u16be(p + 2, (uint16_t)response->fmt);
    afs_put_u32be(p + 4, response->mid);
    afs_put_u32be(p + 8, (uint32_t)response->reciever);
    afs_put_u32be(p + 12, (uint32_t)response->payload_len);
    afs_copy(p + RESPONSE_FIXED, response->payload,
             (uint32_t)response->payload_len);
    *size = n;
    return (char *)p;
}

void free_req_resp_packet(char *packet)
{
    afs_free(packet);
}

/* ========================================================================
 * Unpacking
 * ======================================================================== */

request_t *unpack_request(char *packet, int size, request_t *request)
{
    const uint8_t *p = (const uint8_t *)packet;
    uint32_t url_len, payload_len;

    if (!packet || !request || size < REQUEST_FIXED || p[0] != PACKET_VERSION)
        return NULL;
    url_len = afs_get_u16be(p + 12);
    payload_len = afs_get_u32be(p + 14);
    /* size <= INT_MAX, so equality also bounds payload_len to an int. */
    if ((uint64_t)REQUEST_FIXED + url_len + payload_len != (uint64_t)size
        || url_len == 0 || p[REQUEST_FIXED + url_len - 1] != 0)
        return NULL;
    request->action = p[1];
    request->fmt = afs_get_u16be(p + 2);
    request->mid = afs_get_u32be(p + 4);
    request->sender = afs_get_u32be(p + 8);
    request->url = packet + REQUEST_FIXED;
    request->payload_len = (int)payload_len;
    request->payload = payload_len ? packet + REQUEST_FIXED + url_len : NULL;
    return request;
}

response_t *unpack_response(char *packet, int size, response_t *response)
{
    const uint8_t *p = (const uint8_t *)packet;
    uint32_t payload_len;

    if (!packet || !response || size < RESPONSE_FIXED
        || p[0] != PACKET_VERSION)
        return NULL;
    payload_len = afs_get_u32be(p + 12);
    if ((uint64_t)RESPONSE_FIXED + payload_len != (uint64_t)size)
        return NULL;
    response->status = p[1];
    response->fmt = afs_get_u16be(p + 2);
    response->mid = afs_get_u32be(p + 4);
    response->reciever = afs_get_u32be(p + 8);
    response->payload_len = (int)payload_len;
    response->payload = payload_len ? packet + RESPONSE_FIXED : NULL;
    return response;
}

/* ========================================================================
 * Building
 * ======================================================================== */

request_t *init_request(request_t *request, char *url, int action, int fmt,
                        void *payload, int payload_len)
{
    /* Per program image: each wasm app numbers its own requests. */
    static uint32_t last_mid;

    request->url = url;
    request->action = action;
    request->fmt = fmt;
    request->payload = payload;
    request->payload_len = payload_len;
    request->mid = ++last_mid;
    return request;
}

response_t *make_response_for_request(const request_t *request,
                                      response_t *response)
{
    response->mid = request->mid;
    response->reciever = request->sender;
    return response;
}

response_t *set_response(response_t *response, int status, int fmt,
                         const char *payload, int payload_len)
{
    response->payload = (void *)payload; /* borrowed, as in the reference */
    response->payload_len = payload_len;
    response->status = status;
    response->fmt = fmt;
    return response;
}

/* ========================================================================
 * Deep copies
 * ======================================================================== */

char *wa_strdup(const char *str)
{
    size_t n;
    char *copy;

    if (!str)
        return NULL;
    n = afs_strlen(str) + 1;
    if (n > UINT32_MAX)
        return NULL;
    copy = (char *)afs_malloc((uint32_t)n);
    if (copy)
        afs_copy(copy, str, (uint32_t)n);
    return copy;
}

/* A copy of payload_len bytes, or the pointer itself when payload_len is 0
 * (apps pass handles that way). False if a copy was needed and failed. */
static bool payload_clone(void *payload, int payload_len, void **out)
{
    *out = payload;
    if (payload_len <= 0)
        return true;
    if (!payload)
        return false;
    *out = afs_malloc((uint32_t)payload_len);
    if (!*out)
        return false;
    afs_copy(*out, payload, (uint32_t)payload_len);
    return true;
}

request_t *clone_request(const request_t *request)
{
    request_t *copy;

    if (!request || !request->url)
        return NULL;
    copy = (request_t *)afs_malloc(sizeof(request_t));
    if (!copy)
        return NULL;
    *copy = *request;
    copy->url = wa_strdup(request->url);
    if (!copy->url)
        goto fail;
    if (!payload_clone(request->payload, request->payload_len, &copy->payload))
        goto fail;
    return copy;

fail:
    afs_free(copy->url);
    afs_free(copy);
    return NULL;
}

void request_cleaner(request_t *request)
{
    if (!request)
        return;
    afs_free(request->url);
    if (request->payload_len > 0)
        afs_free(request->payload);
    afs_free(request);
}

response_t *clone_response(const response_t *response)
{
    response_t *copy;

    if (!response)
        return NULL;
    copy = (response_t *)afs_malloc(sizeof(response_t));
    if (!copy)
        return NULL;
    *copy = *response;
    if (!payload_clone(response->payload, response->payload_len,
                       &copy->payload)) {
        afs_free(copy);
        return NULL;
    }
    return copy;
}

void response_cleaner(response_t *response)
{
    if (!response)
        return;
    if (response->payload_len > 0)
        afs_free(response->payload);
    afs_free(response);
}

/* ========================================================================
 * URL helpers
 * ======================================================================== */

int check_url_start(const char *url, int url_len, const char *leading_str)
{
    int offset = 0;
    size_t len;

    if (!url || !leading_str)
        return 0;
    if (*leading_str == '/')
        leading_str++;
    if (url_len > 0 && *url == '/') {
        url++;
        url_len--;
        offset = 1;
    }
    len = afs_strlen(leading_str);
    if (len > 0 && leading_str[len - 1] == '/')
        len--;
    if (len == 0 || url_len < 0 || (size_t)url_len < len
        || !afs_equal(url, leading_str, len))
        return 0;
    if ((size_t)url_len == len)
        return offset + (int)len;
    if (url[len] == '/' || url[len] == '?')
        return offset + (int)len + 1;
    return 0;
}

/* Bytes of buffer before its NUL or buffer_len, whichever comes first. */
static size_t bounded_len(const char *buffer, int buffer_len)
{
    size_t n = 0;

    while (n < (size_t)buffer_len && buffer[n])
        n++;
    return n;
}

/* Copies the value starting at src (up to the delimiter or end), cut to fit
 * value_len - 1 bytes, and terminates it. */
static char *copy_value(const char *src, size_t avail, char delimiter,
                        char *value, int value_len)
{
    size_t n = 0;

    while (n < avail && src[n] != delimiter && n < (size_t)value_len - 1) {
        value[n] = src[n];
        n++;
    }
    value[n] = 0;
    return value;
}

char *find_key_value(const char *buffer, int buffer_len, const char *key,
                     char *value, int value_len, char delimiter)
{
    size_t end, key_len, pos = 0;

    if (!buffer || !key || !value || buffer_len <= 0 || value_len < 1)
        return NULL;
    end = bounded_len(buffer, buffer_len);
    key_len = afs_strlen(key);
    if (key_len == 0)
        return NULL;
    while (pos < end) {
        while (pos < end && (buffer[pos] == ' ' || buffer[pos] == delimiter))
            pos++;
        if (end - pos > key_len && afs_equal(buffer + pos, key, key_len)
            && buffer[pos + key_len] == '=')
            return copy_value(buffer + pos + key_len + 1,
                              end - pos - key_len - 1, delimiter, value,
                              value_len);
        while (pos < end && buffer[pos] != delimiter)
            pos++;
    }
    return NULL;
}
