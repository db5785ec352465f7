/* Pool mode is a hard promise: after wasm_runtime_full_init with
 * Alloc_With_Pool, the runtime makes no libc allocation at all. This test
 * counts every malloc/calloc/realloc/free of the process (ASan's allocator
 * hooks in the sanitizer build, interposed libc functions otherwise) across
 * load, instantiate, exec env, calls, app heap use and teardown, and also
 * checks that an exhausted pool fails with "allocate memory failed".
 * Usage: test_pool pool_test.wasm */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bh_read_file.h"
#include "wasm_export.h"

static atomic_long libc_allocs;
static atomic_int counting;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WR_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WR_ASAN 1
#endif

#ifdef WR_ASAN
/* Exported by libasan (gcc and clang); gcc ships no header declaring it. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
static void on_malloc(const volatile void *ptr, size_t size)
{
    (void)ptr;
    (void)size;
    if (atomic_load(&counting))
        atomic_fetch_add(&libc_allocs, 1);
}
static void on_free(const volatile void *ptr)
{
    (void)ptr;
}
static void install_counter(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
/* Interposed: every caller in the process, libc included, lands here. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t n, size_t s);
void *realloc(void *p, size_t n);
void free(void *p);
void *malloc(size_t n)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&libc_allocs, 1);
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t s)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&libc_allocs, 1);
    return __libc_calloc(n, s);
}
void *realloc(void *p, size_t n)
{
    if (atomic_load(&counting))
        atomic_fetch_add(&libc_allocs, 1);
    return __libc_realloc(p, n);
}
void free(void *p)
{
    __libc_free(p);
}
static void install_counter(void)
{
}
#endif

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok)
        passed++;
    else {
        failed++;
        printf("FAIL: %s\n", what);
    }
}

static char big_pool[8 * 1024 * 1024];
static char tiny_pool[96 * 1024];

static void exercise(uint8_t *wasm, uint32_t size)
{
    char err[128];
    wasm_module_t m = wasm_runtime_load(wasm, size, err, sizeof err);
    wasm_module_inst_t inst = m ? wasm_runtime_instantiate(m, 32 * 1024, 64 * 1024, err, sizeof err) : NULL;
    wasm_exec_env_t env = inst ? wasm_runtime_create_exec_env(inst, 32 * 1024) : NULL;
    check(env != NULL, "load, instantiate and create an exec env in the pool");
    if (!env)
        goto done;
    uint32_t argv[2] = {20, 0};
    check(wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst, "fib"), 1, argv) &&
              argv[0] == 6765, "fib(20) in pool mode");
    argv[0] = 3;
    check(wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst, "grow"), 1, argv),
          "memory.grow in pool mode");
    void *native = NULL;
    uint32_t off = wasm_runtime_module_malloc(inst, 1000, &native);
    check(off != 0 && native != NULL, "module_malloc from the app heap");
    wasm_runtime_module_free(inst, off);
    argv[0] = 0;
    check(!wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst, "deep"), 1, argv) &&
              strstr(wasm_runtime_get_exception(inst), "call stack exhausted"),
          "deep recursion traps in pool mode");
done:
    if (env)
        wasm_runtime_destroy_exec_env(env);
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (m)
        wasm_runtime_unload(m);
}

/* A module with n exports of one function, built here: the loader's
 * duplicate-name check sorts them, and glibc's qsort would malloc a buffer
 * for more than ~64 of them (regression: it did, in pool mode). */
