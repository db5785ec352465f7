/* The host link framing (contract section 1): a byte-at-a-time receive
 * state machine with per-connection state, and the encoder for outgoing
 * messages. Every message is 0x12 0x34, type (u16 BE), payload length
 * (u32 BE), payload. The parser never allocates a declared length up front:
 * its buffer grows with the bytes that actually arrive, up to max_size. */
#ifndef LINK_PARSER_H
#define LINK_PARSER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Message types (contract section 1). */
#define LP_TYPE_COAP_TCP 0 /* defined, unused: logged and dropped */
#define LP_TYPE_COAP_UDP 1 /* defined, unused */
#define LP_TYPE_REQUEST 2  /* packed request (host->device), or an event (device->host) */
#define LP_TYPE_RESPONSE 3 /* packed response (device->host) */
#define LP_TYPE_INSTALL 4  /* one packed request whose payload is the .wasm file */
#define LP_TYPE_CBOR 30    /* defined, unused */

#define LP_MAGIC_0 0x12
#define LP_MAGIC_1 0x34
#define LP_HEADER_SIZE 8 /* magic:u16 type:u16 size:u32 */

#define LP_DEFAULT_MAX_SIZE (4u << 20)   /* largest payload buffered (installs) */
#define LP_DEFAULT_SKIP_LIMIT (64u << 20) /* larger declared sizes are garbage */
#define LP_HEAD_SIZE 18                   /* payload bytes kept of a skipped message */

typedef struct lp_parser lp_parser_t;

/* What went wrong, reported through lp_error_fn; every case is recovered
 * from without help. */
typedef enum lp_error {
    LP_ERR_GARBAGE = 1,  /* bytes before a magic were skipped (one report per run) */
    LP_ERR_BAD_TYPE,     /* an undefined type: the header is treated as garbage, resync */
    LP_ERR_BAD_SIZE,     /* size above skip_limit: treated as garbage, resync */
    LP_ERR_TOO_LARGE,    /* size in (max_size, skip_limit]: the payload is skipped unbuffered */
    LP_ERR_UNUSED_TYPE,  /* type 0, 1 or 30: the payload is skipped unbuffered */
    LP_ERR_EMPTY,        /* zero-length payload: complete at the header, ignored */
    LP_ERR_NO_MEMORY     /* the buffer could not grow: the rest is skipped */
} lp_error_t;

/* A complete message. payload (size bytes, never 0) belongs to the parser
 * and is valid during the call only; the callee may modify it. */
typedef void (*lp_message_fn)(void *user, uint16_t type, uint8_t *payload, uint32_t size);

/* An error. type and size are the header's (0 for LP_ERR_GARBAGE, where
 * size is the number of bytes skipped). For LP_ERR_TOO_LARGE and
 * LP_ERR_UNUSED_TYPE, head holds the first head_len payload bytes (up to
 * LP_HEAD_SIZE: enough for a request's fixed part, so a reply can carry
 * its mid); otherwise head is NULL. Called from inside lp_feed. */
typedef void (*lp_error_fn)(void *user, lp_error_t err, uint16_t type, uint32_t size,
                            const uint8_t *head, uint32_t head_len);

typedef struct lp_config {
    uint32_t max_size;   /* largest payload delivered; 0 = LP_DEFAULT_MAX_SIZE */
    uint32_t skip_limit; /* largest payload skipped; 0 = max(default, max_size) */
    lp_message_fn on_message;
    lp_error_fn on_error; /* may be NULL */
    void *user;
} lp_config_t;

/* Counters since lp_new (lp_reset keeps them). */
typedef struct lp_stats {
    uint64_t messages;      /* delivered */
    uint64_t garbage_bytes; /* skipped while hunting for a magic */
    uint64_t errors;        /* lp_error_fn reports, LP_ERR_GARBAGE runs included */
} lp_stats_t;

/* NULL if config is invalid (no on_message) or out of memory. */
lp_parser_t *lp_new(const lp_config_t *config);
void lp_free(lp_parser_t *parser);

/* Forgets any partial message (a disconnect): the next byte starts a hunt. */
void lp_reset(lp_parser_t *parser);

/* Feeds size bytes of any split. Every complete message in them is
 * delivered in order, before lp_feed returns. The callbacks must not call
 * lp_feed, lp_reset or lp_free on the same parser. */
void lp_feed(lp_parser_t *parser, const uint8_t *data, size_t size);

/* True when no message is partly received (hunting for a magic). */
int lp_idle(const lp_parser_t *parser);

void lp_get_stats(const lp_parser_t *parser, lp_stats_t *out_stats);

/* ---- encoder ------------------------------------------------------------- */

/* Writes the 8-byte header for a payload of size bytes. */
void lp_encode_header(uint16_t type, uint32_t size, uint8_t out_header[LP_HEADER_SIZE]);

/* Header + payload in one malloc'ed buffer (free()); *out_size is its
 * length. NULL if out of memory or size does not fit. */
uint8_t *lp_encode(uint16_t type, const void *payload, uint32_t size, size_t *out_size);

#ifdef __cplusplus
}
#endif

#endif /* LINK_PARSER_H */
