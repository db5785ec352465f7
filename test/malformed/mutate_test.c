/* wasm-mutate-test: the malformed-module corpus. Every seed module yields a
 * deterministic set of mutants (truncations, bit flips, byte overwrites,
 * LEB128-like insertions and deletions); each mutant is loaded, and when it
 * loads, instantiated and its exported functions called under a watchdog.
 * Any outcome is fine but a crash, a hang, a leak or a silent failure. */
#define _POSIX_C_SOURCE 200809L /* strdup, nanosleep, clock_gettime, dirent */

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/instance.h"
#include "loader/module.h"

/* Mutants per seed and round; truncations are not scaled by --rounds. */
#define N_BIT_FLIPS 64
#define N_OVERWRITES 32
#define N_INSERT_DELETE 16
/* Seeds up to this size get every truncation, larger ones a sample. */
#define ALL_TRUNCATIONS_UP_TO 4096
#define N_SAMPLED_TRUNCATIONS 256

#define STACK_SIZE (64 * 1024)
/* A call still running after this long is interrupted (not a failure). */
#define CALL_BUDGET_MS 50
/* A mutant making no progress (no call started or ended) for this long is
 * a hang, a failure: the interrupt did not stop a call, or the loader, the
 * instantiator or a start function (which cannot be interrupted) spins. */
#define HANG_MS 30000
#define WATCHDOG_TICK_MS 5

/* Imported objects larger than this are not provided: the import then stays
 * unresolved, which is a legitimate instantiation failure. */
#define MAX_IMPORT_TABLE 4096
#define MAX_IMPORT_PAGES 4

/* Error buffers: the runtime gets ERR_SIZE bytes; the rest is a canary that
 * must survive, so a write past err_size is caught even without ASan. */
#define ERR_SIZE 160
#define ERR_CAP 256
#define ERR_FILL 0x5A

#define MAX_SAVED_FAILURES 10

typedef struct Options {
    uint32_t rounds;
    uint64_t prng_seed;
    const char *skip_prefix; /* for files found in folders; NULL = none */
    uint32_t every; /* keep every Nth file found in a folder */
    bool verbose; /* trace every mutant's outcome */
} Options;

typedef struct Counts {
    uint64_t mutants, loaded, rejected, instantiated, calls, interrupted;
    uint64_t passed, failed;
} Counts;

/* ------------------------------------------------------------------------
 * What is being tested right now, for the crash and hang reports
 * ------------------------------------------------------------------------ */

typedef struct Current {
    const char *seed;
    const char *phase; /* load, instantiate, start function, call */
    const char *kind; /* mutation kind */
    uint32_t pos, arg; /* where and how (bit, value or byte count) */
    const uint8_t *bytes;
    uint32_t size;
} Current;

static Current g_current;
static Counts g_total;

static void describe(FILE *f, const Current *c)
{
    fprintf(f, "seed %s, mutant %s pos %u arg %u (%u bytes), in %s", c->seed, c->kind,
            c->pos, c->arg, c->size, c->phase ? c->phase : "harness");
}

static void save_bytes(const char *path, const uint8_t *bytes, uint32_t size)
{
    FILE *f = fopen(path, "wb");

    if (!f || fwrite(bytes, 1, size, f) != size)
        fprintf(stderr, "cannot write %s\n", path);
    if (f)
        fclose(f);
}

/* Sanitizer hooks, declared weak: absent (NULL) in a build without them.
 * The death callback runs on any fatal report (they all end in Die), so a
 * crash names its mutant and leaves it on disk. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static void report_crash(void)
{
    if (!g_current.bytes) { /* e.g. LeakSanitizer, which reports at exit */
        fprintf(stderr, "wasm-mutate-test: sanitizer report outside any mutant (for a leak, "
                        "--leak-check-seeds names the seed)\n");
        return;
    }
    fprintf(stderr, "wasm-mutate-test: crashed on ");
    describe(stderr, &g_current);
    fprintf(stderr, "; saved as malformed-crash.wasm\n");
    save_bytes("malformed-crash.wasm", g_current.bytes, g_current.size);
}

