/* The WAMR embedding guide's C snippets (shared/seeds/003_*.txt), verbatim,
 * wrapped in functions and a main: proof that an embedder's code written
 * from the guide compiles unchanged against runtime/include and behaves as
 * the guide says. The only text that is not the guide's:
 *  - the guide's placeholders, which are not C: `read_wasm_binary_to_buffer(…,
 *    &size)` is bh_read_file_to_buffer(wasm_path, &size) as in WAMR's own
 *    samples, and `wasm_runtime_register_natives(...)` registers the
 *    guide's native_symbols array;
 *  - glue between snippets (marked "glue"): function wrappers, looking up
 *    the function the next snippet calls, printing what a snippet computed.
 * The guide's own warnings are kept (char ** passed as void **, shadowed
 * `buffer`, unused variables): the build silences those for this file.
 * Usage: seed_guide seed_guide.wasm */
#include <stdio.h>
#include <string.h>

#include "bh_read_file.h"
#include "wasm_export.h"

/* glue: the natives the guide's native_symbols names */
static int display_input_read(wasm_exec_env_t exec_env, void *data)
{
    (void)exec_env;
    (void)data;
    return 0;
}

static void display_flush(wasm_exec_env_t exec_env, int32_t x1, int32_t y1, int32_t x2,
                          int32_t y2, void *color_p)
{
    (void)exec_env;
    (void)x1;
    (void)y1;
    (void)x2;
    (void)y2;
    (void)color_p;
}

/* glue: what the guide's snippets take from their surroundings */
static const char *wasm_path;
static uint32 max_thread_num = 4;

/* ---- guide: "The runtime initialization", the full_init sample ---- */

/* the native functions that will be exported to WASM app */
static NativeSymbol native_symbols[] = {
    EXPORT_WASM_API_WITH_SIG(display_input_read, "(*)i"),
    EXPORT_WASM_API_WITH_SIG(display_flush, "(iiii*)")
};

/* all the runtime memory allocations are retricted in the global_heap_buf array */
static char global_heap_buf[512 * 1024];

static int init_runtime(void) /* glue */
{
RuntimeInitArgs init_args;
memset(&init_args, 0, sizeof(RuntimeInitArgs));

/* configure the memory allocator for the runtime */
init_args.mem_alloc_type = Alloc_With_Pool;
init_args.mem_alloc_option.pool.heap_buf = global_heap_buf;
init_args.mem_alloc_option.pool.heap_size = sizeof(global_heap_buf);

/* configure the native functions being exported to WASM app */
init_args.native_module_name = "env";
init_args.n_native_symbols = sizeof(native_symbols) / sizeof(NativeSymbol);
init_args.native_symbols = native_symbols;

/* set maximum thread number if needed when multi-thread is enabled,
   the default value is 4 */
init_args.max_thread_num = max_thread_num;

/* initialize runtime environment with user configurations*/
if (!wasm_runtime_full_init(&init_args)) {
    return -1;
}
    return 0; /* glue */
}

