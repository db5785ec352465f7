/* Unit tests of common/instance.c: host objects, memory and table growth
 * limits, and instantiation of small hand-built modules (import matching,
 * segments, failed instantiation keeping earlier writes). */
#include <stdio.h>
#include <string.h>

#include "common/instance.h"
#include "common/segments.h"
#include "config.h"

#include "check.h"

/* ---------------------------- host objects ---------------------------- */

static void dummy_host(WasmExecEnv *env, uint64_t *args)
{
    (void)env;
    (void)args;
}

static void test_host_objects(void)
{
    const uint8_t params[] = { VT_I32, VT_I64, VT_F64, VT_EXTERNREF };
    const uint8_t results[] = { VT_F32 };
    FuncType *t = rt_functype_new(params, 4, results, 1);
    WasmFunc *f;
    WasmGlobal *g;
    Slot v;
    int x;

    CHECK(t != NULL);
    CHECK(t->n_params == 4 && t->n_results == 1);
    CHECK(memcmp(ft_params(t), params, 4) == 0 && ft_results(t)[0] == VT_F32);
    CHECK(t->param_cells == 6 && t->result_cells == 1);
    f = rt_host_func_new(t, dummy_host, &x);
    CHECK(f != NULL && f->type == t && f->host_fn == dummy_host && f->attachment == &x);
    CHECK(f->inst == NULL && f->func == NULL);
    CHECK(rt_host_func_new(t, NULL, NULL) == NULL);
    rt_host_func_free(f);
    rt_functype_free(t);

    t = rt_functype_new(NULL, 0, NULL, 0);
    CHECK(t != NULL && t->n_params == 0 && t->n_results == 0 && t->param_cells == 0);
    rt_functype_free(t);

    v.u64 = 0;
    v.i64 = -5;
    g = rt_global_new(VT_I64, true, v);
    CHECK(g != NULL && g->type.val_type == VT_I64 && g->type.is_mutable && g->value.i64 == -5);
    rt_global_free(g);
}

/* ------------------------------ memories ------------------------------ */

static void test_memory_grow(void)
{
    WasmMemory *mem = rt_memory_new(1, 3, true, false);
    uint8_t *shared_data;
    uint32_t i;
    int zero = 1;

    CHECK(mem != NULL && mem->pages == 1 && mem->size == 65536 && mem->max_pages == 3);
    mem->data[65535] = 7;
    CHECK(rt_memory_grow(mem, 1) == 1);
    CHECK(mem->pages == 2 && mem->size == 2 * 65536 && mem->data[65535] == 7);
    for (i = 65536; i < 2 * 65536; i++)
        zero = zero && mem->data[i] == 0;
    CHECK(zero);
    CHECK(rt_memory_grow(mem, 2) == -1);
    CHECK(rt_memory_grow(mem, UINT32_MAX) == -1);
    CHECK(rt_memory_grow(mem, 1) == 2);
    CHECK(rt_memory_grow(mem, 0) == 3);
    CHECK(rt_memory_grow(mem, 1) == -1 && mem->pages == 3);
    rt_memory_free(mem);

    mem = rt_memory_new(0, 0, false, false);
    CHECK(mem != NULL && mem->pages == 0 && mem->size == 0 && mem->data != NULL);
    CHECK(mem->max_pages == WR_MAX_MEMORY_PAGES && !mem->has_max);
    CHECK(rt_memory_grow(mem, WR_MAX_MEMORY_PAGES + 1) == -1);
    CHECK(rt_memory_grow(mem, 1) == 0 && mem->size == 65536);
    rt_memory_free(mem);

    CHECK(rt_memory_new(2, 1, true, false) == NULL);
    CHECK(rt_memory_new(0, WR_MAX_MEMORY_PAGES + 1, true, false) == NULL);
    CHECK(rt_memory_new(WR_MAX_MEMORY_PAGES + 1, 0, false, false) == NULL);
    CHECK(rt_memory_new(1, 0, false, true) == NULL);

    /* A shared memory never moves while it grows. */
    mem = rt_memory_new(1, 4, true, true);
    CHECK(mem != NULL && mem->shared);
    shared_data = mem ? mem->data : NULL;
    CHECK(mem && rt_memory_grow(mem, 3) == 1 && mem->data == shared_data);
    CHECK(mem && mem->data[4 * 65536 - 1] == 0 && rt_memory_grow(mem, 1) == -1);
    rt_memory_free(mem);
}

