/* End to end over the link: what apps may do to the manager, to each other
 * and to the hosts (permissions and per-app limits), on the demo device
 * (samples/simple) driven by host_tool and raw sockets. The test app
 * t_perm (test/app-mgr/apps) tries each forbidden or abusive thing and
 * answers attr_containers, which host_tool prints as JSON.
 *
 *   grant   /applet and /event/ from an app: 131 unless --grant NAME;
 *           the sender field of an app's request is the device's
 *   forge   forged and duplicate responses never reach the host or an app;
 *           the real answer does, once
 *   rate    an app publishing 10000 events at once gets errors past its
 *           bucket; a subscribed host gets only the events taken
 *   queue   a full queue answers 163; one app's flood leaves room for the
 *           host in the target's queue
 *   timers  the device's maximum number of timers per app
 *
 * Each case checks that another app and the host are served meanwhile, and
 * ends with the device's clean exit (in the sanitizer build: no leak, no
 * error report). Usage: test_link_perm SIMPLE HOST_TOOL TEST_APPS_DIR CASE.
 * Nothing asserts timing: waits are bounded only to catch hangs. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "attr_container.h"
#include "check.h"
#include "harness.h"
#include "link_parser.h"
#include "shared_utils.h"

#define ID_HOST 4294967293u /* 0xFFFFFFFD, the host's sender id */

static const char *tapps_dir;

/* ------------------------------------------------------------------------
 * host_tool runs
 * ------------------------------------------------------------------------ */

static char *tapp(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];

    snprintf(p, 512, "%s/%s.wasm", tapps_dir, name);
    return p;
}

/* host_tool's exit code (the response status) for args; its JSON answer
 * parsed into *out_json when out_json is not NULL (cJSON_Delete it). */
static int tool(const device_t *d, cJSON **out_json, const char *a1, const char *a2,
                const char *a3, const char *a4)
{
    tool_result_t r = tool_run(d, a1, a2, a3, a4, NULL);
    const char *body = strstr(r.out, "\nresponse status ");
    int code = r.code;

    if (out_json)
        *out_json = body && (body = strchr(body + 1, '\n')) ? cJSON_Parse(body + 1) : NULL;
    if (code < 0 || code == 2 || code == 255)
        printf("host_tool %s %s: exit %d\n%s%s\n", a1, a2 ? a2 : "", code, r.out, r.err);
    tool_free(&r);
    return code;
}

/* host_tool -r URL -A GET: one number of the JSON answer (-1000 when the
 * status is not 69 or the key is missing). */
static double get_num(const device_t *d, const char *url, const char *key)
{
    cJSON *j = NULL;
    double v = -1000;

    if (tool(d, &j, "-r", url, "-A", "GET") == 69) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(j, key);
        if (cJSON_IsNumber(item))
            v = item->valuedouble;
    }
    cJSON_Delete(j);
    return v;
}

/* What t_perm's "ask" reports: the status the app's request was answered
 * with, and its text in text. */
static int ask(const device_t *d, const char *url, char *text, size_t text_size)
{
    cJSON *j = NULL;
    int status = -1000;

    if (tool(d, &j, "-r", url, "-A", "GET") == 69) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
        const cJSON *tx = cJSON_GetObjectItemCaseSensitive(j, "text");
        status = cJSON_IsNumber(st) ? st->valueint : -1000;
        if (text)
            snprintf(text, text_size, "%s", cJSON_IsString(tx) ? tx->valuestring : "");
    }
    cJSON_Delete(j);
    return status;
}

/* Installs test app file as name, with one install option (or NULL). */
/* app's forged response to (receiver, mid); true if it sent exactly that. */
static bool forge(const device_t *d, const char *app, uint32_t receiver, uint32_t mid)
{
    char url[160];
    cJSON *j = NULL;
    const cJSON *sent, *r, *m;
    bool ok;

    snprintf(url, sizeof url, "/app/%s/forge?r=%u&m=%u&p=forged", app, receiver, mid);
    ok = tool(d, &j, "-r", url, "-A", "GET") == 69;
    sent = cJSON_GetObjectItemCaseSensitive(j, "sent");
    r = cJSON_GetObjectItemCaseSensitive(j, "r");
    m = cJSON_GetObjectItemCaseSensitive(j, "m");
    ok = ok && cJSON_IsNumber(sent) && sent->valueint == 1 && cJSON_IsNumber(r) &&
         r->valuedouble == receiver && cJSON_IsNumber(m) && m->valuedouble == mid;
    cJSON_Delete(j);
    return ok;
}

