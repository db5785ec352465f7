/* Measurements of the demo device over its TCP link (make bench prints
 * them; no test asserts any of them):
 * - install time of a ~100 KB app, from host_tool's start to its exit after
 *   the response (median of 11);
 * - request round trip host -> app -> host on one open connection,
 *   GET /url1 answered by request_handler (median, p90, p99 of 1000);
 * - the device's resident memory idle with 0 and with 16 apps installed.
 *
 * Usage: link-measure SIMPLE HOST_TOOL SAMPLE_APPS_DIR BIG_APP.wasm */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "link_parser.h"
#include "shared_utils.h"

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The device's VmRSS in KiB, or -1. */
static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static bool tool_ok(const device_t *d, int want, const char *a1, const char *a2,
                    const char *a3, const char *a4)
{
    tool_result_t r = tool_run(d, a1, a2, a3, a4, NULL);
    bool ok = r.code == want;

    if (!ok)
        fprintf(stderr, "host_tool %s %s: exit %d\n%s%s\n", a1, a2 ? a2 : "", r.code, r.out,
                r.err);
    tool_free(&r);
    return ok;
}

typedef struct reply_wait {
    uint32_t mid;
    bool done;
    int status;
} reply_wait_t;

static void on_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    reply_wait_t *w = user;
    response_t resp;

    if (type == LP_TYPE_RESPONSE && unpack_response((char *)payload, (int)size, &resp) &&
        resp.mid == w->mid) {
        w->done = true;
        w->status = resp.status;
    }
}

/* 1000 sequential GET /url1 on one connection; fills the sorted RTTs. */
static bool measure_rtt(const device_t *d, uint64_t *rtt, int n)
{
    reply_wait_t w = {0};
    lp_config_t pc = {.on_message = on_message, .user = &w};
    lp_parser_t *parser = lp_new(&pc);
    int fd = raw_connect(d);
    uint8_t buf[4096];
    bool ok = fd >= 0 && parser;

    for (int i = 0; ok && i < n; i++) {
        uint64_t start = now_ns();

        w.mid = 1000 + (uint32_t)i;
        w.done = false;
        ok = raw_send(fd, LP_TYPE_REQUEST, "/url1", COAP_GET, w.mid, 0, NULL, 0);
        while (ok && !w.done) {
            ssize_t got = read(fd, buf, sizeof buf);

            if (got <= 0)
                ok = false;
            else
                lp_feed(parser, buf, (size_t)got);
        }
        ok = ok && w.status == CONTENT_2_05;
        rtt[i] = now_ns() - start;
    }
    if (fd >= 0)
        close(fd);
    lp_free(parser);
    qsort(rtt, (size_t)n, sizeof *rtt, cmp_u64);
    return ok;
}

int main(int argc, char **argv)
{
    enum { INSTALL_RUNS = 11, RTT_RUNS = 1000 };
    const char *apps_dir, *big_app;
    char path[512], name[16];
    uint64_t install[INSTALL_RUNS], rtt[RTT_RUNS];
    long rss0, rss16;
    device_t d;
    bool ok = true;

    if (argc != 5) {
        fprintf(stderr, "usage: %s SIMPLE HOST_TOOL SAMPLE_APPS_DIR BIG_APP.wasm\n", argv[0]);
        return 2;
    }
    simple_bin = argv[1];
    tool_bin = argv[2];
    apps_dir = argv[3];
    big_app = argv[4];
    if (!device_start(&d, (const char *const[]){"-q", NULL})) {
        fprintf(stderr, "the device did not start\n");
        return 1;
    }
    ok = tool_ok(&d, 69, "-q", NULL, NULL, NULL);
    sleep_ms(200);
    rss0 = rss_kib(d.pid);

    for (int i = 0; ok && i < INSTALL_RUNS; i++) {
        uint64_t start = now_ns();

        ok = tool_ok(&d, 65, "-i", "big", "-f", big_app);
        install[i] = now_ns() - start;
        ok = ok && tool_ok(&d, 66, "-u", "big", NULL, NULL);
    }
    qsort(install, INSTALL_RUNS, sizeof install[0], cmp_u64);

    snprintf(path, sizeof path, "%s/request_handler.wasm", apps_dir);
    ok = ok && tool_ok(&d, 65, "-i", "request_handler", "-f", path);
    ok = ok && measure_rtt(&d, rtt, RTT_RUNS);
    ok = ok && tool_ok(&d, 66, "-u", "request_handler", NULL, NULL);

    for (int i = 1; ok && i <= 16; i++) {
        snprintf(name, sizeof name, "app%d", i);
        ok = tool_ok(&d, 65, "-i", name, "-f", path);
    }
    sleep_ms(200);
    rss16 = rss_kib(d.pid);
    if (device_stop(&d) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "link-measure: a step failed\n");
        return 1;
    }
    printf("\nDevice link (samples/simple over TCP loopback)\n");
    {
        struct stat st;
        printf("  install of a %lld-byte app, host_tool start to exit: median %.2f ms (min %.2f, "
               "max %.2f, %d runs)\n",
               stat(big_app, &st) == 0 ? (long long)st.st_size : -1LL, install[INSTALL_RUNS / 2] / 1e6, install[0] / 1e6,
               install[INSTALL_RUNS - 1] / 1e6, INSTALL_RUNS);
    }
    printf("  request round trip host -> app -> host: median %.1f us, p90 %.1f us, p99 %.1f us "
           "(%d requests)\n",
           rtt[RTT_RUNS / 2] / 1e3, rtt[RTT_RUNS * 9 / 10] / 1e3, rtt[RTT_RUNS * 99 / 100] / 1e3,
           RTT_RUNS);
    printf("  device resident memory: %ld KiB idle with 0 apps, %ld KiB with 16 apps\n", rss0,
           rss16);
    return 0;
}