/* ------------------------------------------------------------------------
 * Watchdog: interrupts long calls, and declares a hang when a mutant does
 * not finish at all. A helper thread polls the state below.
 * ------------------------------------------------------------------------ */

typedef struct Watchdog {
    pthread_mutex_t lock;
    pthread_t thread;
    bool quit;
    uint64_t progress_ms; /* last mutant or call start/end; 0 between mutants */
    WasmExecEnv *env; /* of the running call, or NULL */
    uint64_t call_start_ms;
    bool fired; /* interrupt already sent to this call */
} Watchdog;

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One poll; called with the lock held. */
static void watchdog_check(Watchdog *w, uint64_t now)
{
    if (w->env && !w->fired && now - w->call_start_ms >= CALL_BUDGET_MS) {
        atomic_store(&w->env->interrupt, 1);
        w->fired = true;
    }
    if (w->progress_ms && now - w->progress_ms >= HANG_MS) {
        fprintf(stderr, "wasm-mutate-test: hang (%s) on ",
                w->env ? "call ignored the interrupt" : "outside any call");
        describe(stderr, &g_current);
        fprintf(stderr, "; saved as malformed-hang.wasm\n");
        save_bytes("malformed-hang.wasm", g_current.bytes, g_current.size);
        abort();
    }
}

static void *watchdog_main(void *arg)
{
    Watchdog *w = arg;
    struct timespec tick = { 0, WATCHDOG_TICK_MS * 1000000L };

    for (;;) {
        nanosleep(&tick, NULL);
        pthread_mutex_lock(&w->lock);
        if (w->quit) {
            pthread_mutex_unlock(&w->lock);
            return NULL;
        }
        watchdog_check(w, now_ms());
        pthread_mutex_unlock(&w->lock);
    }
}

static void watch_mutant(Watchdog *w, bool running)
{
    pthread_mutex_lock(&w->lock);
    w->progress_ms = running ? now_ms() : 0;
    pthread_mutex_unlock(&w->lock);
}

/* env NULL ends the watched call. Returns whether the ended call was
 * interrupted. The env is never touched by the watchdog after this. */
static bool watch_call(Watchdog *w, WasmExecEnv *env)
{
    bool fired;

    pthread_mutex_lock(&w->lock);
    fired = w->fired;
    if (env)
        atomic_store(&env->interrupt, 0);
    w->env = env;
    w->call_start_ms = now_ms();
    w->progress_ms = w->call_start_ms;
    w->fired = false;
    pthread_mutex_unlock(&w->lock);
    return fired;
}

/* ------------------------------------------------------------------------
 * Host objects matching a module's imports
 * ------------------------------------------------------------------------ */

/* One object per import, made to its exact type; ext[i] has a NULL object
 * when we chose not to provide import i. Frees after the instance. */
typedef struct Imports {
    const WasmModule *m;
    RtExtern *ext;
    FuncType **types; /* of function imports, else NULL */
    uint32_t next; /* import the resolver is asked for next */
} Imports;

/* A host function that does nothing but zero its results, so that a
 * reference result is a null reference and not a stale parameter. */
static void host_noop(WasmExecEnv *env, uint64_t *args)
{
    const FuncType *type = env->attachment;

    memset(args, 0, type->n_results * sizeof *args);
}

/* The function and its own copy of the type: NULL when out of memory. */
static WasmFunc *make_func(Imports *im, uint32_t i, uint32_t type_index)
{
    const FuncType *t = &im->m->types[type_index];

    im->types[i] = rt_functype_new(ft_params(t), t->n_params, ft_results(t), t->n_results);
    return im->types[i] ? rt_host_func_new(im->types[i], host_noop, im->types[i]) : NULL;
}