/* ------------------------------- tables ------------------------------- */

static void test_table_grow(void)
{
    WasmTable *t = rt_table_new(VT_FUNCREF, 2, 4, true);
    int x;

    CHECK(t != NULL && t->size == 2 && t->max == 4 && t->has_max);
    CHECK(t->elems[0] == NULL && t->elems[1] == NULL);
    CHECK(rt_table_grow(t, 2, &x) == 2);
    CHECK(t->size == 4 && t->elems[1] == NULL && t->elems[2] == &x && t->elems[3] == &x);
    CHECK(rt_table_grow(t, 1, NULL) == -1);
    CHECK(rt_table_grow(t, UINT32_MAX, NULL) == -1);
    CHECK(rt_table_grow(t, 0, NULL) == 4);
    rt_table_free(t);

    t = rt_table_new(VT_EXTERNREF, 0, 0, false);
    CHECK(t != NULL && t->size == 0 && t->max == UINT32_MAX && !t->has_max);
    CHECK(rt_table_grow(t, WR_MAX_TABLE_SIZE + 1, NULL) == -1);
    CHECK(rt_table_grow(t, 3, NULL) == 0 && t->size == 3);
    rt_table_free(t);

    CHECK(rt_table_new(VT_FUNCREF, 5, 4, true) == NULL);
    CHECK(rt_table_new(VT_I32, 1, 0, false) == NULL);
    CHECK(rt_table_new(VT_FUNCREF, WR_MAX_TABLE_SIZE + 1, 0, false) == NULL);
}

/* --------------------------- instantiation ---------------------------- */

/* A tiny registry of named externs for the resolver. */
typedef struct Entry {
    const char *module, *field;
    RtExtern ext;
} Entry;

typedef struct Registry {
    Entry entries[8];
    uint32_t n;
} Registry;

static void reg_add(Registry *r, const char *module, const char *field, RtExtern ext)
{
    r->entries[r->n].module = module;
    r->entries[r->n].field = field;
    r->entries[r->n].ext = ext;
    r->n++;
}

static bool resolve(void *user, const char *module, const char *field, RtExtern *out)
{
    const Registry *r = user;
    uint32_t i;

    for (i = 0; i < r->n; i++) {
        if (strcmp(r->entries[i].module, module) == 0 && strcmp(r->entries[i].field, field) == 0) {
            *out = r->entries[i].ext;
            return true;
        }
    }
    return false;
}

static void reg_add_export(Registry *r, const char *module, const char *name, WasmInstance *inst)
{
    RtExtern ext;

    if (inst && rt_instance_find_export(inst, name, &ext))
        reg_add(r, module, name, ext);
}

static const ConstExpr CE_ZERO = { CE_I32_CONST, 0, { .i32 = 0 } };

/* "A": a table of 10 funcrefs and a memory of 1..5 pages, both exported. */
typedef struct ModA {
    WasmModule m;
    TableType table_types[1];
    Export exports[2];
} ModA;

static void build_a(ModA *a)
{
    memset(a, 0, sizeof *a);
    a->table_types[0].elem_type = VT_FUNCREF;
    a->table_types[0].limits.min = 10;
    a->exports[0] = (Export){ .name = "tab", .name_len = 3, .kind = EXT_TABLE, .index = 0 };
    a->exports[1] = (Export){ .name = "mem", .name_len = 3, .kind = EXT_MEMORY, .index = 0 };
    a->m.n_tables = 1;
    a->m.table_types = a->table_types;
    a->m.n_memories = 1;
    a->m.memory_limits = (Limits){ 1, 5, true, false };
    a->m.n_exports = 2;
    a->m.exports = a->exports;
}

/* "B": imports A's table and memory and a host i32 global "env" "g";
 * defines one function, a global = global.get 0, an active element segment
 * at global.get 0 holding that function, a passive segment (ref.func 0,
 * ref.null), and a data segment "abc" at data_offset. */
typedef struct ModB {
    WasmModule m;
    FuncType types[1];
    Import imports[3];
    Func funcs[1];
    TableType table_types[1];
    GlobalType global_types[2];
    Global globals[1];
    Export exports[2];
    ElemSegment elems[2];
    ConstExpr active_items[1];
    ConstExpr passive_items[2];
    DataSegment data[1];
} ModB;

