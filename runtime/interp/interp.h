/* The interpreter: executes the internal code (iops.h) that the translator
 * emits. Calls between wasm functions never recurse on the C stack; only a
 * host function calling back into wasm re-enters interp_call. */
#ifndef WR_INTERP_H
#define WR_INTERP_H

#include <stdint.h>
#include <stdio.h>

#include "../common/instance.h"
#include "iops.h"

/* The interpreter has two loops built from one source: the checked loop
 * compares every memory access with the memory size, the unchecked loop
 * leaves that to guard pages (guard.h) and runs only instances whose memory
 * is guarded. A handler word names a handler of one loop, so code is made
 * for one loop: the translator writes every module for the loop that new
 * memories will most likely need (fixed at the first call), and instances
 * that need the other loop run a retargeted copy (interp_code_acquire). */

/* The word the translator writes for operation op (a label offset with
 * computed goto, the operation number with the switch build). */
uint32_t interp_handler_word(IopCode op);

/* The handler word of op in the checked (unchecked == false) or unchecked
 * loop (code_variant.c; the unchecked loop's words equal the checked ones
 * in builds without it). */
uint32_t interp_loop_word(bool unchecked, IopCode op);
/* Whether the translator writes code for the unchecked loop. */
bool interp_translates_unchecked(void);

/* The code (a Func array parallel to m->funcs) for an instance with memory
 * mem (NULL: none) and, in out_unchecked, which loop runs it: m->funcs when
 * the module was translated for that loop, else a copy retargeted to it,
 * shared by every such instance of m (code_variant.c; guard_none.c in
 * builds with one loop). False when out of memory. */
bool interp_code_acquire(const WasmModule *m, const WasmMemory *mem, const Func **out_code,
                         bool *out_unchecked);
/* Drops what interp_code_acquire gave; a copy goes with its last user. */
void interp_code_release(const WasmModule *m, const Func *code);

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
