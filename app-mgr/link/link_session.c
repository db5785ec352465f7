/* A host connection as an app manager client (contract sections 1, 2, 4.1):
 * link messages in, am_request calls, responses and events out. Writes are
 * serialised by a mutex because they come both from the reader (error
 * replies) and from the manager's delivery thread (answers, events). */
#include "link_session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link_parser.h"

struct ls_session {
    ls_config_t cfg;
    am_client_t *client;
    lp_parser_t *parser;
    pthread_mutex_t write_lock; /* guards cfg.write and stats */
    ls_stats_t stats;
};

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

static void log_line(ls_session_t *s, int level, const char *fmt, const char *detail)
{
    char line[256];

    snprintf(line, sizeof line, fmt, detail);
    if (s->cfg.log)
        s->cfg.log(s->cfg.log_user, level, line);
    else
        fprintf(stderr, "link: %s\n", line);
}

/* Frames payload as one message and writes it; counts it under *counter. */
static void send_message(ls_session_t *s, uint16_t type, const char *payload, int size,
                         uint64_t *counter)
{
    size_t total;
    uint8_t *msg = lp_encode(type, payload, (uint32_t)size, &total);

    pthread_mutex_lock(&s->write_lock);
    if (!msg || s->cfg.write(s->cfg.user, msg, total) != 0)
        s->stats.write_errors++;
    else
        (*counter)++;
    pthread_mutex_unlock(&s->write_lock);
    free(msg);
}

static void send_response(ls_session_t *s, const response_t *resp)
{
    int size = 0;
    char *packet = pack_response(resp, &size);

    if (!packet) {
        log_line(s, 0, "%s", "cannot pack a response");
        return;
    }
    send_message(s, LP_TYPE_RESPONSE, packet, size, &s->stats.responses);
    free_req_resp_packet(packet);
}

/* An error answer as the manager gives it (contract 4.1): status, fmt 99,
 * tag "" holding "error message". */
static void send_error(ls_session_t *s, uint32_t mid, uint32_t receiver, int status,
                       const char *msg)
{
    attr_container_t *payload = attr_container_create("");
    response_t resp = {mid, status, 0, NULL, 0, receiver};

    if (payload && attr_container_set_string(&payload, "error message", msg)) {
        resp.fmt = FMT_ATTR_CONTAINER;
        resp.payload = payload;
        resp.payload_len = (int)attr_container_get_serialize_length(payload);
    }
    send_response(s, &resp);
    attr_container_destroy(payload);
}

/* ------------------------------------------------------------------------
 * Manager callbacks (delivery thread)
 * ------------------------------------------------------------------------ */

static void on_response(void *user, const response_t *resp)
{
    if (resp) /* NULL: timed out; the host has its own timeout */
        send_response(user, resp);
}

static void on_event(void *user, const request_t *event)
{
    ls_session_t *s = user;
    int size = 0;
    char *packet = pack_request(event, &size);

    if (!packet) {
        log_line(s, 0, "cannot pack event %s", event->url ? event->url : "");
        return;
    }
    send_message(s, LP_TYPE_REQUEST, packet, size, &s->stats.events);
    free_req_resp_packet(packet);
}

/* ------------------------------------------------------------------------
 * Input (the ls_feed caller's thread)
 * ------------------------------------------------------------------------ */

static void drop(ls_session_t *s, const char *why)
{
    pthread_mutex_lock(&s->write_lock);
    s->stats.dropped++;
    pthread_mutex_unlock(&s->write_lock);
    log_line(s, 1, "dropped: %s", why);
}

static void forward(ls_session_t *s, const request_t *req)
{
    pthread_mutex_lock(&s->write_lock);
    s->stats.requests++;
    pthread_mutex_unlock(&s->write_lock);
    if (!am_request(s->client, req, s->cfg.request_timeout_ms, on_response, s))
        send_error(s, req->mid, (uint32_t)req->sender, BAD_REQUEST_4_00, "unusable request");
}

static int is_install(const request_t *req)
{
    return req->action == COAP_PUT && check_url_start(req->url, (int)strlen(req->url), "/applet");
}

/* Type 2: any request but an install (4.1: installs come only as type 4).
 * Type 4: an install only (PUT /applet?name=..., payload = the wasm); the
 * whole payload is assembled first, so a cut-off install changes nothing. */
static void on_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    ls_session_t *s = user;
    request_t req;

    if (type != LP_TYPE_REQUEST && type != LP_TYPE_INSTALL) {
        drop(s, "a response from the host");
        return;
    }
    if (size > INT32_MAX || !unpack_request((char *)payload, (int)size, &req)) {
        drop(s, "malformed request packet"); /* contract 2: drop, log */
        return;
    }
    if (type == LP_TYPE_REQUEST && is_install(&req)) {
        send_error(s, req.mid, (uint32_t)req.sender, INTERNAL_SERVER_ERROR_5_00,
                   "Install WASM app failed: installs must come as link type 4.");
        return;
    }
    if (type == LP_TYPE_INSTALL && !is_install(&req)) {
        send_error(s, req.mid, (uint32_t)req.sender, BAD_REQUEST_4_00,
                   "link type 4 carries only PUT /applet");
        return;
    }
    forward(s, &req);
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Too large (contract 1 [better]): answered 141 with the mid and sender of
 * the request's fixed part when it was in the head; skipped unbuffered. */
static void on_error(void *user, lp_error_t err, uint16_t type, uint32_t size,
                     const uint8_t *head, uint32_t head_len)
{
    ls_session_t *s = user;
    char what[96];

    snprintf(what, sizeof what, "link error %d (type %u, size %u)", (int)err, (unsigned)type,
             (unsigned)size);
    if (err == LP_ERR_EMPTY || err == LP_ERR_GARBAGE) {
        log_line(s, 2, "%s", what);
        return;
    }
    drop(s, what);
    if (err == LP_ERR_TOO_LARGE && type != LP_TYPE_RESPONSE) {
        uint32_t mid = head_len >= 8 ? be32(head + 4) : 0;
        uint32_t sender = head_len >= 12 ? be32(head + 8) : 0;
        send_error(s, mid, sender, REQUEST_ENTITY_TOO_LARGE_4_13,
                   "the message is larger than the device accepts");
    }
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

ls_session_t *ls_open(am_t *am, const ls_config_t *config)
{
    ls_session_t *s;
    lp_config_t pc = {0};

    if (!am || !config || !config->write || !(s = calloc(1, sizeof *s)))
        return NULL;
    s->cfg = *config;
    pthread_mutex_init(&s->write_lock, NULL);
    pc.max_size = config->max_message_size;
    pc.on_message = on_message;
    pc.on_error = on_error;
    pc.user = s;
    if (!(s->parser = lp_new(&pc)))
        goto fail;
    if (!(s->client = am_client_open(am, on_event, s)))
        goto fail;
    return s;
fail:
    lp_free(s->parser);
    pthread_mutex_destroy(&s->write_lock);
    free(s);
    return NULL;
}

void ls_feed(ls_session_t *session, const uint8_t *data, size_t size)
{
    lp_feed(session->parser, data, size);
}

void ls_close(ls_session_t *session)
{
    if (!session)
        return;
    am_client_close(session->client); /* no callback of it runs after this */
    lp_free(session->parser);
    pthread_mutex_destroy(&session->write_lock);
    free(session);
}

void ls_get_stats(ls_session_t *session, ls_stats_t *out_stats)
{
    pthread_mutex_lock(&session->write_lock);
    *out_stats = session->stats;
    pthread_mutex_unlock(&session->write_lock);
}
