/* The interpreter: executes the internal code (iops.h) that the translator
 * emits. Calls between wasm functions never recurse on the C stack; only a
 * host function calling back into wasm re-enters interp_call. */
#ifndef WR_INTERP_H
#define WR_INTERP_H

#include <stdint.h>
#include <stdio.h>

#include "../common/instance.h"
#include "iops.h"

/* The word the translator writes for operation op (a label offset with
 * computed goto, the operation number with the switch build). */
uint32_t interp_handler_word(IopCode op);

/* Run f on env with arguments in args_results[0..n_params); results are
 * written back from args_results[0]. False with the exception set on
 * env->module_inst when the call trapped. */
bool interp_call(WasmExecEnv *env, WasmFunc *f, Slot *args_results);

/* Internal instructions dispatched so far (WR_DISPATCH_COUNT builds; 0
 * otherwise). */
uint64_t interp_dispatch_count(void);

/* The n most frequent operations and operation pairs executed so far
 * (switch build with WR_DISPATCH_COUNT only; prints nothing otherwise). */
void interp_profile_dump(FILE *out, unsigned n);

#endif
