/* End to end: the demo device (samples/simple) driven over its TCP (and a
 * serial) link by host_tool and by raw sockets, one case per run (contract
 * sections 1, 2, 4, 7, 8): the walkthrough, 16 apps at once, corrupt,
 * truncated and hostile input, error statuses, a trapping on_init, an event
 * flood, the watchdog, install/uninstall cycles, a serial line.
 *
 * Each case starts its own device on a free loopback port (-p 0; the port is
 * read from its first stdout line) and ends by stopping it with SIGTERM:
 * a clean exit (status 0) is asserted, so in the sanitizer build a leak or
 * an error report of the device fails the case.
 *
 * Usage: test_link_e2e SIMPLE HOST_TOOL SAMPLE_APPS_DIR TEST_APPS_DIR CASE
 * Nothing asserts timing: waits have generous bounds that only catch hangs. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "attr_container.h"
#include "check.h"
#include "harness.h"
#include "link_parser.h"
#include "shared_utils.h"

static const char *apps_dir, *tapps_dir;
static char tmp_dir[256];

/* The JSON after "\nresponse status N\n" in host_tool's output, parsed. */
static cJSON *response_json(const tool_result_t *r)
{
    const char *p = strstr(r->out, "\nresponse status ");

    if (!p || !(p = strchr(p + 1, '\n')))
        return NULL;
    return cJSON_Parse(p + 1);
}

static bool json_string_is(const cJSON *obj, const char *key, const char *want)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(item) && strcmp(item->valuestring, want) == 0;
}

static bool json_number_is(const cJSON *obj, const char *key, double want)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsNumber(item) && item->valuedouble == want;
}

/* The error message of a 160 reply contains want. */
static bool error_has(const tool_result_t *r, const char *want)
{
    cJSON *j = response_json(r);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "error message");
    bool ok = cJSON_IsString(msg) && strstr(msg->valuestring, want);

    if (!ok)
        printf("expected an error message with '%s', got:\n%s\n", want, r->out);
    cJSON_Delete(j);
    return ok;
}

static char *app_path(const char *dir, const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, 512, "%s/%s.wasm", dir, name);
    return p;
}

/* The number of apps the device reports (-q), or -1. */
static int query_num(const device_t *d)
{
    tool_result_t r = tool_run(d, "-q", NULL);
    cJSON *j = response_json(&r);
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(j, "num");
    int n = r.code == 69 && cJSON_IsNumber(num) ? num->valueint : -1;

    if (n < 0)
        printf("query failed: exit %d\n%s\n%s\n", r.code, r.out, r.err);
    cJSON_Delete(j);
    tool_free(&r);
    return n;
}

/* What a raw connection received, collected by a parser. */
typedef struct inbox {
    int responses, events;
    uint32_t last_mid;
    int last_status;
    char last_event_url[128];
} inbox_t;

static void inbox_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    inbox_t *in = user;
    response_t resp;
    request_t req;

    if (type == LP_TYPE_RESPONSE && unpack_response((char *)payload, (int)size, &resp)) {
        in->responses++;
        in->last_mid = resp.mid;
        in->last_status = resp.status;
    } else if (type == LP_TYPE_REQUEST && unpack_request((char *)payload, (int)size, &req)) {
        in->events++;
        snprintf(in->last_event_url, sizeof in->last_event_url, "%s", req.url);
    }
}

/* Reads from fd into the inbox until cond holds or ms pass. */
#define RAW_WAIT(fd, parser, cond, ms)                                                        \
    do {                                                                                      \
        uint64_t until_ = now_ms() + (ms);                                                    \
        uint8_t buf_[65536];                                                                  \
        while (!(cond) && now_ms() < until_) {                                                \
            struct pollfd p_ = {(fd), POLLIN, 0};                                             \
            if (poll(&p_, 1, 50) == 1) {                                                      \
                ssize_t n_ = read((fd), buf_, sizeof buf_);                                   \
                if (n_ <= 0)                                                                  \
                    break;                                                                    \
                lp_feed((parser), buf_, (size_t)n_);                                          \
            }                                                                                 \
        }                                                                                     \
    } while (0)

