/* End-to-end tests of the in-process app manager (app-mgr/core) and the
 * device side of the app framework, driven as an embedder would: apps from
 * apps/ are installed and talked to through am_request, events and sensors.
 * Usage: test_app_mgr <dir with the test wasm files> <case>. Nothing here
 * asserts timing: waits poll a condition with a generous bound that only
 * catches hangs. Prints "N passed, N failed" last; exits nonzero on failure. */
#define _GNU_SOURCE /* ptsname_r */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "am_test_util.h"
#include "app_manager.h"
#include "check.h"

#define WAIT_MS 15000 /* bound of every wait: a hang detector, not a timing check */

static const char *wasm_dir;
static am_t *am;
static am_client_t *client;

/* ------------------------------------------------------------------------
 * Log capture
 * ------------------------------------------------------------------------ */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[65536];
static size_t log_len;

static void log_line(void *user, int level, const char *line)
{
    (void)user;
    pthread_mutex_lock(&log_lock);
    int n = snprintf(log_text + log_len, sizeof log_text - log_len, "%d %s\n", level, line);
    if (n > 0 && log_len + (size_t)n < sizeof log_text)
        log_len += (size_t)n;
    pthread_mutex_unlock(&log_lock);
}

static bool log_has(const char *a, const char *b)
{
    bool found = false;

    pthread_mutex_lock(&log_lock);
    for (char *line = log_text; line && *line && !found;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char copy[600];
        snprintf(copy, sizeof copy, "%.*s", (int)len, line);
        found = strstr(copy, a) && (!b || strstr(copy, b));
        line = end ? end + 1 : NULL;
    }
    pthread_mutex_unlock(&log_lock);
    return found;
}

/* ------------------------------------------------------------------------
 * Events the embedder's client receives
 * ------------------------------------------------------------------------ */

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static int ev_count;
static char ev_url[256], ev_payload[256];
static uint32_t ev_sender;
static int ev_applets_num = -1;

static void on_event(void *user, const request_t *ev)
{
    (void)user;
    pthread_mutex_lock(&ev_lock);
    ev_count++;
    snprintf(ev_url, sizeof ev_url, "%s", ev->url);
    snprintf(ev_payload, sizeof ev_payload, "%.*s",
             ev->fmt == FMT_ATTR_CONTAINER ? 0 : ev->payload_len,
             ev->payload ? (const char *)ev->payload : "");
    ev_sender = (uint32_t)ev->sender;
    if (ev->fmt == FMT_ATTR_CONTAINER && ev->payload &&
        attr_container_validate(ev->payload, (uint32_t)ev->payload_len) &&
        strcmp(attr_container_get_tag(ev->payload), "All Applets") == 0)
        ev_applets_num = attr_container_get_as_int(ev->payload, "num");
    pthread_mutex_unlock(&ev_lock);
}

static int events_seen(void)
{
    pthread_mutex_lock(&ev_lock);
    int n = ev_count;
    pthread_mutex_unlock(&ev_lock);
    return n;
}

/* ------------------------------------------------------------------------
 * Requests from the embedder
 * ------------------------------------------------------------------------ */

static void send_async(const char *url, int action, int fmt, const void *payload, int len,
                       uint32_t timeout_ms, reply_t *r)
{
    request_t req;

    memset(&req, 0, sizeof req);
    req.url = (char *)url;
    req.action = action;
    req.fmt = fmt;
    req.payload = (void *)payload;
    req.payload_len = len;
    req.mid = 4242;
    req.sender = 7;
    reply_init(r);
    CHECK(am_request(client, &req, timeout_ms, on_reply, r));
}

/* Sends and waits; returns the status (-1: timed out, -2: hang). */
static int call_ex(const char *url, int action, const void *payload, int len, uint32_t timeout_ms,
                   char *out, size_t out_size)
{
    reply_t r;
    int status;

    send_async(url, action, 0, payload, len, timeout_ms, &r);
    if (!reply_wait(&r, timeout_ms + WAIT_MS))
        status = -2;
    else
        status = r.timed_out ? -1 : r.status;
    if (out) {
        size_t n = r.done && !r.timed_out ? strlen(r.payload) : 0;
        n = n < out_size - 1 ? n : out_size - 1;
        memcpy(out, r.payload, n);
        out[n] = '\0';
    }
    if (r.done && !r.timed_out) {
        CHECK(r.mid == 4242);
        CHECK(r.reciever == 7);
    }
    reply_fini(&r);
    return status;
}

static int call(const char *url, char *out, size_t out_size)
{
    return call_ex(url, COAP_GET, NULL, 0, 0, out, out_size);
}

/* The "error message" of a 160-style answer, or "". */
static void error_message(const reply_t *r, char *out, size_t out_size)
{
    const attr_container_t *c = (const attr_container_t *)r->payload;
    char *text;

    out[0] = '\0';
    if (r->fmt == FMT_ATTR_CONTAINER && attr_container_validate(r->payload, (uint32_t)r->len) &&
        (text = attr_container_get_as_string(c, "error message")))
        snprintf(out, out_size, "%s", text);
}

/* Status of url, with the error message of the answer in msg. */
static int call_err(const char *url, int action, char *msg, size_t msg_size)
{
    reply_t r;
    int status;

    send_async(url, action, 0, NULL, 0, 0, &r);
    status = reply_wait(&r, WAIT_MS) ? (r.timed_out ? -1 : r.status) : -2;
    error_message(&r, msg, msg_size);
    reply_fini(&r);
    return status;
}

/* An int out of app's "stats" (-1000 when missing). */
static int stat_of(const char *app, const char *key)
{
    char url[160];
    reply_t r;
    int value = -1000;

    snprintf(url, sizeof url, "/app/%s/stats", app);
    send_async(url, COAP_GET, 0, NULL, 0, 0, &r);
    if (reply_wait(&r, WAIT_MS) && !r.timed_out && r.status == CONTENT_2_05 &&
        attr_container_validate(r.payload, (uint32_t)r.len) &&
        attr_container_contain_key((attr_container_t *)r.payload, key))
        value = attr_container_get_as_int((attr_container_t *)r.payload, key);
    reply_fini(&r);
    return value;
}

static void stat_str(const char *app, const char *key, char *out, size_t out_size)
{
    char url[160];
    reply_t r;
    const attr_container_t *c;
    unsigned len = 0;
    const int8_t *bytes;
    char *text;

    snprintf(url, sizeof url, "/app/%s/stats", app);
    send_async(url, COAP_GET, 0, NULL, 0, 0, &r);
    out[0] = '\0';
    c = (const attr_container_t *)r.payload;
    if (reply_wait(&r, WAIT_MS) && !r.timed_out && attr_container_validate(r.payload, (uint32_t)r.len)) {
        if (!strcmp(key, "conn_data") && (bytes = attr_container_get_as_bytearray(c, key, &len)))
            snprintf(out, out_size, "%.*s", (int)len, (const char *)bytes);
        else if ((text = attr_container_get_as_string(c, key)))
            snprintf(out, out_size, "%s", text);
    }
    reply_fini(&r);
}

/* Waits until app's stat key reaches at least min; the last value. */
static int wait_stat(const char *app, const char *key, int min)
{
    int v = stat_of(app, key);

    for (int waited = 0; v < min && waited < WAIT_MS; waited += 10) {
        sleep_ms(10);
        v = stat_of(app, key);
    }
    return v;
}

static int call_int(const char *url)
{
    char text[64];

    return call(url, text, sizeof text) == CONTENT_2_05 ? atoi(text) : -1000;
}

/* ------------------------------------------------------------------------
 * Installing
 * ------------------------------------------------------------------------ */

static uint8_t *read_wasm(const char *name, uint32_t *out_size)
{
    char path[512];

    snprintf(path, sizeof path, "%s/%s.wasm", wasm_dir, name);
    return am_test_read_file(path, out_size);
}

static bool install_ex(const char *file, const char *name, uint32_t wd, uint32_t timers,
                       char *err, uint32_t err_size)
{
    am_app_params_t p;
    uint32_t size = 0;
    uint8_t *wasm = read_wasm(file, &size);
    bool ok;

    memset(&p, 0, sizeof p);
    p.name = name;
    p.watchdog_ms = wd;
    p.max_timers = timers;
    ok = wasm && am_install(am, &p, wasm, size, err, err_size);
    if (!wasm)
        snprintf(err, err_size, "cannot read %s.wasm", file);
    free(wasm);
    return ok;
}

static bool install(const char *file, const char *name)
{
    char err[512] = "";
    bool ok = install_ex(file, name, 0, 0, err, sizeof err);

    if (!ok)
        printf("install %s as %s: %s\n", file, name, err);
    return ok;
}

static bool start(const am_config_t *cfg)
{
    return am_test_start(cfg, log_line, on_event, &am, &client);
}

static void stop(void)
{
    am_shutdown(am);
    am = NULL;
    client = NULL;
}

/* ------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------ */

