/* What both ends of the host link share about TLS (mbedTLS 2.28, TLS 1.2):
 * the suites and curves they offer, the configuration common to both roles,
 * loading a certificate with its key, the reasons a certificate was
 * rejected, and the memory input with its record tracker. The device
 * (app-mgr/transport/tp_tls.c) and host_tool (host-tool/tls.c) keep their
 * roles, and their own words for the user, to themselves. */
#ifndef LINK_TLS_H
#define LINK_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

/* The suites offered and accepted (0-terminated): forward secret,
 * authenticated encryption. Both ends must agree, hence one list. */
extern const int link_tls_suites[];

/* Key exchange curves, preferred first (MBEDTLS_ECP_DP_NONE-terminated). */
extern const mbedtls_ecp_group_id link_tls_curves[];

/* Seeds drbg from entropy, personal telling the users apart. An mbedTLS code. */
int link_tls_seed(mbedtls_ctr_drbg_context *drbg, mbedtls_entropy_context *entropy,
                  const char *personal);

/* Defaults for endpoint (MBEDTLS_SSL_IS_SERVER/CLIENT), then TLS 1.2 only,
 * link_tls_suites, link_tls_curves and drbg (which must outlive conf).
 * Authentication and certificates are the caller's. An mbedTLS code. */
int link_tls_configure(mbedtls_ssl_config *conf, int endpoint, mbedtls_ctr_drbg_context *drbg);

/* Writes into err (may be NULL) why file, a `what` (e.g. "certificate" or
 * "--tls-cert"), did not load: missing or unreadable, else mbedTLS's ret in
 * words. Always false, for `return link_tls_load_failed(...)`. */
bool link_tls_load_failed(const char *what, const char *file, int ret, char *err,
                          size_t err_size);

/* Loads a certificate (with its chain) and its private key, and checks that
 * they belong together; the *_what names are for the messages in err. */
bool link_tls_load_pair(mbedtls_x509_crt *cert, const char *cert_what, const char *cert_file,
                        mbedtls_pk_context *key, const char *key_what, const char *key_file,
                        char *err, size_t err_size);

/* The reasons in mbedTLS's verify flags, joined with "; " and cut to fit;
 * "" when none is known (the caller words that case). name_text and
 * usage_text say "issued for another name" and "not meant for this use"
 * in the caller's terms. */
void link_tls_verify_reasons(uint32_t flags, const char *name_text, const char *usage_text,
                             char *out, size_t size);

/* ------------------------------------------------------------------------
 * The memory input and its record tracker
 * ------------------------------------------------------------------------ */

/* The bytes of one socket read, taken by mbedTLS's receive callback, and
 * what the tracker saw of the record layer (type u8, version u16, length
 * u16, body) in them: what the mbedTLS API does not tell. */
typedef struct link_tls_input {
    const uint8_t *data; /* not owned: valid while mbedTLS takes from it */
    size_t len;
    uint8_t hdr[5], hdr_got;
    size_t body_left, body_pos;
    uint8_t first[2], first_got; /* the peer's first bytes */
    int alert;                   /* a clear-text alert's description, -1 = none */
    bool renegotiation;          /* a handshake record came after the handshake */
} link_tls_input_t;

void link_tls_input_init(link_tls_input_t *in);

/* The next bytes to take from (NULL, 0 when the read is over). */
void link_tls_input_set(link_tls_input_t *in, const uint8_t *data, size_t size);

/* The body of an mbedTLS receive callback: up to size bytes into buf, or
 * MBEDTLS_ERR_SSL_WANT_READ when none is left. With refuse_renegotiation,
 * a handshake record (in TLS 1.2 after the handshake, only a renegotiation)
 * sets in->renegotiation and gives MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE. */
int link_tls_input_recv(link_tls_input_t *in, unsigned char *buf, size_t size,
                        bool refuse_renegotiation);

/* Whether mbedTLS is done with the input, after a call that said WANT_READ
 * or WANT_WRITE: it may say so with bytes left (after a warning alert), so
 * only an empty input, or one it no longer takes from (still `before`
 * bytes), with nothing buffered in ssl, means "wait for more". */
bool link_tls_input_used_up(const link_tls_input_t *in, size_t before,
                            const mbedtls_ssl_context *ssl);

#endif /* LINK_TLS_H */