static int run_guide(void) /* glue */
{
  /* ---- guide: "The runtime initialization" ---- */
  char *buffer, error_buf[128];
  wasm_module_t module;
  wasm_module_inst_t module_inst;
  wasm_function_inst_t func;
  wasm_exec_env_t exec_env;
  uint32 size, stack_size = 8092, heap_size = 8092;

  /* initialize the wasm runtime by default configurations */
  wasm_runtime_init();

  /* read WASM file into a memory buffer */
  buffer = bh_read_file_to_buffer(wasm_path, &size);

  /* add line below if we want to export native functions to WASM app */
  wasm_runtime_register_natives("env", native_symbols, sizeof(native_symbols) / sizeof(NativeSymbol));

  /* parse the WASM file from buffer and create a WASM module */
  module = wasm_runtime_load(buffer, size, error_buf, sizeof(error_buf));

  /* create an instance of the WASM module (WASM linear memory is ready) */
  module_inst = wasm_runtime_instantiate(module, stack_size, heap_size,
                                         error_buf, sizeof(error_buf));

  if (!module_inst) { /* glue */
      printf("%s\n", error_buf);
      return 1;
  }

  /* ---- guide: "Native calls WASM functions and passes parameters" ---- */

  /* lookup a WASM function by its name
     The function signature can NULL here */
  func = wasm_runtime_lookup_function(module_inst, "fib", NULL);

  /* creat an execution environment to execute the WASM functions */
  exec_env = wasm_runtime_create_exec_env(module_inst, stack_size);

  {
  uint32 argv[2];

  /* arguments are always transferred in 32-bit element */
  argv[0] = 8;

  /* call the WASM function */
  if (wasm_runtime_call_wasm(exec_env, func, 1, argv) ) {
      /* the return value is stored in argv[0] */
      printf("fib function return: %d\n", argv[0]);
  }
  else {
      /* exception is thrown if call fails */
      printf("%s\n", wasm_runtime_get_exception(module_inst));
  }
  }

  func = wasm_runtime_lookup_function(module_inst, "mixed", NULL); /* glue */
  {
  uint32 argv[6];
  char arg1 = 'a';
  int arg2 = 10;
  double arg3 = 1.0;
  int64 arg4 = 100;
  double ret;

  argv[0] = arg1;
  argv[1] = arg2;

  /**
   * use memory copy for 8-byte parameters rather than
   * *(double*)(&argv[2]) = arg3 here because some archs
   * like ARM, MIPS require the address must be 8-byte aligned.
   * Or use the aligned malloc or compiler align attribute
   * to ensure the array address is 8-byte aligned
   */
  memcpy(&argv[2], &arg3, sizeof(arg3));
  memcpy(&argv[4], &arg4, sizeof(arg4));

  /* attention: the arg number is 6 here since both
                arg3 and arg4 each takes 2 elements */
  wasm_runtime_call_wasm(exec_env, func, 6, argv);

  /* if the return value is type of 8 bytes, it takes
     the first two array elements */
  memcpy(&ret, &argv[0], sizeof(ret));
  printf("mixed function return: %.1f\n", ret); /* glue */
  }

  func = wasm_runtime_lookup_function(module_inst, "fib", NULL); /* glue */
  {
  uint32 num_args = 1, num_results = 1;
  wasm_val_t args[1], results[1];

  /* set the argument type and value */
  args[0].kind = WASM_I32;
  args[0].of.i32 = 8;

  /* call the WASM function */
  if (wasm_runtime_call_wasm_a(exec_env, func, num_results, results, num_args, args)) {
      /* the return value is stored in results */
      printf("fib function return: %d\n", results[0].of.i32);
  }
  else {
      /* exception is thrown if call fails */
      printf("%s\n", wasm_runtime_get_exception(module_inst));
  }
  }

  {
  uint32 num_args = 1, num_results = 1;
  wasm_val_t results[1];

  /* call the WASM function */
  if (wasm_runtime_call_wasm_v(exec_env, func, 1, results, 1, 8)) {
      /* the return value is stored in results */
      printf("fib function return: %d\n", results[0].of.i32);
  }
  else {
      /* exception is thrown if call fails */
      printf("%s\n", wasm_runtime_get_exception(module_inst));
  }
  }

  /* ---- guide: "Pass buffer to WASM function" ---- */
  func = wasm_runtime_lookup_function(module_inst, "process", NULL); /* glue */
  {
char * buffer = NULL;
uint32_t buffer_for_wasm;

buffer_for_wasm = wasm_runtime_module_malloc(module_inst, 100, &buffer);
if (buffer_for_wasm != 0) {
    uint32 argv[2];
    strncpy(buffer, "hello", 100); /* use native address for accessing in runtime */
    argv[0] = buffer_for_wasm;     /* pass the buffer address for WASM space */
    argv[1] = 100;                 /* the size of buffer */
    wasm_runtime_call_wasm(exec_env, func, 2, argv);

    /* it is runtime embedder's responsibility to release the memory,
       unless the WASM app will free the passed pointer in its code */
    wasm_runtime_module_free(module_inst, buffer_for_wasm);
}
  }
  { /* glue: what process() saw */
      wasm_val_t results[1];
      func = wasm_runtime_lookup_function(module_inst, "processed", NULL);
      if (wasm_runtime_call_wasm_a(exec_env, func, 1, results, 0, NULL))
          printf("process function processed: %d\n", results[0].of.i32);
  }

  /* ---- guide: "The deinitialization procedure" ---- */
  wasm_runtime_destroy_exec_env(exec_env);
  wasm_runtime_deinstantiate(module_inst);
  wasm_runtime_unload(module);
  wasm_runtime_destroy();

  wasm_runtime_free(buffer); /* glue: the file buffer, back to the still-live pool */
  return 0;
}

int main(int argc, char *argv[])
{
    int ret;

    if (argc != 2) {
        fprintf(stderr, "usage: seed_guide FILE.wasm\n");
        return 2;
    }
    wasm_path = argv[1];
    /* The full_init sample first (a pool and the natives); the
     * initialization sample's wasm_runtime_init() then only counts, and its
     * deinit's wasm_runtime_destroy() only uncounts: the last destroy is here. */
    if (init_runtime() != 0) {
        printf("init failed\n");
        return 1;
    }
    ret = run_guide();
    wasm_runtime_destroy();
    printf("%s\n", ret == 0 ? "guide done" : "guide failed");
    return ret;
}
