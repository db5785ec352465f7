/* Binary-format decoder and module-level validator: turns the bytes of a wasm
 * module into a WasmModule, checking every section against the WebAssembly
 * 2.0 rules, and hands each function body to the translator (translate.c).
 * Error messages start with the spec test suite's wording; detail may follow. */
#include "loader/module.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/sort.h"
#include "config.h"
#include "loader/reader.h"
#include "mem/mem.h"

/* ------------------------------------------------------------------------
 * Loader state and errors
 * ------------------------------------------------------------------------ */

typedef struct Loader {
    WasmModule *m;
    /* One cursor over the whole module. Section decoders are deliberately not
     * confined to their section: like the reference decoder, they read on and
     * the section size is checked afterwards, which is what gives the spec
     * suite's messages ("section size mismatch", "length out of bounds").
     * Reads never pass the end of the module. */
    Reader r;
    char msg[160]; /* formatted text that r.error points to */
    char *err;
    uint32_t err_size;
    /* The "name" custom section payload, parsed once the index space is known. */
    const uint8_t *names;
    uint32_t names_size;
    bool in_sections; /* past the header */
    bool translate_failed; /* err already holds the translator's message */
    bool has_code_section;
    bool has_data_section;
} Loader;

static bool fail(Loader *ld, const char *fmt, ...) WR_PRINTF(2, 3);

/* Records the first error in the reader, so every decoder bails out with one
 * check and ld_load copies out a single message. Always returns false. */
static bool fail(Loader *ld, const char *fmt, ...)
{
    va_list ap;

    if (ld->r.error)
        return false;
    va_start(ap, fmt);
    vsnprintf(ld->msg, sizeof ld->msg, fmt, ap);
    va_end(ap);
    return rd_fail(&ld->r, ld->msg);
}

static void *alloc_array(Loader *ld, uint32_t n, size_t elem_size)
{
    void *p = mem_calloc(n, elem_size);
    if (!p)
        fail(ld, "out of memory");
    return p;
}

/* Grows p from old_n to n elements with a zeroed tail; on failure p is
 * left as it was (still owned by the module) and NULL returned. */
static void *grow_array(Loader *ld, void *p, uint32_t old_n, uint32_t n, size_t elem_size)
{
    uint8_t *q = mem_realloc(p, (size_t)n * elem_size);
    if (!q) {
        fail(ld, "out of memory");
        return NULL;
    }
    memset(q + (size_t)old_n * elem_size, 0, (size_t)(n - old_n) * elem_size);
    return q;
}

static uint32_t func_count(const WasmModule *m)
{
    return m->n_func_imports + m->n_funcs;
}

/* ------------------------------------------------------------------------
 * Lengths, names, value types, limits
 * ------------------------------------------------------------------------ */

/* len -> u32, counted against the bytes left from the length's own first
 * byte (the reference decoder's rule, whose wording the spec tests check) */
static bool read_len(Loader *ld, uint32_t *out)
{
    const uint8_t *start = ld->r.pos;

    if (!rd_u32(&ld->r, out))
        return false;
    if (*out > (uint32_t)(ld->r.end - start))
        return fail(ld, "length out of bounds");
    return true;
}

/* vec count -> len; every element takes at least one byte, so a count that
 * passes read_len and the WR_MAX_* bound is safe to allocate for. */
static bool read_count(Loader *ld, uint32_t max, const char *what, uint32_t *out)
{
    if (!read_len(ld, out))
        return false;
    if (*out > max)
        return fail(ld, "too many %s (%u, limit %u)", what, *out, max);
    return true;
}

/* Well-formed UTF-8 (Unicode table 3-7): no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequences. */
static bool utf8_valid(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;

    while (i < n) {
        uint8_t b = s[i];
        uint32_t len, cp;
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF)
            len = 2;
        else if (b >= 0xE0 && b <= 0xEF)
            len = 3;
        else if (b >= 0xF0 && b <= 0xF4)
            len = 4;
        else
            return false;
        cp = b & (0x7F >> len);
        if (n - i < len)
            return false;
        for (uint32_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
            return false;
        if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
            return false;
        i += len;
    }
    return true;
}

