/* Install verification on a device: the trusted signing keys, and the
 * app manager's verify hook (app_manager.h) that every install goes
 * through, from the host link, from apps, and from the app store's
 * restores. It joins the signed packages of package.h to app-mgr/core,
 * which itself knows nothing of packages or mbedTLS. */
#ifndef PKG_TRUST_H
#define PKG_TRUST_H

#include <stdbool.h>
#include <stdint.h>

#include "app_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the public keys (PEM) at paths[0..n) and makes am check every
 * install against them before any of it is loaded:
 *  - with keys, only a package (package.h) signed by one of them, whose
 *    wasm matches its signed hash and whose name is the install's name, is
 *    installed (its wasm, unwrapped); anything else is refused with 131
 *    FORBIDDEN and the reason;
 *  - with none, installs are open, as in the reference: plain wasm installs
 *    as it is; a package is unwrapped once its hash and name check out (131
 *    if not), its signature unchecked, which is logged as a warning. A
 *    warning at attach time says installs are not verified.
 * The keys belong to am from then on (freed in am_shutdown). log may be NULL
 * (stderr). False with the reason in err if a key file is unusable; am is
 * then unchanged. */
bool pkg_trust_attach(am_t *am, const char *const *paths, uint32_t n, am_log_fn log,
                      void *log_user, char *err, uint32_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* PKG_TRUST_H */
