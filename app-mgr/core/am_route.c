/* Routing (contract 4.3 and 4.4): the resource and event registries, where
 * a request goes, where a response goes back to, event fan-out, the
 * requests clients wait on, and the host interface the app framework calls
 * from natives and manager threads. */
#include <string.h>

#include "am_internal.h"

/* ------------------------------------------------------------------------
 * URL helpers
 * ------------------------------------------------------------------------ */

/* Event URLs are compared without one leading '/'. */
static const char *event_url(const char *url)
{
    return url[0] == '/' ? url + 1 : url;
}

/* A resource pattern as check_url_start sees it: no leading '/', no
 * trailing '/'. out_len 0 = empty (never matches). */
static const char *pattern_core(const char *url, size_t *out_len)
{
    size_t len;

    if (url[0] == '/')
        url++;
    len = strlen(url);
    if (len && url[len - 1] == '/')
        len--;
    *out_len = len;
    return url;
}

static bool same_pattern(const char *a, const char *b)
{
    size_t la, lb;
    const char *ca = pattern_core(a, &la), *cb = pattern_core(b, &lb);

    return la == lb && memcmp(ca, cb, la) == 0;
}

static bool is_manager_url(const char *url)
{
    int len = (int)strlen(url);

    return check_url_start(url, len, "/app") || check_url_start(url, len, "/applet") ||
           check_url_start(url, len, "/event");
}

/* ------------------------------------------------------------------------
 * Registries (caller holds am.lock unless noted)
 * ------------------------------------------------------------------------ */

static bool app_is_listed(am_t *am, const am_app_t *app)
{
    return am_app_by_id(am, app->id) == app;
}

static bool resource_add(am_t *am, am_app_t *app, const char *url, char *err,
                         uint32_t err_size)
{
    am_resource_t *r;

    for (r = am->resources; r; r = r->next) {
        if (same_pattern(r->url, url)) {
            /* one owner per URL: the first keeps it. Not a trap, so that
             * two copies of one app install, as with the reference. */
            if (r->app_id != app->id)
                am_log(am, 1, "app '%s': URL %s is registered by another app; not taken",
                       app->name, url);
            return true;
        }
    }
    if (app->n_resources >= am->cfg.max_resources) {
        am_set_err(err, err_size, "too many resources (the limit is %u per app)",
                   am->cfg.max_resources);
        return false;
    }
    if (!(r = afw_calloc(sizeof *r)) || !(r->url = afw_strdup(url))) {
        afw_free(r);
        am_set_err(err, err_size, "out of memory");
        return false;
    }
    r->app_id = app->id;
    r->next = am->resources;
    am->resources = r;
    app->n_resources++;
    return true;
}

static bool sub_matches(const am_sub_t *s, const am_app_t *app, const am_client_t *client,
                        const char *url)
{
    return (app ? s->app_id == app->id : s->client == client) && strcmp(s->url, url) == 0;
}

/* Takes am.lock. */
bool am_sub_add(am_t *am, am_app_t *app, am_client_t *client, const char *url)
{
    uint32_t *count;
    am_sub_t *s;
    bool ok = false;

    url = event_url(url);
    if (!*url || strlen(url) > am->cfg.max_url_len)
        return false;
    pthread_mutex_lock(&am->lock);
    if (app && !app_is_listed(am, app))
        goto done; /* on_destroy of an app being removed */
    count = app ? &app->n_subscriptions : &client->n_subscriptions;
    for (s = am->subs; s; s = s->next)
        if (sub_matches(s, app, client, url))
            break;
    if (s) {
        ok = true;
    } else if (*count < am->cfg.max_subscriptions && (s = afw_calloc(sizeof *s))) {
        if ((s->url = afw_strdup(url))) {
            s->app_id = app ? app->id : 0;
            s->client = app ? NULL : client;
            s->next = am->subs;
            am->subs = s;
            (*count)++;
            ok = true;
        } else {
            afw_free(s);
        }
    }
done:
    pthread_mutex_unlock(&am->lock);
    return ok;
}

