/* The public embedding API: source-compatible with WAMR's wasm_export.h for
 * everything the WAMR embedding guide shows. See shared/docs/embedding-api.md
 * for the contract; every handle here is opaque. */
#ifndef _WASM_EXPORT_H
#define _WASM_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib_export.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef WASM_RUNTIME_API_EXTERN
#define WASM_RUNTIME_API_EXTERN
#endif

/* Shorthands natives use, as in WAMR (they expect `module_inst` in scope). */
#define get_module_inst(exec_env) wasm_runtime_get_module_inst(exec_env)
#define validate_app_addr(offset, size) \
    wasm_runtime_validate_app_addr(module_inst, offset, size)
#define validate_app_str_addr(offset) wasm_runtime_validate_app_str_addr(module_inst, offset)
#define validate_native_addr(addr, size) \
    wasm_runtime_validate_native_addr(module_inst, addr, size)
#define addr_app_to_native(offset) wasm_runtime_addr_app_to_native(module_inst, offset)
#define addr_native_to_app(ptr) wasm_runtime_addr_native_to_app(module_inst, ptr)
#define module_malloc(size, p_native_addr) \
    wasm_runtime_module_malloc(module_inst, size, p_native_addr)
#define module_free(offset) wasm_runtime_module_free(module_inst, offset)
#define native_raw_return_type(type, args) type *raw_ret = (type *)(args)
#define native_raw_get_arg(type, name, args) type name = *((type *)(args++))
#define native_raw_set_return(val) *raw_ret = (val)

/* ---- handles ---- */
#ifndef WASM_MODULE_T_DEFINED
#define WASM_MODULE_T_DEFINED
struct WASMModuleCommon;
typedef struct WASMModuleCommon *wasm_module_t;
#endif

struct WASMModuleInstanceCommon;
typedef struct WASMModuleInstanceCommon *wasm_module_inst_t;

struct WASMFunctionInstanceCommon;
typedef struct WASMFunctionInstanceCommon *wasm_function_inst_t;

struct WASMExecEnv;
typedef struct WASMExecEnv *wasm_exec_env_t;

typedef uintptr_t wasm_thread_t;
typedef void *(*wasm_thread_callback_t)(wasm_exec_env_t, void *);

/* ---- options ---- */
typedef enum {
    Wasm_Module_Bytecode = 0,
    Wasm_Module_AoT,
    Package_Type_Unknown = 0xFFFF
} package_type_t;

#ifndef MEM_ALLOC_OPTION_DEFINED
#define MEM_ALLOC_OPTION_DEFINED
typedef enum {
    Alloc_With_Pool = 0,
    Alloc_With_Allocator,
    Alloc_With_System_Allocator,
} mem_alloc_type_t;

typedef union MemAllocOption {
    struct {
        void *heap_buf;
        uint32_t heap_size;
    } pool;
    struct {
        void *malloc_func;
        void *realloc_func;
        void *free_func;
        /* passed as the first argument when the build asks for it; we pass
         * nothing extra: malloc_func(size), realloc_func(ptr, size), free_func(ptr) */
        void *user_data;
    } allocator;
} MemAllocOption;
#endif

typedef struct mem_alloc_info_t {
    uint32_t total_size;
    uint32_t total_free_size;
    uint32_t highmark_size;
} mem_alloc_info_t;

typedef enum RunningMode {
    Mode_Interp = 1,
    Mode_Fast_JIT,
    Mode_LLVM_JIT,
    Mode_Multi_Tier_JIT,
} RunningMode;

/* Callers memset this to 0 and set what they need; fields after
 * max_thread_num exist for layout compatibility and must stay 0. */
