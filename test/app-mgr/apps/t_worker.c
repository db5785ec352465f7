/* The general test app: each command, sent as "/app/<name>/<cmd>?args",
 * exercises one part of the device API and reports through its response.
 * "stats" returns everything the app has observed as an attr_container.
 * Installed under several names, it plays every role of the tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapp.h"

#define MAX_IDS 64
#define MAX_SENDS 8

static char identity[64] = "worker";
static int n_requests, n_events, n_responses, n_disconnects, n_timer_fires;
static int timer_fires[MAX_IDS];
static int sensor_events[MAX_IDS], sensor_last_len;
static char last_event_url[128], last_event_payload[128];
static uint32_t last_event_sender;
static char conn_data[2048];
static int conn_len;
static int resource_hits;

/* traps armed by "trapon?k=..." */
static bool trap_timer, trap_sensor, trap_conn, trap_response, trap_event, trap_destroy;

/* requests sent with "send", answered when their response (or timeout) comes */
static struct {
    bool used;
    uint32_t mid;          /* of the request this app sent */
    uint32_t asker, ask_mid; /* who asked for it */
    int timer;             /* the timeout timer */
} sends[MAX_SENDS];

EXPORT("on_init") void on_init(void);
EXPORT("on_destroy") void on_destroy(void);

void on_init(void)
{
    printf("worker: on_init\n");
}

void on_destroy(void)
{
    if (trap_destroy)
        __builtin_trap();
}

/* ------------------------------------------------------------------------
 * Stats
 * ------------------------------------------------------------------------ */

static void set_indexed(attr_container_t **c, const char *prefix, const int *values)
{
    char key[16];

    for (int i = 0; i < MAX_IDS; i++) {
        if (values[i]) {
            snprintf(key, sizeof key, "%s%d", prefix, i);
            attr_container_set_int(c, key, values[i]);
        }
    }
}

static void reply_stats(const request_t *req)
{
    attr_container_t *c = attr_container_create("stats");

    attr_container_set_int(&c, "requests", n_requests);
    attr_container_set_int(&c, "events", n_events);
    attr_container_set_int(&c, "responses", n_responses);
    attr_container_set_int(&c, "timer_fires", n_timer_fires);
    attr_container_set_int(&c, "disconnects", n_disconnects);
    attr_container_set_int(&c, "sensor_len", sensor_last_len);
    attr_container_set_int(&c, "resource_hits", resource_hits);
    attr_container_set_string(&c, "ev_url", last_event_url);
    attr_container_set_string(&c, "ev_payload", last_event_payload);
    attr_container_set_uint32(&c, "ev_sender", last_event_sender);
    attr_container_set_bytearray(&c, "conn_data", (const int8_t *)conn_data,
                                 (unsigned)conn_len);
    set_indexed(&c, "t", timer_fires);
    set_indexed(&c, "s", sensor_events);
    tapp_reply(req, CONTENT_2_05, FMT_ATTR_CONTAINER, c,
               (int)attr_container_get_serialize_length(c));
    attr_container_destroy(c);
}

static void reply_int(const request_t *req, int value)
{
    char text[16];

    snprintf(text, sizeof text, "%d", value);
    tapp_reply_text(req, CONTENT_2_05, text);
}

/* ------------------------------------------------------------------------
 * Requests to other apps, answered to the asker later
 * ------------------------------------------------------------------------ */

static void cmd_send(const request_t *req, const char *args)
{
    char url[128];
    int slot;

    for (slot = 0; slot < MAX_SENDS && sends[slot].used; slot++) {
    }
    if (slot == MAX_SENDS || !tapp_arg_str(args, "u", url, sizeof url)) {
        tapp_reply_text(req, BAD_REQUEST_4_00, "no slot or no url");
        return;
    }
    sends[slot].used = true;
    sends[slot].asker = (uint32_t)req->sender;
    sends[slot].ask_mid = req->mid;
    sends[slot].timer = wasm_create_timer(tapp_arg_int(args, "t", 5000), 0, 1);
    sends[slot].mid =
        tapp_post(url, tapp_arg_int(args, "a", COAP_GET), req->fmt, req->payload, req->payload_len);
}

