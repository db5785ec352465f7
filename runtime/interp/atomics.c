/* Atomic instructions (see atomics.h). Wasm memory is little-endian: on a
 * little-endian host the C11/GCC atomics act on it directly; a big-endian
 * host byte-swaps inside compare-and-swap loops. */
#include "atomics.h"

#include <stddef.h>

#include "../thread/wait.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WR_BIG_ENDIAN 1
#else
#define WR_BIG_ENDIAN 0
#endif

/* The effective address, checked; NULL with the trap message set. */
static uint8_t *address(WasmMemory *mem, const AtomicAccess *a, const char **out_trap)
{
    uint64_t ea = (uint64_t)a->addr + a->offset;
    if (!mem || ea + a->size > __atomic_load_n(&mem->size, __ATOMIC_ACQUIRE)) {
        *out_trap = "out of bounds memory access";
        return NULL;
    }
    if (ea & (a->size - 1)) {
        *out_trap = "unaligned atomic";
        return NULL;
    }
    *out_trap = NULL;
    return mem->data + ea;
}

/* The operand truncated to the access size (i32 values live in .u32). */
static uint64_t operand(const AtomicAccess *a, Slot v)
{
    uint64_t x = a->is64 ? v.u64 : v.u32;
    return a->size == 8 ? x : x & ((1ull << (a->size * 8)) - 1);
}

static void set_result(const AtomicAccess *a, uint64_t v, Slot *out)
{
    if (a->is64)
        out->u64 = v;
    else
        out->u32 = (uint32_t)v;
}

static uint64_t swap_bytes(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    case 8: return __builtin_bswap64(v);
    default: return v;
    }
}

/* Native-order load/compare-and-swap of 1..8 bytes. */
static uint64_t raw_load(uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return __atomic_load_n(p, __ATOMIC_SEQ_CST);
    case 2: return __atomic_load_n((uint16_t *)p, __ATOMIC_SEQ_CST);
    case 4: return __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST);
    default: return __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);
    }
}

static bool raw_cas(uint8_t *p, unsigned size, uint64_t *expected, uint64_t desired)
{
    switch (size) {
    case 1: {
        uint8_t e = (uint8_t)*expected;
        bool ok = __atomic_compare_exchange_n(p, &e, (uint8_t)desired, false, __ATOMIC_SEQ_CST,
                                              __ATOMIC_SEQ_CST);
        *expected = e;
        return ok;
    }
    case 2: {
        uint16_t e = (uint16_t)*expected;
        bool ok = __atomic_compare_exchange_n((uint16_t *)p, &e, (uint16_t)desired, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *expected = e;
        return ok;
    }
    case 4: {
        uint32_t e = (uint32_t)*expected;
        bool ok = __atomic_compare_exchange_n((uint32_t *)p, &e, (uint32_t)desired, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *expected = e;
        return ok;
    }
    default:
        return __atomic_compare_exchange_n((uint64_t *)p, expected, desired, false,
                                           __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
}

/* Little-endian value <-> native order. */
static uint64_t from_le(uint64_t v, unsigned size)
{
    return WR_BIG_ENDIAN ? swap_bytes(v, size) : v;
}

static uint64_t apply(unsigned op, uint64_t old, uint64_t v)
{
    switch (op) {
    case ATOMIC_ADD: return old + v;
    case ATOMIC_SUB: return old - v;
    case ATOMIC_AND: return old & v;
    case ATOMIC_OR: return old | v;
    case ATOMIC_XOR: return old ^ v;
    default: return v; /* ATOMIC_XCHG */
    }
}

const char *atom_load(WasmMemory *mem, const AtomicAccess *a, Slot *out)
{
    const char *trap;
    uint8_t *p = address(mem, a, &trap);
    if (p)
        set_result(a, from_le(raw_load(p, a->size), a->size), out);
    return trap;
}

/* Read-modify-write as a compare-and-swap loop: one code path for every
 * operation, size and host byte order. Lock-free wherever the host has a
 * CAS of that width. */
const char *atom_rmw(WasmMemory *mem, const AtomicAccess *a, unsigned op, Slot value, Slot *out)
{
    const char *trap;
    uint8_t *p = address(mem, a, &trap);
    if (!p)
        return trap;
    uint64_t v = operand(a, value), mask = a->size == 8 ? ~0ull : (1ull << (a->size * 8)) - 1;
    uint64_t seen = raw_load(p, a->size), old;
    do {
        old = from_le(seen, a->size);
    } while (!raw_cas(p, a->size, &seen, from_le(apply(op, old, v) & mask, a->size)));
    set_result(a, old, out);
    return NULL;
}

const char *atom_store(WasmMemory *mem, const AtomicAccess *a, Slot value)
{
    Slot ignored;
    return atom_rmw(mem, a, ATOMIC_XCHG, value, &ignored);
}

const char *atom_cmpxchg(WasmMemory *mem, const AtomicAccess *a, Slot expected, Slot replacement,
                           Slot *out)
{
    const char *trap;
    uint8_t *p = address(mem, a, &trap);
    if (!p)
        return trap;
    uint64_t want = from_le(operand(a, expected), a->size);
    uint64_t seen = want;
    raw_cas(p, a->size, &seen, from_le(operand(a, replacement), a->size));
    set_result(a, from_le(seen, a->size), out);
    return NULL;
}

const char *atom_notify(WasmMemory *mem, const AtomicAccess *a, uint32_t count, Slot *out)
{
    const char *trap;
    uint8_t *p = address(mem, a, &trap);
    if (!p)
        return trap;
    /* Nobody can wait on unshared memory, so there is nobody to wake. */
    out->u32 = mem->shared ? notify_address(p, count) : 0;
    return NULL;
}

const char *atom_wait(WasmExecEnv *env, WasmMemory *mem, const AtomicAccess *a, Slot expected,
                        int64_t timeout_ns, Slot *out)
{
    const char *trap;
    uint8_t *p = address(mem, a, &trap);
    if (!p)
        return trap;
    if (!mem->shared)
        return "expected shared memory";
    int r = wait_on_address(p, from_le(operand(a, expected), a->size), a->is64, timeout_ns,
                            &env->interrupt);
    if (r < 0)
        return "terminated by user";
    out->u32 = (uint32_t)r;
    return NULL;
}