static void make_import(Imports *im, uint32_t i)
{
    const Import *imp = &im->m->imports[i];
    RtExtern *e = &im->ext[i];
    Slot zero = { 0 };

    e->kind = imp->kind;
    e->owner = NULL;
    switch (imp->kind) {
    case EXT_FUNC:
        e->u.func = make_func(im, i, imp->u.type_index);
        break;
    case EXT_TABLE:
        if (imp->u.table.limits.min <= MAX_IMPORT_TABLE)
            e->u.table = rt_table_new(imp->u.table.elem_type, imp->u.table.limits.min,
                                      imp->u.table.limits.max, imp->u.table.limits.has_max);
        break;
    case EXT_MEMORY:
        if (imp->u.memory.min <= MAX_IMPORT_PAGES &&
            (!imp->u.memory.shared || imp->u.memory.max <= MAX_IMPORT_PAGES))
            e->u.memory = rt_memory_new(imp->u.memory.min, imp->u.memory.max,
                                        imp->u.memory.has_max, imp->u.memory.shared);
        break;
    case EXT_GLOBAL:
        e->u.global = rt_global_new(imp->u.global.val_type, imp->u.global.is_mutable, zero);
        break;
    }
}

static void imports_free(Imports *im)
{
    uint32_t i;

    for (i = 0; im->ext && i < im->m->n_imports; i++) {
        switch (im->ext[i].kind) {
        case EXT_FUNC: rt_host_func_free(im->ext[i].u.func); break;
        case EXT_TABLE: rt_table_free(im->ext[i].u.table); break;
        case EXT_MEMORY: rt_memory_free(im->ext[i].u.memory); break;
        case EXT_GLOBAL: rt_global_free(im->ext[i].u.global); break;
        }
        if (im->types)
            rt_functype_free(im->types[i]);
    }
    free(im->ext);
    free(im->types);
}

static bool imports_create(Imports *im, const WasmModule *m)
{
    uint32_t i;

    memset(im, 0, sizeof *im);
    im->m = m;
    im->ext = calloc(m->n_imports + 1, sizeof *im->ext);
    im->types = calloc(m->n_imports + 1, sizeof *im->types);
    if (!im->ext || !im->types) {
        imports_free(im);
        return false;
    }
    for (i = 0; i < m->n_imports; i++)
        make_import(im, i);
    return true;
}

static bool has_object(const RtExtern *e)
{
    switch (e->kind) {
    case EXT_FUNC: return e->u.func != NULL;
    case EXT_TABLE: return e->u.table != NULL;
    case EXT_MEMORY: return e->u.memory != NULL;
    default: return e->u.global != NULL;
    }
}

/* Every import, whatever its module name, gets the object made for it. The
 * resolver is asked once per import in import order (instance.h), so the
 * names need no matching (they may repeat, or hold NUL bytes). */
static bool resolve(void *user, const char *module_name, const char *field_name,
                    RtExtern *out)
{
    Imports *im = user;

    (void)module_name;
    (void)field_name;
    if (im->next >= im->m->n_imports)
        return false;
    *out = im->ext[im->next++];
    return has_object(out);
}

/* ------------------------------------------------------------------------
 * Running one mutant
 * ------------------------------------------------------------------------ */

typedef struct Runner {
    Options opt;
    Watchdog watchdog;
    Counts seed; /* of the current seed */
    bool leak_checks; /* --leak-check-seeds, until the first leak */
} Runner;

static void fail(Runner *r, const char *why, const char *detail)
{
    static unsigned n_saved;
    char path[64];

    r->seed.failed++;
    printf("FAIL: %s (%s) on ", why, detail ? detail : "");
    describe(stdout, &g_current);
    if (n_saved < MAX_SAVED_FAILURES) {
        snprintf(path, sizeof path, "malformed-fail-%u.wasm", n_saved++);
        save_bytes(path, g_current.bytes, g_current.size);
        printf("; saved as %s", path);
    }
    printf("\n");
}

/* An error report must be a non-empty string within err_size. */
static bool error_ok(Runner *r, const char *what, const char *err)
{
    size_t i;

    for (i = ERR_SIZE; i < ERR_CAP; i++)
        if ((unsigned char)err[i] != ERR_FILL) {
            fail(r, what, "wrote past err_size");
            return false;
        }
    if (!memchr(err, '\0', ERR_SIZE)) {
        fail(r, what, "message not NUL-terminated");
        return false;
    }
    if (err[0] == '\0') {
        fail(r, what, "empty message");
        return false;
    }
    return true;
}

