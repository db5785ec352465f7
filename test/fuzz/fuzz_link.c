/* fuzz_link: the host link from the wire inwards. Input: mode:u8 cfg:u8
 * bytes. Even modes feed the bytes to link parsers (split at points drawn
 * from the input, and whole, which must deliver the same) and check every
 * message through unpack_request/unpack_response and the URL helpers. Odd
 * modes feed them to a real link session on an app manager, so routing,
 * /applet queries, /event/ subscriptions and installs of garbage run, and
 * check that everything written back is a well-formed message. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "app_manager.h"
#include "fuzz_common.h"
#include "link_parser.h"
#include "link_session.h"
#include "shared_utils.h"

/* Installs larger than this are refused before loading. A module able to
 * run forever needs a loop reached from a start section or an exported
 * _start/on_init: at least 32 bytes (header 8, type 6, function 4, start 3,
 * a `loop br 0` body 11). Start functions run inside instantiation, where no
 * watchdog can stop them, and a fuzzed `wd=` could be hours; so every
 * install the fuzzer sends is garbage or a harmless small module, and the
 * install path still runs through load, instantiate and its cleanup. */
#define FUZZ_MAX_APP_SIZE 31u
#define MAX_EVENTS 4096
#define BARRIER_WAIT_MS 5000

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
 * Packets: every check that unpacking promises
 * ------------------------------------------------------------------------ */

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool inside(const void *p, size_t n, const void *base, size_t size)
{
    const uint8_t *b = base, *q = p;

    return q >= b && q <= b + size && n <= (size_t)(b + size - q);
}

/* The URL helpers over a URL that came off the wire. */
static void check_url(const char *url)
{
    int len = (int)strlen(url);
    int off = check_url_start(url, len, "/applet");
    char value[8];
    const char *query = strchr(url, '?');

    FUZZ_CHECK(off >= 0 && off <= len);
    off = check_url_start(url, len, "/event/");
    FUZZ_CHECK(off >= 0 && off <= len);
    if (query && find_key_value(query + 1, (int)strlen(query + 1), "name", value,
                                (int)sizeof value, '&'))
        FUZZ_CHECK(strlen(value) < sizeof value);
}

/* version:u8=1 action:u8 fmt:u16 mid:u32 sender:u32 url_len:u16
 * payload_len:u32 url[url_len] payload[payload_len]: unpacking must succeed
 * exactly for that shape, point inside the packet, and pack back to it. */
static void check_request(const uint8_t *packet, uint32_t size)
{
    char *copy = malloc(size); /* exactly size bytes: ASan sees any over-read */
    request_t req, *r;
    bool well_formed = size >= 18 && packet[0] == 1 && be16(packet + 12) > 0 &&
                       18 + (uint64_t)be16(packet + 12) + be32(packet + 14) == size &&
                       packet[18 + be16(packet + 12) - 1] == 0;

    FUZZ_CHECK(copy != NULL);
    memcpy(copy, packet, size);
    r = unpack_request(copy, (int)size, &req);
    FUZZ_CHECK((r != NULL) == well_formed);
    if (r) {
        uint32_t url_len = be16(packet + 12);
        int n = 0;
        char *again;
        request_t *clone;

        FUZZ_CHECK(r == &req && req.url == copy + 18 && strlen(req.url) < url_len);
        FUZZ_CHECK(req.payload_len >= 0 && (uint32_t)req.payload_len == be32(packet + 14));
        FUZZ_CHECK(req.payload_len == 0 ? req.payload == NULL
                                        : inside(req.payload, (size_t)req.payload_len, copy, size));
        check_url(req.url);
        again = pack_request(&req, &n);
        FUZZ_CHECK(again != NULL);
        /* A NUL inside the URL shortens it: the rest of the packet is equal. */
        if (strlen(req.url) + 1 == url_len)
            FUZZ_CHECK((uint32_t)n == size && memcmp(again, packet, size) == 0);
        free_req_resp_packet(again);
        clone = clone_request(&req);
        FUZZ_CHECK(clone != NULL && strcmp(clone->url, req.url) == 0);
        request_cleaner(clone);
    }
    free(copy);
}

/* version:u8=1 status:u8 fmt:u16 mid:u32 reciever:u32 payload_len:u32
 * payload[payload_len], as check_request. */
static void check_response(const uint8_t *packet, uint32_t size)
{
    char *copy = malloc(size);
    response_t resp, *r;
    bool well_formed = size >= 16 && packet[0] == 1 && 16 + (uint64_t)be32(packet + 12) == size;

    FUZZ_CHECK(copy != NULL);
    memcpy(copy, packet, size);
    r = unpack_response(copy, (int)size, &resp);
    FUZZ_CHECK((r != NULL) == well_formed);
    if (r) {
        int n = 0;
        char *again;
        response_t *clone;

        FUZZ_CHECK(resp.payload_len == 0 ? resp.payload == NULL
                                         : inside(resp.payload, (size_t)resp.payload_len, copy,
                                                  size));
        again = pack_response(&resp, &n);
        FUZZ_CHECK(again != NULL && (uint32_t)n == size && memcmp(again, packet, size) == 0);
        free_req_resp_packet(again);
        clone = clone_response(&resp);
        FUZZ_CHECK(clone != NULL);
        response_cleaner(clone);
    }
    free(copy);
}

