/* Sample app: opens the demo device's sensor_test1 (sampled every 1000 ms)
 * and sensor_test2 (every 5000 ms) and dumps each sample. */
#include "wasm_app.h"

static sensor_t sensor1 = NULL;
static sensor_t sensor2 = NULL;

static void sensor_event_handler(sensor_t sensor, attr_container_t *event,
                                 void *user_data)
{
    (void)sensor;
    printf("### app get sensor event from %s\n", (const char *)user_data);
    attr_container_dump(event);
}

static sensor_t open_sensor(const char *name, int interval)
{
    sensor_t sensor = sensor_open(name, 0, sensor_event_handler, (void *)name);

    if (sensor == NULL) {
        printf("### app cannot open %s\n", name);
        return NULL;
    }
    if (!sensor_config(sensor, interval, 0, 0))
        printf("### app cannot configure %s\n", name);
    return sensor;
}

void on_init()
{
    sensor1 = open_sensor("sensor_test1", 1000);
    sensor2 = open_sensor("sensor_test2", 5000);
}

void on_destroy()
{
    /* Stop sampling; the device closes the sensors at uninstall anyway. */
    if (sensor1 != NULL)
        sensor_config(sensor1, 0, 0, 0);
    if (sensor2 != NULL)
        sensor_config(sensor2, 0, 0, 0);
}
