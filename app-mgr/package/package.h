/* Signed app packages: the wasm bytes with a detached ECDSA P-256/SHA-256
 * signature over their metadata (name, version, SHA-256 of the wasm). This
 * header is the module's face: the format, parsing (safe on hostile input),
 * signing, verification and P-256 keys. It needs mbedTLS, not the app
 * manager; app-mgr/package/pkg_trust.h hooks it into a device's installs.
 *
 * Format (FORMAT.md has the rationale). All integers big-endian.
 *
 *   off    size  field
 *   0      4     magic "WPKG" (57 50 4B 47; a wasm file starts 00 61 73 6D)
 *   4      1     format version = 1
 *   5      1     algorithm = 1: ECDSA over P-256 with SHA-256
 *   6      1     N = name length, 1..126
 *   7      1     V = version length, 1..64
 *   8      4     W = wasm length, >= 1
 *   12     32    SHA-256 of the wasm
 *   44     8     key id: the first 8 bytes of SHA-256 of the signer's public
 *                point, uncompressed (04 || X || Y)
 *   52     N     name: bytes 0x21..0x7e, none of / ? & = (an app name)
 *   52+N   V     version: bytes 0x21..0x7e
 *   S      64    signature r || s (32 bytes each), S = 52 + N + V
 *   S+64   W     the wasm
 *
 * The package is exactly S + 64 + W bytes. The signature is over
 * SHA-256(bytes [0, S)): the fixed part, which holds the wasm's hash, plus
 * name and version. So a verifier checks the signature before it touches
 * the wasm, then hashes the wasm once. */
#ifndef PACKAGE_H
#define PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PKG_MAGIC "WPKG"
#define PKG_FORMAT_VERSION 1
#define PKG_ALG_ECDSA_P256_SHA256 1
#define PKG_FIXED_SIZE 52
#define PKG_NAME_MAX 126 /* the app manager's limit on app names */
#define PKG_VERSION_MAX 64
#define PKG_SIG_SIZE 64
#define PKG_KEY_ID_SIZE 8
/* The most a package adds to its wasm. */
#define PKG_OVERHEAD_MAX (PKG_FIXED_SIZE + PKG_NAME_MAX + PKG_VERSION_MAX + PKG_SIG_SIZE)

/* Every way a package, a key or a signing can fail; pkg_strerror gives
 * each a fixed message. */
typedef enum pkg_err {
    PKG_OK = 0,
    PKG_ERR_NOT_PACKAGE,    /* no "WPKG" magic (e.g. plain wasm) */
    PKG_ERR_TRUNCATED,      /* shorter than its lengths say */
    PKG_ERR_TRAILING,       /* longer than its lengths say */
    PKG_ERR_FORMAT_VERSION, /* format version is not 1 */
    PKG_ERR_ALGORITHM,      /* algorithm is not 1 */
    PKG_ERR_FIELD,          /* a length out of range or a bad name/version byte */
    PKG_ERR_UNKNOWN_KEY,    /* signed by a key that is not trusted */
    PKG_ERR_SIGNATURE,      /* the signature does not verify */
    PKG_ERR_HASH,           /* the wasm does not match the signed hash */
    PKG_ERR_NAME,           /* signed for another app name */
    PKG_ERR_KEY,            /* a key file is unreadable, not PEM, or not P-256 */
    PKG_ERR_ARGUMENT,       /* a name, version or wasm unfit for signing */
    PKG_ERR_CRYPTO,         /* mbedTLS failed (randomness, memory) */
    PKG_ERR_IO,             /* writing a key file failed */
    PKG_ERR_COUNT
} pkg_err_t;

const char *pkg_strerror(pkg_err_t err);

/* A parsed package: pointers into the caller's bytes, valid as long as they. */
typedef struct pkg_view {
    char name[PKG_NAME_MAX + 1];
    char version[PKG_VERSION_MAX + 1];
    uint8_t key_id[PKG_KEY_ID_SIZE];
    uint8_t wasm_sha256[32];
    const uint8_t *signed_part; /* bytes [0, S) */
    uint32_t signed_size;       /* S */
    const uint8_t *signature;   /* 64 bytes */
    const uint8_t *wasm;
    uint32_t wasm_size;
} pkg_view_t;

/* Whether data starts with the package magic (and so is meant as one). */
bool pkg_is_package(const uint8_t *data, size_t size);

/* Checks the structure (every length and field) without any cryptography
 * and fills *out. */
pkg_err_t pkg_parse(const uint8_t *data, size_t size, pkg_view_t *out);

/* ---- keys ------------------------------------------------------------------ */

typedef struct pkg_key pkg_key_t; /* a P-256 public key, or a key pair */

/* Reads a PEM (or DER) key file: a private key if need_private, else a
 * public key (a private key file is accepted too: its public half is used).
 * detail (may be NULL) says what was wrong. */
pkg_err_t pkg_key_load(const char *path, bool need_private, pkg_key_t **out_key, char *detail,
                       size_t detail_size);
void pkg_key_free(pkg_key_t *key);
void pkg_key_id(const pkg_key_t *key, uint8_t out_id[PKG_KEY_ID_SIZE]);

/* Creates a P-256 key pair: the private key as PEM at priv_path (mode 0600,
 * not overwriting an existing file), the public key as PEM at pub_path. */
pkg_err_t pkg_key_generate(const char *priv_path, const char *pub_path, char *detail,
                           size_t detail_size);

/* ---- signing and verifying ------------------------------------------------- */

/* Builds a package of wasm signed by key (a key pair), in *out_pkg
 * (malloc'ed, the caller frees) of *out_size bytes. The signature is
 * deterministic (RFC 6979): the same inputs give the same package. */
pkg_err_t pkg_sign(const pkg_key_t *key, const char *name, const char *version,
                   const uint8_t *wasm, size_t wasm_size, uint8_t **out_pkg, size_t *out_size);

/* Full check of a package against the trusted keys, in this order:
 * structure, key id among keys, signature, wasm hash, and (when
 * expected_name is not NULL) the name. n_keys 0 skips the key and
 * signature steps (integrity only; the caller says so). Fills *out (even
 * on a later failure, once parsing succeeded). Not safe to call on one key
 * from two threads at once. */
pkg_err_t pkg_verify(const pkg_key_t *const *keys, size_t n_keys, const char *expected_name,
                     const uint8_t *data, size_t size, pkg_view_t *out);

/* Hex of a key id, for logs ("1a2b3c4d5e6f7081"). */
void pkg_key_id_hex(const uint8_t id[PKG_KEY_ID_SIZE], char out[2 * PKG_KEY_ID_SIZE + 1]);

#ifdef __cplusplus
}
#endif

#endif /* PACKAGE_H */
