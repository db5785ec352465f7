/* Requests, responses and events on the app side: the resources and event
 * subscriptions this app serves (dispatched by on_request), and the table
 * of its outstanding requests, each answered exactly once, by on_response
 * or with NULL after WA_REQUEST_TIMEOUT_MS. The reference library hangs
 * when a third request is outstanding; here the table is a plain FIFO list
 * with no limit but memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wa-inc/request.h"
#include "wa-inc/timer_wasm_app.h"
#include "wa_device.h"

#define WA_REQUEST_TIMEOUT_MS 5000u

/* ======================================================================
 * Resources and subscriptions
 * ====================================================================== */

typedef enum { WA_REG_RESOURCE, WA_REG_EVENT } wa_reg_kind_t;

typedef struct wa_registration {
    struct wa_registration *next;
    char *url; /* owned */
    wa_reg_kind_t kind;
    request_handler_f handler;
} wa_registration_t;

static wa_registration_t *g_registrations; /* newest first */

static wa_registration_t *find_registration(const char *url, wa_reg_kind_t kind)
{
    for (wa_registration_t *r = g_registrations; r; r = r->next)
        if (r->kind == kind && strcmp(r->url, url) == 0)
            return r;
    return NULL;
}

/* Adds the registration and tells the device, once per url and kind. */
static bool register_url(const char *url, request_handler_f handler,
                         wa_reg_kind_t kind)
{
    wa_registration_t *r;

    if (!url || !url[0] || !handler)
        return false;
    if ((r = find_registration(url, kind))) {
        r->handler = handler;
        return true;
    }
    if (!(r = malloc(sizeof *r)))
        return false;
    if (!(r->url = strdup(url))) {
        free(r);
        return false;
    }
    r->kind = kind;
    r->handler = handler;
    r->next = g_registrations;
    g_registrations = r;
    if (kind == WA_REG_RESOURCE)
        wasm_register_resource(url);
    else
        wasm_sub_event(url);
    return true;
}

bool api_register_resource_handler(const char *url, request_handler_f handler)
{
    return register_url(url, handler, WA_REG_RESOURCE);
}

bool api_subscribe_event(const char *url, request_handler_f handler)
{
    return register_url(url, handler, WA_REG_EVENT);
}

/* Event URLs are equal when they are, ignoring one leading '/'. */
static bool same_event_url(const char *a, const char *b)
{
    if (*a == '/')
        a++;
    if (*b == '/')
        b++;
    return strcmp(a, b) == 0;
}

/* The handler for request: for an event, the subscription to exactly its
 * URL first; otherwise the newest registration whose URL it lies under. */
static wa_registration_t *match_registration(const request_t *request)
{
    wa_reg_kind_t kind = request->action == COAP_EVENT ? WA_REG_EVENT : WA_REG_RESOURCE;
    int url_len = (int)strlen(request->url);
    wa_registration_t *r;

    if (kind == WA_REG_EVENT)
        for (r = g_registrations; r; r = r->next)
            if (r->kind == kind && same_event_url(r->url, request->url))
                return r;
    for (r = g_registrations; r; r = r->next)
        if (r->kind == kind && check_url_start(request->url, url_len, r->url) > 0)
            return r;
    return NULL;
}

/* [better] the reference stays silent and the sender times out. */
static void reply_not_found(const request_t *request)
{
    response_t response;

    make_response_for_request(request, &response);
    set_response(&response, NOT_FOUND_4_04, 0, NULL, 0);
    api_response_send(&response);
}

void on_request(char *buffer, int size)
{
    request_t request;
    wa_registration_t *r;

    if (!buffer || size <= 0 || !unpack_request(buffer, size, &request))
        return;
    if ((r = match_registration(&request)))
        r->handler(&request);
    else if (request.action != COAP_EVENT)
        reply_not_found(&request);
}

/* ======================================================================
 * Outstanding requests
 *
 * A FIFO list in sending order, so also in deadline order. One one-shot
 * timer serves the timeouts. It exists only while it runs: created (running)
 * by the request that finds none, re-armed at each firing for the oldest
 * request left, and destroyed by a firing that finds the list empty. So it
 * holds an app timer slot only while requests are outstanding, and it is
 * never an idle timer the device might hand to another. A response does
 * not touch it: a firing for a request already answered just re-arms. If
 * the app has no free timer slot, requests still go out, and the next
 * request tries again.
 * ====================================================================== */

typedef struct wa_transaction {
    struct wa_transaction *next;
    uint32_t mid;
    uint32_t sent_ms; /* wasm_get_sys_tick_ms() when sent */
    response_handler_f handler;
    void *user_data;
} wa_transaction_t;

