/* The device's transports for the host link: one libuv loop thread serves
 * every host connection (TCP server and client, UART, custom byte pipes),
 * each one a link session (link_session.h) of the app manager with its own
 * parser state and subscriptions, ended on disconnect.
 *
 * How a transport plugs in. At the session level a connection is: ls_open
 * with a write callback, ls_feed for every byte received (from one thread),
 * ls_close when the connection is gone (after it returns no write callback
 * runs, so only then may the callback's state be freed). The write callback
 * runs on the ls_feed thread and on the manager's delivery thread, so it must
 * not block for long. This host does all that for TCP and UART; any other
 * byte pipe (SPI, BLE, USB, a test harness) uses the tp_bus API below and
 * gets the same queuing, output bound and session lifetime for free.
 *
 * Threads. tp_run runs the loop on the calling thread: every ls_feed, every
 * byte written and every tp_bus_ops callback happens there. The session
 * write callback also runs on the manager's delivery thread (responses,
 * events): it only copies the message into the connection's output queue
 * (under a mutex) and wakes the loop with uv_async_send; one wakeup handle
 * serves every connection, so none can be signalled while being torn down.
 * tp_host_new, tp_tcp_listen, tp_tcp_connect and tp_uart_open are called
 * before tp_run or on the loop thread; tp_stop and the tp_bus_ calls from
 * any thread while the host exists, tp_stop also from a signal handler.
 * Log lines may come from the loop, the delivery or a bus-attaching thread.
 * An install (link type 4) runs inside ls_feed: the manager answers it
 * after the app's on_init returned, so the loop serves nobody for that long
 * (bounded by the app's watchdog) while answers and events keep queuing.
 *
 * Output bound. A connection's unsent bytes (queued or being written) are
 * bounded so that a host that does not read cannot grow device memory: an
 * event (type 2) that would take them over max_output_bytes is dropped and
 * counted; a response (type 3) is still queued up to 2 x max_output_bytes,
 * beyond which the connection is closed as stuck and logged (a client or
 * UART then reopens as after any drop; a bus gets a fresh session). A
 * message is always queued into an empty queue, whatever its size. The
 * answers to one read (up to 64 KiB of requests) pile up before the loop
 * writes any, so the bound should stay well above what they can add up to.
 *
 * TLS. With tp_tls_enable, every TCP connection (served or client) carries
 * the same link protocol inside TLS 1.2: the session opens only once the
 * handshake is done and sees plaintext only. A handshake that fails or is
 * not done within the timeout, a bad record, a renegotiation attempt: each
 * closes that connection alone, with a warning. A connection's TLS state is
 * used on the loop thread only: the write callback still just copies the
 * message into the queue under the lock, and the loop encrypts it when it
 * writes the queue. So the delivery thread never waits for crypto or for a
 * lock held across it, and no mbedTLS context needs a lock. TLS records
 * count in the output bound like the messages they carry. A handshake's
 * public-key operations (milliseconds) run on the loop thread too, and a
 * served connection holds its max_connections slot while it handshakes.
 * In client mode a failed handshake is a failed attempt: backoff, and each
 * reason logged once. */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tp_host tp_host_t; /* one loop and every connection it serves */
typedef struct tp_bus tp_bus_t;   /* one custom byte pipe */

typedef struct tp_options {
    uint32_t max_message_size; /* per link message; 0 = LP_DEFAULT_MAX_SIZE (ls_config) */
    uint32_t max_connections;  /* TCP server: hosts served at once, 0 = 8; one more is
                                  accepted and closed at once, logged */
    uint32_t max_output_bytes; /* unsent bytes per connection, 0 = 8 MiB (see above) */
    uint32_t reconnect_min_ms, reconnect_max_ms; /* client/UART reopen backoff: 0 = 100
                                  and 10000, doubling, reset after a good connection */
    am_log_fn log; /* levels 0 error, 1 warning, 2 info (threads: see above);
                      NULL: stderr */
    void *log_user;
} tp_options_t;

/* Counters since tp_host_new; any thread. */
typedef struct tp_stats {
    uint32_t connections;    /* with a session now: TCP hosts, clients up, UARTs, buses */
    uint64_t accepted;       /* TCP hosts the server took */
    uint64_t refused;        /* TCP hosts closed at once (max_connections were served) */
    uint64_t opened;         /* client connects and UART opens that succeeded */
    uint64_t open_failures;  /* client connects and UART reopens that failed */
    uint64_t bytes_in;       /* fed to sessions */
    uint64_t bytes_out;      /* handed to the connections */
    uint64_t events_dropped; /* by the output bound */
    uint64_t stuck;          /* connections closed (bus: restarted) as stuck */
    uint64_t max_queued;     /* the most unsent bytes any one connection held */
} tp_stats_t;

