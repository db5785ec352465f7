/* Thread groups: the exec envs spawned from one exec env (and it) form a
 * group that shares the instance's memory and tables. The group is bounded
 * by max_thread_num, and a trap or terminate in any member ends them all. */
#ifndef WR_THREAD_MGR_H
#define WR_THREAD_MGR_H

#include "../common/instance.h"

void tm_set_max_threads(uint32_t n);
uint32_t tm_get_max_threads(void);

/* An exec env for another thread, on a child instance of env's instance,
 * with its own shadow stack. NULL (reason logged) when the group is full or
 * memory runs out. */
WasmExecEnv *tm_spawn_exec_env(WasmExecEnv *env);
void tm_destroy_spawned_exec_env(WasmExecEnv *env);

/* Runs callback(spawned env, arg) on a new OS thread; the spawned env is
 * destroyed when the callback returns. 0 on success. */
typedef void *(*TmThreadFn)(WasmExecEnv *env, void *arg);
int32_t tm_spawn_thread(WasmExecEnv *env, uintptr_t *out_tid, TmThreadFn fn, void *arg);
int32_t tm_join_thread(uintptr_t tid, void **out_ret);

/* Stops every member of env's group (no-op without a group): each gets the
 * exception and its interrupt flag, so running code stops at its next
 * function entry, loop back-edge or wait poll. */
void tm_terminate_group(WasmExecEnv *env, const char *why);

/* Called when any exec env is destroyed, to leave its group. */
void tm_exec_env_leaving(WasmExecEnv *env);

#endif
