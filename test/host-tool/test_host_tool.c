/* host_tool end to end against a scripted fake device: the exact request
 * bytes it sends for each operation, its stdout byte for byte (the
 * reference's format), the -o file, the -U datagrams, --json lines, the
 * progress line of big installs, and the exit code of every outcome
 * (status, timeout, refused, usage and payload errors, hostile replies),
 * over TCP and over a pty pair standing in for a UART.
 * Usage: test_host_tool HOST_TOOL CASE (one ctest per case). */
#define _GNU_SOURCE /* posix_openpt & co. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr_container.h"
#include "check.h"
#include "fake_device.h"

#define MAX_ARGS 32

/* ========================================================================
 * Helpers
 * ======================================================================== */

static void print_escaped(const char *label, const char *s, size_t len)
{
    printf("  %s (%zu bytes): \"", label, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\n')
            printf("\\n");
        else if (c == '\t')
            printf("\\t");
        else if (c == '\r')
            printf("\\r");
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

/* Exit code and stdout exactly as expected, and no sanitizer report. */
static void expect(const tool_result_t *r, int code, const char *out)
{
    int out_ok = r->out_len == strlen(out) && memcmp(r->out, out, r->out_len) == 0;
    int clean = !strstr(r->err, "Sanitizer") && !strstr(r->err, "runtime error");

    CHECK(r->code == code);
    CHECK(out_ok);
    CHECK(clean);
    if (r->code != code || !out_ok || !clean) {
        printf("  exit code %d (expected %d)\n", r->code, code);
        print_escaped("stdout", r->out, r->out_len);
        print_escaped("expected", out, strlen(out));
        print_escaped("stderr", r->err, strlen(r->err));
    }
}

/* stderr must contain text. */
static void expect_err(const tool_result_t *r, const char *text)
{
    int ok = strstr(r->err, text) != NULL;

    CHECK(ok);
    if (!ok) {
        print_escaped("stderr", r->err, strlen(r->err));
        print_escaped("missing", text, strlen(text));
    }
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (!f || fwrite(data, 1, len, f) != len) {
        perror(path);
        abort();
    }
    fclose(f);
}

static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        abort();
    buf[n] = '\0';
    fclose(f);
    *out_len = (size_t)n;
    return buf;
}

/* "Applets Info" as a device answers -q: num, then applet1/heap1 if any. */
static uint8_t *applets_info(int num, uint32_t *out_len)
{
    attr_container_t *c = attr_container_create("Applets Info");
    uint8_t *image;

    if (!c || !attr_container_set_int(&c, "num", num)
        || (num && (!attr_container_set_string(&c, "applet1", "app")
                    || !attr_container_set_int(&c, "heap1", 8192))))
        abort();
    *out_len = attr_container_get_serialize_length(c);
    image = malloc(*out_len);
    memcpy(image, c, *out_len);
    attr_container_destroy(c);
    return image;
}

/* The request fields every operation shares. */
static void expect_request(const got_req_t *r, uint16_t link_type, uint8_t action, uint16_t fmt,
                           const char *url)
{
    int url_ok = r->url && strcmp(r->url, url) == 0;

    CHECK(r->link_type == link_type);
    CHECK(r->version == 1);
    CHECK(r->action == action);
    CHECK(r->fmt == fmt);
    CHECK(r->mid != 0);
    CHECK(r->sender == 0);
    CHECK(url_ok);
    if (!url_ok)
        printf("  url '%s', expected '%s'\n", r->url ? r->url : "(none)", url);
}

/* ========================================================================
 * Running host_tool against the device
 * ======================================================================== */

/* What the device does once it has read the request. */
typedef void (*script_t)(int fd, const got_req_t *req);

/* Runs host_tool with args plus -P PORT of a fresh device that reads one
 * request (into *out_req) and plays script. */
static tool_result_t exchange(const char *const *args, got_req_t *out_req, script_t script)
{
    const char *argv[MAX_ARGS + 3];
    uint16_t port;
    int lfd = dev_listen(&port), fd, n = 0;
    char port_text[8];
    tool_result_t r;
    pid_t pid;

    snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
    while (args[n] && n < MAX_ARGS) {
        argv[n] = args[n];
        n++;
    }
    argv[n++] = "-P";
    argv[n++] = port_text;
    argv[n] = NULL;
    pid = tool_start(argv);
    fd = dev_accept(lfd);
    CHECK(fd >= 0);
    if (fd >= 0) {
        int got = dev_read_request(fd, out_req);

        CHECK(got);
        if (got)
            script(fd, out_req);
        close(fd);
    }
    close(lfd);
    r = tool_finish(pid);
    return r;
}

static void send_and_free(int fd, bytes_t *b)
{
    CHECK(dev_send(fd, b));
    bytes_free(b);
}

/* ========================================================================
 * Operations: the request on the wire and the output of the reply
 * ======================================================================== */

/* A wrong-mid response, an event, the real response and a late event, all
 * in ONE write: the parser must deliver every message of the chunk, the
 * wrong mid is ignored, and with -a 0 the late event is not printed. */
static void script_query(int fd, const got_req_t *req)
{
    uint32_t n_err, n_ev, n_info;
    uint8_t *err = make_attr("", &n_err, "error message", "not your request", NULL);
    uint8_t *ev = make_attr("event", &n_ev, "warning", "hot", NULL);
    uint8_t *info = applets_info(0, &n_info);
    bytes_t b = { 0 };

    add_response(&b, 160, 99, req->mid ^ 0x5a5a5a5au, err, n_err);
    add_event(&b, "alert/x", 99, 1, ev, n_ev);
    add_response(&b, 69, 99, req->mid, info, n_info);
    add_event(&b, "late", 99, 1, ev, n_ev);
    send_and_free(fd, &b);
    free(err);
    free(ev);
    free(info);
}

static void case_query(void)
{
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "-q", NULL }, &req, script_query);

    expect_request(&req, 2, 1, 99, "/applet");
    CHECK(req.payload_len == 0);
    /* events are shown for -s/-d only, as the reference does */
    expect(&r, 69, "\nresponse status 69\n{\n\t\"num\":\t0\n}");
    got_req_free(&req);
    tool_result_free(&r);
}

