/* Tests of the public embedding API (wasm_export.h), function by function,
 * failure paths included: NULL handles, error buffers, wrong argument
 * counts and kinds, traps, unlinked imports, invalid pointers, terminate
 * from another thread, the stack limit and re-entrant natives. Written as an
 * embedder writes code: only the public headers. The thread functions of
 * the contract (spawn/join) belong to the threads issue and are not here.
 * Usage: test_api DIR   (DIR holds the api_*.wasm fixtures)
 * Prints "N passed, N failed" last; exits non-zero on any failure. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bh_read_file.h"
#include "wasm_export.h"

/* ====================================================================== */
/* Harness                                                                 */
/* ====================================================================== */

static int passed, failed;

#define CHECK(cond, what) check_line((cond) ? 1 : 0, (what), __LINE__)

static void check_line(int ok, const char *what, int line)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL (line %d): %s\n", line, what);
}

/* The instance's exception is exactly "Exception: <msg>". */
static bool exception_is(wasm_module_inst_t inst, const char *msg)
{
    const char *e = wasm_runtime_get_exception(inst);
    return e && strncmp(e, "Exception: ", 11) == 0 && strcmp(e + 11, msg) == 0;
}

/* The instance's exception starts with "Exception: " and contains part. */
static bool exception_has(wasm_module_inst_t inst, const char *part)
{
    const char *e = wasm_runtime_get_exception(inst);
    return e && strncmp(e, "Exception: ", 11) == 0 && strstr(e, part) != NULL;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Redirects a file descriptor (stdout or stderr) into a temporary file. */
typedef struct Capture {
    int fd;
    int saved;
    FILE *tmp;
} Capture;

static bool capture_start(Capture *c, int fd)
{
    fflush(stdout);
    fflush(stderr);
    c->fd = fd;
    c->tmp = tmpfile();
    if (!c->tmp)
        return false;
    c->saved = dup(fd);
    dup2(fileno(c->tmp), fd);
    return true;
}

/* Restores the descriptor and returns what was written (NUL-terminated). */
static void capture_stop(Capture *c, char *out, size_t size)
{
    size_t n;

    fflush(stdout);
    fflush(stderr);
    dup2(c->saved, c->fd);
    close(c->saved);
    rewind(c->tmp);
    n = fread(out, 1, size - 1, c->tmp);
    out[n] = '\0';
    fclose(c->tmp);
}

/* ====================================================================== */
/* Fixtures                                                                */
/* ====================================================================== */

static const char *fixture_dir;

/* The bytes of DIR/name.wasm, from libc's malloc: test buffers never come
 * from the runtime, whose allocator changes from section to section. */
typedef struct Bytes {
    uint8_t *data;
    uint32_t size;
} Bytes;

static char *fixture_path(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.wasm", fixture_dir, name);
    return buf;
}

static Bytes read_fixture(const char *name)
{
    Bytes b = {NULL, 0};
    char path[1024];
    FILE *f = fopen(fixture_path(name, path, sizeof path), "rb");
    long n;

    if (!f) {
        printf("cannot open %s\n", path);
        return b;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        b.data = malloc((size_t)n);
        if (b.data && fread(b.data, 1, (size_t)n, f) == (size_t)n)
            b.size = (uint32_t)n;
    }
    fclose(f);
    return b;
}

/* A loaded and instantiated fixture with an exec env of its own. */
typedef struct Fixture {
    Bytes bytes;
    wasm_module_t module;
    wasm_module_inst_t inst;
    wasm_exec_env_t env;
} Fixture;

static bool fixture_open(Fixture *f, const char *name, uint32_t stack_size, uint32_t heap_size)
{
    char err[128] = "";

    memset(f, 0, sizeof *f);
    f->bytes = read_fixture(name);
    if (!f->bytes.data)
        return false;
    f->module = wasm_runtime_load(f->bytes.data, f->bytes.size, err, sizeof err);
    if (f->module)
        f->inst = wasm_runtime_instantiate(f->module, stack_size, heap_size, err, sizeof err);
    if (f->inst)
        f->env = wasm_runtime_create_exec_env(f->inst, stack_size);
    if (!f->env)
        printf("fixture %s: %s\n", name, err[0] ? err : "create exec env failed");
    return f->env != NULL;
}

static void fixture_close(Fixture *f)
{
    wasm_runtime_destroy_exec_env(f->env);
    wasm_runtime_deinstantiate(f->inst);
    wasm_runtime_unload(f->module);
    free(f->bytes.data);
    memset(f, 0, sizeof *f);
}

static wasm_function_inst_t fn(Fixture *f, const char *name)
{
    wasm_function_inst_t func = wasm_runtime_lookup_function(f->inst, name);
    if (!func)
        printf("no export %s\n", name);
    return func;
}

/* Calls an (i32...) -> i32 export with argv cells; -1 on failure. */
static int64_t call_i32(Fixture *f, const char *name, uint32_t argc, uint32_t a0, uint32_t a1)
{
    uint32_t argv[2] = {a0, a1};
    wasm_function_inst_t func = fn(f, name);
    if (!func || !wasm_runtime_call_wasm(f->env, func, argc, argv))
        return -1;
    return argv[0];
}

/* ====================================================================== */
/* Lifecycle and the runtime's own memory                                  */
/* ====================================================================== */

static char pool_a[2 * 1024 * 1024];
static char pool_b[256 * 1024];

static void pool_args(RuntimeInitArgs *args, void *buf, uint32_t size)
{
    memset(args, 0, sizeof *args);
    args->mem_alloc_type = Alloc_With_Pool;
    args->mem_alloc_option.pool.heap_buf = buf;
    args->mem_alloc_option.pool.heap_size = size;
}

static void test_init_rejects(void)
{
    RuntimeInitArgs args;

    CHECK(!wasm_runtime_full_init(NULL), "full_init(NULL) fails");
    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_System_Allocator;
    args.running_mode = Mode_LLVM_JIT;
    CHECK(!wasm_runtime_full_init(&args), "full_init refuses an engine we do not have");
    memset(&args, 0, sizeof args);
    args.mem_alloc_type = (mem_alloc_type_t)7;
    CHECK(!wasm_runtime_full_init(&args), "full_init refuses an unknown allocation type");
    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_Allocator;
    CHECK(!wasm_runtime_full_init(&args), "full_init refuses an allocator without functions");
}

/* full_init is reference-counted: later calls only count (their arguments
 * are ignored), and only the last destroy tears the runtime down. */
static void test_init_refcount(void)
{
    RuntimeInitArgs args;
    mem_alloc_info_t info;

    pool_args(&args, pool_a, sizeof pool_a);
    CHECK(wasm_runtime_full_init(&args), "full_init with a pool");
    pool_args(&args, pool_b, sizeof pool_b);
    CHECK(wasm_runtime_full_init(&args), "a second full_init only counts");
    CHECK(wasm_runtime_get_mem_alloc_info(&info) && info.total_size > sizeof pool_b,
          "the first init's pool stays in use");
    wasm_runtime_destroy();
    CHECK(wasm_runtime_get_mem_alloc_info(&info), "one destroy of two leaves the runtime up");
    wasm_runtime_destroy();
    CHECK(!wasm_runtime_get_mem_alloc_info(&info), "the second destroy tears it down");
    CHECK(wasm_runtime_init(), "wasm_runtime_init after a full teardown");
    wasm_runtime_destroy();
}

static void test_runtime_malloc(void)
{
    RuntimeInitArgs args;
    mem_alloc_info_t before, during, after;

    pool_args(&args, pool_a, sizeof pool_a);
    if (!wasm_runtime_full_init(&args)) {
        CHECK(0, "full_init with a pool");
        return;
    }
    CHECK(!wasm_runtime_get_mem_alloc_info(NULL), "get_mem_alloc_info(NULL) fails");
    CHECK(wasm_runtime_get_mem_alloc_info(&before) && before.total_size > 0 &&
              before.total_size <= sizeof pool_a && before.total_free_size <= before.total_size,
          "get_mem_alloc_info in pool mode");
    char *p = wasm_runtime_malloc(10000);
    CHECK(p >= pool_a && p + 10000 <= pool_a + sizeof pool_a, "wasm_runtime_malloc from the pool");
    CHECK(wasm_runtime_get_mem_alloc_info(&during) &&
              during.total_free_size + 10000 <= before.total_free_size &&
              during.highmark_size >= 10000,
          "an allocation shows in the pool statistics");
    memset(p, 'x', 10000);
    char *q = wasm_runtime_realloc(p, 20000);
    CHECK(q && q[0] == 'x' && q[9999] == 'x', "wasm_runtime_realloc keeps the contents");
    wasm_runtime_free(q);
    CHECK(wasm_runtime_get_mem_alloc_info(&after) &&
              after.total_free_size == before.total_free_size,
          "wasm_runtime_free returns the block to the pool");
    wasm_runtime_free(NULL);
    p = wasm_runtime_realloc(NULL, 64);
    CHECK(p != NULL, "wasm_runtime_realloc(NULL, n) allocates");
    wasm_runtime_free(p);
    CHECK(wasm_runtime_malloc(sizeof pool_a) == NULL, "an allocation larger than the pool fails");
    wasm_runtime_destroy();
}

/* bh_read_file_to_buffer: the guide's helper, its buffer from the runtime. */
static void test_read_file(void)
{
    char path[1024];
    uint32 size = 0;
    Bytes b = read_fixture("api_calls");

    wasm_runtime_init();
    char *buf = bh_read_file_to_buffer(fixture_path("api_calls", path, sizeof path), &size);
    CHECK(buf && size == b.size && memcmp(buf, b.data, size) == 0,
          "bh_read_file_to_buffer reads the whole file");
    wasm_runtime_free(buf);
    CHECK(bh_read_file_to_buffer("/nonexistent/file.wasm", &size) == NULL,
          "bh_read_file_to_buffer of a missing file is NULL");
    wasm_runtime_destroy();
    free(b.data);
}

/* ---- Alloc_With_Allocator: the embedder's functions serve everything ---- */

static atomic_long n_mallocs, n_reallocs, n_frees, n_live;

static void *count_malloc(unsigned int size)
{
    atomic_fetch_add(&n_mallocs, 1);
    atomic_fetch_add(&n_live, 1);
    return malloc(size);
}

static void *count_realloc(void *ptr, unsigned int size)
{
    atomic_fetch_add(&n_reallocs, 1);
    if (!ptr)
        atomic_fetch_add(&n_live, 1);
    return realloc(ptr, size);
}

static void count_free(void *ptr)
{
    if (ptr) {
        atomic_fetch_add(&n_frees, 1);
        atomic_fetch_sub(&n_live, 1);
    }
    free(ptr);
}

static void allocator_args(RuntimeInitArgs *args, bool with_realloc)
{
    memset(args, 0, sizeof *args);
    args->mem_alloc_type = Alloc_With_Allocator;
    args->mem_alloc_option.allocator.malloc_func = (void *)count_malloc;
    args->mem_alloc_option.allocator.realloc_func = with_realloc ? (void *)count_realloc : NULL;
    args->mem_alloc_option.allocator.free_func = (void *)count_free;
}

static void exercise_allocator(void)
{
    Fixture f;
    if (!fixture_open(&f, "api_calls", 16 * 1024, 16 * 1024)) {
        CHECK(0, "load and instantiate with the embedder's allocator");
        return;
    }
    CHECK(call_i32(&f, "fib", 1, 10, 0) == 55, "a call with the embedder's allocator");
    uint32_t off = wasm_runtime_module_malloc(f.inst, 100, NULL);
    CHECK(off != 0, "module_malloc with the embedder's allocator");
    wasm_runtime_module_free(f.inst, off);
    fixture_close(&f);
    char *p = wasm_runtime_malloc(16);
    memcpy(p, "0123456789abcdef", 16);
    p = wasm_runtime_realloc(p, 4096);
    CHECK(p && memcmp(p, "0123456789abcdef", 16) == 0, "wasm_runtime_realloc keeps the contents");
    wasm_runtime_free(p);
}

static void test_allocator(void)
{
    RuntimeInitArgs args;

    allocator_args(&args, true);
    CHECK(wasm_runtime_full_init(&args), "full_init with Alloc_With_Allocator");
    exercise_allocator();
    wasm_runtime_destroy();
    printf("embedder allocator: %ld mallocs, %ld reallocs, %ld frees\n", atomic_load(&n_mallocs),
           atomic_load(&n_reallocs), atomic_load(&n_frees));
    CHECK(atomic_load(&n_mallocs) > 0 && atomic_load(&n_frees) > 0,
          "the runtime allocates through the embedder's malloc and free");
    CHECK(atomic_load(&n_reallocs) > 0, "wasm_runtime_realloc uses the embedder's realloc");
    CHECK(atomic_load(&n_live) == 0, "everything allocated is freed by teardown");

    /* Without a realloc function the runtime emulates it with malloc/free. */
    atomic_store(&n_reallocs, 0);
    allocator_args(&args, false);
    CHECK(wasm_runtime_full_init(&args), "full_init with an allocator lacking realloc");
    exercise_allocator();
    wasm_runtime_destroy();
    CHECK(atomic_load(&n_reallocs) == 0 && atomic_load(&n_live) == 0,
          "realloc is emulated, and nothing leaks");
}

/* ====================================================================== */
/* Modules and instances                                                   */
/* ====================================================================== */

static void test_package_type(const Bytes *b)
{
    static const uint8_t aot[8] = {0, 'a', 'o', 't', 3, 0, 0, 0};
    static const uint8_t junk[8] = "junkjunk";

    CHECK(get_package_type(b->data, b->size) == Wasm_Module_Bytecode, "get_package_type: wasm");
    CHECK(get_package_type(aot, sizeof aot) == Wasm_Module_AoT, "get_package_type: aot");
    CHECK(get_package_type(junk, sizeof junk) == Package_Type_Unknown, "get_package_type: junk");
    CHECK(get_package_type(b->data, 3) == Package_Type_Unknown, "get_package_type: 3 bytes");
    CHECK(get_package_type(NULL, 8) == Package_Type_Unknown, "get_package_type: NULL");
}

/* error_buf: NULL allowed, always NUL-terminated, truncated to fit. */
static void test_load_errors(const Bytes *b)
{
    uint8_t junk[16] = "this is no wasm";
    uint8_t aot[16] = {0, 'a', 'o', 't', 3, 0, 0, 0};
    char err[128], tiny[16];

    CHECK(!wasm_runtime_load(junk, sizeof junk, err, sizeof err) &&
              strncmp(err, "WASM module load failed: ", 25) == 0 && strlen(err) > 25,
          "a bad module: \"WASM module load failed: <reason>\"");
    printf("bad module: %s\n", err);
    CHECK(!wasm_runtime_load(junk, sizeof junk, NULL, 0), "a NULL error buffer is allowed");
    CHECK(!wasm_runtime_load(junk, sizeof junk, NULL, 128), "a NULL buffer with a size too");
    memset(tiny, '#', sizeof tiny);
    CHECK(!wasm_runtime_load(junk, sizeof junk, tiny, 8) && tiny[7] == '\0' &&
              strcmp(tiny, "WASM mo") == 0 && tiny[8] == '#',
          "a tiny error buffer is truncated, NUL-terminated, not overrun");
    memset(tiny, '#', sizeof tiny);
    CHECK(!wasm_runtime_load(junk, sizeof junk, tiny, 0) && tiny[0] == '#',
          "an error buffer of size 0 is not written");
    CHECK(!wasm_runtime_load(b->data, b->size / 2, err, sizeof err) &&
              strncmp(err, "WASM module load failed: ", 25) == 0,
          "a truncated module fails to load");
    CHECK(!wasm_runtime_load(aot, sizeof aot, err, sizeof err) &&
              strncmp(err, "WASM module load failed: ", 25) == 0,
          "an AOT file fails to load with a message");
    CHECK(!wasm_runtime_load(NULL, 100, err, sizeof err) &&
              strncmp(err, "WASM module load failed: ", 25) == 0,
          "load(NULL) fails with a message");
    CHECK(!wasm_runtime_load_ex(NULL, 100, NULL, err, sizeof err) &&
              strncmp(err, "WASM module load failed: ", 25) == 0,
          "load_ex(NULL) fails with a message");
}

/* clone_wasm_binary: the caller's buffer may be freed right after loading. */
static void test_load_clone(const Bytes *b)
{
    LoadArgs args;
    char err[128];
    uint8_t *copy = malloc(b->size);
    Fixture f;

    memcpy(copy, b->data, b->size);
    memset(&args, 0, sizeof args);
    args.name = "api_calls";
    args.clone_wasm_binary = true;
    wasm_module_t m = wasm_runtime_load_ex(copy, b->size, &args, err, sizeof err);
    memset(copy, 0xcc, b->size);
    free(copy);
    CHECK(m != NULL, "load_ex with clone_wasm_binary");
    CHECK(wasm_runtime_is_underlying_binary_freeable(m), "a cloned module's binary is freeable");
    memset(&f, 0, sizeof f);
    f.module = m;
    f.inst = wasm_runtime_instantiate(m, 16 * 1024, 0, err, sizeof err);
    f.env = wasm_runtime_create_exec_env(f.inst, 16 * 1024);
    CHECK(f.env && call_i32(&f, "fib", 1, 10, 0) == 55,
          "instantiate and call after the caller freed its buffer");
    fixture_close(&f);

    args.clone_wasm_binary = false;
    args.wasm_binary_freeable = true;
    m = wasm_runtime_load_ex(b->data, b->size, &args, err, sizeof err);
    CHECK(m && wasm_runtime_is_underlying_binary_freeable(m),
          "load_ex with wasm_binary_freeable");
    wasm_runtime_unload(m);
    m = wasm_runtime_load_ex(b->data, b->size, NULL, err, sizeof err);
    CHECK(m != NULL, "load_ex with no LoadArgs");
    wasm_runtime_unload(m);
    m = wasm_runtime_load(b->data, b->size, err, sizeof err);
    CHECK(m && !wasm_runtime_is_underlying_binary_freeable(m),
          "a plain load keeps using the caller's buffer");
    wasm_runtime_unload(m);
    CHECK(!wasm_runtime_is_underlying_binary_freeable(NULL), "is_underlying_binary_freeable(NULL)");
}

static void test_instantiate(const Bytes *b)
{
    char err[128];
    wasm_module_t m = wasm_runtime_load(b->data, b->size, err, sizeof err);

    CHECK(m != NULL, "load api_calls");
    CHECK(!wasm_runtime_instantiate(NULL, 8192, 0, err, sizeof err) &&
              strncmp(err, "WASM module instantiate failed: ", 32) == 0,
          "instantiate(NULL) fails with a message");
    CHECK(!wasm_runtime_instantiate(m, 8192, 0xffffffffu, err, sizeof err) &&
              strncmp(err, "WASM module instantiate failed: ", 32) == 0,
          "an app heap that cannot fit fails with a message");
    printf("huge heap: %s\n", err);
    CHECK(!wasm_runtime_instantiate(m, 8192, 0xffffffffu, NULL, 0), "with a NULL error buffer");
    char tiny[16];
    memset(tiny, '#', sizeof tiny);
    CHECK(!wasm_runtime_instantiate(m, 8192, 0xffffffffu, tiny, 8) &&
              strcmp(tiny, "WASM mo") == 0 && tiny[8] == '#',
          "an instantiate error is truncated to a tiny buffer, NUL-terminated");

    /* One module, two instances: separate memories. */
    Fixture a, c;
    memset(&a, 0, sizeof a);
    memset(&c, 0, sizeof c);
    a.inst = wasm_runtime_instantiate(m, 8192, 0, err, sizeof err);
    c.inst = wasm_runtime_instantiate(m, 8192, 0, err, sizeof err);
    a.env = wasm_runtime_create_exec_env(a.inst, 8192);
    c.env = wasm_runtime_create_exec_env(c.inst, 8192);
    CHECK(a.env && c.env && a.inst != c.inst, "a module is instantiated twice");
    CHECK(wasm_runtime_get_module(a.inst) == m && wasm_runtime_get_module(c.inst) == m,
          "get_module gives the module back");
    call_i32(&a, "store8", 2, 200, 7);
    CHECK(call_i32(&a, "load8", 1, 200, 0) == 7 && call_i32(&c, "load8", 1, 200, 0) == 0,
          "instances do not share their memory");
    fixture_close(&a);
    fixture_close(&c);
    wasm_runtime_unload(m);
}

static void test_modules(void)
{
    Bytes b = read_fixture("api_calls");

    if (!b.data) {
        CHECK(0, "read api_calls.wasm");
        return;
    }
    wasm_runtime_init();
    test_package_type(&b);
    test_load_errors(&b);
    test_load_clone(&b);
    test_instantiate(&b);
    wasm_runtime_destroy();
    free(b.data);
}

/* ====================================================================== */
/* Exec envs, lookup and the four call styles                              */
/* ====================================================================== */

static void test_exec_envs(Fixture *f)
{
    wasm_exec_env_t single = wasm_runtime_get_exec_env_singleton(f->inst);

    CHECK(single && single == wasm_runtime_get_exec_env_singleton(f->inst),
          "get_exec_env_singleton returns one env per instance");
    CHECK(wasm_runtime_get_module_inst(single) == f->inst &&
              wasm_runtime_get_module_inst(f->env) == f->inst,
          "get_module_inst of an exec env");
    uint32_t argv[1] = {12};
    CHECK(wasm_runtime_call_wasm(single, fn(f, "fib"), 1, argv) && argv[0] == 144,
          "a call on the singleton env");
    wasm_exec_env_t dflt = wasm_runtime_create_exec_env(f->inst, 0);
    argv[0] = 12;
    CHECK(dflt && wasm_runtime_call_wasm(dflt, fn(f, "fib"), 1, argv) && argv[0] == 144,
          "create_exec_env with stack size 0 takes the default");
    wasm_runtime_destroy_exec_env(dflt);
}

static void test_lookup(Fixture *f)
{
    wasm_module_inst_t inst = f->inst;
    wasm_valkind_t kinds[4];

    CHECK(wasm_runtime_lookup_function(inst, "fib", NULL) != NULL, "lookup, 3-argument form");
    CHECK(wasm_runtime_lookup_function(inst, "fib") != NULL, "lookup, 2-argument form");
    CHECK(wasm_runtime_lookup_function(inst, "fib", "(i)i") != NULL, "lookup with its signature");
    CHECK(wasm_runtime_lookup_function(inst, "mixed", "(iIfF)F") != NULL, "lookup (iIfF)F");
    CHECK(wasm_runtime_lookup_function(inst, "fib", "(ii)i") == NULL, "a wrong signature");
    CHECK(wasm_runtime_lookup_function(inst, "fib", "(I)i") == NULL, "a wrong param type");
    CHECK(wasm_runtime_lookup_function(inst, "fib", "(i)") == NULL, "a missing result");
    CHECK(wasm_runtime_lookup_function(inst, "fib", "i)i") == NULL, "a malformed signature");
    CHECK(wasm_runtime_lookup_function(inst, "nope", NULL) == NULL, "an unknown name");
    CHECK(wasm_runtime_lookup_function(inst, "memory", NULL) == NULL, "a non-function export");
    CHECK(wasm_runtime_lookup_function(inst, NULL, NULL) == NULL, "a NULL name");

    wasm_function_inst_t mixed = fn(f, "mixed"), multi = fn(f, "multi");
    CHECK(wasm_func_get_param_count(mixed, inst) == 4 &&
              wasm_func_get_result_count(mixed, inst) == 1,
          "param and result counts");
    wasm_func_get_param_types(mixed, inst, kinds);
    CHECK(kinds[0] == WASM_I32 && kinds[1] == WASM_I64 && kinds[2] == WASM_F32 &&
              kinds[3] == WASM_F64,
          "param types i32 i64 f32 f64");
    wasm_func_get_result_types(mixed, inst, kinds);
    CHECK(kinds[0] == WASM_F64, "result type f64");
    wasm_func_get_result_types(multi, inst, kinds);
    CHECK(wasm_func_get_result_count(multi, inst) == 4 && kinds[0] == WASM_I32 &&
              kinds[1] == WASM_I64 && kinds[2] == WASM_F32 && kinds[3] == WASM_F64,
          "four result types");
    wasm_func_get_param_types(fn(f, "ref_id"), inst, kinds);
    CHECK(kinds[0] == WASM_EXTERNREF, "an externref param");
    CHECK(wasm_func_get_param_count(NULL, inst) == 0 && wasm_func_get_result_count(NULL, inst) == 0,
          "counts of a NULL function are 0");
    wasm_func_get_param_types(NULL, inst, kinds);
    wasm_func_get_result_types(NULL, inst, kinds);
}

/* argv cells: i64/f64 take two, results come back from argv[0]. */
static void test_call_wasm_cells(Fixture *f)
{
    uint32_t argv[8];
    int64_t x = (int64_t)1 << 40, y = -5, r64;
    float f32 = 0.5f;
    double f64 = 0.25, rd;

    memcpy(&argv[0], &x, 8);
    memcpy(&argv[2], &y, 8);
    CHECK(wasm_runtime_call_wasm(f->env, fn(f, "add64"), 4, argv), "call add64 with 4 cells");
    memcpy(&r64, argv, 8);
    CHECK(r64 == x + y, "an i64 result in argv[0..1]");

    argv[0] = (uint32_t)-3;
    memcpy(&argv[1], &x, 8);
    memcpy(&argv[3], &f32, 4);
    memcpy(&argv[4], &f64, 8);
    CHECK(wasm_runtime_call_wasm(f->env, fn(f, "mixed"), 6, argv), "call mixed with 6 cells");
    memcpy(&rd, argv, 8);
    CHECK(rd == -3.0 + 1099511627776.0 + 0.75, "i32 i64 f32 f64 in, f64 out");

    memset(argv, 0, sizeof argv);
    argv[0] = 7;
    CHECK(wasm_runtime_call_wasm(f->env, fn(f, "multi"), 1, argv), "call multi");
    memcpy(&r64, &argv[1], 8);
    memcpy(&f32, &argv[3], 4);
    memcpy(&rd, &argv[4], 8);
    CHECK(argv[0] == 7 && r64 == (int64_t)7 << 32 && f32 == 7.0f && rd == 3.5,
          "multi-value results written consecutively from argv[0]");

    f64 = 1.25;
    f32 = 2.5f;
    memcpy(&argv[0], &f64, 8);
    memcpy(&argv[2], &f32, 4);
    CHECK(wasm_runtime_call_wasm(f->env, fn(f, "swap"), 3, argv), "call swap");
    memcpy(&f32, &argv[0], 4);
    memcpy(&rd, &argv[1], 8);
    CHECK(f32 == 2.5f && rd == 1.25, "f32 then f64 results");
}

static void test_call_wasm_edges(Fixture *f)
{
    uint32_t argv[4] = {0, 0, 0, 0};

    CHECK(wasm_runtime_call_wasm(f->env, fn(f, "answer"), 0, argv) && argv[0] == 42,
          "no params, one result");
    CHECK(wasm_runtime_call_wasm(f->env, fn(f, "nothing"), 0, NULL), "no params, no results");
    argv[0] = 10;
    CHECK(wasm_runtime_call_wasm(f->env, fn(f, "fib"), 2, argv) && argv[0] == 55,
          "more cells than needed are fine");
    CHECK(!wasm_runtime_call_wasm(f->env, fn(f, "add64"), 3, argv) &&
              exception_has(f->inst, "invalid argument count"),
          "too few cells: exception \"invalid argument count\"");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm(f->env, fn(f, "fib"), 1, NULL) &&
              wasm_runtime_get_exception(f->inst) != NULL,
          "argv NULL with argc 1 fails with an exception");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm(f->env, NULL, 0, argv) &&
              wasm_runtime_get_exception(f->inst) != NULL,
          "a NULL function fails with an exception");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm(NULL, fn(f, "fib"), 1, argv), "a NULL exec env fails");
    argv[0] = 1;
    argv[1] = 0;
    CHECK(!wasm_runtime_call_wasm(f->env, fn(f, "divide"), 2, argv) &&
              exception_is(f->inst, "integer divide by zero"),
          "a trap: false and \"Exception: integer divide by zero\"");
    wasm_runtime_clear_exception(f->inst);
}

