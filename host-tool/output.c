/* host_tool's output (see output.h). Every piece of text goes to all
 * destinations at once through emit(); as in the reference, the header and
 * the JSON of one message are separate pieces, so a -U listener gets them
 * as two datagrams. */
#include "output.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json_attr.h"

struct out {
    int file_fd;  /* -o, or -1 */
    int udp_fd;   /* -U, or -1 */
    struct sockaddr_in udp_to;
    bool json;
    bool file_warned, udp_warned; /* one warning per destination is enough */
};

/* ========================================================================
 * Destinations
 * ======================================================================== */

static void write_all(int fd, const char *text, size_t len, bool *warned, const char *what)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!*warned)
                fprintf(stderr, "host_tool: writing the %s failed: %s\n", what,
                        strerror(errno));
            *warned = true;
            return;
        }
        text += n;
        len -= (size_t)n;
    }
}

static void emit(out_t *out, const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    if (out->file_fd >= 0)
        write_all(out->file_fd, text, len, &out->file_warned, "output file");
    if (out->udp_fd >= 0
        && sendto(out->udp_fd, text, len, 0, (const struct sockaddr *)&out->udp_to,
                  sizeof(out->udp_to)) < 0
        && !out->udp_warned) {
        fprintf(stderr, "host_tool: sending output to UDP port %u failed: %s\n",
                (unsigned)ntohs(out->udp_to.sin_port), strerror(errno));
        out->udp_warned = true;
    }
}

out_t *out_open(const char *file, uint16_t udp_port, bool json, char *err, size_t err_size)
{
    out_t *out = calloc(1, sizeof(*out));

    if (!out) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    out->file_fd = out->udp_fd = -1;
    out->json = json;
    if (file && (out->file_fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
        snprintf(err, err_size, "cannot open output file '%s': %s", file, strerror(errno));
        goto fail;
    }
    if (udp_port) {
        if ((out->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
            snprintf(err, err_size, "cannot create a UDP socket: %s", strerror(errno));
            goto fail;
        }
        out->udp_to.sin_family = AF_INET;
        out->udp_to.sin_port = htons(udp_port);
        out->udp_to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    return out;

fail:
    out_close(out);
    return NULL;
}

void out_close(out_t *out)
{
    if (!out)
        return;
    if (out->file_fd >= 0)
        close(out->file_fd);
    if (out->udp_fd >= 0)
        close(out->udp_fd);
    free(out);
}

/* ========================================================================
 * Payloads
 * ======================================================================== */

/* The payload as JSON: NULL when there is none to show (not format 99, or
 * empty), or when it is malformed (err then says why). */
static cJSON *payload_json(int fmt, const void *payload, int len, char *err, size_t err_size)
{
    err[0] = '\0';
    if (fmt != FMT_ATTR_CONTAINER || !payload || len <= 0)
        return NULL;
    return attr_to_json(payload, (uint32_t)len, err, err_size);
}

/* Text form: the header, then the pretty JSON if there is one. */
static void emit_text(out_t *out, const char *header, const char *what, int fmt,
                      const void *payload, int len)
{
    char err[256];
    cJSON *json = payload_json(fmt, payload, len, err, sizeof(err));
    char *text;

    emit(out, header, strlen(header));
    if (!json) {
        if (err[0])
            fprintf(stderr, "host_tool: %s payload not shown: %s\n", what, err);
        return;
    }
    if ((text = cJSON_Print(json)) != NULL) {
        emit(out, text, strlen(text));
        cJSON_free(text);
    }
    cJSON_Delete(json);
}

/* --json form: line gets "payload" (and "payload_error"), then is printed
 * compact on one line. Consumes line. */
static void emit_json(out_t *out, cJSON *line, int fmt, const void *payload, int len)
{
    char err[256];
    cJSON *json = payload_json(fmt, payload, len, err, sizeof(err));
    char *text;

    if (json)
        cJSON_AddItemToObject(line, "payload", json);
    else
        cJSON_AddNullToObject(line, "payload");
    if (err[0])
        cJSON_AddStringToObject(line, "payload_error", err);
    if ((text = cJSON_PrintUnformatted(line)) != NULL) {
        size_t n = strlen(text);
        /* One piece (one datagram) per line, newline included. */
        char *with_nl = malloc(n + 1);

        if (with_nl) {
            memcpy(with_nl, text, n);
            with_nl[n] = '\n';
            emit(out, with_nl, n + 1);
            free(with_nl);
        }
        cJSON_free(text);
    }
    cJSON_Delete(line);
}

/* ========================================================================
 * Messages
 * ======================================================================== */

void out_response(out_t *out, const response_t *resp)
{
    char header[48];
    cJSON *line;

    if (!out->json) {
        snprintf(header, sizeof(header), "\nresponse status %d\n", resp->status);
        emit_text(out, header, "response", resp->fmt, resp->payload, resp->payload_len);
        return;
    }
    if (!(line = cJSON_CreateObject()))
        return;
    cJSON_AddStringToObject(line, "type", "response");
    cJSON_AddNumberToObject(line, "status", resp->status);
    cJSON_AddNumberToObject(line, "mid", resp->mid);
    cJSON_AddNumberToObject(line, "fmt", resp->fmt);
    emit_json(out, line, resp->fmt, resp->payload, resp->payload_len);
}

void out_event(out_t *out, const request_t *event)
{
    static const char prefix[] = "\nreceived an event ";
    size_t url_len = strlen(event->url);
    char *header;
    cJSON *line;

    if (!out->json) {
        /* Event URLs can be long (up to 64 KiB): no fixed buffer. */
        if (!(header = malloc(sizeof(prefix) + url_len + 1)))
            return;
        memcpy(header, prefix, sizeof(prefix) - 1);
        memcpy(header + sizeof(prefix) - 1, event->url, url_len);
        memcpy(header + sizeof(prefix) - 1 + url_len, "\n", 2);
        emit_text(out, header, "event", event->fmt, event->payload, event->payload_len);
        free(header);
        return;
    }
    if (!(line = cJSON_CreateObject()))
        return;
    cJSON_AddStringToObject(line, "type", "event");
    cJSON_AddStringToObject(line, "url", event->url);
    cJSON_AddNumberToObject(line, "sender", (double)event->sender);
    cJSON_AddNumberToObject(line, "fmt", event->fmt);
    emit_json(out, line, event->fmt, event->payload, event->payload_len);
}

void out_timeout(out_t *out)
{
    static const char text[] = "operation timeout\n";
    static const char json[] = "{\"type\":\"timeout\"}\n";

    if (out->json)
        emit(out, json, sizeof(json) - 1);
    else
        emit(out, text, sizeof(text) - 1);
}
