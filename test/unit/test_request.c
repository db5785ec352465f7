/* Unit tests of app-framework/shared/shared_utils.c: request and response
 * packets against golden bytes written by hand from the tables of contract
 * section 2, round trips, hostile packets (every truncation, every byte set
 * to every value, huge lengths) read on exact-size heap copies under ASan,
 * the URL rule of contract 4.3 (check_url_start), find_key_value, and the
 * clone/cleaner pairs with failing allocations. Prints "N passed, N failed"
 * last and exits nonzero on any failure. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_shared.h"
#include "shared_utils.h"

#include "check.h"

static int alloc_budget = -1; /* allocations left before failing; -1: no limit */

static void *test_malloc(uint32_t size)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(size);
}

/* A heap copy of exactly len bytes, so ASan sees any read past it. */
static char *exact_copy(const void *src, size_t len)
{
    char *p = malloc(len ? len : 1);

    memcpy(p, src, len);
    return p;
}

/* ------------------------------------------------------------------------
 * Golden packets, by hand from contract section 2 (headers big-endian)
 * ------------------------------------------------------------------------ */

/* GET /applet from the host: fmt 99, mid 0x01020304, sender -3, payload
 * AA BB CC. url_len = strlen("/applet") + 1 = 8; size 18 + 8 + 3 = 29. */
static const uint8_t golden_request[29] = {
    0x01,                   /* version */
    0x01,                   /* action GET */
    0x00, 0x63,             /* fmt 99 */
    0x01, 0x02, 0x03, 0x04, /* mid */
    0xFF, 0xFF, 0xFF, 0xFD, /* sender: host (-3) */
    0x00, 0x08,             /* url_len */
    0x00, 0x00, 0x00, 0x03, /* payload_len */
    '/',  'a',  'p',  'p',  'l', 'e', 't', 0x00,
    0xAA, 0xBB, 0xCC,
};

/* CONTENT (69) to the host for mid 0x01020304, fmt 99, payload "ok";
 * size 16 + 2 = 18. */
static const uint8_t golden_response[18] = {
    0x01,                   /* version */
    0x45,                   /* status 69 */
    0x00, 0x63,             /* fmt 99 */
    0x01, 0x02, 0x03, 0x04, /* mid */
    0xFF, 0xFF, 0xFF, 0xFD, /* receiver: host (-3) */
    0x00, 0x00, 0x00, 0x02, /* payload_len */
    'o',  'k',
};

/* PUT /event/x, no payload: 18 + 9 bytes. */
static const uint8_t golden_request_empty[27] = {
    0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
    '/',  'e',  'v',  'e',  'n',  't',  '/',  'x',  0x00,
};

static void test_pack_request_golden(void)
{
    unsigned char payload[3] = { 0xAA, 0xBB, 0xCC };
    request_t req = { 0x01020304, "/applet", COAP_GET, FMT_ATTR_CONTAINER,
                      payload, 3, 0xFFFFFFFDul };
    request_t empty = { 7, "/event/x", COAP_PUT, 0, NULL, 0, 0 };
    int size = -1;
    char *p = pack_request(&req, &size);

    CHECK(p && size == 29 && memcmp(p, golden_request, 29) == 0);
    free_req_resp_packet(p);
    p = pack_request(&empty, &size);
    CHECK(p && size == 27 && memcmp(p, golden_request_empty, 27) == 0);
    free_req_resp_packet(p);
}

static void test_unpack_request_golden(void)
{
    char *p = exact_copy(golden_request, sizeof(golden_request));
    request_t r;

    memset(&r, 0x5A, sizeof(r));
    CHECK(unpack_request(p, 29, &r) == &r);
    CHECK(r.mid == 0x01020304 && r.action == COAP_GET && r.fmt == 99);
    CHECK(r.sender == 0xFFFFFFFDul);
    CHECK(r.url == p + 18 && strcmp(r.url, "/applet") == 0);
    CHECK(r.payload == p + 26 && r.payload_len == 3);
    free(p);

    p = exact_copy(golden_request_empty, sizeof(golden_request_empty));
    CHECK(unpack_request(p, 27, &r) == &r);
    CHECK(r.action == COAP_PUT && r.mid == 7 && r.payload == NULL && r.payload_len == 0);
    CHECK(strcmp(r.url, "/event/x") == 0);
    free(p);
}

