/* The sensor manager and the sensor natives. The embedder registers sensors
 * by (name, instance) with a read function; apps open them as clients. One
 * thread per framework samples each sensor at the smallest nonzero interval
 * its clients asked for and queues every sample (a serialized
 * attr_container) to each client whose interval is nonzero, as
 * AFW_EV_SENSOR; on_sensor_event then runs on the app's thread. */
#include <string.h>

#include "../base/afw_internal.h"

/* ------------------------------------------------------------------------
 * Registry (caller holds mgr->w.lock)
 * ------------------------------------------------------------------------ */

static sns_sensor_t *sensor_by_id(sns_mgr_t *mgr, int32_t id)
{
    for (sns_sensor_t *s = mgr->sensors; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

static sns_sensor_t *sensor_by_name(sns_mgr_t *mgr, const char *name, int32_t instance)
{
    for (sns_sensor_t *s = mgr->sensors; s; s = s->next)
        if (s->instance == instance && strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

static sns_client_t **client_link(sns_sensor_t *s, uint32_t app_id)
{
    sns_client_t **link;

    for (link = &s->clients; *link; link = &(*link)->next)
        if ((*link)->app_id == app_id)
            return link;
    return NULL;
}

static sns_client_t *client_of(sns_sensor_t *s, uint32_t app_id)
{
    sns_client_t **link = client_link(s, app_id);

    return link ? *link : NULL;
}

/* Re-derives the sampling interval after a client change; wakes the thread
 * when the next sample moves earlier. */
static void sensor_reschedule(sns_mgr_t *mgr, sns_sensor_t *s)
{
    uint32_t interval = 0;
    uint64_t now = afw_now_ms();

    for (sns_client_t *c = s->clients; c; c = c->next)
        if (c->interval && (!interval || c->interval < interval))
            interval = c->interval;
    if (interval && (!s->read_interval || s->next_read > now + interval)) {
        s->next_read = now + interval;
        pthread_cond_signal(&mgr->w.cond);
    }
    s->read_interval = interval;
}

/* ------------------------------------------------------------------------
 * The thread
 * ------------------------------------------------------------------------ */

static void sensor_deliver(afw_t *afw, sns_sensor_t *s, const attr_container_t *data)
{
    uint32_t len = attr_container_get_serialize_length(data);

    for (sns_client_t *c = s->clients; c; c = c->next)
        if (c->interval)
            afw->host.post_event(afw->host.ctx, c->app_id, AFW_EV_SENSOR, (uint32_t)s->id,
                                 data, len);
}

/* Reads s with the lock released (sensors are never freed while the thread
 * runs), then hands the sample to the clients there are now. */
static void sensor_sample(afw_t *afw, sns_sensor_t *s)
{
    sns_mgr_t *mgr = &afw->sns;
    attr_container_t *data;

    pthread_mutex_unlock(&mgr->w.lock);
    data = s->read(s->user);
    pthread_mutex_lock(&mgr->w.lock);
    if (data) {
        sensor_deliver(afw, s, data);
        attr_container_destroy(data);
    }
}

static void *sensor_thread(void *arg)
{
    afw_t *afw = arg;
    sns_mgr_t *mgr = &afw->sns;

    pthread_mutex_lock(&mgr->w.lock);
    while (!mgr->w.stop) {
        uint64_t next = UINT64_MAX;
        for (sns_sensor_t *s = mgr->sensors; s && !mgr->w.stop; s = s->next) {
            if (!s->read_interval)
                continue;
            if (s->next_read <= afw_now_ms()) {
                s->next_read = afw_now_ms() + s->read_interval;
                sensor_sample(afw, s);
            }
            if (s->read_interval && s->next_read < next)
                next = s->next_read;
        }
        if (!mgr->w.stop)
            afw_cond_wait_until(&mgr->w.cond, &mgr->w.lock, next);
    }
    pthread_mutex_unlock(&mgr->w.lock);
    return NULL;
}

bool sns_init(sns_mgr_t *mgr, afw_t *afw)
{
    return afw_worker_start(&mgr->w, sensor_thread, afw);
}

/* The thread is gone before the sensors are freed: it reads them unlocked
 * while sampling. */
void sns_destroy(sns_mgr_t *mgr)
{
    if (!mgr->w.started)
        return;
    afw_worker_stop(&mgr->w);
    while (mgr->sensors) {
        sns_sensor_t *s = mgr->sensors;
        mgr->sensors = s->next;
        while (s->clients) {
            sns_client_t *c = s->clients;
            s->clients = c->next;
            afw_free(c);
        }
        afw_free(s->name);
        afw_free(s);
    }
}

void sns_app_cleanup(afw_t *afw, uint32_t app_id)
{
    sns_mgr_t *mgr = &afw->sns;

    pthread_mutex_lock(&mgr->w.lock);
    for (sns_sensor_t *s = mgr->sensors; s; s = s->next) {
        sns_client_t **link = client_link(s, app_id);
        if (link) {
            sns_client_t *c = *link;
            *link = c->next;
            afw_free(c);
            sensor_reschedule(mgr, s);
        }
    }
    pthread_mutex_unlock(&mgr->w.lock);
}

/* ------------------------------------------------------------------------
 * Embedder API
 * ------------------------------------------------------------------------ */

int32_t afw_sensor_register(afw_t *afw, const char *name, int32_t instance,
                            uint32_t default_interval_ms, afw_sensor_read_fn read,
                            afw_sensor_config_fn config, void *user)
{
    sns_mgr_t *mgr;
    sns_sensor_t *s;
    int32_t id = -1;

    if (!afw || !name || !*name || !read)
        return -1;
    mgr = &afw->sns;
    if (!(s = afw_calloc(sizeof *s)) || !(s->name = afw_strdup(name))) {
        afw_free(s);
        return -1;
    }
    s->instance = instance;
    s->default_interval = default_interval_ms;
    s->read = read;
    s->config = config;
    s->user = user;
    pthread_mutex_lock(&mgr->w.lock);
    if (!sensor_by_name(mgr, name, instance) && mgr->next_id < INT32_MAX) {
        s->id = id = ++mgr->next_id;
        s->next = mgr->sensors;
        mgr->sensors = s;
    }
    pthread_mutex_unlock(&mgr->w.lock);
    if (id < 0) {
        afw_free(s->name);
        afw_free(s);
    }
    return id;
}

uint32_t afw_sensor_interval(afw_t *afw, int32_t sensor_id)
{
    sns_sensor_t *s;
    uint32_t interval = 0;

    if (!afw)
        return 0;
    pthread_mutex_lock(&afw->sns.w.lock);
    if ((s = sensor_by_id(&afw->sns, sensor_id)))
        interval = s->read_interval;
    pthread_mutex_unlock(&afw->sns.w.lock);
    return interval;
}

/* ------------------------------------------------------------------------
 * Natives (contract section 5)
 * ------------------------------------------------------------------------ */

/* ($i)i: (name, instance) -> sensor id, or -1 if there is no such sensor or
 * this app has it open already. Sampling starts at the default interval. */
static int32_t n_sensor_open(wasm_exec_env_t env, const char *name, int32_t instance)
{
    afw_app_t *app = afw_app_of_env(env);
    sns_mgr_t *mgr;
    sns_sensor_t *s;
    sns_client_t *c;
    int32_t id = -1;

    if (!app || !(c = afw_calloc(sizeof *c)))
        return -1;
    mgr = &app->afw->sns;
    pthread_mutex_lock(&mgr->w.lock);
    s = sensor_by_name(mgr, name, instance);
    if (s && !client_of(s, app->id)) {
        c->app_id = app->id;
        c->interval = s->default_interval;
        c->next = s->clients;
        s->clients = c;
        c = NULL;
        sensor_reschedule(mgr, s);
        id = s->id;
    }
    pthread_mutex_unlock(&mgr->w.lock);
    afw_free(c);
    return id;
}

/* Sets this app's client settings; false if it does not have s open. */
static bool client_update(afw_app_t *app, int32_t sensor_id, const int32_t *interval,
                          const int32_t *bit_cfg, const int32_t *delay,
                          afw_sensor_config_fn *out_config, void **out_user)
{
    sns_mgr_t *mgr = &app->afw->sns;
    sns_sensor_t *s;
    sns_client_t *c = NULL;

    pthread_mutex_lock(&mgr->w.lock);
    s = sensor_by_id(mgr, sensor_id);
    if (s && (c = client_of(s, app->id))) {
        if (interval)
            c->interval = (uint32_t)*interval;
        if (bit_cfg)
            c->bit_cfg = *bit_cfg;
        if (delay)
            c->delay = *delay;
        sensor_reschedule(mgr, s);
        *out_config = s->config;
        *out_user = s->user;
    }
    pthread_mutex_unlock(&mgr->w.lock);
    return c != NULL;
}

/* (iiii)i: (id, interval ms, bit_cfg, delay) -> bool. Interval 0 stops
 * this app's samples. */
static int32_t n_sensor_config(wasm_exec_env_t env, int32_t sensor_id, int32_t interval,
                               int32_t bit_cfg, int32_t delay)
{
    afw_app_t *app = afw_app_of_env(env);
    afw_sensor_config_fn config = NULL;
    void *user = NULL;
    attr_container_t *cfg;
    bool ok = true;

    if (!app || interval < 0 ||
        !client_update(app, sensor_id, &interval, &bit_cfg, &delay, &config, &user))
        return 0;
    if (config) {
        cfg = attr_container_create("config sensor");
        ok = cfg && attr_container_set_int(&cfg, "interval", interval) &&
             attr_container_set_int(&cfg, "bit_cfg", bit_cfg) &&
             attr_container_set_int(&cfg, "delay", delay) && config(user, cfg);
        attr_container_destroy(cfg);
    }
    return ok;
}

/* (i*~)i: (id, serialized attr_container) -> bool. An "interval" key sets
 * this app's interval; the whole container goes to the sensor's config. */
static int32_t n_sensor_config_with_attr_container(wasm_exec_env_t env, int32_t sensor_id,
                                                   char *buf, int32_t len)
{
    afw_app_t *app = afw_app_of_env(env);
    const attr_container_t *cfg = (const attr_container_t *)buf;
    afw_sensor_config_fn config = NULL;
    void *user = NULL;
    int32_t interval = -1;

    if (!app || len <= 0 || !attr_container_validate(buf, (uint32_t)len))
        return 0;
    if (attr_container_contain_key(cfg, "interval"))
        interval = attr_container_get_as_int(cfg, "interval");
    if (!client_update(app, sensor_id, interval >= 0 ? &interval : NULL, NULL, NULL, &config,
                       &user))
        return 0;
    return config ? config(user, cfg) : 1;
}

/* (i)i: -> bool, false if this app did not have it open. */
static int32_t n_sensor_close(wasm_exec_env_t env, int32_t sensor_id)
{
    afw_app_t *app = afw_app_of_env(env);
    sns_mgr_t *mgr;
    sns_sensor_t *s;
    sns_client_t **link = NULL, *c = NULL;
    bool closed;

    if (!app)
        return 0;
    mgr = &app->afw->sns;
    pthread_mutex_lock(&mgr->w.lock);
    s = sensor_by_id(mgr, sensor_id);
    if (s && (link = client_link(s, app->id))) {
        c = *link;
        *link = c->next;
        sensor_reschedule(mgr, s);
    }
    pthread_mutex_unlock(&mgr->w.lock);
    closed = c != NULL;
    afw_free(c);
    return closed;
}

static NativeSymbol sns_symbols[] = {
    {"wasm_sensor_open", (void *)n_sensor_open, "($i)i", NULL},
    {"wasm_sensor_config", (void *)n_sensor_config, "(iiii)i", NULL},
    {"wasm_sensor_config_with_attr_container", (void *)n_sensor_config_with_attr_container,
     "(i*~)i", NULL},
    {"wasm_sensor_close", (void *)n_sensor_close, "(i)i", NULL},
};

NativeSymbol *sns_natives(uint32_t *out_n)
{
    *out_n = sizeof sns_symbols / sizeof sns_symbols[0];
    return sns_symbols;
}
