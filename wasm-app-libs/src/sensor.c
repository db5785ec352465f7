/* Sensors on the app side: a list mapping the device's sensor ids to the
 * app's handlers (dispatched by on_sensor_event). Handles are checked
 * against the list, and a sample is handed on only if it is a well-formed
 * attr_container. */
#include <stdlib.h>

#include "wa-inc/sensor.h"
#include "wa_device.h"

struct _sensor {
    struct _sensor *next;
    int id; /* the device's sensor id */
    sensor_event_handler_f handler;
    void *user_data;
};

static struct _sensor *g_sensors; /* newest first */

static struct _sensor **find_link(const struct _sensor *sensor)
{
    struct _sensor **link;

    for (link = &g_sensors; *link; link = &(*link)->next)
        if (*link == sensor)
            return link;
    return NULL;
}

sensor_t sensor_open(const char *name, int index, sensor_event_handler_f handler,
                     void *user_data)
{
    struct _sensor *s;

    if (!name || !(s = malloc(sizeof *s)))
        return NULL;
    if ((s->id = wasm_sensor_open(name, index)) < 0) {
        free(s);
        return NULL;
    }
    s->handler = handler;
    s->user_data = user_data;
    s->next = g_sensors;
    g_sensors = s;
    return s;
}

bool sensor_config(sensor_t sensor, int interval, int bit_cfg, int delay)
{
    return find_link(sensor) && wasm_sensor_config(sensor->id, interval, bit_cfg, delay) != 0;
}

bool sensor_config_with_attr_container(sensor_t sensor, attr_container_t *cfg)
{
    unsigned len = cfg ? attr_container_get_serialize_length(cfg) : 0;

    return find_link(sensor) && len > 0
           && wasm_sensor_config_with_attr_container(sensor->id, (const char *)cfg,
                                                     (int)len) != 0;
}

bool sensor_close(sensor_t sensor)
{
    struct _sensor **link = find_link(sensor);
    bool closed;

    if (!link)
        return false;
    *link = sensor->next;
    closed = wasm_sensor_close(sensor->id) != 0;
    free(sensor);
    return closed;
}

void on_sensor_event(int sensor_id, char *buffer, int len)
{
    if (!buffer || len <= 0 || !attr_container_validate(buffer, (uint32_t)len))
        return;
    for (struct _sensor *s = g_sensors; s; s = s->next) {
        if (s->id == sensor_id) {
            if (s->handler)
                s->handler(s, (attr_container_t *)buffer, s->user_data);
            return;
        }
    }
}
