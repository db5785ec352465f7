/* test_memory_modes: the guard-page memory mode's own contract (see
 * runtime/interp/guard.h), beyond what the spec suite can show:
 *  - accesses at the end of guard and software memories, growth, no partial
 *    write by a trapping store;
 *  - a trap inside a nested wasm -> host -> wasm call, and the outer call's
 *    traps after the host returned;
 *  - the fallback to software checks when the reservation fails (RLIMIT_AS,
 *    as under ulimit -v), with one module instantiated in both modes and
 *    calls between instances of different modes in both directions;
 *  - traps on several threads at once;
 *  - faults that are not wasm traps reach the handler installed before the
 *    runtime's (or the default action): outside any wasm memory, and inside
 *    one but from a host function.
 * Usage: test_memory_modes DIR (holding memory_modes.wasm and
 * memory_modes_user.wasm). */
#define _GNU_SOURCE /* MAP_ANONYMOUS */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/instance.h"
#include "interp/guard.h"
#include "loader/module.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

#define OOB "out of bounds memory access"
#define CHILD_HANDLER_EXIT 42

static int failures;

static void check_line(bool ok, const char *what, int line)
{
    if (!ok) {
        failures++;
        printf("FAIL line %d: %s\n", line, what);
    }
}
#define CHECK(cond, what) check_line((cond), (what), __LINE__)

/* ------------------------------------------------------------------------
 * Modules, instances, calls
 * ------------------------------------------------------------------------ */

static WasmModule *load_module(const char *dir, const char *name)
{
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("cannot open %s\n", path);
        exit(2);
    }
    static uint8_t bufs[2][4096];
    static int n_bufs;
    uint8_t *buf = bufs[n_bufs++ % 2];
    size_t size = fread(buf, 1, sizeof bufs[0], f);
    fclose(f);
    WasmModule *m = ld_load(buf, (uint32_t)size, err, sizeof err);
    if (!m) {
        printf("%s does not load: %s\n", path, err);
        exit(2);
    }
    return m;
}

/* What the host callback does when wasm calls it. */
typedef enum { CALL_BACK_LOAD, CALL_BACK_TOUCH_GUARD } CallBackKind;
static CallBackKind call_back_kind = CALL_BACK_LOAD;

/* "host" "call_back"(addr): calls the instance's own "load" at addr and
 * gives its value, or -7 when it trapped (the trap is then cleared). Or
 * touches the byte past the memory's end itself: a host fault. */
static void call_back(WasmExecEnv *env, uint64_t *args)
{
    WasmInstance *inst = env->module_inst;
    RtExtern load;
    Slot s = { .u64 = args[0] };

    if (call_back_kind == CALL_BACK_TOUCH_GUARD) {
        volatile uint8_t *past_end = inst->memory->data + inst->memory->size;
        args[0] = *past_end;
        return;
    }
    if (!rt_instance_find_export(inst, "load", &load) || !rt_call(env, load.u.func, &s)) {
        const char *msg = rt_get_exception(inst);
        CHECK(msg && strcmp(msg, OOB) == 0, "the nested call traps out of bounds");
        rt_clear_exception(inst);
        s.i32 = -7;
    }
    args[0] = s.u64;
}

typedef struct Imports {
    WasmFunc *call_back;
    WasmInstance *first; /* exports "load" as "first" "load" */
} Imports;

static bool resolve(void *user, const char *module_name, const char *field_name, RtExtern *out)
{
    Imports *im = user;
    memset(out, 0, sizeof *out);
    if (strcmp(module_name, "host") == 0 && strcmp(field_name, "call_back") == 0) {
        out->kind = EXT_FUNC;
        out->u.func = im->call_back;
        return true;
    }
    if (strcmp(module_name, "first") == 0 && im->first &&
        rt_instance_find_export(im->first, field_name, out)) {
        out->owner = im->first;
        return true;
    }
    return false;
}

static WasmInstance *instantiate(const WasmModule *m, Imports *im, bool guard)
{
    char err[256];
    guard_set_enabled(guard);
    WasmInstance *inst = rt_instantiate(m, resolve, im, err, sizeof err);
    if (!inst) {
        printf("instantiation failed: %s\n", err);
        exit(2);
    }
    return inst;
}

