/* Sensors for wasm apps (WAMR's wa-inc/sensor.h): the device's sensors,
 * found by name and instance, sampled at the smallest interval any of their
 * clients asked for. Events run on the app's own thread. */
#ifndef WASM_APP_SENSOR_H
#define WASM_APP_SENSOR_H

#include <stdbool.h>

#include "../attr_container.h"

#ifdef __cplusplus
extern "C" {
#endif

struct _sensor;
typedef struct _sensor *sensor_t;

/* Gets each sample: sensor_event is the sensor's attr_container, valid only
 * during the call; user_data is the value given to sensor_open(). */
typedef void (*sensor_event_handler_f)(sensor_t sensor,
                                       attr_container_t *sensor_event,
                                       void *user_data);

/* Opens instance index of the sensor name. NULL if the device has no such
 * sensor or no memory. */
sensor_t sensor_open(const char *name, int index,
                     sensor_event_handler_f handler, void *user_data);

/* Samples every interval ms (0 stops sampling); bit_cfg and delay go to the
 * sensor. False for a closed sensor or when the device refuses. */
bool sensor_config(sensor_t sensor, int interval, int bit_cfg, int delay);

/* Configures with an attr_container (keys "interval", "bit_cfg", "delay"
 * and any the sensor knows). False for a closed sensor, a NULL cfg or when
 * the device refuses. */
bool sensor_config_with_attr_container(sensor_t sensor, attr_container_t *cfg);

/* Closes the sensor and frees the handle. False if it was not open. */
bool sensor_close(sensor_t sensor);

#ifdef __cplusplus
}
#endif

#endif /* WASM_APP_SENSOR_H */