static bool install(const device_t *d, const char *name, const char *file, const char *option)
{
    tool_result_t r = tool_run(d, "-i", name, "-f", tapp(file), option, NULL);
    bool ok = r.code == 65;

    if (!ok)
        printf("install %s: exit %d\n%s%s\n", name, r.code, r.out, r.err);
    tool_free(&r);
    return ok;
}

static int query_num(const device_t *d)
{
    cJSON *j = NULL;
    int n = -1;

    if (tool(d, &j, "-q", NULL, NULL, NULL) == 69) {
        const cJSON *num = cJSON_GetObjectItemCaseSensitive(j, "num");
        n = cJSON_IsNumber(num) ? num->valueint : -1;
    }
    cJSON_Delete(j);
    return n;
}

/* ------------------------------------------------------------------------
 * A raw link connection and what it received
 * ------------------------------------------------------------------------ */

#define MAX_SEEN 64

typedef struct inbox {
    int n_resp;
    struct {
        uint32_t mid;
        int status;
        char text[64];
        int taken, refused;
    } resp[MAX_SEEN];
    int events, markers; /* events, and events whose payload is "marker" */
} inbox_t;

static int attr_int_or(const attr_container_t *c, const char *key, int dflt)
{
    return attr_container_contain_key(c, key) ? attr_container_get_as_int(c, key) : dflt;
}

static void on_link_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    inbox_t *in = user;
    response_t resp;
    request_t ev;

    if (type == LP_TYPE_RESPONSE && unpack_response((char *)payload, (int)size, &resp) &&
        in->n_resp < MAX_SEEN) {
        const attr_container_t *c = resp.payload;
        char *text = NULL;

        in->resp[in->n_resp].mid = resp.mid;
        in->resp[in->n_resp].status = resp.status;
        in->resp[in->n_resp].taken = in->resp[in->n_resp].refused = -1;
        if (resp.fmt == FMT_ATTR_CONTAINER && c &&
            attr_container_validate(resp.payload, (uint32_t)resp.payload_len)) {
            text = attr_container_contain_key(c, "text") ? attr_container_get_as_string(c, "text")
                                                         : NULL;
            in->resp[in->n_resp].taken = attr_int_or(c, "taken", -1);
            in->resp[in->n_resp].refused = attr_int_or(c, "refused", -1);
        }
        snprintf(in->resp[in->n_resp].text, sizeof in->resp[0].text, "%s", text ? text : "");
        in->n_resp++;
    } else if (type == LP_TYPE_REQUEST && unpack_request((char *)payload, (int)size, &ev)) {
        in->events++;
        in->markers += ev.payload_len == 6 && memcmp(ev.payload, "marker", 6) == 0;
    }
}

/* How many responses with mid arrived; the index of the last in *out_at. */
static int responses_to(const inbox_t *in, uint32_t mid, int *out_at)
{
    int n = 0;

    for (int i = 0; i < in->n_resp; i++) {
        if (in->resp[i].mid == mid) {
            n++;
            if (out_at)
                *out_at = i;
        }
    }
    return n;
}

typedef bool (*until_fn)(const inbox_t *in, uint32_t arg);

static bool until_response(const inbox_t *in, uint32_t mid)
{
    return responses_to(in, mid, NULL) > 0;
}

static bool until_n_responses(const inbox_t *in, uint32_t n)
{
    return in->n_resp >= (int)n;
}

static bool until_marker(const inbox_t *in, uint32_t n)
{
    return in->markers >= (int)n;
}

/* Reads fd into in until until(in, arg) holds (or HANG_MS pass). */
static bool raw_wait(int fd, lp_parser_t *parser, const inbox_t *in, until_fn until, uint32_t arg)
{
    static uint8_t buf[65536];
    uint64_t end = now_ms() + HANG_MS;

    while (!until(in, arg) && now_ms() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) == 1) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0)
                break;
            lp_feed(parser, buf, (size_t)n);
        }
    }
    return until(in, arg);
}

