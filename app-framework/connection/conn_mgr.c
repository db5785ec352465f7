/* The connection manager and the connection natives ("TCP", "UDP", "UART").
 * One poll thread per framework reads every open connection and queues the
 * bytes to the owning app as AFW_EV_CONNECTION chunks (on_connection_data
 * then runs on the app's thread). When an app's queue is full the chunk is
 * kept and that connection is not read again until it is queued: TCP then
 * pushes back on the peer instead of losing data.
 * Ownership: only the app's own thread (its natives, afw_connection_take) or
 * the detach after that thread stopped closes an fd, so natives may write to
 * an fd without holding the lock; the poll thread only reads. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../base/afw_internal.h"
#include "conn_io.h"

#define CONN_SEND_TIMEOUT_MS 1000
#define CONN_RETRY_MS 20 /* how soon a chunk an app had no room for is retried */

typedef enum { CONN_TCP, CONN_UDP, CONN_UART } conn_type_t;

struct conn {
    conn_t *next;
    int32_t handle;
    uint32_t app_id;
    conn_type_t type;
    int fd;
    bool eof;      /* the peer went away: no more reads */
    bool has_peer; /* UDP: where sends go */
    struct sockaddr_storage peer;
    socklen_t peer_len;
    /* a chunk (or, with len 0 and eof, the disconnect) not queued yet */
    bool has_pending;
    uint8_t *pending;
    uint32_t pending_len;
};

/* ------------------------------------------------------------------------
 * The table (caller holds mgr->lock)
 * ------------------------------------------------------------------------ */

static conn_t **conn_link(conn_mgr_t *mgr, int32_t handle)
{
    conn_t **link;

    for (link = &mgr->conns; *link; link = &(*link)->next)
        if ((*link)->handle == handle)
            return link;
    return NULL;
}

static conn_t *conn_of_app(conn_mgr_t *mgr, int32_t handle, uint32_t app_id)
{
    conn_t **link = conn_link(mgr, handle);

    return link && (*link)->app_id == app_id ? *link : NULL;
}

static uint32_t conn_count(conn_mgr_t *mgr, uint32_t app_id)
{
    uint32_t n = 0;

    for (conn_t *c = mgr->conns; c; c = c->next)
        n += c->app_id == app_id;
    return n;
}

static void conn_wake(conn_mgr_t *mgr)
{
    char byte = 1;
    ssize_t rc = write(mgr->wake_pipe[1], &byte, 1);

    (void)rc; /* a full pipe already means "wake up" */
}

/* Unlinks and frees c, closing its fd. */
static void conn_remove(conn_mgr_t *mgr, conn_t **link)
{
    conn_t *c = *link;

    *link = c->next;
    close(c->fd);
    afw_free(c->pending);
    afw_free(c);
    conn_wake(mgr);
}

static int32_t next_handle(conn_mgr_t *mgr)
{
    do {
        mgr->next_handle = mgr->next_handle >= INT32_MAX ? 1 : mgr->next_handle + 1;
    } while (conn_link(mgr, mgr->next_handle));
    return mgr->next_handle;
}

/* ------------------------------------------------------------------------
 * The poll thread
 * ------------------------------------------------------------------------ */

/* Queues data (or the disconnect, len 0) for c's app; keeps a copy to retry
 * when the app's queue is full. */
static void conn_post(afw_t *afw, conn_t *c, const uint8_t *data, uint32_t len)
{
    if (afw->host.post_event(afw->host.ctx, c->app_id, AFW_EV_CONNECTION, (uint32_t)c->handle,
                             data, len))
        return;
    c->pending = len ? afw_calloc(len) : NULL;
    if (len && !c->pending)
        return; /* out of memory: the chunk is lost, the stream goes on */
    if (len)
        memcpy(c->pending, data, len);
    c->pending_len = len;
    c->has_pending = true;
}

static void conn_retry(afw_t *afw, conn_t *c)
{
    uint8_t *data = c->pending;

    if (!afw->host.post_event(afw->host.ctx, c->app_id, AFW_EV_CONNECTION, (uint32_t)c->handle,
                              data, c->pending_len))
        return;
    afw_free(data);
    c->pending = NULL;
    c->has_pending = false;
}

