/* wasm-diff-modes: differential test of the two memory modes. For every
 * module of the spec suite's JSON command files it makes the same instances
 * twice, once with guard-page memories (the interpreter's unchecked loop)
 * and once with software-checked ones (the checked loop, running code
 * retargeted from the translation), calls every exported function with the
 * same seeded random arguments in both, and compares results, trap
 * messages, and then memories, globals and tables, bit for bit.
 *
 * Each mode has its own "world": its spectest objects and the instances of
 * the file's module commands, which `register` names and later modules
 * import, as in wasm-spectest (whose assertions are not replayed: the
 * states differ from the spec's, alike in both modes). The calls go to a
 * fresh pair of instances per module. A call that runs past the time
 * budget is interrupted; both modes timing out counts as agreement, and the
 * pair is made afresh, since interrupted runs stop at different points.
 * Growth is capped alike in both modes (MEMORY_PAGES_CAP). Modules whose
 * instantiation fails must fail alike, and are counted and named. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/instance.h"
#include "interp/guard.h"
#include "interp/interp.h"
#include "loader/module.h"
#include "spectest_host.h"

enum { GUARD, SOFT, N_MODES };
static const char *const mode_names[N_MODES] = { "guard", "software" };

enum {
    ERR_SIZE = 256,
    PATH_SIZE = 4096,
    STACK_SIZE = 64 * 1024,
    /* Growth caps for the instances made here (both modes alike): random
     * arguments would otherwise grow memories to 4 GiB and tables to 10M
     * entries, which a software-checked memory really allocates. */
    MEMORY_PAGES_CAP = 64,
    TABLE_SIZE_CAP = 10000,
    MAX_PARAMS = 64,
};

typedef struct Options {
    unsigned calls_per_export;
    unsigned budget_ms; /* per call and mode */
    uint64_t seed;
} Options;

typedef struct Counts {
    unsigned files, modules, not_loaded;
    unsigned pairs; /* modules instantiated in both modes */
    unsigned failed_alike; /* instantiations that failed in both modes, same message */
    unsigned not_instantiated; /* of those, module commands: their exports are not called */
    unsigned exports, calls, traps, timeouts, inconclusive, skipped_calls;
    unsigned bounds_traps; /* "out of bounds memory access": guard faults on one side */
    unsigned stopped_modules; /* stopped after a timeout: shared imports diverged */
    unsigned tainted_skips; /* modules not run: they import diverged state */
    unsigned unguarded; /* guard-mode memories that fell back to software checks */
    unsigned mismatches;
    uint64_t memory_bytes_compared;
} Counts;

static Counts counts;
static Options options = { 8, 100, 1 };

