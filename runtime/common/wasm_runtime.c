/* The embedding API (wasm_export.h), part 1: runtime lifecycle, modules,
 * instances, exec envs, exceptions, user data and native registration.
 * Calls are in wasm_call.c, app memory in wasm_memory.c. Every public
 * function accepts NULL handles and fails cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../libc-builtin/libc_builtin.h"
#include "../libc-wasi/wasi.h"
#include "../loader/module.h"
#include "../mem/mem.h"
#include "../platform/os.h"
#include "api.h"
#include "log.h"
#include "native.h"
#include "../thread/lib_pthread.h"
#include "../thread/thread_mgr.h"
#include "../thread/wasi_threads.h"

/* Protects init_count and the exec env lists of instances. */
static os_mutex api_lock = OS_MUTEX_INITIALIZER;
static uint32_t init_count;

/* ------------------------------------------------------------------ */
/* lifecycle                                                            */
/* ------------------------------------------------------------------ */

/* The fields after max_thread_num belong to engines we do not have. */
static bool init_args_supported(const RuntimeInitArgs *a)
{
    if (a->running_mode != 0 && a->running_mode != Mode_Interp) {
        rt_log(LOG_ERROR, "running mode %d is not supported: this runtime interprets",
               (int)a->running_mode);
        return false;
    }
    if (a->fast_jit_code_cache_size || a->gc_heap_size || a->llvm_jit_opt_level ||
        a->llvm_jit_size_level || a->segue_flags || a->enable_linux_perf) {
        rt_log(LOG_ERROR, "RuntimeInitArgs sets JIT/GC options this runtime does not have");
        return false;
    }
    return true;
}

static bool init_memory(const RuntimeInitArgs *a)
{
    switch (a->mem_alloc_type) {
    case Alloc_With_Pool:
        return mem_init_pool(a->mem_alloc_option.pool.heap_buf,
                             a->mem_alloc_option.pool.heap_size);
    case Alloc_With_Allocator:
        return mem_init_allocator(a->mem_alloc_option.allocator.malloc_func,
                                  a->mem_alloc_option.allocator.realloc_func,
                                  a->mem_alloc_option.allocator.free_func);
    case Alloc_With_System_Allocator:
        return mem_init_system();
    default:
        rt_log(LOG_ERROR, "unknown memory allocation type %d", (int)a->mem_alloc_type);
        return false;
    }
}

static bool init_once(RuntimeInitArgs *a)
{
    if (!init_args_supported(a) || !init_memory(a))
        return false;
    if (!libc_wasi_register()) { /* a no-op without WR_LIBC_WASI */
        mem_destroy();
        return false;
    }
    /* Before the embedder's natives, so that their "env" ones win. */
    if (!libc_builtin_register()) {
        mem_destroy();
        return false;
    }
    /* lib-pthread ("env") and wasi-threads ("wasi"): no-ops when not built */
    if (!lib_pthread_register() || !wasi_threads_register()) {
        native_unregister_all();
        mem_destroy();
        return false;
    }
    tm_set_max_threads(a->max_thread_num);
    if (a->native_symbols && a->n_native_symbols &&
        !native_register(a->native_module_name ? a->native_module_name : "env",
                         a->native_symbols, a->n_native_symbols, false)) {
        mem_destroy();
        return false;
    }
    return true;
}

/* Reference-counted: only the first call initialises, later ones count. */
bool wasm_runtime_full_init(RuntimeInitArgs *init_args)
{
    bool ok = true;

    if (!init_args)
        return false;
    os_mutex_lock(&api_lock);
    if (init_count == 0)
        ok = init_once(init_args);
    if (ok)
        init_count++;
    os_mutex_unlock(&api_lock);
    return ok;
}

bool wasm_runtime_init(void)
{
    RuntimeInitArgs args;

    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_System_Allocator;
    return wasm_runtime_full_init(&args);
}

void wasm_runtime_destroy(void)
{
    os_mutex_lock(&api_lock);
    if (init_count > 0 && --init_count == 0) {
        native_unregister_all();
        mem_destroy();
    }
    os_mutex_unlock(&api_lock);
}

void wasm_runtime_set_log_level(log_level_t level)
{
    rt_log_set_level((int)level);
}

void *wasm_runtime_malloc(unsigned int size)
{
    return mem_alloc(size);
}

void *wasm_runtime_realloc(void *ptr, unsigned int size)
{
    return mem_realloc(ptr, size);
}

void wasm_runtime_free(void *ptr)
{
    mem_free(ptr);
}

