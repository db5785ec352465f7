/* Run-time objects: instances, functions, tables, memories, globals and exec
 * envs, and the internal API that instantiates, links and calls them. The
 * public wasm_export.h is a thin layer over this header.
 *
 * Ownership: an instance owns its defined functions, tables, memory and
 * globals. An instance that imports from another instance retains it (a
 * reference count), so exporters outlive their importers. Host objects made
 * with rt_*_new are owned by their creator, who keeps them alive while any
 * instance that imported them is alive. */
#ifndef WR_INSTANCE_H
#define WR_INSTANCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../include/lib_export.h"
#include "../loader/module.h"

/* One operand / local: every wasm value (but v128) fits one 8-byte slot.
 * i32 and f32 live in the low 4 bytes; the upper bytes are then undefined. */
typedef union Slot {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f32;
    double f64;
    void *ref; /* funcref: WasmFunc *; externref: host value; NULL = null */
} Slot;

typedef struct WASMExecEnv WasmExecEnv;
typedef struct WASMModuleInstanceCommon WasmInstance;

/* Failed instances a host object keeps alive, because it may hold
 * references to their functions (see keep_failed_instance, instance.c);
 * released when the host object is freed. */
typedef struct KeptInstances {
    WasmInstance **items;
    uint32_t count;
} KeptInstances;

/* Raw host function: one 8-byte slot per param; results written from
 * args[0]. Reports failure with rt_set_exception on the env's instance. */
typedef void (*HostFuncRaw)(WasmExecEnv *env, uint64_t *args);

/* A function instance: a wasm function of an instance, or a host function. */
typedef struct WASMFunctionInstanceCommon {
    const FuncType *type;
    WasmInstance *inst; /* owning instance; NULL for a host function */
    const Func *func; /* defined wasm function, NULL for a host function */
    HostFuncRaw host_fn;
    void *attachment; /* host functions: given back through the exec env */
    uint32_t func_index; /* index in the owner's function space */
    /* Host functions made from an embedder's NativeSymbol (common/native.c):
     * host_fn is then the generic invoker, which reads these. */
    const NativeSymbol *native;
    bool native_raw;
    KeptInstances kept; /* host functions only */
} WasmFunc;

typedef struct WasmMemory {
    uint8_t *data;
    uint64_t size; /* bytes = pages * 64 KiB */
    uint32_t pages;
    uint32_t max_pages; /* effective maximum: limits.max or 65536 */
    bool has_max;
    bool shared;
    /* data is a guard-page reservation (interp/guard.h), else an allocated
     * block; decided when the memory is made. */
    bool guarded;
} WasmMemory;

typedef struct WasmTable {
    uint8_t elem_type;
    uint32_t size;
    uint32_t max; /* effective maximum */
    bool has_max;
    void **elems; /* WasmFunc * (funcref) or host value (externref) */
    KeptInstances kept; /* host tables only */
} WasmTable;

typedef struct WasmGlobal {
    GlobalType type;
    Slot value;
    KeptInstances kept; /* host globals only */
} WasmGlobal;

