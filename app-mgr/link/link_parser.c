/* The host link receive state machine and encoder (contract section 1).
 * States: HUNT (skip bytes until 0x12 0x34), HEADER (type:u16 size:u32, big-
 * endian), PAYLOAD (buffered, growing with the bytes that arrive) and SKIP
 * (a message counted off without buffering). A header that cannot be real
 * (undefined type, absurd size) is garbage: the hunt restarts just after
 * its magic, so a magic hidden in its type/size bytes is still found. */
#include "link_parser.h"

#include <stdlib.h>
#include <string.h>

#define LP_KEEP_BUFFER (64u << 10) /* larger buffers are freed after delivery */
#define LP_MIN_BUFFER 256u

typedef enum { ST_HUNT0, ST_HUNT1, ST_HEADER, ST_PAYLOAD, ST_SKIP } lp_state_t;

struct lp_parser {
    lp_config_t cfg;
    lp_state_t state;
    uint8_t header[LP_HEADER_SIZE]; /* magic included */
    uint32_t header_len;
    uint16_t type;
    uint32_t size;      /* declared payload length */
    uint32_t received;  /* payload bytes consumed so far */
    uint8_t *buf;       /* PAYLOAD: received bytes; owned */
    uint32_t buf_cap;
    lp_error_t skip_err; /* SKIP: what to report once the head is in */
    int skip_reported;
    uint8_t head[LP_HEAD_SIZE];
    uint32_t garbage_run; /* bytes skipped in the current hunt */
    lp_stats_t stats;
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static void report(lp_parser_t *p, lp_error_t err, const uint8_t *head, uint32_t head_len)
{
    uint16_t type = err == LP_ERR_GARBAGE ? 0 : p->type;
    uint32_t size = err == LP_ERR_GARBAGE ? p->garbage_run : p->size;

    p->stats.errors++;
    if (p->cfg.on_error)
        p->cfg.on_error(p->cfg.user, err, type, size, head, head_len);
}

static void add_garbage(lp_parser_t *p, uint32_t n)
{
    p->garbage_run += n;
    p->stats.garbage_bytes += n;
}

static int type_defined(uint16_t type)
{
    return type <= LP_TYPE_INSTALL || type == LP_TYPE_CBOR;
}

static int type_used(uint16_t type)
{
    return type == LP_TYPE_REQUEST || type == LP_TYPE_RESPONSE || type == LP_TYPE_INSTALL;
}

static void hunt(lp_parser_t *p)
{
    p->state = ST_HUNT0;
    p->header_len = 0;
    p->received = 0;
}

static void start_skip(lp_parser_t *p, lp_error_t err)
{
    p->state = ST_SKIP;
    p->skip_err = err;
    p->skip_reported = 0;
}

static void step_byte(lp_parser_t *p, uint8_t b);

/* The header at p->header is garbage: its magic counts as skipped bytes and
 * the hunt goes on from the byte after the magic. */
static void resync(lp_parser_t *p, lp_error_t err)
{
    uint8_t tail[LP_HEADER_SIZE - 2];

    report(p, err, NULL, 0);
    memcpy(tail, p->header + 2, sizeof tail);
    hunt(p);
    add_garbage(p, 2);
    /* Six bytes cannot complete another header, so this never recurses twice. */
    for (size_t i = 0; i < sizeof tail; i++)
        step_byte(p, tail[i]);
}

/* ------------------------------------------------------------------------
 * Header: magic:u16=0x1234 type:u16 size:u32 (big-endian)
 * ------------------------------------------------------------------------ */

static void header_done(lp_parser_t *p)
{
    const uint8_t *h = p->header;

    p->type = (uint16_t)(h[2] << 8 | h[3]);
    p->size = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    p->received = 0;
    if (!type_defined(p->type)) {
        resync(p, LP_ERR_BAD_TYPE);
    } else if (p->size > p->cfg.skip_limit) {
        resync(p, LP_ERR_BAD_SIZE);
    } else if (p->size == 0) {
        report(p, LP_ERR_EMPTY, NULL, 0);
        hunt(p);
    } else if (!type_used(p->type)) {
        start_skip(p, LP_ERR_UNUSED_TYPE);
    } else if (p->size > p->cfg.max_size) {
        start_skip(p, LP_ERR_TOO_LARGE);
    } else {
        p->state = ST_PAYLOAD;
    }
}

static void step_byte(lp_parser_t *p, uint8_t b)
{
    switch (p->state) {
    case ST_HUNT0:
        if (b == LP_MAGIC_0)
            p->state = ST_HUNT1;
        else
            add_garbage(p, 1);
        return;
    case ST_HUNT1:
        if (b == LP_MAGIC_1) {
            if (p->garbage_run)
                report(p, LP_ERR_GARBAGE, NULL, 0);
            p->garbage_run = 0;
            p->header[0] = LP_MAGIC_0;
            p->header[1] = LP_MAGIC_1;
            p->header_len = 2;
            p->state = ST_HEADER;
        } else {
            add_garbage(p, 1); /* the 0x12 */
            if (b != LP_MAGIC_0) {
                add_garbage(p, 1);
                p->state = ST_HUNT0;
            }
        }
        return;
    case ST_HEADER:
        p->header[p->header_len++] = b;
        if (p->header_len == LP_HEADER_SIZE)
            header_done(p);
        return;
    default:
        return; /* PAYLOAD and SKIP are consumed in bulk by lp_feed */
    }
}

/* ------------------------------------------------------------------------
 * Payload and skip
 * ------------------------------------------------------------------------ */

/* Grows the buffer to hold need bytes: doubling, never past the declared size. */
static int reserve(lp_parser_t *p, uint32_t need)
{
    uint32_t cap = p->buf_cap ? p->buf_cap : LP_MIN_BUFFER;
    uint8_t *nb;

    if (need <= p->buf_cap)
        return 1;
    while (cap < need)
        cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
    if (cap > p->size)
        cap = p->size;
    nb = realloc(p->buf, cap);
    if (!nb)
        return 0;
    p->buf = nb;
    p->buf_cap = cap;
    return 1;
}

static void deliver(lp_parser_t *p)
{
    p->stats.messages++;
    hunt(p);
    p->cfg.on_message(p->cfg.user, p->type, p->buf, p->size);
    if (p->buf_cap > LP_KEEP_BUFFER) {
        free(p->buf);
        p->buf = NULL;
        p->buf_cap = 0;
    }
}

static size_t take_payload(lp_parser_t *p, const uint8_t *data, size_t n)
{
    uint32_t want = p->size - p->received;
    uint32_t k = n < want ? (uint32_t)n : want;

    if (!reserve(p, p->received + k)) {
        uint32_t keep = p->received < LP_HEAD_SIZE ? p->received : LP_HEAD_SIZE;
        memcpy(p->head, p->buf, keep);
        start_skip(p, LP_ERR_NO_MEMORY);
        return 0; /* the bytes are consumed by the skip state */
    }
    memcpy(p->buf + p->received, data, k);
    p->received += k;
    if (p->received == p->size)
        deliver(p);
    return k;
}

static size_t take_skip(lp_parser_t *p, const uint8_t *data, size_t n)
{
    uint32_t want = p->size - p->received;
    uint32_t k = n < want ? (uint32_t)n : want;
    uint32_t head_want = p->size < LP_HEAD_SIZE ? p->size : LP_HEAD_SIZE;

    if (p->received < head_want) {
        uint32_t c = head_want - p->received < k ? head_want - p->received : k;
        memcpy(p->head + p->received, data, c);
    }
    p->received += k;
    if (!p->skip_reported && p->received >= head_want) {
        p->skip_reported = 1;
        report(p, p->skip_err, p->head, head_want);
    }
    if (p->received == p->size)
        hunt(p);
    return k;
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

lp_parser_t *lp_new(const lp_config_t *config)
{
    lp_parser_t *p;

    if (!config || !config->on_message)
        return NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cfg = *config;
    if (!p->cfg.max_size)
        p->cfg.max_size = LP_DEFAULT_MAX_SIZE;
    if (!p->cfg.skip_limit)
        p->cfg.skip_limit = LP_DEFAULT_SKIP_LIMIT;
    if (p->cfg.skip_limit < p->cfg.max_size)
        p->cfg.skip_limit = p->cfg.max_size;
    hunt(p);
    return p;
}

void lp_free(lp_parser_t *parser)
{
    if (!parser)
        return;
    free(parser->buf);
    free(parser);
}

void lp_reset(lp_parser_t *parser)
{
    hunt(parser);
    parser->garbage_run = 0;
    if (parser->buf_cap > LP_KEEP_BUFFER) {
        free(parser->buf);
        parser->buf = NULL;
        parser->buf_cap = 0;
    }
}

void lp_feed(lp_parser_t *parser, const uint8_t *data, size_t size)
{
    size_t i = 0;

    while (i < size) {
        if (parser->state == ST_PAYLOAD)
            i += take_payload(parser, data + i, size - i);
        else if (parser->state == ST_SKIP)
            i += take_skip(parser, data + i, size - i);
        else
            step_byte(parser, data[i++]);
    }
}

int lp_idle(const lp_parser_t *parser)
{
    return parser->state == ST_HUNT0 || parser->state == ST_HUNT1;
}

void lp_get_stats(const lp_parser_t *parser, lp_stats_t *out_stats)
{
    *out_stats = parser->stats;
}

void lp_encode_header(uint16_t type, uint32_t size, uint8_t out_header[LP_HEADER_SIZE])
{
    out_header[0] = LP_MAGIC_0;
    out_header[1] = LP_MAGIC_1;
    out_header[2] = (uint8_t)(type >> 8);
    out_header[3] = (uint8_t)type;
    out_header[4] = (uint8_t)(size >> 24);
    out_header[5] = (uint8_t)(size >> 16);
    out_header[6] = (uint8_t)(size >> 8);
    out_header[7] = (uint8_t)size;
}

uint8_t *lp_encode(uint16_t type, const void *payload, uint32_t size, size_t *out_size)
{
    uint8_t *out;

    if ((uint64_t)size + LP_HEADER_SIZE > SIZE_MAX || (size && !payload))
        return NULL;
    out = malloc((size_t)size + LP_HEADER_SIZE);
    if (!out)
        return NULL;
    lp_encode_header(type, size, out);
    if (size)
        memcpy(out + LP_HEADER_SIZE, payload, size);
    *out_size = (size_t)size + LP_HEADER_SIZE;
    return out;
}
