/* The `spectest` host module of the spec suite (see spectest_host.h): the
 * object set, and the lookup an import resolver calls for the module name
 * "spectest". */
#include "spectest_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct SpectestPrintDesc {
    const char *name;
    uint32_t n_params;
    uint8_t params[2];
};

static const struct SpectestPrintDesc print_funcs[SPECTEST_N_PRINT] = {
    { "print", 0, { 0 } },
    { "print_i32", 1, { VT_I32 } },
    { "print_i64", 1, { VT_I64 } },
    { "print_f32", 1, { VT_F32 } },
    { "print_f64", 1, { VT_F64 } },
    { "print_i32_f32", 2, { VT_I32, VT_F32 } },
    { "print_f64_f64", 2, { VT_F64, VT_F64 } },
};

/* The values the suite expects: 666 for the integers, 666.6 for the floats. */
static const struct {
    const char *name;
    uint8_t type;
} spectest_globals[SPECTEST_N_GLOBALS] = {
    { "global_i32", VT_I32 },
    { "global_i64", VT_I64 },
    { "global_f32", VT_F32 },
    { "global_f64", VT_F64 },
};

static void host_print(WasmExecEnv *env, uint64_t *args)
{
    const SpectestPrint *p = env->attachment;
    uint32_t i;
    Slot v;

    if (!p->verbose)
        return;
    printf("  %s(", p->desc->name);
    for (i = 0; i < p->desc->n_params; i++) {
        memcpy(&v, &args[i], sizeof v);
        if (i > 0)
            printf(", ");
        switch (p->desc->params[i]) {
        case VT_I32: printf("%" PRId32, v.i32); break;
        case VT_I64: printf("%" PRId64, v.i64); break;
        case VT_F32: printf("%g", (double)v.f32); break;
        default: printf("%g", v.f64); break;
        }
    }
    printf(")\n");
}

static Slot global_init_value(uint8_t type)
{
    Slot v;

    v.u64 = 0;
    switch (type) {
    case VT_I32: v.i32 = 666; break;
    case VT_I64: v.i64 = 666; break;
    case VT_F32: v.f32 = 666.6f; break;
    default: v.f64 = 666.6; break;
    }
    return v;
}

void spectest_host_fini(SpectestHost *h)
{
    size_t i;

    for (i = 0; i < SPECTEST_N_PRINT; i++) {
        rt_host_func_free(h->funcs[i]);
        rt_functype_free(h->types[i]);
    }
    for (i = 0; i < SPECTEST_N_GLOBALS; i++)
        rt_global_free(h->globals[i]);
    rt_table_free(h->table);
    rt_memory_free(h->memory);
    rt_memory_free(h->shared_memory);
    memset(h, 0, sizeof *h);
}

bool spectest_host_init(SpectestHost *h, bool verbose)
{
    size_t i;

    memset(h, 0, sizeof *h);
    for (i = 0; i < SPECTEST_N_PRINT; i++) {
        h->prints[i].desc = &print_funcs[i];
        h->prints[i].verbose = verbose;
        h->types[i] = rt_functype_new(print_funcs[i].params, print_funcs[i].n_params, NULL, 0);
        if (!h->types[i])
            goto fail;
        h->funcs[i] = rt_host_func_new(h->types[i], host_print, &h->prints[i]);
        if (!h->funcs[i])
            goto fail;
    }
    for (i = 0; i < SPECTEST_N_GLOBALS; i++) {
        uint8_t type = spectest_globals[i].type;
        h->globals[i] = rt_global_new(type, false, global_init_value(type));
        if (!h->globals[i])
            goto fail;
    }
    h->table = rt_table_new(VT_FUNCREF, 10, 20, true);
    h->memory = rt_memory_new(1, 2, true, false);
    h->shared_memory = rt_memory_new(1, 2, true, true);
    if (!h->table || !h->memory || !h->shared_memory)
        goto fail;
    return true;
fail:
    spectest_host_fini(h);
    return false;
}

bool spectest_host_lookup(const SpectestHost *h, const char *field, RtExtern *out)
{
    size_t i;

    for (i = 0; i < SPECTEST_N_PRINT; i++)
        if (strcmp(field, print_funcs[i].name) == 0) {
            out->kind = EXT_FUNC;
            out->u.func = h->funcs[i];
            return true;
        }
    for (i = 0; i < SPECTEST_N_GLOBALS; i++)
        if (strcmp(field, spectest_globals[i].name) == 0) {
            out->kind = EXT_GLOBAL;
            out->u.global = h->globals[i];
            return true;
        }
    if (strcmp(field, "table") == 0) {
        out->kind = EXT_TABLE;
        out->u.table = h->table;
    } else if (strcmp(field, "memory") == 0) {
        out->kind = EXT_MEMORY;
        out->u.memory = h->memory;
    } else if (strcmp(field, "shared_memory") == 0) {
        out->kind = EXT_MEMORY;
        out->u.memory = h->shared_memory;
    } else {
        return false;
    }
    return true;
}
