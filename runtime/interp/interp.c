/* The interpreter loop over register-slot internal code (iops.h).
 *
 * State in locals (registers, ideally): ip, fp (frame base, 8-byte slots),
 * the current instance and its memory base and size, and the lowest call
 * frame record. Wasm calls push a CallFrame and jump; nothing recurses on the
 * C stack except a host function that calls back into wasm. A trap sets the
 * message and leaves through one exit; frames need no unwinding because the
 * entry's frame pointer is restored wholesale. */
#include "interp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../common/segments.h"
#include "atomics.h"
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
    env->module_inst = caller;
    env->attachment = fn->attachment;
    env->host_func = fn;
    fn->host_fn(env, (uint64_t *)args);
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

/* ------------------------------------------------------------------ */
/* the loop                                                             */
/* ------------------------------------------------------------------ */

/* Operand word n of the current instruction, and the slot it names. */
#define W(n) (ip[n])
#define S(n) (fp[ip[n]])

/* Dispatch. These two macros are the only place the loop's control
 * transfer is spelled; they are defined here and used nowhere else. */
#if WR_DISPATCH_COUNT && !WR_COMPUTED_GOTO
#define COUNT_DISPATCH() profile_step(ip[0])
#elif WR_DISPATCH_COUNT
#define COUNT_DISPATCH() (dispatch_counter++)
#else
#define COUNT_DISPATCH() ((void)0)
#endif
#if WR_COMPUTED_GOTO
#define OP(name) op_##name
#define NEXT()                                                                  \
    do {                                                                        \
        COUNT_DISPATCH();                                                       \
        goto *(const void *)((const char *)&&op_UNREACHABLE + (int32_t)ip[0]); \
    } while (0)
#else
#define OP(name) case IOP_##name
#define NEXT()             \
    do {                   \
        COUNT_DISPATCH();  \
        goto dispatch;     \
    } while (0)
#endif

/* gcc must keep every handler in one section: dispatch adds label offsets
 * to one base label, which hot/cold block partitioning would break. */
#if defined(__GNUC__) && !defined(__clang__) && WR_COMPUTED_GOTO
#define ONE_SECTION __attribute__((optimize("no-reorder-blocks-and-partition")))
#else
#define ONE_SECTION
#endif

/* Runs from the entry frame already set up at fp until it returns.
 * With env == NULL, only hands out the handler table. */
