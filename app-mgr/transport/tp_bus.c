/* The custom bus (transport.h): any byte pipe (SPI, BLE, USB, a test) as one
 * host connection. The pipe's driver calls in from its own threads: bytes
 * received, "writable again" and detach are recorded under the connection's
 * lock and acted on at the loop's next wakeup, in order. */
#include <stdio.h>
#include <stdlib.h>

#include "tp_internal.h"

struct tp_bus {
    tp_conn_t conn; /* first: a TP_BUS connection is its bus */
    tp_bus_ops_t ops;
    void *user;
    /* guarded by conn.lock */
    tp_list_t in;
    size_t in_pending;
    bool detached;
    bool writable;
};

/* ------------------------------------------------------------------------
 * Loop thread
 * ------------------------------------------------------------------------ */

static long bus_write(tp_conn_t *c, const uint8_t *data, size_t size)
{
    tp_bus_t *b = (tp_bus_t *)c;
    bool detached;
    size_t n;

    pthread_mutex_lock(&c->lock);
    detached = b->detached;
    pthread_mutex_unlock(&c->lock);
    if (detached) /* the driver said goodbye: no more writes reach it */
        return (long)size;
    n = b->ops.write(b->user, data, size);
    return (long)(n > size ? size : n);
}

/* Detach wins over input still waiting: the connection is over. */
static bool bus_service(tp_conn_t *c)
{
    tp_bus_t *b = (tp_bus_t *)c;
    bool detached, writable;
    tp_list_t in;

    pthread_mutex_lock(&c->lock);
    in = b->in;
    b->in.head = b->in.tail = NULL;
    b->in_pending = 0;
    detached = b->detached;
    writable = b->writable;
    b->writable = false;
    pthread_mutex_unlock(&c->lock);
    if (detached) {
        tpi_list_free(&in);
        tpi_conn_close(c, "detached");
        return false;
    }
    if (writable)
        c->blocked = false;
    for (tp_chunk_t *k = in.head; k; k = k->next)
        tpi_conn_feed(c, k->data, k->size);
    tpi_list_free(&in);
    return true;
}

static void bus_release(tp_conn_t *c)
{
    tp_bus_t *b = (tp_bus_t *)c;

    tpi_list_free(&b->in);
    if (b->ops.closed)
        b->ops.closed(b->user);
}

/* ------------------------------------------------------------------------
 * API (any thread)
 * ------------------------------------------------------------------------ */

tp_bus_t *tp_bus_attach(tp_host_t *h, const tp_bus_ops_t *ops, void *user)
{
    tp_bus_t *b;
    tp_conn_t *c;
    uint32_t n;

    if (!h || !ops || !ops->write || !(b = (tp_bus_t *)tpi_conn_new(h, TP_BUS, sizeof *b)))
        return NULL;
    c = &b->conn;
    b->ops = *ops;
    b->user = user;
    c->pipe_write = bus_write;
    c->service = bus_service;
    pthread_mutex_lock(&h->lock);
    n = ++h->buses;
    pthread_mutex_unlock(&h->lock);
    snprintf(c->name, sizeof c->name, "bus %u", (unsigned)n);
    if (!tpi_conn_start(c)) { /* never listed: nobody else knows it */
        pthread_mutex_destroy(&c->lock);
        free(b);
        return NULL;
    }
    c->release = bus_release; /* from here on, closed will be called */
    pthread_mutex_lock(&h->lock);
    c->next = h->attaching;
    h->attaching = c;
    pthread_mutex_unlock(&h->lock);
    uv_async_send(&h->wake);
    return b;
}

bool tp_bus_receive(tp_bus_t *bus, const uint8_t *data, size_t size)
{
    tp_conn_t *c = &bus->conn;
    tp_host_t *h = c->host;
    tp_chunk_t *k = NULL;
    bool room;

    if (size == 0)
        return true;
    pthread_mutex_lock(&c->lock);
    room = !bus->detached &&
           (bus->in_pending == 0 || bus->in_pending + size <= TP_BUS_MAX_PENDING);
    if (room && (k = tpi_chunk_new(data, size)) != NULL) {
        tpi_list_append(&bus->in, k);
        bus->in_pending += size;
    }
    pthread_mutex_unlock(&c->lock);
    if (k)
        uv_async_send(&h->wake);
    return k != NULL;
}

void tp_bus_writable(tp_bus_t *bus)
{
    tp_host_t *h = bus->conn.host;

    pthread_mutex_lock(&bus->conn.lock);
    bus->writable = true;
    pthread_mutex_unlock(&bus->conn.lock);
    uv_async_send(&h->wake);
}

/* h is read first: once the lock is released the loop may free the bus. */
void tp_bus_detach(tp_bus_t *bus)
{
    tp_host_t *h = bus->conn.host;

    pthread_mutex_lock(&bus->conn.lock);
    bus->detached = true;
    pthread_mutex_unlock(&bus->conn.lock);
    uv_async_send(&h->wake);
}
