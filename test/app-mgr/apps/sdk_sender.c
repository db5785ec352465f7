/* Written against the app SDK (wasm_app.h), like the contract's
 * request_sender and event_subscriber samples. "/sender/go" sends three
 * requests at once (the reference library hung at the third) and answers
 * with their outcomes once all three are back: "69:value1|69:value1|66".
 * "/sender/count" answers the number of "alert/overheat" events seen. */
#include <stdio.h>
#include <string.h>

#include "wasm_app.h"

static int events;
static struct {
    uint32_t mid;
    unsigned long sender;
    int left;
    char result[3][32];
} go;

static void on_overheat(request_t *event)
{
    attr_container_t *payload = event->payload;

    if (event->fmt == FMT_ATTR_CONTAINER && payload &&
        attr_container_contain_key(payload, "warning"))
        events++;
}

static void answer(unsigned long receiver, uint32_t mid, const char *text)
{
    response_t response[1];

    memset(response, 0, sizeof response);
    response->mid = mid;
    response->reciever = receiver;
    set_response(response, CONTENT_2_05, 0, text, (int)strlen(text));
    api_response_send(response);
}

static void on_answer(response_t *response, void *user_data)
{
    int slot = (int)(intptr_t)user_data;
    char *value = NULL;

    if (!response)
        snprintf(go.result[slot], sizeof go.result[slot], "timeout");
    else if (response->fmt == FMT_ATTR_CONTAINER && response->payload &&
             (value = attr_container_get_as_string(response->payload, "key1")))
        snprintf(go.result[slot], sizeof go.result[slot], "%d:%s", response->status, value);
    else
        snprintf(go.result[slot], sizeof go.result[slot], "%d", response->status);
    if (--go.left == 0) {
        char text[128];
        snprintf(text, sizeof text, "%s|%s|%s", go.result[0], go.result[1], go.result[2]);
        answer(go.sender, go.mid, text);
    }
}

static void go_handler(request_t *request)
{
    static const char *const urls[3] = {"/app/sdk_handler/url1", "url1", "/url2"};
    request_t out[1];

    go.mid = request->mid;
    go.sender = request->sender;
    go.left = 3;
    for (int i = 0; i < 3; i++) {
        init_request(out, (char *)urls[i], COAP_GET, 0, NULL, 0);
        api_send_request(out, on_answer, (void *)(intptr_t)i);
    }
}

static void count_handler(request_t *request)
{
    char text[16];

    snprintf(text, sizeof text, "%d", events);
    answer(request->sender, request->mid, text);
}

void on_init(void)
{
    api_subscribe_event("alert/overheat", on_overheat);
    api_register_resource_handler("/sender/go", go_handler);
    api_register_resource_handler("/sender/count", count_handler);
}

void on_destroy(void)
{
}