static char *copy_name(const uint8_t *p, uint32_t n)
{
    char *s = mem_alloc((size_t)n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* name -> len:u32 bytes (UTF-8); the slice stays in the wasm buffer */
static bool read_name_slice(Loader *ld, const uint8_t **out_p, uint32_t *out_n)
{
    if (!read_len(ld, out_n) || !rd_bytes(&ld->r, *out_n, out_p))
        return false;
    if (!utf8_valid(*out_p, *out_n))
        return fail(ld, "malformed UTF-8 encoding");
    return true;
}

/* name -> len:u32 bytes, copied NUL-terminated */
static bool read_name(Loader *ld, char **out)
{
    const uint8_t *p;
    uint32_t n;

    if (!read_name_slice(ld, &p, &n))
        return false;
    *out = copy_name(p, n);
    return *out ? true : fail(ld, "out of memory");
}

/* valtype -> 0x7F i32 | 0x7E i64 | 0x7D f32 | 0x7C f64 | 0x7B v128
 *          | 0x70 funcref | 0x6F externref */
static bool read_val_type(Loader *ld, uint8_t *out)
{
    if (!rd_u8(&ld->r, out))
        return false;
    switch (*out) {
    case VT_I32: case VT_I64: case VT_F32: case VT_F64:
    case VT_V128: case VT_FUNCREF: case VT_EXTERNREF:
        return true;
    }
    /* A set top bit makes it a multi-byte LEB128 of a 7-bit field. */
    if (*out & 0x80)
        return fail(ld, "integer representation too long");
    return fail(ld, "malformed value type 0x%02x", *out);
}

/* reftype -> 0x70 funcref | 0x6F externref */
static bool read_ref_type(Loader *ld, uint8_t *out)
{
    if (!rd_u8(&ld->r, out))
        return false;
    if (!vt_is_ref(*out))
        return fail(ld, "malformed reference type 0x%02x", *out);
    return true;
}

/* limits -> 0x00 min:u32 | 0x01 min:u32 max:u32
 *         | 0x03 min:u32 max:u32 (shared memory, threads proposal) */
static bool read_limits(Loader *ld, bool is_memory, Limits *out)
{
    uint8_t flags, value;

    if (!rd_u8(&ld->r, &flags))
        return false;
    /* The flags are a LEB128 field: the suite wants "too large" for a bad
     * value before "too long" for a continuation bit. Flag 2 (shared, no
     * maximum) is invalid under the threads proposal as well. */
    value = flags & 0x7F;
    if (value > (is_memory ? 3 : 1))
        return fail(ld, "integer too large");
    /* Flag 2 is a shared memory without a maximum: invalid (threads
     * proposal) when a minimum follows; with nothing after it, the core
     * suite reads the flag itself as malformed. */
    if (value == 2) {
        uint32_t min;
        Reader probe = ld->r;
        if (flags & 0x80 || !rd_u32(&probe, &min))
            return fail(ld, "integer too large");
        return fail(ld, "shared memory must have maximum");
    }
    if (flags & 0x80)
        return fail(ld, "integer representation too long");
    out->has_max = value & 1;
    out->shared = value & 2;
    out->max = 0;
    if (!rd_u32(&ld->r, &out->min))
        return false;
    return !out->has_max || rd_u32(&ld->r, &out->max);
}

static bool check_min_max(Loader *ld, const Limits *l)
{
    if (l->has_max && l->min > l->max)
        return fail(ld, "size minimum must not be greater than maximum");
    return true;
}

/* memtype -> limits, at most 65536 pages */
static bool read_memory_type(Loader *ld, Limits *out)
{
    if (!read_limits(ld, true, out))
        return false;
    if (out->min > WR_MAX_MEMORY_PAGES || (out->has_max && out->max > WR_MAX_MEMORY_PAGES))
        return fail(ld, "memory size must be at most 65536 pages (4GiB)");
    return check_min_max(ld, out);
}

/* tabletype -> reftype limits */
static bool read_table_type(Loader *ld, TableType *out)
{
    if (!read_ref_type(ld, &out->elem_type) || !read_limits(ld, false, &out->limits))
        return false;
    return check_min_max(ld, &out->limits);
}

/* globaltype -> valtype mut:(0x00 | 0x01) */
static bool read_global_type(Loader *ld, GlobalType *out)
{
    uint8_t mut;

    if (!read_val_type(ld, &out->val_type) || !rd_u8(&ld->r, &mut))
        return false;
    if (mut > 1)
        return fail(ld, "malformed mutability");
    out->is_mutable = mut;
    return true;
}

/* ------------------------------------------------------------------------
 * Constant expressions
 * ------------------------------------------------------------------------ */

/* The flags of spec "C.refs", one per function index. Allocated once the
 * index space is fixed: every section that can declare a function comes
 * after the import and function sections. */
static bool alloc_declared(Loader *ld)
{
    WasmModule *m = ld->m;

    if (!m->func_declared)
        m->func_declared = alloc_array(ld, func_count(m), 1);
    return m->func_declared != NULL;
}

/* Marks a function as referable by ref.func in code. */
static bool declare_func(Loader *ld, uint32_t func_index)
{
    if (!alloc_declared(ld))
        return false;
    ld->m->func_declared[func_index] = 1;
    return true;
}

/* Whether op is an instruction of Wasm 2.0 at all: a known but non-constant
 * one is "constant expression required", an unknown byte "illegal opcode". */
static bool is_opcode(uint8_t op)
{
    return op <= 0x05 || (op >= 0x0B && op <= 0x11) || (op >= 0x1A && op <= 0x1C)
        || (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xC4)
        || (op >= 0xD0 && op <= 0xD2) || op == 0xFC || op == 0xFD;
}

/* ref.func -> 0xD2 funcidx:u32 */
static bool read_const_ref_func(Loader *ld, ConstExpr *out, uint8_t *out_type)
{
    out->kind = CE_REF_FUNC;
    *out_type = VT_FUNCREF;
    if (!rd_u32(&ld->r, &out->u.index))
        return false;
    if (out->u.index >= func_count(ld->m))
        return fail(ld, "unknown function %u", out->u.index);
    return declare_func(ld, out->u.index);
}

/* global.get -> 0x23 globalidx:u32; Wasm 2.0 lets constant expressions see
 * only imported globals, and only immutable ones. */
static bool read_const_global_get(Loader *ld, ConstExpr *out, uint8_t *out_type)
{
    const WasmModule *m = ld->m;
    uint32_t g;

    out->kind = CE_GLOBAL_GET;
    if (!rd_u32(&ld->r, &g))
        return false;
    if (g >= m->n_global_imports)
        return fail(ld, "unknown global %u", g);
    if (m->global_types[g].is_mutable)
        return fail(ld, "constant expression required (global %u is mutable)", g);
    out->u.index = g;
    *out_type = m->global_types[g].val_type;
    return true;
}

/* simd const -> 0xFD 12:u32 byte^16 (v128.const). It is constant, but
 * ConstExpr has no 16-byte payload, so modules using it are refused. */
static bool read_const_simd(Loader *ld)
{
    uint32_t sub;

    if (!rd_u32(&ld->r, &sub))
        return false;
    if (sub == 12)
        return fail(ld, "v128.const in a constant expression is not supported");
    return fail(ld, "constant expression required (opcode 0xfd %u)", sub);
}

/* constinstr -> 0x41 i32 | 0x42 i64 | 0x43 f32 | 0x44 f64 | 0xD0 reftype
 *             | 0xD2 funcidx | 0x23 globalidx */
static bool read_const_instr(Loader *ld, uint8_t op, ConstExpr *out, uint8_t *out_type)
{
    Reader *r = &ld->r;

    switch (op) {
    case 0x41:
        out->kind = CE_I32_CONST;
        *out_type = VT_I32;
        return rd_s32(r, &out->u.i32);
    case 0x42:
        out->kind = CE_I64_CONST;
        *out_type = VT_I64;
        return rd_s64(r, &out->u.i64);
    case 0x43:
        out->kind = CE_F32_CONST;
        *out_type = VT_F32;
        return rd_fixed32(r, &out->u.f32_bits);
    case 0x44:
        out->kind = CE_F64_CONST;
        *out_type = VT_F64;
        return rd_fixed64(r, &out->u.f64_bits);
    case 0xD0:
        out->kind = CE_REF_NULL;
        if (!read_ref_type(ld, &out->ref_type))
            return false;
        *out_type = out->ref_type;
        return true;
    case 0xD2:
        return read_const_ref_func(ld, out, out_type);
    case 0x23:
        return read_const_global_get(ld, out, out_type);
    case 0x05: /* `else` ends an instruction sequence that needed `end` */
        return fail(ld, "END opcode expected");
    case 0xFD:
        return read_const_simd(ld);
    }
    if (is_opcode(op))
        return fail(ld, "constant expression required (opcode 0x%02x)", op);
    return fail(ld, "illegal opcode %02x", op);
}

/* expr -> instr* 0x0B; constant in Wasm 2.0 when it is one constant
 * instruction, whose type must be want_type */
static bool read_const_expr(Loader *ld, uint8_t want_type, ConstExpr *out)
{
    uint32_t n = 0;
    uint8_t type = 0;

    for (;;) {
        ConstExpr ce;
        uint8_t op, t = 0;
        memset(&ce, 0, sizeof ce);
        if (!rd_u8(&ld->r, &op))
            return false;
        if (op == 0x0B)
            break;
        if (!read_const_instr(ld, op, &ce, &t))
            return false;
        if (n++ == 0) {
            *out = ce;
            type = t;
        }
    }
    if (n != 1 || type != want_type)
        return fail(ld, "type mismatch in constant expression");
    return true;
}

/* ------------------------------------------------------------------------
 * Type, import and function sections
 * ------------------------------------------------------------------------ */

/* argv cells of one value: a reference travels as a host pointer. */
static uint32_t val_cells(uint8_t t)
{
    switch (t) {
    case VT_I64: case VT_F64:
        return 2;
    case VT_V128:
        return 4;
    case VT_FUNCREF: case VT_EXTERNREF:
        return (uint32_t)((sizeof(void *) + 3) / 4);
    }
    return 1;
}

/* resulttype -> vec(valtype); each type is one byte, so the run of bytes
 * itself is the list */
static bool read_result_type(Loader *ld, uint32_t max, const char *what,
                             const uint8_t **out_p, uint32_t *out_n)
{
    uint8_t t;

    if (!read_count(ld, max, what, out_n))
        return false;
    *out_p = ld->r.pos;
    for (uint32_t i = 0; i < *out_n; i++)
        if (!read_val_type(ld, &t))
            return false;
    return true;
}

/* functype -> 0x60 params:resulttype results:resulttype */
static bool read_func_type(Loader *ld, FuncType *out)
{
    const uint8_t *params, *results;
    uint8_t form;

    if (!rd_u8(&ld->r, &form))
        return false;
    if (form != 0x60)
        return fail(ld, (form & 0x80) ? "integer representation too long"
                                      : "malformed function type");
    if (!read_result_type(ld, WR_MAX_PARAMS, "parameters", &params, &out->n_params)
        || !read_result_type(ld, WR_MAX_RESULTS, "results", &results, &out->n_results))
        return false;
    out->types = mem_alloc((size_t)out->n_params + out->n_results);
    if (!out->types)
        return fail(ld, "out of memory");
    memcpy(out->types, params, out->n_params);
    memcpy(out->types + out->n_params, results, out->n_results);
    for (uint32_t i = 0; i < out->n_params; i++)
        out->param_cells += val_cells(params[i]);
    for (uint32_t i = 0; i < out->n_results; i++)
        out->result_cells += val_cells(results[i]);
    return true;
}

/* typesec -> vec(functype) */
static bool read_type_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n;

    if (!read_count(ld, WR_MAX_TYPES, "types", &n))
        return false;
    m->types = alloc_array(ld, n, sizeof *m->types);
    if (!m->types)
        return false;
    m->n_types = n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_func_type(ld, &m->types[i]))
            return false;
    return true;
}

