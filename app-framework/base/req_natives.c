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

/* (*~): send a packed request as this app (action 6 publishes). A packet
 * that does not parse traps the app. */
static void n_post_request(wasm_exec_env_t env, char *buf, int32_t size)
{
    afw_app_t *app = afw_app_of_env(env);
    request_t req;
    char err[128] = "refused";

    if (!app)
        return;
    if (!unpack_request(buf, size, &req)) {
        afw_throw(env, "wasm_post_request", "malformed request packet");
        return;
    }
    req.sender = app->id;
    if (!app->afw->host.post_request(app->afw->host.ctx, app, &req, err, sizeof err))
        afw_throw(env, "wasm_post_request", err);
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
    {"wasm_sub_event", (void *)n_sub_event, "($)", NULL},
};

NativeSymbol *req_natives(uint32_t *out_n)
{
    *out_n = sizeof req_symbols / sizeof req_symbols[0];
    return req_symbols;
}
