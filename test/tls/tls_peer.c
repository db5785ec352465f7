/* The blocking mbedTLS test peer (tls_peer.h): socket callbacks for mbedTLS
 * and link requests whose responses are read back through a link parser. */
#define _GNU_SOURCE
#include "tls_peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>

#include "harness.h"
#include "link_parser.h"
#include "link_tls.h"
#include "shared_utils.h"

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------ */

static bool report(const char *what, int ret)
{
    char text[128];

    mbedtls_strerror(ret, text, sizeof text);
    printf("tls peer: %s: %s\n", what, text);
    return false;
}

static int load(tpeer_conf_t *pc, const char *dir, const char *ca, const char *own)
{
    char path[512];
    int ret = 0;

    if (ca) {
        snprintf(path, sizeof path, "%s/%s.crt", dir, ca);
        ret = mbedtls_x509_crt_parse_file(&pc->ca, path);
    }
    if (ret == 0 && own) {
        snprintf(path, sizeof path, "%s/%s.crt", dir, own);
        ret = mbedtls_x509_crt_parse_file(&pc->cert, path);
        snprintf(path, sizeof path, "%s/%s.key", dir, own);
        if (ret == 0)
            ret = mbedtls_pk_parse_keyfile(&pc->key, path, NULL);
    }
    return ret;
}