/* Request/response between two apps, resource routing (4.3). */
static void case_reqresp(void)
{
    char text[256];

    CHECK(install("t_worker", "a") && install("t_worker", "b"));
    CHECK(call("/app/b/id?v=B", NULL, 0) == CONTENT_2_05);
    CHECK(call("/app/a/id?v=A", NULL, 0) == CONTENT_2_05);
    CHECK(call("/app/b/reg?u=/url1", NULL, 0) == CONTENT_2_05);
    /* app a asks /url1, owned by b; b's answer is routed back to a */
    CHECK(call("/app/a/send?u=/url1", text, sizeof text) == CONTENT_2_05);
    CHECK(strcmp(text, "69:B") == 0);
    CHECK(call("/app/a/send?u=/app/b/echo", text, sizeof text) == CONTENT_2_05);
    CHECK(strncmp(text, "69:", 3) == 0);
    /* the matching rule */
    CHECK(call("/url1", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "B"));
    CHECK(call("url1", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "B"));
    CHECK(call("/url1/x", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "B"));
    CHECK(call("/url1?q=1", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "B"));
    CHECK(call("/url10", NULL, 0) == NOT_FOUND_4_04);
    CHECK(call("/nothing/here", NULL, 0) == NOT_FOUND_4_04);
    /* newest registration wins; one owner per URL */
    CHECK(call("/app/a/reg?u=/url1/deep", NULL, 0) == CONTENT_2_05);
    CHECK(call("/url1/deep/x", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "A"));
    CHECK(call("/url1/other", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "B"));
    CHECK(call("/app/a/reg?u=/url1/", NULL, 0) == CONTENT_2_05);
    CHECK(log_has("URL /url1/ is registered by another app", "'a'"));
    CHECK(call("/url1/other", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "B"));
    CHECK(call("/app/b/reg?u=url1", NULL, 0) == CONTENT_2_05); /* its own: no-op */
    /* the manager's URLs cannot be taken */
    CHECK(call_err("/app/a/reg?u=/applet", COAP_GET, text, sizeof text) ==
          INTERNAL_SERVER_ERROR_5_00);
    CHECK(strstr(text, "belongs to the app manager") != NULL);
    /* uninstalling b frees /url1 */
    CHECK(am_uninstall(am, "b", NULL, 0));
    CHECK(call("/url1", NULL, 0) == NOT_FOUND_4_04);
    CHECK(call("/app/a/reg?u=/url1", NULL, 0) == CONTENT_2_05);
    CHECK(call("/url1", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "A"));
}

/* /app/<name>/..., /applet and the applets event. */
static void case_apptarget(void)
{
    char text[256];
    reply_t r;
    uint32_t size = 0;
    uint8_t *wasm = read_wasm("t_worker", &size);

    CHECK(am_subscribe(client, "/applets"));
    CHECK(install("t_worker", "a") && install("t_worker", "b"));
    send_async("/app/a/echo", COAP_POST, 0, "payload!", 8, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == CONTENT_2_05 && !strcmp(r.payload, "payload!"));
    reply_fini(&r);
    CHECK(call_err("/app/nosuch/echo", COAP_GET, text, sizeof text) == INTERNAL_SERVER_ERROR_5_00);
    CHECK(call("/app/a", NULL, 0) == CONTENT_2_05);
    /* GET /applet: newest first */
    send_async("/applet", COAP_GET, 0, NULL, 0, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == CONTENT_2_05 && r.fmt == FMT_ATTR_CONTAINER);
    if (attr_container_validate(r.payload, (uint32_t)r.len)) {
        attr_container_t *c = (attr_container_t *)r.payload;
        CHECK(!strcmp(attr_container_get_tag(c), "Applets Info"));
        CHECK(attr_container_get_as_int(c, "num") == 2);
        CHECK(!strcmp(attr_container_get_as_string(c, "applet1"), "b"));
        CHECK(!strcmp(attr_container_get_as_string(c, "applet2"), "a"));
        CHECK(attr_container_get_as_int(c, "heap1") == 8192);
    } else {
        CHECK(!"GET /applet answer is an attr_container");
    }
    reply_fini(&r);
    send_async("/applet?name=a", COAP_GET, 0, NULL, 0, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == CONTENT_2_05);
    CHECK(attr_container_validate(r.payload, (uint32_t)r.len) &&
          !strcmp(attr_container_get_as_string((attr_container_t *)r.payload, "name"), "a"));
    reply_fini(&r);
    CHECK(call_err("/applet?name=zz", COAP_GET, text, sizeof text) == INTERNAL_SERVER_ERROR_5_00);
    CHECK(!strcmp(text, "Query Applet failed: the app is not found."));
    CHECK(call_err("/applet?name=zz", COAP_DELETE, text, sizeof text) ==
          INTERNAL_SERVER_ERROR_5_00);
    CHECK(!strcmp(text, "Uninstall WASM app failed: no app found."));
    /* install and uninstall through requests */
    send_async("/applet?name=c&heap=100&timers=3&wd=5000", COAP_PUT, FMT_APP_RAW_BINARY, wasm,
               (int)size, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == CREATED_2_01);
    reply_fini(&r);
    send_async("/applet?name=c", COAP_PUT, FMT_APP_RAW_BINARY, wasm, (int)size, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == INTERNAL_SERVER_ERROR_5_00);
    error_message(&r, text, sizeof text);
    CHECK(!strcmp(text, "Install WASM app failed: app already installed."));
    reply_fini(&r);
    send_async("/applet?name=c", COAP_GET, 0, NULL, 0, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == CONTENT_2_05 &&
          attr_container_get_as_int((attr_container_t *)r.payload, "heap") == 256);
    reply_fini(&r);
    CHECK(am_app_count(am) == 3);
    CHECK(call("/app/c/echo", NULL, 0) == CONTENT_2_05);
    CHECK(call_int("/app/c/tflood") == 3);
    CHECK(call("/applet?name=c", NULL, 0) == CONTENT_2_05);
    CHECK(call_ex("/applet?name=c", COAP_DELETE, NULL, 0, 0, NULL, 0) == DELETED_2_02);
    CHECK(am_app_count(am) == 2);
    CHECK(call("/app/c/echo", NULL, 0) == INTERNAL_SERVER_ERROR_5_00);
    /* every install and uninstall raised "/applets" with the app count */
    for (int w = 0; w < WAIT_MS && ev_applets_num != 2; w += 10)
        sleep_ms(10);
    CHECK(ev_applets_num == 2);
    CHECK(!strcmp(ev_url, "/applets"));
    CHECK(ev_sender == AM_ID_APP_MANAGER);
    free(wasm);
}

/* Publish/subscribe with several subscribers, host ones included. */
static void case_pubsub(void)
{
    char text[256];
    char url[64];

    CHECK(install("t_worker", "a") && install("t_worker", "b") && install("t_worker", "c"));
    CHECK(call("/app/a/sub?u=alert/x", NULL, 0) == CONTENT_2_05);
    CHECK(call("/app/b/sub?u=/alert/x", NULL, 0) == CONTENT_2_05);
    CHECK(call("/app/b/sub?u=/alert/x", NULL, 0) == CONTENT_2_05); /* twice: once */
    CHECK(call("/app/c/sub?u=alert/y", NULL, 0) == CONTENT_2_05);
    CHECK(call_ex("/event/alert/x", COAP_PUT, NULL, 0, 0, NULL, 0) == CONTENT_2_05);
    CHECK(call_ex("/app/a/pub?u=/alert/x", COAP_POST, "hot", 3, 0, NULL, 0) == CONTENT_2_05);
    CHECK(wait_stat("a", "events", 1) == 1); /* its own event reaches it */
    CHECK(wait_stat("b", "events", 1) == 1);
    for (int w = 0; w < WAIT_MS && events_seen() < 1; w += 10)
        sleep_ms(10);
    CHECK(events_seen() == 1);
    CHECK(!strcmp(ev_payload, "hot") && !strcmp(ev_url, "/alert/x"));
    stat_str("b", "ev_payload", text, sizeof text);
    CHECK(!strcmp(text, "hot"));
    CHECK(stat_of("c", "events") == 0);
    CHECK(stat_of("b", "ev_sender") == stat_of("a", "ev_sender"));
    /* the host publishes: sender -3 */
    CHECK(am_publish(client, "alert/y", 0, "cold", 4));
    CHECK(wait_stat("c", "events", 1) == 1);
    CHECK((uint32_t)stat_of("c", "ev_sender") == AM_ID_HOST);
    /* unsubscribing the host, through a request */
    CHECK(call_ex("/event/alert/x", COAP_DELETE, NULL, 0, 0, NULL, 0) == CONTENT_2_05);
    CHECK(call_ex("/app/a/pub?u=alert/x", COAP_POST, "again", 5, 0, NULL, 0) == CONTENT_2_05);
    CHECK(wait_stat("b", "events", 2) == 2);
    CHECK(events_seen() == 1);
    CHECK(am_subscribe(client, "alert/z") && am_unsubscribe(client, "/alert/z"));
    CHECK(!am_unsubscribe(client, "alert/z"));
    CHECK(!am_subscribe(client, "/") && !am_subscribe(client, ""));
    /* a closed client's subscriptions end with it */
    am_client_t *other = am_client_open(am, on_event, NULL);
    CHECK(other && am_subscribe(other, "alert/x"));
    am_client_close(other);
    CHECK(call_ex("/app/a/pub?u=alert/x", COAP_POST, "x", 1, 0, NULL, 0) == CONTENT_2_05);
    CHECK(wait_stat("b", "events", 3) == 3);
    CHECK(events_seen() == 1);
    /* an uninstalled subscriber is gone from the registry */
    CHECK(am_uninstall(am, "b", NULL, 0));
    snprintf(url, sizeof url, "/app/a/pub?u=alert/x");
    CHECK(call_ex(url, COAP_POST, "3", 1, 0, NULL, 0) == CONTENT_2_05);
    CHECK(wait_stat("a", "events", 4) == 4);
    /* a flood of events while requests keep being answered */
    CHECK(call_int("/app/a/pflood?u=alert/y&n=300") == 300);
    for (int i = 0; i < 20; i++)
        CHECK(call("/app/c/echo", NULL, 0) == CONTENT_2_05);
    CHECK(stat_of("c", "events") >= 2);
}