/* importdesc -> 0x00 typeidx | 0x01 tabletype | 0x02 memtype | 0x03 globaltype */
static bool read_import_desc(Loader *ld, Import *out)
{
    WasmModule *m = ld->m;

    if (!rd_u8(&ld->r, &out->kind))
        return false;
    switch (out->kind) {
    case EXT_FUNC:
        if (!rd_u32(&ld->r, &out->u.type_index))
            return false;
        if (out->u.type_index >= m->n_types)
            return fail(ld, "unknown type %u", out->u.type_index);
        m->n_func_imports++;
        return true;
    case EXT_TABLE:
        m->n_table_imports++;
        return read_table_type(ld, &out->u.table);
    case EXT_MEMORY:
        if (++m->n_memory_imports > 1)
            return fail(ld, "multiple memories");
        return read_memory_type(ld, &out->u.memory);
    case EXT_GLOBAL:
        m->n_global_imports++;
        return read_global_type(ld, &out->u.global);
    }
    return fail(ld, "malformed import kind");
}

/* The table, memory and global index spaces start with the imports; copying
 * them in lets later code index one array per kind. */
static bool index_imports(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t t = 0, g = 0;

    m->table_types = alloc_array(ld, m->n_table_imports, sizeof *m->table_types);
    m->global_types = alloc_array(ld, m->n_global_imports, sizeof *m->global_types);
    if (!m->table_types || !m->global_types)
        return false;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const Import *imp = &m->imports[i];
        if (imp->kind == EXT_TABLE)
            m->table_types[t++] = imp->u.table;
        else if (imp->kind == EXT_GLOBAL)
            m->global_types[g++] = imp->u.global;
        else if (imp->kind == EXT_MEMORY)
            m->memory_limits = imp->u.memory;
    }
    m->n_tables = t;
    m->n_globals = g;
    m->n_memories = m->n_memory_imports;
    return true;
}

