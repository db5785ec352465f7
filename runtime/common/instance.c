/* Instantiation and linking: resolves and checks imports, creates what a
 * module defines, applies active segments and runs the start function in the
 * order of the WebAssembly 2.0 spec (or leaves the start function to the
 * caller, RT_INSTANTIATE_DEFER_START). Also host objects, instance lifetime,
 * export lookup, segment operations (segments.h) and memory/table growth. */
#include "instance.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../config.h"
#include "../interp/guard.h"
#include "../interp/interp.h"
#include "../mem/mem.h"
#include "error.h"
#include "segments.h"

enum { WASM_PAGE_SIZE = 65536 };

/* Per-instantiation bookkeeping, dropped when rt_instantiate returns. */
typedef struct Linker {
    const WasmModule *m;
    WasmInstance *inst;
    /* Per import: the exporting instance (NULL for host objects), and
     * whether that object may now hold references to this instance's
     * functions (see keep_failed_instance). */
    WasmInstance **owners;
    uint8_t *may_hold;
    /* Per imported table: its import index. */
    uint32_t *table_imports;
    uint32_t n_func, n_table, n_global; /* imports bound so far, per kind */
    char *err;
    uint32_t err_size;
} Linker;

static void instance_destroy(WasmInstance *inst);
static void find_aux_stack_bottom(WasmInstance *inst);

static bool fits_size_t(uint64_t n)
{
    return n == (uint64_t)(size_t)n;
}

/* ======================= memories and tables ======================= */

/* Fills mem for limits lim and provides its zeroed bytes: guard pages when
 * they can be had (guard.h), else an allocated block. */
static bool memory_setup(WasmMemory *mem, const Limits *lim)
{
    uint32_t max = lim->has_max ? lim->max : WR_MAX_MEMORY_PAGES;
    /* Other threads access a shared memory while it grows, so its bytes
     * must never move: an allocated block holds the maximum from the start
     * (calloc of a large block is lazily zeroed address space, not touched
     * pages); a guard reservation never moves anyway and commits on grow. */
    uint32_t reserve = lim->shared ? max : lim->min;

    if (lim->min > max || max > WR_MAX_MEMORY_PAGES)
        return false;
    mem->guarded = false;
    if (!guard_memory_map(mem, (uint64_t)lim->min * WASM_PAGE_SIZE)) {
        if (!fits_size_t((uint64_t)reserve * WASM_PAGE_SIZE))
            return false;
        /* 0 pages still gets a (1-byte) block: data is never NULL. */
        mem->data = mem_calloc(reserve, WASM_PAGE_SIZE);
        if (!mem->data)
            return false;
    }
    mem->pages = lim->min;
    mem->size = (uint64_t)lim->min * WASM_PAGE_SIZE;
    mem->max_pages = max;
    mem->has_max = lim->has_max;
    mem->shared = lim->shared;
    return true;
}

/* Fills t for type tt, every element NULL. */
static bool table_setup(WasmTable *t, const TableType *tt)
{
    const Limits *lim = &tt->limits;
    uint32_t max = lim->has_max ? lim->max : UINT32_MAX;

    if (lim->min > max || lim->min > WR_MAX_TABLE_SIZE)
        return false;
    t->elems = mem_calloc(lim->min, sizeof *t->elems);
    if (!t->elems)
        return false;
    t->elem_type = tt->elem_type;
    t->size = lim->min;
    t->max = max;
    t->has_max = lim->has_max;
    return true;
}

int32_t rt_memory_grow(WasmMemory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    uint64_t pages = (uint64_t)old + delta;
    uint64_t size = pages * WASM_PAGE_SIZE;
    uint8_t *data = mem->data;

    if (pages > mem->max_pages || pages > WR_MAX_MEMORY_PAGES || !fits_size_t(size))
        return -1;
    /* Allocated shared memories already hold their maximum (memory_setup). */
    if (mem->guarded) {
        if (!guard_memory_commit(mem, mem->size, size))
            return -1;
    } else if (!mem->shared && delta > 0) {
        data = mem_realloc(mem->data, (size_t)size);
        if (!data)
            return -1;
        memset(data + mem->size, 0, (size_t)(size - mem->size));
    }
    mem->data = data;
    mem->pages = (uint32_t)pages;
    mem->size = size;
    return (int32_t)old;
}