typedef struct RuntimeInitArgs {
    mem_alloc_type_t mem_alloc_type;
    MemAllocOption mem_alloc_option;

    const char *native_module_name;
    NativeSymbol *native_symbols;
    uint32_t n_native_symbols;

    /* maximum threads of a thread group; 0 = the default, 4 */
    uint32_t max_thread_num;

    char ip_addr[128];
    int unused;
    int instance_port;
    uint32_t fast_jit_code_cache_size;
    uint32_t gc_heap_size;
    RunningMode running_mode;
    uint32_t llvm_jit_opt_level;
    uint32_t llvm_jit_size_level;
    uint32_t segue_flags;
    bool enable_linux_perf;
} RuntimeInitArgs;

#ifndef LOAD_ARGS_OPTION_DEFINED
#define LOAD_ARGS_OPTION_DEFINED
typedef struct LoadArgs {
    char *name;
    /* copy the wasm bytes, so the caller may free them after loading */
    bool clone_wasm_binary;
    /* the caller may free the bytes after loading (implies a copy here) */
    bool wasm_binary_freeable;
    bool no_resolve;
} LoadArgs;
#endif

#ifndef WASM_VALKIND_T_DEFINED
#define WASM_VALKIND_T_DEFINED
typedef uint8_t wasm_valkind_t;
enum wasm_valkind_enum {
    WASM_I32,
    WASM_I64,
    WASM_F32,
    WASM_F64,
    WASM_V128,
    WASM_EXTERNREF = 128,
    WASM_FUNCREF,
};
#endif

#ifndef WASM_VAL_T_DEFINED
#define WASM_VAL_T_DEFINED
typedef struct wasm_val_t {
    wasm_valkind_t kind;
    uint8_t _paddings[7];
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uintptr_t foreign; /* externref */
        void *ref; /* funcref: a wasm_function_inst_t, NULL for null */
    } of;
} wasm_val_t;
#endif

typedef enum {
    WASM_LOG_LEVEL_FATAL = 0,
    WASM_LOG_LEVEL_ERROR = 1,
    WASM_LOG_LEVEL_WARNING = 2,
    WASM_LOG_LEVEL_DEBUG = 3,
    WASM_LOG_LEVEL_VERBOSE = 4
} log_level_t;

/* ---- lifecycle and runtime memory ---- */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_init(void);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_full_init(RuntimeInitArgs *init_args);
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy(void);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_log_level(log_level_t level);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_malloc(unsigned int size);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_realloc(void *ptr, unsigned int size);
WASM_RUNTIME_API_EXTERN void wasm_runtime_free(void *ptr);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_get_mem_alloc_info(mem_alloc_info_t *mem_alloc_info);

/* ---- modules ---- */
WASM_RUNTIME_API_EXTERN package_type_t get_package_type(const uint8_t *buf, uint32_t size);
WASM_RUNTIME_API_EXTERN wasm_module_t wasm_runtime_load(uint8_t *buf, uint32_t size,
                                                        char *error_buf,
                                                        uint32_t error_buf_size);
WASM_RUNTIME_API_EXTERN wasm_module_t wasm_runtime_load_ex(uint8_t *buf, uint32_t size,
                                                           const LoadArgs *args,
                                                           char *error_buf,
                                                           uint32_t error_buf_size);
WASM_RUNTIME_API_EXTERN void wasm_runtime_unload(wasm_module_t module);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_is_underlying_binary_freeable(const wasm_module_t module);

/* ---- instances ---- */
WASM_RUNTIME_API_EXTERN wasm_module_inst_t wasm_runtime_instantiate(const wasm_module_t module,
                                                                    uint32_t default_stack_size,
                                                                    uint32_t host_managed_heap_size,
                                                                    char *error_buf,
                                                                    uint32_t error_buf_size);
