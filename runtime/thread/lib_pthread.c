/* lib-pthread (see lib_pthread.h). Threads, mutexes and condition variables
 * are runtime objects in one registry, named to the app by 32-bit handles
 * (the 4 bytes of its pthread_t, pthread_mutex_t, pthread_cond_t), never by
 * host pointers. Each object belongs to the family (root instance) whose
 * code made it, only that family can use it, and all of a family's objects
 * are freed when its root instance ends. Every blocking wait parks in the
 * wait/notify lot (wait.c), which polls the exec env's interrupt flag, so a
 * terminated group never stays blocked here. */
#include "lib_pthread.h"

#include <string.h>

#include "../common/instance.h"
#include "../include/wasm_export.h"
#include "../mem/mem.h"
#include "../platform/os.h"
#include "thread_mgr.h"
#include "wait.h"

#define PT_KEYS_MAX 32 /* as WAMR's WAMR_PTHREAD_KEYS_MAX */
#define PT_DESTRUCTOR_ROUNDS 4 /* POSIX's PTHREAD_DESTRUCTOR_ITERATIONS */
#define PT_BUCKETS 256
#define PT_ALIGN_TRIES 8 /* posix_memalign: allocations tried for a big alignment */

/* The app's errno values (Linux's, as in the sysroot's errno.h and
 * pthread.h). EINTR is never seen by the app: the call then traps. */
enum {
    PT_EPERM = 1,
    PT_ESRCH = 3,
    PT_EINTR = 4,
    PT_EAGAIN = 11,
    PT_ENOMEM = 12,
    PT_EBUSY = 16,
    PT_EINVAL = 22,
    PT_EDEADLK = 35,
    PT_ETIMEDOUT = 110,
};

typedef enum { PT_THREAD, PT_MUTEX, PT_COND } PtKind;

typedef struct PtKey {
    bool used;
    uint32_t destructor; /* table 0 index, 0 = none */
} PtKey;

/* Per root instance: its keys and what waits for its threads. */
typedef struct PtFamily {
    WasmInstance *root;
    struct PtFamily *next;
    bool ending; /* the root instance is ending: no new threads */
    /* Threads created and not yet finished (atomic; wait key of the
     * instance-end cleanup). */
    uint32_t n_running;
    PtKey keys[PT_KEYS_MAX];
    /* Key values of the threads lib-pthread did not start (the main one). */
    uint32_t main_values[PT_KEYS_MAX];
} PtFamily;

/* The header of every object. Fields are guarded by reg_lock. */
typedef struct PtObj {
    uint32_t id; /* the app's handle, never 0 */
    PtKind kind;
    PtFamily *family;
    uint32_t refs; /* natives using it right now */
    bool unlinked; /* out of the registry: freed when refs drops to 0 */
    struct PtObj *next; /* hash chain */
} PtObj;

typedef struct PtThread {
    PtObj obj;
    /* 0 while pthread_create is still making the OS thread, then
     * PT_SPAWNED (tid valid) or PT_FAILED (it never ran). Atomic; wait key
     * of a joiner that got the handle that early (from pthread_self). */
    uint32_t started;
    uintptr_t tid; /* tm_spawn_thread's */
    WasmExecEnv *env; /* while its wasm may run; interrupted at instance end */
    uint32_t start, arg; /* the start routine (table 0 index) and its argument */
    uint32_t result; /* what it returned or gave pthread_exit */
    uint32_t done; /* 1 once finished (atomic; wait key of joiners) */
    bool detached, joining;
    uint32_t values[PT_KEYS_MAX]; /* key values, written by this thread only */
} PtThread;

enum { PT_SPAWNED = 1, PT_FAILED = 2 };

typedef struct PtMutex {
    PtObj obj;
    uint32_t state; /* 0 free, 1 locked, 2 locked and maybe waited for (atomic) */
    WasmExecEnv *owner; /* atomic; errors for relock and foreign unlock */
} PtMutex;

typedef struct PtCond {
    PtObj obj;
    uint32_t seq; /* bumped by every signal (atomic; the waiters' wait key) */
    uint32_t waiters; /* atomic; destroy fails while there are some */
} PtCond;

static os_mutex reg_lock = OS_MUTEX_INITIALIZER;
static PtObj *buckets[PT_BUCKETS];
static PtFamily *families;
static uint32_t next_id = 1;
/* The record of the thread lib-pthread started on this OS thread, or NULL. */
static _Thread_local PtThread *self;

/* ====================================================================== */
/* App memory                                                              */
/* ====================================================================== */

