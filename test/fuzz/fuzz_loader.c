/* fuzz_loader: the input is a wasm module. It is loaded through the public
 * API; when it loads it is instantiated with a small stack and heap, and a
 * few of its exported functions are called with zero arguments under a
 * watchdog that stops each call after a few milliseconds. Everything is
 * unloaded again, so LeakSanitizer sees any leak of the loader, the
 * instantiator or the interpreter.
 *
 * The calls run on libFuzzer's own thread and a watchdog thread started
 * once calls wasm_runtime_terminate when the budget is spent: cheaper than
 * a thread per call, and the same path an embedder's watchdog takes.
 * Start functions are the exception: they run inside wasm_runtime_instantiate,
 * before the caller holds the instance, so nothing can terminate them; a
 * module with a start section is loaded but not instantiated. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pthread_condattr_setclock */

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "common/api.h" /* the decoded module: start section, limits, exports */
#include "fuzz_common.h"
#include "wasm_export.h"

#define STACK_SIZE (16 * 1024)
#define HEAP_SIZE (4 * 1024)
#define MAX_CALLS 8
#define CALL_BUDGET_MS 5
/* Resource limits an embedder would set for untrusted modules; the runtime
 * takes none, so they are applied to the decoded module before
 * instantiation (memory.grow and table.grow then fail beyond them, which
 * the spec allows). Without them one memory.fill of a grown 4 GiB memory
 * exhausts the fuzzer's RSS limit. */
#define MAX_MEMORY_PAGES 256u           /* 16 MiB */
#define MAX_TABLE_ELEMS (64u * 1024)    /* per table */
#define MAX_TABLE_TOTAL (1024u * 1024)  /* all tables' initial sizes */
#define ERR_SIZE 128
#define ERR_CANARY 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
 * The watchdog
 * ------------------------------------------------------------------------ */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    wasm_module_inst_t inst; /* the instance a call runs in; NULL: idle */
    struct timespec deadline;
} watchdog_t;

static watchdog_t g_wd;

static bool passed(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Terminates under the lock, so once watchdog_disarm returns no terminate
 * of the instance is running or still to come. */
static void *watchdog_main(void *arg)
{
    watchdog_t *w = arg;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        if (!w->inst) {
            pthread_cond_wait(&w->cond, &w->lock);
        } else if (passed(&w->deadline)) {
            wasm_runtime_terminate(w->inst);
            w->inst = NULL;
        } else {
            pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline);
        }
    }
    return NULL;
}

static void watchdog_arm(wasm_module_inst_t inst, long ms)
{
    pthread_mutex_lock(&g_wd.lock);
    clock_gettime(CLOCK_MONOTONIC, &g_wd.deadline);
    g_wd.deadline.tv_nsec += ms * 1000000L;
    g_wd.deadline.tv_sec += g_wd.deadline.tv_nsec / 1000000000L;
    g_wd.deadline.tv_nsec %= 1000000000L;
    g_wd.inst = inst;
    pthread_cond_signal(&g_wd.cond);
    pthread_mutex_unlock(&g_wd.lock);
}

static void watchdog_disarm(void)
{
    pthread_mutex_lock(&g_wd.lock);
    g_wd.inst = NULL;
    pthread_mutex_unlock(&g_wd.lock);
}

static int g_devnull = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    RuntimeInitArgs init;
    pthread_condattr_t attr;
    pthread_t thread;

    (void)argc;
    (void)argv;
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_System_Allocator;
    if (!wasm_runtime_full_init(&init)) {
        fprintf(stderr, "fuzz_loader: wasm_runtime_full_init failed\n");
        abort();
    }
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_FATAL);
    /* WASI stdio: reads see EOF (never block), writes vanish. */
    g_devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pthread_mutex_init(&g_wd.lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g_wd.cond, &attr);
    pthread_condattr_destroy(&attr);
    if (g_devnull < 0 || pthread_create(&thread, NULL, watchdog_main, &g_wd) != 0) {
        fprintf(stderr, "fuzz_loader: cannot open /dev/null or start the watchdog\n");
        abort();
    }
    pthread_detach(thread);
    return 0;
}

/* ------------------------------------------------------------------------
 * Error buffers: a message, NUL-terminated inside ERR_SIZE, nothing beyond
 * ------------------------------------------------------------------------ */

static void err_init(char err[ERR_SIZE + ERR_CANARY])
{
    memset(err, 0x5a, ERR_SIZE + ERR_CANARY);
}

static void err_check(const char err[ERR_SIZE + ERR_CANARY], const char *prefix)
{
    FUZZ_CHECK(memchr(err, 0, ERR_SIZE) != NULL);
    FUZZ_CHECK(strncmp(err, prefix, strlen(prefix)) == 0 && err[strlen(prefix)] != 0);
    for (int i = ERR_SIZE; i < ERR_SIZE + ERR_CANARY; i++)
        FUZZ_CHECK(err[i] == 0x5a);
}

/* ------------------------------------------------------------------------
 * Instantiating and calling
 * ------------------------------------------------------------------------ */

/* Applies the limits above; false if the module needs more than they allow
 * from the start. */
