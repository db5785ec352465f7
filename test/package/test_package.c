/* Unit tests of signed app packages (app-mgr/package/package.h): a sign and
 * verify round trip; each kind of damage (wasm, name, version, hash, key id,
 * signature, every truncation, trailing bytes, bad fields, garbage, a wrong
 * key, a wrong name) refused with its own error; keys (generation, loading,
 * refusals); and, printed but not asserted, how long verifying a 100 KB app
 * takes.
 *
 * Usage: test_package */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "package.h"

#define WASM_SIZE 1000
#define BIG_SIZE (100 * 1024)

static char dir[64];
static pkg_key_t *key1, *key2, *pub1;

static char *path_in(const char *name)
{
    static char paths[4][128];
    static int next;
    char *p = paths[next++ % 4];

    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

/* Deterministic bytes that look nothing like a package. */
static void fill(uint8_t *buf, size_t size, uint32_t seed)
{
    for (size_t i = 0; i < size; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

static pkg_err_t verify1(const uint8_t *p, size_t size, const char *name)
{
    const pkg_key_t *keys[] = {pub1};
    pkg_view_t view;

    return pkg_verify(keys, 1, name, p, size, &view);
}

/* ------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------ */

static void test_keys(void)
{
    uint8_t id1[PKG_KEY_ID_SIZE], id2[PKG_KEY_ID_SIZE], idp[PKG_KEY_ID_SIZE];
    static const char p384[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEN+5oNdjz739orWER4wKBGtvQqVjTHaOg\n"
        "4fAOQ0ewFC5mbUAE0DvmHYnsE7ijBSBVyFizdjqsDpcpfrN5q8E8wfqnxtuNVWTY\n"
        "e9kiKOYGaB9vN2vGiaI4iqTuhwngCxV2\n"
        "-----END PUBLIC KEY-----\n";
    char detail[512];
    pkg_key_t *k = NULL;
    struct stat sb;
    FILE *f;

    CHECK(pkg_key_generate(path_in("k1.pem"), path_in("k1.pub"), detail, sizeof detail) ==
          PKG_OK);
    CHECK(pkg_key_generate(path_in("k2.pem"), path_in("k2.pub"), detail, sizeof detail) ==
          PKG_OK);
    /* an existing key is never overwritten */
    CHECK(pkg_key_generate(path_in("k1.pem"), path_in("k9.pub"), detail, sizeof detail) ==
          PKG_ERR_IO);
    CHECK(stat(path_in("k1.pem"), &sb) == 0 && (sb.st_mode & 077) == 0);
    CHECK(pkg_key_load(path_in("k1.pem"), true, &key1, detail, sizeof detail) == PKG_OK);
    CHECK(pkg_key_load(path_in("k2.pem"), true, &key2, detail, sizeof detail) == PKG_OK);
    CHECK(pkg_key_load(path_in("k1.pub"), false, &pub1, detail, sizeof detail) == PKG_OK);
    pkg_key_id(key1, id1);
    pkg_key_id(key2, id2);
    pkg_key_id(pub1, idp);
    CHECK(memcmp(id1, idp, sizeof id1) == 0); /* the id names the public point */
    CHECK(memcmp(id1, id2, sizeof id1) != 0);

    CHECK(pkg_key_load(path_in("k1.pub"), true, &k, detail, sizeof detail) == PKG_ERR_KEY);
    CHECK(k == NULL);
    CHECK(pkg_key_load(path_in("missing.pem"), false, &k, detail, sizeof detail) ==
          PKG_ERR_KEY);
    CHECK(strstr(detail, "missing.pem") != NULL);
    f = fopen(path_in("garbage.pem"), "w");
    CHECK(f && fputs("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n",
                     f) >= 0);
    if (f)
        fclose(f);
    CHECK(pkg_key_load(path_in("garbage.pem"), false, &k, detail, sizeof detail) ==
          PKG_ERR_KEY);
    f = fopen(path_in("p384.pub"), "w");
    CHECK(f && fputs(p384, f) >= 0);
    if (f)
        fclose(f);
    CHECK(pkg_key_load(path_in("p384.pub"), false, &k, detail, sizeof detail) == PKG_ERR_KEY);
    CHECK(strstr(detail, "P-256") != NULL);
}

static void test_round_trip(const uint8_t *wasm)
{
    uint8_t *p = NULL, *q = NULL;
    size_t size = 0, size2 = 0;
    const pkg_key_t *keys[] = {key2, pub1};
    pkg_view_t view;

    CHECK(pkg_sign(key1, "thermostat", "1.4.2", wasm, WASM_SIZE, &p, &size) == PKG_OK);
    CHECK(size == PKG_FIXED_SIZE + 10 + 5 + PKG_SIG_SIZE + WASM_SIZE);
    CHECK(pkg_is_package(p, size) && !pkg_is_package(wasm, WASM_SIZE));
    CHECK(pkg_verify(keys, 2, "thermostat", p, size, &view) == PKG_OK);
    CHECK(strcmp(view.name, "thermostat") == 0 && strcmp(view.version, "1.4.2") == 0);
    CHECK(view.wasm_size == WASM_SIZE && memcmp(view.wasm, wasm, WASM_SIZE) == 0);
    CHECK(view.wasm == p + size - WASM_SIZE);
    /* the name check is optional */
    CHECK(pkg_verify(keys, 2, NULL, p, size, &view) == PKG_OK);
    /* deterministic (RFC 6979) */
    CHECK(pkg_sign(key1, "thermostat", "1.4.2", wasm, WASM_SIZE, &q, &size2) == PKG_OK);
    CHECK(size2 == size && q && memcmp(p, q, size) == 0);
    free(p);
    free(q);
}

/* Flips one byte at off (keeping name and version bytes printable, so the
 * damage is to the signature and not the syntax) and expects want. */
static void expect_flip(const uint8_t *pkg, size_t size, size_t off, pkg_err_t want,
                        const char *what)
{
    uint8_t *p = malloc(size);
    pkg_err_t got;

    if (!p)
        return;
    memcpy(p, pkg, size);
    p[off] = p[off] == 'a' ? 'b' : p[off] >= 0x21 && p[off] < 0x7e ? 'a' : p[off] ^ 0x01;
    got = verify1(p, size, "thermostat");
    if (got != want)
        printf("%s: got '%s', expected '%s'\n", what, pkg_strerror(got), pkg_strerror(want));
    CHECK(got == want);
    free(p);
}

static void test_tampering(const uint8_t *wasm)
{
    uint8_t *p = NULL;
    size_t size = 0, s;

    CHECK(pkg_sign(key1, "thermostat", "1.4.2", wasm, WASM_SIZE, &p, &size) == PKG_OK);
    if (!p)
        return;
    s = PKG_FIXED_SIZE + 10 + 5;
    CHECK(verify1(p, size, "thermostat") == PKG_OK);
    expect_flip(p, size, size - 1, PKG_ERR_HASH, "last wasm byte");
    expect_flip(p, size, s + PKG_SIG_SIZE, PKG_ERR_HASH, "first wasm byte");
    expect_flip(p, size, PKG_FIXED_SIZE, PKG_ERR_SIGNATURE, "name");
    expect_flip(p, size, PKG_FIXED_SIZE + 10, PKG_ERR_SIGNATURE, "version");
    expect_flip(p, size, 12, PKG_ERR_SIGNATURE, "signed wasm hash");
    expect_flip(p, size, s, PKG_ERR_SIGNATURE, "signature r");
    expect_flip(p, size, s + 63, PKG_ERR_SIGNATURE, "signature s");
    expect_flip(p, size, 44, PKG_ERR_UNKNOWN_KEY, "key id");
    expect_flip(p, size, 0, PKG_ERR_NOT_PACKAGE, "magic");
    expect_flip(p, size, 4, PKG_ERR_FORMAT_VERSION, "format version");
    expect_flip(p, size, 5, PKG_ERR_ALGORITHM, "algorithm");
    expect_flip(p, size, 11, PKG_ERR_TRUNCATED, "wasm length + 1");
    CHECK(verify1(p, size, "thermometer") == PKG_ERR_NAME);
    /* signature of all zeros or all ones: out of range, refused */
    memset(p + s, 0, PKG_SIG_SIZE);
    CHECK(verify1(p, size, "thermostat") == PKG_ERR_SIGNATURE);
    memset(p + s, 0xff, PKG_SIG_SIZE);
    CHECK(verify1(p, size, "thermostat") == PKG_ERR_SIGNATURE);
    free(p);
}

/* Every proper prefix is refused, and a longer package too. */
static void test_lengths(const uint8_t *wasm)
{
    uint8_t *p = NULL, *longer;
    size_t size = 0;
    int bad = 0;

    CHECK(pkg_sign(key1, "thermostat", "1.4.2", wasm, WASM_SIZE, &p, &size) == PKG_OK);
    if (!p)
        return;
    for (size_t len = 0; len < size; len++) {
        pkg_err_t want = len < 4 ? PKG_ERR_NOT_PACKAGE : PKG_ERR_TRUNCATED;
        if (verify1(p, len, "thermostat") != want)
            bad++;
    }
    CHECK(bad == 0);
    longer = malloc(size + 1);
    if (longer) {
        memcpy(longer, p, size);
        longer[size] = 0;
        CHECK(verify1(longer, size + 1, "thermostat") == PKG_ERR_TRAILING);
        free(longer);
    }
    free(p);
}

/* Fields out of range, each on an otherwise whole package. */
static void test_fields(const uint8_t *wasm)
{
    uint8_t *p = NULL;
    size_t size = 0;
    pkg_view_t view;

    CHECK(pkg_sign(key1, "ab", "1", wasm, WASM_SIZE, &p, &size) == PKG_OK);
    if (!p)
        return;
    CHECK(pkg_parse(p, size, &view) == PKG_OK);
    p[6] = 0; /* N = 0 */
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_FIELD);
    p[6] = PKG_NAME_MAX + 1;
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_FIELD);
    p[6] = 2;
    p[7] = 0; /* V = 0 */
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_FIELD);
    p[7] = PKG_VERSION_MAX + 1;
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_FIELD);
    p[7] = 1;
    memset(p + 8, 0, 4); /* W = 0 */
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_FIELD);
    memset(p + 8, 0xff, 4); /* W = 4 GiB - 1: no overflow, just short */
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_TRUNCATED);
    p[8] = p[9] = 0;
    p[10] = (uint8_t)(WASM_SIZE >> 8);
    p[11] = (uint8_t)WASM_SIZE;
    CHECK(pkg_parse(p, size, &view) == PKG_OK);
    p[PKG_FIXED_SIZE] = '/'; /* not an app name */
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_FIELD);
    p[PKG_FIXED_SIZE] = 'a';
    p[PKG_FIXED_SIZE + 2] = ' '; /* version with a space */
    CHECK(pkg_parse(p, size, &view) == PKG_ERR_FIELD);
    free(p);
}

