/* wasi-threads (see wasi_threads.h): thread-spawn(start_arg) runs the
 * module's exported wasi_thread_start(tid, start_arg) in a child instance
 * (tm_spawn_thread: same memory and tables, own globals and shadow stack)
 * on a new OS thread, in the caller's thread group. The app never joins
 * these threads (it waits with atomics), so finished ones are reaped at the
 * next spawn and at the end of the root instance. */
#include "wasi_threads.h"

#include "../common/instance.h"
#include "../include/wasm_export.h"
#include "../mem/mem.h"
#include "../platform/os.h"
#include "thread_mgr.h"
#include "wait.h"

#define WT_START "wasi_thread_start"
#define WT_MAX_TID 0x1FFFFFFFu /* thread ids are 1..2^29-1 (the proposal) */
/* Results of a failed spawn: negated WASI errnos. */
#define WT_EAGAIN (-6) /* the group is full or memory ran out */
#define WT_EINVAL (-28) /* no wasi_thread_start(i32, i32) export */
/* A full group is retried this often, each time after waiting this long
 * for one of its threads to finish (see wait_for_leaver). */
#define WT_SPAWN_RETRIES 5
#define WT_RETRY_NS 20000000LL

/* The spawned threads of one root instance. */
typedef struct WtFamily {
    WasmInstance *root;
    struct WtFamily *next;
    bool ending; /* the root is ending: no new threads */
    /* Threads spawned and not yet finished (atomic; wait key of the
     * instance-end cleanup). */
    uint32_t n_running;
} WtFamily;

/* Fields are guarded by wt_lock. */
typedef struct WtThread {
    WtFamily *family;
    struct WtThread *next;
    uint32_t tid; /* the app's id */
    uint32_t arg;
    bool spawned; /* tm_tid is valid */
    uintptr_t tm_tid;
    WasmExecEnv *env; /* while its wasm may run; interrupted at instance end */
    bool done;
} WtThread;

static os_mutex wt_lock = OS_MUTEX_INITIALIZER;
static WtFamily *families;
static WtThread *threads;
static uint32_t next_tid = 1;

/* ---- bookkeeping (wt_lock held) ---- */

static WtFamily *family_of(const WasmInstance *inst, bool create)
{
    WtFamily *f = families;
    while (f && f->root != inst->family)
        f = f->next;
    if (f || !create)
        return f;
    f = mem_calloc(1, sizeof *f);
    if (f) {
        f->root = inst->family;
        f->next = families;
        families = f;
    }
    return f;
}

static bool tid_in_use(uint32_t tid)
{
    for (WtThread *t = threads; t; t = t->next) {
        if (t->tid == tid)
            return true;
    }
    return false;
}

static uint32_t new_tid(void)
{
    uint32_t tid;
    do {
        tid = next_tid;
        next_tid = next_tid == WT_MAX_TID ? 1 : next_tid + 1;
    } while (tid_in_use(tid));
    return tid;
}

static void unlink_thread(WtThread *t)
{
    for (WtThread **p = &threads; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            return;
        }
    }
}

/* A finished spawned thread of f (any finished or failed one when
 * all is set), unlinked; NULL when there is none. */
static WtThread *take_thread(const WtFamily *f, bool all)
{
    for (WtThread *t = threads; t; t = t->next) {
        if (t->family == f && (all || (t->done && t->spawned))) {
            unlink_thread(t);
            return t;
        }
    }
    return NULL;
}

/* Joins and frees the finished threads of f (all of them when all is set,
 * which is only done once none runs); returns how many. */
static uint32_t reap(WtFamily *f, bool all)
{
    for (uint32_t n = 0;; n++) {
        os_mutex_lock(&wt_lock);
        WtThread *t = take_thread(f, all);
        os_mutex_unlock(&wt_lock);
        if (!t)
            return n;
        if (t->spawned)
            tm_join_thread(t->tm_tid, NULL);
        mem_free(t);
    }
}

/* ---- the thread ---- */

static void thread_ends(WtThread *t)
{
    WtFamily *f = t->family;
    os_mutex_lock(&wt_lock);
    t->env = NULL;
    t->done = true;
    __atomic_sub_fetch(&f->n_running, 1, __ATOMIC_SEQ_CST);
    os_mutex_unlock(&wt_lock);
    notify_address(&f->n_running, UINT32_MAX);
}

/* The OS thread's body (tm_spawn_thread destroys env after it). A trap
 * or proc_exit inside takes the group down (api_call does it). */
