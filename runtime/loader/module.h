/* The decoded, validated and translated form of one wasm module, and the
 * loader's entry points. A module is immutable after loading; instances
 * (common/instance.h) hold everything that changes at run time.
 *
 * Ownership: the module owns every array below. Data segment bytes and
 * custom section payloads point into the wasm buffer given to ld_load, which
 * the caller keeps alive until ld_unload (WAMR's contract for wasm_runtime_load).
 * Names are copied and NUL-terminated. */
#ifndef WR_MODULE_H
#define WR_MODULE_H

#include <stdbool.h>
#include <stdint.h>

/* Value types, by their binary encoding. */
enum {
    VT_I32 = 0x7F,
    VT_I64 = 0x7E,
    VT_F32 = 0x7D,
    VT_F64 = 0x7C,
    VT_V128 = 0x7B,
    VT_FUNCREF = 0x70,
    VT_EXTERNREF = 0x6F,
};

/* External kinds, by their binary encoding. */
enum {
    EXT_FUNC = 0,
    EXT_TABLE = 1,
    EXT_MEMORY = 2,
    EXT_GLOBAL = 3,
};

static inline bool vt_is_ref(uint8_t t)
{
    return t == VT_FUNCREF || t == VT_EXTERNREF;
}

typedef struct FuncType {
    uint32_t n_params;
    uint32_t n_results;
    /* n_params parameter types followed by n_results result types. */
    uint8_t *types;
    /* argv cells (uint32 units) the embedding API uses: i64/f64 take 2. */
    uint32_t param_cells;
    uint32_t result_cells;
} FuncType;

static inline const uint8_t *ft_params(const FuncType *t)
{
    return t->types;
}

static inline const uint8_t *ft_results(const FuncType *t)
{
    return t->types + t->n_params;
}

bool ft_equal(const FuncType *a, const FuncType *b);

typedef struct Limits {
    uint32_t min;
    uint32_t max; /* valid when has_max */
    bool has_max;
    bool shared; /* threads proposal; memories only */
} Limits;

typedef struct TableType {
    uint8_t elem_type; /* VT_FUNCREF or VT_EXTERNREF */
    Limits limits;
} TableType;

typedef struct GlobalType {
    uint8_t val_type;
    bool is_mutable;
} GlobalType;

/* A constant expression of Wasm 2.0: exactly one instruction then `end`. */
enum {
    CE_I32_CONST,
    CE_I64_CONST,
    CE_F32_CONST,
    CE_F64_CONST,
    CE_REF_NULL,
    CE_REF_FUNC,
    CE_GLOBAL_GET,
};

typedef struct ConstExpr {
    uint8_t kind; /* CE_* */
    uint8_t ref_type; /* CE_REF_NULL: VT_FUNCREF or VT_EXTERNREF */
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint32_t index; /* function (CE_REF_FUNC) or global (CE_GLOBAL_GET) */
    } u;
} ConstExpr;

typedef struct Import {
    char *module_name;
    char *field_name;
    uint8_t kind; /* EXT_* */
    union {
        uint32_t type_index; /* EXT_FUNC */
        TableType table;
        Limits memory;
        GlobalType global;
    } u;
} Import;

typedef struct Export {
    char *name; /* NUL-terminated copy; may hold NUL bytes itself */
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} Export;

typedef struct Global {
    GlobalType type;
    ConstExpr init;
} Global;

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct ElemSegment {
    uint8_t mode; /* SEG_* */
    uint8_t elem_type; /* VT_FUNCREF or VT_EXTERNREF */
    uint32_t table_index; /* active only */
    ConstExpr offset; /* active only */
    uint32_t n_items;
    ConstExpr *items; /* CE_REF_FUNC, CE_REF_NULL or CE_GLOBAL_GET each */
} ElemSegment;

typedef struct DataSegment {
    uint8_t mode; /* SEG_ACTIVE or SEG_PASSIVE */
    uint32_t memory_index;
    ConstExpr offset; /* active only */
    uint32_t size;
    const uint8_t *bytes; /* into the wasm buffer */
} DataSegment;

/* A function defined in the module (imports are not in this array). */
typedef struct Func {
    uint32_t type_index;
    const FuncType *type;
    /* Body bytes in the wasm buffer: local declarations, then expression. */
    const uint8_t *body;
    uint32_t body_size;
    /* --- filled by the translator (loader/translate.c) --- */
    uint32_t n_locals; /* params + declared locals */
    uint32_t n_params; /* type->n_params, kept here for the call path */
    uint8_t *local_types; /* n_locals entries */
    /* Frame size in 8-byte slots: locals, operand stack, spill slots. */
    uint32_t frame_slots;
    /* Internal code (interp/iops.h) and its length in 32-bit words. */
    uint32_t *code;
    uint32_t code_words;
} Func;

typedef struct WasmModule {
    uint32_t n_types;
    FuncType *types;

    uint32_t n_imports;
    Import *imports;
    /* Per-kind import counts; imports come first in each index space. */
    uint32_t n_func_imports, n_table_imports, n_memory_imports, n_global_imports;

    /* Function index space size = n_func_imports + n_funcs. */
    uint32_t n_funcs;
    Func *funcs;

    /* Table index space: imported tables first, then defined. Entry i of
     * table_types covers the whole index space (imports copied in). */
    uint32_t n_tables; /* total */
    TableType *table_types;

    uint32_t n_memories; /* total, 0 or 1 in Wasm 2.0 */
    Limits memory_limits; /* of memory 0 when n_memories == 1 */

    uint32_t n_globals; /* total */
    GlobalType *global_types; /* whole index space */
    Global *globals; /* defined ones: n_globals - n_global_imports */

    uint32_t n_exports;
    Export *exports;

    bool has_start;
    uint32_t start_func;

    uint32_t n_elems;
    ElemSegment *elems;

    bool has_data_count;
    uint32_t data_count;
    /* Highest data index + 1 that code used (memory.init, data.drop) while
     * no data count section was present; judged once the data section is
     * known: "data count section required" when there are data segments,
     * "unknown data segment" when there are none. */
    uint32_t data_refs_without_count;
    uint32_t n_data;
    DataSegment *data;

    /* Functions that may be referenced by ref.func in code: those named in
     * element segments, exports or global initialisers (spec "C.refs"). */
    uint8_t *func_declared; /* one flag per function index */

    /* The shadow-stack pointer of C toolchains (LLVM's __stack_pointer):
     * global 0 when it is a defined mutable i32 and the module exports
     * __heap_base or __data_end; -1 otherwise. Set by the translator. */
    int32_t aux_stack_global;
    bool aux_stack_known;

    /* Name section, parsed for diagnostics only; NULL entries when absent. */
    char **func_names; /* per function index, or NULL */
} WasmModule;

/* Type of any function in the index space (imported or defined). */
const FuncType *ld_func_type(const WasmModule *m, uint32_t func_index);

/* Decode, validate and translate a module. Returns NULL and writes the
 * reason (spec suite wording first) into err on failure. */
WasmModule *ld_load(const uint8_t *buf, uint32_t size, char *err, uint32_t err_size);
void ld_unload(WasmModule *m);

/* Validate one defined function's body and translate it into internal code
 * (fills the translator fields of m->funcs[def_index]). Called by ld_load
 * for every body of the code section, after all other sections before the
 * code section are decoded. */
bool ld_translate_function(WasmModule *m, uint32_t def_index, char *err, uint32_t err_size);

#endif