static lp_parser_t *inbox_open(inbox_t *in)
{
    lp_config_t c = {.on_message = on_link_message, .user = in};

    memset(in, 0, sizeof *in);
    return lp_new(&c);
}

/* ------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------ */

static void case_grant(void)
{
    static const char *const opts[] = {"--grant", "boss", NULL};
    device_t d;
    char text[256], url[160];
    cJSON *j = NULL;

    CHECK(device_start(&d, (const char *const *)opts));
    CHECK(install(&d, "p", "t_perm", NULL) && install(&d, "boss", "t_perm", NULL) &&
          install(&d, "victim", "t_worker", NULL));
    /* without the grant: 131 with a reason, logged; nothing done */
    CHECK(ask(&d, "/app/p/ask?u=/applet&a=1", text, sizeof text) == 131);
    CHECK(strstr(text, "not granted") != NULL);
    CHECK(ask(&d, "/app/p/ask?u=/applet?name=victim&a=4", NULL, 0) == 131);
    CHECK(ask(&d, "/app/p/ask?u=/event/x&a=3", NULL, 0) == 131);
    CHECK(ask(&d, "/app/p/ask?u=event/x&a=4", NULL, 0) == 131);
    CHECK(query_num(&d) == 3);
    CHECK(collector_has(&d.err, "'p'") && collector_has(&d.err, "refused with 131"));
    CHECK(tool(&d, NULL, "-r", "/app/victim/echo", "-A", "GET") == 69);
    /* nor can it publish the manager's "applets" event */
    CHECK(get_num(&d, "/app/p/pub?u=/applets", "rc") == 131);
    /* the sender field is the device's: p cannot speak as the host */
    snprintf(url, sizeof url, "/app/p/ask?u=/app/boss/whoami&s=%u", ID_HOST);
    CHECK(tool(&d, &j, "-r", url, "-A", "GET") == 69);
    {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
        const cJSON *sender = cJSON_GetObjectItemCaseSensitive(j, "sender");
        const cJSON *forged = cJSON_GetObjectItemCaseSensitive(j, "forged");
        CHECK(cJSON_IsNumber(st) && st->valueint == 69);
        CHECK(cJSON_IsNumber(forged) && forged->valuedouble == ID_HOST);
        CHECK(cJSON_IsNumber(sender) && sender->valuedouble != ID_HOST &&
              sender->valuedouble >= 1 && sender->valuedouble <= 16);
    }
    cJSON_Delete(j);
    /* --grant boss: served */
    CHECK(ask(&d, "/app/boss/ask?u=/applet&a=1", NULL, 0) == 69);
    CHECK(ask(&d, "/app/boss/ask?u=/event/x&a=3", NULL, 0) == 69);
    CHECK(ask(&d, "/app/boss/ask?u=/applet?name=victim&a=4", NULL, 0) == 66);
    CHECK(query_num(&d) == 2);
    CHECK(device_stop(&d) == 0);

    /* the same app on a device without the grant */
    CHECK(device_start(&d, NULL));
    CHECK(install(&d, "boss", "t_perm", NULL));
    CHECK(ask(&d, "/app/boss/ask?u=/applet&a=1", NULL, 0) == 131);
    CHECK(device_stop(&d) == 0);
}