/* importsec -> vec(import); import -> module:name field:name importdesc */
static bool read_import_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n;

    if (!read_count(ld, WR_MAX_IMPORTS, "imports", &n))
        return false;
    m->imports = alloc_array(ld, n, sizeof *m->imports);
    if (!m->imports)
        return false;
    m->n_imports = n;
    for (uint32_t i = 0; i < n; i++) {
        Import *imp = &m->imports[i];
        if (!read_name(ld, &imp->module_name) || !read_name(ld, &imp->field_name)
            || !read_import_desc(ld, imp))
            return false;
    }
    return index_imports(ld);
}

/* funcsec -> vec(typeidx) */
static bool read_function_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n;

    if (!read_count(ld, WR_MAX_FUNCTIONS - m->n_func_imports, "functions", &n))
        return false;
    m->funcs = alloc_array(ld, n, sizeof *m->funcs);
    if (!m->funcs)
        return false;
    m->n_funcs = n;
    for (uint32_t i = 0; i < n; i++) {
        Func *f = &m->funcs[i];
        if (!rd_u32(&ld->r, &f->type_index))
            return false;
        if (f->type_index >= m->n_types)
            return fail(ld, "unknown type %u", f->type_index);
        f->type = &m->types[f->type_index];
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Table, memory, global, export and start sections
 * ------------------------------------------------------------------------ */

/* tablesec -> vec(tabletype) */
static bool read_table_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n, base = m->n_tables;
    TableType *tables;

    if (!read_count(ld, WR_MAX_TABLES - base, "tables", &n))
        return false;
    tables = grow_array(ld, m->table_types, base, base + n, sizeof *tables);
    if (!tables)
        return false;
    m->table_types = tables;
    m->n_tables = base + n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_table_type(ld, &m->table_types[base + i]))
            return false;
    return true;
}

/* memsec -> vec(memtype) */
static bool read_memory_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n;
    Limits l;

    if (!read_len(ld, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (!read_memory_type(ld, &l))
            return false;
        if (m->n_memories == 1)
            return fail(ld, "multiple memories");
        m->memory_limits = l;
        m->n_memories = 1;
    }
    return true;
}