static uint32_t load_u32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void store_u32(void *p, uint32_t v)
{
    uint8_t *b = p;
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* Whether p, a '*' argument (checked for 1 byte), is a usable 4-byte word:
 * app offset 0 is the app's NULL (false); a word running past the end of
 * memory sets "out of bounds memory access" (false, and the call traps). */
static bool app_word(WasmInstance *inst, void *p)
{
    if (!inst->memory || p == (void *)inst->memory->data)
        return false;
    return wasm_runtime_validate_native_addr(inst, p, 4);
}

/* ====================================================================== */
/* Registry (reg_lock held)                                                */
/* ====================================================================== */

static PtObj *find_obj(uint32_t id)
{
    PtObj *o = buckets[id % PT_BUCKETS];
    while (o && o->id != id)
        o = o->next;
    return o;
}

static void link_obj(PtObj *o, PtKind kind, PtFamily *f)
{
    do
        o->id = next_id++;
    while (o->id == 0 || find_obj(o->id));
    o->kind = kind;
    o->family = f;
    o->next = buckets[o->id % PT_BUCKETS];
    buckets[o->id % PT_BUCKETS] = o;
}

static void unlink_obj(PtObj *o)
{
    for (PtObj **p = &buckets[o->id % PT_BUCKETS]; *p; p = &(*p)->next) {
        if (*p == o) {
            *p = o->next;
            break;
        }
    }
    o->unlinked = true;
}

/* Some linked object of f, of any kind when kind < 0, or NULL. */
static PtObj *any_obj_of(const PtFamily *f, int kind)
{
    for (uint32_t b = 0; b < PT_BUCKETS; b++) {
        for (PtObj *o = buckets[b]; o; o = o->next) {
            if (o->family == f && (kind < 0 || o->kind == (PtKind)kind))
                return o;
        }
    }
    return NULL;
}

/* The family of inst; made when create is set (NULL when out of memory). */
static PtFamily *family_of(const WasmInstance *inst, bool create)
{
    PtFamily *f = families;
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

/* The linked object id of the given kind in inst's family, with a
 * reference the caller drops with put_obj; NULL for a garbage handle. */
static PtObj *hold_obj(const WasmInstance *inst, uint32_t id, PtKind kind)
{
    os_mutex_lock(&reg_lock);
    PtFamily *f = family_of(inst, false);
    PtObj *o = f ? find_obj(id) : NULL;
    if (o && (o->kind != kind || o->family != f))
        o = NULL;
    if (o)
        o->refs++;
    os_mutex_unlock(&reg_lock);
    return o;
}

static void put_obj(PtObj *o)
{
    if (!o)
        return;
    os_mutex_lock(&reg_lock);
    bool last = --o->refs == 0 && o->unlinked;
    os_mutex_unlock(&reg_lock);
    if (last)
        mem_free(o);
}

/* hold_obj on the handle stored at p, a '*' argument. */
static PtObj *hold_app_obj(WasmExecEnv *env, void *p, PtKind kind)
{
    WasmInstance *inst = env->module_inst;
    return app_word(inst, p) ? hold_obj(inst, load_u32(p), kind) : NULL;
}

/* A blocking call saw its env interrupted: make sure the call traps (the
 * terminating thread normally set the exception already). */
static int32_t stopped(WasmExecEnv *env)
{
    rt_set_exception_if_none(env->module_inst, "terminated by user");
    return PT_EINTR;
}

/* ====================================================================== */
/* Calls through table 0                                                   */
/* ====================================================================== */

/* Element index of table 0 as the calling instance's function (a function
 * of a family member runs as the caller's own copy, with its own globals),
 * checked against the type params -> results (i32 only, at most one each).
 * NULL with the trap message in *out_why. */
static WasmFunc *table0_func(WasmInstance *inst, uint32_t index, uint32_t n_params,
                             uint32_t n_results, const char **out_why)
{
    WasmFunc *f = NULL;
    if (inst->module->n_tables == 0 || inst->tables[0]->elem_type != VT_FUNCREF)
        *out_why = "unknown table 0";
    else if (index >= inst->tables[0]->size)
        *out_why = "undefined element";
    else if (!(f = inst->tables[0]->elems[index]))
        *out_why = "uninitialized element";
    if (!f)
        return NULL;
    if (f->inst && f->inst != inst && f->inst->family == inst->family)
        f = inst->funcs[f->func_index];
    const FuncType *t = f->type;
    if (t->n_params != n_params || t->n_results != n_results ||
        (n_params && ft_params(t)[0] != VT_I32) || (n_results && ft_results(t)[0] != VT_I32)) {
        *out_why = "indirect call type mismatch";
        return NULL;
    }
    return f;
}

/* A trap of this thread outside any wasm call: it takes the group down,
 * as a trap inside the call would (api_call). */
static void trap_group(WasmExecEnv *env, const char *why)
{
    rt_set_exception(env->module_inst, why);
    tm_terminate_group(env, why);
}

/* Calls f(arg) on env; pthread_exit inside it counts as a normal end.
 * False when the call trapped (the group is then going down). */
static bool call_routine(WasmExecEnv *env, WasmFunc *f, uint32_t arg, uint32_t *out_result)
{
    uint32_t argv[1] = {arg};
    if (wasm_runtime_call_wasm(env, f, 1, argv)) {
        *out_result = argv[0];
        return true;
    }
    if (!lib_pthread_is_exit(rt_get_exception(env->module_inst)))
        return false;
    rt_clear_exception(env->module_inst);
    *out_result = self->result;
    return true;
}

/* ====================================================================== */
/* Threads                                                                 */
/* ====================================================================== */

/* Takes the value of key k and its destructor when both are set. */
static bool take_key_value(PtThread *t, uint32_t k, uint32_t *out_value,
                           uint32_t *out_destructor)
{
    os_mutex_lock(&reg_lock);
    PtKey *key = &t->obj.family->keys[k];
    bool take = key->used && key->destructor && t->values[k];
    if (take) {
        *out_value = t->values[k];
        *out_destructor = key->destructor;
        t->values[k] = 0;
    }
    os_mutex_unlock(&reg_lock);
    return take;
}

/* POSIX: destructors of non-NULL values, repeated while they set more. */
static void run_key_destructors(WasmExecEnv *env, PtThread *t)
{
    for (int round = 0; round < PT_DESTRUCTOR_ROUNDS; round++) {
        bool called = false;
        for (uint32_t k = 0; k < PT_KEYS_MAX; k++) {
            uint32_t value, index, ignored;
            const char *why = NULL;
            if (!take_key_value(t, k, &value, &index))
                continue;
            called = true;
            WasmFunc *f = table0_func(env->module_inst, index, 1, 0, &why);
            if (!f) {
                trap_group(env, why);
                return;
            }
            if (!call_routine(env, f, value, &ignored))
                return;
        }
        if (!called)
            return;
    }
}

/* The thread's start routine; false when it trapped. */
static bool run_start_routine(WasmExecEnv *env, PtThread *t, uint32_t *out_result)
{
    const char *why = NULL;
    WasmFunc *f = table0_func(env->module_inst, t->start, 1, 1, &why);
    if (!f) {
        trap_group(env, why);
        return false;
    }
    return call_routine(env, f, t->arg, out_result);
}

/* False when the family is already ending: the thread then does not run. */
static bool thread_begins(PtThread *t, WasmExecEnv *env)
{
    os_mutex_lock(&reg_lock);
    t->env = env;
    bool ending = t->obj.family->ending;
    os_mutex_unlock(&reg_lock);
    return !ending;
}

/* After this a joiner may free t, but only once this OS thread has ended
 * (it joins it first), so t stays valid until we return. */
static void thread_ends(PtThread *t, uint32_t result)
{
    PtFamily *f = t->obj.family;
    os_mutex_lock(&reg_lock);
    t->env = NULL;
    t->result = result;
    __atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&f->n_running, 1, __ATOMIC_SEQ_CST);
    os_mutex_unlock(&reg_lock);
    notify_address(&t->done, UINT32_MAX);
    notify_address(&f->n_running, UINT32_MAX);
}

/* The OS thread's body (tm_spawn_thread destroys env after it). */
static void *thread_main(WasmExecEnv *env, void *arg)
{
    PtThread *t = arg;
    uint32_t result = 0;
    self = t;
    if (thread_begins(t, env) && run_start_routine(env, t, &result) &&
        !atomic_load(&env->interrupt))
        run_key_destructors(env, t);
    thread_ends(t, result);
    self = NULL;
    return NULL;
}

/* Joins and frees the finished detached threads of f, so that they hold
 * no OS thread or group place. */
static void reap_detached(PtFamily *f)
{
    for (;;) {
        PtThread *t = NULL;
        os_mutex_lock(&reg_lock);
        for (uint32_t b = 0; b < PT_BUCKETS && !t; b++) {
            for (PtObj *o = buckets[b]; o && !t; o = o->next) {
                PtThread *c = (PtThread *)o;
                if (o->family == f && o->kind == PT_THREAD && c->detached &&
                    __atomic_load_n(&c->done, __ATOMIC_SEQ_CST) &&
                    __atomic_load_n(&c->started, __ATOMIC_SEQ_CST) == PT_SPAWNED)
                    t = c;
            }
        }
        if (t)
            unlink_obj(&t->obj);
        os_mutex_unlock(&reg_lock);
        if (!t)
            return;
        tm_join_thread(t->tid, NULL);
        mem_free(t);
    }
}

/* A new thread record of inst's family, counted as running; NULL when
 * the family is ending or memory runs out. */
static PtThread *new_thread(const WasmInstance *inst, uint32_t start, uint32_t arg)
{
    PtThread *t = mem_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    os_mutex_lock(&reg_lock);
    PtFamily *f = family_of(inst, true);
    if (f && !f->ending) {
        link_obj(&t->obj, PT_THREAD, f);
        t->start = start;
        t->arg = arg;
        __atomic_add_fetch(&f->n_running, 1, __ATOMIC_SEQ_CST);
    }
    os_mutex_unlock(&reg_lock);
    if (!t->obj.family) {
        mem_free(t);
        return NULL;
    }
    return t;
}

/* Records how pthread_create's spawn went; false when it failed. A failed
 * thread never ran, so only a guessed handle can name it: a joiner that
 * holds it frees it, else it goes now. */
static bool spawn_done(PtThread *t, bool ok, uintptr_t tid)
{
    PtFamily *f = t->obj.family;
    bool free_now = false;
    os_mutex_lock(&reg_lock);
    if (ok)
        t->tid = tid;
    __atomic_store_n(&t->started, ok ? PT_SPAWNED : PT_FAILED, __ATOMIC_SEQ_CST);
    if (!ok) {
        __atomic_sub_fetch(&f->n_running, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
        free_now = !t->joining;
        if (free_now)
            unlink_obj(&t->obj);
    }
    os_mutex_unlock(&reg_lock);
    notify_address(&t->started, UINT32_MAX);
    if (!ok) {
        notify_address(&t->done, UINT32_MAX);
        notify_address(&f->n_running, UINT32_MAX);
    }
    if (free_now)
        mem_free(t);
    return ok;
}

/* pthread_create(pthread_t *thread, const void *attr (ignored),
 *                void *(*start)(void *) (table 0 index), void *arg) */
static int32_t pt_create(WasmExecEnv *env, void *thread, void *attr, uint32_t start, uint32_t arg)
{
    WasmInstance *inst = env->module_inst;
    (void)attr;
    if (!app_word(inst, thread))
        return PT_EINVAL;
    uint32_t at = wasm_runtime_addr_native_to_app(inst, thread);
    os_mutex_lock(&reg_lock);
    PtFamily *f = family_of(inst, true);
    os_mutex_unlock(&reg_lock);
    if (f)
        reap_detached(f);
    PtThread *t = new_thread(inst, start, arg);
    if (!t)
        return PT_EAGAIN;
    /* once spawned, t may be joined and freed by any thread at any time */
    uint32_t id = t->obj.id;
    uintptr_t tid = 0;
    bool ok = tm_spawn_thread(env, &tid, thread_main, t) == 0;
    if (!spawn_done(t, ok, tid))
        return PT_EAGAIN;
    /* memory may have moved while the thread was made: find the word again */
    store_u32(wasm_runtime_addr_app_to_native(inst, at), id);
    return 0;
}

/* The thread id of inst's family, or NULL (reg_lock held). */
static PtThread *find_thread(const WasmInstance *inst, uint32_t id)
{
    PtFamily *f = family_of(inst, false);
    PtObj *o = f ? find_obj(id) : NULL;
    if (!o || o->kind != PT_THREAD || o->family != f)
        return NULL;
    return (PtThread *)o;
}

/* Waits until *word (atomic) is not 0; false when env was interrupted. */
static bool wait_word_set(WasmExecEnv *env, uint32_t *word)
{
    while (!__atomic_load_n(word, __ATOMIC_SEQ_CST)) {
        if (wait_on_address(word, 0, false, -1, &env->interrupt) < 0)
            return false;
    }
    return true;
}

/* Claims t for joining; 0 or the error. */
static int32_t claim_join(WasmExecEnv *env, uint32_t id, PtThread **out_t)
{
    int32_t r = 0;
    os_mutex_lock(&reg_lock);
    PtThread *t = find_thread(env->module_inst, id);
    if (!t)
        r = PT_ESRCH;
    else if (t == self)
        r = PT_EDEADLK;
    else if (t->detached || t->joining)
        r = PT_EINVAL;
    else
        t->joining = true;
    os_mutex_unlock(&reg_lock);
    *out_t = t;
    return r;
}

/* pthread_join(pthread_t thread, void **retval (app offset, 0 = NULL)) */
static int32_t pt_join(WasmExecEnv *env, uint32_t id, uint32_t retval)
{
    WasmInstance *inst = env->module_inst;
    PtThread *t;
    if (retval && !wasm_runtime_validate_app_addr(inst, retval, 4))
        return PT_EINVAL;
    int32_t r = claim_join(env, id, &t);
    if (r)
        return r;
    if (!wait_word_set(env, &t->done) || !wait_word_set(env, &t->started)) {
        os_mutex_lock(&reg_lock);
        t->joining = false;
        bool orphan = __atomic_load_n(&t->started, __ATOMIC_SEQ_CST) == PT_FAILED;
        if (orphan) /* its creator left it to us */
            unlink_obj(&t->obj);
        os_mutex_unlock(&reg_lock);
        if (orphan)
            mem_free(t);
        return stopped(env);
    }
    if (__atomic_load_n(&t->started, __ATOMIC_SEQ_CST) == PT_SPAWNED)
        tm_join_thread(t->tid, NULL);
    os_mutex_lock(&reg_lock);
    uint32_t result = t->result;
    unlink_obj(&t->obj);
    os_mutex_unlock(&reg_lock);
    mem_free(t);
    if (retval)
        store_u32(wasm_runtime_addr_app_to_native(inst, retval), result);
    return 0;
}

/* pthread_detach(pthread_t thread) */
static int32_t pt_detach(WasmExecEnv *env, uint32_t id)
{
    int32_t r = 0;
    bool done = false;
    os_mutex_lock(&reg_lock);
    PtThread *t = find_thread(env->module_inst, id);
    if (!t)
        r = PT_ESRCH;
    else if (t->detached || t->joining)
        r = PT_EINVAL;
    else {
        t->detached = true;
        done = __atomic_load_n(&t->done, __ATOMIC_SEQ_CST);
    }
    PtFamily *f = t ? t->obj.family : NULL;
    os_mutex_unlock(&reg_lock);
    if (done)
        reap_detached(f);
    return r;
}

/* pthread_exit(void *value): ends the calling thread's start routine as if
 * it returned value. On a thread lib-pthread did not start (the main one)
 * it does nothing, as in WAMR. */
static void pt_exit(WasmExecEnv *env, uint32_t value)
{
    if (!self)
        return;
    self->result = value;
    rt_set_exception(env->module_inst, LIB_PTHREAD_EXIT_MSG);
}

/* pthread_self(): the thread's handle; 0 on the main thread, as WAMR. */
static uint32_t pt_self(WasmExecEnv *env)
{
    (void)env;
    return self ? self->obj.id : 0;
}

/* ====================================================================== */
/* Mutexes: a futex-style word in the parking lot                          */
/* ====================================================================== */

/* 0, EDEADLK when env holds it already, EINTR when interrupted. */
static int32_t mutex_acquire(PtMutex *m, WasmExecEnv *env)
{
    if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == env)
        return PT_EDEADLK;
    uint32_t c = 0;
    if (!__atomic_compare_exchange_n(&m->state, &c, 1, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED)) {
        if (c != 2)
            c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
        while (c != 0) {
            if (wait_on_address(&m->state, 2, false, -1, &env->interrupt) < 0)
                return PT_EINTR;
            c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
        }
    }
    __atomic_store_n(&m->owner, env, __ATOMIC_RELAXED);
    return 0;
}

static void mutex_release(PtMutex *m)
{
    __atomic_store_n(&m->owner, NULL, __ATOMIC_RELAXED);
    if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2)
        notify_address(&m->state, 1);
}

