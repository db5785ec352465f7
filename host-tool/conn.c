/* The link to the device (see conn.h): a uv_tcp_t or a uv_pipe_t over the
 * UART's file descriptor, both used as a uv_stream_t; with TLS, the bytes
 * in and out pass through a tls_client_t first. The conn lives until libuv
 * has closed its handle, because pending requests (connect, write) still
 * point into it until then. */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define READ_BUF_SIZE (64 * 1024)

struct conn {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } h;
    uv_connect_t connect_req;
    uv_write_t write_req;
    conn_handlers_t handlers;
    bool closing; /* conn_close was called: report nothing more */
    bool connected; /* TCP: the connect succeeded */
    char *peer;
    /* TLS (NULL: plain). Records the client produced wait in rec until
     * they are written, each batch as one tls_write_t. */
    tls_client_t *tls;
    uint8_t *rec;
    size_t rec_len, rec_cap;
    size_t plain_len; /* the session's current write, in plaintext bytes */
    char buf[READ_BUF_SIZE];
};

/* One write of TLS records; report: it carries a conn_write, whose
 * on_written follows. */
typedef struct tls_write {
    uv_write_t req;
    conn_t *conn;
    bool report;
    uint8_t data[];
} tls_write_t;

static void set_err(char *err, size_t err_size, const char *what, const char *peer,
                    const char *why)
{
    snprintf(err, err_size, "%s %s: %s", what, peer, why);
}

static conn_t *conn_new(const conn_handlers_t *handlers, const char *peer)
{
    conn_t *c = calloc(1, sizeof(*c));

    if (c && !(c->peer = strdup(peer))) {
        free(c);
        return NULL;
    }
    if (c)
        c->handlers = *handlers;
    return c;
}

static void conn_free(conn_t *c)
{
    tls_client_free(c->tls);
    free(c->rec);
    free(c->peer);
    free(c);
}

static void on_handle_closed(uv_handle_t *handle)
{
    conn_free(handle->data);
}

static void tls_goodbye(conn_t *c);

void conn_close(conn_t *conn)
{
    if (!conn || conn->closing)
        return;
    if (conn->tls)
        tls_goodbye(conn);
    conn->closing = true;
    uv_close(&conn->h.handle, on_handle_closed);
}

size_t conn_unsent(const conn_t *conn)
{
    size_t queued = uv_stream_get_write_queue_size(&conn->h.stream);

    /* TLS adds a few bytes per record: never more than was asked to send. */
    return conn->tls && queued > conn->plain_len ? conn->plain_len : queued;
}

bool conn_handshaking(const conn_t *conn)
{
    return conn->tls && conn->connected && !tls_client_up(conn->tls);
}

const char *conn_peer(const conn_t *conn)
{
    return conn->peer;
}

/* ========================================================================
 * Reading and writing (both kinds)
 * ======================================================================== */

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *out_buf)
{
    conn_t *c = handle->data;

    (void)suggested;
    *out_buf = uv_buf_init(c->buf, sizeof(c->buf));
}

static void tls_read(conn_t *c, const uint8_t *data, size_t len);
static void tls_handshake_failed(conn_t *c, const char *why);

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    conn_t *c = stream->data;

    (void)buf;
    if (c->closing || nread == 0)
        return;
    if (nread > 0 && c->tls) {
        tls_read(c, (const uint8_t *)c->buf, (size_t)nread);
        return;
    }
    if (nread > 0) {
        c->handlers.on_data(c->handlers.user, (const uint8_t *)c->buf, (size_t)nread);
        return;
    }
    if (c->tls && !tls_client_up(c->tls)) {
        char why[256];

        snprintf(why, sizeof(why), "the device closed the connection (%s); %s",
                 nread == UV_EOF ? "end of stream" : uv_strerror((int)nread),
                 tls_client_hint(c->tls));
        tls_handshake_failed(c, why);
        return;
    }
    uv_read_stop(stream);
    /* A pty or serial line reports a hang-up as EIO. */
    c->handlers.on_closed(c->handlers.user,
                          nread == UV_EOF || nread == UV_EIO ? "closed by the device"
                                                             : uv_strerror((int)nread));
}