int32_t rt_table_grow(WasmTable *t, uint32_t delta, void *init)
{
    uint32_t old = t->size;
    uint64_t size = (uint64_t)old + delta;
    void **elems;
    uint64_t i;

    if (size > t->max || size > WR_MAX_TABLE_SIZE)
        return -1;
    if (delta == 0)
        return (int32_t)old;
    elems = mem_realloc(t->elems, (size_t)size * sizeof *elems);
    if (!elems)
        return -1;
    for (i = old; i < size; i++)
        elems[i] = init;
    t->elems = elems;
    t->size = (uint32_t)size;
    return (int32_t)old;
}

/* =========================== host objects ========================== */

/* argv cells (uint32 units) of one value in the embedding API. */
static uint32_t value_cells(uint8_t type)
{
    switch (type) {
    case VT_I64:
    case VT_F64:
        return 2;
    case VT_V128:
        return 4;
    default:
        return 1;
    }
}

FuncType *rt_functype_new(const uint8_t *params, uint32_t n_params, const uint8_t *results,
                          uint32_t n_results)
{
    FuncType *t;
    uint32_t i;

    if (n_params > WR_MAX_PARAMS || n_results > WR_MAX_RESULTS)
        return NULL;
    t = mem_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->types = mem_alloc((size_t)n_params + n_results);
    if (!t->types)
        goto fail;
    if (n_params > 0)
        memcpy(t->types, params, n_params);
    if (n_results > 0)
        memcpy(t->types + n_params, results, n_results);
    t->n_params = n_params;
    t->n_results = n_results;
    for (i = 0; i < n_params; i++)
        t->param_cells += value_cells(params[i]);
    for (i = 0; i < n_results; i++)
        t->result_cells += value_cells(results[i]);
    return t;
fail:
    mem_free(t);
    return NULL;
}

void rt_functype_free(FuncType *t)
{
    if (!t)
        return;
    mem_free(t->types);
    mem_free(t);
}

WasmFunc *rt_host_func_new(const FuncType *type, HostFuncRaw fn, void *attachment)
{
    WasmFunc *f;

    if (!type || !fn)
        return NULL;
    f = mem_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->type = type;
    f->host_fn = fn;
    f->attachment = attachment;
    return f;
}

static void release_kept(KeptInstances *k)
{
    for (uint32_t i = 0; i < k->count; i++)
        rt_instance_release(k->items[i]);
    mem_free(k->items);
    k->items = NULL;
    k->count = 0;
}

static bool add_kept(KeptInstances *k, WasmInstance *inst)
{
    WasmInstance **items = mem_realloc(k->items, ((size_t)k->count + 1) * sizeof *items);
    if (!items)
        return false;
    items[k->count++] = inst;
    k->items = items;
    return true;
}

void rt_host_func_free(WasmFunc *f)
{
    if (!f)
        return;
    release_kept(&f->kept);
    mem_free(f);
}

WasmMemory *rt_memory_new(uint32_t min_pages, uint32_t max_pages, bool has_max, bool shared)
{
    Limits lim = { min_pages, max_pages, has_max, shared };
    WasmMemory *mem;

    /* The threads proposal requires a maximum on shared memories. */
    if (shared && !has_max)
        return NULL;
    mem = mem_calloc(1, sizeof *mem);
    if (!mem)
        return NULL;
    if (!memory_setup(mem, &lim)) {
        mem_free(mem);
        return NULL;
    }
    return mem;
}

/* Frees the bytes memory_setup provided, whichever kind they are. */
static void memory_release(WasmMemory *mem)
{
    if (mem->guarded)
        guard_memory_unmap(mem);
    else
        mem_free(mem->data);
    mem->data = NULL;
}

void rt_memory_free(WasmMemory *mem)
{
    if (!mem)
        return;
    memory_release(mem);
    mem_free(mem);
}

WasmTable *rt_table_new(uint8_t elem_type, uint32_t min, uint32_t max, bool has_max)
{
    TableType tt = { elem_type, { min, max, has_max, false } };
    WasmTable *t;

    if (!vt_is_ref(elem_type))
        return NULL;
    t = mem_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (!table_setup(t, &tt)) {
        mem_free(t);
        return NULL;
    }
    return t;
}

