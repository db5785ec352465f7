/* Sample app: a TCP client of 127.0.0.1:7777 sending "Hello N" every second
 * and printing what the server sends back; a request to /close closes it. */
#include "wasm_app.h"
#include "wa-inc/connection.h"
#include "wa-inc/timer_wasm_app.h"
#include "wa-inc/request.h"

static int num = 0;
static user_timer_t g_timer = NULL;
static connection_t *g_conn = NULL;

static void on_data1(connection_t *conn, conn_event_type_t type, const char *data,
                     uint32 len, void *user_data)
{
    (void)conn;
    (void)user_data;
    if (type == CONN_EVENT_TYPE_DATA) {
        char message[64] = {0};

        memcpy(message, data, len < sizeof(message) - 1 ? len : sizeof(message) - 1);
        printf("Client got a message from server -> %s\n", message);
    }
    else if (type == CONN_EVENT_TYPE_DISCONNECT) {
        printf("connection is close by server!\n");
    }
    else {
        printf("error: got unknown event type!!!\n");
    }
}

static void timer1_update(user_timer_t timer)
{
    char message[64] = {0};

    (void)timer;
    snprintf(message, sizeof(message), "Hello %d", num++);
    api_send_on_connection(g_conn, message, strlen(message));
}

static void my_close_handler(request_t *request)
{
    response_t response[1];

    if (g_conn != NULL) {
        api_timer_cancel(g_timer);
        api_close_connection(g_conn);
        g_timer = NULL;
        g_conn = NULL;
    }
    make_response_for_request(request, response);
    set_response(response, DELETED_2_02, 0, NULL, 0);
    api_response_send(response);
}

void on_init()
{
    attr_container_t *args;

    api_register_resource_handler("/close", my_close_handler);

    args = attr_container_create("");
    attr_container_set_string(&args, "address", "127.0.0.1");
    attr_container_set_uint16(&args, "port", 7777);
    g_conn = api_open_connection("TCP", args, on_data1, NULL);
    attr_container_destroy(args);
    if (g_conn == NULL) {
        printf("connect to server fail!\n");
        return;
    }
    printf("connect to server success! handle: %p\n", (void *)g_conn);

    g_timer = api_timer_create(1000, true, false, timer1_update);
    api_timer_restart(g_timer, 1000);
}

void on_destroy()
{
}
