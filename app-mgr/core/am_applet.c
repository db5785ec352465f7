/* The URLs the manager serves itself (contract 4.1): "/applet" (query,
 * install, uninstall) and "/event/<url>" (host subscriptions), plus the
 * "/applets" event sent after every install and uninstall. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "am_internal.h"

/* ------------------------------------------------------------------------
 * Query parameters: "/applet?name=N&heap=H&timers=T&wd=W&type=wasm&upgrade=1"
 * ------------------------------------------------------------------------ */

/* 1: the value of key is in out; 0: absent; -1: longer than out_size - 2
 * (buffers are sized one byte over the longest value allowed). */
static int param_get(const char *url, const char *key, char *out, int out_size)
{
    const char *query = strchr(url, '?');

    if (!query || !find_key_value(query + 1, (int)strlen(query + 1), key, out, out_size, '&'))
        return 0;
    return (int)strlen(out) < out_size - 1 ? 1 : -1;
}

static bool param_str(const char *url, const char *key, char *out, int out_size)
{
    return param_get(url, key, out, out_size) == 1;
}

/* The number under key, or dflt when absent; false if not a number. */
static bool param_u32(const char *url, const char *key, uint32_t dflt, uint32_t *out)
{
    char text[16], *end;
    unsigned long v;
    int found = param_get(url, key, text, sizeof text);

    *out = dflt;
    if (found == 0)
        return true;
    if (found < 0)
        return false;
    v = strtoul(text, &end, 10);
    if (end == text || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* ------------------------------------------------------------------------
 * Applets info payloads
 * ------------------------------------------------------------------------ */

/* tag, num, then applet<i>/heap<i> for each installed app, newest first. */
static attr_container_t *applets_payload(am_t *am, const char *tag)
{
    attr_container_t *c = attr_container_create(tag);
    uint32_t num = 0, i = 0;
    char key[24];
    bool ok;

    if (!c)
        return NULL;
    pthread_mutex_lock(&am->lock);
    for (am_app_t *app = am->apps; app; app = app->next)
        num += app->state == AM_APP_RUNNING;
    ok = attr_container_set_int(&c, "num", (int)num);
    for (am_app_t *app = am->apps; app && ok; app = app->next) {
        if (app->state != AM_APP_RUNNING)
            continue;
        i++;
        snprintf(key, sizeof key, "applet%u", i);
        ok = attr_container_set_string(&c, key, app->name);
        snprintf(key, sizeof key, "heap%u", i);
        ok = ok && attr_container_set_int(&c, key, (int)app->heap_size);
    }
    pthread_mutex_unlock(&am->lock);
    if (!ok) {
        attr_container_destroy(c);
        return NULL;
    }
    return c;
}

static attr_container_t *applet_payload(am_t *am, const char *name)
{
    attr_container_t *c = NULL;
    am_app_t *app;

    pthread_mutex_lock(&am->lock);
    app = am_app_by_name(am, name, strlen(name));
    if (app && app->state == AM_APP_RUNNING && (c = attr_container_create("Applets Info")) &&
        !(attr_container_set_string(&c, "name", app->name) &&
          attr_container_set_int(&c, "heap", (int)app->heap_size))) {
        attr_container_destroy(c);
        c = NULL;
    }
    pthread_mutex_unlock(&am->lock);
    return c;
}

void am_applet_changed(am_t *am)
{
    attr_container_t *c = applets_payload(am, "All Applets");

    if (!c)
        return;
    am_publish_event(am, AM_ID_APP_MANAGER, "/applets", FMT_ATTR_CONTAINER, c,
                     attr_container_get_serialize_length(c));
    attr_container_destroy(c);
}

/* ------------------------------------------------------------------------
 * /applet
 * ------------------------------------------------------------------------ */

static void applet_query(am_t *am, const request_t *req, uint32_t sender, uint32_t mid)
{
    char name[AM_NAME_MAX + 2];
    attr_container_t *c;

    if (param_str(req->url, "name", name, sizeof name)) {
        if (!(c = applet_payload(am, name))) {
            am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00,
                     "Query Applet failed: the app is not found.");
            return;
        }
    } else if (!(c = applets_payload(am, "Applets Info"))) {
        am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00, "Query Applet failed: out of memory.");
        return;
    }
    am_reply_payload(am, sender, mid, CONTENT_2_05, c);
    attr_container_destroy(c);
}