/* ------------------------------------------------------------------------
 * Parser mode: what one parser saw, compared across splits
 * ------------------------------------------------------------------------ */

typedef struct {
    int error;     /* 0: a message; else the lp_error_t */
    uint16_t type;
    uint32_t size;
    uint64_t hash; /* of the payload or the head */
} seen_t;

typedef struct {
    uint32_t max_size;
    seen_t seen[MAX_EVENTS];
    uint32_t n, dropped; /* beyond MAX_EVENTS: counted only */
    bool check_packets;
} trace_t;

static void trace_add(trace_t *t, int error, uint16_t type, uint32_t size, uint64_t hash)
{
    if (t->n == MAX_EVENTS) {
        t->dropped++;
        return;
    }
    t->seen[t->n].error = error;
    t->seen[t->n].type = type;
    t->seen[t->n].size = size;
    t->seen[t->n].hash = hash;
    t->n++;
}

static void on_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    trace_t *t = user;
    uint8_t *again;
    size_t n = 0;

    FUZZ_CHECK(size > 0 && size <= t->max_size && payload != NULL);
    FUZZ_CHECK(type == LP_TYPE_REQUEST || type == LP_TYPE_RESPONSE || type == LP_TYPE_INSTALL);
    trace_add(t, 0, type, size, fuzz_hash(payload, size));
    if (!t->check_packets)
        return;
    if (type == LP_TYPE_RESPONSE)
        check_response(payload, size);
    else
        check_request(payload, size);
    /* Encoding the message again gives the same message. */
    again = lp_encode(type, payload, size, &n);
    FUZZ_CHECK(again != NULL && n == size + LP_HEADER_SIZE);
    FUZZ_CHECK(memcmp(again + LP_HEADER_SIZE, payload, size) == 0);
    free(again);
}

/* Head bytes come exactly with the two skip reports (contract of lp_error_fn). */
static void on_error(void *user, lp_error_t err, uint16_t type, uint32_t size,
                     const uint8_t *head, uint32_t head_len)
{
    trace_t *t = user;
    bool with_head = err == LP_ERR_TOO_LARGE || err == LP_ERR_UNUSED_TYPE;

    FUZZ_CHECK(err >= LP_ERR_GARBAGE && err <= LP_ERR_NO_MEMORY);
    if (err != LP_ERR_NO_MEMORY) {
        FUZZ_CHECK(with_head == (head != NULL));
        FUZZ_CHECK(head_len == (with_head ? (size < LP_HEAD_SIZE ? size : LP_HEAD_SIZE) : 0));
    }
    FUZZ_CHECK(head_len <= LP_HEAD_SIZE);
    trace_add(t, (int)err, type, size, head ? fuzz_hash(head, head_len) : 0);
}

static lp_parser_t *parser_new(trace_t *t, uint8_t cfg_byte)
{
    lp_config_t cfg;
    lp_parser_t *p;

    memset(&cfg, 0, sizeof cfg);
    /* Small limits so that the too-large and skip paths are reached. */
    cfg.max_size = (cfg_byte & 15) ? 1u << (cfg_byte & 15) : 0;
    cfg.skip_limit = (cfg_byte >> 4) ? 16u << (cfg_byte >> 4) : 0;
    cfg.on_message = on_message;
    cfg.on_error = on_error;
    cfg.user = t;
    p = lp_new(&cfg);
    FUZZ_CHECK(p != NULL);
    t->max_size = cfg.max_size ? cfg.max_size : LP_DEFAULT_MAX_SIZE;
    t->n = t->dropped = 0;
    return p;
}

/* Feeds bytes in chunks whose lengths come from a PRNG seeded by the bytes. */
static void feed_split(void (*feed)(void *, const uint8_t *, size_t), void *target,
                       const uint8_t *bytes, size_t size)
{
    uint64_t state = fuzz_hash(bytes, size);
    size_t pos = 0;

    while (pos < size) {
        uint64_t r = fuzz_rand(&state);
        /* Mostly short chunks (every boundary case of the header), sometimes
         * long ones. */
        size_t n = (r & 3) ? 1 + (r >> 8) % 9 : 1 + (r >> 8) % 512;
        if (n > size - pos)
            n = size - pos;
        feed(target, bytes + pos, n);
        pos += n;
    }
}

static void feed_parser(void *parser, const uint8_t *bytes, size_t n)
{
    lp_feed(parser, bytes, n);
}

static bool same_trace(const trace_t *a, const trace_t *b)
{
    if (a->n != b->n || a->dropped != b->dropped)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        const seen_t *x = &a->seen[i], *y = &b->seen[i];
        if (x->error != y->error || x->type != y->type || x->size != y->size ||
            x->hash != y->hash)
            return false;
    }
    return true;
}