/* An instance is handed out as wasm_module_inst_t. */
struct WASMModuleInstanceCommon {
    const WasmModule *module;
    /* Index spaces; imported entries point into their exporters. */
    WasmFunc **funcs;
    WasmTable **tables;
    WasmMemory *memory; /* memory 0, or NULL */
    WasmGlobal **globals;
    /* The code this instance runs (interp_code_acquire): its module's
     * functions, translated for one interpreter loop, or a copy of them
     * retargeted to the other. runs_unchecked: the loop without bounds
     * compares, for an instance whose memory is guarded. */
    const Func *code;
    bool runs_unchecked;
    /* Storage of what this instance defines. */
    WasmFunc *own_funcs;
    WasmTable *own_tables;
    WasmMemory own_memory;
    WasmGlobal *own_globals;
    /* Passive segments dropped (and active ones, after instantiation). */
    uint8_t *elem_dropped;
    uint8_t *data_dropped;
    /* Instances this one imports from: retained, released on free. */
    WasmInstance **deps;
    uint32_t n_deps;
    uint32_t refcount;
    bool has_exception;
    char exception[140]; /* "Exception: " + message */
    WasmExecEnv *default_env; /* created lazily by rt_invoke */
    void *custom_data;
    /* Threads: the instance a spawn family started from (itself when not
     * spawned). Functions of a family's shared tables run as the calling
     * member's own copy, with its own globals (shadow stack). */
    WasmInstance *family;
    /* Lowest valid shadow-stack pointer (0: unchecked); see GLOBAL_SET_SP. */
    uint32_t aux_stack_bottom;
    /* Embedding API state (common/wasm_runtime.c); unused by the core. */
    struct WASMModuleCommon *api_module;
    struct AppHeap *app_heap; /* runtime-managed heap inside linear memory */
    WasmFunc *export_malloc, *export_free; /* the module's own, when exported */
    uint32_t default_stack_size;
    WasmExecEnv *envs; /* exec envs made for this instance (terminate) */
    /* Frees the API's extras (app heap, WASI context) when the instance is
     * really destroyed, on every path: deinstantiate, a failed
     * instantiation, or the release of a kept failed instance. */
    void (*api_cleanup)(WasmInstance *inst);
    struct WasiCtx *wasi; /* WASI state (libc-wasi/), NULL when not a WASI module */
};

/* A call frame record of the interpreter. Records live at the top end of the
 * exec env's stack buffer and grow down, toward the value stack. */
typedef struct CallFrame {
    const uint32_t *ret_ip; /* NULL marks a host->wasm entry */
    Slot *fp; /* caller's frame base */
    WasmInstance *inst; /* caller's instance */
} CallFrame;

/* An exec env: one thread's stack. Used by one thread at a time. */
struct WASMExecEnv {
    WasmInstance *module_inst;
    uint8_t *stack_buf;
    uint32_t stack_size;
    Slot *value_top; /* first free value slot (valid while not running) */
    CallFrame *frame_top; /* lowest used frame record */
    Slot *value_base;
    CallFrame *frame_limit; /* one past the highest frame record */
    /* Set from any thread to stop the running call at the next function
     * entry or loop back-edge (terminate, timeout, watchdog). */
    atomic_int interrupt;
    void *attachment; /* of the host function being called */
    WasmFunc *host_func; /* the host function being called, or NULL */
    void *user_data;
    WasmExecEnv *next_env; /* in module_inst->envs */
    /* Threads (thread/thread_mgr.c): the group, the next member, and the
     * app offset of a spawned env's shadow stack (0: none). */
    struct ThreadGroup *group;
    WasmExecEnv *group_next;
    /* The member's own instance, fixed when it joins the group: a
     * terminating thread sets its exception there (module_inst changes
     * during calls and must not be read from another thread). */
    WasmInstance *group_inst;
    uint32_t aux_stack;
};

/* ---- host objects (owned by their creator) ---- */
FuncType *rt_functype_new(const uint8_t *params, uint32_t n_params, const uint8_t *results,
                          uint32_t n_results);
void rt_functype_free(FuncType *t);
WasmFunc *rt_host_func_new(const FuncType *type, HostFuncRaw fn, void *attachment);
void rt_host_func_free(WasmFunc *f);
WasmMemory *rt_memory_new(uint32_t min_pages, uint32_t max_pages, bool has_max, bool shared);
void rt_memory_free(WasmMemory *mem);
WasmTable *rt_table_new(uint8_t elem_type, uint32_t min, uint32_t max, bool has_max);
void rt_table_free(WasmTable *t);
WasmGlobal *rt_global_new(uint8_t val_type, bool is_mutable, Slot value);
void rt_global_free(WasmGlobal *g);

/* ---- linking and instantiation ---- */
typedef struct RtExtern {
    uint8_t kind; /* EXT_* */
    union {
        WasmFunc *func;
        WasmTable *table;
        WasmMemory *memory;
        WasmGlobal *global;
    } u;
    WasmInstance *owner; /* exporting instance to retain, or NULL for host objects */
} RtExtern;