/* Calls export name with up to two arguments; the trap text (static) or
 * NULL, and the i32 result in out. */
static const char *call(WasmInstance *inst, const char *name, uint64_t a, uint64_t b, int32_t *out)
{
    static _Thread_local char trap[256];
    RtExtern ext;
    Slot s[2] = { { .u64 = a }, { .u64 = b } };

    if (!rt_instance_find_export(inst, name, &ext) || ext.kind != EXT_FUNC) {
        printf("no export %s\n", name);
        exit(2);
    }
    if (rt_invoke(inst, ext.u.func, s)) {
        if (out)
            *out = s[0].i32;
        return NULL;
    }
    snprintf(trap, sizeof trap, "%s", rt_get_exception(inst));
    rt_clear_exception(inst);
    return trap;
}

static bool traps_oob(WasmInstance *inst, const char *name, uint64_t a, uint64_t b)
{
    const char *trap = call(inst, name, a, b, NULL);
    return trap && strcmp(trap, OOB) == 0;
}

static bool returns(WasmInstance *inst, const char *name, uint64_t a, uint64_t b, int32_t want)
{
    int32_t got = 0;
    const char *trap = call(inst, name, a, b, &got);
    if (trap || got != want)
        printf("  %s(0x%llx, 0x%llx): %s %d, expected %d\n", name, (unsigned long long)a,
               (unsigned long long)b, trap ? trap : "returned", got, want);
    return trap == NULL && got == want;
}

/* ------------------------------------------------------------------------
 * The tests
 * ------------------------------------------------------------------------ */

/* The same observable behaviour whichever kind the memory is. */
static void test_bounds(WasmInstance *inst, const char *kind)
{
    printf("bounds, %s memory\n", kind);
    CHECK(returns(inst, "load", 65532, 0, 0), "load of the last 4 bytes");
    CHECK(traps_oob(inst, "load", 65533, 0), "load across the end traps");
    CHECK(traps_oob(inst, "load", 0xffffffff, 0), "load at 4 GiB - 1 traps");
    CHECK(returns(inst, "load8_far", 0, 0, 0), "offset 65535 + 0");
    CHECK(traps_oob(inst, "load8_far", 0xffffffff, 0), "offset 65535 + 4 GiB - 1 traps");
    CHECK(call(inst, "store64", 65528, 0x0102030405060708ull, NULL) == NULL, "last 8 bytes");
    CHECK(traps_oob(inst, "store64", 65529, 0xffffffffffffffffull), "store across the end traps");
    CHECK(returns(inst, "load", 65532, 0, 0x01020304), "a trapping store writes nothing");
    CHECK(returns(inst, "grow", 1, 0, 1), "grow to 2 pages");
    CHECK(returns(inst, "load", 65536, 0, 0), "grown memory reads zero");
    CHECK(returns(inst, "load", 131068, 0, 0), "last 4 bytes of page 2");
    CHECK(traps_oob(inst, "load", 131069, 0), "past page 2 traps");
    CHECK(returns(inst, "grow", 3, 0, -1), "grow past the maximum fails");
    CHECK(traps_oob(inst, "load", 131069, 0), "a failed grow opens nothing");
    CHECK(returns(inst, "grow", 2, 0, 2), "grow to the maximum");
    CHECK(returns(inst, "load", 262140, 0, 0), "last 4 bytes of the maximum");
    CHECK(traps_oob(inst, "load", 262141, 0), "past the maximum traps");
}

/* wasm -> host -> wasm: the inner trap ends the inner call only; the outer
 * call goes on, and its own trap after the host returned is still a trap. */
static void test_nested(WasmInstance *inst)
{
    printf("nested calls\n");
    call_back_kind = CALL_BACK_LOAD;
    CHECK(returns(inst, "via_host", 0xfffffffd, 0, -7), "inner trap, outer returns");
    CHECK(returns(inst, "via_host", 0, 4, 0), "no trap at all");
    CHECK(traps_oob(inst, "via_host", 0, 0xfffffff0), "outer trap after the host returned");
    CHECK(traps_oob(inst, "via_host", 0xfffffffd, 0xfffffff0), "inner and outer traps");
    CHECK(returns(inst, "load", 0, 0, 0), "the exec env works after all that");
}

