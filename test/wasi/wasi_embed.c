/* WASI through the public embedding API only, as an embedder uses it, in
 * pool mode: wasm_runtime_set_wasi_args(_ex) (preopens, env, argv, the
 * guest's stdio on our own fds), proc_exit ending a call with success and
 * its code, per-instance state, a module that is not WASI, a directory that
 * cannot be preopened, and the pool back to its free size at the end.
 *   wasi_embed GUEST_DIR WORK_DIR */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasm_export.h"

static int failures;

#define EXPECT(cond, what)                                                                   \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "FAIL: %s (line %d)\n", what, __LINE__);                         \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

static char guest_dir[2048], work[2048];
static char pool[64 << 20];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static char *slurp(const char *path, uint32_t *out_size)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *out_size = (uint32_t)n;
    return buf;
}

static wasm_module_t load(const char *name, char **out_bytes)
{
    char path[4096], err[128];
    uint32_t size;
    wasm_module_t m;

    snprintf(path, sizeof path, "%s/%s.wasm", guest_dir, name);
    *out_bytes = slurp(path, &size);
    if (!*out_bytes) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    m = wasm_runtime_load((uint8_t *)*out_bytes, size, err, sizeof err);
    if (!m) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
    return m;
}

/* exit.wasm, twice at once: each instance has its own exit code. */
static void exit_codes(void)
{
    char *bytes, err[128];
    wasm_module_t m = load("exit", &bytes);
    char *argv3[] = {"exit.wasm", "exit", "3"}, *argv0[] = {"exit.wasm", "return"};
    wasm_module_inst_t a, b;

    wasm_runtime_set_wasi_args(m, NULL, 0, NULL, 0, NULL, 0, argv3, 3);
    a = wasm_runtime_instantiate(m, 65536, 65536, err, sizeof err);
    wasm_runtime_set_wasi_args(m, NULL, 0, NULL, 0, NULL, 0, argv0, 2);
    b = wasm_runtime_instantiate(m, 65536, 65536, err, sizeof err);
    EXPECT(a && b, "instantiate exit.wasm twice");
    if (a && b) {
        EXPECT(wasm_runtime_is_wasi_mode(a), "exit.wasm is a WASI module");
        EXPECT(wasm_application_execute_main(a, 0, NULL), "proc_exit(3) ends main with success");
        EXPECT(!wasm_runtime_get_exception(a), "and leaves no exception");
        EXPECT(wasm_runtime_get_wasi_exit_code(a) == 3, "exit code 3");
        EXPECT(wasm_application_execute_main(b, 0, NULL), "returning main");
        EXPECT(wasm_runtime_get_wasi_exit_code(b) == 0, "exit code 0");
        EXPECT(wasm_runtime_lookup_wasi_start_function(b) != NULL, "_start found");
    }
    if (a)
        wasm_runtime_deinstantiate(a);
    if (b)
        wasm_runtime_deinstantiate(b);
    wasm_runtime_unload(m);
    free(bytes);
}

/* dirs.wasm with its preopen mapped, env given, stdout on a file of ours. */
static void files_and_stdio(void)
{
    char *bytes, err[128], map[4300], out_path[4300], data[4200];
    wasm_module_t m = load("dirs", &bytes);
    const char *maps[1] = {map}, *env[1] = {"K=V"};
    char *argv[] = {"dirs.wasm"};
    wasm_module_inst_t inst;
    uint32_t size = 0;
    int out;

    snprintf(data, sizeof data, "%s/data", work);
    mkdir(data, 0755);
    snprintf(map, sizeof map, "data::%s", data);
    snprintf(out_path, sizeof out_path, "%s/stdout.txt", work);
    out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    wasm_runtime_set_wasi_args_ex(m, NULL, 0, maps, 1, env, 1, argv, 1, -1, out, -1);
    inst = wasm_runtime_instantiate(m, 65536, 65536, err, sizeof err);
    EXPECT(inst != NULL, "instantiate dirs.wasm");
    if (inst) {
        EXPECT(wasm_application_execute_main(inst, 0, NULL), "dirs.wasm runs");
        EXPECT(wasm_runtime_get_wasi_exit_code(inst) == 0, "and passes its checks");
        wasm_runtime_deinstantiate(inst);
    }
    close(out);
    char *text = slurp(out_path, &size);
    EXPECT(text && strstr(text, "ok every entry listed once") && !strstr(text, "FAIL"),
           "the guest's stdout went to our fd");
    if (text && strstr(text, "FAIL"))
        fprintf(stderr, "%s", text);
    free(text);
    wasm_runtime_unload(m);
    free(bytes);
}

static void failures_and_plain_modules(void)
{
    /* (module (func (export "f"))) */
    static uint8_t plain[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0,
                              7, 5, 1, 1, 'f', 0, 0, 10, 4, 1, 2, 0, 0x0b};
    char *bytes, err[128];
    const char *dirs[1] = {"/no/such/dir/anywhere"};
    wasm_module_t m = load("exit", &bytes), p;
    wasm_module_inst_t inst;

    wasm_runtime_set_wasi_args(m, dirs, 1, NULL, 0, NULL, 0, NULL, 0);
    inst = wasm_runtime_instantiate(m, 65536, 65536, err, sizeof err);
    EXPECT(!inst && strstr(err, "error while pre-opening directory"),
           "a missing preopen fails instantiation with a message");
    wasm_runtime_unload(m);
    free(bytes);
    p = wasm_runtime_load(plain, sizeof plain, err, sizeof err);
    inst = p ? wasm_runtime_instantiate(p, 8192, 0, err, sizeof err) : NULL;
    EXPECT(inst && !wasm_runtime_is_wasi_mode(inst), "a plain module is not in WASI mode");
    EXPECT(inst && wasm_runtime_get_wasi_exit_code(inst) == 0, "and has exit code 0");
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (p)
        wasm_runtime_unload(p);
}

int main(int argc, char **argv)
{
    RuntimeInitArgs init;
    mem_alloc_info_t before, after;

    if (argc != 3)
        return 2;
    snprintf(guest_dir, sizeof guest_dir, "%s", argv[1]);
    snprintf(work, sizeof work, "%s", argv[2]);
    nftw(work, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* a fresh start on every run */
    mkdir(work, 0755);
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_Pool;
    init.mem_alloc_option.pool.heap_buf = pool;
    init.mem_alloc_option.pool.heap_size = sizeof pool;
    if (!wasm_runtime_full_init(&init))
        return 2;
    EXPECT(wasm_runtime_get_mem_alloc_info(&before), "pool info");
    exit_codes();
    files_and_stdio();
    failures_and_plain_modules();
    EXPECT(wasm_runtime_get_mem_alloc_info(&after), "pool info");
    EXPECT(after.total_free_size == before.total_free_size, "every pool byte given back");
    wasm_runtime_destroy();
    printf("wasi_embed: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