static void build_b(ModB *b, uint32_t data_offset)
{
    const ConstExpr get0 = { CE_GLOBAL_GET, 0, { .index = 0 } };
    const ConstExpr func0 = { CE_REF_FUNC, 0, { .index = 0 } };
    const ConstExpr null = { CE_REF_NULL, VT_FUNCREF, { .index = 0 } };

    memset(b, 0, sizeof *b);
    b->imports[0] = (Import){ "A", "tab", EXT_TABLE, { .table = { VT_FUNCREF, { 10, 0, false, false } } } };
    b->imports[1] = (Import){ "A", "mem", EXT_MEMORY, { .memory = { 1, 0, false, false } } };
    b->imports[2] = (Import){ "env", "g", EXT_GLOBAL, { .global = { VT_I32, false } } };
    b->funcs[0].type = &b->types[0];
    b->table_types[0] = b->imports[0].u.table;
    b->global_types[0] = b->imports[2].u.global;
    b->global_types[1] = b->global_types[0];
    b->globals[0] = (Global){ { VT_I32, false }, get0 };
    b->exports[0] = (Export){ .name = "f", .name_len = 1, .kind = EXT_FUNC, .index = 0 };
    b->exports[1] = (Export){ .name = "g2", .name_len = 2, .kind = EXT_GLOBAL, .index = 1 };
    b->active_items[0] = func0;
    b->passive_items[0] = func0;
    b->passive_items[1] = null;
    b->elems[0] = (ElemSegment){ SEG_ACTIVE, VT_FUNCREF, 0, get0, 1, b->active_items };
    b->elems[1] = (ElemSegment){ SEG_PASSIVE, VT_FUNCREF, 0, CE_ZERO, 2, b->passive_items };
    b->data[0] = (DataSegment){ SEG_ACTIVE, 0, { CE_I32_CONST, 0, { .i32 = (int32_t)data_offset } },
                                3, (const uint8_t *)"abc" };

    b->m.n_types = 1;
    b->m.types = b->types;
    b->m.n_imports = 3;
    b->m.imports = b->imports;
    b->m.n_table_imports = b->m.n_memory_imports = b->m.n_global_imports = 1;
    b->m.n_funcs = 1;
    b->m.funcs = b->funcs;
    b->m.n_tables = 1;
    b->m.table_types = b->table_types;
    b->m.n_memories = 1;
    b->m.memory_limits = b->imports[1].u.memory;
    b->m.n_globals = 2;
    b->m.global_types = b->global_types;
    b->m.globals = b->globals;
    b->m.n_exports = 2;
    b->m.exports = b->exports;
    b->m.n_elems = 2;
    b->m.elems = b->elems;
    b->m.n_data = 1;
    b->m.data = b->data;
}

static void test_import_errors(Registry *reg, ModB *b)
{
    char err[128];
    Registry empty = { .n = 0 };

    CHECK(rt_instantiate(&b->m, resolve, &empty, err, sizeof err) == NULL);
    CHECK(strcmp(err, "unknown import \"A\" \"tab\"") == 0);

    b->imports[1].u.memory.min = 2; /* A's memory has 1 page */
    CHECK(rt_instantiate(&b->m, resolve, reg, err, sizeof err) == NULL);
    CHECK(strncmp(err, "incompatible import type", 24) == 0);
    b->imports[1].u.memory = (Limits){ 1, 4, true, false }; /* A's max is 5 */
    CHECK(rt_instantiate(&b->m, resolve, reg, err, sizeof err) == NULL);
    CHECK(strncmp(err, "incompatible import type", 24) == 0);
    b->imports[1].u.memory = (Limits){ 1, 1, true, true }; /* shared */
    CHECK(rt_instantiate(&b->m, resolve, reg, NULL, 0) == NULL);
    b->imports[1].u.memory = (Limits){ 1, 5, true, false };

    b->imports[0].u.table.elem_type = VT_EXTERNREF;
    CHECK(rt_instantiate(&b->m, resolve, reg, err, sizeof err) == NULL);
    CHECK(strncmp(err, "incompatible import type", 24) == 0);
    b->imports[0].u.table = (TableType){ VT_FUNCREF, { 11, 0, false, false } };
    CHECK(rt_instantiate(&b->m, resolve, reg, err, sizeof err) == NULL);
    b->imports[0].u.table = (TableType){ VT_FUNCREF, { 10, 0, false, false } };

    b->imports[2].u.global.is_mutable = true;
    CHECK(rt_instantiate(&b->m, resolve, reg, err, sizeof err) == NULL);
    CHECK(strncmp(err, "incompatible import type", 24) == 0);
    b->imports[2].u.global.is_mutable = false;
}

