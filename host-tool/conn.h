/* host_tool's byte stream to the device on a libuv loop: TCP (connect,
 * TCP_NODELAY), TCP in TLS (tls.h), or a UART (termios raw 8N1 at the given
 * baud rate). The session above sees the same four events for all three. */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "tls.h"

typedef struct conn conn_t;

/* Called on the loop thread. error strings are valid during the call. No
 * handler is called after conn_close. */
typedef struct conn_handlers {
    void (*on_open)(void *user, const char *error); /* TCP connect done; error NULL = ok */
    void (*on_data)(void *user, const uint8_t *data, size_t len);
    void (*on_closed)(void *user, const char *why); /* the device closed or the link failed */
    void (*on_written)(void *user, const char *error); /* the last conn_write finished */
    void *user;
} conn_handlers_t;

/* TCP to address:port (numeric or a host name). Connecting goes on in the
 * loop and ends in on_open. NULL + err if it cannot even start. */
conn_t *conn_open_tcp(uv_loop_t *loop, const char *address, uint16_t port,
                      const conn_handlers_t *handlers, char *err, size_t err_size);

/* TCP, then a TLS handshake: on_open comes once it is done, or with
 * "TLS handshake with ADDR:PORT failed: why". The files are loaded now:
 * NULL + err if one is missing or bad. on_data gets plaintext. */
conn_t *conn_open_tls(uv_loop_t *loop, const char *address, uint16_t port,
                      const tls_options_t *tls, const conn_handlers_t *handlers, char *err,
                      size_t err_size);

/* TCP is connected and the TLS handshake is under way. */
bool conn_handshaking(const conn_t *conn);

/* The UART device, opened and configured now (no on_open follows: it is
 * ready on return). NULL + err for an unsupported baud rate, a device that
 * cannot be opened or is not a terminal. */
conn_t *conn_open_uart(uv_loop_t *loop, const char *device, uint32_t baud,
                       const conn_handlers_t *handlers, char *err, size_t err_size);

/* Queues len bytes; they must stay valid until on_written. One write at a
 * time. 0 with err if libuv refuses at once. */
int conn_write(conn_t *conn, const uint8_t *data, size_t len, char *err, size_t err_size);

/* Bytes of the current write not yet handed to the kernel (TLS: the
 * encrypted bytes, at most the plaintext's size). */
size_t conn_unsent(const conn_t *conn);

/* "ADDR:PORT" or the device path, for messages. */
const char *conn_peer(const conn_t *conn);

/* Stops reading and writing (TLS: a close_notify goes out if the socket
 * takes it at once); the memory is released once the loop has run
 * the handle's close. */
void conn_close(conn_t *conn);

#endif /* CONN_H */