/* Takes am.lock. */
bool am_sub_remove(am_t *am, am_app_t *app, am_client_t *client, const char *url)
{
    bool found = false;

    url = event_url(url);
    pthread_mutex_lock(&am->lock);
    for (am_sub_t **link = &am->subs; *link; link = &(*link)->next) {
        am_sub_t *s = *link;
        if (sub_matches(s, app, client, url)) {
            *link = s->next;
            if (app)
                app->n_subscriptions--;
            else
                client->n_subscriptions--;
            afw_free(s->url);
            afw_free(s);
            found = true;
            break;
        }
    }
    pthread_mutex_unlock(&am->lock);
    return found;
}

void am_registry_drop_app(am_t *am, uint32_t app_id)
{
    for (am_resource_t **link = &am->resources; *link;) {
        am_resource_t *r = *link;
        if (r->app_id == app_id) {
            *link = r->next;
            afw_free(r->url);
            afw_free(r);
        } else {
            link = &r->next;
        }
    }
    for (am_sub_t **link = &am->subs; *link;) {
        am_sub_t *s = *link;
        if (s->app_id == app_id && !s->client) {
            *link = s->next;
            afw_free(s->url);
            afw_free(s);
        } else {
            link = &s->next;
        }
    }
}

void am_registry_drop_client(am_t *am, am_client_t *client)
{
    for (am_sub_t **link = &am->subs; *link;) {
        am_sub_t *s = *link;
        if (s->client == client) {
            *link = s->next;
            afw_free(s->url);
            afw_free(s);
        } else {
            link = &s->next;
        }
    }
    for (am_pending_t **link = &am->pendings; *link;) {
        am_pending_t *p = *link;
        if (p->client == client) {
            *link = p->next;
            afw_free(p);
        } else {
            link = &p->next;
        }
    }
}

/* ------------------------------------------------------------------------
 * Requests clients wait on
 * ------------------------------------------------------------------------ */

static am_pending_t *pending_find(am_t *am, uint32_t mid, am_pending_t ***out_link)
{
    for (am_pending_t **link = &am->pendings; *link; link = &(*link)->next) {
        if ((*link)->mid == mid) {
            if (out_link)
                *out_link = link;
            return *link;
        }
    }
    return NULL;
}

static am_hmsg_t *hmsg_new(am_client_t *client, const void *data, uint32_t len)
{
    am_hmsg_t *m = afw_calloc((uint32_t)sizeof *m + len);

    if (!m)
        return NULL;
    m->client = client;
    m->len = len;
    if (len)
        memcpy(m->data, data, len);
    return m;
}

/* Takes am.lock. */
uint64_t am_pending_expire(am_t *am, uint64_t now)
{
    uint64_t next = UINT64_MAX;

    pthread_mutex_lock(&am->lock);
    for (am_pending_t **link = &am->pendings; *link;) {
        am_pending_t *p = *link;
        if (p->deadline > now) {
            next = p->deadline < next ? p->deadline : next;
            link = &p->next;
            continue;
        }
        *link = p->next;
        am_hmsg_t *m = hmsg_new(p->client, NULL, 0);
        if (m) {
            m->cb = p->cb;
            m->user = p->user;
            am_host_push(am, m);
        }
        afw_free(p);
    }
    pthread_mutex_unlock(&am->lock);
    return next;
}

/* A new manager mid, with a pending entry when cb is set. Takes am.lock. */
static uint32_t pending_add(am_t *am, am_client_t *client, const request_t *req,
                            am_response_fn cb, void *user, uint32_t timeout_ms)
{
    am_pending_t *p = cb ? afw_calloc(sizeof *p) : NULL;
    uint32_t mid;

    pthread_mutex_lock(&am->lock);
    do {
        mid = ++am->next_mid;
    } while (mid == 0 || pending_find(am, mid, NULL));
    if (p) {
        p->mid = mid;
        p->target = AM_ID_APP_MANAGER;
        p->client = client;
        p->orig_mid = req->mid;
        p->orig_sender = (uint32_t)req->sender;
        p->cb = cb;
        p->user = user;
        p->deadline = afw_now_ms() + timeout_ms;
        p->next = am->pendings;
        am->pendings = p;
    }
    pthread_mutex_unlock(&am->lock);
    if (p)
        am_watch_kick(am, p->deadline);
    else if (cb)
        am_log(am, 0, "out of memory: the answer to %s will not be delivered", req->url);
    return mid;
}

