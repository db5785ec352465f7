/* The app manager's verify hook over signed packages (pkg_trust.h): which
 * payloads a device installs, with and without trusted keys, and the
 * reason it gives when it refuses one. */
#include "pkg_trust.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "package.h"
#include "shared_utils.h"

typedef struct trust {
    pthread_mutex_t lock; /* pkg_verify is not for two threads on one key */
    pkg_key_t **keys;
    uint32_t n_keys;
    am_log_fn log;
    void *log_user;
} trust_t;

static void trust_log(const trust_t *t, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void trust_log(const trust_t *t, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->log)
        t->log(t->log_user, level, line);
    else
        fprintf(stderr, "[app-package] %s\n", line);
}

static void trust_free(void *user)
{
    trust_t *t = user;

    if (!t)
        return;
    for (uint32_t i = 0; i < t->n_keys; i++)
        pkg_key_free(t->keys[i]);
    free(t->keys);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* The reason a package was refused, as the host reads it. */
static void refusal(pkg_err_t e, const pkg_view_t *view, const char *name, char *err,
                    uint32_t err_size)
{
    char id[2 * PKG_KEY_ID_SIZE + 1];

    if (e == PKG_ERR_UNKNOWN_KEY) {
        pkg_key_id_hex(view->key_id, id);
        snprintf(err, err_size, "package refused: %s (key id %s).", pkg_strerror(e), id);
    } else if (e == PKG_ERR_NAME) {
        snprintf(err, err_size, "package refused: %s ('%s', not '%s').", pkg_strerror(e),
                 view->name, name);
    } else {
        snprintf(err, err_size, "package refused: %s.", pkg_strerror(e));
    }
}

static int trust_verify(void *user, const char *name, const uint8_t *payload, uint32_t size,
                        const uint8_t **out_wasm, uint32_t *out_wasm_size, char *err,
                        uint32_t err_size)
{
    trust_t *t = user;
    char id[2 * PKG_KEY_ID_SIZE + 1];
    pkg_view_t view;
    pkg_err_t e;

    if (!pkg_is_package(payload, size)) {
        if (t->n_keys == 0)
            return 0; /* open device: wasm as the reference takes it */
        snprintf(err, err_size, "not a signed package: this device installs only apps signed "
                                "by a key it trusts.");
        return FORBIDDEN_4_03;
    }
    pthread_mutex_lock(&t->lock);
    e = pkg_verify((const pkg_key_t *const *)t->keys, t->n_keys, name, payload, size, &view);
    pthread_mutex_unlock(&t->lock);
    if (e != PKG_OK) {
        refusal(e, &view, name, err, err_size);
        return FORBIDDEN_4_03;
    }
    *out_wasm = view.wasm;
    *out_wasm_size = view.wasm_size;
    pkg_key_id_hex(view.key_id, id);
    if (t->n_keys)
        trust_log(t, 2, "app '%s' version %s: signature verified (key id %s)", name,
                  view.version, id);
    else
        trust_log(t, 1, "app '%s' version %s: package signature NOT verified (no trusted "
                        "keys); installed on its hash alone", name, view.version);
    return 0;
}

/* Reads every key; false with err set (and nothing kept) if one fails. */
static bool trust_load(trust_t *t, const char *const *paths, uint32_t n, char *err,
                       uint32_t err_size)
{
    char detail[384], id_hex[2 * PKG_KEY_ID_SIZE + 1];
    uint8_t id[PKG_KEY_ID_SIZE];

    if (n && !(t->keys = calloc(n, sizeof *t->keys))) {
        snprintf(err, err_size, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        detail[0] = '\0';
        if (pkg_key_load(paths[i], false, &t->keys[i], detail, sizeof detail) != PKG_OK) {
            snprintf(err, err_size, "trusted key: %s", detail);
            return false;
        }
        t->n_keys = i + 1;
        pkg_key_id(t->keys[i], id);
        pkg_key_id_hex(id, id_hex);
        trust_log(t, 2, "trusting app signing key %s (key id %s)", paths[i], id_hex);
    }
    return true;
}

bool pkg_trust_attach(am_t *am, const char *const *paths, uint32_t n, am_log_fn log,
                      void *log_user, char *err, uint32_t err_size)
{
    trust_t *t = calloc(1, sizeof *t);

    if (!t || pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        snprintf(err, err_size, "out of memory");
        return false;
    }
    t->log = log;
    t->log_user = log_user;
    if (!am || (n && !paths) || !trust_load(t, paths, n, err, err_size)) {
        if (!am || (n && !paths))
            snprintf(err, err_size, "no app manager or key list");
        trust_free(t);
        return false;
    }
    if (n == 0)
        trust_log(t, 1, "no trusted signing keys: app installs are NOT verified "
                        "(any wasm is installed)");
    else
        trust_log(t, 2, "app installs must be packages signed by one of %u trusted key(s)", n);
    am_set_verifier(am, trust_verify, trust_free, t);
    return true;
}
