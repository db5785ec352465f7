/* host_tool's TLS client (see tls.h): one mbedTLS context whose receive
 * callback takes from the bytes conn.c read and whose send callback gives
 * records back to conn.c. TLS 1.2 with ECDHE AEAD suites; the device's
 * certificate is checked against --tls-ca and the expected name unless
 * --tls-insecure says not to. */
#include "tls.h"

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

#define RECORD_ALERT 21 /* TLS record type (RFC 5246 6.2.1) */

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
    const uint8_t *in; /* the input being used (tls_client_input) */
    size_t in_len;
    bool up;
    bool has_cert;
    char name[256]; /* the name expected in the device's certificate */
    /* The record tracker: the description of an alert the device sent in
     * clear during the handshake (mbedTLS only says "fatal alert"). */
    uint8_t hdr[5], hdr_got;
    size_t body_left, body_pos;
    int alert; /* -1 = none */
};

static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0};

/* Key exchange curves, preferred first: mbedTLS's default puts secp521r1
 * first, several times slower for us and the device. */
static const mbedtls_ecp_group_id curves[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE};

/* ========================================================================
 * Messages
 * ======================================================================== */

static void mbed_text(int ret, char *out, size_t size)
{
    mbedtls_strerror(ret, out, size);
}

/* Whether the file is missing, or what mbedTLS did not like in it. */
static bool load_failed(const char *option, const char *file, int ret, char *err,
                        size_t err_size)
{
    FILE *f = fopen(file, "rb");
    char text[160];

    if (!f) {
        snprintf(err, err_size, "cannot read %s %s: %s", option, file, strerror(errno));
        return false;
    }
    fclose(f);
    mbed_text(ret, text, sizeof(text));
    snprintf(err, err_size, "cannot load %s %s: %s", option, file, text);
    return false;
}

/* Joins one more reason to out ("a; b"), cut to fit. */
static void append(char *out, size_t size, const char *text)
{
    size_t used = strlen(out), n = strlen(text);

    if (used > 0 && used + 2 < size) {
        memcpy(out + used, "; ", 2);
        used += 2;
    }
    if (used + n >= size)
        n = size - used - 1;
    memcpy(out + used, text, n);
    out[used + n] = '\0';
}

static void verify_text(const tls_client_t *t, uint32_t flags, char *out, size_t size)
{
    char mismatch[320];

    out[0] = '\0';
    snprintf(mismatch, sizeof(mismatch), "issued for another name than '%s'; see --tls-name",
             t->name);
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        append(out, size, "not signed by the CA");
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        append(out, size, mismatch);
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
        append(out, size, "expired");
    if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        append(out, size, "not valid yet");
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE))
        append(out, size, "not meant for a TLS server");
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                 MBEDTLS_X509_BADCERT_BAD_KEY))
        append(out, size, "weak signature or key");
    if (!out[0])
        snprintf(out, size, "verify flags 0x%x", (unsigned)flags);
}

/* An alert the device sent during the handshake, in words. */
static void alert_text(const tls_client_t *t, char *out, size_t size)
{
    const char *cert_problem = NULL;

    switch (t->alert) {
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
        snprintf(out, size, "the device sent fatal alert %d", t->alert);
        return;
    }
    snprintf(out, size, "the device rejected our client certificate: %s (alert %d)", cert_problem,
             t->alert);
}

