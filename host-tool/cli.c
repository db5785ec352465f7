/* host_tool's option parsing (see cli.h). The letters and long names are
 * the reference's, so scripts written for WAMR's host_tool work unchanged;
 * unlike the reference, options may come in any order, numbers are checked,
 * and every mistake gets a message saying which option is wrong. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared_utils.h"

/* getopt values of the options that have no letter. */
enum { OPT_TYPE = 256, OPT_HEAP, OPT_TIMERS, OPT_WATCHDOG, OPT_JSON };
enum { OPT_TLS = 512, OPT_TLS_CA, OPT_TLS_CERT, OPT_TLS_KEY, OPT_TLS_NAME, OPT_TLS_INSECURE };
enum { OPT_SIGN = 768, OPT_UPGRADE };

static const char short_opts[] = ":i:u:q::r:s:d:t:a:o:U:A:f:p:S:P:D:B:h";

static const struct option long_opts[] = {
    { "install", required_argument, NULL, 'i' },
    { "uninstall", required_argument, NULL, 'u' },
    { "query", optional_argument, NULL, 'q' },
    { "request", required_argument, NULL, 'r' },
    { "register", required_argument, NULL, 's' },
    { "deregister", required_argument, NULL, 'd' },
    { "timeout", required_argument, NULL, 't' },
    { "alive", required_argument, NULL, 'a' },
    { "output", required_argument, NULL, 'o' },
    { "udp", required_argument, NULL, 'U' },
    { "action", required_argument, NULL, 'A' },
    { "file", required_argument, NULL, 'f' },
    { "payload", required_argument, NULL, 'p' },
    { "type", required_argument, NULL, OPT_TYPE },
    { "heap", required_argument, NULL, OPT_HEAP },
    { "timers", required_argument, NULL, OPT_TIMERS },
    { "watchdog", required_argument, NULL, OPT_WATCHDOG },
    { "address", required_argument, NULL, 'S' },
    { "port", required_argument, NULL, 'P' },
    { "uart", required_argument, NULL, 'D' },
    { "uart_device", required_argument, NULL, 'D' }, /* the reference's spelling */
    { "baudrate", required_argument, NULL, 'B' },
    { "json", no_argument, NULL, OPT_JSON },
    { "tls", no_argument, NULL, OPT_TLS },
    { "tls-ca", required_argument, NULL, OPT_TLS_CA },
    { "tls-cert", required_argument, NULL, OPT_TLS_CERT },
    { "tls-key", required_argument, NULL, OPT_TLS_KEY },
    { "tls-name", required_argument, NULL, OPT_TLS_NAME },
    { "tls-insecure", no_argument, NULL, OPT_TLS_INSECURE },
    { "sign", required_argument, NULL, OPT_SIGN },
    { "upgrade", no_argument, NULL, OPT_UPGRADE },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/* Bits of the options that only some operations accept. */
enum {
    SEEN_FILE = 1 << 0,
    SEEN_TYPE = 1 << 1,
    SEEN_INSTALL_NUM = 1 << 2, /* --heap, --timers, --watchdog */
    SEEN_ACTION = 1 << 3,
    SEEN_PAYLOAD = 1 << 4,
    SEEN_ADDRESS = 1 << 5,
    SEEN_UART = 1 << 6,
    SEEN_INSTALL_ONLY = 1 << 7, /* --sign, --upgrade */
};

typedef struct parse {
    cli_options_t *o;
    const char *op_name; /* the option that chose the operation */
    unsigned seen;       /* SEEN_* */
    char *err;
    size_t err_size;
} parse_t;

static int fail(parse_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the error; returns 0 so callers can `return fail(...)`. */
static int fail(parse_t *st, const char *fmt, ...)
{
    va_list ap;

    if (st->err && st->err_size) {
        va_start(ap, fmt);
        vsnprintf(st->err, st->err_size, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* How an option is named in messages. */
static const char *opt_name(int val)
{
    switch (val) {
    case 'i': return "-i/--install";
    case 'u': return "-u/--uninstall";
    case 'q': return "-q/--query";
    case 'r': return "-r/--request";
    case 's': return "-s/--register";
    case 'd': return "-d/--deregister";
    case 't': return "-t/--timeout";
    case 'a': return "-a/--alive";
    case 'o': return "-o/--output";
    case 'U': return "-U/--udp";
    case 'A': return "-A/--action";
    case 'f': return "-f/--file";
    case 'p': return "-p/--payload";
    case 'S': return "-S/--address";
    case 'P': return "-P/--port";
    case 'D': return "-D/--uart";
    case 'B': return "-B/--baudrate";
    case 'h': return "-h/--help";
    case OPT_TYPE: return "--type";
    case OPT_HEAP: return "--heap";
    case OPT_TIMERS: return "--timers";
    case OPT_WATCHDOG: return "--watchdog";
    case OPT_JSON: return "--json";
    case OPT_TLS: return "--tls";
    case OPT_TLS_CA: return "--tls-ca";
    case OPT_TLS_CERT: return "--tls-cert";
    case OPT_TLS_KEY: return "--tls-key";
    case OPT_TLS_NAME: return "--tls-name";
    case OPT_TLS_INSECURE: return "--tls-insecure";
    case OPT_SIGN: return "--sign";
    case OPT_UPGRADE: return "--upgrade";
    default: return "?";
    }
}

/* ========================================================================
 * Values
 * ======================================================================== */

/* A decimal integer in [min, max], nothing else (no sign, no spaces). */
static int parse_number(parse_t *st, int val, const char *text, uint32_t min, uint32_t max,
                        uint32_t *out)
{
    unsigned long long v;
    char *end;

    errno = 0;
    v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
    if (text[0] < '0' || text[0] > '9' || errno || *end || v < min || v > max)
        return fail(st, "bad value '%s' for %s: expected an integer in %u..%u", text,
                    opt_name(val), min, max);
    *out = (uint32_t)v;
    return 1;
}

static int parse_action(parse_t *st, const char *text)
{
    static const struct { const char *word; int code; } actions[] = {
        { "GET", COAP_GET }, { "PUT", COAP_PUT }, { "POST", COAP_POST },
        { "DELETE", COAP_DELETE },
    };

    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcasecmp(text, actions[i].word) == 0) {
            st->o->action = actions[i].code;
            st->seen |= SEEN_ACTION;
            return 1;
        }
    }
    return fail(st, "bad value '%s' for -A/--action: expected GET, PUT, POST or DELETE", text);
}

static int parse_port(parse_t *st, int val, const char *text, uint16_t *out)
{
    uint32_t v = 0; /* set by parse_number on success; gcc -O2 cannot see that */

    if (!parse_number(st, val, text, 1, 65535, &v))
        return 0;
    *out = (uint16_t)v;
    return 1;
}

/* ========================================================================
 * Options
 * ======================================================================== */

static int set_op(parse_t *st, int val, cli_op_t op, const char *arg)
{
    if (st->o->op != CLI_OP_NONE)
        return fail(st, "two operations given: %s and %s (give exactly one of -i, -u, -q, "
                    "-r, -s, -d)", st->op_name, opt_name(val));
    if (arg && !arg[0])
        return fail(st, "%s needs a non-empty %s", opt_name(val),
                    op == CLI_OP_REQUEST || op == CLI_OP_REGISTER || op == CLI_OP_DEREGISTER
                        ? "URL" : "app name");
    st->o->op = op;
    st->op_name = opt_name(val);
    if (op == CLI_OP_REQUEST || op == CLI_OP_REGISTER || op == CLI_OP_DEREGISTER)
        st->o->url = arg;
    else
        st->o->name = arg;
    return 1;
}

static int set_string(parse_t *st, int val, const char **field, unsigned seen,
                      const char *arg)
{
    if (!arg[0])
        return fail(st, "%s needs a non-empty value", opt_name(val));
    *field = arg;
    st->seen |= seen;
    return 1;
}

/* --tls and --tls-*: each of them turns TLS on. */
static int take_tls_option(parse_t *st, int c, const char *arg)
{
    tls_options_t *t = &st->o->tls;

    t->enabled = true;
    switch (c) {
    case OPT_TLS_CA: return set_string(st, c, &t->ca_file, 0, arg);
    case OPT_TLS_CERT: return set_string(st, c, &t->cert_file, 0, arg);
    case OPT_TLS_KEY: return set_string(st, c, &t->key_file, 0, arg);
    case OPT_TLS_NAME: return set_string(st, c, &t->server_name, 0, arg);
    case OPT_TLS_INSECURE: t->insecure = true; return 1;
    default: return 1; /* --tls */
    }
}

/* One option from getopt_long; 0 with the error recorded if it is bad. */
static int take_option(parse_t *st, int c, const char *arg)
{
    cli_options_t *o = st->o;

    switch (c) {
    case 'i': return set_op(st, c, CLI_OP_INSTALL, arg);
    case 'u': return set_op(st, c, CLI_OP_UNINSTALL, arg);
    case 'q': return set_op(st, c, CLI_OP_QUERY, arg);
    case 'r': return set_op(st, c, CLI_OP_REQUEST, arg);
    case 's': return set_op(st, c, CLI_OP_REGISTER, arg);
    case 'd': return set_op(st, c, CLI_OP_DEREGISTER, arg);
    case 't': return parse_number(st, c, arg, 1, INT32_MAX, &o->timeout_ms);
    case 'a': return parse_number(st, c, arg, 0, INT32_MAX, &o->alive_ms);
    case 'o': return set_string(st, c, &o->output_file, 0, arg);
    case 'U': return parse_port(st, c, arg, &o->udp_port);
    case 'A': return parse_action(st, arg);
    case 'f': return set_string(st, c, &o->file, SEEN_FILE, arg);
    case 'p': return set_string(st, c, &o->payload_file, SEEN_PAYLOAD, arg);
    case 'S': return set_string(st, c, &o->address, SEEN_ADDRESS, arg);
    case 'P': return parse_port(st, c, arg, &o->port);
    case 'D': return set_string(st, c, &o->uart, SEEN_UART, arg);
    case 'B': return parse_number(st, c, arg, 1, INT32_MAX, &o->baud);
    case OPT_TYPE: return set_string(st, c, &o->app_type, SEEN_TYPE, arg);
    case OPT_HEAP:
        st->seen |= SEEN_INSTALL_NUM;
        return parse_number(st, c, arg, 1, INT32_MAX, &o->heap);
    case OPT_TIMERS:
        st->seen |= SEEN_INSTALL_NUM;
        return parse_number(st, c, arg, 1, INT32_MAX, &o->timers);
    case OPT_WATCHDOG:
        st->seen |= SEEN_INSTALL_NUM;
        return parse_number(st, c, arg, 1, INT32_MAX, &o->watchdog_ms);
    case OPT_JSON: o->json = true; return 1;
    case OPT_TLS:
    case OPT_TLS_CA:
    case OPT_TLS_CERT:
    case OPT_TLS_KEY:
    case OPT_TLS_NAME:
    case OPT_TLS_INSECURE: return take_tls_option(st, c, arg);
    case OPT_SIGN: return set_string(st, c, &o->sign_key, SEEN_INSTALL_ONLY, arg);
    case OPT_UPGRADE:
        st->seen |= SEEN_INSTALL_ONLY;
        o->upgrade = true;
        return 1;
    default: return fail(st, "internal error: unhandled option %d", c);
    }
}

/* getopt_long's '?' and ':' turned into a message naming the option. */
static int bad_option(parse_t *st, int c, char **argv)
{
    const char *typed = argv[optind - 1];

    if (c == ':')
        return fail(st, "option %s needs an argument", opt_name(optopt));
    if (optopt == 0) /* an unknown long option: optind has moved past it */
        return fail(st, "unknown option '%s'", typed);
    if (optopt == 'h' || optopt == OPT_JSON || optopt == OPT_TLS || optopt == OPT_TLS_INSECURE ||
        optopt == OPT_UPGRADE)
        return fail(st, "option %s takes no argument ('%s')", opt_name(optopt), typed);
    return fail(st, "unknown option '-%c'", optopt);
}

/* TLS runs over TCP and checks the device unless told not to, loudly. */
static int check_tls(parse_t *st)
{
    const tls_options_t *t = &st->o->tls;

    if (!t->enabled)
        return 1;
    if (st->o->uart)
        return fail(st, "--tls and --tls-* are for TCP, not -D/--uart");
    if (t->insecure && t->ca_file)
        return fail(st, "--tls-ca and --tls-insecure exclude each other");
    if (!t->insecure && !t->ca_file)
        return fail(st, "--tls needs --tls-ca FILE to verify the device's certificate (or "
                    "--tls-insecure to skip the check, so that anyone on the path could "
                    "pose as the device)");
    if (!t->cert_file != !t->key_file)
        return fail(st, "--tls-cert and --tls-key go together (the client certificate and "
                    "its private key)");
    return 1;
}

/* Options that only make sense with some operations. */
static int check_combination(parse_t *st)
{
    const cli_options_t *o = st->o;
    cli_op_t op = o->op;

    if (op == CLI_OP_NONE)
        return fail(st, "no operation given: use one of -i, -u, -q, -r, -s, -d");
    if (op == CLI_OP_INSTALL && !o->file)
        return fail(st, "-i/--install needs -f FILE (the app binary)");
    if (op == CLI_OP_REQUEST && !o->action)
        return fail(st, "-r/--request needs -A GET|PUT|POST|DELETE");
    if ((st->seen & SEEN_FILE) && op != CLI_OP_INSTALL)
        return fail(st, "-f/--file is only valid with -i/--install");
    if ((st->seen & SEEN_INSTALL_NUM) && op != CLI_OP_INSTALL)
        return fail(st, "--heap, --timers and --watchdog are only valid with -i/--install");
    if ((st->seen & SEEN_INSTALL_ONLY) && op != CLI_OP_INSTALL)
        return fail(st, "--sign and --upgrade are only valid with -i/--install");
    if ((st->seen & SEEN_TYPE) && op != CLI_OP_INSTALL && op != CLI_OP_UNINSTALL)
        return fail(st, "--type is only valid with -i/--install or -u/--uninstall");
    if ((st->seen & (SEEN_ACTION | SEEN_PAYLOAD)) && op != CLI_OP_REQUEST)
        return fail(st, "%s is only valid with -r/--request",
                    st->seen & SEEN_ACTION ? "-A/--action" : "-p/--payload");
    if (!check_tls(st))
        return 0;
    if ((st->seen & SEEN_ADDRESS) && (st->seen & SEEN_UART))
        return fail(st, "-S/--address (TCP) and -D/--uart (UART) exclude each other");
    return 1;
}

static void set_defaults(cli_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->timeout_ms = 5000;
    o->address = "127.0.0.1";
    o->port = 8888;
    o->baud = 115200;
}

cli_result_t cli_parse(int argc, char **argv, cli_options_t *out_opts, char *err,
                       size_t err_size)
{
    parse_t st = { out_opts, NULL, 0, err, err_size };
    int c;

    set_defaults(out_opts);
    opterr = 0; /* messages are ours */
    optind = 1;
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        if (c == 'h')
            return CLI_HELP;
        if (c == '?' || c == ':') {
            bad_option(&st, c, argv);
            return CLI_ERROR;
        }
        if (!take_option(&st, c, optarg))
            return CLI_ERROR;
    }
    if (optind < argc) {
        fail(&st, "unexpected argument '%s'%s", argv[optind],
             out_opts->op == CLI_OP_QUERY
                 ? " (an app name for -q must be attached: -qNAME or --query=NAME)" : "");
        return CLI_ERROR;
    }
    return check_combination(&st) ? CLI_OK : CLI_ERROR;
}

void cli_usage(FILE *out)
{
    fputs("Usage:\n"
          "  host_tool -i NAME -f FILE [--type=T] [--heap=N] [--timers=N] [--watchdog=MS]\n"
          "            [--sign KEY.pem] [--upgrade]\n"
          "  host_tool -u NAME [--type=T]\n"
          "  host_tool -q[NAME]            (or --query[=NAME]; no NAME = all apps)\n"
          "  host_tool -r URL -A GET|PUT|POST|DELETE [-p PAYLOAD.json]\n"
          "  host_tool -s EVENT_URL\n"
          "  host_tool -d EVENT_URL\n"
          "  each with [control options]; exactly one operation per run\n"
          "\n"
          "Operations:\n"
          "  -i, --install NAME      install the app binary given by -f as NAME\n"
          "  -u, --uninstall NAME    uninstall app NAME\n"
          "  -q, --query[=NAME]      query all apps, or app NAME\n"
          "  -r, --request URL       send a request to URL (needs -A)\n"
          "  -s, --register URL      subscribe to event URL\n"
          "  -d, --deregister URL    unsubscribe from event URL\n"
          "  -f, --file FILE         app to install: a .wasm, or a signed package (.wpk)\n"
          "      --type=T            app type, e.g. wasm (install/uninstall)\n"
          "      --heap=N            app heap size in bytes\n"
          "      --timers=N          maximum number of app timers\n"
          "      --watchdog=MS       app watchdog interval in ms\n"
          "      --sign KEY.pem      sign the .wasm on the fly with this P-256 private key\n"
          "                          (package version \"0\"; app-sign makes versioned ones)\n"
          "      --upgrade           replace the installed app NAME; it keeps running if the\n"
          "                          new version fails\n"
          "  -A, --action ACTION     GET, PUT, POST or DELETE (case insensitive)\n"
          "  -p, --payload FILE      request payload: a JSON object, sent as attr_container\n"
          "\n"
          "Control options:\n"
          "  -S, --address ADDR      device TCP address (default 127.0.0.1)\n"
          "  -P, --port PORT         device TCP port (default 8888)\n"
          "  -D, --uart DEVICE       use the UART DEVICE instead of TCP\n"
          "  -B, --baudrate BAUD     UART baud rate (default 115200)\n"
          "  -t, --timeout MS        wait at most MS for the response (default 5000)\n"
          "  -a, --alive MS          after the response, keep printing events for MS\n"
          "                          (default 0)\n"
          "  -o, --output FILE       also append the output to FILE\n"
          "  -U, --udp PORT          also send the output as UDP datagrams to\n"
          "                          127.0.0.1:PORT\n"
          "      --json              print one JSON object per line per response or event\n"
          "      --tls               TCP in TLS 1.2 (each --tls-* option implies it)\n"
          "      --tls-ca FILE       the device's certificate must be signed by this CA\n"
          "      --tls-name NAME     ... and carry NAME (default: the -S address)\n"
          "      --tls-cert FILE     our client certificate, for a device that asks\n"
          "      --tls-key FILE      its private key\n"
          "      --tls-insecure      TLS without checking the device (instead of --tls-ca)\n"
          "  -h, --help              show this help\n"
          "\n"
          "Exit status: the response status (e.g. 65 created, 66 deleted, 69 content,\n"
          "132 not found, 160 internal error), 2 on timeout, 255 on usage or connection\n"
          "errors.\n",
          out);
}