static void applet_install(am_t *am, const am_app_t *caller, const request_t *req,
                           uint32_t sender, uint32_t mid)
{
    char name[AM_NAME_MAX + 2], type[16], err[384];
    am_app_params_t params;
    uint32_t upgrade;
    int status;

    memset(&params, 0, sizeof params);
    params.name = name;
    if (!param_str(req->url, "name", name, sizeof name)) {
        am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00,
                 "Install WASM app failed: invalid app name.");
        return;
    }
    if (param_str(req->url, "type", type, sizeof type) && strcmp(type, "wasm") != 0) {
        am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00,
                 "Install WASM app failed: unsupported app type.");
        return;
    }
    if (!param_u32(req->url, "heap", 0, &params.heap_size) ||
        !param_u32(req->url, "timers", 0, &params.max_timers) ||
        !param_u32(req->url, "wd", 0, &params.watchdog_ms) ||
        !param_u32(req->url, "upgrade", 0, &upgrade) || upgrade > 1) {
        am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00,
                 "Install WASM app failed: invalid heap, timers, wd or upgrade value.");
        return;
    }
    params.upgrade = upgrade == 1;
    status = am_app_install_ex(am, &params, req->payload,
                               req->payload_len > 0 ? (uint32_t)req->payload_len : 0, caller,
                               err, sizeof err);
    if (status != 0) {
        am_reply(am, sender, mid, status, err);
        return;
    }
    am_reply(am, sender, mid, CREATED_2_01, NULL);
}

static void applet_uninstall(am_t *am, const am_app_t *caller, const request_t *req,
                             uint32_t sender, uint32_t mid)
{
    char name[AM_NAME_MAX + 2], err[256];

    if (!param_str(req->url, "name", name, sizeof name)) {
        am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00,
                 "Uninstall WASM app failed: no app found.");
        return;
    }
    if (!am_app_uninstall(am, name, caller, err, sizeof err)) {
        am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00, err);
        return;
    }
    am_reply(am, sender, mid, DELETED_2_02, NULL);
}

static void applet_request(am_t *am, am_app_t *app, const request_t *req, uint32_t sender,
                           uint32_t mid)
{
    /* [better] the reference lets any app install and uninstall apps */
    if (app && !app->may_manage_apps) {
        am_reply(am, sender, mid, FORBIDDEN_4_03,
                 "this app has no permission to manage apps");
        return;
    }
    switch (req->action) {
    case COAP_GET:
        applet_query(am, req, sender, mid);
        break;
    case COAP_PUT:
        applet_install(am, app, req, sender, mid);
        break;
    case COAP_DELETE:
        applet_uninstall(am, app, req, sender, mid);
        break;
    default:
        am_reply(am, sender, mid, METHOD_NOT_ALLOWED_4_05, "use GET, PUT or DELETE on /applet");
        break;
    }
}

/* ------------------------------------------------------------------------
 * /event/<url>: PUT subscribes, DELETE unsubscribes the asker
 * ------------------------------------------------------------------------ */

static void event_request(am_t *am, am_app_t *app, am_client_t *client, const request_t *req,
                          int off, uint32_t sender, uint32_t mid)
{
    const char *url = req->url + off;
    bool ok;

    if (req->action != COAP_PUT && req->action != COAP_DELETE) {
        am_reply(am, sender, mid, METHOD_NOT_ALLOWED_4_05, "use PUT or DELETE on /event/");
        return;
    }
    if (!*url) {
        am_reply(am, sender, mid, BAD_REQUEST_4_00, "no event URL");
        return;
    }
    /* unsubscribing from what was not subscribed succeeds: nothing to do */
    ok = req->action == COAP_DELETE || am_sub_add(am, app, client, url);
    if (req->action == COAP_DELETE)
        am_sub_remove(am, app, client, url);
    if (ok)
        am_reply(am, sender, mid, CONTENT_2_05, NULL);
    else
        am_reply(am, sender, mid, INTERNAL_SERVER_ERROR_5_00, "too many subscriptions");
}

bool am_applet_handle(am_t *am, am_app_t *app, am_client_t *client, const request_t *req,
                      uint32_t sender, uint32_t mid)
{
    int len = (int)strlen(req->url), off;

    if (check_url_start(req->url, len, "/applet")) {
        applet_request(am, app, req, sender, mid);
        return true;
    }
    if ((off = check_url_start(req->url, len, "/event"))) {
        event_request(am, app, client, req, off, sender, mid);
        return true;
    }
    return false;
}
