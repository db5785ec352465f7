/* samples/spawn-thread: the embedding guide's two ways to run wasm on
 * several threads. Ten spawned exec envs each sum a slice of an array that
 * lives in shared linear memory, on threads the embedder creates; then the
 * same with wasm_runtime_spawn_thread. Both totals must equal the sum
 * computed by one call. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bh_read_file.h"
#include "wasm_export.h"

#define THREADS 10
#define N 100000
#define SLICE (N / THREADS)

typedef struct Job {
    wasm_exec_env_t env;
    wasm_function_inst_t sum;
    uint32_t start;
    uint32_t result;
    bool ok;
} Job;

static void run_job(Job *job)
{
    uint32_t argv[2] = {job->start, SLICE};
    job->ok = wasm_runtime_call_wasm(job->env, job->sum, 2, argv);
    job->result = argv[0];
}

static void *os_thread_main(void *arg)
{
    wasm_runtime_init_thread_env();
    run_job(arg);
    wasm_runtime_destroy_thread_env();
    return NULL;
}

/* Way 1: spawned exec envs on threads we create ourselves. */
static uint32_t sum_with_spawned_envs(wasm_exec_env_t env)
{
    Job jobs[THREADS];
    pthread_t threads[THREADS];
    uint32_t total = 0;

    for (int i = 0; i < THREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].env = wasm_runtime_spawn_exec_env(env);
        jobs[i].start = (uint32_t)i * SLICE;
        /* lookup on the spawned instance, as the guide shows */
        jobs[i].sum = jobs[i].env ? wasm_runtime_lookup_function(
                                        wasm_runtime_get_module_inst(jobs[i].env), "sum", NULL)
                                  : NULL;
        if (!jobs[i].sum || pthread_create(&threads[i], NULL, os_thread_main, &jobs[i]) != 0) {
            printf("spawn %d failed\n", i);
            jobs[i].sum = NULL;
        }
    }
    for (int i = 0; i < THREADS; i++) {
        if (jobs[i].sum)
            pthread_join(threads[i], NULL);
        if (jobs[i].env)
            wasm_runtime_destroy_spawned_exec_env(jobs[i].env);
        total += jobs[i].ok ? jobs[i].result : 0;
    }
    return total;
}

static void *wamr_thread_cb(wasm_exec_env_t exec_env, void *arg)
{
    Job *job = arg;
    job->env = exec_env;
    job->sum = wasm_runtime_lookup_function(wasm_runtime_get_module_inst(exec_env), "sum", NULL);
    if (job->sum)
        run_job(job);
    return job;
}

/* Way 2: wasm_runtime_spawn_thread manages the exec envs. */
static uint32_t sum_with_spawn_thread(wasm_exec_env_t env)
{
    Job jobs[THREADS];
    wasm_thread_t tids[THREADS];
    bool started[THREADS];
    uint32_t total = 0;

    for (int i = 0; i < THREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].start = (uint32_t)i * SLICE;
        started[i] = wasm_runtime_spawn_thread(env, &tids[i], wamr_thread_cb, &jobs[i]) == 0;
        if (!started[i])
            printf("spawn_thread %d failed\n", i);
    }
    for (int i = 0; i < THREADS; i++) {
        void *ret = NULL;
        if (started[i] && wasm_runtime_join_thread(tids[i], &ret) == 0 && ret == &jobs[i])
            total += jobs[i].ok ? jobs[i].result : 0;
    }
    return total;
}

int main(int argc, char *argv[])
{
    char error_buf[128];
    uint32 size;
    RuntimeInitArgs init_args;
    int code = 1;

    if (argc != 2) {
        printf("usage: spawn_thread sum.wasm\n");
        return 2;
    }
    memset(&init_args, 0, sizeof init_args);
    init_args.mem_alloc_type = Alloc_With_System_Allocator;
    init_args.max_thread_num = THREADS;
    if (!wasm_runtime_full_init(&init_args))
        return 1;
    char *buffer = bh_read_file_to_buffer(argv[1], &size);
    wasm_module_t module =
        buffer ? wasm_runtime_load((uint8_t *)buffer, size, error_buf, sizeof error_buf) : NULL;
    /* room in the app heap for each thread's shadow stack */
    wasm_module_inst_t inst =
        module ? wasm_runtime_instantiate(module, 64 * 1024, 2 * 1024 * 1024, error_buf,
                                          sizeof error_buf)
               : NULL;
    wasm_exec_env_t env = inst ? wasm_runtime_create_exec_env(inst, 64 * 1024) : NULL;
    if (!env) {
        printf("setup failed: %s\n", error_buf);
        goto done;
    }
    uint32_t args[2] = {0, N};
    if (!wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst, "init_data"), 0, args) ||
        !wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst, "sum"), 2, args)) {
        printf("%s\n", wasm_runtime_get_exception(inst));
        goto done;
    }
    uint32_t expected = args[0];
    uint32_t spawned = sum_with_spawned_envs(env);
    uint32_t threaded = sum_with_spawn_thread(env);
    printf("one call: %u\n", expected);
    printf("%d spawned exec envs: %u\n", THREADS, spawned);
    printf("%d spawn_thread threads: %u\n", THREADS, threaded);
    code = spawned == expected && threaded == expected ? 0 : 1;
    printf("%s\n", code == 0 ? "sums agree" : "SUMS DIFFER");
done:
    if (env)
        wasm_runtime_destroy_exec_env(env);
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (module)
        wasm_runtime_unload(module);
    if (buffer)
        wasm_runtime_free(buffer);
    wasm_runtime_destroy();
    return code;
}
