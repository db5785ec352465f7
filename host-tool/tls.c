/* host_tool's TLS client (see tls.h): one mbedTLS context whose receive
 * callback takes from the bytes conn.c read and whose send callback gives
 * records back to conn.c. TLS 1.2 with ECDHE AEAD suites; the device's
 * certificate is checked against --tls-ca and the expected name unless
 * --tls-insecure says not to. */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/error.h>

#include "link_tls.h"

struct tls_client {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    tls_send_fn send;
    void *user;
    /* The input being used (tls_client_input); its tracker catches the
     * description of an alert the device sent in clear during the
     * handshake (mbedTLS only says "fatal alert"). */
    link_tls_input_t in;
    bool up;
    bool has_cert;
    char name[256]; /* the name expected in the device's certificate */
};

/* ========================================================================
 * Messages
 * ======================================================================== */

static void verify_text(const tls_client_t *t, uint32_t flags, char *out, size_t size)
{
    char mismatch[320];

    snprintf(mismatch, sizeof(mismatch), "issued for another name than '%s'; see --tls-name",
             t->name);
    link_tls_verify_reasons(flags, mismatch, "not meant for a TLS server", out, size);
    if (!out[0])
        snprintf(out, size, "verify flags 0x%x", (unsigned)flags);
}

/* An alert the device sent during the handshake, in words. */
static void alert_text(const tls_client_t *t, char *out, size_t size)
{
    const char *cert_problem = NULL;

    switch (t->in.alert) {
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
        snprintf(out, size, "the device refused the handshake (handshake failure alert)%s",
                 t->has_cert ? "" : "; it may require a client certificate (--tls-cert, "
                                    "--tls-key)");
        return;
    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
        cert_problem = "not signed by a CA the device trusts";
        break;
    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT: cert_problem = "bad certificate"; break;
    case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT: cert_problem = "unsupported certificate"; break;
    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED: cert_problem = "certificate expired"; break;
    case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN: cert_problem = "certificate unknown"; break;
    case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED: cert_problem = "access denied"; break;
    case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
        snprintf(out, size, "the device does not speak TLS 1.2 (protocol version alert)");
        return;
    default:
        snprintf(out, size, "the device sent fatal alert %d", t->in.alert);
        return;
    }
    snprintf(out, size, "the device rejected our client certificate: %s (alert %d)", cert_problem,
             t->in.alert);
}

static void describe(const tls_client_t *t, int ret, char *out, size_t size)
{
    char text[256];

    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        verify_text(t, mbedtls_ssl_get_verify_result(&t->ssl), text, sizeof(text));
        snprintf(out, size, "certificate verify failed (%s)", text);
    } else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && t->in.alert >= 0) {
        alert_text(t, out, size);
    } else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        snprintf(out, size, "closed by the device (close_notify)");
    } else {
        mbedtls_strerror(ret, text, sizeof(text));
        snprintf(out, size, "%s", text);
    }
}

const char *tls_client_hint(const tls_client_t *t)
{
    return t->has_cert ? "does it trust our client certificate?"
                       : "does it require a client certificate (--tls-cert, --tls-key)?";
}

/* ========================================================================
 * Setup
 * ======================================================================== */

static bool load_files(tls_client_t *t, const tls_options_t *o, char *err, size_t err_size)
{
    int ret;

    if (o->ca_file && (ret = mbedtls_x509_crt_parse_file(&t->ca, o->ca_file)) != 0)
        return link_tls_load_failed("--tls-ca", o->ca_file, ret, err, err_size);
    if (!o->cert_file)
        return true;
    if (!link_tls_load_pair(&t->cert, "--tls-cert", o->cert_file, &t->key, "--tls-key",
                            o->key_file, err, err_size))
        return false;
    t->has_cert = true;
    return true;
}

static int bio_recv(void *user, unsigned char *buf, size_t size);
static int bio_send(void *user, const unsigned char *data, size_t size);

/* The link's TLS settings (link_tls.h), and the device's certificate
 * required unless --tls-insecure. */
