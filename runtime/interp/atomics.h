/* The threads proposal's atomic memory instructions, out of the
 * interpreter's hot loop. Each returns NULL or the trap message. Bounds
 * are checked against the memory's current size, then alignment
 * ("unaligned atomic"). */
#ifndef WR_ATOMICS_H
#define WR_ATOMICS_H

#include "../common/instance.h"

enum { ATOMIC_ADD, ATOMIC_SUB, ATOMIC_AND, ATOMIC_OR, ATOMIC_XOR, ATOMIC_XCHG };

/* The access: size in bytes (1, 2, 4, 8); is64 when the value type is i64. */
typedef struct AtomicAccess {
    uint32_t addr;
    uint32_t offset;
    unsigned size;
    bool is64;
} AtomicAccess;

const char *atom_load(WasmMemory *mem, const AtomicAccess *a, Slot *out);
const char *atom_store(WasmMemory *mem, const AtomicAccess *a, Slot value);
const char *atom_rmw(WasmMemory *mem, const AtomicAccess *a, unsigned op, Slot value, Slot *out);
const char *atom_cmpxchg(WasmMemory *mem, const AtomicAccess *a, Slot expected, Slot replacement,
                           Slot *out);
const char *atom_notify(WasmMemory *mem, const AtomicAccess *a, uint32_t count, Slot *out);
const char *atom_wait(WasmExecEnv *env, WasmMemory *mem, const AtomicAccess *a, Slot expected,
                        int64_t timeout_ns, Slot *out);

#endif
