/* The interpreter: the helpers its handlers share, its two loops (the
 * handlers themselves are in interp_loop.inc, see interp.h), and the entry
 * from the host, which picks the loop and, for the unchecked one, sets the
 * point a guard-page fault returns to. */
#include "interp.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../common/segments.h"
#include "atomics.h"
#include "guard.h"
#include "../config.h"

/* ------------------------------------------------------------------ */
/* little-endian memory access (wasm memory is little-endian)           */
/* ------------------------------------------------------------------ */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WR_BIG_ENDIAN 1
#else
#define WR_BIG_ENDIAN 0
#endif

static inline uint16_t load16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return WR_BIG_ENDIAN ? __builtin_bswap16(v) : v;
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return WR_BIG_ENDIAN ? __builtin_bswap32(v) : v;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return WR_BIG_ENDIAN ? __builtin_bswap64(v) : v;
}

static inline void store16(uint8_t *p, uint16_t v)
{
    v = WR_BIG_ENDIAN ? __builtin_bswap16(v) : v;
    memcpy(p, &v, 2);
}

static inline void store32(uint8_t *p, uint32_t v)
{
    v = WR_BIG_ENDIAN ? __builtin_bswap32(v) : v;
    memcpy(p, &v, 4);
}

static inline void store64(uint8_t *p, uint64_t v)
{
    v = WR_BIG_ENDIAN ? __builtin_bswap64(v) : v;
    memcpy(p, &v, 8);
}

/* ------------------------------------------------------------------ */
/* numeric helpers with the spec's exact semantics                      */
/* ------------------------------------------------------------------ */

static inline uint32_t rotl32(uint32_t x, uint32_t n)
{
    n &= 31;
    return (x << n) | (x >> ((32 - n) & 31));
}

static inline uint32_t rotr32(uint32_t x, uint32_t n)
{
    n &= 31;
    return (x >> n) | (x << ((32 - n) & 31));
}

static inline uint64_t rotl64(uint64_t x, uint64_t n)
{
    n &= 63;
    return (x << n) | (x >> ((64 - n) & 63));
}

static inline uint64_t rotr64(uint64_t x, uint64_t n)
{
    n &= 63;
    return (x >> n) | (x << ((64 - n) & 63));
}

static inline uint32_t clz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_clz(x) : 32;
}

static inline uint32_t ctz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_ctz(x) : 32;
}

static inline uint64_t clz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_clzll(x) : 64;
}

static inline uint64_t ctz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_ctzll(x) : 64;
}

