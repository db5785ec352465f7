/* iwasm: runs one wasm module from the command line, through the public
 * embedding API only (wasm_export.h), as an embedder would.
 *   iwasm [options] file.wasm [args...]   (options end at the first non-option)
 * Exit codes: main's or the called function's success 0 (a WASI program's:
 * its proc_exit code), 1 when an exception remains, 255 when the module
 * cannot be read, loaded or instantiated, 2 for bad usage. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bh_read_file.h"
#include "wasm_export.h"

#define IWASM_VERSION "0.2.0"
#define MAX_NATIVE_LIBS 16

/* A growable list of option values (WASI dirs, env, ...): no fixed limit. */
typedef struct StrList {
    const char **items;
    uint32_t count;
} StrList;

typedef struct Options {
    const char *function;
    uint32_t stack_size;
    uint32_t heap_size;
    uint32_t max_threads;
    uint32_t timeout_ms;
    int log_level;
    bool repl;
    const char *native_libs[MAX_NATIVE_LIBS];
    int n_native_libs;
    const char *wasm_file;
    int app_argc;
    char **app_argv;
    StrList wasi_env, wasi_dirs, wasi_map_dirs, wasi_addr_pool;
} Options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iwasm [options] file.wasm [args...]\n"
            "  -f NAME, --function NAME  call export NAME with args, print its results\n"
            "  --stack-size=N            wasm stack of the exec env in bytes (default 65536)\n"
            "  --heap-size=N             app heap in linear memory in bytes (default 16384)\n"
            "  --max-threads=N           most threads of a thread group (default 4)\n"
            "  --repl                    read \"name args...\" lines from stdin and call them\n"
            "  -v=N                      log level 0 (fatal) .. 4 (verbose), default 2\n"
            "  --native-lib=LIB.so       register the natives of LIB (get_native_lib)\n"
            "  --timeout=MS              terminate the call after MS milliseconds\n"
            "  --env=KEY=VALUE           WASI: an environment variable (repeatable)\n"
            "  --dir=DIR                 WASI: preopen DIR under its own name (repeatable)\n"
            "  --map-dir=GUEST::HOST     WASI: preopen HOST under the name GUEST (repeatable)\n"
            "  --addr-pool=CIDR,...      WASI: addresses the guest's sockets may use\n"
            "  --version                 print the version\n");
}

/* "--name=value" with value a decimal uint32. */
static bool parse_u32_option(const char *arg, const char *name, uint32_t *out, bool *matched)
{
    size_t n = strlen(name);
    *matched = strncmp(arg, name, n) == 0 && arg[n] == '=';
    if (!*matched)
        return true;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg + n + 1, &end, 10);
    if (errno || end == arg + n + 1 || *end || v > UINT32_MAX || arg[n + 1] == '-') {
        fprintf(stderr, "iwasm: invalid value in %s\n", arg);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool list_add(StrList *l, const char *s)
{
    const char **grown = realloc(l->items, (l->count + 1) * sizeof *grown);
    if (!grown) {
        fprintf(stderr, "iwasm: out of memory\n");
        return false;
    }
    grown[l->count++] = s;
    l->items = grown;
    return true;
}

static void options_free(Options *o)
{
    free(o->wasi_env.items);
    free(o->wasi_dirs.items);
    free(o->wasi_map_dirs.items);
    free(o->wasi_addr_pool.items);
}

/* --addr-pool=A,B,...: split in place (argv strings are ours to modify). */
static bool parse_addr_pool(Options *o, char *list)
{
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (!list_add(&o->wasi_addr_pool, tok))
            return false;
    return true;
}

/* The WASI options; *matched tells whether a was one of them. */
static bool parse_wasi_option(Options *o, char *a, bool *matched)
{
    *matched = true;
    if (!strncmp(a, "--env=", 6) && strchr(a + 6, '=') && a[6] != '=')
        return list_add(&o->wasi_env, a + 6);
    if (!strncmp(a, "--dir=", 6) && a[6])
        return list_add(&o->wasi_dirs, a + 6);
    if (!strncmp(a, "--map-dir=", 10) && strstr(a + 10, "::"))
        return list_add(&o->wasi_map_dirs, a + 10);
    if (!strncmp(a, "--addr-pool=", 12) && a[12])
        return parse_addr_pool(o, a + 12);
    *matched = false;
    return true;
}

static bool parse_option(Options *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    static const struct {
        const char *name;
        size_t field;
    } numeric[] = {
        {"--stack-size", offsetof(Options, stack_size)},
        {"--heap-size", offsetof(Options, heap_size)},
        {"--max-threads", offsetof(Options, max_threads)},
        {"--timeout", offsetof(Options, timeout_ms)},
    };
    bool matched;

    if (!parse_wasi_option(o, argv[*i], &matched))
        return false;
    if (matched)
        return true;
    for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++) {
        if (!parse_u32_option(a, numeric[k].name, (uint32_t *)((char *)o + numeric[k].field),
                              &matched))
            return false;
        if (matched)
            return true;
    }
    if (!strcmp(a, "-f") || !strcmp(a, "--function")) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "iwasm: %s needs a function name\n", a);
            return false;
        }
        o->function = argv[++*i];
    } else if (!strncmp(a, "-v=", 3) && a[3] >= '0' && a[3] <= '4' && !a[4]) {
        o->log_level = a[3] - '0';
    } else if (!strcmp(a, "--repl")) {
        o->repl = true;
    } else if (!strncmp(a, "--native-lib=", 13) && a[13]) {
        if (o->n_native_libs == MAX_NATIVE_LIBS) {
            fprintf(stderr, "iwasm: at most %d native libraries\n", MAX_NATIVE_LIBS);
            return false;
        }
        o->native_libs[o->n_native_libs++] = a + 13;
    } else {
        fprintf(stderr, "iwasm: unknown option %s\n", a);
        return false;
    }
    return true;
}