/* The error a device gives for an unknown app: 160 with its JSON. */
static void script_not_found(int fd, const got_req_t *req)
{
    uint32_t n;
    uint8_t *err = make_attr("", &n, "error message", "Query Applet failed: the app is not found.",
                             NULL);
    bytes_t b = { 0 };

    add_response(&b, 160, 99, req->mid, err, n);
    send_and_free(fd, &b);
    free(err);
}

static void case_query_name(void)
{
    static const char expected[] =
        "\nresponse status 160\n{\n\t\"error message\":\t\"Query Applet failed: the app is not "
        "found.\"\n}";
    const char *const *variants[] = { (const char *[]){ "-qmyapp", NULL },
                                      (const char *[]){ "--query=myapp", NULL } };

    for (int i = 0; i < 2; i++) {
        got_req_t req;
        tool_result_t r = exchange(variants[i], &req, script_not_found);

        expect_request(&req, 2, 1, 99, "/applet?name=myapp");
        expect(&r, 160, expected);
        got_req_free(&req);
        tool_result_free(&r);
    }
}

static void script_status_65(int fd, const got_req_t *req)
{
    bytes_t b = { 0 };

    add_response(&b, 65, 99, req->mid, NULL, 0);
    send_and_free(fd, &b);
}

static uint8_t *pattern(size_t len)
{
    uint8_t *p = malloc(len);

    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + i / 251);
    memcpy(p, "\0asm\1\0\0\0", len < 8 ? len : 8);
    return p;
}

static void case_install(void)
{
    uint8_t *file = pattern(100);
    got_req_t req;
    tool_result_t r;

    write_file(tmp_path("app.wasm"), file, 100);
    r = exchange((const char *[]){ "-i", "app", "-f", tmp_path("app.wasm"), "--type=wasm",
                                   "--heap=1234", "--timers=5", "--watchdog=300", NULL },
                 &req, script_status_65);
    expect_request(&req, 4, 3, 98, "/applet?name=app&type=wasm&heap=1234&timers=5&wd=300");
    CHECK(req.payload_len == 100 && memcmp(req.payload, file, 100) == 0);
    expect(&r, 65, "\nresponse status 65\n");
    CHECK(r.err[0] == '\0'); /* small: no progress line */
    got_req_free(&req);
    tool_result_free(&r);
    free(file);
}

static int count_char(const char *s, char c)
{
    int n = 0;

    for (; *s; s++)
        n += *s == c;
    return n;
}