static void test_call_wasm_a(Fixture *f)
{
    wasm_val_t args[4], results[4];

    args[0].kind = WASM_I32;
    args[0].of.i32 = 10;
    CHECK(wasm_runtime_call_wasm_a(f->env, fn(f, "fib"), 1, results, 1, args) &&
              results[0].kind == WASM_I32 && results[0].of.i32 == 55,
          "call_wasm_a fib(10)");
    args[0].of.i32 = -3;
    args[1].kind = WASM_I64;
    args[1].of.i64 = (int64_t)1 << 40;
    args[2].kind = WASM_F32;
    args[2].of.f32 = 0.5f;
    args[3].kind = WASM_F64;
    args[3].of.f64 = 0.25;
    CHECK(wasm_runtime_call_wasm_a(f->env, fn(f, "mixed"), 1, results, 4, args) &&
              results[0].kind == WASM_F64 && results[0].of.f64 == -3.0 + 1099511627776.0 + 0.75,
          "call_wasm_a with i32 i64 f32 f64");
    args[0].of.i32 = 9;
    CHECK(wasm_runtime_call_wasm_a(f->env, fn(f, "multi"), 4, results, 1, args) &&
              results[0].of.i32 == 9 && results[1].kind == WASM_I64 &&
              results[1].of.i64 == (int64_t)9 << 32 && results[2].kind == WASM_F32 &&
              results[2].of.f32 == 9.0f && results[3].of.f64 == 4.5,
          "call_wasm_a with four results");
    args[0].kind = WASM_EXTERNREF;
    args[0].of.foreign = 0x1234;
    CHECK(wasm_runtime_call_wasm_a(f->env, fn(f, "ref_id"), 1, results, 1, args) &&
              results[0].kind == WASM_EXTERNREF && results[0].of.foreign == 0x1234,
          "call_wasm_a passes an externref through");
    CHECK(wasm_runtime_call_wasm_a(f->env, fn(f, "answer"), 1, results, 0, NULL) &&
              results[0].of.i32 == 42,
          "call_wasm_a with no args");
}

