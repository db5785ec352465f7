/* The timer manager and the timer natives. One thread per framework keeps a
 * min-heap of the running timers of every app and, when one is due, queues
 * an AFW_EV_TIMER for its app (on_timer_callback then runs on the app's
 * thread). Each app has a pool of max_timers slots; ids count up from 1.
 * The reference leaked a slot for every timer its app library cancelled or
 * that fired once: here such a timer stays restartable, but its slot is
 * handed to a new timer when the pool is otherwise full (oldest first). */
#include <string.h>

#include "afw_internal.h"

/* ------------------------------------------------------------------------
 * The heap of running timers (caller holds mgr->w.lock)
 * ------------------------------------------------------------------------ */

static void heap_set(tmr_mgr_t *mgr, uint32_t pos, tmr_timer_t *t)
{
    mgr->heap[pos] = t;
    t->heap_pos = pos;
}

static void heap_sift_up(tmr_mgr_t *mgr, uint32_t pos)
{
    tmr_timer_t *t = mgr->heap[pos];

    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (mgr->heap[parent]->deadline <= t->deadline)
            break;
        heap_set(mgr, pos, mgr->heap[parent]);
        pos = parent;
    }
    heap_set(mgr, pos, t);
}

static void heap_sift_down(tmr_mgr_t *mgr, uint32_t pos)
{
    tmr_timer_t *t = mgr->heap[pos];

    for (;;) {
        uint32_t child = 2 * pos + 1;
        if (child >= mgr->heap_len)
            break;
        if (child + 1 < mgr->heap_len &&
            mgr->heap[child + 1]->deadline < mgr->heap[child]->deadline)
            child++;
        if (t->deadline <= mgr->heap[child]->deadline)
            break;
        heap_set(mgr, pos, mgr->heap[child]);
        pos = child;
    }
    heap_set(mgr, pos, t);
}

/* Capacity was reserved when the app's pool was created. */
static void heap_push(tmr_mgr_t *mgr, tmr_timer_t *t)
{
    heap_set(mgr, mgr->heap_len++, t);
    heap_sift_up(mgr, t->heap_pos);
}

static void heap_remove(tmr_mgr_t *mgr, tmr_timer_t *t)
{
    uint32_t pos = t->heap_pos;
    tmr_timer_t *last = mgr->heap[--mgr->heap_len];

    if (last == t)
        return;
    heap_set(mgr, pos, last);
    heap_sift_up(mgr, pos);
    heap_sift_down(mgr, last->heap_pos);
}

/* ------------------------------------------------------------------------
 * Timer states (caller holds mgr->w.lock)
 * ------------------------------------------------------------------------ */

static void timer_start(tmr_mgr_t *mgr, tmr_timer_t *t, uint64_t now)
{
    bool was_first = mgr->heap_len == 0 || mgr->heap[0]->deadline > now + t->interval;

    if (t->state == TMR_RUNNING)
        heap_remove(mgr, t);
    t->state = TMR_RUNNING;
    t->reclaimable = false;
    t->deadline = now + t->interval;
    heap_push(mgr, t);
    if (was_first)
        pthread_cond_signal(&mgr->w.cond);
}

static void timer_stop(tmr_mgr_t *mgr, tmr_timer_t *t, bool reclaimable)
{
    if (t->state == TMR_RUNNING)
        heap_remove(mgr, t);
    t->state = TMR_IDLE;
    if (reclaimable && !t->reclaimable) {
        t->reclaimable = true;
        t->idle_seq = ++mgr->idle_seq;
    }
}

static void timer_free(tmr_mgr_t *mgr, tmr_timer_t *t)
{
    timer_stop(mgr, t, false);
    memset(t, 0, sizeof *t);
}

static tmr_timer_t *timer_find(afw_app_t *app, int32_t id)
{
    for (uint32_t i = 0; id > 0 && i < app->max_timers; i++)
        if (app->timers[i].state != TMR_FREE && app->timers[i].id == id)
            return &app->timers[i];
    return NULL;
}

/* A free slot, else the slot of the timer that became reclaimable first. */
static tmr_timer_t *timer_slot(tmr_mgr_t *mgr, afw_app_t *app)
{
    tmr_timer_t *oldest = NULL;

    for (uint32_t i = 0; i < app->max_timers; i++) {
        tmr_timer_t *t = &app->timers[i];
        if (t->state == TMR_FREE)
            return t;
        if (t->reclaimable && t->state == TMR_IDLE &&
            (!oldest || t->idle_seq < oldest->idle_seq))
            oldest = t;
    }
    if (oldest)
        timer_free(mgr, oldest);
    return oldest;
}