/* Calls one export with zeroed arguments; a trap must leave a message. */
static bool call_export(Runner *r, WasmExecEnv *env, WasmFunc *f)
{
    const FuncType *t = f->type;
    uint32_t n = t->n_params > t->n_results ? t->n_params : t->n_results;
    Slot *slots = calloc(n + 1, sizeof *slots);
    const char *exc;
    bool ok;

    if (!slots) {
        fail(r, "harness", "out of memory");
        return false;
    }
    rt_clear_exception(env->module_inst);
    g_current.phase = "call";
    watch_call(&r->watchdog, env);
    ok = rt_call(env, f, slots);
    if (watch_call(&r->watchdog, NULL))
        r->seed.interrupted++;
    r->seed.calls++;
    free(slots);
    exc = rt_get_exception(env->module_inst);
    if (r->opt.verbose)
        printf("    call: %s\n", ok ? "returned" : exc ? exc : "(no message)");
    if (!ok && (!exc || !exc[0])) {
        fail(r, "call failed", "without an exception message");
        return false;
    }
    return true;
}

static bool call_exports(Runner *r, WasmInstance *inst, const WasmModule *m)
{
    WasmExecEnv *env = rt_exec_env_create(inst, STACK_SIZE);
    bool ok = true;
    uint32_t i;

    if (!env) {
        fail(r, "exec env", "cannot create");
        return false;
    }
    for (i = 0; i < m->n_exports && ok; i++) {
        const Export *e = &m->exports[i];
        RtExtern ext;
        if (e->kind != EXT_FUNC)
            continue;
        /* By length: a valid name may hold NUL bytes. */
        if (!rt_instance_find_export_n(inst, e->name, e->name_len, &ext) ||
            ext.kind != EXT_FUNC) {
            fail(r, "export lookup", e->name);
            ok = false;
        } else {
            ok = call_export(r, env, ext.u.func);
        }
    }
    rt_exec_env_destroy(env);
    return ok;
}

/* Only marks the phase: a start function cannot be interrupted (it runs on
 * the instance's own exec env), and a crash or hang report says where. */
static bool before_start(WasmInstance *inst, void *user, char *err, uint32_t err_size)
{
    (void)inst;
    (void)user;
    (void)err;
    (void)err_size;
    g_current.phase = "start function";
    return true;
}

/* Instantiates a loaded module and calls its exports. */
static bool exercise(Runner *r, const WasmModule *m)
{
    char err[ERR_CAP];
    Imports im;
    WasmInstance *inst;
    bool ok;

    if (!imports_create(&im, m)) {
        fail(r, "harness", "out of memory");
        return false;
    }
    memset(err, ERR_FILL, sizeof err);
    g_current.phase = "instantiate";
    inst = rt_instantiate_ex(m, resolve, &im, before_start, 0, err, ERR_SIZE);
    if (inst) {
        r->seed.instantiated++;
        ok = call_exports(r, inst, m);
        rt_instance_release(inst);
    } else {
        if (r->opt.verbose)
            printf("    instantiation failed: %.*s\n", ERR_SIZE, err);
        ok = error_ok(r, "instantiation failed", err);
    }
    imports_free(&im);
    return ok;
}

/* bytes must be a block of exactly size bytes (so ASan sees over-reads). */
static void run_mutant(Runner *r, const uint8_t *bytes, uint32_t size)
{
    char err[ERR_CAP];
    WasmModule *m;
    bool ok;

    g_current.bytes = bytes;
    g_current.size = size;
    watch_mutant(&r->watchdog, true);
    memset(err, ERR_FILL, sizeof err);
    g_current.phase = "load";
    m = ld_load(bytes, size, err, ERR_SIZE);
    r->seed.mutants++;
    if (r->opt.verbose) {
        printf("  ");
        describe(stdout, &g_current);
        printf(": %s%.*s\n", m ? "loaded" : "rejected: ", m ? 0 : ERR_SIZE, err);
    }
    if (m) {
        r->seed.loaded++;
        ok = exercise(r, m);
        ld_unload(m);
    } else {
        r->seed.rejected++;
        ok = error_ok(r, "load failed", err);
    }
    g_current.phase = NULL;
    watch_mutant(&r->watchdog, false);
    if (ok)
        r->seed.passed++;
}

