/* The embedding API, part 2: calling wasm functions. Four argument styles
 * (argv cells, wasm_val_t arrays, varargs, table index) meet in api_call;
 * wasm_application_execute_main/func add argument parsing and printing. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mem/mem.h"
#include "../thread/lib_pthread.h"
#include "../thread/thread_mgr.h"
#include "api.h"

/* Slots for a call: params in, results out. Small calls use the C stack. */
enum { SMALL_CALL_SLOTS = 16 };

static _Thread_local WasmExecEnv *current_env;

WasmExecEnv *api_current_env(void)
{
    return current_env;
}

/* WASI proc_exit unwinds the guest with this exception (libc-wasi/). */
#define WASI_PROC_EXIT_MSG "wasi proc exit"

bool api_call(WasmExecEnv *env, WasmFunc *f, Slot *slots)
{
    WasmExecEnv *saved = current_env;
    const char *exception;
    bool ok;

    current_env = env;
    ok = rt_call(env, f, slots);
    current_env = saved;
    /* A trap or proc_exit in any thread of a group ends the whole group;
     * pthread_exit (thread/lib_pthread.c) ends only its own thread. */
    if (!ok && env->group && !lib_pthread_is_exit(rt_get_exception(env->module_inst)))
        tm_terminate_group(env, rt_get_exception(env->module_inst));
    /* proc_exit ends the outermost call as a normal return, as in WAMR;
     * the code is kept by the WASI ctx. A nested call (a native calling
     * back) keeps the exception, so the whole guest stack unwinds. */
    exception = ok || saved ? NULL : rt_get_exception(env->module_inst);
    if (exception && strcmp(exception, WASI_PROC_EXIT_MSG) == 0) {
        rt_clear_exception(env->module_inst);
        ok = true;
    }
    return ok;
}

static uint32_t slot_count(const FuncType *t)
{
    uint32_t n = t->n_params > t->n_results ? t->n_params : t->n_results;
    return n ? n : 1;
}

static Slot *call_slots(const FuncType *t, Slot *small)
{
    uint32_t n = slot_count(t);
    return n <= SMALL_CALL_SLOTS ? small : mem_calloc(n, sizeof(Slot));
}

static void free_call_slots(Slot *slots, Slot *small)
{
    if (slots != small)
        mem_free(slots);
}

/* Cells per value: one uint32 for i32/f32, two for i64/f64, pointer-sized
 * for references, four for v128. */
static uint32_t cells_of(uint8_t vt)
{
    switch (vt) {
    case VT_I32:
    case VT_F32: return 1;
    case VT_I64:
    case VT_F64: return 2;
    case VT_V128: return 4;
    default: return (uint32_t)(sizeof(void *) / sizeof(uint32_t));
    }
}

static uint32_t total_cells(const uint8_t *types, uint32_t n)
{
    uint32_t cells = 0;
    for (uint32_t i = 0; i < n; i++)
        cells += cells_of(types[i]);
    return cells;
}

bool api_cells_to_slots(const FuncType *t, uint32_t argc, const uint32_t *argv, Slot *slots)
{
    uint32_t c = 0;

    if (argc < total_cells(ft_params(t), t->n_params))
        return false;
    for (uint32_t i = 0; i < t->n_params; i++) {
        uint32_t n = cells_of(ft_params(t)[i]);
        slots[i].u64 = 0;
        memcpy(&slots[i], argv + c, n * sizeof(uint32_t) > sizeof(Slot) ? sizeof(Slot)
                                                                         : n * sizeof(uint32_t));
        c += n;
    }
    return true;
}

void api_slots_to_cells(const FuncType *t, const Slot *slots, uint32_t *argv)
{
    uint32_t c = 0;

    for (uint32_t i = 0; i < t->n_results; i++) {
        uint32_t n = cells_of(ft_results(t)[i]);
        memcpy(argv + c, &slots[i], n * sizeof(uint32_t) > sizeof(Slot) ? sizeof(Slot)
                                                                         : n * sizeof(uint32_t));
        c += n;
    }
}

static bool check_call(WasmExecEnv *env, WasmFunc *f)
{
    if (!env || !env->module_inst)
        return false;
    if (!f) {
        rt_set_exception(env->module_inst, "invalid function: NULL");
        return false;
    }
    return true;
}

