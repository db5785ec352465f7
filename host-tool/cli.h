/* host_tool's command line: the reference's letters and long names, parsed
 * strictly into cli_options_t (numbers range-checked, exactly one operation,
 * the options each operation needs). Nothing is opened or sent here. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tls.h"

typedef enum cli_op {
    CLI_OP_NONE,
    CLI_OP_INSTALL,   /* -i NAME -f FILE */
    CLI_OP_UNINSTALL, /* -u NAME */
    CLI_OP_QUERY,     /* -q[NAME] */
    CLI_OP_REQUEST,   /* -r URL -A ACTION [-p FILE] */
    CLI_OP_REGISTER,  /* -s EVENT_URL */
    CLI_OP_DEREGISTER /* -d EVENT_URL */
} cli_op_t;

/* Strings point into argv. Optional numbers are 0 when not given. */
typedef struct cli_options {
    cli_op_t op;
    const char *name;         /* -i, -u; -q's optional NAME (NULL = all apps) */
    const char *file;         /* -f: the app binary */
    const char *app_type;     /* --type (install, uninstall) */
    uint32_t heap;            /* --heap */
    uint32_t timers;          /* --timers */
    uint32_t watchdog_ms;     /* --watchdog */
    const char *url;          /* -r, -s, -d */
    int action;               /* -A as a COAP_* code; 0 = not given */
    const char *payload_file; /* -p: JSON object */
    uint32_t timeout_ms;      /* -t, default 5000 */
    uint32_t alive_ms;        /* -a, default 0 */
    const char *output_file;  /* -o: append the output here too */
    uint16_t udp_port;        /* -U: also send the output here; 0 = no */
    const char *address;      /* -S, default 127.0.0.1 */
    uint16_t port;            /* -P, default 8888 */
    const char *uart;         /* -D: UART device; NULL = TCP */
    uint32_t baud;            /* -B, default 115200 (checked when opening) */
    bool json;                /* --json: one JSON line per message */
    tls_options_t tls;        /* --tls and --tls-*: TCP in TLS */
    const char *sign_key;     /* --sign: sign -f as a package with this private key */
    bool upgrade;             /* --upgrade: replace an installed app of the name */
} cli_options_t;

typedef enum cli_result {
    CLI_OK,   /* *out_opts is ready */
    CLI_HELP, /* -h: print the usage, succeed */
    CLI_ERROR /* err says what is wrong */
} cli_result_t;

cli_result_t cli_parse(int argc, char **argv, cli_options_t *out_opts, char *err,
                       size_t err_size);

/* The full usage text. */
void cli_usage(FILE *out);

#endif /* CLI_H */
