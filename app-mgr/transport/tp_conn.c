/* One host connection: its link session, its output queue under the bound
 * of transport.h, and the writing of that queue either to a libuv stream
 * (uv_write) or to a pipe that takes what it can (UART, bus). The session's
 * write callback is the only code here that runs off the loop thread. */
#include <stdlib.h>
#include <string.h>

#include "link_parser.h"
#include "tp_internal.h"

/* ------------------------------------------------------------------------
 * Chunks and lists
 * ------------------------------------------------------------------------ */

tp_chunk_t *tpi_chunk_new(const uint8_t *data, size_t size)
{
    tp_chunk_t *k = malloc(sizeof *k + size);

    if (!k)
        return NULL;
    memset(k, 0, sizeof *k);
    k->size = size;
    memcpy(k->data, data, size);
    return k;
}

void tpi_list_append(tp_list_t *list, tp_chunk_t *k)
{
    k->next = NULL;
    if (list->tail)
        list->tail->next = k;
    else
        list->head = k;
    list->tail = k;
}

static void list_splice(tp_list_t *dst, tp_list_t *src)
{
    if (!src->head)
        return;
    if (dst->tail)
        dst->tail->next = src->head;
    else
        dst->head = src->head;
    dst->tail = src->tail;
    src->head = src->tail = NULL;
}

static tp_chunk_t *list_pop(tp_list_t *list)
{
    tp_chunk_t *k = list->head;

    if (k) {
        list->head = k->next;
        if (!list->head)
            list->tail = NULL;
    }
    return k;
}

void tpi_list_free(tp_list_t *list)
{
    tp_chunk_t *k;

    while ((k = list_pop(list)))
        free(k);
}

/* ------------------------------------------------------------------------
 * The session's write callback (loop or delivery thread)
 * ------------------------------------------------------------------------ */

typedef enum verdict { QUEUE, DROP, STUCK } verdict_t;

static bool is_event(const uint8_t *data, size_t size)
{
    return size >= LP_HEADER_SIZE && ((data[2] << 8) | data[3]) == LP_TYPE_REQUEST;
}

/* The output bound of transport.h for one more message of size bytes. */
static verdict_t bound(const tp_conn_t *c, size_t size, bool event)
{
    uint64_t limit = (uint64_t)c->host->opt.max_output_bytes * (event ? 1 : 2);

    if (c->stuck)
        return STUCK;
    if (c->queued == 0 || c->queued + size <= limit)
        return QUEUE;
    return event ? DROP : STUCK;
}

static void note_output(tp_host_t *h, size_t queued, bool dropped)
{
    pthread_mutex_lock(&h->lock);
    if (queued > h->stats.max_queued)
        h->stats.max_queued = queued;
    h->stats.events_dropped += dropped;
    pthread_mutex_unlock(&h->lock);
}

/* Copies the message into the queue and wakes the loop: libuv may only be
 * used on the loop thread. Returns 0 also for a dropped event (counted
 * here); -1 when stuck or out of memory (the session counts it). */
static int conn_write(void *user, const uint8_t *data, size_t size)
{
    tp_conn_t *c = user;
    tp_host_t *h = c->host;
    bool event = is_event(data, size), first_drop = false, first_stuck = false;
    tp_chunk_t *k = NULL;
    verdict_t v;
    size_t queued;

    pthread_mutex_lock(&c->lock);
    v = bound(c, size, event);
    if (v == QUEUE && (k = tpi_chunk_new(data, size)) != NULL) {
        tpi_list_append(&c->out, k);
        c->queued += size;
    } else if (v == DROP) {
        first_drop = c->dropped++ == 0;
    } else if (v == STUCK) {
        first_stuck = !c->stuck;
        c->stuck = true;
    }
    queued = c->queued;
    pthread_mutex_unlock(&c->lock);
    note_output(h, queued, v == DROP);
    if (first_drop)
        tpi_log(h, 1, "%s does not read: events over %u queued bytes are dropped", c->name,
                h->opt.max_output_bytes);
    if (k || first_stuck)
        uv_async_send(&h->wake);
    return k || v == DROP ? 0 : -1;
}

/* ------------------------------------------------------------------------
 * Writing the queue (loop thread)
 * ------------------------------------------------------------------------ */

