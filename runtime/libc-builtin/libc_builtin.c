/* libc-builtin, part 1: the native table under module "env", its
 * registration, the constant globals, the bounds-checking helpers the other
 * parts share, and the natives for the app heap, exit/abort and clocks.
 * Strings are in lb_string.c, the printf family in lb_printf.c. */
#include "libc_builtin.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/instance.h"
#include "../mem/app_heap.h"
#include "../platform/os.h"
#include "lb_internal.h"

/* ====================================================================== */
/* Helpers shared by the natives                                           */
/* ====================================================================== */

bool lb_oob(wasm_module_inst_t inst)
{
    wasm_runtime_set_exception(inst, LB_MSG_OOB);
    return false;
}

bool lb_check(wasm_module_inst_t inst, const void *p, uint64_t len)
{
    if (len > UINT32_MAX)
        return lb_oob(inst);
    return wasm_runtime_validate_native_addr(inst, (void *)p, (uint32_t)len);
}

uint64_t lb_room(wasm_module_inst_t inst, const void *p)
{
    const WasmMemory *mem = inst->memory;
    uintptr_t base, at = (uintptr_t)p;

    if (!mem || !mem->data)
        return 0;
    base = (uintptr_t)mem->data;
    if (at < base || at - base >= mem->size)
        return 0;
    return mem->size - (at - base);
}

uint32_t lb_app(wasm_module_inst_t inst, const void *p)
{
    return p ? wasm_runtime_addr_native_to_app(inst, (void *)p) : 0;
}

void lb_store_u32(void *p, uint32_t v)
{
    uint8_t *b = p;

    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

void lb_store_u64(void *p, uint64_t v)
{
    lb_store_u32(p, (uint32_t)v);
    lb_store_u32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/* ====================================================================== */
/* App heap: malloc, calloc, realloc, free, strdup                         */
/* ====================================================================== */
/* All go through wasm_runtime_module_malloc/free: the runtime's app heap,
 * or the module's own exported malloc/free. The latter runs wasm code,
 * which may grow (move) linear memory, so native pointers are derived again
 * from app offsets after every allocation. */

static uint32_t lb_malloc(wasm_exec_env_t env, uint32_t size)
{
    return wasm_runtime_module_malloc(wasm_runtime_get_module_inst(env), size, NULL);
}

static uint32_t lb_calloc(wasm_exec_env_t env, uint32_t n, uint32_t size)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    uint64_t total = (uint64_t)n * size;
    void *p = NULL;
    uint32_t off;

    if (total > UINT32_MAX)
        return 0;
    off = wasm_runtime_module_malloc(inst, (uint32_t)total, &p);
    if (off)
        memset(p, 0, (size_t)total);
    return off;
}

/* realloc for a module with its own malloc/free: the block's old size is
 * unknown, so size bytes are copied, bounded by the end of linear memory
 * (bytes past a smaller old block are copied too, which is harmless). */
static uint32_t lb_realloc_by_copy(wasm_module_inst_t inst, uint32_t old, uint32_t size)
{
    uint32_t off;
    uint64_t avail;

    if (!inst->memory || old >= inst->memory->size)
        return 0;
    off = wasm_runtime_module_malloc(inst, size, NULL);
    if (!off)
        return 0;
    avail = inst->memory->size - old;
    memmove(inst->memory->data + off, inst->memory->data + old,
            (size_t)(avail < size ? avail : size));
    wasm_runtime_module_free(inst, old);
    return off;
}

/* ptr is a plain i32 (WAMR's "(ii)i"): an offset that is not a live block
 * gives 0 and changes nothing, like a failed realloc. */
static uint32_t lb_realloc(wasm_exec_env_t env, uint32_t ptr, uint32_t size)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);

    if (ptr == 0)
        return wasm_runtime_module_malloc(inst, size, NULL);
    if (inst->app_heap)
        return app_heap_realloc(inst->app_heap, inst->memory->data, ptr, size);
    if (inst->export_malloc)
        return lb_realloc_by_copy(inst, ptr, size);
    return 0;
}