WASM_RUNTIME_API_EXTERN void wasm_runtime_deinstantiate(wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN wasm_module_t wasm_runtime_get_module(wasm_module_inst_t module_inst);

/* Takes (inst, name) or, as the WAMR guide writes it, (inst, name, signature):
 * a variadic macro over the one real function below. */
WASM_RUNTIME_API_EXTERN wasm_function_inst_t
wasm_runtime_lookup_function(const wasm_module_inst_t module_inst, const char *name,
                             const char *signature);
#define WR_LOOKUP_PICK_(_1, _2, _3, name, ...) name
#define WR_LOOKUP2_(inst, name) (wasm_runtime_lookup_function)(inst, name, NULL)
#define WR_LOOKUP3_(inst, name, sig) (wasm_runtime_lookup_function)(inst, name, sig)
#define wasm_runtime_lookup_function(...) \
    WR_LOOKUP_PICK_(__VA_ARGS__, WR_LOOKUP3_, WR_LOOKUP2_, unused)(__VA_ARGS__)

WASM_RUNTIME_API_EXTERN uint32_t wasm_func_get_param_count(const wasm_function_inst_t func_inst,
                                                           const wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN uint32_t wasm_func_get_result_count(const wasm_function_inst_t func_inst,
                                                            const wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN void wasm_func_get_param_types(const wasm_function_inst_t func_inst,
                                                       const wasm_module_inst_t module_inst,
                                                       wasm_valkind_t *param_types);
WASM_RUNTIME_API_EXTERN void wasm_func_get_result_types(const wasm_function_inst_t func_inst,
                                                        const wasm_module_inst_t module_inst,
                                                        wasm_valkind_t *result_types);

/* ---- exec envs and calls ---- */
WASM_RUNTIME_API_EXTERN wasm_exec_env_t wasm_runtime_create_exec_env(wasm_module_inst_t module_inst,
                                                                     uint32_t stack_size);
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy_exec_env(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN wasm_exec_env_t
wasm_runtime_get_exec_env_singleton(wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN wasm_module_inst_t wasm_runtime_get_module_inst(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_module_inst(wasm_exec_env_t exec_env,
                                                          const wasm_module_inst_t module_inst);

/* argv cells: i32/f32 one uint32 each, i64/f64 two (low word first); results
 * are written back from argv[0]. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_wasm(wasm_exec_env_t exec_env,
                                                    wasm_function_inst_t function, uint32_t argc,
                                                    uint32_t argv[]);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_wasm_a(wasm_exec_env_t exec_env,
                                                      wasm_function_inst_t function,
                                                      uint32_t num_results, wasm_val_t results[],
                                                      uint32_t num_args, wasm_val_t *args);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_wasm_v(wasm_exec_env_t exec_env,
                                                      wasm_function_inst_t function,
                                                      uint32_t num_results, wasm_val_t results[],
                                                      uint32_t num_args, ...);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_indirect(wasm_exec_env_t exec_env,
                                                        uint32_t element_index, uint32_t argc,
                                                        uint32_t argv[]);
WASM_RUNTIME_API_EXTERN bool wasm_application_execute_main(wasm_module_inst_t module_inst,
                                                           int32_t argc, char *argv[]);
WASM_RUNTIME_API_EXTERN bool wasm_application_execute_func(wasm_module_inst_t module_inst,
                                                           const char *name, int32_t argc,
                                                           char *argv[]);

/* ---- exceptions ---- */
/* NULL, or "Exception: <message>" */
WASM_RUNTIME_API_EXTERN const char *wasm_runtime_get_exception(wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_exception(wasm_module_inst_t module_inst,
                                                        const char *exception);
WASM_RUNTIME_API_EXTERN void wasm_runtime_clear_exception(wasm_module_inst_t module_inst);
/* From any thread: stops running code of the instance ("terminated by user"). */
WASM_RUNTIME_API_EXTERN void wasm_runtime_terminate(wasm_module_inst_t module_inst);

/* ---- user data ---- */
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_user_data(wasm_exec_env_t exec_env, void *user_data);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_get_user_data(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_custom_data(wasm_module_inst_t module_inst,
                                                          void *custom_data);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_get_custom_data(wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_get_function_attachment(wasm_exec_env_t exec_env);

/* ---- app memory (offsets are addresses in the instance's linear memory) ---- */
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_module_malloc(wasm_module_inst_t module_inst,
                                                            uint32_t size, void **p_native_addr);
WASM_RUNTIME_API_EXTERN void wasm_runtime_module_free(wasm_module_inst_t module_inst, uint32_t ptr);
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_module_dup_data(wasm_module_inst_t module_inst,
                                                              const char *src, uint32_t size);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_validate_app_addr(wasm_module_inst_t module_inst,
                                                            uint32_t app_offset, uint32_t size);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_validate_app_str_addr(wasm_module_inst_t module_inst,
                                                                uint32_t app_str_offset);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_validate_native_addr(wasm_module_inst_t module_inst,
                                                               void *native_ptr, uint32_t size);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_addr_app_to_native(wasm_module_inst_t module_inst,
                                                              uint32_t app_offset);
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_addr_native_to_app(wasm_module_inst_t module_inst,
                                                                 void *native_ptr);

/* ---- natives ---- */
/* The array and name are kept by reference (not copied) and may be sorted
 * in place; the newest registration wins. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_register_natives(const char *module_name,
                                                           NativeSymbol *native_symbols,
                                                           uint32_t n_native_symbols);
/* Raw natives: void fn(wasm_exec_env_t, uint64_t *args), one 64-bit slot per
 * param, the result written to args[0]. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_register_natives_raw(const char *module_name,
                                                               NativeSymbol *native_symbols,
                                                               uint32_t n_native_symbols);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_unregister_natives(const char *module_name,
                                                             NativeSymbol *native_symbols);

/* ---- threads ---- */
WASM_RUNTIME_API_EXTERN wasm_exec_env_t wasm_runtime_spawn_exec_env(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy_spawned_exec_env(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN int32_t wasm_runtime_spawn_thread(wasm_exec_env_t exec_env,
                                                          wasm_thread_t *tid,
                                                          wasm_thread_callback_t callback,
                                                          void *arg);
WASM_RUNTIME_API_EXTERN int32_t wasm_runtime_join_thread(wasm_thread_t tid, void **retval);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_init_thread_env(void);
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy_thread_env(void);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_max_thread_num(uint32_t num);

/* ---- WASI (built with WAMR_BUILD_LIBC_WASI) ---- */
/* Configures the WASI instances later made from module. Every string is
 * copied. dir_list: host dirs preopened under their own name; map_dir_list:
 * "GUEST::HOST"; env: "KEY=VALUE" (the guest sees only these); argv[0] is
 * the program name. The _ex form also names the host fds for the guest's
 * stdin, stdout and stderr (-1: the process's own). */
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_wasi_args(wasm_module_t module,
                                                        const char *dir_list[], uint32_t dir_count,
                                                        const char *map_dir_list[],
                                                        uint32_t map_dir_count, const char *env[],
                                                        uint32_t env_count, char *argv[], int argc);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_wasi_args_ex(
    wasm_module_t module, const char *dir_list[], uint32_t dir_count, const char *map_dir_list[],
    uint32_t map_dir_count, const char *env[], uint32_t env_count, char *argv[], int argc,
    int64_t stdinfd, int64_t stdoutfd, int64_t stderrfd);
/* "ADDR[/MASK]" entries (IPv4 or IPv6) the guest's sockets may use. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_wasi_addr_pool(wasm_module_t module,
                                                             const char *addr_pool[],
                                                             uint32_t addr_pool_size);
/* Whether the instance has WASI state: its module imports from
 * wasi_snapshot_preview1 / wasi_unstable or exports _start. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_is_wasi_mode(wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN wasm_function_inst_t
wasm_runtime_lookup_wasi_start_function(wasm_module_inst_t module_inst);
/* The code given to proc_exit (0 when it was not called). A call ended by
 * proc_exit returns success, with no exception left. */
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_get_wasi_exit_code(wasm_module_inst_t module_inst);

#ifdef __cplusplus
}
#endif

#endif