bool wasm_runtime_get_mem_alloc_info(mem_alloc_info_t *info)
{
    if (!info)
        return false;
    return mem_get_info(&info->total_size, &info->total_free_size, &info->highmark_size);
}

/* ------------------------------------------------------------------ */
/* modules                                                              */
/* ------------------------------------------------------------------ */

package_type_t get_package_type(const uint8_t *buf, uint32_t size)
{
    if (!buf || size < 4)
        return Package_Type_Unknown;
    if (memcmp(buf, "\0asm", 4) == 0)
        return Wasm_Module_Bytecode;
    if (memcmp(buf, "\0aot", 4) == 0)
        return Wasm_Module_AoT;
    return Package_Type_Unknown;
}

/* Calling an import no native satisfied traps with its names. */
static void unlinked_import_trap(WasmExecEnv *env, uint64_t *args)
{
    const Import *imp = env->host_func->attachment;
    char msg[128];

    (void)args;
    snprintf(msg, sizeof msg, "failed to call unlinked import function (%s, %s)",
             imp->module_name, imp->field_name);
    rt_set_exception(env->module_inst, msg);
}

/* Binds one function import to its native, if a matching one is registered. */
static void bind_import(WasmFunc *f, const Import *imp)
{
    char why[128];
    bool raw = false;
    const NativeSymbol *sym = native_lookup(imp->module_name, imp->field_name, &raw);

    if (sym && native_symbol_matches(sym, raw, f->type, why, sizeof why)) {
        f->host_fn = native_invoke;
        f->native = sym;
        f->native_raw = raw;
        f->attachment = sym->attachment;
        return;
    }
    if (sym)
        rt_log(LOG_WARNING, "failed to link import function (%s, %s): %s", imp->module_name,
               imp->field_name, why);
    else
        rt_log(LOG_WARNING, "failed to link import function (%s, %s)", imp->module_name,
               imp->field_name);
    f->host_fn = unlinked_import_trap;
    f->attachment = (void *)imp;
}

static bool bind_imports(struct WASMModuleCommon *w)
{
    const WasmModule *m = w->module;
    uint32_t k = 0;

    w->import_funcs = mem_calloc(m->n_func_imports ? m->n_func_imports : 1, sizeof(WasmFunc));
    if (!w->import_funcs)
        return false;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const Import *imp = &m->imports[i];
        if (imp->kind != EXT_FUNC)
            continue;
        WasmFunc *f = &w->import_funcs[k];
        f->type = &m->types[imp->u.type_index];
        f->func_index = k++;
        bind_import(f, imp);
    }
    return true;
}

