/* The test certificates (tls_certs.h): EC P-256 keys, X.509 v3 certificates
 * valid 2020-2049, CAs marked as such, leaves with digitalSignature only. */
#include "tls_certs.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#define CA_NAME "CN=wr test CA"

typedef struct maker {
    const char *dir;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    int serial;
    char *err;
    size_t err_size;
} maker_t;

/* What one certificate says about its subject. */
typedef struct subject {
    const char *file; /* base name: file.crt and file.key */
    const char *name;
    bool ca;
    bool server; /* gets the subjectAltName for 127.0.0.1 / localhost */
} subject_t;

static bool failed(maker_t *m, const char *what, int ret)
{
    char text[128];

    mbedtls_strerror(ret, text, sizeof text);
    snprintf(m->err, m->err_size, "%s: %s", what, text);
    return false;
}

static bool write_file(maker_t *m, const char *file, const char *ext, const unsigned char *pem)
{
    char path[512];
    FILE *f;
    bool ok;

    snprintf(path, sizeof path, "%s/%s.%s", m->dir, file, ext);
    if (!(f = fopen(path, "w"))) {
        snprintf(m->err, m->err_size, "cannot write %s", path);
        return false;
    }
    ok = fputs((const char *)pem, f) >= 0;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        snprintf(m->err, m->err_size, "cannot write %s", path);
    return ok;
}

static bool make_key(maker_t *m, mbedtls_pk_context *key, const char *file)
{
    unsigned char pem[2048];
    int ret = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));

    if (ret == 0)
        ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                                  mbedtls_ctr_drbg_random, &m->drbg);
    if (ret == 0)
        ret = mbedtls_pk_write_key_pem(key, pem, sizeof pem);
    return ret == 0 ? write_file(m, file, "key", pem) : failed(m, "key generation", ret);
}

/* subjectAltName: SEQUENCE { [2] "localhost", [2] "127.0.0.1", [7] 127.0.0.1 } */
static int add_san(mbedtls_x509write_cert *crt)
{
    static const unsigned char san[] = {
        0x30, 28,
        0x82, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
        0x82, 9, '1', '2', '7', '.', '0', '.', '0', '.', '1',
        0x87, 4, 127, 0, 0, 1};

    return mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                               MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
                                               0, san, sizeof san);
}

static int fill(maker_t *m, mbedtls_x509write_cert *crt, const subject_t *s)
{
    mbedtls_mpi serial;
    int ret;

    mbedtls_mpi_init(&serial);
    ret = mbedtls_mpi_lset(&serial, ++m->serial);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_serial(crt, &serial);
    mbedtls_mpi_free(&serial);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_subject_name(crt, s->name);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_issuer_name(crt, CA_NAME);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_validity(crt, "20200101000000", "20491231235959");
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_basic_constraints(crt, s->ca, -1);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_key_usage(
            crt, s->ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
                       : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_subject_key_identifier(crt);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_authority_key_identifier(crt);
    if (ret == 0 && s->server)
        ret = add_san(crt);
    return ret;
}

/* key: the subject's (made here); issuer_key: the CA's, or key itself for a CA. */
static bool make_cert(maker_t *m, const subject_t *s, mbedtls_pk_context *key,
                      mbedtls_pk_context *issuer_key)
{
    mbedtls_x509write_cert crt;
    unsigned char pem[4096];
    int ret;

    if (!make_key(m, key, s->file))
        return false;
    mbedtls_x509write_crt_init(&crt);
    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, key);
    mbedtls_x509write_crt_set_issuer_key(&crt, issuer_key ? issuer_key : key);
    ret = fill(m, &crt, s);
    if (ret == 0)
        ret = mbedtls_x509write_crt_pem(&crt, pem, sizeof pem, mbedtls_ctr_drbg_random, &m->drbg);
    mbedtls_x509write_crt_free(&crt);
    return ret == 0 ? write_file(m, s->file, "crt", pem) : failed(m, s->file, ret);
}

/* A CA and the certificates it signs. */
static bool make_family(maker_t *m, const char *ca_file, const subject_t *leaves, size_t n)
{
    const subject_t ca = {ca_file, CA_NAME, true, false};
    mbedtls_pk_context ca_key, key;
    bool ok;

    mbedtls_pk_init(&ca_key);
    ok = make_cert(m, &ca, &ca_key, NULL);
    for (size_t i = 0; ok && i < n; i++) {
        mbedtls_pk_init(&key);
        ok = make_cert(m, &leaves[i], &key, &ca_key);
        mbedtls_pk_free(&key);
    }
    mbedtls_pk_free(&ca_key);
    return ok;
}

bool certs_make(const char *dir, char *err, size_t err_size)
{
    static const subject_t ours[] = {
        {"server", "CN=localhost", false, true},
        {"client", "CN=wr test client", false, false},
    };
    static const subject_t theirs[] = {{"other-client", "CN=wr test client", false, false}};
    maker_t m = {.dir = dir, .err = err, .err_size = err_size};
    int ret;
    bool ok;

    mbedtls_entropy_init(&m.entropy);
    mbedtls_ctr_drbg_init(&m.drbg);
    ret = mbedtls_ctr_drbg_seed(&m.drbg, mbedtls_entropy_func, &m.entropy, NULL, 0);
    ok = ret == 0 ? make_family(&m, "ca", ours, 2) && make_family(&m, "other-ca", theirs, 1)
                  : failed(&m, "random generator", ret);
    mbedtls_ctr_drbg_free(&m.drbg);
    mbedtls_entropy_free(&m.entropy);
    return ok;
}
