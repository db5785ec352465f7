/* Unit tests of common/native.c: the registry (order, "_foo" binding, in-place
 * sorting, threads), signature checking, and native_invoke calling natives of
 * many shapes through hand-built WasmFuncs, an instance with a 64 KiB memory
 * and an exec env, the way the interpreter's call_host does. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/instance.h"
#include "common/native.h"
#include "include/wasm_export.h"
#include "platform/os.h"

#include "check.h"

/* ------------------------------- helpers ------------------------------- */

#define MEM_SIZE 65536u

static uint8_t g_mem_buf[MEM_SIZE];
static WasmMemory g_mem;
static WasmInstance g_inst; /* the caller, with g_mem */
static WasmInstance g_bare; /* a caller without memory */
static WasmExecEnv *g_env;
/* Whether this target can call signature natives (else only raw ones). */
static bool g_abi;

/* Made types and functions, freed at the end. */
static FuncType *g_types[256];
static WasmFunc *g_funcs[64];
static unsigned g_n_types, g_n_funcs;

/* A type from letters: i I f F r (externref) R (funcref) v (v128). */
static FuncType *make_type(const char *params, const char *results)
{
    uint8_t p[64], r[4];
    size_t np = strlen(params), nr = strlen(results), k;
    FuncType *t;

    for (k = 0; k < np + nr; k++) {
        char c = k < np ? params[k] : results[k - np];
        uint8_t vt = c == 'i'   ? VT_I32
                     : c == 'I' ? VT_I64
                     : c == 'f' ? VT_F32
                     : c == 'F' ? VT_F64
                     : c == 'r' ? VT_EXTERNREF
                     : c == 'R' ? VT_FUNCREF
                                : VT_V128;
        if (k < np)
            p[k] = vt;
        else
            r[k - np] = vt;
    }
    t = rt_functype_new(p, (uint32_t)np, r, (uint32_t)nr);
    g_types[g_n_types++] = t;
    return t;
}

static WasmFunc *make_native(NativeSymbol *sym, bool raw, const char *params, const char *results)
{
    WasmFunc *f = rt_host_func_new(make_type(params, results), native_invoke, sym->attachment);

    f->native = sym;
    f->native_raw = raw;
    g_funcs[g_n_funcs++] = f;
    return f;
}

/* What call_host does; true when no exception was left. */
static bool call_on(WasmInstance *inst, WasmFunc *f, uint64_t *args)
{
    rt_clear_exception(inst);
    g_env->module_inst = inst;
    g_env->attachment = f->attachment;
    g_env->host_func = f;
    f->host_fn(g_env, args);
    g_env->host_func = NULL;
    g_env->attachment = NULL;
    return rt_get_exception(inst) == NULL;
}

static bool call(WasmFunc *f, uint64_t *args)
{
    return call_on(&g_inst, f, args);
}

static bool exception_is(const WasmInstance *inst, const char *msg)
{
    const char *e = rt_get_exception(inst);
    return e && strcmp(e, msg) == 0;
}

static uint32_t f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

static uint64_t f64_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

static float bits_f32(uint64_t b)
{
    uint32_t lo = (uint32_t)b;
    float f;
    memcpy(&f, &lo, 4);
    return f;
}

static double bits_f64(uint64_t b)
{
    double d;
    memcpy(&d, &b, 8);
    return d;
}

/* ------------------------------- registry ------------------------------ */

static int dummy_a, dummy_b, dummy_c;