static void describe(const tls_client_t *t, int ret, char *out, size_t size)
{
    char text[256];

    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        verify_text(t, mbedtls_ssl_get_verify_result(&t->ssl), text, sizeof(text));
        snprintf(out, size, "certificate verify failed (%s)", text);
    } else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && t->alert >= 0) {
        alert_text(t, out, size);
    } else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        snprintf(out, size, "closed by the device (close_notify)");
    } else {
        mbed_text(ret, text, sizeof(text));
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
        return load_failed("--tls-ca", o->ca_file, ret, err, err_size);
    if (!o->cert_file)
        return true;
    if ((ret = mbedtls_x509_crt_parse_file(&t->cert, o->cert_file)) != 0)
        return load_failed("--tls-cert", o->cert_file, ret, err, err_size);
    if ((ret = mbedtls_pk_parse_keyfile(&t->key, o->key_file, NULL)) != 0)
        return load_failed("--tls-key", o->key_file, ret, err, err_size);
    if (mbedtls_pk_check_pair(&t->cert.pk, &t->key) != 0) {
        snprintf(err, err_size, "--tls-key %s does not match --tls-cert %s", o->key_file,
                 o->cert_file);
        return false;
    }
    t->has_cert = true;
    return true;
}

static int bio_recv(void *user, unsigned char *buf, size_t size);
static int bio_send(void *user, const unsigned char *data, size_t size);

/* TLS 1.2 only (1.3 is experimental in mbedTLS 2.28), our suites, and the
 * device's certificate required unless --tls-insecure. */
static int configure(tls_client_t *t, const tls_options_t *o)
{
    static const char personal[] = "wr host_tool tls";
    int ret;

    ret = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                                (const unsigned char *)personal, sizeof(personal) - 1);
    if (ret == 0)
        ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0)
        return ret;
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&t->conf, suites);
    mbedtls_ssl_conf_curves(&t->conf, curves);
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
    t->alert = -1;
    snprintf(t->name, sizeof(t->name), "%s", opts->server_name ? opts->server_name : address);
    if (!load_files(t, opts, err, err_size))
        goto fail;
    if ((ret = configure(t, opts)) != 0) {
        mbed_text(ret, text, sizeof(text));
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

/* Follows the record layer (type u8, version u16, length u16, body) to
 * catch the description byte of a two-byte (clear) alert record. */
static void track(tls_client_t *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t->body_left > 0) {
            if (t->hdr[0] == RECORD_ALERT && t->hdr[3] == 0 && t->hdr[4] == 2 && t->body_pos == 1)
                t->alert = p[i];
            t->body_pos++;
            t->body_left--;
            continue;
        }
        t->hdr[t->hdr_got++] = p[i];
        if (t->hdr_got < sizeof(t->hdr))
            continue;
        t->hdr_got = 0;
        t->body_left = (size_t)t->hdr[3] << 8 | t->hdr[4];
        t->body_pos = 0;
    }
}

static int bio_recv(void *user, unsigned char *buf, size_t size)
{
    tls_client_t *t = user;
    size_t n = size < t->in_len ? size : t->in_len;

    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    track(t, t->in, n);
    memcpy(buf, t->in, n);
    t->in += n;
    t->in_len -= n;
    return (int)n;
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
    t->in = data;
    t->in_len = size;
}

bool tls_client_up(const tls_client_t *t)
{
    return t->up;
}

/* mbedTLS may say WANT_READ with input left (after a warning alert): only
 * an empty input, or one it no longer takes from, means "wait". */
static bool used_up(const tls_client_t *t, size_t before)
{
    return (t->in_len == 0 || t->in_len == before) && !mbedtls_ssl_check_pending(&t->ssl);
}

tls_result_t tls_client_handshake(tls_client_t *t, char *err, size_t err_size)
{
    for (;;) {
        size_t before = t->in_len;
        int ret = mbedtls_ssl_handshake(&t->ssl);

        if (ret == 0) {
            t->up = true;
            return TLS_DONE;
        }
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            describe(t, ret, err, err_size);
            return TLS_FAILED;
        }
        if (used_up(t, before))
            return TLS_AGAIN;
    }
}

long tls_client_read(tls_client_t *t, uint8_t *buf, size_t size, char *err, size_t err_size)
{
    for (;;) {
        size_t before = t->in_len;
        int ret = mbedtls_ssl_read(&t->ssl, buf, size);

        if (ret > 0)
            return ret;
        if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            describe(t, ret, err, err_size);
            return -1;
        }
        if (used_up(t, before))
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