static void lb_free(wasm_exec_env_t env, void *p)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);

    wasm_runtime_module_free(inst, lb_app(inst, p));
}

static uint32_t lb_strdup(wasm_exec_env_t env, const char *s)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    uint32_t src = lb_app(inst, s);
    uint32_t len = (uint32_t)strlen(s) + 1; /* s ends inside memory: fits */
    uint32_t off = wasm_runtime_module_malloc(inst, len, NULL);

    if (off)
        memmove(wasm_runtime_addr_app_to_native(inst, off),
                wasm_runtime_addr_app_to_native(inst, src), len);
    return off;
}

/* ====================================================================== */
/* exit, abort, clocks                                                     */
/* ====================================================================== */

/* Ends the call with the exception "env.exit(N)", as WAMR does: the embedder
 * reads the status from the exception text. */
static void lb_exit(wasm_exec_env_t env, int32_t status)
{
    char msg[32];

    snprintf(msg, sizeof msg, "env.exit(%" PRId32 ")", status);
    wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), msg);
}

/* WAMR's abort takes a code: "env.abort(N)". The sysroot's abort() passes 0. */
static void lb_abort(wasm_exec_env_t env, int32_t code)
{
    char msg[32];

    snprintf(msg, sizeof msg, "env.abort(%" PRId32 ")", code);
    wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), msg);
}

/* clock_id 0 (CLOCK_REALTIME) is wall time; any other id is the monotonic
 * clock, as WAMR gives for every id (wasi-libc headers pass addresses as
 * ids). ts is struct timespec of wasm32: i64 tv_sec at 0, i32 tv_nsec at 8,
 * 16 bytes in all. */
static int32_t lb_clock_gettime(wasm_exec_env_t env, int32_t clock_id, void *ts)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    struct timespec now;
    uint64_t ns;

    if (!lb_check(inst, ts, 16))
        return -1;
    if (clock_id == 0 && timespec_get(&now, TIME_UTC) == TIME_UTC) {
        lb_store_u64(ts, (uint64_t)(int64_t)now.tv_sec);
        lb_store_u32((uint8_t *)ts + 8, (uint32_t)now.tv_nsec);
    } else {
        ns = os_time_ns();
        lb_store_u64(ts, ns / 1000000000u);
        lb_store_u32((uint8_t *)ts + 8, (uint32_t)(ns % 1000000000u));
    }
    lb_store_u32((uint8_t *)ts + 12, 0);
    return 0;
}

/* Monotonic nanoseconds, as WAMR (CLOCKS_PER_SEC is 10^9 in the sysroot):
 * elapsed time, not processor time. */
static uint64_t lb_clock(wasm_exec_env_t env)
{
    (void)env;
    return os_time_ns();
}

/* ====================================================================== */
/* The table                                                               */
/* ====================================================================== */

#define LB_NATIVE(name, fn, sig) { name, (void *)(fn), sig, NULL }

/* Signatures exactly as WAMR's: "*" and "$" arguments arrive checked (a "*"
 * for 1 byte unless a "~" length follows), the natives check the rest.
 * Sorted in place at registration. */
