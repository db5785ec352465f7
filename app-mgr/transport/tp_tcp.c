/* TCP: the server (several hosts at once, contract section 1 [better], one
 * over max_connections accepted and closed at once) and client mode (the
 * device connects to a listening host tool and reconnects by itself); both
 * either plain or in TLS (tp_tls.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_internal.h"

/* ------------------------------------------------------------------------
 * Reading, shared by both directions
 * ------------------------------------------------------------------------ */

/* Every read lands in the host's buffer: ls_feed consumes it at once and
 * only the loop thread reads. */
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *out_buf)
{
    tp_conn_t *c = handle->data;

    (void)suggested;
    *out_buf = uv_buf_init((char *)c->host->rbuf, sizeof c->host->rbuf);
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    tp_conn_t *c = stream->data;

    if (n > 0 && c->tls)
        tpi_tls_feed(c, (const uint8_t *)buf->base, (size_t)n);
    else if (n > 0)
        tpi_conn_feed(c, (const uint8_t *)buf->base, (size_t)n);
    else if (n < 0 && c->tls)
        tpi_tls_closed(c, n == UV_EOF ? "end of stream" : uv_strerror((int)n));
    else if (n < 0)
        tpi_conn_close(c, n == UV_EOF ? "end of stream" : uv_strerror((int)n));
}

/* The session (with TLS: the handshake, and the session once it is done),
 * TCP_NODELAY (small responses must not wait for Nagle) and reading.
 * False: c is closed (a client's link retries). */
static bool stream_start(tp_conn_t *c)
{
    int rc;

    if (c->host->tls ? !tpi_tls_start(c) : !tpi_conn_start(c)) {
        tpi_conn_close(c, "no session");
        return false;
    }
    uv_tcp_nodelay(&c->uv.tcp, 1);
    if ((rc = uv_read_start(&c->uv.stream, on_alloc, on_read)) != 0) {
        tpi_conn_close(c, uv_strerror(rc));
        return false;
    }
    if (c->tls) /* a client's hello goes out now; a server waits for one */
        tpi_tls_feed(c, NULL, 0);
    return !c->closing;
}

/* The peer's address into out_addr, and c's name for log lines. */
static void peer_name(tp_conn_t *c, char *out_addr, size_t size)
{
    struct sockaddr_storage sa;
    int len = sizeof sa;

    snprintf(out_addr, size, "?");
    if (uv_tcp_getpeername(&c->uv.tcp, (struct sockaddr *)&sa, &len) == 0)
        tpi_format_addr((struct sockaddr *)&sa, out_addr, size);
    snprintf(c->name, sizeof c->name, "host %s", out_addr);
}

/* ------------------------------------------------------------------------
 * Server
 * ------------------------------------------------------------------------ */

static tp_conn_t *new_tcp_conn(tp_host_t *h, tp_kind_t kind)
{
    tp_conn_t *c = tpi_conn_new(h, kind, sizeof *c);

    if (!c)
        return NULL;
    uv_tcp_init(&h->loop, &c->uv.tcp);
    c->uv.handle.data = c;
    c->has_handle = true;
    return c;
}

static void on_connection(uv_stream_t *server, int status)
{
    tp_host_t *h = server->data;
    char addr[64];
    tp_conn_t *c;

    if (status < 0) {
        tpi_log(h, 1, "accept: %s", uv_strerror(status));
        return;
    }
    if (!(c = new_tcp_conn(h, TP_SERVED))) {
        tpi_log(h, 0, "accept: out of memory");
        return;
    }
    if (uv_accept(server, &c->uv.stream) != 0) {
        tpi_conn_close(c, NULL);
        return;
    }
    peer_name(c, addr, sizeof addr);
    if (h->served >= h->opt.max_connections) {
        tpi_log(h, 1, "%s refused: %u hosts are served already", c->name, h->served);
        tpi_stats_add(h, &h->stats.refused, 1);
        tpi_conn_close(c, NULL);
        return;
    }
    h->served++;
    c->served = true;
    if (!stream_start(c))
        return;
    tpi_stats_add(h, &h->stats.accepted, 1);
    tpi_log(h, 2, "host connected from %s%s", addr, c->tls ? " (TLS handshake)" : "");
}

