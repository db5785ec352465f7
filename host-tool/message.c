/* Building host_tool's request (see message.h). URLs are the reference's
 * byte for byte, so either host_tool can drive either device. */
#include "message.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "attr_container.h"
#include "ht_util.h"
#include "json_attr.h"
#include "link_parser.h"
#include "package.h"
#include "shared_utils.h"

#define MAX_FILE_SIZE (1u << 30) /* far above any device's app limit */
#define MAX_URL_LEN 65534u       /* url_len is a u16 counting the NUL */

/* ========================================================================
 * Inputs
 * ======================================================================== */

/* The whole of a file (regular file or pipe) in *out_data (malloc'ed). */
static int read_file(const char *path, const char *what, uint8_t **out_data,
                     size_t *out_len, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL, *grown;
    size_t len = 0, cap = 0, n;

    if (!f) {
        ht_set_err(err, err_size, "cannot open %s '%s': %s", what, path, strerror(errno));
        return 0;
    }
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 64 * 1024;
            if (cap > MAX_FILE_SIZE) {
                ht_set_err(err, err_size, "%s '%s' is too large (1 GiB or more)", what, path);
                goto fail;
            }
            if (!(grown = realloc(data, cap))) {
                ht_set_err(err, err_size, "out of memory reading %s '%s'", what, path);
                goto fail;
            }
            data = grown;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        ht_set_err(err, err_size, "cannot read %s '%s': %s", what, path, strerror(errno));
        goto fail;
    }
    fclose(f);
    *out_data = data;
    *out_len = len;
    return 1;

fail:
    free(data);
    fclose(f);
    return 0;
}

/* A random nonzero mid, so replies to an earlier run are not taken for ours. */
static uint32_t random_mid(void)
{
    uint32_t mid = 0;

    while (mid == 0) {
        if (getrandom(&mid, sizeof(mid), 0) != (ssize_t)sizeof(mid))
            mid = (uint32_t)time(NULL) * 2654435761u ^ (uint32_t)getpid() ^ (uint32_t)clock();
    }
    return mid;
}

/* ========================================================================
 * URL
 * ======================================================================== */

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static size_t length_or_0(const char *s)
{
    return s ? strlen(s) : 0;
}

char *msg_url(const cli_options_t *o)
{
    size_t cap = 96 + length_or_0(o->name) + length_or_0(o->app_type) + length_or_0(o->url);
    char *url = malloc(cap);
    size_t len = 0;

    if (!url)
        return NULL;
    url[0] = '\0';
    switch (o->op) {
    case CLI_OP_INSTALL:
    case CLI_OP_UNINSTALL:
        append(url, cap, &len, "/applet?name=%s", o->name);
        if (o->app_type)
            append(url, cap, &len, "&type=%s", o->app_type);
        if (o->heap)
            append(url, cap, &len, "&heap=%u", o->heap);
        if (o->timers)
            append(url, cap, &len, "&timers=%u", o->timers);
        if (o->watchdog_ms)
            append(url, cap, &len, "&wd=%u", o->watchdog_ms);
        if (o->op == CLI_OP_INSTALL && o->upgrade)
            append(url, cap, &len, "&upgrade=1");
        break;
    case CLI_OP_QUERY:
        append(url, cap, &len, o->name ? "/applet?name=%s" : "/applet", o->name);
        break;
    case CLI_OP_REQUEST: append(url, cap, &len, "%s", o->url); break;
    case CLI_OP_REGISTER:
    case CLI_OP_DEREGISTER:
        /* The reference avoids "//" for -s (a WAMR device matches event URLs
         * exactly, so this is what makes -s /x work there) but not for -d,
         * which then silently does nothing on a WAMR device; both use the
         * rule here. Our device drops one leading '/' either way. */
        append(url, cap, &len, "%s%s", o->url[0] == '/' ? "/event" : "/event/", o->url);
        break;
    case CLI_OP_NONE: break;
    }
    return url;
}

/* ========================================================================
 * The message
 * ======================================================================== */

/* --sign: the app file in *io_data replaced by a package of it for app
 * o->name, version "0", signed with the key; freed (NULL) on failure. */
