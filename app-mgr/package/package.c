/* Signed app packages (package.h): parsing with every length checked before
 * it is used, P-256 keys in PEM files, deterministic ECDSA signing, and
 * verification that checks the signature before it reads the wasm, then
 * hashes the wasm in one pass. mbedTLS 2.28 does the cryptography. */
#include "package.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

struct pkg_key {
    mbedtls_pk_context pk; /* an EC key on P-256 */
    bool has_private;
    uint8_t id[PKG_KEY_ID_SIZE];
};

static const char *const messages[PKG_ERR_COUNT] = {
    [PKG_OK] = "ok",
    [PKG_ERR_NOT_PACKAGE] = "not a signed package (no WPKG header)",
    [PKG_ERR_TRUNCATED] = "the package is truncated",
    [PKG_ERR_TRAILING] = "the package has bytes after its wasm",
    [PKG_ERR_FORMAT_VERSION] = "unsupported package format version",
    [PKG_ERR_ALGORITHM] = "unsupported signature algorithm",
    [PKG_ERR_FIELD] = "a package field is out of range",
    [PKG_ERR_UNKNOWN_KEY] = "signed by a key this device does not trust",
    [PKG_ERR_SIGNATURE] = "the package signature does not verify",
    [PKG_ERR_HASH] = "the wasm does not match the signed hash",
    [PKG_ERR_NAME] = "the package was signed for another app name",
    [PKG_ERR_KEY] = "unusable key file",
    [PKG_ERR_ARGUMENT] = "name, version or wasm unfit for a package",
    [PKG_ERR_CRYPTO] = "cryptography failed",
    [PKG_ERR_IO] = "cannot write the key file",
};

const char *pkg_strerror(pkg_err_t err)
{
    return (unsigned)err < PKG_ERR_COUNT ? messages[err] : "unknown package error";
}