bool tp_tcp_listen(tp_host_t *h, const char *addr, uint16_t port, char *err, uint32_t err_size)
{
    struct sockaddr_storage sa;
    char name[80];
    int rc, len;

    if (h->listener) {
        am_set_err(err, err_size, "already listening");
        return false;
    }
    if (!tpi_resolve(h, addr, port, &sa, err, err_size))
        return false;
    if (!(h->listener = malloc(sizeof *h->listener))) {
        am_set_err(err, err_size, "out of memory");
        return false;
    }
    uv_tcp_init(&h->loop, h->listener);
    h->listener->data = h;
    rc = uv_tcp_bind(h->listener, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)h->listener, 16, on_connection);
    if (rc != 0) {
        tpi_format_addr((struct sockaddr *)&sa, name, sizeof name);
        am_set_err(err, err_size, "cannot listen on %s: %s", name, uv_strerror(rc));
        uv_close((uv_handle_t *)h->listener, tpi_free_on_close);
        h->listener = NULL;
        return false;
    }
    len = sizeof sa; /* the bound address says which port 0 became */
    uv_tcp_getsockname(h->listener, (struct sockaddr *)&sa, &len);
    tpi_format_addr((struct sockaddr *)&sa, name, sizeof name);
    tpi_log(h, 2, "listening on %s", name);
    return true;
}

uint16_t tp_tcp_port(tp_host_t *h)
{
    struct sockaddr_storage sa;
    int len = sizeof sa;

    if (!h->listener || uv_tcp_getsockname(h->listener, (struct sockaddr *)&sa, &len) != 0)
        return 0;
    if (sa.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&sa)->sin_port);
    if (sa.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    return 0;
}

/* ------------------------------------------------------------------------
 * Client
 * ------------------------------------------------------------------------ */

/* A failed attempt is closed with its reason: the link retries. */
static void on_connected(uv_connect_t *req, int status)
{
    tp_conn_t *c = req->handle->data;
    tp_link_t *link = req->data;

    if (c->closing) /* tp_host_free cancelled the attempt */
        return;
    if (status < 0) {
        tpi_conn_close(c, uv_strerror(status));
        return;
    }
    snprintf(c->name, sizeof c->name, "%s", link->name);
    if (!stream_start(c))
        return;
    if (c->tls) { /* the link is up when the handshake is done (tp_tls.c) */
        tpi_log(c->host, 2, "connected to %s (TLS handshake)", link->name);
        return;
    }
    tpi_link_up(link);
    tpi_log(c->host, 2, "connected to %s", link->name);
}

static void client_start(tp_link_t *link)
{
    tp_conn_t *c = new_tcp_conn(link->host, TP_CLIENT);
    int rc;

    if (!c) {
        tpi_link_retry(link, "out of memory");
        return;
    }
    c->link = link;
    link->connect_req.data = link;
    rc = uv_tcp_connect(&link->connect_req, &c->uv.tcp, (const struct sockaddr *)&link->addr,
                        on_connected);
    if (rc != 0)
        tpi_conn_close(c, uv_strerror(rc));
}

bool tp_tcp_connect(tp_host_t *h, const char *addr, uint16_t port, char *err, uint32_t err_size)
{
    struct sockaddr_storage sa;
    tp_link_t *link;
    char name[64];

    if (!addr) {
        am_set_err(err, err_size, "no host address");
        return false;
    }
    if (h->tls && !tpi_tls_can_connect(h->tls)) {
        am_set_err(err, err_size, "TLS client mode needs a CA to verify the host "
                    "(tp_tls_options_t.ca_file)");
        return false;
    }
    if (!tpi_resolve(h, addr, port, &sa, err, err_size))
        return false;
    if (!(link = tpi_link_new(h, client_start))) {
        am_set_err(err, err_size, "out of memory");
        return false;
    }
    link->addr = sa;
    snprintf(link->target, sizeof link->target, "%s", addr);
    tpi_format_addr((struct sockaddr *)&sa, name, sizeof name);
    snprintf(link->name, sizeof link->name, "host %s", name);
    tpi_log(h, 2, "connecting to %s", link->name);
    client_start(link);
    return true;
}