/* ------------------------------------------------------------------------
 * Responses
 * ------------------------------------------------------------------------ */

static void response_to_app(am_t *am, am_app_t *app, const response_t *resp)
{
    int size = 0;
    char *packed = pack_response(resp, &size);
    am_msg_t *m = packed ? am_msg_new(AM_MSG_RESPONSE, 0, packed, (uint32_t)size) : NULL;

    free_req_resp_packet(packed);
    if (!m || !am_app_post(app, m)) {
        afw_free(m);
        am_log(am, 1, "response to app '%s' dropped: its queue is full", app->name);
    }
}

/* To the client that waits on resp->mid, if from may answer it. */
static void response_to_client(am_t *am, uint32_t from, const response_t *resp)
{
    am_pending_t **link, *p = pending_find(am, resp->mid, &link);
    response_t restored = *resp;
    char *packed;
    int size = 0;
    am_hmsg_t *m;

    if (!p || (from != AM_ID_APP_MANAGER && (p->target != from || resp->reciever != AM_ID_HOST)))
        return; /* late, forged, or nobody waits: dropped */
    *link = p->next;
    restored.mid = p->orig_mid;
    restored.reciever = p->orig_sender;
    packed = pack_response(&restored, &size);
    if (packed && (m = hmsg_new(p->client, packed, (uint32_t)size))) {
        m->cb = p->cb;
        m->user = p->user;
        am_host_push(am, m);
    }
    free_req_resp_packet(packed);
    afw_free(p);
}

/* Takes am.lock. */
void am_route_response(am_t *am, uint32_t from, const response_t *resp)
{
    am_app_t *app;

    pthread_mutex_lock(&am->lock);
    if ((app = am_app_by_id(am, (uint32_t)resp->reciever)))
        response_to_app(am, app, resp);
    else
        response_to_client(am, from, resp);
    pthread_mutex_unlock(&am->lock);
}

void am_reply_payload(am_t *am, uint32_t sender, uint32_t mid, int status,
                      const attr_container_t *payload)
{
    response_t resp;

    memset(&resp, 0, sizeof resp);
    resp.mid = mid;
    resp.status = status;
    resp.reciever = sender;
    if (payload) {
        resp.fmt = FMT_ATTR_CONTAINER;
        resp.payload = (void *)payload;
        resp.payload_len = (int)attr_container_get_serialize_length(payload);
    }
    am_route_response(am, AM_ID_APP_MANAGER, &resp);
}

void am_reply(am_t *am, uint32_t sender, uint32_t mid, int status, const char *msg)
{
    attr_container_t *payload = NULL;

    if (msg && (payload = attr_container_create("")) &&
        !attr_container_set_string(&payload, "error message", msg)) {
        attr_container_destroy(payload);
        payload = NULL;
    }
    am_reply_payload(am, sender, mid, status, payload);
    attr_container_destroy(payload);
}

/* ------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------ */

static void event_to_subscriber(am_t *am, const am_sub_t *s, const char *packed, uint32_t len)
{
    am_app_t *app;
    am_msg_t *m;
    am_hmsg_t *h;

    if (s->client) {
        if ((h = hmsg_new(s->client, packed, len))) {
            h->is_event = true;
            am_host_push(am, h);
        }
        return;
    }
    if (!(app = am_app_by_id(am, s->app_id)))
        return;
    m = am_msg_new(AM_MSG_REQUEST, 0, packed, len);
    if (m)
        m->droppable = true;
    if (!m || !am_app_post(app, m)) {
        afw_free(m);
        am_log(am, 1, "event for app '%s' dropped: its queue is full", app->name);
    }
}