static void mismatch(const char *where, const char *fmt, ...)
{
    va_list ap;

    counts.mismatches++;
    printf("MISMATCH %s: ", where);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* ------------------------------------------------------------------------
 * Seeded randomness (splitmix64): the same stream for both modes
 * ------------------------------------------------------------------------ */

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t hash_string(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* An argument as both modes see it: funcrefs are an index into the
 * instance's function space, materialised per mode. */
typedef struct Arg {
    Slot bits;
    int64_t func_index; /* funcref: -1 for null */
} Arg;

/* Edge values: zero, signs, extremes, and addresses at 64 KiB page
 * boundaries (the last bytes of one- and two-page memories). */
static const uint32_t i32_edges[] = {
    0, 1, 2, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0x7fff, 0x8000, 0xffff,
    65536, 65535, 65534, 65532, 65528, 65536 - 16, 131072, 131071, 131068, 131064,
    0xfffffffcu, 0xfffffff8u, 0x80000001u, 0x10000u * 3 - 1,
};
static const uint64_t i64_edges[] = {
    0, 1, 0xffffffffffffffffull, 0x8000000000000000ull, 0x7fffffffffffffffull,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0xffffffff80000000ull, 65536,
    65535, 65532, 65528, 131071, 0xfffffffffffffff8ull,
};
static const uint32_t f32_edges[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x7f800000, 0xff800000,
    0x7fc00000, 0xffc00000, 0x7fa00000, 0x7f800001, 0xffffffff, 0x7f7fffff, 0x00000001,
    0x00800000, 0x4f000000, 0xcf000000, 0x4f800000, 0x5f000000, 0x477fff00,
};
static const uint64_t f64_edges[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull,
    0xbff0000000000000ull, 0x3fe0000000000000ull, 0x7ff0000000000000ull,
    0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
    0x7ff4000000000000ull, 0x7ff0000000000001ull, 0x7fefffffffffffffull,
    0x0000000000000001ull, 0x0010000000000000ull, 0x41e0000000000000ull,
    0xc1e0000000000000ull, 0x41f0000000000000ull, 0x43e0000000000000ull,
    0x40effe0000000000ull,
};
#define PICK(table, r) table[(r) % (sizeof table / sizeof table[0])]

/* A third small integers (loop counts and indices that finish), a third
 * edge values, a third anything. */
static Arg random_arg(uint8_t type, uint64_t *rng, uint32_t n_funcs)
{
    uint64_t r = next_random(rng), pick = r % 3, v = next_random(rng);
    Arg a;

    memset(&a, 0, sizeof a);
    a.func_index = -1;
    switch (type) {
    case VT_I32:
        a.bits.u32 = pick == 0   ? (uint32_t)(v % 20) - 2
                     : pick == 1 ? PICK(i32_edges, v)
                                 : (uint32_t)v;
        break;
    case VT_I64:
        a.bits.u64 = pick == 0 ? v % 20 - 2 : pick == 1 ? PICK(i64_edges, v) : v;
        break;
    case VT_F32:
        if (pick == 0) {
            a.bits.f32 = (float)((int)(v % 21) - 10) / 2;
        } else {
            a.bits.u32 = pick == 1 ? PICK(f32_edges, v) : (uint32_t)v;
        }
        break;
    case VT_F64:
        if (pick == 0) {
            a.bits.f64 = (double)((int)(v % 21) - 10) / 2;
        } else {
            a.bits.u64 = pick == 1 ? PICK(f64_edges, v) : v;
        }
        break;
    case VT_FUNCREF:
        if (pick != 0 && n_funcs > 0)
            a.func_index = (int64_t)(v % n_funcs);
        break;
    case VT_EXTERNREF:
        a.bits.ref = pick == 0 ? NULL : (void *)(uintptr_t)(1 + v % 8);
        break;
    default:
        break;
    }
    return a;
}

/* ------------------------------------------------------------------------
 * The spectest objects, one set per mode and instance that needs them
 * ------------------------------------------------------------------------ */

/* A set of the spec suite's `spectest` objects (spectest_host.h), made in
 * the current mode (guard_set_enabled), so its memories are of that mode's
 * kind. On the heap because World.hosts keeps pointers to the sets. */
static SpectestHost *host_set_new(void)
{
    SpectestHost *h = malloc(sizeof *h);
    if (h && !spectest_host_init(h, false)) {
        free(h);
        return NULL;
    }
    return h;
}

static void host_set_free(SpectestHost *h)
{
    if (!h)
        return;
    spectest_host_fini(h);
    free(h);
}

/* ------------------------------------------------------------------------
 * Worlds: one mode's objects for one JSON file
 * ------------------------------------------------------------------------ */

/* A module name ($M) or a registered name, bound to an instance per mode.
 * The name points into the JSON tree. */
typedef struct Binding {
    const char *name;
    size_t pair; /* index into File.pairs */
} Binding;

/* The instances one command made, one per mode (NULL when it failed). */
typedef struct Pair {
    WasmInstance *inst[N_MODES];
    bool diverged; /* a timed-out call may have left different states */
} Pair;

typedef struct World {
    WasmInstance **insts; /* every instance made, in order: refs map to the index */
    size_t n_insts, cap_insts;
    SpectestHost **hosts; /* every spectest set made, in order; hosts[0] is the file's */
    size_t n_hosts, cap_hosts;
} World;

typedef struct Loaded {
    uint8_t *buf;
    WasmModule *module;
} Loaded;

typedef struct File {
    const char *name; /* JSON base name, for messages */
    char dir[PATH_SIZE];
    uint64_t seed;
    World worlds[N_MODES];
    Pair *pairs;
    size_t n_pairs, cap_pairs;
    Binding *names, *registered;
    size_t n_names, cap_names, n_registered, cap_registered;
    Loaded *loaded;
    size_t n_loaded, cap_loaded;
    long current; /* pair of the last module command, -1 for none */
    unsigned module_ordinal;
} File;

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, new_cap * size);
    if (!p)
        return false;
    *items = p;
    *cap = new_cap;
    return true;
}

static bool world_keep_instance(World *w, WasmInstance *inst)
{
    if (!grow((void **)&w->insts, &w->cap_insts, w->n_insts, sizeof *w->insts))
        return false;
    w->insts[w->n_insts++] = inst;
    return true;
}

static SpectestHost *world_new_hosts(World *w)
{
    SpectestHost *h = host_set_new();
    if (h && !grow((void **)&w->hosts, &w->cap_hosts, w->n_hosts, sizeof *w->hosts)) {
        host_set_free(h);
        return NULL;
    }
    if (h)
        w->hosts[w->n_hosts++] = h;
    return h;
}

