/* Timers for wasm apps (WAMR's wa-inc/timer_wasm_app.h). Each timer takes
 * one of the app's timer slots on the device (install option `timers`,
 * default 20) until api_timer_cancel() gives it back. Callbacks run on the
 * app's own thread. */
#ifndef WASM_APP_TIMER_H
#define WASM_APP_TIMER_H

#include <stdbool.h>

#include "../bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

struct user_timer;
typedef struct user_timer *user_timer_t;

/* Called each time the timer expires. */
typedef void (*on_user_timer_update_f)(user_timer_t timer);

/* A timer firing after interval ms, every interval ms if is_period. It
 * starts now if auto_start, else at api_timer_restart(). NULL when the app
 * has no free timer slot or no memory. */
user_timer_t api_timer_create(int interval, bool is_period, bool auto_start,
                              on_user_timer_update_f on_timer_update);

/* Stops the timer and frees it and its device slot: the handle is dead
 * afterwards (using it again is ignored). May be called from the timer's
 * own callback. NULL is ignored. */
void api_timer_cancel(user_timer_t timer);

/* Sets the interval and (re)starts the timer. A dead or NULL handle is
 * ignored. */
void api_timer_restart(user_timer_t timer, int interval);

/* Milliseconds since the device booted (wraps after 49.7 days). A native of
 * the device (module "env"). */
__attribute__((import_module("env"), import_name("wasm_get_sys_tick_ms")))
uint32 wasm_get_sys_tick_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* WASM_APP_TIMER_H */