static wa_transaction_t *g_trans_head, *g_trans_tail;
static user_timer_t g_trans_timer; /* NULL, or running */

static void trans_append(wa_transaction_t *t)
{
    t->next = NULL;
    if (g_trans_tail)
        g_trans_tail->next = t;
    else
        g_trans_head = t;
    g_trans_tail = t;
}

/* Unlinks and returns the oldest transaction with this mid, or NULL. */
static wa_transaction_t *trans_take(uint32_t mid)
{
    wa_transaction_t *prev = NULL, *t;

    for (t = g_trans_head; t && t->mid != mid; t = t->next)
        prev = t;
    if (!t)
        return NULL;
    if (prev)
        prev->next = t->next;
    else
        g_trans_head = t->next;
    if (g_trans_tail == t)
        g_trans_tail = prev;
    return t;
}

/* Tick differences are taken modulo 2^32, so the wrap after 49.7 days is
 * harmless. */
static uint32_t trans_elapsed(const wa_transaction_t *t, uint32_t now)
{
    return now - t->sent_ms;
}

/* Unlinks the transactions due at now, oldest first, into a list of their
 * own (linked by next). */
static wa_transaction_t *trans_take_expired(uint32_t now)
{
    wa_transaction_t *expired = g_trans_head, *last = NULL;

    for (wa_transaction_t *t = g_trans_head;
         t && trans_elapsed(t, now) >= WA_REQUEST_TIMEOUT_MS; t = t->next)
        last = t;
    if (!last)
        return NULL;
    g_trans_head = last->next;
    if (!g_trans_head)
        g_trans_tail = NULL;
    last->next = NULL;
    return expired;
}

/* The timer fired (it is stopped now). It is re-armed or destroyed before
 * any handler runs, so handlers that send requests find it consistent. */
static void trans_on_timer(user_timer_t timer)
{
    uint32_t now = wasm_get_sys_tick_ms();
    wa_transaction_t *expired = trans_take_expired(now), *t;

    if (g_trans_head) {
        api_timer_restart(timer, (int)(WA_REQUEST_TIMEOUT_MS
                                       - trans_elapsed(g_trans_head, now)));
    }
    else {
        api_timer_cancel(timer);
        g_trans_timer = NULL;
    }
    while ((t = expired)) {
        expired = t->next;
        t->handler(NULL, t->user_data);
        free(t);
    }
}

void api_send_request(request_t *request, response_handler_f response_handler,
                      void *user_data)
{
    wa_transaction_t *t = NULL;
    request_t copy;
    char *packet;
    int size;

    if (!request)
        return;
    if (response_handler && !(t = malloc(sizeof *t)))
        return;
    copy = *request;
    copy.sender = 0; /* init_request leaves it unset; the device sets it */
    if (!(packet = pack_request(&copy, &size))) {
        free(t);
        return;
    }
    if (t) {
        t->mid = copy.mid;
        t->sent_ms = wasm_get_sys_tick_ms();
        t->handler = response_handler;
        t->user_data = user_data;
        trans_append(t);
        /* Before posting: a device that refuses the request traps the
         * caller, and the request must still time out. */
        if (!g_trans_timer)
            g_trans_timer = api_timer_create((int)WA_REQUEST_TIMEOUT_MS, false, true,
                                             trans_on_timer);
    }
    wasm_post_request(packet, size);
    free_req_resp_packet(packet);
}

/* A response nobody waits for (already timed out, or not ours) is dropped. */
void on_response(char *buffer, int size)
{
    response_t response;
    wa_transaction_t *t;

    if (!buffer || size <= 0 || !unpack_response(buffer, size, &response))
        return;
    if (!(t = trans_take(response.mid)))
        return;
    t->handler(&response, t->user_data);
    free(t);
}

/* ======================================================================
 * Sending responses and events
 * ====================================================================== */

void api_response_send(response_t *response)
{
    char *packet;
    int size;

    if (!response || !(packet = pack_response(response, &size)))
        return;
    wasm_response_send(packet, size);
    free_req_resp_packet(packet);
}

bool api_publish_event(const char *url, int fmt, void *payload, int payload_len)
{
    request_t request;
    char *packet;
    int size;

    if (!url)
        return false;
    init_request(&request, (char *)url, COAP_EVENT, fmt, payload, payload_len);
    request.sender = 0;
    if (!(packet = pack_request(&request, &size)))
        return false;
    wasm_post_request(packet, size);
    free_req_resp_packet(packet);
    return true;
}