bool wasm_runtime_call_wasm(wasm_exec_env_t exec_env, wasm_function_inst_t function,
                            uint32_t argc, uint32_t argv[])
{
    Slot small[SMALL_CALL_SLOTS], *slots;
    bool ok;

    if (!check_call(exec_env, function))
        return false;
    const FuncType *t = function->type;
    uint32_t need = total_cells(ft_params(t), t->n_params);
    if (argc < need || (need && !argv)) {
        char msg[96];
        snprintf(msg, sizeof msg, "invalid argument count %" PRIu32 ", must be no smaller than %" PRIu32,
                 argc, need);
        rt_set_exception(exec_env->module_inst, msg);
        return false;
    }
    if (!(slots = call_slots(t, small))) {
        rt_set_exception(exec_env->module_inst, "allocate memory failed");
        return false;
    }
    api_cells_to_slots(t, argc, argv, slots);
    ok = api_call(exec_env, function, slots);
    if (ok && t->n_results && argv)
        api_slots_to_cells(t, slots, argv);
    free_call_slots(slots, small);
    return ok;
}

/* ---- wasm_val_t arrays ---- */

static uint8_t vt_of_kind(wasm_valkind_t kind)
{
    switch (kind) {
    case WASM_I32: return VT_I32;
    case WASM_I64: return VT_I64;
    case WASM_F32: return VT_F32;
    case WASM_F64: return VT_F64;
    case WASM_V128: return VT_V128;
    case WASM_EXTERNREF: return VT_EXTERNREF;
    case WASM_FUNCREF: return VT_FUNCREF;
    default: return 0;
    }
}

static Slot slot_of_val(const wasm_val_t *v)
{
    Slot s;
    s.u64 = 0;
    switch (v->kind) {
    case WASM_I32: s.i32 = v->of.i32; break;
    case WASM_I64: s.i64 = v->of.i64; break;
    case WASM_F32: s.f32 = v->of.f32; break;
    case WASM_F64: s.f64 = v->of.f64; break;
    case WASM_EXTERNREF: s.ref = (void *)v->of.foreign; break;
    default: s.ref = v->of.ref; break;
    }
    return s;
}

static wasm_val_t val_of_slot(uint8_t vt, Slot s)
{
    wasm_val_t v;
    memset(&v, 0, sizeof v);
    switch (vt) {
    case VT_I32: v.kind = WASM_I32; v.of.i32 = s.i32; break;
    case VT_I64: v.kind = WASM_I64; v.of.i64 = s.i64; break;
    case VT_F32: v.kind = WASM_F32; v.of.f32 = s.f32; break;
    case VT_F64: v.kind = WASM_F64; v.of.f64 = s.f64; break;
    case VT_EXTERNREF: v.kind = WASM_EXTERNREF; v.of.foreign = (uintptr_t)s.ref; break;
    default: v.kind = WASM_FUNCREF; v.of.ref = s.ref; break;
    }
    return v;
}

/* Runs f with slots already holding the params, writing wasm_val_t results. */
static bool call_with_vals(WasmExecEnv *env, WasmFunc *f, Slot *slots, uint32_t num_results,
                           wasm_val_t *results)
{
    if (!api_call(env, f, slots))
        return false;
    for (uint32_t i = 0; i < f->type->n_results && i < num_results; i++)
        results[i] = val_of_slot(ft_results(f->type)[i], slots[i]);
    return true;
}

static bool check_counts(WasmExecEnv *env, const FuncType *t, uint32_t num_results,
                         const wasm_val_t *results, uint32_t num_args)
{
    char msg[128];
    if (num_args != t->n_params || num_results != t->n_results ||
        (num_results && !results)) {
        snprintf(msg, sizeof msg,
                 "invalid argument count: got %" PRIu32 " args and %" PRIu32
                 " results, the function takes %" PRIu32 " and returns %" PRIu32,
                 num_args, num_results, t->n_params, t->n_results);
        rt_set_exception(env->module_inst, msg);
        return false;
    }
    return true;
}

bool wasm_runtime_call_wasm_a(wasm_exec_env_t exec_env, wasm_function_inst_t function,
                              uint32_t num_results, wasm_val_t results[], uint32_t num_args,
                              wasm_val_t *args)
{
    Slot small[SMALL_CALL_SLOTS], *slots;
    bool ok;

    if (!check_call(exec_env, function))
        return false;
    const FuncType *t = function->type;
    if (!check_counts(exec_env, t, num_results, results, num_args))
        return false;
    for (uint32_t i = 0; i < num_args; i++) {
        if (!args || vt_of_kind(args[i].kind) != ft_params(t)[i]) {
            rt_set_exception(exec_env->module_inst, "invalid argument type");
            return false;
        }
    }
    if (!(slots = call_slots(t, small))) {
        rt_set_exception(exec_env->module_inst, "allocate memory failed");
        return false;
    }
    for (uint32_t i = 0; i < num_args; i++)
        slots[i] = slot_of_val(&args[i]);
    ok = call_with_vals(exec_env, function, slots, num_results, results);
    free_call_slots(slots, small);
    return ok;
}

