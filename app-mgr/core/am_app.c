/* Apps: install and uninstall, the per-app queue and thread, and every call
 * into an app. All callbacks of an app run on its thread, one at a time,
 * each under the watchdog: a callback still running after the app's
 * watchdog_ms is stopped with wasm_runtime_terminate (the interpreter sees
 * the flag at the next loop back-edge or call), logged, and the app goes on
 * with its next message. The module's start function is one of them: apps
 * are instantiated with it deferred (common/api.h, the manager's one
 * internal hook), as it would otherwise run unguarded inside instantiate
 * on the installer's thread. */
#include <stdio.h>
#include <string.h>

#include "am_internal.h"
#include "common/api.h"

#define AM_HEAP_DEFAULT 8192u
#define AM_HEAP_MIN 256u
#define AM_HEAP_MAX (1024u * 1024 * 1024)
#define AM_TIMERS_DEFAULT 20u
#define AM_WATCHDOG_DEFAULT 180000u

/* Export names (looked up as "_name" first, then "name") and their number
 * of i32 parameters; none returns a value. */
static const struct {
    const char *name;
    uint32_t n_params;
} callbacks[AM_CB_COUNT] = {
    [AM_CB_START] = {"start", 0},
    [AM_CB_INIT] = {"on_init", 0},
    [AM_CB_DESTROY] = {"on_destroy", 0},
    [AM_CB_REQUEST] = {"on_request", 2},
    [AM_CB_RESPONSE] = {"on_response", 2},
    [AM_CB_TIMER] = {"on_timer_callback", 1},
    [AM_CB_SENSOR] = {"on_sensor_event", 3},
    [AM_CB_CONNECTION] = {"on_connection_data", 3},
};

/* ------------------------------------------------------------------------
 * Lookup (caller holds am.lock)
 * ------------------------------------------------------------------------ */

am_app_t *am_app_by_id(am_t *am, uint32_t id)
{
    for (am_app_t *app = am->apps; app; app = app->next)
        if (app->id == id)
            return app;
    return NULL;
}

/* The new version of an upgrade is not found by name: until the switch the
 * name, and so every request to /app/<name>/, is the old version's. */
am_app_t *am_app_by_name(am_t *am, const char *name, size_t len)
{
    for (am_app_t *app = am->apps; app; app = app->next)
        if (!app->replaces && strlen(app->name) == len && memcmp(app->name, name, len) == 0)
            return app;
    return NULL;
}

/* ------------------------------------------------------------------------
 * The queue
 * ------------------------------------------------------------------------ */

am_msg_t *am_msg_new(am_msg_kind_t kind, uint32_t id, const void *data, uint32_t len)
{
    am_msg_t *m;

    if (len > UINT32_MAX - sizeof *m || !(m = afw_calloc((uint32_t)sizeof *m + len)))
        return NULL;
    m->kind = kind;
    m->id = id;
    m->len = len;
    if (len)
        memcpy(m->data, data, len);
    return m;
}

bool am_app_post(am_app_t *app, am_msg_t *m)
{
    uint32_t limit = app->am->cfg.queue_len;
    bool ok;

    if (m->droppable)
        limit -= limit / 4 ? limit / 4 : (limit > 1);
    pthread_mutex_lock(&app->qlock);
    ok = !app->stop && app->qlen < limit;
    if (ok) {
        m->next = NULL;
        if (app->tail)
            app->tail->next = m;
        else
            app->head = m;
        app->tail = m;
        app->qlen++;
        pthread_cond_signal(&app->qcond);
    }
    pthread_mutex_unlock(&app->qlock);
    return ok;
}

/* The next message; NULL once the app is told to stop, or is draining (the
 * version an upgrade replaced) and has taken everything queued. */
static am_msg_t *app_next(am_app_t *app)
{
    am_msg_t *m = NULL;

    pthread_mutex_lock(&app->qlock);
    while (!app->stop && !app->draining && !app->head)
        pthread_cond_wait(&app->qcond, &app->qlock);
    if (!app->stop && app->head) {
        m = app->head;
        app->head = m->next;
        if (!app->head)
            app->tail = NULL;
        app->qlen--;
    }
    pthread_mutex_unlock(&app->qlock);
    return m;
}

