/* The public WASI functions of wasm_export.h (WAMR's names): configuring a
 * module's args, environment, preopened directories and address pool before
 * it is instantiated, and asking an instance about its WASI state. Also the
 * hooks wasm_runtime.c calls to give each instance its ctx (wasi.h). */
#define _FILE_OFFSET_BITS 64 /* the same struct stat as the other WASI files */
#include <string.h>

#include "../common/api.h"
#include "../mem/mem.h"
#include "wasi.h"
#include "wasi_ctx.h"

/* ====================================================================== */
/* Configuration                                                           */
/* ====================================================================== */

/* Copies n strings into one block (pointers first, then the bytes), so
 * the embedder's arrays need not outlive the call. */
static bool wasi_list_copy(WasiStrList *out, const char *const *items, uint32_t n)
{
    size_t size = (size_t)n * sizeof(char *);
    char *p;

    mem_free(out->items);
    out->items = NULL;
    out->count = 0;
    if (n == 0 || !items)
        return true;
    for (uint32_t i = 0; i < n; i++)
        size += items[i] ? strlen(items[i]) + 1 : 1;
    if (!(out->items = mem_alloc(size)))
        return false;
    p = (char *)(out->items + n);
    for (uint32_t i = 0; i < n; i++) {
        const char *s = items[i] ? items[i] : "";
        size_t len = strlen(s) + 1;
        memcpy(p, s, len);
        out->items[i] = p;
        p += len;
    }
    out->count = n;
    return true;
}

/* The module's config, made on first use. */
static WasiConfig *wasi_config_of(wasm_module_t module)
{
    if (!module->wasi && (module->wasi = mem_calloc(1, sizeof(WasiConfig)))) {
        for (int i = 0; i < 3; i++)
            module->wasi->stdio[i] = -1;
    }
    return module->wasi;
}

void wasi_config_free(WasiConfig *cfg)
{
    if (!cfg)
        return;
    mem_free(cfg->dirs.items);
    mem_free(cfg->map_dirs.items);
    mem_free(cfg->env.items);
    mem_free(cfg->argv.items);
    mem_free(cfg->addr_pool.items);
    mem_free(cfg);
}

void wasm_runtime_set_wasi_args_ex(wasm_module_t module, const char *dir_list[],
                                   uint32_t dir_count, const char *map_dir_list[],
                                   uint32_t map_dir_count, const char *env[], uint32_t env_count,
                                   char *argv[], int argc, int64_t stdinfd, int64_t stdoutfd,
                                   int64_t stderrfd)
{
    WasiConfig *cfg;
    bool ok;

    if (!module)
        return;
    if (!(cfg = wasi_config_of(module)))
        return; /* instantiation reports the lost configuration */
    ok = wasi_list_copy(&cfg->dirs, dir_list, dir_count);
    ok = wasi_list_copy(&cfg->map_dirs, map_dir_list, map_dir_count) && ok;
    ok = wasi_list_copy(&cfg->env, env, env_count) && ok;
    ok = wasi_list_copy(&cfg->argv, (const char *const *)argv, argc > 0 ? (uint32_t)argc : 0) &&
         ok;
    cfg->stdio[0] = stdinfd;
    cfg->stdio[1] = stdoutfd;
    cfg->stdio[2] = stderrfd;
    cfg->out_of_memory = cfg->out_of_memory || !ok;
}

void wasm_runtime_set_wasi_args(wasm_module_t module, const char *dir_list[],
                                uint32_t dir_count, const char *map_dir_list[],
                                uint32_t map_dir_count, const char *env[], uint32_t env_count,
                                char *argv[], int argc)
{
    wasm_runtime_set_wasi_args_ex(module, dir_list, dir_count, map_dir_list, map_dir_count, env,
                                  env_count, argv, argc, -1, -1, -1);
}

void wasm_runtime_set_wasi_addr_pool(wasm_module_t module, const char *addr_pool[],
                                     uint32_t addr_pool_size)
{
    WasiConfig *cfg;

    if (!module || !(cfg = wasi_config_of(module)))
        return;
    if (!wasi_list_copy(&cfg->addr_pool, addr_pool, addr_pool_size))
        cfg->out_of_memory = true;
}

/* ====================================================================== */
/* Instances                                                               */
/* ====================================================================== */

static bool wasi_module_is_wasi(const WasmModule *m)
{
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const char *name = m->imports[i].module_name;
        if (strcmp(name, "wasi_snapshot_preview1") == 0 || strcmp(name, "wasi_unstable") == 0)
            return true;
    }
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const Export *e = &m->exports[i];
        if (e->kind == EXT_FUNC && e->name_len == 6 && memcmp(e->name, "_start", 6) == 0)
            return true;
    }
    return false;
}

bool wasi_instance_init(WasmInstance *inst, const WasiConfig *cfg, char *err, uint32_t err_size)
{
    if (!wasi_module_is_wasi(inst->module))
        return true;
    inst->wasi = wasi_ctx_create(cfg, err, err_size);
    return inst->wasi != NULL;
}

void wasi_instance_deinit(WasmInstance *inst)
{
    wasi_ctx_destroy(inst->wasi);
    inst->wasi = NULL;
}

bool wasm_runtime_is_wasi_mode(wasm_module_inst_t module_inst)
{
    return module_inst && module_inst->wasi;
}

uint32_t wasm_runtime_get_wasi_exit_code(wasm_module_inst_t module_inst)
{
    return module_inst && module_inst->wasi ? module_inst->wasi->exit_code : 0;
}

wasm_function_inst_t wasm_runtime_lookup_wasi_start_function(wasm_module_inst_t module_inst)
{
    if (!wasm_runtime_is_wasi_mode(module_inst))
        return NULL;
    return wasm_runtime_lookup_function(module_inst, "_start", NULL);
}
