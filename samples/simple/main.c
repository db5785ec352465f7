/* The demo device (contract section 8): the runtime, the app framework and
 * the app manager behind a host link over TCP (server or client mode) or a
 * UART, with the three demo sensors. host_tool (ours or WAMR's) installs,
 * queries, calls and uninstalls apps on it.
 *
 *   simple -s [-a ADDR] [-p PORT]     listen for hosts (several at once)
 *   simple [-a ADDR] [-p PORT]        connect to a host, reconnecting
 *   simple -u DEVICE [-b BAUD]        serve one host over a serial line
 *
 * Every limit of the manager and the link can be set at start (--max-apps
 * and friends, see usage()). SIGINT/SIGTERM stop it cleanly: apps get their
 * on_destroy, everything is freed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app_manager.h"
#include "pkg_trust.h"
#include "store.h"
#include "transport.h"

#define DEFAULT_PORT 8888
#define DEFAULT_BAUD 115200
/* A link message carries the packed request around an app: room for the
 * URL and the fixed part on top of the largest app. */
#define LINK_OVERHEAD (64u * 1024)
#define MAX_LISTED 16 /* --trust and --grant values */

typedef struct options {
    bool server;
    const char *addr;
    uint32_t port;
    const char *uart;
    uint32_t baud;
    bool quiet;
    /* security and durability (each wired by its own setup step in main) */
    const char *trust[MAX_LISTED]; /* --trust KEY.pem: trusted app signing keys */
    uint32_t n_trust;
    const char *grant[MAX_LISTED]; /* --grant NAME: apps allowed the manager's URLs */
    uint32_t n_grant;
    const char *store_dir;         /* --store DIR: durable app store */
    const char *tls_cert, *tls_key, *tls_ca; /* --tls-cert/--tls-key/--tls-ca */
    am_config_t am;
    am_app_limits_t limits;
    tp_options_t tp;
} options_t;

static tp_host_t *g_host;
static bool g_quiet;

/* ------------------------------------------------------------------------
 * Logging: one line per event on stderr, with a timestamp, so a device log
 * reads as a timeline next to host_tool's output.
 * ------------------------------------------------------------------------ */