void rt_table_free(WasmTable *t)
{
    if (!t)
        return;
    release_kept(&t->kept);
    mem_free(t->elems);
    mem_free(t);
}

WasmGlobal *rt_global_new(uint8_t val_type, bool is_mutable, Slot value)
{
    WasmGlobal *g = mem_calloc(1, sizeof *g);

    if (!g)
        return NULL;
    g->type.val_type = val_type;
    g->type.is_mutable = is_mutable;
    g->value = value;
    return g;
}

void rt_global_free(WasmGlobal *g)
{
    if (!g)
        return;
    release_kept(&g->kept);
    mem_free(g);
}

/* ========================= segments (segments.h) =================== */

/* Value of a validated constant expression. Only imported (or earlier)
 * globals can be read, and those are set before anything is evaluated. */
static Slot eval_const(const WasmInstance *inst, const ConstExpr *ce)
{
    Slot v;

    v.u64 = 0;
    switch (ce->kind) {
    case CE_I32_CONST:
        v.i32 = ce->u.i32;
        break;
    case CE_I64_CONST:
        v.i64 = ce->u.i64;
        break;
    case CE_F32_CONST: /* by bits, so NaN payloads survive */
        v.u32 = ce->u.f32_bits;
        break;
    case CE_F64_CONST:
        v.u64 = ce->u.f64_bits;
        break;
    case CE_REF_FUNC:
        v.ref = inst->funcs[ce->u.index];
        break;
    case CE_GLOBAL_GET:
        v = inst->globals[ce->u.index]->value;
        break;
    default: /* CE_REF_NULL */
        v.ref = NULL;
        break;
    }
    return v;
}

bool rt_table_init(WasmInstance *inst, uint32_t table_index, uint32_t elem_index, uint32_t dst,
                   uint32_t src, uint32_t n)
{
    const ElemSegment *seg = &inst->module->elems[elem_index];
    WasmTable *t = inst->tables[table_index];
    uint64_t seg_len = inst->elem_dropped[elem_index] ? 0 : seg->n_items;
    uint32_t k;

    if ((uint64_t)src + n > seg_len || (uint64_t)dst + n > t->size)
        return false;
    for (k = 0; k < n; k++)
        t->elems[dst + k] = eval_const(inst, &seg->items[src + k]).ref;
    return true;
}

bool rt_memory_init(WasmInstance *inst, uint32_t data_index, uint32_t dst, uint32_t src,
                    uint32_t n)
{
    const DataSegment *seg = &inst->module->data[data_index];
    WasmMemory *mem = inst->memory;
    uint64_t seg_len = inst->data_dropped[data_index] ? 0 : seg->size;
    uint64_t mem_size = mem ? mem->size : 0;

    if ((uint64_t)src + n > seg_len || (uint64_t)dst + n > mem_size)
        return false;
    if (n > 0)
        memcpy(mem->data + dst, seg->bytes + src, n);
    return true;
}

void rt_elem_drop(WasmInstance *inst, uint32_t elem_index)
{
    inst->elem_dropped[elem_index] = 1;
}

void rt_data_drop(WasmInstance *inst, uint32_t data_index)
{
    inst->data_dropped[data_index] = 1;
}

/* ========================= import matching ========================= */

/* Limits subtyping of the spec: an object's current size and maximum
 * against the limits an import asks for. */
static bool limits_match(uint32_t cur, bool has_max, uint32_t max, const Limits *want)
{
    if (cur < want->min)
        return false;
    if (!want->has_max)
        return true;
    return has_max && max <= want->max;
}

static bool table_matches(const WasmTable *t, const TableType *want)
{
    return t->elem_type == want->elem_type &&
           limits_match(t->size, t->has_max, t->max, &want->limits);
}

static bool memory_matches(const WasmMemory *mem, const Limits *want)
{
    return mem->shared == want->shared &&
           limits_match(mem->pages, mem->has_max, mem->max_pages, want);
}

static bool global_matches(const WasmGlobal *g, const GlobalType *want)
{
    return g->type.val_type == want->val_type && g->type.is_mutable == want->is_mutable;
}