/* A new object of inst's family, its handle stored at p; 0 or the error. */
static int32_t new_obj(WasmExecEnv *env, void *p, PtKind kind, size_t size)
{
    WasmInstance *inst = env->module_inst;
    if (!app_word(inst, p))
        return PT_EINVAL;
    PtObj *o = mem_calloc(1, size);
    if (!o)
        return PT_ENOMEM;
    os_mutex_lock(&reg_lock);
    PtFamily *f = family_of(inst, true);
    if (f)
        link_obj(o, kind, f);
    os_mutex_unlock(&reg_lock);
    if (!f) {
        mem_free(o);
        return PT_ENOMEM;
    }
    store_u32(p, o->id);
    return 0;
}

/* Unlinks the object at p unless busy() says it is in use; freed once no
 * native holds it. 0, EINVAL or EBUSY. */
static int32_t destroy_obj(WasmExecEnv *env, void *p, PtKind kind, bool (*busy)(PtObj *))
{
    PtObj *o = hold_app_obj(env, p, kind);
    if (!o)
        return PT_EINVAL;
    int32_t r = busy(o) ? PT_EBUSY : 0;
    if (!r) {
        os_mutex_lock(&reg_lock);
        if (!o->unlinked)
            unlink_obj(o);
        os_mutex_unlock(&reg_lock);
    }
    put_obj(o);
    return r;
}

