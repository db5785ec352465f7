/* End to end: TLS on the host link. The demo device (simple --tls-cert
 * --tls-key [--tls-ca]) driven by host_tool --tls, by raw sockets (plain
 * clients, garbage, a stalled handshake) and by an in-test mbedTLS peer
 * (renegotiation, a bad record, the host the device connects to in client
 * mode). Certificates are made per run by tls_certs.c into a temp dir.
 *
 * Every device is stopped with SIGTERM and must exit 0: in the sanitizer
 * build a leak or an error report fails the case. Nothing asserts timing:
 * waits have generous bounds (HANG_MS) that only catch hangs.
 *
 * Usage: test_tls SIMPLE HOST_TOOL SAMPLE_APPS_DIR BIG_APP CASE */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"
#include "shared_utils.h"
#include "tls_certs.h"
#include "tls_peer.h"

static const char *apps_dir, *big_app;
static char dir[256]; /* the certificates */

/* dir/name, from a small ring so that a few can be used in one call. */
static char *cert(const char *name)
{
    static char paths[16][512];
    static int next;
    char *p = paths[next++ % 16];

    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static char *app(const char *name)
{
    static char path[512];

    snprintf(path, sizeof path, "%s/%s.wasm", apps_dir, name);
    return path;
}

/* Runs host_tool, checks its exit code and that stderr holds want_err (if
 * not NULL), prints everything when not. */
#define TOOL_EXPECT_ERR(code_, want_err_, ...)                                                \
    do {                                                                                      \
        tool_result_t r_ = tool_run(__VA_ARGS__, NULL);                                       \
        const char *w_ = (want_err_);                                                         \
        bool ok_ = r_.code == (code_) && (!w_ || strstr(r_.err, w_));                         \
        if (!ok_)                                                                             \
            printf("host_tool exit %d, expected %d%s%s\nstdout:%s\nstderr:%s\n", r_.code,     \
                   (code_), w_ ? " and stderr with " : "", w_ ? w_ : "", r_.out, r_.err);     \
        CHECK(ok_);                                                                           \
        tool_free(&r_);                                                                       \
    } while (0)

/* The device's stderr holds needle (waiting for it: log lines may lag the
 * client's view); printed when not. */
static bool device_logged(device_t *d, const char *needle)
{
    bool found = wait_text(&d->err, needle, HANG_MS);

    if (!found) {
        pthread_mutex_lock(&d->err.lock);
        printf("device log lacks '%s':\n%s\n", needle, d->err.text ? d->err.text : "");
        pthread_mutex_unlock(&d->err.lock);
    }
    return found;
}

/* "TLS handshake with 127.0.0.1:PORT failed" for d. */
static const char *handshake_failed(const device_t *d)
{
    static char text[96];

    snprintf(text, sizeof text, "TLS handshake with 127.0.0.1:%u failed", (unsigned)d->port);
    return text;
}

static bool start_tls_device(device_t *d, bool mutual, const char *addr)
{
    const char *args[10] = {"--tls-cert", cert("server.crt"), "--tls-key", cert("server.key")};
    int n = 4;

    if (mutual) {
        args[n++] = "--tls-ca";
        args[n++] = cert("ca.crt");
    }
    if (addr) {
        args[n++] = "-a";
        args[n++] = addr;
    }
    args[n] = NULL;
    return device_start(d, args);
}

/* Waits until the device closes fd (EOF or reset), discarding what it
 * sends (an alert); false if it is still open after HANG_MS. */
static bool closed_by_device(int fd)
{
    uint64_t start = now_ms();
    char buf[512];

    while (now_ms() - start < HANG_MS) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;

        if (poll(&p, 1, 100) <= 0)
            continue;
        n = read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Cases with host_tool
 * ------------------------------------------------------------------------ */

/* TLS without client certificates: queries, an install, requests and
 * events (written from the manager's delivery thread) all work inside TLS;
 * --tls-insecure and a client certificate nobody asked for too. */
static void case_server_auth(void)
{
    device_t d;
    tool_result_t r;

    CHECK(start_tls_device(&d, false, NULL));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");
    TOOL_EXPECT_ERR(65, NULL, &d, "--tls-ca", cert("ca.crt"), "-i", "request_handler", "-f",
                app("request_handler"));
    r = tool_run(&d, "--tls-ca", cert("ca.crt"), "-r", "/app/request_handler/url1", "-A", "GET",
                 NULL);
    CHECK(r.code == 69 && strstr(r.out, "\"key1\":\t\"value1\""));
    tool_free(&r);
    TOOL_EXPECT_ERR(65, NULL, &d, "--tls-ca", cert("ca.crt"), "-i", "event_publisher", "-f",
                app("event_publisher"));
    r = tool_run(&d, "--tls-ca", cert("ca.crt"), "-s", "/alert/overheat", "-a", "3500", NULL);
    CHECK(r.code == 69 && strstr(r.out, "\nreceived an event alert/overheat\n"));
    tool_free(&r);
    TOOL_EXPECT_ERR(66, NULL, &d, "--tls-ca", cert("ca.crt"), "-u", "event_publisher");
    TOOL_EXPECT_ERR(66, NULL, &d, "--tls-ca", cert("ca.crt"), "-u", "request_handler");
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-insecure", "-q");
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "--tls-name", "localhost", "-q");
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "--tls-cert", cert("client.crt"),
                "--tls-key", cert("client.key"), "-q");
    CHECK(device_logged(&d, "TLSv1.2 up (TLS-ECDHE-ECDSA-WITH-"));
    CHECK(device_stop(&d) == 0);
}