static bool extern_matches(const WasmModule *m, const Import *imp, const RtExtern *ext)
{
    if (ext->kind != imp->kind)
        return false;
    switch (imp->kind) {
    case EXT_FUNC:
        return ext->u.func->type && ft_equal(&m->types[imp->u.type_index], ext->u.func->type);
    case EXT_TABLE:
        return table_matches(ext->u.table, &imp->u.table);
    case EXT_MEMORY:
        return memory_matches(ext->u.memory, &imp->u.memory);
    case EXT_GLOBAL:
        return global_matches(ext->u.global, &imp->u.global);
    default:
        return false;
    }
}

/* The object an extern names, to reject a resolver's NULL. */
static const void *extern_object(const RtExtern *ext)
{
    switch (ext->kind) {
    case EXT_FUNC:
        return ext->u.func;
    case EXT_TABLE:
        return ext->u.table;
    case EXT_MEMORY:
        return ext->u.memory;
    case EXT_GLOBAL:
        return ext->u.global;
    default:
        return NULL;
    }
}

/* ============================= linking ============================= */

/* Retains owner (once per distinct owner) so it outlives inst. */
static bool add_dep(WasmInstance *inst, WasmInstance *owner)
{
    WasmInstance **deps;
    uint32_t i;

    if (!owner)
        return true;
    for (i = 0; i < inst->n_deps; i++)
        if (inst->deps[i] == owner)
            return true;
    deps = mem_realloc(inst->deps, ((size_t)inst->n_deps + 1) * sizeof *deps);
    if (!deps)
        return false;
    inst->deps = deps;
    inst->deps[inst->n_deps++] = owner;
    /* atomic: threads make and free child instances of one parent at once */
    __atomic_add_fetch(&owner->refcount, 1, __ATOMIC_RELAXED);
    return true;
}

/* Puts a checked import into its index space. */
static bool bind_import(Linker *L, uint32_t import_index, const RtExtern *ext)
{
    WasmInstance *inst = L->inst;

    switch (ext->kind) {
    case EXT_FUNC:
        inst->funcs[L->n_func++] = ext->u.func;
        break;
    case EXT_TABLE:
        L->table_imports[L->n_table] = import_index;
        inst->tables[L->n_table++] = ext->u.table;
        break;
    case EXT_MEMORY:
        inst->memory = ext->u.memory;
        break;
    default: /* EXT_GLOBAL */
        inst->globals[L->n_global++] = ext->u.global;
        break;
    }
    L->owners[import_index] = ext->owner;
    return add_dep(inst, ext->owner);
}

static bool link_imports(Linker *L, RtImportResolver resolver, void *user)
{
    const WasmModule *m = L->m;
    uint32_t i;

    for (i = 0; i < m->n_imports; i++) {
        const Import *imp = &m->imports[i];
        RtExtern ext;

        memset(&ext, 0, sizeof ext);
        if (!resolver || !resolver(user, imp->module_name, imp->field_name, &ext) ||
            !extern_object(&ext)) {
            rt_set_error(L->err, L->err_size, "unknown import \"%s\" \"%s\"", imp->module_name,
                         imp->field_name);
            return false;
        }
        if (!extern_matches(m, imp, &ext)) {
            rt_set_error(L->err, L->err_size, "incompatible import type \"%s\" \"%s\"",
                         imp->module_name, imp->field_name);
            return false;
        }
        if (!bind_import(L, i, &ext)) {
            rt_set_error(L->err, L->err_size, "allocate memory failed");
            return false;
        }
    }
    return true;
}

/* ====================== what the module defines ==================== */

/* Runs once the memory is known: it decides which interpreter loop, and so
 * which code, the instance runs. False when that code cannot be had. */
static bool create_funcs(WasmInstance *inst)
{
    const WasmModule *m = inst->module;
    uint32_t i;

    if (!interp_code_acquire(m, inst->memory, &inst->code, &inst->runs_unchecked))
        return false;
    for (i = 0; i < m->n_funcs; i++) {
        WasmFunc *f = &inst->own_funcs[i];

        f->type = m->funcs[i].type;
        f->inst = inst;
        f->func = &inst->code[i];
        f->func_index = m->n_func_imports + i;
        inst->funcs[f->func_index] = f;
    }
    return true;
}