/* pthread_mutex_init(pthread_mutex_t *mutex, const void *attr (ignored)) */
static int32_t pt_mutex_init(WasmExecEnv *env, void *mutex, void *attr)
{
    (void)attr;
    return new_obj(env, mutex, PT_MUTEX, sizeof(PtMutex));
}

static int32_t pt_mutex_lock(WasmExecEnv *env, void *mutex)
{
    PtMutex *m = (PtMutex *)hold_app_obj(env, mutex, PT_MUTEX);
    if (!m)
        return PT_EINVAL;
    int32_t r = mutex_acquire(m, env);
    put_obj(&m->obj);
    return r == PT_EINTR ? stopped(env) : r;
}

static int32_t pt_mutex_unlock(WasmExecEnv *env, void *mutex)
{
    PtMutex *m = (PtMutex *)hold_app_obj(env, mutex, PT_MUTEX);
    if (!m)
        return PT_EINVAL;
    int32_t r = PT_EPERM;
    if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == env) {
        mutex_release(m);
        r = 0;
    }
    put_obj(&m->obj);
    return r;
}

static bool mutex_busy(PtObj *o)
{
    return __atomic_load_n(&((PtMutex *)o)->state, __ATOMIC_SEQ_CST) != 0;
}

static int32_t pt_mutex_destroy(WasmExecEnv *env, void *mutex)
{
    return destroy_obj(env, mutex, PT_MUTEX, mutex_busy);
}

