/* Routing (contract 4.3 and 4.4): the resource and event registries, where
 * a request goes, where a response goes back to, event fan-out, the
 * requests clients wait on, and the host interface the app framework calls
 * from natives and manager threads. Also what apps may do to each other:
 * the manager's URLs need a permission, a response is accepted only from
 * the app that was asked, and per-app limits (event rate, share of another
 * app's queue) make an abusive app the only one that notices its abuse. */
#include <stdarg.h>
#include <stdio.h>
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

/* The URLs the manager serves itself, which apps need a grant for
 * ("/app/<name>/..." only reaches that app). */
static bool is_privileged_url(const char *url)
{
    int len = (int)strlen(url);

    return check_url_start(url, len, "/applet") || check_url_start(url, len, "/event");
}

/* ------------------------------------------------------------------------
 * Permissions and per-app limits (am.lock unless noted). An app refused
 * or over a limit gets an error; the other apps and the hosts go on.
 * ------------------------------------------------------------------------ */

/* Refusals logged per app; later ones are only counted, so that an app
 * refused in a loop cannot flood the log. */
#define AM_REFUSALS_LOGGED 16
#define AM_MILLI 1000u /* the event bucket counts thousandths of an event */

/* A request an app sent to an app and that target has not answered yet:
 * the target alone may answer it, once (am.asked, newest first). */
typedef struct am_asked {
    struct am_asked *next;
    uint32_t target, sender;
    uint32_t mid; /* the sender's own */
} am_asked_t;

static uint32_t event_rate(const am_t *am)
{
    return am->limits.event_rate ? am->limits.event_rate : AM_DEFAULT_EVENT_RATE;
}

static uint32_t event_burst(const am_t *am)
{
    return am->limits.event_burst ? am->limits.event_burst : AM_DEFAULT_EVENT_BURST;
}

/* By default half of an app's queue: one flooding app leaves the other
 * half to the hosts and the other apps. */
static uint32_t sender_queue(const am_t *am)
{
    uint32_t half = am->cfg.queue_len / 2;

    if (am->limits.sender_queue)
        return am->limits.sender_queue;
    return half ? half : 1;
}

void am_set_app_limits(am_t *am, const am_app_limits_t *limits)
{
    if (!am || !limits)
        return;
    pthread_mutex_lock(&am->lock);
    am->limits = *limits;
    pthread_mutex_unlock(&am->lock);
}

/* Caller holds am.lock. */
static bool granted(const am_t *am, const char *name)
{
    for (uint32_t i = 0; i < am->n_grants; i++)
        if (strcmp(am->grants[i], name) == 0)
            return true;
    return false;
}

bool am_granted(am_t *am, const char *name)
{
    bool ok;

    pthread_mutex_lock(&am->lock);
    ok = granted(am, name);
    pthread_mutex_unlock(&am->lock);
    return ok;
}

bool am_grant(am_t *am, const char *name)
{
    size_t len = name ? strlen(name) : 0;
    bool ok;

    if (!am || len == 0 || len > AM_NAME_MAX)
        return false;
    pthread_mutex_lock(&am->lock);
    ok = granted(am, name);
    if (!ok && am->n_grants < AM_MAX_GRANTS) {
        memcpy(am->grants[am->n_grants++], name, len + 1);
        ok = true;
    }
    pthread_mutex_unlock(&am->lock);
    return ok;
}

