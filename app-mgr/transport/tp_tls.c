/* TLS on the TCP links (transport.h, tp_tls_*): mbedTLS 2.28, TLS 1.2 with
 * ECDHE AEAD suites, over memory instead of sockets. The bytes libuv reads
 * are handed to mbedTLS through the receive callback for as long as one
 * read lasts; the records it produces become chunks of the connection's
 * output queue. Every mbedTLS call happens on the loop thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>

#include "link_tls.h"
#include "tp_internal.h"

#define DEFAULT_HANDSHAKE_MS 10000

struct tp_tls {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg; /* seeded once; mbedTLS locks it (THREADING_C) */
    mbedtls_x509_crt cert;         /* ours, with its chain */
    mbedtls_pk_context key;
    mbedtls_x509_crt ca;           /* whom we trust, if anyone */
    bool has_ca;
    mbedtls_ssl_config server;     /* accepted connections */
    mbedtls_ssl_config client;     /* client mode: set up only with a CA */
    bool has_client;
    char *server_name;             /* client mode; NULL = the address connected to */
    uint32_t handshake_ms;
};

/* One connection's TLS state; its memory goes when its timer is closed. */
struct tpi_tls {
    tp_conn_t *conn;
    mbedtls_ssl_context ssl;
    uv_timer_t timer; /* the handshake deadline */
    bool up;          /* the handshake is done: the session is open */
    /* The read being fed (tpi_tls_feed): mbedTLS takes from it until it is
     * empty, so nothing is left over when the read ends. Its tracker also
     * closes a connection that tries renegotiation. */
    link_tls_input_t in;
};

/* ------------------------------------------------------------------------
 * Configuration (tp_tls_new: any thread, before the host uses it)
 * ------------------------------------------------------------------------ */

static bool load_files(tp_tls_t *tls, const tp_tls_options_t *opt, char *err, uint32_t err_size)
{
    int ret;

    if (!link_tls_load_pair(&tls->cert, "certificate", opt->cert_file, &tls->key, "private key",
                            opt->key_file, err, err_size))
        return false;
    if (!opt->ca_file)
        return true;
    if ((ret = mbedtls_x509_crt_parse_file(&tls->ca, opt->ca_file)) != 0)
        return link_tls_load_failed("CA certificate", opt->ca_file, ret, err, err_size);
    tls->has_ca = true;
    return true;
}

/* The link's TLS settings (link_tls.h) and our certificate; the peer's
 * certificate is required exactly when we have a CA to check it against. */
static int configure(tp_tls_t *tls, mbedtls_ssl_config *conf, int endpoint)
{
    int ret = link_tls_configure(conf, endpoint, &tls->drbg);

    if (ret != 0)
        return ret;
    if (tls->has_ca) {
        mbedtls_ssl_conf_ca_chain(conf, &tls->ca, NULL);
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    } else {
        mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_NONE);
    }
    return mbedtls_ssl_conf_own_cert(conf, &tls->cert, &tls->key);
}

static bool setup(tp_tls_t *tls, const tp_tls_options_t *opt, char *err, uint32_t err_size)
{
    char text[128];
    int ret = link_tls_seed(&tls->drbg, &tls->entropy, "wr device tls");

    if (ret == 0 && !load_files(tls, opt, err, err_size))
        return false;
    if (ret == 0)
        ret = configure(tls, &tls->server, MBEDTLS_SSL_IS_SERVER);
    if (ret == 0 && tls->has_ca) {
        ret = configure(tls, &tls->client, MBEDTLS_SSL_IS_CLIENT);
        tls->has_client = ret == 0;
    }
    if (ret == 0 && opt->server_name && !(tls->server_name = strdup(opt->server_name)))
        ret = MBEDTLS_ERR_SSL_ALLOC_FAILED;
    if (ret != 0) {
        mbedtls_strerror(ret, text, sizeof text);
        am_set_err(err, err_size, "cannot set up TLS: %s", text);
        return false;
    }
    return true;
}

tp_tls_t *tp_tls_new(const tp_tls_options_t *opt, char *err, uint32_t err_size)
{
    tp_tls_t *tls;

    if (!opt || !opt->cert_file || !opt->key_file) {
        am_set_err(err, err_size, "TLS needs a certificate and its private key");
        return NULL;
    }
    if (!(tls = calloc(1, sizeof *tls))) {
        am_set_err(err, err_size, "out of memory");
        return NULL;
    }
    mbedtls_entropy_init(&tls->entropy);
    mbedtls_ctr_drbg_init(&tls->drbg);
    mbedtls_x509_crt_init(&tls->cert);
    mbedtls_pk_init(&tls->key);
    mbedtls_x509_crt_init(&tls->ca);
    mbedtls_ssl_config_init(&tls->server);
    mbedtls_ssl_config_init(&tls->client);
    tls->handshake_ms = opt->handshake_timeout_ms ? opt->handshake_timeout_ms
                                                  : DEFAULT_HANDSHAKE_MS;
    if (!setup(tls, opt, err, err_size)) {
        tp_tls_free(tls);
        return NULL;
    }
    return tls;
}