/* ====================================================================== */
/* Condition variables: a sequence word in the parking lot                 */
/* ====================================================================== */

/* Waits on c with m held by env; timeout_ns < 0: none. The mutex is held
 * again on return, except when interrupted (the call then traps). */
static int32_t cond_wait_held(WasmExecEnv *env, PtCond *c, PtMutex *m, int64_t timeout_ns)
{
    if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != env)
        return PT_EPERM;
    /* read under the mutex: a signal sent after we unlock changes it */
    uint32_t seq = __atomic_load_n(&c->seq, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
    mutex_release(m);
    int w = wait_on_address(&c->seq, seq, false, timeout_ns, &env->interrupt);
    __atomic_sub_fetch(&c->waiters, 1, __ATOMIC_SEQ_CST);
    if (w < 0)
        return PT_EINTR;
    int32_t r = mutex_acquire(m, env);
    return r ? r : w == 2 ? PT_ETIMEDOUT : 0;
}

static int32_t cond_wait(WasmExecEnv *env, void *cond, void *mutex, int64_t timeout_ns)
{
    PtCond *c = (PtCond *)hold_app_obj(env, cond, PT_COND);
    PtMutex *m = c ? (PtMutex *)hold_app_obj(env, mutex, PT_MUTEX) : NULL;
    int32_t r = c && m ? cond_wait_held(env, c, m, timeout_ns) : PT_EINVAL;
    put_obj(m ? &m->obj : NULL);
    put_obj(c ? &c->obj : NULL);
    return r == PT_EINTR ? stopped(env) : r;
}