/* Forged and duplicate responses, to the host and to an app. */
static void case_forge(void)
{
    device_t d;
    inbox_t in;
    lp_parser_t *parser = inbox_open(&in);
    int fd, at = -1;
    uint32_t mid, c_id;

    CHECK(device_start(&d, NULL));
    CHECK(install(&d, "a", "t_perm", NULL) && install(&d, "b", "t_perm", NULL) &&
          install(&d, "c", "t_perm", NULL));
    fd = raw_connect(&d);
    CHECK(fd >= 0);
    /* the host asks b (mid 500), which keeps the request unanswered */
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/app/b/later", COAP_GET, 500, 0, NULL, 0));
    mid = (uint32_t)get_num(&d, "/app/b/peek", "mid");
    CHECK(get_num(&d, "/app/b/peek", "sender") == ID_HOST);
    /* a answers it in b's stead: dropped */
    CHECK(forge(&d, "a", ID_HOST, mid));
    /* b answers twice: the host gets the first only */
    CHECK(get_num(&d, "/app/b/answer?p=real&n=2", "sent") == 2);
    /* anything the device sent on fd before the answer to 501 has arrived */
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/applet", COAP_GET, 501, 0, NULL, 0));
    CHECK(raw_wait(fd, parser, &in, until_response, 501));
    CHECK(responses_to(&in, 500, &at) == 1);
    CHECK(at >= 0 && in.resp[at].status == 69 && strcmp(in.resp[at].text, "real") == 0);
    CHECK(collector_has(&d.err, "'a'") && collector_has(&d.err, "'b'") &&
          collector_has(&d.err, "dropped"));

    /* app c asks b (the host's mid 600 waits for c's report); a forges
     * b's answer to c */
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/app/c/ask?u=/app/b/later&t=60000", COAP_GET, 600, 0,
                   NULL, 0));
    c_id = ID_HOST;
    for (int w = 0; w < HANG_MS && c_id == ID_HOST; w += 50) {
        c_id = (uint32_t)get_num(&d, "/app/b/peek", "sender");
        mid = (uint32_t)get_num(&d, "/app/b/peek", "mid");
        if (c_id == ID_HOST)
            sleep_ms(50);
    }
    CHECK(c_id != ID_HOST);
    CHECK(forge(&d, "a", c_id, mid));
    CHECK(forge(&d, "b", c_id, mid + 1)); /* b was asked mid, not this one */
    CHECK(get_num(&d, "/app/c/stats", "responses") == 0);
    CHECK(get_num(&d, "/app/b/answer?p=real&n=2", "sent") == 2);
    CHECK(raw_wait(fd, parser, &in, until_response, 600));
    CHECK(responses_to(&in, 600, &at) == 1);
    CHECK(at >= 0 && in.resp[at].status == 69 && strcmp(in.resp[at].text, "real") == 0);
    CHECK(get_num(&d, "/app/c/stats", "responses") == 1);
    close(fd);
    lp_free(parser);
    CHECK(device_stop(&d) == 0);
}

/* 10000 events in one callback against a bucket of 100 (10 per second). */
static void case_rate(void)
{
    static const char *const opts[] = {"--max-event-rate", "10", "--max-event-burst", "100",
                                       NULL};
    device_t d;
    inbox_t in;
    lp_parser_t *parser = inbox_open(&in);
    int fd, at = -1, taken, refused;

    CHECK(device_start(&d, (const char *const *)opts));
    CHECK(install(&d, "pub", "t_perm", NULL) && install(&d, "other", "t_perm", NULL));
    fd = raw_connect(&d);
    CHECK(fd >= 0);
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/event/flood", COAP_PUT, 1, 0, NULL, 0));
    CHECK(raw_wait(fd, parser, &in, until_response, 1) && in.resp[0].status == 69);
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/app/pub/pubflood?u=flood&n=10000", COAP_GET, 2, 0,
                   NULL, 0));
    /* served meanwhile */
    CHECK(tool(&d, NULL, "-r", "/app/other/echo", "-A", "GET") == 69);
    CHECK(query_num(&d) == 2);
    CHECK(raw_wait(fd, parser, &in, until_response, 2));
    CHECK(responses_to(&in, 2, &at) == 1 && at >= 0);
    taken = at >= 0 ? in.resp[at].taken : -1;
    refused = at >= 0 ? in.resp[at].refused : -1;
    printf("pubflood: %d taken, %d refused\n", taken, refused);
    CHECK(taken + refused == 10000 && taken >= 100 && refused > 0);
    /* another app's bucket is full: its marker event comes after all of
     * pub's on this connection */
    CHECK(get_num(&d, "/app/other/pub?u=flood&p=marker", "rc") == 0);
    CHECK(raw_wait(fd, parser, &in, until_marker, 1));
    CHECK(in.events - in.markers == taken && in.events - 1 < 10000);
    /* the publisher was told once (a 163 answer) and it was logged once */
    CHECK(get_num(&d, "/app/pub/stats", "r163") == 1);
    CHECK(collector_count(&d.err, "event rate limit") == 1);
    CHECK(tool(&d, NULL, "-r", "/app/pub/echo", "-A", "GET") == 69);
    close(fd);
    lp_free(parser);
    CHECK(device_stop(&d) == 0);
}