static void test_registry(void)
{
    NativeSymbol first[] = {
        { "zeta", &dummy_a, "(i)i", NULL },
        { "alpha", &dummy_a, NULL, NULL },
        { "foo", &dummy_a, "()", NULL },
        { "_under", &dummy_a, NULL, NULL },
        { "under", &dummy_b, NULL, NULL },
        { "mid", &dummy_a, NULL, NULL },
    };
    NativeSymbol second[] = {
        { "foo", &dummy_b, NULL, NULL },
        { "bar", &dummy_b, NULL, NULL },
    };
    NativeSymbol other[] = { { "foo", &dummy_c, NULL, NULL } };
    NativeSymbol unnamed[] = { { NULL, &dummy_c, NULL, NULL } };
    const NativeSymbol *s;
    bool raw = false;

    native_unregister_all();
    CHECK(native_lookup("env", "foo", &raw) == NULL);
    CHECK(native_register("env", first, 6, false));
    /* sorted in place */
    CHECK(strcmp(first[0].symbol, "_under") == 0 && strcmp(first[1].symbol, "alpha") == 0 &&
          strcmp(first[2].symbol, "foo") == 0 && strcmp(first[3].symbol, "mid") == 0 &&
          strcmp(first[4].symbol, "under") == 0 && strcmp(first[5].symbol, "zeta") == 0);
    CHECK(first[5].func_ptr == &dummy_a && strcmp(first[5].signature, "(i)i") == 0);

    raw = true;
    s = native_lookup("env", "zeta", &raw);
    CHECK(s == &first[5] && !raw);
    CHECK(native_lookup("env", "alpha", NULL) == &first[1]);
    CHECK(native_lookup("env", "nope", NULL) == NULL);
    CHECK(native_lookup("other", "foo", NULL) == NULL);
    CHECK(native_lookup("env", "", NULL) == NULL);
    /* "_foo" binds "foo"; an exact "_under" wins over "under" */
    CHECK(native_lookup("env", "_zeta", NULL) == &first[5]);
    CHECK(native_lookup("env", "_under", NULL) == &first[0]);
    CHECK(native_lookup("env", "__zeta", NULL) == NULL);

    /* newest wins, raw flag per registration */
    CHECK(native_register("env", second, 2, true));
    CHECK(strcmp(second[0].symbol, "bar") == 0);
    s = native_lookup("env", "foo", &raw);
    CHECK(s == &second[1] && s->func_ptr == &dummy_b && raw);
    CHECK(native_lookup("env", "zeta", &raw) == &first[5] && !raw);
    CHECK(native_register("other", other, 1, false));
    CHECK(native_lookup("other", "foo", NULL) == &other[0]);
    CHECK(native_lookup("env", "foo", NULL) == &second[1]);

    /* unregister needs the same name and array */
    CHECK(!native_unregister("other", second));
    CHECK(!native_unregister("nope", second));
    CHECK(native_unregister("env", second));
    CHECK(!native_unregister("env", second));
    CHECK(native_lookup("env", "foo", NULL) == &first[2]);
    CHECK(native_lookup("env", "bar", NULL) == NULL);

    /* bad arguments; empty arrays are fine */
    CHECK(!native_register(NULL, first, 6, false));
    CHECK(!native_register("env", NULL, 1, false));
    CHECK(!native_register("env", unnamed, 1, false));
    CHECK(native_register("empty", NULL, 0, false));
    CHECK(native_lookup("empty", "foo", NULL) == NULL);
    CHECK(native_unregister("empty", NULL));

    native_unregister_all();
    CHECK(native_lookup("env", "zeta", NULL) == NULL);
    CHECK(native_lookup("other", "foo", NULL) == NULL);
    CHECK(!native_unregister("env", first));
}

/* Heapsort on a larger array, with names in reverse and duplicate order. */
static void test_registry_sort(void)
{
    static char names[300][8];
    static NativeSymbol many[300];
    unsigned i;
    bool sorted = true, found = true;

    for (i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "f%03u", (i * 7919u) % 300u);
        many[i].symbol = names[i];
        many[i].func_ptr = &dummy_a;
    }
    CHECK(native_register("many", many, 300, false));
    for (i = 1; i < 300; i++)
        sorted = sorted && strcmp(many[i - 1].symbol, many[i].symbol) < 0;
    CHECK(sorted);
    for (i = 0; i < 300; i++) {
        char want[8];
        const NativeSymbol *s;
        snprintf(want, sizeof want, "f%03u", i);
        s = native_lookup("many", want, NULL);
        found = found && s && strcmp(s->symbol, want) == 0;
    }
    CHECK(found);
    CHECK(native_unregister("many", many));
}

static NativeSymbol g_thread_syms[2][3] = {
    { { "c", &dummy_a, NULL, NULL }, { "b", &dummy_a, NULL, NULL }, { "a", &dummy_a, NULL, NULL } },
    { { "a", &dummy_b, NULL, NULL }, { "c", &dummy_b, NULL, NULL }, { "b", &dummy_b, NULL, NULL } },
};

static void *registry_thread(void *arg)
{
    NativeSymbol *syms = arg;
    int i, bad = 0;

    for (i = 0; i < 2000; i++) {
        const NativeSymbol *s;
        if (!native_register("threads", syms, 3, false))
            bad++;
        s = native_lookup("threads", "b", NULL);
        if (!s || strcmp(s->symbol, "b") != 0)
            bad++;
        if (!native_unregister("threads", syms))
            bad++;
    }
    return bad ? arg : NULL;
}

static void test_registry_threads(void)
{
    os_thread t[2];
    void *r0 = &r0, *r1 = &r1;

    CHECK(os_thread_create(&t[0], registry_thread, g_thread_syms[0]));
    CHECK(os_thread_create(&t[1], registry_thread, g_thread_syms[1]));
    CHECK(os_thread_join(t[0], &r0) && os_thread_join(t[1], &r1));
    CHECK(r0 == NULL && r1 == NULL);
    CHECK(native_lookup("threads", "a", NULL) == NULL);
}

/* ------------------------------ signatures ----------------------------- */

static bool sig_ok(const char *sig, const char *params, const char *results)
{
    char err[128] = "";
    bool ok = native_signature_matches(sig, make_type(params, results), err, sizeof err);
    return ok && err[0] == '\0';
}

