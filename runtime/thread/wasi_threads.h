/* wasi-threads: the import "wasi" "thread-spawn" (i32) -> i32. This is its
 * face to the runtime: registration at init and the end-of-instance
 * cleanup. With WR_LIB_WASI_THREADS 0 both are inline no-ops. */
#ifndef WR_WASI_THREADS_H
#define WR_WASI_THREADS_H

#include <stdbool.h>

#include "../config.h"

struct WASMModuleInstanceCommon;

#if WR_LIB_WASI_THREADS
/* Registers thread-spawn under "wasi". False only when the runtime's
 * allocator fails. */
bool wasi_threads_register(void);

/* Called by wasm_runtime_deinstantiate for a root instance, before its app
 * heap goes: its threads still running are terminated, and all are joined
 * and freed. No-op for an instance that never spawned. */
void wasi_threads_instance_ended(struct WASMModuleInstanceCommon *inst);
#else
static inline bool wasi_threads_register(void)
{
    return true;
}

static inline void wasi_threads_instance_ended(struct WASMModuleInstanceCommon *inst)
{
    (void)inst;
}
#endif

#endif
