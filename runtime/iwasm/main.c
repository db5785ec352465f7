/* iwasm: runs one wasm module from the command line.
 * This first version takes `iwasm [-f NAME] file.wasm [args...]`: it calls
 * export NAME (default: _start, then main) with the arguments parsed by the
 * parameter types, and prints the results. The full option set of the
 * embedding contract arrives with the embedding API. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/instance.h"
#include "interp/interp.h"
#include "loader/module.h"

#define IWASM_VERSION "0.1.0"

static uint8_t *read_file(const char *path, uint32_t *out_size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > (long)UINT32_MAX ||
        fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    buf = malloc(size ? (size_t)size : 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto fail;
    fclose(f);
    *out_size = (uint32_t)size;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

/* No host functions yet: every import is unknown. */
static bool no_imports(void *user, const char *module_name, const char *field_name, RtExtern *out)
{
    (void)user;
    (void)module_name;
    (void)field_name;
    (void)out;
    return false;
}

static bool parse_arg(const char *text, uint8_t type, Slot *out)
{
    char *end;
    errno = 0;
    switch (type) {
    case VT_I32:
        out->i32 = (int32_t)strtoll(text, &end, 0);
        break;
    case VT_I64:
        out->i64 = (int64_t)strtoll(text, &end, 0);
        break;
    case VT_F32:
        out->f32 = strtof(text, &end);
        break;
    case VT_F64:
        out->f64 = strtod(text, &end);
        break;
    default:
        return false;
    }
    return errno == 0 && *text && *end == '\0';
}

static void print_result(uint8_t type, Slot v)
{
    switch (type) {
    case VT_I32: printf("0x%" PRIx32 ":i32", v.u32); break;
    case VT_I64: printf("0x%" PRIx64 ":i64", v.u64); break;
    case VT_F32: printf("%.7g:f32", v.f32); break;
    case VT_F64: printf("%.7g:f64", v.f64); break;
    default: printf("%p:ref", v.ref); break;
    }
}

/* Calls the export with typed args; returns the process exit code. */
static int call_export(WasmInstance *inst, const char *name, int argc, char **argv)
{
    RtExtern ext;
    if (!rt_instance_find_export(inst, name, &ext) || ext.kind != EXT_FUNC) {
        fprintf(stderr, "Exception: lookup function %s failed\n", name);
        return 1;
    }
    const FuncType *ft = ext.u.func->type;
    if ((uint32_t)argc != ft->n_params) {
        fprintf(stderr, "Exception: invalid input argument count %d, %s takes %u\n", argc, name,
                ft->n_params);
        return 1;
    }
    uint32_t n_slots = ft->n_params > ft->n_results ? ft->n_params : ft->n_results;
    Slot *slots = calloc(n_slots ? n_slots : 1, sizeof(Slot));
    if (!slots)
        return 1;
    for (int i = 0; i < argc; i++) {
        if (!parse_arg(argv[i], ft_params(ft)[i], &slots[i])) {
            fprintf(stderr, "Exception: invalid input argument %d: %s\n", i, argv[i]);
            free(slots);
            return 1;
        }
    }
    int code = 0;
    if (!rt_invoke(inst, ext.u.func, slots)) {
        fprintf(stderr, "Exception: %s\n", rt_get_exception(inst));
        code = 1;
    } else if (ft->n_results) {
        for (uint32_t i = 0; i < ft->n_results; i++) {
            if (i)
                printf(",");
            print_result(ft_results(ft)[i], slots[i]);
        }
        printf("\n");
    }
    free(slots);
    return code;
}

static void usage(void)
{
    fprintf(stderr, "usage: iwasm [-f NAME] [--version] file.wasm [args...]\n");
}

int main(int argc, char **argv)
{
    const char *func_name = NULL;
    int i = 1;
    char err[256];

    for (; i < argc && argv[i][0] == '-'; i++) {
        if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--function")) && i + 1 < argc) {
            func_name = argv[++i];
        } else if (!strcmp(argv[i], "--version")) {
            printf("iwasm " IWASM_VERSION "\n");
            return 0;
        } else {
            usage();
            return 255;
        }
    }
    if (i >= argc) {
        usage();
        return 255;
    }
    uint32_t size;
    uint8_t *buf = read_file(argv[i], &size);
    if (!buf) {
        fprintf(stderr, "cannot read %s: %s\n", argv[i], strerror(errno));
        return 255;
    }
    WasmModule *m = ld_load(buf, size, err, sizeof err);
    if (!m) {
        fprintf(stderr, "WASM module load failed: %s\n", err);
        free(buf);
        return 255;
    }
    WasmInstance *inst = rt_instantiate(m, no_imports, NULL, err, sizeof err);
    if (!inst) {
        fprintf(stderr, "WASM module instantiate failed: %s\n", err);
        ld_unload(m);
        free(buf);
        return 255;
    }
    int code;
    if (func_name) {
        code = call_export(inst, func_name, argc - i - 1, argv + i + 1);
    } else {
        RtExtern ext;
        const char *entry = rt_instance_find_export(inst, "_start", &ext) ? "_start" : "main";
        code = call_export(inst, entry, 0, NULL);
    }
    if (WR_DISPATCH_COUNT)
        fprintf(stderr, "dispatches: %llu\n", (unsigned long long)interp_dispatch_count());
    rt_instance_release(inst);
    ld_unload(m);
    free(buf);
    return code;
}