/* False, with exactly this error text. */
static bool sig_err(const char *sig, const char *params, const char *results, const char *want)
{
    char err[160] = "";
    bool ok = native_signature_matches(sig, make_type(params, results), err, sizeof err);
    if (!ok && strcmp(err, want) != 0)
        printf("  got \"%s\"\n", err);
    return !ok && strcmp(err, want) == 0;
}

/* False, with an error starting with prefix. */
static bool sig_bad(const char *sig, const char *params, const char *results, const char *prefix)
{
    char err[160] = "";
    bool ok = native_signature_matches(sig, make_type(params, results), err, sizeof err);
    return !ok && strncmp(err, prefix, strlen(prefix)) == 0;
}

static void test_signatures(void)
{
    char err[64];
    char big[64];
    NativeSymbol sym = { "x", &dummy_a, NULL, NULL };

    /* every letter */
    CHECK(!g_abi || sig_ok("(iIfFr)", "iIfFr", ""));
    CHECK(!g_abi || sig_ok("(*~$)i", "iii", "i"));
    CHECK(!g_abi || sig_ok("(*)", "i", ""));
    CHECK(!g_abi || sig_ok("(**~*~$$)", "iiiiiii", ""));
    CHECK(!g_abi || sig_ok("()", "", ""));
    CHECK(!g_abi || sig_ok("()i", "", "i"));
    CHECK(!g_abi || sig_ok("()I", "", "I"));
    CHECK(!g_abi || sig_ok("()f", "", "f"));
    CHECK(!g_abi || sig_ok("()F", "", "F"));
    CHECK(!g_abi || sig_ok("()r", "", "r"));
    CHECK(native_signature_matches(NULL, make_type("vR", "vv"), NULL, 0));
    CHECK(native_signature_matches("", make_type("v", ""), NULL, 0));

    /* mismatches, with the type spelled out */
    CHECK(sig_err("(ii)i", "i", "i", "signature (ii)i does not match (i32) -> i32"));
    CHECK(sig_err("(i)I", "i", "i", "signature (i)I does not match (i32) -> i32"));
    CHECK(sig_err("(i)", "i", "i", "signature (i) does not match (i32) -> i32"));
    CHECK(sig_err("(i)i", "i", "", "signature (i)i does not match (i32) -> ()"));
    CHECK(sig_err("(I)", "iF", "", "signature (I) does not match (i32, f64) -> ()"));
    CHECK(sig_err("(f)", "F", "", "signature (f) does not match (f64) -> ()"));
    CHECK(sig_err("(r)", "R", "", "signature (r) does not match (funcref) -> ()"));
    CHECK(sig_err("(i)i", "i", "ii", "signature (i)i does not match (i32) -> (i32, i32)"));
    CHECK(sig_bad("(*)", "I", "", "signature (*) does not match"));
    CHECK(sig_bad("($)", "r", "", "signature ($) does not match"));
    CHECK(sig_bad("(i)", "r", "", "signature (i) does not match"));
    CHECK(sig_bad("(r)", "i", "", "signature (r) does not match"));
    CHECK(sig_bad("(i)f", "i", "F", "signature (i)f does not match"));
    CHECK(sig_bad("(v)", "v", "", "malformed signature"));

    /* malformed */
    CHECK(sig_err("ii)i", "ii", "i", "malformed signature \"ii)i\": missing '('"));
    CHECK(sig_err("(ii", "ii", "", "malformed signature \"(ii\": missing ')'"));
    CHECK(sig_err("(ix)i", "ii", "i", "malformed signature \"(ix)i\": unknown parameter letter"));
    CHECK(sig_err("(~*)", "ii", "",
                  "malformed signature \"(~*)\": '~' must come right after '*'"));
    CHECK(sig_bad("(i~)", "ii", "", "malformed signature"));
    CHECK(sig_bad("(*~~)", "iii", "", "malformed signature"));
    CHECK(sig_bad("(*i~)", "iii", "", "malformed signature"));
    CHECK(sig_err("(i)ii", "i", "ii", "malformed signature \"(i)ii\": more than one result letter"));
    CHECK(sig_err("(i)*", "i", "i", "malformed signature \"(i)*\": unknown result letter"));
    CHECK(sig_bad("(i)$", "i", "i", "malformed signature"));
    CHECK(sig_bad("(i))", "i", "", "malformed signature"));
    CHECK(sig_bad("((i)", "i", "", "malformed signature"));
    CHECK(sig_bad(" (i)", "i", "", "malformed signature"));

    /* err may be NULL; a small buffer truncates */
    CHECK(!native_signature_matches("(ii)i", make_type("i", "i"), NULL, 0));
    memset(err, 'x', sizeof err);
    CHECK(!native_signature_matches("(ii)i", make_type("i", "i"), err, 8));
    CHECK(strcmp(err, "signatu") == 0);

    if (!g_abi)
        return;
    /* argument limits of the target: 20 int32 fit on every supported one */
    memset(big, 0, sizeof big);
    big[0] = '(';
    memset(big + 1, 'i', 20);
    big[21] = ')';
    CHECK(sig_ok(big, "iiiiiiiiiiiiiiiiiiii", ""));
    memset(big + 1, 'i', 40);
    big[41] = ')';
    CHECK(sig_bad(big, "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii", "",
                  "too many arguments for this target: (i32, i32, "));

    /* native_symbol_matches: raw natives skip target limits; unchecked
     * non-raw natives must be passable by their wasm types */
    sym.signature = big;
    CHECK(native_symbol_matches(&sym, true, make_type("iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii", ""),
                                NULL, 0));
    CHECK(!native_symbol_matches(&sym, false,
                                 make_type("iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii", ""), NULL, 0));
    CHECK(!native_symbol_matches(&sym, true, make_type("iiii", ""), NULL, 0));
    sym.signature = "(i)i";
    CHECK(native_symbol_matches(&sym, false, make_type("i", "i"), NULL, 0));
    CHECK(!native_symbol_matches(&sym, true, make_type("I", "i"), NULL, 0));
    sym.signature = NULL;
    CHECK(native_symbol_matches(&sym, false, make_type("iIfFrR", "F"), NULL, 0));
    CHECK(native_symbol_matches(&sym, true, make_type("v", "vv"), NULL, 0));
    CHECK(!native_symbol_matches(&sym, false, make_type("v", ""), err, sizeof err));
    CHECK(strstr(err, "v128") != NULL);
    CHECK(!native_symbol_matches(&sym, false, make_type("", "v"), NULL, 0));
    CHECK(!native_symbol_matches(&sym, false, make_type("i", "ii"), err, sizeof err));
    CHECK(strstr(err, "at most one result") != NULL);
    sym.signature = "";
    CHECK(!native_symbol_matches(&sym, false,
                                 make_type("iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii", ""), NULL, 0));
}