static void test_response_golden(void)
{
    response_t resp = { 0x01020304, CONTENT_2_05, FMT_ATTR_CONTAINER, "ok", 2,
                        0xFFFFFFFDul };
    response_t r;
    int size = -1;
    char *p = pack_response(&resp, &size);

    CHECK(p && size == 18 && memcmp(p, golden_response, 18) == 0);
    free_req_resp_packet(p);

    p = exact_copy(golden_response, sizeof(golden_response));
    CHECK(unpack_response(p, 18, &r) == &r);
    CHECK(r.status == 69 && r.fmt == 99 && r.mid == 0x01020304);
    CHECK(r.reciever == 0xFFFFFFFDul);
    CHECK(r.payload == p + 16 && r.payload_len == 2);
    CHECK(unpack_response(p, 16, &r) == NULL); /* size must match */
    free(p);

    /* Empty payload: 16 bytes, payload NULL. */
    resp.payload = NULL;
    resp.payload_len = 0;
    resp.status = DELETED_2_02;
    p = pack_response(&resp, &size);
    CHECK(p && size == 16 && (uint8_t)p[1] == 66 && p[15] == 0);
    CHECK(unpack_response(p, 16, &r) == &r && r.payload == NULL && r.status == 66);
    free_req_resp_packet(p);
}

static void test_round_trips(void)
{
    static char big_payload[70000];
    int actions[] = { COAP_GET, COAP_POST, COAP_PUT, COAP_DELETE, COAP_EVENT };
    int i;

    for (i = 0; i < 5; i++) {
        request_t req = { (uint32_t)(i * 0x11111111u), "alert/overheat",
                          actions[i], 0xFFFF, big_payload, 1000 * i, (unsigned long)i };
        request_t r;
        int size;
        char *p;

        big_payload[i] = (char)i;
        p = pack_request(&req, &size);
        CHECK(p && size == 18 + 15 + 1000 * i);
        CHECK(unpack_request(p, size, &r) == &r);
        CHECK(r.mid == req.mid && r.action == actions[i] && r.fmt == 0xFFFF);
        CHECK(r.sender == (unsigned long)i && strcmp(r.url, "alert/overheat") == 0);
        CHECK(r.payload_len == 1000 * i);
        CHECK(i == 0 ? r.payload == NULL : memcmp(r.payload, big_payload, 1000u * i) == 0);
        free_req_resp_packet(p);
    }
    {   /* A payload bigger than 64 KiB, and the longest url (65534 chars). */
        char *url = malloc(65535);
        request_t req = { 1, url, COAP_PUT, 98, big_payload, sizeof(big_payload), 0 };
        request_t r;
        int size;
        char *p;

        memset(url, 'u', 65534);
        url[65534] = 0;
        p = pack_request(&req, &size);
        CHECK(p && size == 18 + 65535 + 70000);
        CHECK(p && (uint8_t)p[12] == 0xFF && (uint8_t)p[13] == 0xFF);
        CHECK(unpack_request(p, size, &r) == &r && strlen(r.url) == 65534);
        CHECK(r.payload_len == 70000);
        free_req_resp_packet(p);
        free(url);
    }
}

