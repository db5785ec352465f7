/* samples/native-lib: natives in a shared library that iwasm loads with
 * --native-lib=./libtest_add.so. iwasm calls get_native_lib and registers
 * the symbols it returns; the app (wasm-apps/test.c) imports them from "env". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wasm_export.h"

/* "(ii)i" */
static int32_t test_add(wasm_exec_env_t exec_env, int32_t x, int32_t y)
{
    (void)exec_env;
    return x + y;
}

/* "(ff)f": the length of the vector (x, y). */
static float test_sqrt(wasm_exec_env_t exec_env, float x, float y)
{
    (void)exec_env;
    return sqrtf(x * x + y * y);
}

/* "(i)i": x times the factor attached to this symbol. */
static int32_t test_scale(wasm_exec_env_t exec_env, int32_t x)
{
    const int32_t *factor = wasm_runtime_get_function_attachment(exec_env);
    return factor ? x * *factor : -1;
}

/* "($*~)i": writes "hello, NAME" into the app's buffer (the runtime checked
 * that NAME is a string and that the buffer lies in linear memory); returns
 * the length written, without the NUL. */
static int32_t test_greet(wasm_exec_env_t exec_env, const char *name, char *buf, int32_t size)
{
    (void)exec_env;
    int n = snprintf(buf, (size_t)size, "hello, %s", name);
    return n < size ? n : size - 1;
}

static int32_t scale_factor = 3;

static NativeSymbol native_symbols[] = {
    EXPORT_WASM_API_WITH_SIG(test_add, "(ii)i"),
    EXPORT_WASM_API_WITH_SIG(test_sqrt, "(ff)f"),
    EXPORT_WASM_API_WITH_ATT(test_scale, "(i)i", &scale_factor),
    EXPORT_WASM_API_WITH_SIG(test_greet, "($*~)i"),
};

/* The entry point iwasm looks up: the module name and the symbols, which
 * must stay valid while the library is loaded. */
uint32_t get_native_lib(char **module_name, NativeSymbol **symbols);

uint32_t get_native_lib(char **module_name, NativeSymbol **symbols)
{
    *module_name = "env";
    *symbols = native_symbols;
    return sizeof(native_symbols) / sizeof(NativeSymbol);
}