/* Periodic and one-shot timers, cancel, restart, the slot pool. */
static void case_timers(void)
{
    char url[128], err[256];
    int periodic, oneshot, idle;

    CHECK(install("t_worker", "a"));
    periodic = call_int("/app/a/timer?i=5&p=1");
    oneshot = call_int("/app/a/timer?i=5&p=0");
    idle = call_int("/app/a/timer?i=5&p=0&a=0");
    CHECK(periodic == 1 && oneshot == 2 && idle == 3);
    snprintf(url, sizeof url, "t%d", periodic);
    CHECK(wait_stat("a", url, 3) >= 3);
    snprintf(url, sizeof url, "t%d", oneshot);
    CHECK(wait_stat("a", url, 1) == 1);
    /* cancel: nothing more fires once the cancel has been answered */
    snprintf(url, sizeof url, "/app/a/cancel?id=%d", periodic);
    CHECK(call(url, NULL, 0) == CONTENT_2_05);
    snprintf(url, sizeof url, "t%d", periodic);
    int after_cancel = stat_of("a", url);
    sleep_ms(100);
    CHECK(stat_of("a", url) == after_cancel);
    /* restart: the cancelled periodic one runs again, the one-shot fires again */
    snprintf(url, sizeof url, "/app/a/restart?id=%d&i=5", periodic);
    CHECK(call(url, NULL, 0) == CONTENT_2_05);
    snprintf(url, sizeof url, "t%d", periodic);
    CHECK(wait_stat("a", url, after_cancel + 2) >= after_cancel + 2);
    snprintf(url, sizeof url, "/app/a/restart?id=%d&i=1", oneshot);
    CHECK(call(url, NULL, 0) == CONTENT_2_05);
    snprintf(url, sizeof url, "t%d", oneshot);
    CHECK(wait_stat("a", url, 2) == 2);
    /* a timer created without auto_start fires only once started */
    snprintf(url, sizeof url, "t%d", idle);
    CHECK(stat_of("a", url) == -1000);
    snprintf(url, sizeof url, "/app/a/restart?id=%d&i=1", idle);
    CHECK(call(url, NULL, 0) == CONTENT_2_05);
    snprintf(url, sizeof url, "t%d", idle);
    CHECK(wait_stat("a", url, 1) == 1);
    snprintf(url, sizeof url, "/app/a/destroy?id=%d", periodic);
    CHECK(call(url, NULL, 0) == CONTENT_2_05);
    /* the pool: 20 by default, all of them back after destroy */
    CHECK(call_int("/app/a/tflood") == 20);
    CHECK(call_int("/app/a/tflood") == 20);
    /* [better] cancel without destroy does not leak slots */
    CHECK(call_int("/app/a/tchurn?n=200") == 200);
    CHECK(call_int("/app/a/tflood") == 20);
    /* a flood of live timers: the pool's size, then -1 */
    CHECK(call_int("/app/a/tflood?keep=1") == 20);
    CHECK(call_int("/app/a/timer?i=5") == -1);
    CHECK(call("/app/a/echo", NULL, 0) == CONTENT_2_05);
    /* per-app pool sizes: asked, and clamped to the limit (30) */
    CHECK(install_ex("t_worker", "five", 0, 5, err, sizeof err));
    CHECK(call_int("/app/five/tflood") == 5);
    CHECK(install_ex("t_worker", "many", 0, 1000, err, sizeof err));
    CHECK(call_int("/app/many/tflood") == 30);
    CHECK(call("/app/a/tick", NULL, 0) == CONTENT_2_05);
}

/* ------------------------------------------------------------------------
 * Sensors
 * ------------------------------------------------------------------------ */

static pthread_mutex_t sensor_lock = PTHREAD_MUTEX_INITIALIZER;
static int sensor_reads[4];
static int sensor_config_interval = -1;

static attr_container_t *read_sensor(void *user)
{
    attr_container_t *c = attr_container_create("read test sensor data");
    int which = (int)(intptr_t)user;

    pthread_mutex_lock(&sensor_lock);
    sensor_reads[which]++;
    pthread_mutex_unlock(&sensor_lock);
    attr_container_set_string(&c, "name", "read test sensor");
    attr_container_set_int(&c, "which", which);
    return c;
}

static bool config_sensor(void *user, const attr_container_t *cfg)
{
    (void)user;
    pthread_mutex_lock(&sensor_lock);
    if (attr_container_contain_key(cfg, "interval"))
        sensor_config_interval = attr_container_get_as_int(cfg, "interval");
    pthread_mutex_unlock(&sensor_lock);
    return true;
}

static void case_sensors(void)
{
    char url[128];
    int s1 = am_sensor_register(am, "sensor_test1", 0, 1000, read_sensor, config_sensor,
                                (void *)(intptr_t)1);
    int s2 = am_sensor_register(am, "sensor_test2", 0, 1000, read_sensor, config_sensor,
                                (void *)(intptr_t)2);

    CHECK(s1 > 0 && s2 > 0 && s1 != s2);
    CHECK(am_sensor_register(am, "sensor_test1", 0, 10, read_sensor, NULL, NULL) == -1);
    CHECK(am_sensor_register(am, "sensor_test1", 1, 10, read_sensor, NULL, NULL) > 0);
    CHECK(am_sensor_interval(am, s1) == 0); /* nobody listens yet */
    CHECK(install("t_worker", "a") && install("t_worker", "b"));
    CHECK(call_int("/app/a/sensor?n=sensor_test1&i=20") == s1);
    CHECK(call_int("/app/a/sensor?n=sensor_test2&i=60") == s2);
    CHECK(call_int("/app/a/sensor?n=sensor_test1") == -1); /* already open */
    CHECK(call_int("/app/a/sensor?n=nosuch") == -1);
    CHECK(am_sensor_interval(am, s1) == 20 && am_sensor_interval(am, s2) == 60);
    CHECK(sensor_config_interval == 60);
    snprintf(url, sizeof url, "s%d", s1);
    CHECK(wait_stat("a", url, 3) >= 3);
    snprintf(url, sizeof url, "s%d", s2);
    CHECK(wait_stat("a", url, 2) >= 2);
    CHECK(stat_of("a", "sensor_len") > 0); /* a well-formed attr_container */
    /* a second client at a smaller interval: the sensor samples at the minimum */
    CHECK(call_int("/app/b/sensor?n=sensor_test1&i=10") == s1);
    CHECK(am_sensor_interval(am, s1) == 10);
    snprintf(url, sizeof url, "s%d", s1);
    CHECK(wait_stat("b", url, 2) >= 2);
    /* interval 0 stops this client's samples only */
    CHECK(call_int("/app/b/sensor?n=sensor_test2&i=0") == s2);
    CHECK(am_sensor_interval(am, s2) == 60);
    snprintf(url, sizeof url, "/app/b/sclose?id=%d", s1);
    CHECK(call_int(url) == 1);
    CHECK(call_int(url) == 0);
    CHECK(am_sensor_interval(am, s1) == 20);
    /* uninstalling a closes its sensors */
    CHECK(am_uninstall(am, "a", NULL, 0));
    CHECK(am_sensor_interval(am, s1) == 0 && am_sensor_interval(am, s2) == 0);
}

/* ------------------------------------------------------------------------
 * TCP against a local echo server
 * ------------------------------------------------------------------------ */

static int echo_listen_fd;
static atomic_int echo_stop;

