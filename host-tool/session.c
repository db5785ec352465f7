/* One exchange with the device (see session.h), as a state machine driven
 * by libuv callbacks: CONNECTING -> SENDING -> WAITING -> ALIVE -> DONE.
 * One timer serves every state: it bounds the connect, each stalled write
 * and the wait for the response by -t, and the ALIVE state by -a. */
#include "session.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <uv.h>

#include "conn.h"
#include "link_parser.h"
#include "shared_utils.h"

#define CHUNK_SIZE (16 * 1024)    /* bytes per write: the progress granularity */
#define PROGRESS_MIN (64 * 1024)  /* installs above this show a progress line */

typedef enum { ST_CONNECTING, ST_SENDING, ST_WAITING, ST_ALIVE, ST_DONE } state_t;

typedef struct session {
    const cli_options_t *opts;
    const msg_t *msg;
    out_t *out;
    uv_loop_t loop;
    uv_timer_t timer;
    conn_t *conn; /* NULL once closed */
    lp_parser_t *parser;
    state_t state;
    size_t sent;      /* bytes of msg written */
    size_t in_flight; /* bytes of the write under way */
    int exit_code;    /* valid in ALIVE and DONE */
    int progress_pct; /* last percentage shown, -1 before the first */
    bool progress_open; /* a progress line awaits its newline */
} session_t;

/* ========================================================================
 * Ending
 * ======================================================================== */

static void end_progress(session_t *s)
{
    if (s->progress_open) {
        fputc('\n', stderr);
        s->progress_open = false;
    }
}