static void chunk_done(tp_conn_t *c, tp_chunk_t *k)
{
    pthread_mutex_lock(&c->lock);
    c->queued -= k->size;
    pthread_mutex_unlock(&c->lock);
    free(k);
}

/* A stream write failed: the peer is gone. TLS says so if it was still in
 * its handshake (a silent close would hide a refused handshake). */
static void write_failed(tp_conn_t *c, int status)
{
    if (c->tls)
        tpi_tls_closed(c, uv_strerror(status));
    else
        tpi_conn_close(c, uv_strerror(status));
}

/* Runs for every write, also those cancelled by uv_close (before the close
 * callback frees c). */
static void on_written(uv_write_t *req, int status)
{
    tp_chunk_t *k = req->data;
    tp_conn_t *c = k->conn;

    if (status == 0)
        tpi_stats_add(c->host, &c->host->stats.bytes_out, k->size);
    chunk_done(c, k);
    if (status < 0 && status != UV_ECANCELED && !c->closing)
        write_failed(c, status);
}

/* libuv keeps the chunks until written; they stay counted in queued. */
static void write_stream(tp_conn_t *c)
{
    tp_chunk_t *k;

    while (!c->closing && (k = list_pop(&c->sending))) {
        uv_buf_t buf = uv_buf_init((char *)k->data, (unsigned)k->size);
        int rc;

        k->conn = c;
        k->req.data = k;
        rc = uv_write(&k->req, &c->uv.stream, &buf, 1, on_written);
        if (rc) {
            chunk_done(c, k);
            write_failed(c, rc);
        }
    }
}

/* A pipe takes what it can; the rest waits until it is writable again. */
static void write_pipe(tp_conn_t *c)
{
    tp_chunk_t *k;

    while (!c->closing && !c->blocked && (k = c->sending.head)) {
        long n = c->pipe_write(c, k->data + k->done, k->size - k->done);

        if (n < 0) {
            tpi_conn_close(c, strerror((int)-n));
            return;
        }
        k->done += (size_t)n;
        tpi_stats_add(c->host, &c->host->stats.bytes_out, (uint64_t)n);
        if (k->done < k->size) {
            c->blocked = true;
            return;
        }
        list_pop(&c->sending);
        chunk_done(c, k);
    }
}

/* TLS records (tp_tls.c): appended to what is being sent and counted in
 * the bound like the messages they carry. False: out of memory. */
bool tpi_conn_send_raw(tp_conn_t *c, const uint8_t *data, size_t size)
{
    tp_chunk_t *k = tpi_chunk_new(data, size);

    if (!k)
        return false;
    pthread_mutex_lock(&c->lock);
    c->queued += size;
    pthread_mutex_unlock(&c->lock);
    tpi_list_append(&c->sending, k);
    return true;
}

/* TLS: each message becomes records here, on the loop thread, so that the
 * TLS state is only ever used by one thread and the write callback stays a
 * copy under the lock (transport.h). A failure closes c; the rest goes. */
static void encrypt_all(tp_conn_t *c, tp_list_t *plain)
{
    tp_chunk_t *k;

    while ((k = list_pop(plain))) {
        if (!c->closing)
            tpi_tls_encrypt(c, k->data, k->size);
        chunk_done(c, k);
    }
}

void tpi_conn_flush(tp_conn_t *c)
{
    tp_list_t plain = {NULL, NULL};

    if (c->closing)
        return;
    pthread_mutex_lock(&c->lock);
    list_splice(c->tls ? &plain : &c->sending, &c->out);
    pthread_mutex_unlock(&c->lock);
    if (c->tls)
        encrypt_all(c, &plain);
    if (c->pipe_write)
        write_pipe(c);
    else
        write_stream(c);
}

/* ------------------------------------------------------------------------
 * Life cycle (loop thread, but tpi_conn_new, which also runs on bus
 * attachers' threads)
 * ------------------------------------------------------------------------ */

tp_conn_t *tpi_conn_new(tp_host_t *h, tp_kind_t kind, size_t struct_size)
{
    tp_conn_t *c = calloc(1, struct_size);

    if (!c)
        return NULL;
    c->host = h;
    c->kind = kind;
    c->fd = -1;
    pthread_mutex_init(&c->lock, NULL);
    if (kind != TP_BUS) { /* a bus joins conns on the loop thread */
        c->next = h->conns;
        h->conns = c;
    }
    return c;
}