/* Answers the asker of slot with text "<status>:<payload>" or "timeout". */
static void send_done(int slot, const response_t *resp)
{
    char text[256];

    if (resp)
        snprintf(text, sizeof text, "%d:%.*s", resp->status,
                 resp->fmt == FMT_ATTR_CONTAINER ? 0 : resp->payload_len,
                 resp->payload ? (const char *)resp->payload : "");
    else
        snprintf(text, sizeof text, "timeout");
    wasm_timer_destroy(sends[slot].timer);
    sends[slot].used = false;
    tapp_respond_to(sends[slot].asker, sends[slot].ask_mid, CONTENT_2_05, 0, text,
                    (int)strlen(text));
}

void tapp_response(const response_t *resp)
{
    n_responses++;
    if (trap_response) {
        trap_response = false;
        __builtin_trap();
    }
    for (int i = 0; i < MAX_SENDS; i++)
        if (sends[i].used && sends[i].mid == resp->mid)
            send_done(i, resp);
}

/* ------------------------------------------------------------------------
 * Timers, sensors, connections
 * ------------------------------------------------------------------------ */

void tapp_timer(int id)
{
    for (int i = 0; i < MAX_SENDS; i++) {
        if (sends[i].used && sends[i].timer == id) {
            send_done(i, NULL);
            return;
        }
    }
    n_timer_fires++;
    if (id >= 0 && id < MAX_IDS)
        timer_fires[id]++;
    if (trap_timer) {
        trap_timer = false;
        __builtin_trap();
    }
}

void tapp_sensor(int id, const char *buf, int len)
{
    if (id >= 0 && id < MAX_IDS)
        sensor_events[id]++;
    sensor_last_len = attr_container_validate(buf, (uint32_t)len) ? len : -1;
    if (trap_sensor) {
        trap_sensor = false;
        __builtin_trap();
    }
}

void tapp_connection(int handle, const char *buf, int len)
{
    (void)handle;
    if (len == 0 && !buf) {
        n_disconnects++;
        return;
    }
    if (trap_conn) {
        trap_conn = false;
        __builtin_trap();
    }
    if (len > (int)sizeof conn_data - conn_len)
        len = (int)sizeof conn_data - conn_len;
    memcpy(conn_data + conn_len, buf, (size_t)len);
    conn_len += len;
}

static int open_tcp(int port)
{
    attr_container_t *args = attr_container_create("");
    int handle;

    attr_container_set_string(&args, "address", "127.0.0.1");
    attr_container_set_uint16(&args, "port", (uint16_t)port);
    handle = wasm_open_connection("TCP", (const char *)args,
                                  (int)attr_container_get_serialize_length(args));
    attr_container_destroy(args);
    return handle;
}

/* "udp?bind=P", "uart?d=DEVICE&b=BAUD" */
static int open_other(const char *cmd, const char *args)
{
    attr_container_t *c = attr_container_create("");
    char device[96] = "";
    int handle;
    bool udp = strcmp(cmd, "udp") == 0;

    if (udp) {
        attr_container_set_uint16(&c, "bind port", (uint16_t)tapp_arg_int(args, "bind", 0));
    } else {
        tapp_arg_str(args, "d", device, sizeof device);
        attr_container_set_string(&c, "device", device);
        attr_container_set_int(&c, "baudrate", tapp_arg_int(args, "b", 115200));
    }
    handle = wasm_open_connection(udp ? "UDP" : "UART", (const char *)c,
                                  (int)attr_container_get_serialize_length(c));
    attr_container_destroy(c);
    return handle;
}

/* "ucfg?h=H&port=P": UDP peer 127.0.0.1:P */
static int config_udp(const char *args)
{
    attr_container_t *c = attr_container_create("");
    int ok;

    attr_container_set_string(&c, "address", "127.0.0.1");
    attr_container_set_uint16(&c, "port", (uint16_t)tapp_arg_int(args, "port", 0));
    ok = wasm_config_connection(tapp_arg_int(args, "h", -1), (const char *)c,
                                (int)attr_container_get_serialize_length(c));
    attr_container_destroy(c);
    return ok;
}