static void test_pack_refusals(void)
{
    char *url = malloc(65536);
    request_t req = { 1, "/x", COAP_GET, 0, NULL, 0, 0 };
    response_t resp = { 1, 69, 0, NULL, 0, 0 };
    int size = 1234;

    CHECK(pack_request(NULL, &size) == NULL);
    CHECK(pack_request(&req, NULL) == NULL);
    req.url = NULL;
    CHECK(pack_request(&req, &size) == NULL);
    memset(url, 'u', 65535);
    url[65535] = 0; /* url_len would be 65536 */
    req.url = url;
    CHECK(pack_request(&req, &size) == NULL);
    req.url = "/x";
    req.payload_len = -1;
    CHECK(pack_request(&req, &size) == NULL);
    req.payload_len = 5; /* NULL payload with a length */
    CHECK(pack_request(&req, &size) == NULL);
    req.payload = "abc";
    req.payload_len = INT_MAX - 10; /* total would not fit an int */
    CHECK(pack_request(&req, &size) == NULL);
    resp.payload_len = -7;
    CHECK(pack_response(&resp, &size) == NULL);
    resp.payload_len = 3;
    CHECK(pack_response(&resp, &size) == NULL);
    resp.payload = "abc";
    resp.payload_len = INT_MAX - 15;
    CHECK(pack_response(&resp, &size) == NULL);
    CHECK(pack_response(NULL, &size) == NULL);
    CHECK(size == 1234); /* untouched by every failure */

    app_shared_set_allocator(test_malloc, free);
    alloc_budget = 0;
    req.payload_len = 3;
    resp.payload_len = 3;
    CHECK(pack_request(&req, &size) == NULL && pack_response(&resp, &size) == NULL);
    alloc_budget = -1;
    app_shared_set_allocator(NULL, NULL);
    free(url);
}

/* ------------------------------------------------------------------------
 * Hostile packets
 * ------------------------------------------------------------------------ */

/* unpack on an exact heap copy; when accepted, checks that every pointer
 * lies inside and touches every byte (ASan). */
static bool try_request(const void *bytes, int size)
{
    char *p = exact_copy(bytes, size > 0 ? (size_t)size : 0);
    request_t r;
    bool ok = unpack_request(p, size, &r) != NULL;

    if (ok) {
        size_t url_len = strlen(r.url) + 1;
        volatile char sum = 0;
        CHECK(r.url == p + 18 && 18 + url_len <= (size_t)size);
        CHECK(r.payload_len >= 0
              && (r.payload_len == 0 ? r.payload == NULL
                                     : (char *)r.payload + r.payload_len == p + size));
        for (int i = 0; i < r.payload_len; i++)
            sum = (char)(sum + ((char *)r.payload)[i]);
        (void)sum;
    }
    free(p);
    return ok;
}

static bool try_response(const void *bytes, int size)
{
    char *p = exact_copy(bytes, size > 0 ? (size_t)size : 0);
    response_t r;
    bool ok = unpack_response(p, size, &r) != NULL;

    if (ok) {
        volatile char sum = 0;
        CHECK(r.payload_len == size - 16);
        for (int i = 0; i < r.payload_len; i++)
            sum = (char)(sum + ((char *)r.payload)[i]);
        (void)sum;
    }
    free(p);
    return ok;
}

static void test_truncated_packets(void)
{
    bool all_rejected = true;
    int n;

    CHECK(try_request(golden_request, 29));
    CHECK(try_response(golden_response, 18));
    for (n = 0; n < 29; n++)
        all_rejected = all_rejected && !try_request(golden_request, n);
    for (n = 0; n < 18; n++)
        all_rejected = all_rejected && !try_response(golden_response, n);
    CHECK(all_rejected);
    CHECK(!try_request(golden_request, -1));
    CHECK(!try_request(golden_request, INT_MIN));
    CHECK(!try_response(golden_response, -1));
    CHECK(unpack_request(NULL, 29, &(request_t){ 0 }) == NULL);
    CHECK(unpack_response(NULL, 18, &(response_t){ 0 }) == NULL);
    {   /* a byte too many is rejected too */
        uint8_t longer[30];
        memcpy(longer, golden_request, 29);
        longer[29] = 0;
        CHECK(!try_request(longer, 30));
    }
}

/* Sets a big-endian field of width bytes at pos in a copy of the golden
 * request and tries it. */
static bool try_request_field(uint32_t pos, int width, uint32_t value)
{
    uint8_t p[29];

    memcpy(p, golden_request, sizeof(p));
    for (int i = 0; i < width; i++)
        p[pos + i] = (uint8_t)(value >> (8 * (width - 1 - i)));
    return try_request(p, sizeof(p));
}