/* ------------------------------------------------------------------------
 * Calling into the app, under the watchdog
 * ------------------------------------------------------------------------ */

uint64_t am_watchdog_scan(am_t *am, uint64_t now)
{
    uint64_t next = UINT64_MAX;

    for (am_app_t *app = am->watched; app; app = app->watch_next) {
        if (!app->in_callback || app->wd_fired)
            continue;
        if (app->deadline <= now) {
            app->wd_fired = true;
            wasm_runtime_terminate(app->inst);
        } else if (app->deadline < next) {
            next = app->deadline;
        }
    }
    return next;
}

static bool call_begin(am_app_t *app, am_cb_t cb)
{
    am_t *am = app->am;
    uint32_t limit = app->watchdog_ms;
    bool ok;

    if (cb == AM_CB_DESTROY && am->cfg.destroy_timeout_ms < limit)
        limit = am->cfg.destroy_timeout_ms;
    pthread_mutex_lock(&am->watch_lock);
    /* once the app is being uninstalled only on_destroy may still run */
    ok = !app->stop_requested || cb == AM_CB_DESTROY;
    if (ok) {
        app->in_callback = true;
        app->wd_fired = false;
        app->cb = cb;
        app->deadline = afw_now_ms() + limit;
        if (am->watch_next == 0 || app->deadline < am->watch_next) {
            am->watch_kick = true;
            pthread_cond_signal(&am->watch_cond);
        }
    }
    pthread_mutex_unlock(&am->watch_lock);
    return ok;
}

/* Ends the call; true if the watchdog stopped it. */
static bool call_end(am_app_t *app)
{
    bool fired;

    pthread_mutex_lock(&app->am->watch_lock);
    app->in_callback = false;
    fired = app->wd_fired;
    pthread_mutex_unlock(&app->am->watch_lock);
    return fired;
}

/* Calls fn, named what in messages, with argv under the watchdog as
 * callback cb; false (the reason in err) if it trapped or was stopped. The
 * exception is always cleared. */
static bool app_call_fn(am_app_t *app, am_cb_t cb, wasm_function_inst_t fn, const char *what,
                        uint32_t argc, uint32_t *argv, char *err, uint32_t err_size)
{
    uint32_t limit = cb == AM_CB_DESTROY && app->am->cfg.destroy_timeout_ms < app->watchdog_ms
                         ? app->am->cfg.destroy_timeout_ms
                         : app->watchdog_ms;
    const char *exc;
    bool ok, fired;

    if (!call_begin(app, cb)) {
        am_set_err(err, err_size, "the app is being uninstalled");
        return false;
    }
    ok = wasm_runtime_call_wasm(app->env, fn, argc, argv);
    fired = call_end(app);
    exc = wasm_runtime_get_exception(app->inst);
    if (!ok && fired) {
        am_set_err(err, err_size, "%s (stopped by the watchdog after %u ms)",
                   exc ? exc : "Exception: call failed", limit);
        am_log(app->am, 0, "watchdog: app '%s' ran %s for more than %u ms; stopped", app->name,
               what, limit);
    } else if (!ok) {
        am_set_err(err, err_size, "%s", exc ? exc : "Exception: call failed");
        am_log(app->am, 1, "app '%s': %s trapped: %s", app->name, what,
               exc ? exc : "call failed");
    }
    if (exc)
        wasm_runtime_clear_exception(app->inst);
    return ok;
}

/* app_call_fn of callback cb; false too if the app does not export it. */
static bool app_call(am_app_t *app, am_cb_t cb, uint32_t argc, uint32_t *argv, char *err,
                     uint32_t err_size)
{
    if (!app->fn[cb]) {
        am_set_err(err, err_size, "the app exports no %s", callbacks[cb].name);
        return false;
    }
    return app_call_fn(app, cb, app->fn[cb], callbacks[cb].name, argc, argv, err, err_size);
}

