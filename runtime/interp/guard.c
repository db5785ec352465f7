/* Guard-page linear memories (see guard.h): the reservations, the registry
 * the fault hook searches, the per-thread recovery point, and the choice
 * between guard pages and software checks. Built for WR_GUARD_PAGES
 * (64-bit POSIX hosts); guard_none.c replaces it elsewhere. */
#include "guard.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../mem/mem.h"

#if !WR_GUARD_PAGES
#error "guard.c is for WR_GUARD_PAGES=1 builds (runtime_lib.cmake picks guard_none.c otherwise)"
#endif

/* Every address an access to a 32-bit memory can form: u32 base + u32
 * offset + up to 8 bytes, i.e. less than 8 GiB + 8. One wasm page more
 * keeps the size a multiple of any OS page size up to 64 KiB. */
#define RESERVATION_SIZE ((8ull << 30) + 65536u)

/* ------------------------------------------------------------------------
 * Mode choice
 * ------------------------------------------------------------------------ */

enum { CHOICE_DEFAULT, CHOICE_SOFTWARE };
static atomic_int choice = CHOICE_DEFAULT;

/* The environment is read once: getenv races with setenv, and the answer
 * must not change while modules are being loaded. */
static bool disabled_by_environment(void)
{
    static atomic_int cached; /* 0: not read yet, 1: disabled, 2: not disabled */
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v == 0) {
        const char *s = getenv("WR_DISABLE_HW_BOUND_CHECK");
        v = s && *s && strcmp(s, "0") != 0 ? 1 : 2;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v == 1;
}

bool guard_enabled(void)
{
    return atomic_load_explicit(&choice, memory_order_relaxed) == CHOICE_DEFAULT &&
           !mem_is_pool() && !disabled_by_environment();
}

void guard_set_enabled(bool enabled)
{
    atomic_store_explicit(&choice, enabled ? CHOICE_DEFAULT : CHOICE_SOFTWARE,
                          memory_order_relaxed);
}

/* ------------------------------------------------------------------------
 * The registry of live reservations
 * ------------------------------------------------------------------------ */

/* The fault hook runs in signal context, so it can take no lock: the
 * registry is a fixed array of atomic base addresses (0 = free slot). Its
 * size covers a 47-bit address space full of reservations; past that, a
 * memory simply gets software checks. slots_used is a high-water mark that
 * keeps the hook's scan short. */
#define MAX_RESERVATIONS 16384u
static atomic_uintptr_t reservation_bases[MAX_RESERVATIONS];
static atomic_uint slots_used;

static bool registry_add(uintptr_t base)
{
    for (unsigned i = 0; i < MAX_RESERVATIONS; i++) {
        uintptr_t expected = 0;
        if (!atomic_compare_exchange_strong(&reservation_bases[i], &expected, base))
            continue;
        unsigned used = atomic_load(&slots_used);
        while (used < i + 1 && !atomic_compare_exchange_weak(&slots_used, &used, i + 1))
            ;
        return true;
    }
    return false;
}

static void registry_remove(uintptr_t base)
{
    unsigned used = atomic_load(&slots_used);
    for (unsigned i = 0; i < used; i++) {
        uintptr_t expected = base;
        if (atomic_compare_exchange_strong(&reservation_bases[i], &expected, 0))
            return;
    }
}

static bool registry_holds(uintptr_t addr)
{
    unsigned used = atomic_load(&slots_used);
    for (unsigned i = 0; i < used; i++) {
        uintptr_t base = atomic_load(&reservation_bases[i]);
        if (base && addr - base < RESERVATION_SIZE)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Faults
 * ------------------------------------------------------------------------ */

/* Set by the interpreter only around its unchecked loop (interp.c). The
 * fault hook reads it on any thread, also one that never ran wasm: with the
 * initial-exec model that read is a plain load even when the runtime is
 * linked into a shared library, where the default model could allocate
 * inside the signal handler. */
#if defined(__GNUC__) || defined(__clang__)
#define TLS_IN_HANDLER __attribute__((tls_model("initial-exec")))
#else
#define TLS_IN_HANDLER
#endif
static _Thread_local TLS_IN_HANDLER GuardRecovery *thread_recovery;

GuardRecovery *guard_recovery(void)
{
    return thread_recovery;
}

void guard_set_recovery(GuardRecovery *recovery)
{
    thread_recovery = recovery;
}

/* Signal context: reads one thread-local and atomics, nothing else. A
 * reservation being removed by another thread is never the one this thread
 * is accessing: that would be a use after free in the embedder. */
static void on_fault(void *fault_addr)
{
    GuardRecovery *recovery = thread_recovery;
    if (recovery && registry_holds((uintptr_t)fault_addr))
        os_longjmp(recovery->jump);
}

/* ------------------------------------------------------------------------
 * Guarded memories
 * ------------------------------------------------------------------------ */

bool guard_memory_map(WasmMemory *mem, uint64_t size)
{
    if (!guard_enabled() || size > RESERVATION_SIZE || !os_fault_handler_install(on_fault))
        return false;
    uint8_t *base = os_vm_reserve(RESERVATION_SIZE);
    if (!base)
        return false;
    if (!os_vm_commit(base, size) || !registry_add((uintptr_t)base)) {
        os_vm_release(base, RESERVATION_SIZE);
        return false;
    }
    mem->data = base;
    mem->guarded = true;
    return true;
}

bool guard_memory_commit(WasmMemory *mem, uint64_t old_size, uint64_t new_size)
{
    if (new_size <= old_size)
        return true;
    return new_size <= RESERVATION_SIZE && os_vm_commit(mem->data + old_size, new_size - old_size);
}

void guard_memory_unmap(WasmMemory *mem)
{
    if (!mem->guarded || !mem->data)
        return;
    registry_remove((uintptr_t)mem->data);
    os_vm_release(mem->data, RESERVATION_SIZE);
    mem->data = NULL;
    mem->guarded = false;
}
