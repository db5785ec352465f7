/* tls-measure SIMPLE HOST_TOOL: what TLS costs on the host link (not a
 * test: it prints medians and asserts nothing). Against a plain device and
 * a TLS device (ECDSA P-256 certificates from tls_certs.c):
 *   - connection setup: TCP connect, vs connect + TLS handshake, in-process;
 *   - request round trip (GET /applet) on an open connection;
 *   - one whole host_tool -q run (process start, files, handshake, query),
 *     plain, TLS, and mutual TLS. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "shared_utils.h"
#include "tls_certs.h"
#include "tls_peer.h"

#define SETUPS 50
#define TRIPS 200
#define RUNS 20

static char dir[256];

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static char *cert(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* Median setup time in us: TCP connect, plus the handshake if pc. */
static double setup_us(const device_t *d, tpeer_conf_t *pc)
{
    double t[SETUPS];

    for (int i = 0; i < SETUPS; i++) {
        double start = now_us();
        int fd = raw_connect(d);
        tpeer_t p;

        if (pc && tpeer_open(&p, pc, fd, "localhost") != 0)
            printf("handshake %d failed\n", i);
        t[i] = now_us() - start;
        if (pc)
            tpeer_close(&p);
        else if (fd >= 0)
            close(fd);
    }
    return median(t, SETUPS);
}

/* Median round trip in us of GET /applet on one connection. */
static double trip_us(const device_t *d, tpeer_conf_t *pc)
{
    double t[TRIPS];
    int fd = raw_connect(d);
    tpeer_t p;

    if (pc && tpeer_open(&p, pc, fd, "localhost") != 0)
        printf("handshake failed\n");
    for (int i = 0; i < TRIPS; i++) {
        double start = now_us();
        int status = pc ? tpeer_request(&p, "/applet", COAP_GET, (uint32_t)i + 1)
                        : raw_request(fd, "/applet", COAP_GET, (uint32_t)i + 1);

        t[i] = now_us() - start;
        if (status != 69)
            printf("request %d: status %d\n", i, status);
    }
    if (pc)
        tpeer_close(&p);
    else
        close(fd);
    return median(t, TRIPS);
}

/* Median wall time in ms of host_tool -q with the extra options. */
static double tool_ms(const device_t *d, const char *a1, const char *a2, const char *a3,
                      const char *a4, const char *a5, const char *a6)
{
    double t[RUNS];

    for (int i = 0; i < RUNS; i++) {
        double start = now_us();
        /* the first NULL ends the arguments */
        tool_result_t r = tool_run(d, "-q", a1, a2, a3, a4, a5, a6, NULL);

        t[i] = (now_us() - start) / 1e3;
        if (r.code != 69)
            printf("host_tool exit %d: %s\n", r.code, r.err);
        tool_free(&r);
    }
    return median(t, RUNS);
}

static void measure(void)
{
    static const char *const tls_args[] = {"--tls-cert", NULL, "--tls-key", NULL, "--tls-ca",
                                           NULL, NULL};
    const char *args[7];
    device_t plain, tls;
    tpeer_conf_t pc;

    memcpy(args, tls_args, sizeof args);
    args[1] = cert("server.crt");
    args[3] = cert("server.key");
    args[4] = NULL; /* server authentication only */
    if (!device_start(&plain, NULL) || !device_start(&tls, args) ||
        !tpeer_conf_init(&pc, MBEDTLS_SSL_IS_CLIENT, dir, "ca", NULL, false))
        return;
    printf("connection setup, median of %d (us):  plain %.0f   TLS %.0f\n", SETUPS,
           setup_us(&plain, NULL), setup_us(&tls, &pc));
    printf("request round trip, median of %d (us): plain %.0f   TLS %.0f\n", TRIPS,
           trip_us(&plain, NULL), trip_us(&tls, &pc));
    printf("host_tool -q, median of %d (ms):      plain %.1f   TLS %.1f", RUNS,
           tool_ms(&plain, NULL, NULL, NULL, NULL, NULL, NULL),
           tool_ms(&tls, "--tls-ca", cert("ca.crt"), "--tls-name", "localhost", NULL, NULL));
    tpeer_conf_free(&pc);
    device_stop(&tls);

    args[4] = "--tls-ca";
    args[5] = cert("ca.crt");
    if (device_start(&tls, args))
        printf("   mutual TLS %.1f\n",
               tool_ms(&tls, "--tls-ca", cert("ca.crt"), "--tls-cert", cert("client.crt"),
                       "--tls-key", cert("client.key")));
    device_stop(&tls);
    device_stop(&plain);
}

int main(int argc, char **argv)
{
    char err[256], cmd[300];

    if (argc != 3) {
        fprintf(stderr, "usage: %s SIMPLE HOST_TOOL\n", argv[0]);
        return 2;
    }
    simple_bin = argv[1];
    tool_bin = argv[2];
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "/tmp/tls-measure-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    if (certs_make(dir, err, sizeof err))
        measure();
    else
        printf("cannot make certificates: %s\n", err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