static int start_reading(conn_t *c, char *err, size_t err_size)
{
    int rc = uv_read_start(&c->h.stream, on_alloc, on_read);

    if (rc < 0)
        set_err(err, err_size, "cannot read from", c->peer, uv_strerror(rc));
    return rc == 0;
}

static void on_write_done(uv_write_t *req, int status)
{
    conn_t *c = req->data;

    if (!c->closing)
        c->handlers.on_written(c->handlers.user, status < 0 ? uv_strerror(status) : NULL);
}

static int write_tls(conn_t *c, const uint8_t *data, size_t len, char *err, size_t err_size);

int conn_write(conn_t *conn, const uint8_t *data, size_t len, char *err, size_t err_size)
{
    uv_buf_t buf = uv_buf_init((char *)data, (unsigned)len);
    int rc;

    if (conn->tls)
        return write_tls(conn, data, len, err, err_size);
    conn->write_req.data = conn;
    rc = uv_write(&conn->write_req, &conn->h.stream, &buf, 1, on_write_done);
    if (rc < 0)
        set_err(err, err_size, "cannot send to", conn->peer, uv_strerror(rc));
    return rc == 0;
}

/* ========================================================================
 * TLS: records out, records in (loop thread, like everything here)
 * ======================================================================== */

/* tls_send_fn: a record joins the batch that goes out next. */
static bool take_record(void *user, const uint8_t *data, size_t size)
{
    conn_t *c = user;

    if (c->rec_len + size > c->rec_cap) {
        size_t cap = (c->rec_len + size) * 2;
        uint8_t *grown = realloc(c->rec, cap);

        if (!grown)
            return false;
        c->rec = grown;
        c->rec_cap = cap;
    }
    memcpy(c->rec + c->rec_len, data, size);
    c->rec_len += size;
    return true;
}

/* A failed write of handshake records or alerts is not reported here: the
 * read side fails too and says so, or the session's timer ends the wait. */
static void on_tls_written(uv_write_t *req, int status)
{
    tls_write_t *w = req->data;
    conn_t *c = w->conn;
    bool report = w->report;

    free(w);
    if (report && !c->closing)
        c->handlers.on_written(c->handlers.user, status < 0 ? uv_strerror(status) : NULL);
}

/* Hands the batch of records to libuv. 0 with err if it refuses. */
static int send_records(conn_t *c, bool report, char *err, size_t err_size)
{
    tls_write_t *w;
    uv_buf_t buf;
    int rc;

    if (c->rec_len == 0 && !report)
        return 1;
    if (!(w = malloc(sizeof(*w) + c->rec_len))) {
        snprintf(err, err_size, "out of memory");
        return 0;
    }
    w->conn = c;
    w->report = report;
    w->req.data = w;
    memcpy(w->data, c->rec, c->rec_len);
    buf = uv_buf_init((char *)w->data, (unsigned)c->rec_len);
    c->rec_len = 0;
    rc = uv_write(&w->req, &c->h.stream, &buf, 1, on_tls_written);
    if (rc < 0) {
        free(w);
        set_err(err, err_size, "cannot send to", c->peer, uv_strerror(rc));
        return 0;
    }
    return 1;
}

static int write_tls(conn_t *c, const uint8_t *data, size_t len, char *err, size_t err_size)
{
    char why[256];

    c->plain_len = len;
    if (!tls_client_write(c->tls, data, len, why, sizeof(why))) {
        set_err(err, err_size, "cannot send to", c->peer, why);
        return 0;
    }
    return send_records(c, true, err, err_size);
}

/* The close_notify, if the socket takes it now: pending writes are about
 * to be cancelled anyway, and the device reads an orderly goodbye. */
static void tls_goodbye(conn_t *c)
{
    uv_buf_t buf;

    c->rec_len = 0;
    tls_client_close(c->tls);
    buf = uv_buf_init((char *)c->rec, (unsigned)c->rec_len);
    if (c->rec_len)
        uv_try_write(&c->h.stream, &buf, 1);
    c->rec_len = 0;
}