static int32_t next_timer_id(afw_app_t *app)
{
    do {
        app->next_timer_id = app->next_timer_id >= INT32_MAX ? 1 : app->next_timer_id + 1;
    } while (timer_find(app, app->next_timer_id));
    return app->next_timer_id;
}

/* ------------------------------------------------------------------------
 * The thread
 * ------------------------------------------------------------------------ */

static void timer_fire(tmr_mgr_t *mgr, tmr_timer_t *t, uint64_t now)
{
    afw_t *afw = t->app->afw;

    heap_remove(mgr, t);
    if (t->periodic) {
        t->deadline = now + t->interval; /* re-armed at fire time */
        heap_push(mgr, t);
    } else {
        t->state = TMR_IDLE;
        t->reclaimable = true;
        t->idle_seq = ++mgr->idle_seq;
    }
    /* One firing at a time in the queue: a slow app is not flooded. */
    if (!t->pending &&
        afw->host.post_event(afw->host.ctx, t->app->id, AFW_EV_TIMER, (uint32_t)t->id, NULL, 0))
        t->pending = true;
}

static void *timer_thread(void *arg)
{
    tmr_mgr_t *mgr = arg;

    pthread_mutex_lock(&mgr->w.lock);
    while (!mgr->w.stop) {
        uint64_t now = afw_now_ms();
        while (mgr->heap_len > 0 && mgr->heap[0]->deadline <= now)
            timer_fire(mgr, mgr->heap[0], now);
        afw_cond_wait_until(&mgr->w.cond, &mgr->w.lock,
                            mgr->heap_len ? mgr->heap[0]->deadline : UINT64_MAX);
    }
    pthread_mutex_unlock(&mgr->w.lock);
    return NULL;
}

bool tmr_init(tmr_mgr_t *mgr)
{
    return afw_worker_start(&mgr->w, timer_thread, mgr);
}

void tmr_destroy(tmr_mgr_t *mgr)
{
    if (!mgr->w.started)
        return;
    afw_worker_stop(&mgr->w);
    afw_free(mgr->heap);
}

/* ------------------------------------------------------------------------
 * Per app
 * ------------------------------------------------------------------------ */

/* Reserves heap room for the whole pool, so that starting a timer never
 * allocates. */
bool tmr_app_init(afw_app_t *app, uint32_t max_timers)
{
    tmr_mgr_t *mgr = &app->afw->tmr;
    tmr_timer_t **heap;

    if (max_timers == 0)
        return true;
    app->timers = afw_calloc(max_timers * (uint32_t)sizeof *app->timers);
    if (!app->timers)
        return false;
    pthread_mutex_lock(&mgr->w.lock);
    heap = afw_calloc((mgr->heap_cap + max_timers) * (uint32_t)sizeof *heap);
    if (heap) {
        if (mgr->heap_len)
            memcpy(heap, mgr->heap, mgr->heap_len * sizeof *heap);
        afw_free(mgr->heap);
        mgr->heap = heap;
        mgr->heap_cap += max_timers;
        app->max_timers = max_timers;
    }
    pthread_mutex_unlock(&mgr->w.lock);
    if (!heap) {
        afw_free(app->timers);
        app->timers = NULL;
    }
    return heap != NULL;
}

void tmr_app_cleanup(afw_app_t *app)
{
    tmr_mgr_t *mgr = &app->afw->tmr;

    pthread_mutex_lock(&mgr->w.lock);
    for (uint32_t i = 0; i < app->max_timers; i++)
        timer_free(mgr, &app->timers[i]);
    /* The heap keeps its capacity minus this pool's share. */
    mgr->heap_cap -= app->max_timers;
    pthread_mutex_unlock(&mgr->w.lock);
    afw_free(app->timers);
    app->timers = NULL;
    app->max_timers = 0;
}

bool afw_timer_take(afw_app_t *app, uint32_t timer_id)
{
    tmr_mgr_t *mgr = &app->afw->tmr;
    tmr_timer_t *t;
    bool deliver = false;

    if (timer_id > INT32_MAX)
        return false;
    pthread_mutex_lock(&mgr->w.lock);
    t = timer_find(app, (int32_t)timer_id);
    if (t && t->pending) {
        t->pending = false;
        deliver = true;
    }
    pthread_mutex_unlock(&mgr->w.lock);
    return deliver;
}

