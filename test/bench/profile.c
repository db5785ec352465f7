/* wasm-profile: runs a WASI program (like iwasm) and prints the most
 * frequent internal operations and operation pairs, to find the fusions
 * worth making. Meaningful only in a build with WR_DISPATCH_COUNT=ON and
 * -DWR_COMPUTED_GOTO=0; the program's own output goes to /dev/null. */
#include <stdio.h>
#include <stdlib.h>

#include "bh_read_file.h"
#include "interp/interp.h"
#include "wasm_export.h"

int main(int argc, char **argv)
{
    char err[128];
    uint32 size;

    if (argc < 2) {
        fprintf(stderr, "usage: wasm-profile FILE.wasm [N]\n");
        return 2;
    }
    if (!wasm_runtime_init())
        return 1;
    char *buf = bh_read_file_to_buffer(argv[1], &size);
    wasm_module_t m = buf ? wasm_runtime_load((uint8_t *)buf, size, err, sizeof err) : NULL;
    if (!m) {
        fprintf(stderr, "%s\n", buf ? err : "cannot read the file");
        return 1;
    }
    char *app_argv[1] = {argv[1]};
    wasm_runtime_set_wasi_args(m, NULL, 0, NULL, 0, NULL, 0, app_argv, 1);
    wasm_module_inst_t inst = wasm_runtime_instantiate(m, 65536, 65536, err, sizeof err);
    if (!inst) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (!freopen("/dev/null", "w", stdout))
        return 1;
    wasm_application_execute_main(inst, 0, NULL);
    interp_profile_dump(stderr, argc > 2 ? (unsigned)atoi(argv[2]) : 25);
    wasm_runtime_deinstantiate(inst);
    wasm_runtime_unload(m);
    wasm_runtime_free(buf);
    wasm_runtime_destroy();
    return 0;
}