static void test_hostile_fields(void)
{
    uint8_t p[29];

    CHECK(!try_request_field(0, 1, 0));            /* version */
    CHECK(!try_request_field(0, 1, 2));
    CHECK(!try_request_field(12, 2, 0xFFFF));      /* url_len */
    CHECK(!try_request_field(12, 2, 0));
    CHECK(!try_request_field(12, 2, 7));
    CHECK(!try_request_field(14, 4, 0xFFFFFFFF));  /* payload_len */
    CHECK(!try_request_field(14, 4, 0xFFFFFFF5));
    CHECK(!try_request_field(14, 4, 0x80000003));
    CHECK(!try_request_field(25, 1, 'x'));         /* url NUL overwritten */
    /* 18 + 0xFFFF + 0xFFFF000C is 29 in u32 arithmetic: rejected. */
    memcpy(p, golden_request, sizeof(p));
    p[12] = p[13] = 0xFF;
    p[14] = p[15] = 0xFF;
    p[16] = 0x00;
    p[17] = 0x0C;
    CHECK(!try_request(p, 29));
    /* url_len 0: byte 17 (payload_len's low byte) would be "the NUL"; the
     * url must hold at least its NUL, so this is rejected. */
    memcpy(p, golden_request, sizeof(p));
    p[12] = p[13] = 0;
    p[14] = p[15] = p[16] = 0;
    p[17] = 0; /* payload_len 0 */
    CHECK(!try_request(p, 18));
    {   /* payload_len 256: byte 17 is 0, the size matches; still rejected */
        uint8_t big[18 + 256];
        memset(big, 0, sizeof(big));
        big[0] = 1;
        big[16] = 1;
        CHECK(!try_request(big, (int)sizeof(big)));
    }
    /* A shorter url that still ends in a NUL, the payload taking the rest. */
    memcpy(p, golden_request, sizeof(p));
    p[13] = 2;
    p[17] = 9;
    p[19] = 0;
    CHECK(try_request(p, 29));
    /* Action, fmt, mid and sender may be anything. */
    CHECK(try_request_field(1, 1, 0xFF) && try_request_field(2, 2, 0xFFFF));
    CHECK(try_request_field(4, 4, 0xFFFFFFFF) && try_request_field(8, 4, 0));
    /* Response: version and payload_len. */
    {
        uint8_t q[18];
        memcpy(q, golden_response, sizeof(q));
        q[0] = 0;
        CHECK(!try_response(q, 18));
        memcpy(q, golden_response, sizeof(q));
        q[12] = q[13] = q[14] = q[15] = 0xFF;
        CHECK(!try_response(q, 18));
        q[12] = 0x80;
        q[13] = q[14] = 0x00;
        q[15] = 0x02; /* 0x80000002: an int would see it negative */
        CHECK(!try_response(q, 18));
    }
}

static void test_every_byte_every_value(void)
{
    unsigned accepted = 0, total = 0;
    uint8_t p[29];

    for (int pos = 0; pos < 29; pos++) {
        for (int v = 0; v < 256; v++) {
            memcpy(p, golden_request, sizeof(p));
            p[pos] = (uint8_t)v;
            accepted += try_request(p, sizeof(p));
            total++;
        }
    }
    for (int pos = 0; pos < 18; pos++) {
        for (int v = 0; v < 256; v++) {
            memcpy(p, golden_response, 18);
            p[pos] = (uint8_t)v;
            accepted += try_response(p, 18);
            total++;
        }
    }
    CHECK(total == (29 + 18) * 256 && accepted > 0 && accepted < total);
}

/* ------------------------------------------------------------------------
 * URL helpers (contract 4.3)
 * ------------------------------------------------------------------------ */

/* check_url_start on an exact heap copy of url (no NUL), so a read past
 * url_len is caught. */
static int url_start(const char *url, const char *pattern)
{
    size_t n = strlen(url);
    char *copy = exact_copy(url, n);
    int r = check_url_start(copy, (int)n, pattern);

    free(copy);
    return r;
}

