/* One host connection on top of the in-process app manager: bytes from the
 * transport go through a link parser (link_parser.h); type-2 requests and
 * type-4 installs (contract sections 1, 2, 4.1) become am_request calls of
 * the session's own am_client_t; responses go back as type-3 messages and
 * subscribed events as type-2 messages through the transport's write
 * callback. The transport owns the connection; the session owns the rest. */
#ifndef LINK_SESSION_H
#define LINK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "app_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ls_session ls_session_t;

/* Sends one whole link message (header included). Called from the thread
 * that calls ls_feed and from the manager's delivery thread, never from
 * two at once (the session serialises calls). Returns 0 on success; a
 * failure is counted and the message is lost. */
typedef int (*ls_write_fn)(void *user, const uint8_t *data, size_t size);

typedef struct ls_config {
    uint32_t max_message_size; /* 0: LP_DEFAULT_MAX_SIZE; larger gets 141 */
    uint32_t request_timeout_ms; /* passed to am_request; 0: the manager's default */
    ls_write_fn write;
    void *user;
    am_log_fn log; /* NULL: lines go to stderr */
    void *log_user;
} ls_config_t;

typedef struct ls_stats {
    uint64_t requests;  /* handed to am_request */
    uint64_t responses; /* written back */
    uint64_t events;    /* written back */
    uint64_t dropped;   /* malformed or unexpected messages */
    uint64_t write_errors;
} ls_stats_t;

/* Opens a client of am for this connection. NULL if config has no write
 * callback or out of memory. */
ls_session_t *ls_open(am_t *am, const ls_config_t *config);

/* Bytes received from the connection, any split. Not from a write callback. */
void ls_feed(ls_session_t *session, const uint8_t *data, size_t size);

/* The connection is gone: closes the client (its subscriptions end, its
 * pending answers are never written) and frees the session. After it
 * returns no write callback runs. */
void ls_close(ls_session_t *session);

void ls_get_stats(ls_session_t *session, ls_stats_t *out_stats);

#ifdef __cplusplus
}
#endif

#endif /* LINK_SESSION_H */