/* globalsec -> vec(global); global -> globaltype init:expr */
static bool read_global_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n, base = m->n_global_imports;
    GlobalType *types;

    if (!read_count(ld, WR_MAX_GLOBALS - base, "globals", &n))
        return false;
    types = grow_array(ld, m->global_types, base, base + n, sizeof *types);
    if (!types)
        return false;
    m->global_types = types;
    m->globals = alloc_array(ld, n, sizeof *m->globals);
    if (!m->globals)
        return false;
    m->n_globals = base + n;
    for (uint32_t i = 0; i < n; i++) {
        Global *g = &m->globals[i];
        if (!read_global_type(ld, &g->type) || !read_const_expr(ld, g->type.val_type, &g->init))
            return false;
        m->global_types[base + i] = g->type;
    }
    return true;
}

/* An export name as it is in the binary: names may hold NUL bytes, so the
 * duplicate check compares lengths and bytes, not C strings. */
typedef struct NameSlice {
    const uint8_t *p;
    uint32_t n;
} NameSlice;

static int cmp_slice(const void *a, const void *b)
{
    const NameSlice *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return memcmp(x->p, y->p, x->n);
}

static bool check_export_names(Loader *ld, NameSlice *names, uint32_t n)
{
    rt_sort(names, n, sizeof *names, cmp_slice);
    for (uint32_t i = 1; i < n; i++)
        if (cmp_slice(&names[i - 1], &names[i]) == 0)
            return fail(ld, "duplicate export name \"%.*s\"", (int)names[i].n,
                        (const char *)names[i].p);
    return true;
}

/* exportdesc -> kind:byte index:u32, the index checked against its space */
static bool read_export_desc(Loader *ld, Export *out)
{
    const WasmModule *m = ld->m;

    if (!rd_u8(&ld->r, &out->kind))
        return false;
    if (out->kind > EXT_GLOBAL)
        return fail(ld, "malformed export kind");
    if (!rd_u32(&ld->r, &out->index))
        return false;
    switch (out->kind) {
    case EXT_FUNC:
        if (out->index >= func_count(m))
            return fail(ld, "unknown function %u", out->index);
        return declare_func(ld, out->index);
    case EXT_TABLE:
        return out->index < m->n_tables || fail(ld, "unknown table %u", out->index);
    case EXT_MEMORY:
        return out->index < m->n_memories || fail(ld, "unknown memory %u", out->index);
    case EXT_GLOBAL:
        return out->index < m->n_globals || fail(ld, "unknown global %u", out->index);
    }
    return false;
}

/* exportsec -> vec(export); export -> name exportdesc */
static bool read_export_section(Loader *ld)
{
    WasmModule *m = ld->m;
    NameSlice *names = NULL;
    uint32_t n;

    if (!read_count(ld, WR_MAX_EXPORTS, "exports", &n))
        goto fail;
    m->exports = alloc_array(ld, n, sizeof *m->exports);
    names = alloc_array(ld, n, sizeof *names);
    if (!m->exports || !names)
        goto fail;
    m->n_exports = n;
    for (uint32_t i = 0; i < n; i++) {
        Export *e = &m->exports[i];
        if (!read_name_slice(ld, &names[i].p, &names[i].n))
            goto fail;
        e->name = copy_name(names[i].p, names[i].n);
        e->name_len = names[i].n;
        if (!e->name) {
            fail(ld, "out of memory");
            goto fail;
        }
        if (!read_export_desc(ld, e))
            goto fail;
    }
    if (!check_export_names(ld, names, n))
        goto fail;
    mem_free(names);
    return true;
fail:
    mem_free(names);
    return false;
}

/* startsec -> funcidx:u32, a function of type [] -> [] */
static bool read_start_section(Loader *ld)
{
    WasmModule *m = ld->m;
    const FuncType *t;

    if (!rd_u32(&ld->r, &m->start_func))
        return false;
    if (m->start_func >= func_count(m))
        return fail(ld, "unknown function %u", m->start_func);
    t = ld_func_type(m, m->start_func);
    if (t->n_params != 0 || t->n_results != 0)
        return fail(ld, "start function must have type [] -> []");
    m->has_start = true;
    return true;
}

/* ------------------------------------------------------------------------
 * Element and data count sections
 * ------------------------------------------------------------------------ */

/* active target -> [tableidx:u32] offset:expr (index absent: table 0) */
static bool read_elem_target(Loader *ld, bool explicit_table, ElemSegment *seg)
{
    seg->table_index = 0;
    if (explicit_table && !rd_u32(&ld->r, &seg->table_index))
        return false;
    if (seg->table_index >= ld->m->n_tables)
        return fail(ld, "unknown table %u", seg->table_index);
    return read_const_expr(ld, VT_I32, &seg->offset);
}

/* elemkind -> 0x00 (funcref) */
static bool read_elem_kind(Loader *ld)
{
    uint8_t kind;

    if (!rd_u8(&ld->r, &kind))
        return false;
    return kind == 0x00 || fail(ld, "malformed element kind");
}

