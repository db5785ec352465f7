/* Tests libapp_framework.a from the outside, without the app manager: the
 * runtime runs wal_probe.wasm (built with the app SDK) against mock
 * natives of contract section 5, and the host plays the device: it calls
 * the exported callbacks and checks what the library sent. Covers the two
 * reference bugs (hang at the third outstanding request, one leaked timer
 * slot per timer) and the request table's timeouts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_container.h"
#include "bh_read_file.h"
#include "shared_utils.h"
#include "wasm_export.h"

#define NO_REPLY 1000
#define TIMER_SLOTS 4
#define MAX_POSTS 64

static int g_failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(bool ok, const char *what, int line)
{
    if (!ok) {
        printf("FAIL line %d: %s\n", line, what);
        g_failures++;
    }
}

/* ======================================================================
 * The mock device
 * ====================================================================== */

typedef struct {
    uint32_t mid;
    int action;
    char url[64];
} Post;

typedef struct {
    bool used, running, period;
    int interval;
} MockTimer;

static struct {
    uint32_t now;
    Post posts[MAX_POSTS];
    int n_posts;
    response_t last_response;
    int n_responses;
    char resources[4][32], events[4][32];
    int n_resources, n_events;
    MockTimer timers[TIMER_SLOTS]; /* id = index + 1 */
    int creates, destroys, last_created;
    int sensor_interval, sensor_closed, conn_sent, conn_closed;
} dev;

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

static void n_register_resource(wasm_exec_env_t env, const char *url)
{
    (void)env;
    if (dev.n_resources < 4)
        copy_str(dev.resources[dev.n_resources++], 32, url);
}

static void n_sub_event(wasm_exec_env_t env, const char *url)
{
    (void)env;
    if (dev.n_events < 4)
        copy_str(dev.events[dev.n_events++], 32, url);
}

static void n_post_request(wasm_exec_env_t env, char *buf, uint32_t len)
{
    request_t r;

    (void)env;
    if (!unpack_request(buf, (int)len, &r) || dev.n_posts >= MAX_POSTS) {
        printf("bad posted request\n");
        g_failures++;
        return;
    }
    dev.posts[dev.n_posts].mid = r.mid;
    dev.posts[dev.n_posts].action = r.action;
    copy_str(dev.posts[dev.n_posts++].url, 64, r.url);
}

static int n_response_send(wasm_exec_env_t env, char *buf, uint32_t len)
{
    (void)env;
    if (!unpack_response(buf, (int)len, &dev.last_response))
        return 0;
    dev.n_responses++;
    return 1;
}

static int n_create_timer(wasm_exec_env_t env, int interval, int period, int start)
{
    (void)env;
    for (int i = 0; i < TIMER_SLOTS; i++) {
        if (!dev.timers[i].used) {
            dev.timers[i] = (MockTimer){true, start != 0, period != 0, interval};
            dev.creates++;
            return dev.last_created = i + 1;
        }
    }
    return -1;
}

static MockTimer *mock_timer(int id)
{
    return id >= 1 && id <= TIMER_SLOTS && dev.timers[id - 1].used ? &dev.timers[id - 1]
                                                                  : NULL;
}

static void n_timer_destroy(wasm_exec_env_t env, int id)
{
    (void)env;
    if (mock_timer(id)) {
        dev.timers[id - 1].used = false;
        dev.destroys++;
    }
}

static void n_timer_cancel(wasm_exec_env_t env, int id)
{
    (void)env;
    if (mock_timer(id))
        mock_timer(id)->running = false;
}

static void n_timer_restart(wasm_exec_env_t env, int id, int interval)
{
    (void)env;
    if (mock_timer(id)) {
        mock_timer(id)->running = true;
        mock_timer(id)->interval = interval;
    }
}

static uint32_t n_get_sys_tick_ms(wasm_exec_env_t env)
{
    (void)env;
    return dev.now;
}

static int n_sensor_open(wasm_exec_env_t env, const char *name, int instance)
{
    (void)env;
    return strcmp(name, "s1") == 0 && instance == 0 ? 7 : -1;
}

static int n_sensor_config(wasm_exec_env_t env, int id, int interval, int bit_cfg,
                           int delay)
{
    (void)env, (void)bit_cfg, (void)delay;
    dev.sensor_interval = interval;
    return id == 7;
}

static int n_sensor_config_attr(wasm_exec_env_t env, int id, char *buf, uint32_t len)
{
    (void)env;
    return id == 7 && attr_container_validate(buf, len);
}

static int n_sensor_close(wasm_exec_env_t env, int id)
{
    (void)env;
    dev.sensor_closed++;
    return id == 7;
}

