/* The test apps' own tiny app library: the exported callbacks, which unpack
 * what the device hands over and call the app's tapp_* hooks. A request's
 * URL "cmd?args" is split into the command and its arguments. */
#include <stdlib.h>
#include <string.h>

#include "tapp.h"

EXPORT("on_request") void on_request(char *buf, int size);
EXPORT("on_response") void on_response(char *buf, int size);
EXPORT("on_timer_callback") void on_timer_callback(int id);
EXPORT("on_sensor_event") void on_sensor_event(int id, char *buf, int len);
EXPORT("on_connection_data") void on_connection_data(int handle, char *buf, int len);

void on_request(char *buf, int size)
{
    request_t req;
    char cmd[64];
    const char *url, *q;
    size_t n;

    if (!unpack_request(buf, size, &req))
        return;
    if (req.action == COAP_EVENT) {
        tapp_event(&req);
        return;
    }
    url = req.url[0] == '/' ? req.url + 1 : req.url;
    q = strchr(url, '?');
    n = q ? (size_t)(q - url) : strlen(url);
    if (n >= sizeof cmd)
        n = sizeof cmd - 1;
    memcpy(cmd, url, n);
    cmd[n] = '\0';
    if (!tapp_request(&req, cmd, q ? q + 1 : ""))
        tapp_reply_text(&req, NOT_FOUND_4_04, "unknown command");
}

void on_response(char *buf, int size)
{
    response_t resp;

    if (unpack_response(buf, size, &resp))
        tapp_response(&resp);
}

void on_timer_callback(int id)
{
    tapp_timer(id);
}

void on_sensor_event(int id, char *buf, int len)
{
    tapp_sensor(id, buf, len);
}

void on_connection_data(int handle, char *buf, int len)
{
    tapp_connection(handle, buf, len);
}

void tapp_respond_to(uint32_t receiver, uint32_t mid, int status, int fmt, const void *payload,
                     int len)
{
    response_t resp;
    char *packet;
    int size;

    memset(&resp, 0, sizeof resp);
    resp.mid = mid;
    resp.reciever = receiver;
    set_response(&resp, status, fmt, payload, len);
    if ((packet = pack_response(&resp, &size))) {
        wasm_response_send(packet, size);
        free_req_resp_packet(packet);
    }
}

void tapp_reply(const request_t *req, int status, int fmt, const void *payload, int len)
{
    tapp_respond_to((uint32_t)req->sender, req->mid, status, fmt, payload, len);
}

void tapp_reply_text(const request_t *req, int status, const char *text)
{
    tapp_reply(req, status, 0, text, (int)strlen(text));
}

uint32_t tapp_post(const char *url, int action, int fmt, const void *payload, int len)
{
    request_t req;
    char *packet;
    int size;

    init_request(&req, (char *)url, action, fmt, (void *)payload, len);
    if ((packet = pack_request(&req, &size))) {
        wasm_post_request(packet, size);
        free_req_resp_packet(packet);
    }
    return req.mid;
}

bool tapp_arg_str(const char *args, const char *key, char *out, int out_size)
{
    return find_key_value(args, (int)strlen(args), key, out, out_size, '&') != NULL;
}

int tapp_arg_int(const char *args, const char *key, int dflt)
{
    char text[24];

    return tapp_arg_str(args, key, text, sizeof text) ? (int)strtol(text, NULL, 0) : dflt;
}
