/* The threads suite's runner: loads a module, calls one exported function
 * with i32 arguments on an exec env of the root instance and checks what
 * came back, as an embedder would (public API only). Deinstantiating the
 * instance joins every thread the module started, so a thread that never
 * ends shows up as a hang, which ctest's TIMEOUT turns into a failure.
 *
 *   thread_test [options] module.wasm function [i32 args...]
 *     --max-threads=N        RuntimeInitArgs.max_thread_num
 *     --heap=N               app heap bytes (default 1 MiB: shadow stacks)
 *     --expect=N             the call must return the i32 N
 *     --expect-trap=TEXT     the call must fail with an exception holding TEXT
 *     --terminate-after=MS   wasm_runtime_terminate from another host
 *                            thread MS milliseconds after the call starts
 *     --repeat=N             instantiate, call and deinstantiate N times
 * Prints "PASS" and exits 0, or says what differed and exits 1. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bh_read_file.h"
#include "wasm_export.h"

typedef struct Options {
    uint32_t max_threads, heap, repeat;
    long terminate_after_ms; /* < 0: no terminate */
    bool has_expect;
    int32_t expect;
    const char *expect_trap;
    const char *file, *func;
    uint32_t argc;
    uint32_t argv[8];
} Options;

typedef struct Terminator {
    pthread_t thread;
    wasm_module_inst_t inst;
    long after_ms;
} Terminator;

static bool starts(const char *arg, const char *prefix, const char **out_value)
{
    size_t n = strlen(prefix);
    if (strncmp(arg, prefix, n) != 0)
        return false;
    *out_value = arg + n;
    return true;
}

static bool parse(int argc, char **argv, Options *o)
{
    const char *v;
    int i = 1;
    memset(o, 0, sizeof *o);
    o->heap = 1024 * 1024;
    o->repeat = 1;
    o->terminate_after_ms = -1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (starts(argv[i], "--max-threads=", &v))
            o->max_threads = (uint32_t)strtoul(v, NULL, 0);
        else if (starts(argv[i], "--heap=", &v))
            o->heap = (uint32_t)strtoul(v, NULL, 0);
        else if (starts(argv[i], "--repeat=", &v))
            o->repeat = (uint32_t)strtoul(v, NULL, 0);
        else if (starts(argv[i], "--terminate-after=", &v))
            o->terminate_after_ms = strtol(v, NULL, 0);
        else if (starts(argv[i], "--expect-trap=", &v))
            o->expect_trap = v;
        else if (starts(argv[i], "--expect=", &v)) {
            o->has_expect = true;
            o->expect = (int32_t)strtol(v, NULL, 0);
        } else
            return false;
    }
    if (argc - i < 2 || argc - i - 2 > 8)
        return false;
    o->file = argv[i];
    o->func = argv[i + 1];
    for (i += 2; i < argc; i++)
        o->argv[o->argc++] = (uint32_t)strtol(argv[i], NULL, 0);
    return true;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *terminator_main(void *arg)
{
    Terminator *t = arg;
    struct timespec ts = {t->after_ms / 1000, (t->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    wasm_runtime_terminate(t->inst);
    return NULL;
}

/* Compares the call's outcome with the expectation; true when it matches. */
static bool check(const Options *o, bool ok, int32_t result, const char *exception)
{
    if (o->expect_trap) {
        if (ok) {
            printf("FAIL: returned %d, expected a trap \"%s\"\n", result, o->expect_trap);
            return false;
        }
        if (!exception || !strstr(exception, o->expect_trap)) {
            printf("FAIL: exception \"%s\", expected \"%s\"\n", exception ? exception : "(none)",
                   o->expect_trap);
            return false;
        }
        return true;
    }
    if (!ok) {
        printf("FAIL: trapped: %s\n", exception ? exception : "(no exception)");
        return false;
    }
    if (o->has_expect && result != o->expect) {
        printf("FAIL: returned %d, expected %d\n", result, o->expect);
        return false;
    }
    return true;
}

/* One instantiate, call, deinstantiate round. */
static bool run_once(const Options *o, wasm_module_t module)
{
    char err[128];
    uint32_t argv[8];
    Terminator term;
    bool ok = false, passed = false;

    wasm_module_inst_t inst = wasm_runtime_instantiate(module, 64 * 1024, o->heap, err, sizeof err);
    wasm_exec_env_t env = inst ? wasm_runtime_create_exec_env(inst, 64 * 1024) : NULL;
    wasm_function_inst_t f = inst ? wasm_runtime_lookup_function(inst, o->func) : NULL;
    if (!env || !f) {
        printf("FAIL: setup: %s\n", inst ? "no exec env or function" : err);
        goto done;
    }
    memcpy(argv, o->argv, sizeof argv);
    term.inst = inst;
    term.after_ms = o->terminate_after_ms;
    if (o->terminate_after_ms >= 0 && pthread_create(&term.thread, NULL, terminator_main, &term)) {
        printf("FAIL: no terminator thread\n");
        goto done;
    }
    double start = now_ms();
    ok = wasm_runtime_call_wasm(env, f, o->argc, argv);
    const char *exception = wasm_runtime_get_exception(inst);
    printf("call %s after %.0f ms: %s\n", ok ? "returned" : "trapped", now_ms() - start,
           ok ? "" : exception);
    if (o->terminate_after_ms >= 0)
        pthread_join(term.thread, NULL);
    passed = check(o, ok, (int32_t)argv[0], exception);
done:
    if (env)
        wasm_runtime_destroy_exec_env(env);
    if (inst) {
        double t0 = now_ms();
        wasm_runtime_deinstantiate(inst);
        printf("deinstantiated after %.0f ms (every thread joined)\n", now_ms() - t0);
    }
    return passed;
}

int main(int argc, char **argv)
{
    Options o;
    RuntimeInitArgs init;
    char err[128];
    uint32_t size;
    bool passed = true;

    if (!parse(argc, argv, &o)) {
        printf("usage: thread_test [--max-threads=N] [--heap=N] [--expect=N] "
               "[--expect-trap=TEXT] [--terminate-after=MS] [--repeat=N] "
               "module.wasm function [i32 args...]\n");
        return 2;
    }
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_System_Allocator;
    init.max_thread_num = o.max_threads;
    if (!wasm_runtime_full_init(&init))
        return 1;
    char *buf = bh_read_file_to_buffer(o.file, &size);
    wasm_module_t module = buf ? wasm_runtime_load((uint8_t *)buf, size, err, sizeof err) : NULL;
    if (!module) {
        printf("FAIL: load %s: %s\n", o.file, buf ? err : "cannot read");
        passed = false;
    }
    for (uint32_t i = 0; module && passed && i < o.repeat; i++)
        passed = run_once(&o, module);
    if (module)
        wasm_runtime_unload(module);
    wasm_runtime_free(buf);
    wasm_runtime_destroy();
    printf("%s\n", passed ? "PASS" : "FAIL");
    return passed ? 0 : 1;
}