static void conn_read(afw_t *afw, conn_t *c)
{
    conn_mgr_t *mgr = &afw->conn;
    ssize_t n;

    if (c->type == CONN_UDP)
        n = recvfrom(c->fd, mgr->io_buf, afw->config.conn_chunk_size, 0, NULL, NULL);
    else
        n = read(c->fd, mgr->io_buf, afw->config.conn_chunk_size);
    if (n > 0) {
        conn_post(afw, c, mgr->io_buf, (uint32_t)n);
    } else if (c->type != CONN_UDP &&
               (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))) {
        c->eof = true;
        conn_post(afw, c, NULL, 0);
    }
}

/* The fds to watch: the wake pipe first, then every readable connection
 * with nothing pending. out_handles[i] names the connection of fds[i]. */
static uint32_t conn_poll_set(conn_mgr_t *mgr, struct pollfd *fds, int32_t *out_handles,
                              uint32_t cap, bool *out_retry)
{
    uint32_t n = 1;

    fds[0].fd = mgr->wake_pipe[0];
    fds[0].events = POLLIN;
    *out_retry = false;
    for (conn_t *c = mgr->conns; c && n < cap; c = c->next) {
        *out_retry |= c->has_pending;
        if (c->eof || c->has_pending)
            continue;
        fds[n].fd = c->fd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        out_handles[n++] = c->handle;
    }
    return n;
}

static void conn_poll_once(afw_t *afw, struct pollfd *fds, int32_t *handles, uint32_t cap)
{
    conn_mgr_t *mgr = &afw->conn;
    bool retry;
    uint32_t n;
    char drain[64];

    pthread_mutex_lock(&mgr->lock);
    n = conn_poll_set(mgr, fds, handles, cap, &retry);
    pthread_mutex_unlock(&mgr->lock);
    fds[0].revents = 0;
    if (poll(fds, n, retry ? CONN_RETRY_MS : -1) < 0)
        return;
    if (fds[0].revents & POLLIN)
        while (read(mgr->wake_pipe[0], drain, sizeof drain) == (ssize_t)sizeof drain) {
        }
    pthread_mutex_lock(&mgr->lock);
    for (conn_t *c = mgr->conns; c; c = c->next)
        if (c->has_pending)
            conn_retry(afw, c);
    for (uint32_t i = 1; i < n; i++) {
        conn_t **link = conn_link(mgr, handles[i]);
        /* a connection closed meanwhile is gone or has a new handle */
        if (link && !(*link)->eof && !(*link)->has_pending && fds[i].revents)
            conn_read(afw, *link);
    }
    pthread_mutex_unlock(&mgr->lock);
}

static void *conn_thread(void *arg)
{
    afw_t *afw = arg;
    conn_mgr_t *mgr = &afw->conn;
    struct pollfd *fds = NULL;
    int32_t *handles = NULL;
    uint32_t cap = 0;

    for (;;) {
        uint32_t want;
        pthread_mutex_lock(&mgr->lock);
        if (mgr->stop) {
            pthread_mutex_unlock(&mgr->lock);
            break;
        }
        want = 0;
        for (conn_t *c = mgr->conns; c; c = c->next)
            want++;
        pthread_mutex_unlock(&mgr->lock);
        if (want + 1 > cap) {
            afw_free(fds);
            afw_free(handles);
            cap = want + 8;
            fds = afw_calloc(cap * (uint32_t)sizeof *fds);
            handles = afw_calloc(cap * (uint32_t)sizeof *handles);
            if (!fds || !handles) {
                cap = 0; /* try again after a pause */
                poll(NULL, 0, CONN_RETRY_MS);
                continue;
            }
        }
        conn_poll_once(afw, fds, handles, cap);
    }
    afw_free(fds);
    afw_free(handles);
    return NULL;
}

