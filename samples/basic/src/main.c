/* samples/basic: the WAMR embedding guide, as an embedder writes it. The
 * runtime lives in a 512 KiB static pool and exports two natives to the app
 * through RuntimeInitArgs; the host then calls the app's functions in the
 * guide's three call styles, passes buffers through module_malloc and
 * module_dup_data, and tears everything down in the guide's order.
 * Usage: basic [wasm-apps/testapp.wasm]   (prints deterministic lines) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bh_read_file.h"
#include "wasm_export.h"

/* ---- natives exported to the app (module "env") ---- */

/* The app's view of the input: three int32 fields, as in wasm-apps/testapp.c. */
typedef struct DisplayInput {
    int32_t x, y;
    int32_t pressed;
} DisplayInput;

/* "(*)i": the runtime checked that one byte at data lies in linear memory;
 * the struct is larger, so check the whole of it before writing. */
static int32_t display_input_read(wasm_exec_env_t exec_env, void *data)
{
    wasm_module_inst_t module_inst = get_module_inst(exec_env);
    DisplayInput in = {10, 20, 1};

    if (!validate_native_addr(data, (uint32_t)sizeof in))
        return 0;
    memcpy(data, &in, sizeof in);
    printf("display_input_read: x=%d y=%d pressed=%d\n", (int)in.x, (int)in.y, (int)in.pressed);
    return 1;
}

/* "(iiii*)": the area to draw and a pointer to its first colours. */
static void display_flush(wasm_exec_env_t exec_env, int32_t x1, int32_t y1, int32_t x2,
                          int32_t y2, void *color_p)
{
    wasm_module_inst_t module_inst = get_module_inst(exec_env);
    uint32_t colors[4];

    if (!validate_native_addr(color_p, (uint32_t)sizeof colors))
        return;
    memcpy(colors, color_p, sizeof colors);
    printf("display_flush: rectangle (%d,%d)-(%d,%d), %dx%d, colors %06x %06x %06x %06x\n",
           (int)x1, (int)y1, (int)x2, (int)y2, (int)(x2 - x1 + 1), (int)(y2 - y1 + 1),
           (unsigned)colors[0], (unsigned)colors[1], (unsigned)colors[2], (unsigned)colors[3]);
}

static NativeSymbol native_symbols[] = {
    EXPORT_WASM_API_WITH_SIG(display_input_read, "(*)i"),
    EXPORT_WASM_API_WITH_SIG(display_flush, "(iiii*)"),
};

/* All the runtime's memory comes from here. */
static char global_heap_buf[512 * 1024];

/* ---- the calls ---- */

static void report_exception(wasm_module_inst_t module_inst)
{
    printf("%s\n", wasm_runtime_get_exception(module_inst));
}

/* fib(8) three ways: argv cells, wasm_val_t arrays and varargs. */
static void call_fib(wasm_module_inst_t module_inst, wasm_exec_env_t exec_env)
{
    /* The guide's form: the signature may be NULL. */
    wasm_function_inst_t func = wasm_runtime_lookup_function(module_inst, "fib", NULL);
    uint32 argv[2];
    wasm_val_t args[1], results[1];

    if (!func) {
        printf("fib not found\n");
        return;
    }
    argv[0] = 8;
    if (wasm_runtime_call_wasm(exec_env, func, 1, argv))
        printf("fib(8) with argv cells: %u\n", (unsigned)argv[0]);
    else
        report_exception(module_inst);

    args[0].kind = WASM_I32;
    args[0].of.i32 = 8;
    if (wasm_runtime_call_wasm_a(exec_env, func, 1, results, 1, args))
        printf("fib(8) with wasm_val_t: %d\n", (int)results[0].of.i32);
    else
        report_exception(module_inst);

    if (wasm_runtime_call_wasm_v(exec_env, func, 1, results, 1, 8))
        printf("fib(8) with varargs: %d\n", (int)results[0].of.i32);
    else
        report_exception(module_inst);
}

/* i32, i32, f64, i64, f32 -> f64: 8-byte values take two cells each, copied
 * with memcpy since argv need not be 8-byte aligned. */
static void call_mixed(wasm_module_inst_t module_inst, wasm_exec_env_t exec_env)
{
    /* The later two-argument form of lookup. */
    wasm_function_inst_t func = wasm_runtime_lookup_function(module_inst, "mixed");
    uint32 argv[7];
    char arg1 = 'a';
    int arg2 = 10;
    double arg3 = 1.5;
    int64 arg4 = 100;
    float arg5 = 0.25f;
    double ret;

    if (!func) {
        printf("mixed not found\n");
        return;
    }
    argv[0] = (uint32)arg1;
    argv[1] = (uint32)arg2;
    memcpy(&argv[2], &arg3, sizeof arg3);
    memcpy(&argv[4], &arg4, sizeof arg4);
    memcpy(&argv[6], &arg5, sizeof arg5);
    if (!wasm_runtime_call_wasm(exec_env, func, 7, argv)) {
        report_exception(module_inst);
        return;
    }
    memcpy(&ret, &argv[0], sizeof ret);
    printf("mixed('a', 10, 1.5, 100, 0.25) = %.2f\n", ret);
}