/* Finds an import; false means "unknown import". The instantiator checks the
 * extern's kind and type ("incompatible import type"). It is called once per
 * import, in the module's import order. */
typedef bool (*RtImportResolver)(void *user, const char *module_name, const char *field_name,
                                 RtExtern *out);

/* Instantiate: resolve and check imports, create memory/tables/globals,
 * apply active segments in spec order, run the start function. On failure
 * returns NULL with the reason in err ("unknown import", "incompatible
 * import type", trap text for segment or start traps). Writes into imported
 * tables/memories made before a trap stay, as the spec requires. */
WasmInstance *rt_instantiate(const WasmModule *m, RtImportResolver resolver, void *user,
                             char *err, uint32_t err_size);
/* rt_instantiate with a hook run after the segments are applied and before
 * the start function: the embedding API places the app heap there, since a
 * start function may already allocate. False (reason in err) fails the
 * instantiation. */
typedef bool (*RtBeforeStart)(WasmInstance *inst, void *user, char *err, uint32_t err_size);
/* flags: 0, or RT_INSTANTIATE_DEFER_START to skip the start function. The
 * caller then runs rt_start_func(inst) itself, once, before any other call,
 * as an ordinary call that an exec env interrupt can stop; a trap leaves the
 * instance to be released like any other. */
enum { RT_INSTANTIATE_DEFER_START = 1 };
WasmInstance *rt_instantiate_ex(const WasmModule *m, RtImportResolver resolver, void *user,
                                RtBeforeStart before_start, uint32_t flags, char *err,
                                uint32_t err_size);
/* The module's start function, or NULL when it has none. */
WasmFunc *rt_start_func(const WasmInstance *inst);
/* A new instance of parent's module for another thread: it shares the
 * parent's imports, memory and tables, and has its own functions and
 * globals (initialised from the module); no segment is applied again and no
 * start function runs. It retains the parent. */
WasmInstance *rt_instantiate_child(WasmInstance *parent, char *err, uint32_t err_size);
/* Drops the caller's reference; frees when no importer retains it. */
void rt_instance_release(WasmInstance *inst);
bool rt_instance_find_export(WasmInstance *inst, const char *name, RtExtern *out);
/* The same for a name of len bytes, which may hold NUL bytes. */
bool rt_instance_find_export_n(WasmInstance *inst, const char *name, uint32_t len,
                               RtExtern *out);

/* ---- exec envs and calls ---- */
WasmExecEnv *rt_exec_env_create(WasmInstance *inst, uint32_t stack_size);
void rt_exec_env_destroy(WasmExecEnv *env);
/* Call f with args in args_results[0..n_params), results written back to
 * args_results[0..n_results). The exception, if any, is set on
 * env->module_inst and false is returned. */
bool rt_call(WasmExecEnv *env, WasmFunc *f, Slot *args_results);
/* rt_call on inst's default exec env (created on first use). */
bool rt_invoke(WasmInstance *inst, WasmFunc *f, Slot *args_results);

/* ---- exceptions ---- */
/* Thread-safe: other threads of a group set exceptions too. An interrupt's
 * "terminated by user" never replaces an exception already set (the one a
 * terminating thread gave as the reason). */
void rt_set_exception(WasmInstance *inst, const char *msg);
/* Sets msg only when inst has no exception yet (atomically). */
void rt_set_exception_if_none(WasmInstance *inst, const char *msg);
void rt_clear_exception(WasmInstance *inst);
/* The message without any prefix, or NULL. */
const char *rt_get_exception(const WasmInstance *inst);

/* ---- memory and tables (shared by interpreter and instantiation) ---- */
/* Grow by delta pages; returns the old page count or -1. */
int32_t rt_memory_grow(WasmMemory *mem, uint32_t delta);
/* Grow by delta entries set to init; returns the old size or -1. */
int32_t rt_table_grow(WasmTable *t, uint32_t delta, void *init);

#endif