static bool apply_limits(WasmModule *m)
{
    uint64_t total = 0;

    if (m->n_memories > 0 && m->n_memory_imports == 0) {
        Limits *lim = &m->memory_limits;
        if (lim->min > MAX_MEMORY_PAGES)
            return false;
        if (!lim->has_max || lim->max > MAX_MEMORY_PAGES) {
            lim->has_max = true;
            lim->max = MAX_MEMORY_PAGES;
        }
    }
    for (uint32_t i = m->n_table_imports; i < m->n_tables; i++) {
        Limits *lim = &m->table_types[i].limits;
        if (lim->min > MAX_TABLE_ELEMS)
            return false;
        total += lim->min;
        if (!lim->has_max || lim->max > MAX_TABLE_ELEMS) {
            lim->has_max = true;
            lim->max = MAX_TABLE_ELEMS;
        }
    }
    return total <= MAX_TABLE_TOTAL;
}

/* Calls one export with zero (or null) arguments. */
static void call_export(wasm_module_inst_t inst, wasm_exec_env_t env, const char *name)
{
    wasm_function_inst_t f = wasm_runtime_lookup_function(inst, name);
    uint32_t n_params, n_results;
    wasm_val_t *args, *results;
    wasm_valkind_t *kinds;
    const char *exc;

    if (!f)
        return;
    n_params = wasm_func_get_param_count(f, inst);
    n_results = wasm_func_get_result_count(f, inst);
    args = calloc(n_params + 1, sizeof *args);
    results = calloc(n_results + 1, sizeof *results);
    kinds = calloc(n_params + 1, sizeof *kinds);
    FUZZ_CHECK(args && results && kinds);
    /* Values stay zero (null for references); only the kinds are set. */
    wasm_func_get_param_types(f, inst, kinds);
    for (uint32_t i = 0; i < n_params; i++)
        args[i].kind = kinds[i];
    free(kinds);
    watchdog_arm(inst, CALL_BUDGET_MS);
    if (!wasm_runtime_call_wasm_a(env, f, n_results, results, n_params, args)) {
        exc = wasm_runtime_get_exception(inst);
        /* A failed call always says why, as "Exception: ...". */
        FUZZ_CHECK(exc != NULL && strncmp(exc, "Exception: ", 11) == 0);
    }
    watchdog_disarm();
    wasm_runtime_clear_exception(inst);
    free(args);
    free(results);
}

/* A little of the app heap API on the instance. */
static void touch_app_heap(wasm_module_inst_t inst)
{
    void *native = NULL;
    uint32_t off = wasm_runtime_module_malloc(inst, 16, &native);

    if (off) {
        FUZZ_CHECK(native != NULL && wasm_runtime_validate_app_addr(inst, off, 16));
        FUZZ_CHECK(wasm_runtime_addr_app_to_native(inst, off) == native);
        memset(native, 0xab, 16);
        wasm_runtime_module_free(inst, off);
    }
    wasm_runtime_clear_exception(inst);
}

static void run_module(wasm_module_t module)
{
    WasmModule *m = module->module;
    char err[ERR_SIZE + ERR_CANARY];
    wasm_module_inst_t inst;
    wasm_exec_env_t env;
    uint32_t calls = 0;

    if (m->has_start || !apply_limits(m))
        return;
    wasm_runtime_set_wasi_args_ex(module, NULL, 0, NULL, 0, NULL, 0, NULL, 0, g_devnull,
                                  g_devnull, g_devnull);
    err_init(err);
    inst = wasm_runtime_instantiate(module, STACK_SIZE, HEAP_SIZE, err, ERR_SIZE);
    if (!inst) {
        err_check(err, "WASM module instantiate failed: ");
        return;
    }
    FUZZ_CHECK(wasm_runtime_get_module(inst) == module);
    touch_app_heap(inst);
    env = wasm_runtime_create_exec_env(inst, STACK_SIZE);
    FUZZ_CHECK(env != NULL);
    for (uint32_t i = 0; i < m->n_exports && calls < MAX_CALLS; i++) {
        if (m->exports[i].kind != EXT_FUNC)
            continue;
        call_export(inst, env, m->exports[i].name);
        calls++;
    }
    wasm_runtime_destroy_exec_env(env);
    wasm_runtime_deinstantiate(inst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERR_SIZE + ERR_CANARY];
    /* Half the inputs are loaded as a copy the runtime keeps, and our
     * buffer is freed at once: a later read of it is a use-after-free. */
    bool cloned = fuzz_hash(data, size) & 1;
    LoadArgs args = {0};
    uint8_t *buf;
    wasm_module_t module;

    if (size > UINT32_MAX)
        return 0;
    buf = malloc(size ? size : 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);
    (void)get_package_type(buf, (uint32_t)size);
    err_init(err);
    args.clone_wasm_binary = cloned;
    args.wasm_binary_freeable = cloned;
    module = wasm_runtime_load_ex(buf, (uint32_t)size, &args, err, ERR_SIZE);
    if (cloned) {
        free(buf);
        buf = NULL;
    }
    if (!module) {
        err_check(err, "WASM module load failed: ");
    } else {
        FUZZ_CHECK(wasm_runtime_is_underlying_binary_freeable(module) == cloned);
        run_module(module);
        wasm_runtime_unload(module);
    }
    free(buf);
    return 0;
}