void tp_tls_free(tp_tls_t *tls)
{
    if (!tls)
        return;
    mbedtls_ssl_config_free(&tls->client);
    mbedtls_ssl_config_free(&tls->server);
    mbedtls_x509_crt_free(&tls->ca);
    mbedtls_pk_free(&tls->key);
    mbedtls_x509_crt_free(&tls->cert);
    mbedtls_ctr_drbg_free(&tls->drbg);
    mbedtls_entropy_free(&tls->entropy);
    free(tls->server_name);
    free(tls);
}

void tp_tls_enable(tp_host_t *h, tp_tls_t *tls)
{
    h->tls = tls;
}

bool tpi_tls_can_connect(const tp_tls_t *tls)
{
    return tls->has_client;
}

/* ------------------------------------------------------------------------
 * What went wrong, in words
 * ------------------------------------------------------------------------ */

static const char *alert_name(int alert)
{
    switch (alert) {
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE: return "handshake failure";
    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT: return "bad certificate";
    case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT: return "unsupported certificate";
    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED: return "certificate expired";
    case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN: return "certificate unknown";
    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA: return "unknown CA: our certificate is not trusted";
    case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED: return "access denied";
    case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION: return "protocol version";
    case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY: return "insufficient security";
    default: return NULL;
    }
}

/* The reasons a certificate was rejected, from mbedTLS's verify flags. */
static void verify_text(uint32_t flags, char *out, size_t size)
{
    link_tls_verify_reasons(flags, "issued for another name", "not meant for this use", out,
                            size);
    if (!out[0])
        snprintf(out, size, "rejected (verify flags 0x%x)", (unsigned)flags);
}

static void describe(const tpi_tls_t *t, int ret, char *out, size_t size)
{
    char text[128];

    if (t->in.renegotiation) {
        snprintf(out, size, "renegotiation attempt (not allowed)");
    } else if (!t->up && t->in.first_got == 2 && t->in.first[0] == 0x12 &&
               t->in.first[1] == 0x34) {
        snprintf(out, size, "the peer speaks the plain link protocol, not TLS");
    } else if (ret == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) {
        snprintf(out, size, "no client certificate (one signed by the CA is required)");
    } else if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        verify_text(mbedtls_ssl_get_verify_result(&t->ssl), text, sizeof text);
        snprintf(out, size, "%s certificate verify failed (%s)",
                 t->conn->kind == TP_CLIENT ? "host" : "client", text);
    } else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && t->in.alert >= 0) {
        snprintf(out, size, "the peer sent alert %d (%s)", t->in.alert,
                 alert_name(t->in.alert) ? alert_name(t->in.alert) : "fatal");
    } else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        snprintf(out, size, "closed by the peer (close_notify)");
    } else {
        mbedtls_strerror(ret, text, sizeof text);
        snprintf(out, size, "%s", text);
    }
}

/* ------------------------------------------------------------------------
 * One connection (loop thread)
 * ------------------------------------------------------------------------ */

/* Hands what the socket already takes to it now: a closing connection's
 * pending writes are cancelled, and the alert that says why should reach
 * the peer. uv_try_write refuses while earlier writes are queued, so the
 * byte order holds. */
static void push_now(tp_conn_t *c)
{
    for (tp_chunk_t *k = c->sending.head; k; k = k->next) {
        uv_buf_t buf = uv_buf_init((char *)k->data, (unsigned)k->size);

        if (uv_try_write(&c->uv.stream, &buf, 1) != (int)k->size)
            return;
    }
}

/* Ends c after a TLS failure: one warning (a client's failed attempt is
 * logged by its link instead, once per reason), then the close. */
static void fail(tp_conn_t *c, const char *why)
{
    tpi_tls_t *t = c->tls;
    char line[256];

    snprintf(line, sizeof line, "%s: %s", t->up ? "TLS error" : "TLS handshake failed", why);
    if (!c->link || t->up)
        tpi_log(c->host, 1, "%s: %s: closing the connection", c->name, line);
    push_now(c);
    tpi_conn_close(c, line);
}

