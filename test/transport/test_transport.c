/* Tests of the host link transports (app-mgr/transport/transport.h) against a
 * real app manager with no apps: TCP server, per-connection subscriptions,
 * client mode with reconnect, UART on a pseudo-terminal pair, the custom bus,
 * the output bound under an event flood, and stopping. One case per run:
 * test_transport <case>. Timeouts are hang guards only; nothing asserts
 * timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "app_manager.h"
#include "check.h"
#include "link_parser.h"
#include "transport.h"

#define GUARD_MS 30000 /* a hang detector: how long anything may take at most */

/* ------------------------------------------------------------------------
 * Log capture: every line is printed (ctest shows it on failure) and kept
 * so that a case can count lines.
 * ------------------------------------------------------------------------ */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[1 << 18];
static size_t log_len;

static void log_fn(void *user, int level, const char *line)
{
    (void)user;
    pthread_mutex_lock(&log_lock);
    printf("log %d: %s\n", level, line);
    int n = snprintf(log_text + log_len, sizeof log_text - log_len, "%d %s\n", level, line);
    if (n > 0 && (size_t)n < sizeof log_text - log_len)
        log_len += (size_t)n;
    pthread_mutex_unlock(&log_lock);
}

static int count_log(const char *needle)
{
    int n = 0;

    pthread_mutex_lock(&log_lock);
    for (const char *p = log_text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    pthread_mutex_unlock(&log_lock);
    return n;
}

/* ------------------------------------------------------------------------
 * Fixture: a manager and a transport host whose loop runs on a thread
 * ------------------------------------------------------------------------ */

typedef struct fixture {
    am_t *am;
    tp_host_t *host;
    am_client_t *pub; /* publishes events as the host */
    pthread_t loop;
    bool running;
    int run_rc;
} fixture_t;

static void fx_start(fixture_t *f, const tp_options_t *opt)
{
    am_config_t cfg;
    char err[256] = "";

    memset(f, 0, sizeof *f);
    am_config_default(&cfg);
    cfg.log = log_fn;
    f->am = am_start(&cfg, err, sizeof err);
    CHECK(f->am != NULL);
    if (!f->am) {
        printf("am_start: %s\n", err);
        exit(1);
    }
    f->pub = am_client_open(f->am, NULL, NULL);
    CHECK(f->pub != NULL);
    f->host = tp_host_new(f->am, opt, err, sizeof err);
    CHECK(f->host != NULL);
    if (!f->host) {
        printf("tp_host_new: %s\n", err);
        exit(1);
    }
}

static void *loop_main(void *arg)
{
    fixture_t *f = arg;

    f->run_rc = tp_run(f->host);
    return NULL;
}

static void fx_run(fixture_t *f)
{
    CHECK(pthread_create(&f->loop, NULL, loop_main, f) == 0);
    f->running = true;
}

static void fx_end(fixture_t *f)
{
    if (f->running) {
        tp_stop(f->host);
        pthread_join(f->loop, NULL);
        CHECK(f->run_rc == 0);
    }
    tp_host_free(f->host);
    am_client_close(f->pub);
    am_shutdown(f->am);
}

typedef bool (*stats_pred_fn)(const tp_stats_t *s, uint64_t arg);

static bool connections_are(const tp_stats_t *s, uint64_t n) { return s->connections == n; }
static bool failures_reach(const tp_stats_t *s, uint64_t n) { return s->open_failures >= n; }
static bool opened_reach(const tp_stats_t *s, uint64_t n) { return s->opened >= n; }
static bool stuck_reach(const tp_stats_t *s, uint64_t n) { return s->stuck >= n; }
static bool consumed_or_stuck(const tp_stats_t *s, uint64_t n)
{
    return s->bytes_in >= n || s->stuck > 0;
}

/* Polls the stats until pred holds; false after the guard. */
static bool wait_stats(tp_host_t *h, stats_pred_fn pred, uint64_t arg)
{
    tp_stats_t s;

    for (int waited = 0; waited < GUARD_MS; waited += 2) {
        tp_get_stats(h, &s);
        if (pred(&s, arg))
            return true;
        usleep(2000);
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------ */

/* One framed type-2 request; free() it. */
static uint8_t *make_request(uint32_t mid, int action, const char *url, size_t *out_size)
{
    request_t req = {mid, (char *)url, action, 0, NULL, 0, 0};
    int size = 0;
    char *packed = pack_request(&req, &size);
    uint8_t *msg = packed ? lp_encode(LP_TYPE_REQUEST, packed, (uint32_t)size, out_size) : NULL;

    free_req_resp_packet(packed);
    return msg;
}

static bool write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;

    while (size) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            if (poll(&pfd, 1, GUARD_MS) <= 0)
                return false;
            continue;
        }
        if (n <= 0)
            return false;
        p += n;
        size -= (size_t)n;
    }
    return true;
}