void am_publish_event(am_t *am, uint32_t sender, const char *url, int fmt,
                      const void *payload, uint32_t len)
{
    request_t ev;
    char *packed;
    int size = 0;
    const char *key = event_url(url);

    memset(&ev, 0, sizeof ev);
    ev.url = (char *)url;
    ev.action = COAP_EVENT;
    ev.fmt = fmt;
    ev.payload = (void *)payload;
    ev.payload_len = (int)len;
    ev.sender = sender;
    if (!(packed = pack_request(&ev, &size)))
        return;
    pthread_mutex_lock(&am->lock);
    for (am_sub_t *s = am->subs; s; s = s->next)
        if (strcmp(s->url, key) == 0)
            event_to_subscriber(am, s, packed, (uint32_t)size);
    pthread_mutex_unlock(&am->lock);
    free_req_resp_packet(packed);
}

/* ------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------ */

/* The app req goes to, with the URL it will see; or NULL with the status
 * to answer. Caller holds am.lock. */
static am_app_t *request_target(am_t *am, const char *url, const char **out_url,
                                int *out_status)
{
    int len = (int)strlen(url), off = check_url_start(url, len, "/app");

    *out_url = url;
    if (off) {
        /* "/app/<name>/<rest>": the app sees "<rest>" */
        const char *name = url + off;
        size_t name_len = strcspn(name, "/?");
        am_app_t *app = am_app_by_name(am, name, name_len);
        *out_url = name[name_len] == '/' ? name + name_len + 1 : name + name_len;
        *out_status = INTERNAL_SERVER_ERROR_5_00;
        return app;
    }
    *out_status = NOT_FOUND_4_04;
    for (am_resource_t *r = am->resources; r; r = r->next)
        if (check_url_start(url, len, r->url))
            return am_app_by_id(am, r->app_id);
    return NULL;
}

static am_msg_t *request_msg(const request_t *req, const char *url, uint32_t sender,
                             uint32_t mid)
{
    request_t r = *req;
    char *packed;
    int size = 0;
    am_msg_t *m;

    r.url = (char *)url;
    r.sender = sender;
    r.mid = mid;
    if (!(packed = pack_request(&r, &size)))
        return NULL;
    m = am_msg_new(AM_MSG_REQUEST, 0, packed, (uint32_t)size);
    free_req_resp_packet(packed);
    if (m) {
        m->wants_answer = true;
        m->sender = sender;
        m->mid = mid;
    }
    return m;
}

/* Queues req for the app its URL names; the status to answer otherwise
 * (0 = queued). */
static int request_deliver(am_t *am, const request_t *req, uint32_t sender, uint32_t mid,
                           bool from_client, const char **out_why)
{
    const char *url;
    int status;
    am_app_t *target;
    am_msg_t *m;
    am_pending_t *p;

    pthread_mutex_lock(&am->lock);
    target = request_target(am, req->url, &url, &status);
    *out_why = status == NOT_FOUND_4_04 ? "no resource matches the URL" : "the app is not found";
    if (target) {
        if (from_client && (p = pending_find(am, mid, NULL)))
            p->target = target->id;
        m = request_msg(req, url, sender, mid);
        if (m && am_app_post(target, m)) {
            status = 0;
        } else {
            afw_free(m);
            status = m ? SERVICE_UNAVAILABLE_5_03 : INTERNAL_SERVER_ERROR_5_00;
            *out_why = m ? "the app's queue is full" : "out of memory";
        }
    }
    pthread_mutex_unlock(&am->lock);
    return status;
}

