/* Internal to app-mgr/core: the bodies of am_t, its apps and clients, and
 * the functions the core's files offer each other:
 *   am.c         start/shutdown, clients, the delivery and watch threads
 *   am_app.c     install/uninstall, the app thread, callbacks, the watchdog
 *   am_route.c   resources, subscriptions, request/response/event routing
 *   am_applet.c  the manager's own URLs: /applet and /event/
 * Locks, always taken in this order: am.lock -> app.qlock -> am.host_lock;
 * am.watch_lock is never held together with am.lock. */
#ifndef AM_INTERNAL_H
#define AM_INTERNAL_H

#include <pthread.h>

#include "afw.h"
#include "am_util.h"
#include "app_manager.h"

#define AM_NAME_MAX 126

/* ---- messages queued for an app ------------------------------------------- */

typedef enum {
    AM_MSG_REQUEST = 1, /* packed request or event -> on_request */
    AM_MSG_RESPONSE,    /* packed response -> on_response */
    AM_MSG_TIMER,       /* id -> on_timer_callback */
    AM_MSG_SENSOR,      /* id, serialized attr_container -> on_sensor_event */
    AM_MSG_CONNECTION,  /* handle, bytes -> on_connection_data */
} am_msg_kind_t;

typedef struct am_msg {
    struct am_msg *next;
    am_msg_kind_t kind;
    uint32_t id;
    bool wants_answer; /* a request (not an event) someone waits on */
    bool droppable;    /* an event or sensor sample: kept out of the reserve */
    uint32_t sender, mid;
    uint32_t len;
    uint8_t data[];
} am_msg_t;

/* ---- apps ----------------------------------------------------------------- */

typedef enum {
    AM_CB_START, /* _start */
    AM_CB_INIT,
    AM_CB_DESTROY,
    AM_CB_REQUEST,
    AM_CB_RESPONSE,
    AM_CB_TIMER,
    AM_CB_SENSOR,
    AM_CB_CONNECTION,
    AM_CB_COUNT
} am_cb_t;

typedef enum { AM_APP_STARTING, AM_APP_RUNNING } am_app_state_t;

typedef struct am_app {
    struct am_app *next;       /* am.apps, newest first (am.lock) */
    struct am_app *watch_next; /* am.watched (am.watch_lock) */
    am_t *am;
    uint32_t id;
    char name[AM_NAME_MAX + 1];
    uint32_t heap_size, max_timers, watchdog_ms;
    bool may_manage_apps;
    am_app_state_t state; /* am.lock */
    uint32_t n_resources, n_subscriptions; /* am.lock */

    wasm_module_t module;
    wasm_module_inst_t inst;
    wasm_exec_env_t env;
    afw_app_t *fw;
    wasm_function_inst_t fn[AM_CB_COUNT];

    /* the queue (qlock) */
    pthread_mutex_t qlock;
    pthread_cond_t qcond;
    am_msg_t *head, *tail;
    uint32_t qlen;
    bool stop;      /* run on_destroy and end the thread */
    int init_state; /* 0 running, 1 done, -1 failed */
    char init_err[256];
    pthread_t thread;
    bool thread_started;

    /* the watchdog (am.watch_lock) */
    bool in_callback, wd_fired, stop_requested;
    am_cb_t cb;
    uint64_t deadline;

    /* the request on_request is handling now (the app's thread only) */
    bool cur_wants_answer, cur_answered;
    uint32_t cur_sender, cur_mid;

    /* per-app limits (am.lock; am_route.c): the event bucket, in
     * thousandths of an event, and refusals logged so far */
    uint64_t ev_tokens, ev_refill_ms;
    bool ev_bucket_set, ev_dropping;
    uint32_t ev_dropped; /* events dropped in the current burst */
    uint32_t n_refusals;

    /* upgrades and uninstalls (am.lock; am_app.c) */
    struct am_app *replaces; /* while the new version of an upgrade: the old
                              * one, which keeps the name until the switch */
    bool busy;               /* being upgraded, or its store entry dropped */
    bool draining;           /* (qlock) the replaced version: answer what is
                              * queued, then run on_destroy and end */
} am_app_t;

/* ---- registries (am.lock) --------------------------------------------------- */

typedef struct am_resource {
    struct am_resource *next; /* newest first: the newest match wins */
    char *url;
    uint32_t app_id;
} am_resource_t;

typedef struct am_sub {
    struct am_sub *next;
    char *url; /* normalized: no leading '/' */
    uint32_t app_id;       /* or 0 for a client */
    am_client_t *client;
} am_sub_t;

typedef struct am_pending {
    struct am_pending *next;
    uint32_t mid;      /* the manager's mid, unique */
    uint32_t target;   /* the app that must answer, or AM_ID_APP_MANAGER */
    am_client_t *client;
    uint32_t orig_mid, orig_sender;
    am_response_fn cb;
    void *user;
    uint64_t deadline;
} am_pending_t;

struct am_client {
    struct am_client *next;
    am_t *am;
    am_event_fn on_event;
    void *user;
    uint32_t n_subscriptions;
};

/* ---- what the delivery thread hands to clients ------------------------------ */

typedef struct am_hmsg {
    struct am_hmsg *next;
    am_client_t *client;
    bool is_event;
    am_response_fn cb; /* responses; NULL data = timed out */
    void *user;
    uint32_t len;
    uint8_t data[]; /* packed response or packed event request */
} am_hmsg_t;

