/* Thread groups and the spawn API's core (see thread_mgr.h). One lock
 * guards every group's member list; it is never held while wasm runs. */
#include "thread_mgr.h"

#include <string.h>

#include "../common/log.h"
#include "../include/wasm_export.h"
#include "../mem/mem.h"
#include "../platform/os.h"

#define DEFAULT_MAX_THREADS 4
/* Shadow stack of a spawned thread when the module's own size is unknown. */
#define DEFAULT_AUX_STACK (32 * 1024)

typedef struct ThreadGroup {
    WasmExecEnv *members; /* every env of the group, the first one included */
    uint32_t n_members;
    uint32_t n_spawned; /* live spawned envs, bounded by max_threads */
} ThreadGroup;

typedef struct ThreadRecord {
    os_thread thread;
    WasmExecEnv *env;
    TmThreadFn fn;
    void *arg;
    void *result;
} ThreadRecord;

static os_mutex tm_lock = OS_MUTEX_INITIALIZER;
static uint32_t max_threads = DEFAULT_MAX_THREADS;

void tm_set_max_threads(uint32_t n)
{
    os_mutex_lock(&tm_lock);
    max_threads = n ? n : DEFAULT_MAX_THREADS;
    os_mutex_unlock(&tm_lock);
}

uint32_t tm_get_max_threads(void)
{
    os_mutex_lock(&tm_lock);
    uint32_t n = max_threads;
    os_mutex_unlock(&tm_lock);
    return n;
}

/* ---- group membership (tm_lock held) ---- */

static void add_member(ThreadGroup *g, WasmExecEnv *env)
{
    env->group = g;
    env->group_inst = env->module_inst; /* env's own thread, or env is idle */
    env->group_next = g->members;
    g->members = env;
    g->n_members++;
}

/* Returns true when the group became empty (and was freed). */
static bool remove_member(WasmExecEnv *env)
{
    ThreadGroup *g = env->group;
    for (WasmExecEnv **p = &g->members; *p; p = &(*p)->group_next) {
        if (*p == env) {
            *p = env->group_next;
            break;
        }
    }
    env->group = NULL;
    if (--g->n_members > 0)
        return false;
    mem_free(g);
    return true;
}

/* Reserves a place for one more spawned env in env's group (made on first
 * use); false when the group is full. */
static bool reserve_place(WasmExecEnv *env)
{
    bool ok = false;
    os_mutex_lock(&tm_lock);
    if (!env->group) {
        ThreadGroup *g = mem_calloc(1, sizeof *g);
        if (g)
            add_member(g, env);
    }
    if (env->group && env->group->n_spawned < max_threads) {
        env->group->n_spawned++;
        ok = true;
    }
    os_mutex_unlock(&tm_lock);
    return ok;
}

static void release_place(ThreadGroup *g)
{
    os_mutex_lock(&tm_lock);
    g->n_spawned--;
    os_mutex_unlock(&tm_lock);
}

/* ---- the child instance ---- */

/* The embedding API's per-instance state, shared with the parent: the app
 * heap and custom data are the family's; malloc/free run as the child. */
static void inherit_api_state(WasmInstance *child, const WasmInstance *parent)
{
    child->api_module = parent->api_module;
    child->default_stack_size = parent->default_stack_size;
    child->app_heap = parent->app_heap;
    child->custom_data = parent->custom_data;
    child->wasi = parent->wasi; /* args, env, fds: the process's, owned by the parent */
    if (parent->export_malloc && parent->export_free) {
        child->export_malloc = child->funcs[parent->export_malloc->func_index];
        child->export_free = child->funcs[parent->export_free->func_index];
    }
}

/* A spawned thread's shadow stack: a block of the app heap, its pointer
 * global set to the block's top and overflow checked against its bottom. */