/* ------------------------------- natives ------------------------------- */

static int g_calls;
static WasmExecEnv *g_seen_env;
static void *g_seen_ptr;
static int64_t g_ints[32];
static double g_fps[32];

static void seen(wasm_exec_env_t env)
{
    g_calls++;
    g_seen_env = env;
}

static int32_t n_iiiip(wasm_exec_env_t env, int32_t a, int32_t b, int32_t c, int32_t d,
                       uint8_t *p)
{
    seen(env);
    g_seen_ptr = p;
    return a - b + c * d + p[0];
}

static double n_mixed(wasm_exec_env_t env, int32_t a, int64_t b, float c, double d)
{
    seen(env);
    g_ints[0] = a;
    g_ints[1] = b;
    g_fps[0] = c;
    g_fps[1] = d;
    return (double)a + (double)b + c + d;
}

/* (iFIfiFIfiFIfiF)F: 7 integer-class and 7 float-class arguments. */
static double n_14(wasm_exec_env_t env, int32_t a0, double a1, int64_t a2, float a3, int32_t a4,
                   double a5, int64_t a6, float a7, int32_t a8, double a9, int64_t a10, float a11,
                   int32_t a12, double a13)
{
    seen(env);
    g_ints[0] = a0, g_ints[1] = a2, g_ints[2] = a4, g_ints[3] = a6;
    g_ints[4] = a8, g_ints[5] = a10, g_ints[6] = a12;
    g_fps[0] = a1, g_fps[1] = a3, g_fps[2] = a5, g_fps[3] = a7;
    g_fps[4] = a9, g_fps[5] = a11, g_fps[6] = a13;
    return a13 * 2;
}

/* (if x 12)i: 12 int32 and 12 float, alternating: both register files
 * overflow to the stack, interleaved there. */
static int32_t n_24(wasm_exec_env_t env, int32_t i0, float f0, int32_t i1, float f1, int32_t i2,
                    float f2, int32_t i3, float f3, int32_t i4, float f4, int32_t i5, float f5,
                    int32_t i6, float f6, int32_t i7, float f7, int32_t i8, float f8, int32_t i9,
                    float f9, int32_t i10, float f10, int32_t i11, float f11)
{
    int32_t is[12] = { i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11 };
    float fs[12] = { f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11 };
    int k;

    seen(env);
    for (k = 0; k < 12; k++) {
        g_ints[k] = is[k];
        g_fps[k] = fs[k];
    }
    return i11 - i0;
}

