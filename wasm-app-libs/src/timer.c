/* Timers on the app side: a list mapping the device's timer ids to the
 * app's callbacks (dispatched by on_timer_callback). Cancelling gives the
 * device slot back with wasm_timer_destroy; the reference only stopped the
 * timer and so leaked one slot per timer ever created. Handles are checked
 * against the list, so a cancelled handle used again is ignored. */
#include <stdlib.h>

#include "wa-inc/timer_wasm_app.h"
#include "wa_device.h"

struct user_timer {
    struct user_timer *next;
    int id; /* the device's timer id */
    on_user_timer_update_f on_update;
};

static struct user_timer *g_timers; /* newest first */

/* The link that points at timer, or NULL if it is not a live handle. */
static struct user_timer **find_link(const struct user_timer *timer)
{
    struct user_timer **link;

    for (link = &g_timers; *link; link = &(*link)->next)
        if (*link == timer)
            return link;
    return NULL;
}

user_timer_t api_timer_create(int interval, bool is_period, bool auto_start,
                              on_user_timer_update_f on_timer_update)
{
    /* Allocated first, so that running out of memory cannot leak a slot. */
    struct user_timer *t = malloc(sizeof *t);

    if (!t)
        return NULL;
    t->id = wasm_create_timer(interval, is_period ? 1 : 0, auto_start ? 1 : 0);
    if (t->id < 0) {
        free(t);
        return NULL;
    }
    t->on_update = on_timer_update;
    t->next = g_timers;
    g_timers = t;
    return t;
}

void api_timer_cancel(user_timer_t timer)
{
    struct user_timer **link = find_link(timer);

    if (!link)
        return;
    *link = timer->next;
    /* Stop, then free the slot: correct whether or not the device's
     * destroy also stops a running timer. */
    wasm_timer_cancel(timer->id);
    wasm_timer_destroy(timer->id);
    free(timer);
}

void api_timer_restart(user_timer_t timer, int interval)
{
    if (find_link(timer))
        wasm_timer_restart(timer->id, interval);
}

/* A firing already queued for a timer cancelled since is dropped here. */
void on_timer_callback(int timer_id)
{
    for (struct user_timer *t = g_timers; t; t = t->next) {
        if (t->id == timer_id) {
            if (t->on_update)
                t->on_update(t); /* may cancel t: not used afterwards */
            return;
        }
    }
}