/* Echoes every connection; closes one when it receives "bye". */
static void *echo_server(void *arg)
{
    struct pollfd fds[8];
    int n = 1;

    (void)arg;
    fds[0].fd = echo_listen_fd;
    fds[0].events = POLLIN;
    for (int rounds = 0; !atomic_load(&echo_stop) && rounds < 200000; rounds++) {
        if (poll(fds, (nfds_t)n, 50) <= 0)
            continue;
        if ((fds[0].revents & POLLIN) && n < 8) {
            int fd = accept(echo_listen_fd, NULL, NULL);
            if (fd >= 0) {
                fds[n].fd = fd;
                fds[n++].events = POLLIN;
            }
        }
        for (int i = 1; i < n; i++) {
            char buf[512];
            ssize_t got;
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            got = read(fds[i].fd, buf, sizeof buf);
            if (got > 0 && !(got == 3 && !memcmp(buf, "bye", 3)) &&
                write(fds[i].fd, buf, (size_t)got) == got)
                continue;
            close(fds[i].fd);
            fds[i--] = fds[--n];
        }
    }
    for (int i = 0; i < n; i++)
        close(fds[i].fd);
    return NULL;
}

static int echo_start(pthread_t *thread)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;

    atomic_store(&echo_stop, 0);
    echo_listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(echo_listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(echo_listen_fd, 8) != 0 ||
        getsockname(echo_listen_fd, (struct sockaddr *)&addr, &len) != 0)
        return -1;
    pthread_create(thread, NULL, echo_server, NULL);
    return ntohs(addr.sin_port);
}

static void case_tcp(void)
{
    char url[128], text[256];
    pthread_t server;
    int port = echo_start(&server), h;

    CHECK(port > 0);
    CHECK(install("t_worker", "a"));
    snprintf(url, sizeof url, "/app/a/conn?port=%d", port);
    h = call_int(url);
    CHECK(h > 0);
    snprintf(url, sizeof url, "/app/a/csend?h=%d", h);
    CHECK(call_ex(url, COAP_POST, "hello", 5, 0, text, sizeof text) == CONTENT_2_05 &&
          !strcmp(text, "5"));
    for (int w = 0; w < WAIT_MS && strcmp(text, "hello") != 0; w += 10) {
        sleep_ms(10);
        stat_str("a", "conn_data", text, sizeof text);
    }
    CHECK(!strcmp(text, "hello"));
    /* the server hangs up: the app sees a disconnect and the slot is free */
    CHECK(call_ex(url, COAP_POST, "bye", 3, 0, NULL, 0) == CONTENT_2_05);
    CHECK(wait_stat("a", "disconnects", 1) == 1);
    CHECK(call_ex(url, COAP_POST, "x", 1, 0, text, sizeof text) == CONTENT_2_05 &&
          !strcmp(text, "-1"));
    /* three connections per app */
    snprintf(url, sizeof url, "/app/a/conn?port=%d", port);
    int h1 = call_int(url), h2 = call_int(url), h3 = call_int(url);
    CHECK(h1 > 0 && h2 > 0 && h3 > 0 && h1 != h2 && h2 != h3);
    CHECK(call_int(url) == -1);
    snprintf(url, sizeof url, "/app/a/cclose?h=%d", h2);
    CHECK(call(url, NULL, 0) == CONTENT_2_05);
    snprintf(url, sizeof url, "/app/a/conn?port=%d", port);
    CHECK(call_int(url) > 0);
    /* nothing listens here: refused */
    CHECK(call_int("/app/a/conn?port=1") == -1);
    /* uninstall closes what is open */
    CHECK(am_uninstall(am, "a", NULL, 0));
    atomic_store(&echo_stop, 1);
    pthread_join(server, NULL);
    close(echo_listen_fd);
}

/* ------------------------------------------------------------------------
 * Timeouts, the watchdog, hostile apps
 * ------------------------------------------------------------------------ */

static void case_timeouts(void)
{
    char text[256];
    reply_t r;

    CHECK(install("t_worker", "a") && install("t_worker", "b"));
    /* app-to-app: no answer -> the asker's own timeout */
    CHECK(call("/app/a/send?u=/app/b/noreply&t=50", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "timeout"));
    /* the device answers for URLs nobody serves and for apps that trap */
    CHECK(call("/app/a/send?u=/nosuch", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "132:"));
    CHECK(call("/app/a/send?u=/app/b/trap", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "160:"));
    CHECK(call("/app/a/send?u=/app/zz/x", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "160:"));
    /* several outstanding at once, answered out of order */
    reply_t many[6];
    for (int i = 0; i < 6; i++)
        send_async(i % 2 ? "/app/a/send?u=/app/b/noreply&t=30" : "/app/a/send?u=/app/b/echo",
                   COAP_GET, 0, NULL, 0, 0, &many[i]);
    for (int i = 0; i < 6; i++) {
        CHECK(reply_wait(&many[i], WAIT_MS) && many[i].status == CONTENT_2_05);
        CHECK(!strcmp(many[i].payload, i % 2 ? "timeout" : "69:"));
        reply_fini(&many[i]);
    }
    /* the embedder's own timeout, called back exactly once */
    send_async("/app/b/noreply", COAP_GET, 0, NULL, 0, 30, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.timed_out);
    sleep_ms(50);
    CHECK(r.calls == 1);
    reply_fini(&r);
    CHECK(call("/app/b/echo", NULL, 0) == CONTENT_2_05);
}

static void case_watchdog(void)
{
    char err[512], text[256];
    reply_t spin;
    int answered = 0;

    CHECK(install_ex("t_worker", "spinner", 200, 0, err, sizeof err));
    CHECK(install("t_worker", "b"));
    send_async("/app/spinner/spin", COAP_GET, 0, NULL, 0, 60000, &spin);
    /* b keeps answering while spinner spins */
    for (int i = 0; i < 30; i++)
        answered += call("/app/b/echo", NULL, 0) == CONTENT_2_05;
    CHECK(answered == 30);
    CHECK(reply_wait(&spin, 60000 + WAIT_MS) && !spin.timed_out);
    CHECK(spin.status == INTERNAL_SERVER_ERROR_5_00);
    error_message(&spin, text, sizeof text);
    CHECK(strstr(text, "terminated") != NULL);
    reply_fini(&spin);
    CHECK(log_has("watchdog", "spinner"));
    /* the app goes on */
    CHECK(call("/app/spinner/echo", NULL, 0) == CONTENT_2_05);
    CHECK(call("/app/spinner/spin", NULL, 0) == INTERNAL_SERVER_ERROR_5_00);
    CHECK(call("/app/spinner/echo", NULL, 0) == CONTENT_2_05);
    /* an endless on_init: the install fails and leaves nothing */
    CHECK(!install_ex("t_spin_init", "spin_init", 200, 0, err, sizeof err));
    CHECK(strstr(err, "terminated") != NULL);
    CHECK(am_app_count(am) == 2);
    /* uninstalling an app in the middle of an endless callback */
    CHECK(install_ex("t_worker", "stuck", 600000, 0, err, sizeof err));
    send_async("/app/stuck/spin", COAP_GET, 0, NULL, 0, 60000, &spin);
    sleep_ms(50);
    CHECK(am_uninstall(am, "stuck", NULL, 0));
    CHECK(reply_wait(&spin, WAIT_MS) && !spin.timed_out &&
          (spin.status == INTERNAL_SERVER_ERROR_5_00 || spin.status == SERVICE_UNAVAILABLE_5_03));
    reply_fini(&spin);
    CHECK(call("/app/b/echo", NULL, 0) == CONTENT_2_05);
}

/* A module whose start function (start section) never returns: it runs on
 * the app's thread under the watchdog, like on_init, not inside the
 * installer's instantiate where nothing could stop it. The install fails
 * with 160 and a "watchdog" reason and leaves the manager as it was. */
static void case_start_watchdog(void)
{
    char err[512], text[256];
    uint32_t size = 0;
    uint8_t *wasm = read_wasm("t_spin_start", &size);
    reply_t r;

    CHECK(wasm != NULL);
    CHECK(install("t_worker", "w"));
    CHECK(!install_ex("t_spin_start", "spin_start", 200, 0, err, sizeof err));
    CHECK(strstr(err, "watchdog") != NULL && strstr(err, "start function") != NULL);
    CHECK(log_has("watchdog", "spin_start"));
    CHECK(am_app_count(am) == 1);
    /* through a request, as the host link installs */
    send_async("/applet?name=spin_start&wd=200", COAP_PUT, FMT_APP_RAW_BINARY, wasm, (int)size,
               0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && !r.timed_out && r.status == INTERNAL_SERVER_ERROR_5_00);
    error_message(&r, text, sizeof text);
    CHECK(strstr(text, "watchdog") != NULL);
    reply_fini(&r);
    CHECK(am_app_count(am) == 1);
    CHECK(call("/app/spin_start/echo", NULL, 0) == INTERNAL_SERVER_ERROR_5_00);
    CHECK(call("/app/w/echo", NULL, 0) == CONTENT_2_05);
    /* the name is free: another app installs under it and serves */
    CHECK(install("t_worker", "spin_start"));
    CHECK(call("/app/spin_start/echo", NULL, 0) == CONTENT_2_05);
    CHECK(am_app_count(am) == 2);
    free(wasm);
}

