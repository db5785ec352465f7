/* WASI preview1 (runtime/libc-wasi) as the rest of the runtime sees it:
 * registering the natives once, freeing a module's WASI configuration, and
 * giving each instance of a WASI module its ctx. With WR_LIBC_WASI 0 these
 * are no-ops (and the public wasm_runtime_*wasi* functions are not built),
 * so their callers need no #if. */
#ifndef WR_WASI_H
#define WR_WASI_H

#include <stdbool.h>
#include <stdint.h>

#include "../config.h"

struct WasiConfig;
struct WASMModuleInstanceCommon;

#if WR_LIBC_WASI
/* Registers every native under "wasi_snapshot_preview1" and "wasi_unstable"
 * (runtime init; natives registered later by the embedder win). */
bool libc_wasi_register(void);
/* wasm_runtime_unload: frees what wasm_runtime_set_wasi_args* stored. */
void wasi_config_free(struct WasiConfig *cfg);
/* Gives inst its ctx when its module is in WASI mode (imports from a WASI
 * module or exports "_start"), built from cfg (NULL: no args, env or
 * dirs). False with the reason in err (e.g. a directory that cannot be
 * opened). */
bool wasi_instance_init(struct WASMModuleInstanceCommon *inst, const struct WasiConfig *cfg,
                        char *err, uint32_t err_size);
/* wasm_runtime_deinstantiate: closes the instance's descriptors. */
void wasi_instance_deinit(struct WASMModuleInstanceCommon *inst);
#else
static inline bool libc_wasi_register(void)
{
    return true;
}
static inline void wasi_config_free(struct WasiConfig *cfg)
{
    (void)cfg;
}
static inline bool wasi_instance_init(struct WASMModuleInstanceCommon *inst,
                                      const struct WasiConfig *cfg, char *err,
                                      uint32_t err_size)
{
    (void)inst;
    (void)cfg;
    (void)err;
    (void)err_size;
    return true;
}
static inline void wasi_instance_deinit(struct WASMModuleInstanceCommon *inst)
{
    (void)inst;
}
#endif

#endif