static void test_call_wasm_a_errors(Fixture *f)
{
    wasm_val_t args[2], results[2];
    wasm_function_inst_t fib = fn(f, "fib");

    args[0].kind = args[1].kind = WASM_I32;
    args[0].of.i32 = args[1].of.i32 = 3;
    CHECK(!wasm_runtime_call_wasm_a(f->env, fib, 1, results, 2, args) &&
              exception_has(f->inst, "invalid argument count"),
          "call_wasm_a with too many args");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm_a(f->env, fib, 1, results, 0, args) &&
              wasm_runtime_get_exception(f->inst),
          "call_wasm_a with too few args");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm_a(f->env, fib, 0, results, 1, args) &&
              wasm_runtime_get_exception(f->inst),
          "call_wasm_a with a wrong result count");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm_a(f->env, fib, 1, NULL, 1, args) &&
              wasm_runtime_get_exception(f->inst),
          "call_wasm_a with NULL results");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm_a(f->env, fib, 1, results, 1, NULL) &&
              wasm_runtime_get_exception(f->inst),
          "call_wasm_a with NULL args");
    wasm_runtime_clear_exception(f->inst);
    args[0].kind = WASM_I64;
    CHECK(!wasm_runtime_call_wasm_a(f->env, fib, 1, results, 1, args) &&
              exception_has(f->inst, "invalid argument type"),
          "call_wasm_a with a wrong kind");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm_a(NULL, fib, 1, results, 1, args), "call_wasm_a(NULL env)");
}