static void free_module(struct WASMModuleCommon *w)
{
    if (!w)
        return;
    if (w->module)
        ld_unload(w->module);
    mem_free(w->import_funcs);
    mem_free(w->owned_binary);
    mem_free(w->name);
    wasi_config_free(w->wasi);
    mem_free(w);
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = mem_alloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

wasm_module_t wasm_runtime_load_ex(uint8_t *buf, uint32_t size, const LoadArgs *args,
                                   char *error_buf, uint32_t error_buf_size)
{
    char why[128];
    struct WASMModuleCommon *w;
    const uint8_t *bytes = buf;

    if (!buf) {
        api_error(error_buf, error_buf_size, "WASM module load failed: no wasm bytes given");
        return NULL;
    }
    if (get_package_type(buf, size) == Wasm_Module_AoT) {
        api_error(error_buf, error_buf_size,
                  "WASM module load failed: AOT modules are not supported by this runtime");
        return NULL;
    }
    w = mem_calloc(1, sizeof *w);
    if (!w)
        goto oom;
    if (args && (args->clone_wasm_binary || args->wasm_binary_freeable)) {
        w->owned_binary = mem_alloc(size);
        if (!w->owned_binary)
            goto oom;
        memcpy(w->owned_binary, buf, size);
        bytes = w->owned_binary;
    }
    if (args && args->name && !(w->name = copy_string(args->name)))
        goto oom;
    w->module = ld_load(bytes, size, why, sizeof why);
    if (!w->module) {
        api_error(error_buf, error_buf_size, "WASM module load failed: %s", why);
        free_module(w);
        return NULL;
    }
    if (!bind_imports(w))
        goto oom;
    return w;
oom:
    api_error(error_buf, error_buf_size, "WASM module load failed: allocate memory failed");
    free_module(w);
    return NULL;
}

wasm_module_t wasm_runtime_load(uint8_t *buf, uint32_t size, char *error_buf,
                                uint32_t error_buf_size)
{
    return wasm_runtime_load_ex(buf, size, NULL, error_buf, error_buf_size);
}

void wasm_runtime_unload(wasm_module_t module)
{
    free_module(module);
}

bool wasm_runtime_is_underlying_binary_freeable(const wasm_module_t module)
{
    return module && module->owned_binary != NULL;
}

/* ------------------------------------------------------------------ */
/* exec envs                                                            */
/* ------------------------------------------------------------------ */

static void link_env(WasmInstance *inst, WasmExecEnv *env)
{
    os_mutex_lock(&api_lock);
    env->next_env = inst->envs;
    inst->envs = env;
    os_mutex_unlock(&api_lock);
}

static void unlink_env(WasmExecEnv *env)
{
    WasmInstance *inst = env->module_inst;
    os_mutex_lock(&api_lock);
    for (WasmExecEnv **p = inst ? &inst->envs : NULL; p && *p; p = &(*p)->next_env) {
        if (*p == env) {
            *p = env->next_env;
            break;
        }
    }
    os_mutex_unlock(&api_lock);
}

wasm_exec_env_t wasm_runtime_create_exec_env(wasm_module_inst_t module_inst, uint32_t stack_size)
{
    if (!module_inst)
        return NULL;
    WasmExecEnv *env = rt_exec_env_create(module_inst, stack_size);
    if (env)
        link_env(module_inst, env);
    return env;
}

void wasm_runtime_destroy_exec_env(wasm_exec_env_t exec_env)
{
    if (!exec_env)
        return;
    if (exec_env->module_inst && exec_env->module_inst->default_env == exec_env)
        exec_env->module_inst->default_env = NULL;
    tm_exec_env_leaving(exec_env);
    unlink_env(exec_env);
    rt_exec_env_destroy(exec_env);
}

wasm_exec_env_t wasm_runtime_get_exec_env_singleton(wasm_module_inst_t module_inst)
{
    if (!module_inst)
        return NULL;
    if (!module_inst->default_env) {
        module_inst->default_env =
            wasm_runtime_create_exec_env(module_inst, module_inst->default_stack_size);
    }
    return module_inst->default_env;
}

wasm_module_inst_t wasm_runtime_get_module_inst(wasm_exec_env_t exec_env)
{
    return exec_env ? exec_env->module_inst : NULL;
}

/* The env moves to the new instance's list of envs, the one terminate and
 * clear_exception walk (and no stale entry stays on the old one's). */
void wasm_runtime_set_module_inst(wasm_exec_env_t exec_env, const wasm_module_inst_t module_inst)
{
    if (!exec_env || !module_inst || exec_env->module_inst == module_inst)
        return;
    unlink_env(exec_env);
    exec_env->module_inst = module_inst;
    link_env(module_inst, exec_env);
}

/* ------------------------------------------------------------------ */
/* instances                                                            */
/* ------------------------------------------------------------------ */

typedef struct InstantiateCtx {
    struct WASMModuleCommon *module;
    uint32_t next_import; /* the resolver is called once per import, in order */
    uint32_t next_func_import;
    uint32_t heap_size;
    uint32_t stack_size;
} InstantiateCtx;

static bool resolve_import(void *user, const char *module_name, const char *field_name,
                           RtExtern *out)
{
    InstantiateCtx *ctx = user;
    const Import *imp = &ctx->module->module->imports[ctx->next_import++];

    if (imp->kind == EXT_GLOBAL) {
        /* Only libc-builtin's constants (global.NaN, global.Infinity): NULL
         * for any other global, and always when libc-builtin is not built. */
        out->kind = EXT_GLOBAL;
        out->u.global = lb_builtin_global(module_name, field_name);
        out->owner = NULL;
        return out->u.global != NULL;
    }
    if (imp->kind != EXT_FUNC)
        return false; /* tables and memories come only from modules */
    out->kind = EXT_FUNC;
    out->u.func = &ctx->module->import_funcs[ctx->next_func_import++];
    out->owner = NULL;
    return true;
}

/* Runs before the start function, which may already call natives that
 * allocate or need the exec env. */
/* The instance runs this when it is destroyed (instance.h: api_cleanup). */
static void instance_cleanup(WasmInstance *inst)
{
    api_free_app_heap(inst);
    wasi_instance_deinit(inst);
}

static bool before_start(WasmInstance *inst, void *user, char *err, uint32_t err_size)
{
    InstantiateCtx *ctx = user;

    inst->api_cleanup = instance_cleanup;
    inst->api_module = ctx->module;
    inst->default_stack_size = ctx->stack_size;
    if (!wasm_runtime_get_exec_env_singleton(inst)) {
        rt_set_error(err, err_size, "allocate memory failed");
        return false;
    }
    return wasi_instance_init(inst, ctx->module->wasi, err, err_size) &&
           api_setup_app_heap(inst, ctx->heap_size, err, err_size);
}

wasm_module_inst_t wasm_runtime_instantiate(const wasm_module_t module, uint32_t stack_size,
                                            uint32_t heap_size, char *error_buf,
                                            uint32_t error_buf_size)
{
    return api_instantiate(module, stack_size, heap_size, 0, error_buf, error_buf_size);
}

wasm_module_inst_t api_instantiate(const wasm_module_t module, uint32_t stack_size,
                                   uint32_t heap_size, uint32_t flags, char *error_buf,
                                   uint32_t error_buf_size)
{
    InstantiateCtx ctx;
    char why[160];
    WasmInstance *inst;

    if (!module) {
        api_error(error_buf, error_buf_size, "WASM module instantiate failed: no module given");
        return NULL;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.module = module;
    ctx.heap_size = heap_size;
    ctx.stack_size = stack_size;
    inst = rt_instantiate_ex(module->module, resolve_import, &ctx, before_start, flags, why,
                             sizeof why);
    if (!inst)
        api_error(error_buf, error_buf_size, "WASM module instantiate failed: %s", why);
    return inst;
}

wasm_function_inst_t api_start_function(const wasm_module_inst_t module_inst)
{
    return module_inst ? rt_start_func(module_inst) : NULL;
}

void wasm_runtime_deinstantiate(wasm_module_inst_t module_inst)
{
    if (!module_inst)
        return;
    /* Threads still running in the instance's family (lib-pthread,
     * wasi-threads) end and are joined before the app heap they use goes. */
    lib_pthread_instance_ended(module_inst);
    wasi_threads_instance_ended(module_inst);
    if (module_inst->default_env) {
        wasm_runtime_destroy_exec_env(module_inst->default_env);
        module_inst->default_env = NULL;
    }
    rt_instance_release(module_inst); /* api_cleanup frees the heap and WASI ctx */
}

wasm_module_t wasm_runtime_get_module(wasm_module_inst_t module_inst)
{
    return module_inst ? module_inst->api_module : NULL;
}

wasm_function_inst_t wasm_runtime_lookup_function(const wasm_module_inst_t module_inst,
                                                  const char *name, const char *signature)
{
    RtExtern ext;
    char why[128];

    if (!module_inst || !name || !rt_instance_find_export(module_inst, name, &ext) ||
        ext.kind != EXT_FUNC)
        return NULL;
    if (signature && !native_signature_matches(signature, ext.u.func->type, why, sizeof why)) {
        rt_log(LOG_WARNING, "lookup function %s: %s", name, why);
        return NULL;
    }
    return ext.u.func;
}

/* The API's kinds from value types: the same order, refs at 128/129. */
static wasm_valkind_t valkind_of(uint8_t vt)
{
    switch (vt) {
    case VT_I32: return WASM_I32;
    case VT_I64: return WASM_I64;
    case VT_F32: return WASM_F32;
    case VT_F64: return WASM_F64;
    case VT_V128: return WASM_V128;
    case VT_EXTERNREF: return WASM_EXTERNREF;
    default: return WASM_FUNCREF;
    }
}

uint32_t wasm_func_get_param_count(const wasm_function_inst_t func_inst,
                                   const wasm_module_inst_t module_inst)
{
    (void)module_inst;
    return func_inst ? func_inst->type->n_params : 0;
}

uint32_t wasm_func_get_result_count(const wasm_function_inst_t func_inst,
                                    const wasm_module_inst_t module_inst)
{
    (void)module_inst;
    return func_inst ? func_inst->type->n_results : 0;
}

void wasm_func_get_param_types(const wasm_function_inst_t func_inst,
                               const wasm_module_inst_t module_inst, wasm_valkind_t *param_types)
{
    (void)module_inst;
    for (uint32_t i = 0; func_inst && param_types && i < func_inst->type->n_params; i++)
        param_types[i] = valkind_of(ft_params(func_inst->type)[i]);
}

void wasm_func_get_result_types(const wasm_function_inst_t func_inst,
                                const wasm_module_inst_t module_inst,
                                wasm_valkind_t *result_types)
{
    (void)module_inst;
    for (uint32_t i = 0; func_inst && result_types && i < func_inst->type->n_results; i++)
        result_types[i] = valkind_of(ft_results(func_inst->type)[i]);
}

/* ------------------------------------------------------------------ */
/* exceptions                                                           */
/* ------------------------------------------------------------------ */

const char *wasm_runtime_get_exception(wasm_module_inst_t module_inst)
{
    /* rt_get_exception: the flag may be set by another thread of a group */
    if (!module_inst || !rt_get_exception(module_inst))
        return NULL;
    return module_inst->exception;
}

void wasm_runtime_set_exception(wasm_module_inst_t module_inst, const char *exception)
{
    if (module_inst)
        rt_set_exception(module_inst, exception);
}

/* Clearing also re-arms the instance's exec envs after a terminate. */
void wasm_runtime_clear_exception(wasm_module_inst_t module_inst)
{
    if (!module_inst)
        return;
    rt_clear_exception(module_inst);
    os_mutex_lock(&api_lock);
    for (WasmExecEnv *env = module_inst->envs; env; env = env->next_env)
        atomic_store(&env->interrupt, 0);
    os_mutex_unlock(&api_lock);
}

/* Callable from any thread: running code sees the flag at its next function
 * entry or loop back-edge, and further calls fail until the exception is
 * cleared. */
void wasm_runtime_terminate(wasm_module_inst_t module_inst)
{
    if (!module_inst)
        return;
    os_mutex_lock(&api_lock);
    rt_set_exception(module_inst, "terminated by user");
    for (WasmExecEnv *env = module_inst->envs; env; env = env->next_env) {
        atomic_store(&env->interrupt, 1);
        /* The whole thread group goes with it. tm_terminate_group reads
         * env->group under the thread manager's lock (the group may be
         * made by the running thread right now); no-op without a group. */
        tm_terminate_group(env, "terminated by user");
    }
    os_mutex_unlock(&api_lock);
}

/* ------------------------------------------------------------------ */
/* user data                                                            */
/* ------------------------------------------------------------------ */

void wasm_runtime_set_user_data(wasm_exec_env_t exec_env, void *user_data)
{
    if (exec_env)
        exec_env->user_data = user_data;
}

void *wasm_runtime_get_user_data(wasm_exec_env_t exec_env)
{
    return exec_env ? exec_env->user_data : NULL;
}

void wasm_runtime_set_custom_data(wasm_module_inst_t module_inst, void *custom_data)
{
    if (module_inst)
        module_inst->custom_data = custom_data;
}

void *wasm_runtime_get_custom_data(wasm_module_inst_t module_inst)
{
    return module_inst ? module_inst->custom_data : NULL;
}

void *wasm_runtime_get_function_attachment(wasm_exec_env_t exec_env)
{
    return exec_env ? exec_env->attachment : NULL;
}

/* ------------------------------------------------------------------ */
/* natives                                                              */
/* ------------------------------------------------------------------ */

bool wasm_runtime_register_natives(const char *module_name, NativeSymbol *native_symbols,
                                   uint32_t n_native_symbols)
{
    if (!module_name || (!native_symbols && n_native_symbols))
        return false;
    return native_register(module_name, native_symbols, n_native_symbols, false);
}

bool wasm_runtime_register_natives_raw(const char *module_name, NativeSymbol *native_symbols,
                                       uint32_t n_native_symbols)
{
    if (!module_name || (!native_symbols && n_native_symbols))
        return false;
    return native_register(module_name, native_symbols, n_native_symbols, true);
}

bool wasm_runtime_unregister_natives(const char *module_name, NativeSymbol *native_symbols)
{
    if (!module_name || !native_symbols)
        return false;
    return native_unregister(module_name, native_symbols);
}

/* ------------------------------------------------------------------ */
/* threads (thread/thread_mgr.c)                                        */
/* ------------------------------------------------------------------ */

wasm_exec_env_t wasm_runtime_spawn_exec_env(wasm_exec_env_t exec_env)
{
    return tm_spawn_exec_env(exec_env);
}

void wasm_runtime_destroy_spawned_exec_env(wasm_exec_env_t exec_env)
{
    tm_destroy_spawned_exec_env(exec_env);
}

int32_t wasm_runtime_spawn_thread(wasm_exec_env_t exec_env, wasm_thread_t *tid,
                                  wasm_thread_callback_t callback, void *arg)
{
    return tm_spawn_thread(exec_env, tid, callback, arg);
}

int32_t wasm_runtime_join_thread(wasm_thread_t tid, void **retval)
{
    return tm_join_thread(tid, retval);
}

/* Host threads need no per-thread runtime state here: the thread-local
 * "current exec env" is set around each call. */
bool wasm_runtime_init_thread_env(void)
{
    return true;
}

void wasm_runtime_destroy_thread_env(void)
{
}

void wasm_runtime_set_max_thread_num(uint32_t num)
{
    tm_set_max_threads(num);
}
