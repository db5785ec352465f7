/* The seven sample apps of samples/simple (contract section 8) installed
 * together into one in-process app manager, checked through the manager:
 * request_handler's URLs, request_sender's requests to it, event_publisher's
 * events reaching a host subscription and event_subscriber, the timer app's
 * timer, the sensor app's sensors (registered here as the demo device does)
 * and the connection app's TCP client (against an echo server on
 * 127.0.0.1:7777, the address connection.c hard-codes); then every app is
 * uninstalled and the manager shut down.
 *
 * Most sample apps show what they do only by printing, and the printf
 * native writes to the process stdout. So stdout (fd 1) is a pipe for the
 * whole run: a reader thread keeps everything in a buffer and copies it to
 * the real stdout. The natives write one printf in several fwrite chunks
 * (literal text and each conversion separately), and apps print from their
 * own threads, so a line may be cut by another app's output: the checks
 * look only for text that is written as one chunk (a literal run or one
 * %s argument), never a whole formatted line.
 *
 * Usage: test_samples <dir with the sample wasm files>. Nothing here asserts
 * timing: waits poll a condition with a generous bound that only catches
 * hangs. Prints "N passed, N failed" last; exits nonzero on failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "am_test_util.h"
#include "app_manager.h"
#include "check.h"

#define WAIT_MS 30000 /* bound of every wait: a hang detector, not a timing check */
#define CONN_PORT 7777 /* connection.c connects to 127.0.0.1:7777 */

static const char *wasm_dir;
static am_t *am;
static am_client_t *client;

/* Polls cond every 10 ms for at most WAIT_MS. */
#define WAIT_FOR(cond)                                                                        \
    do {                                                                                      \
        for (int waited_ = 0; !(cond) && waited_ < WAIT_MS; waited_ += 10)                    \
            sleep_ms(10);                                                                     \
    } while (0)

/* ------------------------------------------------------------------------
 * stdout capture
 * ------------------------------------------------------------------------ */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char *out_text;
static size_t out_len, out_cap = 4u << 20;
static int saved_stdout = -1, pipe_read = -1;
static pthread_t out_thread;
static int sync_serial;