/* Varargs arrive promoted: i32 as (unsigned) int, f32 as double. */
static Slot slot_of_vararg(uint8_t vt, va_list *ap)
{
    Slot s;
    s.u64 = 0;
    switch (vt) {
    case VT_I32: s.u32 = va_arg(*ap, uint32_t); break;
    case VT_I64: s.u64 = va_arg(*ap, uint64_t); break;
    case VT_F32: s.f32 = (float)va_arg(*ap, double); break;
    case VT_F64: s.f64 = va_arg(*ap, double); break;
    default: s.ref = va_arg(*ap, void *); break;
    }
    return s;
}

bool wasm_runtime_call_wasm_v(wasm_exec_env_t exec_env, wasm_function_inst_t function,
                              uint32_t num_results, wasm_val_t results[], uint32_t num_args, ...)
{
    Slot small[SMALL_CALL_SLOTS], *slots;
    va_list ap;
    bool ok;

    if (!check_call(exec_env, function))
        return false;
    const FuncType *t = function->type;
    if (!check_counts(exec_env, t, num_results, results, num_args))
        return false;
    if (!(slots = call_slots(t, small))) {
        rt_set_exception(exec_env->module_inst, "allocate memory failed");
        return false;
    }
    va_start(ap, num_args);
    for (uint32_t i = 0; i < num_args; i++)
        slots[i] = slot_of_vararg(ft_params(t)[i], &ap);
    va_end(ap);
    ok = call_with_vals(exec_env, function, slots, num_results, results);
    free_call_slots(slots, small);
    return ok;
}

/* Calls element element_index of table 0, as call_indirect would. */
bool wasm_runtime_call_indirect(wasm_exec_env_t exec_env, uint32_t element_index, uint32_t argc,
                                uint32_t argv[])
{
    if (!exec_env || !exec_env->module_inst)
        return false;
    WasmInstance *inst = exec_env->module_inst;
    if (inst->module->n_tables == 0 || inst->tables[0]->elem_type != VT_FUNCREF) {
        rt_set_exception(inst, "unknown table 0");
        return false;
    }
    WasmTable *table = inst->tables[0];
    if (element_index >= table->size) {
        rt_set_exception(inst, "undefined element");
        return false;
    }
    WasmFunc *f = table->elems[element_index];
    if (!f) {
        rt_set_exception(inst, "uninitialized element");
        return false;
    }
    return wasm_runtime_call_wasm(exec_env, f, argc, argv);
}

/* ------------------------------------------------------------------ */
/* execute_main / execute_func                                          */
/* ------------------------------------------------------------------ */

/* Copies argv strings and the pointer array into the app's memory. */
static uint32_t dup_main_args(WasmInstance *inst, int32_t argc, char *argv[], uint32_t *out_buf)
{
    uint64_t total = (uint64_t)(argc + 1) * sizeof(uint32_t);
    for (int32_t i = 0; i < argc; i++)
        total += strlen(argv[i]) + 1;
    if (total > UINT32_MAX)
        return 0;
    void *native = NULL;
    uint32_t buf = wasm_runtime_module_malloc(inst, (uint32_t)total, &native);
    if (!buf)
        return 0;
    uint8_t *base = native;
    uint32_t strings = (uint32_t)(argc + 1) * sizeof(uint32_t);
    for (int32_t i = 0; i < argc; i++) {
        uint32_t app = buf + strings, len = (uint32_t)strlen(argv[i]) + 1;
        memcpy(base + i * sizeof(uint32_t), &app, sizeof app);
        memcpy(base + strings, argv[i], len);
        strings += len;
    }
    memset(base + (size_t)argc * sizeof(uint32_t), 0, sizeof(uint32_t));
    *out_buf = buf;
    return buf;
}

static WasmFunc *find_main(WasmInstance *inst)
{
    static const char *const names[] = {"_start", "main", "__main_argc_argv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        WasmFunc *f = wasm_runtime_lookup_function(inst, names[i]);
        if (f)
            return f;
    }
    return NULL;
}

