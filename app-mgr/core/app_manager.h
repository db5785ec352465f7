/* The in-process app manager: installs wasm apps, runs each on its own
 * thread with its own queue, routes requests, responses and events between
 * apps and the embedder (contract section 4), enforces the watchdog, and
 * frees everything an app owned when it goes. It needs no transport: a host
 * link (app-mgr/link) is one more client on top of this API.
 *
 * Threads: every app callback runs on that app's thread. Every embedder
 * callback (responses, events) runs on the manager's delivery thread, one
 * at a time; from there the embedder may call any am_ function except
 * am_shutdown. */
#ifndef APP_MANAGER_H
#define APP_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "attr_container.h"
#include "shared_utils.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct am am_t;               /* one manager */
typedef struct am_client am_client_t; /* one embedder or host connection */

/* Special sender/receiver ids (contract section 2). App ids start at 1. */
#define AM_ID_HOST 0xFFFFFFFDu
#define AM_ID_APP_MANAGER 0xFFFFFFFEu
#define AM_ID_NONE 0xFFFFFFFFu

/* Log lines: level 0 error, 1 warning, 2 info. */
typedef void (*am_log_fn)(void *user, int level, const char *line);

/* Build-time defaults of am_config_t (each overridable with -D, e.g.
 * cmake -DCMAKE_C_FLAGS=-DAM_DEFAULT_MAX_APPS=32); start-time values
 * override them field by field. */
#ifndef AM_DEFAULT_MAX_APPS
#define AM_DEFAULT_MAX_APPS 16
#endif
#ifndef AM_DEFAULT_MAX_RESOURCES
#define AM_DEFAULT_MAX_RESOURCES 16
#endif
#ifndef AM_DEFAULT_MAX_SUBSCRIPTIONS
#define AM_DEFAULT_MAX_SUBSCRIPTIONS 64
#endif
#ifndef AM_DEFAULT_MAX_URL_LEN
#define AM_DEFAULT_MAX_URL_LEN 256
#endif
#ifndef AM_DEFAULT_QUEUE_LEN
#define AM_DEFAULT_QUEUE_LEN 50
#endif
#ifndef AM_DEFAULT_MAX_TIMERS
#define AM_DEFAULT_MAX_TIMERS 30
#endif
#ifndef AM_DEFAULT_MAX_CONNECTIONS
#define AM_DEFAULT_MAX_CONNECTIONS 3
#endif
#ifndef AM_DEFAULT_MAX_APP_SIZE
#define AM_DEFAULT_MAX_APP_SIZE (64u * 1024 * 1024)
#endif
#ifndef AM_DEFAULT_REQUEST_TIMEOUT_MS
#define AM_DEFAULT_REQUEST_TIMEOUT_MS 5000
#endif
#ifndef AM_DEFAULT_DESTROY_TIMEOUT_MS
#define AM_DEFAULT_DESTROY_TIMEOUT_MS 1000
#endif
#ifndef AM_DEFAULT_WASM_STACK_SIZE
#define AM_DEFAULT_WASM_STACK_SIZE (64 * 1024)
#endif
#ifndef AM_DEFAULT_THREAD_STACK_SIZE
#define AM_DEFAULT_THREAD_STACK_SIZE (256 * 1024)
#endif
#ifndef AM_DEFAULT_MAX_HOST_EVENTS
#define AM_DEFAULT_MAX_HOST_EVENTS 1024
#endif

typedef struct am_config {
    uint32_t max_apps;           /* 16 */
    uint32_t max_resources;      /* per app, 16 */
    uint32_t max_subscriptions;  /* event URLs per app or client, 64 */
    uint32_t max_url_len;        /* bytes without the NUL, 256 */
    uint32_t queue_len;          /* messages waiting per app, 50 */
    uint32_t max_timers;         /* the most an app may ask for, 30 */
    uint32_t max_connections;    /* per app, 3 */
    uint32_t max_app_size;       /* wasm bytes, 64 MiB */
    uint32_t request_timeout_ms; /* am_request with timeout 0, 5000 */
    uint32_t destroy_timeout_ms; /* bound on on_destroy, 1000 */
    uint32_t wasm_stack_size;    /* per app exec env, 64 KiB */
    uint32_t thread_stack_size;  /* per app thread, 256 KiB */
    uint32_t max_host_events;    /* events waiting for clients, 1024 */
    am_log_fn log;               /* NULL: lines go to stderr */
    void *log_user;
} am_config_t;

/* Fills *out with the AM_DEFAULT_* values. */
void am_config_default(am_config_t *out);

/* Initialises the runtime (wasm_runtime_init, counted, so an embedder may
 * have called wasm_runtime_full_init before), registers the natives and
 * starts the manager threads. config NULL = defaults; zero fields take their
 * default. NULL + err on failure. */