/* A buffer from module_malloc: written by the host through its native
 * address, processed by wasm at its app address. */
static void call_with_buffer(wasm_module_inst_t module_inst, wasm_exec_env_t exec_env)
{
    wasm_function_inst_t func = wasm_runtime_lookup_function(module_inst, "to_upper", NULL);
    char *buffer = NULL;
    uint32_t buffer_for_wasm;

    buffer_for_wasm = wasm_runtime_module_malloc(module_inst, 100, (void **)&buffer);
    if (!func || buffer_for_wasm == 0) {
        printf("module_malloc failed\n");
        return;
    }
    uint32 argv[2];
    strncpy(buffer, "hello", 100); /* the native address, for the host */
    argv[0] = buffer_for_wasm;     /* the app address, for wasm */
    argv[1] = 100;
    if (wasm_runtime_call_wasm(exec_env, func, 2, argv))
        printf("to_upper(\"hello\") = %u, buffer now \"%s\"\n", (unsigned)argv[0], buffer);
    else
        report_exception(module_inst);
    /* The host allocated it, so the host frees it. */
    wasm_runtime_module_free(module_inst, buffer_for_wasm);
}

/* A copy of host data in app memory, from module_dup_data. */
static void call_with_dup_data(wasm_module_inst_t module_inst, wasm_exec_env_t exec_env)
{
    static const char data[] = "The quick brown fox";
    wasm_function_inst_t func = wasm_runtime_lookup_function(module_inst, "checksum", NULL);
    uint32_t copy = wasm_runtime_module_dup_data(module_inst, data, sizeof data - 1);
    uint32 argv[2];

    if (!func || copy == 0) {
        printf("module_dup_data failed\n");
        return;
    }
    argv[0] = copy;
    argv[1] = sizeof data - 1;
    if (wasm_runtime_call_wasm(exec_env, func, 2, argv))
        printf("checksum(\"%s\") = 0x%08x\n", data, (unsigned)argv[0]);
    else
        report_exception(module_inst);
    wasm_runtime_module_free(module_inst, copy);
}

/* wasm calls both natives: it reads the input, then flushes a rectangle. */
static void call_draw(wasm_module_inst_t module_inst, wasm_exec_env_t exec_env)
{
    wasm_function_inst_t func = wasm_runtime_lookup_function(module_inst, "draw", "(i)i");
    uint32 argv[1] = {16};

    if (!func) {
        printf("draw not found\n");
        return;
    }
    if (wasm_runtime_call_wasm(exec_env, func, 1, argv))
        printf("draw(16) = %d\n", (int)argv[0]);
    else
        report_exception(module_inst);
}

/* ---- setup and teardown, in the guide's order ---- */

static int run(const char *wasm_path)
{
    char *buffer, error_buf[128];
    wasm_module_t module = NULL;
    wasm_module_inst_t module_inst = NULL;
    wasm_exec_env_t exec_env = NULL;
    uint32 size, stack_size = 8092, heap_size = 8092;
    int ret = 1;

    buffer = bh_read_file_to_buffer(wasm_path, &size);
    if (!buffer)
        return 1;
    module = wasm_runtime_load((uint8_t *)buffer, size, error_buf, sizeof(error_buf));
    if (!module) {
        printf("%s\n", error_buf);
        goto fail;
    }
    module_inst = wasm_runtime_instantiate(module, stack_size, heap_size, error_buf,
                                           sizeof(error_buf));
    if (!module_inst) {
        printf("%s\n", error_buf);
        goto fail;
    }
    exec_env = wasm_runtime_create_exec_env(module_inst, stack_size);
    if (!exec_env) {
        printf("create exec env failed\n");
        goto fail;
    }

    call_fib(module_inst, exec_env);
    call_mixed(module_inst, exec_env);
    call_with_buffer(module_inst, exec_env);
    call_with_dup_data(module_inst, exec_env);
    call_draw(module_inst, exec_env);
    ret = 0;

fail:
    if (exec_env)
        wasm_runtime_destroy_exec_env(exec_env);
    if (module_inst)
        wasm_runtime_deinstantiate(module_inst);
    if (module)
        wasm_runtime_unload(module);
    /* The module keeps no reference to the bytes once it is unloaded. */
    wasm_runtime_free(buffer);
    return ret;
}

int main(int argc, char *argv[])
{
    const char *wasm_path = argc > 1 ? argv[1] : "wasm-apps/testapp.wasm";
    RuntimeInitArgs init_args;
    int ret;

    memset(&init_args, 0, sizeof(RuntimeInitArgs));
    init_args.mem_alloc_type = Alloc_With_Pool;
    init_args.mem_alloc_option.pool.heap_buf = global_heap_buf;
    init_args.mem_alloc_option.pool.heap_size = sizeof(global_heap_buf);
    init_args.native_module_name = "env";
    init_args.n_native_symbols = sizeof(native_symbols) / sizeof(NativeSymbol);
    init_args.native_symbols = native_symbols;
    if (!wasm_runtime_full_init(&init_args)) {
        printf("runtime init failed\n");
        return 1;
    }

    ret = run(wasm_path);

    wasm_runtime_destroy();
    printf("%s\n", ret == 0 ? "done" : "failed");
    return ret;
}
