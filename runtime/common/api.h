/* Private to the embedding API (wasm_runtime.c, wasm_call.c, wasm_memory.c):
 * the module handle and helpers shared by those files, and the deferred
 * start hook the app manager uses (below). */
#ifndef WR_API_H
#define WR_API_H

#include "../include/wasm_export.h"
#include "instance.h"

/* wasm_module_t: the decoded module plus what the API binds at load time. */
struct WASMModuleCommon {
    WasmModule *module;
    /* One host function per function import: a registered native, or a
     * stub that traps "failed to call unlinked import function". */
    WasmFunc *import_funcs;
    uint8_t *owned_binary; /* our copy of the bytes, when the caller may free theirs */
    char *name;
    struct WasiConfig *wasi; /* set by wasm_runtime_set_wasi_args* (libc-wasi/), or NULL */
};

/* Writes "WASM module load failed: ..." style errors: NULL buffer allowed,
 * always NUL-terminated, truncated to fit. */
#define api_error rt_set_error

/* Copies an argv-cell array into slots by the function's param types and
 * back; false when the cells do not cover the params. */
bool api_cells_to_slots(const FuncType *t, uint32_t argc, const uint32_t *argv, Slot *slots);
void api_slots_to_cells(const FuncType *t, const Slot *slots, uint32_t *argv);

/* Calls f on env, checking the runtime is usable; sets exceptions. */
bool api_call(WasmExecEnv *env, WasmFunc *f, Slot *slots);

/* App heap placement (wasm_memory.c), run before the start function. */
bool api_setup_app_heap(WasmInstance *inst, uint32_t heap_size, char *err, uint32_t err_size);
void api_free_app_heap(WasmInstance *inst);

/* The exec env the calling thread is running wasm on, if any (set around
 * every call), so natives' requests (module_malloc) reuse it. */
WasmExecEnv *api_current_env(void);

/* ---- deferred start: the one internal hook app-mgr/core uses ----
 * wasm_runtime_instantiate runs the module's start function inside the
 * call, on the caller's thread, where nothing can stop it: a start function
 * that never returns hangs the caller. api_instantiate with flags 0 is
 * wasm_runtime_instantiate; with RT_INSTANTIATE_DEFER_START it does all
 * the rest (imports, segments, app heap, WASI) and skips the start
 * function. The caller then runs api_start_function(inst), if not NULL,
 * once and before any other call, like any export: wasm_runtime_call_wasm
 * on an exec env of inst, which wasm_runtime_terminate interrupts. If it
 * fails the exception is set and the caller deinstantiates inst. */
wasm_module_inst_t api_instantiate(const wasm_module_t module, uint32_t stack_size,
                                   uint32_t heap_size, uint32_t flags, char *error_buf,
                                   uint32_t error_buf_size);
/* The module's start function (start section), or NULL. */
wasm_function_inst_t api_start_function(const wasm_module_inst_t module_inst);

#endif