static void test_check_url_start(void)
{
    /* The contract's examples: "/url1" matches url1, /url1/x, /url1?a=b,
     * not /url10. */
    CHECK(url_start("/url1", "/url1") == 5);
    CHECK(url_start("/url1/x", "/url1") == 6);
    CHECK(url_start("/url1?a=b", "/url1") == 6);
    CHECK(url_start("/url10", "/url1") == 0);
    /* One leading '/' ignored on both sides. */
    CHECK(url_start("url1", "/url1") == 4);
    CHECK(url_start("/url1", "url1") == 5);
    CHECK(url_start("url1/x", "url1") == 5);
    CHECK(url_start("//url1", "/url1") == 0);
    /* One trailing '/' of the pattern ignored. */
    CHECK(url_start("/url1", "/url1/") == 5);
    CHECK(url_start("/url1/x", "url1/") == 6);
    /* An empty pattern never matches. */
    CHECK(url_start("/x", "") == 0);
    CHECK(url_start("/x", "/") == 0);
    CHECK(url_start("/", "//") == 0);
    CHECK(url_start("", "") == 0);
    /* The app manager's own prefixes. */
    CHECK(url_start("/app/request_handler/url1", "/app/") == 5);
    CHECK(url_start("/applet", "/app/") == 0);
    CHECK(url_start("/applet?name=x", "/applet") == 8);
    CHECK(url_start("/event/alert/overheat", "/event/") == 7);
    CHECK(url_start("/ur", "/url1") == 0);
    CHECK(url_start("/URL1", "/url1") == 0);
    CHECK(url_start("/url1#", "/url1") == 0);
    /* url_len bounds the read; no NUL needed. */
    CHECK(check_url_start("/url1xyz", 5, "url1") == 5);
    CHECK(check_url_start("/url1", 0, "url1") == 0);
    CHECK(check_url_start("/url1", -5, "url1") == 0);
    CHECK(check_url_start(NULL, 5, "url1") == 0);
    CHECK(check_url_start("/url1", 5, NULL) == 0);
}

/* find_key_value on an exact heap copy of buf (no NUL). */
static char *kv(const char *buf, const char *key, char *value, int value_len)
{
    size_t n = strlen(buf);
    char *copy = exact_copy(buf, n);
    char *r = find_key_value(copy, (int)n, key, value, value_len, '&');

    free(copy);
    return r;
}

static void test_find_key_value(void)
{
    const char *q = "name=request_handler&type=wasm&heap=8192&wd=";
    char v[32];
    char tiny[4];

    CHECK(kv(q, "name", v, sizeof(v)) == v && strcmp(v, "request_handler") == 0);
    CHECK(kv(q, "type", v, sizeof(v)) == v && strcmp(v, "wasm") == 0);
    CHECK(kv(q, "heap", v, sizeof(v)) == v && strcmp(v, "8192") == 0);
    CHECK(kv(q, "wd", v, sizeof(v)) == v && strcmp(v, "") == 0);
    CHECK(kv(q, "timers", v, sizeof(v)) == NULL);
    CHECK(kv(q, "nam", v, sizeof(v)) == NULL);   /* whole keys only */
    CHECK(kv(q, "ame", v, sizeof(v)) == NULL);
    CHECK(kv(q, "wasm", v, sizeof(v)) == NULL);  /* values are not keys */
    CHECK(kv(q, "", v, sizeof(v)) == NULL);
    /* Cut to fit, always terminated. */
    CHECK(kv(q, "name", tiny, sizeof(tiny)) == tiny && strcmp(tiny, "req") == 0);
    CHECK(kv(q, "name", tiny, 1) == tiny && tiny[0] == 0);
    CHECK(kv(q, "name", tiny, 0) == NULL);
    /* Spaces before a key, repeated delimiters, a key at the very end. */
    CHECK(kv("  a=1&& b=2", "b", v, sizeof(v)) && strcmp(v, "2") == 0);
    CHECK(kv("a=1&b", "b", v, sizeof(v)) == NULL);
    CHECK(kv("a=1&b=", "b", v, sizeof(v)) && strcmp(v, "") == 0);
    CHECK(kv("&&&", "a", v, sizeof(v)) == NULL);
    CHECK(kv("", "a", v, sizeof(v)) == NULL);
    /* The first of duplicate keys wins; another delimiter. */
    CHECK(kv("k=1&k=2", "k", v, sizeof(v)) && strcmp(v, "1") == 0);
    CHECK(find_key_value("x=1;y=2", 7, "y", v, sizeof(v), ';') && strcmp(v, "2") == 0);
    /* buffer_len and the NUL both end the buffer. */
    CHECK(find_key_value("name=abc", 7, "name", v, sizeof(v), '&') && strcmp(v, "ab") == 0);
    CHECK(find_key_value("a=1\0b=2", 7, "b", v, sizeof(v), '&') == NULL);
    CHECK(find_key_value("name=abc", 0, "name", v, sizeof(v), '&') == NULL);
    CHECK(find_key_value("name=abc", -1, "name", v, sizeof(v), '&') == NULL);
    CHECK(find_key_value(NULL, 5, "name", v, sizeof(v), '&') == NULL);
    CHECK(find_key_value("name=abc", 8, NULL, v, sizeof(v), '&') == NULL);
    CHECK(find_key_value("name=abc", 8, "name", NULL, 5, '&') == NULL);
}