void am_route_request(am_t *am, am_app_t *app, am_client_t *client, const request_t *req,
                      am_response_fn cb, void *user, uint32_t timeout_ms)
{
    uint32_t sender = app ? app->id : AM_ID_HOST;
    uint32_t mid = app ? req->mid : pending_add(am, client, req, cb, user, timeout_ms);
    const char *why;
    int status;

    if (strlen(req->url) > am->cfg.max_url_len) {
        if (req->action != COAP_EVENT)
            am_reply(am, sender, mid, BAD_REQUEST_4_00, "the URL is too long");
        return;
    }
    if (req->action == COAP_EVENT) {
        am_publish_event(am, sender, req->url, req->fmt, req->payload,
                         req->payload_len > 0 ? (uint32_t)req->payload_len : 0);
        if (!app)
            am_reply(am, sender, mid, CONTENT_2_05, NULL);
        return;
    }
    if (am_applet_handle(am, app, client, req, sender, mid))
        return;
    status = request_deliver(am, req, sender, mid, app == NULL, &why);
    if (status)
        am_reply(am, sender, mid, status, why);
}

/* ------------------------------------------------------------------------
 * The host interface of the app framework
 * ------------------------------------------------------------------------ */

static bool host_register_resource(void *ctx, afw_app_t *fw, const char *url, char *err,
                                   uint32_t err_size)
{
    am_t *am = ctx;
    am_app_t *app = afw_app_owner(fw);
    size_t len = strlen(url), core_len;
    bool ok = true;

    pattern_core(url, &core_len);
    if (core_len == 0 || len > am->cfg.max_url_len) {
        am_set_err(err, err_size, "the URL is empty or longer than %u bytes",
                   am->cfg.max_url_len);
        return false;
    }
    if (is_manager_url(url)) {
        am_set_err(err, err_size, "URL %s belongs to the app manager", url);
        return false;
    }
    pthread_mutex_lock(&am->lock);
    if (app_is_listed(am, app))
        ok = resource_add(am, app, url, err, err_size);
    pthread_mutex_unlock(&am->lock);
    return ok;
}

static bool host_subscribe_event(void *ctx, afw_app_t *fw, const char *url, char *err,
                                 uint32_t err_size)
{
    am_t *am = ctx;

    if (am_sub_add(am, afw_app_owner(fw), NULL, url))
        return true;
    am_set_err(err, err_size, "empty or too long URL, or more than %u subscriptions",
               am->cfg.max_subscriptions);
    return false;
}

static bool host_post_request(void *ctx, afw_app_t *fw, const request_t *req, char *err,
                              uint32_t err_size)
{
    (void)err;
    (void)err_size;
    am_route_request(ctx, afw_app_owner(fw), NULL, req, NULL, NULL, 0);
    return true;
}

static void host_send_response(void *ctx, afw_app_t *fw, const response_t *resp)
{
    am_app_t *app = afw_app_owner(fw);

    if (app->cur_wants_answer && resp->mid == app->cur_mid && resp->reciever == app->cur_sender)
        app->cur_answered = true;
    am_route_response(ctx, app->id, resp);
}

static bool host_post_event(void *ctx, uint32_t app_id, afw_event_kind_t kind, uint32_t id,
                            const void *data, uint32_t len)
{
    static const am_msg_kind_t kinds[] = {
        [AFW_EV_TIMER] = AM_MSG_TIMER,
        [AFW_EV_SENSOR] = AM_MSG_SENSOR,
        [AFW_EV_CONNECTION] = AM_MSG_CONNECTION,
    };
    am_t *am = ctx;
    am_app_t *app;
    am_msg_t *m = NULL;
    bool ok = false;

    if (kind < AFW_EV_TIMER || kind > AFW_EV_CONNECTION)
        return false;
    pthread_mutex_lock(&am->lock);
    if ((app = am_app_by_id(am, app_id)) && (m = am_msg_new(kinds[kind], id, data, len))) {
        m->droppable = kind == AFW_EV_SENSOR;
        ok = am_app_post(app, m);
    }
    pthread_mutex_unlock(&am->lock);
    if (!ok)
        afw_free(m);
    return ok;
}

const afw_host_t am_afw_host = {
    .ctx = NULL,
    .register_resource = host_register_resource,
    .subscribe_event = host_subscribe_event,
    .post_request = host_post_request,
    .send_response = host_send_response,
    .post_event = host_post_event,
};
