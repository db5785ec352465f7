/* Host functions from the embedder (NativeSymbol): the registry by module
 * name, the signature grammar and its check against wasm function types, and
 * native_invoke, which converts wasm argument slots to a C call of the
 * embedder's function. The C call is made without asm or libffi, by the
 * target ABI's argument-placement rule (see the ABI section). */
#include "native.h"
#include "sort.h"

#include <stdio.h>
#include <string.h>

#include "../mem/mem.h"
#include "../platform/os.h"
#include "error.h"

/* The callee of a native call is an embedder function of another type: that
 * is the point of the technique below, so clang's check of indirect call
 * types (-fsanitize=function, C as well from clang 17) must not flag it. */
#if defined(__clang__)
#define NATIVE_NO_SANITIZE_FUNCTION __attribute__((no_sanitize("function")))
#else
#define NATIVE_NO_SANITIZE_FUNCTION
#endif

#define NATIVE_MSG_OOB "out of bounds memory access"
#define NATIVE_MSG_NO_ABI                                                                      \
    "signature natives are not supported on this target; register raw natives"

/* ====================================================================== */
/* Target ABI: calling a C function whose prototype is known at run time   */
/* ====================================================================== */
/* ISO C cannot build a call whose prototype is known only at run time. But
 * each ABI below places arguments by a rule that depends only on each
 * argument's class, in parameter order. So we place the arguments ourselves
 * (native_place) and call through one fixed prototype with a parameter for
 * every place (native_call): the callee finds each of its arguments where it
 * expects it, and ignores the rest. The caller pops the stack on all these
 * ABIs, so the extra arguments are harmless. Letters classify arguments:
 * 'i' '~' int32, 'I' int64, 'f' float, 'F' double, 'r' '*' '$' pointer.
 * Each block defines NativeFrame, native_abi_supported, native_place and
 * native_call. */

#define NATIVE_FP_TYPES double, double, double, double, double, double, double, double
#define NATIVE_FP_ARGS(d) d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
#define NATIVE_U64X8 uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define NATIVE_ARGS8(a, i)                                                                     \
    a[i], a[i + 1], a[i + 2], a[i + 3], a[i + 4], a[i + 5], a[i + 6], a[i + 7]

#if defined(__x86_64__) && !defined(_WIN32)
/* x86-64 System V: integer class in rdi (the exec env), rsi, rdx, rcx, r8,
 * r9; float class in xmm0-7; the rest on the stack in parameter order, one
 * 8-byte slot each. */
#define NATIVE_ABI_REGS 1
#define NATIVE_GP_REGS 5
#define NATIVE_GP_TYPES uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define NATIVE_GP_ARGS(g) g[0], g[1], g[2], g[3], g[4]
#elif defined(__aarch64__) && defined(__linux__)
/* AAPCS64 on Linux: x0 (the exec env), x1-x7; v0-v7; the rest on the stack
 * in parameter order, one 8-byte slot each. (Apple's variant packs stack
 * arguments by size, so it is not this rule.) */
#define NATIVE_ABI_REGS 1
#define NATIVE_GP_REGS 7
#define NATIVE_GP_TYPES uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define NATIVE_GP_ARGS(g) g[0], g[1], g[2], g[3], g[4], g[5], g[6]
#elif defined(__i386__) && !defined(_WIN32)
/* i386 System V (cdecl): every argument on the stack in 4-byte words, in
 * order, i64 and f64 as two words (low first); results in eax, edx:eax, or
 * the x87 st(0) for float and double. */
#define NATIVE_ABI_WORDS 1
#endif

#if defined(NATIVE_ABI_REGS)
#define NATIVE_FP_REGS 8
#define NATIVE_STACK_SLOTS 16

typedef struct NativeFrame {
    uint64_t gp[NATIVE_GP_REGS];
    double fp[NATIVE_FP_REGS]; /* f32: the float's bits in the low 32, upper 0 */
    uint64_t stack[NATIVE_STACK_SLOTS];
    uint32_t n_gp, n_fp, n_stack;
} NativeFrame;

typedef uint64_t (*NativeFnInt)(WasmExecEnv *, NATIVE_GP_TYPES, NATIVE_FP_TYPES, NATIVE_U64X8,
                                NATIVE_U64X8);