static lp_parser_t *inbox_parser(inbox_t *in)
{
    lp_config_t c = {.on_message = inbox_message, .user = in};

    memset(in, 0, sizeof *in);
    return lp_new(&c);
}

/* ------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------ */

/* Contract section 8's walkthrough, with exact output where it is fixed. */
static void case_walkthrough(void)
{
    device_t d;
    tool_result_t r;
    cJSON *j;

    CHECK(device_start(&d, NULL));
    r = tool_run(&d, "-q", NULL);
    CHECK(r.code == 69);
    CHECK(strcmp(r.out, "\nresponse status 69\n{\n\t\"num\":\t0\n}") == 0 ||
          strcmp(r.out, "\nresponse status 69\n{\n\t\"num\":\t0\n}\n") == 0);
    tool_free(&r);

    TOOL_EXPECT(65, &d, "-i", "request_handler", "-f", app_path(apps_dir, "request_handler"));
    r = tool_run(&d, "-q", NULL);
    j = response_json(&r);
    CHECK(r.code == 69 && json_number_is(j, "num", 1) &&
          json_string_is(j, "applet1", "request_handler") && json_number_is(j, "heap1", 8192));
    cJSON_Delete(j);
    tool_free(&r);

    for (int i = 0; i < 2; i++) { /* both spellings of the optional argument */
        r = tool_run(&d, i ? "--query=request_handler" : "-qrequest_handler", NULL);
        j = response_json(&r);
        CHECK(r.code == 69 && json_string_is(j, "name", "request_handler") &&
              json_number_is(j, "heap", 8192));
        cJSON_Delete(j);
        tool_free(&r);
    }

    for (int i = 0; i < 2; i++) {
        r = tool_run(&d, "-r", i ? "/url1" : "/app/request_handler/url1", "-A", "GET", NULL);
        j = response_json(&r);
        CHECK(r.code == 69 && json_string_is(j, "key1", "value1") &&
              json_string_is(j, "key2", "value2"));
        cJSON_Delete(j);
        tool_free(&r);
    }
    TOOL_EXPECT(66, &d, "-r", "/url2", "-A", "DELETE");

    TOOL_EXPECT(65, &d, "-i", "event_publisher", "-f", app_path(apps_dir, "event_publisher"));
    r = tool_run(&d, "-s", "/alert/overheat", "-a", "3500", NULL);
    CHECK(r.code == 69);
    {
        int events = 0;
        const char *p = r.out;

        while ((p = strstr(p, "\nreceived an event alert/overheat\n"))) {
            cJSON *ev = cJSON_Parse(strchr(p + 1, '\n') + 1);

            /* each event's JSON is followed by the next header: parse up to it */
            if (!ev) {
                const char *next = strstr(p + 1, "\nreceived");
                size_t len = next ? (size_t)(next - p) : strlen(p);
                char *one = strndup(p, len);
                ev = cJSON_Parse(strchr(one + 1, '\n') + 1);
                free(one);
            }
            events += json_string_is(ev, "warning", "temperature is over high");
            cJSON_Delete(ev);
            p++;
        }
        if (events < 2)
            printf("events seen: %d\n%s\n", events, r.out);
        CHECK(events >= 2); /* about three in 3.5 s; >= 2 leaves room for a loaded machine */
    }
    tool_free(&r);

    TOOL_EXPECT(66, &d, "-u", "request_handler");
    TOOL_EXPECT(66, &d, "-u", "event_publisher");
    CHECK(query_num(&d) == 0);
    CHECK(device_stop(&d) == 0);
}