static void case_hostile(void)
{
    static const char *const wild[] = {
        "reg", "reg_unterminated", "resp", "resp_huge", "resp_negative", "post", "post_huge",
        "sub", "sub_unterminated", "sensor_open", "sensor_cfg", "sensor_cfg_huge", "open_name",
        "open_args", "open_huge", "send", "send_huge", "config", "config_huge"};
    static const char *const bad[] = {
        "resp_garbage", "timer_negative", "timer_unknown", "sensor_unknown",
        "sensor_cfg_garbage", "sensor_cfg_negative", "open_unknown_name", "open_garbage_args",
        "conn_unknown"};
    char url[128], text[256];

    am_sensor_register(am, "sensor_test", 0, 1000, read_sensor, config_sensor, NULL);
    CHECK(install("t_hostile", "h") && install("t_worker", "w"));
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        snprintf(url, sizeof url, "/app/h/wild?n=%s", wild[i]);
        int status = call_err(url, COAP_GET, text, sizeof text);
        if (status != INTERNAL_SERVER_ERROR_5_00 || !strstr(text, "out of bounds memory access"))
            printf("wild %s: %d %s\n", wild[i], status, text);
        CHECK(status == INTERNAL_SERVER_ERROR_5_00);
        CHECK(strstr(text, "out of bounds memory access") != NULL);
        CHECK(call("/app/h/echo", text, sizeof text) == CONTENT_2_05 && !strcmp(text, "alive"));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(url, sizeof url, "/app/h/bad?n=%s", bad[i]);
        CHECK(call(url, text, sizeof text) == CONTENT_2_05);
        if (strcmp(text, "ok"))
            printf("bad %s: %s\n", bad[i], text);
        CHECK(!strcmp(text, "ok"));
    }
    CHECK(call_err("/app/h/post_garbage", COAP_GET, text, sizeof text) ==
          INTERNAL_SERVER_ERROR_5_00);
    CHECK(strstr(text, "malformed request packet") != NULL);
    /* 1000 resources: the 17th traps the app; the 16 stay routed */
    CHECK(call_err("/app/w/rflood?n=1000", COAP_GET, text, sizeof text) ==
          INTERNAL_SERVER_ERROR_5_00);
    CHECK(strstr(text, "too many resources") != NULL);
    CHECK(call("/r0", NULL, 0) == CONTENT_2_05 && call("/r15", NULL, 0) == CONTENT_2_05);
    CHECK(call("/r16", NULL, 0) == NOT_FOUND_4_04);
    CHECK(call("/app/w/echo", NULL, 0) == CONTENT_2_05);
    /* a trap inside every callback kind: logged, and the app goes on */
    CHECK(call("/app/w/trapon?k=timer", NULL, 0) == CONTENT_2_05);
    CHECK(call_int("/app/w/timer?i=1") > 0);
    CHECK(wait_stat("w", "timer_fires", 1) == 1);
    CHECK(call("/app/w/trapon?k=event", NULL, 0) == CONTENT_2_05);
    CHECK(call("/app/w/sub?u=boom", NULL, 0) == CONTENT_2_05);
    CHECK(am_publish(client, "boom", 0, "!", 1));
    CHECK(wait_stat("w", "events", 1) == 1);
    CHECK(call("/app/w/trapon?k=response", NULL, 0) == CONTENT_2_05);
    CHECK(install("t_worker", "peer"));
    reply_t r;
    send_async("/app/w/send?u=/app/peer/echo&t=100", COAP_GET, 0, NULL, 0, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == CONTENT_2_05 && !strcmp(r.payload, "timeout"));
    reply_fini(&r);
    CHECK(wait_stat("w", "responses", 1) == 1);
    CHECK(call("/app/w/trapon?k=sensor", NULL, 0) == CONTENT_2_05);
    CHECK(call_int("/app/w/sensor?n=sensor_test&i=5") > 0);
    CHECK(wait_stat("w", "sensor_len", 1) > 0);
    CHECK(call("/app/w/trap", NULL, 0) == INTERNAL_SERVER_ERROR_5_00);
    CHECK(call("/app/w/echo", NULL, 0) == CONTENT_2_05);
    CHECK(log_has("on_timer_callback trapped", "'w'"));
    CHECK(log_has("on_request trapped", "'w'"));
    CHECK(log_has("on_response trapped", "'w'"));
    CHECK(log_has("on_sensor_event trapped", "'w'"));
    CHECK(call("/app/w/trapon?k=destroy", NULL, 0) == CONTENT_2_05);
    CHECK(am_uninstall(am, "w", NULL, 0));
    CHECK(log_has("on_destroy trapped", "'w'"));
    /* a trap in on_init: refused with the trap's text, nothing installed */
    char err[512];
    CHECK(!install_ex("t_bad_init", "bad", 0, 0, err, sizeof err));
    CHECK(strstr(err, "Install WASM app failed") && strstr(err, "unreachable"));
    CHECK(am_app_count(am) == 2);
    CHECK(call("/app/h/echo", NULL, 0) == CONTENT_2_05);
}

/* The trap in on_connection_data needs a peer: its own case. */
static void case_trap_conn(void)
{
    char url[128];
    pthread_t server;
    int port = echo_start(&server), h;

    CHECK(install("t_worker", "w"));
    CHECK(call("/app/w/trapon?k=conn", NULL, 0) == CONTENT_2_05);
    snprintf(url, sizeof url, "/app/w/conn?port=%d", port);
    h = call_int(url);
    snprintf(url, sizeof url, "/app/w/csend?h=%d", h);
    CHECK(call_ex(url, COAP_POST, "one", 3, 0, NULL, 0) == CONTENT_2_05);
    for (int w = 0; w < WAIT_MS && !log_has("on_connection_data trapped", NULL); w += 10)
        sleep_ms(10);
    CHECK(log_has("on_connection_data trapped", "'w'"));
    CHECK(call_ex(url, COAP_POST, "two", 3, 0, NULL, 0) == CONTENT_2_05);
    char text[64] = "";
    for (int w = 0; w < WAIT_MS && strcmp(text, "two"); w += 10) {
        sleep_ms(10);
        stat_str("w", "conn_data", text, sizeof text);
    }
    CHECK(!strcmp(text, "two"));
    atomic_store(&echo_stop, 1);
    pthread_join(server, NULL);
    close(echo_listen_fd);
}

/* Limits and refusals. */
static void case_limits(void)
{
    am_config_t cfg;
    char err[512], text[512], long_url[400];
    reply_t spin, queued[8];
    uint8_t corrupt[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 0};
    am_app_params_t p;

    am_config_default(&cfg);
    cfg.max_apps = 3;
    cfg.queue_len = 4;
    stop();
    CHECK(start(&cfg));
    memset(&p, 0, sizeof p);
    p.name = "corrupt";
    CHECK(!am_install(am, &p, corrupt, sizeof corrupt, err, sizeof err));
    CHECK(strstr(err, "Install WASM app failed: WASM module load failed") != NULL);
    CHECK(!am_install(am, &p, NULL, 0, err, sizeof err));
    CHECK(!am_install_file(am, &p, "/nonexistent/app.wasm", err, sizeof err));
    CHECK(!install_ex("t_no_init", "noinit", 0, 0, err, sizeof err));
    CHECK(strstr(err, "neither on_init nor _start") != NULL);
    CHECK(!install_ex("t_wrong_type", "wrongtype", 0, 0, err, sizeof err));
    CHECK(!install_ex("t_worker", "", 0, 0, err, sizeof err));
    CHECK(!install_ex("t_worker", "a/b", 0, 0, err, sizeof err));
    memset(long_url, 'n', 127);
    long_url[127] = '\0';
    CHECK(!install_ex("t_worker", long_url, 0, 0, err, sizeof err));
    long_url[126] = '\0';
    CHECK(install_ex("t_worker", long_url, 0, 0, err, sizeof err));
    CHECK(am_uninstall(am, long_url, NULL, 0));
    CHECK(am_app_count(am) == 0);
    CHECK(install("t_worker", "a") && install("t_worker", "b"));
    snprintf(text, sizeof text, "%s/t_worker.wasm", wasm_dir);
    p.name = "c";
    CHECK(am_install_file(am, &p, text, err, sizeof err));
    CHECK(!install_ex("t_worker", "d", 0, 0, err, sizeof err));
    CHECK(strstr(err, "limit") != NULL);
    CHECK(!install_ex("t_worker", "a", 0, 0, err, sizeof err));
    CHECK(!strcmp(err, "Install WASM app failed: app already installed."));
    CHECK(!am_uninstall(am, "zz", err, sizeof err));
    CHECK(!strcmp(err, "Uninstall WASM app failed: no app found."));
    /* URL length */
    memset(long_url, 'u', sizeof long_url - 1);
    long_url[0] = '/';
    long_url[sizeof long_url - 1] = '\0';
    CHECK(call(long_url, NULL, 0) == BAD_REQUEST_4_00);
    /* apps may not manage apps without the permission */
    CHECK(call("/app/a/send?u=/applet", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "131:"));
    CHECK(am_app_count(am) == 3);
    /* with the permission, an app uninstalls others but not itself */
    {
        uint32_t size = 0;
        uint8_t *wasm = read_wasm("t_worker", &size);
        CHECK(am_uninstall(am, "c", NULL, 0));
        p.name = "boss";
        p.may_manage_apps = true;
        CHECK(am_install(am, &p, wasm, size, err, sizeof err));
        p.may_manage_apps = false;
        free(wasm);
    }
    CHECK(call("/app/boss/send?u=/applet&a=1", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "69:"));
    CHECK(call("/app/boss/send?u=/applet?name=boss&a=4", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "160:"));
    CHECK(call("/app/boss/send?u=/applet?name=b&a=4", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "66:"));
    CHECK(am_app_count(am) == 2);
    CHECK(call("/app/b/echo", NULL, 0) == INTERNAL_SERVER_ERROR_5_00);
    CHECK(install("t_worker", "c"));
    /* a full queue answers 163 */
    CHECK(am_uninstall(am, "c", NULL, 0));
    CHECK(install_ex("t_worker", "slow", 600000, 0, err, sizeof err));
    send_async("/app/slow/spin", COAP_GET, 0, NULL, 0, 60000, &spin);
    sleep_ms(50);
    int n163 = 0;
    for (int i = 0; i < 8; i++)
        send_async("/app/slow/echo", COAP_GET, 0, NULL, 0, 60000, &queued[i]);
    CHECK(am_uninstall(am, "slow", NULL, 0));
    for (int i = 0; i < 8; i++) {
        CHECK(reply_wait(&queued[i], WAIT_MS) && !queued[i].timed_out);
        n163 += queued[i].status == SERVICE_UNAVAILABLE_5_03;
        reply_fini(&queued[i]);
    }
    CHECK(n163 == 8); /* 4 refused at once, 4 answered at uninstall */
    CHECK(reply_wait(&spin, WAIT_MS));
    reply_fini(&spin);
    CHECK(call("/app/a/echo", NULL, 0) == CONTENT_2_05);
}

