/* The transport host (transport.h): options, the loop and its two wakeups
 * (queued output or bus work, and stop), stats, log lines, address helpers,
 * and the closing order of tp_host_free. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link_parser.h"
#include "tp_internal.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

void tpi_log(tp_host_t *h, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    am_vlog_to(h->opt.log, h->opt.log_user, "transport", level, fmt, ap);
    va_end(ap);
}

/* Blocking resolution (uv_getaddrinfo without a callback) is fine here:
 * it runs once per listen or connect call, before the loop serves anyone. */
bool tpi_resolve(tp_host_t *h, const char *addr, uint16_t port,
                 struct sockaddr_storage *out_addr, char *err, uint32_t err_size)
{
    uv_getaddrinfo_t req;
    struct addrinfo hints;
    char service[8];
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    rc = uv_getaddrinfo(&h->loop, &req, NULL, addr ? addr : "0.0.0.0", service, &hints);
    if (rc || !req.addrinfo) {
        am_set_err(err, err_size, "cannot resolve %s: %s", addr ? addr : "0.0.0.0",
                   rc ? uv_strerror(rc) : "no address");
        return false;
    }
    memset(out_addr, 0, sizeof *out_addr);
    memcpy(out_addr, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
    uv_freeaddrinfo(req.addrinfo);
    return true;
}

void tpi_format_addr(const struct sockaddr *sa, char *out, size_t size)
{
    char ip[64] = "?";
    unsigned port = 0;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        uv_ip4_name(in, ip, sizeof ip);
        port = ntohs(in->sin_port);
        snprintf(out, size, "%s:%u", ip, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(in6, ip, sizeof ip);
        port = ntohs(in6->sin6_port);
        snprintf(out, size, "[%s]:%u", ip, port);
    } else {
        snprintf(out, size, "?");
    }
}

void tpi_stats_add(tp_host_t *h, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&h->lock);
    *field += n;
    pthread_mutex_unlock(&h->lock);
}

void tp_get_stats(tp_host_t *h, tp_stats_t *out_stats)
{
    pthread_mutex_lock(&h->lock);
    *out_stats = h->stats;
    pthread_mutex_unlock(&h->lock);
}

/* ------------------------------------------------------------------------
 * The loop
 * ------------------------------------------------------------------------ */

/* Buses attached from other threads join conns here, on the loop thread. */
static void adopt_buses(tp_host_t *h)
{
    tp_conn_t *list;

    pthread_mutex_lock(&h->lock);
    list = h->attaching;
    h->attaching = NULL;
    pthread_mutex_unlock(&h->lock);
    while (list) {
        tp_conn_t *c = list;
        list = c->next;
        c->next = h->conns;
        h->conns = c;
    }
}

/* One wakeup serves every connection: each looks at its own queues. With
 * no async handle per connection, a write callback never signals a handle
 * that a closing connection is tearing down. */
static void on_wake(uv_async_t *async)
{
    tp_host_t *h = async->data;
    tp_conn_t *next;

    adopt_buses(h);
    for (tp_conn_t *c = h->conns; c; c = next) {
        next = c->next; /* servicing c may close (unlink) c, never another */
        tpi_conn_service(c);
    }
}

static void on_stop(uv_async_t *async)
{
    tp_host_t *h = async->data;

    h->stopped = true;
    uv_stop(&h->loop);
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

static void resolve_options(tp_options_t *o)
{
    if (!o->max_message_size)
        o->max_message_size = LP_DEFAULT_MAX_SIZE;
    if (!o->max_connections)
        o->max_connections = 8;
    if (!o->max_output_bytes)
        o->max_output_bytes = 8u << 20;
    if (!o->reconnect_min_ms)
        o->reconnect_min_ms = 100;
    if (!o->reconnect_max_ms)
        o->reconnect_max_ms = 10000;
    if (o->reconnect_max_ms < o->reconnect_min_ms)
        o->reconnect_max_ms = o->reconnect_min_ms;
}

tp_host_t *tp_host_new(am_t *am, const tp_options_t *opt, char *err, uint32_t err_size)
{
    tp_host_t *h;
    int rc;

    if (!am) {
        am_set_err(err, err_size, "no app manager");
        return NULL;
    }
    if (!(h = calloc(1, sizeof *h))) {
        am_set_err(err, err_size, "out of memory");
        return NULL;
    }
    h->am = am;
    if (opt)
        h->opt = *opt;
    resolve_options(&h->opt);
    if ((rc = uv_loop_init(&h->loop)) != 0) {
        am_set_err(err, err_size, "cannot start the event loop: %s", uv_strerror(rc));
        free(h);
        return NULL;
    }
    /* Async handles cannot fail on an initialised loop short of fd
     * exhaustion, which uv_loop_init would have met first. */
    uv_async_init(&h->loop, &h->wake, on_wake);
    uv_async_init(&h->loop, &h->stopper, on_stop);
    h->wake.data = h;
    h->stopper.data = h;
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

int tp_run(tp_host_t *h)
{
    h->stopped = false;
    uv_run(&h->loop, UV_RUN_DEFAULT);
    return h->stopped ? 0 : -1;
}

void tp_stop(tp_host_t *h)
{
    uv_async_send(&h->stopper);
}

void tpi_free_on_close(uv_handle_t *handle)
{
    free(handle);
}

/* Sessions first (after ls_close no write callback can touch a queue or
 * the wake handle), then every handle; the loop runs once more so that
 * their close callbacks free the connections. */
void tp_host_free(tp_host_t *h)
{
    if (!h)
        return;
    h->freeing = true; /* no reopen is scheduled from here on */
    adopt_buses(h);
    while (h->conns)
        tpi_conn_close(h->conns, NULL);
    while (h->links) {
        tp_link_t *link = h->links;
        h->links = link->next;
        tpi_link_close(link);
    }
    if (h->listener)
        uv_close((uv_handle_t *)h->listener, tpi_free_on_close);
    uv_close((uv_handle_t *)&h->wake, NULL);
    uv_close((uv_handle_t *)&h->stopper, NULL);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&h->loop) != 0)
        tpi_log(h, 0, "a loop handle is still open at tp_host_free");
    pthread_mutex_destroy(&h->lock);
    free(h);
}