/* Copies data into the app heap and calls cb(lead..., buf, len). */
static bool app_call_buffer(am_app_t *app, am_cb_t cb, const uint32_t *lead, uint32_t n_lead,
                            const void *data, uint32_t len, char *err, uint32_t err_size)
{
    uint32_t argv[3], off;
    void *native = NULL;
    bool ok;

    if (!app->fn[cb]) {
        am_set_err(err, err_size, "the app exports no %s", callbacks[cb].name);
        return false;
    }
    off = wasm_runtime_module_malloc(app->inst, len, &native);
    if (!off) {
        wasm_runtime_clear_exception(app->inst);
        am_set_err(err, err_size, "no room in the app heap for %u bytes", len);
        am_log(app->am, 1, "app '%s': %s", app->name, err);
        return false;
    }
    memcpy(native, data, len);
    for (uint32_t i = 0; i < n_lead; i++)
        argv[i] = lead[i];
    argv[n_lead] = off;
    argv[n_lead + 1] = len;
    ok = app_call(app, cb, n_lead + 2, argv, err, err_size);
    wasm_runtime_module_free(app->inst, off);
    wasm_runtime_clear_exception(app->inst);
    return ok;
}

/* ------------------------------------------------------------------------
 * The app's thread
 * ------------------------------------------------------------------------ */

static void deliver_request(am_app_t *app, const am_msg_t *m)
{
    char err[256];
    bool ok;

    app->cur_wants_answer = m->wants_answer;
    app->cur_answered = false;
    app->cur_sender = m->sender;
    app->cur_mid = m->mid;
    ok = app_call_buffer(app, AM_CB_REQUEST, NULL, 0, m->data, m->len, err, sizeof err);
    /* [better] a request the app failed on is answered, not left to time out */
    if (!ok && m->wants_answer && !app->cur_answered)
        am_reply(app->am, m->sender, m->mid, INTERNAL_SERVER_ERROR_5_00, err);
    app->cur_wants_answer = false;
}

static void app_deliver(am_app_t *app, const am_msg_t *m)
{
    char err[256];
    uint32_t argv[3] = {m->id, 0, 0};

    switch (m->kind) {
    case AM_MSG_REQUEST:
        deliver_request(app, m);
        break;
    case AM_MSG_RESPONSE:
        app_call_buffer(app, AM_CB_RESPONSE, NULL, 0, m->data, m->len, err, sizeof err);
        break;
    case AM_MSG_TIMER:
        if (afw_timer_take(app->fw, m->id))
            app_call(app, AM_CB_TIMER, 1, argv, err, sizeof err);
        break;
    case AM_MSG_SENSOR:
        app_call_buffer(app, AM_CB_SENSOR, &m->id, 1, m->data, m->len, err, sizeof err);
        break;
    case AM_MSG_CONNECTION:
        if (!afw_connection_take(app->fw, m->id, m->len))
            break;
        if (m->len == 0) /* disconnected: buf 0, len 0 */
            app_call(app, AM_CB_CONNECTION, 3, argv, err, sizeof err);
        else
            app_call_buffer(app, AM_CB_CONNECTION, &m->id, 1, m->data, m->len, err, sizeof err);
        break;
    }
}

/* The start function if the module has one, then _start and on_init if
 * exported. */
static bool app_init(am_app_t *app)
{
    char err[sizeof app->init_err - 32];
    wasm_function_inst_t start = api_start_function(app->inst);

    if (start && !app_call_fn(app, AM_CB_START, start, "the start function", 0, NULL, err,
                              sizeof err)) {
        snprintf(app->init_err, sizeof app->init_err, "the start function failed: %s", err);
        return false;
    }
    if (app->fn[AM_CB_START] && !app_call(app, AM_CB_START, 0, NULL, err, sizeof err)) {
        snprintf(app->init_err, sizeof app->init_err, "_start failed: %s", err);
        return false;
    }
    if (app->fn[AM_CB_INIT] && !app_call(app, AM_CB_INIT, 0, NULL, err, sizeof err)) {
        snprintf(app->init_err, sizeof app->init_err, "on_init failed: %s", err);
        return false;
    }
    return true;
}

static void *app_thread(void *arg)
{
    am_app_t *app = arg;
    bool ok = app_init(app);
    am_msg_t *m;
    char err[256];

    pthread_mutex_lock(&app->qlock);
    app->init_state = ok ? 1 : -1;
    pthread_cond_broadcast(&app->qcond);
    pthread_mutex_unlock(&app->qlock);
    if (!ok)
        return NULL;
    while ((m = app_next(app))) {
        app_deliver(app, m);
        afw_free(m);
    }
    if (app->fn[AM_CB_DESTROY])
        app_call(app, AM_CB_DESTROY, 0, NULL, err, sizeof err);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Building and tearing down an app
 * ------------------------------------------------------------------------ */

static bool name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > AM_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] <= ' ' || name[i] == 0x7f || strchr("/?&=", name[i]))
            return false;
    return true;
}

