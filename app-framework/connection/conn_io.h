/* Internal to connection/: opening and writing the POSIX endpoints behind
 * connections (TCP client sockets, UDP sockets, UART ttys in raw mode).
 * Every fd returned is non-blocking and close-on-exec; -1 on failure. */
#ifndef CONN_IO_H
#define CONN_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* A TCP connection to a numeric address (or "localhost"), waiting at most
 * timeout_ms for it to be established. */
int conn_io_tcp_connect(const char *address, uint16_t port, uint32_t timeout_ms);
/* A UDP socket bound to port on every local address. */
int conn_io_udp_bind(uint16_t port);
/* The IPv4/IPv6 peer address:port into out_addr; false if not numeric. */
bool conn_io_peer(const char *address, uint16_t port, struct sockaddr_storage *out_addr,
                  socklen_t *out_len);
/* A tty in raw mode at baud (a standard rate). */
int conn_io_uart_open(const char *device, int32_t baud);

/* Writes len bytes, waiting at most timeout_ms for room; the bytes written,
 * or -1 if none could be. peer NULL: a connected fd (TCP, UART). */
int32_t conn_io_send(int fd, const void *data, uint32_t len, const struct sockaddr *peer,
                     socklen_t peer_len, uint32_t timeout_ms);

#endif /* CONN_IO_H */
