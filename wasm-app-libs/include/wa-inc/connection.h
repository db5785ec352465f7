/* Connections for wasm apps (WAMR's wa-inc/connection.h): "TCP" (args
 * "address" string, "port" uint16), "UDP" ("bind port"; configure
 * "address"/"port" to set the peer) and "UART" ("device", "baudrate"), at
 * most 3 per app. Received data arrives on the app's own thread. */
#ifndef WASM_APP_CONNECTION_H
#define WASM_APP_CONNECTION_H

#include <stdbool.h>

#include "../attr_container.h"
#include "../bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

struct _connection;
typedef struct _connection connection_t;

typedef enum {
    CONN_EVENT_TYPE_DATA = 1,   /* data received */
    CONN_EVENT_TYPE_DISCONNECT  /* the peer or the device closed it */
} conn_event_type_t;

/* Gets each chunk of received data (data valid only during the call), and
 * CONN_EVENT_TYPE_DISCONNECT with data NULL and len 0. */
typedef void (*on_connection_event_f)(connection_t *conn,
                                      conn_event_type_t type,
                                      const char *data, uint32 len,
                                      void *user_data);

/* Opens a connection of kind name ("TCP", "UDP", "UART") with args. NULL
 * when the device refuses, args is NULL, or no memory. */
connection_t *api_open_connection(const char *name, attr_container_t *args,
                                  on_connection_event_f on_event,
                                  void *user_data);

/* Closes the connection and frees the handle. A closed or NULL handle is
 * ignored. */
void api_close_connection(connection_t *conn);

/* Sends len bytes without blocking: the count sent, or -1 (closed handle,
 * device buffer full, error). */
int api_send_on_connection(connection_t *conn, const char *data, uint32 len);

/* Reconfigures the connection (e.g. a UDP peer). False for a closed handle,
 * a NULL cfg or when the device refuses. */
bool api_config_connection(connection_t *conn, attr_container_t *cfg);

#ifdef __cplusplus
}
#endif

#endif /* WASM_APP_CONNECTION_H */
