/* The manager object: configuration, start and shutdown, logging, clients,
 * and its two threads: the delivery thread (every embedder callback runs
 * there, so no app thread ever waits on embedder code) and the watch thread
 * (the watchdog and the timeouts of clients' requests). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "am_internal.h"
#include "am_util.h"


/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

void am_vlog_to(am_log_fn log, void *user, const char *tag, int level, const char *fmt,
                va_list ap)
{
    static const char *const words[] = {"error", "warning", "info"};
    char line[512];

    vsnprintf(line, sizeof line, fmt, ap);
    if (log)
        log(user, level, line);
    else
        fprintf(stderr, "[%s] %s: %s\n", tag, words[level < 0 || level > 2 ? 0 : level], line);
}

void am_log(am_t *am, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    am_vlog_to(am ? am->cfg.log : NULL, am ? am->cfg.log_user : NULL, "app-manager", level,
               fmt, ap);
    va_end(ap);
}

void am_set_err(char *err, uint32_t err_size, const char *fmt, ...)
{
    va_list ap;

    if (!err || !err_size)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------
 * The delivery thread
 * ------------------------------------------------------------------------ */

void am_host_push(am_t *am, am_hmsg_t *m)
{
    pthread_mutex_lock(&am->host_lock);
    if (am->host_stop || (m->is_event && am->n_host_events >= am->cfg.max_host_events)) {
        pthread_mutex_unlock(&am->host_lock);
        if (m->is_event)
            am_log(am, 1, "event for a client dropped: %u events are waiting", am->n_host_events);
        afw_free(m);
        return;
    }
    if (m->is_event)
        am->n_host_events++;
    if (am->htail)
        am->htail->next = m;
    else
        am->hhead = m;
    am->htail = m;
    pthread_cond_broadcast(&am->host_cond);
    pthread_mutex_unlock(&am->host_lock);
}

static void host_deliver(const am_hmsg_t *m)
{
    request_t event;
    response_t resp;

    if (m->is_event) {
        if (m->client->on_event && unpack_request((char *)m->data, (int)m->len, &event))
            m->client->on_event(m->client->user, &event);
    } else if (m->len == 0) {
        m->cb(m->user, NULL);
    } else if (unpack_response((char *)m->data, (int)m->len, &resp)) {
        m->cb(m->user, &resp);
    }
}

static am_hmsg_t *host_pop(am_t *am)
{
    am_hmsg_t *m = am->hhead;

    am->hhead = m->next;
    if (!am->hhead)
        am->htail = NULL;
    if (m->is_event)
        am->n_host_events--;
    return m;
}

static void *host_thread(void *arg)
{
    am_t *am = arg;

    pthread_mutex_lock(&am->host_lock);
    for (;;) {
        while (!am->host_stop && !am->hhead)
            pthread_cond_wait(&am->host_cond, &am->host_lock);
        if (am->host_stop)
            break;
        am_hmsg_t *m = host_pop(am);
        am->delivering = m->client;
        pthread_mutex_unlock(&am->host_lock);
        host_deliver(m);
        afw_free(m);
        pthread_mutex_lock(&am->host_lock);
        am->delivering = NULL;
        pthread_cond_broadcast(&am->host_cond);
    }
    while (am->hhead)
        afw_free(host_pop(am));
    pthread_mutex_unlock(&am->host_lock);
    return NULL;
}

/* ------------------------------------------------------------------------
 * The watch thread. watch_next is 0 while it scans, so that a deadline set
 * meanwhile makes it scan again instead of sleeping past it.
 * ------------------------------------------------------------------------ */

void am_watch_kick(am_t *am, uint64_t deadline)
{
    pthread_mutex_lock(&am->watch_lock);
    if (am->watch_next == 0 || deadline < am->watch_next) {
        am->watch_kick = true;
        pthread_cond_signal(&am->watch_cond);
    }
    pthread_mutex_unlock(&am->watch_lock);
}