/* 100 install/uninstall cycles with resources, timers, subscriptions and
 * sensors in use; ASan's leak check at exit does the counting. */
static void case_cycles(void)
{
    uint32_t size = 0;
    uint8_t *wasm = read_wasm("t_worker", &size);
    am_app_params_t p;
    char err[256];
    int ok = 0;

    am_sensor_register(am, "sensor_test", 0, 1000, read_sensor, NULL, NULL);
    memset(&p, 0, sizeof p);
    p.name = "cycler";
    for (int i = 0; i < 100; i++) {
        if (!am_install(am, &p, wasm, size, err, sizeof err)) {
            printf("cycle %d: %s\n", i, err);
            break;
        }
        bool used = call("/app/cycler/reg?u=/cyc", NULL, 0) == CONTENT_2_05 &&
                    call_int("/app/cycler/timer?i=1&p=1") > 0 &&
                    call("/app/cycler/sub?u=cyc", NULL, 0) == CONTENT_2_05 &&
                    call_int("/app/cycler/sensor?n=sensor_test&i=1") > 0 &&
                    call("/cyc", NULL, 0) == CONTENT_2_05;
        ok += used && am_uninstall(am, "cycler", NULL, 0);
    }
    CHECK(ok == 100);
    CHECK(am_app_count(am) == 0);
    CHECK(call("/cyc", NULL, 0) == NOT_FOUND_4_04);
    free(wasm);
}

/* ------------------------------------------------------------------------
 * UDP and UART (a pseudo-terminal pair)
 * ------------------------------------------------------------------------ */

/* A free UDP port on 127.0.0.1 (bound, then released) or a bound socket. */
static int udp_socket(int *out_port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
        return -1;
    *out_port = ntohs(addr.sin_port);
    return fd;
}

static bool wait_conn_data(const char *app, const char *want)
{
    char text[256] = "";

    for (int w = 0; w < WAIT_MS && strcmp(text, want) != 0; w += 10) {
        sleep_ms(10);
        stat_str(app, "conn_data", text, sizeof text);
    }
    return strcmp(text, want) == 0;
}

static void case_udp(void)
{
    char url[128], buf[64];
    int peer_port = 0, app_port = 0, h;
    int peer = udp_socket(&peer_port), probe = udp_socket(&app_port);
    struct sockaddr_in to;
    struct pollfd p;

    close(probe); /* app_port is free now: the app binds it */
    CHECK(peer >= 0 && install("t_worker", "a"));
    snprintf(url, sizeof url, "/app/a/udp?bind=%d", app_port);
    h = call_int(url);
    CHECK(h > 0);
    snprintf(url, sizeof url, "/app/a/csend?h=%d", h);
    CHECK(call_int(url) == -1); /* no peer yet */
    snprintf(url, sizeof url, "/app/a/ucfg?h=%d&port=%d", h, peer_port);
    CHECK(call_int(url) == 1);
    snprintf(url, sizeof url, "/app/a/csend?h=%d", h);
    CHECK(call_ex(url, COAP_POST, "ping", 4, 0, buf, sizeof buf) == CONTENT_2_05 &&
          !strcmp(buf, "4"));
    p.fd = peer;
    p.events = POLLIN;
    CHECK(poll(&p, 1, WAIT_MS) == 1 && recv(peer, buf, sizeof buf, 0) == 4 &&
          !memcmp(buf, "ping", 4));
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons((uint16_t)app_port);
    CHECK(sendto(peer, "pong", 4, 0, (struct sockaddr *)&to, sizeof to) == 4);
    CHECK(wait_conn_data("a", "pong"));
    snprintf(url, sizeof url, "/app/a/ucfg?h=%d&port=1", 999);
    CHECK(call_int(url) == 0);
    close(peer);
}

static void case_uart(void)
{
    char url[256], buf[64], name[128];
    int master = posix_openpt(O_RDWR | O_NOCTTY), h;
    struct pollfd p;

    CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0 &&
          ptsname_r(master, name, sizeof name) == 0);
    CHECK(install("t_worker", "a"));
    snprintf(url, sizeof url, "/app/a/uart?d=%s&b=9600", name);
    h = call_int(url);
    CHECK(h > 0);
    CHECK(write(master, "from host", 9) == 9);
    CHECK(wait_conn_data("a", "from host"));
    snprintf(url, sizeof url, "/app/a/csend?h=%d", h);
    CHECK(call_ex(url, COAP_POST, "to host", 7, 0, buf, sizeof buf) == CONTENT_2_05 &&
          !strcmp(buf, "7"));
    p.fd = master;
    p.events = POLLIN;
    CHECK(poll(&p, 1, WAIT_MS) == 1 && read(master, buf, sizeof buf) == 7 &&
          !memcmp(buf, "to host", 7));
    /* not a tty, not a rate */
    CHECK(call_int("/app/a/uart?d=/dev/null&b=9600") == -1);
    snprintf(url, sizeof url, "/app/a/uart?d=%s&b=12345", name);
    CHECK(call_int(url) == -1);
    /* the host side goes away: the app is told */
    close(master);
    CHECK(wait_stat("a", "disconnects", 1) == 1);
}

/* ------------------------------------------------------------------------
 * Apps built with the app SDK (wasm-app-libs)
 * ------------------------------------------------------------------------ */

static void case_sdk(void)
{
    char text[256];
    reply_t r;

    CHECK(am_subscribe(client, "alert/overheat"));
    CHECK(install("sdk_sender", "sdk_sender") && install("sdk_handler", "sdk_handler"));
    CHECK(call("/sender/go", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "69:value1|69:value1|66"));
    if (strcmp(text, "69:value1|69:value1|66"))
        printf("sender said %s\n", text);
    send_async("/app/sdk_handler/url1", COAP_GET, 0, NULL, 0, 0, &r);
    CHECK(reply_wait(&r, WAIT_MS) && r.status == CONTENT_2_05 && r.fmt == FMT_ATTR_CONTAINER);
    CHECK(attr_container_validate(r.payload, (uint32_t)r.len) &&
          !strcmp(attr_container_get_tag((attr_container_t *)r.payload),
                  "wasm app response payload") &&
          !strcmp(attr_container_get_as_string((attr_container_t *)r.payload, "key2"), "value2"));
    reply_fini(&r);
    CHECK(call_ex("/url2", COAP_DELETE, NULL, 0, 0, NULL, 0) == DELETED_2_02);
    CHECK(call_ex("/silent", COAP_GET, NULL, 0, 50, NULL, 0) == -1);
    /* a second copy installs; the URLs stay with the first */
    CHECK(install("sdk_handler", "sdk_handler2"));
    CHECK(call("/sender/go", text, sizeof text) == CONTENT_2_05);
    CHECK(!strcmp(text, "69:value1|69:value1|66"));
    /* five events from each copy reach the subscribing app and the host */
    for (int w = 0; w < WAIT_MS && call_int("/sender/count") < 10; w += 10)
        sleep_ms(10);
    CHECK(call_int("/sender/count") == 10);
    for (int w = 0; w < WAIT_MS && events_seen() < 10; w += 10)
        sleep_ms(10);
    CHECK(events_seen() == 10 && !strcmp(ev_url, "alert/overheat"));
    CHECK(am_uninstall(am, "sdk_handler2", NULL, 0));
    CHECK(am_uninstall(am, "sdk_handler", NULL, 0) && am_uninstall(am, "sdk_sender", NULL, 0));
}

