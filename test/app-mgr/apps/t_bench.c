/* Measurement app (am_measure, not a test): "ping" answers at once;
 * "bench?u=URL&n=N" sends N requests to URL one after the other, timing
 * each round trip inside the app with the monotonic clock, then answers
 * "median_ns=.. p90_ns=.. min_ns=.. max_ns=..". */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tapp.h"

#define MAX_SAMPLES 10000

static uint32_t samples[MAX_SAMPLES];
static int n_wanted, n_done;
static uint32_t asker, ask_mid, pending_mid;
static long long sent_ns;
static char target[128];

EXPORT("on_init") void on_init(void);
void on_init(void)
{
}

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void send_next(void)
{
    sent_ns = now_ns();
    pending_mid = tapp_post(target, COAP_GET, 0, NULL, 0);
}

/* Heap sort: libc-builtin has no qsort. */
static void sift(uint32_t *a, int root, int n)
{
    for (int child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && a[child + 1] > a[child])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

static void sort(uint32_t *a, int n)
{
    for (int i = n / 2 - 1; i >= 0; i--)
        sift(a, i, n);
    for (int end = n - 1; end > 0; end--) {
        uint32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift(a, 0, end);
    }
}

static void report(void)
{
    char text[160];

    sort(samples, n_done);
    snprintf(text, sizeof text, "median_ns=%u p90_ns=%u min_ns=%u max_ns=%u", samples[n_done / 2],
             samples[n_done * 9 / 10], samples[0], samples[n_done - 1]);
    tapp_respond_to(asker, ask_mid, CONTENT_2_05, 0, text, (int)strlen(text));
}

void tapp_response(const response_t *resp)
{
    if (resp->mid != pending_mid || n_done >= n_wanted)
        return;
    samples[n_done++] = (uint32_t)(now_ns() - sent_ns);
    if (n_done < n_wanted)
        send_next();
    else
        report();
}

bool tapp_request(const request_t *req, const char *cmd, const char *args)
{
    if (!strcmp(cmd, "ping")) {
        tapp_reply(req, CONTENT_2_05, 0, NULL, 0);
        return true;
    }
    if (strcmp(cmd, "bench") || !tapp_arg_str(args, "u", target, sizeof target))
        return false;
    n_wanted = tapp_arg_int(args, "n", 1000);
    n_wanted = n_wanted < 1 ? 1 : n_wanted > MAX_SAMPLES ? MAX_SAMPLES : n_wanted;
    n_done = 0;
    asker = (uint32_t)req->sender;
    ask_mid = req->mid;
    send_next();
    return true;
}

void tapp_event(const request_t *event)
{
    (void)event;
}
void tapp_timer(int id)
{
    (void)id;
}
void tapp_sensor(int id, const char *buf, int len)
{
    (void)id, (void)buf, (void)len;
}
void tapp_connection(int handle, const char *buf, int len)
{
    (void)handle, (void)buf, (void)len;
}