/* An app of about 100 KB: a link message of many TLS records each way,
 * written by host_tool in 16 KiB pieces, reassembled by the device. */
static void case_large_install(void)
{
    device_t d;

    CHECK(start_tls_device(&d, true, NULL));
    TOOL_EXPECT_ERR(65, NULL, &d, "--tls-ca", cert("ca.crt"), "--tls-cert", cert("client.crt"),
                "--tls-key", cert("client.key"), "-i", "big", "-f", big_app);
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "--tls-cert", cert("client.crt"),
                "--tls-key", cert("client.key"), "-qbig");
    TOOL_EXPECT_ERR(66, NULL, &d, "--tls-ca", cert("ca.crt"), "--tls-cert", cert("client.crt"),
                "--tls-key", cert("client.key"), "-u", "big");
    CHECK(device_stop(&d) == 0);
}

/* Mutual TLS: only a client certificate signed by the device's CA gets in;
 * each refusal closes that connection alone, with a log line. */
static void case_mutual(void)
{
    device_t d;

    CHECK(start_tls_device(&d, true, NULL));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "--tls-cert", cert("client.crt"),
                "--tls-key", cert("client.key"), "-q");
    CHECK(device_logged(&d, "peer CN=wr test client"));
    TOOL_EXPECT_ERR(255, handshake_failed(&d), &d, "--tls-ca", cert("ca.crt"), "-q");
    CHECK(device_logged(&d, "TLS handshake failed: no client certificate"));
    /* other-ca has the same name as ca: only the signature tells them apart */
    TOOL_EXPECT_ERR(255, handshake_failed(&d), &d, "--tls-ca", cert("ca.crt"), "--tls-cert",
                cert("other-client.crt"), "--tls-key", cert("other-client.key"), "-q");
    CHECK(device_logged(&d, "client certificate verify failed (not signed by the CA)"));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "--tls-cert", cert("client.crt"),
                "--tls-key", cert("client.key"), "-q");
    CHECK(device_stop(&d) == 0);
}

/* host_tool checks the device: the wrong CA or the wrong name is refused
 * with a precise message; TLS without a CA needs --tls-insecure; bad files
 * are named. */