static am_app_t *app_new(am_t *am, const am_app_params_t *p)
{
    am_app_t *app = afw_calloc(sizeof *app);

    if (!app)
        return NULL;
    if (pthread_mutex_init(&app->qlock, NULL) != 0) {
        afw_free(app);
        return NULL;
    }
    if (pthread_cond_init(&app->qcond, NULL) != 0) {
        pthread_mutex_destroy(&app->qlock);
        afw_free(app);
        return NULL;
    }
    app->am = am;
    strcpy(app->name, p->name);
    app->heap_size = p->heap_size ? p->heap_size : AM_HEAP_DEFAULT;
    app->heap_size = app->heap_size < AM_HEAP_MIN ? AM_HEAP_MIN : app->heap_size;
    app->heap_size = app->heap_size > AM_HEAP_MAX ? AM_HEAP_MAX : app->heap_size;
    app->max_timers = p->max_timers ? p->max_timers : AM_TIMERS_DEFAULT;
    if (app->max_timers > am->cfg.max_timers)
        app->max_timers = am->cfg.max_timers;
    app->watchdog_ms = p->watchdog_ms ? p->watchdog_ms : AM_WATCHDOG_DEFAULT;
    /* a grant by name (am_grant) is resolved here, once, for every install
     * path: host link, apps, store restores */
    app->may_manage_apps = p->may_manage_apps || am_granted(am, p->name);
    return app;
}

/* Why app may not take the installed app old's place in an upgrade, or NULL. */
static const char *upgrade_refusal(const am_app_t *old, const am_app_t *caller)
{
    if (old->state != AM_APP_RUNNING)
        return "the app is still being installed.";
    if (old->busy)
        return "the app is being upgraded or uninstalled.";
    if (old == caller) /* the switch waits for the old version's thread */
        return "an app cannot upgrade itself.";
    return NULL;
}

/* Lists app as STARTING under a fresh id. A plain install takes the name
 * from now on. An upgrade of an installed name marks the installed app busy
 * and shadows it (app->replaces) until the switch; it needs no free slot,
 * as it leaves the number of apps as it was. */
static bool app_register(am_t *am, am_app_t *app, bool upgrade, const am_app_t *caller,
                         char *err, uint32_t err_size)
{
    const char *why = NULL;
    am_app_t *old;
    bool ok = false;

    pthread_mutex_lock(&am->lock);
    old = am_app_by_name(am, app->name, strlen(app->name));
    if (old)
        why = upgrade ? upgrade_refusal(old, caller) : "app already installed.";
    if (why) {
        am_set_err(err, err_size, "Install WASM app failed: %s", why);
    } else if (!old && am->n_apps >= am->cfg.max_apps) {
        am_set_err(err, err_size, "Install WASM app failed: %u apps are installed, the limit.",
                   am->cfg.max_apps);
    } else {
        if (old) {
            old->busy = true;
            app->replaces = old;
        }
        do { /* ids are not reused until they wrap */
            app->id = ++am->next_app_id;
        } while (app->id == 0 || app->id >= AM_ID_HOST || am_app_by_id(am, app->id));
        app->state = AM_APP_STARTING;
        app->next = am->apps;
        am->apps = app;
        am->n_apps++;
        ok = true;
    }
    pthread_mutex_unlock(&am->lock);
    return ok;
}

/* Takes app off the list (caller holds am.lock). */
static void app_unlink(am_t *am, am_app_t *app)
{
    for (am_app_t **link = &am->apps; *link; link = &(*link)->next) {
        if (*link == app) {
            *link = app->next;
            am->n_apps--;
            break;
        }
    }
}

static void app_unregister(am_t *am, am_app_t *app)
{
    pthread_mutex_lock(&am->lock);
    app_unlink(am, app);
    am_registry_drop_app(am, app->id);
    pthread_mutex_unlock(&am->lock);
}