/* ------------------------------------------------------------------------
 * Permissions and per-app limits (apps/t_perm.c answers attr_containers)
 * ------------------------------------------------------------------------ */

/* Sends GET url and waits; the answer stays in r (reply_fini it). */
static int call_reply(const char *url, reply_t *r)
{
    send_async(url, COAP_GET, 0, NULL, 0, 0, r);
    return reply_wait(r, WAIT_MS) ? (r->timed_out ? -1 : r->status) : -2;
}

static bool reply_attr(const reply_t *r)
{
    return r->done && !r->timed_out && r->fmt == FMT_ATTR_CONTAINER &&
           attr_container_validate(r->payload, (uint32_t)r->len);
}

/* An int (-1000 when missing) or a string ("" when missing) of r's answer. */
static int attr_int(const reply_t *r, const char *key)
{
    const attr_container_t *c = (const attr_container_t *)r->payload;

    return reply_attr(r) && attr_container_contain_key(c, key) ? attr_container_get_as_int(c, key)
                                                               : -1000;
}

static uint32_t attr_u32(const reply_t *r, const char *key)
{
    const attr_container_t *c = (const attr_container_t *)r->payload;

    return reply_attr(r) && attr_container_contain_key(c, key)
               ? attr_container_get_as_uint32(c, key)
               : 0;
}

/* Sends a's forged response to (receiver, mid); true if a sent exactly it. */
static bool forge(const char *app, uint32_t receiver, uint32_t mid)
{
    char url[160];
    reply_t r;
    bool ok;

    snprintf(url, sizeof url, "/app/%s/forge?r=%u&m=%u&p=forged", app, receiver, mid);
    ok = call_reply(url, &r) == CONTENT_2_05 && attr_int(&r, "sent") == 1 &&
         attr_u32(&r, "r") == receiver && attr_u32(&r, "m") == mid;
    reply_fini(&r);
    return ok;
}

static void attr_str(const reply_t *r, const char *key, char *out, size_t out_size)
{
    const attr_container_t *c = (const attr_container_t *)r->payload;
    char *text = reply_attr(r) ? attr_container_get_as_string(c, key) : NULL;

    snprintf(out, out_size, "%s", text ? text : "");
}

/* One int out of the answer to url (-1000 when missing). */
static int call_attr_int(const char *url, const char *key)
{
    reply_t r;
    int v;

    call_reply(url, &r);
    v = attr_int(&r, key);
    reply_fini(&r);
    return v;
}

/* What t_perm's "ask" reports: the status of the answer to the request it
 * sent (-1 none), its "error message" or "text" in text. */
static int ask(const char *url, char *text, size_t text_size)
{
    reply_t r;
    int status;

    call_reply(url, &r);
    status = attr_int(&r, "status");
    if (text)
        attr_str(&r, "text", text, text_size);
    reply_fini(&r);
    return status;
}