static void case_install_large(void)
{
    static const char last[] = "\rinstall big: 100% (300000/300000 bytes)\n";
    size_t size = 300000, err_len;
    uint8_t *file = pattern(size);
    got_req_t req;
    tool_result_t r;

    write_file(tmp_path("big.wasm"), file, size);
    r = exchange((const char *[]){ "-i", "big", "-f", tmp_path("big.wasm"), NULL }, &req,
                 script_status_65);
    expect_request(&req, 4, 3, 98, "/applet?name=big");
    CHECK(req.payload_len == size && memcmp(req.payload, file, size) == 0);
    expect(&r, 65, "\nresponse status 65\n");
    /* stderr: updates as the write proceeds, the last one at 100% with a
     * newline; stdout is untouched (checked above). */
    err_len = strlen(r.err);
    CHECK(strncmp(r.err, "\rinstall big: ", 14) == 0);
    CHECK(err_len >= sizeof(last) - 1
          && strcmp(r.err + err_len - (sizeof(last) - 1), last) == 0);
    CHECK(count_char(r.err, '\r') >= 5 && count_char(r.err, '\n') == 1);
    if (err_len < sizeof(last) - 1 || count_char(r.err, '\r') < 5)
        print_escaped("stderr", r.err, err_len);
    got_req_free(&req);
    tool_result_free(&r);
    free(file);
}

static void script_status_66(int fd, const got_req_t *req)
{
    bytes_t b = { 0 };

    add_response(&b, 66, 99, req->mid, NULL, 0);
    send_and_free(fd, &b);
}

static void case_uninstall(void)
{
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "-u", "app", NULL }, &req, script_status_66);

    expect_request(&req, 2, 4, 99, "/applet?name=app");
    CHECK(req.payload_len == 0);
    expect(&r, 66, "\nresponse status 66\n");
    got_req_free(&req);
    tool_result_free(&r);

    /* --type goes into the URL as the reference puts it; a host name works
     * (and finds the device listening on IPv4 only). */
    r = exchange((const char *[]){ "--type=wasm", "-u", "app", "-S", "localhost", NULL }, &req,
                 script_status_66);
    expect_request(&req, 2, 4, 99, "/applet?name=app&type=wasm");
    expect(&r, 66, "\nresponse status 66\n");
    got_req_free(&req);
    tool_result_free(&r);
}

static void script_url1(int fd, const got_req_t *req)
{
    uint32_t n;
    uint8_t *p = make_attr("wasm app response payload", &n, "key1", "value1", "key2", "value2",
                           NULL);
    bytes_t b = { 0 };

    add_response(&b, 69, 99, req->mid, p, n);
    send_and_free(fd, &b);
    free(p);
}

static void script_status_132(int fd, const got_req_t *req)
{
    bytes_t b = { 0 };

    add_response(&b, 132, 99, req->mid, NULL, 0);
    send_and_free(fd, &b);
}

/* -r with a -p JSON file: the payload is the attr_container built from it,
 * slack included, as the reference sends it. */
static void case_request(void)
{
    static const char json[] = "{\"a\": 1.5, \"b\": true, \"s\": \"x\", \"arr\": [1, 255]}";
    static const int8_t arr[] = { 1, -1 };
    attr_container_t *want = attr_container_create("");
    got_req_t req;
    tool_result_t r;
    unsigned want_len;

    CHECK(want && attr_container_set_double(&want, "a", 1.5)
          && attr_container_set_bool(&want, "b", true) && attr_container_set_string(&want, "s", "x")
          && attr_container_set_bytearray(&want, "arr", arr, 2));
    want_len = attr_container_get_serialize_length(want);
    write_file(tmp_path("payload.json"), json, sizeof(json) - 1);
    r = exchange((const char *[]){ "-r", "/app/x/url1", "-A", "post", "-p",
                                   tmp_path("payload.json"), NULL },
                 &req, script_url1);
    expect_request(&req, 2, 2, 99, "/app/x/url1");
    CHECK(req.payload_len == want_len && memcmp(req.payload, want, want_len) == 0);
    expect(&r, 69, "\nresponse status 69\n{\n\t\"key1\":\t\"value1\",\n\t\"key2\":\t\"value2\"\n}");
    got_req_free(&req);
    tool_result_free(&r);
    attr_container_destroy(want);

    /* Without -p: no payload, still format 99 as in the reference. */
    r = exchange((const char *[]){ "-r", "/url1", "-A", "GET", NULL }, &req, script_status_132);
    expect_request(&req, 2, 1, 99, "/url1");
    CHECK(req.payload_len == 0);
    expect(&r, 132, "\nresponse status 132\n");
    got_req_free(&req);
    tool_result_free(&r);
}

static void script_status_69(int fd, const got_req_t *req)
{
    bytes_t b = { 0 };

    add_response(&b, 69, 99, req->mid, NULL, 0);
    send_and_free(fd, &b);
}