static int n_open_connection(wasm_exec_env_t env, const char *name, char *args,
                             uint32_t len)
{
    (void)env;
    if (strcmp(name, "TCP") != 0 || !attr_container_validate(args, len))
        return -1;
    return attr_container_get_as_uint16((attr_container_t *)args, "port") == 7777 ? 3 : -1;
}

static void n_close_connection(wasm_exec_env_t env, int handle)
{
    (void)env;
    dev.conn_closed += handle == 3;
}

static int n_send_on_connection(wasm_exec_env_t env, int handle, char *data, uint32_t len)
{
    (void)env, (void)data;
    dev.conn_sent += (int)len;
    return handle == 3 ? (int)len : -1;
}

static int n_config_connection(wasm_exec_env_t env, int handle, char *cfg, uint32_t len)
{
    (void)env;
    return handle == 3 && attr_container_validate(cfg, len);
}

/* Contract section 5, names and signatures. */
static NativeSymbol g_natives[] = {
    {"wasm_register_resource", (void *)n_register_resource, "($)", NULL},
    {"wasm_response_send", (void *)n_response_send, "(*~)i", NULL},
    {"wasm_post_request", (void *)n_post_request, "(*~)", NULL},
    {"wasm_sub_event", (void *)n_sub_event, "($)", NULL},
    {"wasm_create_timer", (void *)n_create_timer, "(iii)i", NULL},
    {"wasm_timer_destroy", (void *)n_timer_destroy, "(i)", NULL},
    {"wasm_timer_cancel", (void *)n_timer_cancel, "(i)", NULL},
    {"wasm_timer_restart", (void *)n_timer_restart, "(ii)", NULL},
    {"wasm_get_sys_tick_ms", (void *)n_get_sys_tick_ms, "()i", NULL},
    {"wasm_sensor_open", (void *)n_sensor_open, "($i)i", NULL},
    {"wasm_sensor_config", (void *)n_sensor_config, "(iiii)i", NULL},
    {"wasm_sensor_config_with_attr_container", (void *)n_sensor_config_attr, "(i*~)i", NULL},
    {"wasm_sensor_close", (void *)n_sensor_close, "(i)i", NULL},
    {"wasm_open_connection", (void *)n_open_connection, "($*~)i", NULL},
    {"wasm_close_connection", (void *)n_close_connection, "(i)", NULL},
    {"wasm_send_on_connection", (void *)n_send_on_connection, "(i*~)i", NULL},
    {"wasm_config_connection", (void *)n_config_connection, "(i*~)i", NULL},
};

/* ======================================================================
 * Calling the app
 * ====================================================================== */

static wasm_module_inst_t g_inst;
static wasm_exec_env_t g_env;

/* Calls export name with argc i32 arguments; returns its i32 result (0 if
 * it has none). A trap is a failure. */
static int call(const char *name, int argc, ...)
{
    wasm_function_inst_t f = wasm_runtime_lookup_function(g_inst, name, NULL);
    uint32_t argv[4] = {0};
    va_list ap;

    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = (uint32_t)va_arg(ap, int);
    va_end(ap);
    if (!f || !wasm_runtime_call_wasm(g_env, f, (uint32_t)argc, argv)) {
        printf("FAIL calling %s: %s\n", name,
               f ? wasm_runtime_get_exception(g_inst) : "no such export");
        g_failures++;
        wasm_runtime_clear_exception(g_inst);
        return -1;
    }
    return (int)argv[0];
}

/* Calls export name(first, buf, len) / name(buf, len) with a copy of data
 * in the app heap, as the device does. */
static void call_with_buffer(const char *name, int first, bool has_first, const void *data,
                             uint32_t len)
{
    uint32_t off = 0;
    void *native = NULL;

    if (data && !(off = wasm_runtime_module_malloc(g_inst, len, &native))) {
        printf("FAIL module_malloc\n");
        g_failures++;
        return;
    }
    if (data)
        memcpy(native, data, len);
    if (has_first)
        call(name, 3, first, (int)off, (int)len);
    else
        call(name, 2, (int)off, (int)len);
    wasm_runtime_module_free(g_inst, off);
}

static void deliver_response(uint32_t mid, int status)
{
    response_t r = {.mid = mid, .status = status, .reciever = 1};
    int size;
    char *packet = pack_response(&r, &size);

    call_with_buffer("on_response", 0, false, packet, (uint32_t)size);
    free_req_resp_packet(packet);
}

static void deliver_request(const char *url, int action, uint32_t mid)
{
    request_t r = {.mid = mid, .url = (char *)url, .action = action, .sender = 5};
    int size;
    char *packet = pack_request(&r, &size);

    call_with_buffer("on_request", 0, false, packet, (uint32_t)size);
    free_req_resp_packet(packet);
}

/* ======================================================================
 * The cases
 * ====================================================================== */