static void fail_code(tp_conn_t *c, int ret)
{
    char why[192];

    /* mbedTLS 2.28 just stops here; the alert tells the client why. */
    if (ret == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE)
        mbedtls_ssl_send_alert_message(&c->tls->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                       MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
    describe(c->tls, ret, why, sizeof why);
    fail(c, why);
}

/* A handshake record after the handshake can only start a renegotiation
 * in TLS 1.2: the tracker refuses it, and the connection ends. */
static int bio_recv(void *user, unsigned char *buf, size_t size)
{
    tpi_tls_t *t = user;

    return link_tls_input_recv(&t->in, buf, size, t->up);
}

/* A record (mbedTLS writes whole records) joins the output queue. */
static int bio_send(void *user, const unsigned char *data, size_t size)
{
    tpi_tls_t *t = user;

    return tpi_conn_send_raw(t->conn, data, size) ? (int)size : MBEDTLS_ERR_SSL_ALLOC_FAILED;
}

/* The session opens now, so that it never sees a byte of an unfinished
 * handshake. False: c is closed. */
static bool handshake_done(tp_conn_t *c)
{
    tpi_tls_t *t = c->tls;
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&t->ssl);
    char subject[160] = "";

    t->up = true;
    uv_timer_stop(&t->timer);
    if (!tpi_conn_start(c)) {
        tpi_conn_close(c, "no session");
        return false;
    }
    if (peer)
        mbedtls_x509_dn_gets(subject, sizeof subject, &peer->subject);
    tpi_log(c->host, 2, "%s: %s up (%s%s%s)", c->name, mbedtls_ssl_get_version(&t->ssl),
            mbedtls_ssl_get_ciphersuite(&t->ssl), peer ? ", peer " : "", subject);
    if (c->link)
        tpi_link_up(c->link);
    return true;
}

/* Runs mbedTLS until it has taken every byte of the read: the handshake
 * first, then records into plaintext for the session. */
static void drive(tp_conn_t *c)
{
    tpi_tls_t *t = c->tls;
    uint8_t plain[16 * 1024];

    while (!c->closing) {
        size_t before = t->in.len;
        int ret = t->up ? mbedtls_ssl_read(&t->ssl, plain, sizeof plain)
                        : mbedtls_ssl_handshake(&t->ssl);

        if (ret > 0 && t->up) {
            tpi_conn_feed(c, plain, (size_t)ret);
        } else if (ret == 0 && !t->up) {
            if (!handshake_done(c))
                return;
        } else if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ ||
                   ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (link_tls_input_used_up(&t->in, before, &t->ssl))
                break;
        } else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            tpi_conn_close(c, "closed by the peer (close_notify)"); /* a goodbye, no error */
            return;
        } else {
            fail_code(c, ret);
            return;
        }
    }
    tpi_conn_flush(c); /* handshake records, alerts */
}

/* The peer hung up: worth a warning while the handshake was going on. */
void tpi_tls_closed(tp_conn_t *c, const char *why)
{
    char line[160];

    if (c->closing)
        return;
    if (c->tls->up) {
        tpi_conn_close(c, why);
        return;
    }
    snprintf(line, sizeof line, "the peer closed the connection (%s)", why);
    fail(c, line);
}

void tpi_tls_feed(tp_conn_t *c, const uint8_t *data, size_t size)
{
    tpi_tls_t *t = c->tls;

    link_tls_input_set(&t->in, data, size);
    drive(c); /* c may be closing now, but is not released before the loop's next turn */
    link_tls_input_set(&t->in, NULL, 0);
}

/* A whole message of the session becomes records (several past 16 KiB). */
bool tpi_tls_encrypt(tp_conn_t *c, const uint8_t *data, size_t size)
{
    tpi_tls_t *t = c->tls;

    while (size > 0) {
        int n = mbedtls_ssl_write(&t->ssl, data, size);

        if (n < 0) {
            fail_code(c, n);
            return false;
        }
        data += n;
        size -= (size_t)n;
    }
    return true;
}

static void on_handshake_timeout(uv_timer_t *timer)
{
    tpi_tls_t *t = timer->data;
    tp_conn_t *c = t->conn;
    char why[96];

    if (c->closing || t->up)
        return;
    snprintf(why, sizeof why, "not done within %u ms", c->host->tls->handshake_ms);
    fail(c, why);
}

static void free_on_timer_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* c's memory is going: the TLS state follows once its timer is closed. */
static void tls_release(tp_conn_t *c)
{
    tpi_tls_t *t = c->tls;

    c->tls = NULL;
    mbedtls_ssl_free(&t->ssl);
    uv_close((uv_handle_t *)&t->timer, free_on_timer_closed);
}

bool tpi_tls_start(tp_conn_t *c)
{
    tp_tls_t *tls = c->host->tls;
    bool client = c->kind == TP_CLIENT;
    const char *name = tls->server_name ? tls->server_name : c->link ? c->link->target : NULL;
    tpi_tls_t *t = calloc(1, sizeof *t);

    if (!t) {
        tpi_log(c->host, 0, "%s: no TLS state (out of memory)", c->name);
        return false;
    }
    t->conn = c;
    link_tls_input_init(&t->in);
    mbedtls_ssl_init(&t->ssl);
    if (mbedtls_ssl_setup(&t->ssl, client ? &tls->client : &tls->server) != 0 ||
        (client && mbedtls_ssl_set_hostname(&t->ssl, name) != 0)) {
        tpi_log(c->host, 0, "%s: no TLS state (out of memory)", c->name);
        mbedtls_ssl_free(&t->ssl);
        free(t);
        return false;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    uv_timer_init(&c->host->loop, &t->timer);
    t->timer.data = t;
    uv_timer_start(&t->timer, on_handshake_timeout, tls->handshake_ms, 0);
    c->tls = t;
    c->release = tls_release;
    return true;
}