/* ------------------------------------------------------------------------
 * Mutations
 * ------------------------------------------------------------------------ */

/* xorshift64*: fixed seeds give the same mutants on every run. */
static uint64_t prng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static uint32_t prng_below(uint64_t *s, uint32_t n)
{
    return n ? (uint32_t)(prng_next(s) % n) : 0;
}

/* Bytes that mean something in the binary format: zero counts and sizes,
 * LEB128 edges, the empty block type, `end`, `i32.const`. */
static const uint8_t interesting[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x0b, 0x41 };

/* Copies seed with len bytes at pos replaced by ins (n_ins bytes) into an
 * exactly sized block, runs it, frees it. */
static void run_edit(Runner *r, const uint8_t *seed, uint32_t size, uint32_t pos,
                     uint32_t len, const uint8_t *ins, uint32_t n_ins)
{
    uint32_t out_size = size - len + n_ins;
    uint8_t *buf = malloc(out_size ? out_size : 1);

    if (!buf) {
        fail(r, "harness", "out of memory");
        return;
    }
    memcpy(buf, seed, pos);
    if (n_ins > 0) /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(buf + pos, ins, n_ins);
    memcpy(buf + pos + n_ins, seed + pos + len, size - pos - len);
    run_mutant(r, buf, out_size);
    g_current.bytes = NULL;
    free(buf);
}

static void set_current(const char *kind, uint32_t pos, uint32_t arg)
{
    g_current.kind = kind;
    g_current.pos = pos;
    g_current.arg = arg;
}

static void mutate_truncations(Runner *r, const uint8_t *seed, uint32_t size, uint64_t *s)
{
    uint32_t i;

    if (size <= ALL_TRUNCATIONS_UP_TO) {
        for (i = 0; i < size; i++) {
            set_current("truncate", i, 0);
            run_edit(r, seed, i, i, 0, NULL, 0);
        }
        return;
    }
    for (i = 0; i < N_SAMPLED_TRUNCATIONS; i++) {
        uint32_t len = prng_below(s, size);
        set_current("truncate", len, 0);
        run_edit(r, seed, len, len, 0, NULL, 0);
    }
}

static void mutate_bytes(Runner *r, const uint8_t *seed, uint32_t size, uint64_t *s)
{
    uint32_t i;

    for (i = 0; i < N_BIT_FLIPS * r->opt.rounds && size > 0; i++) {
        uint32_t pos = prng_below(s, size), bit = prng_below(s, 8);
        uint8_t b = seed[pos] ^ (uint8_t)(1u << bit);
        set_current("bitflip", pos, bit);
        run_edit(r, seed, size, pos, 1, &b, 1);
    }
    for (i = 0; i < N_OVERWRITES * r->opt.rounds && size > 0; i++) {
        uint32_t pos = prng_below(s, size);
        uint8_t b = (prng_next(s) & 1) ? interesting[prng_below(s, sizeof interesting)]
                                       : (uint8_t)prng_next(s);
        set_current("overwrite", pos, b);
        run_edit(r, seed, size, pos, 1, &b, 1);
    }
}

/* Inserts a LEB128-shaped run (continuation bits set on all but the last
 * byte) or deletes 1-5 bytes: this shifts every later offset and makes
 * counts and sizes disagree with the content. */
static void mutate_lebs(Runner *r, const uint8_t *seed, uint32_t size, uint64_t *s)
{
    uint32_t i, k;

    for (i = 0; i < N_INSERT_DELETE * r->opt.rounds; i++) {
        uint32_t n = 1 + prng_below(s, 5);
        uint32_t pos = prng_below(s, size + 1);
        uint8_t ins[5];
        if (prng_next(s) & 1) {
            for (k = 0; k < n; k++)
                ins[k] = (uint8_t)prng_next(s) | 0x80;
            ins[n - 1] &= 0x7f;
            set_current("insert", pos, n);
            run_edit(r, seed, size, pos, 0, ins, n);
        } else {
            if (n > size - pos)
                n = size - pos;
            set_current("delete", pos, n);
            run_edit(r, seed, size, pos, n, NULL, 0);
        }
    }
}