static bool give_aux_stack(WasmExecEnv *env, const WasmInstance *parent)
{
    WasmInstance *child = env->module_inst;
    int32_t sp = child->module->aux_stack_global;
    /* aux_stack_global is only meaningful once aux_stack_known is set (the
     * translator decides it at the first global.set; a module that never
     * sets a global leaves it 0 with no globals at all) */
    if (!child->module->aux_stack_known || sp < 0)
        return true; /* no shadow stack: nothing to give */
    uint32_t top = parent->globals[sp]->value.u32, bottom = parent->aux_stack_bottom;
    uint32_t size = bottom && top > bottom && top - bottom <= 1024 * 1024 ? top - bottom
                                                                          : DEFAULT_AUX_STACK;
    void *native = NULL;
    uint32_t base = wasm_runtime_module_malloc(child, size, &native);
    if (!base) {
        rt_log(LOG_ERROR, "spawn: no room for a %u-byte shadow stack in the app heap "
                          "(give the instance a bigger heap)", size);
        return false;
    }
    env->aux_stack = base;
    child->aux_stack_bottom = base;
    child->globals[sp]->value.u32 = (base + size) & ~15u;
    return true;
}

WasmExecEnv *tm_spawn_exec_env(WasmExecEnv *env)
{
    char err[128];
    if (!env || !env->module_inst)
        return NULL;
    if (!reserve_place(env)) {
        rt_log(LOG_ERROR, "spawn: the thread group already has its %u threads",
               tm_get_max_threads());
        return NULL;
    }
    WasmInstance *parent = env->module_inst;
    WasmInstance *child = rt_instantiate_child(parent, err, sizeof err);
    WasmExecEnv *spawned = child ? rt_exec_env_create(child, env->stack_size) : NULL;
    if (!spawned) {
        rt_log(LOG_ERROR, "spawn: %s", child ? "allocate memory failed" : err);
        goto fail;
    }
    inherit_api_state(child, parent);
    if (!give_aux_stack(spawned, parent))
        goto fail;
    os_mutex_lock(&tm_lock);
    add_member(env->group, spawned);
    os_mutex_unlock(&tm_lock);
    return spawned;
fail:
    rt_exec_env_destroy(spawned);
    if (child)
        rt_instance_release(child);
    release_place(env->group);
    return NULL;
}

void tm_destroy_spawned_exec_env(WasmExecEnv *env)
{
    if (!env)
        return;
    WasmInstance *child = env->module_inst;
    if (env->aux_stack)
        wasm_runtime_module_free(child, env->aux_stack);
    os_mutex_lock(&tm_lock);
    if (env->group) {
        env->group->n_spawned--;
        remove_member(env);
    }
    os_mutex_unlock(&tm_lock);
    rt_exec_env_destroy(env);
    rt_instance_release(child);
}

void tm_exec_env_leaving(WasmExecEnv *env)
{
    os_mutex_lock(&tm_lock);
    if (env->group)
        remove_member(env);
    os_mutex_unlock(&tm_lock);
}

void tm_terminate_group(WasmExecEnv *env, const char *why)
{
    os_mutex_lock(&tm_lock);
    for (WasmExecEnv *m = env->group ? env->group->members : NULL; m; m = m->group_next) {
        /* group_inst, not module_inst: that changes while m runs */
        rt_set_exception_if_none(m->group_inst, why);
        atomic_store(&m->interrupt, 1);
    }
    os_mutex_unlock(&tm_lock);
}

/* ---- OS threads ---- */

static void *thread_main(void *arg)
{
    ThreadRecord *rec = arg;
    rec->result = rec->fn(rec->env, rec->arg);
    tm_destroy_spawned_exec_env(rec->env);
    rec->env = NULL;
    return NULL;
}

int32_t tm_spawn_thread(WasmExecEnv *env, uintptr_t *out_tid, TmThreadFn fn, void *arg)
{
    if (!env || !out_tid || !fn)
        return -1;
    ThreadRecord *rec = mem_calloc(1, sizeof *rec);
    if (!rec)
        return -1;
    rec->fn = fn;
    rec->arg = arg;
    rec->env = tm_spawn_exec_env(env);
    if (!rec->env || !os_thread_create(&rec->thread, thread_main, rec)) {
        tm_destroy_spawned_exec_env(rec->env);
        mem_free(rec);
        return -1;
    }
    *out_tid = (uintptr_t)rec;
    return 0;
}

int32_t tm_join_thread(uintptr_t tid, void **out_ret)
{
    ThreadRecord *rec = (ThreadRecord *)tid;
    if (!rec || !os_thread_join(rec->thread, NULL))
        return -1;
    if (out_ret)
        *out_ret = rec->result;
    mem_free(rec);
    return 0;
}
