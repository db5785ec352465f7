/* Links that reopen by themselves (TCP client, UART): after a failed attempt
 * or a dropped connection the next attempt waits reconnect_min_ms, doubling
 * up to reconnect_max_ms, and back to the minimum once a connection came up.
 * Each distinct failure is logged once, so a host that stays away for hours
 * costs one log line, not one per attempt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_internal.h"

static void on_timer(uv_timer_t *timer)
{
    tp_link_t *link = timer->data;

    link->start(link);
}

tp_link_t *tpi_link_new(tp_host_t *h, void (*start)(tp_link_t *link))
{
    tp_link_t *link = calloc(1, sizeof *link);

    if (!link)
        return NULL;
    link->host = h;
    link->start = start;
    link->delay_ms = h->opt.reconnect_min_ms;
    uv_timer_init(&h->loop, &link->timer);
    link->timer.data = link;
    link->next = h->links;
    h->links = link;
    return link;
}

void tpi_link_up(tp_link_t *link)
{
    tp_host_t *h = link->host;

    link->delay_ms = h->opt.reconnect_min_ms;
    link->last_err[0] = '\0';
    tpi_stats_add(h, &h->stats.opened, 1);
}

/* why: the attempt's failure, or NULL after a connection that was up
 * dropped (already logged as a disconnect). */
void tpi_link_retry(tp_link_t *link, const char *why)
{
    tp_host_t *h = link->host;

    if (h->freeing)
        return;
    if (why) {
        tpi_stats_add(h, &h->stats.open_failures, 1);
        if (strcmp(why, link->last_err) != 0) {
            tpi_log(h, 1, "%s: %s (retrying, at most every %u ms)", link->name, why,
                    h->opt.reconnect_max_ms);
            snprintf(link->last_err, sizeof link->last_err, "%s", why);
        }
    }
    uv_timer_start(&link->timer, on_timer, link->delay_ms, 0);
    link->delay_ms = link->delay_ms > h->opt.reconnect_max_ms / 2 ? h->opt.reconnect_max_ms
                                                                  : 2 * link->delay_ms;
}

static void on_link_closed(uv_handle_t *handle)
{
    tp_link_t *link = handle->data;

    free(link->path);
    free(link);
}

/* tp_host_free: the link's connection is closed already. */
void tpi_link_close(tp_link_t *link)
{
    uv_timer_stop(&link->timer);
    uv_close((uv_handle_t *)&link->timer, on_link_closed);
}
