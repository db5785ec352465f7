/* The `spectest` host module that the WebAssembly spec suite's modules
 * import: seven print functions, four globals, a table and two memories.
 * Shared by wasm-spectest (test/spec) and wasm-diff-modes (test/diff), so
 * both runners give the suite the same imports. */
#ifndef WR_TEST_SPECTEST_HOST_H
#define WR_TEST_SPECTEST_HOST_H

#include <stdbool.h>

#include "common/instance.h"

#define SPECTEST_N_PRINT 7 /* print, print_i32, ... print_f64_f64 */
#define SPECTEST_N_GLOBALS 4 /* global_i32, global_i64, global_f32, global_f64 */

struct SpectestPrintDesc; /* name and parameter types, in spectest_host.c */

/* The attachment of one print function: it must live as long as the
 * function, hence its place inside SpectestHost. */
typedef struct SpectestPrint {
    const struct SpectestPrintDesc *desc;
    bool verbose; /* print the call to stdout; otherwise the call does nothing */
} SpectestPrint;

/* One set of spectest objects. The set owns them all; instances that
 * imported them must be released before spectest_host_fini. The fields
 * are public so that a runner can tell its host functions apart from the
 * instances' (wasm-diff-modes compares function references). */
typedef struct SpectestHost {
    FuncType *types[SPECTEST_N_PRINT];
    WasmFunc *funcs[SPECTEST_N_PRINT];
    SpectestPrint prints[SPECTEST_N_PRINT];
    WasmGlobal *globals[SPECTEST_N_GLOBALS];
    WasmTable *table;
    WasmMemory *memory;
    WasmMemory *shared_memory;
} SpectestHost;

/* Makes every object; the memories are of the kind the runtime makes at
 * the time of the call (guard_set_enabled). False when out of memory, with
 * everything made so far freed. */
bool spectest_host_init(SpectestHost *h, bool verbose);

/* Frees every object and zeroes h; safe on a zeroed or failed set. */
void spectest_host_fini(SpectestHost *h);

/* The import `spectest`.field; false when there is no such field. */
bool spectest_host_lookup(const SpectestHost *h, const char *field, RtExtern *out);

#endif