/* Any split delivers what the whole input delivers, in the same order. */
static void parser_mode(uint8_t cfg_byte, const uint8_t *bytes, size_t size)
{
    static trace_t split, whole; /* large: kept out of the stack */
    lp_parser_t *a = parser_new(&split, cfg_byte), *b = parser_new(&whole, cfg_byte);
    uint8_t probe[LP_HEADER_SIZE + 1];
    lp_stats_t sa, sb;

    split.check_packets = true;
    whole.check_packets = false;
    feed_split(feed_parser, a, bytes, size);
    lp_feed(b, bytes, size);
    lp_get_stats(a, &sa);
    lp_get_stats(b, &sb);
    FUZZ_CHECK(same_trace(&split, &whole));
    FUZZ_CHECK(sa.messages == sb.messages && sa.errors == sb.errors &&
               sa.garbage_bytes == sb.garbage_bytes);
    FUZZ_CHECK(lp_idle(a) == lp_idle(b));
    /* After a reset the parser hunts again: a whole message comes through. */
    lp_reset(a);
    lp_encode_header(LP_TYPE_RESPONSE, 1, probe);
    probe[LP_HEADER_SIZE] = 0x5a;
    split.check_packets = false;
    split.n = 0;
    lp_feed(a, probe, sizeof probe);
    FUZZ_CHECK(split.n >= 1 && split.seen[split.n - 1].error == 0 &&
               split.seen[split.n - 1].size == 1);
    lp_free(a);
    lp_free(b);
}

/* ------------------------------------------------------------------------
 * Session mode: a link session on an app manager started once
 * ------------------------------------------------------------------------ */

static am_t *g_am;
static am_client_t *g_barrier_client;

static void silent_log(void *user, int level, const char *line)
{
    (void)user;
    (void)level;
    (void)line;
}

/* What the session writes back is one whole link message of type 2 (an
 * event) or 3 (a response) with a well-formed packet. */
static int check_write(void *user, const uint8_t *data, size_t size)
{
    uint32_t type, len;

    (void)user;
    FUZZ_CHECK(size >= LP_HEADER_SIZE && data[0] == LP_MAGIC_0 && data[1] == LP_MAGIC_1);
    type = be16(data + 2);
    len = be32(data + 4);
    FUZZ_CHECK(len == size - LP_HEADER_SIZE && len > 0);
    FUZZ_CHECK(type == LP_TYPE_REQUEST || type == LP_TYPE_RESPONSE);
    if (type == LP_TYPE_RESPONSE)
        check_response(data + LP_HEADER_SIZE, len);
    else
        check_request(data + LP_HEADER_SIZE, len);
    return 0;
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} barrier_t;

static void barrier_answered(void *user, const response_t *resp)
{
    barrier_t *b = user;

    (void)resp;
    pthread_mutex_lock(&b->lock);
    b->done = true;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

/* Waits until the manager's delivery thread has passed everything queued
 * so far: it delivers in order, and the answer to a query of our own is
 * queued behind every answer and event the fuzzed requests caused. */
static void wait_for_delivery(void)
{
    static char url[] = "/applet";
    barrier_t b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    request_t req;
    struct timespec deadline;

    memset(&req, 0, sizeof req);
    req.url = url;
    req.action = COAP_GET;
    FUZZ_CHECK(am_request(g_barrier_client, &req, 0, barrier_answered, &b));
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += BARRIER_WAIT_MS / 1000;
    pthread_mutex_lock(&b.lock);
    while (!b.done && pthread_cond_timedwait(&b.cond, &b.lock, &deadline) == 0)
        ;
    /* The manager answers every request exactly once. */
    FUZZ_CHECK(b.done);
    pthread_mutex_unlock(&b.lock);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    am_config_t cfg;
    char err[256];

    (void)argc;
    (void)argv;
    am_config_default(&cfg);
    cfg.max_app_size = FUZZ_MAX_APP_SIZE;
    cfg.max_host_events = 64;
    cfg.log = silent_log;
    g_am = am_start(&cfg, err, sizeof err);
    if (!g_am || !(g_barrier_client = am_client_open(g_am, NULL, NULL))) {
        fprintf(stderr, "fuzz_link: am_start failed: %s\n", err);
        abort();
    }
    return 0;
}

static void feed_session(void *session, const uint8_t *bytes, size_t n)
{
    ls_feed(session, bytes, n);
}

static void session_mode(uint8_t cfg_byte, const uint8_t *bytes, size_t size)
{
    ls_config_t cfg;
    ls_session_t *s;
    ls_stats_t st;

    memset(&cfg, 0, sizeof cfg);
    /* Now and then a small limit, for the 141 answers to large messages. */
    cfg.max_message_size = (cfg_byte & 15) >= 8 ? 1u << (cfg_byte & 15) : 0;
    cfg.write = check_write;
    cfg.log = silent_log;
    s = ls_open(g_am, &cfg);
    FUZZ_CHECK(s != NULL);
    feed_split(feed_session, s, bytes, size);
    wait_for_delivery();
    ls_get_stats(s, &st);
    FUZZ_CHECK(st.write_errors == 0);
    ls_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (data[0] & 1)
        session_mode(data[1], data + 2, size - 2);
    else
        parser_mode(data[1], data + 2, size - 2);
    return 0;
}