/* Random bytes, with and without the magic: refused, never accepted. */
static void test_garbage(void)
{
    uint8_t buf[600];
    int accepted = 0, not_package = 0;

    for (uint32_t seed = 1; seed <= 2000; seed++) {
        size_t len = seed % sizeof buf;
        fill(buf, sizeof buf, seed);
        if (seed % 2 == 0 && len >= 8) {
            memcpy(buf, PKG_MAGIC, 4);
            buf[4] = 1;
            buf[5] = 1;
        }
        pkg_err_t e = verify1(buf, len, NULL);
        accepted += e == PKG_OK;
        not_package += e == PKG_ERR_NOT_PACKAGE;
    }
    CHECK(accepted == 0);
    CHECK(not_package >= 900); /* the odd seeds have no magic */
    CHECK(verify1(NULL, 0, NULL) == PKG_ERR_NOT_PACKAGE);
}

/* A wrong key; no keys (integrity only); every message distinct. */
static void test_keys_and_messages(const uint8_t *wasm)
{
    uint8_t *p = NULL;
    size_t size = 0, s = PKG_FIXED_SIZE + 10 + 5;
    const pkg_key_t *other[] = {key2};
    pkg_view_t view;

    CHECK(pkg_sign(key1, "thermostat", "1.4.2", wasm, WASM_SIZE, &p, &size) == PKG_OK);
    if (!p)
        return;
    CHECK(pkg_verify(other, 1, "thermostat", p, size, &view) == PKG_ERR_UNKNOWN_KEY);
    /* no keys: signature not checked, hash and name still are */
    p[s] ^= 1;
    CHECK(pkg_verify(NULL, 0, "thermostat", p, size, &view) == PKG_OK);
    CHECK(pkg_verify(NULL, 0, "other", p, size, &view) == PKG_ERR_NAME);
    p[size - 1] ^= 1;
    CHECK(pkg_verify(NULL, 0, "thermostat", p, size, &view) == PKG_ERR_HASH);
    free(p);

    /* signing refuses what could not be installed, and a public key */
    CHECK(pkg_sign(key1, "", "1", wasm, WASM_SIZE, &p, &size) == PKG_ERR_ARGUMENT);
    CHECK(pkg_sign(key1, "a/b", "1", wasm, WASM_SIZE, &p, &size) == PKG_ERR_ARGUMENT);
    CHECK(pkg_sign(key1, "a", "1 0", wasm, WASM_SIZE, &p, &size) == PKG_ERR_ARGUMENT);
    CHECK(pkg_sign(key1, "a", "1", wasm, 0, &p, &size) == PKG_ERR_ARGUMENT);
    CHECK(pkg_sign(pub1, "a", "1", wasm, WASM_SIZE, &p, &size) == PKG_ERR_KEY);
    CHECK(p == NULL);

    for (int i = 0; i < PKG_ERR_COUNT; i++)
        for (int j = i + 1; j < PKG_ERR_COUNT; j++)
            CHECK(strcmp(pkg_strerror((pkg_err_t)i), pkg_strerror((pkg_err_t)j)) != 0);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Measurement only (printed): verify and sign times of a 100 KB app. */
static void measure(void)
{
    uint8_t *wasm = malloc(BIG_SIZE), *p = NULL;
    size_t size = 0;
    double t0, t1, t2;
    int n = 20, ok = 0;

    if (!wasm)
        return;
    fill(wasm, BIG_SIZE, 99);
    t0 = now_s();
    CHECK(pkg_sign(key1, "big", "1", wasm, BIG_SIZE, &p, &size) == PKG_OK);
    t1 = now_s();
    for (int i = 0; i < n; i++)
        ok += verify1(p, size, "big") == PKG_OK;
    t2 = now_s();
    CHECK(ok == n);
    printf("measure: 100 KB app: sign %.2f ms, verify %.2f ms (mean of %d)\n",
           (t1 - t0) * 1e3, (t2 - t1) * 1e3 / n, n);
    free(p);
    free(wasm);
}

int main(void)
{
    uint8_t wasm[WASM_SIZE];
    char cmd[128];

    snprintf(dir, sizeof dir, "/tmp/package-unit-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    fill(wasm, sizeof wasm, 7);
    memcpy(wasm, "\0asm\1\0\0\0", 8);
    test_keys();
    if (key1 && key2 && pub1) {
        test_round_trip(wasm);
        test_tampering(wasm);
        test_lengths(wasm);
        test_fields(wasm);
        test_garbage();
        test_keys_and_messages(wasm);
        measure();
    }
    pkg_key_free(key1);
    pkg_key_free(key2);
    pkg_key_free(pub1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