/* Instances go before the spectest objects they imported (world_free_hosts). */
static void world_release(World *w)
{
    for (size_t i = w->n_insts; i > 0; i--)
        rt_instance_release(w->insts[i - 1]);
    free(w->insts);
    w->insts = NULL;
    w->n_insts = w->cap_insts = 0;
}

static void world_free_hosts(World *w)
{
    for (size_t i = 0; i < w->n_hosts; i++)
        host_set_free(w->hosts[i]);
    free(w->hosts);
    w->hosts = NULL;
    w->n_hosts = w->cap_hosts = 0;
}

/* Describes a function reference the same way in both worlds: by the
 * index of its instance (or spectest set) and its function index. */
static int64_t ref_ordinal(const World *w, const void *ref)
{
    const WasmFunc *f = ref;
    if (!f)
        return -1;
    for (size_t i = 0; i < w->n_insts; i++)
        if (f->inst && f->inst == w->insts[i])
            return (int64_t)(i << 32 | f->func_index);
    for (size_t i = 0; i < w->n_hosts; i++)
        for (size_t k = 0; k < SPECTEST_N_PRINT; k++)
            if (w->hosts[i]->funcs[k] == f)
                return (int64_t)(1ull << 62 | i << 8 | k);
    return -2; /* a function of a failed instance: not told apart */
}

/* ------------------------------------------------------------------------
 * Instantiation in one mode
 * ------------------------------------------------------------------------ */

typedef struct Resolver {
    File *file;
    int mode;
    SpectestHost *hosts;
    size_t n_registered_imports;
    size_t tainted_imports;
} Resolver;

static const Binding *find_binding(const Binding *items, size_t n, const char *name)
{
    for (size_t i = n; i > 0; i--)
        if (strcmp(items[i - 1].name, name) == 0)
            return &items[i - 1];
    return NULL;
}

static bool resolve_import(void *user, const char *module_name, const char *field_name,
                           RtExtern *out)
{
    Resolver *r = user;
    File *f = r->file;
    const Binding *b = find_binding(f->registered, f->n_registered, module_name);

    memset(out, 0, sizeof *out);
    if (b) {
        Pair *p = &f->pairs[b->pair];
        WasmInstance *inst = p->inst[r->mode];
        if (!inst || !rt_instance_find_export(inst, field_name, out))
            return false;
        out->owner = inst;
        r->n_registered_imports++;
        r->tainted_imports += p->diverged;
        return true;
    }
    return strcmp(module_name, "spectest") == 0 &&
           spectest_host_lookup(r->hosts, field_name, out);
}

/* Lowers the maxima of what inst defines (see MEMORY_PAGES_CAP). */
static void cap_growth(WasmInstance *inst)
{
    const WasmModule *m = inst->module;
    WasmMemory *mem = &inst->own_memory;

    if (inst->memory == mem && mem->max_pages > MEMORY_PAGES_CAP)
        mem->max_pages = mem->pages > MEMORY_PAGES_CAP ? mem->pages : MEMORY_PAGES_CAP;
    for (uint32_t i = m->n_table_imports; i < m->n_tables; i++) {
        WasmTable *t = inst->tables[i];
        if (t->max > TABLE_SIZE_CAP)
            t->max = t->size > TABLE_SIZE_CAP ? t->size : TABLE_SIZE_CAP;
    }
}

/* Instantiates m in mode, importing spectest objects from hosts (the
 * file's, or a fresh set for a call pair). NULL with the reason in err. */
static WasmInstance *instantiate(File *f, int mode, const WasmModule *m, SpectestHost *hosts,
                                 Resolver *r, char *err)
{
    memset(r, 0, sizeof *r);
    r->file = f;
    r->mode = mode;
    r->hosts = hosts;
    guard_set_enabled(mode == GUARD);
    WasmInstance *inst = rt_instantiate(m, resolve_import, r, err, ERR_SIZE);
    if (!inst)
        return NULL;
    if (!world_keep_instance(&f->worlds[mode], inst)) {
        rt_instance_release(inst);
        snprintf(err, ERR_SIZE, "out of memory (diff)");
        return NULL;
    }
    cap_growth(inst);
    /* Guard mode may legitimately fall back (a failed reservation): count
     * it. The software mode must never get guard pages. */
    if (mode == GUARD && guard_enabled() && inst->memory && !inst->memory->guarded)
        counts.unguarded++;
    if (mode == SOFT && inst->memory && (inst->runs_unchecked || inst->memory->guarded))
        mismatch(f->name, "a software-mode instance runs with guard pages");
    return inst;
}

/* ------------------------------------------------------------------------
 * The watchdog: interrupts a call that runs past the budget
 * ------------------------------------------------------------------------ */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    WasmExecEnv *armed;
    struct timespec deadline;
    bool quit;
    pthread_t thread;
} dog = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, { 0, 0 }, false, 0 };