typedef double (*NativeFnFloat)(WasmExecEnv *, NATIVE_GP_TYPES, NATIVE_FP_TYPES, NATIVE_U64X8,
                                NATIVE_U64X8);

static const bool native_abi_supported = true;

/* Puts one argument (its bits in a 64-bit value) in its place; false when
 * the places of its class and the stack slots are used up. */
static bool native_place(NativeFrame *fr, char letter, uint64_t bits)
{
    bool is_float = letter == 'f' || letter == 'F';

    if (is_float && fr->n_fp < NATIVE_FP_REGS) {
        memcpy(&fr->fp[fr->n_fp++], &bits, sizeof bits);
        return true;
    }
    if (!is_float && fr->n_gp < NATIVE_GP_REGS) {
        fr->gp[fr->n_gp++] = bits;
        return true;
    }
    if (fr->n_stack == NATIVE_STACK_SLOTS)
        return false;
    fr->stack[fr->n_stack++] = bits;
    return true;
}

/* Calls fn; returns the result's bits. A float result is read as a double:
 * the callee leaves it in the low 32 bits of xmm0 / v0. */
NATIVE_NO_SANITIZE_FUNCTION
static uint64_t native_call(void *fn, WasmExecEnv *env, const NativeFrame *fr, char result)
{
    const uint64_t *g = fr->gp, *s = fr->stack;
    const double *d = fr->fp;
    double r;
    uint64_t bits;

    if (result != 'f' && result != 'F')
        return ((NativeFnInt)fn)(env, NATIVE_GP_ARGS(g), NATIVE_FP_ARGS(d), NATIVE_ARGS8(s, 0),
                                 NATIVE_ARGS8(s, 8));
    r = ((NativeFnFloat)fn)(env, NATIVE_GP_ARGS(g), NATIVE_FP_ARGS(d), NATIVE_ARGS8(s, 0),
                            NATIVE_ARGS8(s, 8));
    memcpy(&bits, &r, sizeof bits);
    return bits;
}

#elif defined(NATIVE_ABI_WORDS)
#define NATIVE_STACK_SLOTS 32
#define NATIVE_U32X8 uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t
#define NATIVE_WORD_TYPES NATIVE_U32X8, NATIVE_U32X8, NATIVE_U32X8, NATIVE_U32X8
#define NATIVE_WORD_ARGS(w)                                                                    \
    NATIVE_ARGS8(w, 0), NATIVE_ARGS8(w, 8), NATIVE_ARGS8(w, 16), NATIVE_ARGS8(w, 24)

typedef struct NativeFrame {
    uint32_t stack[NATIVE_STACK_SLOTS];
    uint32_t n_stack;
} NativeFrame;

/* One prototype per result class: an x87 result must be popped by a caller
 * that expects one, and must not be popped by one that does not. */
typedef uint64_t (*NativeFnInt)(WasmExecEnv *, NATIVE_WORD_TYPES);
typedef float (*NativeFnF32)(WasmExecEnv *, NATIVE_WORD_TYPES);
typedef double (*NativeFnF64)(WasmExecEnv *, NATIVE_WORD_TYPES);

static const bool native_abi_supported = true;

static bool native_place(NativeFrame *fr, char letter, uint64_t bits)
{
    uint32_t words = (letter == 'I' || letter == 'F') ? 2 : 1;

    if (NATIVE_STACK_SLOTS - fr->n_stack < words)
        return false;
    fr->stack[fr->n_stack++] = (uint32_t)bits;
    if (words == 2)
        fr->stack[fr->n_stack++] = (uint32_t)(bits >> 32);
    return true;
}

NATIVE_NO_SANITIZE_FUNCTION
static uint64_t native_call(void *fn, WasmExecEnv *env, const NativeFrame *fr, char result)
{
    const uint32_t *w = fr->stack;
    uint64_t bits = 0;

    if (result == 'f') {
        float r = ((NativeFnF32)fn)(env, NATIVE_WORD_ARGS(w));
        memcpy(&bits, &r, sizeof r); /* little-endian: the low 32 bits */
    } else if (result == 'F') {
        double r = ((NativeFnF64)fn)(env, NATIVE_WORD_ARGS(w));
        memcpy(&bits, &r, sizeof r);
    } else {
        bits = ((NativeFnInt)fn)(env, NATIVE_WORD_ARGS(w));
    }
    return bits;
}