/* items -> vec(funcidx), each a declared function reference */
static bool read_elem_funcs(Loader *ld, ElemSegment *seg)
{
    if (!read_len(ld, &seg->n_items))
        return false;
    seg->items = alloc_array(ld, seg->n_items, sizeof *seg->items);
    if (!seg->items)
        return false;
    for (uint32_t i = 0; i < seg->n_items; i++) {
        ConstExpr *item = &seg->items[i];
        item->kind = CE_REF_FUNC;
        if (!rd_u32(&ld->r, &item->u.index))
            return false;
        if (item->u.index >= func_count(ld->m))
            return fail(ld, "unknown function %u", item->u.index);
        if (!declare_func(ld, item->u.index))
            return false;
    }
    return true;
}

/* items -> vec(expr), each a constant of the segment's reference type */
static bool read_elem_exprs(Loader *ld, ElemSegment *seg)
{
    if (!read_len(ld, &seg->n_items))
        return false;
    seg->items = alloc_array(ld, seg->n_items, sizeof *seg->items);
    if (!seg->items)
        return false;
    for (uint32_t i = 0; i < seg->n_items; i++)
        if (!read_const_expr(ld, seg->elem_type, &seg->items[i]))
            return false;
    return true;
}

/* elem -> flags:u32 then, by flag bits (0: passive or declarative, 1: explicit
 * table or declarative, 2: expressions instead of function indices):
 *   0: offset vec(funcidx)                  4: offset vec(expr)
 *   1: elemkind vec(funcidx)                5: reftype vec(expr)
 *   2: table offset elemkind vec(funcidx)   6: table offset reftype vec(expr)
 *   3: elemkind vec(funcidx)                7: reftype vec(expr) */
static bool read_elem(Loader *ld, ElemSegment *seg)
{
    uint32_t flags;

    if (!rd_u32(&ld->r, &flags))
        return false;
    if (flags > 7)
        return fail(ld, "malformed elements segment kind");
    seg->mode = !(flags & 1) ? SEG_ACTIVE : (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
    seg->elem_type = VT_FUNCREF;
    if (seg->mode == SEG_ACTIVE && !read_elem_target(ld, flags & 2, seg))
        return false;
    if (flags & 3) {
        bool ok = (flags & 4) ? read_ref_type(ld, &seg->elem_type) : read_elem_kind(ld);
        if (!ok)
            return false;
    }
    if (seg->mode == SEG_ACTIVE
        && ld->m->table_types[seg->table_index].elem_type != seg->elem_type)
        return fail(ld, "type mismatch: element segment and table %u types differ",
                    seg->table_index);
    return (flags & 4) ? read_elem_exprs(ld, seg) : read_elem_funcs(ld, seg);
}

/* elemsec -> vec(elem) */
static bool read_elem_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n;

    if (!read_count(ld, WR_MAX_ELEM_SEGMENTS, "element segments", &n))
        return false;
    m->elems = alloc_array(ld, n, sizeof *m->elems);
    if (!m->elems)
        return false;
    m->n_elems = n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_elem(ld, &m->elems[i]))
            return false;
    return true;
}

/* datacountsec -> count:u32 */
static bool read_data_count_section(Loader *ld)
{
    WasmModule *m = ld->m;

    if (!rd_u32(&ld->r, &m->data_count))
        return false;
    if (m->data_count > WR_MAX_DATA_SEGMENTS)
        return fail(ld, "too many data segments (%u, limit %u)", m->data_count,
                    WR_MAX_DATA_SEGMENTS);
    m->has_data_count = true;
    return true;
}

/* ------------------------------------------------------------------------
 * Code and data sections
 * ------------------------------------------------------------------------ */

/* A valid body ends with its function's `end`. When it does not, the
 * reference decoder reads on past the declared size, so the suite's message
 * depends on what follows the body: the module's end, an 0x0B taken as the
 * missing `end` (the size then disagrees), or anything else. */
static bool check_body_end(Loader *ld, const Func *f)
{
    const uint8_t *next = f->body + f->body_size;

    if (f->body_size > 0 && next[-1] == 0x0B)
        return true;
    if (next == ld->r.end)
        return fail(ld, "unexpected end of section or function");
    if (*next == 0x0B)
        return fail(ld, "section size mismatch");
    return fail(ld, "END opcode expected");
}

/* codesec -> vec(code); code -> size:u32 func; func -> vec(locals) expr.
 * Each body is translated as soon as it is read; the translator writes its
 * own message into err. */
static bool read_code_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n;

    if (!read_len(ld, &n))
        return false;
    if (n != m->n_funcs)
        return fail(ld, "function and code section have inconsistent lengths");
    if (!alloc_declared(ld))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        Func *f = &m->funcs[i];
        if (!read_len(ld, &f->body_size) || !rd_bytes(&ld->r, f->body_size, &f->body)
            || !check_body_end(ld, f))
            return false;
        if (!ld_translate_function(m, i, ld->err, ld->err_size)) {
            ld->translate_failed = true;
            return false;
        }
    }
    return true;
}

/* data -> 0:u32 offset:expr bytes | 1:u32 bytes | 2:u32 memidx:u32 offset:expr bytes
 * bytes -> len:u32 byte* (left in the wasm buffer) */
