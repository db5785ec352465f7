/* The library's interface to the device (contract section 5 and 4.2): the
 * natives it imports from module "env", and the callbacks it exports for
 * the app manager to call on the app's thread. Private to the library:
 * apps use the wa-inc/ API instead. Booleans cross the boundary as i32 and
 * are read as "nonzero = true", never trusted to be 0 or 1. */
#ifndef WA_DEVICE_H
#define WA_DEVICE_H

#include <stdint.h>

#define WA_IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define WA_EXPORT(name) __attribute__((export_name(name)))

/* ---- natives (wasm_get_sys_tick_ms is public: wa-inc/timer_wasm_app.h) --- */

/* ($) */
WA_IMPORT("wasm_register_resource") void wasm_register_resource(const char *url);
/* (*~)i: false if the packet does not parse */
WA_IMPORT("wasm_response_send") int wasm_response_send(const char *packet, int size);
/* (*~): the device forces sender = this app; action 6 publishes */
WA_IMPORT("wasm_post_request") void wasm_post_request(const char *packet, int size);
/* ($) */
WA_IMPORT("wasm_sub_event") void wasm_sub_event(const char *url);

/* (iii)i: id or -1 */
WA_IMPORT("wasm_create_timer") int wasm_create_timer(int interval, int is_period,
                                                     int auto_start);
/* (i) */
WA_IMPORT("wasm_timer_destroy") void wasm_timer_destroy(int timer_id);
/* (i) */
WA_IMPORT("wasm_timer_cancel") void wasm_timer_cancel(int timer_id);
/* (ii) */
WA_IMPORT("wasm_timer_restart") void wasm_timer_restart(int timer_id, int interval);

/* ($i)i: id or -1 */
WA_IMPORT("wasm_sensor_open") int wasm_sensor_open(const char *name, int instance);
/* (iiii)i: bool */
WA_IMPORT("wasm_sensor_config") int wasm_sensor_config(int sensor_id, int interval,
                                                       int bit_cfg, int delay);
/* (i*~)i: bool */
WA_IMPORT("wasm_sensor_config_with_attr_container")
int wasm_sensor_config_with_attr_container(int sensor_id, const char *cfg, int len);
/* (i)i: bool */
WA_IMPORT("wasm_sensor_close") int wasm_sensor_close(int sensor_id);

/* ($*~)i: handle or -1 */
WA_IMPORT("wasm_open_connection") int wasm_open_connection(const char *name,
                                                           const char *args, int len);
/* (i) */
WA_IMPORT("wasm_close_connection") void wasm_close_connection(int handle);
/* (i*~)i: bytes sent or -1 */
WA_IMPORT("wasm_send_on_connection") int wasm_send_on_connection(int handle,
                                                                 const char *data,
                                                                 int len);
/* (i*~)i: bool */
WA_IMPORT("wasm_config_connection") int wasm_config_connection(int handle,
                                                               const char *cfg, int len);

/* ---- callbacks the device calls (exported only when the app links the
 * module that defines them). Buffers are in the app heap, owned by the
 * device and valid during the call only. ----------------------------------- */

/* (i32 buf, i32 size): a packed request or event (request.c) */
WA_EXPORT("on_request") void on_request(char *buffer, int size);
/* (i32 buf, i32 size): a packed response to this app (request.c) */
WA_EXPORT("on_response") void on_response(char *buffer, int size);
/* (i32 timer_id) (timer.c) */
WA_EXPORT("on_timer_callback") void on_timer_callback(int timer_id);
/* (i32 sensor_id, i32 buf, i32 len): buf = a serialized attr_container (sensor.c) */
WA_EXPORT("on_sensor_event") void on_sensor_event(int sensor_id, char *buffer, int len);
/* (i32 handle, i32 buf, i32 len): len 0 = disconnected (connection.c) */
WA_EXPORT("on_connection_data") void on_connection_data(int handle, char *buffer, int len);

#endif /* WA_DEVICE_H */
