/* Unit tests of app-mgr/link/link_parser.c, the host link framing of
 * contract section 1: golden bytes written by hand from the section's
 * table, the same deliveries for any split of the input, every truncation,
 * garbage, wrong magic, undefined types, a 4 GiB length field, oversize
 * messages skipped without buffering, 10k seeded random streams, and the
 * encoder round trip. Prints "N passed, N failed" last; exits nonzero on
 * any failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link_parser.h"

#include "check.h"

/* ------------------------------------------------------------------------
 * A recorder of deliveries and errors
 * ------------------------------------------------------------------------ */

#define MAX_LOG 64

typedef struct {
    uint16_t type;
    uint32_t size;
    uint32_t hash; /* FNV-1a of the payload */
} delivery_t;

typedef struct {
    delivery_t d[MAX_LOG];
    int n;
    int errors[LP_ERR_NO_MEMORY + 1];
    uint32_t last_err_size;
    uint8_t last_head[LP_HEAD_SIZE];
    uint32_t last_head_len;
    uint32_t max_size; /* every delivery must fit */
    int bad;           /* deliveries that break the contract */
} rec_t;

static uint32_t fnv(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;

    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void on_msg(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    rec_t *r = user;

    if (size == 0 || size > r->max_size || !payload ||
        (type != LP_TYPE_REQUEST && type != LP_TYPE_RESPONSE && type != LP_TYPE_INSTALL))
        r->bad++;
    if (r->n < MAX_LOG) {
        r->d[r->n].type = type;
        r->d[r->n].size = size;
        r->d[r->n].hash = fnv(payload, size);
    }
    r->n++;
}

static void on_err(void *user, lp_error_t err, uint16_t type, uint32_t size,
                   const uint8_t *head, uint32_t head_len)
{
    rec_t *r = user;

    (void)type;
    if ((int)err >= 1 && err <= LP_ERR_NO_MEMORY)
        r->errors[err]++;
    r->last_err_size = size;
    r->last_head_len = head_len;
    if (head && head_len <= LP_HEAD_SIZE)
        memcpy(r->last_head, head, head_len);
}

static lp_parser_t *new_parser(rec_t *r, uint32_t max_size, uint32_t skip_limit)
{
    lp_config_t c = {max_size, skip_limit, on_msg, on_err, r};

    memset(r, 0, sizeof *r);
    r->max_size = max_size ? max_size : LP_DEFAULT_MAX_SIZE;
    return lp_new(&c);
}

static int same_log(const rec_t *a, const rec_t *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < a->n && i < MAX_LOG; i++)
        if (a->d[i].type != b->d[i].type || a->d[i].size != b->d[i].size ||
            a->d[i].hash != b->d[i].hash)
            return 0;
    return 1;
}

static uint32_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* ------------------------------------------------------------------------
 * Golden vectors (contract 1: 0x12 0x34, type u16 BE, size u32 BE, payload)
 * ------------------------------------------------------------------------ */