/* Varargs by the param types: i32 as uint32, i64 as uint64, f32 promoted
 * to double, f64 as double. */
static void test_call_wasm_v(Fixture *f)
{
    wasm_val_t results[4];

    CHECK(wasm_runtime_call_wasm_v(f->env, fn(f, "fib"), 1, results, 1, 8) &&
              results[0].of.i32 == 21,
          "call_wasm_v as the guide writes it");
    CHECK(wasm_runtime_call_wasm_v(f->env, fn(f, "mixed"), 1, results, 4, (uint32_t)-3,
                                   (uint64_t)1 << 40, (double)0.5f, 0.25) &&
              results[0].of.f64 == -3.0 + 1099511627776.0 + 0.75,
          "call_wasm_v with i32 i64 f32 f64");
    CHECK(wasm_runtime_call_wasm_v(f->env, fn(f, "add64"), 1, results, 2, (uint64_t)1 << 33,
                                   (uint64_t)-1) &&
              results[0].of.i64 == ((int64_t)1 << 33) - 1,
          "call_wasm_v with two i64");
    CHECK(wasm_runtime_call_wasm_v(f->env, fn(f, "swap"), 2, results, 2, 1.25, 2.5) &&
              results[0].of.f32 == 2.5f && results[1].of.f64 == 1.25,
          "call_wasm_v with f64 f32, two results");
    CHECK(!wasm_runtime_call_wasm_v(f->env, fn(f, "fib"), 1, results, 2, 8, 9) &&
              exception_has(f->inst, "invalid argument count"),
          "call_wasm_v with a wrong count");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_wasm_v(NULL, fn(f, "fib"), 1, results, 1, 8), "call_wasm_v(NULL env)");
}

/* Table 0 of api_calls: [0] fib (i32)->i32, [1] add64 (i64 i64)->i64,
 * [2] and [3] null. */
static void test_call_indirect(Fixture *f)
{
    uint32_t argv[4] = {10, 0, 0, 0};

    CHECK(wasm_runtime_call_indirect(f->env, 0, 1, argv) && argv[0] == 55, "call_indirect elem 0");
    argv[0] = 4;
    argv[2] = 5;
    CHECK(wasm_runtime_call_indirect(f->env, 1, 4, argv) && argv[0] == 9 && argv[1] == 0,
          "call_indirect elem 1 with i64 cells");
    CHECK(!wasm_runtime_call_indirect(f->env, 1, 1, argv) &&
              exception_has(f->inst, "invalid argument count"),
          "call_indirect with cells of another type");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_indirect(f->env, 2, 1, argv) &&
              exception_is(f->inst, "uninitialized element"),
          "call_indirect of a null element");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_indirect(f->env, 4, 1, argv) &&
              exception_is(f->inst, "undefined element"),
          "call_indirect past the table");
    wasm_runtime_clear_exception(f->inst);
    CHECK(!wasm_runtime_call_indirect(NULL, 0, 1, argv), "call_indirect(NULL env)");

    /* The same cases from wasm's own call_indirect, and its type check. */
    CHECK(call_i32(f, "indirect", 2, 6, 0) == 8, "wasm call_indirect");
    CHECK(call_i32(f, "indirect", 2, 6, 1) == -1 &&
              exception_is(f->inst, "indirect call type mismatch"),
          "wasm call_indirect: \"indirect call type mismatch\"");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "indirect", 2, 6, 3) == -1 && exception_has(f->inst, "uninitialized element"),
          "wasm call_indirect: \"uninitialized element\"");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "indirect", 2, 6, 9) == -1 && exception_is(f->inst, "undefined element"),
          "wasm call_indirect: \"undefined element\"");
    wasm_runtime_clear_exception(f->inst);
}

/* Regression: set_module_inst left the env on the old instance's list, so
 * terminate/clear_exception of the old instance wrote to the env after it
 * was destroyed (an ASan use-after-free before the fix). */
static void test_set_module_inst(Fixture *f)
{
    char err[128];
    Fixture g;

    memset(&g, 0, sizeof g);
    g.inst = wasm_runtime_instantiate(f->module, 8192, 0, err, sizeof err);
    g.env = wasm_runtime_create_exec_env(f->inst, 8192);
    if (!g.inst || !g.env) {
        CHECK(0, "a second instance and an env");
        return;
    }
    wasm_runtime_set_module_inst(g.env, g.inst);
    CHECK(wasm_runtime_get_module_inst(g.env) == g.inst, "set_module_inst");
    call_i32(&g, "store8", 2, 300, 9);
    CHECK(call_i32(&g, "load8", 1, 300, 0) == 9 && call_i32(f, "load8", 1, 300, 0) == 0,
          "calls on the env run in the instance it was moved to");
    wasm_runtime_set_module_inst(NULL, g.inst);
    wasm_runtime_set_module_inst(g.env, NULL);
    CHECK(wasm_runtime_get_module_inst(g.env) == g.inst, "set_module_inst ignores NULL");
    wasm_runtime_destroy_exec_env(g.env);
    g.env = NULL;
    wasm_runtime_terminate(f->inst);
    wasm_runtime_clear_exception(f->inst);
    wasm_runtime_terminate(g.inst);
    wasm_runtime_clear_exception(g.inst);
    CHECK(call_i32(f, "fib", 1, 7, 0) == 13, "the first instance is unharmed");
    wasm_runtime_deinstantiate(g.inst);
}

static void test_calls(void)
{
    Fixture f;

    wasm_runtime_init();
    if (fixture_open(&f, "api_calls", 32 * 1024, 0)) {
        test_exec_envs(&f);
        test_lookup(&f);
        test_call_wasm_cells(&f);
        test_call_wasm_edges(&f);
        test_call_wasm_a(&f);
        test_call_wasm_a_errors(&f);
        test_call_wasm_v(&f);
        test_call_indirect(&f);
        test_set_module_inst(&f);
        fixture_close(&f);
    } else {
        CHECK(0, "open api_calls");
    }
    wasm_runtime_destroy();
}