static bool create_tables(Linker *L)
{
    const WasmModule *m = L->m;
    WasmInstance *inst = L->inst;
    uint32_t i;

    for (i = m->n_table_imports; i < m->n_tables; i++) {
        WasmTable *t = &inst->own_tables[i - m->n_table_imports];

        if (!table_setup(t, &m->table_types[i])) {
            rt_set_error(L->err, L->err_size, "allocate memory failed: table");
            return false;
        }
        inst->tables[i] = t;
    }
    return true;
}

static bool create_memory(Linker *L)
{
    const WasmModule *m = L->m;

    if (m->n_memories <= m->n_memory_imports)
        return true;
    if (!memory_setup(&L->inst->own_memory, &m->memory_limits)) {
        rt_set_error(L->err, L->err_size, "allocate memory failed: linear memory");
        return false;
    }
    L->inst->memory = &L->inst->own_memory;
    return true;
}

/* Runs after create_funcs: initialisers may hold ref.func. */
static void create_globals(WasmInstance *inst)
{
    const WasmModule *m = inst->module;
    uint32_t i;

    for (i = 0; i < m->n_globals - m->n_global_imports; i++) {
        WasmGlobal *g = &inst->own_globals[i];

        g->type = m->globals[i].type;
        g->value = eval_const(inst, &m->globals[i].init);
        inst->globals[m->n_global_imports + i] = g;
    }
}

/* ========================= instantiation steps ===================== */

/* Active element segments are table.init then elem.drop (spec 2.0), so an
 * out-of-bounds segment writes nothing but earlier ones stay written. */
static bool init_elems(Linker *L)
{
    const WasmModule *m = L->m;
    WasmInstance *inst = L->inst;
    uint32_t i;

    for (i = 0; i < m->n_elems; i++) {
        const ElemSegment *seg = &m->elems[i];

        if (seg->mode == SEG_ACTIVE) {
            uint32_t dst = eval_const(inst, &seg->offset).u32;

            if (!rt_table_init(inst, seg->table_index, i, dst, 0, seg->n_items)) {
                rt_set_error(L->err, L->err_size, "out of bounds table access");
                return false;
            }
            if (seg->table_index < m->n_table_imports && seg->n_items > 0)
                L->may_hold[L->table_imports[seg->table_index]] = 1;
        }
        if (seg->mode != SEG_PASSIVE)
            rt_elem_drop(inst, i);
    }
    return true;
}

static bool init_data(Linker *L)
{
    const WasmModule *m = L->m;
    WasmInstance *inst = L->inst;
    uint32_t i;

    for (i = 0; i < m->n_data; i++) {
        const DataSegment *seg = &m->data[i];
        uint32_t dst;

        if (seg->mode != SEG_ACTIVE)
            continue;
        dst = eval_const(inst, &seg->offset).u32;
        if (!rt_memory_init(inst, i, dst, 0, seg->size)) {
            rt_set_error(L->err, L->err_size, "out of bounds memory access");
            return false;
        }
        rt_data_drop(inst, i);
    }
    return true;
}

/* Whether an import is something a trapping start function could have
 * handed one of our functions to: a funcref table, a mutable funcref
 * global, or a function taking a funcref. */
static bool may_capture(const WasmModule *m, const Import *imp)
{
    const FuncType *t;
    uint32_t i;

    switch (imp->kind) {
    case EXT_TABLE:
        return imp->u.table.elem_type == VT_FUNCREF;
    case EXT_GLOBAL:
        return imp->u.global.is_mutable && imp->u.global.val_type == VT_FUNCREF;
    case EXT_FUNC:
        t = &m->types[imp->u.type_index];
        for (i = 0; i < t->n_params; i++)
            if (ft_params(t)[i] == VT_FUNCREF)
                return true;
        return false;
    default:
        return false;
    }
}

static bool run_start(Linker *L)
{
    const WasmModule *m = L->m;
    WasmInstance *inst = L->inst;
    Slot args[1];
    const char *msg;
    uint32_t i;

    if (!m->has_start)
        return true;
    args[0].u64 = 0;
    if (rt_invoke(inst, rt_start_func(inst), args))
        return true;
    msg = rt_get_exception(inst);
    rt_set_error(L->err, L->err_size, "%s", msg ? msg : "start function failed");
    /* We cannot tell what the start function wrote before trapping. */
    for (i = 0; i < m->n_imports; i++)
        if (may_capture(m, &m->imports[i]))
            L->may_hold[i] = 1;
    return false;
}