/* min/max: NaN in -> NaN out (a + b propagates and quiets it); -0 < +0. */
static float f32_min(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static float f32_max(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static double f64_min(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static double f64_max(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Rounding: a NaN operand must come back quiet (an "arithmetic" NaN), which
 * the C library's rounding functions do not promise for signaling NaNs. */
static float f32_round(float x, int how)
{
    if (isnan(x))
        return x + x;
    switch (how) {
    case 0: return ceilf(x);
    case 1: return floorf(x);
    case 2: return truncf(x);
    default: return nearbyintf(x);
    }
}

static double f64_round(double x, int how)
{
    if (isnan(x))
        return x + x;
    switch (how) {
    case 0: return ceil(x);
    case 1: return floor(x);
    case 2: return trunc(x);
    default: return nearbyint(x);
    }
}

/* Saturating truncations: NaN -> 0, out of range -> the nearest bound. */
static int32_t sat_i32_f64(double x)
{
    if (isnan(x))
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}

static uint32_t sat_u32_f64(double x)
{
    if (isnan(x) || x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}

static int64_t sat_i64_f64(double x)
{
    if (isnan(x))
        return 0;
    if (x < -9223372036854775808.0)
        return INT64_MIN;
    if (x >= 9223372036854775808.0)
        return INT64_MAX;
    return (int64_t)x;
}

static uint64_t sat_u64_f64(double x)
{
    if (isnan(x) || x <= -1.0)
        return 0;
    if (x >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)x;
}

/* Trapping truncations: the range test is exact for both source widths
 * because every bound is representable in f64. Returns a trap message. */
static const char *trunc_check(double x, double lower_exclusive, double upper_exclusive)
{
    if (isnan(x))
        return "invalid conversion to integer";
    if (!(x > lower_exclusive && x < upper_exclusive))
        return "integer overflow";
    return NULL;
}

/* ------------------------------------------------------------------ */
/* out-of-line slow paths                                               */
/* ------------------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
#define COLD __attribute__((noinline, cold))
#else
#define COLD
#endif

static uint64_t dispatch_counter;
static uint32_t fence_word; /* the target of atomic.fence's barrier */

uint64_t interp_dispatch_count(void)
{
    return dispatch_counter;
}

/* Opcode and opcode-pair profile: the switch build's debug measurement of
 * where fused instructions would pay (WR_DISPATCH_COUNT, no computed goto,
 * where the handler word is the operation number). Not thread-safe. */
#if WR_DISPATCH_COUNT && !WR_COMPUTED_GOTO
static uint64_t op_counts[IOP_COUNT];
static uint64_t pair_counts[IOP_COUNT][IOP_COUNT];
static uint32_t previous_op;

static const char *const op_names[IOP_COUNT] = {
#define OP_NAME(name, operands, doc) #name,
    IOP_LIST(OP_NAME)
#undef OP_NAME
};

static inline void profile_step(uint32_t op)
{
    dispatch_counter++;
    op_counts[op]++;
    pair_counts[previous_op][op]++;
    previous_op = op;
}

/* Prints and consumes the most frequent operation; false when none is left. */
static bool dump_top_op(FILE *out)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < IOP_COUNT; i++)
        if (op_counts[i] > op_counts[best])
            best = i;
    if (!op_counts[best])
        return false;
    fprintf(out, "op   %-22s %12llu  %5.2f%%\n", op_names[best],
            (unsigned long long)op_counts[best], 100.0 * op_counts[best] / dispatch_counter);
    op_counts[best] = 0;
    return true;
}

static bool dump_top_pair(FILE *out)
{
    uint32_t ba = 0, bb = 0;
    for (uint32_t i = 0; i < IOP_COUNT; i++)
        for (uint32_t j = 0; j < IOP_COUNT; j++)
            if (pair_counts[i][j] > pair_counts[ba][bb])
                ba = i, bb = j;
    if (!pair_counts[ba][bb])
        return false;
    fprintf(out, "pair %-22s %-22s %12llu  %5.2f%%\n", op_names[ba], op_names[bb],
            (unsigned long long)pair_counts[ba][bb], 100.0 * pair_counts[ba][bb] / dispatch_counter);
    pair_counts[ba][bb] = 0;
    return true;
}

void interp_profile_dump(FILE *out, unsigned n)
{
    for (unsigned k = 0; k < n && dump_top_op(out); k++)
        ;
    for (unsigned k = 0; k < n && dump_top_pair(out); k++)
        ;
}
#else
void interp_profile_dump(FILE *out, unsigned n)
{
    (void)out;
    (void)n;
}
#endif

/* Runs a host function with its arguments in args (one slot each). The env
 * names the calling instance while the host runs, so natives reach the
 * right memory. Returns the exception text or NULL. */
static COLD const char *call_host(WasmExecEnv *env, WasmInstance *caller, WasmFunc *fn, Slot *args)
{
    WasmInstance *saved = env->module_inst;
    void *saved_attachment = env->attachment;
    WasmFunc *saved_func = env->host_func;
    /* A fault in host code is never a wasm trap, even on a guard page. */
    GuardRecovery *recovery = guard_recovery();
    guard_set_recovery(NULL);
    env->module_inst = caller;
    env->attachment = fn->attachment;
    env->host_func = fn;
    fn->host_fn(env, (uint64_t *)args);
    guard_set_recovery(recovery);
    env->module_inst = saved;
    env->attachment = saved_attachment;
    env->host_func = saved_func;
    return rt_get_exception(caller);
}

static COLD int32_t do_memory_grow(WasmInstance *inst, uint32_t delta)
{
    return rt_memory_grow(inst->memory, delta);
}

static COLD bool do_memory_fill(WasmMemory *mem, uint32_t dst, uint8_t val, uint32_t n)
{
    if ((uint64_t)dst + n > mem->size)
        return false;
    if (n)
        memset(mem->data + dst, val, n);
    return true;
}

static COLD bool do_memory_copy(WasmMemory *mem, uint32_t dst, uint32_t src, uint32_t n)
{
    if ((uint64_t)dst + n > mem->size || (uint64_t)src + n > mem->size)
        return false;
    if (n)
        memmove(mem->data + dst, mem->data + src, n);
    return true;
}

static COLD bool do_table_fill(WasmTable *t, uint32_t i, void *val, uint32_t n)
{
    if ((uint64_t)i + n > t->size)
        return false;
    for (uint32_t k = 0; k < n; k++)
        t->elems[i + k] = val;
    return true;
}

static COLD bool do_table_copy(WasmTable *dst_t, WasmTable *src_t, uint32_t dst, uint32_t src,
                               uint32_t n)
{
    if ((uint64_t)dst + n > dst_t->size || (uint64_t)src + n > src_t->size)
        return false;
    if (n)
        memmove(dst_t->elems + dst, src_t->elems + src, n * sizeof(void *));
    return true;
}

/* Finds the callee of call_indirect or returns the trap message. */
static COLD const char *indirect_trap(WasmInstance *inst, uint32_t type_index, WasmTable *t,
                                      uint32_t i, char *buf, size_t buf_size)
{
    if (i >= t->size)
        return "undefined element";
    WasmFunc *fn = t->elems[i];
    if (!fn) {
        snprintf(buf, buf_size, "uninitialized element %u", i);
        return buf;
    }
    (void)inst;
    (void)type_index;
    return "indirect call type mismatch";
}

static inline WasmFunc *indirect_callee(WasmInstance *inst, uint32_t type_index, WasmTable *t,
                                        uint32_t i)
{
    if (i >= t->size)
        return NULL;
    WasmFunc *fn = t->elems[i];
    if (!fn)
        return NULL;
    const FuncType *want = &inst->module->types[type_index];
    if (fn->type != want && !ft_equal(fn->type, want))
        return NULL;
    return fn;
}

/* Calls fn, a wasm function of another instance whose code was made for the
 * other loop, the way call_host calls a host function: through a nested
 * entry, which runs the loop that suits fn. Returns the exception text or
 * NULL. */
static COLD const char *call_other_loop(WasmExecEnv *env, WasmInstance *caller, WasmFunc *fn,
                                        Slot *args)
{
    WasmInstance *saved = env->module_inst;
    env->module_inst = caller; /* where interp_call leaves a trap's exception */
    interp_call(env, fn, args);
    env->module_inst = saved;
    return rt_get_exception(caller);
}

/* ------------------------------------------------------------------ */
/* the two loops                                                        */
/* ------------------------------------------------------------------ */

/* gcc must keep every handler in one section: dispatch adds label offsets
 * to one base label, which hot/cold block partitioning would break. */
#if defined(__GNUC__) && !defined(__clang__) && WR_COMPUTED_GOTO
#define ONE_SECTION __attribute__((optimize("no-reorder-blocks-and-partition")))
#else
#define ONE_SECTION
#endif

#define LOOP_NAME run_checked
#define LOOP_CHECKS_BOUNDS 1
#include "interp_loop.inc"
#undef LOOP_NAME
#undef LOOP_CHECKS_BOUNDS

#if WR_GUARD_PAGES
#define LOOP_NAME run_unchecked
#define LOOP_CHECKS_BOUNDS 0
#include "interp_loop.inc"
#undef LOOP_NAME
#undef LOOP_CHECKS_BOUNDS
#else
/* Without guard pages no memory is guarded and no instance runs unchecked;
 * the one loop answers for both. */
static bool run_unchecked(WasmExecEnv *env, const Func *entry, Slot *fp, const int32_t **out_table)
{
    return run_checked(env, entry, fp, out_table);
}
#endif

/* ------------------------------------------------------------------ */
/* entry points                                                         */
/* ------------------------------------------------------------------ */

uint32_t interp_loop_word(bool unchecked, IopCode op)
{
#if WR_COMPUTED_GOTO
    /* Fetched once per loop; threads that race store the same pointer. */
    static _Atomic(const int32_t *) tables[2];
    const int32_t *table = atomic_load_explicit(&tables[unchecked], memory_order_relaxed);
    if (!table) {
        (unchecked ? run_unchecked : run_checked)(NULL, NULL, NULL, &table);
        atomic_store_explicit(&tables[unchecked], table, memory_order_relaxed);
    }
    return (uint32_t)table[op];
#else
    (void)unchecked;
    return (uint32_t)op;
#endif
}

/* Chosen at the first translation and kept: every module's code must be
 * made for the same loop, since code does not say which one it is for. */
bool interp_translates_unchecked(void)
{
    enum { UNDECIDED, CHECKED, UNCHECKED };
    static atomic_int choice = UNDECIDED;
    int current = atomic_load_explicit(&choice, memory_order_relaxed);
    if (current == UNDECIDED) {
        int wanted = guard_enabled() ? UNCHECKED : CHECKED;
        if (atomic_compare_exchange_strong(&choice, &current, wanted))
            current = wanted;
    }
    return current == UNCHECKED;
}

uint32_t interp_handler_word(IopCode op)
{
    return interp_loop_word(interp_translates_unchecked(), op);
}

/* Runs the unchecked loop with this thread's recovery point set: a fault
 * on a guard page then ends the call as the loop's own trap exit would (the
 * exception set on the entry instance, false returned), and interp_call
 * drops its frames as after any trap. Nothing the loop leaves half done
 * survives it: no lock is held and no state changed across an access. */
static bool run_unchecked_recoverable(WasmExecEnv *env, const Func *entry, Slot *fp)
{
    GuardRecovery recovery;
    if (os_setjmp(recovery.jump)) {
        rt_set_exception(env->module_inst, "out of bounds memory access");
        return false;
    }
    guard_set_recovery(&recovery);
    return run_unchecked(env, entry, fp, NULL);
}

/* Runs entry in the loop its instance's code is made for. The thread's
 * recovery point is the innermost unchecked entry's, and none while the
 * checked loop runs; the caller's comes back afterwards. */
static bool run_entry(WasmExecEnv *env, const WasmInstance *inst, const Func *entry, Slot *fp)
{
    GuardRecovery *outer = guard_recovery();
    bool ok;

    if (inst->runs_unchecked) {
        ok = run_unchecked_recoverable(env, entry, fp);
    } else {
        guard_set_recovery(NULL);
        ok = run_checked(env, entry, fp, NULL);
    }
    guard_set_recovery(outer);
    return ok;
}

bool interp_call(WasmExecEnv *env, WasmFunc *f, Slot *args_results)
{
    const FuncType *type = f->type;
    Slot *saved_value_top = env->value_top;
    CallFrame *saved_frame_top = env->frame_top;
    bool ok;

    if (!f->func) {
        const char *msg = call_host(env, env->module_inst, f, args_results);
        return msg == NULL;
    }
    WasmInstance *saved_inst = env->module_inst;
    const Func *func = f->func;
    Slot *fp = env->value_top;
    CallFrame *frame = env->frame_top;
    if ((Slot *)(frame - 1) < fp + func->frame_slots) {
        rt_set_exception(env->module_inst, "call stack exhausted");
        return false;
    }
    memcpy(fp, args_results, type->n_params * sizeof(Slot));
    memset(fp + type->n_params, 0, (func->n_locals - type->n_params) * sizeof(Slot));
    /* The entry marker: RETURN to a NULL ip leaves the loop. */
    frame--;
    frame->ret_ip = NULL;
    frame->fp = fp;
    frame->inst = f->inst;
    env->frame_top = frame;
    /* The callee runs as its own instance; traps land on the caller's. */
    WasmInstance *caller = env->module_inst;
    env->module_inst = f->inst;
    ok = run_entry(env, f->inst, func, fp);
    if (!ok && f->inst != caller) {
        rt_set_exception(caller, rt_get_exception(f->inst));
        rt_clear_exception(f->inst);
    }
    env->module_inst = saved_inst;
    if (ok)
        memcpy(args_results, fp, type->n_results * sizeof(Slot));
    env->value_top = saved_value_top;
    env->frame_top = saved_frame_top;
    return ok;
}