static int open_sensor(const char *args)
{
    char name[64];
    int id, interval = tapp_arg_int(args, "i", -1);

    if (!tapp_arg_str(args, "n", name, sizeof name))
        return -1;
    id = wasm_sensor_open(name, tapp_arg_int(args, "inst", 0));
    if (id >= 0 && interval >= 0 && !wasm_sensor_config(id, interval, 0, 0))
        return -2;
    return id;
}

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

void tapp_event(const request_t *event)
{
    n_events++;
    snprintf(last_event_url, sizeof last_event_url, "%s", event->url);
    snprintf(last_event_payload, sizeof last_event_payload, "%.*s",
             event->fmt == FMT_ATTR_CONTAINER ? 0 : event->payload_len,
             event->payload ? (const char *)event->payload : "");
    last_event_sender = (uint32_t)event->sender;
    if (trap_event) {
        trap_event = false;
        __builtin_trap();
    }
}

/* ------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

static void cmd_trapon(const request_t *req, const char *args)
{
    char kind[16] = "";

    tapp_arg_str(args, "k", kind, sizeof kind);
    trap_timer |= strcmp(kind, "timer") == 0;
    trap_sensor |= strcmp(kind, "sensor") == 0;
    trap_conn |= strcmp(kind, "conn") == 0;
    trap_response |= strcmp(kind, "response") == 0;
    trap_event |= strcmp(kind, "event") == 0;
    trap_destroy |= strcmp(kind, "destroy") == 0;
    tapp_reply_text(req, CONTENT_2_05, kind);
}

/* Creates timers until the device refuses; answers how many it got. */
static void cmd_tflood(const request_t *req, const char *args)
{
    int ids[1000], n = 0, max = tapp_arg_int(args, "n", 1000);

    while (n < max && n < 1000 && (ids[n] = wasm_create_timer(100000, 1, 1)) >= 0)
        n++;
    if (tapp_arg_int(args, "keep", 0) == 0)
        for (int i = 0; i < n; i++)
            wasm_timer_destroy(ids[i]);
    reply_int(req, n);
}

/* Creates and cancels (without destroying) n timers, as the reference app
 * library did; answers how many creations succeeded. */
static void cmd_tchurn(const request_t *req, const char *args)
{
    int n = tapp_arg_int(args, "n", 100), ok = 0;

    for (int i = 0; i < n; i++) {
        int id = wasm_create_timer(100000, 0, 1);
        if (id >= 0) {
            ok++;
            wasm_timer_cancel(id);
        }
    }
    reply_int(req, ok);
}

/* Registers n resources /r0 ... (traps at the device's limit). */
static void cmd_rflood(const request_t *req, const char *args)
{
    char url[16];
    int n = tapp_arg_int(args, "n", 1000);

    for (int i = 0; i < n; i++) {
        snprintf(url, sizeof url, "/r%d", i);
        wasm_register_resource(url);
    }
    reply_int(req, n);
}

static void cmd_pflood(const request_t *req, const char *args)
{
    char url[128];
    int n = tapp_arg_int(args, "n", 100);

    if (!tapp_arg_str(args, "u", url, sizeof url))
        return;
    for (int i = 0; i < n; i++)
        tapp_post(url, COAP_EVENT, 0, "flood", 5);
    reply_int(req, n);
}

static bool timer_command(const request_t *req, const char *cmd, const char *args)
{
    int id = tapp_arg_int(args, "id", -1);

    if (strcmp(cmd, "timer") == 0)
        reply_int(req, wasm_create_timer(tapp_arg_int(args, "i", 100), tapp_arg_int(args, "p", 0),
                                         tapp_arg_int(args, "a", 1)));
    else if (strcmp(cmd, "cancel") == 0)
        wasm_timer_cancel(id);
    else if (strcmp(cmd, "restart") == 0)
        wasm_timer_restart(id, tapp_arg_int(args, "i", 100));
    else if (strcmp(cmd, "destroy") == 0)
        wasm_timer_destroy(id);
    else if (strcmp(cmd, "tflood") == 0)
        cmd_tflood(req, args);
    else if (strcmp(cmd, "tchurn") == 0)
        cmd_tchurn(req, args);
    else
        return false;
    if (strcmp(cmd, "cancel") == 0 || strcmp(cmd, "restart") == 0 || strcmp(cmd, "destroy") == 0)
        reply_int(req, 0);
    return true;
}

