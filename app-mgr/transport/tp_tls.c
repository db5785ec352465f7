/* TLS on the TCP links (transport.h, tp_tls_*): mbedTLS 2.28, TLS 1.2 with
 * ECDHE AEAD suites, over memory instead of sockets. The bytes libuv reads
 * are handed to mbedTLS through the receive callback for as long as one
 * read lasts; the records it produces become chunks of the connection's
 * output queue. Every mbedTLS call happens on the loop thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tp_internal.h"

#define DEFAULT_HANDSHAKE_MS 10000

/* TLS record types (RFC 5246 6.2.1) seen by the record tracker. */
#define RECORD_ALERT 21
#define RECORD_HANDSHAKE 22

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
     * empty, so nothing is left over when the read ends. */
    const uint8_t *in;
    size_t in_len;
    /* The record tracker (see track). */
    uint8_t hdr[5], hdr_got;
    size_t body_left, body_pos;
    uint8_t first[2], first_got; /* the peer's first bytes */
    int alert;                   /* a clear-text alert description, -1 = none */
    bool renegotiation;
};

/* The suites we offer and accept: forward secret, authenticated encryption. */
static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0};

/* Key exchange curves, preferred first: the fast ones. mbedTLS's default
 * puts secp521r1 first, which costs a device several times more per
 * handshake. P-256 also covers the usual ECDSA certificates. */
static const mbedtls_ecp_group_id curves[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE};

/* ------------------------------------------------------------------------
 * Configuration (tp_tls_new: any thread, before the host uses it)
 * ------------------------------------------------------------------------ */

/* A message saying whether the file is missing or unreadable, or what
 * mbedTLS did not like in it. */
static bool load_failed(char *err, uint32_t err_size, const char *what, const char *file,
                        int ret)
{
    FILE *f = fopen(file, "rb");
    char text[128];

    if (!f) {
        tpi_set_err(err, err_size, "cannot read %s %s: %s", what, file, strerror(errno));
        return false;
    }
    fclose(f);
    mbedtls_strerror(ret, text, sizeof text);
    tpi_set_err(err, err_size, "cannot load %s %s: %s", what, file, text);
    return false;
}

static bool load_files(tp_tls_t *tls, const tp_tls_options_t *opt, char *err, uint32_t err_size)
{
    int ret;

    if ((ret = mbedtls_x509_crt_parse_file(&tls->cert, opt->cert_file)) != 0)
        return load_failed(err, err_size, "certificate", opt->cert_file, ret);
    if ((ret = mbedtls_pk_parse_keyfile(&tls->key, opt->key_file, NULL)) != 0)
        return load_failed(err, err_size, "private key", opt->key_file, ret);
    if (mbedtls_pk_check_pair(&tls->cert.pk, &tls->key) != 0) {
        tpi_set_err(err, err_size, "private key %s does not match certificate %s",
                    opt->key_file, opt->cert_file);
        return false;
    }
    if (!opt->ca_file)
        return true;
    if ((ret = mbedtls_x509_crt_parse_file(&tls->ca, opt->ca_file)) != 0)
        return load_failed(err, err_size, "CA certificate", opt->ca_file, ret);
    tls->has_ca = true;
    return true;
}

/* TLS 1.2 only (1.3 is experimental in mbedTLS 2.28), our suites, our
 * certificate; the peer's certificate is required exactly when we have a
 * CA to check it against. Renegotiation stays disabled, as the defaults
 * have it; the record tracker also closes a connection that tries it. */
static int configure(tp_tls_t *tls, mbedtls_ssl_config *conf, int endpoint)
{
    int ret = mbedtls_ssl_config_defaults(conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);

    if (ret != 0)
        return ret;
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &tls->drbg);
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(conf, suites);
    mbedtls_ssl_conf_curves(conf, curves);
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
    static const char personal[] = "wr device tls";
    char text[128];
    int ret;

    ret = mbedtls_ctr_drbg_seed(&tls->drbg, mbedtls_entropy_func, &tls->entropy,
                                (const unsigned char *)personal, sizeof personal - 1);
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
        tpi_set_err(err, err_size, "cannot set up TLS: %s", text);
        return false;
    }
    return true;
}

