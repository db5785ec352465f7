/* Helpers shared by the app manager's test programs (see am_test_util.h). */
#include "am_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

uint8_t *am_test_read_file(const char *path, uint32_t *out_size)
{
    FILE *f = fopen(path, "rb");
    long size;
    uint8_t *buf;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)size);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *out_size = (uint32_t)size;
    return buf;
}

bool am_test_start(const am_config_t *cfg, am_log_fn log, am_event_fn on_event,
                   am_t **out_am, am_client_t **out_client)
{
    char err[256];
    am_config_t c;

    if (cfg)
        c = *cfg;
    else
        am_config_default(&c);
    c.log = log;
    *out_client = NULL;
    *out_am = am_start(&c, err, sizeof err);
    if (!*out_am) {
        printf("am_start: %s\n", err);
        return false;
    }
    *out_client = am_client_open(*out_am, on_event, NULL);
    if (*out_client)
        return true;
    printf("am_client_open failed\n");
    am_shutdown(*out_am);
    *out_am = NULL;
    return false;
}

void reply_init(reply_t *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
}

void reply_fini(reply_t *r)
{
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
}

void on_reply(void *user, const response_t *resp)
{
    reply_t *r = user;

    pthread_mutex_lock(&r->lock);
    r->calls++;
    r->done = true;
    if (!resp) {
        r->timed_out = true;
    } else {
        r->status = resp->status;
        r->fmt = resp->fmt;
        r->mid = resp->mid;
        r->reciever = (uint32_t)resp->reciever;
        r->len = resp->payload_len < (int)sizeof r->payload - 1 ? resp->payload_len
                                                                 : (int)sizeof r->payload - 1;
        if (r->len > 0)
            memcpy(r->payload, resp->payload, (size_t)r->len);
        r->payload[r->len > 0 ? r->len : 0] = '\0';
    }
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

bool reply_wait(reply_t *r, unsigned ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    pthread_mutex_lock(&r->lock);
    while (!r->done)
        if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) != 0)
            break;
    bool done = r->done;
    pthread_mutex_unlock(&r->lock);
    return done;
}