static uint64_t fnv1a(const uint8_t *p, uint32_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    while (n--)
        h = (h ^ *p++) * 0x100000001b3ULL;
    return h;
}

/* The mutants of one seed; the PRNG stream depends only on its bytes, so
 * sampling or reordering seeds does not change anyone's mutants. */
static void mutate_seed(Runner *r, const uint8_t *seed, uint32_t size)
{
    uint64_t s = (fnv1a(seed, size) ^ r->opt.prng_seed) | 1;

    set_current("original", 0, 0);
    run_edit(r, seed, size, 0, 0, NULL, 0);
    mutate_truncations(r, seed, size, &s);
    mutate_bytes(r, seed, size, &s);
    mutate_lebs(r, seed, size, &s);
}

/* ------------------------------------------------------------------------
 * Seeds: files and folders
 * ------------------------------------------------------------------------ */

static uint8_t *read_file(const char *path, uint32_t *out_size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 0x10000000 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    buf = malloc(n ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        goto fail;
    fclose(f);
    *out_size = (uint32_t)n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

static void add_counts(Counts *to, const Counts *c)
{
    to->mutants += c->mutants;
    to->loaded += c->loaded;
    to->rejected += c->rejected;
    to->instantiated += c->instantiated;
    to->calls += c->calls;
    to->interrupted += c->interrupted;
    to->passed += c->passed;
    to->failed += c->failed;
}

/* LeakSanitizer checks once at exit; --leak-check-seeds checks after every
 * seed as well (slow: a check scans the whole heap), to name the seed that
 * leaked. Leaks stay leaked and a check reports all of them, so checking
 * stops at the first. */
static void check_leaks(Runner *r, const char *seed)
{
    if (!r->leak_checks || !__lsan_do_recoverable_leak_check)
        return;
    if (__lsan_do_recoverable_leak_check()) {
        printf("FAIL: seed %s leaked (LeakSanitizer report on stderr)\n", seed);
        r->seed.failed++;
        r->leak_checks = false;
    }
}

static void run_seed_file(Runner *r, const char *path)
{
    uint32_t size;
    uint8_t *seed = read_file(path, &size);
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

    memset(&r->seed, 0, sizeof r->seed);
    g_current.seed = name;
    if (!seed) {
        printf("FAIL: cannot read seed %s: %s\n", path, strerror(errno));
        g_total.failed++;
        return;
    }
    mutate_seed(r, seed, size);
    free(seed);
    check_leaks(r, name);
    printf("seed %s: %llu mutants, %llu loaded, %llu rejected\n", name,
           (unsigned long long)r->seed.mutants, (unsigned long long)r->seed.loaded,
           (unsigned long long)r->seed.rejected);
    fflush(stdout);
    add_counts(&g_total, &r->seed);
}

typedef struct PathList {
    char **paths;
    size_t n, cap;
} PathList;

static bool list_add(PathList *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p)
            return false;
        l->paths = p;
        l->cap = cap;
    }
    l->paths[l->n] = strdup(path);
    return l->paths[l->n++] != NULL;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Collects *.wasm under dir, recursively, minus names with skip_prefix. */
static bool collect(PathList *l, const char *dir, const char *skip_prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool ok = true;

    if (!d)
        return false;
    while (ok && (e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            ok = collect(l, path, skip_prefix);
        else if (has_suffix(e->d_name, ".wasm") &&
                 !(skip_prefix && strncmp(e->d_name, skip_prefix, strlen(skip_prefix)) == 0))
            ok = list_add(l, path);
    }
    closedir(d);
    return ok;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's seeds in name order, every opt.every-th one. */
static void run_seed_folder(Runner *r, const char *dir)
{
    PathList l = { 0 };
    size_t i;

    if (!collect(&l, dir, r->opt.skip_prefix)) {
        printf("FAIL: cannot read seed folder %s\n", dir);
        g_total.failed++;
    }
    if (l.n > 0) /* qsort(NULL, 0, ...) is undefined */
        qsort(l.paths, l.n, sizeof *l.paths, compare_paths);
    for (i = 0; i < l.n; i++) {
        if (i % r->opt.every == 0)
            run_seed_file(r, l.paths[i]);
        free(l.paths[i]);
    }
    free(l.paths);
}

static void run_path(Runner *r, const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        printf("FAIL: seed %s: %s\n", path, strerror(errno));
        g_total.failed++;
    } else if (S_ISDIR(st.st_mode)) {
        run_seed_folder(r, path);
    } else {
        run_seed_file(r, path);
    }
}

/* ------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: wasm-mutate-test [options] SEED.wasm|FOLDER...\n"
            "  --rounds N          N times the random mutants per seed (default 1)\n"
            "  --seed N            vary the mutants (default 0)\n"
            "  --skip-prefix P     skip files named P* in the folders that follow\n"
            "  --every N           take every Nth file of the folders that follow\n"
            "  --leak-check-seeds  check for leaks after every seed (LeakSanitizer)\n"
            "  -v                  trace the outcome of every mutant and call\n"
            "Folders are searched recursively for *.wasm, in name order.\n");
}

static bool parse_count(const char *s, uint64_t *out)
{
    char *end;

    errno = 0;
    *out = strtoull(s, &end, 0);
    return s[0] != '\0' && s[0] != '-' && *end == '\0' && errno == 0;
}

/* Options and seeds are taken in order; returns the number of seeds. */
static int run_args(Runner *r, int argc, char **argv)
{
    int i, n_seeds = 0;
    uint64_t v;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--rounds") == 0 && has_value && parse_count(argv[++i], &v) && v > 0 &&
            v <= 1000) {
            r->opt.rounds = (uint32_t)v;
        } else if (strcmp(a, "--seed") == 0 && has_value && parse_count(argv[++i], &v)) {
            r->opt.prng_seed = v;
        } else if (strcmp(a, "-v") == 0) {
            r->opt.verbose = true;
        } else if (strcmp(a, "--leak-check-seeds") == 0) {
            r->leak_checks = true;
        } else if (strcmp(a, "--skip-prefix") == 0 && has_value) {
            r->opt.skip_prefix = argv[++i];
        } else if (strcmp(a, "--every") == 0 && has_value && parse_count(argv[++i], &v) &&
                   v > 0 && v <= UINT32_MAX) {
            r->opt.every = (uint32_t)v;
        } else if (a[0] == '-') {
            usage();
            return -1;
        } else {
            run_path(r, a);
            n_seeds++;
        }
    }
    return n_seeds;
}