/* -s and -d URLs exactly as the reference builds them. */
static void case_event_urls(void)
{
    static const struct { const char *op, *arg, *url; uint8_t action; } cases[] = {
        { "-s", "/alert/overheat", "/event/alert/overheat", 3 },
        { "-s", "alert/overheat", "/event/alert/overheat", 3 },
        { "-d", "/alert/overheat", "/event/alert/overheat", 4 },
        { "-d", "alert/overheat", "/event/alert/overheat", 4 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        got_req_t req;
        tool_result_t r = exchange((const char *[]){ cases[i].op, cases[i].arg, NULL }, &req,
                                   script_status_69);

        expect_request(&req, 2, cases[i].action, 99, cases[i].url);
        CHECK(req.payload_len == 0);
        expect(&r, 69, "\nresponse status 69\n");
        got_req_free(&req);
        tool_result_free(&r);
    }
}

/* ========================================================================
 * Staying alive, output destinations, --json
 * ======================================================================== */

/* The response, then (second write) two events, then the device hangs up:
 * host_tool prints both and exits at once with the status. */
static void script_alive(int fd, const got_req_t *req)
{
    uint32_t n;
    uint8_t *ev = make_attr("event", &n, "warning", "temperature is over high", NULL);
    bytes_t b = { 0 };

    add_response(&b, 69, 99, req->mid, NULL, 0);
    send_and_free(fd, &b);
    add_event(&b, "alert/overheat", 99, 1, ev, n);
    add_event(&b, "alert/overheat", 99, 1, ev, n);
    send_and_free(fd, &b);
    free(ev);
}

static void case_alive(void)
{
    static const char event[] = "\nreceived an event alert/overheat\n"
                                "{\n\t\"warning\":\t\"temperature is over high\"\n}";
    char expected[256];
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "-s", "alert/overheat", "-a", "60000", NULL },
                               &req, script_alive);

    snprintf(expected, sizeof(expected), "\nresponse status 69\n%s%s", event, event);
    expect(&r, 69, expected);
    got_req_free(&req);
    tool_result_free(&r);
}

/* The response, then silence with the link open: host_tool must leave by
 * itself when -a runs out. */
static void script_alive_expire(int fd, const got_req_t *req)
{
    script_status_69(fd, req);
    CHECK(dev_wait_eof(fd));
}

static void case_alive_expire(void)
{
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "-q", "-a", "300", NULL }, &req,
                               script_alive_expire);

    expect(&r, 69, "\nresponse status 69\n");
    got_req_free(&req);
    tool_result_free(&r);
}

/* An event then a response with JSON: four pieces of text. */
static void script_event_and_info(int fd, const got_req_t *req)
{
    uint32_t n_ev, n_info;
    uint8_t *ev = make_attr("", &n_ev, "k", "v", NULL);
    uint8_t *info = applets_info(1, &n_info);
    bytes_t b = { 0 };

    add_event(&b, "e1", 99, 5, ev, n_ev);
    add_response(&b, 69, 99, req->mid, info, n_info);
    send_and_free(fd, &b);
    free(ev);
    free(info);
}

static const char event_and_info_text[] =
    "\nreceived an event e1\n{\n\t\"k\":\t\"v\"\n}"
    "\nresponse status 69\n{\n\t\"num\":\t1,\n\t\"applet1\":\t\"app\",\n\t\"heap1\":\t8192\n}";

/* -o appends: what was in the file stays, two runs add their output. */
static void case_output_file(void)
{
    char path[512], *content, *expected;
    size_t len;

    snprintf(path, sizeof(path), "%s", tmp_path("out.txt"));
    write_file(path, "old\n", 4);
    for (int i = 0; i < 2; i++) {
        got_req_t req;
        tool_result_t r = exchange((const char *[]){ "-s", "e1", "-o", path, NULL }, &req,
                                   i ? script_event_and_info : script_status_69);

        expect(&r, 69, i ? event_and_info_text : "\nresponse status 69\n");
        got_req_free(&req);
        tool_result_free(&r);
    }
    content = read_file(path, &len);
    expected = malloc(strlen(event_and_info_text) + 64);
    sprintf(expected, "old\n\nresponse status 69\n%s", event_and_info_text);
    CHECK(content && strcmp(content, expected) == 0);
    if (content && strcmp(content, expected) != 0)
        print_escaped("file", content, len);
    free(content);
    free(expected);

    /* A file that cannot be opened is an error before anything is sent. */
    tool_result_t r = tool_run((const char *[]){ "-q", "-o", "/nonexistent-dir/x", NULL });
    expect(&r, 255, "");
    expect_err(&r, "host_tool: cannot open output file '/nonexistent-dir/x': No such file or "
                   "directory\n");
    tool_result_free(&r);
}