/* Returns 0 to go on, or the exit code to stop with. */
static int parse_args(Options *o, int argc, char **argv)
{
    int i = 1;
    memset(o, 0, sizeof *o);
    o->stack_size = 64 * 1024;
    o->heap_size = 16 * 1024;
    o->log_level = WASM_LOG_LEVEL_WARNING;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--version")) {
            printf("iwasm " IWASM_VERSION "\n");
            return -1;
        }
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return -1;
        }
        if (!parse_option(o, argc, argv, &i)) {
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    o->wasm_file = argv[i];
    o->app_argc = argc - i - 1;
    o->app_argv = argv + i + 1;
    return 0;
}

/* ---- native libraries ---- */

typedef uint32_t (*get_native_lib_fn)(char **module_name, NativeSymbol **symbols);

static bool load_native_lib(const char *path, void **out_handle)
{
    char *module_name = NULL;
    NativeSymbol *symbols = NULL;
    void *handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);

    if (!handle) {
        fprintf(stderr, "iwasm: cannot load native library %s: %s\n", path, dlerror());
        return false;
    }
    get_native_lib_fn get = (get_native_lib_fn)dlsym(handle, "get_native_lib");
    uint32_t n = get ? get(&module_name, &symbols) : 0;
    if (!get || !module_name || !symbols ||
        !wasm_runtime_register_natives(module_name, symbols, n)) {
        fprintf(stderr, "iwasm: native library %s: no usable get_native_lib\n", path);
        dlclose(handle);
        return false;
    }
    *out_handle = handle;
    return true;
}

/* ---- the timeout watchdog ---- */

typedef struct Watchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done;
    uint32_t ms;
    wasm_module_inst_t inst;
} Watchdog;

static void *watchdog_main(void *arg)
{
    Watchdog *w = arg;
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += w->ms / 1000;
    deadline.tv_nsec += (long)(w->ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (!w->done && rc == 0)
        rc = pthread_cond_timedwait(&w->done_cond, &w->lock, &deadline);
    if (!w->done)
        wasm_runtime_terminate(w->inst);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static bool watchdog_start(Watchdog *w, wasm_module_inst_t inst, uint32_t ms)
{
    memset(w, 0, sizeof *w);
    w->ms = ms;
    w->inst = inst;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->done_cond, NULL);
    return pthread_create(&w->thread, NULL, watchdog_main, w) == 0;
}

static void watchdog_stop(Watchdog *w)
{
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->done_cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->done_cond);
}

