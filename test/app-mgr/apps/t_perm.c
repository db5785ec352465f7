/* The test app of permissions and per-app limits: each command, sent as
 * "/app/<name>/<cmd>?args", tries something an app may not do, or more of
 * it than it may, and reports what the device did. Every answer is an
 * attr_container (tag "perm"), so that host_tool prints it as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapp.h"

/* (*~)i: wasm_post_request that returns 0 (taken) or the refusing status */
IMPORT("wasm_post_request_checked") int wasm_post_request_checked(const char *buf, int size);

#define MAX_ASKS 8

static int n_responses, n_events, by_status[256];
static int last_status = -1;
static char last_text[128];

/* requests sent with "ask", answered to their asker when the response (or
 * the timeout) comes */
static struct {
    bool used;
    uint32_t mid;            /* of the request this app sent */
    uint32_t asker, ask_mid; /* who asked for it */
    uint32_t forged;         /* the sender field it was sent with */
    int timer, rc;
} asks[MAX_ASKS];

/* the request "later" keeps unanswered */
static uint32_t later_sender, later_mid;

EXPORT("on_init") void on_init(void);
void on_init(void)
{
}

void tapp_sensor(int id, const char *buf, int len)
{
    (void)id, (void)buf, (void)len;
}

void tapp_connection(int handle, const char *buf, int len)
{
    (void)handle, (void)buf, (void)len;
}

void tapp_event(const request_t *event)
{
    (void)event;
    n_events++;
}

/* ------------------------------------------------------------------------
 * Answers
 * ------------------------------------------------------------------------ */

static attr_container_t *result(void)
{
    return attr_container_create("perm");
}

/* Sends c to (receiver, mid) with status 69 and frees it. */
static void send_result(uint32_t receiver, uint32_t mid, attr_container_t *c)
{
    tapp_respond_to(receiver, mid, CONTENT_2_05, FMT_ATTR_CONTAINER, c,
                    (int)attr_container_get_serialize_length(c));
    attr_container_destroy(c);
}

static void reply(const request_t *req, attr_container_t *c)
{
    send_result((uint32_t)req->sender, req->mid, c);
}

static void reply_int(const request_t *req, const char *key, int value)
{
    attr_container_t *c = result();

    attr_container_set_int(&c, key, value);
    reply(req, c);
}

/* The "error message" or "text" string of a response payload, or "". */
static const char *payload_text(const response_t *resp)
{
    attr_container_t *c = resp->payload;
    const char *text = NULL;

    if (resp->fmt != FMT_ATTR_CONTAINER || !c ||
        !attr_container_validate(resp->payload, (uint32_t)resp->payload_len))
        return "";
    if (attr_container_contain_key(c, "error message"))
        text = attr_container_get_as_string(c, "error message");
    else if (attr_container_contain_key(c, "text"))
        text = attr_container_get_as_string(c, "text");
    return text ? text : "";
}

/* Answers the asker of slot with what became of its request (resp NULL:
 * no answer in time). */
static void ask_done(int slot, const response_t *resp)
{
    attr_container_t *c = result();

    attr_container_set_int(&c, "rc", asks[slot].rc);
    attr_container_set_uint32(&c, "forged", asks[slot].forged);
    attr_container_set_int(&c, "status", resp ? resp->status : -1);
    if (resp) {
        attr_container_set_string(&c, "text", payload_text(resp));
        if (resp->fmt == FMT_ATTR_CONTAINER &&
            attr_container_validate(resp->payload, (uint32_t)resp->payload_len) &&
            attr_container_contain_key(resp->payload, "sender"))
            attr_container_set_uint32(&c, "sender",
                                      attr_container_get_as_uint32(resp->payload, "sender"));
    }
    wasm_timer_destroy(asks[slot].timer);
    asks[slot].used = false;
    send_result(asks[slot].asker, asks[slot].ask_mid, c);
}

void tapp_response(const response_t *resp)
{
    n_responses++;
    if (resp->status >= 0 && resp->status < 256)
        by_status[resp->status]++;
    last_status = resp->status;
    snprintf(last_text, sizeof last_text, "%s", payload_text(resp));
    for (int i = 0; i < MAX_ASKS; i++)
        if (asks[i].used && asks[i].mid == resp->mid)
            ask_done(i, resp);
}

void tapp_timer(int id)
{
    for (int i = 0; i < MAX_ASKS; i++)
        if (asks[i].used && asks[i].timer == id)
            ask_done(i, NULL);
}