uint32_t afw_timer_count(afw_app_t *app)
{
    tmr_mgr_t *mgr = &app->afw->tmr;
    uint32_t n = 0;

    pthread_mutex_lock(&mgr->w.lock);
    for (uint32_t i = 0; i < app->max_timers; i++)
        if (app->timers[i].state != TMR_FREE)
            n++;
    pthread_mutex_unlock(&mgr->w.lock);
    return n;
}

/* ------------------------------------------------------------------------
 * Natives (contract section 5)
 * ------------------------------------------------------------------------ */

/* (iii)i: (interval ms, is_period, auto_start) -> id, or -1 when the
 * interval is negative or every slot holds a live timer. A periodic timer
 * of interval 0 runs every millisecond. */
static int32_t n_create_timer(wasm_exec_env_t env, int32_t interval, int32_t is_period,
                              int32_t auto_start)
{
    afw_app_t *app = afw_app_of_env(env);
    tmr_mgr_t *mgr;
    tmr_timer_t *t;
    int32_t id = -1;
    bool log_full;

    if (!app || interval < 0)
        return -1;
    mgr = &app->afw->tmr;
    pthread_mutex_lock(&mgr->w.lock);
    t = timer_slot(mgr, app);
    /* logged once per run of refusals: an app retrying in a loop must not
     * flood the log */
    log_full = !t && !app->timers_full_logged;
    app->timers_full_logged = !t;
    if (t) {
        t->app = app;
        t->id = id = next_timer_id(app);
        t->periodic = is_period != 0;
        t->interval = (uint32_t)interval;
        if (t->periodic && t->interval == 0)
            t->interval = 1;
        t->state = TMR_IDLE;
        if (auto_start)
            timer_start(mgr, t, afw_now_ms());
    }
    pthread_mutex_unlock(&mgr->w.lock);
    if (log_full)
        afw_log("app %u: all of its %u timers are in use: wasm_create_timer returns -1",
                app->id, app->max_timers);
    return id;
}

/* (i): frees the slot; unknown ids are ignored. */
static void n_timer_destroy(wasm_exec_env_t env, int32_t id)
{
    afw_app_t *app = afw_app_of_env(env);
    tmr_timer_t *t;

    if (!app)
        return;
    pthread_mutex_lock(&app->afw->tmr.w.lock);
    if ((t = timer_find(app, id)))
        timer_free(&app->afw->tmr, t);
    pthread_mutex_unlock(&app->afw->tmr.w.lock);
}

/* (i): stops the timer and drops a firing still queued. The timer stays
 * restartable until its slot is needed. */
static void n_timer_cancel(wasm_exec_env_t env, int32_t id)
{
    afw_app_t *app = afw_app_of_env(env);
    tmr_timer_t *t;

    if (!app)
        return;
    pthread_mutex_lock(&app->afw->tmr.w.lock);
    if ((t = timer_find(app, id))) {
        timer_stop(&app->afw->tmr, t, true);
        t->pending = false;
    }
    pthread_mutex_unlock(&app->afw->tmr.w.lock);
}

/* (ii): (id, interval) sets the interval and (re)starts it from now. */
static void n_timer_restart(wasm_exec_env_t env, int32_t id, int32_t interval)
{
    afw_app_t *app = afw_app_of_env(env);
    tmr_timer_t *t;

    if (!app || interval < 0)
        return;
    pthread_mutex_lock(&app->afw->tmr.w.lock);
    if ((t = timer_find(app, id))) {
        t->interval = (uint32_t)interval;
        if (t->periodic && t->interval == 0)
            t->interval = 1;
        timer_start(&app->afw->tmr, t, afw_now_ms());
    }
    pthread_mutex_unlock(&app->afw->tmr.w.lock);
}

/* ()i: milliseconds on the monotonic clock, wrapping at 2^32. */
static uint32_t n_get_sys_tick_ms(wasm_exec_env_t env)
{
    (void)env;
    return (uint32_t)afw_now_ms();
}

static NativeSymbol tmr_symbols[] = {
    {"wasm_create_timer", (void *)n_create_timer, "(iii)i", NULL},
    {"wasm_timer_destroy", (void *)n_timer_destroy, "(i)", NULL},
    {"wasm_timer_cancel", (void *)n_timer_cancel, "(i)", NULL},
    {"wasm_timer_restart", (void *)n_timer_restart, "(ii)", NULL},
    {"wasm_get_sys_tick_ms", (void *)n_get_sys_tick_ms, "()i", NULL},
};

NativeSymbol *tmr_natives(uint32_t *out_n)
{
    *out_n = sizeof tmr_symbols / sizeof tmr_symbols[0];
    return tmr_symbols;
}