/* 16 apps at once (the default limit), all answering; the 17th is refused. */
static void case_sixteen(void)
{
    device_t d;
    char name[16], url[64];

    CHECK(device_start(&d, NULL));
    for (int i = 1; i <= 16; i++) {
        snprintf(name, sizeof name, "w%d", i);
        TOOL_EXPECT(65, &d, "-i", name, "-f", app_path(tapps_dir, "t_worker"));
    }
    CHECK(query_num(&d) == 16);
    {
        tool_result_t r = tool_run(&d, "-i", "w17", "-f", app_path(tapps_dir, "t_worker"), NULL);
        CHECK(r.code == 160);
        tool_free(&r);
    }
    for (int i = 1; i <= 16; i++) {
        snprintf(url, sizeof url, "/app/w%d/echo", i);
        TOOL_EXPECT(69, &d, "-r", url, "-A", "GET");
    }
    for (int i = 16; i >= 1; i--) {
        snprintf(name, sizeof name, "w%d", i);
        TOOL_EXPECT(66, &d, "-u", name);
    }
    CHECK(query_num(&d) == 0);
    CHECK(device_stop(&d) == 0);
}

static char *write_temp(const char *name, const void *data, size_t size)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size) {
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    return path;
}

/* Error statuses: corrupt wasm, duplicate name, unknown app, unknown URL,
 * an on_init trap; the device is unchanged after each. */
static void case_errors(void)
{
    static const uint8_t corrupt[] = {0x00, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x7f, 0x60};
    device_t d;
    tool_result_t r;

    CHECK(device_start(&d, NULL));
    TOOL_EXPECT(65, &d, "-i", "request_handler", "-f", app_path(apps_dir, "request_handler"));

    r = tool_run(&d, "-i", "bad", "-f", write_temp("corrupt.wasm", corrupt, sizeof corrupt),
                 NULL);
    CHECK(r.code == 160 && error_has(&r, "Install WASM app failed"));
    CHECK(error_has(&r, "WASM module load failed: length out of bounds")); /* the loader's words */
    tool_free(&r);

    r = tool_run(&d, "-i", "request_handler", "-f", app_path(apps_dir, "request_handler"), NULL);
    CHECK(r.code == 160 && error_has(&r, "app already installed"));
    tool_free(&r);

    r = tool_run(&d, "-u", "nosuchapp", NULL);
    CHECK(r.code == 160 && error_has(&r, "no app found"));
    tool_free(&r);

    r = tool_run(&d, "--query=nosuchapp", NULL);
    CHECK(r.code == 160);
    tool_free(&r);

    TOOL_EXPECT(132, &d, "-r", "/no/such/url", "-A", "GET");
    TOOL_EXPECT(160, &d, "-r", "/app/nosuchapp/x", "-A", "GET");

    r = tool_run(&d, "-i", "trapper", "-f", app_path(tapps_dir, "t_bad_init"), NULL);
    CHECK(r.code == 160 && error_has(&r, "Install WASM app failed"));
    tool_free(&r);
    r = tool_run(&d, "-i", "noinit", "-f", app_path(tapps_dir, "t_no_init"), NULL);
    CHECK(r.code == 160);
    tool_free(&r);

    CHECK(query_num(&d) == 1);
    TOOL_EXPECT(69, &d, "-r", "/url1", "-A", "GET");
    TOOL_EXPECT(66, &d, "-u", "request_handler");
    CHECK(device_stop(&d) == 0);
}

/* An install cut off by a disconnect leaves nothing; garbage, a wrong magic,
 * a 4 GiB length and random packets leave the device serving. */