/* (i x 20)i: a weighted sum shows any misplaced argument. */
static int32_t n_20(wasm_exec_env_t env, int32_t a1, int32_t a2, int32_t a3, int32_t a4,
                    int32_t a5, int32_t a6, int32_t a7, int32_t a8, int32_t a9, int32_t a10,
                    int32_t a11, int32_t a12, int32_t a13, int32_t a14, int32_t a15, int32_t a16,
                    int32_t a17, int32_t a18, int32_t a19, int32_t a20)
{
    seen(env);
    return a1 * 1 + a2 * 2 + a3 * 3 + a4 * 4 + a5 * 5 + a6 * 6 + a7 * 7 + a8 * 8 + a9 * 9 +
           a10 * 10 + a11 * 11 + a12 * 12 + a13 * 13 + a14 * 14 + a15 * 15 + a16 * 16 +
           a17 * 17 + a18 * 18 + a19 * 19 + a20 * 20;
}

static int32_t n_sum(wasm_exec_env_t env, const uint8_t *p, int32_t len)
{
    int32_t s = 0, k;

    seen(env);
    g_seen_ptr = (void *)p;
    for (k = 0; k < len; k++)
        s += p[k];
    return s;
}

static int32_t n_strlen(wasm_exec_env_t env, const char *s)
{
    seen(env);
    g_seen_ptr = (void *)s;
    return (int32_t)strlen(s);
}

static void *n_ref(wasm_exec_env_t env, void *p)
{
    seen(env);
    g_seen_ptr = p;
    return (char *)p + 1;
}

static float n_f32_twice(wasm_exec_env_t env, float x)
{
    seen(env);
    return x * 2;
}

static float n_f32_id(wasm_exec_env_t env, float x)
{
    seen(env);
    return x;
}

static double n_f64_half(wasm_exec_env_t env, double x)
{
    seen(env);
    return x / 2;
}

static int64_t n_i64(wasm_exec_env_t env, int64_t x)
{
    seen(env);
    return x ^ INT64_C(0x0123456789abcdef);
}

static void n_void(wasm_exec_env_t env, int32_t x)
{
    seen(env);
    g_ints[0] = x;
}

static int32_t n_minus_one(wasm_exec_env_t env)
{
    seen(env);
    return -1;
}

static int32_t n_attachment(wasm_exec_env_t env)
{
    seen(env);
    return *(int *)env->attachment;
}

static int32_t n_throw(wasm_exec_env_t env, int32_t x)
{
    seen(env);
    rt_set_exception(env->module_inst, "boom");
    return x;
}

/* Unchecked (NULL signature): passed by wasm types. */
static double n_unchecked(wasm_exec_env_t env, int32_t a, int64_t b, float c, double d)
{
    return n_mixed(env, a, b, c, d);
}

static void *n_unchecked_refs(wasm_exec_env_t env, void *a, void *b)
{
    seen(env);
    g_seen_ptr = a;
    return b;
}

static void raw_sum(wasm_exec_env_t env, uint64_t *args)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)args[1];
    uint32_t len = (uint32_t)args[2], k, s = (uint32_t)args[0];

    seen(env);
    g_seen_ptr = (void *)p;
    for (k = 0; k < len; k++)
        s += p[k];
    args[0] = s;
}

static void raw_add64(wasm_exec_env_t env, uint64_t *args)
{
    seen(env);
    args[0] = args[0] + args[1];
}

/* -------------------------------- invoke ------------------------------- */

static NativeSymbol syms[] = {
    { "iiiip", (void *)n_iiiip, "(iiii*)i", NULL },
    { "mixed", (void *)n_mixed, "(iIfF)F", NULL },
    { "n14", (void *)n_14, "(iFIfiFIfiFIfiF)F", NULL },
    { "n24", (void *)n_24, "(ifififififififififififif)i", NULL },
    { "n20", (void *)n_20, "(iiiiiiiiiiiiiiiiiiii)i", NULL },
    { "sum", (void *)n_sum, "(*~)i", NULL },
    { "strlen", (void *)n_strlen, "($)i", NULL },
    { "ref", (void *)n_ref, "(r)r", NULL },
    { "f32twice", (void *)n_f32_twice, "(f)f", NULL },
    { "f32id", (void *)n_f32_id, "(f)f", NULL },
    { "f64half", (void *)n_f64_half, "(F)F", NULL },
    { "i64", (void *)n_i64, "(I)I", NULL },
    { "void", (void *)n_void, "(i)", NULL },
    { "minus1", (void *)n_minus_one, "()i", NULL },
    { "att", (void *)n_attachment, "()i", &dummy_c },
    { "throw", (void *)n_throw, "(i)i", NULL },
    { "unchecked", (void *)n_unchecked, NULL, NULL },
    { "uncheckedrefs", (void *)n_unchecked_refs, "", NULL },
    { "rawsum", (void *)raw_sum, "(i*~)i", NULL },
    { "rawadd", (void *)raw_add64, NULL, NULL },
    { "mismatch", (void *)n_minus_one, "(ii)i", NULL },
};

static NativeSymbol *find_sym(const char *name)
{
    size_t k;
    for (k = 0; k < sizeof syms / sizeof syms[0]; k++)
        if (strcmp(syms[k].symbol, name) == 0)
            return &syms[k];
    return NULL;
}