static int32_t pt_cond_init(WasmExecEnv *env, void *cond, void *attr)
{
    (void)attr;
    return new_obj(env, cond, PT_COND, sizeof(PtCond));
}

static int32_t pt_cond_wait(WasmExecEnv *env, void *cond, void *mutex)
{
    return cond_wait(env, cond, mutex, -1);
}

/* As WAMR's: the timeout is relative, in microseconds. */
static int32_t pt_cond_timedwait(WasmExecEnv *env, void *cond, void *mutex, uint64_t useconds)
{
    int64_t ns = useconds < (uint64_t)INT64_MAX / 1000 ? (int64_t)(useconds * 1000) : -1;
    return cond_wait(env, cond, mutex, ns);
}

static int32_t cond_wake(WasmExecEnv *env, void *cond, uint32_t count)
{
    PtCond *c = (PtCond *)hold_app_obj(env, cond, PT_COND);
    if (!c)
        return PT_EINVAL;
    __atomic_add_fetch(&c->seq, 1, __ATOMIC_SEQ_CST);
    notify_address(&c->seq, count);
    put_obj(&c->obj);
    return 0;
}

static int32_t pt_cond_signal(WasmExecEnv *env, void *cond)
{
    return cond_wake(env, cond, 1);
}

static int32_t pt_cond_broadcast(WasmExecEnv *env, void *cond)
{
    return cond_wake(env, cond, UINT32_MAX);
}