static void tls_handshake_failed(conn_t *c, const char *why)
{
    char err[768];

    snprintf(err, sizeof(err), "TLS handshake with %s failed: %s", c->peer, why);
    uv_read_stop(&c->h.stream);
    c->handlers.on_open(c->handlers.user, err);
}

/* Advances the handshake; true once it is done and the session was told. */
static bool tls_handshake(conn_t *c)
{
    char why[512], err[512];
    tls_result_t r = tls_client_handshake(c->tls, why, sizeof(why));

    if (!send_records(c, false, err, sizeof(err))) {
        tls_handshake_failed(c, err);
        return false;
    }
    if (r == TLS_FAILED)
        tls_handshake_failed(c, why);
    if (r != TLS_DONE)
        return false;
    c->handlers.on_open(c->handlers.user, NULL);
    return !c->closing;
}

/* Bytes from the device: the handshake, then plaintext for the session,
 * until the read is used up (tls.h) or the session closed the conn. */
static void tls_read(conn_t *c, const uint8_t *data, size_t len)
{
    uint8_t plain[16 * 1024];
    char why[512], err[512];
    long got = 0;

    tls_client_input(c->tls, data, len);
    if (!tls_client_up(c->tls) && !tls_handshake(c))
        return;
    while (!c->closing && (got = tls_client_read(c->tls, plain, sizeof(plain), why,
                                                 sizeof(why))) > 0)
        c->handlers.on_data(c->handlers.user, plain, (size_t)got);
    if (c->closing)
        return;
    if (got == 0 && send_records(c, false, err, sizeof(err)))
        return;
    uv_read_stop(&c->h.stream);
    c->handlers.on_closed(c->handlers.user, got < 0 ? why : err);
}

/* ========================================================================
 * TCP
 * ======================================================================== */

static void on_connected(uv_connect_t *req, int status)
{
    conn_t *c = req->data;
    char err[512];

    if (c->closing)
        return;
    if (status < 0) {
        set_err(err, sizeof(err), "cannot connect to", c->peer, uv_strerror(status));
        c->handlers.on_open(c->handlers.user, err);
        return;
    }
    /* Requests are small and latency matters more than packing. */
    uv_tcp_nodelay(&c->h.tcp, 1);
    c->connected = true;
    if (!start_reading(c, err, sizeof(err))) {
        c->handlers.on_open(c->handlers.user, err);
        return;
    }
    if (!c->tls) {
        c->handlers.on_open(c->handlers.user, NULL);
        return;
    }
    tls_client_input(c->tls, NULL, 0);
    tls_handshake(c); /* sends the hello; on_open comes when it is done */
}

/* An address of host, synchronously (numeric addresses need no lookup; a
 * name is resolved once, before anything else happens). IPv4 is preferred:
 * the reference speaks only IPv4, so devices listen there, while a name such
 * as "localhost" may list ::1 first. */
static int resolve(uv_loop_t *loop, const char *host, uint16_t port,
                   struct sockaddr_storage *out_addr, const char *peer, char *err,
                   size_t err_size)
{
    struct addrinfo hints = { 0 };
    const struct addrinfo *ai, *pick;
    uv_getaddrinfo_t req;
    char service[8];
    int rc;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    rc = uv_getaddrinfo(loop, &req, NULL, host, service, &hints);
    if (rc < 0) {
        set_err(err, err_size, "cannot resolve address", peer, uv_strerror(rc));
        return 0;
    }
    pick = req.addrinfo;
    for (ai = req.addrinfo; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
    }
    memcpy(out_addr, pick->ai_addr, pick->ai_addrlen);
    uv_freeaddrinfo(req.addrinfo);
    return 1;
}

/* tls NULL: plain TCP. */
static conn_t *open_tcp(uv_loop_t *loop, const char *address, uint16_t port,
                        const tls_options_t *tls, const conn_handlers_t *handlers, char *err,
                        size_t err_size)
{
    struct sockaddr_storage addr;
    char peer[300];
    conn_t *c;
    int rc;

    snprintf(peer, sizeof(peer), strchr(address, ':') ? "[%s]:%u" : "%s:%u", address,
             (unsigned)port);
    if (!resolve(loop, address, port, &addr, peer, err, err_size))
        return NULL;
    if (!(c = conn_new(handlers, peer))) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (tls && !(c->tls = tls_client_new(tls, address, take_record, c, err, err_size))) {
        conn_free(c);
        return NULL;
    }
    uv_tcp_init(loop, &c->h.tcp);
    c->h.handle.data = c;
    c->connect_req.data = c;
    rc = uv_tcp_connect(&c->connect_req, &c->h.tcp, (const struct sockaddr *)&addr,
                        on_connected);
    if (rc < 0) {
        set_err(err, err_size, "cannot connect to", peer, uv_strerror(rc));
        conn_close(c);
        return NULL;
    }
    return c;
}

