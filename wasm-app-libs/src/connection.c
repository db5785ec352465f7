/* Connections on the app side: a list mapping the device's connection
 * handles to the app's event callbacks (dispatched by on_connection_data,
 * where length 0 means the connection went down). Handles are checked
 * against the list. After a disconnect the device has closed its end, so
 * the app's connection_t is kept (the app may still close it) but no longer
 * names a device handle, which could by then belong to a new connection. */
#include <stdlib.h>

#include "wa-inc/connection.h"
#include "wa_device.h"

struct _connection {
    struct _connection *next;
    int handle; /* the device's handle; -1 after a disconnect */
    on_connection_event_f on_event;
    void *user_data;
};

static struct _connection *g_conns; /* newest first */

static struct _connection **find_link(const struct _connection *conn)
{
    struct _connection **link;

    for (link = &g_conns; *link; link = &(*link)->next)
        if (*link == conn)
            return link;
    return NULL;
}

connection_t *api_open_connection(const char *name, attr_container_t *args,
                                  on_connection_event_f on_event, void *user_data)
{
    unsigned len = args ? attr_container_get_serialize_length(args) : 0;
    struct _connection *c;

    if (!name || len == 0 || !(c = malloc(sizeof *c)))
        return NULL;
    if ((c->handle = wasm_open_connection(name, (const char *)args, (int)len)) < 0) {
        free(c);
        return NULL;
    }
    c->on_event = on_event;
    c->user_data = user_data;
    c->next = g_conns;
    g_conns = c;
    return c;
}

void api_close_connection(connection_t *conn)
{
    struct _connection **link = find_link(conn);

    if (!link)
        return;
    *link = conn->next;
    if (conn->handle >= 0)
        wasm_close_connection(conn->handle);
    free(conn);
}

int api_send_on_connection(connection_t *conn, const char *data, uint32 len)
{
    if (!find_link(conn) || conn->handle < 0 || (!data && len > 0) || len > INT32_MAX)
        return -1;
    return wasm_send_on_connection(conn->handle, data, (int)len);
}

bool api_config_connection(connection_t *conn, attr_container_t *cfg)
{
    unsigned len = cfg ? attr_container_get_serialize_length(cfg) : 0;

    return find_link(conn) && conn->handle >= 0 && len > 0
           && wasm_config_connection(conn->handle, (const char *)cfg, (int)len) != 0;
}

void on_connection_data(int handle, char *buffer, int len)
{
    struct _connection *c;

    if (handle < 0)
        return;
    for (c = g_conns; c && c->handle != handle; c = c->next)
        ;
    if (!c)
        return;
    if (len > 0 && buffer) {
        if (c->on_event)
            c->on_event(c, CONN_EVENT_TYPE_DATA, buffer, (uint32)len, c->user_data);
        return;
    }
    c->handle = -1; /* before the callback, which may close c */
    if (c->on_event)
        c->on_event(c, CONN_EVENT_TYPE_DISCONNECT, NULL, 0, c->user_data);
}