tp_tls_t *tp_tls_new(const tp_tls_options_t *opt, char *err, uint32_t err_size)
{
    tp_tls_t *tls;

    if (!opt || !opt->cert_file || !opt->key_file) {
        tpi_set_err(err, err_size, "TLS needs a certificate and its private key");
        return NULL;
    }
    if (!(tls = calloc(1, sizeof *tls))) {
        tpi_set_err(err, err_size, "out of memory");
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
    static const struct {
        uint32_t flag;
        const char *text;
    } known[] = {
        {MBEDTLS_X509_BADCERT_NOT_TRUSTED, "not signed by the CA"},
        {MBEDTLS_X509_BADCERT_CN_MISMATCH, "issued for another name"},
        {MBEDTLS_X509_BADCERT_EXPIRED, "expired"},
        {MBEDTLS_X509_BADCERT_FUTURE, "not valid yet"},
        {MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE,
         "not meant for this use"},
        {MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY,
         "weak signature or key"},
    };
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if ((flags & known[i].flag) && used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "; " : "",
                                     known[i].text);
    }
    if (!out[0])
        snprintf(out, size, "rejected (verify flags 0x%x)", (unsigned)flags);
}

static void describe(const tpi_tls_t *t, int ret, char *out, size_t size)
{
    char text[128];

    if (t->renegotiation) {
        snprintf(out, size, "renegotiation attempt (not allowed)");
    } else if (!t->up && t->first_got == 2 && t->first[0] == 0x12 && t->first[1] == 0x34) {
        snprintf(out, size, "the peer speaks the plain link protocol, not TLS");
    } else if (ret == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) {
        snprintf(out, size, "no client certificate (one signed by the CA is required)");
    } else if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        verify_text(mbedtls_ssl_get_verify_result(&t->ssl), text, sizeof text);
        snprintf(out, size, "%s certificate verify failed (%s)",
                 t->conn->kind == TP_CLIENT ? "host" : "client", text);
    } else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && t->alert >= 0) {
        snprintf(out, size, "the peer sent alert %d (%s)", t->alert,
                 alert_name(t->alert) ? alert_name(t->alert) : "fatal");
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

/* Follows the record layer (type u8, version u16, length u16, body) of the
 * bytes handed to mbedTLS, for what its API does not tell: the peer's first
 * bytes, an alert it sent in clear (during the handshake), and a handshake
 * record after the handshake, which in TLS 1.2 can only start a
 * renegotiation. False for that one: the connection ends. */
static bool track(tpi_tls_t *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t->first_got < 2)
            t->first[t->first_got++] = p[i];
        if (t->body_left > 0) {
            if (t->hdr[0] == RECORD_ALERT && t->hdr[3] == 0 && t->hdr[4] == 2 && t->body_pos == 1)
                t->alert = p[i]; /* level, then description */
            t->body_pos++;
            t->body_left--;
            continue;
        }
        t->hdr[t->hdr_got++] = p[i];
        if (t->hdr_got < sizeof t->hdr)
            continue;
        t->hdr_got = 0;
        t->body_left = (size_t)t->hdr[3] << 8 | t->hdr[4];
        t->body_pos = 0;
        if (t->up && t->hdr[0] == RECORD_HANDSHAKE) {
            t->renegotiation = true;
            return false;
        }
    }
    return true;
}

static int bio_recv(void *user, unsigned char *buf, size_t size)
{
    tpi_tls_t *t = user;
    size_t n = size < t->in_len ? size : t->in_len;

    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (!track(t, t->in, n))
        return MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE;
    memcpy(buf, t->in, n);
    t->in += n;
    t->in_len -= n;
    return (int)n;
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
 * first, then records into plaintext for the session. mbedTLS may say
 * WANT_READ with bytes left (after a warning alert), so only an empty read
 * with nothing buffered ends the loop. */
static void drive(tp_conn_t *c)
{
    tpi_tls_t *t = c->tls;
    uint8_t plain[16 * 1024];

    while (!c->closing) {
        size_t before = t->in_len;
        int ret = t->up ? mbedtls_ssl_read(&t->ssl, plain, sizeof plain)
                        : mbedtls_ssl_handshake(&t->ssl);

        if (ret > 0 && t->up) {
            tpi_conn_feed(c, plain, (size_t)ret);
        } else if (ret == 0 && !t->up) {
            if (!handshake_done(c))
                return;
        } else if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ ||
                   ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if ((t->in_len == 0 || t->in_len == before) && !mbedtls_ssl_check_pending(&t->ssl))
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

    t->in = data;
    t->in_len = size;
    drive(c); /* c may be closing now, but is not released before the loop's next turn */
    t->in = NULL;
    t->in_len = 0;
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
    t->alert = -1;
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