static bool send_request(int fd, uint32_t mid, int action, const char *url)
{
    size_t size;
    uint8_t *msg = make_request(mid, action, url, &size);
    bool ok = msg && write_all(fd, msg, size);

    free(msg);
    return ok;
}

/* Messages received on one fd, reassembled by a link parser. */
typedef struct msg {
    struct msg *next;
    uint16_t type;
    uint32_t size;
    uint8_t data[];
} msg_t;

typedef struct reader {
    int fd;
    lp_parser_t *parser;
    msg_t *head, *tail;
} reader_t;

static void reader_on_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    reader_t *r = user;
    msg_t *m = malloc(sizeof *m + size);

    if (!m)
        return;
    m->next = NULL;
    m->type = type;
    m->size = size;
    memcpy(m->data, payload, size);
    if (r->tail)
        r->tail->next = m;
    else
        r->head = m;
    r->tail = m;
}

static void reader_init(reader_t *r, int fd)
{
    lp_config_t cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.max_size = 64u << 20;
    cfg.on_message = reader_on_message;
    cfg.user = r;
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->parser = lp_new(&cfg);
}

static void reader_free(reader_t *r)
{
    while (r->head) {
        msg_t *m = r->head;
        r->head = m->next;
        free(m);
    }
    lp_free(r->parser);
}