static void test_segments(WasmInstance *a, WasmInstance *bi)
{
    RtExtern ext;

    CHECK(a->tables[0]->elems[3] == bi->funcs[0] && bi->funcs[0]->inst == bi);
    CHECK(memcmp(a->memory->data + 100, "abc", 3) == 0);
    CHECK(bi->elem_dropped[0] && !bi->elem_dropped[1] && bi->data_dropped[0]);
    CHECK(rt_instance_find_export(bi, "g2", &ext) && ext.kind == EXT_GLOBAL);
    CHECK(ext.u.global->value.i32 == 3 && ext.owner == bi);
    CHECK(!rt_instance_find_export(bi, "nope", &ext));

    /* table.init bounds: source within the segment, destination within the table. */
    CHECK(rt_table_init(bi, 0, 1, 8, 0, 2) && a->tables[0]->elems[8] == bi->funcs[0]);
    CHECK(a->tables[0]->elems[9] == NULL);
    CHECK(!rt_table_init(bi, 0, 1, 9, 0, 2));
    CHECK(!rt_table_init(bi, 0, 1, 0, 1, 2));
    CHECK(rt_table_init(bi, 0, 1, 10, 2, 0));
    CHECK(!rt_table_init(bi, 0, 1, 11, 0, 0));
    CHECK(!rt_table_init(bi, 0, 1, UINT32_MAX, 1, 2));
    rt_elem_drop(bi, 1);
    CHECK(!rt_table_init(bi, 0, 1, 0, 0, 1) && rt_table_init(bi, 0, 1, 0, 0, 0));

    CHECK(!rt_memory_init(bi, 0, 0, 0, 1) && rt_memory_init(bi, 0, 0, 0, 0));
    CHECK(!rt_memory_init(bi, 0, (uint32_t)a->memory->size + 1, 0, 0));
}

static void test_instantiate(void)
{
    ModA ma;
    ModB mb, mc;
    Registry reg = { .n = 0 };
    WasmGlobal *g;
    WasmInstance *a, *bi, *ci;
    RtExtern ext;
    Slot three;
    char err[128];

    three.u64 = 3;
    g = rt_global_new(VT_I32, false, three);
    build_a(&ma);
    a = rt_instantiate(&ma.m, resolve, &reg, err, sizeof err);
    CHECK(a != NULL && a->refcount == 1 && a->memory->pages == 1 && a->tables[0]->size == 10);
    reg_add_export(&reg, "A", "tab", a);
    reg_add_export(&reg, "A", "mem", a);
    ext.kind = EXT_GLOBAL;
    ext.u.global = g;
    ext.owner = NULL;
    reg_add(&reg, "env", "g", ext);

    build_b(&mb, 100);
    test_import_errors(&reg, &mb);
    CHECK(a && a->refcount == 1);
    bi = rt_instantiate(&mb.m, resolve, &reg, err, sizeof err);
    CHECK(bi != NULL && a && a->refcount == 2 && bi->n_deps == 1);
    if (a && bi)
        test_segments(a, bi);

    /* C writes its function into A's table at 3, then its data segment is
     * out of bounds: the write stays and C's function must stay valid. */
    build_b(&mc, 65534);
    ci = rt_instantiate(&mc.m, resolve, &reg, err, sizeof err);
    CHECK(ci == NULL && strcmp(err, "out of bounds memory access") == 0);
    if (a && bi) {
        WasmFunc *cf = a->tables[0]->elems[3];

        CHECK(cf != bi->funcs[0] && cf->inst->module == &mc.m && cf->inst->refcount == 1);
        CHECK(a->n_deps == 1 && a->deps[0] == cf->inst && a->refcount == 2);
        CHECK(cf->inst->n_deps == 0);
    }
    rt_instance_release(bi);
    CHECK(a && a->refcount == 1);
    rt_instance_release(a); /* frees C too (leak-checked under ASan) */
    rt_global_free(g);
}

int main(void)
{
    test_host_objects();
    test_memory_grow();
    test_table_grow();
    test_instantiate();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed != 0;
}