bool tpeer_conf_init(tpeer_conf_t *pc, int endpoint, const char *dir, const char *ca,
                     const char *own, bool renegotiation)
{
    int ret;

    mbedtls_entropy_init(&pc->entropy);
    mbedtls_ctr_drbg_init(&pc->drbg);
    mbedtls_x509_crt_init(&pc->ca);
    mbedtls_x509_crt_init(&pc->cert);
    mbedtls_pk_init(&pc->key);
    mbedtls_ssl_config_init(&pc->conf);
    if ((ret = mbedtls_ctr_drbg_seed(&pc->drbg, mbedtls_entropy_func, &pc->entropy, NULL, 0)))
        return report("seed", ret);
    if ((ret = load(pc, dir, ca, own)))
        return report("certificate files", ret);
    if ((ret = mbedtls_ssl_config_defaults(&pc->conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)))
        return report("config", ret);
    mbedtls_ssl_conf_rng(&pc->conf, mbedtls_ctr_drbg_random, &pc->drbg);
    mbedtls_ssl_conf_curves(&pc->conf, link_tls_curves); /* the link's choice */
    mbedtls_ssl_conf_authmode(&pc->conf, ca ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
    if (ca)
        mbedtls_ssl_conf_ca_chain(&pc->conf, &pc->ca, NULL);
    if (own && (ret = mbedtls_ssl_conf_own_cert(&pc->conf, &pc->cert, &pc->key)))
        return report("own certificate", ret);
    mbedtls_ssl_conf_renegotiation(&pc->conf, renegotiation ? MBEDTLS_SSL_RENEGOTIATION_ENABLED
                                                            : MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    return true;
}

void tpeer_conf_free(tpeer_conf_t *pc)
{
    mbedtls_ssl_config_free(&pc->conf);
    mbedtls_pk_free(&pc->key);
    mbedtls_x509_crt_free(&pc->cert);
    mbedtls_x509_crt_free(&pc->ca);
    mbedtls_ctr_drbg_free(&pc->drbg);
    mbedtls_entropy_free(&pc->entropy);
}

/* ------------------------------------------------------------------------
 * Connections
 * ------------------------------------------------------------------------ */

static int sock_send(void *ctx, const unsigned char *buf, size_t len)
{
    tpeer_t *p = ctx;
    ssize_t n = send(p->fd, buf, len, MSG_NOSIGNAL);

    return n < 0 ? MBEDTLS_ERR_NET_SEND_FAILED : (int)n;
}

static int sock_recv(void *ctx, unsigned char *buf, size_t len)
{
    tpeer_t *p = ctx;
    ssize_t n;

    while ((n = recv(p->fd, buf, len, 0)) < 0 && errno == EINTR)
        ;
    if (n == 0)
        return MBEDTLS_ERR_SSL_CONN_EOF;
    return n < 0 ? MBEDTLS_ERR_NET_RECV_FAILED : (int)n;
}

int tpeer_open(tpeer_t *p, tpeer_conf_t *pc, int fd, const char *name)
{
    struct timeval tv = {HANG_MS / 1000, 0};
    int ret;

    p->fd = fd;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    mbedtls_ssl_init(&p->ssl);
    if ((ret = mbedtls_ssl_setup(&p->ssl, &pc->conf)) != 0)
        return ret;
    if (name && (ret = mbedtls_ssl_set_hostname(&p->ssl, name)) != 0)
        return ret;
    mbedtls_ssl_set_bio(&p->ssl, p, sock_send, sock_recv, NULL);
    while ((ret = mbedtls_ssl_handshake(&p->ssl)) == MBEDTLS_ERR_SSL_WANT_READ ||
           ret == MBEDTLS_ERR_SSL_WANT_WRITE)
        ;
    return ret;
}

void tpeer_close(tpeer_t *p)
{
    mbedtls_ssl_free(&p->ssl);
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

bool tpeer_write(tpeer_t *p, const void *data, size_t size)
{
    const unsigned char *b = data;

    while (size > 0) {
        int n = mbedtls_ssl_write(&p->ssl, b, size);

        if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (n <= 0)
            return false;
        b += n;
        size -= (size_t)n;
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Link requests
 * ------------------------------------------------------------------------ */

typedef struct waiter {
    uint32_t mid;
    int status; /* -1 until the response came */
} waiter_t;

static void on_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    waiter_t *w = user;
    response_t r;

    if (type == LP_TYPE_RESPONSE && unpack_response((char *)payload, (int)size, &r) &&
        r.mid == w->mid)
        w->status = r.status;
}

static uint8_t *encode(const char *url, int action, uint32_t mid, size_t *out_size)
{
    request_t req = {mid, (char *)url, action, 0, NULL, 0, 0};
    int size = 0;
    char *packet = pack_request(&req, &size);
    uint8_t *msg = packet ? lp_encode(LP_TYPE_REQUEST, packet, (uint32_t)size, out_size) : NULL;

    free_req_resp_packet(packet);
    return msg;
}

/* Reads with get (> 0 bytes, or <= 0: over) until the response to mid. */
static int await(int (*get)(void *src, uint8_t *buf, size_t size), void *src, uint32_t mid)
{
    waiter_t w = {mid, -1};
    lp_config_t cfg = {0, 0, on_message, NULL, &w};
    lp_parser_t *parser = lp_new(&cfg);
    uint8_t buf[4096];
    int n;

    while (parser && w.status < 0 && (n = get(src, buf, sizeof buf)) > 0)
        lp_feed(parser, buf, (size_t)n);
    lp_free(parser);
    return w.status;
}

static int get_tls(void *src, uint8_t *buf, size_t size)
{
    tpeer_t *p = src;
    int n;

    while ((n = mbedtls_ssl_read(&p->ssl, buf, size)) == MBEDTLS_ERR_SSL_WANT_READ ||
           n == MBEDTLS_ERR_SSL_WANT_WRITE)
        ;
    return n;
}

static int get_raw(void *src, uint8_t *buf, size_t size)
{
    int fd = *(int *)src;
    ssize_t n;

    while ((n = read(fd, buf, size)) < 0 && errno == EINTR)
        ;
    return (int)n;
}

int tpeer_request(tpeer_t *p, const char *url, int action, uint32_t mid)
{
    size_t size;
    uint8_t *msg = encode(url, action, mid, &size);
    bool sent = msg && tpeer_write(p, msg, size);

    free(msg);
    return sent ? await(get_tls, p, mid) : -1;
}

int raw_request(int fd, const char *url, int action, uint32_t mid)
{
    size_t size;
    uint8_t *msg = encode(url, action, mid, &size);
    bool sent = msg && write_all(fd, msg, size);

    free(msg);
    return sent ? await(get_raw, &fd, mid) : -1;
}