static bool cond_busy(PtObj *o)
{
    return __atomic_load_n(&((PtCond *)o)->waiters, __ATOMIC_SEQ_CST) != 0;
}

static int32_t pt_cond_destroy(WasmExecEnv *env, void *cond)
{
    return destroy_obj(env, cond, PT_COND, cond_busy);
}

/* ====================================================================== */
/* Keys: PT_KEYS_MAX per family, values per thread                         */
/* ====================================================================== */

/* The calling thread's values array (reg_lock held). */
static uint32_t *values_of(PtFamily *f)
{
    return self && self->obj.family == f ? self->values : f->main_values;
}

/* A new key's values start out NULL in every thread of f (reg_lock held). */
static void clear_key_values(PtFamily *f, uint32_t k)
{
    f->main_values[k] = 0;
    for (uint32_t b = 0; b < PT_BUCKETS; b++) {
        for (PtObj *o = buckets[b]; o; o = o->next) {
            if (o->family == f && o->kind == PT_THREAD)
                ((PtThread *)o)->values[k] = 0;
        }
    }
}

/* pthread_key_create(pthread_key_t *key, void (*destructor)(void *)) */
static int32_t pt_key_create(WasmExecEnv *env, void *key, int32_t destructor)
{
    WasmInstance *inst = env->module_inst;
    if (!app_word(inst, key))
        return PT_EINVAL;
    int32_t r = PT_EAGAIN;
    uint32_t k = 0;
    os_mutex_lock(&reg_lock);
    PtFamily *f = family_of(inst, true);
    while (f && k < PT_KEYS_MAX && f->keys[k].used)
        k++;
    if (f && k < PT_KEYS_MAX) {
        f->keys[k].used = true;
        f->keys[k].destructor = (uint32_t)destructor;
        clear_key_values(f, k);
        r = 0;
    }
    os_mutex_unlock(&reg_lock);
    if (!r)
        store_u32(key, k);
    return f ? r : PT_ENOMEM;
}

/* The family of inst when key k is in use in it (reg_lock held). */
static PtFamily *key_family(const WasmInstance *inst, uint32_t k)
{
    PtFamily *f = family_of(inst, false);
    return f && k < PT_KEYS_MAX && f->keys[k].used ? f : NULL;
}

static int32_t pt_key_delete(WasmExecEnv *env, uint32_t k)
{
    os_mutex_lock(&reg_lock);
    PtFamily *f = key_family(env->module_inst, k);
    if (f)
        f->keys[k].used = false;
    os_mutex_unlock(&reg_lock);
    return f ? 0 : PT_EINVAL;
}

/* pthread_setspecific(pthread_key_t key, const void *value (app offset)) */
static int32_t pt_setspecific(WasmExecEnv *env, uint32_t k, uint32_t value)
{
    os_mutex_lock(&reg_lock);
    PtFamily *f = key_family(env->module_inst, k);
    if (f)
        values_of(f)[k] = value;
    os_mutex_unlock(&reg_lock);
    return f ? 0 : PT_EINVAL;
}

static uint32_t pt_getspecific(WasmExecEnv *env, uint32_t k)
{
    os_mutex_lock(&reg_lock);
    PtFamily *f = key_family(env->module_inst, k);
    uint32_t value = f ? values_of(f)[k] : 0;
    os_mutex_unlock(&reg_lock);
    return value;
}

/* ====================================================================== */
/* posix_memalign                                                          */
/* ====================================================================== */

/* An app heap block of size bytes at a multiple of align. The heap aligns
 * to 8; for more, a few blocks are tried (the misaligned ones kept aside
 * so that each try lands elsewhere, then freed). 0 when none fits. */
static uint32_t alloc_aligned(WasmInstance *inst, uint32_t size, uint32_t align)
{
    uint32_t misaligned[PT_ALIGN_TRIES], n = 0, off = 0;
    while (n < PT_ALIGN_TRIES) {
        off = wasm_runtime_module_malloc(inst, size, NULL);
        if (!off || off % align == 0)
            break;
        misaligned[n++] = off;
        off = 0;
    }
    while (n > 0)
        wasm_runtime_module_free(inst, misaligned[--n]);
    return off;
}

/* posix_memalign(void **memptr, size_t align, size_t size) */
static int32_t pt_posix_memalign(WasmExecEnv *env, void *memptr, int32_t align, int32_t size)
{
    WasmInstance *inst = env->module_inst;
    uint32_t a = (uint32_t)align;
    if (!app_word(inst, memptr))
        return PT_EINVAL;
    if (a < 4 || (a & (a - 1)))
        return PT_EINVAL;
    uint32_t at = wasm_runtime_addr_native_to_app(inst, memptr);
    uint32_t off = alloc_aligned(inst, (uint32_t)size, a);
    if (!off)
        return PT_ENOMEM;
    /* the module's own malloc may have grown (moved) memory */
    store_u32(wasm_runtime_addr_app_to_native(inst, at), off);
    return 0;
}

