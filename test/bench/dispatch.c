/* wasm-dispatch: runs one export of a module (no imports, no arguments) and
 * prints how many internal instructions the interpreter dispatched. Built
 * with -DWR_DISPATCH_COUNT=ON it measures dispatches per wasm instruction
 * (compare with a wasm-level instruction trace of the same call). */
#include <stdio.h>
#include <stdlib.h>

#include "common/instance.h"
#include "interp/interp.h"
#include "loader/module.h"

static bool no_imports(void *user, const char *module_name, const char *field_name, RtExtern *out)
{
    (void)user, (void)module_name, (void)field_name, (void)out;
    return false;
}

int main(int argc, char **argv)
{
    char err[256];
    RtExtern ext;
    Slot slots[16] = {{0}};

    if (argc != 3 || !WR_DISPATCH_COUNT) {
        fprintf(stderr, "usage: wasm-dispatch FILE.wasm EXPORT (build with WR_DISPATCH_COUNT=ON)\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        return 1;
    fclose(f);
    WasmModule *m = ld_load(buf, (uint32_t)size, err, sizeof err);
    WasmInstance *inst = m ? rt_instantiate(m, no_imports, NULL, err, sizeof err) : NULL;
    if (!inst || !rt_instance_find_export(inst, argv[2], &ext) || ext.kind != EXT_FUNC ||
        ext.u.func->type->n_params > 16) {
        fprintf(stderr, "cannot run %s: %s\n", argv[2], inst ? "no such export" : err);
        return 1;
    }
    uint64_t before = interp_dispatch_count();
    bool ok = rt_invoke(inst, ext.u.func, slots);
    printf("%s: %s, %llu dispatches\n", argv[2], ok ? "returned" : rt_get_exception(inst),
           (unsigned long long)(interp_dispatch_count() - before));
    rt_instance_release(inst);
    ld_unload(m);
    free(buf);
    return ok ? 0 : 1;
}