static bool passed(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static void *watchdog(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&dog.lock);
    while (!dog.quit) {
        if (!dog.armed) {
            pthread_cond_wait(&dog.wake, &dog.lock);
        } else if (passed(&dog.deadline)) {
            atomic_store(&dog.armed->interrupt, 1);
            dog.armed = NULL;
        } else {
            pthread_cond_timedwait(&dog.wake, &dog.lock, &dog.deadline);
        }
    }
    pthread_mutex_unlock(&dog.lock);
    return NULL;
}

static void arm(WasmExecEnv *env, unsigned budget_ms)
{
    pthread_mutex_lock(&dog.lock);
    clock_gettime(CLOCK_REALTIME, &dog.deadline);
    dog.deadline.tv_sec += budget_ms / 1000;
    dog.deadline.tv_nsec += (long)(budget_ms % 1000) * 1000000L;
    if (dog.deadline.tv_nsec >= 1000000000L) {
        dog.deadline.tv_sec++;
        dog.deadline.tv_nsec -= 1000000000L;
    }
    dog.armed = env;
    pthread_cond_signal(&dog.wake);
    pthread_mutex_unlock(&dog.lock);
}

/* After this the watchdog can no longer touch env, whose interrupt flag
 * is then cleared for the next call. */
static void disarm(WasmExecEnv *env)
{
    pthread_mutex_lock(&dog.lock);
    dog.armed = NULL;
    pthread_mutex_unlock(&dog.lock);
    atomic_store(&env->interrupt, 0);
}

/* ------------------------------------------------------------------------
 * Calls and comparisons
 * ------------------------------------------------------------------------ */

/* One mode's side of a call pair: its fresh instance and exec env. */
typedef struct Side {
    WasmInstance *inst;
    WasmExecEnv *env;
} Side;

typedef struct Outcome {
    Slot results[MAX_PARAMS];
    bool trapped, timed_out;
    char trap[ERR_SIZE];
} Outcome;

static void call_one(Side *s, WasmFunc *fn, const Arg *args, unsigned budget_ms, Outcome *out)
{
    const FuncType *t = fn->type;

    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < t->n_params; i++) {
        out->results[i] = args[i].bits;
        if (ft_params(t)[i] == VT_FUNCREF)
            out->results[i].ref =
                args[i].func_index < 0 ? NULL : s->inst->funcs[args[i].func_index];
    }
    arm(s->env, budget_ms);
    bool ok = rt_call(s->env, fn, out->results);
    disarm(s->env);
    if (!ok) {
        const char *msg = rt_get_exception(s->inst);
        snprintf(out->trap, sizeof out->trap, "%s", msg ? msg : "(no message)");
        out->trapped = true;
        out->timed_out = msg && strcmp(msg, "terminated by user") == 0;
        rt_clear_exception(s->inst);
    }
}

/* i32 and f32 live in the low 4 bytes; the rest of their slot is undefined. */
static bool same_value(const World *wa, const World *wb, uint8_t type, Slot a, Slot b)
{
    switch (type) {
    case VT_I32:
    case VT_F32:
        return a.u32 == b.u32;
    case VT_FUNCREF:
        return ref_ordinal(wa, a.ref) == ref_ordinal(wb, b.ref);
    case VT_EXTERNREF:
        return a.ref == b.ref;
    default:
        return a.u64 == b.u64;
    }
}

static bool same_memory(const WasmMemory *a, const WasmMemory *b, char *why)
{
    if (!a || !b) {
        snprintf(why, ERR_SIZE, "memory present in one mode only");
        return !a && !b;
    }
    if (a->pages != b->pages) {
        snprintf(why, ERR_SIZE, "memory pages %u vs %u", a->pages, b->pages);
        return false;
    }
    counts.memory_bytes_compared += a->size;
    if (a->size && memcmp(a->data, b->data, (size_t)a->size) != 0) {
        size_t at = 0;
        while (a->data[at] == b->data[at])
            at++;
        snprintf(why, ERR_SIZE, "memory byte %zu: 0x%02x vs 0x%02x", at, a->data[at], b->data[at]);
        return false;
    }
    return true;
}