/* ======================== failed instantiation ===================== */

/* Removes the holders from z's deps and drops z's references to them. */
static void drop_holder_deps(WasmInstance *z, WasmInstance *const *holders, uint32_t n)
{
    uint32_t i, k, kept = 0;

    for (i = 0; i < z->n_deps; i++) {
        bool is_holder = false;

        for (k = 0; k < n; k++)
            is_holder = is_holder || z->deps[i] == holders[k];
        if (!is_holder)
            z->deps[kept++] = z->deps[i];
    }
    z->n_deps = kept;
    /* May free a holder, and through it z: touch neither afterwards. */
    for (k = 0; k < n; k++)
        rt_instance_release(holders[k]);
}

/* Makes each holder retain z (z is released when the last one is freed).
 * False, with nothing changed, if memory runs out. */
static bool attach_to_holders(WasmInstance *z, WasmInstance *const *holders, uint32_t n)
{
    uint32_t i;

    /* Grow every list first, so a failure leaves no half-done state. */
    for (i = 0; i < n; i++) {
        WasmInstance *h = holders[i];
        WasmInstance **deps = mem_realloc(h->deps, ((size_t)h->n_deps + 1) * sizeof *deps);

        if (!deps)
            return false;
        h->deps = deps;
    }
    for (i = 0; i < n; i++)
        holders[i]->deps[holders[i]->n_deps++] = z;
    z->refcount = n;
    /* z stops retaining its holders: each would otherwise keep the other
     * alive forever. */
    drop_holder_deps(z, holders, n);
    return true;
}

/* The kept-list of the host object behind import i, or NULL (memories
 * cannot hold references). */
static KeptInstances *host_keeper(const Linker *L, uint32_t import_index)
{
    uint32_t funcs = 0, tables = 0, globals = 0;

    for (uint32_t i = 0; i < import_index; i++) {
        uint8_t kind = L->m->imports[i].kind;
        funcs += kind == EXT_FUNC;
        tables += kind == EXT_TABLE;
        globals += kind == EXT_GLOBAL;
    }
    switch (L->m->imports[import_index].kind) {
    case EXT_FUNC: return &L->inst->funcs[funcs]->kept;
    case EXT_TABLE: return &L->inst->tables[tables]->kept;
    case EXT_GLOBAL: return &L->inst->globals[globals]->kept;
    default: return NULL;
    }
}

/* Makes each host object that may hold inst's functions retain it; returns
 * how many references that took. */
static uint32_t attach_to_host_objects(Linker *L)
{
    uint32_t taken = 0;

    for (uint32_t i = 0; i < L->m->n_imports; i++) {
        if (!L->may_hold[i] || L->owners[i])
            continue;
        KeptInstances *k = host_keeper(L, i);
        if (k && add_kept(k, L->inst))
            taken++;
    }
    return taken;
}

/* A failed instance whose functions may sit in objects it imported (an
 * active segment wrote into an imported table, or the start function
 * trapped with a way to export them) must outlive those objects: spec 2.0
 * keeps such writes (linking.wast), so freeing the functions would leave
 * dangling refs. Reference counts can express "lives as long as its
 * holders" only as a cycle, so the failed instance is instead retained by
 * each holder and gives up its own references to holder instances; it keeps
 * retaining its other exporters. A holder is the exporting instance of such
 * an object, or the host object itself when a host made it (released by
 * rt_table_free and friends). Limits:
 * - a re-exported object is held through its direct exporter only;
 * - with several holders, its code may outlive a holder it imported from;
 * - when memory runs out while attaching, the instance is leaked rather
 *   than left dangling.
 * Returns true when inst was kept, false when it may be freed. */