static wasm_function_inst_t lookup_callback(wasm_module_inst_t inst, am_cb_t cb)
{
    char name[32];
    wasm_function_inst_t fn;
    wasm_valkind_t kinds[3];
    uint32_t n = callbacks[cb].n_params;

    snprintf(name, sizeof name, "_%s", callbacks[cb].name);
    fn = wasm_runtime_lookup_function(inst, name);
    if (!fn && cb != AM_CB_START)
        fn = wasm_runtime_lookup_function(inst, callbacks[cb].name);
    if (!fn || wasm_func_get_param_count(fn, inst) != n ||
        wasm_func_get_result_count(fn, inst) != 0)
        return NULL;
    wasm_func_get_param_types(fn, inst, kinds);
    for (uint32_t i = 0; i < n; i++)
        if (kinds[i] != WASM_I32)
            return NULL;
    return fn;
}

/* Module, instance, exec env, callbacks and the framework's share. */
static bool app_load(am_app_t *app, const uint8_t *wasm, uint32_t size, char *why,
                     uint32_t why_size)
{
    am_t *am = app->am;
    LoadArgs args;

    memset(&args, 0, sizeof args);
    args.name = app->name;
    args.clone_wasm_binary = true;
    app->module = wasm_runtime_load_ex((uint8_t *)wasm, size, &args, why, why_size);
    if (!app->module)
        return false;
    /* the start function runs later, on the app's thread (app_init) */
    app->inst = api_instantiate(app->module, am->cfg.wasm_stack_size, app->heap_size,
                                RT_INSTANTIATE_DEFER_START, why, why_size);
    if (!app->inst)
        return false;
    for (int cb = 0; cb < AM_CB_COUNT; cb++)
        app->fn[cb] = lookup_callback(app->inst, (am_cb_t)cb);
    if (!app->fn[AM_CB_INIT] && !app->fn[AM_CB_START]) {
        am_set_err(why, why_size, "the app exports neither on_init nor _start.");
        return false;
    }
    if (!(app->env = wasm_runtime_create_exec_env(app->inst, am->cfg.wasm_stack_size)) ||
        !(app->fw = afw_app_attach(am->afw, app->inst, app->id, app->max_timers, app))) {
        am_set_err(why, why_size, "out of memory.");
        return false;
    }
    return true;
}

static bool app_run(am_app_t *app, char *why, uint32_t why_size)
{
    am_t *am = app->am;
    pthread_attr_t attr;

    pthread_mutex_lock(&am->watch_lock);
    app->watch_next = am->watched;
    am->watched = app;
    pthread_mutex_unlock(&am->watch_lock);
    if (pthread_attr_init(&attr) != 0) {
        am_set_err(why, why_size, "cannot create the app thread.");
        return false;
    }
    pthread_attr_setstacksize(&attr, am->cfg.thread_stack_size);
    app->thread_started = pthread_create(&app->thread, &attr, app_thread, app) == 0;
    pthread_attr_destroy(&attr);
    if (!app->thread_started) {
        am_set_err(why, why_size, "cannot create the app thread.");
        return false;
    }
    pthread_mutex_lock(&app->qlock);
    while (app->init_state == 0)
        pthread_cond_wait(&app->qcond, &app->qlock);
    pthread_mutex_unlock(&app->qlock);
    if (app->init_state < 0) {
        am_set_err(why, why_size, "%s", app->init_err);
        return false;
    }
    return true;
}

static void app_join(am_app_t *app)
{
    if (app->thread_started)
        pthread_join(app->thread, NULL);
    app->thread_started = false;
}

/* Stops the thread: a running callback is interrupted, on_destroy runs. */
static void app_stop(am_app_t *app)
{
    am_t *am = app->am;

    pthread_mutex_lock(&am->watch_lock);
    app->stop_requested = true;
    if (app->in_callback && app->cb != AM_CB_DESTROY)
        wasm_runtime_terminate(app->inst);
    pthread_mutex_unlock(&am->watch_lock);
    pthread_mutex_lock(&app->qlock);
    app->stop = true;
    pthread_cond_signal(&app->qcond);
    pthread_mutex_unlock(&app->qlock);
    app_join(app);
}

/* Frees everything the app owned; requests still queued are answered 163.
 * The app is unlisted and its thread stopped. */
