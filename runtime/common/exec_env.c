/* Exec envs (a thread's wasm stack), calls from the host into wasm, and the
 * per-instance exception state.
 *
 * The stack buffer holds two stacks growing toward each other: value slots
 * from the bottom up, call frame records from the top down. The interpreter
 * checks one bound (frames vs. the callee's frame end) per call. */
#include <stdio.h>
#include <string.h>

#include "../config.h"
#include "../interp/interp.h"
#include "../mem/mem.h"
#include "../platform/os.h"
#include "instance.h"

/* The buffer holds the public form, "Exception: <msg>", which the embedding
 * API hands out as is; the core reads the message after the prefix. */
#define EXCEPTION_PREFIX "Exception: "
#define TERMINATED_MSG "terminated by user"

/* Threads of a group set each other's exceptions (tm_terminate_group), so
 * writes take this lock, and has_exception is stored with release and read
 * with acquire: a reader that sees it set sees the whole message. A set
 * message is only rewritten by its own thread or after a clear. */
static os_mutex exception_lock = OS_MUTEX_INITIALIZER;

WasmExecEnv *rt_exec_env_create(WasmInstance *inst, uint32_t stack_size)
{
    WasmExecEnv *env;

    if (stack_size == 0)
        stack_size = WR_DEFAULT_STACK_SIZE;
    /* Room for at least a few frames and slots even for tiny requests. */
    if (stack_size < 1024)
        stack_size = 1024;
    stack_size &= ~(uint32_t)(sizeof(Slot) - 1);
    env = mem_calloc(1, sizeof *env);
    if (!env)
        return NULL;
    env->stack_buf = mem_alloc(stack_size);
    if (!env->stack_buf) {
        mem_free(env);
        return NULL;
    }
    env->module_inst = inst;
    env->stack_size = stack_size;
    env->value_base = (Slot *)env->stack_buf;
    env->value_top = env->value_base;
    env->frame_limit = (CallFrame *)(env->stack_buf + stack_size -
                                     stack_size % sizeof(CallFrame));
    env->frame_top = env->frame_limit;
    atomic_init(&env->interrupt, 0);
    return env;
}

void rt_exec_env_destroy(WasmExecEnv *env)
{
    if (!env)
        return;
    mem_free(env->stack_buf);
    mem_free(env);
}

bool rt_call(WasmExecEnv *env, WasmFunc *f, Slot *args_results)
{
    if (rt_get_exception(env->module_inst))
        return false;
    return interp_call(env, f, args_results);
}

bool rt_invoke(WasmInstance *inst, WasmFunc *f, Slot *args_results)
{
    if (!inst->default_env) {
        inst->default_env = rt_exec_env_create(inst, WR_DEFAULT_STACK_SIZE);
        if (!inst->default_env) {
            rt_set_exception(inst, "allocate memory failed");
            return false;
        }
    }
    return rt_call(inst->default_env, f, args_results);
}

void rt_set_exception(WasmInstance *inst, const char *msg)
{
    if (!msg) {
        rt_clear_exception(inst);
        return;
    }
    os_mutex_lock(&exception_lock);
    /* An interrupted thread traps "terminated by user"; the reason its
     * group was stopped (a trap, exit in another thread) stays. */
    bool keep = inst->has_exception && strcmp(msg, TERMINATED_MSG) == 0;
    if (!keep) {
        snprintf(inst->exception, sizeof inst->exception, "%s%s", EXCEPTION_PREFIX, msg);
        __atomic_store_n(&inst->has_exception, true, __ATOMIC_RELEASE);
    }
    os_mutex_unlock(&exception_lock);
}

void rt_set_exception_if_none(WasmInstance *inst, const char *msg)
{
    os_mutex_lock(&exception_lock);
    if (!inst->has_exception && msg) {
        snprintf(inst->exception, sizeof inst->exception, "%s%s", EXCEPTION_PREFIX, msg);
        __atomic_store_n(&inst->has_exception, true, __ATOMIC_RELEASE);
    }
    os_mutex_unlock(&exception_lock);
}

void rt_clear_exception(WasmInstance *inst)
{
    os_mutex_lock(&exception_lock);
    __atomic_store_n(&inst->has_exception, false, __ATOMIC_RELEASE);
    inst->exception[0] = '\0';
    os_mutex_unlock(&exception_lock);
}

const char *rt_get_exception(const WasmInstance *inst)
{
    if (!__atomic_load_n(&inst->has_exception, __ATOMIC_ACQUIRE))
        return NULL;
    return inst->exception + sizeof EXCEPTION_PREFIX - 1;
}