static NativeSymbol lb_natives[] = {
    LB_NATIVE("printf", lb_printf, "($*)i"),
    LB_NATIVE("sprintf", lb_sprintf, "($$*)i"),
    LB_NATIVE("snprintf", lb_snprintf, "(*~$*)i"),
    LB_NATIVE("vprintf", lb_printf, "($*)i"),
    LB_NATIVE("vsprintf", lb_sprintf, "($$*)i"),
    LB_NATIVE("vsnprintf", lb_snprintf, "(*~$*)i"),
    LB_NATIVE("puts", lb_puts, "($)i"),
    LB_NATIVE("putchar", lb_putchar, "(i)i"),
    LB_NATIVE("memcmp", lb_memcmp, "(**~)i"),
    LB_NATIVE("memcpy", lb_memcpy, "(**~)i"),
    LB_NATIVE("memmove", lb_memcpy, "(**~)i"),
    LB_NATIVE("memset", lb_memset, "(*ii)i"),
    LB_NATIVE("strchr", lb_strchr, "($i)i"),
    LB_NATIVE("strcmp", lb_strcmp, "($$)i"),
    LB_NATIVE("strcpy", lb_strcpy, "(*$)i"),
    LB_NATIVE("strlen", lb_strlen, "($)i"),
    LB_NATIVE("strncmp", lb_strncmp, "(**~)i"),
    LB_NATIVE("strncpy", lb_strncpy, "(**~)i"),
    LB_NATIVE("malloc", lb_malloc, "(i)i"),
    LB_NATIVE("realloc", lb_realloc, "(ii)i"),
    LB_NATIVE("calloc", lb_calloc, "(ii)i"),
    LB_NATIVE("strdup", lb_strdup, "($)i"),
    LB_NATIVE("_strdup", lb_strdup, "($)i"),
    LB_NATIVE("free", lb_free, "(*)"),
    LB_NATIVE("atoi", lb_atoi, "($)i"),
    LB_NATIVE("exit", lb_exit, "(i)"),
    LB_NATIVE("strtol", lb_strtol, "($*i)i"),
    LB_NATIVE("strtoul", lb_strtoul, "($*i)i"),
    LB_NATIVE("memchr", lb_memchr, "(*ii)i"),
    LB_NATIVE("strncasecmp", lb_strncasecmp, "($$i)i"),
    LB_NATIVE("strspn", lb_strspn, "($$)i"),
    LB_NATIVE("strcspn", lb_strcspn, "($$)i"),
    LB_NATIVE("strstr", lb_strstr, "($$)i"),
    LB_NATIVE("isupper", lb_isupper, "(i)i"),
    LB_NATIVE("isalpha", lb_isalpha, "(i)i"),
    LB_NATIVE("isspace", lb_isspace, "(i)i"),
    LB_NATIVE("isgraph", lb_isgraph, "(i)i"),
    LB_NATIVE("isprint", lb_isprint, "(i)i"),
    LB_NATIVE("isdigit", lb_isdigit, "(i)i"),
    LB_NATIVE("isxdigit", lb_isxdigit, "(i)i"),
    LB_NATIVE("isalnum", lb_isalnum, "(i)i"),
    LB_NATIVE("tolower", lb_tolower, "(i)i"),
    LB_NATIVE("toupper", lb_toupper, "(i)i"),
    LB_NATIVE("abort", lb_abort, "(i)"),
    LB_NATIVE("clock_gettime", lb_clock_gettime, "(i*)i"),
    LB_NATIVE("clock", lb_clock, "()I"),
};

#define LB_N_NATIVES ((uint32_t)(sizeof lb_natives / sizeof lb_natives[0]))

uint32_t get_base_lib_export_apis(NativeSymbol **p_base_lib_apis)
{
    if (p_base_lib_apis)
        *p_base_lib_apis = lb_natives;
    return LB_N_NATIVES;
}

bool libc_builtin_register(void)
{
    return wasm_runtime_register_natives("env", lb_natives, LB_N_NATIVES);
}

/* ====================================================================== */
/* Constant globals                                                        */
/* ====================================================================== */

/* Bit patterns, so the NaN is exactly the canonical quiet one. */
static WasmGlobal lb_nan = {.type = {VT_F64, false}, .value = {.u64 = 0x7FF8000000000000ull}};
static WasmGlobal lb_infinity = {.type = {VT_F64, false},
                                 .value = {.u64 = 0x7FF0000000000000ull}};

struct WasmGlobal *lb_builtin_global(const char *module_name, const char *field_name)
{
    bool env = strcmp(module_name, "env") == 0, global = strcmp(module_name, "global") == 0;

    if ((env && strcmp(field_name, "global.NaN") == 0) ||
        (global && strcmp(field_name, "NaN") == 0))
        return &lb_nan;
    if ((env && strcmp(field_name, "global.Infinity") == 0) ||
        (global && strcmp(field_name, "Infinity") == 0))
        return &lb_infinity;
    return NULL;
}