#else
/* Any other target: only raw natives can be called. */
typedef struct NativeFrame {
    uint32_t unused;
} NativeFrame;

static const bool native_abi_supported = false;

static bool native_place(NativeFrame *fr, char letter, uint64_t bits)
{
    (void)fr;
    (void)letter;
    (void)bits;
    return false;
}

static uint64_t native_call(void *fn, WasmExecEnv *env, const NativeFrame *fr, char result)
{
    (void)fn;
    (void)env;
    (void)fr;
    (void)result;
    return 0;
}
#endif

/* ====================================================================== */
/* Registry                                                                */
/* ====================================================================== */

/* One native_register call. Nodes are ours; names and arrays the caller's. */
typedef struct NativeReg {
    struct NativeReg *next; /* the next older registration */
    const char *module_name;
    NativeSymbol *symbols; /* sorted by symbol name */
    uint32_t n;
    bool raw;
} NativeReg;

static os_mutex native_lock = OS_MUTEX_INITIALIZER;
static NativeReg *native_regs; /* newest first; guarded by native_lock */

static int native_cmp(const NativeSymbol *a, const NativeSymbol *b)
{
    return strcmp(a->symbol, b->symbol);
}

static int native_qcmp(const void *a, const void *b)
{
    return native_cmp(a, b);
}

/* In place, as the contract allows, and without malloc (pool mode). */
static void native_sort(NativeSymbol *s, uint32_t n)
{
    rt_sort(s, n, sizeof *s, native_qcmp);
}

static bool native_is_sorted(const NativeSymbol *s, uint32_t n)
{
    uint32_t i;

    for (i = 1; i < n; i++)
        if (native_cmp(&s[i - 1], &s[i]) > 0)
            return false;
    return true;
}

