/* Unit tests of app-mgr/link/link_session.c against a real in-process
 * manager with no apps: a type-2 "GET /applet" in gives a type-3 response
 * 69 with the request's mid out; a type-2 install is refused 160; an
 * oversize message gets 141 with its mid; a malformed packet is dropped.
 * Prints "N passed, N failed" last; exits nonzero on any failure. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link_parser.h"
#include "link_session.h"

#include "check.h"

/* Responses written by the session, parsed back with a link parser. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int n_resp;
static response_t last;
static uint16_t last_type;

static void out_msg(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    response_t r;

    (void)user;
    pthread_mutex_lock(&lock);
    last_type = type;
    if (unpack_response((char *)payload, (int)size, &r)) {
        last = r;
        last.payload = NULL;
        n_resp++;
    }
    pthread_mutex_unlock(&lock);
}

static lp_parser_t *out_parser;

static int write_cb(void *user, const uint8_t *data, size_t size)
{
    (void)user;
    lp_feed(out_parser, data, size); /* the session serialises writes */
    return 0;
}

/* Waits (a hang detector only) until n responses have come. */
static int wait_resp(int n)
{
    for (int i = 0; i < 1500; i++) {
        pthread_mutex_lock(&lock);
        int got = n_resp;
        pthread_mutex_unlock(&lock);
        if (got >= n)
            return 1;
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    return 0;
}

static void send_req(ls_session_t *s, uint16_t type, const char *url, int action, uint32_t mid)
{
    request_t req = {mid, (char *)url, action, 0, NULL, 0, 0};
    int size = 0;
    char *packet = pack_request(&req, &size);
    size_t n = 0;
    uint8_t *msg = lp_encode(type, packet, (uint32_t)size, &n);

    ls_feed(s, msg, n);
    free(msg);
    free_req_resp_packet(packet);
}

int main(void)
{
    char err[256] = "";
    am_t *am = am_start(NULL, err, sizeof err);
    lp_config_t pc = {0, 0, out_msg, NULL, NULL};
    ls_config_t lc = {64, 0, write_cb, NULL, NULL, NULL};
    ls_session_t *s;
    ls_stats_t st;
    uint8_t big[8 + 100] = {0};
    static const uint8_t bad[] = {0x12, 0x34, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 1, 2, 3};

    CHECK(am != NULL);
    if (!am) {
        printf("am_start: %s\n0 passed, 1 failed\n", err);
        return 1;
    }
    out_parser = lp_new(&pc);
    s = ls_open(am, &lc);
    CHECK(s != NULL);

    send_req(s, LP_TYPE_REQUEST, "/applet", COAP_GET, 0x01020304u);
    CHECK(wait_resp(1));
    CHECK(last_type == LP_TYPE_RESPONSE && last.status == CONTENT_2_05 &&
          last.mid == 0x01020304u && last.fmt == FMT_ATTR_CONTAINER);

    send_req(s, LP_TYPE_REQUEST, "/applet?name=x", COAP_PUT, 77);
    CHECK(wait_resp(2));
    CHECK(last.status == INTERNAL_SERVER_ERROR_5_00 && last.mid == 77);

    lp_encode_header(LP_TYPE_REQUEST, 100, big);
    big[8] = 1;
    big[12 + 3] = 99; /* mid = 99 */
    ls_feed(s, big, sizeof big);
    CHECK(wait_resp(3));
    CHECK(last.status == REQUEST_ENTITY_TOO_LARGE_4_13 && last.mid == 99);

    ls_feed(s, bad, sizeof bad);
    send_req(s, LP_TYPE_REQUEST, "/no/such/url", COAP_GET, 5);
    CHECK(wait_resp(4));
    CHECK(last.status == NOT_FOUND_4_04 && last.mid == 5);
    ls_get_stats(s, &st);
    CHECK(st.dropped == 2 && st.responses == 4 && st.requests == 2);

    ls_close(s);
    am_shutdown(am);
    lp_free(out_parser);
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed != 0;
}