static void count_connection(tp_host_t *h, int delta)
{
    pthread_mutex_lock(&h->lock);
    h->stats.connections += (uint32_t)delta;
    pthread_mutex_unlock(&h->lock);
}

/* The connection is up: a session of its own (counted). */
bool tpi_conn_start(tp_conn_t *c)
{
    tp_host_t *h = c->host;
    ls_config_t cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.max_message_size = h->opt.max_message_size;
    cfg.write = conn_write;
    cfg.user = c;
    cfg.log = h->opt.log;
    cfg.log_user = h->opt.log_user;
    if (!(c->session = ls_open(h->am, &cfg))) {
        tpi_log(h, 0, "%s: cannot open a link session (out of memory)", c->name);
        return false;
    }
    count_connection(h, 1);
    return true;
}

/* After ls_close no write callback runs: the queues are ours alone. The
 * count is the caller's, after its log lines: whoever waits for the count
 * sees them. */
static void close_session(tp_conn_t *c)
{
    ls_close(c->session);
    c->session = NULL;
}

void tpi_conn_feed(tp_conn_t *c, const uint8_t *data, size_t size)
{
    if (!c->session)
        return;
    tpi_stats_add(c->host, &c->host->stats.bytes_in, size);
    ls_feed(c->session, data, size);
    tpi_conn_flush(c); /* error replies ls_feed wrote go out now */
}

/* A stuck bus keeps its pipe: only the host's session starts afresh. */
static void restart_session(tp_conn_t *c)
{
    close_session(c);
    count_connection(c->host, -1);
    tpi_list_free(&c->out);
    tpi_list_free(&c->sending);
    c->queued = 0;
    c->stuck = false;
    tpi_conn_start(c);
}

void tpi_conn_service(tp_conn_t *c)
{
    tp_host_t *h = c->host;
    bool stuck;

    if (c->service && !c->service(c))
        return; /* c is gone */
    pthread_mutex_lock(&c->lock);
    stuck = c->stuck;
    pthread_mutex_unlock(&c->lock);
    if (stuck) {
        tpi_log(h, 0, "%s is stuck: over %u bytes of responses unsent", c->name,
                2 * h->opt.max_output_bytes);
        tpi_stats_add(h, &h->stats.stuck, 1);
        if (c->kind != TP_BUS) {
            tpi_conn_close(c, "stuck");
            return;
        }
        restart_session(c);
    }
    tpi_conn_flush(c);
}

static void release(tp_conn_t *c)
{
    if (c->release)
        c->release(c);
    tpi_list_free(&c->out);
    tpi_list_free(&c->sending);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void on_closed(uv_handle_t *handle)
{
    release(handle->data);
}

static void unlink_conn(tp_host_t *h, tp_conn_t *c)
{
    for (tp_conn_t **p = &h->conns; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            return;
        }
    }
}

/* Closing order: the session first (no write callback after it), then the
 * handle; the memory goes in the close callback, after libuv has called
 * back every pending write (cancelled). A bus, having no handle, goes now. */
void tpi_conn_close(tp_conn_t *c, const char *why)
{
    tp_host_t *h = c->host;
    bool was_up = c->session != NULL;

    if (c->closing)
        return;
    c->closing = true;
    unlink_conn(h, c);
    if (was_up) {
        close_session(c);
        if (c->dropped)
            tpi_log(h, 1, "%s: %llu events were dropped", c->name,
                    (unsigned long long)c->dropped);
        tpi_log(h, 2, "%s disconnected%s%s", c->name, why ? ": " : "", why ? why : "");
        count_connection(h, -1);
    }
    if (c->served)
        h->served--;
    if (c->link) { /* a drop or a failed attempt: the next one is scheduled */
        tp_link_t *link = c->link;
        c->link = NULL;
        tpi_link_retry(link, was_up ? NULL : why ? why : "failed");
    }
    if (c->has_handle) {
        c->uv.handle.data = c;
        uv_close(&c->uv.handle, on_closed);
    } else {
        release(c);
    }
}