static int g_trans_timer; /* the library's request timeout timer */

static void test_registration(void)
{
    call("on_init", 0);
    CHECK(dev.n_resources == 1 && strcmp(dev.resources[0], "/res") == 0);
    CHECK(dev.n_events == 2 && strcmp(dev.events[0], "ev") == 0);
}

/* The reference hangs in its list append at the third outstanding request. */
static void test_many_outstanding(void)
{
    call("probe_send", 2, 10, 0);
    CHECK(dev.n_posts == 10);
    CHECK(dev.creates == 1); /* one timer serves all timeouts */
    g_trans_timer = dev.last_created;
    CHECK(mock_timer(g_trans_timer) && mock_timer(g_trans_timer)->running
          && !mock_timer(g_trans_timer)->period
          && mock_timer(g_trans_timer)->interval == 5000);
    for (int i = 0; i < dev.n_posts; i++)
        for (int j = i + 1; j < dev.n_posts; j++)
            CHECK(dev.posts[i].mid != dev.posts[j].mid);
    for (int i = 9; i >= 0; i--)
        deliver_response(dev.posts[i].mid, 69);
    for (int i = 0; i < 10; i++)
        CHECK(call("probe_result", 1, i) == 69);
    deliver_response(dev.posts[0].mid, 65); /* a second answer is dropped */
    CHECK(call("probe_result", 1, 0) == 69);
}

static void fire(int timer_id)
{
    if (mock_timer(timer_id) && !mock_timer(timer_id)->period)
        mock_timer(timer_id)->running = false;
    call("on_timer_callback", 1, timer_id);
}

static void test_timeouts(void)
{
    int first = dev.n_posts;

    dev.now = 100;
    call("probe_send", 2, 3, 20);
    CHECK(dev.creates == 1); /* the timer still runs: no new one */
    dev.now = 5000;          /* the first batch's deadline: nothing due */
    fire(g_trans_timer);
    CHECK(call("probe_result", 1, 20) == 0);
    CHECK(mock_timer(g_trans_timer)->running && mock_timer(g_trans_timer)->interval == 100);
    deliver_response(dev.posts[first + 1].mid, 132);
    dev.now = 5100;
    fire(g_trans_timer);
    CHECK(call("probe_result", 1, 20) == NO_REPLY);
    CHECK(call("probe_result", 1, 21) == 132);
    CHECK(call("probe_result", 1, 22) == NO_REPLY);
    /* Nothing left to wait for: the slot is given back. */
    CHECK(!mock_timer(g_trans_timer) && dev.destroys == 1);
    deliver_response(dev.posts[first].mid, 69); /* too late: dropped */
    CHECK(call("probe_result", 1, 20) == NO_REPLY);
    /* Tick wrap-around: sent just before 2^32 ms, due 5000 ms later. */
    dev.now = 0xFFFFF000u;
    call("probe_send", 2, 1, 30);
    CHECK(dev.creates == 2);
    g_trans_timer = dev.last_created;
    CHECK(mock_timer(g_trans_timer) && mock_timer(g_trans_timer)->interval == 5000);
    dev.now = 0xFFFFF000u + 4999u;
    fire(g_trans_timer);
    CHECK(call("probe_result", 1, 30) == 0);
    CHECK(mock_timer(g_trans_timer) && mock_timer(g_trans_timer)->interval == 1);
    dev.now += 1;
    fire(g_trans_timer);
    CHECK(call("probe_result", 1, 30) == NO_REPLY);
    CHECK(dev.creates == dev.destroys);
}

static void test_dispatch(void)
{
    int before = dev.n_responses;

    deliver_request("/res/x?y=1", COAP_GET, 77);
    CHECK(dev.n_responses == before + 1 && dev.last_response.mid == 77
          && dev.last_response.status == 68 && dev.last_response.reciever == 5);
    deliver_request("res", COAP_PUT, 78); /* as /app/<name>/res arrives */
    CHECK(dev.last_response.mid == 78 && dev.last_response.status == 68);
    deliver_request("/nothing", COAP_GET, 79);
    CHECK(dev.last_response.mid == 79 && dev.last_response.status == 132);
    deliver_request("/resource", COAP_GET, 80); /* /res must not match it */
    CHECK(dev.last_response.mid == 80 && dev.last_response.status == 132);
    before = dev.n_responses;
    deliver_request("ev", COAP_EVENT, 81);
    deliver_request("/ev/sub", COAP_EVENT, 82);
    deliver_request("unknown/event", COAP_EVENT, 83);
    CHECK(dev.n_responses == before); /* events are never answered */
    CHECK(call("probe_counts", 1, 0) == 1 && call("probe_counts", 1, 1) == 1);
    call_with_buffer("on_request", 0, false, "\1\1garbage", 9); /* dropped */
    CHECK(dev.n_responses == before);
}

