/* guard.h for builds without guard pages (WR_GUARD_PAGES=0: 32-bit hosts,
 * microcontrollers, WAMR_DISABLE_HW_BOUND_CHECK=1): every memory is an
 * allocated block checked in software, and no wasm fault is ever caught.
 * With one interpreter loop, every instance runs its module's own code, so
 * this file also stands in for code_variant.c (interp.h). */
#include "guard.h"

#include "../config.h"
#include "interp.h"

#if WR_GUARD_PAGES
#error "guard_none.c is for WR_GUARD_PAGES=0 builds (runtime_lib.cmake picks guard.c otherwise)"
#endif

bool guard_enabled(void)
{
    return false;
}

void guard_set_enabled(bool enabled)
{
    (void)enabled;
}

bool guard_memory_map(WasmMemory *mem, uint64_t size)
{
    (void)mem;
    (void)size;
    return false;
}

bool guard_memory_commit(WasmMemory *mem, uint64_t old_size, uint64_t new_size)
{
    (void)mem;
    (void)old_size;
    (void)new_size;
    return false;
}

void guard_memory_unmap(WasmMemory *mem)
{
    (void)mem;
}

GuardRecovery *guard_recovery(void)
{
    return NULL;
}

void guard_set_recovery(GuardRecovery *recovery)
{
    (void)recovery;
}

bool interp_code_acquire(const WasmModule *m, const WasmMemory *mem, const Func **out_code,
                         bool *out_unchecked)
{
    (void)mem;
    *out_code = m->funcs;
    *out_unchecked = false;
    return true;
}

void interp_code_release(const WasmModule *m, const Func *code)
{
    (void)m;
    (void)code;
}
