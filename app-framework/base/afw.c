/* The framework object: creating and destroying it (natives and manager
 * threads), attaching apps, and the small helpers the modules share
 * (exceptions, monotonic waits, threads, allocation, logging). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "afw_internal.h"

#define AFW_THREAD_STACK (256 * 1024)

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

uint64_t afw_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool afw_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    bool ok;

    if (pthread_condattr_init(&attr) != 0)
        return false;
    ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(cond, &attr) == 0;
    pthread_condattr_destroy(&attr);
    return ok;
}

void afw_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t deadline_ms)
{
    struct timespec ts;

    if (deadline_ms == UINT64_MAX) {
        pthread_cond_wait(cond, lock);
        return;
    }
    ts.tv_sec = (time_t)(deadline_ms / 1000u);
    ts.tv_nsec = (long)(deadline_ms % 1000u) * 1000000L;
    pthread_cond_timedwait(cond, lock, &ts);
}

bool afw_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    bool ok;

    if (pthread_attr_init(&attr) != 0)
        return false;
    pthread_attr_setstacksize(&attr, AFW_THREAD_STACK);
    ok = pthread_create(thread, &attr, fn, arg) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}

bool afw_worker_start(afw_worker_t *w, void *(*fn)(void *), void *arg)
{
    if (pthread_mutex_init(&w->lock, NULL) != 0)
        return false;
    if (!afw_cond_init(&w->cond)) {
        pthread_mutex_destroy(&w->lock);
        return false;
    }
    w->started = afw_thread_start(&w->thread, fn, arg);
    if (!w->started) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
    }
    return w->started;
}

void afw_worker_stop(afw_worker_t *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    w->started = false;
}

void *afw_calloc(uint32_t size)
{
    void *p = wasm_runtime_malloc(size ? size : 1);

    if (p)
        memset(p, 0, size);
    return p;
}

void afw_free(void *ptr)
{
    if (ptr)
        wasm_runtime_free(ptr);
}

char *afw_strdup(const char *s)
{
    size_t len = strlen(s);
    char *copy;

    if (len >= UINT32_MAX)
        return NULL;
    copy = afw_calloc((uint32_t)len + 1);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

void afw_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("[app-framework] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

afw_app_t *afw_app_of_env(wasm_exec_env_t exec_env)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(exec_env);
    afw_app_t *app = inst ? wasm_runtime_get_custom_data(inst) : NULL;

    /* custom data is ours only if it points back at this instance */
    if (!app || app->inst != inst) {
        if (inst)
            wasm_runtime_set_exception(inst, "app framework native called outside an app");
        return NULL;
    }
    return app;
}

void afw_throw(wasm_exec_env_t exec_env, const char *native, const char *message)
{
    char text[192];

    snprintf(text, sizeof text, "%s: %s", native, message);
    wasm_runtime_set_exception(wasm_runtime_get_module_inst(exec_env), text);
}

/* ------------------------------------------------------------------------
 * Natives: registered once per process while any framework exists. The
 * runtime keeps the arrays by reference.
 * ------------------------------------------------------------------------ */

static pthread_mutex_t natives_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t natives_users;

typedef NativeSymbol *(*natives_fn)(uint32_t *out_n);
static const natives_fn native_tables[] = {req_natives, tmr_natives, sns_natives, conn_natives};
#define N_TABLES (sizeof native_tables / sizeof native_tables[0])

static void natives_unregister_all(void)
{
    for (size_t i = 0; i < N_TABLES; i++) {
        uint32_t n;
        wasm_runtime_unregister_natives("env", native_tables[i](&n));
    }
}

static bool natives_acquire(void)
{
    bool ok = true;

    pthread_mutex_lock(&natives_lock);
    for (size_t i = 0; natives_users == 0 && ok && i < N_TABLES; i++) {
        uint32_t n;
        NativeSymbol *table = native_tables[i](&n);
        ok = wasm_runtime_register_natives("env", table, n);
    }
    if (ok)
        natives_users++;
    else
        natives_unregister_all();
    pthread_mutex_unlock(&natives_lock);
    return ok;
}

static void natives_release(void)
{
    pthread_mutex_lock(&natives_lock);
    if (natives_users > 0 && --natives_users == 0)
        natives_unregister_all();
    pthread_mutex_unlock(&natives_lock);
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------ */

static void set_err(char *err, uint32_t err_size, const char *msg)
{
    if (err && err_size)
        snprintf(err, err_size, "%s", msg);
}

static void config_defaults(afw_config_t *c)
{
    if (!c->max_connections)
        c->max_connections = 3;
    if (!c->conn_chunk_size)
        c->conn_chunk_size = 1024;
    if (!c->connect_timeout_ms)
        c->connect_timeout_ms = 3000;
}

afw_t *afw_create(const afw_host_t *host, const afw_config_t *config, char *err,
                  uint32_t err_size)
{
    afw_t *afw;

    if (!host || !host->post_event || !host->post_request || !host->send_response ||
        !host->register_resource || !host->subscribe_event) {
        set_err(err, err_size, "app framework: incomplete host interface");
        return NULL;
    }
    afw = afw_calloc(sizeof *afw);
    if (!afw) {
        set_err(err, err_size, "app framework: out of memory");
        return NULL;
    }
    afw->host = *host;
    if (config)
        afw->config = *config;
    config_defaults(&afw->config);
    if (!natives_acquire()) {
        set_err(err, err_size, "app framework: registering natives failed");
        afw_free(afw);
        return NULL;
    }
    if (!tmr_init(&afw->tmr) || !sns_init(&afw->sns, afw) || !conn_init(&afw->conn, afw)) {
        set_err(err, err_size, "app framework: starting the manager threads failed");
        afw_destroy(afw);
        return NULL;
    }
    return afw;
}

void afw_destroy(afw_t *afw)
{
    if (!afw)
        return;
    conn_destroy(&afw->conn);
    sns_destroy(&afw->sns);
    tmr_destroy(&afw->tmr);
    natives_release();
    afw_free(afw);
}

/* ------------------------------------------------------------------------
 * Apps
 * ------------------------------------------------------------------------ */

afw_app_t *afw_app_attach(afw_t *afw, wasm_module_inst_t inst, uint32_t app_id,
                          uint32_t max_timers, void *owner)
{
    afw_app_t *app;

    if (!afw || !inst)
        return NULL;
    app = afw_calloc(sizeof *app);
    if (!app)
        return NULL;
    app->afw = afw;
    app->inst = inst;
    app->id = app_id;
    app->owner = owner;
    if (!tmr_app_init(app, max_timers)) {
        afw_free(app);
        return NULL;
    }
    wasm_runtime_set_custom_data(inst, app);
    return app;
}

void afw_app_detach(afw_app_t *app)
{
    if (!app)
        return;
    conn_app_cleanup(app->afw, app->id);
    sns_app_cleanup(app->afw, app->id);
    tmr_app_cleanup(app);
    if (wasm_runtime_get_custom_data(app->inst) == app)
        wasm_runtime_set_custom_data(app->inst, NULL);
    afw_free(app);
}

uint32_t afw_app_id(const afw_app_t *app)
{
    return app ? app->id : 0;
}

void *afw_app_owner(const afw_app_t *app)
{
    return app ? app->owner : NULL;
}