static void test_invoke_ints(void)
{
    WasmFunc *f = make_native(find_sym("iiiip"), false, "iiiii", "i");
    uint64_t a[5];

    g_mem_buf[100] = 7;
    a[0] = 10, a[1] = (uint32_t)-3, a[2] = 4, a[3] = 5, a[4] = 100;
    g_calls = 0;
    CHECK(call(f, a));
    CHECK(g_calls == 1 && g_seen_env == g_env);
    CHECK(g_seen_ptr == g_mem_buf + 100);
    CHECK((uint32_t)a[0] == 10 + 3 + 20 + 7);
    CHECK(a[0] >> 32 == 0); /* i32 result zero-extended */

    /* garbage above an i32 slot's low 32 bits is ignored */
    a[0] = UINT64_C(0xdeadbeef00000001), a[1] = UINT64_C(0xffffffff00000002);
    a[2] = UINT64_C(0x1234567800000003), a[3] = 4, a[4] = UINT64_C(0xabcd000000000064);
    CHECK(call(f, a) && a[0] == 1 - 2 + 12 + 7);

    /* offset 0 is the memory base, as in WAMR */
    g_mem_buf[0] = 1;
    a[0] = 0, a[1] = 0, a[2] = 0, a[3] = 0, a[4] = 0;
    CHECK(call(f, a) && a[0] == 1 && g_seen_ptr == g_mem_buf);

    /* a '*' without '~' must have 1 byte: the last byte is fine, the end not */
    a[4] = MEM_SIZE - 1;
    CHECK(call(f, a));
    a[4] = MEM_SIZE;
    g_calls = 0;
    CHECK(!call(f, a) && exception_is(&g_inst, "out of bounds memory access"));
    CHECK(g_calls == 0);
    a[4] = 0xffffffff;
    CHECK(!call(f, a) && g_calls == 0);

    /* an instance without memory: every pointer is out of bounds */
    a[4] = 0;
    CHECK(!call_on(&g_bare, f, a) && exception_is(&g_bare, "out of bounds memory access"));
    CHECK(g_calls == 0);
    rt_clear_exception(&g_bare);
}

static void test_invoke_floats(void)
{
    WasmFunc *mixed = make_native(find_sym("mixed"), false, "iIfF", "F");
    WasmFunc *twice = make_native(find_sym("f32twice"), false, "f", "f");
    WasmFunc *id = make_native(find_sym("f32id"), false, "f", "f");
    WasmFunc *half = make_native(find_sym("f64half"), false, "F", "F");
    uint64_t a[4];

    a[0] = (uint32_t)-3, a[1] = UINT64_C(1) << 40;
    a[2] = UINT64_C(0x5555555500000000) | f32_bits(1.5f), a[3] = f64_bits(0.25);
    CHECK(call(mixed, a));
    CHECK(g_ints[0] == -3 && g_ints[1] == INT64_C(1) << 40);
    CHECK(g_fps[0] == 1.5 && g_fps[1] == 0.25);
    CHECK(bits_f64(a[0]) == (double)(INT64_C(1) << 40) - 3 + 1.75);

    a[0] = f32_bits(-2.75f);
    CHECK(call(twice, a) && bits_f32(a[0]) == -5.5f && a[0] >> 32 == 0);
    a[0] = 0x7fc12345; /* a quiet NaN keeps its payload */
    CHECK(call(id, a) && (uint32_t)a[0] == 0x7fc12345);
    a[0] = 0x80000000; /* -0.0 */
    CHECK(call(id, a) && (uint32_t)a[0] == 0x80000000);
    a[0] = f64_bits(-1e300);
    CHECK(call(half, a) && bits_f64(a[0]) == -5e299);
    a[0] = f64_bits(INFINITY);
    CHECK(call(half, a) && bits_f64(a[0]) == INFINITY);
}