/* The state both instances can reach: memory, globals, tables. */
static bool same_state(File *f, Side *sides, char *why)
{
    const World *wa = &f->worlds[GUARD], *wb = &f->worlds[SOFT];
    WasmInstance *a = sides[GUARD].inst, *b = sides[SOFT].inst;
    const WasmModule *m = a->module;

    if (!same_memory(a->memory, b->memory, why))
        return false;
    for (uint32_t i = 0; i < m->n_globals; i++) {
        const WasmGlobal *ga = a->globals[i], *gb = b->globals[i];
        if (!same_value(wa, wb, ga->type.val_type, ga->value, gb->value)) {
            snprintf(why, ERR_SIZE, "global %u: 0x%" PRIx64 " vs 0x%" PRIx64, i, ga->value.u64,
                     gb->value.u64);
            return false;
        }
    }
    for (uint32_t i = 0; i < m->n_tables; i++) {
        const WasmTable *ta = a->tables[i], *tb = b->tables[i];
        if (ta->size != tb->size) {
            snprintf(why, ERR_SIZE, "table %u size %u vs %u", i, ta->size, tb->size);
            return false;
        }
        for (uint32_t k = 0; k < ta->size; k++) {
            Slot ea = { .ref = ta->elems[k] }, eb = { .ref = tb->elems[k] };
            if (!same_value(wa, wb, ta->elem_type, ea, eb)) {
                snprintf(why, ERR_SIZE, "table %u element %u differs", i, k);
                return false;
            }
        }
    }
    return true;
}

static void format_args(const FuncType *t, const Arg *args, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < t->n_params && n + 24 < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s0x%" PRIx64, i ? " " : "",
                              ft_params(t)[i] == VT_FUNCREF ? (uint64_t)args[i].func_index
                                                            : args[i].bits.u64);
}

/* Compares one call's outcomes; false (reported) when they differ. */
static bool same_outcome(File *f, const char *export_name, const FuncType *t, const Arg *args,
                         const Outcome *o)
{
    char where[512], shown[256];

    format_args(t, args, shown, sizeof shown);
    snprintf(where, sizeof where, "%s module %u \"%.100s\"(%s)", f->name, f->module_ordinal,
             export_name, shown);
    if (o[GUARD].trapped != o[SOFT].trapped || strcmp(o[GUARD].trap, o[SOFT].trap) != 0) {
        mismatch(where, "guard %s \"%s\", software %s \"%s\"",
                 o[GUARD].trapped ? "trapped" : "returned", o[GUARD].trap,
                 o[SOFT].trapped ? "trapped" : "returned", o[SOFT].trap);
        return false;
    }
    for (uint32_t i = 0; !o[GUARD].trapped && i < t->n_results; i++)
        if (!same_value(&f->worlds[GUARD], &f->worlds[SOFT], ft_results(t)[i],
                        o[GUARD].results[i], o[SOFT].results[i])) {
            mismatch(where, "result %u: 0x%" PRIx64 " vs 0x%" PRIx64, i, o[GUARD].results[i].u64,
                     o[SOFT].results[i].u64);
            return false;
        }
    return true;
}

/* ------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------ */

static void side_release(Side *s)
{
    rt_exec_env_destroy(s->env);
    s->env = NULL;
    s->inst = NULL; /* the world releases instances at the end of the file */
}

/* Makes the call pair: fresh instances with their own spectest objects.
 * False when they cannot be made alike (reported) or at all. */
static bool make_sides(File *f, const WasmModule *m, Side *sides, bool *out_shares_state)
{
    char err[N_MODES][ERR_SIZE];
    Resolver r[N_MODES];

    for (int mode = 0; mode < N_MODES; mode++) {
        err[mode][0] = '\0';
        guard_set_enabled(mode == GUARD);
        SpectestHost *hosts = world_new_hosts(&f->worlds[mode]);
        sides[mode].inst = hosts ? instantiate(f, mode, m, hosts, &r[mode], err[mode]) : NULL;
        sides[mode].env =
            sides[mode].inst ? rt_exec_env_create(sides[mode].inst, STACK_SIZE) : NULL;
    }
    *out_shares_state = r[GUARD].n_registered_imports > 0;
    if (sides[GUARD].env && sides[SOFT].env)
        return true;
    if (!sides[GUARD].inst != !sides[SOFT].inst || strcmp(err[GUARD], err[SOFT]) != 0)
        mismatch(f->name, "module %u call instances: guard \"%s\", software \"%s\"",
                 f->module_ordinal, err[GUARD], err[SOFT]);
    side_release(&sides[GUARD]);
    side_release(&sides[SOFT]);
    return false;
}

typedef enum CallResult { CALL_SAME, CALL_DIFFERENT, CALL_TIMED_OUT } CallResult;