am_t *am_start(const am_config_t *config, char *err, uint32_t err_size);

/* Uninstalls every app (on_destroy runs), closes every client without
 * calling its pending callbacks, stops the threads and releases the runtime.
 * Not from a manager callback. */
void am_shutdown(am_t *am);

/* ---- apps ----------------------------------------------------------------- */

typedef struct am_app_params {
    const char *name;      /* 1..126 chars, no '/', '?', '&' or '='; unique */
    uint32_t heap_size;    /* app heap bytes: 0 = 8192; clamped to [256, 1 GiB] */
    uint32_t max_timers;   /* 0 = 20; at most config.max_timers */
    uint32_t watchdog_ms;  /* longest callback: 0 = 180000 */
    bool may_manage_apps;  /* may send /applet requests (install/uninstall) */
} am_app_params_t;

/* Loads, instantiates and starts an app, then runs _start (if exported) and
 * on_init on its thread and waits for them. False with the reason in err
 * ("Install WASM app failed: ...") if anything fails, on_init traps or the
 * app exports neither; the manager is then exactly as before. wasm is
 * copied. */
bool am_install(am_t *am, const am_app_params_t *params, const uint8_t *wasm, uint32_t size,
                char *err, uint32_t err_size);
bool am_install_file(am_t *am, const am_app_params_t *params, const char *path, char *err,
                     uint32_t err_size);

/* Stops the app (a running callback is interrupted), runs on_destroy, and
 * frees everything it owned. Requests still queued for it are answered 163.
 * Not from the app's own thread. */
bool am_uninstall(am_t *am, const char *name, char *err, uint32_t err_size);

/* Apps installed now. */
uint32_t am_app_count(am_t *am);

/* ---- clients: who the embedder (or one host connection) is ---------------- */

/* event: an event this client subscribed to (url, fmt, payload, sender =
 * the publisher's id); valid during the call only. */
typedef void (*am_event_fn)(void *user, const request_t *event);
/* resp: the answer (mid and reciever are the request's own mid and
 * sender), or NULL when no answer came within the timeout. Valid during
 * the call only. */
typedef void (*am_response_fn)(void *user, const response_t *resp);

am_client_t *am_client_open(am_t *am, am_event_fn on_event, void *user);
/* Drops the client's subscriptions and pending requests (their callbacks
 * never run) and waits for a callback of it running on the delivery thread
 * (unless called from that very callback). */
void am_client_close(am_client_t *client);

/* Sends req as the host: "/app/<name>/..." to that app, "/applet" and
 * "/event/..." to the manager, anything else to the app whose resource
 * matches (contract 4.3). The answer comes through on_response exactly once
 * (also errors: 132 no such URL, 160 unknown app, 163 queue full, and NULL
 * after timeout_ms; 0 = the configured default). on_response NULL: no
 * answer is wanted. req->payload is copied. An install ("PUT /applet?name=
 * ...", payload = the wasm) runs before am_request returns. False only for
 * an unusable req. */
bool am_request(am_client_t *client, const request_t *req, uint32_t timeout_ms,
                am_response_fn on_response, void *user);

/* Host subscriptions (the same as "PUT/DELETE /event/<url>"). One leading
 * '/' is ignored. False if the URL is empty, too long, or over the limit. */
bool am_subscribe(am_client_t *client, const char *url);
bool am_unsubscribe(am_client_t *client, const char *url);

/* Publishes an event as the host: every subscriber of url gets it. */
bool am_publish(am_client_t *client, const char *url, int fmt, const void *payload,
                uint32_t payload_len);

/* ---- device sensors -------------------------------------------------------- */

/* Returns a new attr_container (the app_shared allocator); the manager frees it. */
typedef attr_container_t *(*am_sensor_read_fn)(void *user);
/* Receives what apps configure ("interval", "bit_cfg", "delay", ...). */
typedef bool (*am_sensor_config_fn)(void *user, const attr_container_t *cfg);

/* A sensor apps open by (name, instance). Sampled at the smallest nonzero
 * interval its clients ask for (default_interval_ms until they ask); each
 * sample reaches every client's on_sensor_event. Returns its id (> 0) or -1.
 * read and config are called on the manager's sensor thread. */
int32_t am_sensor_register(am_t *am, const char *name, int32_t instance,
                           uint32_t default_interval_ms, am_sensor_read_fn read,
                           am_sensor_config_fn config, void *user);
/* The sensor's sampling interval now (0: not sampling). */
uint32_t am_sensor_interval(am_t *am, int32_t sensor_id);

#ifdef __cplusplus
}
#endif

#endif /* APP_MANAGER_H */