static void test_invoke_many(void)
{
    WasmFunc *f14 = make_native(find_sym("n14"), false, "iFIfiFIfiFIfiF", "F");
    WasmFunc *f24 = make_native(find_sym("n24"), false, "ifififififififififififif", "i");
    WasmFunc *f20 = make_native(find_sym("n20"), false, "iiiiiiiiiiiiiiiiiiii", "i");
    uint64_t a[24];
    int k, ok = 1;
    int32_t want = 0;

    /* ints k-th: -(k+1) and (k+1) << 33 alternately; floats k + 0.5 */
    for (k = 0; k < 14; k++) {
        int n = k / 2;
        if (k % 4 == 0)
            a[k] = (uint32_t)-(n + 1);
        else if (k % 4 == 2)
            a[k] = (uint64_t)(n + 1) << 33;
        else if (k % 4 == 1)
            a[k] = f64_bits(n + 0.5);
        else
            a[k] = f32_bits((float)n + 0.5f);
    }
    g_calls = 0;
    CHECK(call(f14, a) && g_calls == 1);
    for (k = 0; k < 7; k++) {
        int64_t wi = k % 2 == 0 ? -(k + 1) : (int64_t)(k + 1) << 33;
        ok = ok && g_ints[k] == wi && g_fps[k] == k + 0.5;
    }
    CHECK(ok);
    CHECK(bits_f64(a[0]) == 13.0);

    for (k = 0; k < 24; k++)
        a[k] = k % 2 == 0 ? (uint32_t)(1000 * k - 7) : f32_bits((float)k / 4);
    CHECK(call(f24, a));
    for (ok = 1, k = 0; k < 12; k++)
        ok = ok && g_ints[k] == 1000 * (2 * k) - 7 && g_fps[k] == (2 * k + 1) / 4.0;
    CHECK(ok);
    CHECK((int32_t)a[0] == 22000);

    for (k = 0; k < 20; k++) {
        a[k] = (uint32_t)(k % 3 - 1) * (uint32_t)(k + 100);
        want += (int32_t)(uint32_t)a[k] * (k + 1);
    }
    CHECK(call(f20, a) && (int32_t)a[0] == want);
}

static void test_invoke_memory(void)
{
    WasmFunc *sum = make_native(find_sym("sum"), false, "ii", "i");
    WasmFunc *len = make_native(find_sym("strlen"), false, "i", "i");
    uint64_t a[2];
    WasmMemory empty;
    WasmInstance empty_inst;

    memcpy(g_mem_buf + 200, "\x01\x02\x03\x04\x05", 5);
    a[0] = 200, a[1] = 5;
    CHECK(call(sum, a) && a[0] == 15 && g_seen_ptr == g_mem_buf + 200);
    a[0] = MEM_SIZE - 5, a[1] = 5;
    CHECK(call(sum, a));
    a[0] = MEM_SIZE, a[1] = 0; /* an empty range at the end is fine */
    CHECK(call(sum, a) && a[0] == 0);
    g_calls = 0;
    a[0] = MEM_SIZE - 5, a[1] = 6;
    CHECK(!call(sum, a) && exception_is(&g_inst, "out of bounds memory access"));
    a[0] = 10, a[1] = 0xffffffff; /* no wrap-around */
    CHECK(!call(sum, a));
    a[0] = 0xffffffff, a[1] = 1;
    CHECK(!call(sum, a));
    CHECK(g_calls == 0);

    /* a 0-page memory: only the empty range at 0, as NULL */
    memset(&empty, 0, sizeof empty);
    memset(&empty_inst, 0, sizeof empty_inst);
    empty_inst.memory = &empty;
    a[0] = 0, a[1] = 0;
    g_seen_ptr = &a;
    CHECK(call_on(&empty_inst, sum, a) && a[0] == 0 && g_seen_ptr == NULL);
    a[0] = 0, a[1] = 1;
    CHECK(!call_on(&empty_inst, sum, a));

    strcpy((char *)g_mem_buf + 300, "hello");
    a[0] = 300;
    CHECK(call(len, a) && a[0] == 5 && g_seen_ptr == g_mem_buf + 300);
    memcpy(g_mem_buf + MEM_SIZE - 4, "abc", 4); /* NUL at the last byte */
    a[0] = MEM_SIZE - 4;
    CHECK(call(len, a) && a[0] == 3);
    a[0] = MEM_SIZE - 1;
    CHECK(call(len, a) && a[0] == 0);
    memset(g_mem_buf + MEM_SIZE - 4, 'x', 4); /* no NUL before the end */
    g_calls = 0;
    a[0] = MEM_SIZE - 4;
    CHECK(!call(len, a) && exception_is(&g_inst, "out of bounds memory access"));
    a[0] = MEM_SIZE;
    CHECK(!call(len, a));
    CHECK(!call_on(&g_bare, len, a));
    CHECK(g_calls == 0);
    g_mem_buf[MEM_SIZE - 1] = 0;
    rt_clear_exception(&g_bare);
}