static void *out_reader(void *arg)
{
    char buf[4096];
    ssize_t got;

    (void)arg;
    while ((got = read(pipe_read, buf, sizeof buf)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        pthread_mutex_lock(&out_lock);
        size_t n = (size_t)got < out_cap - 1 - out_len ? (size_t)got : out_cap - 1 - out_len;
        memcpy(out_text + out_len, buf, n);
        out_len += n;
        out_text[out_len] = '\0';
        pthread_mutex_unlock(&out_lock);
        for (ssize_t done = 0, w; done < got; done += w)
            if ((w = write(saved_stdout, buf + done, (size_t)(got - done))) <= 0)
                break;
    }
    return NULL;
}

static bool capture_start(void)
{
    int fds[2];

    out_text = calloc(out_cap, 1);
    if (!out_text || pipe(fds) != 0)
        return false;
    fflush(stdout);
    saved_stdout = dup(STDOUT_FILENO);
    if (saved_stdout < 0 || dup2(fds[1], STDOUT_FILENO) < 0)
        return false;
    close(fds[1]);
    pipe_read = fds[0];
    return pthread_create(&out_thread, NULL, out_reader, NULL) == 0;
}

static void capture_stop(void)
{
    fflush(stdout);
    dup2(saved_stdout, STDOUT_FILENO); /* closes the last write end: EOF */
    pthread_join(out_thread, NULL);
    close(pipe_read);
    close(saved_stdout);
    free(out_text);
}

/* How often s occurs in the captured stdout. */
static int out_count(const char *s)
{
    int n = 0;
    size_t len = strlen(s);

    pthread_mutex_lock(&out_lock);
    for (const char *p = out_text; (p = strstr(p, s)); p += len)
        n++;
    pthread_mutex_unlock(&out_lock);
    return n;
}

/* Returns once everything printed before the call is in the buffer. */
static bool out_sync(void)
{
    char marker[64];

    snprintf(marker, sizeof marker, "-- sync %d --", ++sync_serial);
    printf("%s\n", marker);
    fflush(stdout);
    WAIT_FOR(out_count(marker) > 0);
    return out_count(marker) > 0;
}

/* ------------------------------------------------------------------------
 * Manager log: kept for the trap/error check and copied to stderr
 * ------------------------------------------------------------------------ */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_errors, log_traps;
static uint32_t publisher_id = AM_ID_NONE;

static void log_line(void *user, int level, const char *line)
{
    unsigned id;

    (void)user;
    fprintf(stderr, "[am %d] %s\n", level, line);
    pthread_mutex_lock(&log_lock);
    if (level == 0)
        log_errors++;
    if (strstr(line, "trapped") || strstr(line, "watchdog"))
        log_traps++;
    if (sscanf(line, "installed app 'event_publisher' (id %u)", &id) == 1)
        publisher_id = id;
    pthread_mutex_unlock(&log_lock);
}

/* ------------------------------------------------------------------------
 * Events the embedder's client receives
 * ------------------------------------------------------------------------ */

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static int ev_overheat, ev_overheat_good;
static uint32_t ev_sender = AM_ID_NONE;

static void on_event(void *user, const request_t *ev)
{
    const attr_container_t *c = (const attr_container_t *)ev->payload;
    const char *url = ev->url ? ev->url : "";

    (void)user;
    if (*url == '/')
        url++;
    if (strcmp(url, "alert/overheat") != 0)
        return;
    pthread_mutex_lock(&ev_lock);
    ev_overheat++;
    ev_sender = (uint32_t)ev->sender;
    if (ev->fmt == FMT_ATTR_CONTAINER && c && ev->payload_len > 0 &&
        attr_container_validate(c, (uint32_t)ev->payload_len) &&
        !strcmp(attr_container_get_tag(c), "event")) {
        char *w = attr_container_get_as_string(c, "warning");
        if (w && !strcmp(w, "temperature is over high"))
            ev_overheat_good++;
    }
    pthread_mutex_unlock(&ev_lock);
}

static int overheat_events(void)
{
    pthread_mutex_lock(&ev_lock);
    int n = ev_overheat;
    pthread_mutex_unlock(&ev_lock);
    return n;
}

/* ------------------------------------------------------------------------
 * Requests from the embedder
 * ------------------------------------------------------------------------ */

/* Sends url as the host and waits; the status (-1: timed out, -2: hang). */
static int call(const char *url, int action, reply_t *r)
{
    request_t req;
    bool done;

    memset(&req, 0, sizeof req);
    req.url = (char *)url;
    req.action = action;
    req.mid = 777;
    req.sender = 9;
    reply_init(r);
    CHECK(am_request(client, &req, 0, on_reply, r));
    done = reply_wait(r, WAIT_MS);
    reply_fini(r);
    if (!done)
        return -2;
    if (r->timed_out)
        return -1;
    CHECK(r->calls == 1 && r->mid == 777 && r->reciever == 9);
    return r->status;
}

/* request_handler's /url1 answer: tag "wasm app response payload",
 * key1=value1, key2=value2. */
static bool url1_payload_ok(const reply_t *r)
{
    const attr_container_t *c = (const attr_container_t *)r->payload;
    char *v1, *v2;

    if (r->fmt != FMT_ATTR_CONTAINER || r->len <= 0 ||
        !attr_container_validate(c, (uint32_t)r->len) ||
        strcmp(attr_container_get_tag(c), "wasm app response payload") != 0)
        return false;
    v1 = attr_container_get_as_string(c, "key1");
    v2 = attr_container_get_as_string(c, "key2");
    return v1 && v2 && !strcmp(v1, "value1") && !strcmp(v2, "value2");
}

static bool install(const char *name)
{
    char path[512], err[512] = "";
    am_app_params_t p;

    memset(&p, 0, sizeof p);
    p.name = name;
    snprintf(path, sizeof path, "%s/%s.wasm", wasm_dir, name);
    if (am_install_file(am, &p, path, err, sizeof err))
        return true;
    printf("install %s: %s\n", name, err);
    return false;
}

/* ------------------------------------------------------------------------
 * The demo device's sensors (contract 4.5)
 * ------------------------------------------------------------------------ */

static atomic_int sensor_reads[3];

static attr_container_t *read_sensor(void *user)
{
    attr_container_t *c = attr_container_create("read test sensor data");

    atomic_fetch_add(&sensor_reads[(intptr_t)user], 1);
    if (c)
        attr_container_set_string(&c, "name", "read test sensor");
    return c;
}

static bool config_sensor(void *user, const attr_container_t *cfg)
{
    (void)user;
    (void)cfg;
    return true;
}

/* ------------------------------------------------------------------------
 * The TCP server connection.c talks to: echoes, records what it got
 * ------------------------------------------------------------------------ */

static int srv_listen = -1;
static atomic_int srv_stop, srv_accepted, srv_eof;
static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;
static char srv_got[8192];
static size_t srv_len;

static void *echo_server(void *arg)
{
    struct pollfd fds[2];
    int n = 1;

    (void)arg;
    fds[0].fd = srv_listen;
    fds[0].events = POLLIN;
    while (!atomic_load(&srv_stop)) {
        if (poll(fds, (nfds_t)n, 50) <= 0)
            continue;
        if ((fds[0].revents & POLLIN) && n == 1) {
            int fd = accept(srv_listen, NULL, NULL);
            if (fd >= 0) {
                fds[1].fd = fd;
                fds[1].events = POLLIN;
                n = 2;
                atomic_fetch_add(&srv_accepted, 1);
            }
        }
        if (n == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            char buf[512];
            ssize_t got = read(fds[1].fd, buf, sizeof buf);
            if (got > 0) {
                pthread_mutex_lock(&srv_lock);
                size_t room = sizeof srv_got - 1 - srv_len;
                size_t k = (size_t)got < room ? (size_t)got : room;
                memcpy(srv_got + srv_len, buf, k);
                srv_len += k;
                srv_got[srv_len] = '\0';
                pthread_mutex_unlock(&srv_lock);
                if (write(fds[1].fd, buf, (size_t)got) == got)
                    continue;
            }
            close(fds[1].fd);
            n = 1;
            atomic_store(&srv_eof, 1);
        }
    }
    if (n == 2)
        close(fds[1].fd);
    return NULL;
}

static bool srv_has(const char *s)
{
    pthread_mutex_lock(&srv_lock);
    bool found = strstr(srv_got, s) != NULL;
    pthread_mutex_unlock(&srv_lock);
    return found;
}

/* Listens on 127.0.0.1:7777; false if that port is taken. */
static bool server_start(pthread_t *thread)
{
    struct sockaddr_in addr;
    int one = 1;

    srv_listen = socket(AF_INET, SOCK_STREAM, 0);
    if (srv_listen < 0)
        return false;
    setsockopt(srv_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(CONN_PORT);
    if (bind(srv_listen, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(srv_listen, 4) != 0) {
        close(srv_listen);
        srv_listen = -1;
        return false;
    }
    return pthread_create(thread, NULL, echo_server, NULL) == 0;
}

/* ------------------------------------------------------------------------
 * The run
 * ------------------------------------------------------------------------ */

static void run(void)
{
    reply_t r;
    pthread_t server;
    bool have_server;
    int s0, s1, s2, before;

    /* the demo device: three sensors, instance 0, 1000 ms */
    s0 = am_sensor_register(am, "sensor_test", 0, 1000, read_sensor, config_sensor,
                            (void *)(intptr_t)0);
    s1 = am_sensor_register(am, "sensor_test1", 0, 1000, read_sensor, config_sensor,
                            (void *)(intptr_t)1);
    s2 = am_sensor_register(am, "sensor_test2", 0, 1000, read_sensor, config_sensor,
                            (void *)(intptr_t)2);
    CHECK(s0 > 0 && s1 > 0 && s2 > 0 && s0 != s1 && s1 != s2 && s0 != s2);
    CHECK(am_subscribe(client, "/alert/overheat"));

    /* request_handler: /url1 -> 69 with key1/key2, also as
     * /app/request_handler/url1; /url2 -> 66 */
    CHECK(install("request_handler"));
    CHECK(call("/app/request_handler/url1", COAP_GET, &r) == CONTENT_2_05);
    CHECK(url1_payload_ok(&r));
    CHECK(call("/url1", COAP_GET, &r) == CONTENT_2_05);
    CHECK(url1_payload_ok(&r));
    CHECK(call("/url1?a=b", COAP_GET, &r) == CONTENT_2_05);
    CHECK(call("/url2", COAP_DELETE, &r) == DELETED_2_02);
    CHECK(call("/url10", COAP_GET, &r) == NOT_FOUND_4_04);
    /* url2's handler prints after sending its response: wait for it */
    WAIT_FOR(out_count("### user resource 2 handler called") >= 1);
    CHECK(out_sync());
    CHECK(out_count("[resp] ### user resource 1 handler called") == 3);
    CHECK(out_count("### user resource 2 handler called") == 1);

    /* request_sender: its two requests from on_init reach request_handler
     * and both responses come back with the payload, which it dumps */
    CHECK(install("request_sender"));
    WAIT_FOR(out_count("[req] response handler called mid:") >= 2 &&
             out_count("Tag: wasm app response payload") >= 2 &&
             out_count("value2") >= 2); /* value2: the dumps' last lines */
    CHECK(out_sync());
    CHECK(out_count("[req] response handler called mid:") == 2);
    CHECK(out_count("a request to target app") == 1);
    CHECK(out_count("a general request") == 1);
    CHECK(out_count("Tag: wasm app response payload") == 2); /* only the sender dumps it */
    CHECK(out_count("value1") >= 2 && out_count("value2") >= 2);
    CHECK(out_count("[req] request timeout!") == 0);
    CHECK(out_count("[resp] ### user resource 1 handler called") == 5);

    /* event_publisher publishes alert/overheat every second to the host
     * subscription and to event_subscriber, which prints and dumps it */
    CHECK(install("event_subscriber"));
    CHECK(install("event_publisher"));
    WAIT_FOR(overheat_events() >= 3);
    CHECK(overheat_events() >= 3);
    pthread_mutex_lock(&ev_lock);
    CHECK(ev_overheat_good == ev_overheat);
    CHECK(publisher_id != AM_ID_NONE && ev_sender == publisher_id);
    pthread_mutex_unlock(&ev_lock);
    WAIT_FOR(out_count("### user over heat event handler called") >= 3 &&
             out_count("temperature is over high") >= 3);
    CHECK(out_count("### user over heat event handler called") >= 3);
    CHECK(out_count("temperature is over high") >= 3); /* the subscriber's dumps */

    /* timer: "Timer update N" every second */
    CHECK(install("timer"));
    WAIT_FOR(out_count("Timer update ") >= 3);
    CHECK(out_count("Timer update ") >= 3);

    /* sensor: opens sensor_test1 at 1000 ms and sensor_test2 at 5000 ms and
     * gets (and dumps) their samples; sensor_test stays unopened */
    CHECK(install("sensor"));
    CHECK(am_sensor_interval(am, s1) == 1000);
    CHECK(am_sensor_interval(am, s2) == 5000);
    CHECK(am_sensor_interval(am, s0) == 0);
    /* each dump prints "read test sensor" twice: in the tag and as "name" */
    WAIT_FOR(out_count("sensor_test1") >= 2 && out_count("sensor_test2") >= 1 &&
             out_count("read test sensor") - out_count("Tag: read test sensor data") >= 3);
    CHECK(out_count("sensor_test1") >= 2);
    CHECK(out_count("sensor_test2") >= 1);
    CHECK(out_count("### app cannot") == 0);
    CHECK(out_count("Tag: read test sensor data") >= 3);
    CHECK(out_count("read test sensor") - out_count("Tag: read test sensor data") >= 3);
    CHECK(atomic_load(&sensor_reads[1]) >= 2 && atomic_load(&sensor_reads[2]) >= 1);
    CHECK(atomic_load(&sensor_reads[0]) == 0);

    /* connection: TCP client to 127.0.0.1:7777 sending "Hello N" every
     * second and printing what comes back; its /close resource closes */
    have_server = server_start(&server);
    if (!have_server) {
        /* Another process holds the port the app hard-codes: what the app
         * would talk to is unknown, so it is not installed. */
        printf("SKIP connection app: 127.0.0.1:%d is in use\n", CONN_PORT);
    } else {
        CHECK(install("connection"));
        CHECK(out_sync());
        CHECK(out_count("connect to server success! handle: ") == 1);
        WAIT_FOR(srv_has("Hello 0") && srv_has("Hello 1"));
        CHECK(srv_has("Hello 0") && srv_has("Hello 1"));
        CHECK(atomic_load(&srv_accepted) == 1);
        WAIT_FOR(out_count("Client got a message from server -> ") >= 2);
        CHECK(out_count("Client got a message from server -> ") >= 2);
        CHECK(call("/app/connection/close", COAP_DELETE, &r) == DELETED_2_02);
        WAIT_FOR(atomic_load(&srv_eof));
        CHECK(atomic_load(&srv_eof));
        CHECK(call("/close", COAP_DELETE, &r) == DELETED_2_02); /* already closed: still 66 */
    }

    /* no callback trapped while the apps ran. Checked before uninstalling:
     * am_uninstall interrupts a callback still running (contract 4.2), which
     * the manager logs as "on_request trapped: ... terminated by user". */
    pthread_mutex_lock(&log_lock);
    CHECK(log_errors == 0);
    CHECK(log_traps == 0);
    pthread_mutex_unlock(&log_lock);

    /* all of them together, then uninstall each */
    CHECK(am_app_count(am) == (have_server ? 7u : 6u));
    CHECK(call("/applet", COAP_GET, &r) == CONTENT_2_05);
    if (have_server)
        CHECK(am_uninstall(am, "connection", NULL, 0));
    CHECK(am_uninstall(am, "sensor", NULL, 0));
    CHECK(am_sensor_interval(am, s1) == 0 && am_sensor_interval(am, s2) == 0);
    CHECK(am_uninstall(am, "timer", NULL, 0));
    /* no timer callback runs once am_uninstall returned */
    CHECK(out_sync());
    before = out_count("Timer update ");
    sleep_ms(2500);
    CHECK(out_sync());
    CHECK(out_count("Timer update ") == before);
    CHECK(am_uninstall(am, "event_publisher", NULL, 0));
    CHECK(am_uninstall(am, "event_subscriber", NULL, 0));
    CHECK(am_uninstall(am, "request_sender", NULL, 0));
    CHECK(am_uninstall(am, "request_handler", NULL, 0));
    CHECK(!am_uninstall(am, "request_handler", NULL, 0));
    CHECK(am_app_count(am) == 0);
    CHECK(call("/url1", COAP_GET, &r) == NOT_FOUND_4_04);
    CHECK(am_unsubscribe(client, "alert/overheat"));

    if (have_server) {
        atomic_store(&srv_stop, 1);
        pthread_join(server, NULL);
        close(srv_listen);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s WASM_DIR\n", argv[0]);
        return 2;
    }
    wasm_dir = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!capture_start()) {
        fprintf(stderr, "cannot capture stdout\n");
        return 1;
    }
    if (!am_test_start(NULL, log_line, on_event, &am, &client)) {
        n_failed++;
    } else {
        run();
        am_shutdown(am);
    }
    am = NULL;
    capture_stop();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