/* ====================================================================== */
/* execute_main / execute_func                                             */
/* ====================================================================== */

static int32_t read_app_i32(wasm_module_inst_t inst, uint32_t off)
{
    int32_t v = -1;
    void *p = wasm_runtime_addr_app_to_native(inst, off);
    if (p)
        memcpy(&v, p, sizeof v);
    return v;
}

static void test_execute_main(void)
{
    char *args[] = {"prog", "hello", "42"};
    int32_t sum = 0;
    Fixture f, g;

    for (size_t i = 0; i < 3; i++)
        for (const char *c = args[i]; *c; c++)
            sum += (unsigned char)*c;
    if (!fixture_open(&f, "api_main", 16 * 1024, 16 * 1024)) {
        CHECK(0, "open api_main");
        return;
    }
    CHECK(wasm_application_execute_main(f.inst, 3, args), "execute_main(3, argv)");
    CHECK(read_app_i32(f.inst, 16) == 3 && read_app_i32(f.inst, 20) == sum,
          "main saw argc 3, the argument strings and a NULL argv[argc]");
    CHECK(wasm_application_execute_main(f.inst, 0, NULL) && read_app_i32(f.inst, 16) == 0,
          "execute_main with no arguments");
    CHECK(!wasm_application_execute_main(f.inst, 1, NULL), "argc 1 with argv NULL fails");
    CHECK(!wasm_application_execute_main(NULL, 0, NULL), "execute_main(NULL)");
    fixture_close(&f);

    /* No app heap: the arguments have nowhere to go. */
    if (fixture_open(&f, "api_main", 16 * 1024, 0)) {
        CHECK(!wasm_application_execute_main(f.inst, 3, args) &&
                  wasm_runtime_get_exception(f.inst),
              "execute_main without an app heap fails with an exception");
        fixture_close(&f);
    }
    if (fixture_open(&g, "api_calls", 16 * 1024, 0)) {
        CHECK(!wasm_application_execute_main(g.inst, 0, NULL) && exception_has(g.inst, "main"),
              "execute_main of a module without main");
        fixture_close(&g);
    }
}

/* Runs execute_func with stdout captured into out. */
static bool execute_func(Fixture *f, const char *name, int32_t argc, char **argv, char *out,
                         size_t size)
{
    Capture c;
    bool ok;

    out[0] = '\0';
    if (!capture_start(&c, STDOUT_FILENO))
        return false;
    ok = wasm_application_execute_func(f->inst, name, argc, argv);
    capture_stop(&c, out, size);
    return ok;
}

static void test_execute_func(void)
{
    char out[256];
    Fixture f;
    char *ten[] = {"10"}, *big[] = {"0x10000000000", "5"}, *seven[] = {"7"};
    char *mixed[] = {"-1", "2", "0.5", "0.25"}, *bad[] = {"abc"}, *div0[] = {"1", "0"};

    if (!fixture_open(&f, "api_calls", 16 * 1024, 0)) {
        CHECK(0, "open api_calls");
        return;
    }
    CHECK(execute_func(&f, "fib", 1, ten, out, sizeof out) && strcmp(out, "0x37:i32\n") == 0,
          "execute_func fib 10 prints 0x37:i32");
    CHECK(execute_func(&f, "add64", 2, big, out, sizeof out) &&
              strcmp(out, "0x10000000005:i64\n") == 0,
          "execute_func parses hex i64 and prints 0x...:i64");
    CHECK(execute_func(&f, "multi", 1, seven, out, sizeof out) &&
              strcmp(out, "0x7:i32,0x700000000:i64,7:f32,3.5:f64\n") == 0,
          "execute_func prints multi-value results comma separated");
    CHECK(execute_func(&f, "mixed", 4, mixed, out, sizeof out) && strcmp(out, "1.75:f64\n") == 0,
          "execute_func with i32 i64 f32 f64 arguments");
    CHECK(!execute_func(&f, "fib", 0, NULL, out, sizeof out) &&
              exception_has(f.inst, "invalid input argument count"),
          "execute_func with a wrong argument count");
    wasm_runtime_clear_exception(f.inst);
    CHECK(!execute_func(&f, "fib", 1, bad, out, sizeof out) &&
              exception_has(f.inst, "invalid input argument"),
          "execute_func with bad number text");
    wasm_runtime_clear_exception(f.inst);
    CHECK(!execute_func(&f, "nope", 0, NULL, out, sizeof out) &&
              wasm_runtime_get_exception(f.inst),
          "execute_func of an unknown function");
    wasm_runtime_clear_exception(f.inst);
    CHECK(!execute_func(&f, "divide", 2, div0, out, sizeof out) &&
              exception_is(f.inst, "integer divide by zero"),
          "execute_func of a trapping call");
    wasm_runtime_clear_exception(f.inst);
    CHECK(!wasm_application_execute_func(NULL, "fib", 1, ten), "execute_func(NULL inst)");
    CHECK(!wasm_application_execute_func(f.inst, NULL, 1, ten), "execute_func(NULL name)");
    fixture_close(&f);
}

static void test_execute(void)
{
    wasm_runtime_init();
    test_execute_main();
    test_execute_func();
    wasm_runtime_destroy();
}

/* ====================================================================== */
/* Exceptions, terminate and the stack limit                               */
/* ====================================================================== */

static void test_exceptions(Fixture *f)
{
    char long_msg[600];

    CHECK(wasm_runtime_get_exception(f->inst) == NULL, "no exception at first");
    wasm_runtime_set_exception(f->inst, "boom");
    CHECK(exception_is(f->inst, "boom"), "set_exception: \"Exception: boom\"");
    CHECK(call_i32(f, "fib", 1, 5, 0) == -1, "a call fails while an exception is pending");
    wasm_runtime_clear_exception(f->inst);
    CHECK(wasm_runtime_get_exception(f->inst) == NULL, "clear_exception");
    CHECK(call_i32(f, "fib", 1, 5, 0) == 5, "calls work after clear_exception");
    wasm_runtime_set_exception(f->inst, "again");
    wasm_runtime_set_exception(f->inst, NULL);
    CHECK(wasm_runtime_get_exception(f->inst) == NULL, "set_exception(NULL) clears");
    memset(long_msg, 'm', sizeof long_msg - 1);
    long_msg[sizeof long_msg - 1] = '\0';
    wasm_runtime_set_exception(f->inst, long_msg);
    const char *e = wasm_runtime_get_exception(f->inst);
    CHECK(e && strncmp(e, "Exception: mmm", 14) == 0, "a long exception is kept (maybe cut)");
    wasm_runtime_clear_exception(f->inst);
}

typedef struct Terminator {
    wasm_module_inst_t inst;
    uint32_t *running_flag; /* memory[0] of the instance, set by "spin" */
    double t0_us;
} Terminator;

/* Waits until spin runs (at most ~5 s), then terminates the instance. */
static void *terminator_main(void *arg)
{
    Terminator *t = arg;

    for (int i = 0; i < 5000 && !__atomic_load_n(t->running_flag, __ATOMIC_ACQUIRE); i++)
        sleep_ms(1);
    sleep_ms(2); /* well inside the loop now */
    t->t0_us = now_us();
    wasm_runtime_terminate(t->inst);
    return NULL;
}

/* One round: spin on the main thread, terminate from another. Returns the
 * time from wasm_runtime_terminate to the call's return, in microseconds. */
static double terminate_round(Fixture *f)
{
    Terminator t;
    pthread_t thread;
    uint32_t *flag = wasm_runtime_addr_app_to_native(f->inst, 0);

    *flag = 0;
    t.inst = f->inst;
    t.running_flag = flag;
    t.t0_us = 0;
    if (pthread_create(&thread, NULL, terminator_main, &t) != 0) {
        CHECK(0, "pthread_create");
        return -1;
    }
    bool ok = wasm_runtime_call_wasm(f->env, fn(f, "spin"), 0, NULL);
    double t1_us = now_us();
    pthread_join(thread, NULL);
    CHECK(!ok, "terminate stops (loop (br 0)): the call returns false");
    CHECK(exception_is(f->inst, "terminated by user"), "\"Exception: terminated by user\"");
    return t1_us - t.t0_us;
}

static void test_terminate(Fixture *f)
{
    wasm_runtime_terminate(f->inst);
    CHECK(exception_is(f->inst, "terminated by user"), "terminate of an idle instance");
    CHECK(call_i32(f, "fib", 1, 5, 0) == -1, "calls fail after terminate until cleared");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "fib", 1, 5, 0) == 5, "clear_exception re-arms a terminated instance");

    for (int round = 1; round <= 2; round++) {
        double us = terminate_round(f);
        printf("terminate latency (round %d): %.0f us\n", round, us);
        wasm_runtime_clear_exception(f->inst);
        CHECK(call_i32(f, "fib", 1, 10, 0) == 55, "the instance works again after terminate");
    }
}