/* Next message (free() it), or NULL at end of stream, error or guard. */
static msg_t *reader_next(reader_t *r)
{
    uint8_t buf[16384];

    while (!r->head) {
        struct pollfd pfd = {r->fd, POLLIN, 0};
        ssize_t n;

        if (poll(&pfd, 1, GUARD_MS) <= 0)
            return NULL;
        n = read(r->fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return NULL;
        lp_feed(r->parser, buf, (size_t)n);
    }
    msg_t *m = r->head;
    r->head = m->next;
    if (!r->head)
        r->tail = NULL;
    return m;
}

/* Whether the next message is the response to mid with status; an empty
 * applet list when status is 69 (GET /applet on a manager without apps). */
static bool is_response(msg_t *m, uint32_t mid, int status)
{
    response_t resp;

    if (!m || m->type != LP_TYPE_RESPONSE ||
        !unpack_response((char *)m->data, (int)m->size, &resp))
        return false;
    if (resp.mid != mid || resp.status != status)
        return false;
    return status != CONTENT_2_05 || !resp.payload ||
           attr_container_get_as_int((const attr_container_t *)resp.payload, "num") == 0;
}

static bool expect_response(reader_t *r, uint32_t mid, int status)
{
    msg_t *m = reader_next(r);
    bool ok = is_response(m, mid, status);

    if (!ok)
        printf("  (expected the response to mid %u, got %s)\n", (unsigned)mid,
               m ? "another message" : "nothing");
    free(m);
    return ok;
}

/* GET /applet on r's fd: the next message must be its answer. */
static bool query(reader_t *r, uint32_t mid)
{
    return send_request(r->fd, mid, COAP_GET, "/applet") && expect_response(r, mid, 69);
}

/* Reads until the device closes the connection; false if it stays open. */
static bool closed_by_peer(int fd)
{
    uint8_t buf[256];

    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t n;

        if (poll(&pfd, 1, GUARD_MS) <= 0)
            return false;
        n = read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

static int tcp_connect(uint16_t port, int rcvbuf)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    if (rcvbuf)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static uint16_t start_server(fixture_t *f, const tp_options_t *opt)
{
    char err[256] = "", line[64];
    uint16_t port;

    fx_start(f, opt);
    CHECK(tp_tcp_port(f->host) == 0);
    CHECK(tp_tcp_listen(f->host, "127.0.0.1", 0, err, sizeof err));
    port = tp_tcp_port(f->host);
    CHECK(port != 0);
    snprintf(line, sizeof line, "listening on 127.0.0.1:%u", (unsigned)port);
    CHECK(count_log(line) == 1);
    CHECK(!tp_tcp_listen(f->host, "127.0.0.1", 0, err, sizeof err)); /* one per host */
    fx_run(f);
    return port;
}

/* ------------------------------------------------------------------------
 * 1. TCP server
 * ------------------------------------------------------------------------ */

static void case_tcp(void)
{
    tp_options_t opt = {0};
    fixture_t f;
    reader_t r[3], d, e;
    tp_stats_t s;
    uint16_t port;
    size_t n1, n2;

    opt.max_connections = 3;
    opt.log = log_fn;
    port = start_server(&f, &opt);

    /* three hosts at once, each gets its own answer */
    for (int i = 0; i < 3; i++) {
        reader_init(&r[i], tcp_connect(port, 0));
        CHECK(r[i].fd >= 0);
    }
    for (int i = 0; i < 3; i++)
        CHECK(send_request(r[i].fd, 100 + (uint32_t)i, COAP_GET, "/applet"));
    for (int i = 2; i >= 0; i--)
        CHECK(expect_response(&r[i], 100 + (uint32_t)i, 69));
    CHECK(count_log("host connected from 127.0.0.1:") == 3);

    /* one request written byte by byte */
    uint8_t *m1 = make_request(200, COAP_GET, "/applet", &n1);
    for (size_t i = 0; i < n1; i++)
        CHECK(write_all(r[0].fd, m1 + i, 1));
    CHECK(expect_response(&r[0], 200, 69));

    /* two requests in one write */
    uint8_t *m2 = make_request(201, COAP_GET, "/applet", &n2);
    uint8_t both[256];
    memcpy(both, m1, n1);
    memcpy(both + n1, m2, n2);
    CHECK(write_all(r[1].fd, both, n1 + n2));
    CHECK(expect_response(&r[1], 200, 69));
    CHECK(expect_response(&r[1], 201, 69));

    /* cut mid-message: the device forgets it; a new connection works */
    CHECK(write_all(r[2].fd, m1, n1 / 2));
    close(r[2].fd);
    reader_free(&r[2]);
    CHECK(wait_stats(f.host, connections_are, 2));
    CHECK(count_log("disconnected") == 1);
    reader_init(&d, tcp_connect(port, 0));
    CHECK(query(&d, 300));

    /* max_connections + 1: closed at once, the others keep working */
    reader_init(&e, tcp_connect(port, 0));
    CHECK(e.fd >= 0);
    CHECK(closed_by_peer(e.fd));
    tp_get_stats(f.host, &s);
    CHECK(s.refused == 1);
    CHECK(s.accepted == 4);
    CHECK(count_log("refused") == 1);
    CHECK(query(&r[0], 301));
    CHECK(query(&r[1], 302));
    CHECK(query(&d, 303));

    close(e.fd);
    reader_free(&e);
    for (int i = 0; i < 2; i++) {
        close(r[i].fd);
        reader_free(&r[i]);
    }
    close(d.fd);
    reader_free(&d);
    CHECK(wait_stats(f.host, connections_are, 0));
    tp_get_stats(f.host, &s);
    CHECK(s.bytes_in > 0 && s.bytes_out > 0);
    free(m1);
    free(m2);
    fx_end(&f);
}

/* ------------------------------------------------------------------------
 * 2. Subscriptions belong to their connection
 * ------------------------------------------------------------------------ */

static bool is_event(msg_t *m, const char *url, const char *payload)
{
    request_t ev;

    return m && m->type == LP_TYPE_REQUEST &&
           unpack_request((char *)m->data, (int)m->size, &ev) && ev.action == COAP_EVENT &&
           strcmp(ev.url, url) == 0 && ev.payload_len == (int)strlen(payload) &&
           memcmp(ev.payload, payload, strlen(payload)) == 0 && ev.sender == AM_ID_HOST;
}

static void case_subscribe(void)
{
    tp_options_t opt = {0};
    fixture_t f;
    reader_t a, b;
    uint16_t port;
    msg_t *m;

    opt.log = log_fn;
    port = start_server(&f, &opt);
    reader_init(&a, tcp_connect(port, 0));
    reader_init(&b, tcp_connect(port, 0));
    CHECK(send_request(a.fd, 1, COAP_PUT, "/event/x"));
    CHECK(expect_response(&a, 1, 69));

    CHECK(am_publish(f.pub, "x", 0, "hello", 5));
    m = reader_next(&a);
    CHECK(is_event(m, "x", "hello"));
    free(m);
    /* The event was queued for delivery before B's request was even sent,
     * and delivery keeps order: had B been subscribed, the event would come
     * first. */
    CHECK(query(&b, 2));

    close(a.fd);
    reader_free(&a);
    CHECK(wait_stats(f.host, connections_are, 1));
    CHECK(am_publish(f.pub, "x", 0, "again", 5));
    CHECK(query(&b, 3));

    /* a new connection starts without subscriptions */
    reader_init(&a, tcp_connect(port, 0));
    CHECK(am_publish(f.pub, "x", 0, "third", 5));
    CHECK(query(&a, 4));
    close(a.fd);
    reader_free(&a);
    close(b.fd);
    reader_free(&b);
    fx_end(&f);
}

/* ------------------------------------------------------------------------
 * 3. Client mode: failures are logged once; it reconnects
 * ------------------------------------------------------------------------ */

static int accept_guarded(int ls)
{
    struct pollfd pfd = {ls, POLLIN, 0};

    if (poll(&pfd, 1, GUARD_MS) <= 0)
        return -1;
    return accept(ls, NULL, NULL);
}

static void case_client(void)
{
    tp_options_t opt = {0};
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    char err[256] = "";
    fixture_t f;
    reader_t r;
    tp_stats_t s;
    int ls;

    opt.reconnect_min_ms = 5;
    opt.reconnect_max_ms = 20;
    opt.log = log_fn;
    fx_start(&f, &opt);

    /* bound but not listening: every connect is refused */
    ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(getsockname(ls, (struct sockaddr *)&sa, &len) == 0);
    CHECK(!tp_tcp_connect(f.host, "no.such.host.invalid", 1, err, sizeof err));
    CHECK(strstr(err, "no.such.host.invalid") != NULL);
    CHECK(tp_tcp_connect(f.host, "127.0.0.1", ntohs(sa.sin_port), err, sizeof err));
    fx_run(&f);
    CHECK(wait_stats(f.host, failures_reach, 4));
    CHECK(count_log("connection refused") == 1); /* once per distinct error */

    CHECK(listen(ls, 4) == 0);
    reader_init(&r, accept_guarded(ls));
    CHECK(r.fd >= 0);
    CHECK(query(&r, 10));
    tp_get_stats(f.host, &s);
    CHECK(s.opened == 1 && s.connections == 1);

    /* the host drops the link: the device comes back */
    close(r.fd);
    reader_free(&r);
    reader_init(&r, accept_guarded(ls));
    CHECK(r.fd >= 0);
    CHECK(query(&r, 11));
    tp_get_stats(f.host, &s);
    CHECK(s.opened == 2);
    CHECK(count_log("connected to host 127.0.0.1:") == 2);
    close(r.fd);
    reader_free(&r);
    close(ls);
    fx_end(&f);
}

/* ------------------------------------------------------------------------
 * 4. UART on a pseudo-terminal pair
 * ------------------------------------------------------------------------ */

/* A pty master set raw (so it neither echoes nor edits), its slave's path
 * in out_path. */
static int open_pty(char *out_path, size_t size)
{
    struct termios tio;
    int m = posix_openpt(O_RDWR | O_NOCTTY);

    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || !ptsname(m))
        return -1;
    snprintf(out_path, size, "%s", ptsname(m));
    tcgetattr(m, &tio);
    cfmakeraw(&tio);
    tcsetattr(m, TCSANOW, &tio);
    return m;
}

static void case_uart(void)
{
    tp_options_t opt = {0};
    char err[256] = "", path[128], line[160];
    struct termios tio;
    fixture_t f;
    reader_t r;
    tp_stats_t s;
    int m;

    /* no reopen within the test: once the master is closed its pty number
     * may go to somebody else */
    opt.reconnect_min_ms = 600000;
    opt.max_message_size = 128;
    opt.log = log_fn;
    fx_start(&f, &opt);
    m = open_pty(path, sizeof path);
    CHECK(m >= 0);

    CHECK(!tp_uart_open(f.host, path, 12345, err, sizeof err));
    CHECK(strstr(err, "12345") != NULL);
    CHECK(!tp_uart_open(f.host, "/nonexistent/ttyX", 115200, err, sizeof err));
    CHECK(strstr(err, "/nonexistent/ttyX") != NULL);
    CHECK(!tp_uart_open(f.host, "/dev/null", 115200, err, sizeof err)); /* not a tty */

    CHECK(tp_uart_open(f.host, path, 115200, err, sizeof err));
    /* the master shares the slave's termios: raw 8N1 at 115200 */
    CHECK(tcgetattr(m, &tio) == 0);
    CHECK(cfgetospeed(&tio) == B115200);
    CHECK((tio.c_cflag & CSIZE) == CS8 && !(tio.c_cflag & (PARENB | CSTOPB | CRTSCTS)));
    CHECK(!(tio.c_lflag & (ECHO | ICANON)) && !(tio.c_iflag & (IXON | ICRNL)));
    CHECK((tio.c_cflag & (CLOCAL | CREAD)) == (CLOCAL | CREAD));
    fx_run(&f);

    reader_init(&r, m);
    CHECK(query(&r, 20));
    CHECK(query(&r, 21));
    /* max_message_size reaches the session: a larger request gets 141 */
    char url[200];
    memset(url, 'u', sizeof url - 1);
    url[0] = '/';
    url[sizeof url - 1] = '\0';
    CHECK(send_request(m, 22, COAP_GET, url));
    CHECK(expect_response(&r, 22, REQUEST_ENTITY_TOO_LARGE_4_13));
    CHECK(query(&r, 23));
    tp_get_stats(f.host, &s);
    CHECK(s.opened == 1 && s.connections == 1);

    /* hangup: the master goes, the device notices and closes the session */
    close(m);
    reader_free(&r);
    CHECK(wait_stats(f.host, connections_are, 0));
    snprintf(line, sizeof line, "UART %s disconnected", path);
    CHECK(count_log(line) == 1);
    fx_end(&f);
}

/* Reads and drops size bytes from fd. */
static bool discard(int fd, uint64_t size)
{
    uint8_t buf[4096];

    while (size) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t n;

        if (poll(&pfd, 1, GUARD_MS) <= 0)
            return false;
        n = read(fd, buf, size < sizeof buf ? (size_t)size : sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        size -= (uint64_t)n;
    }
    return true;
}

/* A UART host that stops reading: the device's pty write fills up (short
 * writes, polled for writability), then the queue; responses past twice the
 * bound close the line as stuck, and it is reopened. */
static void case_stuck(void)
{
    tp_options_t opt = {0};
    char err[256] = "", path[128];
    uint8_t batch[16 * 64];
    size_t size, used = 0;
    fixture_t f;
    reader_t r;
    tp_stats_t s;
    int m, sent = 0;

    opt.max_output_bytes = 64 * 1024;
    opt.reconnect_min_ms = 5;
    opt.log = log_fn;
    fx_start(&f, &opt);
    m = open_pty(path, sizeof path);
    CHECK(m >= 0);
    CHECK(tp_uart_open(f.host, path, 921600, err, sizeof err));
    fx_run(&f);
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);

    /* batches of 16 queries: their answers are far below the bound, so only
     * not reading can make the line stuck */
    for (int i = 0; i < 16; i++) {
        uint8_t *q = make_request((uint32_t)i, COAP_GET, "/applet", &size);
        memcpy(batch + used, q, size);
        used += size;
        free(q);
    }
    /* One batch at a time, each read by the device before the next: every
     * burst of answers is far below the bound, so only the master not
     * reading can make the line stuck. A write may fail once the device
     * closed the line. */
    for (uint64_t written = 0; sent < 200000; sent += 16) {
        if (!write_all(m, batch, used))
            break;
        written += used;
        if (!wait_stats(f.host, consumed_or_stuck, written))
            break;
        tp_get_stats(f.host, &s);
        if (s.stuck)
            break;
    }
    CHECK(wait_stats(f.host, stuck_reach, 1));
    CHECK(count_log("is stuck") >= 1); /* queries still buffered may make it again */
    CHECK(wait_stats(f.host, opened_reach, 2)); /* reopened */
    tp_get_stats(f.host, &s);
    printf("stuck after %d queries written: %llu bytes in, %llu out, most queued %llu\n", sent,
           (unsigned long long)s.bytes_in, (unsigned long long)s.bytes_out,
           (unsigned long long)s.max_queued);

    /* It serves again. The pty still holds the old session's output, the
     * last answer cut short by the close: bytes_out counts every byte the
     * device wrote, so reading that many leaves the new session's output. */
    tp_get_stats(f.host, &s);
    CHECK(discard(m, s.bytes_out));
    reader_init(&r, m);
    CHECK(send_request(m, 777777, COAP_GET, "/applet"));
    bool found = false;
    for (msg_t *msg; !found && (msg = reader_next(&r)) != NULL; free(msg))
        found = is_response(msg, 777777, 69); /* after answers to old queries, if any */
    CHECK(found);
    tp_get_stats(f.host, &s);
    CHECK(s.max_queued <= 2 * opt.max_output_bytes);
    fx_end(&f); /* before the master closes: the device must not reopen a reused pty */
    reader_free(&r);
    close(m);
}

