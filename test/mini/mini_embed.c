/* mini-embed: the smallest embedder of the runtime, as the WAMR guide
 * writes one: a static pool, libc-builtin, load, instantiate, run main.
 * make bench prints the text size of the MINI build of it; ctest runs it.
 *   mini-embed [--spawn] FILE.wasm
 * --spawn also tries wasm_runtime_spawn_exec_env and prints whether the
 * runtime has a thread manager ("spawn: ok" / "spawn: not built in").
 * Exit status 0 when main ran, 1 otherwise. */
#include <stdio.h>
#include <string.h>

#include "bh_read_file.h"
#include "wasm_export.h"

static char heap_buf[256 * 1024];

static void try_spawn(wasm_exec_env_t exec_env)
{
    wasm_exec_env_t spawned = wasm_runtime_spawn_exec_env(exec_env);
    printf("spawn: %s\n", spawned ? "ok" : "not built in");
    wasm_runtime_destroy_spawned_exec_env(spawned);
}

static int run(const char *path, int spawn)
{
    char error[128];
    uint32_t size = 0;
    int status = 1;
    char *buf = bh_read_file_to_buffer(path, &size);
    wasm_module_t module = NULL;
    wasm_module_inst_t inst = NULL;

    if (!buf) {
        printf("cannot read %s\n", path);
        return 1;
    }
    module = wasm_runtime_load((uint8_t *)buf, size, error, sizeof error);
    if (module)
        inst = wasm_runtime_instantiate(module, 8 * 1024, 8 * 1024, error, sizeof error);
    if (!inst) {
        printf("%s\n", error);
    } else if (!wasm_application_execute_main(inst, 0, NULL)) {
        printf("%s\n", wasm_runtime_get_exception(inst));
    } else {
        if (spawn)
            try_spawn(wasm_runtime_get_exec_env_singleton(inst));
        status = 0;
    }
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (module)
        wasm_runtime_unload(module);
    wasm_runtime_free(buf);
    return status;
}

int main(int argc, char **argv)
{
    RuntimeInitArgs init_args;
    int spawn = argc == 3 && strcmp(argv[1], "--spawn") == 0;

    if (argc != 2 + spawn) {
        fprintf(stderr, "usage: mini-embed [--spawn] FILE.wasm\n");
        return 2;
    }
    memset(&init_args, 0, sizeof init_args);
    init_args.mem_alloc_type = Alloc_With_Pool;
    init_args.mem_alloc_option.pool.heap_buf = heap_buf;
    init_args.mem_alloc_option.pool.heap_size = sizeof heap_buf;
    if (!wasm_runtime_full_init(&init_args)) {
        printf("runtime init failed\n");
        return 1;
    }
    int status = run(argv[1 + spawn], spawn);
    wasm_runtime_destroy();
    return status;
}