static int udp_listen(uint16_t *out_port)
{
    struct sockaddr_in a = { 0 };
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        abort();
    *out_port = ntohs(a.sin_port);
    return fd;
}

/* -U: the same text as datagrams, header and JSON apart (as the
 * reference sends them). */
static void case_udp(void)
{
    static const char *const want[] = {
        "\nreceived an event e1\n", "{\n\t\"k\":\t\"v\"\n}", "\nresponse status 69\n",
        "{\n\t\"num\":\t1,\n\t\"applet1\":\t\"app\",\n\t\"heap1\":\t8192\n}",
    };
    uint16_t port;
    int ufd = udp_listen(&port);
    char port_text[8];
    got_req_t req;
    tool_result_t r;

    snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
    r = exchange((const char *[]){ "-s", "e1", "-U", port_text, NULL }, &req,
                 script_event_and_info);
    expect(&r, 69, event_and_info_text);
    for (int i = 0; i < 4; i++) {
        struct pollfd p = { ufd, POLLIN, 0 };
        char buf[1024];
        ssize_t n = poll(&p, 1, GUARD_MS) == 1 ? recv(ufd, buf, sizeof(buf) - 1, 0) : -1;
        int ok = n == (ssize_t)strlen(want[i]) && memcmp(buf, want[i], (size_t)n) == 0;

        CHECK(ok);
        if (!ok) {
            printf("  datagram %d:\n", i);
            print_escaped("got", buf, n > 0 ? (size_t)n : 0);
        }
    }
    close(ufd);
    got_req_free(&req);
    tool_result_free(&r);
}

/* For --json: an event, a wrong-mid response, the response; then an event
 * that is not an attr_container and one that is malformed; then hang up. */
static void script_json(int fd, const got_req_t *req)
{
    static const uint8_t bad[] = { 0, 0, 100, 0, 0, 0 };
    uint32_t n_ev, n_info;
    uint8_t *ev = make_attr("event", &n_ev, "warning", "hot", NULL);
    uint8_t *info = applets_info(0, &n_info);
    bytes_t b = { 0 };

    add_event(&b, "alert/overheat", 99, 1, ev, n_ev);
    add_response(&b, 160, 99, req->mid + 1, NULL, 0);
    add_response(&b, 69, 99, req->mid, info, n_info);
    send_and_free(fd, &b);
    add_event(&b, "raw", 98, 2, "xyz", 3);
    add_event(&b, "bad", 99, 3, bad, sizeof(bad));
    send_and_free(fd, &b);
    free(ev);
    free(info);
}

static void script_silent(int fd, const got_req_t *req)
{
    (void)req;
    CHECK(dev_wait_eof(fd));
}

static void case_json(void)
{
    char expected[1024];
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "--json", "-s", "alert/overheat", "-a", "60000",
                                                 NULL },
                               &req, script_json);

    snprintf(expected, sizeof(expected),
             "{\"type\":\"event\",\"url\":\"alert/overheat\",\"sender\":1,\"fmt\":99,"
             "\"payload\":{\"warning\":\"hot\"}}\n"
             "{\"type\":\"response\",\"status\":69,\"mid\":%u,\"fmt\":99,\"payload\":{\"num\":0}}\n"
             "{\"type\":\"event\",\"url\":\"raw\",\"sender\":2,\"fmt\":98,\"payload\":null}\n"
             "{\"type\":\"event\",\"url\":\"bad\",\"sender\":3,\"fmt\":99,\"payload\":null,"
             "\"payload_error\":\"attr_container total_length 100 needs 102 bytes, only 6 "
             "received\"}\n",
             req.mid);
    expect(&r, 69, expected);
    got_req_free(&req);
    tool_result_free(&r);

    r = exchange((const char *[]){ "--json", "-q", "-t", "300", NULL }, &req, script_silent);
    expect(&r, 2, "{\"type\":\"timeout\"}\n");
    got_req_free(&req);
    tool_result_free(&r);
}

/* ========================================================================
 * Failures
 * ======================================================================== */

static void case_timeout(void)
{
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "-q", "-t", "300", NULL }, &req, script_silent);

    expect(&r, 2, "operation timeout\n");
    got_req_free(&req);
    tool_result_free(&r);
}

static void case_refused(void)
{
    char port_text[8], message[128];
    uint16_t port = unused_port();
    tool_result_t r;

    snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
    r = tool_run((const char *[]){ "-q", "-P", port_text, NULL });
    snprintf(message, sizeof(message),
             "host_tool: cannot connect to 127.0.0.1:%u: connection refused\n", (unsigned)port);
    expect(&r, 255, "");
    expect_err(&r, message);
    tool_result_free(&r);
}