static void *watch_thread(void *arg)
{
    am_t *am = arg;

    pthread_mutex_lock(&am->watch_lock);
    while (!am->watch_stop) {
        uint64_t now = afw_now_ms(), next, pending_next;
        am->watch_kick = false;
        am->watch_next = 0;
        next = am_watchdog_scan(am, now);
        pthread_mutex_unlock(&am->watch_lock);
        pending_next = am_pending_expire(am, now);
        pthread_mutex_lock(&am->watch_lock);
        am->watch_next = pending_next < next ? pending_next : next;
        if (!am->watch_kick && !am->watch_stop)
            afw_cond_wait_until(&am->watch_cond, &am->watch_lock, am->watch_next);
    }
    pthread_mutex_unlock(&am->watch_lock);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Start and shutdown
 * ------------------------------------------------------------------------ */

void am_config_default(am_config_t *out)
{
    memset(out, 0, sizeof *out);
    out->max_apps = AM_DEFAULT_MAX_APPS;
    out->max_resources = AM_DEFAULT_MAX_RESOURCES;
    out->max_subscriptions = AM_DEFAULT_MAX_SUBSCRIPTIONS;
    out->max_url_len = AM_DEFAULT_MAX_URL_LEN;
    out->queue_len = AM_DEFAULT_QUEUE_LEN;
    out->max_timers = AM_DEFAULT_MAX_TIMERS;
    out->max_connections = AM_DEFAULT_MAX_CONNECTIONS;
    out->max_app_size = AM_DEFAULT_MAX_APP_SIZE;
    out->request_timeout_ms = AM_DEFAULT_REQUEST_TIMEOUT_MS;
    out->destroy_timeout_ms = AM_DEFAULT_DESTROY_TIMEOUT_MS;
    out->wasm_stack_size = AM_DEFAULT_WASM_STACK_SIZE;
    out->thread_stack_size = AM_DEFAULT_THREAD_STACK_SIZE;
    out->max_host_events = AM_DEFAULT_MAX_HOST_EVENTS;
}

/* Zero fields of the caller's config take the defaults. */
static void config_merge(am_config_t *cfg, const am_config_t *given)
{
    am_config_default(cfg);
    if (!given)
        return;
#define AM_TAKE(field)                                                                         \
    if (given->field)                                                                          \
    cfg->field = given->field
    AM_TAKE(max_apps);
    AM_TAKE(max_resources);
    AM_TAKE(max_subscriptions);
    AM_TAKE(max_url_len);
    AM_TAKE(queue_len);
    AM_TAKE(max_timers);
    AM_TAKE(max_connections);
    AM_TAKE(max_app_size);
    AM_TAKE(request_timeout_ms);
    AM_TAKE(destroy_timeout_ms);
    AM_TAKE(wasm_stack_size);
    AM_TAKE(thread_stack_size);
    AM_TAKE(max_host_events);
#undef AM_TAKE
    cfg->log = given->log;
    cfg->log_user = given->log_user;
}

static bool am_sync_init(am_t *am)
{
    if (pthread_mutex_init(&am->lock, NULL) != 0)
        return false;
    if (pthread_mutex_init(&am->watch_lock, NULL) != 0)
        goto fail_lock;
    if (!afw_cond_init(&am->watch_cond))
        goto fail_watch_lock;
    if (pthread_mutex_init(&am->host_lock, NULL) != 0)
        goto fail_watch_cond;
    if (pthread_cond_init(&am->host_cond, NULL) != 0)
        goto fail_host_lock;
    return true;
fail_host_lock:
    pthread_mutex_destroy(&am->host_lock);
fail_watch_cond:
    pthread_cond_destroy(&am->watch_cond);
fail_watch_lock:
    pthread_mutex_destroy(&am->watch_lock);
fail_lock:
    pthread_mutex_destroy(&am->lock);
    return false;
}

static void am_sync_destroy(am_t *am)
{
    pthread_cond_destroy(&am->host_cond);
    pthread_mutex_destroy(&am->host_lock);
    pthread_cond_destroy(&am->watch_cond);
    pthread_mutex_destroy(&am->watch_lock);
    pthread_mutex_destroy(&am->lock);
}

static void am_threads_stop(am_t *am)
{
    if (am->watch_started) {
        pthread_mutex_lock(&am->watch_lock);
        am->watch_stop = true;
        pthread_cond_signal(&am->watch_cond);
        pthread_mutex_unlock(&am->watch_lock);
        pthread_join(am->watch_thread, NULL);
        am->watch_started = false;
    }
    if (am->host_started) {
        pthread_mutex_lock(&am->host_lock);
        am->host_stop = true;
        pthread_cond_broadcast(&am->host_cond);
        pthread_mutex_unlock(&am->host_lock);
        pthread_join(am->host_thread, NULL);
        am->host_started = false;
    }
}

am_t *am_start(const am_config_t *config, char *err, uint32_t err_size)
{
    afw_host_t host = am_afw_host;
    afw_config_t fw_config;
    char why[128] = "";
    am_t *am;

    if (!wasm_runtime_init()) {
        am_set_err(err, err_size, "app manager: runtime initialisation failed");
        return NULL;
    }
    if (!(am = afw_calloc(sizeof *am)) || !am_sync_init(am)) {
        afw_free(am);
        wasm_runtime_destroy();
        am_set_err(err, err_size, "app manager: out of memory");
        return NULL;
    }
    config_merge(&am->cfg, config);
    host.ctx = am;
    memset(&fw_config, 0, sizeof fw_config);
    fw_config.max_connections = am->cfg.max_connections;
    am->afw = afw_create(&host, &fw_config, why, sizeof why);
    am->watch_started = am->afw && afw_thread_start(&am->watch_thread, watch_thread, am);
    am->host_started = am->watch_started && afw_thread_start(&am->host_thread, host_thread, am);
    if (!am->host_started) {
        am_set_err(err, err_size, "app manager: %s", why[0] ? why : "starting threads failed");
        am_threads_stop(am);
        afw_destroy(am->afw);
        am_sync_destroy(am);
        afw_free(am);
        wasm_runtime_destroy();
        return NULL;
    }
    return am;
}

/* The name of some installed app, copied into name; false when none is. */
static bool any_app(am_t *am, char *name)
{
    bool found = false;

    pthread_mutex_lock(&am->lock);
    for (am_app_t *app = am->apps; app && !found; app = app->next) {
        if (app->state == AM_APP_RUNNING) {
            memcpy(name, app->name, sizeof app->name);
            found = true;
        }
    }
    pthread_mutex_unlock(&am->lock);
    return found;
}

void am_shutdown(am_t *am)
{
    char name[AM_NAME_MAX + 1];

    if (!am)
        return;
    am_app_hooks_close(am); /* stopping is not uninstalling: the store keeps the apps */
    while (any_app(am, name))
        am_app_uninstall(am, name, NULL, NULL, 0);
    am_app_hooks_release(am);
    while (am->clients)
        am_client_close(am->clients);
    am_threads_stop(am);
    afw_destroy(am->afw);
    am_sync_destroy(am);
    afw_free(am);
    wasm_runtime_destroy();
}

/* ------------------------------------------------------------------------
 * Clients
 * ------------------------------------------------------------------------ */

am_client_t *am_client_open(am_t *am, am_event_fn on_event, void *user)
{
    am_client_t *c;

    if (!am || !(c = afw_calloc(sizeof *c)))
        return NULL;
    c->am = am;
    c->on_event = on_event;
    c->user = user;
    pthread_mutex_lock(&am->lock);
    c->next = am->clients;
    am->clients = c;
    pthread_mutex_unlock(&am->lock);
    return c;
}

static void host_forget_client(am_t *am, am_client_t *c)
{
    am_hmsg_t **link = &am->hhead, *last = NULL;

    while (*link) {
        am_hmsg_t *m = *link;
        if (m->client == c) {
            *link = m->next;
            am->n_host_events -= m->is_event;
            afw_free(m);
        } else {
            last = m;
            link = &m->next;
        }
    }
    am->htail = last;
}

void am_client_close(am_client_t *client)
{
    am_t *am;

    if (!client)
        return;
    am = client->am;
    pthread_mutex_lock(&am->lock);
    for (am_client_t **link = &am->clients; *link; link = &(*link)->next) {
        if (*link == client) {
            *link = client->next;
            break;
        }
    }
    am_registry_drop_client(am, client);
    pthread_mutex_unlock(&am->lock);
    pthread_mutex_lock(&am->host_lock);
    host_forget_client(am, client);
    while (am->delivering == client && am->host_started &&
           !pthread_equal(pthread_self(), am->host_thread))
        pthread_cond_wait(&am->host_cond, &am->host_lock);
    pthread_mutex_unlock(&am->host_lock);
    afw_free(client);
}

bool am_request(am_client_t *client, const request_t *req, uint32_t timeout_ms,
                am_response_fn on_response, void *user)
{
    if (!client || !req || !req->url || req->payload_len < 0 ||
        (req->payload_len > 0 && !req->payload))
        return false;
    if (!timeout_ms)
        timeout_ms = client->am->cfg.request_timeout_ms;
    am_route_request(client->am, NULL, client, req, on_response, user, timeout_ms);
    return true;
}

bool am_subscribe(am_client_t *client, const char *url)
{
    return client && url && am_sub_add(client->am, NULL, client, url);
}

bool am_unsubscribe(am_client_t *client, const char *url)
{
    return client && url && am_sub_remove(client->am, NULL, client, url);
}

bool am_publish(am_client_t *client, const char *url, int fmt, const void *payload,
                uint32_t payload_len)
{
    if (!client || !url || !*url || strlen(url) > client->am->cfg.max_url_len ||
        payload_len > INT32_MAX || (payload_len && !payload))
        return false;
    am_publish_event(client->am, AM_ID_HOST, url, fmt, payload, payload_len);
    return true;
}

/* ------------------------------------------------------------------------
 * Apps and sensors (the work is in am_app.c and the framework)
 * ------------------------------------------------------------------------ */

bool am_install(am_t *am, const am_app_params_t *params, const uint8_t *wasm, uint32_t size,
                char *err, uint32_t err_size)
{
    if (!am || !params) {
        am_set_err(err, err_size, "Install WASM app failed: no app manager or parameters.");
        return false;
    }
    return am_app_install(am, params, wasm, size, err, err_size);
}

bool am_install_file(am_t *am, const am_app_params_t *params, const char *path, char *err,
                     uint32_t err_size)
{
    FILE *f;
    long size;
    uint8_t *buf = NULL;
    bool ok = false;

    if (!am || !path || !(f = fopen(path, "rb"))) {
        am_set_err(err, err_size, "Install WASM app failed: cannot open %s.", path ? path : "");
        return false;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 ||
        (unsigned long)size > am->cfg.max_app_size || fseek(f, 0, SEEK_SET) != 0) {
        am_set_err(err, err_size, "Install WASM app failed: %s is empty, unreadable or too big.",
                   path);
    } else if (!(buf = afw_calloc((uint32_t)size)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        am_set_err(err, err_size, "Install WASM app failed: reading %s failed.", path);
    } else {
        ok = am_install(am, params, buf, (uint32_t)size, err, err_size);
    }
    afw_free(buf);
    fclose(f);
    return ok;
}

bool am_uninstall(am_t *am, const char *name, char *err, uint32_t err_size)
{
    if (!am || !name) {
        am_set_err(err, err_size, "Uninstall WASM app failed: no app found.");
        return false;
    }
    return am_app_uninstall(am, name, NULL, err, err_size);
}

uint32_t am_app_count(am_t *am)
{
    uint32_t n = 0;

    if (!am)
        return 0;
    pthread_mutex_lock(&am->lock);
    for (am_app_t *app = am->apps; app; app = app->next)
        n += app->state == AM_APP_RUNNING;
    pthread_mutex_unlock(&am->lock);
    return n;
}

int32_t am_sensor_register(am_t *am, const char *name, int32_t instance,
                           uint32_t default_interval_ms, am_sensor_read_fn read,
                           am_sensor_config_fn config, void *user)
{
    return am ? afw_sensor_register(am->afw, name, instance, default_interval_ms, read, config,
                                    user)
              : -1;
}

uint32_t am_sensor_interval(am_t *am, int32_t sensor_id)
{
    return am ? afw_sensor_interval(am->afw, sensor_id) : 0;
}