/* An id or mid after key= in args: unsigned, so that the host's id
 * 4294967293 survives (tapp_arg_int's long has 32 bits here). */
static uint32_t arg_u32(const char *args, const char *key)
{
    char text[24];

    return tapp_arg_str(args, key, text, sizeof text) ? (uint32_t)strtoul(text, NULL, 0) : 0;
}

/* ------------------------------------------------------------------------
 * Sending as this app
 * ------------------------------------------------------------------------ */

/* Posts a request through the checked native with the given sender field
 * (the device must ignore it); returns the native's result and the mid. */
static int post(const char *url, int action, uint32_t sender, const char *text, uint32_t *out_mid)
{
    request_t req;
    char *packet;
    int size, rc = -1;

    init_request(&req, (char *)url, action, 0, (void *)text, text ? (int)strlen(text) : 0);
    req.sender = sender;
    if ((packet = pack_request(&req, &size))) {
        rc = wasm_post_request_checked(packet, size);
        free_req_resp_packet(packet);
    }
    if (out_mid)
        *out_mid = req.mid;
    return rc;
}

/* Sends one response with status 69 and {"text": text}. */
static int respond(uint32_t receiver, uint32_t mid, const char *text)
{
    attr_container_t *c = result();
    response_t resp;
    char *packet;
    int size, ok = 0;

    attr_container_set_string(&c, "text", text);
    memset(&resp, 0, sizeof resp);
    resp.mid = mid;
    resp.reciever = receiver;
    set_response(&resp, CONTENT_2_05, FMT_ATTR_CONTAINER, (const char *)c,
                 (int)attr_container_get_serialize_length(c));
    if ((packet = pack_response(&resp, &size))) {
        ok = wasm_response_send(packet, size);
        free_req_resp_packet(packet);
    }
    attr_container_destroy(c);
    return ok;
}

/* ------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

/* "ask?u=URL&a=ACTION&s=SENDER&t=MS": sends a request with a (forged)
 * sender field and answers later with {rc, status, text[, sender]}. */
static void cmd_ask(const request_t *req, const char *args)
{
    char url[160];
    int slot;

    for (slot = 0; slot < MAX_ASKS && asks[slot].used; slot++) {
    }
    if (slot == MAX_ASKS || !tapp_arg_str(args, "u", url, sizeof url)) {
        reply_int(req, "status", -2);
        return;
    }
    asks[slot].used = true;
    asks[slot].asker = (uint32_t)req->sender;
    asks[slot].ask_mid = req->mid;
    asks[slot].timer = wasm_create_timer(tapp_arg_int(args, "t", 5000), 0, 1);
    asks[slot].forged = arg_u32(args, "s");
    asks[slot].rc = post(url, tapp_arg_int(args, "a", COAP_GET), asks[slot].forged, NULL,
                         &asks[slot].mid);
}

/* "qflood?u=URL&n=N": N requests at once; how the device took them. */
static void cmd_qflood(const request_t *req, const char *args)
{
    char url[160] = "";
    int n = tapp_arg_int(args, "n", 10), taken = 0, full = 0;
    attr_container_t *c = result();

    tapp_arg_str(args, "u", url, sizeof url);
    for (int i = 0; i < n; i++) {
        int rc = post(url, COAP_GET, 0, NULL, NULL);
        taken += rc == 0;
        full += rc == SERVICE_UNAVAILABLE_5_03;
    }
    attr_container_set_int(&c, "taken", taken);
    attr_container_set_int(&c, "rc163", full);
    reply(req, c);
}

/* "pubflood?u=URL&n=N[&p=TEXT]": N events in this one callback. */
static void cmd_pubflood(const request_t *req, const char *args)
{
    char url[160] = "", text[64] = "flood";
    int n = tapp_arg_int(args, "n", 100), taken = 0, refused = 0;
    attr_container_t *c = result();

    tapp_arg_str(args, "u", url, sizeof url);
    tapp_arg_str(args, "p", text, sizeof text);
    for (int i = 0; i < n; i++) {
        if (post(url, COAP_EVENT, 0, text, NULL) == 0)
            taken++;
        else
            refused++;
    }
    attr_container_set_int(&c, "taken", taken);
    attr_container_set_int(&c, "refused", refused);
    reply(req, c);
}