static void case_hostile(void)
{
    device_t d;
    inbox_t in;
    lp_parser_t *parser = inbox_parser(&in);
    uint8_t header[LP_HEADER_SIZE], junk[65536];
    uint32_t seed = 12345;
    int fd;

    CHECK(device_start(&d, NULL));
    /* truncated install: a type-4 message declaring 100000 bytes, 5000 sent */
    fd = raw_connect(&d);
    CHECK(fd >= 0);
    {
        request_t req = {77, "/applet?name=cut", COAP_PUT, FMT_APP_RAW_BINARY, junk, 100000, 0};
        static uint8_t body[100000];
        int size = 0;
        char *packet;

        req.payload = body;
        packet = pack_request(&req, &size);
        CHECK(packet != NULL);
        lp_encode_header(LP_TYPE_INSTALL, (uint32_t)size, header);
        CHECK(write_all(fd, header, sizeof header) && write_all(fd, packet, 5000));
        free_req_resp_packet(packet);
    }
    CHECK(query_num(&d) == 0); /* another host is served meanwhile */
    close(fd);
    CHECK(query_num(&d) == 0);

    /* one connection: garbage, a wrong magic, a 4 GiB length, random
     * packets with a valid magic, then a query on the same connection */
    fd = raw_connect(&d);
    CHECK(fd >= 0);
    for (size_t i = 0; i < sizeof junk; i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (uint8_t)(seed >> 16);
        if (junk[i] == LP_MAGIC_0) /* keep the garbage from starting real messages */
            junk[i] = 0;
    }
    CHECK(write_all(fd, junk, sizeof junk));
    CHECK(write_all(fd, "\x12\x35\x00\x02\x00\x00\x00\x04xxxx", 12));
    CHECK(write_all(fd, "\x12\x34\x00\x02\xff\xff\xff\xff", 8));
    for (int i = 0; i < 200; i++) {
        uint8_t pkt[64];
        uint32_t len;

        seed = seed * 1103515245u + 12345u;
        len = (seed >> 8) % 40;
        pkt[0] = LP_MAGIC_0;
        pkt[1] = LP_MAGIC_1;
        pkt[2] = 0;
        pkt[3] = (uint8_t)(2 + (seed >> 4) % 2); /* request or response type */
        pkt[4] = pkt[5] = pkt[6] = 0;
        pkt[7] = (uint8_t)len;
        for (uint32_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            pkt[8 + k] = (uint8_t)(seed >> 16);
            if (k == 0)
                pkt[8] = 1; /* version 1 now and then passes the first check */
        }
        CHECK(write_all(fd, pkt, 8 + len));
    }
    /* The 4 GiB header was resynced past; some random packet may still be
     * waiting for bytes it declared. Up to 64 KiB of zero filler completes
     * any partial message, then a good query must be answered. */
    memset(junk, 0, sizeof junk);
    CHECK(write_all(fd, junk, 40 * 200));
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/applet", COAP_GET, 4242, 0, NULL, 0));
    RAW_WAIT(fd, parser, in.last_mid == 4242, HANG_MS);
    CHECK(in.last_mid == 4242 && in.last_status == 69);
    close(fd);
    CHECK(query_num(&d) == 0);
    lp_free(parser);
    CHECK(device_stop(&d) == 0);
}

/* A large message is refused with 141 without being buffered. */
static void case_too_large(void)
{
    static const char *const limits[] = {"--max-app-size", "100000", NULL};
    device_t d;
    static uint8_t big[300000];
    tool_result_t r;

    CHECK(device_start(&d, (const char *const *)limits));
    memcpy(big, "\0asm\1\0\0\0", 8);
    r = tool_run(&d, "-i", "big", "-f", write_temp("big.wasm", big, sizeof big), NULL);
    CHECK(r.code == 141);
    tool_free(&r);
    CHECK(query_num(&d) == 0);
    CHECK(device_stop(&d) == 0);
}

/* An app publishing a flood of events while a subscribed host does not
 * read: other hosts keep getting answers; a reading subscriber gets events. */