bool conn_init(conn_mgr_t *mgr, afw_t *afw)
{
    if (pthread_mutex_init(&mgr->lock, NULL) != 0)
        return false;
    mgr->io_buf = afw_calloc(afw->config.conn_chunk_size);
    if (!mgr->io_buf || pipe2(mgr->wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        afw_free(mgr->io_buf);
        pthread_mutex_destroy(&mgr->lock);
        return false;
    }
    mgr->started = afw_thread_start(&mgr->thread, conn_thread, afw);
    if (!mgr->started) {
        close(mgr->wake_pipe[0]);
        close(mgr->wake_pipe[1]);
        afw_free(mgr->io_buf);
        pthread_mutex_destroy(&mgr->lock);
    }
    return mgr->started;
}

void conn_destroy(conn_mgr_t *mgr)
{
    if (!mgr->started)
        return;
    pthread_mutex_lock(&mgr->lock);
    mgr->stop = true;
    conn_wake(mgr);
    pthread_mutex_unlock(&mgr->lock);
    pthread_join(mgr->thread, NULL);
    while (mgr->conns)
        conn_remove(mgr, &mgr->conns);
    close(mgr->wake_pipe[0]);
    close(mgr->wake_pipe[1]);
    afw_free(mgr->io_buf);
    pthread_mutex_destroy(&mgr->lock);
    mgr->started = false;
}

void conn_app_cleanup(afw_t *afw, uint32_t app_id)
{
    conn_mgr_t *mgr = &afw->conn;
    conn_t **link = &mgr->conns;

    pthread_mutex_lock(&mgr->lock);
    while (*link) {
        if ((*link)->app_id == app_id)
            conn_remove(mgr, link);
        else
            link = &(*link)->next;
    }
    pthread_mutex_unlock(&mgr->lock);
}

bool afw_connection_take(afw_app_t *app, uint32_t handle, uint32_t len)
{
    conn_mgr_t *mgr = &app->afw->conn;
    conn_t **link;
    bool open;

    if (handle > INT32_MAX)
        return false;
    pthread_mutex_lock(&mgr->lock);
    link = conn_link(mgr, (int32_t)handle);
    open = link && (*link)->app_id == app->id;
    if (open && len == 0 && (*link)->eof)
        conn_remove(mgr, link);
    pthread_mutex_unlock(&mgr->lock);
    return open;
}

uint32_t afw_connection_count(afw_t *afw, uint32_t app_id)
{
    uint32_t n;

    pthread_mutex_lock(&afw->conn.lock);
    n = conn_count(&afw->conn, app_id);
    pthread_mutex_unlock(&afw->conn.lock);
    return n;
}

/* ------------------------------------------------------------------------
 * Opening
 * ------------------------------------------------------------------------ */

/* The fd for name with its arguments, or -1 (unknown name, missing or
 * malformed arguments, the endpoint refused). */
static int conn_open_fd(afw_t *afw, const char *name, const attr_container_t *args,
                        conn_type_t *out_type)
{
    if (!args)
        return -1;
    if (strcmp(name, "TCP") == 0) {
        *out_type = CONN_TCP;
        if (!attr_container_contain_key(args, "address") ||
            !attr_container_contain_key(args, "port"))
            return -1;
        const char *address = attr_container_get_as_string(args, "address");
        return address ? conn_io_tcp_connect(address, attr_container_get_as_uint16(args, "port"),
                                             afw->config.connect_timeout_ms)
                       : -1;
    }
    if (strcmp(name, "UDP") == 0) {
        *out_type = CONN_UDP;
        if (!attr_container_contain_key(args, "bind port"))
            return -1;
        return conn_io_udp_bind(attr_container_get_as_uint16(args, "bind port"));
    }
    if (strcmp(name, "UART") == 0) {
        *out_type = CONN_UART;
        if (!attr_container_contain_key(args, "device") ||
            !attr_container_contain_key(args, "baudrate"))
            return -1;
        const char *device = attr_container_get_as_string(args, "device");
        return device ? conn_io_uart_open(device, attr_container_get_as_int(args, "baudrate"))
                      : -1;
    }
    return -1;
}

/* A malformed or absent argument container reads as none. */
static const attr_container_t *conn_args(const char *buf, int32_t len)
{
    if (len <= 0 || !attr_container_validate(buf, (uint32_t)len))
        return NULL;
    return (const attr_container_t *)buf;
}

/* ------------------------------------------------------------------------
 * Natives (contract section 5)
 * ------------------------------------------------------------------------ */

/* ($*~)i: (name, serialized attr_container args) -> handle, or -1 (unknown
 * name, bad arguments, the app's limit reached, the endpoint refused). */
static int32_t n_open_connection(wasm_exec_env_t env, const char *name, char *args,
                                 int32_t len)
{
    afw_app_t *app = afw_app_of_env(env);
    conn_mgr_t *mgr;
    conn_t *c;
    conn_type_t type = CONN_TCP;
    int32_t handle = -1;
    int fd;

    if (!app)
        return -1;
    mgr = &app->afw->conn;
    pthread_mutex_lock(&mgr->lock);
    bool full = conn_count(mgr, app->id) >= app->afw->config.max_connections;
    pthread_mutex_unlock(&mgr->lock);
    /* The app's thread alone adds its connections: the count stays valid. */
    if (full || (fd = conn_open_fd(app->afw, name, conn_args(args, len), &type)) < 0)
        return -1;
    if (!(c = afw_calloc(sizeof *c))) {
        close(fd);
        return -1;
    }
    c->app_id = app->id;
    c->type = type;
    c->fd = fd;
    pthread_mutex_lock(&mgr->lock);
    c->handle = handle = next_handle(mgr);
    c->next = mgr->conns;
    mgr->conns = c;
    conn_wake(mgr);
    pthread_mutex_unlock(&mgr->lock);
    return handle;
}

/* (i): closes one of this app's connections; others are ignored. */
static void n_close_connection(wasm_exec_env_t env, int32_t handle)
{
    afw_app_t *app = afw_app_of_env(env);
    conn_mgr_t *mgr;
    conn_t **link;

    if (!app)
        return;
    mgr = &app->afw->conn;
    pthread_mutex_lock(&mgr->lock);
    link = conn_link(mgr, handle);
    if (link && (*link)->app_id == app->id)
        conn_remove(mgr, link);
    pthread_mutex_unlock(&mgr->lock);
}

/* (i*~)i: -> bytes sent, or -1 (not this app's connection, UDP without a
 * peer, the endpoint failed). Waits at most a second for room. */
static int32_t n_send_on_connection(wasm_exec_env_t env, int32_t handle, char *data,
                                    int32_t len)
{
    afw_app_t *app = afw_app_of_env(env);
    conn_mgr_t *mgr;
    conn_t *c;
    struct sockaddr_storage peer;
    socklen_t peer_len = 0;
    bool is_udp = false, ok = false;
    int fd = -1;

    if (!app || len < 0)
        return -1;
    mgr = &app->afw->conn;
    pthread_mutex_lock(&mgr->lock);
    if ((c = conn_of_app(mgr, handle, app->id))) {
        fd = c->fd;
        is_udp = c->type == CONN_UDP;
        ok = !is_udp || c->has_peer;
        peer = c->peer;
        peer_len = c->peer_len;
    }
    pthread_mutex_unlock(&mgr->lock);
    if (!ok)
        return -1;
    return conn_io_send(fd, data, (uint32_t)len, is_udp ? (struct sockaddr *)&peer : NULL,
                        peer_len, CONN_SEND_TIMEOUT_MS);
}

/* (i*~)i: -> bool. UDP only: "address" and "port" set the peer. */
static int32_t n_config_connection(wasm_exec_env_t env, int32_t handle, char *buf,
                                   int32_t len)
{
    afw_app_t *app = afw_app_of_env(env);
    const attr_container_t *cfg = conn_args(buf, len);
    struct sockaddr_storage peer;
    socklen_t peer_len;
    const char *address;
    conn_t *c;
    bool ok = false;

    if (!app || !cfg || !attr_container_contain_key(cfg, "address") ||
        !attr_container_contain_key(cfg, "port") ||
        !(address = attr_container_get_as_string(cfg, "address")) ||
        !conn_io_peer(address, attr_container_get_as_uint16(cfg, "port"), &peer, &peer_len))
        return 0;
    pthread_mutex_lock(&app->afw->conn.lock);
    c = conn_of_app(&app->afw->conn, handle, app->id);
    if (c && c->type == CONN_UDP) {
        c->peer = peer;
        c->peer_len = peer_len;
        c->has_peer = ok = true;
    }
    pthread_mutex_unlock(&app->afw->conn.lock);
    return ok;
}

static NativeSymbol conn_symbols[] = {
    {"wasm_open_connection", (void *)n_open_connection, "($*~)i", NULL},
    {"wasm_close_connection", (void *)n_close_connection, "(i)", NULL},
    {"wasm_send_on_connection", (void *)n_send_on_connection, "(i*~)i", NULL},
    {"wasm_config_connection", (void *)n_config_connection, "(i*~)i", NULL},
};

NativeSymbol *conn_natives(uint32_t *out_n)
{
    *out_n = sizeof conn_symbols / sizeof conn_symbols[0];
    return conn_symbols;
}