/* One module, instances in both modes, calls between them both ways. */
static void test_mixed(WasmModule *user, Imports *im, WasmInstance *guarded,
                       WasmInstance *software)
{
    printf("calls between the modes\n");
    Imports to_guarded = { im->call_back, guarded }, to_software = { im->call_back, software };
    WasmInstance *a = instantiate(user, &to_guarded, false);
    WasmInstance *b = instantiate(user, &to_software, true);
    CHECK(!a->memory->guarded, "user instance a is software-checked");
    CHECK(returns(a, "load_there", 4, 0, 0), "checked loop calls into the unchecked loop");
    CHECK(traps_oob(a, "load_there", 0xfffffffd, 0), "a guard trap in the callee reaches a");
    CHECK(traps_oob(a, "load_here", 65533, 0), "a's own access traps");
    CHECK(returns(b, "load_there", 4, 0, 0), "and back");
    CHECK(traps_oob(b, "load_there", 65533 + 3 * 65536, 0), "a software trap reaches b");
    CHECK(traps_oob(b, "load_here", 65533, 0), "b's own access traps");
    rt_instance_release(a);
    rt_instance_release(b);
}

/* The current address space size, for an RLIMIT_AS just above it (a
 * sanitizer's reservations make it terabytes). */
static uint64_t address_space_size(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)kb * 1024;
}

/* Under ulimit -v no 8 GiB reservation fits: the instance must fall back
 * to software checks and behave the same. */
static void test_fallback(WasmModule *m, WasmModule *user, Imports *im)
{
    printf("fallback when the reservation fails\n");
    WasmInstance *guarded = instantiate(m, im, true);
    struct rlimit old = { RLIM_INFINITY, RLIM_INFINITY }, low;
    uint64_t vm = address_space_size();
    CHECK(vm > 0 && getrlimit(RLIMIT_AS, &old) == 0, "RLIMIT_AS and VmSize readable");
    low = old;
    low.rlim_cur = (rlim_t)(vm + (512ull << 20));
    if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < low.rlim_cur)
        low.rlim_cur = old.rlim_cur;
    CHECK(setrlimit(RLIMIT_AS, &low) == 0, "RLIMIT_AS lowered");
    WasmInstance *fallback = instantiate(m, im, true);
    WasmMemory *host_memory = rt_memory_new(1, 2, true, false);
    CHECK(setrlimit(RLIMIT_AS, &old) == 0, "RLIMIT_AS restored");
    CHECK(!guard_enabled() || guarded->memory->guarded, "without a limit: guard pages");
    CHECK(!fallback->memory->guarded && !fallback->runs_unchecked,
          "under the limit: software checks, checked loop");
    CHECK(host_memory && !host_memory->guarded, "a host memory falls back too");
    rt_memory_free(host_memory);
    test_bounds(fallback, "fallen-back");
    test_nested(fallback);
    test_mixed(user, im, guarded, fallback);
    rt_instance_release(fallback);
    rt_instance_release(guarded);
}

typedef struct ThreadJob {
    WasmInstance *inst;
    int traps, sums_ok;
} ThreadJob;

static void *thread_main(void *arg)
{
    ThreadJob *job = arg;
    for (int i = 0; i < 200; i++) {
        job->traps += traps_oob(job->inst, "load_loop", 65533 + (uint64_t)(i % 3), 1);
        job->sums_ok += returns(job->inst, "load_loop", 0, 1000, 0);
    }
    return NULL;
}

static void test_threads(const WasmModule *m, Imports *im)
{
    enum { N = 4 };
    ThreadJob jobs[N];
    pthread_t threads[N];
    printf("traps on %d threads at once\n", N);
    for (int i = 0; i < N; i++) {
        jobs[i] = (ThreadJob){ instantiate(m, im, true), 0, 0 };
        CHECK(pthread_create(&threads[i], NULL, thread_main, &jobs[i]) == 0, "thread starts");
    }
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        CHECK(jobs[i].traps == 200 && jobs[i].sums_ok == 200, "every trap and every sum");
        rt_instance_release(jobs[i].inst);
    }
}

/* ------------------------------------------------------------------------
 * Faults that are not wasm traps (each in a child process)
 * ------------------------------------------------------------------------ */