static void case_verify(void)
{
    device_t d;

    CHECK(start_tls_device(&d, false, NULL));
    TOOL_EXPECT_ERR(255, "certificate verify failed (not signed by the CA)", &d, "--tls-ca",
                cert("other-ca.crt"), "-q");
    TOOL_EXPECT_ERR(255, "issued for another name than 'wrong.example'", &d, "--tls-ca",
                cert("ca.crt"), "--tls-name", "wrong.example", "-q");
    TOOL_EXPECT_ERR(255, "--tls needs --tls-ca FILE", &d, "--tls", "-q");
    TOOL_EXPECT_ERR(255, "not -D/--uart", &d, "--tls-insecure", "-D", "/dev/null", "-q");
    TOOL_EXPECT_ERR(255, "exclude each other", &d, "--tls-ca", cert("ca.crt"), "--tls-insecure",
                "-q");
    TOOL_EXPECT_ERR(255, "--tls-cert and --tls-key go together", &d, "--tls-ca", cert("ca.crt"),
                "--tls-cert", cert("client.crt"), "-q");
    TOOL_EXPECT_ERR(255, "cannot read --tls-ca", &d, "--tls-ca", cert("missing.crt"), "-q");
    TOOL_EXPECT_ERR(255, "cannot load --tls-ca", &d, "--tls-ca", cert("ca.key"), "-q");
    TOOL_EXPECT_ERR(255, "does not match", &d, "--tls-ca", cert("ca.crt"), "--tls-cert",
                cert("client.crt"), "--tls-key", cert("other-client.key"), "-q");
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");
    CHECK(device_stop(&d) == 0);
}

/* A plain host_tool against the TLS device: its link bytes fail the
 * handshake, the device closes that connection (logged), and host_tool
 * sees the close before any response: 255, never a timeout. The device
 * goes on serving. The other way round, TLS against a plain device: the
 * device skips the hello as garbage and never answers, so host_tool's
 * handshake times out: 255 with a message naming TLS. */
static void case_plain_client(void)
{
    device_t d;
    char *want;

    CHECK(start_tls_device(&d, false, NULL));
    TOOL_EXPECT_ERR(255, "127.0.0.1", &d, "-q");
    CHECK(device_logged(&d, "the peer speaks the plain link protocol, not TLS"));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");
    CHECK(device_stop(&d) == 0);

    CHECK(device_start(&d, NULL));
    if (asprintf(&want, "%s: no answer within 1500 ms", handshake_failed(&d)) < 0)
        want = NULL;
    TOOL_EXPECT_ERR(255, want, &d, "--tls-ca", cert("ca.crt"), "-t", "1500", "-q");
    free(want);
    TOOL_EXPECT_ERR(69, NULL, &d, "-q");
    CHECK(device_stop(&d) == 0);
}

/* Plain TCP still works without TLS options, and on loopback the device
 * does not warn. */
static void case_plain(void)
{
    device_t d;

    CHECK(device_start(&d, NULL));
    TOOL_EXPECT_ERR(69, NULL, &d, "-q");
    CHECK(!collector_has(&d.err, "not authenticated"));
    CHECK(device_stop(&d) == 0);
}

/* Plain TCP on 0.0.0.0 is reachable by anyone: the device warns (level 1).
 * With TLS on the same address it does not. */
static void case_warning(void)
{
    static const char *const plain[] = {"-a", "0.0.0.0", NULL};
    device_t d;

    CHECK(device_start(&d, plain));
    CHECK(device_logged(&d, "warning: listening on 0.0.0.0 in plain TCP: installs and "
                            "requests are not authenticated"));
    TOOL_EXPECT_ERR(69, NULL, &d, "-q");
    CHECK(device_stop(&d) == 0);

    CHECK(start_tls_device(&d, false, "0.0.0.0"));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");
    CHECK(!collector_has(&d.err, "not authenticated"));
    CHECK(device_stop(&d) == 0);
}

/* ------------------------------------------------------------------------
 * Cases with raw sockets and the mbedTLS test peer
 * ------------------------------------------------------------------------ */

/* Garbage into the TLS port: closed, logged, the device lives. A client
 * that stops half-way through a record header holds only its own
 * connection: others are served meanwhile, and the handshake timeout
 * (10 s) closes it. */
static void case_garbage(void)
{
    uint8_t junk[2000];
    device_t d;
    int fd;

    CHECK(start_tls_device(&d, false, NULL));
    srand(7);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)rand();
    CHECK((fd = raw_connect(&d)) >= 0);
    CHECK(write_all(fd, junk, sizeof junk));
    CHECK(closed_by_device(fd));
    close(fd);
    CHECK(device_logged(&d, "TLS handshake failed"));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");

    CHECK((fd = raw_connect(&d)) >= 0);
    CHECK(write_all(fd, "\x16\x03\x01", 3));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");
    CHECK(closed_by_device(fd));
    close(fd);
    CHECK(device_logged(&d, "TLS handshake failed: not done within 10000 ms"));
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");
    CHECK(device_stop(&d) == 0);
}

