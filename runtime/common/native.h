/* Host functions from the embedder: the registry of NativeSymbol arrays by
 * module name, the signature strings that describe them, and the invoker that
 * every native-backed WasmFunc uses as its host_fn. See "Native signatures" in
 * shared/docs/embedding-api.md. */
#ifndef WR_NATIVE_H
#define WR_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "../include/lib_export.h"
#include "../loader/module.h"
#include "instance.h"

/* ---- registry (thread-safe) ----
 * Arrays and names are kept by reference, not copied: the caller keeps them
 * alive until unregistered. Each array is sorted in place by symbol name (the
 * contract allows it). The newest registration is searched first. */

/* False on a NULL name, a NULL array with n > 0, a symbol without a name, or
 * when out of memory. n == 0 registers an empty array. */
bool native_register(const char *module_name, NativeSymbol *symbols, uint32_t n, bool raw);
/* Removes the registration of exactly this array under this name; false if
 * there is none. */
bool native_unregister(const char *module_name, NativeSymbol *symbols);
/* Forgets every registration (runtime destroy). */
void native_unregister_all(void);
/* Finds field in module_name, newest registration first; within one
 * registration an exact match comes first, then an import "_foo" may bind
 * the native "foo". NULL when absent. The result points into the embedder's
 * array. out_raw may be NULL. */
const NativeSymbol *native_lookup(const char *module_name, const char *field, bool *out_raw);

/* ---- signatures ----
 * Both return false with the reason in err (NUL-terminated, truncated; err
 * may be NULL), e.g. "signature (ii)i does not match (i32) -> i32". */

/* Checks a signature native: grammar (letters, '~' right after '*', the
 * parens, at most one result letter), the match against type, and that this
 * target's invoker can pass the arguments. NULL or "" always match. */
bool native_signature_matches(const char *signature, const FuncType *type, char *err,
                              uint32_t err_size);
/* What a linker should call before binding sym to an import of the given
 * type: as native_signature_matches, except that raw natives skip the target
 * limits (they take a slot array), and that an unchecked (NULL or "")
 * non-raw native must have a type the invoker can pass by its wasm types
 * (no v128, at most one result, within the target's argument limits). */
bool native_symbol_matches(const NativeSymbol *sym, bool raw, const FuncType *type, char *err,
                           uint32_t err_size);

/* ---- invoking ----
 * The HostFuncRaw of every native-backed WasmFunc. Reads env->host_func (its
 * native, native_raw and type) and env->module_inst (the caller, whose memory
 * '*' and '$' arguments point into), converts the slots in args as the
 * signature says, calls the embedder's function and writes its result to
 * args[0]. An invalid '*' or '$' argument sets "out of bounds memory access"
 * on env->module_inst without calling the native. The linker sets the
 * WasmFunc's attachment from the symbol's; call_host hands it on. */
void native_invoke(WasmExecEnv *env, uint64_t *args);

#endif