/* ------------------------------------------------------------------------
 * 5. Custom bus
 * ------------------------------------------------------------------------ */

typedef struct pipe_end {
    pthread_mutex_t lock;
    reader_t parsed; /* what the device wrote, reassembled */
    size_t max_take; /* 0: everything */
    bool full;       /* takes nothing (under lock: the test changes it) */
    int closed;      /* closed callbacks seen */
} pipe_end_t;

static size_t pipe_write(void *user, const uint8_t *data, size_t size)
{
    pipe_end_t *p = user;
    size_t take = p->max_take && size > p->max_take ? p->max_take : size;

    pthread_mutex_lock(&p->lock);
    if (p->full)
        take = 0;
    lp_feed(p->parsed.parser, data, take);
    pthread_mutex_unlock(&p->lock);
    return take;
}

static void pipe_closed(void *user)
{
    pipe_end_t *p = user;

    pthread_mutex_lock(&p->lock);
    p->closed++;
    pthread_mutex_unlock(&p->lock);
}

static msg_t *pipe_next(pipe_end_t *p, tp_bus_t *bus)
{
    for (int waited = 0; waited < GUARD_MS; waited++) {
        pthread_mutex_lock(&p->lock);
        msg_t *m = p->parsed.head;
        if (m) {
            p->parsed.head = m->next;
            if (!p->parsed.head)
                p->parsed.tail = NULL;
        }
        pthread_mutex_unlock(&p->lock);
        if (m)
            return m;
        if (bus)
            tp_bus_writable(bus); /* the pipe has room again */
        usleep(1000);
    }
    return NULL;
}