/* "timers?n=N": creates timers until the device refuses one. */
static void cmd_timers(const request_t *req, const char *args)
{
    int n = tapp_arg_int(args, "n", 100), created = 0, id = 0;
    attr_container_t *c = result();

    while (created < n && (id = wasm_create_timer(100000, 1, 1)) >= 0)
        created++;
    attr_container_set_int(&c, "created", created);
    attr_container_set_int(&c, "last", id);
    reply(req, c);
}

static void reply_stats(const request_t *req)
{
    static const int statuses[] = {66, 69, 131, 132, 160, 163};
    attr_container_t *c = result();
    char key[8];

    attr_container_set_int(&c, "responses", n_responses);
    attr_container_set_int(&c, "events", n_events);
    attr_container_set_int(&c, "last_status", last_status);
    attr_container_set_string(&c, "last_text", last_text);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        snprintf(key, sizeof key, "r%d", statuses[i]);
        attr_container_set_int(&c, key, by_status[statuses[i]]);
    }
    reply(req, c);
}

/* "answer?p=TEXT&n=N": answers the request kept by "later", N times. */
static void cmd_answer(const request_t *req, const char *args)
{
    char text[64] = "real";
    int n = tapp_arg_int(args, "n", 1), sent = 0;

    tapp_arg_str(args, "p", text, sizeof text);
    for (int i = 0; i < n; i++)
        sent += respond(later_sender, later_mid, text);
    reply_int(req, "sent", sent);
}

/* "forge?r=RECEIVER&m=MID&p=TEXT": a response to a request never given;
 * answers what it sent, so that a test knows the forgery was the one meant. */
static void cmd_forge(const request_t *req, const char *args)
{
    char text[64] = "forged";
    uint32_t receiver = arg_u32(args, "r"), mid = arg_u32(args, "m");
    attr_container_t *c = result();

    tapp_arg_str(args, "p", text, sizeof text);
    attr_container_set_int(&c, "sent", respond(receiver, mid, text));
    attr_container_set_uint32(&c, "r", receiver);
    attr_container_set_uint32(&c, "m", mid);
    reply(req, c);
}

static bool response_command(const request_t *req, const char *cmd, const char *args)
{
    attr_container_t *c;

    if (strcmp(cmd, "later") == 0) {
        later_sender = (uint32_t)req->sender;
        later_mid = req->mid;
    } else if (strcmp(cmd, "peek") == 0) {
        c = result();
        attr_container_set_uint32(&c, "sender", later_sender);
        attr_container_set_uint32(&c, "mid", later_mid);
        reply(req, c);
    } else if (strcmp(cmd, "answer") == 0) {
        cmd_answer(req, args);
    } else if (strcmp(cmd, "forge") == 0) {
        cmd_forge(req, args);
    } else {
        return false;
    }
    return true;
}

static bool limit_command(const request_t *req, const char *cmd, const char *args)
{
    char url[160] = "", text[64] = "one";

    if (strcmp(cmd, "qflood") == 0) {
        cmd_qflood(req, args);
    } else if (strcmp(cmd, "pubflood") == 0) {
        cmd_pubflood(req, args);
    } else if (strcmp(cmd, "pub") == 0) {
        tapp_arg_str(args, "u", url, sizeof url);
        tapp_arg_str(args, "p", text, sizeof text);
        reply_int(req, "rc", post(url, COAP_EVENT, 0, text, NULL));
    } else if (strcmp(cmd, "sub") == 0 && tapp_arg_str(args, "u", url, sizeof url)) {
        wasm_sub_event(url);
        reply_int(req, "ok", 1);
    } else if (strcmp(cmd, "timers") == 0) {
        cmd_timers(req, args);
    } else if (strcmp(cmd, "spin") == 0) {
        for (volatile int forever = 1; forever;) {
        }
    } else {
        return false;
    }
    return true;
}

/* The sender the device gave this request. */
static void cmd_whoami(const request_t *req)
{
    attr_container_t *c = result();

    attr_container_set_uint32(&c, "sender", (uint32_t)req->sender);
    reply(req, c);
}

bool tapp_request(const request_t *req, const char *cmd, const char *args)
{
    if (strcmp(cmd, "echo") == 0)
        reply_int(req, "ok", 1);
    else if (strcmp(cmd, "whoami") == 0)
        cmd_whoami(req);
    else if (strcmp(cmd, "stats") == 0)
        reply_stats(req);
    else if (strcmp(cmd, "ask") == 0)
        cmd_ask(req, args);
    else
        return response_command(req, cmd, args) || limit_command(req, cmd, args);
    return true;
}
