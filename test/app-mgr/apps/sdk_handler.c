/* Written against the app SDK (wasm_app.h), like the contract's
 * request_handler and event_publisher samples: /url1 answers 69 with
 * key1/key2, /url2 answers 66, /silent never answers, and a 10 ms periodic
 * timer publishes "alert/overheat" five times, then cancels itself. */
#include "wasm_app.h"

static int published;
static user_timer_t publisher;

static void url1_handler(request_t *request)
{
    response_t response[1];
    attr_container_t *payload = attr_container_create("wasm app response payload");

    attr_container_set_string(&payload, "key1", "value1");
    attr_container_set_string(&payload, "key2", "value2");
    make_response_for_request(request, response);
    set_response(response, CONTENT_2_05, FMT_ATTR_CONTAINER, (const char *)payload,
                 (int)attr_container_get_serialize_length(payload));
    api_response_send(response);
    attr_container_destroy(payload);
}

static void url2_handler(request_t *request)
{
    response_t response[1];

    make_response_for_request(request, response);
    set_response(response, DELETED_2_02, 0, NULL, 0);
    api_response_send(response);
}

static void silent_handler(request_t *request)
{
    (void)request;
}

static void publish(user_timer_t timer)
{
    attr_container_t *event = attr_container_create("event");

    attr_container_set_string(&event, "warning", "temperature is over high");
    api_publish_event("alert/overheat", FMT_ATTR_CONTAINER, event,
                      (int)attr_container_get_serialize_length(event));
    attr_container_destroy(event);
    if (++published == 5)
        api_timer_cancel(timer);
}

void on_init(void)
{
    api_register_resource_handler("/url1", url1_handler);
    api_register_resource_handler("/url2", url2_handler);
    api_register_resource_handler("/silent", silent_handler);
    publisher = api_timer_create(10, true, true, publish);
}

void on_destroy(void)
{
}
