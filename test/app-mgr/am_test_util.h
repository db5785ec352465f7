/* Helpers shared by the programs that drive the in-process app manager
 * (test_app_mgr, test_samples, am_measure): starting a manager with the
 * embedder's client, waiting for the reply to one request, reading a file.
 * Nothing here asserts: the callers CHECK what these return. */
#ifndef AM_TEST_UTIL_H
#define AM_TEST_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "app_manager.h"

void sleep_ms(unsigned ms);

/* The whole file (malloc'ed, the caller frees it), or NULL. */
uint8_t *am_test_read_file(const char *path, uint32_t *out_size);

/* Starts a manager with cfg (the defaults when NULL) logging to log, and
 * opens the embedder's client with on_event. False, after printing why,
 * with nothing left running. */
bool am_test_start(const am_config_t *cfg, am_log_fn log, am_event_fn on_event,
                   am_t **out_am, am_client_t **out_client);

/* The reply to one am_request: on_reply (an am_response_fn whose user is
 * the reply_t) fills it in and wakes reply_wait. */
typedef struct reply {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done, timed_out;
    int calls; /* how often the callback ran: must end up 1 */
    int status, fmt;
    uint32_t mid, reciever;
    char payload[8192]; /* NUL-terminated after len bytes */
    int len;
} reply_t;

void reply_init(reply_t *r);
/* After the reply came (or the wait gave up): destroys the lock. */
void reply_fini(reply_t *r);
void on_reply(void *user, const response_t *resp);
/* Waits at most ms (whole seconds) for the reply; whether it came. */
bool reply_wait(reply_t *r, unsigned ms);

#endif