static void app_teardown(am_app_t *app)
{
    am_t *am = app->am;

    pthread_mutex_lock(&am->watch_lock);
    for (am_app_t **link = &am->watched; *link; link = &(*link)->watch_next) {
        if (*link == app) {
            *link = app->watch_next;
            break;
        }
    }
    pthread_mutex_unlock(&am->watch_lock);
    afw_app_detach(app->fw);
    while (app->head) {
        am_msg_t *m = app->head;
        app->head = m->next;
        if (m->kind == AM_MSG_REQUEST && m->wants_answer)
            am_reply(am, m->sender, m->mid, SERVICE_UNAVAILABLE_5_03,
                     "the app was uninstalled");
        afw_free(m);
    }
    if (app->env)
        wasm_runtime_destroy_exec_env(app->env);
    if (app->inst)
        wasm_runtime_deinstantiate(app->inst);
    if (app->module)
        wasm_runtime_unload(app->module);
    pthread_cond_destroy(&app->qcond);
    pthread_mutex_destroy(&app->qlock);
    afw_free(app);
}

/* ------------------------------------------------------------------------
 * Install hooks: verification and persistence (app_manager.h)
 * ------------------------------------------------------------------------ */

void am_set_verifier(am_t *am, am_verify_fn verify, void (*release)(void *), void *user)
{
    if (!am)
        return;
    pthread_mutex_lock(&am->lock);
    am->verify = verify;
    am->verify_release = release;
    am->verify_user = user;
    pthread_mutex_unlock(&am->lock);
}

void am_set_persist(am_t *am, const am_persist_t *persist, void (*release)(void *))
{
    if (!am)
        return;
    pthread_mutex_lock(&am->lock);
    if (persist)
        am->persist = *persist;
    else
        memset(&am->persist, 0, sizeof am->persist);
    am->persist_release = release;
    pthread_mutex_unlock(&am->lock);
}

void am_app_hooks_close(am_t *am)
{
    pthread_mutex_lock(&am->lock);
    am->closing = true;
    pthread_mutex_unlock(&am->lock);
}

void am_app_hooks_release(am_t *am)
{
    void (*verify_release)(void *), (*persist_release)(void *);
    void *verify_user, *persist_user;

    pthread_mutex_lock(&am->lock);
    verify_release = am->verify_release;
    verify_user = am->verify_user;
    persist_release = am->persist_release;
    persist_user = am->persist.user;
    am->verify = NULL;
    am->verify_release = am->persist_release = NULL;
    memset(&am->persist, 0, sizeof am->persist);
    pthread_mutex_unlock(&am->lock);
    if (verify_release)
        verify_release(verify_user);
    if (persist_release)
        persist_release(persist_user);
}

/* Runs the verifier on payload: 0 with the wasm to load in *out_wasm, or
 * the status of the refusal with err set. */
static int install_verify(am_t *am, const char *name, const uint8_t *payload, uint32_t size,
                          const uint8_t **out_wasm, uint32_t *out_size, char *err,
                          uint32_t err_size)
{
    char why[256] = "";
    am_verify_fn verify;
    void *user;
    bool closing;
    int status;

    pthread_mutex_lock(&am->lock);
    verify = am->verify;
    user = am->verify_user;
    closing = am->closing;
    pthread_mutex_unlock(&am->lock);
    *out_wasm = payload;
    *out_size = size;
    if (closing) {
        am_set_err(err, err_size, "Install WASM app failed: the app manager is stopping.");
        return INTERNAL_SERVER_ERROR_5_00;
    }
    if (!verify)
        return 0;
    status = verify(user, name, payload, size, out_wasm, out_size, why, sizeof why);
    if (status == 0 && (*out_wasm < payload || *out_size > size ||
                        (size_t)(*out_wasm - payload) > size - *out_size)) {
        status = INTERNAL_SERVER_ERROR_5_00; /* a verifier bug must not reach the loader */
        snprintf(why, sizeof why, "the verifier returned a wasm outside the payload");
    }
    if (status != 0) {
        am_set_err(err, err_size, "Install WASM app failed: %s", why[0] ? why : "refused.");
        am_log(am, 1, "install of app '%s' refused with %d: %s", name, status,
               why[0] ? why : "refused.");
    }
    return status;
}