conn_t *conn_open_tcp(uv_loop_t *loop, const char *address, uint16_t port,
                      const conn_handlers_t *handlers, char *err, size_t err_size)
{
    return open_tcp(loop, address, port, NULL, handlers, err, err_size);
}

conn_t *conn_open_tls(uv_loop_t *loop, const char *address, uint16_t port,
                      const tls_options_t *tls, const conn_handlers_t *handlers, char *err,
                      size_t err_size)
{
    return open_tcp(loop, address, port, tls, handlers, err, err_size);
}

/* ========================================================================
 * UART
 * ======================================================================== */

static const struct { uint32_t baud; speed_t speed; } bauds[] = {
    { 1200, B1200 },       { 2400, B2400 },       { 4800, B4800 },
    { 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
    { 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },
    { 460800, B460800 },   { 500000, B500000 },   { 576000, B576000 },
    { 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 },
    { 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
    { 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

static int baud_speed(uint32_t baud, speed_t *out_speed)
{
    for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
        if (bauds[i].baud == baud) {
            *out_speed = bauds[i].speed;
            return 1;
        }
    }
    return 0;
}

/* Raw 8N1, no flow control, no modem lines, reads return what is there. */
static int configure_tty(int fd, speed_t speed, const char *device, char *err,
                         size_t err_size)
{
    struct termios t;

    if (tcgetattr(fd, &t) != 0) {
        set_err(err, err_size, "cannot use UART device", device,
                errno == ENOTTY ? "not a serial or terminal device" : strerror(errno));
        return 0;
    }
    cfmakeraw(&t);
    t.c_cflag &= ~(tcflag_t)(CSIZE | CSTOPB | PARENB | CRTSCTS);
    t.c_cflag |= CS8 | CLOCAL | CREAD;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (cfsetispeed(&t, speed) != 0 || cfsetospeed(&t, speed) != 0
        || tcsetattr(fd, TCSANOW, &t) != 0) {
        set_err(err, err_size, "cannot configure UART device", device, strerror(errno));
        return 0;
    }
    /* Bytes from before this run belong to nobody. */
    tcflush(fd, TCIFLUSH);
    return 1;
}

conn_t *conn_open_uart(uv_loop_t *loop, const char *device, uint32_t baud,
                       const conn_handlers_t *handlers, char *err, size_t err_size)
{
    speed_t speed;
    conn_t *c;
    int fd, rc;

    if (!baud_speed(baud, &speed)) {
        snprintf(err, err_size, "unsupported baud rate %u for UART device %s (supported: "
                 "1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, "
                 "500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, "
                 "3000000, 3500000, 4000000)", (unsigned)baud, device);
        return NULL;
    }
    /* O_NONBLOCK: a serial port without carrier must not block the open. */
    if ((fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        set_err(err, err_size, "cannot open UART device", device, strerror(errno));
        return NULL;
    }
    if (!configure_tty(fd, speed, device, err, err_size)) {
        close(fd);
        return NULL;
    }
    if (!(c = conn_new(handlers, device))) {
        snprintf(err, err_size, "out of memory");
        close(fd);
        return NULL;
    }
    uv_pipe_init(loop, &c->h.pipe, 0);
    c->h.handle.data = c;
    if ((rc = uv_pipe_open(&c->h.pipe, fd)) < 0) {
        set_err(err, err_size, "cannot use UART device", device, uv_strerror(rc));
        close(fd);
        conn_close(c);
        return NULL;
    }
    if (!start_reading(c, err, err_size)) {
        conn_close(c);
        return NULL;
    }
    return c;
}