static void child_handler(int sig)
{
    (void)sig;
    _exit(CHILD_HANDLER_EXIT);
}

typedef enum { FAULT_OUTSIDE, FAULT_IN_HOST, FAULT_NONE } FaultKind;

/* In the child: maybe a handler of its own first, then a guard memory
 * (which installs the runtime's handler, chaining), then the fault. */
static void child(WasmModule *m, Imports *im, bool own_handler, FaultKind fault)
{
    if (own_handler) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = child_handler;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
    } else {
        /* A sanitizer's report of this deliberate fault is no test failure. */
        int null_fd = open("/dev/null", O_WRONLY);
        if (null_fd >= 0)
            dup2(null_fd, STDERR_FILENO);
    }
    WasmInstance *inst = instantiate(m, im, true);
    if (!traps_oob(inst, "load", 65533, 0))
        _exit(3); /* wasm traps still work with a handler before ours */
    if (fault == FAULT_OUTSIDE) {
        volatile uint8_t *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            _exit(4);
        _exit(p[0] == 0 ? 5 : 6);
    }
    if (fault == FAULT_IN_HOST) {
        call_back_kind = CALL_BACK_TOUCH_GUARD;
        call(inst, "via_host", 0, 0, NULL);
        _exit(7); /* the host fault became a trap: wrong */
    }
    _exit(0);
}

/* Runs child() in a fork; returns its wait status. */
static int in_child(WasmModule *m, Imports *im, bool own_handler, FaultKind fault)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        child(m, im, own_handler, fault);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static bool exited_with(int status, int code)
{
    return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

static void test_chaining(WasmModule *m, Imports *im)
{
    printf("faults that are not wasm traps\n");
    CHECK(exited_with(in_child(m, im, true, FAULT_NONE), 0),
          "wasm traps with a handler before ours");
    CHECK(exited_with(in_child(m, im, true, FAULT_OUTSIDE), CHILD_HANDLER_EXIT),
          "a fault outside wasm memory reaches the earlier handler");
    if (guard_enabled())
        CHECK(exited_with(in_child(m, im, true, FAULT_IN_HOST), CHILD_HANDLER_EXIT),
              "a host function's fault in wasm memory reaches the earlier handler");
    else
        printf("  (no guard pages: a host reading past a memory's end need not fault)\n");
    int status = in_child(m, im, false, FAULT_OUTSIDE);
    if (UNDER_SANITIZER) {
        /* The sanitizer's own handler was there first: it reports and exits. */
        CHECK(status >= 0 && !exited_with(status, 0) && !exited_with(status, 5) &&
                  !exited_with(status, 6),
              "with only the sanitizer's handler before ours, the fault is fatal");
    } else {
        CHECK(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
              "with no handler before ours, the default action kills");
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_memory_modes DIR\n");
        return 2;
    }
    WasmModule *m = load_module(argv[1], "memory_modes.wasm");
    WasmModule *user = load_module(argv[1], "memory_modes_user.wasm");
    const uint8_t i32[] = { VT_I32 };
    FuncType *type = rt_functype_new(i32, 1, i32, 1);
    Imports im = { rt_host_func_new(type, call_back, NULL), NULL };

    guard_set_enabled(true);
    if (!guard_enabled())
        printf("note: no guard pages in this build: every memory is software-checked\n");
    /* Before this process installs the runtime's handler: the children
     * install theirs first. */
    test_chaining(m, &im);

    WasmInstance *guarded = instantiate(m, &im, true);
    CHECK(!guard_enabled() || (guarded->memory->guarded && guarded->runs_unchecked),
          "guard mode: guard pages, unchecked loop");
    test_bounds(guarded, "guard-page");
    test_nested(guarded);
    WasmInstance *software = instantiate(m, &im, false);
    CHECK(!software->memory->guarded && !software->runs_unchecked, "software mode");
    test_bounds(software, "software-checked");
    test_nested(software);
    rt_instance_release(software);
    rt_instance_release(guarded);

    test_fallback(m, user, &im);
    test_threads(m, &im);

    rt_host_func_free(im.call_back);
    rt_functype_free(type);
    ld_unload(user);
    ld_unload(m);
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
    return failures ? 1 : 0;
}
