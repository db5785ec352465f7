/* A hostile test app. "wild?n=<case>" hands one native a pointer or length
 * outside the app's memory: the native must trap the app ("out of bounds
 * memory access") before touching anything, so the asker gets 160, and
 * "survived" is never sent. "bad?n=<case>" hands well-placed but malformed
 * or nonsensical values: the native must refuse them without trapping, and
 * the app answers "ok" (or "wrong: <case>"). */
#include <stdio.h>
#include <string.h>

#include "tapp.h"

#define WILD ((const char *)0xFFFFFF00u)
#define HUGE_LEN 0x7FFFFFFF

EXPORT("on_init") void on_init(void);
void on_init(void)
{
}

void tapp_event(const request_t *event)
{
    (void)event;
}
void tapp_response(const response_t *resp)
{
    (void)resp;
}
void tapp_timer(int id)
{
    (void)id;
}
void tapp_sensor(int id, const char *buf, int len)
{
    (void)id, (void)buf, (void)len;
}
void tapp_connection(int handle, const char *buf, int len)
{
    (void)handle, (void)buf, (void)len;
}

static char small[32];

/* The last byte of linear memory, made non-zero: a string starting there
 * has no NUL inside the memory. */
static const char *unterminated(void)
{
    char *last = (char *)(__builtin_wasm_memory_size(0) * 65536 - 1);

    *last = 'x';
    return last;
}

static void wild_case(const char *name)
{
    if (!strcmp(name, "reg"))
        wasm_register_resource(WILD);
    else if (!strcmp(name, "reg_unterminated"))
        wasm_register_resource(unterminated());
    else if (!strcmp(name, "resp"))
        wasm_response_send(WILD, 64);
    else if (!strcmp(name, "resp_huge"))
        wasm_response_send(small, HUGE_LEN);
    else if (!strcmp(name, "resp_negative"))
        wasm_response_send(small, -1);
    else if (!strcmp(name, "post"))
        wasm_post_request(WILD, 64);
    else if (!strcmp(name, "post_huge"))
        wasm_post_request(small, HUGE_LEN);
    else if (!strcmp(name, "sub"))
        wasm_sub_event(WILD);
    else if (!strcmp(name, "sub_unterminated"))
        wasm_sub_event(unterminated());
    else if (!strcmp(name, "sensor_open"))
        wasm_sensor_open(WILD, 0);
    else if (!strcmp(name, "sensor_cfg"))
        wasm_sensor_config_with_attr_container(1, WILD, 64);
    else if (!strcmp(name, "sensor_cfg_huge"))
        wasm_sensor_config_with_attr_container(1, small, HUGE_LEN);
    else if (!strcmp(name, "open_name"))
        wasm_open_connection(WILD, small, 8);
    else if (!strcmp(name, "open_args"))
        wasm_open_connection("TCP", WILD, 64);
    else if (!strcmp(name, "open_huge"))
        wasm_open_connection("TCP", small, HUGE_LEN);
    else if (!strcmp(name, "send"))
        wasm_send_on_connection(1, WILD, 64);
    else if (!strcmp(name, "send_huge"))
        wasm_send_on_connection(1, small, HUGE_LEN);
    else if (!strcmp(name, "config"))
        wasm_config_connection(1, WILD, 64);
    else if (!strcmp(name, "config_huge"))
        wasm_config_connection(1, small, HUGE_LEN);
    else
        return;
}

/* ------------------------------------------------------------------------
 * Malformed values: refused, no trap
 * ------------------------------------------------------------------------ */

static bool bad_case(const char *name)
{
    static const char garbage[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const char truncated_attr[8] = {0, 0, 100, 0, 0, 0, 1, 0}; /* total_length 100 */

    if (!strcmp(name, "resp_garbage"))
        return wasm_response_send(garbage, sizeof garbage) == 0;
    if (!strcmp(name, "timer_negative"))
        return wasm_create_timer(-5, 1, 1) == -1;
    if (!strcmp(name, "timer_unknown")) {
        wasm_timer_destroy(12345);
        wasm_timer_cancel(-1);
        wasm_timer_restart(999, 10);
        wasm_timer_restart(0, -10);
        return true;
    }
    if (!strcmp(name, "sensor_unknown"))
        return wasm_sensor_open("no such sensor", 0) == -1 && wasm_sensor_config(777, 10, 0, 0) == 0 &&
               wasm_sensor_close(777) == 0;
    if (!strcmp(name, "sensor_cfg_garbage"))
        return wasm_sensor_config_with_attr_container(1, truncated_attr, sizeof truncated_attr) == 0;
    if (!strcmp(name, "sensor_cfg_negative"))
        return wasm_sensor_config(1, -5, 0, 0) == 0;
    if (!strcmp(name, "open_unknown_name"))
        return wasm_open_connection("CARRIER-PIGEON", garbage, sizeof garbage) == -1;
    if (!strcmp(name, "open_garbage_args"))
        return wasm_open_connection("TCP", truncated_attr, sizeof truncated_attr) == -1 &&
               wasm_open_connection("UDP", garbage, 0) == -1;
    if (!strcmp(name, "conn_unknown")) {
        wasm_close_connection(4242);
        return wasm_send_on_connection(4242, small, 4) == -1 &&
               wasm_config_connection(4242, garbage, sizeof garbage) == 0;
    }
    return false;
}

bool tapp_request(const request_t *req, const char *cmd, const char *args)
{
    char name[48] = "";

    tapp_arg_str(args, "n", name, sizeof name);
    if (!strcmp(cmd, "wild")) {
        wild_case(name);
        tapp_reply_text(req, CONTENT_2_05, "survived");
        return true;
    }
    if (!strcmp(cmd, "post_garbage")) {
        static const char garbage[30] = {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200};
        wasm_post_request(garbage, sizeof garbage);
        tapp_reply_text(req, CONTENT_2_05, "survived");
        return true;
    }
    if (!strcmp(cmd, "bad")) {
        char text[80];
        snprintf(text, sizeof text, bad_case(name) ? "ok" : "wrong: %s", name);
        tapp_reply_text(req, CONTENT_2_05, text);
        return true;
    }
    if (!strcmp(cmd, "echo")) {
        tapp_reply_text(req, CONTENT_2_05, "alive");
        return true;
    }
    return false;
}