static ONE_SECTION bool run(WasmExecEnv *env, const Func *entry, Slot *fp, const int32_t **out_table)
{
#if WR_COMPUTED_GOTO
#define LABEL_OFFSET(name, operands, doc) (int32_t)((char *)&&op_##name - (char *)&&op_UNREACHABLE),
    static const int32_t handler_offsets[IOP_COUNT] = {IOP_LIST(LABEL_OFFSET)};
#undef LABEL_OFFSET
    if (!env) {
        *out_table = handler_offsets;
        return true;
    }
#else
    if (!env) {
        *out_table = NULL;
        return true;
    }
#endif
    WasmInstance *const entry_inst = env->module_inst;
    WasmInstance *inst = entry_inst;
    CallFrame *frame = env->frame_top;
    const uint32_t *ip = entry->code;
    uint8_t *mem_base = inst->memory ? inst->memory->data : NULL;
    uint64_t mem_size = inst->memory ? inst->memory->size : 0;
    const char *trap_msg = NULL;
    char trap_buf[64];
    WasmFunc *callee;
    Slot *new_fp;
    uint64_t ea;

#if WR_COMPUTED_GOTO
    NEXT();
#else
dispatch:
    switch ((IopCode)ip[0]) {
#endif

    /* ---- control ---- */
    OP(UNREACHABLE):
        trap_msg = "unreachable";
        goto trap;
    OP(BR):
        ip += (int32_t)W(1);
        NEXT();
    OP(BR_IF):
        ip += S(1).u32 ? (int32_t)W(2) : 3;
        NEXT();
    OP(BR_IF_NOT):
        ip += S(1).u32 ? 3 : (int32_t)W(2);
        NEXT();
    OP(LOOP_BR):
        if (atomic_load_explicit(&env->interrupt, memory_order_relaxed))
            goto interrupted;
        ip += (int32_t)W(1);
        NEXT();
    OP(LOOP_BR_IF):
        if (!S(1).u32) {
            ip += 3;
            NEXT();
        }
        if (atomic_load_explicit(&env->interrupt, memory_order_relaxed))
            goto interrupted;
        ip += (int32_t)W(2);
        NEXT();
    OP(LOOP_BR_IF_NOT):
        if (S(1).u32) {
            ip += 3;
            NEXT();
        }
        if (atomic_load_explicit(&env->interrupt, memory_order_relaxed))
            goto interrupted;
        ip += (int32_t)W(2);
        NEXT();
    OP(BR_TABLE): {
        uint32_t i = S(1).u32, n = W(2);
        ip += (int32_t)ip[3 + (i < n ? i : n)];
        NEXT();
    }
    OP(RETURN):
        ip = frame->ret_ip;
        fp = frame->fp;
        inst = frame->inst;
        frame++;
        if (!ip)
            goto finished;
        mem_base = inst->memory ? inst->memory->data : NULL;
        mem_size = inst->memory ? inst->memory->size : 0;
        NEXT();
    OP(CALL): {
        const Func *f = &inst->module->funcs[W(1)];
        new_fp = fp + W(2);
        if ((Slot *)(frame - 1) < new_fp + f->frame_slots)
            goto stack_exhausted;
        if (atomic_load_explicit(&env->interrupt, memory_order_relaxed))
            goto interrupted;
        /* Declared locals start at zero; usually a few, so no memset call. */
        for (Slot *p = new_fp + f->n_params, *end = new_fp + f->n_locals; p < end; p++)
            p->u64 = 0;
        frame--;
        frame->ret_ip = ip + 3;
        frame->fp = fp;
        frame->inst = inst;
        fp = new_fp;
        ip = f->code;
        NEXT();
    }
    OP(CALL_IMPORT):
        callee = inst->funcs[W(1)];
        new_fp = fp + W(2);
        ip += 3;
        goto call_func;
    OP(CALL_INDIRECT): {
        WasmTable *t = inst->tables[W(2)];
        callee = indirect_callee(inst, W(1), t, S(3).u32);
        if (!callee) {
            trap_msg = indirect_trap(inst, W(1), t, S(3).u32, trap_buf, sizeof trap_buf);
            goto trap;
        }
        new_fp = fp + W(4);
        ip += 5;
        goto call_func;
    }

    /* ---- moves and constants ---- */
    OP(MOV):
        S(1) = S(2);
        ip += 3;
        NEXT();
    OP(CONST32):
        S(1).u32 = W(2);
        ip += 3;
        NEXT();
    OP(CONST64):
        S(1).u64 = (uint64_t)W(3) << 32 | W(2);
        ip += 4;
        NEXT();
    OP(SELECT):
        S(1) = S(4).u32 ? S(2) : S(3);
        ip += 5;
        NEXT();

    /* ---- variables ---- */
    OP(GLOBAL_GET):
        S(1) = inst->globals[W(2)]->value;
        ip += 3;
        NEXT();
    OP(GLOBAL_SET):
        inst->globals[W(2)]->value = S(1);
        ip += 3;
        NEXT();
    OP(GLOBAL_SET_SP):
        if (S(1).u32 < inst->aux_stack_bottom) {
            trap_msg = "wasm auxiliary stack overflow";
            goto trap;
        }
        inst->globals[W(2)]->value = S(1);
        ip += 3;
        NEXT();

    /* ---- references and tables ---- */
    OP(REF_NULL):
        S(1).ref = NULL;
        ip += 2;
        NEXT();
    OP(REF_IS_NULL):
        S(1).u32 = S(2).ref == NULL;
        ip += 3;
        NEXT();
    OP(REF_FUNC):
        S(1).ref = inst->funcs[W(2)];
        ip += 3;
        NEXT();
    OP(TABLE_GET): {
        WasmTable *t = inst->tables[W(3)];
        if (S(2).u32 >= t->size)
            goto trap_table_bounds;
        S(1).ref = t->elems[S(2).u32];
        ip += 4;
        NEXT();
    }
    OP(TABLE_SET): {
        WasmTable *t = inst->tables[W(3)];
        if (S(1).u32 >= t->size)
            goto trap_table_bounds;
        t->elems[S(1).u32] = S(2).ref;
        ip += 4;
        NEXT();
    }
    OP(TABLE_SIZE):
        S(1).u32 = inst->tables[W(2)]->size;
        ip += 3;
        NEXT();
    OP(TABLE_GROW):
        S(1).i32 = rt_table_grow(inst->tables[W(4)], S(3).u32, S(2).ref);
        ip += 5;
        NEXT();
    OP(TABLE_FILL):
        if (!do_table_fill(inst->tables[W(4)], S(1).u32, S(2).ref, S(3).u32))
            goto trap_table_bounds;
        ip += 5;
        NEXT();
    OP(TABLE_COPY):
        if (!do_table_copy(inst->tables[W(4)], inst->tables[W(5)], S(1).u32, S(2).u32, S(3).u32))
            goto trap_table_bounds;
        ip += 6;
        NEXT();
    OP(TABLE_INIT):
        if (!rt_table_init(inst, W(4), W(5), S(1).u32, S(2).u32, S(3).u32))
            goto trap_table_bounds;
        ip += 6;
        NEXT();
    OP(ELEM_DROP):
        rt_elem_drop(inst, W(1));
        ip += 2;
        NEXT();

    /* ---- memory ---- */
    OP(I32_LOAD):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        S(1).u32 = load32(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I64_LOAD):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        S(1).u64 = load64(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I32_LOAD8_S):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        S(1).i32 = (int8_t)mem_base[ea];
        ip += 4;
        NEXT();
    OP(I32_LOAD8_U):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        S(1).u32 = mem_base[ea];
        ip += 4;
        NEXT();
    OP(I32_LOAD16_S):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        S(1).i32 = (int16_t)load16(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I32_LOAD16_U):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        S(1).u32 = load16(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I64_LOAD8_S):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        S(1).i64 = (int8_t)mem_base[ea];
        ip += 4;
        NEXT();
    OP(I64_LOAD8_U):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        S(1).u64 = mem_base[ea];
        ip += 4;
        NEXT();
    OP(I64_LOAD16_S):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        S(1).i64 = (int16_t)load16(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I64_LOAD16_U):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        S(1).u64 = load16(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I64_LOAD32_S):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        S(1).i64 = (int32_t)load32(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I64_LOAD32_U):
        ea = (uint64_t)S(2).u32 + W(3);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        S(1).u64 = load32(mem_base + ea);
        ip += 4;
        NEXT();
    OP(I32_STORE):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        store32(mem_base + ea, S(2).u32);
        ip += 4;
        NEXT();
    OP(I64_STORE):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        store64(mem_base + ea, S(2).u64);
        ip += 4;
        NEXT();
    OP(I32_STORE8):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        mem_base[ea] = (uint8_t)S(2).u32;
        ip += 4;
        NEXT();
    OP(I32_STORE16):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        store16(mem_base + ea, (uint16_t)S(2).u32);
        ip += 4;
        NEXT();
    OP(I64_STORE32):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        store32(mem_base + ea, (uint32_t)S(2).u64);
        ip += 4;
        NEXT();
    OP(MEMORY_SIZE):
        S(1).u32 = inst->memory->pages;
        ip += 2;
        NEXT();
    OP(MEMORY_GROW):
        S(1).i32 = do_memory_grow(inst, S(2).u32);
        mem_base = inst->memory->data;
        mem_size = inst->memory->size;
        ip += 3;
        NEXT();
    OP(MEMORY_FILL):
        if (!do_memory_fill(inst->memory, S(1).u32, (uint8_t)S(2).u32, S(3).u32))
            goto trap_memory_bounds;
        ip += 4;
        NEXT();
    OP(MEMORY_COPY):
        if (!do_memory_copy(inst->memory, S(1).u32, S(2).u32, S(3).u32))
            goto trap_memory_bounds;
        ip += 4;
        NEXT();
    OP(MEMORY_INIT):
        if (!rt_memory_init(inst, W(4), S(1).u32, S(2).u32, S(3).u32))
            goto trap_memory_bounds;
        ip += 5;
        NEXT();
    OP(DATA_DROP):
        rt_data_drop(inst, W(1));
        ip += 2;
        NEXT();

    /* ---- i32 ---- */
    OP(I32_EQZ): S(1).u32 = S(2).u32 == 0; ip += 3; NEXT();
    OP(I32_EQ): S(1).u32 = S(2).u32 == S(3).u32; ip += 4; NEXT();
    OP(I32_NE): S(1).u32 = S(2).u32 != S(3).u32; ip += 4; NEXT();
    OP(I32_LT_S): S(1).u32 = S(2).i32 < S(3).i32; ip += 4; NEXT();
    OP(I32_LT_U): S(1).u32 = S(2).u32 < S(3).u32; ip += 4; NEXT();
    OP(I32_GT_S): S(1).u32 = S(2).i32 > S(3).i32; ip += 4; NEXT();
    OP(I32_GT_U): S(1).u32 = S(2).u32 > S(3).u32; ip += 4; NEXT();
    OP(I32_LE_S): S(1).u32 = S(2).i32 <= S(3).i32; ip += 4; NEXT();
    OP(I32_LE_U): S(1).u32 = S(2).u32 <= S(3).u32; ip += 4; NEXT();
    OP(I32_GE_S): S(1).u32 = S(2).i32 >= S(3).i32; ip += 4; NEXT();
    OP(I32_GE_U): S(1).u32 = S(2).u32 >= S(3).u32; ip += 4; NEXT();
    OP(I32_CLZ): S(1).u32 = clz32(S(2).u32); ip += 3; NEXT();
    OP(I32_CTZ): S(1).u32 = ctz32(S(2).u32); ip += 3; NEXT();
    OP(I32_POPCNT): S(1).u32 = (uint32_t)__builtin_popcount(S(2).u32); ip += 3; NEXT();
    OP(I32_ADD): S(1).u32 = S(2).u32 + S(3).u32; ip += 4; NEXT();
    OP(I32_SUB): S(1).u32 = S(2).u32 - S(3).u32; ip += 4; NEXT();
    OP(I32_MUL): S(1).u32 = S(2).u32 * S(3).u32; ip += 4; NEXT();
    OP(I32_DIV_S):
        if (S(3).i32 == 0)
            goto trap_div_zero;
        if (S(2).i32 == INT32_MIN && S(3).i32 == -1)
            goto trap_int_overflow;
        S(1).i32 = S(2).i32 / S(3).i32;
        ip += 4;
        NEXT();
    OP(I32_DIV_U):
        if (S(3).u32 == 0)
            goto trap_div_zero;
        S(1).u32 = S(2).u32 / S(3).u32;
        ip += 4;
        NEXT();
    OP(I32_REM_S):
        if (S(3).i32 == 0)
            goto trap_div_zero;
        S(1).i32 = S(3).i32 == -1 ? 0 : S(2).i32 % S(3).i32;
        ip += 4;
        NEXT();
    OP(I32_REM_U):
        if (S(3).u32 == 0)
            goto trap_div_zero;
        S(1).u32 = S(2).u32 % S(3).u32;
        ip += 4;
        NEXT();
    OP(I32_AND): S(1).u32 = S(2).u32 & S(3).u32; ip += 4; NEXT();
    OP(I32_OR): S(1).u32 = S(2).u32 | S(3).u32; ip += 4; NEXT();
    OP(I32_XOR): S(1).u32 = S(2).u32 ^ S(3).u32; ip += 4; NEXT();
    OP(I32_SHL): S(1).u32 = S(2).u32 << (S(3).u32 & 31); ip += 4; NEXT();
    OP(I32_SHR_S): S(1).i32 = S(2).i32 >> (S(3).u32 & 31); ip += 4; NEXT();
    OP(I32_SHR_U): S(1).u32 = S(2).u32 >> (S(3).u32 & 31); ip += 4; NEXT();
    OP(I32_ROTL): S(1).u32 = rotl32(S(2).u32, S(3).u32); ip += 4; NEXT();
    OP(I32_ROTR): S(1).u32 = rotr32(S(2).u32, S(3).u32); ip += 4; NEXT();

    /* ---- i64 ---- */
    OP(I64_EQZ): S(1).u32 = S(2).u64 == 0; ip += 3; NEXT();
    OP(I64_EQ): S(1).u32 = S(2).u64 == S(3).u64; ip += 4; NEXT();
    OP(I64_NE): S(1).u32 = S(2).u64 != S(3).u64; ip += 4; NEXT();
    OP(I64_LT_S): S(1).u32 = S(2).i64 < S(3).i64; ip += 4; NEXT();
    OP(I64_LT_U): S(1).u32 = S(2).u64 < S(3).u64; ip += 4; NEXT();
    OP(I64_GT_S): S(1).u32 = S(2).i64 > S(3).i64; ip += 4; NEXT();
    OP(I64_GT_U): S(1).u32 = S(2).u64 > S(3).u64; ip += 4; NEXT();
    OP(I64_LE_S): S(1).u32 = S(2).i64 <= S(3).i64; ip += 4; NEXT();
    OP(I64_LE_U): S(1).u32 = S(2).u64 <= S(3).u64; ip += 4; NEXT();
    OP(I64_GE_S): S(1).u32 = S(2).i64 >= S(3).i64; ip += 4; NEXT();
    OP(I64_GE_U): S(1).u32 = S(2).u64 >= S(3).u64; ip += 4; NEXT();
    OP(I64_CLZ): S(1).u64 = clz64(S(2).u64); ip += 3; NEXT();
    OP(I64_CTZ): S(1).u64 = ctz64(S(2).u64); ip += 3; NEXT();
    OP(I64_POPCNT): S(1).u64 = (uint64_t)__builtin_popcountll(S(2).u64); ip += 3; NEXT();
    OP(I64_ADD): S(1).u64 = S(2).u64 + S(3).u64; ip += 4; NEXT();
    OP(I64_SUB): S(1).u64 = S(2).u64 - S(3).u64; ip += 4; NEXT();
    OP(I64_MUL): S(1).u64 = S(2).u64 * S(3).u64; ip += 4; NEXT();
    OP(I64_DIV_S):
        if (S(3).i64 == 0)
            goto trap_div_zero;
        if (S(2).i64 == INT64_MIN && S(3).i64 == -1)
            goto trap_int_overflow;
        S(1).i64 = S(2).i64 / S(3).i64;
        ip += 4;
        NEXT();
    OP(I64_DIV_U):
        if (S(3).u64 == 0)
            goto trap_div_zero;
        S(1).u64 = S(2).u64 / S(3).u64;
        ip += 4;
        NEXT();
    OP(I64_REM_S):
        if (S(3).i64 == 0)
            goto trap_div_zero;
        S(1).i64 = S(3).i64 == -1 ? 0 : S(2).i64 % S(3).i64;
        ip += 4;
        NEXT();
    OP(I64_REM_U):
        if (S(3).u64 == 0)
            goto trap_div_zero;
        S(1).u64 = S(2).u64 % S(3).u64;
        ip += 4;
        NEXT();
    OP(I64_AND): S(1).u64 = S(2).u64 & S(3).u64; ip += 4; NEXT();
    OP(I64_OR): S(1).u64 = S(2).u64 | S(3).u64; ip += 4; NEXT();
    OP(I64_XOR): S(1).u64 = S(2).u64 ^ S(3).u64; ip += 4; NEXT();
    OP(I64_SHL): S(1).u64 = S(2).u64 << (S(3).u64 & 63); ip += 4; NEXT();
    OP(I64_SHR_S): S(1).i64 = S(2).i64 >> (S(3).u64 & 63); ip += 4; NEXT();
    OP(I64_SHR_U): S(1).u64 = S(2).u64 >> (S(3).u64 & 63); ip += 4; NEXT();
    OP(I64_ROTL): S(1).u64 = rotl64(S(2).u64, S(3).u64); ip += 4; NEXT();
    OP(I64_ROTR): S(1).u64 = rotr64(S(2).u64, S(3).u64); ip += 4; NEXT();

    /* ---- f32 ---- */
    OP(F32_EQ): S(1).u32 = S(2).f32 == S(3).f32; ip += 4; NEXT();
    OP(F32_NE): S(1).u32 = S(2).f32 != S(3).f32; ip += 4; NEXT();
    OP(F32_LT): S(1).u32 = S(2).f32 < S(3).f32; ip += 4; NEXT();
    OP(F32_GT): S(1).u32 = S(2).f32 > S(3).f32; ip += 4; NEXT();
    OP(F32_LE): S(1).u32 = S(2).f32 <= S(3).f32; ip += 4; NEXT();
    OP(F32_GE): S(1).u32 = S(2).f32 >= S(3).f32; ip += 4; NEXT();
    OP(F32_ABS): S(1).u32 = S(2).u32 & 0x7fffffffu; ip += 3; NEXT();
    OP(F32_NEG): S(1).u32 = S(2).u32 ^ 0x80000000u; ip += 3; NEXT();
    OP(F32_CEIL): S(1).f32 = f32_round(S(2).f32, 0); ip += 3; NEXT();
    OP(F32_FLOOR): S(1).f32 = f32_round(S(2).f32, 1); ip += 3; NEXT();
    OP(F32_TRUNC): S(1).f32 = f32_round(S(2).f32, 2); ip += 3; NEXT();
    OP(F32_NEAREST): S(1).f32 = f32_round(S(2).f32, 3); ip += 3; NEXT();
    OP(F32_SQRT): S(1).f32 = sqrtf(S(2).f32); ip += 3; NEXT();
    OP(F32_ADD): S(1).f32 = S(2).f32 + S(3).f32; ip += 4; NEXT();
    OP(F32_SUB): S(1).f32 = S(2).f32 - S(3).f32; ip += 4; NEXT();
    OP(F32_MUL): S(1).f32 = S(2).f32 * S(3).f32; ip += 4; NEXT();
    OP(F32_DIV): S(1).f32 = S(2).f32 / S(3).f32; ip += 4; NEXT();
    OP(F32_MIN): S(1).f32 = f32_min(S(2).f32, S(3).f32); ip += 4; NEXT();
    OP(F32_MAX): S(1).f32 = f32_max(S(2).f32, S(3).f32); ip += 4; NEXT();
    OP(F32_COPYSIGN):
        S(1).u32 = (S(2).u32 & 0x7fffffffu) | (S(3).u32 & 0x80000000u);
        ip += 4;
        NEXT();

    /* ---- f64 ---- */
    OP(F64_EQ): S(1).u32 = S(2).f64 == S(3).f64; ip += 4; NEXT();
    OP(F64_NE): S(1).u32 = S(2).f64 != S(3).f64; ip += 4; NEXT();
    OP(F64_LT): S(1).u32 = S(2).f64 < S(3).f64; ip += 4; NEXT();
    OP(F64_GT): S(1).u32 = S(2).f64 > S(3).f64; ip += 4; NEXT();
    OP(F64_LE): S(1).u32 = S(2).f64 <= S(3).f64; ip += 4; NEXT();
    OP(F64_GE): S(1).u32 = S(2).f64 >= S(3).f64; ip += 4; NEXT();
    OP(F64_ABS): S(1).u64 = S(2).u64 & 0x7fffffffffffffffull; ip += 3; NEXT();
    OP(F64_NEG): S(1).u64 = S(2).u64 ^ 0x8000000000000000ull; ip += 3; NEXT();
    OP(F64_CEIL): S(1).f64 = f64_round(S(2).f64, 0); ip += 3; NEXT();
    OP(F64_FLOOR): S(1).f64 = f64_round(S(2).f64, 1); ip += 3; NEXT();
    OP(F64_TRUNC): S(1).f64 = f64_round(S(2).f64, 2); ip += 3; NEXT();
    OP(F64_NEAREST): S(1).f64 = f64_round(S(2).f64, 3); ip += 3; NEXT();
    OP(F64_SQRT): S(1).f64 = sqrt(S(2).f64); ip += 3; NEXT();
    OP(F64_ADD): S(1).f64 = S(2).f64 + S(3).f64; ip += 4; NEXT();
    OP(F64_SUB): S(1).f64 = S(2).f64 - S(3).f64; ip += 4; NEXT();
    OP(F64_MUL): S(1).f64 = S(2).f64 * S(3).f64; ip += 4; NEXT();
    OP(F64_DIV): S(1).f64 = S(2).f64 / S(3).f64; ip += 4; NEXT();
    OP(F64_MIN): S(1).f64 = f64_min(S(2).f64, S(3).f64); ip += 4; NEXT();
    OP(F64_MAX): S(1).f64 = f64_max(S(2).f64, S(3).f64); ip += 4; NEXT();
    OP(F64_COPYSIGN):
        S(1).u64 = (S(2).u64 & 0x7fffffffffffffffull) | (S(3).u64 & 0x8000000000000000ull);
        ip += 4;
        NEXT();

    /* ---- conversions ---- */
    OP(I32_WRAP_I64): S(1).u32 = (uint32_t)S(2).u64; ip += 3; NEXT();
    OP(I32_TRUNC_F32_S):
        if ((trap_msg = trunc_check(S(2).f32, -2147483649.0, 2147483648.0)))
            goto trap;
        S(1).i32 = (int32_t)S(2).f32;
        ip += 3;
        NEXT();
    OP(I32_TRUNC_F32_U):
        if ((trap_msg = trunc_check(S(2).f32, -1.0, 4294967296.0)))
            goto trap;
        S(1).u32 = (uint32_t)S(2).f32;
        ip += 3;
        NEXT();
    OP(I32_TRUNC_F64_S):
        if ((trap_msg = trunc_check(S(2).f64, -2147483649.0, 2147483648.0)))
            goto trap;
        S(1).i32 = (int32_t)S(2).f64;
        ip += 3;
        NEXT();
    OP(I32_TRUNC_F64_U):
        if ((trap_msg = trunc_check(S(2).f64, -1.0, 4294967296.0)))
            goto trap;
        S(1).u32 = (uint32_t)S(2).f64;
        ip += 3;
        NEXT();
    OP(I64_EXTEND_I32_S): S(1).i64 = S(2).i32; ip += 3; NEXT();
    OP(I64_EXTEND_I32_U): S(1).u64 = S(2).u32; ip += 3; NEXT();
    OP(I64_TRUNC_F32_S):
        if ((trap_msg = trunc_check(S(2).f32, -9223372036854777856.0, 9223372036854775808.0)))
            goto trap;
        S(1).i64 = (int64_t)S(2).f32;
        ip += 3;
        NEXT();
    OP(I64_TRUNC_F32_U):
        if ((trap_msg = trunc_check(S(2).f32, -1.0, 18446744073709551616.0)))
            goto trap;
        S(1).u64 = (uint64_t)S(2).f32;
        ip += 3;
        NEXT();
    OP(I64_TRUNC_F64_S):
        if ((trap_msg = trunc_check(S(2).f64, -9223372036854777856.0, 9223372036854775808.0)))
            goto trap;
        S(1).i64 = (int64_t)S(2).f64;
        ip += 3;
        NEXT();
    OP(I64_TRUNC_F64_U):
        if ((trap_msg = trunc_check(S(2).f64, -1.0, 18446744073709551616.0)))
            goto trap;
        S(1).u64 = (uint64_t)S(2).f64;
        ip += 3;
        NEXT();
    OP(F32_CONVERT_I32_S): S(1).f32 = (float)S(2).i32; ip += 3; NEXT();
    OP(F32_CONVERT_I32_U): S(1).f32 = (float)S(2).u32; ip += 3; NEXT();
    OP(F32_CONVERT_I64_S): S(1).f32 = (float)S(2).i64; ip += 3; NEXT();
    OP(F32_CONVERT_I64_U): S(1).f32 = (float)S(2).u64; ip += 3; NEXT();
    OP(F32_DEMOTE_F64): S(1).f32 = (float)S(2).f64; ip += 3; NEXT();
    OP(F64_CONVERT_I32_S): S(1).f64 = (double)S(2).i32; ip += 3; NEXT();
    OP(F64_CONVERT_I32_U): S(1).f64 = (double)S(2).u32; ip += 3; NEXT();
    OP(F64_CONVERT_I64_S): S(1).f64 = (double)S(2).i64; ip += 3; NEXT();
    OP(F64_CONVERT_I64_U): S(1).f64 = (double)S(2).u64; ip += 3; NEXT();
    OP(F64_PROMOTE_F32): S(1).f64 = (double)S(2).f32; ip += 3; NEXT();
    OP(I32_EXTEND8_S): S(1).i32 = (int8_t)S(2).u32; ip += 3; NEXT();
    OP(I32_EXTEND16_S): S(1).i32 = (int16_t)S(2).u32; ip += 3; NEXT();
    OP(I64_EXTEND8_S): S(1).i64 = (int8_t)S(2).u64; ip += 3; NEXT();
    OP(I64_EXTEND16_S): S(1).i64 = (int16_t)S(2).u64; ip += 3; NEXT();
    OP(I64_EXTEND32_S): S(1).i64 = (int32_t)S(2).u64; ip += 3; NEXT();
    OP(I32_TRUNC_SAT_F32_S): S(1).i32 = sat_i32_f64(S(2).f32); ip += 3; NEXT();
    OP(I32_TRUNC_SAT_F32_U): S(1).u32 = sat_u32_f64(S(2).f32); ip += 3; NEXT();
    OP(I32_TRUNC_SAT_F64_S): S(1).i32 = sat_i32_f64(S(2).f64); ip += 3; NEXT();
    OP(I32_TRUNC_SAT_F64_U): S(1).u32 = sat_u32_f64(S(2).f64); ip += 3; NEXT();
    OP(I64_TRUNC_SAT_F32_S): S(1).i64 = sat_i64_f64(S(2).f32); ip += 3; NEXT();
    OP(I64_TRUNC_SAT_F32_U): S(1).u64 = sat_u64_f64(S(2).f32); ip += 3; NEXT();
    OP(I64_TRUNC_SAT_F64_S): S(1).i64 = sat_i64_f64(S(2).f64); ip += 3; NEXT();
    OP(I64_TRUNC_SAT_F64_U): S(1).u64 = sat_u64_f64(S(2).f64); ip += 3; NEXT();

    /* ---- immediate operands and fused compare-and-branch ---- */
    OP(I32_ADD_IMM): S(1).u32 = S(2).u32 + W(3); ip += 4; NEXT();
    OP(I32_MUL_IMM): S(1).u32 = S(2).u32 * W(3); ip += 4; NEXT();
    OP(I32_AND_IMM): S(1).u32 = S(2).u32 & W(3); ip += 4; NEXT();
    OP(I32_OR_IMM): S(1).u32 = S(2).u32 | W(3); ip += 4; NEXT();
    OP(I32_XOR_IMM): S(1).u32 = S(2).u32 ^ W(3); ip += 4; NEXT();
    OP(I32_SHL_IMM): S(1).u32 = S(2).u32 << W(3); ip += 4; NEXT();
    OP(I32_SHR_S_IMM): S(1).i32 = S(2).i32 >> W(3); ip += 4; NEXT();
    OP(I32_SHR_U_IMM): S(1).u32 = S(2).u32 >> W(3); ip += 4; NEXT();
    OP(I32_ROTL_IMM): S(1).u32 = rotl32(S(2).u32, W(3)); ip += 4; NEXT();
    OP(I32_EQ_IMM): S(1).u32 = S(2).u32 == W(3); ip += 4; NEXT();
    OP(I32_NE_IMM): S(1).u32 = S(2).u32 != W(3); ip += 4; NEXT();
    OP(I32_LT_S_IMM): S(1).u32 = S(2).i32 < (int32_t)W(3); ip += 4; NEXT();
    OP(I32_LT_U_IMM): S(1).u32 = S(2).u32 < W(3); ip += 4; NEXT();
    OP(I32_GT_S_IMM): S(1).u32 = S(2).i32 > (int32_t)W(3); ip += 4; NEXT();
    OP(I32_GT_U_IMM): S(1).u32 = S(2).u32 > W(3); ip += 4; NEXT();
    OP(I32_LE_S_IMM): S(1).u32 = S(2).i32 <= (int32_t)W(3); ip += 4; NEXT();
    OP(I32_LE_U_IMM): S(1).u32 = S(2).u32 <= W(3); ip += 4; NEXT();
    OP(I32_GE_S_IMM): S(1).u32 = S(2).i32 >= (int32_t)W(3); ip += 4; NEXT();
    OP(I32_GE_U_IMM): S(1).u32 = S(2).u32 >= W(3); ip += 4; NEXT();
    OP(I64_ADD_IMM): S(1).u64 = S(2).u64 + (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_AND_IMM): S(1).u64 = S(2).u64 & (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_OR_IMM): S(1).u64 = S(2).u64 | (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_XOR_IMM): S(1).u64 = S(2).u64 ^ (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_SHL_IMM): S(1).u64 = S(2).u64 << W(3); ip += 4; NEXT();
    OP(I64_SHR_S_IMM): S(1).i64 = S(2).i64 >> W(3); ip += 4; NEXT();
    OP(I64_SHR_U_IMM): S(1).u64 = S(2).u64 >> W(3); ip += 4; NEXT();
    OP(I64_ROTL_IMM): S(1).u64 = rotl64(S(2).u64, W(3)); ip += 4; NEXT();
    OP(I64_EQ_IMM): S(1).u32 = S(2).u64 == (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_NE_IMM): S(1).u32 = S(2).u64 != (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_LT_S_IMM): S(1).u32 = S(2).i64 < (int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_LT_U_IMM): S(1).u32 = S(2).u64 < (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_GT_S_IMM): S(1).u32 = S(2).i64 > (int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_GT_U_IMM): S(1).u32 = S(2).u64 > (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_LE_S_IMM): S(1).u32 = S(2).i64 <= (int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_LE_U_IMM): S(1).u32 = S(2).u64 <= (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_GE_S_IMM): S(1).u32 = S(2).i64 >= (int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(I64_GE_U_IMM): S(1).u32 = S(2).u64 >= (uint64_t)(int64_t)(int32_t)W(3); ip += 4; NEXT();
    OP(BR_I32_EQ):
        if (S(1).u32 == S(2).u32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_NE):
        if (S(1).u32 != S(2).u32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LT_S):
        if (S(1).i32 < S(2).i32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LT_U):
        if (S(1).u32 < S(2).u32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GT_S):
        if (S(1).i32 > S(2).i32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GT_U):
        if (S(1).u32 > S(2).u32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LE_S):
        if (S(1).i32 <= S(2).i32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LE_U):
        if (S(1).u32 <= S(2).u32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GE_S):
        if (S(1).i32 >= S(2).i32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GE_U):
        if (S(1).u32 >= S(2).u32) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_EQ_IMM):
        if (S(1).u32 == W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_NE_IMM):
        if (S(1).u32 != W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LT_S_IMM):
        if (S(1).i32 < (int32_t)W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LT_U_IMM):
        if (S(1).u32 < W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GT_S_IMM):
        if (S(1).i32 > (int32_t)W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GT_U_IMM):
        if (S(1).u32 > W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LE_S_IMM):
        if (S(1).i32 <= (int32_t)W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_LE_U_IMM):
        if (S(1).u32 <= W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GE_S_IMM):
        if (S(1).i32 >= (int32_t)W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I32_GE_U_IMM):
        if (S(1).u32 >= W(2)) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_EQ):
        if (S(1).u64 == S(2).u64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_NE):
        if (S(1).u64 != S(2).u64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_LT_S):
        if (S(1).i64 < S(2).i64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_LT_U):
        if (S(1).u64 < S(2).u64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_GT_S):
        if (S(1).i64 > S(2).i64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_GT_U):
        if (S(1).u64 > S(2).u64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_LE_S):
        if (S(1).i64 <= S(2).i64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_LE_U):
        if (S(1).u64 <= S(2).u64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_GE_S):
        if (S(1).i64 >= S(2).i64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_GE_U):
        if (S(1).u64 >= S(2).u64) {
            if ((int32_t)W(3) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(3);
        } else {
            ip += 4;
        }
        NEXT();
    OP(BR_I64_EQZ):
        if (S(1).u64 == 0) {
            if ((int32_t)W(2) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(2);
        } else {
            ip += 3;
        }
        NEXT();
    OP(BR_I64_NEZ):
        if (S(1).u64 != 0) {
            if ((int32_t)W(2) <= 0 && atomic_load_explicit(&env->interrupt, memory_order_relaxed))
                goto interrupted;
            ip += (int32_t)W(2);
        } else {
            ip += 3;
        }
        NEXT();

    /* ---- memory accesses with a folded address add ---- */
    OP(I32_LOAD_ADD):
        ea = (uint64_t)(uint32_t)(S(2).u32 + W(3)) + W(4);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        S(1).u32 = load32(mem_base + ea);
        ip += 5;
        NEXT();
    OP(I64_LOAD_ADD):
        ea = (uint64_t)(uint32_t)(S(2).u32 + W(3)) + W(4);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        S(1).u64 = load64(mem_base + ea);
        ip += 5;
        NEXT();
    OP(I32_LOAD8_U_ADD):
        ea = (uint64_t)(uint32_t)(S(2).u32 + W(3)) + W(4);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        S(1).u32 = mem_base[ea];
        ip += 5;
        NEXT();
    OP(I32_LOAD8_S_ADD):
        ea = (uint64_t)(uint32_t)(S(2).u32 + W(3)) + W(4);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        S(1).i32 = (int8_t)mem_base[ea];
        ip += 5;
        NEXT();
    OP(I32_LOAD16_U_ADD):
        ea = (uint64_t)(uint32_t)(S(2).u32 + W(3)) + W(4);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        S(1).u32 = load16(mem_base + ea);
        ip += 5;
        NEXT();
    OP(I32_LOAD16_S_ADD):
        ea = (uint64_t)(uint32_t)(S(2).u32 + W(3)) + W(4);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        S(1).i32 = (int16_t)load16(mem_base + ea);
        ip += 5;
        NEXT();
    OP(I32_STORE_ADD):
        ea = (uint64_t)(uint32_t)(S(1).u32 + W(3)) + W(4);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        store32(mem_base + ea, S(2).u32);
        ip += 5;
        NEXT();
    OP(I64_STORE_ADD):
        ea = (uint64_t)(uint32_t)(S(1).u32 + W(3)) + W(4);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        store64(mem_base + ea, S(2).u64);
        ip += 5;
        NEXT();
    OP(I32_STORE8_ADD):
        ea = (uint64_t)(uint32_t)(S(1).u32 + W(3)) + W(4);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        mem_base[ea] = (uint8_t)S(2).u32;
        ip += 5;
        NEXT();
    OP(I32_STORE16_ADD):
        ea = (uint64_t)(uint32_t)(S(1).u32 + W(3)) + W(4);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        store16(mem_base + ea, (uint16_t)S(2).u32);
        ip += 5;
        NEXT();

    OP(I32_ADD_SHL): S(1).u32 = S(2).u32 + (S(3).u32 << W(4)); ip += 5; NEXT();

    /* ---- stores of a constant ---- */
    OP(I32_STORE_IMM):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        store32(mem_base + ea, W(2));
        ip += 4;
        NEXT();
    OP(I64_STORE_IMM):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        store64(mem_base + ea, (uint64_t)(int64_t)(int32_t)W(2));
        ip += 4;
        NEXT();
    OP(I32_STORE8_IMM):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 1 > mem_size)
            goto trap_memory_bounds;
        mem_base[ea] = (uint8_t)W(2);
        ip += 4;
        NEXT();
    OP(I32_STORE16_IMM):
        ea = (uint64_t)S(1).u32 + W(3);
        if (ea + 2 > mem_size)
            goto trap_memory_bounds;
        store16(mem_base + ea, (uint16_t)W(2));
        ip += 4;
        NEXT();

    /* ---- arithmetic with a memory operand ---- */
    OP(F64_ADD_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u64 = load64(mem_base + ea);
        S(1).f64 = S(2).f64 + m.f64;
        ip += 6;
        NEXT();
    }
    OP(F64_SUB_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u64 = load64(mem_base + ea);
        S(1).f64 = S(2).f64 - m.f64;
        ip += 6;
        NEXT();
    }
    OP(F64_MUL_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u64 = load64(mem_base + ea);
        S(1).f64 = S(2).f64 * m.f64;
        ip += 6;
        NEXT();
    }
    OP(F32_ADD_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u32 = load32(mem_base + ea);
        S(1).f32 = S(2).f32 + m.f32;
        ip += 6;
        NEXT();
    }
    OP(F32_SUB_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u32 = load32(mem_base + ea);
        S(1).f32 = S(2).f32 - m.f32;
        ip += 6;
        NEXT();
    }
    OP(F32_MUL_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u32 = load32(mem_base + ea);
        S(1).f32 = S(2).f32 * m.f32;
        ip += 6;
        NEXT();
    }
    OP(I32_ADD_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 4 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u32 = load32(mem_base + ea);
        S(1).u32 = S(2).u32 + m.u32;
        ip += 6;
        NEXT();
    }
    OP(I64_ADD_MEM): {
        ea = (uint64_t)(uint32_t)(S(3).u32 + W(4)) + W(5);
        if (ea + 8 > mem_size)
            goto trap_memory_bounds;
        Slot m;
        m.u64 = load64(mem_base + ea);
        S(1).u64 = S(2).u64 + m.u64;
        ip += 6;
        NEXT();
    }

    /* ---- atomics (threads proposal): rare, so out of line ---- */
    OP(ATOMIC_LOAD): {
        AtomicAccess a = {S(2).u32, W(3), W(4) & 0xff, (W(4) >> 8) & 1};
        if ((trap_msg = atom_load(inst->memory, &a, &S(1))))
            goto trap;
        ip += 5;
        NEXT();
    }
    OP(ATOMIC_STORE): {
        AtomicAccess a = {S(1).u32, W(3), W(4) & 0xff, (W(4) >> 8) & 1};
        if ((trap_msg = atom_store(inst->memory, &a, S(2))))
            goto trap;
        ip += 5;
        NEXT();
    }
    OP(ATOMIC_RMW): {
        AtomicAccess a = {S(2).u32, W(4), W(5) & 0xff, (W(5) >> 8) & 1};
        if ((trap_msg = atom_rmw(inst->memory, &a, W(5) >> 16, S(3), &S(1))))
            goto trap;
        ip += 6;
        NEXT();
    }
    OP(ATOMIC_CMPXCHG): {
        AtomicAccess a = {S(2).u32, W(5), W(6) & 0xff, (W(6) >> 8) & 1};
        if ((trap_msg = atom_cmpxchg(inst->memory, &a, S(3), S(4), &S(1))))
            goto trap;
        ip += 7;
        NEXT();
    }
    OP(ATOMIC_NOTIFY): {
        AtomicAccess a = {S(2).u32, W(4), 4, false};
        if ((trap_msg = atom_notify(inst->memory, &a, S(3).u32, &S(1))))
            goto trap;
        ip += 5;
        NEXT();
    }
    OP(ATOMIC_WAIT): {
        AtomicAccess a = {S(2).u32, W(5), W(6), W(6) == 8};
        if ((trap_msg = atom_wait(env, inst->memory, &a, S(3), S(4).i64, &S(1))))
            goto trap;
        ip += 7;
        NEXT();
    }
    OP(ATOMIC_FENCE):
        /* A seq_cst read-modify-write is a full barrier; unlike a bare
         * fence, ThreadSanitizer models it (gcc warns on fences). */
        __atomic_fetch_add(&fence_word, 0, __ATOMIC_SEQ_CST);
        ip += 1;
        NEXT();

#if !WR_COMPUTED_GOTO
    default:
        trap_msg = "invalid internal opcode";
        goto trap;
    }
#endif

    /* A call through the index space or a table: a host function runs
     * here; a wasm function (maybe another instance's) gets a frame. A
     * function of another member of our thread family runs as our copy. */
call_func:
    if (callee->inst != inst && callee->inst && callee->inst->family == inst->family)
        callee = inst->funcs[callee->func_index];
    if (!callee->func) {
        env->frame_top = frame;
        env->value_top = new_fp + (callee->type->n_params > callee->type->n_results
                                       ? callee->type->n_params
                                       : callee->type->n_results);
        if ((trap_msg = call_host(env, inst, callee, new_fp)))
            goto host_trap;
        mem_base = inst->memory ? inst->memory->data : NULL;
        mem_size = inst->memory ? inst->memory->size : 0;
        NEXT();
    }
    {
        const Func *f = callee->func;
        if ((Slot *)(frame - 1) < new_fp + f->frame_slots)
            goto stack_exhausted;
        if (atomic_load_explicit(&env->interrupt, memory_order_relaxed))
            goto interrupted;
        for (Slot *p = new_fp + f->n_params, *end = new_fp + f->n_locals; p < end; p++)
            p->u64 = 0;
        frame--;
        frame->ret_ip = ip;
        frame->fp = fp;
        frame->inst = inst;
        fp = new_fp;
        inst = callee->inst;
        ip = f->code;
        mem_base = inst->memory ? inst->memory->data : NULL;
        mem_size = inst->memory ? inst->memory->size : 0;
        NEXT();
    }

finished:
    (void)fp;
    return true;

host_trap:
    /* The host left its exception on the calling instance; it moves to the
     * instance the whole call was made on. */
    if (inst != entry_inst) {
        rt_set_exception(entry_inst, trap_msg);
        rt_clear_exception(inst);
    }
    return false;
stack_exhausted:
    trap_msg = "call stack exhausted";
    goto trap;
interrupted:
    trap_msg = "terminated by user";
    goto trap;
trap_memory_bounds:
    trap_msg = "out of bounds memory access";
    goto trap;
trap_table_bounds:
    trap_msg = "out of bounds table access";
    goto trap;
trap_div_zero:
    trap_msg = "integer divide by zero";
    goto trap;
trap_int_overflow:
    trap_msg = "integer overflow";
    goto trap;
trap:
    rt_set_exception(entry_inst, trap_msg);
    return false;
}

/* ------------------------------------------------------------------ */
/* entry points                                                         */
/* ------------------------------------------------------------------ */

uint32_t interp_handler_word(IopCode op)
{
#if WR_COMPUTED_GOTO
    static const int32_t *table;
    if (!table)
        run(NULL, NULL, NULL, &table);
    return (uint32_t)table[op];
#else
    return (uint32_t)op;
#endif
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
    ok = run(env, func, fp, NULL);
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
