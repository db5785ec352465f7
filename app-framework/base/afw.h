/* The device side of the app framework: the natives of contract section 5
 * (import module "env") and the managers behind them (timers, sensors,
 * connections). An app manager (app-mgr/core) creates one afw_t, attaches
 * each app instance to it, and receives what the natives and managers
 * produce through the afw_host_t callbacks. Uses only the public runtime API.
 * Every pointer and length a native receives has been bounds-checked by the
 * runtime's signature machinery ('*', '~', '$') before the native runs (a
 * bad one traps the app); the natives check what the bytes mean (packets
 * and attr_containers are validated before use). */
#ifndef AFW_H
#define AFW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "attr_container.h"
#include "shared_utils.h"
#include "wasm_export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct afw afw_t;         /* one framework: natives and managers */
typedef struct afw_app afw_app_t; /* one app's share: timers, sensors, connections */

/* What the managers queue for an app (delivered on the app's thread). */
typedef enum {
    AFW_EV_TIMER = 1,  /* id = timer id, no data */
    AFW_EV_SENSOR,     /* id = sensor id, data = serialized attr_container */
    AFW_EV_CONNECTION, /* id = handle, data = bytes; len 0 = disconnected */
} afw_event_kind_t;

/* What the framework asks of the app manager. */
typedef struct afw_host {
    void *ctx;
    /* Called by natives on the app's own thread. A refusal returns false
     * with a message in err (err_size > 0), which becomes the app's trap. */
    bool (*register_resource)(void *ctx, afw_app_t *app, const char *url, char *err,
                              uint32_t err_size);
    bool (*subscribe_event)(void *ctx, afw_app_t *app, const char *url, char *err,
                            uint32_t err_size);
    /* req points into the app's memory and is valid during the call only;
     * its sender is already this app's id. Returns 0 when the request was
     * taken, else the status it was refused with (131 forbidden, 163 over
     * a limit, ...); a refused request is also answered through
     * on_response, an event is dropped. Never traps the app. */
    int (*post_request)(void *ctx, afw_app_t *app, const request_t *req);
    void (*send_response)(void *ctx, afw_app_t *app, const response_t *resp);
    /* Called from manager threads: queue an event for app app_id; data is
     * copied. False when the app is gone or its queue is full (the caller
     * may retry later). Must not call back into the framework. */
    bool (*post_event)(void *ctx, uint32_t app_id, afw_event_kind_t kind, uint32_t id,
                       const void *data, uint32_t len);
} afw_host_t;

typedef struct afw_config {
    uint32_t max_connections; /* per app; 0 = 3 */
    uint32_t conn_chunk_size; /* bytes per on_connection_data; 0 = 1024 */
    uint32_t connect_timeout_ms; /* TCP connect bound; 0 = 3000 */
} afw_config_t;

/* Registers the natives (once per process, counted) and starts the timer,
 * sensor and connection threads. host is copied. NULL + err on failure.
 * Must come after wasm_runtime_init and before loading any app. */
afw_t *afw_create(const afw_host_t *host, const afw_config_t *config, char *err,
                  uint32_t err_size);
/* Stops the threads and frees the sensors. Every app must be detached. */
void afw_destroy(afw_t *afw);

/* ---- apps ---------------------------------------------------------------- */

/* Makes inst an app of afw (its custom data points to the result): natives
 * called by inst act for app_id, with a pool of max_timers timers. owner is
 * the manager's own record, returned by afw_app_owner. NULL if out of memory. */
afw_app_t *afw_app_attach(afw_t *afw, wasm_module_inst_t inst, uint32_t app_id,
                          uint32_t max_timers, void *owner);
/* Frees everything the app owns here (timers, sensor clients,
 * connections). After it returns no post_event names app_id. */
void afw_app_detach(afw_app_t *app);
uint32_t afw_app_id(const afw_app_t *app);
void *afw_app_owner(const afw_app_t *app);

/* For a queued AFW_EV_TIMER about to be delivered: true if the timer still
 * exists and was not cancelled since it fired (then the callback runs). */
bool afw_timer_take(afw_app_t *app, uint32_t timer_id);
/* Timers the app holds (created and not destroyed or reclaimed). */
uint32_t afw_timer_count(afw_app_t *app);
/* For a queued AFW_EV_CONNECTION about to be delivered: true if handle is
 * still open for this app. For a disconnect (len 0) it also closes the
 * handle, so the slot is free once the app has been told. */
bool afw_connection_take(afw_app_t *app, uint32_t handle, uint32_t len);
/* Connections the app has open. */
uint32_t afw_connection_count(afw_t *afw, uint32_t app_id);

/* ---- sensors (registered by the embedder) -------------------------------- */

/* Returns a new container (app_shared allocator); the framework frees it. */
typedef attr_container_t *(*afw_sensor_read_fn)(void *user);
/* cfg holds "interval", "bit_cfg", "delay" or whatever the app sent. */
typedef bool (*afw_sensor_config_fn)(void *user, const attr_container_t *cfg);

/* A sensor apps open by (name, instance), sampled at the smallest nonzero
 * interval its clients ask for (default_interval_ms until they ask).
 * Returns its id (> 0), or -1 (duplicate, bad arguments, no memory). */
int32_t afw_sensor_register(afw_t *afw, const char *name, int32_t instance,
                            uint32_t default_interval_ms, afw_sensor_read_fn read,
                            afw_sensor_config_fn config, void *user);
/* The current sampling interval in ms; 0 when not sampling or unknown. */
uint32_t afw_sensor_interval(afw_t *afw, int32_t sensor_id);

/* Milliseconds on the monotonic clock (what wasm_get_sys_tick_ms reports). */
uint64_t afw_now_ms(void);

/* Services the device side shares (the app manager uses them too). */
/* Monotonic condition variables: wait until deadline_ms (afw_now_ms clock). */
bool afw_cond_init(pthread_cond_t *cond);
void afw_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t deadline_ms);
/* Thread start with a small stack; false on failure. */
bool afw_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);
/* Allocation for framework bookkeeping (the runtime's allocator). */
void *afw_calloc(uint32_t size);
void afw_free(void *ptr);
char *afw_strdup(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* AFW_H */