static uint32_t build_many_exports(uint8_t *out, uint32_t n)
{
    static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
                                   1, 4, 1, 0x60, 0, 0, /* type () -> () */
                                   3, 2, 1, 0}; /* one function */
    uint32_t at = sizeof head, body_start;
    memcpy(out, head, sizeof head);
    out[at++] = 7; /* export section, size as a 3-byte LEB patched below */
    body_start = at;
    at += 3;
    out[at++] = (uint8_t)(0x80 | (n & 0x7f));
    out[at++] = (uint8_t)(n >> 7);
    for (uint32_t i = 0; i < n; i++) {
        char name[8];
        int len = snprintf(name, sizeof name, "f%u", i);
        out[at++] = (uint8_t)len;
        memcpy(out + at, name, (size_t)len);
        at += (uint32_t)len;
        out[at++] = 0; /* func */
        out[at++] = 0; /* index 0 */
    }
    uint32_t sec = at - body_start - 3;
    out[body_start] = (uint8_t)(0x80 | (sec & 0x7f));
    out[body_start + 1] = (uint8_t)(0x80 | ((sec >> 7) & 0x7f));
    out[body_start + 2] = (uint8_t)(sec >> 14);
    static const uint8_t code[] = {10, 4, 1, 2, 0, 0x0b};
    memcpy(out + at, code, sizeof code);
    return at + (uint32_t)sizeof code;
}

static void many_exports(void)
{
    static uint8_t wasm[8192];
    char err[128];
    uint32_t size = build_many_exports(wasm, 200);
    wasm_module_t m = wasm_runtime_load(wasm, size, err, sizeof err);
    check(m != NULL, "load a module with 200 exports in pool mode");
    if (!m)
        printf("  %s\n", err);
    wasm_module_inst_t inst = m ? wasm_runtime_instantiate(m, 8192, 0, err, sizeof err) : NULL;
    check(inst && wasm_runtime_lookup_function(inst, "f199"), "its last export is found");
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (m)
        wasm_runtime_unload(m);
}

static void pool_exhaustion(uint8_t *wasm, uint32_t size)
{
    RuntimeInitArgs args;
    char err[128] = "";
    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_Pool;
    args.mem_alloc_option.pool.heap_buf = tiny_pool;
    args.mem_alloc_option.pool.heap_size = sizeof tiny_pool;
    check(wasm_runtime_full_init(&args), "init with a tiny pool");
    wasm_module_t m = wasm_runtime_load(wasm, size, err, sizeof err);
    wasm_module_inst_t inst = m ? wasm_runtime_instantiate(m, 8192, 0, err, sizeof err) : NULL;
    printf("tiny pool: %s\n", m ? err : "load failed");
    /* Two pages of memory cannot fit in 96 KiB. */
    check(m != NULL && inst == NULL && strstr(err, "allocate memory failed") != NULL,
          "an exhausted pool fails with \"allocate memory failed\"");
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (m)
        wasm_runtime_unload(m);
    wasm_runtime_destroy();
}

int main(int argc, char **argv)
{
    uint32_t size;
    if (argc != 2) {
        fprintf(stderr, "usage: test_pool FILE.wasm\n");
        return 2;
    }
    /* Read the file before pool mode: it is the test's buffer, not the runtime's. */
    char *file = bh_read_file_to_buffer(argv[1], &size);
    if (!file) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    uint8_t *wasm = malloc(size);
    memcpy(wasm, file, size);
    wasm_runtime_free(file);
    printf("counting libc allocations\n"); /* stdout's buffer exists from now on */
    install_counter();

    RuntimeInitArgs args;
    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_Pool;
    args.mem_alloc_option.pool.heap_buf = big_pool;
    args.mem_alloc_option.pool.heap_size = sizeof big_pool;
    check(wasm_runtime_full_init(&args), "init with a pool");
    atomic_store(&counting, 1);
    exercise(wasm, size);
    many_exports();
    atomic_store(&counting, 0);
    long n = atomic_load(&libc_allocs);
    printf("libc allocations while in pool mode: %ld\n", n);
    check(n == 0, "pool mode makes no libc allocation");
    mem_alloc_info_t info;
    check(wasm_runtime_get_mem_alloc_info(&info) && info.total_size > 0 &&
              info.highmark_size > 0 && info.total_free_size <= info.total_size,
          "pool statistics");
    wasm_runtime_destroy();

    pool_exhaustion(wasm, size);
    free(wasm);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
