/* thread_mgr.h for builds without the thread manager (WAMR_BUILD_MINI=1):
 * the spawn API exists, so embedders' code still links, but spawning fails
 * with a logged reason. No exec env ever joins a group, so terminating or
 * leaving one has nothing to do; terminate still stops the env itself
 * (wasm_runtime_terminate sets its interrupt flag). */
#include "thread_mgr.h"

#include <stdatomic.h>
#include <stddef.h>

#include "../common/log.h"

#define DEFAULT_MAX_THREADS 4

static atomic_uint max_threads = DEFAULT_MAX_THREADS;

static void report_absent(void)
{
    rt_log(LOG_ERROR, "spawn: the thread manager is not built into this runtime "
                      "(WAMR_BUILD_MINI=1)");
}

/* Kept so that the value reads back as set; nothing is ever spawned. */
void tm_set_max_threads(uint32_t n)
{
    atomic_store(&max_threads, n ? n : DEFAULT_MAX_THREADS);
}

uint32_t tm_get_max_threads(void)
{
    return atomic_load(&max_threads);
}

WasmExecEnv *tm_spawn_exec_env(WasmExecEnv *env)
{
    (void)env;
    report_absent();
    return NULL;
}

void tm_destroy_spawned_exec_env(WasmExecEnv *env)
{
    (void)env; /* nothing can have been spawned */
}

int32_t tm_spawn_thread(WasmExecEnv *env, uintptr_t *out_tid, TmThreadFn fn, void *arg)
{
    (void)env, (void)out_tid, (void)fn, (void)arg;
    report_absent();
    return -1;
}

int32_t tm_join_thread(uintptr_t tid, void **out_ret)
{
    (void)tid, (void)out_ret;
    return -1;
}

void tm_terminate_group(WasmExecEnv *env, const char *why)
{
    (void)env, (void)why;
}

void tm_exec_env_leaving(WasmExecEnv *env)
{
    (void)env;
}