/* ---- running ---- */

static int report(wasm_module_inst_t inst, bool ok)
{
    const char *exception = wasm_runtime_get_exception(inst);
    if (ok && !exception)
        return 0;
    fprintf(stderr, "%s\n", exception ? exception : "Exception: call failed");
    return 1;
}

/* One "name args..." line of the REPL; returns false at "quit"/"exit". */
static bool repl_line(wasm_module_inst_t inst, char *line)
{
    char *argv[64];
    int argc = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && argc < 64; tok = strtok(NULL, " \t\r\n"))
        argv[argc++] = tok;
    if (argc == 0)
        return true;
    if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit"))
        return false;
    report(inst, wasm_application_execute_func(inst, argv[0], argc - 1, argv + 1));
    wasm_runtime_clear_exception(inst);
    return true;
}

static int run_repl(wasm_module_inst_t inst)
{
    char line[4096];
    printf("webassembly> ");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) && repl_line(inst, line)) {
        printf("webassembly> ");
        fflush(stdout);
    }
    return 0;
}

static int run(const Options *o, wasm_module_inst_t inst)
{
    Watchdog w;
    bool watched = o->timeout_ms && watchdog_start(&w, inst, o->timeout_ms);
    int code;

    if (o->repl)
        code = run_repl(inst);
    else if (o->function)
        code = report(inst,
                      wasm_application_execute_func(inst, o->function, o->app_argc, o->app_argv));
    else
        code = report(inst, wasm_application_execute_main(inst, o->app_argc, o->app_argv));
    if (watched)
        watchdog_stop(&w);
    if (code == 0 && !o->repl && wasm_runtime_is_wasi_mode(inst))
        code = (int)wasm_runtime_get_wasi_exit_code(inst);
    return code;
}

static int load_and_run(const Options *o)
{
    char error_buf[128];
    uint32_t size;
    int code = 255;
    wasm_module_t module = NULL;
    wasm_module_inst_t inst = NULL;
    char *buf = bh_read_file_to_buffer(o->wasm_file, &size);

    if (!buf)
        return 255;
    if (!(module = wasm_runtime_load((uint8_t *)buf, size, error_buf, sizeof error_buf))) {
        fprintf(stderr, "%s\n", error_buf);
        goto done;
    }
    /* WASI's argv[0] is the module path, as in WAMR. */
    wasm_runtime_set_wasi_args(module, o->wasi_dirs.items, o->wasi_dirs.count,
                               o->wasi_map_dirs.items, o->wasi_map_dirs.count,
                               o->wasi_env.items, o->wasi_env.count, o->app_argv - 1,
                               o->app_argc + 1);
    wasm_runtime_set_wasi_addr_pool(module, o->wasi_addr_pool.items, o->wasi_addr_pool.count);
    inst = wasm_runtime_instantiate(module, o->stack_size, o->heap_size, error_buf,
                                    sizeof error_buf);
    if (!inst) {
        fprintf(stderr, "%s\n", error_buf);
        goto done;
    }
    code = run(o, inst);
done:
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (module)
        wasm_runtime_unload(module);
    wasm_runtime_free(buf);
    return code;
}

int main(int argc, char **argv)
{
    Options o;
    void *libs[MAX_NATIVE_LIBS];
    int n_libs = 0, code;

    code = parse_args(&o, argc, argv);
    if (code) {
        options_free(&o);
        return code < 0 ? 0 : code;
    }
    RuntimeInitArgs init;
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_System_Allocator;
    init.max_thread_num = o.max_threads;
    if (!wasm_runtime_full_init(&init)) {
        fprintf(stderr, "iwasm: runtime initialisation failed\n");
        return 255;
    }
    wasm_runtime_set_log_level((log_level_t)o.log_level);
    for (int i = 0; i < o.n_native_libs; i++) {
        if (!load_native_lib(o.native_libs[i], &libs[n_libs])) {
            code = 255;
            goto done;
        }
        n_libs++;
    }
    code = load_and_run(&o);
done:
    wasm_runtime_destroy();
    for (int i = n_libs; i-- > 0;)
        dlclose(libs[i]);
    options_free(&o);
    return code;
}