/* ====================================================================== */
/* Registration and the end of an instance                                 */
/* ====================================================================== */

#define PT_NATIVE(name, fn, sig) { name, (void *)(fn), sig, NULL }

/* Signatures exactly as WAMR's lib_pthread_wrapper.c. */
static NativeSymbol pt_natives[] = {
    PT_NATIVE("pthread_create", pt_create, "(**ii)i"),
    PT_NATIVE("pthread_join", pt_join, "(ii)i"),
    PT_NATIVE("pthread_detach", pt_detach, "(i)i"),
    PT_NATIVE("pthread_exit", pt_exit, "(i)"),
    PT_NATIVE("pthread_self", pt_self, "()i"),
    PT_NATIVE("pthread_mutex_init", pt_mutex_init, "(**)i"),
    PT_NATIVE("pthread_mutex_lock", pt_mutex_lock, "(*)i"),
    PT_NATIVE("pthread_mutex_unlock", pt_mutex_unlock, "(*)i"),
    PT_NATIVE("pthread_mutex_destroy", pt_mutex_destroy, "(*)i"),
    PT_NATIVE("pthread_cond_init", pt_cond_init, "(**)i"),
    PT_NATIVE("pthread_cond_wait", pt_cond_wait, "(**)i"),
    PT_NATIVE("pthread_cond_timedwait", pt_cond_timedwait, "(**I)i"),
    PT_NATIVE("pthread_cond_signal", pt_cond_signal, "(*)i"),
    PT_NATIVE("pthread_cond_broadcast", pt_cond_broadcast, "(*)i"),
    PT_NATIVE("pthread_cond_destroy", pt_cond_destroy, "(*)i"),
    PT_NATIVE("pthread_key_create", pt_key_create, "(*i)i"),
    PT_NATIVE("pthread_key_delete", pt_key_delete, "(i)i"),
    PT_NATIVE("pthread_setspecific", pt_setspecific, "(ii)i"),
    PT_NATIVE("pthread_getspecific", pt_getspecific, "(i)i"),
    PT_NATIVE("posix_memalign", pt_posix_memalign, "(*ii)i"),
};

bool lib_pthread_register(void)
{
    return wasm_runtime_register_natives("env", pt_natives,
                                         (uint32_t)(sizeof pt_natives / sizeof pt_natives[0]));
}

/* Marks inst's family as ending and interrupts its running threads; NULL
 * when inst has no family. */
static PtFamily *end_family(const WasmInstance *inst)
{
    os_mutex_lock(&reg_lock);
    PtFamily *f = family_of(inst, false);
    if (f) {
        f->ending = true;
        for (uint32_t b = 0; b < PT_BUCKETS; b++) {
            for (PtObj *o = buckets[b]; o; o = o->next) {
                PtThread *t = (PtThread *)o;
                if (o->family == f && o->kind == PT_THREAD && t->env)
                    atomic_store(&t->env->interrupt, 1);
            }
        }
    }
    os_mutex_unlock(&reg_lock);
    return f;
}

static void wait_threads_finished(PtFamily *f)
{
    uint32_t n;
    while ((n = __atomic_load_n(&f->n_running, __ATOMIC_SEQ_CST)) != 0)
        wait_on_address(&f->n_running, n, false, -1, NULL);
}

/* Frees every object of f (its threads have all finished, so no native
 * holds any), joining the OS threads, then f itself. */
static void free_family(PtFamily *f)
{
    for (;;) {
        os_mutex_lock(&reg_lock);
        PtObj *o = any_obj_of(f, -1);
        if (o)
            unlink_obj(o);
        os_mutex_unlock(&reg_lock);
        if (!o)
            break;
        if (o->kind == PT_THREAD &&
            __atomic_load_n(&((PtThread *)o)->started, __ATOMIC_SEQ_CST) == PT_SPAWNED)
            tm_join_thread(((PtThread *)o)->tid, NULL);
        mem_free(o);
    }
    os_mutex_lock(&reg_lock);
    for (PtFamily **p = &families; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    os_mutex_unlock(&reg_lock);
    mem_free(f);
}

void lib_pthread_instance_ended(WasmInstance *inst)
{
    PtFamily *f = inst && inst->family == inst ? end_family(inst) : NULL;
    if (!f)
        return;
    wait_threads_finished(f);
    free_family(f);
}