static void script_hang_up(int fd, const got_req_t *req)
{
    (void)fd;
    (void)req;
}

static void case_closed_early(void)
{
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "-q", NULL }, &req, script_hang_up);

    expect(&r, 255, "");
    expect_err(&r, "ended before the response: closed by the device\n");
    got_req_free(&req);
    tool_result_free(&r);
}

/* Each usage error: 255, the precise message, then the usage, on stderr. */
static void case_usage(void)
{
    static const struct { const char *args[8]; const char *message; } cases[] = {
        { { NULL }, "no operation given: use one of -i, -u, -q, -r, -s, -d" },
        { { "-q", "-u", "x" }, "two operations given: -q/--query and -u/--uninstall (give "
                               "exactly one of -i, -u, -q, -r, -s, -d)" },
        { { "-i", "app" }, "-i/--install needs -f FILE (the app binary)" },
        { { "-r", "/x" }, "-r/--request needs -A GET|PUT|POST|DELETE" },
        { { "-r", "/x", "-A", "PATCH" },
          "bad value 'PATCH' for -A/--action: expected GET, PUT, POST or DELETE" },
        { { "-q", "-t", "abc" },
          "bad value 'abc' for -t/--timeout: expected an integer in 1..2147483647" },
        { { "-q", "-a", "-5" },
          "bad value '-5' for -a/--alive: expected an integer in 0..2147483647" },
        { { "-q", "-P", "70000" }, "bad value '70000' for -P/--port: expected an integer in 1..65535" },
        { { "-i", "a", "-f", "f", "--heap=12k" },
          "bad value '12k' for --heap: expected an integer in 1..2147483647" },
        { { "-q", "--frobnicate" }, "unknown option '--frobnicate'" },
        { { "-q", "-x" }, "unknown option '-x'" },
        { { "-q", "app" },
          "unexpected argument 'app' (an app name for -q must be attached: -qNAME or "
          "--query=NAME)" },
        { { "-q", "-f", "x" }, "-f/--file is only valid with -i/--install" },
        { { "-q", "-p", "x.json" }, "-p/--payload is only valid with -r/--request" },
        { { "-u" }, "option -u/--uninstall needs an argument" },
        { { "-q", "-S", "10.0.0.1", "-D", "/dev/ttyS0" },
          "-S/--address (TCP) and -D/--uart (UART) exclude each other" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tool_result_t r = tool_run(cases[i].args);
        char want[512];

        snprintf(want, sizeof(want), "host_tool: %s\n\nUsage:\n", cases[i].message);
        expect(&r, 255, "");
        CHECK(strncmp(r.err, want, strlen(want)) == 0);
        if (strncmp(r.err, want, strlen(want)) != 0) {
            print_escaped("stderr", r.err, strlen(r.err));
            print_escaped("expected start", want, strlen(want));
        }
        tool_result_free(&r);
    }
    tool_result_t r = tool_run((const char *[]){ "-h", NULL });
    CHECK(r.code == 0 && strncmp(r.out, "Usage:\n", 7) == 0 && r.err[0] == '\0');
    CHECK(strstr(r.out, "-q, --query[=NAME]") != NULL);
    tool_result_free(&r);
}

/* Bad -p files and app files fail before any connection (the port has no
 * listener, so reaching it would give a different error). */
static void case_bad_payload(void)
{
    static const struct { const char *json, *message; } cases[] = {
        { "{\"a\": 1,}", "invalid JSON at line 1, column 9 (offset 8): near '}'" },
        { "{\"a\": {\"b\": 1}}", "key \"a\": an object cannot be stored (expected a number, "
                                 "boolean, string or array of bytes)" },
        { "{\"n\": null}", "key \"n\": null cannot be stored (expected a number, boolean, "
                           "string or array of bytes)" },
        { "{\"m\": [1, 300]}", "key \"m\": array element 1 is out of range or not an integer, "
                               "expected an integer in -128..255" },
        { "[1, 2]", "the JSON top level is an array, expected an object" },
        { "", "empty JSON text, expected an object" },
    };
    char port_text[8], want[1200], path[512];
    tool_result_t r;

    snprintf(path, sizeof(path), "%s", tmp_path("bad.json"));
    snprintf(port_text, sizeof(port_text), "%u", (unsigned)unused_port());
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_file(path, cases[i].json, strlen(cases[i].json));
        r = tool_run((const char *[]){ "-r", "/x", "-A", "PUT", "-p", path, "-P", port_text,
                                       NULL });
        snprintf(want, sizeof(want), "host_tool: payload file '%s': %s\n", path,
                 cases[i].message);
        expect(&r, 255, "");
        CHECK(strcmp(r.err, want) == 0);
        if (strcmp(r.err, want) != 0)
            print_escaped("stderr", r.err, strlen(r.err));
        tool_result_free(&r);
    }
    r = tool_run((const char *[]){ "-r", "/x", "-A", "PUT", "-p", tmp_path("missing.json"), "-P",
                                   port_text, NULL });
    snprintf(want, sizeof(want),
             "host_tool: cannot open payload file '%s': No such file or directory\n",
             tmp_path("missing.json"));
    expect(&r, 255, "");
    CHECK(strcmp(r.err, want) == 0);
    tool_result_free(&r);
    r = tool_run((const char *[]){ "-i", "a", "-f", tmp_path("missing.wasm"), "-P", port_text,
                                   NULL });
    expect(&r, 255, "");
    expect_err(&r, "host_tool: cannot open app file '");
    tool_result_free(&r);
}