static void test_stack_overflow(void)
{
    Fixture f;

    if (!fixture_open(&f, "api_calls", 8 * 1024, 0)) {
        CHECK(0, "open api_calls");
        return;
    }
    for (int round = 0; round < 2; round++) {
        CHECK(call_i32(&f, "deep", 1, 0, 0) == -1 &&
                  (exception_has(f.inst, "call stack exhausted") ||
                   exception_has(f.inst, "stack overflow")),
              "deep recursion traps \"call stack exhausted\"");
        wasm_runtime_clear_exception(f.inst);
        CHECK(call_i32(&f, "fib", 1, 15, 0) == 610, "the instance works after clear_exception");
    }
    wasm_exec_env_t single = wasm_runtime_get_exec_env_singleton(f.inst);
    uint32_t argv[1] = {0};
    CHECK(!wasm_runtime_call_wasm(single, fn(&f, "deep"), 1, argv) &&
              wasm_runtime_get_exception(f.inst),
          "deep recursion on the singleton env traps too");
    wasm_runtime_clear_exception(f.inst);
    fixture_close(&f);
}

static void test_exceptions_and_limits(void)
{
    Fixture f;

    wasm_runtime_init();
    if (fixture_open(&f, "api_calls", 16 * 1024, 0)) {
        test_exceptions(&f);
        test_terminate(&f);
        fixture_close(&f);
    } else {
        CHECK(0, "open api_calls");
    }
    test_stack_overflow();
    wasm_runtime_destroy();
}

/* ====================================================================== */
/* App memory and addresses                                                */
/* ====================================================================== */

/* api_calls has no malloc of its own: the runtime places an app heap. */
static void test_app_heap(void)
{
    Fixture f;
    void *native = NULL, *native2 = NULL;

    if (!fixture_open(&f, "api_calls", 16 * 1024, 64 * 1024)) {
        CHECK(0, "open api_calls with an app heap");
        return;
    }
    uint32_t off = wasm_runtime_module_malloc(f.inst, 100, &native);
    CHECK(off != 0 && native == wasm_runtime_addr_app_to_native(f.inst, off) &&
              wasm_runtime_validate_app_addr(f.inst, off, 100),
          "module_malloc gives an app offset and its native address");
    uint32_t off2 = wasm_runtime_module_malloc(f.inst, 100, &native2);
    CHECK(off2 != 0 && (off2 >= off + 100 || off2 + 100 <= off), "allocations do not overlap");
    memcpy(native, "abc", 4);
    CHECK(call_i32(&f, "load8", 1, off, 0) == 'a', "wasm reads what the host wrote");
    call_i32(&f, "store8", 2, off + 1, 'Z');
    CHECK(((char *)native)[1] == 'Z', "the host reads what wasm wrote");
    wasm_runtime_module_free(f.inst, off);
    wasm_runtime_module_free(f.inst, off2);
    wasm_runtime_module_free(f.inst, 0);
    CHECK(wasm_runtime_module_malloc(f.inst, 1 << 20, &native) == 0 && native == NULL,
          "a request larger than the heap gives 0 and a NULL native address");

    uint32_t offs[256];
    int n = 0;
    while (n < 256 && (offs[n] = wasm_runtime_module_malloc(f.inst, 1000, NULL)) != 0)
        n++;
    CHECK(n > 10 && n < 256, "the heap runs out cleanly");
    while (n > 0)
        wasm_runtime_module_free(f.inst, offs[--n]);
    CHECK(wasm_runtime_module_malloc(f.inst, 30000, NULL) != 0, "freed blocks are reused");

    static const char hello[] = "hello";
    off = wasm_runtime_module_dup_data(f.inst, hello, sizeof hello);
    CHECK(off && memcmp(wasm_runtime_addr_app_to_native(f.inst, off), hello, sizeof hello) == 0,
          "module_dup_data copies into app memory");
    wasm_runtime_module_free(f.inst, off);
    CHECK(wasm_runtime_module_dup_data(f.inst, NULL, 5) == 0, "module_dup_data(NULL src)");
    fixture_close(&f);

    if (fixture_open(&f, "api_calls", 16 * 1024, 0)) {
        CHECK(wasm_runtime_module_malloc(f.inst, 16, NULL) == 0, "no heap: module_malloc gives 0");
        fixture_close(&f);
    }
}

/* api_malloc exports malloc and free: the runtime must call them. */
static void test_export_malloc(void)
{
    Fixture f;
    void *native = NULL;

    if (!fixture_open(&f, "api_malloc", 16 * 1024, 64 * 1024)) {
        CHECK(0, "open api_malloc");
        return;
    }
    uint32_t off = wasm_runtime_module_malloc(f.inst, 100, &native);
    CHECK(off == 1024 && call_i32(&f, "mallocs", 0, 0, 0) == 1 &&
              native == wasm_runtime_addr_app_to_native(f.inst, 1024),
          "module_malloc calls the module's malloc");
    wasm_runtime_module_free(f.inst, off);
    CHECK(call_i32(&f, "frees", 0, 0, 0) == 1 && call_i32(&f, "last_free", 0, 0, 0) == 1024,
          "module_free calls the module's free");
    wasm_runtime_module_free(f.inst, 0);
    CHECK(call_i32(&f, "frees", 0, 0, 0) == 1, "module_free(0) does not call free");
    CHECK(wasm_runtime_module_malloc(f.inst, 12345, &native) == 0 && native == NULL &&
              call_i32(&f, "mallocs", 0, 0, 0) == 2,
          "an address outside memory from the module's malloc is refused");
    off = wasm_runtime_module_dup_data(f.inst, "xyz", 4);
    CHECK(off == 1136 && strcmp(wasm_runtime_addr_app_to_native(f.inst, off), "xyz") == 0,
          "module_dup_data through the module's malloc");
    CHECK(!wasm_runtime_validate_app_addr(f.inst, 65536, 1),
          "no app heap was added to a module with its own malloc");
    wasm_runtime_clear_exception(f.inst);
    fixture_close(&f);
}

static void test_app_addrs(Fixture *f)
{
    wasm_module_inst_t inst = f->inst;

    CHECK(wasm_runtime_validate_app_addr(inst, 0, 65536), "validate the whole memory");
    CHECK(wasm_runtime_validate_app_addr(inst, 65535, 1), "validate the last byte");
    CHECK(!wasm_runtime_validate_app_addr(inst, 65535, 2) &&
              exception_is(inst, "out of bounds memory access"),
          "validate_app_addr past the end: false + exception");
    wasm_runtime_clear_exception(inst);
    CHECK(!wasm_runtime_validate_app_addr(inst, 0xffffffffu, 2), "validate_app_addr wrapping");
    wasm_runtime_clear_exception(inst);
    CHECK(wasm_runtime_validate_app_str_addr(inst, 64), "validate_app_str_addr of \"hello\"");
    memset((char *)wasm_runtime_addr_app_to_native(inst, 65528), 'A', 8);
    CHECK(!wasm_runtime_validate_app_str_addr(inst, 65528) &&
              exception_is(inst, "out of bounds memory access"),
          "a string without its NUL in memory: false + exception");
    wasm_runtime_clear_exception(inst);
    CHECK(!wasm_runtime_validate_app_str_addr(inst, 65536), "a string past the end");
    wasm_runtime_clear_exception(inst);
}

static void test_native_addrs(Fixture *f)
{
    wasm_module_inst_t inst = f->inst;
    char *base = wasm_runtime_addr_app_to_native(inst, 0);
    int local = 0;

    CHECK(base && strcmp(base + 64, "hello") == 0, "app offset 0 is the memory base");
    CHECK(wasm_runtime_addr_app_to_native(inst, 65535) == base + 65535, "the last byte");
    CHECK(wasm_runtime_addr_app_to_native(inst, 65536) == NULL &&
              wasm_runtime_get_exception(inst) == NULL,
          "addr_app_to_native outside memory: NULL, no exception");
    CHECK(wasm_runtime_addr_native_to_app(inst, base + 16) == 16, "addr_native_to_app");
    CHECK(wasm_runtime_addr_native_to_app(inst, base + 65536) == 0 &&
              wasm_runtime_addr_native_to_app(inst, &local) == 0,
          "addr_native_to_app outside memory is 0");
    CHECK(wasm_runtime_validate_native_addr(inst, base, 65536), "validate_native_addr of memory");
    CHECK(!wasm_runtime_validate_native_addr(inst, base + 65535, 2) &&
              exception_is(inst, "out of bounds memory access"),
          "validate_native_addr past the end: false + exception");
    wasm_runtime_clear_exception(inst);
    CHECK(!wasm_runtime_validate_native_addr(inst, &local, sizeof local),
          "validate_native_addr of a host variable");
    wasm_runtime_clear_exception(inst);
    CHECK(!wasm_runtime_validate_native_addr(inst, base - 1, 1), "one byte before memory");
    wasm_runtime_clear_exception(inst);
}

static void test_memory(void)
{
    Fixture f;

    wasm_runtime_init();
    test_app_heap();
    test_export_malloc();
    if (fixture_open(&f, "api_calls", 16 * 1024, 0)) {
        test_app_addrs(&f);
        test_native_addrs(&f);
        fixture_close(&f);
    }
    wasm_runtime_destroy();
}

/* ====================================================================== */
/* Natives                                                                 */
/* ====================================================================== */

static int n_ptr_calls, n_buf_calls, n_str_calls, n_raw_buf_calls;
static void *n_ptr_last;
static int reenter_depth, reenter_max_depth;
static int32_t attachment_value = 1000;
static int32_t user_value = 300, custom_value = 20;

/* "(*)i" */
static int32_t n_ptr(wasm_exec_env_t env, uint8_t *p)
{
    (void)env;
    n_ptr_calls++;
    n_ptr_last = p;
    return *p;
}