static CallResult call_pair(File *f, Side *sides, const Export *e, unsigned call_index)
{
    WasmFunc *fn[N_MODES] = { sides[GUARD].inst->funcs[e->index],
                              sides[SOFT].inst->funcs[e->index] };
    const FuncType *t = fn[GUARD]->type;
    uint64_t rng = f->seed ^ hash_string(e->name) ^ (uint64_t)f->module_ordinal << 40 ^
                   (uint64_t)call_index << 20;
    Arg args[MAX_PARAMS];
    Outcome o[N_MODES];
    char why[ERR_SIZE];

    if (t->n_params > MAX_PARAMS || t->n_results > MAX_PARAMS)
        return CALL_SAME;
    const WasmModule *m = sides[GUARD].inst->module;
    uint32_t n_funcs = m->n_func_imports + m->n_funcs;
    for (uint32_t i = 0; i < t->n_params; i++)
        args[i] = random_arg(ft_params(t)[i], &rng, n_funcs);
    counts.calls++;
    for (int mode = 0; mode < N_MODES; mode++)
        call_one(&sides[mode], fn[mode], args, options.budget_ms, &o[mode]);
    if (o[GUARD].timed_out || o[SOFT].timed_out) {
        if (o[GUARD].timed_out && o[SOFT].timed_out) {
            counts.timeouts++;
        } else {
            /* Runs near the budget can end on either side of it. */
            counts.inconclusive++;
            printf("note: %s module %u \"%s\": only the %s mode ran past %u ms\n", f->name,
                   f->module_ordinal, e->name, mode_names[o[GUARD].timed_out ? GUARD : SOFT],
                   options.budget_ms);
        }
        return CALL_TIMED_OUT;
    }
    counts.traps += o[GUARD].trapped;
    counts.bounds_traps += strcmp(o[GUARD].trap, "out of bounds memory access") == 0;
    if (!same_outcome(f, e->name, t, args, o))
        return CALL_DIFFERENT;
    if (!same_state(f, sides, why)) {
        char where[300];
        snprintf(where, sizeof where, "%s module %u after \"%.100s\"", f->name, f->module_ordinal,
                 e->name);
        mismatch(where, "%s", why);
        return CALL_DIFFERENT;
    }
    return CALL_SAME;
}

/* Calls every exported function of m in both modes. After a timeout the
 * pair is made afresh (the interrupted runs stopped at different points),
 * and the export gets no more calls: it probably loops on such input. When
 * the pair shares state with registered instances, that state may now
 * differ, so the module stops and its imports are marked diverged. */
static void diff_module(File *f, const WasmModule *m, size_t pair)
{
    Side sides[N_MODES];
    bool shares_state;

    if (!make_sides(f, m, sides, &shares_state))
        return;
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const Export *e = &m->exports[i];
        if (e->kind != EXT_FUNC)
            continue;
        counts.exports++;
        for (unsigned c = 0; c < options.calls_per_export; c++) {
            CallResult res = call_pair(f, sides, e, c);
            if (res == CALL_DIFFERENT)
                goto done;
            if (res != CALL_TIMED_OUT)
                continue;
            counts.skipped_calls += options.calls_per_export - 1 - c;
            side_release(&sides[GUARD]);
            side_release(&sides[SOFT]);
            if (shares_state) {
                counts.stopped_modules++;
                f->pairs[pair].diverged = true;
                for (size_t k = 0; k < f->n_registered; k++)
                    f->pairs[f->registered[k].pair].diverged = true;
                return;
            }
            if (!make_sides(f, m, sides, &shares_state))
                return;
            break;
        }
    }
done:
    side_release(&sides[GUARD]);
    side_release(&sides[SOFT]);
}

