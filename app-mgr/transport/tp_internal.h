/* Internals of the transports (transport.h): the host, one connection with
 * its output queue, and the links (TCP client, UART) that reopen with
 * backoff. Names shared between the files carry the tpi_ prefix; everything
 * here runs on the loop thread unless a field says otherwise. */
#ifndef TP_INTERNAL_H
#define TP_INTERNAL_H

#include <pthread.h>
#include <sys/socket.h>
#include <uv.h>

#include "am_util.h" /* am_set_err, am_vlog_to */
#include "link_session.h"
#include "transport.h"

typedef struct tp_conn tp_conn_t;
typedef struct tp_link tp_link_t;
typedef struct tpi_tls tpi_tls_t; /* one connection's TLS state (tp_tls.c) */

typedef enum tp_kind {
    TP_SERVED, /* a host that connected to our listener */
    TP_CLIENT, /* our connection to a listening host */
    TP_UART,
    TP_BUS
} tp_kind_t;

/* One message (or received piece, for a bus) waiting in a queue. */
typedef struct tp_chunk {
    struct tp_chunk *next;
    tp_conn_t *conn; /* the uv_write callback finds its connection here */
    uv_write_t req;
    size_t size;
    size_t done; /* bytes already written (UART, bus: short writes) */
    uint8_t data[];
} tp_chunk_t;

/* A list with a tail, so that appends keep the order. */
typedef struct tp_list {
    tp_chunk_t *head, *tail;
} tp_list_t;

struct tp_conn {
    tp_host_t *host;
    tp_kind_t kind;
    tp_conn_t *next;        /* in host->conns */
    ls_session_t *session;  /* NULL until up (a client still connecting) */
    tp_link_t *link;        /* client, UART: retries when this connection ends */
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_poll_t poll;
    } uv;
    bool has_handle;   /* uv is initialised: freeing waits for its close */
    bool served;       /* counted in host->served */
    bool closing;
    bool blocked;      /* the pipe took less than offered: wait until writable */
    bool poll_writing; /* UART: UV_WRITABLE is being polled for */
    int fd;            /* UART */
    char name[128];    /* the peer, for log lines */
    tp_list_t sending; /* taken from out, not yet fully written (UART, bus) */

    /* A pipe that may take part (UART, bus): bytes taken, or -errno when
     * it failed. NULL: a stream, written with uv_write. */
    long (*pipe_write)(tp_conn_t *c, const uint8_t *data, size_t size);
    bool (*service)(tp_conn_t *c); /* on every wakeup (bus input); false: c is gone */
    void (*release)(tp_conn_t *c); /* just before the memory goes */
    tpi_tls_t *tls;    /* TCP with TLS: bytes in and out pass through it; NULL = plain */

    /* Guarded by lock: the session's write callback runs on the manager's
     * delivery thread too. */
    pthread_mutex_t lock;
    tp_list_t out;
    size_t queued;  /* bytes in out, sending and in flight */
    bool stuck;     /* responses went over 2 x the bound */
    uint64_t dropped; /* events, by the bound */
};

/* A TCP client or UART: whatever it is connected through comes and goes. */
struct tp_link {
    tp_host_t *host;
    tp_link_t *next;           /* in host->links */
    void (*start)(tp_link_t *link); /* one attempt: ends in tpi_link_up, or in
                                       tpi_link_retry (also via closing its conn) */
    uv_timer_t timer;
    uint32_t delay_ms;         /* the next wait */
    char name[128];            /* "host 10.0.0.1:8888", "UART /dev/ttyS0" */
    char last_err[128];        /* the failure last logged: each is logged once */
    char target[256];          /* client: the address as given (the TLS server name) */
    uv_connect_t connect_req;  /* client */
    struct sockaddr_storage addr;
    char *path;                /* UART */
    uint32_t baud;
    unsigned speed;            /* the termios B* constant */
};

struct tp_host {
    am_t *am;
    tp_options_t opt; /* zero fields resolved */
    uv_loop_t loop;
    uv_async_t wake;    /* output queued, bus input, detach */
    uv_async_t stopper; /* tp_stop */
    bool stopped;
    bool freeing;
    uv_tcp_t *listener; /* its own allocation: its close may outlive a failed listen */
    tp_tls_t *tls;      /* tp_tls_enable: new TCP connections speak TLS; the caller's */
    uint32_t served;    /* TCP hosts with a session now */
    tp_conn_t *conns;   /* every connection, also attempts */
    tp_link_t *links;

    pthread_mutex_t lock; /* attaching and stats: touched from any thread */
    tp_conn_t *attaching; /* buses attached, not yet in conns */
    uint32_t buses;       /* attached so far, to name them */
    tp_stats_t stats;

    uint8_t rbuf[64 * 1024]; /* every read lands here, then goes to ls_feed */
};

/* tp_host.c */
void tpi_log(tp_host_t *h, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool tpi_resolve(tp_host_t *h, const char *addr, uint16_t port,
                 struct sockaddr_storage *out_addr, char *err, uint32_t err_size);
void tpi_format_addr(const struct sockaddr *sa, char *out, size_t size);
void tpi_stats_add(tp_host_t *h, uint64_t *field, uint64_t n);
void tpi_free_on_close(uv_handle_t *handle); /* a handle that is its own allocation */

/* tp_conn.c */
tp_conn_t *tpi_conn_new(tp_host_t *h, tp_kind_t kind, size_t struct_size);
bool tpi_conn_start(tp_conn_t *c);
void tpi_conn_feed(tp_conn_t *c, const uint8_t *data, size_t size);
void tpi_conn_flush(tp_conn_t *c);
void tpi_conn_service(tp_conn_t *c);
void tpi_conn_close(tp_conn_t *c, const char *why);
tp_chunk_t *tpi_chunk_new(const uint8_t *data, size_t size);
void tpi_list_append(tp_list_t *list, tp_chunk_t *k);
void tpi_list_free(tp_list_t *list);
bool tpi_conn_send_raw(tp_conn_t *c, const uint8_t *data, size_t size);

/* tp_link.c */
tp_link_t *tpi_link_new(tp_host_t *h, void (*start)(tp_link_t *link));
void tpi_link_up(tp_link_t *link);
void tpi_link_retry(tp_link_t *link, const char *why);
void tpi_link_close(tp_link_t *link);

/* tp_tls.c: a TCP connection's TLS (see transport.h). tpi_tls_start before
 * reading; the session opens when the handshake is done. */
bool tpi_tls_start(tp_conn_t *c);
void tpi_tls_feed(tp_conn_t *c, const uint8_t *data, size_t size);
void tpi_tls_closed(tp_conn_t *c, const char *why); /* EOF or a read error */
bool tpi_tls_encrypt(tp_conn_t *c, const uint8_t *data, size_t size);
bool tpi_tls_can_connect(const tp_tls_t *tls);

#endif /* TP_INTERNAL_H */