/* --queue-len 8: an app gets 4 places in another's queue, the host the rest;
 * then 163. */
static void case_queue(void)
{
    /* the spin's answer (at 5 s) must come before the host's request times out */
    static const char *const opts[] = {"--queue-len", "8", "--request-timeout", "120000", NULL};
    device_t d;
    inbox_t in;
    lp_parser_t *parser = inbox_open(&in);
    cJSON *j = NULL;
    int fd, at = -1, n163 = 0;

    CHECK(device_start(&d, (const char *const *)opts));
    CHECK(install(&d, "slow", "t_perm", "--watchdog=5000"));
    CHECK(install(&d, "a", "t_perm", NULL) && install(&d, "other", "t_perm", NULL));
    fd = raw_connect(&d);
    CHECK(fd >= 0);
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/app/slow/spin", COAP_GET, 1, 0, NULL, 0));
    /* a floods slow: 4 of its requests wait, 6 are refused with 163 */
    CHECK(tool(&d, &j, "-r", "/app/a/qflood?u=/app/slow/echo&n=10", "-A", "GET") == 69);
    {
        const cJSON *taken = cJSON_GetObjectItemCaseSensitive(j, "taken");
        const cJSON *full = cJSON_GetObjectItemCaseSensitive(j, "rc163");
        CHECK(cJSON_IsNumber(taken) && taken->valueint == 4);
        CHECK(cJSON_IsNumber(full) && full->valueint == 6);
    }
    cJSON_Delete(j);
    /* the host still gets in (3 places, 4 if the spin left the queue), then 163 */
    for (uint32_t mid = 10; mid < 15; mid++)
        CHECK(raw_send(fd, LP_TYPE_REQUEST, "/app/slow/echo", COAP_GET, mid, 0, NULL, 0));
    CHECK(tool(&d, NULL, "-r", "/app/other/echo", "-A", "GET") == 69);
    CHECK(query_num(&d) == 3);
    /* the watchdog ends the spin; everything queued is answered */
    CHECK(raw_wait(fd, parser, &in, until_n_responses, 6));
    CHECK(responses_to(&in, 1, &at) == 1 && at >= 0 && in.resp[at].status == 160);
    for (uint32_t mid = 10; mid < 15; mid++) {
        CHECK(responses_to(&in, mid, &at) == 1 && at >= 0);
        if (mid < 13)
            CHECK(in.resp[at].status == 69);
        else
            n163 += in.resp[at].status == 163;
    }
    CHECK(n163 >= 1 && responses_to(&in, 14, &at) == 1 && in.resp[at].status == 163);
    CHECK(get_num(&d, "/app/a/stats", "r163") == 6 && get_num(&d, "/app/a/stats", "r69") == 4);
    CHECK(collector_has(&d.err, "refused with 163"));
    close(fd);
    lp_free(parser);
    CHECK(device_stop(&d) == 0);
}

/* --max-timers 4: whatever an app asks, 4 timers; then -1, logged. */
static void case_timers(void)
{
    static const char *const opts[] = {"--max-timers", "4", NULL};
    device_t d;

    CHECK(device_start(&d, (const char *const *)opts));
    CHECK(install(&d, "t", "t_perm", "--timers=10"));
    CHECK(install(&d, "u", "t_perm", NULL));
    CHECK(get_num(&d, "/app/t/timers?n=100", "created") == 4);
    CHECK(get_num(&d, "/app/t/timers?n=100", "last") == -1);
    CHECK(wait_text(&d.err, "timers are in use", HANG_MS));
    CHECK(get_num(&d, "/app/u/timers?n=100", "created") == 4);
    CHECK(tool(&d, NULL, "-r", "/app/t/echo", "-A", "GET") == 69);
    CHECK(device_stop(&d) == 0);
}

static const harness_case_t cases[] = {
    {"grant", case_grant}, {"forge", case_forge},   {"rate", case_rate},
    {"queue", case_queue}, {"timers", case_timers},
};

int main(int argc, char **argv)
{
    const char **const args[] = {&tapps_dir, NULL};
    const harness_case_t *c = harness_pick(argc, argv, "TEST_APPS_DIR", args, cases,
                                           sizeof cases / sizeof cases[0]);

    if (!c)
        return 2;
    c->run();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