struct am {
    am_config_t cfg;
    afw_t *afw;

    pthread_mutex_t lock;
    am_app_t *apps;
    uint32_t n_apps, next_app_id, next_mid;
    am_resource_t *resources;
    am_sub_t *subs;
    am_client_t *clients;
    am_pending_t *pendings;

    pthread_mutex_t watch_lock;
    pthread_cond_t watch_cond;
    pthread_t watch_thread;
    bool watch_started, watch_stop, watch_kick;
    uint64_t watch_next;
    am_app_t *watched;

    pthread_mutex_t host_lock;
    pthread_cond_t host_cond;
    pthread_t host_thread;
    bool host_started, host_stop;
    am_hmsg_t *hhead, *htail;
    uint32_t n_host_events;
    am_client_t *delivering;

    /* permissions and per-app limits (am.lock; am_route.c) */
    am_app_limits_t limits; /* zero fields: the defaults */
    char grants[AM_MAX_GRANTS][AM_NAME_MAX + 1];
    uint32_t n_grants;
    struct am_asked *asked; /* requests apps sent to apps, unanswered */

    /* install hooks (am.lock; am_app.c) */
    am_verify_fn verify;
    void (*verify_release)(void *);
    void *verify_user;
    am_persist_t persist;
    void (*persist_release)(void *);
    bool closing; /* am_shutdown has begun: no installs; uninstalls keep the store */
};

/* am.c */
void am_log(am_t *am, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* am_route.c: whether name was granted the manager's URLs (takes am.lock). */
bool am_granted(am_t *am, const char *name);
/* Queues for the delivery thread (caller holds am.lock); events beyond
 * cfg.max_host_events are dropped. */
void am_host_push(am_t *am, am_hmsg_t *m);
/* Wakes the watch thread if deadline comes before its next wakeup. */
void am_watch_kick(am_t *am, uint64_t deadline);

/* am_app.c */
am_app_t *am_app_by_id(am_t *am, uint32_t id);     /* am.lock */
am_app_t *am_app_by_name(am_t *am, const char *name, size_t len); /* am.lock */
/* Appends m to app's queue; false (m not taken) when full or stopping.
 * Droppable messages leave a quarter of the queue free, so that an event
 * flood never crowds out requests, responses, timers and connection data. */
bool am_app_post(am_app_t *app, am_msg_t *m);
am_msg_t *am_msg_new(am_msg_kind_t kind, uint32_t id, const void *data, uint32_t len);
/* The watch thread's scan (caller holds am.watch_lock): stops callbacks past
 * their deadline; returns the earliest deadline still ahead. */
uint64_t am_watchdog_scan(am_t *am, uint64_t now);
bool am_app_install(am_t *am, const am_app_params_t *params, const uint8_t *wasm,
                    uint32_t size, char *err, uint32_t err_size);
bool am_app_uninstall(am_t *am, const char *name, const am_app_t *caller, char *err,
                      uint32_t err_size);
/* am_app_install with the status to answer: 0 installed, 131 refused by the
 * verifier, 160 any other failure. caller: the asking app, or NULL. */
int am_app_install_ex(am_t *am, const am_app_params_t *params, const uint8_t *payload,
                      uint32_t size, const am_app_t *caller, char *err, uint32_t err_size);
/* am_shutdown: hooks_close before its first uninstall (no more installs,
 * uninstalls keep the store), hooks_release after its last. */
void am_app_hooks_close(am_t *am);
void am_app_hooks_release(am_t *am);

/* am_route.c */
extern const afw_host_t am_afw_host; /* ctx = the am_t */
/* Routes a request from app, or (app NULL) from client: then cb, if set,
 * gets the answer or NULL after timeout_ms. */
void am_route_request(am_t *am, am_app_t *app, am_client_t *client, const request_t *req,
                      am_response_fn cb, void *user, uint32_t timeout_ms);
/* Routes a response made by from (an app id, or AM_ID_APP_MANAGER). */
void am_route_response(am_t *am, uint32_t from, const response_t *resp);
/* A manager answer to (sender, mid): status with an "error message" payload
 * when msg is not NULL. */
void am_reply(am_t *am, uint32_t sender, uint32_t mid, int status, const char *msg);
void am_reply_payload(am_t *am, uint32_t sender, uint32_t mid, int status,
                      const attr_container_t *payload);
/* Publishes an event (caller does not hold am.lock). */
void am_publish_event(am_t *am, uint32_t sender, const char *url, int fmt,
                      const void *payload, uint32_t len);
bool am_sub_add(am_t *am, am_app_t *app, am_client_t *client, const char *url);
bool am_sub_remove(am_t *am, am_app_t *app, am_client_t *client, const char *url);
/* Drops every resource and subscription of app id / of client (am.lock). */
void am_registry_drop_app(am_t *am, uint32_t app_id);
void am_registry_drop_client(am_t *am, am_client_t *client);
/* Expires pendings (takes am.lock); returns the earliest deadline left. */
uint64_t am_pending_expire(am_t *am, uint64_t now);

/* am_applet.c */
/* Handles "/applet" and "/event/..." (caller holds no lock); false if url
 * is neither. sender/mid address the answer; app is the asking app or NULL. */
bool am_applet_handle(am_t *am, am_app_t *app, am_client_t *client, const request_t *req,
                      uint32_t sender, uint32_t mid);
/* Publishes the "/applets" event after an install or uninstall. */
void am_applet_changed(am_t *am);

#endif /* AM_INTERNAL_H */