static bool read_data(Loader *ld, DataSegment *out)
{
    uint32_t flags;

    if (!rd_u32(&ld->r, &flags))
        return false;
    if (flags > 2)
        return fail(ld, "malformed data segment kind");
    out->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
    out->memory_index = 0;
    if (flags == 2 && !rd_u32(&ld->r, &out->memory_index))
        return false;
    if (out->mode == SEG_ACTIVE) {
        if (out->memory_index >= ld->m->n_memories)
            return fail(ld, "unknown memory %u", out->memory_index);
        if (!read_const_expr(ld, VT_I32, &out->offset))
            return false;
    }
    return read_len(ld, &out->size) && rd_bytes(&ld->r, out->size, &out->bytes);
}

/* datasec -> vec(data) */
static bool read_data_section(Loader *ld)
{
    WasmModule *m = ld->m;
    uint32_t n;

    if (!read_count(ld, WR_MAX_DATA_SEGMENTS, "data segments", &n))
        return false;
    if (m->has_data_count && n != m->data_count)
        return fail(ld, "data count and data section have inconsistent lengths");
    m->data = alloc_array(ld, n, sizeof *m->data);
    if (!m->data)
        return false;
    m->n_data = n;
    for (uint32_t i = 0; i < n; i++)
        if (!read_data(ld, &m->data[i]))
            return false;
    return true;
}

/* ------------------------------------------------------------------------
 * Custom sections and the name section
 * ------------------------------------------------------------------------ */

/* customsec -> name byte*; only the "name" section is kept, for later */
static bool read_custom_section(Loader *ld, uint32_t size)
{
    const uint8_t *start = ld->r.pos, *payload;
    const uint8_t *name;
    uint32_t name_len, used;

    if (!read_name_slice(ld, &name, &name_len))
        return false;
    used = (uint32_t)(ld->r.pos - start);
    if (used > size)
        return fail(ld, "unexpected end (custom section name exceeds the section)");
    if (!rd_bytes(&ld->r, size - used, &payload))
        return false;
    if (name_len == 4 && memcmp(name, "name", 4) == 0 && !ld->names) {
        ld->names = payload;
        ld->names_size = size - used;
    }
    return true;
}

/* funcnames -> vec(funcidx name). The name section is debug information:
 * parsed, never trusted. Anything odd ends parsing; the module stays valid. */
static void read_func_names(WasmModule *m, Reader *r)
{
    uint32_t n, idx, len;
    const uint8_t *p;

    if (!rd_u32(r, &n))
        return;
    for (uint32_t i = 0; i < n; i++) {
        if (!rd_u32(r, &idx) || !rd_u32(r, &len) || !rd_bytes(r, len, &p))
            return;
        if (!utf8_valid(p, len) || idx >= func_count(m))
            return;
        if (!m->func_names[idx] && !(m->func_names[idx] = copy_name(p, len)))
            return;
    }
}

/* namesec -> subsection*; subsection -> id:u8 size:u32 byte^size */
static void read_name_section(Loader *ld)
{
    WasmModule *m = ld->m;
    Reader r;

    if (!ld->names || func_count(m) == 0)
        return;
    m->func_names = mem_calloc(func_count(m), sizeof *m->func_names);
    if (!m->func_names)
        return;
    rd_init(&r, ld->names, ld->names_size);
    while (rd_remaining(&r) > 0) {
        uint8_t id;
        uint32_t size;
        const uint8_t *sub;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || !rd_bytes(&r, size, &sub))
            return;
        if (id == 1) {
            Reader fr;
            rd_init(&fr, sub, size);
            read_func_names(m, &fr);
            return;
        }
    }
}

/* ------------------------------------------------------------------------
 * Module
 * ------------------------------------------------------------------------ */

/* Position of each non-custom section id in the required order; the data
 * count section (12) sits between element (9) and code (10). */
static const uint8_t section_rank[13] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10,
};

/* section content, by id; custom sections need their size to skip the payload */
static bool read_section_body(Loader *ld, uint8_t id, uint32_t size)
{
    switch (id) {
    case 0: return read_custom_section(ld, size);
    case 1: return read_type_section(ld);
    case 2: return read_import_section(ld);
    case 3: return read_function_section(ld);
    case 4: return read_table_section(ld);
    case 5: return read_memory_section(ld);
    case 6: return read_global_section(ld);
    case 7: return read_export_section(ld);
    case 8: return read_start_section(ld);
    case 9: return read_elem_section(ld);
    case 10:
        ld->has_code_section = true;
        return read_code_section(ld);
    case 11:
        ld->has_data_section = true;
        return read_data_section(ld);
    default: return read_data_count_section(ld);
    }
}

/* module -> section*; section -> id:u8 size:u32 content, where the content's
 * decoder must consume exactly size bytes */