/* type 2 (REQUEST), 3 payload bytes "abc" */
static const uint8_t g_req[] = {0x12, 0x34, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'};
/* type 3 (RESPONSE), 1 byte */
static const uint8_t g_resp[] = {0x12, 0x34, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x45};
/* type 4 (INSTALL), 258 bytes: the size's second-lowest byte matters */
static uint8_t g_inst[8 + 258];

static void make_golden(void)
{
    static const uint8_t h[] = {0x12, 0x34, 0x00, 0x04, 0x00, 0x00, 0x01, 0x02};

    memcpy(g_inst, h, 8);
    for (int i = 0; i < 258; i++)
        g_inst[8 + i] = (uint8_t)(i * 7);
}

static void test_golden(void)
{
    rec_t r;
    lp_parser_t *p = new_parser(&r, 0, 0);
    uint8_t hdr[LP_HEADER_SIZE];
    size_t n = 0;
    uint8_t *enc;

    lp_feed(p, g_req, sizeof g_req);
    CHECK(r.n == 1 && r.d[0].type == 2 && r.d[0].size == 3 &&
          r.d[0].hash == fnv((const uint8_t *)"abc", 3));
    lp_feed(p, g_resp, sizeof g_resp);
    CHECK(r.n == 2 && r.d[1].type == 3 && r.d[1].size == 1);
    lp_feed(p, g_inst, sizeof g_inst);
    CHECK(r.n == 3 && r.d[2].type == 4 && r.d[2].size == 258 &&
          r.d[2].hash == fnv(g_inst + 8, 258));
    CHECK(lp_idle(p));
    lp_free(p);

    lp_encode_header(4, 258, hdr);
    CHECK(memcmp(hdr, g_inst, 8) == 0);
    enc = lp_encode(2, "abc", 3, &n);
    CHECK(enc && n == sizeof g_req && memcmp(enc, g_req, n) == 0);
    free(enc);
    enc = lp_encode(3, "\x45", 1, &n);
    CHECK(enc && n == sizeof g_resp && memcmp(enc, g_resp, n) == 0);
    free(enc);
    lp_encode_header(0x1e, 0xA1B2C3D4u, hdr);
    CHECK(memcmp(hdr, "\x12\x34\x00\x1e\xa1\xb2\xc3\xd4", 8) == 0);
}

/* ------------------------------------------------------------------------
 * Splits: whole, one byte at a time, random chunks give the same log
 * ------------------------------------------------------------------------ */

static size_t build_stream(uint8_t *out)
{
    static const uint8_t empty[] = {0x12, 0x34, 0x00, 0x02, 0, 0, 0, 0};
    static const uint8_t unused[] = {0x12, 0x34, 0x00, 0x1e, 0, 0, 0, 2, 0x12, 0x34};
    size_t n = 0;

#define PUT(a) (memcpy(out + n, (a), sizeof(a)), n += sizeof(a))
    PUT("junk\x12");
    PUT(g_req);
    PUT(empty);
    PUT(g_inst);
    PUT(unused);
    PUT(g_resp);
    PUT(g_req);
#undef PUT
    return n;
}

static void test_splits(void)
{
    uint8_t s[1024];
    size_t n = build_stream(s);
    rec_t whole, bytes, chunks;
    lp_parser_t *p;

    p = new_parser(&whole, 0, 0);
    lp_feed(p, s, n);
    lp_free(p);
    CHECK(whole.n == 4 && whole.bad == 0);
    CHECK(whole.d[0].type == 2 && whole.d[1].type == 4 && whole.d[2].type == 3 &&
          whole.d[3].type == 2);
    CHECK(whole.errors[LP_ERR_EMPTY] == 1 && whole.errors[LP_ERR_UNUSED_TYPE] == 1);
    CHECK(whole.errors[LP_ERR_GARBAGE] == 1);

    p = new_parser(&bytes, 0, 0);
    for (size_t i = 0; i < n; i++)
        lp_feed(p, s + i, 1);
    lp_free(p);
    CHECK(same_log(&whole, &bytes));

    rng_state = 7;
    for (int round = 0; round < 200; round++) {
        p = new_parser(&chunks, 0, 0);
        for (size_t i = 0; i < n;) {
            size_t k = 1 + rnd() % 40;
            if (k > n - i)
                k = n - i;
            lp_feed(p, s + i, k);
            i += k;
        }
        lp_free(p);
        if (!same_log(&whole, &chunks))
            break;
    }
    CHECK(same_log(&whole, &chunks));
}

/* ------------------------------------------------------------------------
 * Truncation, garbage, wrong magic, bad types and sizes
 * ------------------------------------------------------------------------ */

static void test_truncation(void)
{
    int ok_silent = 1, ok_resume = 1, ok_reset = 1;

    for (size_t cut = 0; cut < sizeof g_inst; cut++) {
        rec_t r;
        lp_parser_t *p = new_parser(&r, 0, 0);

        lp_feed(p, g_inst, cut);
        ok_silent &= r.n == 0;
        lp_feed(p, g_inst + cut, sizeof g_inst - cut);
        ok_resume &= r.n == 1 && r.d[0].size == 258 && r.d[0].hash == fnv(g_inst + 8, 258);
        lp_feed(p, g_inst, cut); /* cut off again, then the connection drops */
        lp_reset(p);
        lp_feed(p, g_req, sizeof g_req);
        ok_reset &= r.n == 2 && r.d[1].type == 2 && r.d[1].size == 3;
        lp_free(p);
    }
    CHECK(ok_silent);
    CHECK(ok_resume);
    CHECK(ok_reset);
}

static void test_garbage(void)
{
    static const uint8_t junk[] = {0x00, 0xff, 0x12, 0x12, 0x33, 0x34, 0x34, 0x12};
    static const uint8_t wrong_magic[] = {0x12, 0x35, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 1, 2, 3};
    static const uint8_t magic_21[] = {0x34, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 9};
    rec_t r;
    lp_parser_t *p = new_parser(&r, 0, 0);
    lp_stats_t st;

    lp_feed(p, junk, sizeof junk);
    lp_feed(p, g_req, sizeof g_req);
    CHECK(r.n == 1 && r.d[0].size == 3);
    /* the trailing 0x12 of junk is followed by 0x12 0x34: only it is garbage */
    CHECK(r.errors[LP_ERR_GARBAGE] == 1 && r.last_err_size == sizeof junk);
    lp_feed(p, wrong_magic, sizeof wrong_magic);
    lp_feed(p, magic_21, sizeof magic_21);
    lp_feed(p, g_resp, sizeof g_resp);
    CHECK(r.n == 2 && r.d[1].type == 3 && r.bad == 0);
    lp_get_stats(p, &st);
    CHECK(st.messages == 2);
    CHECK(st.garbage_bytes == sizeof junk + sizeof wrong_magic + sizeof magic_21);
    lp_free(p);
}

static void test_bad_headers(void)
{
    static const uint8_t huge[] = {0x12, 0x34, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t huge4[] = {0x12, 0x34, 0x00, 0x04, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t bad_type[] = {0x12, 0x34, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01};
    /* an undefined type whose size bytes hide a real header start */
    static const uint8_t hidden[] = {0x12, 0x34, 0x77, 0x77, 0x77, 0x77, 0x12, 0x34};
    static const uint8_t hidden_rest[] = {0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x5a};
    rec_t r;
    lp_parser_t *p = new_parser(&r, 0, 0);

    lp_feed(p, huge, sizeof huge);
    CHECK(r.errors[LP_ERR_BAD_SIZE] == 1 && r.last_err_size == 0xffffffffu);
    CHECK(lp_idle(p)); /* nothing waits for 4 GiB */
    lp_feed(p, g_req, sizeof g_req);
    CHECK(r.n == 1 && r.d[0].size == 3);
    lp_feed(p, huge4, sizeof huge4);
    lp_feed(p, bad_type, sizeof bad_type);
    CHECK(r.errors[LP_ERR_BAD_SIZE] == 2 && r.errors[LP_ERR_BAD_TYPE] == 1);
    lp_feed(p, g_resp, sizeof g_resp);
    CHECK(r.n == 2 && r.d[1].type == 3);
    lp_feed(p, hidden, sizeof hidden);
    lp_feed(p, hidden_rest, sizeof hidden_rest);
    CHECK(r.errors[LP_ERR_BAD_TYPE] == 2 && r.n == 3 && r.d[2].type == 2 && r.d[2].size == 1);
    CHECK(r.bad == 0);
    lp_free(p);
}

/* Above max_size: skipped without buffering, head kept for a 141 reply. */
static void test_too_large(void)
{
    uint8_t msg[8 + 100];
    rec_t r;
    lp_parser_t *p = new_parser(&r, 32, 0);

    lp_encode_header(LP_TYPE_REQUEST, 100, msg);
    for (int i = 0; i < 100; i++)
        msg[8 + i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof msg; i++)
        lp_feed(p, msg + i, 1);
    CHECK(r.n == 0 && r.errors[LP_ERR_TOO_LARGE] == 1 && r.last_err_size == 100);
    CHECK(r.last_head_len == LP_HEAD_SIZE && r.last_head[4] == 4 && r.last_head[17] == 17);
    CHECK(lp_idle(p));
    lp_feed(p, g_req, sizeof g_req);
    CHECK(r.n == 1 && r.d[0].size == 3);
    lp_free(p);

    /* exactly max_size is delivered */
    p = new_parser(&r, 3, 0);
    lp_feed(p, g_req, sizeof g_req);
    CHECK(r.n == 1 && r.errors[LP_ERR_TOO_LARGE] == 0);
    lp_free(p);
}

/* ------------------------------------------------------------------------
 * Random streams and the encoder round trip
 * ------------------------------------------------------------------------ */

static uint8_t random_byte(void)
{
    static const uint8_t hot[] = {0x12, 0x34, 0x00, 0x02, 0x03, 0x04, 0xff};
    uint32_t k = rnd();

    return k % 3 ? (uint8_t)(rnd() >> 3) : hot[(k >> 4) % sizeof hot];
}

static void test_random(void)
{
    enum { MAX = 64, SKIP = 128 };
    int bad = 0, lost_small = 0, lost_reset = 0;
    uint8_t s[512], flush[SKIP + LP_HEADER_SIZE] = {0};

    rng_state = 12345;
    for (int round = 0; round < 10000; round++) {
        size_t n = rnd() % sizeof s;
        rec_t r, r2;
        lp_parser_t *p = new_parser(&r, MAX, SKIP);
        lp_parser_t *q = new_parser(&r2, 0, 0);

        for (size_t i = 0; i < n; i++)
            s[i] = random_byte();
        for (size_t i = 0; i < n;) {
            size_t k = 1 + rnd() % 17;
            if (k > n - i)
                k = n - i;
            lp_feed(p, s + i, k);
            lp_feed(q, s + i, k);
            i += k;
        }
        /* bounded limits: enough zeros end any message, then one gets through */
        lp_feed(p, flush, sizeof flush);
        int before = r.n;
        lp_feed(p, g_req, sizeof g_req);
        lost_small += !(r.n == before + 1 && r.d[(r.n - 1) % MAX_LOG].size == 3);
        /* default limits: a disconnect resets, the next connection works */
        lp_reset(q);
        before = r2.n;
        lp_feed(q, g_req, sizeof g_req);
        lost_reset += !(r2.n == before + 1 && r2.d[(r2.n - 1) % MAX_LOG].size == 3);
        bad += r.bad + r2.bad;
        lp_free(p);
        lp_free(q);
    }
    CHECK(bad == 0);
    CHECK(lost_small == 0);
    CHECK(lost_reset == 0);
}

static void test_round_trip(void)
{
    static uint8_t payload[70000];
    int ok = 1;

    rng_state = 99;
    for (int round = 0; round < 50 && ok; round++) {
        uint16_t type = (uint16_t)(2 + rnd() % 3);
        uint32_t size = 1 + (round == 0 ? 69999 : rnd() % 3000);
        size_t n = 0;
        rec_t r;
        lp_parser_t *p = new_parser(&r, 0, 0);
        uint8_t *enc;

        for (uint32_t i = 0; i < size; i++)
            payload[i] = (uint8_t)rnd();
        enc = lp_encode(type, payload, size, &n);
        ok = enc && n == size + LP_HEADER_SIZE;
        if (ok) {
            lp_feed(p, enc, n / 2);
            lp_feed(p, enc + n / 2, n - n / 2);
            ok = r.n == 1 && r.d[0].type == type && r.d[0].size == size &&
                 r.d[0].hash == fnv(payload, size);
        }
        free(enc);
        lp_free(p);
    }
    CHECK(ok);
    CHECK(lp_encode(2, NULL, 5, &(size_t){0}) == NULL);
}

int main(void)
{
    lp_config_t none = {0};

    make_golden();
    CHECK(lp_new(&none) == NULL);
    CHECK(lp_new(NULL) == NULL);
    test_golden();
    test_splits();
    test_truncation();
    test_garbage();
    test_bad_headers();
    test_too_large();
    test_random();
    test_round_trip();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed != 0;
}