static int pipe_closed_count(pipe_end_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->closed;
    pthread_mutex_unlock(&p->lock);
    return n;
}

typedef struct feeder {
    tp_bus_t *bus;
    bool ok;
} feeder_t;

/* Two queries in 3-byte pieces from a thread that is not the loop's. */
static void *feeder_main(void *arg)
{
    feeder_t *fd = arg;
    size_t size;

    fd->ok = true;
    for (uint32_t mid = 50; mid < 52; mid++) {
        uint8_t *q = make_request(mid, COAP_GET, "/applet", &size);
        for (size_t i = 0; q && i < size; i += 3)
            fd->ok &= tp_bus_receive(fd->bus, q + i, size - i < 3 ? size - i : 3);
        free(q);
    }
    return NULL;
}

static void pipe_init(pipe_end_t *p)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    reader_init(&p->parsed, -1);
}

static void pipe_fini(pipe_end_t *p)
{
    reader_free(&p->parsed);
    pthread_mutex_destroy(&p->lock);
}

/* A pipe that takes nothing: answers pile up past twice the bound and the
 * bus gets a fresh session; once the pipe drains, it answers again. */
static void case_bus_stuck(void)
{
    tp_bus_ops_t ops = {pipe_write, pipe_closed};
    tp_options_t opt = {0};
    pipe_end_t p;
    tp_bus_t *bus;
    tp_stats_t s;
    fixture_t f;
    size_t size;
    bool found = false;

    opt.max_output_bytes = 1024;
    opt.log = log_fn;
    fx_start(&f, &opt);
    pipe_init(&p);
    p.full = true;
    bus = tp_bus_attach(f.host, &ops, &p);
    CHECK(bus != NULL);
    fx_run(&f);
    for (uint32_t mid = 1; mid <= 40; mid++) {
        uint8_t *q = make_request(mid, COAP_GET, "/applet", &size);
        CHECK(q && tp_bus_receive(bus, q, size));
        free(q);
    }
    CHECK(wait_stats(f.host, stuck_reach, 1));
    CHECK(count_log("bus 1 is stuck") >= 1);
    tp_get_stats(f.host, &s);
    CHECK(s.connections == 1 && s.max_queued <= 2 * opt.max_output_bytes);

    pthread_mutex_lock(&p.lock);
    p.full = false;
    pthread_mutex_unlock(&p.lock);
    uint8_t *q = make_request(99, COAP_GET, "/applet", &size);
    CHECK(q && tp_bus_receive(bus, q, size));
    free(q);
    for (msg_t *m; !found && (m = pipe_next(&p, bus)) != NULL; free(m))
        found = is_response(m, 99, 69); /* after answers to old queries, if any */
    CHECK(found);
    fx_end(&f);
    CHECK(pipe_closed_count(&p) == 1);
    pipe_fini(&p);
}

