/* The wasm side of test_wasm_app_lib: an app built with the SDK whose
 * probe_* exports let the host drive the library through mock natives and
 * read back what the app's handlers saw. */
#include <stdint.h>

#include "wasm_app.h"

#define PROBE(name) __attribute__((export_name(name)))
#define NO_REPLY 1000 /* result of a request answered with NULL (timeout) */

static int g_results[64];   /* per tag: response status, NO_REPLY, 0 = none */
static int g_events, g_sub_events, g_sensor_events, g_conn_bytes, g_disconnects;
static user_timer_t g_timers[8];
static int g_fires[8];
static sensor_t g_sensor;
static connection_t *g_conn;

static void on_res(request_t *request)
{
    response_t response[1];

    make_response_for_request(request, response);
    set_response(response, CHANGED_2_04, request->fmt, request->payload,
                 request->payload_len);
    api_response_send(response);
}

static void on_ev(request_t *request)
{
    (void)request;
    g_events++;
}

static void on_ev_sub(request_t *request)
{
    (void)request;
    g_sub_events++;
}

static void on_reply(response_t *response, void *user_data)
{
    int tag = (int)(intptr_t)user_data;

    if (tag >= 0 && tag < 64)
        g_results[tag] = response ? response->status : NO_REPLY;
}

void on_init(void)
{
    api_register_resource_handler("/res", on_res);
    api_subscribe_event("ev", on_ev);
    /* Registered later, so a prefix match would prefer it for "ev/sub";
     * exact event matching must still send "ev" to on_ev. */
    api_subscribe_event("/ev/sub", on_ev_sub);
}

PROBE("probe_send") void probe_send(int n, int first_tag);
void probe_send(int n, int first_tag)
{
    for (int i = 0; i < n; i++) {
        request_t request[1];

        init_request(request, "/peer", COAP_GET, 0, NULL, 0);
        api_send_request(request, on_reply, (void *)(intptr_t)(first_tag + i));
    }
}

PROBE("probe_result") int probe_result(int tag);
int probe_result(int tag)
{
    return tag >= 0 && tag < 64 ? g_results[tag] : -1;
}

PROBE("probe_counts") int probe_counts(int which);
int probe_counts(int which)
{
    const int counts[] = {g_events, g_sub_events, g_sensor_events, g_conn_bytes,
                          g_disconnects};

    return which >= 0 && which < 5 ? counts[which] : -1;
}

static void count_fire(user_timer_t timer)
{
    for (int i = 0; i < 8; i++)
        if (g_timers[i] == timer)
            g_fires[i]++;
}

/* Creates and cancels n timers; returns how many creations succeeded. */
PROBE("probe_timer_churn") int probe_timer_churn(int n);
int probe_timer_churn(int n)
{
    for (int i = 0; i < n; i++) {
        user_timer_t t = api_timer_create(10, false, false, count_fire);

        if (!t)
            return i;
        api_timer_cancel(t);
    }
    return n;
}

PROBE("probe_timer_create") int probe_timer_create(int idx, int interval, int period);
int probe_timer_create(int idx, int interval, int period)
{
    g_timers[idx & 7] = api_timer_create(interval, period != 0, true, count_fire);
    return g_timers[idx & 7] != NULL;
}

PROBE("probe_timer_cancel") void probe_timer_cancel(int idx);
void probe_timer_cancel(int idx)
{
    api_timer_cancel(g_timers[idx & 7]);
    /* A second cancel and a restart of the dead handle are ignored. */
    api_timer_cancel(g_timers[idx & 7]);
    api_timer_restart(g_timers[idx & 7], 5);
}

PROBE("probe_timer_fires") int probe_timer_fires(int idx);
int probe_timer_fires(int idx)
{
    return g_fires[idx & 7];
}

static void on_sample(sensor_t sensor, attr_container_t *event, void *user_data)
{
    if (sensor == g_sensor && user_data == &g_sensor
        && attr_container_get_as_int(event, "v") == 42)
        g_sensor_events++;
}

PROBE("probe_sensor") int probe_sensor(int open);
int probe_sensor(int open)
{
    if (!open)
        return sensor_close(g_sensor);
    g_sensor = sensor_open("s1", 0, on_sample, &g_sensor);
    return g_sensor && sensor_config(g_sensor, 500, 0, 0);
}

static void on_conn(connection_t *conn, conn_event_type_t type, const char *data,
                    uint32 len, void *user_data)
{
    if (conn != g_conn || user_data != &g_conn)
        return;
    if (type == CONN_EVENT_TYPE_DATA && data)
        g_conn_bytes += (int)len;
    else if (type == CONN_EVENT_TYPE_DISCONNECT)
        g_disconnects++;
}

PROBE("probe_conn") int probe_conn(int open);
int probe_conn(int open)
{
    attr_container_t *args;
    int ok;

    if (!open) {
        api_close_connection(g_conn);
        return api_send_on_connection(g_conn, "x", 1); /* -1: closed */
    }
    args = attr_container_create("");
    attr_container_set_string(&args, "address", "127.0.0.1");
    attr_container_set_uint16(&args, "port", 7777);
    g_conn = api_open_connection("TCP", args, on_conn, &g_conn);
    attr_container_destroy(args);
    ok = g_conn && api_send_on_connection(g_conn, "hello", 5) == 5;
    return ok;
}
