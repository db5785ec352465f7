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
    bool may_manage_apps;  /* may send /applet and /event/ requests (am_grant) */
    bool upgrade;          /* replace the installed app of this name, if any (see below) */
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

/* ---- permissions and per-app limits ---------------------------------------- */

/* Build-time defaults of am_app_limits_t (overridable with -D). */
#ifndef AM_DEFAULT_EVENT_RATE
#define AM_DEFAULT_EVENT_RATE 1000
#endif
#ifndef AM_DEFAULT_EVENT_BURST
#define AM_DEFAULT_EVENT_BURST 2000
#endif
#define AM_MAX_GRANTS 16

/* What one app may use: an app over a limit gets an error, and the other
 * apps and the hosts are served as before. Zero fields take the default. */
typedef struct am_app_limits {
    uint32_t event_rate;   /* events an app may publish per second, 1000 */
    uint32_t event_burst;  /* ... at once (its bucket, full at first use), 2000 */
    uint32_t sender_queue; /* requests one app may have waiting in another
                            * app's queue: half of config.queue_len */
} am_app_limits_t;

/* Sets the per-app limits (they apply to every app from now on). Over its
 * event rate an app's events are dropped: wasm_post_request_checked
 * returns 163, and the first drop of a burst is logged and answered with
 * 163 to the event's mid. Beyond its share of a queue its requests are
 * answered 163. */
void am_set_app_limits(am_t *am, const am_app_limits_t *limits);

/* Lets the app named name, when installed after this call (the device
 * grants before it installs or restores anything), send requests to the
 * manager's own URLs, "/applet" (query, install, uninstall) and
 * "/event/..." (subscriptions), as may_manage_apps does for one install.
 * Other apps are answered 131 (and the refusal logged). False if name is
 * not a valid app name or AM_MAX_GRANTS names are granted already. */
bool am_grant(am_t *am, const char *name);

/* ---- install hooks: verification and persistence --------------------------- */

/* Every install (host link, apps, am_install, restores) runs this order:
 * verify the payload -> load -> on_init -> save -> the app is installed.
 *
 * An upgrade (params.upgrade, "&upgrade=1") of an installed name loads the
 * new version beside the old one, which keeps its name, URLs and requests
 * until the new one's on_init succeeded and it was saved. Then, at once, the
 * new version takes the name and the URLs the old one registered; the old
 * one answers what it was sent before (its queue is drained), runs
 * on_destroy and goes. On any failure the old version stays as it was. An
 * upgrade of a name not installed is a plain install. */

/* Checks an install payload before any of it is loaded. Returns 0 with
 * the wasm to load in out_wasm and out_wasm_size (payload itself or a part
 * of it), or the status to refuse with (e.g. FORBIDDEN_4_03) and the reason in
 * err. May run on several threads at once. */
typedef int (*am_verify_fn)(void *user, const char *name, const uint8_t *payload,
                            uint32_t size, const uint8_t **out_wasm, uint32_t *out_wasm_size,
                            char *err, uint32_t err_size);

/* Persistence of the installed apps. save gets the install as received
 * (params and payload, before verification unwrapped it) after on_init
 * succeeded; false fails the install (160) and the app is removed. drop
 * runs at uninstall before the app is stopped (not at am_shutdown); false
 * fails the uninstall and the app keeps running. Both may run on several
 * threads at once, never twice at once for one name. */
typedef struct am_persist {
    bool (*save)(void *user, const am_app_params_t *params, const uint8_t *payload,
                 uint32_t size, char *err, uint32_t err_size);
    bool (*drop)(void *user, const char *name, char *err, uint32_t err_size);
    void *user;
} am_persist_t;

/* Sets the verifier or the persistence (one each; a second call replaces
 * the first without releasing it). release(user), if set, runs in
 * am_shutdown after the last app is gone. Call before the first install. */
void am_set_verifier(am_t *am, am_verify_fn verify, void (*release)(void *), void *user);
void am_set_persist(am_t *am, const am_persist_t *persist, void (*release)(void *));

#ifdef __cplusplus
}
#endif

#endif /* APP_MANAGER_H */