static void case_bus(void)
{
    tp_bus_ops_t ops = {pipe_write, pipe_closed};
    pipe_end_t p1, p2;
    tp_options_t opt = {0};
    fixture_t f;
    pthread_t t;
    feeder_t fd;
    msg_t *m;

    opt.log = log_fn;
    fx_start(&f, &opt);
    pipe_init(&p1);
    pipe_init(&p2);
    p1.max_take = 5; /* short writes: the rest waits for tp_bus_writable */
    CHECK(tp_bus_attach(f.host, NULL, NULL) == NULL);
    fd.bus = tp_bus_attach(f.host, &ops, &p1);
    CHECK(fd.bus != NULL);
    tp_bus_t *other = tp_bus_attach(f.host, &ops, &p2); /* never detached */
    CHECK(other != NULL);
    fx_run(&f);

    CHECK(pthread_create(&t, NULL, feeder_main, &fd) == 0);
    pthread_join(t, NULL);
    CHECK(fd.ok);
    m = pipe_next(&p1, fd.bus);
    CHECK(is_response(m, 50, 69));
    free(m);
    m = pipe_next(&p1, fd.bus);
    CHECK(is_response(m, 51, 69));
    free(m);

    /* the other bus is a connection of its own */
    size_t size;
    uint8_t *q = make_request(60, COAP_GET, "/applet", &size);
    CHECK(tp_bus_receive(other, q, size));
    free(q);
    m = pipe_next(&p2, NULL);
    CHECK(is_response(m, 60, 69));
    free(m);

    tp_bus_detach(fd.bus);
    for (int waited = 0; pipe_closed_count(&p1) == 0 && waited < GUARD_MS; waited++)
        usleep(1000);
    CHECK(pipe_closed_count(&p1) == 1);
    CHECK(wait_stats(f.host, connections_are, 1));
    fx_end(&f); /* ends the other bus: its closed runs too */
    CHECK(pipe_closed_count(&p1) == 1);
    CHECK(pipe_closed_count(&p2) == 1);
    pipe_fini(&p1);
    pipe_fini(&p2);
    case_bus_stuck();
}

