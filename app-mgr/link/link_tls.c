/* The TLS settings and record-level code that the device's transport and
 * host_tool share (link_tls.h), so that both ends offer the same suites and
 * curves and read the record layer the same way. */
#include "link_tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>

/* TLS record types (RFC 5246 6.2.1) seen by the record tracker. */
#define RECORD_ALERT 21
#define RECORD_HANDSHAKE 22

const int link_tls_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0};

/* The fast ones first: mbedTLS's default puts secp521r1 first, which costs
 * a device several times more per handshake (and host_tool too). P-256
 * also covers the usual ECDSA certificates. */
const mbedtls_ecp_group_id link_tls_curves[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE};

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------ */

int link_tls_seed(mbedtls_ctr_drbg_context *drbg, mbedtls_entropy_context *entropy,
                  const char *personal)
{
    return mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy,
                                 (const unsigned char *)personal, strlen(personal));
}

/* TLS 1.2 only: 1.3 is experimental in mbedTLS 2.28. Renegotiation stays
 * disabled, as the defaults have it. */
int link_tls_configure(mbedtls_ssl_config *conf, int endpoint, mbedtls_ctr_drbg_context *drbg)
{
    int ret = mbedtls_ssl_config_defaults(conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);

    if (ret != 0)
        return ret;
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, drbg);
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(conf, link_tls_suites);
    mbedtls_ssl_conf_curves(conf, link_tls_curves);
    return 0;
}

bool link_tls_load_failed(const char *what, const char *file, int ret, char *err,
                          size_t err_size)
{
    FILE *f = fopen(file, "rb");
    char text[160];

    if (!err || !err_size) {
        if (f)
            fclose(f);
        return false;
    }
    if (!f) {
        snprintf(err, err_size, "cannot read %s %s: %s", what, file, strerror(errno));
        return false;
    }
    fclose(f);
    mbedtls_strerror(ret, text, sizeof text);
    snprintf(err, err_size, "cannot load %s %s: %s", what, file, text);
    return false;
}

bool link_tls_load_pair(mbedtls_x509_crt *cert, const char *cert_what, const char *cert_file,
                        mbedtls_pk_context *key, const char *key_what, const char *key_file,
                        char *err, size_t err_size)
{
    int ret;

    if ((ret = mbedtls_x509_crt_parse_file(cert, cert_file)) != 0)
        return link_tls_load_failed(cert_what, cert_file, ret, err, err_size);
    if ((ret = mbedtls_pk_parse_keyfile(key, key_file, NULL)) != 0)
        return link_tls_load_failed(key_what, key_file, ret, err, err_size);
    if (mbedtls_pk_check_pair(&cert->pk, key) != 0) {
        if (err && err_size)
            snprintf(err, err_size, "%s %s does not match %s %s", key_what, key_file, cert_what,
                     cert_file);
        return false;
    }
    return true;
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

void link_tls_verify_reasons(uint32_t flags, const char *name_text, const char *usage_text,
                             char *out, size_t size)
{
    const struct {
        uint32_t flag;
        const char *text;
    } known[] = {
        {MBEDTLS_X509_BADCERT_NOT_TRUSTED, "not signed by the CA"},
        {MBEDTLS_X509_BADCERT_CN_MISMATCH, name_text},
        {MBEDTLS_X509_BADCERT_EXPIRED, "expired"},
        {MBEDTLS_X509_BADCERT_FUTURE, "not valid yet"},
        {MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, usage_text},
        {MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY,
         "weak signature or key"},
    };

    out[0] = '\0';
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (flags & known[i].flag)
            append(out, size, known[i].text);
    }
}

/* ------------------------------------------------------------------------
 * The memory input and its record tracker
 * ------------------------------------------------------------------------ */

void link_tls_input_init(link_tls_input_t *in)
{
    memset(in, 0, sizeof *in);
    in->alert = -1;
}

void link_tls_input_set(link_tls_input_t *in, const uint8_t *data, size_t size)
{
    in->data = data;
    in->len = size;
}

/* Follows the record layer of the bytes handed to mbedTLS: the peer's first
 * bytes, the description byte of a two-byte (clear) alert record, and each
 * new header. False: a handshake record that is refused (renegotiation). */
static bool track(link_tls_input_t *in, const uint8_t *p, size_t n, bool refuse_handshake)
{
    for (size_t i = 0; i < n; i++) {
        if (in->first_got < 2)
            in->first[in->first_got++] = p[i];
        if (in->body_left > 0) {
            if (in->hdr[0] == RECORD_ALERT && in->hdr[3] == 0 && in->hdr[4] == 2 &&
                in->body_pos == 1)
                in->alert = p[i]; /* level, then description */
            in->body_pos++;
            in->body_left--;
            continue;
        }
        in->hdr[in->hdr_got++] = p[i];
        if (in->hdr_got < sizeof in->hdr)
            continue;
        in->hdr_got = 0;
        in->body_left = (size_t)in->hdr[3] << 8 | in->hdr[4];
        in->body_pos = 0;
        if (refuse_handshake && in->hdr[0] == RECORD_HANDSHAKE) {
            in->renegotiation = true;
            return false;
        }
    }
    return true;
}

int link_tls_input_recv(link_tls_input_t *in, unsigned char *buf, size_t size,
                        bool refuse_renegotiation)
{
    size_t n = size < in->len ? size : in->len;

    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (!track(in, in->data, n, refuse_renegotiation))
        return MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE;
    memcpy(buf, in->data, n);
    in->data += n;
    in->len -= n;
    return (int)n;
}

bool link_tls_input_used_up(const link_tls_input_t *in, size_t before,
                            const mbedtls_ssl_context *ssl)
{
    return (in->len == 0 || in->len == before) && !mbedtls_ssl_check_pending(ssl);
}