/* Garbage, an unused link type, a malformed event and response, then our
 * response whose fmt-99 payload lies about its length: no crash, the status
 * printed without JSON, the exit code is the status. */
static void script_hostile(int fd, const got_req_t *req)
{
    static const uint8_t bad_event[] = { 2, 6, 0, 99, 0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0,
                                         'x', 0 }; /* version 2 */
    static const uint8_t short_resp[] = { 1, 69, 0, 99, 0, 0, 0, 1 };
    static const uint8_t lying[] = { 0, 0, 0xff, 0xff, 0xff, 0x0f, 1, 0, 0, 9, 9 };
    bytes_t b = { 0 };

    bytes_add(&b, "garbage!", 8);
    add_frame(&b, 30, "cbor?", 5);
    add_frame(&b, 2, bad_event, sizeof(bad_event));
    add_frame(&b, 3, short_resp, sizeof(short_resp));
    add_response(&b, 69, 99, req->mid, lying, sizeof(lying));
    send_and_free(fd, &b);
}

/* The same with -a: then an event whose attr_container has a huge count,
 * and a frame header announcing an absurd size, and the hang-up. */
static void script_hostile_alive(int fd, const got_req_t *req)
{
    static const uint8_t huge_count[] = { 0, 0, 9, 0, 0, 0, 1, 0, 0, 0xff, 0xff };
    static const uint8_t absurd[] = { 0x12, 0x34, 0, 2, 0xff, 0xff, 0xff, 0xf0, 1, 2, 3 };
    bytes_t b = { 0 };

    add_response(&b, 69, 99, req->mid, huge_count, sizeof(huge_count));
    add_event(&b, "ev", 99, 1, huge_count, sizeof(huge_count));
    bytes_add(&b, absurd, sizeof(absurd));
    send_and_free(fd, &b);
}

static void case_hostile(void)
{
    got_req_t req;
    tool_result_t r = exchange((const char *[]){ "-q", NULL }, &req, script_hostile);

    expect(&r, 69, "\nresponse status 69\n");
    expect_err(&r, "response payload not shown: attr_container total_length");
    expect_err(&r, "ignored a malformed event");
    expect_err(&r, "ignored a malformed response");
    got_req_free(&req);
    tool_result_free(&r);

    r = exchange((const char *[]){ "-s", "ev", "-a", "60000", NULL }, &req, script_hostile_alive);
    expect(&r, 69, "\nresponse status 69\n\nreceived an event ev\n");
    expect_err(&r, "event payload not shown: malformed attr_container");
    got_req_free(&req);
    tool_result_free(&r);
}

/* ========================================================================
 * UART: the device on the master side of a pty pair
 * ======================================================================== */

/* Bytes a cooked tty would translate or swallow (CR, LF, ^C, XON/XOFF,
 * DEL, 0xff): they must all arrive unchanged in the JSON string. */
static void script_uart_query(int fd, const got_req_t *req)
{
    uint32_t n;
    uint8_t *p = make_attr("", &n, "raw", "a\r\nb\x03\x11\x13\x7f\xff", NULL);
    bytes_t b = { 0 };

    add_response(&b, 69, 99, req->mid, p, n);
    CHECK(write(fd, b.p, b.n) == (ssize_t)b.n);
    bytes_free(&b);
    free(p);
}

static void script_uart_install(int fd, const got_req_t *req)
{
    bytes_t b = { 0 };

    add_response(&b, 65, 99, req->mid, NULL, 0);
    CHECK(write(fd, b.p, b.n) == (ssize_t)b.n);
    bytes_free(&b);
}

