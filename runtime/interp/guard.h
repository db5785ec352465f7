/* Guard-page linear memories: on 64-bit hosts a 32-bit memory gets a
 * reservation covering every address a wasm access can form (u32 base + u32
 * offset + access size), inaccessible except for its committed size, so the
 * interpreter's unchecked loop needs no bounds compare: an out-of-bounds
 * access faults, and the fault becomes the trap "out of bounds memory
 * access". guard.c implements it (WR_GUARD_PAGES builds), guard_none.c is
 * the stand-in for every other build, where all memories are checked in
 * software.
 *
 * Faults: a fault turns into a trap only when its thread is running guarded
 * wasm code (a recovery point is set, see guard_set_recovery) and its
 * address lies in a live reservation; any other fault goes on to the
 * signal handler installed before ours. */
#ifndef WR_GUARD_H
#define WR_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/instance.h"
#include "../platform/os.h"

/* Whether a memory made now gets guard pages: never without WR_GUARD_PAGES
 * or in pool mode (every runtime byte must stay in the embedder's buffer);
 * otherwise unless guard_set_enabled(false) was called or the environment
 * sets WR_DISABLE_HW_BOUND_CHECK (to anything but "0"). Even when enabled,
 * a memory falls back to software checks if its reservation fails. */
bool guard_enabled(void);
/* For tests and tools: false makes new memories software-checked, true
 * returns to the default above. Memories already made keep their kind. */
void guard_set_enabled(bool enabled);

/* Makes mem a guard-page memory of size bytes (data, guarded); false, with
 * mem unchanged, when guard pages are disabled or the reservation, the
 * commit or the fault handler cannot be had: the caller then allocates. */
bool guard_memory_map(WasmMemory *mem, uint64_t size);
/* Opens [old_size, new_size) of a guarded memory for access (grow). */
bool guard_memory_commit(WasmMemory *mem, uint64_t old_size, uint64_t new_size);
/* Unmaps a guarded memory's reservation. */
void guard_memory_unmap(WasmMemory *mem);

/* A point a wasm fault jumps back to: set by the interpreter where it
 * enters its unchecked loop. */
typedef struct GuardRecovery {
    os_jmp_buf jump;
} GuardRecovery;

/* This thread's recovery point, or NULL while it runs no guarded wasm code
 * (host functions and the checked loop clear it, and put it back after). */
GuardRecovery *guard_recovery(void);
void guard_set_recovery(GuardRecovery *recovery);

#endif