static void set_detail(char *detail, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_detail(char *detail, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (!detail || !size)
        return;
    va_start(ap, fmt);
    vsnprintf(detail, size, fmt, ap);
    va_end(ap);
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static bool sha256(const uint8_t *data, size_t size, uint8_t out[32])
{
    return mbedtls_sha256_ret(data, size, out, 0) == 0;
}

/* ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------ */

/* The app manager's name rule, so a package name can be an install name. */
static bool name_byte_ok(uint8_t c)
{
    return c > 0x20 && c < 0x7f && c != '/' && c != '?' && c != '&' && c != '=';
}

static bool version_byte_ok(uint8_t c)
{
    return c > 0x20 && c < 0x7f;
}

static bool text_ok(const uint8_t *p, size_t len, bool (*byte_ok)(uint8_t))
{
    for (size_t i = 0; i < len; i++)
        if (!byte_ok(p[i]))
            return false;
    return true;
}

bool pkg_is_package(const uint8_t *data, size_t size)
{
    return data && size >= 4 && memcmp(data, PKG_MAGIC, 4) == 0;
}

/* fixed(52) name(N) version(V) signature(64) wasm(W); sizes in size_t
 * arithmetic on values of at most 32 bits, so nothing overflows. */
pkg_err_t pkg_parse(const uint8_t *data, size_t size, pkg_view_t *out)
{
    size_t n, v, w, s;

    memset(out, 0, sizeof *out);
    if (!pkg_is_package(data, size))
        return PKG_ERR_NOT_PACKAGE;
    if (size < PKG_FIXED_SIZE)
        return PKG_ERR_TRUNCATED;
    if (data[4] != PKG_FORMAT_VERSION)
        return PKG_ERR_FORMAT_VERSION;
    if (data[5] != PKG_ALG_ECDSA_P256_SHA256)
        return PKG_ERR_ALGORITHM;
    n = data[6];
    v = data[7];
    w = get_be32(data + 8);
    if (n == 0 || n > PKG_NAME_MAX || v == 0 || v > PKG_VERSION_MAX || w == 0)
        return PKG_ERR_FIELD;
    s = PKG_FIXED_SIZE + n + v;
    if (size < s + PKG_SIG_SIZE + w)
        return PKG_ERR_TRUNCATED;
    if (size > s + PKG_SIG_SIZE + w)
        return PKG_ERR_TRAILING;
    if (!text_ok(data + PKG_FIXED_SIZE, n, name_byte_ok) ||
        !text_ok(data + PKG_FIXED_SIZE + n, v, version_byte_ok))
        return PKG_ERR_FIELD;
    memcpy(out->name, data + PKG_FIXED_SIZE, n);
    memcpy(out->version, data + PKG_FIXED_SIZE + n, v);
    memcpy(out->wasm_sha256, data + 12, 32);
    memcpy(out->key_id, data + 44, PKG_KEY_ID_SIZE);
    out->signed_part = data;
    out->signed_size = (uint32_t)s;
    out->signature = data + s;
    out->wasm = data + s + PKG_SIG_SIZE;
    out->wasm_size = (uint32_t)w;
    return PKG_OK;
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

void pkg_key_id_hex(const uint8_t id[PKG_KEY_ID_SIZE], char out[2 * PKG_KEY_ID_SIZE + 1])
{
    for (int i = 0; i < PKG_KEY_ID_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

void pkg_key_id(const pkg_key_t *key, uint8_t out_id[PKG_KEY_ID_SIZE])
{
    memcpy(out_id, key->id, PKG_KEY_ID_SIZE);
}

/* The id names the public point, so signer and verifier agree on it
 * whatever file format each holds the key in. */
static bool key_compute_id(pkg_key_t *key)
{
    const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(key->pk);
    uint8_t point[65], digest[32];
    size_t len = 0;

    if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &len,
                                       point, sizeof point) != 0 ||
        len != sizeof point || !sha256(point, len, digest))
        return false;
    memcpy(key->id, digest, PKG_KEY_ID_SIZE);
    return true;
}

static bool key_is_p256(const mbedtls_pk_context *pk)
{
    return mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
           mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

pkg_err_t pkg_key_load(const char *path, bool need_private, pkg_key_t **out_key, char *detail,
                       size_t detail_size)
{
    pkg_key_t *key = calloc(1, sizeof *key);
    int rc;

    *out_key = NULL;
    if (!key)
        return PKG_ERR_CRYPTO;
    mbedtls_pk_init(&key->pk);
    rc = mbedtls_pk_parse_keyfile(&key->pk, path, NULL);
    key->has_private = rc == 0;
    if (rc != 0 && !need_private) {
        mbedtls_pk_free(&key->pk);
        mbedtls_pk_init(&key->pk);
        rc = mbedtls_pk_parse_public_keyfile(&key->pk, path);
    }
    if (rc != 0) {
        set_detail(detail, detail_size, "%s: not a readable %s key file (mbedTLS error -0x%04x)",
                   path, need_private ? "private" : "public or private", (unsigned)-rc);
        goto fail;
    }
    if (!key_is_p256(&key->pk)) {
        set_detail(detail, detail_size, "%s: not an EC P-256 key", path);
        goto fail;
    }
    if (!key_compute_id(key)) {
        set_detail(detail, detail_size, "%s: cannot encode the public point", path);
        goto fail;
    }
    *out_key = key;
    return PKG_OK;

fail:
    pkg_key_free(key);
    return PKG_ERR_KEY;
}

void pkg_key_free(pkg_key_t *key)
{
    if (!key)
        return;
    mbedtls_pk_free(&key->pk);
    free(key);
}

/* A DRBG seeded from the system's entropy, for key generation and for the
 * blinding of signing (which does not change the deterministic result). */
typedef struct rng {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} rng_t;

static bool rng_init(rng_t *r)
{
    static const char personal[] = "wr app package";

    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    return mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy,
                                 (const unsigned char *)personal, sizeof personal - 1) == 0;
}

static void rng_free(rng_t *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
}

/* Writes text to a new file (O_EXCL: an existing key is never replaced). */
static bool write_new_file(const char *path, const unsigned char *text, mode_t mode,
                           char *detail, size_t detail_size)
{
    size_t len = strlen((const char *)text), done = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

    if (fd < 0) {
        set_detail(detail, detail_size, "%s: %s", path, strerror(errno));
        return false;
    }
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done < len || fsync(fd) != 0) {
        set_detail(detail, detail_size, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return false;
    }
    close(fd);
    return true;
}

pkg_err_t pkg_key_generate(const char *priv_path, const char *pub_path, char *detail,
                           size_t detail_size)
{
    unsigned char priv_pem[1024], pub_pem[512];
    mbedtls_pk_context pk;
    pkg_err_t err = PKG_ERR_CRYPTO;
    rng_t rng;

    mbedtls_pk_init(&pk);
    if (!rng_init(&rng) ||
        mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random,
                            &rng.drbg) != 0 ||
        mbedtls_pk_write_key_pem(&pk, priv_pem, sizeof priv_pem) != 0 ||
        mbedtls_pk_write_pubkey_pem(&pk, pub_pem, sizeof pub_pem) != 0) {
        set_detail(detail, detail_size, "generating a P-256 key failed");
        goto done;
    }
    err = PKG_ERR_IO;
    if (!write_new_file(priv_path, priv_pem, 0600, detail, detail_size))
        goto done;
    if (!write_new_file(pub_path, pub_pem, 0644, detail, detail_size)) {
        unlink(priv_path); /* half a key pair is of no use */
        goto done;
    }
    err = PKG_OK;
done:
    mbedtls_platform_zeroize(priv_pem, sizeof priv_pem);
    mbedtls_pk_free(&pk);
    rng_free(&rng);
    return err;
}

/* ------------------------------------------------------------------------
 * Signing
 * ------------------------------------------------------------------------ */

static bool signable(const char *name, const char *version, size_t wasm_size)
{
    size_t n = name ? strlen(name) : 0, v = version ? strlen(version) : 0;

    return n >= 1 && n <= PKG_NAME_MAX && v >= 1 && v <= PKG_VERSION_MAX && wasm_size >= 1 &&
           wasm_size <= UINT32_MAX - PKG_OVERHEAD_MAX &&
           text_ok((const uint8_t *)name, n, name_byte_ok) &&
           text_ok((const uint8_t *)version, v, version_byte_ok);
}

/* ECDSA over digest with the key's private scalar, as r || s. */
static bool sign_digest(const pkg_key_t *key, const uint8_t digest[32], uint8_t out_sig[64])
{
    mbedtls_ecp_keypair *ec = mbedtls_pk_ec(key->pk);
    mbedtls_mpi r, s;
    rng_t rng;
    bool ok;

    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    ok = rng_init(&rng) &&
         mbedtls_ecdsa_sign_det_ext(&ec->grp, &r, &s, &ec->d, digest, 32, MBEDTLS_MD_SHA256,
                                    mbedtls_ctr_drbg_random, &rng.drbg) == 0 &&
         mbedtls_mpi_write_binary(&r, out_sig, 32) == 0 &&
         mbedtls_mpi_write_binary(&s, out_sig + 32, 32) == 0;
    rng_free(&rng);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return ok;
}

pkg_err_t pkg_sign(const pkg_key_t *key, const char *name, const char *version,
                   const uint8_t *wasm, size_t wasm_size, uint8_t **out_pkg, size_t *out_size)
{
    size_t n, v, s, total;
    uint8_t *p, digest[32];

    *out_pkg = NULL;
    *out_size = 0;
    if (!key || !key->has_private)
        return PKG_ERR_KEY;
    if (!wasm || !signable(name, version, wasm_size))
        return PKG_ERR_ARGUMENT;
    n = strlen(name);
    v = strlen(version);
    s = PKG_FIXED_SIZE + n + v;
    total = s + PKG_SIG_SIZE + wasm_size;
    if (!(p = malloc(total)))
        return PKG_ERR_CRYPTO;
    memcpy(p, PKG_MAGIC, 4);
    p[4] = PKG_FORMAT_VERSION;
    p[5] = PKG_ALG_ECDSA_P256_SHA256;
    p[6] = (uint8_t)n;
    p[7] = (uint8_t)v;
    put_be32(p + 8, (uint32_t)wasm_size);
    memcpy(p + 44, key->id, PKG_KEY_ID_SIZE);
    memcpy(p + PKG_FIXED_SIZE, name, n);
    memcpy(p + PKG_FIXED_SIZE + n, version, v);
    memcpy(p + s + PKG_SIG_SIZE, wasm, wasm_size);
    if (!sha256(wasm, wasm_size, p + 12) || !sha256(p, s, digest) ||
        !sign_digest(key, digest, p + s)) {
        free(p);
        return PKG_ERR_CRYPTO;
    }
    *out_pkg = p;
    *out_size = total;
    return PKG_OK;
}

/* ------------------------------------------------------------------------
 * Verifying
 * ------------------------------------------------------------------------ */

static const pkg_key_t *key_by_id(const pkg_key_t *const *keys, size_t n_keys,
                                  const uint8_t id[PKG_KEY_ID_SIZE])
{
    for (size_t i = 0; i < n_keys; i++)
        if (keys[i] && memcmp(keys[i]->id, id, PKG_KEY_ID_SIZE) == 0)
            return keys[i];
    return NULL;
}

static pkg_err_t check_signature(const pkg_key_t *key, const pkg_view_t *view)
{
    const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(key->pk);
    uint8_t digest[32];
    mbedtls_mpi r, s;
    pkg_err_t err = PKG_ERR_SIGNATURE;

    if (!sha256(view->signed_part, view->signed_size, digest))
        return PKG_ERR_CRYPTO;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    /* mbedTLS 2.28 takes the group non-const because a build with
     * MBEDTLS_ECP_FIXED_POINT_OPTIM caches points in it: hence pkg_verify's
     * "not from two threads at once". The key itself is not changed. */
    if (mbedtls_mpi_read_binary(&r, view->signature, 32) == 0 &&
        mbedtls_mpi_read_binary(&s, view->signature + 32, 32) == 0 &&
        mbedtls_ecdsa_verify((mbedtls_ecp_group *)&ec->grp, digest, sizeof digest, &ec->Q, &r,
                             &s) == 0)
        err = PKG_OK;
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return err;
}

pkg_err_t pkg_verify(const pkg_key_t *const *keys, size_t n_keys, const char *expected_name,
                     const uint8_t *data, size_t size, pkg_view_t *out)
{
    const pkg_key_t *key;
    uint8_t digest[32];
    pkg_err_t err = pkg_parse(data, size, out);

    if (err != PKG_OK)
        return err;
    if (n_keys > 0) {
        if (!(key = key_by_id(keys, n_keys, out->key_id)))
            return PKG_ERR_UNKNOWN_KEY;
        if ((err = check_signature(key, out)) != PKG_OK)
            return err;
    }
    /* the only pass over the wasm */
    if (!sha256(out->wasm, out->wasm_size, digest))
        return PKG_ERR_CRYPTO;
    if (memcmp(digest, out->wasm_sha256, sizeof digest) != 0)
        return PKG_ERR_HASH;
    if (expected_name && strcmp(expected_name, out->name) != 0)
        return PKG_ERR_NAME;
    return PKG_OK;
}