static int log_count(const char *needle)
{
    int n = 0;

    pthread_mutex_lock(&log_lock);
    for (const char *p = log_text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    pthread_mutex_unlock(&log_lock);
    return n;
}

/* The manager's URLs: 131 without a grant, served with one; a forged
 * sender field is ignored; apps cannot fake the manager's event. */
static void case_perm(void)
{
    char text[256], url[160];
    int seen, refused;
    uint32_t p_id;
    reply_t r;

    CHECK(am_grant(am, "boss") && am_grant(am, "boss"));
    CHECK(!am_grant(am, "") && !am_grant(am, NULL));
    CHECK(install("t_perm", "p") && install("t_perm", "boss") && install("t_worker", "victim"));
    /* no grant: refused with a reason, logged, nothing done */
    CHECK(ask("/app/p/ask?u=/applet&a=1", text, sizeof text) == FORBIDDEN_4_03);
    CHECK(strstr(text, "not granted") != NULL);
    CHECK(ask("/app/p/ask?u=/applet?name=victim&a=4", NULL, 0) == FORBIDDEN_4_03);
    CHECK(ask("/app/p/ask?u=applet?name=victim&a=4", NULL, 0) == FORBIDDEN_4_03);
    CHECK(am_app_count(am) == 3 && call("/app/victim/echo", NULL, 0) == CONTENT_2_05);
    CHECK(ask("/app/p/ask?u=/event/x&a=3", text, sizeof text) == FORBIDDEN_4_03);
    CHECK(ask("/app/p/ask?u=event/x&a=4", NULL, 0) == FORBIDDEN_4_03);
    CHECK(ask("/app/p/ask?u=/event?x&a=3", NULL, 0) == FORBIDDEN_4_03);
    CHECK(log_has("refused with 131", "'p'"));
    /* "/app/<name>/..." reaches that app only, never the manager */
    CHECK(ask("/app/p/ask?u=/app/victim/applet&a=4", NULL, 0) == CONTENT_2_05);
    CHECK(ask("/app/p/ask?u=/app/victim/../../applet&a=4", NULL, 0) == CONTENT_2_05);
    CHECK(ask("/app/p/ask?u=/app//applet&a=4", NULL, 0) == INTERNAL_SERVER_ERROR_5_00);
    CHECK(am_app_count(am) == 3);
    /* the sender field of an app's request is the device's, not the app's */
    CHECK(call_attr_int("/app/p/ask?u=/app/boss/whoami", "status") == CONTENT_2_05);
    p_id = (uint32_t)call_attr_int("/app/p/ask?u=/app/boss/whoami", "sender");
    for (int i = 0; i < 2; i++) {
        uint32_t forged = i ? AM_ID_APP_MANAGER : AM_ID_HOST;
        snprintf(url, sizeof url, "/app/p/ask?u=/app/boss/whoami&s=%u", forged);
        CHECK(call_reply(url, &r) == CONTENT_2_05);
        CHECK(attr_u32(&r, "forged") == forged && attr_u32(&r, "sender") == p_id);
        reply_fini(&r);
    }
    CHECK(p_id != AM_ID_HOST && p_id != AM_ID_APP_MANAGER && p_id > 0);
    /* apps cannot publish the manager's own event */
    CHECK(am_subscribe(client, "/applets"));
    seen = events_seen();
    refused = call_attr_int("/app/p/stats", "r131");
    CHECK(call_attr_int("/app/p/pub?u=/applets", "rc") == FORBIDDEN_4_03);
    CHECK(call_attr_int("/app/p/pub?u=applets", "rc") == FORBIDDEN_4_03);
    CHECK(events_seen() == seen); /* the answer came after any event would have */
    CHECK(call_attr_int("/app/p/stats", "r131") == refused + 2); /* answered 131 too */
    /* granted: the manager serves it */
    CHECK(ask("/app/boss/ask?u=/applet&a=1", NULL, 0) == CONTENT_2_05);
    CHECK(ask("/app/boss/ask?u=/event/x&a=3", NULL, 0) == CONTENT_2_05);
    CHECK(ask("/app/boss/ask?u=/event/x&a=4", NULL, 0) == CONTENT_2_05);
    CHECK(ask("/app/boss/ask?u=/applet?name=victim&a=4", NULL, 0) == DELETED_2_02);
    CHECK(am_app_count(am) == 2);
    CHECK(!log_has("refused", "'boss'"));
}

/* Responses: an app answers only what it was asked, once. */
static void case_forge(void)
{
    char text[64];
    reply_t held, asked, r;
    uint32_t mid, c_id = 0;

    CHECK(install("t_perm", "a") && install("t_perm", "b") && install("t_perm", "c"));
    /* the host asks b, which keeps the request; a forges the answer */
    send_async("/app/b/later", COAP_GET, 0, NULL, 0, 60000, &held);
    CHECK(call_reply("/app/b/peek", &r) == CONTENT_2_05);
    CHECK(attr_u32(&r, "sender") == AM_ID_HOST);
    mid = attr_u32(&r, "mid");
    reply_fini(&r);
    CHECK(forge("a", AM_ID_HOST, mid));
    /* b answers twice: the first reaches the host, the second nobody */
    CHECK(call_attr_int("/app/b/answer?p=real&n=2", "sent") == 2);
    CHECK(reply_wait(&held, WAIT_MS) && held.status == CONTENT_2_05);
    attr_str(&held, "text", text, sizeof text);
    CHECK(strcmp(text, "real") == 0);
    CHECK(call("/app/c/echo", NULL, 0) == CONTENT_2_05); /* after anything b or a sent */
    CHECK(held.calls == 1);
    reply_fini(&held);
    CHECK(log_has("dropped", "'a'") && log_has("dropped", "'b'"));
    /* app c asks b; a forges b's answer to c */
    send_async("/app/c/ask?u=/app/b/later&t=60000", COAP_GET, 0, NULL, 0, 60000, &asked);
    for (int w = 0; w < WAIT_MS; w += 10) {
        call_reply("/app/b/peek", &r);
        c_id = attr_u32(&r, "sender");
        mid = attr_u32(&r, "mid");
        reply_fini(&r);
        if (c_id != AM_ID_HOST)
            break;
        sleep_ms(10);
    }
    CHECK(c_id != AM_ID_HOST && c_id > 0);
    CHECK(forge("a", c_id, mid));
    CHECK(call_attr_int("/app/c/stats", "responses") == 0);
    /* nor can the app asked answer another mid of c's */
    CHECK(forge("b", c_id, mid + 1));
    CHECK(call_attr_int("/app/c/stats", "responses") == 0);
    /* the real answer arrives, once */
    CHECK(call_attr_int("/app/b/answer?p=real&n=2", "sent") == 2);
    CHECK(reply_wait(&asked, WAIT_MS) && attr_int(&asked, "status") == CONTENT_2_05);
    attr_str(&asked, "text", text, sizeof text);
    CHECK(strcmp(text, "real") == 0);
    reply_fini(&asked);
    CHECK(call_attr_int("/app/c/stats", "responses") == 1);
    CHECK(log_count("dropped") >= 4);
    /* b keeps serving */
    CHECK(call("/app/b/echo", NULL, 0) == CONTENT_2_05);
}

/* The event rate: the publisher alone gets errors; the others publish and
 * are served as before. */
static void case_pubrate(void)
{
    am_app_limits_t lim = {.event_rate = 10, .event_burst = 100};
    reply_t flood, r;
    int base, taken, refused, answered = 0;

    am_set_app_limits(am, &lim);
    CHECK(install("t_perm", "pub") && install("t_perm", "other") && install("t_worker", "w"));
    CHECK(am_subscribe(client, "flood"));
    base = events_seen();
    send_async("/app/pub/pubflood?u=flood&n=10000", COAP_GET, 0, NULL, 0, 60000, &flood);
    for (int i = 0; i < 10; i++) /* served during the flood */
        answered += call("/app/other/echo", NULL, 0) == CONTENT_2_05;
    CHECK(answered == 10);
    CHECK(reply_wait(&flood, 60000 + WAIT_MS) && flood.status == CONTENT_2_05);
    taken = attr_int(&flood, "taken");
    refused = attr_int(&flood, "refused");
    reply_fini(&flood);
    printf("pubflood: %d taken, %d refused\n", taken, refused);
    CHECK(taken + refused == 10000);
    CHECK(taken >= 100 && refused > 0); /* the bucket, then errors */
    /* the host got exactly the events taken: the answer came after them */
    CHECK(events_seen() - base == taken);
    /* one 163 answer and one log line for the burst */
    CHECK(call_attr_int("/app/pub/stats", "r163") == 1);
    CHECK(log_count("event rate limit") == 1);
    /* the other app's bucket is its own */
    CHECK(call_reply("/app/other/pubflood?u=flood&n=50", &r) == CONTENT_2_05);
    CHECK(attr_int(&r, "taken") == 50 && attr_int(&r, "refused") == 0);
    reply_fini(&r);
    CHECK(events_seen() - base == taken + 50);
    /* the reference API (no result): over the rate events are dropped, the
     * app does not trap and gets its one 163 */
    CHECK(call_int("/app/w/pflood?u=flood&n=300") == 300);
    CHECK(events_seen() - base < taken + 50 + 300);
    CHECK(stat_of("w", "responses") == 1);
    CHECK(log_count("event rate limit") == 2);
    CHECK(call("/app/pub/echo", NULL, 0) == CONTENT_2_05);
    /* a burst ends once the bucket is full again: its drops are counted in
     * one line. A bucket of 1 refilling every millisecond: 10000 events in
     * a row overflow it, and after a pause it is full. */
    lim.event_rate = 1000000;
    lim.event_burst = 1;
    am_set_app_limits(am, &lim);
    CHECK(call_attr_int("/app/other/pubflood?u=flood&n=10000", "refused") > 0);
    sleep_ms(20);
    CHECK(call_attr_int("/app/other/pub?u=flood", "rc") == 0);
    CHECK(log_has("dropped in its last burst", "'other'"));
}

/* A full queue and a flooding sender: 163 to the sender, room for others;
 * the timer pool's limit. */
static void case_applimits(void)
{
    am_config_t cfg;
    char err[512];
    reply_t spin, host[5], r;
    int n163 = 0;

    am_config_default(&cfg);
    cfg.queue_len = 8; /* an app's share of another's queue: 4 */
    cfg.max_timers = 4;
    stop();
    CHECK(start(&cfg));
    CHECK(install_ex("t_perm", "slow", 5000, 0, err, sizeof err));
    CHECK(install("t_perm", "a") && install("t_perm", "other"));
    send_async("/app/slow/spin", COAP_GET, 0, NULL, 0, 60000, &spin);
    /* a floods slow while it spins: 4 wait, 6 are refused at once */
    CHECK(call_reply("/app/a/qflood?u=/app/slow/echo&n=10", &r) == CONTENT_2_05);
    CHECK(attr_int(&r, "taken") == 4 && attr_int(&r, "rc163") == 6);
    reply_fini(&r);
    CHECK(log_has("refused with 163", "'a'"));
    /* the host still gets into slow's queue, until it is full */
    for (int i = 0; i < 5; i++)
        send_async("/app/slow/echo", COAP_GET, 0, NULL, 0, 60000, &host[i]);
    CHECK(call("/app/other/echo", NULL, 0) == CONTENT_2_05);
    for (int i = 3; i < 5; i++) {
        CHECK(reply_wait(&host[i], 60000 + WAIT_MS) && !host[i].timed_out);
        n163 += host[i].status == SERVICE_UNAVAILABLE_5_03;
    }
    CHECK(n163 >= 1); /* 4 of a's + 3 of the host's fill it, with the spin queued or not */
    /* the watchdog ends the spin: everything queued is served */
    CHECK(reply_wait(&spin, 60000 + WAIT_MS) && spin.status == INTERNAL_SERVER_ERROR_5_00);
    reply_fini(&spin);
    for (int i = 0; i < 3; i++)
        CHECK(reply_wait(&host[i], 60000 + WAIT_MS) && host[i].status == CONTENT_2_05);
    for (int i = 0; i < 5; i++)
        reply_fini(&host[i]);
    CHECK(call_reply("/app/a/stats", &r) == CONTENT_2_05);
    CHECK(attr_int(&r, "r163") == 6 && attr_int(&r, "r69") == 4);
    reply_fini(&r);
    /* timers: the device's maximum (4) whatever the app asked for */
    CHECK(install_ex("t_perm", "t", 0, 10, err, sizeof err));
    CHECK(call_reply("/app/t/timers?n=100", &r) == CONTENT_2_05);
    CHECK(attr_int(&r, "created") == 4 && attr_int(&r, "last") == -1);
    reply_fini(&r);
    CHECK(call_attr_int("/app/t/timers?n=100", "created") == 0);
    CHECK(call_attr_int("/app/other/timers?n=100", "created") == 4);
    CHECK(call("/app/t/echo", NULL, 0) == CONTENT_2_05);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"reqresp", case_reqresp},   {"apptarget", case_apptarget}, {"pubsub", case_pubsub},
        {"timers", case_timers},     {"sensors", case_sensors},     {"tcp", case_tcp},
        {"timeouts", case_timeouts}, {"watchdog", case_watchdog},   {"hostile", case_hostile},
        {"startwd", case_start_watchdog},
        {"trapconn", case_trap_conn}, {"limits", case_limits},      {"cycles", case_cycles},
        {"udp", case_udp},           {"uart", case_uart},           {"sdk", case_sdk},
        {"perm", case_perm},         {"forge", case_forge},         {"pubrate", case_pubrate},
        {"applimits", case_applimits},
    };
    bool found = false;

    if (argc != 3) {
        fprintf(stderr, "usage: %s WASM_DIR CASE\n", argv[0]);
        return 2;
    }
    wasm_dir = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[2]) != 0)
            continue;
        found = true;
        if (!start(NULL)) {
            n_failed++;
            break;
        }
        cases[i].run();
        stop();
    }
    if (!found) {
        fprintf(stderr, "unknown case %s\n", argv[2]);
        return 2;
    }
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
