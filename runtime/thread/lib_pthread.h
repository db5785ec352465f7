/* lib-pthread: the pthread natives wasm apps import from module "env"
 * (pthread_create, mutexes, condition variables, keys, posix_memalign), with
 * WAMR's names and signatures. This is its face to the runtime: registration
 * at init, the end-of-instance cleanup and the pthread_exit marker. With
 * WR_LIB_PTHREAD 0 the functions are inline no-ops, so callers need no #if. */
#ifndef WR_LIB_PTHREAD_H
#define WR_LIB_PTHREAD_H

#include <stdbool.h>
#include <string.h>

#include "../config.h"

struct WASMModuleInstanceCommon;

/* pthread_exit unwinds its thread's wasm stack with this exception; the
 * thread runner turns it into a normal end, and api_call (wasm_call.c) does
 * not spread it to the thread group as it does a trap. */
#define LIB_PTHREAD_EXIT_MSG "pthread exit"

static inline bool lib_pthread_is_exit(const char *exception)
{
    return exception && strcmp(exception, LIB_PTHREAD_EXIT_MSG) == 0;
}

#if WR_LIB_PTHREAD
/* Registers the natives under "env" (after libc-builtin, before the
 * embedder's). False only when the runtime's allocator fails. */
bool lib_pthread_register(void);

/* Called by wasm_runtime_deinstantiate for a root instance, before its app
 * heap goes: threads still running in its family are terminated and
 * joined, and every thread record, mutex, condition and key of the family
 * is freed. No-op for an instance that never used lib-pthread. */
void lib_pthread_instance_ended(struct WASMModuleInstanceCommon *inst);
#else
static inline bool lib_pthread_register(void)
{
    return true;
}

static inline void lib_pthread_instance_ended(struct WASMModuleInstanceCommon *inst)
{
    (void)inst;
}
#endif

#endif
