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
#include "instance.h"

/* The buffer holds the public form, "Exception: <msg>", which the embedding
 * API hands out as is; the core reads the message after the prefix. */
#define EXCEPTION_PREFIX "Exception: "

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
    if (env->module_inst->has_exception)
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
    snprintf(inst->exception, sizeof inst->exception, "%s%s", EXCEPTION_PREFIX, msg);
    inst->has_exception = true;
}

void rt_clear_exception(WasmInstance *inst)
{
    inst->has_exception = false;
    inst->exception[0] = '\0';
}

const char *rt_get_exception(const WasmInstance *inst)
{
    return inst->has_exception ? inst->exception + sizeof EXCEPTION_PREFIX - 1 : NULL;
}