static const NativeSymbol *native_find(const NativeReg *reg, const char *name)
{
    uint32_t lo = 0, hi = reg->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, reg->symbols[mid].symbol);
        if (c == 0)
            return &reg->symbols[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool native_register(const char *module_name, NativeSymbol *symbols, uint32_t n, bool raw)
{
    NativeReg *reg;
    uint32_t i;

    if (!module_name || (n > 0 && !symbols))
        return false;
    for (i = 0; i < n; i++)
        if (!symbols[i].symbol)
            return false;
    reg = mem_alloc(sizeof *reg);
    if (!reg)
        return false;
    reg->module_name = module_name;
    reg->symbols = symbols;
    reg->n = n;
    reg->raw = raw;
    /* The same array may be registered already, and symbols found in it may
     * be in use: a sorted array is left alone (heapsort would still move its
     * entries), and sorting happens under the lock. */
    os_mutex_lock(&native_lock);
    if (!native_is_sorted(symbols, n))
        native_sort(symbols, n);
    reg->next = native_regs;
    native_regs = reg;
    os_mutex_unlock(&native_lock);
    return true;
}

bool native_unregister(const char *module_name, NativeSymbol *symbols)
{
    NativeReg **link, *found = NULL;

    if (!module_name)
        return false;
    os_mutex_lock(&native_lock);
    for (link = &native_regs; *link; link = &(*link)->next) {
        if ((*link)->symbols == symbols && strcmp((*link)->module_name, module_name) == 0) {
            found = *link;
            *link = found->next;
            break;
        }
    }
    os_mutex_unlock(&native_lock);
    mem_free(found);
    return found != NULL;
}

void native_unregister_all(void)
{
    NativeReg *reg, *next;

    os_mutex_lock(&native_lock);
    reg = native_regs;
    native_regs = NULL;
    os_mutex_unlock(&native_lock);
    for (; reg; reg = next) {
        next = reg->next;
        mem_free(reg);
    }
}

const NativeSymbol *native_lookup(const char *module_name, const char *field, bool *out_raw)
{
    const NativeSymbol *sym = NULL;
    const NativeReg *reg;

    if (!module_name || !field)
        return NULL;
    os_mutex_lock(&native_lock);
    for (reg = native_regs; reg && !sym; reg = reg->next) {
        if (strcmp(reg->module_name, module_name) != 0)
            continue;
        sym = native_find(reg, field);
        if (!sym && field[0] == '_')
            sym = native_find(reg, field + 1);
        if (sym && out_raw)
            *out_raw = reg->raw;
    }
    os_mutex_unlock(&native_lock);
    return sym;
}

/* ====================================================================== */
/* Signatures                                                              */
/* ====================================================================== */

/* How a native's parameters and result are passed: by the letters of its
 * signature, or, for an unchecked native (params NULL), by its wasm types. */
typedef struct NativeSig {
    const char *params; /* n_params letters inside the signature, or NULL */
    uint32_t n_params;
    char result; /* a letter, or '\0' for none */
} NativeSig;

/* signature -> "(" { i I f F r * ~ $ } ")" [ i I f F r ]
 * Fills out and returns NULL when well-formed; else returns the reason. */
static const char *native_parse(const char *sig, NativeSig *out)
{
    const char *p = sig;

    if (*p++ != '(')
        return "missing '('";
    out->params = p;
    for (; *p && *p != ')'; p++) {
        if (!strchr("iIfFr*~$", *p))
            return "unknown parameter letter";
        if (*p == '~' && (p == out->params || p[-1] != '*'))
            return "'~' must come right after '*'";
    }
    if (*p != ')')
        return "missing ')'";
    out->n_params = (uint32_t)(p - out->params);
    out->result = *++p;
    if (*p && !strchr("iIfFr", *p))
        return "unknown result letter";
    if (*p && p[1])
        return "more than one result letter";
    return NULL;
}

/* The wasm type a letter stands for. */
static uint8_t native_letter_type(char letter)
{
    switch (letter) {
    case 'i':
    case '*':
    case '~':
    case '$':
        return VT_I32;
    case 'I':
        return VT_I64;
    case 'f':
        return VT_F32;
    case 'F':
        return VT_F64;
    case 'r':
        return VT_EXTERNREF;
    default:
        return 0;
    }
}

/* The letter an unchecked native's value is passed as; '\0' if it cannot
 * be passed (v128). A funcref passes as the host's pointer. */
static char native_type_letter(uint8_t type)
{
    switch (type) {
    case VT_I32:
        return 'i';
    case VT_I64:
        return 'I';
    case VT_F32:
        return 'f';
    case VT_F64:
        return 'F';
    case VT_FUNCREF:
    case VT_EXTERNREF:
        return 'r';
    default:
        return '\0';
    }
}

static char native_param(const NativeSig *s, const FuncType *type, uint32_t k)
{
    return s->params ? s->params[k] : native_type_letter(ft_params(type)[k]);
}

static bool native_sig_equals_type(const NativeSig *s, const FuncType *type)
{
    uint32_t k;

    if (s->n_params != type->n_params || type->n_results != (s->result ? 1u : 0u))
        return false;
    for (k = 0; k < s->n_params; k++)
        if (native_letter_type(s->params[k]) != ft_params(type)[k])
            return false;
    return !s->result || native_letter_type(s->result) == ft_results(type)[0];
}

/* Describes an unchecked native; NULL, or the reason it cannot be called. */
static const char *native_unchecked(const FuncType *type, NativeSig *out)
{
    uint32_t k;

    out->params = NULL;
    out->n_params = type->n_params;
    out->result = '\0';
    for (k = 0; k < type->n_params; k++)
        if (!native_type_letter(ft_params(type)[k]))
            return "a v128 parameter cannot be passed to a native";
    if (type->n_results > 1)
        return "a native returns at most one result";
    if (type->n_results == 1)
        out->result = native_type_letter(ft_results(type)[0]);
    if (type->n_results == 1 && !out->result)
        return "a v128 result cannot be returned by a native";
    return NULL;
}

/* Whether this target's invoker can place every parameter. */
static bool native_fits(const NativeSig *s, const FuncType *type)
{
    NativeFrame fr;
    uint32_t k;

    memset(&fr, 0, sizeof fr);
    for (k = 0; k < s->n_params; k++)
        if (!native_place(&fr, native_param(s, type, k), 0))
            return false;
    return true;
}

static const char *native_type_name(uint8_t type)
{
    switch (type) {
    case VT_I32:
        return "i32";
    case VT_I64:
        return "i64";
    case VT_F32:
        return "f32";
    case VT_F64:
        return "f64";
    case VT_V128:
        return "v128";
    case VT_FUNCREF:
        return "funcref";
    case VT_EXTERNREF:
        return "externref";
    default:
        return "?";
    }
}

/* Appends a type list, e.g. "i32, f64", to buf (of size bytes, holding a
 * NUL-terminated string); stops quietly when buf is full. */
static void native_append_types(char *buf, size_t size, const uint8_t *types, uint32_t n)
{
    uint32_t k;

    for (k = 0; k < n; k++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", k ? ", " : "", native_type_name(types[k]));
    }
}

/* "(i32, i64) -> f32"; "-> ()" without results, "-> (i32, i32)" for two. */
static void native_format_type(const FuncType *type, char *buf, size_t size)
{
    size_t used;

    snprintf(buf, size, "(");
    native_append_types(buf, size, ft_params(type), type->n_params);
    used = strlen(buf);
    snprintf(buf + used, size - used, type->n_results == 1 ? ") -> " : ") -> (");
    native_append_types(buf, size, ft_results(type), type->n_results);
    used = strlen(buf);
    if (type->n_results != 1)
        snprintf(buf + used, size - used, ")");
}

/* The reason comes first in the message: a long signature may be cut. */
static bool native_check_target(const NativeSig *s, const FuncType *type, char *err,
                                uint32_t err_size)
{
    char tbuf[160];

    if (!native_abi_supported) {
        rt_set_error(err, err_size, NATIVE_MSG_NO_ABI);
        return false;
    }
    if (native_fits(s, type))
        return true;
    native_format_type(type, tbuf, sizeof tbuf);
    rt_set_error(err, err_size, "too many arguments for this target: %s", tbuf);
    return false;
}

static bool native_check_signature(const char *signature, const FuncType *type,
                                   bool target_limits, char *err, uint32_t err_size)
{
    NativeSig s;
    char tbuf[160];
    const char *why = native_parse(signature, &s);

    if (why) {
        rt_set_error(err, err_size, "malformed signature \"%s\": %s", signature, why);
        return false;
    }
    if (!native_sig_equals_type(&s, type)) {
        native_format_type(type, tbuf, sizeof tbuf);
        rt_set_error(err, err_size, "signature %s does not match %s", signature, tbuf);
        return false;
    }
    return !target_limits || native_check_target(&s, type, err, err_size);
}

bool native_signature_matches(const char *signature, const FuncType *type, char *err,
                              uint32_t err_size)
{
    if (!signature || !*signature)
        return true;
    return native_check_signature(signature, type, true, err, err_size);
}

bool native_symbol_matches(const NativeSymbol *sym, bool raw, const FuncType *type, char *err,
                           uint32_t err_size)
{
    NativeSig s;
    const char *why;

    if (sym->signature && *sym->signature)
        return native_check_signature(sym->signature, type, !raw, err, err_size);
    if (raw)
        return true;
    why = native_unchecked(type, &s);
    if (why) {
        rt_set_error(err, err_size, "%s", why);
        return false;
    }
    return native_check_target(&s, type, err, err_size);
}

/* ====================================================================== */
/* Invoking                                                                */
/* ====================================================================== */

typedef void (*NativeRawFn)(WasmExecEnv *env, uint64_t *args);

/* Converts app offset off of a '*' argument of len bytes; offset 0 is the
 * memory base, as in WAMR and wasm_runtime_addr_app_to_native. */
static bool native_app_range(const WasmMemory *mem, uint32_t off, uint32_t len, void **out)
{
    if (!mem || (uint64_t)off + len > mem->size)
        return false;
    *out = mem->data ? mem->data + off : NULL; /* data is NULL only when size is 0 */
    return true;
}

/* Converts the app offset of a '$' argument: a NUL must end the string
 * inside memory. */
static bool native_app_str(const WasmMemory *mem, uint32_t off, void **out)
{
    if (!mem || off >= mem->size || !memchr(mem->data + off, 0, (size_t)(mem->size - off)))
        return false;
    *out = mem->data + off;
    return true;
}

/* The native pointer for the '*' or '$' argument k of s. */
static bool native_app_pointer(const WasmInstance *inst, const NativeSig *s,
                               const uint64_t *args, uint32_t k, void **out)
{
    uint32_t off = (uint32_t)args[k];

    if (s->params[k] == '$')
        return native_app_str(inst->memory, off, out);
    /* params[k + 1] is at most the closing ')'. */
    return native_app_range(inst->memory, off, s->params[k + 1] == '~' ? (uint32_t)args[k + 1] : 1,
                            out);
}

/* The C value of argument k, as 64 bits for native_place: an int32
 * sign-extended, a float's bits in the low 32 with the upper 32 zero. */
static bool native_arg(const WasmInstance *inst, const NativeSig *s, char letter,
                       const uint64_t *args, uint32_t k, uint64_t *out)
{
    void *p;

    switch (letter) {
    case 'i':
    case '~':
        *out = (uint64_t)(int64_t)(int32_t)(uint32_t)args[k];
        return true;
    case 'f':
        *out = (uint32_t)args[k];
        return true;
    case 'r':
        *out = (uintptr_t)args[k]; /* a 32-bit host keeps the pointer in the low half */
        return true;
    case '*':
    case '$':
        if (!native_app_pointer(inst, s, args, k, &p))
            return false;
        *out = (uintptr_t)p;
        return true;
    default: /* 'I' 'F' */
        *out = args[k];
        return true;
    }
}

static void native_store_result(char letter, uint64_t bits, uint64_t *args)
{
    switch (letter) {
    case 'i':
    case 'f':
        args[0] = (uint32_t)bits;
        break;
    case 'r':
        args[0] = (uintptr_t)bits;
        break;
    case 'I':
    case 'F':
        args[0] = bits;
        break;
    default: /* no result */
        break;
    }
}

/* A raw native gets the slots, with '*' and '$' ones replaced by native
 * pointers as WAMR does. */
static void native_invoke_raw(WasmExecEnv *env, const WasmFunc *fn, const NativeSig *s,
                              uint64_t *args)
{
    uint32_t k;
    void *p;

    for (k = 0; s->params && k < s->n_params; k++) {
        if (s->params[k] != '*' && s->params[k] != '$')
            continue;
        if (!native_app_pointer(env->module_inst, s, args, k, &p)) {
            rt_set_exception(env->module_inst, NATIVE_MSG_OOB);
            return;
        }
        args[k] = (uintptr_t)p;
    }
    ((NativeRawFn)fn->native->func_ptr)(env, args);
}

static void native_invoke_c(WasmExecEnv *env, const WasmFunc *fn, const NativeSig *s,
                            uint64_t *args)
{
    NativeFrame fr;
    uint64_t v;
    uint32_t k;

    if (!native_abi_supported) {
        rt_set_exception(env->module_inst, NATIVE_MSG_NO_ABI);
        return;
    }
    memset(&fr, 0, sizeof fr);
    for (k = 0; k < s->n_params; k++) {
        char letter = native_param(s, fn->type, k);
        if (!native_arg(env->module_inst, s, letter, args, k, &v)) {
            rt_set_exception(env->module_inst, NATIVE_MSG_OOB);
            return;
        }
        if (!native_place(&fr, letter, v)) {
            rt_set_exception(env->module_inst, "native has too many arguments for this target");
            return;
        }
    }
    v = native_call(fn->native->func_ptr, env, &fr, s->result);
    native_store_result(s->result, v, args);
}

/* Describes fn for the call. Linking checked the signature already; this
 * repeats the cheap part so that a WasmFunc made by hand cannot read past
 * its signature or write a result its caller has no slot for. */
static const char *native_describe(const WasmFunc *fn, NativeSig *out)
{
    const char *sig = fn->native->signature;
    const char *why;

    if (!sig || !*sig) {
        why = native_unchecked(fn->type, out);
        return fn->native_raw ? NULL : why; /* a raw native takes any slots */
    }
    if (native_parse(sig, out) || !native_sig_equals_type(out, fn->type))
        return "native signature does not match its function type";
    return NULL;
}

void native_invoke(WasmExecEnv *env, uint64_t *args)
{
    const WasmFunc *fn = env->host_func;
    NativeSig s;
    const char *why = native_describe(fn, &s);

    if (why) {
        rt_set_exception(env->module_inst, why);
        return;
    }
    if (fn->native_raw)
        native_invoke_raw(env, fn, &s, args);
    else
        native_invoke_c(env, fn, &s, args);
}
