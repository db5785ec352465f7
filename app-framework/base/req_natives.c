/* The request, response and event natives: they check what the app hands
 * over (the signature machinery has already bounds-checked every pointer and
 * length) and pass it to the app manager through the host interface. */
#include <stdio.h>

#include "afw_internal.h"

/* ($): register a resource URL for this app. A refusal (empty or too long
 * URL, one of the manager's, over the limit) traps the app with the
 * manager's reason. */
static void n_register_resource(wasm_exec_env_t env, const char *url)
{
    afw_app_t *app = afw_app_of_env(env);
    char err[128] = "refused";

    if (app && !app->afw->host.register_resource(app->afw->host.ctx, app, url, err, sizeof err))
        afw_throw(env, "wasm_register_resource", err);
}

/* (*~)i: send a packed response; 0 if it does not parse. */
static int32_t n_response_send(wasm_exec_env_t env, char *buf, int32_t size)
{
    afw_app_t *app = afw_app_of_env(env);
    response_t resp;

    if (!app || !unpack_response(buf, size, &resp))
        return 0;
    app->afw->host.send_response(app->afw->host.ctx, app, &resp);
    return 1;
}

/* Hands a packed request to the manager as this app (the sender field is
 * forced: an app cannot speak for the host or another app). 0 = taken,
 * else the refusing status; out_malformed when the packet does not parse. */
static int32_t post_request(afw_app_t *app, char *buf, int32_t size, bool *out_malformed)
{
    request_t req;

    *out_malformed = !unpack_request(buf, size, &req);
    if (*out_malformed)
        return BAD_REQUEST_4_00;
    req.sender = app->id;
    return app->afw->host.post_request(app->afw->host.ctx, app, &req);
}

/* (*~): send a packed request as this app (action 6 publishes). A packet
 * that does not parse traps the app. A refusal does not (the signature has
 * no result): the request is answered with the status, and an event over
 * the app's rate is dropped. */
static void n_post_request(wasm_exec_env_t env, char *buf, int32_t size)
{
    afw_app_t *app = afw_app_of_env(env);
    bool malformed;

    if (!app)
        return;
    post_request(app, buf, size, &malformed);
    if (malformed)
        afw_throw(env, "wasm_post_request", "malformed request packet");
}

/* (*~)i [better]: wasm_post_request that tells the app what became of the
 * request: 0 taken, else the status it was refused with (128 malformed or
 * URL too long, 131 forbidden, 163 over a limit: e.g. an event over the
 * app's rate, which is dropped). Never traps. */
static int32_t n_post_request_checked(wasm_exec_env_t env, char *buf, int32_t size)
{
    afw_app_t *app = afw_app_of_env(env);
    bool malformed;

    return app ? post_request(app, buf, size, &malformed) : INTERNAL_SERVER_ERROR_5_00;
}

/* ($): subscribe this app to an event URL. */
static void n_sub_event(wasm_exec_env_t env, const char *url)
{
    afw_app_t *app = afw_app_of_env(env);
    char err[128] = "refused";

    if (app && !app->afw->host.subscribe_event(app->afw->host.ctx, app, url, err, sizeof err))
        afw_throw(env, "wasm_sub_event", err);
}

static NativeSymbol req_symbols[] = {
    {"wasm_register_resource", (void *)n_register_resource, "($)", NULL},
    {"wasm_response_send", (void *)n_response_send, "(*~)i", NULL},
    {"wasm_post_request", (void *)n_post_request, "(*~)", NULL},
    {"wasm_post_request_checked", (void *)n_post_request_checked, "(*~)i", NULL},
    {"wasm_sub_event", (void *)n_sub_event, "($)", NULL},
};

NativeSymbol *req_natives(uint32_t *out_n)
{
    *out_n = sizeof req_symbols / sizeof req_symbols[0];
    return req_symbols;
}
