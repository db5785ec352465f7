/* libc-builtin: the small C library that wasm apps built with -nostdlib
 * import from module "env" (printf, malloc, strlen, ...), as WAMR's. This is
 * its face to the runtime: registration at init and the two constant
 * globals. With WR_LIBC_BUILTIN 0 the functions are inline no-ops, so
 * callers need no #if of their own. */
#ifndef WR_LIBC_BUILTIN_H
#define WR_LIBC_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>

#include "../config.h"

struct WasmGlobal;

#if WR_LIBC_BUILTIN
/* Registers every native under "env" (wasm_runtime_register_natives), so an
 * embedder's later "env" registrations win. False only when the runtime's
 * allocator fails. Called once per runtime init, after memory init. */
bool libc_builtin_register(void);

/* The constant f64 globals a module may import: "global.NaN" and
 * "global.Infinity" from "env", and WAMR's spelling, "NaN" and "Infinity"
 * from "global". Static storage, never written (immutable), no owner.
 * NULL for any other name. */
struct WasmGlobal *lb_builtin_global(const char *module_name, const char *field_name);
#else
static inline bool libc_builtin_register(void)
{
    return true;
}

static inline struct WasmGlobal *lb_builtin_global(const char *module_name,
                                                   const char *field_name)
{
    (void)module_name;
    (void)field_name;
    return NULL;
}
#endif

#endif