/* After a good handshake and request: a renegotiation attempt closes the
 * connection; so does a record with a bad MAC. Both logged, others served. */
static void case_renegotiate(void)
{
    static const uint8_t bad_record[5 + 32] = {0x17, 0x03, 0x03, 0x00, 0x20, 0xde, 0xad};
    tpeer_conf_t pc;
    tpeer_t p;
    device_t d;
    int fd, ret;

    CHECK(start_tls_device(&d, false, NULL));
    CHECK(tpeer_conf_init(&pc, MBEDTLS_SSL_IS_CLIENT, dir, "ca", NULL, true));

    CHECK((fd = raw_connect(&d)) >= 0);
    CHECK(tpeer_open(&p, &pc, fd, "localhost") == 0);
    CHECK(tpeer_request(&p, "/applet", COAP_GET, 11) == 69);
    ret = mbedtls_ssl_renegotiate(&p.ssl);
    CHECK(ret != 0 || tpeer_request(&p, "/applet", COAP_GET, 12) < 0);
    CHECK(closed_by_device(p.fd));
    tpeer_close(&p);
    CHECK(device_logged(&d, "TLS error: renegotiation attempt (not allowed)"));

    CHECK((fd = raw_connect(&d)) >= 0);
    CHECK(tpeer_open(&p, &pc, fd, "localhost") == 0);
    CHECK(tpeer_request(&p, "/applet", COAP_GET, 13) == 69);
    CHECK(write_all(p.fd, bad_record, sizeof bad_record)); /* beside mbedTLS, on the socket */
    CHECK(closed_by_device(p.fd));
    tpeer_close(&p);
    CHECK(device_logged(&d, "TLS error: "));
    CHECK(collector_count(&d.err, "TLS error: ") >= 2);

    tpeer_conf_free(&pc);
    TOOL_EXPECT_ERR(69, NULL, &d, "--tls-ca", cert("ca.crt"), "-q");
    CHECK(device_stop(&d) == 0);
}

/* A listening socket on a free loopback port; its port in *out_port. */
static int listen_any(uint16_t *out_port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 4) ||
        getsockname(fd, (struct sockaddr *)&a, &len)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *out_port = ntohs(a.sin_port);
    return fd;
}

static int accept_within(int lfd, unsigned ms)
{
    struct pollfd p = {lfd, POLLIN, 0};

    return poll(&p, 1, (int)ms) == 1 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
}

/* The device in client mode with TLS: it presents its certificate and
 * checks ours (CA and the name 127.0.0.1). A host with a certificate from
 * another CA is refused (logged by the link, which retries). */
static void case_client_mode(void)
{
    tpeer_conf_t good, bad;
    char port[8];
    device_t d = {0};
    uint16_t lport = 0;
    int lfd, fd, out_fd, err_fd;
    tpeer_t p;

    CHECK((lfd = listen_any(&lport)) >= 0);
    snprintf(port, sizeof port, "%u", (unsigned)lport);
    {
        char *argv[] = {(char *)simple_bin, "-a", "127.0.0.1", "-p", port, "--tls-cert",
                        cert("client.crt"), "--tls-key", cert("client.key"), "--tls-ca",
                        cert("ca.crt"), NULL};
        CHECK((d.pid = spawn(argv, &out_fd, &err_fd)) > 0);
    }
    collector_start(&d.out, out_fd);
    collector_start(&d.err, err_fd);
    CHECK(tpeer_conf_init(&good, MBEDTLS_SSL_IS_SERVER, dir, "ca", "server", false));
    CHECK(tpeer_conf_init(&bad, MBEDTLS_SSL_IS_SERVER, dir, "ca", "other-client", false));

    CHECK((fd = accept_within(lfd, HANG_MS)) >= 0);
    CHECK(tpeer_open(&p, &good, fd, NULL) == 0);
    CHECK(mbedtls_ssl_get_peer_cert(&p.ssl) != NULL);
    CHECK(tpeer_request(&p, "/applet", COAP_GET, 21) == 69);
    tpeer_close(&p);
    CHECK(device_logged(&d, "TLSv1.2 up"));

    CHECK((fd = accept_within(lfd, HANG_MS)) >= 0); /* the device reconnects */
    CHECK(tpeer_open(&p, &bad, fd, NULL) != 0);
    tpeer_close(&p);
    CHECK(device_logged(&d, "TLS handshake failed: host certificate verify failed (not signed "
                            "by the CA"));

    close(lfd);
    tpeer_conf_free(&good);
    tpeer_conf_free(&bad);
    CHECK(device_stop(&d) == 0);
}