static int sign_payload(const cli_options_t *o, uint8_t **io_data, size_t *io_len, char *err,
                        size_t err_size)
{
    char detail[384] = "";
    pkg_key_t *key = NULL;
    uint8_t *pkg = NULL;
    size_t pkg_size = 0;
    pkg_err_t e;
    int ok = 0;

    if (pkg_is_package(*io_data, *io_len)) {
        ht_set_err(err, err_size, "app file '%s' is a signed package already: install it "
                   "without --sign", o->file);
    } else if (pkg_key_load(o->sign_key, true, &key, detail, sizeof(detail)) != PKG_OK) {
        ht_set_err(err, err_size, "--sign: %s", detail);
    } else if ((e = pkg_sign(key, o->name, "0", *io_data, *io_len, &pkg, &pkg_size)) != PKG_OK) {
        ht_set_err(err, err_size, "--sign: %s", pkg_strerror(e));
    } else {
        free(*io_data);
        *io_data = pkg;
        *io_len = pkg_size;
        ok = 1;
    }
    pkg_key_free(key);
    if (!ok) {
        free(*io_data);
        *io_data = NULL;
        *io_len = 0;
    }
    return ok;
}

/* The request payload: the install file, or the -p JSON as a container. */
static int load_payload(const cli_options_t *o, uint8_t **out_data, size_t *out_len,
                        char *err, size_t err_size)
{
    char detail[256];
    attr_container_t *cont;
    uint8_t *text;
    size_t len;

    *out_data = NULL;
    *out_len = 0;
    if (o->op == CLI_OP_INSTALL) {
        if (!read_file(o->file, "app file", out_data, out_len, err, err_size))
            return 0;
        if (*out_len == 0) {
            ht_set_err(err, err_size, "app file '%s' is empty", o->file);
            free(*out_data);
            *out_data = NULL;
            return 0;
        }
        return o->sign_key ? sign_payload(o, out_data, out_len, err, err_size) : 1;
    }
    if (o->op != CLI_OP_REQUEST || !o->payload_file)
        return 1;
    if (!read_file(o->payload_file, "payload file", &text, &len, err, err_size))
        return 0;
    cont = json_to_attr((const char *)text, len, detail, sizeof(detail));
    free(text);
    if (!cont) {
        ht_set_err(err, err_size, "payload file '%s': %s", o->payload_file, detail);
        return 0;
    }
    /* Sent as the reference sends it: the image itself (not read-only
     * marked), slack included. */
    *out_len = attr_container_get_serialize_length(cont);
    *out_data = malloc(*out_len);
    if (*out_data)
        memcpy(*out_data, cont, *out_len);
    attr_container_destroy(cont);
    if (!*out_data)
        ht_set_err(err, err_size, "out of memory");
    return *out_data != NULL;
}

static void request_kind(const cli_options_t *o, int *out_action, int *out_fmt)
{
    static const int actions[] = {
        [CLI_OP_INSTALL] = COAP_PUT,    [CLI_OP_UNINSTALL] = COAP_DELETE,
        [CLI_OP_QUERY] = COAP_GET,      [CLI_OP_REGISTER] = COAP_PUT,
        [CLI_OP_DEREGISTER] = COAP_DELETE,
    };

    *out_action = o->op == CLI_OP_REQUEST ? o->action : actions[o->op];
    *out_fmt = o->op == CLI_OP_INSTALL ? FMT_APP_RAW_BINARY : FMT_ATTR_CONTAINER;
}

int msg_build(const cli_options_t *opts, msg_t *out_msg, char *err, size_t err_size)
{
    request_t req = { 0 };
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    char *url = NULL, *packet = NULL;
    int packet_size = 0;

    memset(out_msg, 0, sizeof(*out_msg));
    if (!load_payload(opts, &payload, &payload_len, err, err_size))
        return 0;
    if (!(url = msg_url(opts))) {
        ht_set_err(err, err_size, "out of memory");
        goto fail;
    }
    if (strlen(url) > MAX_URL_LEN) {
        ht_set_err(err, err_size, "request URL too long (%zu bytes, at most %u)", strlen(url),
                   MAX_URL_LEN);
        goto fail;
    }
    req.url = url;
    request_kind(opts, &req.action, &req.fmt);
    req.payload = payload;
    req.payload_len = (int)payload_len;
    req.mid = random_mid();
    req.sender = 0;
    if (!(packet = pack_request(&req, &packet_size))
        || !(out_msg->bytes = lp_encode(opts->op == CLI_OP_INSTALL ? LP_TYPE_INSTALL
                                                                    : LP_TYPE_REQUEST,
                                        packet, (uint32_t)packet_size, &out_msg->size))) {
        ht_set_err(err, err_size, "out of memory building the request");
        goto fail;
    }
    out_msg->mid = req.mid;
    if (opts->op == CLI_OP_INSTALL) {
        out_msg->payload_size = payload_len;
        out_msg->payload_offset = out_msg->size - payload_len;
    }
    free_req_resp_packet(packet);
    free(url);
    free(payload);
    return 1;

fail:
    free_req_resp_packet(packet);
    free(url);
    free(payload);
    return 0;
}

void msg_free(msg_t *msg)
{
    free(msg->bytes);
    memset(msg, 0, sizeof(*msg));
}