static void warn(session_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(session_t *s, const char *fmt, ...)
{
    va_list ap;

    end_progress(s);
    fputs("host_tool: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Stops everything; uv_run returns once the connection is closed. */
static void finish(session_t *s, int exit_code)
{
    if (s->state == ST_DONE)
        return;
    end_progress(s);
    s->state = ST_DONE;
    s->exit_code = exit_code;
    uv_timer_stop(&s->timer);
    conn_close(s->conn);
    s->conn = NULL;
}

static void on_timer(uv_timer_t *timer)
{
    session_t *s = timer->data;

    switch (s->state) {
    case ST_CONNECTING:
        if (conn_handshaking(s->conn))
            warn(s, "TLS handshake with %s failed: no answer within %u ms (does the device "
                 "use TLS?)", conn_peer(s->conn), s->opts->timeout_ms);
        else
            warn(s, "cannot connect to %s: no answer within %u ms", conn_peer(s->conn),
                 s->opts->timeout_ms);
        finish(s, SESSION_EXIT_ERROR);
        break;
    case ST_SENDING:
    case ST_WAITING:
        end_progress(s);
        out_timeout(s->out);
        finish(s, SESSION_EXIT_TIMEOUT);
        break;
    case ST_ALIVE: finish(s, s->exit_code); break;
    case ST_DONE: break;
    }
}

static void arm(session_t *s, uint32_t ms)
{
    uv_timer_start(&s->timer, on_timer, ms, 0);
}

/* ========================================================================
 * Sending
 * ======================================================================== */

/* "\rinstall NAME: P% (DONE/TOTAL bytes)" on stderr, for big installs only,
 * written = bytes of msg handed to the kernel; stdout stays exactly the
 * reference's. */
static void show_progress(session_t *s, size_t written)
{
    const msg_t *m = s->msg;
    size_t done;
    int pct;

    if (m->payload_size <= PROGRESS_MIN)
        return;
    done = written > m->payload_offset ? written - m->payload_offset : 0;
    if (done > m->payload_size)
        done = m->payload_size;
    pct = (int)(done * 100 / m->payload_size);
    if (pct == s->progress_pct)
        return;
    s->progress_pct = pct;
    fprintf(stderr, "\rinstall %s: %d%% (%zu/%zu bytes)", s->opts->name, pct, done,
            m->payload_size);
    fflush(stderr);
    s->progress_open = true;
    if (done == m->payload_size)
        end_progress(s);
}

static void send_next(session_t *s)
{
    size_t left = s->msg->size - s->sent;
    char err[512];

    s->in_flight = left < CHUNK_SIZE ? left : CHUNK_SIZE;
    if (!conn_write(s->conn, s->msg->bytes + s->sent, s->in_flight, err, sizeof(err))) {
        warn(s, "%s", err);
        finish(s, SESSION_EXIT_ERROR);
    }
}

static void on_open(void *user, const char *error)
{
    session_t *s = user;

    if (error) {
        warn(s, "%s", error);
        finish(s, SESSION_EXIT_ERROR);
        return;
    }
    s->state = ST_SENDING;
    arm(s, s->opts->timeout_ms);
    send_next(s);
}

static void on_written(void *user, const char *error)
{
    session_t *s = user;

    /* Not SENDING: the device answered before taking everything (e.g. 141
     * too large); the rest is not needed. */
    if (s->state != ST_SENDING)
        return;
    if (error) {
        warn(s, "sending to %s failed: %s", conn_peer(s->conn), error);
        finish(s, SESSION_EXIT_ERROR);
        return;
    }
    s->sent += s->in_flight;
    show_progress(s, s->sent);
    arm(s, s->opts->timeout_ms); /* -t bounds each stall, then the wait */
    if (s->sent < s->msg->size)
        send_next(s);
    else
        s->state = ST_WAITING;
}

/* ========================================================================
 * Receiving
 * ======================================================================== */

static void take_response(session_t *s, uint8_t *payload, uint32_t size)
{
    response_t r;

    if (!unpack_response((char *)payload, (int)size, &r)) {
        warn(s, "ignored a malformed response (%u bytes)", size);
        return;
    }
    /* Only the reply to this run's request ends the wait. Others are
     * ignored, as the reference does: a device may still be answering an
     * earlier run's request that timed out. A repeat of ours is ignored too. */
    if (r.mid != s->msg->mid || s->state == ST_ALIVE)
        return;
    /* libuv may report the last write after the reply is read: count what
     * the kernel already has, so a complete install shows 100%. */
    if (s->state == ST_SENDING)
        show_progress(s, s->sent + s->in_flight - conn_unsent(s->conn));
    end_progress(s);
    out_response(s->out, &r);
    if (s->opts->alive_ms == 0) {
        finish(s, r.status);
        return;
    }
    s->exit_code = r.status;
    s->state = ST_ALIVE;
    arm(s, s->opts->alive_ms);
}

static void take_event(session_t *s, uint8_t *payload, uint32_t size)
{
    request_t ev;

    if (!unpack_request((char *)payload, (int)size, &ev)) {
        warn(s, "ignored a malformed event (%u bytes)", size);
        return;
    }
    /* As the reference: events are shown for -s/-d only. A WAMR device keeps
     * host subscriptions across connections, so any run may receive them. */
    if (s->opts->op == CLI_OP_REGISTER || s->opts->op == CLI_OP_DEREGISTER)
        out_event(s->out, &ev);
}

/* Every complete message of a read arrives here, in order. */
static void on_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    session_t *s = user;

    /* Done (e.g. the response with -a 0): the rest of the read is dropped. */
    if (s->state == ST_DONE)
        return;
    if (type == LP_TYPE_RESPONSE)
        take_response(s, payload, size);
    else if (type == LP_TYPE_REQUEST)
        take_event(s, payload, size);
    else
        warn(s, "ignored a type-%u link message from the device", type);
}

static void on_link_error(void *user, lp_error_t err, uint16_t type, uint32_t size,
                          const uint8_t *head, uint32_t head_len)
{
    session_t *s = user;

    (void)head;
    (void)head_len;
    switch (err) {
    case LP_ERR_GARBAGE: warn(s, "skipped %u bytes of garbage from the device", size); break;
    case LP_ERR_BAD_TYPE: warn(s, "skipped a link header with undefined type %u", type); break;
    case LP_ERR_BAD_SIZE: warn(s, "skipped a link header with absurd size %u", size); break;
    case LP_ERR_TOO_LARGE: warn(s, "skipped a %u-byte message: too large", size); break;
    case LP_ERR_UNUSED_TYPE: warn(s, "ignored a type-%u link message", type); break;
    case LP_ERR_EMPTY: warn(s, "ignored an empty type-%u link message", type); break;
    case LP_ERR_NO_MEMORY: warn(s, "out of memory receiving a %u-byte message", size); break;
    }
}

static void on_data(void *user, const uint8_t *data, size_t len)
{
    session_t *s = user;

    lp_feed(s->parser, data, len);
}

static void on_closed(void *user, const char *why)
{
    session_t *s = user;

    if (s->state == ST_ALIVE) {
        finish(s, s->exit_code); /* nothing more can arrive */
        return;
    }
    warn(s, "connection to %s ended before the response: %s", conn_peer(s->conn), why);
    finish(s, SESSION_EXIT_ERROR);
}

/* ========================================================================
 * The run
 * ======================================================================== */

static void start(session_t *s)
{
    const conn_handlers_t handlers = { on_open, on_data, on_closed, on_written, s };
    const cli_options_t *o = s->opts;
    char err[512] = "";

    if (o->uart)
        s->conn = conn_open_uart(&s->loop, o->uart, o->baud, &handlers, err, sizeof(err));
    else if (o->tls.enabled)
        s->conn = conn_open_tls(&s->loop, o->address, o->port, &o->tls, &handlers, err,
                                sizeof(err));
    else
        s->conn = conn_open_tcp(&s->loop, o->address, o->port, &handlers, err, sizeof(err));
    if (!s->conn) {
        warn(s, "%s", err);
        s->state = ST_DONE;
        return;
    }
    arm(s, o->timeout_ms);
    if (o->uart) /* a UART is ready once opened */
        on_open(s, NULL);
}

int session_run(const cli_options_t *opts, const msg_t *msg, out_t *out)
{
    session_t s = { .opts = opts, .msg = msg, .out = out, .state = ST_CONNECTING,
                    .exit_code = SESSION_EXIT_ERROR, .progress_pct = -1 };
    lp_config_t cfg = { 0, 0, on_message, on_link_error, &s };
    int rc = uv_loop_init(&s.loop);

    if (rc < 0) {
        warn(&s, "cannot start the event loop: %s", uv_strerror(rc));
        return SESSION_EXIT_ERROR;
    }
    uv_timer_init(&s.loop, &s.timer);
    s.timer.data = &s;
    if (!(s.parser = lp_new(&cfg))) {
        warn(&s, "out of memory");
        s.state = ST_DONE;
    } else {
        start(&s);
    }
    uv_run(&s.loop, UV_RUN_DEFAULT);
    /* Everything else is closed by now; the timer is closed last. */
    uv_close((uv_handle_t *)&s.timer, NULL);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
    lp_free(s.parser);
    return s.exit_code;
}