/* "(*~)i": the sum of the bytes */
static int32_t n_buf(wasm_exec_env_t env, const uint8_t *p, int32_t len)
{
    int32_t sum = 0;
    (void)env;
    n_buf_calls++;
    for (int32_t i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

/* "($)i" */
static int32_t n_str(wasm_exec_env_t env, const char *s)
{
    (void)env;
    n_str_calls++;
    return (int32_t)strlen(s);
}

/* "(iIfF)F" */
static double n_mixed(wasm_exec_env_t env, int32_t a, int64_t b, float c, double d)
{
    (void)env;
    return (double)a + (double)b + (double)c + d;
}

/* no signature: passed by the import's types, (i32 i64) -> i64 */
static int64_t n_unchecked(wasm_exec_env_t env, int32_t a, int64_t b)
{
    (void)env;
    return a * b;
}

/* "(i)i": calls back into wasm's down(n) on the exec env it was given. */
static int32_t n_reenter(wasm_exec_env_t env, int32_t n)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    wasm_function_inst_t down = wasm_runtime_lookup_function(inst, "down");
    uint32_t argv[1] = {(uint32_t)n};

    if (++reenter_depth > reenter_max_depth)
        reenter_max_depth = reenter_depth;
    bool ok = down && wasm_runtime_call_wasm(env, down, 1, argv);
    reenter_depth--;
    return ok ? (int32_t)argv[0] : -1000000;
}

/* "(i)i" with attachment_value attached */
static int32_t n_att(wasm_exec_env_t env, int32_t x)
{
    const int32_t *att = wasm_runtime_get_function_attachment(env);
    return att == &attachment_value ? x + *att : -1;
}

/* "()i": the exec env's user data plus the instance's custom data */
static int32_t n_data(wasm_exec_env_t env)
{
    const int32_t *u = wasm_runtime_get_user_data(env);
    const int32_t *c = wasm_runtime_get_custom_data(wasm_runtime_get_module_inst(env));
    return (u ? *u : 0) + (c ? *c : 0);
}

/* "(i)": reports failure by setting an exception */
static void n_fail(wasm_exec_env_t env, int32_t code)
{
    char msg[64];
    snprintf(msg, sizeof msg, "native failed %d", (int)code);
    wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), msg);
}

static int32_t n_under(wasm_exec_env_t env)
{
    (void)env;
    return 11;
}

static int32_t n_newest_old(wasm_exec_env_t env)
{
    (void)env;
    return 1;
}

static int32_t n_newest_new(wasm_exec_env_t env)
{
    (void)env;
    return 2;
}

static int32_t n_mismatch(wasm_exec_env_t env, int32_t x)
{
    (void)env;
    return x;
}

/* raw "(ii)i" */
static void n_raw(wasm_exec_env_t env, uint64_t *args)
{
    (void)env;
    int32_t a = (int32_t)args[0], b = (int32_t)args[1];
    args[0] = (uint32_t)(a + b);
}

/* raw "(*~)i": the runtime replaced the offset by a native pointer */
static void n_raw_buf(wasm_exec_env_t env, uint64_t *args)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)args[0];
    int32_t len = (int32_t)args[1], sum = 0;
    (void)env;
    n_raw_buf_calls++;
    for (int32_t i = 0; i < len; i++)
        sum += p[i];
    args[0] = (uint32_t)sum;
}

static int32_t x_get(wasm_exec_env_t env)
{
    (void)env;
    return 77;
}

/* Registered through RuntimeInitArgs. */
static NativeSymbol env_natives[] = {
    EXPORT_WASM_API_WITH_SIG(n_ptr, "(*)i"),
    EXPORT_WASM_API_WITH_SIG(n_buf, "(*~)i"),
    EXPORT_WASM_API_WITH_SIG(n_str, "($)i"),
    EXPORT_WASM_API_WITH_SIG(n_mixed, "(iIfF)F"),
    EXPORT_WASM_API(n_unchecked),
    EXPORT_WASM_API_WITH_SIG(n_reenter, "(i)i"),
    EXPORT_WASM_API_WITH_ATT(n_att, "(i)i", &attachment_value),
    EXPORT_WASM_API_WITH_SIG(n_data, "()i"),
    EXPORT_WASM_API_WITH_SIG(n_fail, "(i)"),
    EXPORT_WASM_API_WITH_SIG(n_under, "()i"),
    EXPORT_WASM_API_WITH_SIG(n_mismatch, "(i)i"), /* the import is (i32 i32) -> i32 */
};
static NativeSymbol raw_natives[] = {
    EXPORT_WASM_API_WITH_SIG(n_raw, "(ii)i"),
    EXPORT_WASM_API_WITH_SIG(n_raw_buf, "(*~)i"),
};
static NativeSymbol newest_old[] = {{"n_newest", (void *)n_newest_old, "()i", NULL}};
static NativeSymbol newest_new[] = {{"n_newest", (void *)n_newest_new, "()i", NULL}};
static NativeSymbol extra_natives[] = {EXPORT_WASM_API_WITH_SIG(x_get, "()i")};
static NativeSymbol nameless[] = {{NULL, (void *)x_get, "()i", NULL}};

/* Loads api_natives with stderr captured: the load warnings land in out. */
static bool open_natives_capturing(Fixture *f, char *out, size_t size)
{
    Capture c;
    bool ok;

    out[0] = '\0';
    if (!capture_start(&c, STDERR_FILENO))
        return false;
    ok = fixture_open(f, "api_natives", 64 * 1024, 0);
    capture_stop(&c, out, size);
    return ok;
}

static void test_pointer_args(Fixture *f)
{
    char *base = wasm_runtime_addr_app_to_native(f->inst, 0);

    CHECK(call_i32(f, "call_ptr", 1, 100, 0) == 'w', "a \"*\" argument reaches the native");
    CHECK(call_i32(f, "call_ptr", 1, 0, 0) == 0 && n_ptr_last == base,
          "\"*\" offset 0 is the memory base");
    int calls = n_ptr_calls;
    CHECK(call_i32(f, "call_ptr", 1, 65536, 0) == -1 &&
              exception_is(f->inst, "out of bounds memory access") && n_ptr_calls == calls,
          "an invalid \"*\" traps before the native runs");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "call_buf", 2, 100, 4) == 'w' + 'a' + 's' + 'm', "a \"*~\" buffer");
    calls = n_buf_calls;
    CHECK(call_i32(f, "call_buf", 2, 65530, 10) == -1 &&
              exception_is(f->inst, "out of bounds memory access") && n_buf_calls == calls,
          "a \"*~\" buffer running past memory traps before the native runs");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "call_str", 1, 100, 0) == 4, "a \"$\" string");
    memset(base + 65520, 'A', 16);
    calls = n_str_calls;
    CHECK(call_i32(f, "call_str", 1, 65520, 0) == -1 &&
              exception_is(f->inst, "out of bounds memory access") && n_str_calls == calls,
          "a \"$\" string without a NUL in memory traps before the native runs");
    wasm_runtime_clear_exception(f->inst);
}

static void test_value_args(Fixture *f)
{
    wasm_val_t results[1];

    CHECK(wasm_runtime_call_wasm_v(f->env, fn(f, "call_mixed"), 1, results, 4, (uint32_t)-2,
                                   (uint64_t)1 << 33, 0.5, 0.25) &&
              results[0].of.f64 == -2.0 + 8589934592.0 + 0.75,
          "an (iIfF)F native");
    CHECK(wasm_runtime_call_wasm_v(f->env, fn(f, "call_unchecked"), 1, results, 2, (uint32_t)6,
                                   (uint64_t)7000000000) &&
              results[0].of.i64 == 42000000000,
          "a native without signature gets the import's types");
    CHECK(call_i32(f, "call_att", 1, 5, 0) == 1005, "get_function_attachment inside a native");
    CHECK(call_i32(f, "call_fail", 1, 3, 0) == -1 && exception_is(f->inst, "native failed 3"),
          "a native's exception fails the call");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "call_raw", 2, 2, 40) == 42, "a raw native");
    CHECK(call_i32(f, "call_raw_buf", 2, 100, 4) == 'w' + 'a' + 's' + 'm',
          "a raw native gets \"*\" as a native pointer");
    int calls = n_raw_buf_calls;
    CHECK(call_i32(f, "call_raw_buf", 2, 65530, 10) == -1 &&
              exception_is(f->inst, "out of bounds memory access") && n_raw_buf_calls == calls,
          "a raw native's invalid \"*~\" traps before it runs");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "call_under", 0, 0, 0) == 11, "import _n_under binds to native n_under");
    CHECK(call_i32(f, "call_newest", 0, 0, 0) == 2, "the newest registration wins");
}

static void test_unlinked(Fixture *f, const char *warnings)
{
    CHECK(strstr(warnings, "n_mismatch") && strstr(warnings, "n_missing"),
          "loading warns about the imports left unlinked");
    CHECK(call_i32(f, "call_mismatch", 0, 0, 0) == -1 &&
              exception_is(f->inst, "failed to call unlinked import function (env, n_mismatch)"),
          "a signature mismatch leaves the import unlinked; calling it traps");
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "call_missing", 0, 0, 0) == -1 &&
              exception_is(f->inst, "failed to call unlinked import function (env, n_missing)"),
          "an import without native traps when called");
    wasm_runtime_clear_exception(f->inst);
}

static void test_user_data(Fixture *f)
{
    wasm_runtime_set_user_data(f->env, &user_value);
    wasm_runtime_set_custom_data(f->inst, &custom_value);
    CHECK(wasm_runtime_get_user_data(f->env) == &user_value, "get_user_data");
    CHECK(wasm_runtime_get_custom_data(f->inst) == &custom_value, "get_custom_data");
    CHECK(call_i32(f, "call_data", 0, 0, 0) == 320, "user and custom data inside a native");
    wasm_runtime_set_user_data(f->env, NULL);
    CHECK(wasm_runtime_get_user_data(f->env) == NULL, "set_user_data(NULL)");
}