static bool keep_failed_instance(Linker *L)
{
    WasmInstance *inst = L->inst;
    WasmInstance **holders = NULL;
    uint32_t i, k, n = 0;
    bool any = false;

    for (i = 0; i < L->m->n_imports; i++)
        any = any || L->may_hold[i];
    if (!any)
        return false;
    holders = mem_calloc(L->m->n_imports, sizeof *holders);
    if (!holders)
        return true; /* leaked rather than left dangling */
    for (i = 0; i < L->m->n_imports; i++) {
        if (!L->may_hold[i] || !L->owners[i])
            continue;
        for (k = 0; k < n && holders[k] != L->owners[i]; k++)
            ;
        if (k == n)
            holders[n++] = L->owners[i];
    }
    if (n == 0 || attach_to_holders(inst, holders, n)) {
        /* attach_to_holders set the count to n; host holders add theirs. */
        uint32_t hosts = attach_to_host_objects(L);
        inst->refcount = (n ? inst->refcount : 0) + hosts;
        if (inst->refcount == 0)
            inst->refcount = 1; /* nothing could take it: leaked */
    }
    mem_free(holders);
    return true;
}

/* ============================ instances ============================ */

static WasmInstance *instance_alloc(const WasmModule *m)
{
    WasmInstance *inst = mem_calloc(1, sizeof *inst);

    if (!inst)
        return NULL;
    inst->module = m;
    inst->refcount = 1;
    inst->family = inst;
    inst->funcs = mem_calloc((size_t)m->n_func_imports + m->n_funcs, sizeof *inst->funcs);
    inst->tables = mem_calloc(m->n_tables, sizeof *inst->tables);
    inst->globals = mem_calloc(m->n_globals, sizeof *inst->globals);
    inst->own_funcs = mem_calloc(m->n_funcs, sizeof *inst->own_funcs);
    inst->own_tables = mem_calloc(m->n_tables - m->n_table_imports, sizeof *inst->own_tables);
    inst->own_globals = mem_calloc(m->n_globals - m->n_global_imports, sizeof *inst->own_globals);
    inst->elem_dropped = mem_calloc(m->n_elems, 1);
    inst->data_dropped = mem_calloc(m->n_data, 1);
    if (!inst->funcs || !inst->tables || !inst->globals || !inst->own_funcs ||
        !inst->own_tables || !inst->own_globals || !inst->elem_dropped || !inst->data_dropped) {
        instance_destroy(inst);
        return NULL;
    }
    return inst;
}

/* Frees what inst owns, then drops its references to its exporters. */
static void instance_destroy(WasmInstance *inst)
{
    const WasmModule *m = inst->module;
    uint32_t i;

    if (inst->api_cleanup)
        inst->api_cleanup(inst);
    if (inst->default_env)
        rt_exec_env_destroy(inst->default_env);
    for (i = 0; inst->own_tables && i < m->n_tables - m->n_table_imports; i++)
        mem_free(inst->own_tables[i].elems);
    if (inst->own_memory.data)
        memory_release(&inst->own_memory);
    interp_code_release(m, inst->code);
    mem_free(inst->funcs);
    mem_free(inst->tables);
    mem_free(inst->globals);
    mem_free(inst->own_funcs);
    mem_free(inst->own_tables);
    mem_free(inst->own_globals);
    mem_free(inst->elem_dropped);
    mem_free(inst->data_dropped);
    for (i = 0; i < inst->n_deps; i++)
        rt_instance_release(inst->deps[i]);
    mem_free(inst->deps);
    mem_free(inst);
}

static bool linker_init(Linker *L, const WasmModule *m, WasmInstance *inst)
{
    L->m = m;
    L->inst = inst;
    L->owners = mem_calloc(m->n_imports, sizeof *L->owners);
    L->may_hold = mem_calloc(m->n_imports, 1);
    L->table_imports = mem_calloc(m->n_table_imports, sizeof *L->table_imports);
    return L->owners && L->may_hold && L->table_imports;
}

static void linker_free(Linker *L)
{
    mem_free(L->owners);
    mem_free(L->may_hold);
    mem_free(L->table_imports);
}

WasmInstance *rt_instantiate(const WasmModule *m, RtImportResolver resolver, void *user,
                             char *err, uint32_t err_size)
{
    return rt_instantiate_ex(m, resolver, user, NULL, 0, err, err_size);
}

