/* wasm-spectest: runs the WebAssembly core spec suite, as converted by wabt's
 * wast2json (a JSON command list plus .wasm files), against the runtime's
 * internal API (loader/module.h, common/instance.h). It provides the
 * `spectest` host module, checks every assertion including the error text
 * (a prefix match), and prints passed/failed/skipped per file and in total. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "common/error.h" /* WR_PRINTF */
#include "common/instance.h"
#include "interp/guard.h"
#include "interp/interp.h"
#include "loader/module.h"
#include "spectest_host.h"

enum {
    MSG_SIZE = 1024, /* a failure description */
    ERR_SIZE = 256, /* a runtime error or trap text */
    PATH_SIZE = 4096,
};

typedef struct Options {
    bool verbose; /* trace every command and the spectest print calls */
    bool skip_simd; /* leave out simd_* files and folders */
    const char *bounds; /* "guard", "software" or NULL: the runtime's default */
    bool retarget; /* translate for the other kind of memory than the one used */
} Options;

typedef struct Counts {
    unsigned passed, failed, skipped;
    unsigned errors; /* module/register commands that failed: not counted above */
} Counts;

/* What running one command amounts to. */
typedef enum Outcome {
    OUT_PASS,
    OUT_FAIL,
    OUT_SKIP,
    OUT_QUIET, /* a module or register command that worked: not counted */
    OUT_ERROR, /* a module or register command that failed: printed, exit status 1 */
} Outcome;

static Outcome say(Outcome out, char *msg, const char *fmt, ...) WR_PRINTF(3, 4);
static bool failed(char *msg, const char *fmt, ...) WR_PRINTF(2, 3);

/* Writes a description of the outcome into msg (MSG_SIZE bytes). */
static Outcome say(Outcome out, char *msg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, MSG_SIZE, fmt, ap);
    va_end(ap);
    return out;
}

/* The same for helpers that report success as a bool: returns false. */
static bool failed(char *msg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, MSG_SIZE, fmt, ap);
    va_end(ap);
    return false;
}

/* Grows an array so that element n fits; returns the (maybe moved) array, or
 * NULL when out of memory, in which case the old array is still valid. */
static void *grow_array(void *items, size_t *cap, size_t n, size_t elem_size)
{
    size_t new_cap;
    void *p;

    if (n < *cap)
        return items;
    new_cap = *cap ? *cap * 2 : 16;
    p = realloc(items, new_cap * elem_size);
    if (p)
        *cap = new_cap;
    return p;
}

/* Reads a whole file into a malloc'd buffer with a NUL after the contents
 * (so JSON text can be parsed in place); NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *out_size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        if (buf)
            errno = EIO;
        goto fail;
    }
    buf[size] = 0;
    *out_size = (size_t)size;
    fclose(f);
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Per-file state
 * ------------------------------------------------------------------------ */

/* A loaded module and the buffer it points into (kept together until the end
 * of the file, because the module refers to the bytes). */
typedef struct Loaded {
    uint8_t *buf;
    WasmModule *module;
} Loaded;

/* A name bound to an instance: "$M" module names and `register` names. The
 * name points into the JSON tree, which lives as long as the file runs. A
 * NULL instance records a module command that failed. */
typedef struct Binding {
    const char *name;
    WasmInstance *inst;
} Binding;

typedef struct BindingList {
    Binding *items;
    size_t n, cap;
} BindingList;

typedef struct Script {
    char name[256]; /* JSON base name without .json: the summary line */
    const char *source; /* the .wast name: line numbers refer to it */
    char dir[PATH_SIZE]; /* module files are relative to the JSON file */
    const Options *opt;
    SpectestHost host; /* created fresh per file: no state leaks between files */
    Loaded *loaded;
    size_t n_loaded, cap_loaded;
    WasmInstance **insts; /* every instance made, in creation order */
    size_t n_insts, cap_insts;
    BindingList names;
    BindingList registered;
    WasmInstance *current; /* the last module command's instance, or NULL */
    Counts counts;
} Script;

static bool bind(BindingList *l, const char *name, WasmInstance *inst)
{
    Binding *items = grow_array(l->items, &l->cap, l->n, sizeof *items);

    if (!items)
        return false;
    l->items = items;
    l->items[l->n].name = name;
    l->items[l->n].inst = inst;
    l->n++;
    return true;
}

/* The newest binding of name wins, as a later definition shadows an earlier. */
static const Binding *find_binding(const BindingList *l, const char *name)
{
    size_t i;

    for (i = l->n; i > 0; i--)
        if (strcmp(l->items[i - 1].name, name) == 0)
            return &l->items[i - 1];
    return NULL;
}

static bool keep_instance(Script *s, WasmInstance *inst)
{
    WasmInstance **insts = grow_array(s->insts, &s->cap_insts, s->n_insts, sizeof *insts);

    if (!insts)
        return false;
    s->insts = insts;
    s->insts[s->n_insts++] = inst;
    return true;
}