static tool_result_t uart_exchange(int master, const char *const *args, got_req_t *out_req,
                                   script_t script)
{
    pid_t pid = tool_start(args);
    int got = dev_read_request(master, out_req);

    CHECK(got);
    if (got)
        script(master, out_req);
    return tool_finish(pid);
}

static void case_uart(void)
{
    uint8_t all_bytes[256];
    const char *slave_path;
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), slave;
    got_req_t req;
    tool_result_t r;

    CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    slave_path = master >= 0 ? ptsname(master) : NULL;
    CHECK(slave_path != NULL);
    if (!slave_path)
        return;
    /* Held open so the master never sees a hang-up between runs. */
    slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    CHECK(slave >= 0);

    r = uart_exchange(master, (const char *[]){ "-D", slave_path, "-B", "115200", "-q", NULL },
                      &req, script_uart_query);
    expect_request(&req, 2, 1, 99, "/applet");
    expect(&r, 69, "\nresponse status 69\n{\n\t\"raw\":\t\"a\\r\\nb\\u0003\\u0011\\u0013\x7f\xff\"\n}");
    got_req_free(&req);
    tool_result_free(&r);

    /* Host to device is 8-bit clean too: an install of every byte value. */
    for (int i = 0; i < 256; i++)
        all_bytes[i] = (uint8_t)i;
    write_file(tmp_path("bytes.wasm"), all_bytes, sizeof(all_bytes));
    r = uart_exchange(master, (const char *[]){ "-D", slave_path, "-i", "b", "-f",
                                                tmp_path("bytes.wasm"), NULL },
                      &req, script_uart_install);
    expect_request(&req, 4, 3, 98, "/applet?name=b");
    CHECK(req.payload_len == 256 && memcmp(req.payload, all_bytes, 256) == 0);
    expect(&r, 65, "\nresponse status 65\n");
    got_req_free(&req);
    tool_result_free(&r);

    r = tool_run((const char *[]){ "-D", slave_path, "-B", "12345", "-q", NULL });
    expect(&r, 255, "");
    expect_err(&r, "unsupported baud rate 12345 for UART device ");
    tool_result_free(&r);
    close(slave);
    close(master);
}

static void case_uart_errors(void)
{
    tool_result_t r = tool_run((const char *[]){ "-D", "/nonexistent-tty", "-q", NULL });

    expect(&r, 255, "");
    expect_err(&r, "host_tool: cannot open UART device /nonexistent-tty: No such file or "
                   "directory\n");
    tool_result_free(&r);
    r = tool_run((const char *[]){ "-D", "/dev/null", "-q", NULL });
    expect(&r, 255, "");
    expect_err(&r, "host_tool: cannot use UART device /dev/null: not a serial or terminal "
                   "device\n");
    tool_result_free(&r);
}

/* ========================================================================
 * main
 * ======================================================================== */

static const struct { const char *name; void (*fn)(void); } cases[] = {
    { "query", case_query },
    { "query-name", case_query_name },
    { "install", case_install },
    { "install-large", case_install_large },
    { "uninstall", case_uninstall },
    { "request", case_request },
    { "event-urls", case_event_urls },
    { "alive", case_alive },
    { "alive-expire", case_alive_expire },
    { "output-file", case_output_file },
    { "udp", case_udp },
    { "json", case_json },
    { "timeout", case_timeout },
    { "refused", case_refused },
    { "closed-early", case_closed_early },
    { "usage", case_usage },
    { "bad-payload", case_bad_payload },
    { "hostile", case_hostile },
    { "uart", case_uart },
    { "uart-errors", case_uart_errors },
};

static void remove_tmp_dir(void)
{
    static const char *const files[] = { "stdout", "stderr", "app.wasm", "big.wasm",
                                         "payload.json", "out.txt", "bad.json", "bytes.wasm" };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(tmp_path(files[i]));
    rmdir(g_tmp_dir);
}

int main(int argc, char **argv)
{
    void (*fn)(void) = NULL;

    if (argc != 3) {
        printf("usage: %s HOST_TOOL CASE\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].name, argv[2]) == 0)
            fn = cases[i].fn;
    if (!fn) {
        printf("unknown case '%s'\n", argv[2]);
        return 2;
    }
    g_tool_path = argv[1];
    snprintf(g_tmp_dir, sizeof(g_tmp_dir), "ht-%s-XXXXXX", argv[2]);
    if (!mkdtemp(g_tmp_dir)) {
        perror("mkdtemp");
        return 2;
    }
    fn();
    remove_tmp_dir();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