static bool io_command(const request_t *req, const char *cmd, const char *args)
{
    int h = tapp_arg_int(args, "h", -1);

    if (strcmp(cmd, "sensor") == 0)
        reply_int(req, open_sensor(args));
    else if (strcmp(cmd, "sclose") == 0)
        reply_int(req, wasm_sensor_close(tapp_arg_int(args, "id", -1)));
    else if (strcmp(cmd, "conn") == 0)
        reply_int(req, open_tcp(tapp_arg_int(args, "port", 0)));
    else if (strcmp(cmd, "udp") == 0 || strcmp(cmd, "uart") == 0)
        reply_int(req, open_other(cmd, args));
    else if (strcmp(cmd, "ucfg") == 0)
        reply_int(req, config_udp(args));
    else if (strcmp(cmd, "csend") == 0)
        reply_int(req, wasm_send_on_connection(h, req->payload, req->payload_len));
    else if (strcmp(cmd, "cclose") == 0) {
        wasm_close_connection(h);
        reply_int(req, 0);
    } else
        return false;
    return true;
}

static bool event_command(const request_t *req, const char *cmd, const char *args)
{
    char url[128];

    if (strcmp(cmd, "sub") == 0 && tapp_arg_str(args, "u", url, sizeof url))
        wasm_sub_event(url);
    else if (strcmp(cmd, "pub") == 0 && tapp_arg_str(args, "u", url, sizeof url))
        tapp_post(url, COAP_EVENT, req->fmt, req->payload, req->payload_len);
    else if (strcmp(cmd, "reg") == 0 && tapp_arg_str(args, "u", url, sizeof url))
        wasm_register_resource(url);
    else if (strcmp(cmd, "pflood") == 0)
        cmd_pflood(req, args);
    else
        return false;
    if (strcmp(cmd, "pflood") != 0)
        reply_int(req, 0);
    return true;
}

static bool basic_command(const request_t *req, const char *cmd, const char *args)
{
    if (strcmp(cmd, "echo") == 0)
        tapp_reply(req, CONTENT_2_05, req->fmt, req->payload, req->payload_len);
    else if (strcmp(cmd, "id") == 0) {
        tapp_arg_str(args, "v", identity, sizeof identity);
        reply_int(req, 0);
    } else if (strcmp(cmd, "stats") == 0)
        reply_stats(req);
    else if (strcmp(cmd, "send") == 0)
        cmd_send(req, args);
    else if (strcmp(cmd, "spin") == 0) {
        for (volatile int forever = 1; forever;) {
        }
    } else if (strcmp(cmd, "trap") == 0)
        __builtin_trap();
    else if (strcmp(cmd, "noreply") == 0) {
    } else if (strcmp(cmd, "trapon") == 0)
        cmd_trapon(req, args);
    else if (strcmp(cmd, "rflood") == 0)
        cmd_rflood(req, args);
    else if (strcmp(cmd, "tick") == 0)
        reply_int(req, (int)(wasm_get_sys_tick_ms() & 0x7fffffff));
    else
        return false;
    return true;
}

bool tapp_request(const request_t *req, const char *cmd, const char *args)
{
    n_requests++;
    if (basic_command(req, cmd, args) || timer_command(req, cmd, args) ||
        io_command(req, cmd, args) || event_command(req, cmd, args))
        return true;
    /* anything else is one of the resources registered with "reg" */
    resource_hits++;
    tapp_reply(req, CONTENT_2_05, 0, identity, (int)strlen(identity));
    return true;
}