static void log_refusal(am_t *am, am_app_t *app, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Logs a refusal of something app did, while it has log lines left. */
static void log_refusal(am_t *am, am_app_t *app, const char *fmt, ...)
{
    char line[384];
    va_list ap;

    if (app->n_refusals < UINT32_MAX)
        app->n_refusals++;
    if (app->n_refusals > AM_REFUSALS_LOGGED)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    am_log(am, 1, "app '%s' (id %u): %s%s", app->name, app->id, line,
           app->n_refusals == AM_REFUSALS_LOGGED ? " (its further refusals are not logged)" : "");
}

/* Refuses app's request mid: logged, and answered with status and why.
 * Caller holds no lock. */
static int refuse(am_t *am, am_app_t *app, uint32_t mid, int status, const char *why)
{
    pthread_mutex_lock(&am->lock);
    log_refusal(am, app, "request refused with %d: %s", status, why);
    pthread_mutex_unlock(&am->lock);
    am_reply(am, app->id, mid, status, why);
    return status;
}

/* Records sender's request mid, queued for target (a is taken). A target
 * holds at most twice its queue length of these: past that its oldest one
 * can no longer be answered (its asker has long given up), so that an app
 * that never answers costs bounded memory. */
static void asked_add(am_t *am, am_asked_t *a, uint32_t target, uint32_t sender, uint32_t mid)
{
    am_asked_t **oldest = NULL;
    uint32_t n = 0;

    for (am_asked_t **link = &am->asked; *link; link = &(*link)->next) {
        if ((*link)->target == target) {
            n++;
            oldest = link;
        }
    }
    if (oldest && n >= 2 * am->cfg.queue_len) {
        am_asked_t *old = *oldest;
        *oldest = old->next;
        afw_free(old);
    }
    a->target = target;
    a->sender = sender;
    a->mid = mid;
    a->next = am->asked;
    am->asked = a;
}

/* Consumes the record of sender's request mid answered by target (by any
 * target for AM_ID_APP_MANAGER, which answers for an app that failed);
 * false if there is none: target was not asked, or answered already. */
static bool asked_take(am_t *am, uint32_t target, uint32_t sender, uint32_t mid)
{
    for (am_asked_t **link = &am->asked; *link; link = &(*link)->next) {
        am_asked_t *a = *link;
        if (a->sender == sender && a->mid == mid &&
            (a->target == target || target == AM_ID_APP_MANAGER)) {
            *link = a->next;
            afw_free(a);
            return true;
        }
    }
    return false;
}

/* Requests of app sender waiting in target's queue. */
static uint32_t queued_from(am_app_t *target, uint32_t sender)
{
    uint32_t n = 0;

    pthread_mutex_lock(&target->qlock);
    for (const am_msg_t *m = target->head; m; m = m->next)
        n += m->kind == AM_MSG_REQUEST && m->wants_answer && m->sender == sender;
    pthread_mutex_unlock(&target->qlock);
    return n;
}

/* Brings app's event bucket up to now: it starts full and refills at the
 * event rate, up to the burst. */
static void bucket_refill(const am_t *am, am_app_t *app, uint64_t now)
{
    uint64_t rate = event_rate(am), cap = (uint64_t)event_burst(am) * AM_MILLI, elapsed;

    if (!app->ev_bucket_set) {
        app->ev_bucket_set = true;
        app->ev_tokens = cap;
        app->ev_refill_ms = now;
    }
    elapsed = now - app->ev_refill_ms;
    app->ev_refill_ms = now;
    if (elapsed > cap / rate + 1) /* enough to fill it; keeps the product small */
        elapsed = cap / rate + 1;
    app->ev_tokens += elapsed * rate; /* rate per second = thousandths per ms */
    if (app->ev_tokens > cap)
        app->ev_tokens = cap;
}

/* Whether app may publish one more event now (takes am.lock). Over its
 * rate the event is dropped and counted. The first drop of a burst is
 * logged and answered with 163 (to the event's mid), so that apps written
 * against the reference API, whose publish returns nothing, can notice
 * too; the burst ends once the bucket has filled up again. */
static bool event_admit(am_t *am, am_app_t *app, uint32_t mid)
{
    bool ok, first = false;

    pthread_mutex_lock(&am->lock);
    bucket_refill(am, app, afw_now_ms());
    if (app->ev_dropping && app->ev_tokens == (uint64_t)event_burst(am) * AM_MILLI) {
        am_log(am, 2, "app '%s' (id %u): %u events over the rate limit were dropped in its "
               "last burst", app->name, app->id, app->ev_dropped);
        app->ev_dropping = false;
        app->ev_dropped = 0;
    }
    ok = app->ev_tokens >= AM_MILLI;
    if (ok) {
        app->ev_tokens -= AM_MILLI;
    } else {
        first = !app->ev_dropping;
        app->ev_dropping = true;
        app->ev_dropped += app->ev_dropped < UINT32_MAX;
        if (first)
            am_log(am, 1, "app '%s' (id %u): event rate limit (%u per second, bursts of %u) "
                   "exceeded: its events are dropped until it slows down",
                   app->name, app->id, event_rate(am), event_burst(am));
    }
    pthread_mutex_unlock(&am->lock);
    if (first)
        am_reply(am, app->id, mid, SERVICE_UNAVAILABLE_5_03,
                 "event rate limit exceeded: events are dropped");
    return ok;
}

/* Forgets the requests app_id sent or was asked. */
static void asked_drop_app(am_t *am, uint32_t app_id)
{
    for (am_asked_t **link = &am->asked; *link;) {
        am_asked_t *a = *link;
        if (a->target == app_id || a->sender == app_id) {
            *link = a->next;
            afw_free(a);
        } else {
            link = &a->next;
        }
    }
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
    asked_drop_app(am, app_id);
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

/* Logs a response of app from that nobody may receive (caller holds
 * am.lock). Answers of the manager are not logged: they may be late. */
static void response_refused(am_t *am, uint32_t from, const response_t *resp, const char *to)
{
    am_app_t *app = from != AM_ID_APP_MANAGER ? am_app_by_id(am, from) : NULL;

    if (app)
        log_refusal(am, app,
                    "response (mid %u) to %s dropped: it answers no request of that asker "
                    "waiting for this app (late, duplicate or forged)",
                    (unsigned)resp->mid, to);
}

/* To the client that waits on resp->mid, if from may answer it: the app
 * the request was delivered to, or the manager. */
static void response_to_client(am_t *am, uint32_t from, const response_t *resp)
{
    am_pending_t **link, *p = pending_find(am, resp->mid, &link);
    response_t restored = *resp;
    char *packed;
    int size = 0;
    am_hmsg_t *m;

    if (!p || resp->reciever != AM_ID_HOST || (from != AM_ID_APP_MANAGER && p->target != from)) {
        response_refused(am, from, resp, "the host");
        return;
    }
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

/* Takes am.lock. A response reaches an app only from the app that app's
 * request was delivered to, once (the reference lets any app answer
 * anything, in anyone's name); the manager may always answer. */
void am_route_response(am_t *am, uint32_t from, const response_t *resp)
{
    am_app_t *app;
    char to[AM_NAME_MAX + 8];

    pthread_mutex_lock(&am->lock);
    app = am_app_by_id(am, (uint32_t)resp->reciever);
    if (!app) {
        response_to_client(am, from, resp);
    } else if (asked_take(am, from, app->id, resp->mid) || from == AM_ID_APP_MANAGER) {
        response_to_app(am, app, resp);
    } else {
        snprintf(to, sizeof to, "app '%s'", app->name);
        response_refused(am, from, resp, to);
    }
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
 * (0 = queued). A request of an app (not from_client) is refused with 163
 * while sender_queue() of its requests wait in the target's queue, and is
 * recorded once queued, so that the target alone may answer it. */
static int request_deliver(am_t *am, const request_t *req, uint32_t sender, uint32_t mid,
                           bool from_client, const char **out_why)
{
    const char *url;
    int status;
    am_app_t *target;
    am_msg_t *m;
    am_pending_t *p;
    am_asked_t *asked = from_client ? NULL : afw_calloc(sizeof *asked);

    pthread_mutex_lock(&am->lock);
    target = request_target(am, req->url, &url, &status);
    *out_why = status == NOT_FOUND_4_04 ? "no resource matches the URL" : "the app is not found";
    if (!target)
        goto done;
    status = SERVICE_UNAVAILABLE_5_03;
    if (!from_client && !asked) {
        status = INTERNAL_SERVER_ERROR_5_00;
        *out_why = "out of memory";
    } else if (!from_client && queued_from(target, sender) >= sender_queue(am)) {
        *out_why = "too many requests of this app wait in the target app's queue";
    } else if (!(m = request_msg(req, url, sender, mid))) {
        status = INTERNAL_SERVER_ERROR_5_00;
        *out_why = "out of memory";
    } else if (!am_app_post(target, m)) {
        afw_free(m);
        *out_why = "the app's queue is full";
    } else {
        status = 0;
        if (from_client && (p = pending_find(am, mid, NULL)))
            p->target = target->id;
        if (asked) {
            asked_add(am, asked, target->id, sender, mid);
            asked = NULL;
        }
    }
done:
    pthread_mutex_unlock(&am->lock);
    afw_free(asked);
    return status;
}

/* An event of app (NULL: of the host) for its subscribers; 0 or the status
 * it was refused with. */
static int route_event(am_t *am, am_app_t *app, const request_t *req, uint32_t sender,
                       uint32_t mid)
{
    if (app && strcmp(event_url(req->url), "applets") == 0)
        return refuse(am, app, mid, FORBIDDEN_4_03,
                      "the event /applets is the app manager's own");
    if (app && !event_admit(am, app, mid))
        return SERVICE_UNAVAILABLE_5_03;
    am_publish_event(am, sender, req->url, req->fmt, req->payload,
                     req->payload_len > 0 ? (uint32_t)req->payload_len : 0);
    if (!app)
        am_reply(am, sender, mid, CONTENT_2_05, NULL);
    return 0;
}

/* Routes a request of app, or (app NULL) of client. Returns 0 when it went
 * where it was addressed (an app's queue, the manager, an event's
 * subscribers), else the status it was refused with; a refused request
 * (not an event) is answered with that status too. */
static int route_request(am_t *am, am_app_t *app, am_client_t *client, const request_t *req,
                         am_response_fn cb, void *user, uint32_t timeout_ms)
{
    uint32_t sender = app ? app->id : AM_ID_HOST;
    uint32_t mid = app ? req->mid : pending_add(am, client, req, cb, user, timeout_ms);
    const char *why;
    int status;

    if (strlen(req->url) > am->cfg.max_url_len) {
        if (req->action != COAP_EVENT)
            am_reply(am, sender, mid, BAD_REQUEST_4_00, "the URL is too long");
        return BAD_REQUEST_4_00;
    }
    if (req->action == COAP_EVENT)
        return route_event(am, app, req, sender, mid);
    /* [better] the reference lets any app install, uninstall and subscribe
     * hosts; here only the apps the device granted it */
    if (app && is_privileged_url(req->url) && !app->may_manage_apps)
        return refuse(am, app, mid, FORBIDDEN_4_03,
                      "/applet and /event/ are the app manager's: the device has not "
                      "granted them to this app");
    if (am_applet_handle(am, app, client, req, sender, mid))
        return 0;
    status = request_deliver(am, req, sender, mid, app == NULL, &why);
    if (status == SERVICE_UNAVAILABLE_5_03 && app)
        return refuse(am, app, mid, status, why);
    if (status)
        am_reply(am, sender, mid, status, why);
    return status;
}

void am_route_request(am_t *am, am_app_t *app, am_client_t *client, const request_t *req,
                      am_response_fn cb, void *user, uint32_t timeout_ms)
{
    route_request(am, app, client, req, cb, user, timeout_ms);
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

static int host_post_request(void *ctx, afw_app_t *fw, const request_t *req)
{
    return route_request(ctx, afw_app_owner(fw), NULL, req, NULL, NULL, 0);
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