/* A host serving nothing yet; opt NULL = defaults. NULL + err on failure. */
tp_host_t *tp_host_new(am_t *am, const tp_options_t *opt, char *err, uint32_t err_size);

/* TCP server on addr (numeric or a name; NULL = "0.0.0.0"); port 0 =
 * ephemeral. One listener per host. */
bool tp_tcp_listen(tp_host_t *h, const char *addr, uint16_t port, char *err, uint32_t err_size);
/* The listener's bound port (0 if none). */
uint16_t tp_tcp_port(tp_host_t *h);

/* Client mode: connects to a host tool listening at addr:port, and
 * reconnects with backoff whenever the link drops or a connect fails, until
 * tp_stop. False only if addr does not resolve. */
bool tp_tcp_connect(tp_host_t *h, const char *addr, uint16_t port, char *err, uint32_t err_size);

/* A serial line: termios raw 8N1, no flow control. An unsupported baud or a
 * device that cannot be opened now is refused with the reason; after that,
 * on EOF, EIO or hangup the line is closed and reopened with backoff. */
bool tp_uart_open(tp_host_t *h, const char *device, uint32_t baud, char *err,
                  uint32_t err_size);

/* ---- TLS on the TCP links ------------------------------------------------ */

typedef struct tp_tls tp_tls_t; /* certificates, keys and the random generator */

typedef struct tp_tls_options {
    const char *cert_file; /* the device's certificate, PEM or DER (a PEM file may
                              hold the chain after it) */
    const char *key_file;  /* its private key, unencrypted */
    const char *ca_file;   /* server: NULL = no client certificate is asked for;
                              set = every client must present one signed by this CA
                              (mutual TLS). Client mode: required, the host's
                              certificate must be signed by it. */
    const char *server_name; /* client mode: the name the host's certificate must
                                carry; NULL = the address given to tp_tcp_connect */
    uint32_t handshake_timeout_ms; /* 0 = 10000; a peer not done by then is closed */
} tp_tls_options_t;

/* Loads the files and seeds the random generator (once, for every
 * connection that uses this configuration). NULL + err (which file, why). */
tp_tls_t *tp_tls_new(const tp_tls_options_t *opt, char *err, uint32_t err_size);
/* TCP connections made from now on (tp_tcp_listen's, tp_tcp_connect's)
 * speak TLS with tls; NULL: plain again. Same threads as tp_tcp_listen.
 * tls must outlive the host: free it after tp_host_free. */
void tp_tls_enable(tp_host_t *h, tp_tls_t *tls);
void tp_tls_free(tp_tls_t *tls);

/* Runs the loop on the calling thread until tp_stop: 0 after a clean stop. */
int tp_run(tp_host_t *h);
/* Makes tp_run return (at once if it is not running yet). Any thread, and
 * async-signal-safe (uv_async_send). */
void tp_stop(tp_host_t *h);
/* After tp_run returned, or if it never ran, and before am_shutdown: closes
 * every session (ls_close) first, then every handle, and frees all. Buses
 * end too (their closed runs here); their handles are then invalid. */
void tp_host_free(tp_host_t *h);

void tp_get_stats(tp_host_t *h, tp_stats_t *out_stats);

/* ---- custom bus: any byte pipe -------------------------------------------- */

typedef struct tp_bus_ops {
    /* Offers output bytes to the pipe, on the loop thread. Returns how many
     * it took (0..size); the rest stays queued, counted against the output
     * bound, until tp_bus_writable. A broken pipe should take (and discard)
     * everything and detach. May call the tp_bus_ functions. */
    size_t (*write)(void *user, const uint8_t *data, size_t size);
    /* The last callback of the bus, once, on the loop thread (or inside
     * tp_host_free): user may be freed now. May be NULL. */
    void (*closed)(void *user);
} tp_bus_ops_t;

/* Bytes a bus may have received but the loop not yet fed (see receive). */
#define TP_BUS_MAX_PENDING (1u << 20)

/* A new connection on a pipe; any thread. ops is copied. NULL if ops has
 * no write, or out of memory. */
tp_bus_t *tp_bus_attach(tp_host_t *h, const tp_bus_ops_t *ops, void *user);
/* Bytes from the pipe, any split; any thread. They are copied and fed on the
 * loop thread in the order of the calls. False (nothing taken) when more than
 * TP_BUS_MAX_PENDING bytes are still waiting (back-pressure: retry later) or
 * out of memory. */
bool tp_bus_receive(tp_bus_t *bus, const uint8_t *data, size_t size);
/* The pipe takes bytes again after a short write; any thread. */
void tp_bus_writable(tp_bus_t *bus);
/* Ends the connection (its subscriptions too); any thread. The handle is
 * invalid at once; closed follows on the loop thread. */
void tp_bus_detach(tp_bus_t *bus);

#ifdef __cplusplus
}
#endif

#endif /* TRANSPORT_H */