int main(int argc, char **argv)
{
    static Runner r; /* static: the watchdog thread holds its address */
    int n_seeds;

    r.opt.rounds = 1;
    r.opt.every = 1;
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(report_crash);
    pthread_mutex_init(&r.watchdog.lock, NULL);
    if (pthread_create(&r.watchdog.thread, NULL, watchdog_main, &r.watchdog) != 0) {
        fprintf(stderr, "cannot start the watchdog thread\n");
        return 2;
    }
    n_seeds = run_args(&r, argc, argv);
    pthread_mutex_lock(&r.watchdog.lock);
    r.watchdog.quit = true;
    pthread_mutex_unlock(&r.watchdog.lock);
    pthread_join(r.watchdog.thread, NULL);
    if (n_seeds < 0)
        return 2;
    if (n_seeds == 0) {
        usage();
        return 2;
    }
    printf("%llu instantiated, %llu calls, %llu interrupted by the watchdog\n",
           (unsigned long long)g_total.instantiated, (unsigned long long)g_total.calls,
           (unsigned long long)g_total.interrupted);
    printf("%llu passed, %llu failed\n", (unsigned long long)g_total.passed,
           (unsigned long long)g_total.failed);
    /* A LeakSanitizer report at exit ends the process without flushing. */
    fflush(stdout);
    return g_total.failed == 0 ? 0 : 1;
}