static bool keep_module(Script *s, uint8_t *buf, WasmModule *m)
{
    Loaded *loaded = grow_array(s->loaded, &s->cap_loaded, s->n_loaded, sizeof *loaded);

    if (!loaded)
        return false;
    s->loaded = loaded;
    s->loaded[s->n_loaded].buf = buf;
    s->loaded[s->n_loaded].module = m;
    s->n_loaded++;
    return true;
}

/* Instances go first, newest first (importers before exporters); then the
 * modules they were made from; then the host objects they imported; then the
 * buffers the modules pointed into. */
static void script_release(Script *s)
{
    size_t i;

    for (i = s->n_insts; i > 0; i--)
        rt_instance_release(s->insts[i - 1]);
    for (i = s->n_loaded; i > 0; i--)
        ld_unload(s->loaded[i - 1].module);
    spectest_host_fini(&s->host);
    for (i = 0; i < s->n_loaded; i++)
        free(s->loaded[i].buf);
    free(s->insts);
    free(s->loaded);
    free(s->names.items);
    free(s->registered.items);
}

/* The import resolver: registered instances first (so a test may shadow any
 * name), then the spectest module. Returning false makes the runtime report
 * "unknown import". */
static bool resolve_import(void *user, const char *module_name, const char *field_name,
                           RtExtern *out)
{
    Script *s = user;
    const Binding *b = find_binding(&s->registered, module_name);

    memset(out, 0, sizeof *out);
    if (b) {
        if (!b->inst || !rt_instance_find_export(b->inst, field_name, out))
            return false;
        out->owner = b->inst;
        return true;
    }
    if (strcmp(module_name, "spectest") == 0)
        return spectest_host_lookup(&s->host, field_name, out);
    return false;
}

/* Finds the instance a command refers to: the named one, or the current one. */
static WasmInstance *find_instance(const Script *s, const char *name, char *msg)
{
    const Binding *b;

    if (!name) {
        if (!s->current)
            say(OUT_FAIL, msg, "no current module (none yet, or the last one failed)");
        return s->current;
    }
    b = find_binding(&s->names, name);
    if (!b)
        say(OUT_FAIL, msg, "no module named %s", name);
    else if (!b->inst)
        say(OUT_FAIL, msg, "module %s failed to instantiate earlier", name);
    return b ? b->inst : NULL;
}

/* ------------------------------------------------------------------------
 * JSON access and values
 * ------------------------------------------------------------------------ */

static const char *json_string(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* What an expected value accepts besides one exact bit pattern. */
typedef enum Pattern {
    PAT_EXACT,
    PAT_NAN_CANONICAL, /* exponent all ones, mantissa exactly the quiet bit */
    PAT_NAN_ARITHMETIC, /* exponent all ones, quiet bit set */
    PAT_NON_NULL, /* a funcref given by number: any function */
} Pattern;

typedef struct Value {
    uint8_t type; /* VT_* */
    Pattern pattern;
    Slot slot;
} Value;

static const struct {
    const char *name;
    uint8_t type;
} type_names[] = {
    { "i32", VT_I32 },         { "i64", VT_I64 },   { "f32", VT_F32 },         { "f64", VT_F64 },
    { "funcref", VT_FUNCREF }, { "v128", VT_V128 }, { "externref", VT_EXTERNREF },
};

static const char *type_name(uint8_t type)
{
    size_t i;

    for (i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].type == type)
            return type_names[i].name;
    return "?";
}

/* An unsigned decimal no larger than max; strtoull alone would also take
 * signs, spaces and trailing junk. */