/* ------------------------------------------------------------------------
 * 6. Event flood into a host that does not read
 * ------------------------------------------------------------------------ */

static void case_flood(void)
{
    enum { EVENT_SIZE = 4096, EVENTS = 10000, BOUND = 256 * 1024 };
    static uint8_t payload[EVENT_SIZE];
    tp_options_t opt = {0};
    fixture_t f;
    reader_t a, b;
    tp_stats_t s;
    uint16_t port;
    int bad = 0;

    opt.max_output_bytes = BOUND;
    opt.log = log_fn;
    port = start_server(&f, &opt);
    reader_init(&a, tcp_connect(port, 4096)); /* a small window: the kernel holds little */
    reader_init(&b, tcp_connect(port, 0));
    CHECK(send_request(a.fd, 1, COAP_PUT, "/event/flood"));
    CHECK(expect_response(&a, 1, 69));
    memset(payload, 'e', sizeof payload);

    /* B's answer comes after every event published before its request went
     * to the delivery thread, so the events never pile up in the manager:
     * all of them reach A's connection, which must bound them. */
    for (uint32_t i = 0; i < EVENTS; i++) {
        if (!am_publish(f.pub, "flood", 0, payload, sizeof payload))
            bad++;
        if (i % 64 == 63 && !query(&b, 1000 + i))
            bad++;
    }
    CHECK(bad == 0);
    tp_get_stats(f.host, &s);
    printf("flood: %u events of %u bytes; dropped %llu, most queued %llu bytes\n",
           (unsigned)EVENTS, (unsigned)EVENT_SIZE, (unsigned long long)s.events_dropped,
           (unsigned long long)s.max_queued);
    CHECK(s.max_queued <= BOUND);
    CHECK(s.events_dropped > EVENTS / 2);
    CHECK(count_log("does not read") == 1);

    close(a.fd);
    reader_free(&a);
    CHECK(wait_stats(f.host, connections_are, 1));
    CHECK(count_log("events were dropped") == 1);
    CHECK(query(&b, 5));
    close(b.fd);
    reader_free(&b);
    fx_end(&f);
}

