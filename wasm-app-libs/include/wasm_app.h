/* The one header a wasm app needs: the whole app API (requests and events,
 * timers, sensors, connections, attr_container) plus the libc-builtin
 * headers and typedefs WAMR apps rely on. The app defines on_init() and
 * may define on_destroy(); the library exports everything else the device
 * calls. See wasm-app-libs/README.md for the build command. */
#ifndef _LIB_AEE_H_
#define _LIB_AEE_H_

#include "bh_platform.h"
#include "attr_container.h"
#include "shared_utils.h"
#include "wa-inc/request.h"
#include "wa-inc/timer_wasm_app.h"
#include "wa-inc/sensor.h"
#include "wa-inc/connection.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __wasm__
#define WASM_APP_EXPORT(name) __attribute__((export_name(name)))
#else
#define WASM_APP_EXPORT(name)
#endif

/* Called once on the app's thread after install, before any other callback.
 * Declared here so that the definition is exported under its own name. */
WASM_APP_EXPORT("on_init") void on_init(void);

/* Called at uninstall, if the app defines it. The device then frees all the
 * app owns (resources, subscriptions, timers, sensors, connections), so it
 * has nothing it must clean up. */
WASM_APP_EXPORT("on_destroy") void on_destroy(void);

#ifdef __cplusplus
}
#endif

#endif /* _LIB_AEE_H_ */
