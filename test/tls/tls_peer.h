/* A blocking mbedTLS peer over a socket, for what host_tool cannot do in the
 * TLS tests and the measurement: renegotiate, send a bad record, be the host
 * the device connects to, time handshakes and round trips in-process. */
#ifndef TLS_PEER_H
#define TLS_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

/* What many connections share: keys, certificates, the random generator. */
typedef struct tpeer_conf {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca, cert;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
} tpeer_conf_t;

/* endpoint: MBEDTLS_SSL_IS_CLIENT or _SERVER. ca, own: base names of the
 * files of tls_certs.h in dir ("ca", "client"), NULL for none; with a ca the
 * other side's certificate is required. renegotiation: allowed (to try it
 * on the device). False (message printed) on failure. */
bool tpeer_conf_init(tpeer_conf_t *pc, int endpoint, const char *dir, const char *ca,
                     const char *own, bool renegotiation);
void tpeer_conf_free(tpeer_conf_t *pc);

typedef struct tpeer {
    mbedtls_ssl_context ssl;
    int fd;
} tpeer_t;

/* The handshake over fd (which becomes the peer's; reads time out after
 * HANG_MS): 0, or mbedTLS's error. name: the expected server name, or NULL. */
int tpeer_open(tpeer_t *p, tpeer_conf_t *pc, int fd, const char *name);
/* Frees the context and closes fd (no close_notify). */
void tpeer_close(tpeer_t *p);

bool tpeer_write(tpeer_t *p, const void *data, size_t size);
/* One request (link type 2, sender 0) and the status of the response with
 * the same mid, or -1 (connection ended or failed first). */
int tpeer_request(tpeer_t *p, const char *url, int action, uint32_t mid);

/* The same over a plain socket. */
int raw_request(int fd, const char *url, int action, uint32_t mid);

#endif
