/* Sample app: subscribes to "alert/overheat" and dumps each event's payload. */
#include "wasm_app.h"
#include "wa-inc/request.h"

static void over_heat_event_handler(request_t *request)
{
    printf("### user over heat event handler called\n");
    if (request->payload != NULL && request->fmt == FMT_ATTR_CONTAINER)
        attr_container_dump((attr_container_t *)request->payload);
}

void on_init()
{
    api_subscribe_event("alert/overheat", over_heat_event_handler);
}

void on_destroy()
{
}
