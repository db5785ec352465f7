/* Requests, responses and events for wasm apps (WAMR's wa-inc/request.h).
 * The request_t/response_t structs, the method/status codes and the packing
 * and URL helpers come from shared_utils.h. Handlers run on the app's own
 * thread, one at a time; the request or response they get, its url and its
 * payload are valid only during the call. */
#ifndef WASM_APP_REQUEST_H
#define WASM_APP_REQUEST_H

#include <stdbool.h>

#include "../shared_utils.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serves a request to a registered resource, or an event subscribed to. */
typedef void (*request_handler_f)(request_t *request);

/* Gets the response to api_send_request(), or NULL when none came within
 * 5000 ms; user_data is the value given to api_send_request(). */
typedef void (*response_handler_f)(response_t *response, void *user_data);

/* ---- requests ------------------------------------------------------------ */

/* Routes requests whose URL lies under url (check_url_start: "/url1"
 * matches "url1", "/url1/x", "/url1?a=b") to handler. Registering the same
 * url again replaces its handler; the newest registration matching a URL
 * serves it. A request that reaches the app but matches no resource is
 * answered with 132 NOT_FOUND. False for a NULL or empty url, a NULL handler
 * or no memory. */
bool api_register_resource_handler(const char *url, request_handler_f handler);

/* Sends request (url, action, fmt, payload, mid: use init_request) to
 * whichever app or host serves its URL; "/app/<name>/<rest>" targets the
 * app <name>. response_handler is called exactly once: with the response,
 * or with NULL after 5000 ms. Any number of requests may be outstanding.
 * A NULL response_handler sends without waiting for an answer. The request
 * is copied: it may live on the stack. On out of memory nothing is sent and
 * the handler is not called. */
void api_send_request(request_t *request, response_handler_f response_handler,
                      void *user_data);

/* Sends response (see make_response_for_request and set_response). */
void api_response_send(response_t *response);

/* ---- events -------------------------------------------------------------- */

/* Publishes an event: every subscriber of url (apps and hosts) gets a
 * request with action COAP_EVENT and this payload. False when the packet
 * cannot be built. */
bool api_publish_event(const char *url, int fmt, void *payload,
                       int payload_len);

/* Subscribes to the event url; handler gets each one. Subscribing to the
 * same url again replaces the handler. False for a NULL or empty url, a
 * NULL handler or no memory. */
bool api_subscribe_event(const char *url, request_handler_f handler);

#ifdef __cplusplus
}
#endif

#endif /* WASM_APP_REQUEST_H */
