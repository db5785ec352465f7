/* The public WASI functions of a runtime built without WASI
 * (WAMR_BUILD_LIBC_WASI=0): embedders' code still links, configuring WASI
 * is reported as impossible, and no instance is ever in WASI mode. */
#include <stddef.h>

#include "../common/log.h"
#include "../include/wasm_export.h"

static void report_absent(void)
{
    rt_log(LOG_ERROR, "WASI is not built into this runtime (WAMR_BUILD_LIBC_WASI=0)");
}

void wasm_runtime_set_wasi_args(wasm_module_t module, const char *dir_list[], uint32_t dir_count,
                                const char *map_dir_list[], uint32_t map_dir_count,
                                const char *env[], uint32_t env_count, char *argv[], int argc)
{
    (void)module, (void)dir_list, (void)map_dir_list, (void)env, (void)argv, (void)argc;
    /* Program arguments alone are harmless without WASI (iwasm always passes
     * them); directories and environment would be silently lost. */
    if (dir_count || map_dir_count || env_count)
        report_absent();
}

void wasm_runtime_set_wasi_args_ex(wasm_module_t module, const char *dir_list[],
                                   uint32_t dir_count, const char *map_dir_list[],
                                   uint32_t map_dir_count, const char *env[], uint32_t env_count,
                                   char *argv[], int argc, int64_t stdinfd, int64_t stdoutfd,
                                   int64_t stderrfd)
{
    (void)stdinfd, (void)stdoutfd, (void)stderrfd;
    wasm_runtime_set_wasi_args(module, dir_list, dir_count, map_dir_list, map_dir_count, env,
                               env_count, argv, argc);
}

void wasm_runtime_set_wasi_addr_pool(wasm_module_t module, const char *addr_pool[],
                                     uint32_t addr_pool_size)
{
    (void)module, (void)addr_pool;
    if (addr_pool_size)
        report_absent();
}

bool wasm_runtime_is_wasi_mode(wasm_module_inst_t module_inst)
{
    (void)module_inst;
    return false;
}

wasm_function_inst_t wasm_runtime_lookup_wasi_start_function(wasm_module_inst_t module_inst)
{
    (void)module_inst;
    return NULL;
}

uint32_t wasm_runtime_get_wasi_exit_code(wasm_module_inst_t module_inst)
{
    (void)module_inst;
    return 0;
}