/* wasm -> native -> wasm -> ... on one exec env. */
static void test_reentrancy(Fixture *f)
{
    reenter_max_depth = 0;
    CHECK(call_i32(f, "down", 1, 1, 0) == 1, "a native calls back into wasm");
    CHECK(call_i32(f, "down", 1, 8, 0) == 8 && reenter_max_depth == 8,
          "re-entrancy 8 levels deep");
    CHECK(call_i32(f, "down", 1, 100, 0) == 100 && reenter_max_depth == 100,
          "re-entrancy 100 levels deep");
    CHECK(call_i32(f, "down", 1, 1000000, 0) == -1 &&
              (exception_has(f->inst, "call stack exhausted") ||
               exception_has(f->inst, "stack overflow")),
          "unbounded re-entrancy ends in a clean stack trap");
    printf("re-entrancy reached %d levels before the stack limit\n", reenter_max_depth);
    wasm_runtime_clear_exception(f->inst);
    CHECK(call_i32(f, "down", 1, 3, 0) == 3 && reenter_depth == 0,
          "re-entrancy works after the trap is cleared");
}

static void test_register_errors(void)
{
    CHECK(!wasm_runtime_register_natives(NULL, extra_natives, 1), "register_natives(NULL name)");
    CHECK(!wasm_runtime_register_natives("x", NULL, 1), "register_natives(NULL symbols)");
    CHECK(!wasm_runtime_register_natives("x", nameless, 1), "a symbol without a name");
    CHECK(!wasm_runtime_register_natives_raw(NULL, raw_natives, 1), "register_natives_raw(NULL)");
    CHECK(!wasm_runtime_unregister_natives(NULL, extra_natives), "unregister_natives(NULL name)");
    CHECK(!wasm_runtime_unregister_natives("extra", NULL), "unregister_natives(NULL symbols)");
}

static void test_unregister(void)
{
    Fixture f;

    CHECK(wasm_runtime_register_natives("extra", extra_natives, 1), "register module \"extra\"");
    if (fixture_open(&f, "api_extra", 8192, 0)) {
        CHECK(call_i32(&f, "get", 0, 0, 0) == 77, "a native of module \"extra\"");
        fixture_close(&f);
    }
    CHECK(wasm_runtime_unregister_natives("extra", extra_natives), "unregister_natives");
    CHECK(!wasm_runtime_unregister_natives("extra", extra_natives), "unregister twice fails");
    if (fixture_open(&f, "api_extra", 8192, 0)) {
        CHECK(call_i32(&f, "get", 0, 0, 0) == -1 &&
                  exception_is(f.inst, "failed to call unlinked import function (extra, x_get)"),
              "after unregister, a new load leaves the import unlinked");
        fixture_close(&f);
    }
}

static bool init_with_natives(void)
{
    RuntimeInitArgs args;

    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_System_Allocator;
    args.native_module_name = "env";
    args.native_symbols = env_natives;
    args.n_native_symbols = sizeof env_natives / sizeof env_natives[0];
    return wasm_runtime_full_init(&args);
}

static void test_natives(void)
{
    char warnings[4096];
    Fixture f;

    if (!init_with_natives()) {
        CHECK(0, "full_init with natives in RuntimeInitArgs");
        return;
    }
    CHECK(wasm_runtime_register_natives_raw("env", raw_natives, 2), "register_natives_raw");
    CHECK(wasm_runtime_register_natives("env", newest_old, 1) &&
              wasm_runtime_register_natives("env", newest_new, 1),
          "register one symbol twice");
    test_register_errors();
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_WARNING);
    if (open_natives_capturing(&f, warnings, sizeof warnings)) {
        test_pointer_args(&f);
        test_value_args(&f);
        test_unlinked(&f, warnings);
        test_user_data(&f);
        test_reentrancy(&f);
        fixture_close(&f);
    } else {
        CHECK(0, "open api_natives");
    }
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_ERROR);
    if (open_natives_capturing(&f, warnings, sizeof warnings)) {
        CHECK(strstr(warnings, "n_missing") == NULL, "set_log_level(ERROR) hides warnings");
        fixture_close(&f);
    }
    test_unregister();
    wasm_runtime_destroy();
}

/* ====================================================================== */
/* NULL handles everywhere, and the thread-environment trivia              */
/* ====================================================================== */

static void test_null_handles(void)
{
    wasm_val_t vals[1];
    uint32_t argv[1] = {0};
    char err[64];

    wasm_runtime_init();
    CHECK(!wasm_runtime_instantiate(NULL, 0, 0, err, sizeof err), "instantiate(NULL)");
    wasm_runtime_deinstantiate(NULL);
    wasm_runtime_unload(NULL);
    CHECK(!wasm_runtime_get_module(NULL), "get_module(NULL)");
    CHECK(!wasm_runtime_lookup_function(NULL, "fib", NULL), "lookup_function(NULL)");
    CHECK(!wasm_runtime_create_exec_env(NULL, 8192), "create_exec_env(NULL)");
    wasm_runtime_destroy_exec_env(NULL);
    CHECK(!wasm_runtime_get_exec_env_singleton(NULL), "get_exec_env_singleton(NULL)");
    CHECK(!wasm_runtime_get_module_inst(NULL), "get_module_inst(NULL)");
    CHECK(!wasm_runtime_call_wasm(NULL, NULL, 1, argv), "call_wasm(NULL, NULL)");
    CHECK(!wasm_runtime_call_wasm_a(NULL, NULL, 1, vals, 1, vals), "call_wasm_a(NULL, NULL)");
    CHECK(!wasm_runtime_call_wasm_v(NULL, NULL, 1, vals, 1, 5), "call_wasm_v(NULL, NULL)");
    CHECK(!wasm_runtime_call_indirect(NULL, 0, 1, argv), "call_indirect(NULL)");
    CHECK(!wasm_application_execute_main(NULL, 0, NULL), "execute_main(NULL)");
    CHECK(!wasm_application_execute_func(NULL, "f", 0, NULL), "execute_func(NULL)");
    CHECK(!wasm_runtime_get_exception(NULL), "get_exception(NULL)");
    wasm_runtime_set_exception(NULL, "x");
    wasm_runtime_clear_exception(NULL);
    wasm_runtime_terminate(NULL);
    wasm_runtime_set_user_data(NULL, argv);
    CHECK(!wasm_runtime_get_user_data(NULL), "get_user_data(NULL)");
    wasm_runtime_set_custom_data(NULL, argv);
    CHECK(!wasm_runtime_get_custom_data(NULL), "get_custom_data(NULL)");
    CHECK(!wasm_runtime_get_function_attachment(NULL), "get_function_attachment(NULL)");
    void *native = argv;
    CHECK(!wasm_runtime_module_malloc(NULL, 8, &native) && !native, "module_malloc(NULL)");
    wasm_runtime_module_free(NULL, 16);
    CHECK(!wasm_runtime_module_dup_data(NULL, "x", 1), "module_dup_data(NULL)");
    CHECK(!wasm_runtime_validate_app_addr(NULL, 0, 1), "validate_app_addr(NULL)");
    CHECK(!wasm_runtime_validate_app_str_addr(NULL, 0), "validate_app_str_addr(NULL)");
    CHECK(!wasm_runtime_validate_native_addr(NULL, argv, 1), "validate_native_addr(NULL)");
    CHECK(!wasm_runtime_addr_app_to_native(NULL, 0), "addr_app_to_native(NULL)");
    CHECK(!wasm_runtime_addr_native_to_app(NULL, argv), "addr_native_to_app(NULL)");
    wasm_runtime_destroy();
}

/* The thread functions of this issue are trivial: they must exist and run. */
static void test_thread_env(void)
{
    wasm_runtime_init();
    CHECK(wasm_runtime_init_thread_env(), "init_thread_env");
    wasm_runtime_destroy_thread_env();
    wasm_runtime_set_max_thread_num(8);
    wasm_runtime_set_max_thread_num(0);
    wasm_runtime_destroy();
}

/* A start function that traps after the API set up the WASI context and
 * the app heap: instantiation fails and LeakSanitizer, at exit, proves both
 * were freed (they leaked before instances ran an api_cleanup hook). */
static void test_start_trap_cleanup(void)
{
    char err[128] = "";
    Bytes b = read_fixture("api_start_trap");
    wasm_module_t m = b.data ? wasm_runtime_load(b.data, b.size, err, sizeof err) : NULL;
    CHECK(m != NULL, "load a WASI module whose start function traps");
    wasm_module_inst_t inst = m ? wasm_runtime_instantiate(m, 16384, 65536, err, sizeof err) : NULL;
    CHECK(inst == NULL && strstr(err, "unreachable") != NULL,
          "its instantiation fails with the trap, freeing the WASI context and app heap");
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (m)
        wasm_runtime_unload(m);
    free(b.data);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_api FIXTURE_DIR\n");
        return 2;
    }
    fixture_dir = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_ERROR);

    test_init_rejects();
    test_init_refcount();
    test_runtime_malloc();
    test_read_file();
    test_allocator();
    test_modules();
    test_calls();
    test_execute();
    test_exceptions_and_limits();
    test_memory();
    test_natives();
    test_null_handles();
    test_thread_env();
    test_start_trap_cleanup();

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