static uint8_t *read_file(const char *path, size_t *out_size)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size;

    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1)) != NULL) {
        if (fread(buf, 1, (size_t)size, fp) == (size_t)size) {
            buf[size] = 0;
            *out_size = (size_t)size;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(fp);
    return buf;
}

static const char *json_string(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Loads a command's module once for both modes: the point is one module
 * instantiated in both. NULL when it does not load (invalid on purpose). */
static WasmModule *load(File *f, const char *file)
{
    char path[PATH_SIZE], err[ERR_SIZE];
    size_t size = 0;

    if ((size_t)snprintf(path, sizeof path, "%s/%s", f->dir, file) >= sizeof path)
        return NULL;
    uint8_t *buf = read_file(path, &size);
    if (!buf || !grow((void **)&f->loaded, &f->cap_loaded, f->n_loaded, sizeof *f->loaded)) {
        free(buf);
        return NULL;
    }
    WasmModule *m = size <= UINT32_MAX ? ld_load(buf, (uint32_t)size, err, sizeof err) : NULL;
    if (!m) {
        free(buf);
        return NULL;
    }
    f->loaded[f->n_loaded].buf = buf;
    f->loaded[f->n_loaded++].module = m;
    return m;
}

/* A command with a module: instantiates it in both modes as the spec
 * runner would (registrable, and current for module commands), compares
 * the outcomes, and for instances made in both, runs the calls on a fresh
 * pair. is_module: a "module" command, expected to instantiate. */
static void command_module(File *f, const cJSON *cmd, bool is_module)
{
    const char *file = json_string(cmd, "filename");
    const char *name = json_string(cmd, "name");
    char err[N_MODES][ERR_SIZE];
    Resolver r[N_MODES];
    Pair pair;

    memset(&pair, 0, sizeof pair);
    if (is_module)
        f->current = -1;
    WasmModule *m = file ? load(f, file) : NULL;
    if (!m) {
        counts.not_loaded += is_module;
        if (is_module)
            printf("%s: module %s does not load: not compared\n", f->name, file ? file : "?");
        return;
    }
    f->module_ordinal++;
    counts.modules++;
    for (int mode = 0; mode < N_MODES; mode++) {
        err[mode][0] = '\0';
        pair.inst[mode] = instantiate(f, mode, m, f->worlds[mode].hosts[0], &r[mode], err[mode]);
    }
    if (!pair.inst[GUARD] != !pair.inst[SOFT] || strcmp(err[GUARD], err[SOFT]) != 0) {
        mismatch(f->name, "module %u instantiation: guard \"%s\", software \"%s\"",
                 f->module_ordinal, err[GUARD], err[SOFT]);
        return;
    }
    if (!pair.inst[GUARD]) {
        /* Expected of assert_unlinkable and friends; a module command's
         * failure (an import nobody provides) is shown, never skipped
         * silently. */
        counts.failed_alike++;
        if (is_module) {
            counts.not_instantiated++;
            printf("%s: module %u instantiates in neither mode (%s): no calls\n", f->name,
                   f->module_ordinal, err[GUARD]);
        }
        return;
    }
    if (!grow((void **)&f->pairs, &f->cap_pairs, f->n_pairs, sizeof *f->pairs))
        return;
    size_t index = f->n_pairs++;
    f->pairs[index] = pair;
    if (is_module) {
        f->current = (long)index;
        if (name && grow((void **)&f->names, &f->cap_names, f->n_names, sizeof *f->names))
            f->names[f->n_names++] = (Binding){ name, index };
    }
    if (r[GUARD].tainted_imports) {
        counts.tainted_skips++;
        return;
    }
    counts.pairs++;
    diff_module(f, m, index);
}

static void command_register(File *f, const cJSON *cmd)
{
    const char *as = json_string(cmd, "as"), *name = json_string(cmd, "name");
    long pair = f->current;

    if (name) {
        const Binding *b = find_binding(f->names, f->n_names, name);
        pair = b ? (long)b->pair : -1;
    }
    if (!as || pair < 0 ||
        !grow((void **)&f->registered, &f->cap_registered, f->n_registered, sizeof *f->registered))
        return;
    f->registered[f->n_registered++] = (Binding){ as, (size_t)pair };
}

static void run_commands(File *f, const cJSON *commands)
{
    const cJSON *cmd;

    cJSON_ArrayForEach(cmd, commands) {
        const char *type = json_string(cmd, "type");
        if (!type)
            continue;
        if (strcmp(type, "module") == 0)
            command_module(f, cmd, true);
        else if (strcmp(type, "register") == 0)
            command_register(f, cmd);
        else if (strcmp(type, "assert_unlinkable") == 0 ||
                 strcmp(type, "assert_uninstantiable") == 0 ||
                 (strcmp(type, "assert_trap") == 0 && json_string(cmd, "filename")))
            command_module(f, cmd, false);
    }
}

static void run_file(const char *path)
{
    File f;
    size_t size;
    const char *slash = strrchr(path, '/');

    memset(&f, 0, sizeof f);
    f.name = slash ? slash + 1 : path;
    f.current = -1;
    f.seed = options.seed ^ hash_string(f.name);
    snprintf(f.dir, sizeof f.dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    char *text = (char *)read_file(path, &size);
    cJSON *root = text ? cJSON_ParseWithLength(text, size) : NULL;
    const cJSON *commands = cJSON_GetObjectItemCaseSensitive(root, "commands");
    counts.files++;
    if (!cJSON_IsArray(commands)) {
        mismatch(f.name, "cannot read the commands of %s", path);
        goto done;
    }
    for (int mode = 0; mode < N_MODES; mode++) {
        guard_set_enabled(mode == GUARD);
        if (!world_new_hosts(&f.worlds[mode])) {
            mismatch(f.name, "cannot make the spectest objects");
            goto done;
        }
    }
    run_commands(&f, commands);
done:
    for (int mode = 0; mode < N_MODES; mode++)
        world_release(&f.worlds[mode]);
    for (size_t i = f.n_loaded; i > 0; i--) {
        ld_unload(f.loaded[i - 1].module);
        free(f.loaded[i - 1].buf);
    }
    for (int mode = 0; mode < N_MODES; mode++)
        world_free_hosts(&f.worlds[mode]);
    free(f.loaded);
    free(f.pairs);
    free(f.names);
    free(f.registered);
    cJSON_Delete(root);
    free(text);
}

/* ------------------------------------------------------------------------
 * Files and the command line
 * ------------------------------------------------------------------------ */

typedef struct PathList {
    char **items;
    size_t n, cap;
} PathList;

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json files of dir and of its subfolders, simd_* left out (v128 is
 * not built). */
static bool collect(PathList *l, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_SIZE];
    struct stat st;

    if (!d)
        return false;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || strncmp(e->d_name, "simd_", 5) == 0 ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth > 0) {
            collect(l, path, depth - 1);
        } else if (S_ISREG(st.st_mode) && len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
            if (!grow((void **)&l->items, &l->cap, l->n, sizeof *l->items) ||
                !(l->items[l->n] = strdup(path)))
                break;
            l->n++;
        }
    }
    closedir(d);
    return true;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: wasm-diff-modes [--calls N] [--budget-ms N] [--seed N] FOLDER|FILE.json...\n"
            "  Runs every exported function of every module in FOLDER's JSON command\n"
            "  files (and its subfolders', simd_* left out) with guard-page and with\n"
            "  software-checked memories, and compares everything observable.\n"
            "  --calls N      calls per export (default 8)\n"
            "  --budget-ms N  time per call and mode before it is interrupted (default 100)\n"
            "  --seed N       seed of the arguments (default 1)\n");
}