static bool read_sections(Loader *ld)
{
    uint8_t last_rank = 0;

    while (rd_remaining(&ld->r) > 0) {
        uint8_t id;
        uint32_t size;
        const uint8_t *start;
        if (!rd_u8(&ld->r, &id))
            return false;
        if (id > 12)
            return fail(ld, "malformed section id %u", id);
        if (id != 0 && section_rank[id] <= last_rank)
            return fail(ld, "unexpected content after last section (section %u)", id);
        if (id != 0)
            last_rank = section_rank[id];
        if (!read_len(ld, &size))
            return false;
        start = ld->r.pos;
        if (!read_section_body(ld, id, size))
            return false;
        if ((uint32_t)(ld->r.pos - start) != size)
            return fail(ld, "section size mismatch (section %u)", id);
    }
    return true;
}

/* Checks that need the whole module: counts declared in one section and
 * met in another. */
static bool check_module(Loader *ld)
{
    WasmModule *m = ld->m;

    if (m->n_funcs > 0 && !ld->has_code_section)
        return fail(ld, "function and code section have inconsistent lengths");
    if (m->has_data_count && m->data_count > 0 && !ld->has_data_section)
        return fail(ld, "data count and data section have inconsistent lengths");
    if (m->data_refs_without_count > 0) {
        if (m->n_data > 0)
            return fail(ld, "data count section required");
        return fail(ld, "unknown data segment %u", m->data_refs_without_count - 1);
    }
    return alloc_declared(ld);
}

/* header -> magic:"\0asm" version:u32le(1) */
static bool read_header(Loader *ld)
{
    uint32_t magic, version;

    if (!rd_fixed32(&ld->r, &magic))
        return false;
    if (magic != 0x6D736100u)
        return fail(ld, "magic header not detected");
    if (!rd_fixed32(&ld->r, &version))
        return false;
    if (version != 1)
        return fail(ld, "unknown binary version %u", version);
    return true;
}

/* The reader says "unexpected end" wherever it runs out; past the header the
 * suite's wording is longer, and it still starts with the short one. */
static void report_error(const Loader *ld)
{
    const char *msg = ld->r.error;

    if (ld->in_sections && strcmp(msg, "unexpected end") == 0)
        msg = "unexpected end of section or function";
    rt_set_error(ld->err, ld->err_size, "%s", msg);
}

WasmModule *ld_load(const uint8_t *buf, uint32_t size, char *err, uint32_t err_size)
{
    Loader ld;

    memset(&ld, 0, sizeof ld);
    ld.err = err;
    ld.err_size = err_size;
    rd_init(&ld.r, buf, size);
    ld.m = mem_calloc(1, sizeof *ld.m);
    if (!ld.m) {
        rt_set_error(err, err_size, "out of memory");
        return NULL;
    }
    if (!read_header(&ld))
        goto fail;
    ld.in_sections = true;
    if (!read_sections(&ld) || !check_module(&ld))
        goto fail;
    read_name_section(&ld);
    return ld.m;
fail:
    if (!ld.translate_failed && ld.r.error)
        report_error(&ld);
    ld_unload(ld.m);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Unloading and queries
 * ------------------------------------------------------------------------ */

static void free_imports_exports(WasmModule *m)
{
    for (uint32_t i = 0; i < m->n_imports; i++) {
        mem_free(m->imports[i].module_name);
        mem_free(m->imports[i].field_name);
    }
    mem_free(m->imports);
    for (uint32_t i = 0; i < m->n_exports; i++)
        mem_free(m->exports[i].name);
    mem_free(m->exports);
}

static void free_funcs(WasmModule *m)
{
    for (uint32_t i = 0; i < m->n_funcs; i++) {
        mem_free(m->funcs[i].code);
        mem_free(m->funcs[i].local_types);
    }
    mem_free(m->funcs);
    if (m->func_names) {
        for (uint32_t i = 0; i < func_count(m); i++)
            mem_free(m->func_names[i]);
        mem_free(m->func_names);
    }
    mem_free(m->func_declared);
}

void ld_unload(WasmModule *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->n_types; i++)
        mem_free(m->types[i].types);
    mem_free(m->types);
    free_imports_exports(m);
    free_funcs(m);
    mem_free(m->table_types);
    mem_free(m->global_types);
    mem_free(m->globals);
    for (uint32_t i = 0; i < m->n_elems; i++)
        mem_free(m->elems[i].items);
    mem_free(m->elems);
    mem_free(m->data);
    mem_free(m);
}

const FuncType *ld_func_type(const WasmModule *m, uint32_t func_index)
{
    uint32_t k = 0;

    if (func_index >= m->n_func_imports)
        return m->funcs[func_index - m->n_func_imports].type;
    /* Imports of other kinds may be interleaved, so count function imports. */
    if (m->n_imports == m->n_func_imports)
        return &m->types[m->imports[func_index].u.type_index];
    for (uint32_t i = 0; i < m->n_imports; i++) {
        if (m->imports[i].kind != EXT_FUNC)
            continue;
        if (k++ == func_index)
            return &m->types[m->imports[i].u.type_index];
    }
    return NULL;
}

bool ft_equal(const FuncType *a, const FuncType *b)
{
    if (a == b)
        return true;
    return a->n_params == b->n_params && a->n_results == b->n_results
        && memcmp(a->types, b->types, (size_t)a->n_params + a->n_results) == 0;
}