static void test_invoke_misc(void)
{
    WasmFunc *ref = make_native(find_sym("ref"), false, "r", "r");
    WasmFunc *i64 = make_native(find_sym("i64"), false, "I", "I");
    WasmFunc *vd = make_native(find_sym("void"), false, "i", "");
    WasmFunc *m1 = make_native(find_sym("minus1"), false, "", "i");
    WasmFunc *att = make_native(find_sym("att"), false, "", "i");
    WasmFunc *thr = make_native(find_sym("throw"), false, "i", "i");
    WasmFunc *mis = make_native(find_sym("mismatch"), false, "i", "i");
    Slot s[2];
    uint64_t a[2];

    s[0].u64 = 0;
    s[0].ref = &dummy_a;
    CHECK(call(ref, (uint64_t *)s) && s[0].ref == (char *)&dummy_a + 1);
    CHECK(g_seen_ptr == &dummy_a);

    a[0] = UINT64_C(0xfedcba9876543210);
    CHECK(call(i64, a) && a[0] == (UINT64_C(0xfedcba9876543210) ^ UINT64_C(0x0123456789abcdef)));

    a[0] = (uint32_t)-42, a[1] = 99;
    CHECK(call(vd, a) && g_ints[0] == -42 && a[0] == (uint32_t)-42);

    CHECK(call(m1, a) && a[0] == 0xffffffffu);

    dummy_c = 4242;
    CHECK(att->attachment == &dummy_c);
    CHECK(call(att, a) && a[0] == 4242);

    g_calls = 0;
    a[0] = 5;
    CHECK(!call(thr, a) && exception_is(&g_inst, "boom") && g_calls == 1);

    /* a hand-made WasmFunc whose signature does not fit its type */
    g_calls = 0;
    CHECK(!call(mis, a) && g_calls == 0);
    CHECK(exception_is(&g_inst, "native signature does not match its function type"));
    rt_clear_exception(&g_inst);
}

static void test_invoke_unchecked(void)
{
    WasmFunc *un = make_native(find_sym("unchecked"), false, "iIfF", "F");
    WasmFunc *refs = make_native(find_sym("uncheckedrefs"), false, "rR", "r");
    WasmFunc *v128 = make_native(find_sym("unchecked"), false, "v", "");
    Slot s[2];
    uint64_t a[1];

    {
        uint64_t b[4] = { 7, (uint64_t)-8, f32_bits(0.5f), f64_bits(0.125) };
        CHECK(call(un, b) && bits_f64(b[0]) == -0.375);
        CHECK(g_ints[0] == 7 && g_ints[1] == -8 && g_fps[0] == 0.5 && g_fps[1] == 0.125);
    }

    s[0].u64 = 0, s[1].u64 = 0;
    s[0].ref = &dummy_a, s[1].ref = &dummy_b;
    CHECK(call(refs, (uint64_t *)s) && s[0].ref == &dummy_b && g_seen_ptr == &dummy_a);

    /* an unchecked native with a v128 param cannot be called */
    g_calls = 0;
    CHECK(!call(v128, a) && g_calls == 0);
    rt_clear_exception(&g_inst);
}

/* Raw natives work on every target. */
static void test_invoke_raw(void)
{
    WasmFunc *rsum = make_native(find_sym("rawsum"), true, "iii", "i");
    WasmFunc *radd = make_native(find_sym("rawadd"), true, "II", "I");
    uint64_t a[3];

    /* raw: '*' slots arrive as native pointers */
    memcpy(g_mem_buf + 400, "\x0a\x0b\x0c", 3);
    a[0] = 100, a[1] = 400, a[2] = 3;
    CHECK(call(rsum, a) && a[0] == 133 && g_seen_ptr == g_mem_buf + 400);
    g_calls = 0;
    a[0] = 100, a[1] = MEM_SIZE - 2, a[2] = 3;
    CHECK(!call(rsum, a) && exception_is(&g_inst, "out of bounds memory access"));
    CHECK(g_calls == 0);

    a[0] = UINT64_C(0x100000000), a[1] = 5;
    CHECK(call(radd, a) && a[0] == UINT64_C(0x100000005));

    /* a raw native is not bound by the target's argument limits */
    {
        char sig[48] = "(";
        NativeSymbol wide = { "wide", (void *)raw_add64, sig, NULL };
        uint64_t b[40] = { 2, 3 };
        WasmFunc *f;
        memset(sig + 1, 'i', 40);
        sig[41] = ')';
        sig[42] = 'i';
        f = make_native(&wide, true, "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii", "i");
        CHECK(call(f, b) && b[0] == 5);
    }
}

static void setup(void)
{
    g_mem.data = g_mem_buf;
    g_mem.size = MEM_SIZE;
    g_mem.pages = 1;
    g_mem.max_pages = 1;
    g_inst.memory = &g_mem;
    g_env = rt_exec_env_create(&g_inst, 0);
    g_abi = native_signature_matches("()", make_type("", ""), NULL, 0);
}

static void teardown(void)
{
    unsigned k;

    for (k = 0; k < g_n_funcs; k++)
        rt_host_func_free(g_funcs[k]);
    for (k = 0; k < g_n_types; k++)
        rt_functype_free(g_types[k]);
    rt_exec_env_destroy(g_env);
    native_unregister_all();
}

int main(void)
{
    setup();
    CHECK(g_env != NULL);
    test_registry();
    test_registry_sort();
    test_registry_threads();
    test_signatures();
    if (g_abi) {
        test_invoke_ints();
        test_invoke_floats();
        test_invoke_many();
        test_invoke_memory();
        test_invoke_misc();
        test_invoke_unchecked();
    } else {
        printf("no signature natives on this target: their call tests are skipped\n");
    }
    test_invoke_raw();
    teardown();
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed != 0;
}
