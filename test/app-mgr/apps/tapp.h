/* Test apps of test/app-mgr: the natives of contract section 5 declared
 * directly (so hostile apps can hand them anything), the callbacks the
 * device calls, and small helpers of tapp_lib.c. Built for wasm32 against
 * the libc-builtin sysroot, with app-framework/shared compiled in. */
#ifndef TAPP_H
#define TAPP_H

#include <stdbool.h>
#include <stdint.h>

#include "attr_container.h"
#include "shared_utils.h"

#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("wasm_register_resource") void wasm_register_resource(const char *url);
IMPORT("wasm_response_send") int wasm_response_send(const char *buf, int size);
IMPORT("wasm_post_request") void wasm_post_request(const char *buf, int size);
IMPORT("wasm_sub_event") void wasm_sub_event(const char *url);
IMPORT("wasm_create_timer") int wasm_create_timer(int interval, int is_period, int auto_start);
IMPORT("wasm_timer_destroy") void wasm_timer_destroy(int id);
IMPORT("wasm_timer_cancel") void wasm_timer_cancel(int id);
IMPORT("wasm_timer_restart") void wasm_timer_restart(int id, int interval);
IMPORT("wasm_get_sys_tick_ms") uint32_t wasm_get_sys_tick_ms(void);
IMPORT("wasm_sensor_open") int wasm_sensor_open(const char *name, int instance);
IMPORT("wasm_sensor_config") int wasm_sensor_config(int id, int interval, int bit_cfg, int delay);
IMPORT("wasm_sensor_config_with_attr_container")
int wasm_sensor_config_with_attr_container(int id, const char *buf, int len);
IMPORT("wasm_sensor_close") int wasm_sensor_close(int id);
IMPORT("wasm_open_connection") int wasm_open_connection(const char *name, const char *args, int len);
IMPORT("wasm_close_connection") void wasm_close_connection(int handle);
IMPORT("wasm_send_on_connection") int wasm_send_on_connection(int handle, const char *data, int len);
IMPORT("wasm_config_connection") int wasm_config_connection(int handle, const char *buf, int len);

/* ---- tapp_lib.c: what each app defines ---- */

/* A request (not an event) addressed to the app; return false for 132. */
bool tapp_request(const request_t *req, const char *cmd, const char *args);
/* The hooks below are optional in spirit: each app defines them all. */
void tapp_event(const request_t *event);
void tapp_response(const response_t *resp);
void tapp_timer(int id);
void tapp_sensor(int id, const char *buf, int len);
void tapp_connection(int handle, const char *buf, int len);

/* ---- tapp_lib.c: helpers ---- */

/* Answers req with status and payload (fmt 0 raw bytes, or 99). */
void tapp_reply(const request_t *req, int status, int fmt, const void *payload, int len);
void tapp_reply_text(const request_t *req, int status, const char *text);
/* Sends a response to (receiver, mid). */
void tapp_respond_to(uint32_t receiver, uint32_t mid, int status, int fmt, const void *payload,
                     int len);
/* Posts a request (action 6 publishes); returns its mid. */
uint32_t tapp_post(const char *url, int action, int fmt, const void *payload, int len);
/* The number after key= in args (key=value&...), or dflt. */
int tapp_arg_int(const char *args, const char *key, int dflt);
/* The string after key= in args into out; false if absent. */
bool tapp_arg_str(const char *args, const char *key, char *out, int out_size);

#endif /* TAPP_H */