static bool parse_number(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    PathList files = { NULL, 0, 0 };
    uint64_t v = 0;
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
        bool has_value = i + 1 < argc && parse_number(argv[i + 1], &v);
        if (strcmp(argv[i], "--calls") == 0 && has_value && v > 0 && v < 1000)
            options.calls_per_export = (unsigned)v;
        else if (strcmp(argv[i], "--budget-ms") == 0 && has_value && v > 0 && v < 100000)
            options.budget_ms = (unsigned)v;
        else if (strcmp(argv[i], "--seed") == 0 && has_value)
            options.seed = v;
        else {
            usage();
            return 2;
        }
    }
    if (i == argc) {
        usage();
        return 2;
    }
    for (; i < argc; i++) {
        struct stat st;
        size_t first = files.n;
        if (stat(argv[i], &st) != 0) {
            printf("%s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(st.st_mode))
            collect(&files, argv[i], 1);
        else if (grow((void **)&files.items, &files.cap, files.n, sizeof *files.items) &&
                 (files.items[files.n] = strdup(argv[i])) != NULL)
            files.n++;
        qsort(files.items + first, files.n - first, sizeof *files.items, compare_paths);
    }
    if (files.n == 0) {
        printf("no JSON command files found\n");
        return 1;
    }
    /* Code is translated for guard pages, so the software side runs the
     * retargeted copy (spec-core-retargeted covers the other direction). */
    guard_set_enabled(true);
    if (!guard_enabled())
        printf("note: this build has no guard pages: both sides use software checks\n");
    (void)interp_translates_unchecked();
    if (pthread_create(&dog.thread, NULL, watchdog, NULL) != 0) {
        printf("cannot start the watchdog thread\n");
        return 1;
    }
    for (size_t k = 0; k < files.n; k++) {
        run_file(files.items[k]);
        free(files.items[k]);
    }
    free(files.items);
    pthread_mutex_lock(&dog.lock);
    dog.quit = true;
    pthread_cond_signal(&dog.wake);
    pthread_mutex_unlock(&dog.lock);
    pthread_join(dog.thread, NULL);

    printf("files %u, modules %u (%u not loaded), instantiated in both modes %u, "
           "failed alike %u (module commands among them: %u)\n",
           counts.files, counts.modules, counts.not_loaded, counts.pairs, counts.failed_alike,
           counts.not_instantiated);
    printf("exports %u, calls %u (trapped %u, out of bounds %u, both timed out %u, one side "
           "timed out %u), calls skipped after a timeout %u\n",
           counts.exports, counts.calls, counts.traps, counts.bounds_traps, counts.timeouts,
           counts.inconclusive, counts.skipped_calls);
    printf("modules stopped after a timeout with shared imports %u, skipped for diverged "
           "imports %u, guard-mode memories without guard pages %u, memory compared %.1f MiB\n",
           counts.stopped_modules, counts.tainted_skips, counts.unguarded,
           (double)counts.memory_bytes_compared / (1 << 20));
    printf("mismatches %u\n", counts.mismatches);
    return counts.mismatches ? 1 : 0;
}