WasmInstance *rt_instantiate_ex(const WasmModule *m, RtImportResolver resolver, void *user,
                                RtBeforeStart before_start, uint32_t flags, char *err,
                                uint32_t err_size)
{
    Linker L;
    WasmInstance *inst;

    memset(&L, 0, sizeof L);
    L.err = err;
    L.err_size = err_size;
    inst = instance_alloc(m);
    if (!inst || !linker_init(&L, m, inst)) {
        rt_set_error(err, err_size, "allocate memory failed");
        goto fail;
    }
    if (!link_imports(&L, resolver, user) || !create_tables(&L) || !create_memory(&L))
        goto fail;
    if (!create_funcs(inst)) {
        rt_set_error(err, err_size, "allocate memory failed");
        goto fail;
    }
    create_globals(inst);
    if (!init_elems(&L) || !init_data(&L))
        goto fail;
    find_aux_stack_bottom(inst);
    if (before_start && !before_start(inst, user, err, err_size))
        goto fail;
    if (!(flags & RT_INSTANTIATE_DEFER_START) && !run_start(&L))
        goto fail;
    linker_free(&L);
    return inst;
fail:
    if (inst && !(L.may_hold && keep_failed_instance(&L)))
        instance_destroy(inst);
    linker_free(&L);
    return NULL;
}

WasmFunc *rt_start_func(const WasmInstance *inst)
{
    const WasmModule *m = inst->module;

    return m->has_start ? inst->funcs[m->start_func] : NULL;
}

/* With LLVM's default layout the shadow stack grows down from its initial
 * pointer to __data_end: below that, a push would overwrite static data. */
static void find_aux_stack_bottom(WasmInstance *inst)
{
    const WasmModule *m = inst->module;
    RtExtern ext;

    if (!m->aux_stack_known || m->aux_stack_global < 0 ||
        !rt_instance_find_export(inst, "__data_end", &ext) || ext.kind != EXT_GLOBAL)
        return;
    uint32_t data_end = ext.u.global->value.u32;
    if (inst->globals[m->aux_stack_global]->value.u32 > data_end)
        inst->aux_stack_bottom = data_end;
}

WasmInstance *rt_instantiate_child(WasmInstance *parent, char *err, uint32_t err_size)
{
    const WasmModule *m = parent->module;
    WasmInstance *inst = instance_alloc(m);
    uint32_t i;

    if (!inst || !add_dep(inst, parent)) {
        if (inst)
            instance_destroy(inst);
        rt_set_error(err, err_size, "allocate memory failed");
        return NULL;
    }
    for (i = 0; i < m->n_func_imports; i++)
        inst->funcs[i] = parent->funcs[i];
    for (i = 0; i < m->n_tables; i++)
        inst->tables[i] = parent->tables[i];
    for (i = 0; i < m->n_global_imports; i++)
        inst->globals[i] = parent->globals[i];
    inst->memory = parent->memory;
    memcpy(inst->elem_dropped, parent->elem_dropped, m->n_elems);
    memcpy(inst->data_dropped, parent->data_dropped, m->n_data);
    inst->family = parent->family;
    if (!create_funcs(inst)) {
        instance_destroy(inst);
        rt_set_error(err, err_size, "allocate memory failed");
        return NULL;
    }
    create_globals(inst);
    return inst;
}

void rt_instance_release(WasmInstance *inst)
{
    /* atomic: child instances of other threads release their parent */
    if (!inst || __atomic_load_n(&inst->refcount, __ATOMIC_RELAXED) == 0)
        return;
    if (__atomic_sub_fetch(&inst->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        instance_destroy(inst);
}

bool rt_instance_find_export(WasmInstance *inst, const char *name, RtExtern *out)
{
    return rt_instance_find_export_n(inst, name, (uint32_t)strlen(name), out);
}

bool rt_instance_find_export_n(WasmInstance *inst, const char *name, uint32_t len,
                               RtExtern *out)
{
    const WasmModule *m = inst->module;
    uint32_t i;

    memset(out, 0, sizeof *out);
    for (i = 0; i < m->n_exports; i++) {
        const Export *e = &m->exports[i];

        if (e->name_len != len || memcmp(e->name, name, len) != 0)
            continue;
        out->kind = e->kind;
        out->owner = inst;
        switch (e->kind) {
        case EXT_FUNC:
            out->u.func = inst->funcs[e->index];
            break;
        case EXT_TABLE:
            out->u.table = inst->tables[e->index];
            break;
        case EXT_MEMORY:
            out->u.memory = inst->memory;
            break;
        default: /* EXT_GLOBAL */
            out->u.global = inst->globals[e->index];
            break;
        }
        return true;
    }
    return false;
}