static void case_flood(void)
{
    device_t d;
    inbox_t in_reader, in_lazy;
    lp_parser_t *p_reader = inbox_parser(&in_reader), *p_lazy = inbox_parser(&in_lazy);
    int reader, lazy, trigger;

    CHECK(device_start(&d, NULL));
    TOOL_EXPECT(65, &d, "-i", "flooder", "-f", app_path(tapps_dir, "t_worker"));
    lazy = raw_connect(&d);
    reader = raw_connect(&d);
    trigger = raw_connect(&d);
    CHECK(lazy >= 0 && reader >= 0 && trigger >= 0);
    CHECK(raw_send(lazy, LP_TYPE_REQUEST, "/event/flood", COAP_PUT, 1, 0, NULL, 0));
    CHECK(raw_send(reader, LP_TYPE_REQUEST, "/event/flood", COAP_PUT, 2, 0, NULL, 0));
    RAW_WAIT(lazy, p_lazy, in_lazy.responses == 1, HANG_MS);
    RAW_WAIT(reader, p_reader, in_reader.responses == 1, HANG_MS);
    CHECK(in_lazy.last_status == 69 && in_reader.last_status == 69);
    /* 5 x 20000 events, without waiting for the answers */
    for (int i = 0; i < 5; i++)
        CHECK(raw_send(trigger, LP_TYPE_REQUEST, "/app/flooder/pflood?u=flood&n=20000",
                       COAP_GET, 100 + (uint32_t)i, 0, NULL, 0));
    for (int i = 0; i < 5; i++) {
        CHECK(query_num(&d) == 1);
        RAW_WAIT(reader, p_reader, false, 20); /* the reader keeps reading */
    }
    RAW_WAIT(reader, p_reader, in_reader.events >= 1000, HANG_MS);
    CHECK(in_reader.events >= 1000 && strcmp(in_reader.last_event_url, "flood") == 0);
    close(lazy);
    close(reader);
    close(trigger);
    TOOL_EXPECT(66, &d, "-u", "flooder");
    lp_free(p_reader);
    lp_free(p_lazy);
    CHECK(device_stop(&d) == 0);
}

/* A callback spinning forever is stopped by the watchdog; while it spins,
 * the other app and the host are served; the app keeps working after. */
static void case_watchdog(void)
{
    device_t d;
    inbox_t in;
    lp_parser_t *parser = inbox_parser(&in);
    int fd;

    CHECK(device_start(&d, NULL));
    TOOL_EXPECT(65, &d, "-i", "spinner", "-f", app_path(tapps_dir, "t_worker"), "--watchdog=1500");
    TOOL_EXPECT(65, &d, "-i", "other", "-f", app_path(tapps_dir, "t_worker"));
    fd = raw_connect(&d);
    CHECK(fd >= 0);
    CHECK(raw_send(fd, LP_TYPE_REQUEST, "/app/spinner/spin", COAP_GET, 9, 0, NULL, 0));
    /* while it spins (1.5 s): served */
    TOOL_EXPECT(69, &d, "-r", "/app/other/echo", "-A", "GET");
    CHECK(query_num(&d) == 2);
    CHECK(wait_text(&d.err, "watchdog", HANG_MS));
    CHECK(collector_has(&d.err, "spinner"));
    TOOL_EXPECT(69, &d, "-r", "/app/spinner/echo", "-A", "GET");
    TOOL_EXPECT(66, &d, "-u", "spinner");
    TOOL_EXPECT(66, &d, "-u", "other");
    close(fd);
    lp_free(parser);
    CHECK(device_stop(&d) == 0);
}

/* 100 install/uninstall cycles; the device's clean exit under the
 * sanitizers proves nothing leaked. */
static void case_cycles(void)
{
    device_t d;

    CHECK(device_start(&d, NULL));
    for (int i = 0; i < 100; i++) {
        tool_result_t r = tool_run(&d, "-i", "cycler", "-f",
                                   app_path(apps_dir, "request_handler"), NULL);
        tool_result_t u = tool_run(&d, "-u", "cycler", NULL);

        if (r.code != 65 || u.code != 66) {
            printf("cycle %d: install %d uninstall %d\n%s%s\n", i, r.code, u.code, r.out,
                   u.out);
            CHECK(false);
            i = 100;
        }
        tool_free(&r);
        tool_free(&u);
    }
    CHECK(query_num(&d) == 0);
    CHECK(device_stop(&d) == 0);
}

/* The serial transport end to end: the device on one pty, host_tool on
 * another, this process relaying bytes between the two masters as a null
 * modem cable would. */
