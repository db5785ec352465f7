/* Sample app: a periodic timer printing "Timer update N" every second. */
#include "wasm_app.h"
#include "wa-inc/timer_wasm_app.h"

static int num = 0;

static void timer1_update(user_timer_t timer)
{
    (void)timer;
    printf("Timer update %d\n", num++);
}

void on_init()
{
    /* Created stopped, then started: both ways of starting are exercised. */
    user_timer_t timer = api_timer_create(1000, true, false, timer1_update);

    api_timer_restart(timer, 1000);
}

void on_destroy()
{
    /* Nothing to do: the device frees the app's timers at uninstall. */
}