static int configure(tls_client_t *t, const tls_options_t *o)
{
    int ret = link_tls_seed(&t->drbg, &t->entropy, "wr host_tool tls");

    if (ret == 0)
        ret = link_tls_configure(&t->conf, MBEDTLS_SSL_IS_CLIENT, &t->drbg);
    if (ret != 0)
        return ret;
    mbedtls_ssl_conf_authmode(&t->conf, o->insecure ? MBEDTLS_SSL_VERIFY_NONE
                                                    : MBEDTLS_SSL_VERIFY_REQUIRED);
    if (o->ca_file)
        mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    if (t->has_cert && (ret = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key)) != 0)
        return ret;
    if ((ret = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0)
        return ret;
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    /* The name to check, also sent as SNI (an IP literal too: the device ignores SNI). */
    return mbedtls_ssl_set_hostname(&t->ssl, t->name);
}

tls_client_t *tls_client_new(const tls_options_t *opts, const char *address, tls_send_fn send,
                             void *user, char *err, size_t err_size)
{
    tls_client_t *t = calloc(1, sizeof(*t));
    char text[160];
    int ret;

    if (!t) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_x509_crt_init(&t->cert);
    mbedtls_pk_init(&t->key);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ssl_init(&t->ssl);
    t->send = send;
    t->user = user;
    link_tls_input_init(&t->in);
    snprintf(t->name, sizeof(t->name), "%s", opts->server_name ? opts->server_name : address);
    if (!load_files(t, opts, err, err_size))
        goto fail;
    if ((ret = configure(t, opts)) != 0) {
        mbedtls_strerror(ret, text, sizeof(text));
        snprintf(err, err_size, "cannot set up TLS: %s", text);
        goto fail;
    }
    return t;
fail:
    tls_client_free(t);
    return NULL;
}

void tls_client_free(tls_client_t *t)
{
    if (!t)
        return;
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_pk_free(&t->key);
    mbedtls_x509_crt_free(&t->cert);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    free(t);
}

/* ========================================================================
 * The memory BIO
 * ======================================================================== */

/* A request to renegotiate is left to mbedTLS, which declines it. */
static int bio_recv(void *user, unsigned char *buf, size_t size)
{
    tls_client_t *t = user;

    return link_tls_input_recv(&t->in, buf, size, false);
}

static int bio_send(void *user, const unsigned char *data, size_t size)
{
    tls_client_t *t = user;

    return t->send(t->user, data, size) ? (int)size : MBEDTLS_ERR_SSL_ALLOC_FAILED;
}

/* ========================================================================
 * The connection
 * ======================================================================== */

void tls_client_input(tls_client_t *t, const uint8_t *data, size_t size)
{
    link_tls_input_set(&t->in, data, size);
}

bool tls_client_up(const tls_client_t *t)
{
    return t->up;
}

tls_result_t tls_client_handshake(tls_client_t *t, char *err, size_t err_size)
{
    for (;;) {
        size_t before = t->in.len;
        int ret = mbedtls_ssl_handshake(&t->ssl);

        if (ret == 0) {
            t->up = true;
            return TLS_DONE;
        }
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            describe(t, ret, err, err_size);
            return TLS_FAILED;
        }
        if (link_tls_input_used_up(&t->in, before, &t->ssl))
            return TLS_AGAIN;
    }
}

long tls_client_read(tls_client_t *t, uint8_t *buf, size_t size, char *err, size_t err_size)
{
    for (;;) {
        size_t before = t->in.len;
        int ret = mbedtls_ssl_read(&t->ssl, buf, size);

        if (ret > 0)
            return ret;
        if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            describe(t, ret, err, err_size);
            return -1;
        }
        if (link_tls_input_used_up(&t->in, before, &t->ssl))
            return 0;
    }
}

bool tls_client_write(tls_client_t *t, const uint8_t *data, size_t size, char *err,
                      size_t err_size)
{
    while (size > 0) {
        int n = mbedtls_ssl_write(&t->ssl, data, size);

        if (n < 0) {
            describe(t, n, err, err_size);
            return false;
        }
        data += n;
        size -= (size_t)n;
    }
    return true;
}

void tls_client_close(tls_client_t *t)
{
    if (t->up)
        mbedtls_ssl_close_notify(&t->ssl);
}