static bool device_refuses(const char *want, ...) __attribute__((sentinel));

/* Runs simple with args (NULL-terminated) until it exits, which it must at
 * once: true if it exited 1 with want in its stderr. */
static bool device_refuses(const char *want, ...)
{
    char *argv[16] = {(char *)simple_bin};
    int n = 1, out_fd, err_fd, status = 0;
    collector_t out, err;
    bool ok;
    va_list ap;
    pid_t pid;

    va_start(ap, want);
    for (char *a; (a = va_arg(ap, char *)) && n < 15;)
        argv[n++] = a;
    va_end(ap);
    if ((pid = spawn(argv, &out_fd, &err_fd)) < 0)
        return false;
    collector_start(&out, out_fd);
    collector_start(&err, err_fd);
    waitpid(pid, &status, 0);
    pthread_join(err.thread, NULL);
    ok = WIFEXITED(status) && WEXITSTATUS(status) == 1 && collector_has(&err, want);
    if (!ok)
        printf("simple exit 0x%x, expected 1 and '%s'; stderr:\n%s\n", status, want,
               err.text ? err.text : "");
    close(err.fd); /* collector_finish would join again */
    pthread_mutex_destroy(&err.lock);
    free(err.text);
    collector_finish(&out);
    return ok;
}

/* Bad TLS options stop the device at start with a message naming them. */
static void case_bad_options(void)
{
    CHECK(device_refuses("cannot read certificate", "-s", "-p", "0", "--tls-cert",
                         cert("missing.crt"), "--tls-key", cert("server.key"), NULL));
    CHECK(device_refuses("does not match certificate", "-s", "-p", "0", "--tls-cert",
                         cert("server.crt"), "--tls-key", cert("client.key"), NULL));
    CHECK(device_refuses("cannot load CA certificate", "-s", "-p", "0", "--tls-cert",
                         cert("server.crt"), "--tls-key", cert("server.key"), "--tls-ca",
                         cert("ca.key"), NULL));
    CHECK(device_refuses("needs both --tls-cert and --tls-key", "-s", "-p", "0", "--tls-cert",
                         cert("server.crt"), NULL));
    CHECK(device_refuses("needs --tls-ca", "-p", "1", "--tls-cert", cert("server.crt"),
                         "--tls-key", cert("server.key"), NULL));
    CHECK(device_refuses("not -u", "-u", "/dev/null", "--tls-cert", cert("server.crt"),
                         "--tls-key", cert("server.key"), NULL));
}

/* ------------------------------------------------------------------------ */

static const harness_case_t cases[] = {
    {"server-auth", case_server_auth}, {"mutual", case_mutual},
    {"verify", case_verify},           {"plain-client", case_plain_client},
    {"plain", case_plain},             {"warning", case_warning},
    {"garbage", case_garbage},         {"renegotiate", case_renegotiate},
    {"client-mode", case_client_mode}, {"bad-options", case_bad_options},
    {"large-install", case_large_install},
};

static void remove_certs(void)
{
    static const char *const names[] = {"ca",     "server",       "client",
                                        "other-ca", "other-client"};
    char path[512];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.crt", dir, names[i]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s.key", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    const char **const args[] = {&apps_dir, &big_app, NULL};
    const harness_case_t *c = harness_pick(argc, argv, "SAMPLE_APPS_DIR BIG_APP", args, cases,
                                           sizeof cases / sizeof cases[0]);
    char err[256];

    if (!c || !harness_tmp_make(dir, sizeof dir, "tls-test"))
        return 2;
    if (!certs_make(dir, err, sizeof err)) {
        printf("cannot make the test certificates: %s\n", err);
        remove_certs();
        return 1;
    }
    c->run();
    remove_certs();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