/* ------------------------------------------------------------------------
 * 7. Stopping, and freeing in every state
 * ------------------------------------------------------------------------ */

static tp_host_t *signal_host;

static void on_sigterm(int sig)
{
    (void)sig;
    tp_stop(signal_host);
}

typedef struct stopper {
    tp_host_t *host;
    uint16_t port;
    pthread_t target; /* 0-like unless the stop comes by signal */
    bool by_signal;
    bool served;
} stopper_t;

/* Proves the loop is serving (a query answered), then stops it. */
static void *stopper_main(void *arg)
{
    stopper_t *st = arg;
    reader_t r;

    reader_init(&r, tcp_connect(st->port, 0));
    st->served = r.fd >= 0 && query(&r, 90);
    if (st->by_signal)
        pthread_kill(st->target, SIGTERM);
    else
        tp_stop(st->host);
    close(r.fd);
    reader_free(&r);
    return NULL;
}

static void stop_once(bool by_signal)
{
    tp_options_t opt = {0};
    char err[256];
    stopper_t st;
    pthread_t t;
    reader_t kept;
    fixture_t f;

    opt.log = log_fn;
    fx_start(&f, &opt);
    CHECK(tp_tcp_listen(f.host, "127.0.0.1", 0, err, sizeof err));
    /* left open at tp_host_free: a served host and the device's own client */
    CHECK(tp_tcp_connect(f.host, "127.0.0.1", tp_tcp_port(f.host), err, sizeof err));
    memset(&st, 0, sizeof st);
    st.host = f.host;
    st.port = tp_tcp_port(f.host);
    st.by_signal = by_signal;
    st.target = pthread_self();
    signal_host = f.host;
    CHECK(pthread_create(&t, NULL, stopper_main, &st) == 0);
    CHECK(tp_run(f.host) == 0); /* on this thread, where the signal lands */
    pthread_join(t, NULL);
    CHECK(st.served);

    /* a second run serves again until the next stop */
    reader_init(&kept, tcp_connect(st.port, 0));
    fx_run(&f);
    CHECK(query(&kept, 91));
    fx_end(&f); /* kept is still connected */
    CHECK(closed_by_peer(kept.fd));
    close(kept.fd);
    reader_free(&kept);
}

static void case_stop(void)
{
    struct sigaction sa;
    tp_options_t opt = {0};
    char err[256];
    fixture_t f;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGTERM, &sa, NULL) == 0);
    stop_once(false);
    stop_once(true);

    /* freed without ever running, with a listener; stopped before running */
    opt.log = log_fn;
    fx_start(&f, &opt);
    CHECK(tp_tcp_listen(f.host, "127.0.0.1", 0, err, sizeof err));
    fx_end(&f);
    fx_start(&f, &opt);
    tp_stop(f.host);
    CHECK(tp_run(f.host) == 0);
    fx_end(&f);
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {{"tcp", case_tcp},     {"subscribe", case_subscribe}, {"client", case_client},
                 {"uart", case_uart},   {"stuck", case_stuck},         {"bus", case_bus},
                 {"flood", case_flood}, {"stop", case_stop}};
    bool found = false;

    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            found = true;
        }
    }
    if (!found) {
        printf("usage: test_transport tcp|subscribe|client|uart|stuck|bus|flood|stop\n");
        return 2;
    }
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