static void *thread_main(WasmExecEnv *env, void *arg)
{
    WtThread *t = arg;
    os_mutex_lock(&wt_lock);
    t->env = env;
    bool ending = t->family->ending;
    uint32_t argv[2] = {t->tid, t->arg};
    os_mutex_unlock(&wt_lock);
    wasm_function_inst_t start =
        wasm_runtime_lookup_function(wasm_runtime_get_module_inst(env), WT_START, "(ii)");
    if (!ending && start)
        wasm_runtime_call_wasm(env, start, 2, argv);
    thread_ends(t);
    return NULL;
}

/* A new thread of inst's family, counted as running; NULL when the family
 * is ending or memory runs out. */
static WtThread *new_thread(const WasmInstance *inst, uint32_t arg)
{
    WtThread *t = mem_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    os_mutex_lock(&wt_lock);
    WtFamily *f = family_of(inst, true);
    if (f && !f->ending) {
        t->family = f;
        t->tid = new_tid();
        t->arg = arg;
        t->next = threads;
        threads = t;
        __atomic_add_fetch(&f->n_running, 1, __ATOMIC_SEQ_CST);
    }
    os_mutex_unlock(&wt_lock);
    if (!t->family) {
        mem_free(t);
        return NULL;
    }
    return t;
}

/* Apps join wasi threads on an atomic the thread writes just before its
 * wasm returns, so a thread the app saw end may still hold its place in
 * the group for a moment. Reaps the finished ones (their places come
 * free), else waits a little for one of the running ones to finish; false
 * when there is nothing to wait for. */
static bool wait_for_leaver(WtFamily *f)
{
    if (reap(f, false) > 0)
        return true;
    uint32_t n = __atomic_load_n(&f->n_running, __ATOMIC_SEQ_CST);
    if (n <= 1) /* only the thread being spawned */
        return false;
    wait_on_address(&f->n_running, n, false, WT_RETRY_NS, NULL);
    reap(f, false);
    return true;
}

/* thread-spawn(start_arg) -> tid (> 0), or a negative error. */
static int32_t wt_thread_spawn(WasmExecEnv *env, uint32_t start_arg)
{
    WasmInstance *inst = env->module_inst;
    if (!wasm_runtime_lookup_function(inst, WT_START, "(ii)"))
        return WT_EINVAL;
    os_mutex_lock(&wt_lock);
    WtFamily *f = family_of(inst, false);
    os_mutex_unlock(&wt_lock);
    if (f)
        reap(f, false);
    WtThread *t = new_thread(inst, start_arg);
    if (!t)
        return WT_EAGAIN;
    uintptr_t tm_tid;
    bool ok = tm_spawn_thread(env, &tm_tid, thread_main, t) == 0;
    for (int i = 0; !ok && i < WT_SPAWN_RETRIES && wait_for_leaver(t->family); i++)
        ok = tm_spawn_thread(env, &tm_tid, thread_main, t) == 0;
    os_mutex_lock(&wt_lock);
    if (ok) {
        t->tm_tid = tm_tid;
        t->spawned = true;
    } else {
        unlink_thread(t);
        __atomic_sub_fetch(&t->family->n_running, 1, __ATOMIC_SEQ_CST);
    }
    int32_t tid = (int32_t)t->tid;
    f = t->family;
    os_mutex_unlock(&wt_lock);
    if (ok)
        return tid;
    notify_address(&f->n_running, UINT32_MAX);
    mem_free(t);
    return WT_EAGAIN;
}

/* ---- registration and the end of an instance ---- */

static NativeSymbol wt_natives[] = {
    {"thread-spawn", (void *)wt_thread_spawn, "(i)i", NULL},
};

bool wasi_threads_register(void)
{
    return wasm_runtime_register_natives("wasi", wt_natives,
                                         (uint32_t)(sizeof wt_natives / sizeof wt_natives[0]));
}

/* Marks inst's family as ending and interrupts its running threads; NULL
 * when inst never spawned. */
static WtFamily *end_family(const WasmInstance *inst)
{
    os_mutex_lock(&wt_lock);
    WtFamily *f = family_of(inst, false);
    if (f) {
        f->ending = true;
        for (WtThread *t = threads; t; t = t->next) {
            if (t->family == f && t->env)
                atomic_store(&t->env->interrupt, 1);
        }
    }
    os_mutex_unlock(&wt_lock);
    return f;
}

void wasi_threads_instance_ended(WasmInstance *inst)
{
    WtFamily *f = inst && inst->family == inst ? end_family(inst) : NULL;
    if (!f)
        return;
    uint32_t n;
    while ((n = __atomic_load_n(&f->n_running, __ATOMIC_SEQ_CST)) != 0)
        wait_on_address(&f->n_running, n, false, -1, NULL);
    reap(f, true);
    os_mutex_lock(&wt_lock);
    for (WtFamily **p = &families; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    os_mutex_unlock(&wt_lock);
    mem_free(f);
}
