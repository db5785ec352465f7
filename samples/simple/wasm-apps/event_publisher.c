/* Sample app: publishes the event "alert/overheat" every second, payload an
 * attr_container tagged "event" with "warning" = "temperature is over high". */
#include "wasm_app.h"

static void publish_overheat_event(void)
{
    attr_container_t *event = attr_container_create("event");

    if (!event)
        return;
    attr_container_set_string(&event, "warning", "temperature is over high");
    api_publish_event("alert/overheat", FMT_ATTR_CONTAINER, event,
                      (int)attr_container_get_serialize_length(event));
    attr_container_destroy(event);
}

static void timer1_update(user_timer_t timer)
{
    (void)timer;
    publish_overheat_event();
}

void on_init()
{
    user_timer_t timer = api_timer_create(1000, true, false, timer1_update);

    api_timer_restart(timer, 1000);
}

void on_destroy()
{
}