/* The reference never destroys a timer: slots run out after `timers`. */
static void test_timer_slots(void)
{
    int destroys = dev.destroys, fires_before, id;

    CHECK(call("probe_timer_churn", 1, 100) == 100);
    CHECK(dev.destroys - destroys == 100);
    CHECK(call("probe_timer_create", 3, 0, 1000, 1) == 1);
    id = dev.last_created;
    CHECK(id != 0 && mock_timer(id)->period && mock_timer(id)->running);
    fire(id);
    fire(id);
    CHECK(call("probe_timer_fires", 1, 0) == 2);
    call("probe_timer_cancel", 1, 0);
    CHECK(!mock_timer(id));
    fire(id); /* a firing queued before the cancel */
    fires_before = call("probe_timer_fires", 1, 0);
    CHECK(fires_before == 2);
    /* All slots taken: creation fails cleanly, nothing leaks. */
    for (int i = 1; i <= TIMER_SLOTS; i++)
        CHECK(call("probe_timer_create", 3, i, 10, 0) == 1);
    CHECK(call("probe_timer_create", 3, TIMER_SLOTS + 1, 10, 0) == 0);
    for (int i = 1; i <= TIMER_SLOTS; i++)
        call("probe_timer_cancel", 1, i);
    CHECK(dev.creates == dev.destroys);
}

static void test_sensor(void)
{
    attr_container_t *c = attr_container_create("sample");
    char garbage[16] = {0, 0, 100, 0, 0, 0};

    attr_container_set_int(&c, "v", 42);
    CHECK(call("probe_sensor", 1, 1) == 1 && dev.sensor_interval == 500);
    call_with_buffer("on_sensor_event", 7, true, c, attr_container_get_serialize_length(c));
    call_with_buffer("on_sensor_event", 8, true, c, attr_container_get_serialize_length(c));
    call_with_buffer("on_sensor_event", 7, true, garbage, sizeof garbage);
    CHECK(call("probe_counts", 1, 2) == 1);
    CHECK(call("probe_sensor", 1, 0) == 1 && dev.sensor_closed == 1);
    call_with_buffer("on_sensor_event", 7, true, c, attr_container_get_serialize_length(c));
    CHECK(call("probe_counts", 1, 2) == 1);
    attr_container_destroy(c);
}

static void test_connection(void)
{
    CHECK(call("probe_conn", 1, 1) == 1 && dev.conn_sent == 5);
    call_with_buffer("on_connection_data", 3, true, "abc", 3);
    call_with_buffer("on_connection_data", 4, true, "abcd", 4);
    call("on_connection_data", 3, 3, 0, 0);
    CHECK(call("probe_counts", 1, 3) == 3 && call("probe_counts", 1, 4) == 1);
    call("on_connection_data", 3, 3, 0, 0); /* the handle is no longer its */
    CHECK(call("probe_counts", 1, 4) == 1);
    /* After a disconnect the device's handle is gone: closing the app's
     * connection must not close whatever has that handle now. */
    CHECK(call("probe_conn", 1, 0) == -1 && dev.conn_closed == 0);
    CHECK(call("probe_conn", 1, 1) == 1);
    CHECK(call("probe_conn", 1, 0) == -1 && dev.conn_closed == 1);
}

int main(int argc, char **argv)
{
    char err[128] = "cannot read the file";
    uint32_t size;
    uint8_t *buf;
    wasm_module_t module;

    if (argc != 2 || !wasm_runtime_init()) {
        printf("usage: %s wal_probe.wasm\n", argv[0]);
        return 1;
    }
    wasm_runtime_register_natives("env", g_natives, sizeof g_natives / sizeof g_natives[0]);
    if (!(buf = (uint8_t *)bh_read_file_to_buffer(argv[1], &size))
        || !(module = wasm_runtime_load(buf, size, err, sizeof err))
        || !(g_inst = wasm_runtime_instantiate(module, 16384, 16384, err, sizeof err))
        || !(g_env = wasm_runtime_create_exec_env(g_inst, 16384))) {
        printf("cannot run %s: %s\n", argv[1], err);
        return 1;
    }
    test_registration();
    test_many_outstanding();
    test_timeouts();
    test_dispatch();
    test_timer_slots();
    test_sensor();
    test_connection();

    wasm_runtime_destroy_exec_env(g_env);
    wasm_runtime_deinstantiate(g_inst);
    wasm_runtime_unload(module);
    wasm_runtime_free(buf);
    wasm_runtime_destroy();
    printf(g_failures ? "%d failure(s)\n" : "all wasm app library checks passed\n",
           g_failures);
    return g_failures != 0;
}