bool wasm_application_execute_main(wasm_module_inst_t module_inst, int32_t argc, char *argv[])
{
    Slot slots[2] = {{0}, {0}};
    uint32_t buf = 0;

    if (!module_inst || argc < 0 || (argc > 0 && !argv))
        return false;
    WasmFunc *f = find_main(module_inst);
    WasmExecEnv *env = wasm_runtime_get_exec_env_singleton(module_inst);
    if (!f || !env) {
        rt_set_exception(module_inst, f ? "allocate memory failed" : "lookup main function failed");
        return false;
    }
    const FuncType *t = f->type;
    bool takes_args = t->n_params == 2 && ft_params(t)[0] == VT_I32 && ft_params(t)[1] == VT_I32;
    if (t->n_params != 0 && !takes_args) {
        rt_set_exception(module_inst, "invalid main function: wrong parameter types");
        return false;
    }
    if (takes_args) {
        if (!dup_main_args(module_inst, argc, argv, &buf)) {
            rt_set_exception(module_inst, "allocate memory failed");
            return false;
        }
        slots[0].i32 = argc;
        slots[1].u32 = buf;
    }
    bool ok = api_call(env, f, slots);
    if (buf)
        wasm_runtime_module_free(module_inst, buf);
    return ok;
}

/* Parses a command-line argument by the param type (WAMR's rules: integers
 * in any base strtoul accepts, negative ones wrap). */
static bool parse_arg(const char *text, uint8_t vt, Slot *out)
{
    char *end = NULL;
    out->u64 = 0;
    errno = 0;
    switch (vt) {
    case VT_I32: out->u32 = (uint32_t)strtoul(text, &end, 0); break;
    case VT_I64: out->u64 = (uint64_t)strtoull(text, &end, 0); break;
    case VT_F32: out->f32 = strtof(text, &end); break;
    case VT_F64: out->f64 = strtod(text, &end); break;
    default:
        if (strcmp(text, "null") != 0)
            return false;
        out->ref = NULL;
        return true;
    }
    return end != text && *end == '\0';
}

static void print_result(uint8_t vt, Slot v)
{
    switch (vt) {
    case VT_I32: printf("0x%" PRIx32 ":i32", v.u32); break;
    case VT_I64: printf("0x%" PRIx64 ":i64", v.u64); break;
    case VT_F32: printf("%.7g:f32", v.f32); break;
    case VT_F64: printf("%.7g:f64", v.f64); break;
    case VT_EXTERNREF: printf("%p:ref.extern", v.ref); break;
    default: printf("%p:ref.func", v.ref); break;
    }
}

static bool execute_with_slots(WasmInstance *inst, WasmFunc *f, Slot *slots)
{
    WasmExecEnv *env = wasm_runtime_get_exec_env_singleton(inst);
    if (!env) {
        rt_set_exception(inst, "allocate memory failed");
        return false;
    }
    if (!api_call(env, f, slots))
        return false;
    for (uint32_t i = 0; i < f->type->n_results; i++) {
        if (i)
            printf(",");
        print_result(ft_results(f->type)[i], slots[i]);
    }
    printf("\n");
    return true;
}

bool wasm_application_execute_func(wasm_module_inst_t module_inst, const char *name,
                                   int32_t argc, char *argv[])
{
    Slot small[SMALL_CALL_SLOTS], *slots;
    char msg[160];

    if (!module_inst || !name || argc < 0 || (argc > 0 && !argv))
        return false;
    WasmFunc *f = wasm_runtime_lookup_function(module_inst, name);
    if (!f) {
        snprintf(msg, sizeof msg, "lookup function %s failed", name);
        rt_set_exception(module_inst, msg);
        return false;
    }
    const FuncType *t = f->type;
    if ((uint32_t)argc != t->n_params) {
        snprintf(msg, sizeof msg, "invalid input argument count %" PRId32 ", %s takes %" PRIu32,
                 argc, name, t->n_params);
        rt_set_exception(module_inst, msg);
        return false;
    }
    if (!(slots = call_slots(t, small))) {
        rt_set_exception(module_inst, "allocate memory failed");
        return false;
    }
    bool ok = true;
    for (int32_t i = 0; ok && i < argc; i++) {
        if (!parse_arg(argv[i], ft_params(t)[i], &slots[i])) {
            snprintf(msg, sizeof msg, "invalid input argument %" PRId32 ": %s", i, argv[i]);
            rt_set_exception(module_inst, msg);
            ok = false;
        }
    }
    ok = ok && execute_with_slots(module_inst, f, slots);
    free_call_slots(slots, small);
    return ok;
}
