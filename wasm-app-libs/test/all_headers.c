/* A wasm app that includes every header of the app SDK, under every name
 * WAMR apps use, and calls every function they declare: built by ctest with
 * the README's one-line clang command, it proves the SDK compiles and links
 * as documented. It is never run. */
#include "wasm_app.h"
#include "bh_platform.h"
#include "attr_container.h"
#include "shared_utils.h"
#include "bi-inc/attr_container.h"
#include "bi-inc/shared_utils.h"
#include "wa-inc/request.h"
#include "wa-inc/timer_wasm_app.h"
#include "wa-inc/sensor.h"
#include "wa-inc/connection.h"
#include "request.h"
#include "timer_wasm_app.h"
#include "sensor.h"
#include "connection.h"

static user_timer_t g_timer;
static sensor_t g_sensor;
static connection_t *g_conn;

static void on_resource(request_t *request)
{
    response_t response[1];
    char value[16];

    if (find_key_value(request->url, (int)strlen(request->url), "k", value,
                       (int)sizeof value, '&'))
        printf("k=%s\n", value);
    make_response_for_request(request, response);
    set_response(response, CONTENT_2_05, FMT_ATTR_CONTAINER, NULL, 0);
    api_response_send(response);
}

static void on_event(request_t *request)
{
    if (request->fmt == FMT_ATTR_CONTAINER && request->payload)
        attr_container_dump((attr_container_t *)request->payload);
}

static void on_reply(response_t *response, void *user_data)
{
    printf("%s: %d\n", (const char *)user_data, response ? response->status : -1);
}

static void on_tick(user_timer_t timer)
{
    api_timer_restart(timer, 2000);
    printf("tick %u\n", (unsigned)wasm_get_sys_tick_ms());
}

static void on_sample(sensor_t sensor, attr_container_t *event, void *user_data)
{
    (void)sensor;
    (void)user_data;
    printf("%s\n", attr_container_get_tag(event));
}

static void on_conn(connection_t *conn, conn_event_type_t type, const char *data,
                    uint32 len, void *user_data)
{
    (void)user_data;
    if (type == CONN_EVENT_TYPE_DATA)
        api_send_on_connection(conn, data, len);
    else if (type == CONN_EVENT_TYPE_DISCONNECT)
        api_close_connection(conn);
}

/* Every setter and getter of attr_container. */
static attr_container_t *make_container(void)
{
    attr_container_t *c = attr_container_create("all");
    int8_t bytes[2] = {1, 2};
    unsigned len;

    attr_container_set_short(&c, "short", 1);
    attr_container_set_int16(&c, "int16", 2);
    attr_container_set_int(&c, "int", 3);
    attr_container_set_int32(&c, "int32", 4);
    attr_container_set_uint32(&c, "uint32", 5);
    attr_container_set_int64(&c, "int64", 6);
    attr_container_set_uint64(&c, "uint64", 7);
    attr_container_set_byte(&c, "byte", 8);
    attr_container_set_int8(&c, "int8", 9);
    attr_container_set_uint8(&c, "uint8", 10);
    attr_container_set_uint16(&c, "uint16", 11);
    attr_container_set_float(&c, "float", 1.5f);
    attr_container_set_double(&c, "double", 2.5);
    attr_container_set_bool(&c, "bool", true);
    attr_container_set_string(&c, "string", "s");
    attr_container_set_bytearray(&c, "bytes", bytes, 2);
    printf("%d %d %d %d %u %lld %llu %d %d %u %u %f %f %d %s %p %s %u %d %d %u\n",
           attr_container_get_as_short(c, "short"), attr_container_get_as_int16(c, "int16"),
           attr_container_get_as_int(c, "int"), attr_container_get_as_int32(c, "int32"),
           attr_container_get_as_uint32(c, "uint32"),
           (long long)attr_container_get_as_int64(c, "int64"),
           (unsigned long long)attr_container_get_as_uint64(c, "uint64"),
           attr_container_get_as_byte(c, "byte"), attr_container_get_as_int8(c, "int8"),
           attr_container_get_as_uint8(c, "uint8"), attr_container_get_as_uint16(c, "uint16"),
           (double)attr_container_get_as_float(c, "float"),
           attr_container_get_as_double(c, "double"), attr_container_get_as_bool(c, "bool"),
           attr_container_get_as_string(c, "string"),
           (const void *)attr_container_get_as_bytearray(c, "bytes", &len),
           attr_container_get_tag(c), attr_container_get_attr_num(c),
           attr_container_contain_key(c, "int"), attr_container_is_constant(c),
           attr_container_get_serialize_length(c));
    return c;
}

/* Packing, unpacking and the byte-order helpers. */
static void packets(void)
{
    request_t request[1], copy[1];
    response_t response[1], rcopy[1];
    char *packet;
    int size;

    init_request(request, "/a/b?k=v", COAP_GET, 0, NULL, 0);
    request->sender = 0;
    if ((packet = pack_request(request, &size))) {
        unpack_request(packet, size, copy);
        free_req_resp_packet(packet);
    }
    make_response_for_request(request, response);
    set_response(response, VALID_2_03, 0, NULL, 0);
    if ((packet = pack_response(response, &size))) {
        unpack_response(packet, size, rcopy);
        free_req_resp_packet(packet);
    }
    printf("%d %u %u %u %u\n", check_url_start("/a/b", 4, "/a"), (unsigned)htonl(1),
           (unsigned)ntohl(1), (unsigned)htons(1), (unsigned)ntohs(1));
}

void on_init(void)
{
    attr_container_t *c = make_container();
    attr_container_t *copy = malloc(attr_container_get_serialize_length(c));
    request_t request[1];

    if (copy && attr_container_serialize((char *)copy, c))
        attr_container_dump(copy);
    free(copy);
    packets();

    api_register_resource_handler("/all", on_resource);
    api_subscribe_event("all/event", on_event);
    api_publish_event("all/event", FMT_ATTR_CONTAINER, c,
                      (int)attr_container_get_serialize_length(c));
    init_request(request, "/app/other/x", COAP_POST, 0, NULL, 0);
    api_send_request(request, on_reply, "reply");

    g_timer = api_timer_create(1000, true, true, on_tick);
    g_sensor = sensor_open("sensor_test", 0, on_sample, NULL);
    sensor_config(g_sensor, 1000, 0, 0);
    sensor_config_with_attr_container(g_sensor, c);
    g_conn = api_open_connection("TCP", c, on_conn, NULL);
    api_config_connection(g_conn, c);
    attr_container_destroy(c);
}

void on_destroy(void)
{
    api_timer_cancel(g_timer);
    sensor_close(g_sensor);
    api_close_connection(g_conn);
}