static bool parse_u64(const char *str, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (*str < '0' || *str > '9')
        return false;
    errno = 0;
    v = strtoull(str, &end, 10);
    if (*end != '\0' || errno != 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* Reference values: "null", or a number. Host (extern) reference N is the
 * pointer N + 1, so that extern 0 differs from null. Only expected values
 * may name a function by number, meaning "some non-null funcref". */
static bool parse_ref(const char *str, bool expected, Value *out, char *err)
{
    uint64_t n;

    if (strcmp(str, "null") == 0)
        return true;
    if (!parse_u64(str, UINTPTR_MAX - 1, &n))
        return failed(err, "bad %s value \"%s\"", type_name(out->type), str);
    if (out->type == VT_EXTERNREF) {
        out->slot.ref = (void *)(uintptr_t)(n + 1);
        return true;
    }
    if (!expected)
        return failed(err, "funcref argument %s cannot be made by the runner", str);
    out->pattern = PAT_NON_NULL;
    return true;
}

/* Parses {"type": T, "value": V}; i32/f32 go into the low 4 bytes of the
 * slot, as the runtime keeps them. NaN patterns only in expected values. */
static bool parse_value(const cJSON *json, bool expected, Value *out, char *err)
{
    const char *type = json_string(json, "type");
    const char *str = json_string(json, "value");
    uint64_t bits;
    size_t i;

    memset(out, 0, sizeof *out);
    for (i = 0; type && i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(type, type_names[i].name) == 0)
            out->type = type_names[i].type;
    if (!out->type || out->type == VT_V128 || !str)
        return failed(err, "unsupported or incomplete value (type %s)",
                      type ? type : "missing");
    if (vt_is_ref(out->type))
        return parse_ref(str, expected, out, err);
    if (expected && (out->type == VT_F32 || out->type == VT_F64)) {
        if (strcmp(str, "nan:canonical") == 0)
            out->pattern = PAT_NAN_CANONICAL;
        else if (strcmp(str, "nan:arithmetic") == 0)
            out->pattern = PAT_NAN_ARITHMETIC;
        if (out->pattern != PAT_EXACT)
            return true;
    }
    if (!parse_u64(str, (out->type == VT_I32 || out->type == VT_F32) ? UINT32_MAX : UINT64_MAX,
                   &bits))
        return failed(err, "bad %s value \"%s\"", type, str);
    if (out->type == VT_I32 || out->type == VT_F32)
        out->slot.u32 = (uint32_t)bits;
    else
        out->slot.u64 = bits;
    return true;
}

static bool nan_matches(uint8_t type, Slot v, bool canonical)
{
    if (type == VT_F32) {
        uint32_t bits = v.u32 & 0x7fffffffu;
        return canonical ? bits == 0x7fc00000u : (bits & 0x7fc00000u) == 0x7fc00000u;
    } else {
        uint64_t bits = v.u64 & 0x7fffffffffffffffu;
        uint64_t quiet = 0x7ff8000000000000u;
        return canonical ? bits == quiet : (bits & quiet) == quiet;
    }
}

/* Floats compare bit for bit (so -0 differs from 0 and NaN payloads count). */
static bool value_matches(const Value *e, Slot got)
{
    switch (e->pattern) {
    case PAT_NAN_CANONICAL: return nan_matches(e->type, got, true);
    case PAT_NAN_ARITHMETIC: return nan_matches(e->type, got, false);
    case PAT_NON_NULL: return got.ref != NULL;
    case PAT_EXACT: break;
    }
    if (vt_is_ref(e->type))
        return got.ref == e->slot.ref;
    if (e->type == VT_I32 || e->type == VT_F32)
        return got.u32 == e->slot.u32;
    return got.u64 == e->slot.u64;
}

static void format_slot(uint8_t type, Slot v, char *buf, size_t size)
{
    switch (type) {
    case VT_I32: snprintf(buf, size, "i32:%" PRIu32 " (0x%" PRIx32 ")", v.u32, v.u32); break;
    case VT_I64: snprintf(buf, size, "i64:%" PRIu64 " (0x%" PRIx64 ")", v.u64, v.u64); break;
    case VT_F32:
        snprintf(buf, size, "f32:%.9g (0x%08" PRIx32 ")", (double)v.f32, v.u32);
        break;
    case VT_F64: snprintf(buf, size, "f64:%.17g (0x%016" PRIx64 ")", v.f64, v.u64); break;
    default:
        if (!v.ref)
            snprintf(buf, size, "%s:null", type_name(type));
        else if (type == VT_EXTERNREF) /* undo the +1 of parse_ref */
            snprintf(buf, size, "externref:%" PRIuPTR, (uintptr_t)v.ref - 1);
        else
            snprintf(buf, size, "%s:%p", type_name(type), v.ref);
        break;
    }
}

static void format_expected(const Value *e, char *buf, size_t size)
{
    switch (e->pattern) {
    case PAT_NAN_CANONICAL: snprintf(buf, size, "%s:nan:canonical", type_name(e->type)); break;
    case PAT_NAN_ARITHMETIC: snprintf(buf, size, "%s:nan:arithmetic", type_name(e->type)); break;
    case PAT_NON_NULL: snprintf(buf, size, "funcref:non-null"); break;
    case PAT_EXACT: format_slot(e->type, e->slot, buf, size); break;
    }
}

/* ------------------------------------------------------------------------
 * Actions: invoke and get
 * ------------------------------------------------------------------------ */

typedef struct Action {
    const char *field;
    char *name; /* field with NUL marks turned back into NUL bytes */
    uint32_t name_len;
    char shown[128]; /* field for messages: control characters escaped */
    uint32_t n_results;
    const uint8_t *result_types; /* owned by the runtime object acted on */
    Slot *results; /* malloc'd; freed by action_free */
    bool trapped;
    char trap[ERR_SIZE];
} Action;

static void action_free(Action *a)
{
    free(a->name);
    a->name = NULL;
    free(a->results);
    a->results = NULL;
}

/* Puts the JSON arguments into slots, checking them against the signature. */
static bool set_args(const cJSON *args, const FuncType *t, Slot *slots, char *msg)
{
    const cJSON *arg;
    uint32_t i = 0;
    Value v;

    if (!cJSON_IsArray(args) || (uint32_t)cJSON_GetArraySize(args) != t->n_params)
        return failed(msg, "arguments do not match the function's %" PRIu32 " params",
                      t->n_params);
    cJSON_ArrayForEach(arg, args) {
        if (!parse_value(arg, false, &v, msg))
            return false;
        if (v.type != ft_params(t)[i])
            return failed(msg, "argument %" PRIu32 " is %s, the function takes %s", i,
                          type_name(v.type), type_name(ft_params(t)[i]));
        slots[i++] = v.slot;
    }
    return true;
}

/* The trap text is copied before the exception is cleared, so the instance
 * is clean for the next command. */
static bool invoke(WasmInstance *inst, const cJSON *json, Action *a, char *msg)
{
    const FuncType *t;
    RtExtern ext;
    uint32_t n_slots;
    const char *text;

    if (!rt_instance_find_export_n(inst, a->name, a->name_len, &ext) || ext.kind != EXT_FUNC)
        return failed(msg, "no exported function \"%s\"", a->shown);
    t = ext.u.func->type;
    n_slots = t->n_params > t->n_results ? t->n_params : t->n_results;
    a->results = calloc(n_slots ? n_slots : 1, sizeof(Slot));
    if (!a->results)
        return failed(msg, "out of memory");
    if (!set_args(cJSON_GetObjectItemCaseSensitive(json, "args"), t, a->results, msg))
        return false;
    a->n_results = t->n_results;
    a->result_types = ft_results(t);
    if (!rt_invoke(inst, ext.u.func, a->results)) {
        text = rt_get_exception(inst);
        snprintf(a->trap, sizeof a->trap, "%s", text ? text : "(no exception text)");
        a->trapped = true;
        rt_clear_exception(inst);
    }
    return true;
}

static bool get_global(WasmInstance *inst, Action *a, char *msg)
{
    RtExtern ext;

    if (!rt_instance_find_export_n(inst, a->name, a->name_len, &ext) || ext.kind != EXT_GLOBAL)
        return failed(msg, "no exported global \"%s\"", a->shown);
    a->results = malloc(sizeof(Slot));
    if (!a->results)
        return failed(msg, "out of memory");
    a->results[0] = ext.u.global->value;
    a->n_results = 1;
    a->result_types = &ext.u.global->type.val_type;
    return true;
}

/* Export names may hold any character (names.wast); a failure line must stay
 * one line. */
static void escape_name(const char *name, char *buf, size_t size)
{
    size_t n = 0;

    for (; *name && n + 5 < size; name++) {
        unsigned char c = (unsigned char)*name;
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
        else
            buf[n++] = (char)c;
    }
    buf[n] = '\0';
}

/* cJSON strings end at a NUL, but export names may hold NUL bytes
 * (names.wast). Before parsing, every JSON escape \u0000 becomes the
 * escaped code point U+100000 (private use, absent from the suite), and
 * names turn it back into a NUL byte here. */
#define NUL_MARK "\xf4\x80\x80\x80"
#define NUL_ESCAPE "\\u0000"
#define NUL_MARK_ESCAPE "\\udbc0\\udc00"

static bool unmark_nuls(const char *s, char *out, size_t size, uint32_t *out_len)
{
    size_t n = 0;
    while (*s) {
        if (n + 1 >= size)
            return false;
        if (strncmp(s, NUL_MARK, 4) == 0) {
            out[n++] = '\0';
            s += 4;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    *out_len = (uint32_t)n;
    return true;
}

/* Returns a malloc'd copy of text with NUL escapes marked (see above).
 * Escapes are walked pairwise, so an escaped backslash is never mistaken
 * for the start of an escape. */
static char *mark_nul_escapes(const char *text, size_t size, size_t *out_size)
{
    size_t n = 0;
    char *out = malloc(size * 2 + 1); /* each 6-byte escape grows to 12 */
    if (!out)
        return NULL;
    for (size_t i = 0; i < size;) {
        if (text[i] != '\\' || i + 1 >= size) {
            out[n++] = text[i++];
        } else if (i + 6 <= size && memcmp(text + i, NUL_ESCAPE, 6) == 0) {
            memcpy(out + n, NUL_MARK_ESCAPE, 12);
            n += 12;
            i += 6;
        } else {
            out[n++] = text[i++];
            out[n++] = text[i++];
        }
    }
    out[n] = '\0';
    *out_size = n;
    return out;
}

/* Runs a command's "action". False means it could not be run at all (reason
 * in msg); a trap is a run that returns true with a->trapped set. The caller
 * calls action_free either way. */
static bool run_action(Script *s, const cJSON *cmd, Action *a, char *msg)
{
    const cJSON *json = cJSON_GetObjectItemCaseSensitive(cmd, "action");
    const char *type = json_string(json, "type");
    WasmInstance *inst;

    memset(a, 0, sizeof *a);
    a->field = json_string(json, "field");
    if (!type || !a->field)
        return failed(msg, "missing or incomplete \"action\"");
    escape_name(a->field, a->shown, sizeof a->shown);
    a->name = malloc(strlen(a->field) + 1);
    if (!a->name || !unmark_nuls(a->field, a->name, strlen(a->field) + 1, &a->name_len))
        return failed(msg, "out of memory");
    inst = find_instance(s, json_string(json, "module"), msg);
    if (!inst)
        return false;
    if (strcmp(type, "invoke") == 0)
        return invoke(inst, json, a, msg);
    if (strcmp(type, "get") == 0)
        return get_global(inst, a, msg);
    return failed(msg, "unknown action type \"%s\"", type);
}

/* ------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------ */

typedef enum LoadResult {
    LOAD_OK,
    LOAD_REJECTED, /* ld_load failed: why holds the runtime's reason only */
    LOAD_NO_FILE, /* the runner could not get the bytes: why says why */
} LoadResult;

/* Loads the command's module file; why is MSG_SIZE bytes. A loaded module is
 * kept (with its buffer) until the end of the file. */
static LoadResult load_module(Script *s, const cJSON *cmd, WasmModule **out_module, char *why)
{
    const char *file = json_string(cmd, "filename");
    char path[PATH_SIZE];
    char err[ERR_SIZE] = "";
    uint8_t *buf;
    size_t size;
    WasmModule *m;

    if (!file) {
        failed(why, "command has no \"filename\"");
        return LOAD_NO_FILE;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/%s", s->dir, file) >= sizeof path) {
        failed(why, "path too long: %s", file);
        return LOAD_NO_FILE;
    }
    buf = read_file(path, &size);
    if (!buf) {
        failed(why, "cannot read %s: %s", path, strerror(errno));
        return LOAD_NO_FILE;
    }
    m = size <= UINT32_MAX ? ld_load(buf, (uint32_t)size, err, sizeof err) : NULL;
    if (!m) {
        free(buf);
        failed(why, "%s", err);
        return LOAD_REJECTED;
    }
    if (!keep_module(s, buf, m)) {
        ld_unload(m);
        free(buf);
        failed(why, "out of memory (runner)");
        return LOAD_NO_FILE;
    }
    *out_module = m;
    return LOAD_OK;
}

/* Instantiates m and keeps the instance until the end of the file; NULL with
 * the runtime's reason in err (ERR_SIZE bytes). */
static WasmInstance *instantiate(Script *s, const WasmModule *m, char *err)
{
    WasmInstance *inst = rt_instantiate(m, resolve_import, s, err, ERR_SIZE);

    if (inst && !keep_instance(s, inst)) {
        rt_instance_release(inst);
        snprintf(err, ERR_SIZE, "out of memory (runner)");
        return NULL;
    }
    return inst;
}

/* Conversion artifacts of the shared data: assertions whose binary module
 * cannot carry what the text form says. Each is accepted with the message
 * the binary does imply, never skipped, and the reason is written here. */
static const struct {
    const char *script; /* JSON base name */
    int line;
    const char *accepted;
} known_artifacts[] = {
    /* wast2json 1.0.32 encodes `select (result)` (an empty result vector)
     * as the untyped select 0x1B, so select.2.wasm is byte-identical to
     * select.1.wasm, for which the suite expects "type mismatch". */
    {"select", 324, "type mismatch"},
    /* Limits flag 0x02 followed by a byte: malformed in core Wasm 2.0, but
     * under the threads proposal (which this runtime implements) it is a
     * shared memory without a maximum, and rejected as such (threads
     * memory.wast:12 expects exactly that for the same bytes). */
    {"binary", 1563, "shared memory must have maximum"},
};

/* Assertions a Wasm 2.0 implementation must not pass: skipped, never run,
 * each with its reason. */
static const struct {
    const char *dir_part; /* a part of the JSON file's folder */
    const char *script;
    int line;
} known_skips[] = {
    /* The threads proposal branch predates Wasm 2.0, which allows several
     * tables: its imports.wast still expects "multiple tables" here. */
    {"proposals/threads/", "imports", 310},
    {"proposals/threads/", "imports", 314},
    {"proposals/threads/", "imports", 318},
};

static bool is_known_skip(const Script *s, int line)
{
    for (size_t i = 0; i < sizeof known_skips / sizeof known_skips[0]; i++)
        if (line == known_skips[i].line && strcmp(s->name, known_skips[i].script) == 0 &&
            strstr(s->dir, known_skips[i].dir_part))
            return true;
    return false;
}

static const char *artifact_text(const Script *s, const cJSON *cmd)
{
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(cmd, "line");

    for (size_t i = 0; i < sizeof known_artifacts / sizeof known_artifacts[0]; i++)
        if (strcmp(s->name, known_artifacts[i].script) == 0 && cJSON_IsNumber(line) &&
            line->valueint == known_artifacts[i].line)
            return known_artifacts[i].accepted;
    return NULL;
}

/* The runtime's message must start with the spec's text; it may add detail. */
static Outcome check_text(const Script *s, const cJSON *cmd, const char *got, char *msg)
{
    const char *expected = json_string(cmd, "text");
    const char *artifact = artifact_text(s, cmd);

    if (!expected)
        return say(OUT_FAIL, msg, "command has no \"text\"");
    if (artifact && strncmp(got, artifact, strlen(artifact)) == 0)
        return OUT_PASS;
    if (strncmp(got, expected, strlen(expected)) != 0)
        return say(OUT_FAIL, msg, "wrong message: expected \"%s\", got \"%s\"", expected, got);
    return OUT_PASS;
}

/* ------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

/* A failed module is still bound (to NULL) and becomes current, so commands
 * meant for it fail instead of silently using an older module. */
static Outcome cmd_module(Script *s, const cJSON *cmd, char *msg)
{
    const char *name = json_string(cmd, "name");
    Outcome out = OUT_QUIET;
    WasmInstance *inst = NULL;
    WasmModule *m;
    char err[ERR_SIZE] = "";
    char why[MSG_SIZE];

    if (load_module(s, cmd, &m, why) != LOAD_OK) {
        out = say(OUT_ERROR, msg, "load failed: %s", why);
        goto done;
    }
    inst = instantiate(s, m, err);
    if (!inst)
        out = say(OUT_ERROR, msg, "instantiation failed: %s", err);
done:
    s->current = inst;
    if (name && !bind(&s->names, name, inst))
        out = say(OUT_ERROR, msg, "out of memory");
    return out;
}

static Outcome cmd_register(Script *s, const cJSON *cmd, char *msg)
{
    const char *as = json_string(cmd, "as");
    WasmInstance *inst;

    if (!as)
        return say(OUT_ERROR, msg, "register without \"as\"");
    inst = find_instance(s, json_string(cmd, "name"), msg);
    if (!inst)
        return OUT_ERROR;
    if (!bind(&s->registered, as, inst))
        return say(OUT_ERROR, msg, "out of memory");
    return OUT_QUIET;
}

static Outcome cmd_action(Script *s, const cJSON *cmd, char *msg)
{
    Action a;
    Outcome out = OUT_FAIL;

    if (!run_action(s, cmd, &a, msg))
        goto done;
    if (a.trapped) {
        say(OUT_FAIL, msg, "\"%s\" trapped: %s", a.shown, a.trap);
        goto done;
    }
    out = OUT_PASS;
done:
    action_free(&a);
    return out;
}

/* Compares each result with its expected value, type first. */
static Outcome check_results(const Action *a, const cJSON *expected, char *msg)
{
    const cJSON *json;
    uint32_t i = 0;
    Value e;
    char want[128], got[128];

    if (!cJSON_IsArray(expected) || (uint32_t)cJSON_GetArraySize(expected) != a->n_results)
        return say(OUT_FAIL, msg, "\"%s\" returns %" PRIu32 " values, expected %d", a->shown,
                   a->n_results, cJSON_GetArraySize(expected));
    cJSON_ArrayForEach(json, expected) {
        if (!parse_value(json, true, &e, msg))
            return OUT_FAIL;
        if (e.type != a->result_types[i] || !value_matches(&e, a->results[i])) {
            format_expected(&e, want, sizeof want);
            format_slot(a->result_types[i], a->results[i], got, sizeof got);
            return say(OUT_FAIL, msg, "\"%s\" result %" PRIu32 ": expected %s, got %s", a->shown,
                       i, want, got);
        }
        i++;
    }
    return OUT_PASS;
}

static Outcome cmd_assert_return(Script *s, const cJSON *cmd, char *msg)
{
    Action a;
    Outcome out = OUT_FAIL;

    if (!run_action(s, cmd, &a, msg))
        goto done;
    if (a.trapped) {
        say(OUT_FAIL, msg, "\"%s\" trapped: %s", a.shown, a.trap);
        goto done;
    }
    out = check_results(&a, cJSON_GetObjectItemCaseSensitive(cmd, "expected"), msg);
done:
    action_free(&a);
    return out;
}

/* Linking succeeds or not (assert_unlinkable), or a trap while
 * instantiating (assert_uninstantiable, assert_trap on a module): either way
 * rt_instantiate must fail with the text. */
static Outcome cmd_assert_instantiate_fails(Script *s, const cJSON *cmd, char *msg)
{
    WasmModule *m;
    char err[ERR_SIZE] = "";
    char why[MSG_SIZE];

    if (load_module(s, cmd, &m, why) != LOAD_OK)
        return say(OUT_FAIL, msg, "module did not load: %s", why);
    if (instantiate(s, m, err))
        return say(OUT_FAIL, msg, "instantiation succeeded, expected \"%s\"",
                   json_string(cmd, "text") ? json_string(cmd, "text") : "");
    return check_text(s, cmd, err, msg);
}

/* assert_trap and assert_exhaustion: the action must trap with the text. */
static Outcome cmd_assert_trap(Script *s, const cJSON *cmd, char *msg)
{
    Action a;
    Outcome out = OUT_FAIL;

    if (!cJSON_HasObjectItem(cmd, "action") && cJSON_HasObjectItem(cmd, "filename"))
        return cmd_assert_instantiate_fails(s, cmd, msg);
    if (!run_action(s, cmd, &a, msg))
        goto done;
    if (!a.trapped) {
        say(OUT_FAIL, msg, "\"%s\" returned, expected a trap", a.shown);
        goto done;
    }
    out = check_text(s, cmd, a.trap, msg);
done:
    action_free(&a);
    return out;
}

/* assert_invalid and assert_malformed: ld_load must fail with the text.
 * Text-format modules are skipped: the runtime has no text parser. */
static Outcome cmd_assert_load_fails(Script *s, const cJSON *cmd, char *msg)
{
    const char *module_type = json_string(cmd, "module_type");
    WasmModule *m;
    char why[MSG_SIZE];

    if (module_type && strcmp(module_type, "text") == 0)
        return OUT_SKIP;
    switch (load_module(s, cmd, &m, why)) {
    case LOAD_OK:
        return say(OUT_FAIL, msg, "module loaded, expected \"%s\"",
                   json_string(cmd, "text") ? json_string(cmd, "text") : "");
    case LOAD_NO_FILE: return say(OUT_FAIL, msg, "%s", why);
    case LOAD_REJECTED: break;
    }
    return check_text(s, cmd, why, msg);
}

typedef Outcome (*CommandFn)(Script *s, const cJSON *cmd, char *msg);

static const struct {
    const char *type;
    CommandFn run;
} command_table[] = {
    { "module", cmd_module },
    { "register", cmd_register },
    { "action", cmd_action },
    { "assert_return", cmd_assert_return },
    { "assert_trap", cmd_assert_trap },
    { "assert_exhaustion", cmd_assert_trap },
    { "assert_invalid", cmd_assert_load_fails },
    { "assert_malformed", cmd_assert_load_fails },
    { "assert_unlinkable", cmd_assert_instantiate_fails },
    { "assert_uninstantiable", cmd_assert_instantiate_fails },
};

static void count(Script *s, Outcome out)
{
    switch (out) {
    case OUT_PASS: s->counts.passed++; break;
    case OUT_FAIL: s->counts.failed++; break;
    case OUT_SKIP: s->counts.skipped++; break;
    case OUT_ERROR: s->counts.errors++; break;
    case OUT_QUIET: break;
    }
}

static void run_command(Script *s, const cJSON *cmd)
{
    const char *type = json_string(cmd, "type");
    const cJSON *line_item = cJSON_GetObjectItemCaseSensitive(cmd, "line");
    int line = cJSON_IsNumber(line_item) ? line_item->valueint : 0;
    char msg[MSG_SIZE] = "";
    Outcome out = say(OUT_FAIL, msg, "unknown command type");
    size_t i;

    if (s->opt->verbose) {
        printf("%s:%d: %s\n", s->source, line, type ? type : "?");
        fflush(stdout); /* so a crash shows which command caused it */
    }
    for (i = 0; type && i < sizeof command_table / sizeof command_table[0]; i++)
        if (strcmp(type, command_table[i].type) == 0)
            out = is_known_skip(s, line) ? OUT_SKIP : command_table[i].run(s, cmd, msg);
    count(s, out);
    if (out == OUT_FAIL || out == OUT_ERROR)
        printf("%s:%d: %s: %s\n", s->source, line, type ? type : "?", msg);
}

/* ------------------------------------------------------------------------
 * Files and folders
 * ------------------------------------------------------------------------ */

static void script_init(Script *s, const char *path, const Options *opt)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(base);

    memset(s, 0, sizeof *s);
    s->opt = opt;
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    snprintf(s->name, sizeof s->name, "%.*s", (int)len, base);
    s->source = s->name;
    if (slash)
        snprintf(s->dir, sizeof s->dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(s->dir, sizeof s->dir, ".");
    if (slash == path)
        snprintf(s->dir, sizeof s->dir, "/");
}

/* Runs the commands of one parsed JSON file. */
static void run_commands(Script *s, const cJSON *root)
{
    const cJSON *commands = cJSON_GetObjectItemCaseSensitive(root, "commands");
    const cJSON *cmd;

    if (json_string(root, "source_filename"))
        s->source = json_string(root, "source_filename");
    if (!cJSON_IsArray(commands)) {
        printf("%s: no \"commands\" array\n", s->name);
        s->counts.failed++;
        return;
    }
    if (!spectest_host_init(&s->host, s->opt->verbose)) {
        printf("%s: cannot create the spectest module\n", s->name);
        s->counts.failed++;
        return;
    }
    cJSON_ArrayForEach(cmd, commands)
        run_command(s, cmd);
}

/* A file that cannot be read or parsed counts as one failure. */
static void run_file(const char *path, const Options *opt, Counts *total)
{
    Script s;
    size_t size = 0;
    char *text;
    cJSON *root = NULL;

    script_init(&s, path, opt);
    text = (char *)read_file(path, &size);
    if (!text) {
        printf("%s: cannot read %s: %s\n", s.name, path, strerror(errno));
        s.counts.failed++;
        goto done;
    }
    char *marked = mark_nul_escapes(text, size, &size);
    if (!marked) {
        printf("%s: out of memory\n", s.name);
        s.counts.failed++;
        goto done;
    }
    free(text);
    text = marked;
    root = cJSON_ParseWithLength(text, size);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        printf("%s: malformed JSON in %s near byte %ld\n", s.name, path,
               at && at >= text && at <= text + size ? (long)(at - text) : -1L);
        s.counts.failed++;
        goto done;
    }
    run_commands(&s, root);
done:
    script_release(&s); /* before the JSON tree: bindings point into it */
    cJSON_Delete(root);
    free(text);
    printf("%s: %u passed, %u failed, %u skipped\n", s.name, s.counts.passed, s.counts.failed,
           s.counts.skipped);
    total->passed += s.counts.passed;
    total->failed += s.counts.failed;
    total->skipped += s.counts.skipped;
    total->errors += s.counts.errors;
}

typedef struct PathList {
    char **items;
    size_t n, cap;
    unsigned simd_skipped;
} PathList;

static bool add_path(PathList *l, const char *path)
{
    char **items = grow_array(l->items, &l->cap, l->n, sizeof *items);
    size_t size = strlen(path) + 1;

    if (!items)
        return false;
    l->items = items;
    l->items[l->n] = malloc(size);
    if (!l->items[l->n])
        return false;
    memcpy(l->items[l->n++], path, size);
    return true;
}

static bool ends_with_json(const char *name)
{
    size_t len = strlen(name);

    return len > 5 && strcmp(name + len - 5, ".json") == 0;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds dir's *.json files and, when depth allows, those of its subfolders. */
static bool scan_dir(PathList *l, const char *dir, int depth, const Options *opt)
{
    DIR *d = opendir(dir);
    const struct dirent *e;
    char path[PATH_SIZE];
    struct stat st;
    bool ok = true;

    if (!d)
        return false;
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (opt->skip_simd && strncmp(e->d_name, "simd_", 5) == 0) {
            l->simd_skipped++;
            continue;
        }
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth > 0)
            ok = scan_dir(l, path, depth - 1, opt);
        else if (S_ISREG(st.st_mode) && ends_with_json(e->d_name))
            ok = add_path(l, path);
    }
    closedir(d);
    return ok;
}

/* A file argument is taken as is; a folder gives its *.json files and those
 * one level down, sorted by path. */
static bool collect(PathList *l, const char *arg, const Options *opt)
{
    struct stat st;
    size_t first = l->n;
    size_t len = strlen(arg);
    char dir[PATH_SIZE];

    if (stat(arg, &st) != 0) {
        printf("%s: %s\n", arg, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode))
        return add_path(l, arg);
    while (len > 1 && arg[len - 1] == '/')
        len--; /* "json/" and "json" give the same paths */
    snprintf(dir, sizeof dir, "%.*s", (int)len, arg);
    if (!scan_dir(l, dir, 1, opt)) {
        printf("%s: cannot list the folder\n", arg);
        return false;
    }
    if (l->n == first) {
        printf("%s: no *.json files\n", arg);
        return false;
    }
    qsort(l->items + first, l->n - first, sizeof *l->items, compare_paths);
    return true;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: wasm-spectest [-v] [--skip-simd] [--bounds guard|software] [--retarget]\n"
            "                     FILE.json|FOLDER...\n"
            "  A FOLDER means its *.json files and those of its subfolders.\n"
            "  -v           trace every command and the spectest print calls\n"
            "  --skip-simd  leave out simd_* files and folders\n"
            "  --bounds     how linear memories are bounds-checked: guard pages (the\n"
            "               default where the build has them) or software checks\n"
            "  --retarget   translate modules for the other kind of memory, so that\n"
            "               every instance runs a retargeted copy of its code\n");
}

/* Applies --bounds and --retarget before any module is loaded, and says what
 * the memories really get, since guard pages may be missing from the build. */
static void set_bounds(const Options *opt)
{
    bool guard = opt->bounds ? strcmp(opt->bounds, "guard") == 0 : guard_enabled();

    if (opt->retarget) {
        guard_set_enabled(!guard);
        (void)interp_translates_unchecked(); /* fixes the translation's kind now */
    }
    guard_set_enabled(guard);
    printf("memory bounds: %s%s, code translated for %s\n",
           guard_enabled() ? "guard pages" : "software checks",
           guard && !guard_enabled() ? " (guard pages unavailable)" : "",
           interp_translates_unchecked() ? "guard pages" : "software checks");
}

int main(int argc, char **argv)
{
    Options opt = { false, false, NULL, false };
    PathList files = { NULL, 0, 0, 0 };
    Counts total = { 0, 0, 0, 0 };
    int i;
    size_t k;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-v") == 0)
            opt.verbose = true;
        else if (strcmp(argv[i], "--skip-simd") == 0)
            opt.skip_simd = true;
        else if (strcmp(argv[i], "--retarget") == 0)
            opt.retarget = true;
        else if (strcmp(argv[i], "--bounds") == 0 && i + 1 < argc &&
                 (strcmp(argv[i + 1], "guard") == 0 || strcmp(argv[i + 1], "software") == 0))
            opt.bounds = argv[++i];
        else
            goto bad_usage;
    }
    set_bounds(&opt);
    if (i == argc)
        goto bad_usage;
    for (; i < argc; i++)
        if (!collect(&files, argv[i], &opt))
            total.failed++; /* a missing input is a failure, not a quiet no-op */
    if (files.simd_skipped)
        printf("--skip-simd: %u simd_* entries not run\n", files.simd_skipped);
    for (k = 0; k < files.n; k++) {
        run_file(files.items[k], &opt, &total);
        free(files.items[k]);
    }
    free(files.items);
    if (total.errors)
        printf("%u module/register commands failed (not counted below)\n", total.errors);
    printf("%u passed, %u failed, %u skipped\n", total.passed, total.failed, total.skipped);
    return total.failed || total.errors ? 1 : 0;
bad_usage:
    usage();
    return 2;
}