/* Saves the install through the persistence hook, if any; false with the
 * reason in why. */
static bool install_save(am_t *am, const am_app_params_t *params, const uint8_t *payload,
                         uint32_t size, char *why, uint32_t why_size)
{
    am_persist_t persist;
    bool closing;

    pthread_mutex_lock(&am->lock);
    persist = am->persist;
    closing = am->closing;
    pthread_mutex_unlock(&am->lock);
    if (closing) {
        am_set_err(why, why_size, "the app manager is stopping.");
        return false;
    }
    if (!persist.save)
        return true;
    why[0] = '\0';
    if (persist.save(persist.user, params, payload, size, why, why_size))
        return true;
    if (!why[0])
        am_set_err(why, why_size, "saving the app failed.");
    return false;
}

/* ------------------------------------------------------------------------
 * Install and uninstall
 * ------------------------------------------------------------------------ */

/* Room a package's header may take around the wasm it carries. */
#define AM_PAYLOAD_SLACK 4096u

/* Undoes an install that failed after app_register: the app goes (its
 * on_destroy runs if its on_init did), and an app it was to replace stays
 * as it was. */
static void install_abandon(am_t *am, am_app_t *app)
{
    am_app_t *old = app->replaces;

    app_unregister(am, app);
    app_stop(app);
    app_teardown(app);
    if (old) {
        pthread_mutex_lock(&am->lock);
        old->busy = false;
        pthread_mutex_unlock(&am->lock);
    }
}

/* The moment of an upgrade, under am.lock: app (the new version) takes the
 * name and the URLs the old version registered (the new version's own
 * registrations of those URLs were not taken, one owner per URL). Requests
 * routed before the switch stay with the old version, which answers them
 * (its queue drains), runs on_destroy and goes; requests after it reach the
 * new one. So no request is lost in between. */
static void upgrade_switch(am_t *am, am_app_t *app)
{
    am_app_t *old = app->replaces;

    pthread_mutex_lock(&am->lock);
    app_unlink(am, old);
    for (am_resource_t *r = am->resources; r; r = r->next) {
        if (r->app_id == old->id) {
            r->app_id = app->id;
            app->n_resources++;
        }
    }
    app->replaces = NULL;
    app->state = AM_APP_RUNNING;
    pthread_mutex_unlock(&am->lock);

    pthread_mutex_lock(&old->qlock);
    old->draining = true;
    pthread_cond_signal(&old->qcond);
    pthread_mutex_unlock(&old->qlock);
    app_join(old);
    /* only now: the registry remembers what the old version was asked, so
     * that its answers while draining are accepted */
    pthread_mutex_lock(&am->lock);
    am_registry_drop_app(am, old->id);
    pthread_mutex_unlock(&am->lock);
    am_log(am, 2, "upgraded app '%s' (id %u replaces id %u)", app->name, app->id, old->id);
    app_teardown(old);
}

/* Checks the name and sizes, and runs the verifier: 0 with the wasm to
 * load, or the status to answer with err set. */
static int install_check(am_t *am, const am_app_params_t *params, const uint8_t *payload,
                         uint32_t size, const uint8_t **out_wasm, uint32_t *out_size,
                         char *err, uint32_t err_size)
{
    int status;

    if (!name_ok(params->name)) {
        am_set_err(err, err_size, "Install WASM app failed: invalid app name.");
        return INTERNAL_SERVER_ERROR_5_00;
    }
    if (!payload || size == 0 || size > (uint64_t)am->cfg.max_app_size + AM_PAYLOAD_SLACK) {
        am_set_err(err, err_size, "Install WASM app failed: the app is empty or over %u bytes.",
                   am->cfg.max_app_size);
        return INTERNAL_SERVER_ERROR_5_00;
    }
    status = install_verify(am, params->name, payload, size, out_wasm, out_size, err, err_size);
    if (status != 0)
        return status;
    if (*out_size == 0 || *out_size > am->cfg.max_app_size) {
        am_set_err(err, err_size, "Install WASM app failed: the app is empty or over %u bytes.",
                   am->cfg.max_app_size);
        return INTERNAL_SERVER_ERROR_5_00;
    }
    return 0;
}