static void log_line(void *user, int level, const char *line)
{
    static const char *const names[] = {"error", "warning", "info"};
    struct timespec now;
    struct tm tm;

    (void)user;
    if (g_quiet && level >= 2)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    localtime_r(&now.tv_sec, &tm);
    fprintf(stderr, "[%02d:%02d:%02d.%03ld] %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            now.tv_nsec / 1000000, names[level < 0 ? 0 : level > 2 ? 2 : level], line);
}

static void logf_line(int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_line(NULL, level, line);
}

/* ------------------------------------------------------------------------
 * The demo sensors (contract 4.5)
 * ------------------------------------------------------------------------ */

static attr_container_t *read_test_sensor(void *user)
{
    attr_container_t *sample = attr_container_create("read test sensor data");

    (void)user;
    if (sample && !attr_container_set_string(&sample, "name", "read test sensor")) {
        attr_container_destroy(sample);
        return NULL;
    }
    return sample;
}

/* What an app configures is shown, as a real driver would apply it. */
static bool config_test_sensor(void *user, const attr_container_t *cfg)
{
    logf_line(2, "sensor %s configured (%u settings)", (const char *)user,
              (unsigned)attr_container_get_attr_num(cfg));
    return true;
}

static bool register_sensors(am_t *am)
{
    static const char *const names[] = {"sensor_test", "sensor_test1", "sensor_test2"};

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (am_sensor_register(am, names[i], 0, 1000, read_test_sensor, config_test_sensor,
                               (void *)names[i]) < 0) {
            logf_line(0, "cannot register sensor %s", names[i]);
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: simple [-s] [-a ADDR] [-p PORT] | -u DEVICE [-b BAUD]  [limits]\n"
            "  -s              listen for host connections (default: connect to the host)\n"
            "  -a ADDR         address to listen on / connect to (default 127.0.0.1)\n"
            "  -p PORT         TCP port (default %d; 0 with -s: any free port)\n"
            "  -u DEVICE       serve the host over a serial line instead of TCP\n"
            "  -b BAUD         serial speed (default %d)\n"
            "  -q, --quiet     log only warnings and errors\n"
            "  --tls-cert FILE --tls-key FILE  TCP in TLS 1.2 only, with this certificate\n"
            "  --tls-ca FILE   with -s: clients must present a certificate signed by\n"
            "                  this CA; without -s (then required): the host must\n"
            "                  present one signed by it\n"
            "  --trust KEY.pem install only apps signed by this key (repeatable;\n"
            "                  packages made by app-sign; without it installs are open)\n"
            "  --store DIR     keep installed apps in DIR and reinstall them at start\n"
            "  -h, --help      this text\n"
            "Limits (absent: the default shown):\n"
            "  --max-apps N           apps installed at once (16)\n"
            "  --max-resources N      resources one app may register (16)\n"
            "  --max-url-len N        URL bytes (256)\n"
            "  --queue-len N          messages waiting per app (50)\n"
            "  --max-timers N         timers an app may ask for (30)\n"
            "  --max-app-size BYTES   largest app accepted (64 MiB)\n"
            "  --max-hosts N          host connections served at once (8)\n"
            "  --max-output BYTES     unsent bytes queued per host (8 MiB)\n"
            "  --request-timeout MS   how long a host request may wait for its app (5000)\n"
            "  --max-event-rate N     events one app may publish per second (%d)\n"
            "  --max-event-burst N    events one app may publish at once (%d)\n"
            "  --queue-share N        requests one app may have waiting in another app's\n"
            "                         queue (half of --queue-len)\n"
            "Permissions:\n"
            "  --grant NAME           the app NAME may use /applet and /event/ (repeatable)\n",
            DEFAULT_PORT, DEFAULT_BAUD, AM_DEFAULT_EVENT_RATE, AM_DEFAULT_EVENT_BURST);
}

/* A whole decimal number within [min, max], or false. */
static bool parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long long v;

    if (!text || !*text || *text == '-' || *text == '+')
        return false;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

enum {
    OPT_MAX_APPS = 256,
    OPT_MAX_RESOURCES,
    OPT_MAX_URL_LEN,
    OPT_QUEUE_LEN,
    OPT_MAX_TIMERS,
    OPT_MAX_APP_SIZE,
    OPT_MAX_HOSTS,
    OPT_MAX_OUTPUT,
    OPT_REQUEST_TIMEOUT,
    OPT_MAX_EVENT_RATE,
    OPT_MAX_EVENT_BURST,
    OPT_QUEUE_SHARE,
    OPT_TRUST,
    OPT_GRANT,
    OPT_STORE,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_TLS_CA
};

/* Appends a repeatable option's value; false (message printed) when full. */
static bool add_listed(const char **list, uint32_t *n, const char *value, const char *name)
{
    if (*n == MAX_LISTED) {
        fprintf(stderr, "simple: at most %d %s options\n", MAX_LISTED, name);
        return false;
    }
    list[(*n)++] = value;
    return true;
}

/* 0 = parsed, 1 = help printed, -1 = bad arguments (message printed). */
static int parse_options(int argc, char **argv, options_t *o)
{
    static const struct option longs[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"max-apps", required_argument, NULL, OPT_MAX_APPS},
        {"max-resources", required_argument, NULL, OPT_MAX_RESOURCES},
        {"max-url-len", required_argument, NULL, OPT_MAX_URL_LEN},
        {"queue-len", required_argument, NULL, OPT_QUEUE_LEN},
        {"max-timers", required_argument, NULL, OPT_MAX_TIMERS},
        {"max-app-size", required_argument, NULL, OPT_MAX_APP_SIZE},
        {"max-hosts", required_argument, NULL, OPT_MAX_HOSTS},
        {"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
        {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
        {"max-event-rate", required_argument, NULL, OPT_MAX_EVENT_RATE},
        {"max-event-burst", required_argument, NULL, OPT_MAX_EVENT_BURST},
        {"queue-share", required_argument, NULL, OPT_QUEUE_SHARE},
        {"trust", required_argument, NULL, OPT_TRUST},
        {"grant", required_argument, NULL, OPT_GRANT},
        {"store", required_argument, NULL, OPT_STORE},
        {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"tls-ca", required_argument, NULL, OPT_TLS_CA},
        {NULL, 0, NULL, 0}};
    struct {
        int opt;
        const char *name;
        uint32_t min, max;
        uint32_t *field;
    } const numeric[] = {
        {'p', "-p", 0, 65535, &o->port},
        {'b', "-b", 1, 4000000, &o->baud},
        {OPT_MAX_APPS, "--max-apps", 1, 1024, &o->am.max_apps},
        {OPT_MAX_RESOURCES, "--max-resources", 1, 1024, &o->am.max_resources},
        {OPT_MAX_URL_LEN, "--max-url-len", 16, 65534, &o->am.max_url_len},
        {OPT_QUEUE_LEN, "--queue-len", 1, 1u << 20, &o->am.queue_len},
        {OPT_MAX_TIMERS, "--max-timers", 1, 1024, &o->am.max_timers},
        {OPT_MAX_APP_SIZE, "--max-app-size", 8, 1u << 30, &o->am.max_app_size},
        {OPT_MAX_HOSTS, "--max-hosts", 1, 1024, &o->tp.max_connections},
        {OPT_MAX_OUTPUT, "--max-output", 4096, 1u << 30, &o->tp.max_output_bytes},
        {OPT_REQUEST_TIMEOUT, "--request-timeout", 1, 3600000, &o->am.request_timeout_ms},
        {OPT_MAX_EVENT_RATE, "--max-event-rate", 1, 1000000, &o->limits.event_rate},
        {OPT_MAX_EVENT_BURST, "--max-event-burst", 1, 1000000, &o->limits.event_burst},
        {OPT_QUEUE_SHARE, "--queue-share", 1, 1u << 20, &o->limits.sender_queue},
    };
    const size_t n_numeric = sizeof numeric / sizeof numeric[0];
    int c;

    while ((c = getopt_long(argc, argv, ":sa:p:u:b:qh", longs, NULL)) != -1) {
        size_t i;

        switch (c) {
        case 's':
            o->server = true;
            continue;
        case 'a':
            o->addr = optarg;
            continue;
        case 'u':
            o->uart = optarg;
            continue;
        case 'q':
            o->quiet = true;
            continue;
        case OPT_TRUST:
            if (!add_listed(o->trust, &o->n_trust, optarg, "--trust"))
                return -1;
            continue;
        case OPT_GRANT:
            if (!add_listed(o->grant, &o->n_grant, optarg, "--grant"))
                return -1;
            continue;
        case OPT_STORE:
            o->store_dir = optarg;
            continue;
        case OPT_TLS_CERT:
            o->tls_cert = optarg;
            continue;
        case OPT_TLS_KEY:
            o->tls_key = optarg;
            continue;
        case OPT_TLS_CA:
            o->tls_ca = optarg;
            continue;
        case 'h':
            usage(stdout);
            return 1;
        case ':': /* optopt: the short letter, or 0 for a long option */
            fprintf(stderr, "simple: option %s needs a value\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        case '?':
            fprintf(stderr, "simple: unknown option %s\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        }
        for (i = 0; i < n_numeric && numeric[i].opt != c; i++)
            ;
        if (i == n_numeric) { /* getopt returned something not in the tables */
            usage(stderr);
            return -1;
        }
        if (!parse_u32(optarg, numeric[i].min, numeric[i].max, numeric[i].field)) {
            fprintf(stderr, "simple: bad value '%s' for %s (a number in [%" PRIu32 ", %" PRIu32
                            "])\n",
                    optarg, numeric[i].name, numeric[i].min, numeric[i].max);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "simple: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    if (o->uart && (o->server || o->addr)) {
        fprintf(stderr, "simple: -u (serial line) excludes -s and -a\n");
        return -1;
    }
    if (o->port == 0 && !o->server && !o->uart) {
        fprintf(stderr, "simple: port 0 only makes sense with -s\n");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Main
 * ------------------------------------------------------------------------ */

/* The per-app limits and the --grant names (apps may not use the manager's
 * URLs otherwise). */
static bool setup_permissions(am_t *am, const options_t *o)
{
    am_set_app_limits(am, &o->limits);
    for (uint32_t i = 0; i < o->n_grant; i++) {
        if (!am_grant(am, o->grant[i])) {
            logf_line(0, "cannot grant '%s' the manager's URLs: not an app name", o->grant[i]);
            return false;
        }
        logf_line(2, "app '%s' may use /applet and /event/", o->grant[i]);
    }
    return true;
}

static void on_signal(int sig)
{
    (void)sig;
    if (g_host)
        tp_stop(g_host); /* async-signal-safe */
}

/* Whether addr can only be reached from this machine. */
static bool is_loopback(const char *addr)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, addr, &a4) == 1)
        return ntohl(a4.s_addr) >> 24 == 127;
    if (inet_pton(AF_INET6, addr, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return strcmp(addr, "localhost") == 0;
}

/* --tls-cert/--tls-key [--tls-ca]: the TCP link speaks TLS only. *out_tls
 * (NULL without TLS) is freed after the host. */
static bool setup_tls(const options_t *o, tp_tls_t **out_tls, char *err, uint32_t err_size)
{
    tp_tls_options_t topt = {.cert_file = o->tls_cert, .key_file = o->tls_key,
                             .ca_file = o->tls_ca};

    *out_tls = NULL;
    if (!o->tls_cert && !o->tls_key && !o->tls_ca)
        return true;
    if (o->uart) {
        snprintf(err, err_size, "--tls-cert, --tls-key and --tls-ca are for TCP, not -u");
        return false;
    }
    if (!o->tls_cert || !o->tls_key) {
        snprintf(err, err_size, "TLS needs both --tls-cert and --tls-key");
        return false;
    }
    if (!o->server && !o->tls_ca) {
        snprintf(err, err_size, "TLS in client mode needs --tls-ca (the CA of the host)");
        return false;
    }
    if (!(*out_tls = tp_tls_new(&topt, err, err_size)))
        return false;
    tp_tls_enable(g_host, *out_tls);
    logf_line(2, "TLS 1.2 on the TCP link; %s%s",
              o->tls_ca ? "peer certificates must be signed by " : "no client certificate asked",
              o->tls_ca ? o->tls_ca : "");
    return true;
}

/* Plain TCP on an address others can reach: anyone there may install apps. */
static void warn_if_exposed(const options_t *o, const char *addr)
{
    if (!o->tls_cert && !is_loopback(addr))
        logf_line(1, "listening on %s in plain TCP: installs and requests are not "
                  "authenticated, anyone who can reach this port can install and run apps "
                  "(use --tls-cert/--tls-key, and --tls-ca to require client certificates)",
                  addr);
}

static bool start_link(const options_t *o, char *err, uint32_t err_size)
{
    const char *addr = o->addr ? o->addr : "127.0.0.1";

    if (o->uart) {
        if (!tp_uart_open(g_host, o->uart, o->baud, err, err_size))
            return false;
        logf_line(2, "serving the host on %s at %" PRIu32 " baud", o->uart, o->baud);
        return true;
    }
    if (o->server) {
        if (!tp_tcp_listen(g_host, addr, (uint16_t)o->port, err, err_size))
            return false;
        warn_if_exposed(o, addr);
        /* stdout, one line, flushed: scripts read the port from it (-p 0) */
        printf("listening on %s:%u\n", addr, (unsigned)tp_tcp_port(g_host));
        fflush(stdout);
        return true;
    }
    if (!tp_tcp_connect(g_host, addr, (uint16_t)o->port, err, err_size))
        return false;
    logf_line(2, "connecting to the host at %s:%" PRIu32, addr, o->port);
    return true;
}

int main(int argc, char **argv)
{
    options_t o = {.port = DEFAULT_PORT, .baud = DEFAULT_BAUD};
    char err[256] = "";
    tp_tls_t *tls = NULL;
    am_t *am;
    int rc, parsed;
    struct sigaction sa;

    am_config_default(&o.am);
    parsed = parse_options(argc, argv, &o);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    g_quiet = o.quiet;
    o.am.log = log_line;
    o.tp.log = log_line;
    /* the link takes anything an install of the largest app needs */
    o.tp.max_message_size = o.am.max_app_size + LINK_OVERHEAD;

    if (!(am = am_start(&o.am, err, sizeof err))) {
        logf_line(0, "cannot start the app manager: %s", err);
        return 1;
    }
    if (!register_sensors(am) || !setup_permissions(am, &o)) {
        am_shutdown(am);
        return 1;
    }
    /* --trust, then --store: the store's restores go through the checks */
    if (!pkg_trust_attach(am, o.trust, o.n_trust, log_line, NULL, err, sizeof err) ||
        !st_attach(am, o.store_dir, log_line, NULL, err, sizeof err)) {
        logf_line(0, "%s", err);
        am_shutdown(am);
        return 1;
    }
    if (!(g_host = tp_host_new(am, &o.tp, err, sizeof err))) {
        logf_line(0, "cannot start the host link: %s", err);
        am_shutdown(am);
        return 1;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a host that goes away is an error code, not a kill */

    rc = 1;
    if (!setup_tls(&o, &tls, err, sizeof err) || !start_link(&o, err, sizeof err))
        logf_line(0, "%s", err);
    else
        rc = tp_run(g_host) == 0 ? 0 : 1;

    logf_line(2, "stopping: %" PRIu32 " app(s) installed", am_app_count(am));
    /* a second signal during the shutdown ends the process the usual way */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    tp_host_free(g_host);
    g_host = NULL;
    tp_tls_free(tls); /* after the host: its connections used it */
    am_shutdown(am);
    return rc;
}