/* ------------------------------------------------------------------------
 * Building and deep copies
 * ------------------------------------------------------------------------ */

static void test_building(void)
{
    request_t a, b;
    response_t resp;
    char payload[] = "data";

    init_request(&a, "/url1", COAP_GET, 0, NULL, 0);
    init_request(&b, "/url2", COAP_POST, FMT_ATTR_CONTAINER, payload, 4);
    CHECK(b.mid == a.mid + 1);
    CHECK(b.url[4] == '2' && b.action == COAP_POST && b.fmt == 99);
    CHECK(b.payload == payload && b.payload_len == 4);
    b.sender = 5;
    CHECK(make_response_for_request(&b, &resp) == &resp);
    CHECK(resp.mid == b.mid && resp.reciever == 5);
    CHECK(set_response(&resp, CONTENT_2_05, FMT_ATTR_CONTAINER, payload, 4) == &resp);
    CHECK(resp.status == 69 && resp.fmt == 99);
    CHECK(resp.payload == payload && resp.payload_len == 4);
}

static void test_clones(void)
{
    char payload[] = "payload";
    request_t req = { 9, "/a/b", COAP_PUT, 99, payload, 7, 3 };
    response_t resp = { 9, 69, 99, payload, 7, 3 };
    request_t *rc;
    response_t *pc;
    char *s;
    int budget, made = 0;

    rc = clone_request(&req);
    CHECK(rc && rc->url != req.url && strcmp(rc->url, "/a/b") == 0);
    CHECK(rc && rc->payload != payload && memcmp(rc->payload, payload, 7) == 0);
    CHECK(rc && rc->mid == 9 && rc->sender == 3 && rc->action == COAP_PUT);
    request_cleaner(rc);
    pc = clone_response(&resp);
    CHECK(pc && pc->payload != payload && memcmp(pc->payload, payload, 7) == 0);
    response_cleaner(pc);
    /* payload_len 0: the pointer is a handle, copied as is, never freed. */
    req.payload_len = 0;
    rc = clone_request(&req);
    CHECK(rc && rc->payload == payload);
    request_cleaner(rc);
    CHECK(clone_request(NULL) == NULL && clone_response(NULL) == NULL);
    request_cleaner(NULL);
    response_cleaner(NULL);
    s = wa_strdup("dup");
    CHECK(s && strcmp(s, "dup") == 0);
    free_req_resp_packet(s); /* same allocator */
    CHECK(wa_strdup(NULL) == NULL);

    /* Each allocation failing in turn: NULL and nothing leaked (LSan). */
    req.payload_len = 7;
    app_shared_set_allocator(test_malloc, free);
    for (budget = 0; budget < 4; budget++) {
        alloc_budget = budget;
        rc = clone_request(&req);
        made += rc != NULL;
        request_cleaner(rc);
        alloc_budget = budget;
        pc = clone_response(&resp);
        made += pc != NULL;
        response_cleaner(pc);
    }
    CHECK(made == 1 + 2); /* requests need 3 allocations, responses 2 */
    alloc_budget = -1;
    app_shared_set_allocator(NULL, NULL);
}

int main(void)
{
    test_pack_request_golden();
    test_unpack_request_golden();
    test_response_golden();
    test_round_trips();
    test_pack_refusals();
    test_truncated_packets();
    test_hostile_fields();
    test_every_byte_every_value();
    test_check_url_start();
    test_find_key_value();
    test_building();
    test_clones();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