int am_app_install_ex(am_t *am, const am_app_params_t *params, const uint8_t *payload,
                      uint32_t size, const am_app_t *caller, char *err, uint32_t err_size)
{
    char why[320] = "";
    const uint8_t *wasm;
    uint32_t wasm_size;
    am_app_t *app;
    int status;

    status = install_check(am, params, payload, size, &wasm, &wasm_size, err, err_size);
    if (status != 0)
        return status;
    if (!(app = app_new(am, params))) {
        am_set_err(err, err_size, "Install WASM app failed: out of memory.");
        return INTERNAL_SERVER_ERROR_5_00;
    }
    if (!app_register(am, app, params->upgrade, caller, err, err_size)) {
        app_teardown(app);
        return INTERNAL_SERVER_ERROR_5_00;
    }
    if (!app_load(app, wasm, wasm_size, why, sizeof why) || !app_run(app, why, sizeof why) ||
        !install_save(am, params, payload, size, why, sizeof why)) {
        am_set_err(err, err_size, "Install WASM app failed: %s", why);
        install_abandon(am, app);
        return INTERNAL_SERVER_ERROR_5_00;
    }
    if (app->replaces) {
        upgrade_switch(am, app);
    } else {
        pthread_mutex_lock(&am->lock);
        app->state = AM_APP_RUNNING;
        pthread_mutex_unlock(&am->lock);
        am_log(am, 2, "installed app '%s' (id %u)", app->name, app->id);
    }
    am_applet_changed(am);
    return 0;
}

bool am_app_install(am_t *am, const am_app_params_t *params, const uint8_t *wasm,
                    uint32_t size, char *err, uint32_t err_size)
{
    return am_app_install_ex(am, params, wasm, size, NULL, err, err_size) == 0;
}

/* Why name may not be uninstalled by caller now, or NULL (am.lock). */
static const char *uninstall_refusal(am_t *am, const am_app_t *app, const am_app_t *caller)
{
    if (!app)
        return "no app found.";
    if (app->state != AM_APP_RUNNING)
        return "the app is still being installed.";
    if (app->busy)
        return "the app is being upgraded or uninstalled.";
    if (app == caller)
        return "an app cannot uninstall itself.";
    if (caller && am_app_by_id(am, caller->id) != caller)
        /* two apps removing each other would each wait for the other */
        return "the asking app is being uninstalled itself.";
    return NULL;
}

/* Drops app's store entry through persist (a copy of the hook taken when
 * app was marked busy); false with the reason in why. */
static bool uninstall_drop(am_t *am, am_app_t *app, const am_persist_t *persist, char *why,
                           uint32_t why_size)
{
    bool ok;

    if (!persist->drop)
        return true;
    why[0] = '\0';
    ok = persist->drop(persist->user, app->name, why, why_size);
    if (!ok && !why[0])
        am_set_err(why, why_size, "removing the app from the store failed.");
    if (!ok) {
        pthread_mutex_lock(&am->lock);
        app->busy = false;
        pthread_mutex_unlock(&am->lock);
    }
    return ok;
}

bool am_app_uninstall(am_t *am, const char *name, const am_app_t *caller, char *err,
                      uint32_t err_size)
{
    char why[320];
    const char *refusal;
    am_persist_t persist;
    am_app_t *app;

    pthread_mutex_lock(&am->lock);
    app = am_app_by_name(am, name, strlen(name));
    refusal = uninstall_refusal(am, app, caller);
    if (!refusal) {
        /* busy: from here only this call may remove or replace app */
        app->busy = true;
        persist = am->persist;
        if (am->closing) /* stopping is not uninstalling */
            persist.drop = NULL;
    }
    pthread_mutex_unlock(&am->lock);
    if (refusal) {
        am_set_err(err, err_size, "Uninstall WASM app failed: %s", refusal);
        return false;
    }
    if (!uninstall_drop(am, app, &persist, why, sizeof why)) {
        am_set_err(err, err_size, "Uninstall WASM app failed: %s", why);
        return false;
    }
    pthread_mutex_lock(&am->lock);
    app_unlink(am, app);
    am_registry_drop_app(am, app->id);
    pthread_mutex_unlock(&am->lock);
    app_stop(app);
    am_log(am, 2, "uninstalled app '%s' (id %u)", app->name, app->id);
    app_teardown(app);
    am_applet_changed(am);
    return true;
}