static int open_pty(char *slave_path, size_t size)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    struct termios t;

    if (fd < 0 || grantpt(fd) || unlockpt(fd) || ptsname_r(fd, slave_path, size))
        return -1;
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
    return fd;
}

static volatile bool relay_stop;

static void *relay(void *arg)
{
    int *fds = arg;
    uint8_t buf[4096];

    while (!relay_stop) {
        struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};

        if (poll(p, 2, 50) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (p[i].revents & POLLIN) {
                ssize_t n = read(fds[i], buf, sizeof buf);

                if (n > 0)
                    write_all(fds[1 - i], buf, (size_t)n);
            }
        }
    }
    return NULL;
}

static void case_uart(void)
{
    char dev_slave[128], host_slave[128];
    int fds[2];
    pthread_t thread;
    device_t d;
    char *argv[] = {(char *)simple_bin, "-u", dev_slave, "-b", "115200", NULL};
    int out_fd, err_fd;

    fds[0] = open_pty(dev_slave, sizeof dev_slave);
    fds[1] = open_pty(host_slave, sizeof host_slave);
    CHECK(fds[0] >= 0 && fds[1] >= 0);
    /* keep the host side's slave open so its master never sees a hangup
     * between host_tool runs */
    int keep = open(host_slave, O_RDWR | O_NOCTTY);
    memset(&d, 0, sizeof d);
    d.pid = spawn(argv, &out_fd, &err_fd);
    collector_start(&d.out, out_fd);
    collector_start(&d.err, err_fd);
    pthread_create(&thread, NULL, relay, fds);
    CHECK(wait_text(&d.err, "baud", HANG_MS));
    {
        char *tool[] = {(char *)tool_bin, "-D", host_slave, "-B", "115200", "-q", NULL};
        char *install[] = {(char *)tool_bin, "-D", host_slave, "-B", "115200", "-i",
                           "request_handler", "-f", app_path(apps_dir, "request_handler"), NULL};
        char *call[] = {(char *)tool_bin, "-D", host_slave, "-B", "115200", "-r", "/url1",
                        "-A", "GET", NULL};
        char *const *runs[] = {tool, install, call};
        const int want[] = {69, 65, 69};

        for (int i = 0; i < 3; i++) {
            int o, e, status = 0;
            collector_t co, ce;
            pid_t pid = spawn(runs[i], &o, &e);

            collector_start(&co, o);
            collector_start(&ce, e);
            waitpid(pid, &status, 0);
            pthread_join(co.thread, NULL);
            pthread_join(ce.thread, NULL);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != want[i])
                printf("uart run %d: status 0x%x\n%s\n%s\n", i, status, co.text ? co.text : "",
                       ce.text ? ce.text : "");
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == want[i]);
            close(co.fd);
            close(ce.fd);
            free(co.text);
            free(ce.text);
            pthread_mutex_destroy(&co.lock);
            pthread_mutex_destroy(&ce.lock);
        }
    }
    CHECK(device_stop(&d) == 0);
    relay_stop = true;
    pthread_join(thread, NULL);
    if (keep >= 0)
        close(keep);
    close(fds[0]);
    close(fds[1]);
}

static const harness_case_t cases[] = {
    {"walkthrough", case_walkthrough}, {"sixteen", case_sixteen},   {"errors", case_errors},
    {"hostile", case_hostile},         {"too-large", case_too_large}, {"flood", case_flood},
    {"watchdog", case_watchdog},       {"cycles", case_cycles},     {"uart", case_uart},
};

int main(int argc, char **argv)
{
    const char **const args[] = {&apps_dir, &tapps_dir, NULL};
    const harness_case_t *c = harness_pick(argc, argv, "SAMPLE_APPS_DIR TEST_APPS_DIR", args,
                                           cases, sizeof cases / sizeof cases[0]);

    if (!c || !harness_tmp_make(tmp_dir, sizeof tmp_dir, "link-e2e"))
        return 2;
    c->run();
    harness_tmp_remove(tmp_dir);
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
