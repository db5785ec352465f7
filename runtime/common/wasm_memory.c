/* The embedding API, part 3: memory shared with the app. Buffers the host
 * hands to wasm come from the module's own exported malloc/free when it has
 * them, else from an app heap the runtime places in linear memory. The app
 * heap's bookkeeping lives outside linear memory (mem/app_heap.c), so wasm
 * code scribbling over its memory can never corrupt the allocator. */
#include <string.h>

#include "../mem/app_heap.h"
#include "api.h"
#include "log.h"

#define PAGE_SIZE 65536u

/* The module's exported allocator, if it has the expected shapes. */
static WasmFunc *find_export_func(WasmInstance *inst, const char *name, uint32_t n_params,
                                  uint32_t n_results)
{
    RtExtern ext;
    if (!rt_instance_find_export(inst, name, &ext) || ext.kind != EXT_FUNC)
        return NULL;
    const FuncType *t = ext.u.func->type;
    if (t->n_params != n_params || t->n_results != n_results)
        return NULL;
    for (uint32_t i = 0; i < t->n_params + t->n_results; i++)
        if (t->types[i] != VT_I32)
            return NULL;
    return ext.u.func;
}

/* The heap takes whole new pages after the initial memory. The maximum of
 * an unshared memory grows by the same amount, so the module keeps all the
 * room it asked for; a shared memory is reserved at its maximum once, so
 * its heap comes out of that room. Only the instance's own memory gets a
 * heap. */
static bool place_app_heap(WasmInstance *inst, uint32_t heap_size, char *err, uint32_t err_size)
{
    WasmMemory *mem = inst->memory;
    uint32_t pages = (uint32_t)(((uint64_t)heap_size + PAGE_SIZE - 1) / PAGE_SIZE);

    if (!mem || mem != &inst->own_memory) {
        rt_log(LOG_DEBUG, "no app heap: the module has no memory of its own");
        return true;
    }
    uint32_t limit = mem->shared ? mem->max_pages : 65536u;
    if ((uint64_t)mem->pages + pages > limit) {
        rt_set_error(err, err_size, "app heap of %u bytes does not fit in linear memory%s",
                     heap_size, mem->shared ? " below the shared memory's maximum" : "");
        return false;
    }
    uint32_t offset = mem->pages * PAGE_SIZE;
    uint64_t max = (uint64_t)mem->max_pages + pages;
    if (!mem->shared)
        mem->max_pages = max > 65536u ? 65536u : (uint32_t)max;
    if (rt_memory_grow(mem, pages) < 0 ||
        !(inst->app_heap = app_heap_create(offset, pages * PAGE_SIZE))) {
        rt_set_error(err, err_size, "allocate memory failed");
        return false;
    }
    return true;
}

bool api_setup_app_heap(WasmInstance *inst, uint32_t heap_size, char *err, uint32_t err_size)
{
    inst->export_malloc = find_export_func(inst, "malloc", 1, 1);
    inst->export_free = find_export_func(inst, "free", 1, 0);
    if (inst->export_malloc && inst->export_free)
        return true;
    inst->export_malloc = inst->export_free = NULL;
    if (heap_size == 0)
        return true;
    return place_app_heap(inst, heap_size, err, err_size);
}

void api_free_app_heap(WasmInstance *inst)
{
    if (inst->app_heap) {
        app_heap_destroy(inst->app_heap);
        inst->app_heap = NULL;
    }
}

/* Runs the module's malloc/free on the exec env the thread is already using
 * for this instance (a native calling back), else on its singleton. */
static bool call_export(WasmInstance *inst, WasmFunc *f, Slot *slot)
{
    WasmExecEnv *env = api_current_env();
    if (!env || env->module_inst != inst)
        env = wasm_runtime_get_exec_env_singleton(inst);
    return env && api_call(env, f, slot);
}

static bool in_memory(const WasmInstance *inst, uint64_t offset, uint64_t size)
{
    return inst->memory && offset + size <= inst->memory->size;
}

uint32_t wasm_runtime_module_malloc(wasm_module_inst_t module_inst, uint32_t size,
                                    void **p_native_addr)
{
    uint32_t offset = 0;

    if (p_native_addr)
        *p_native_addr = NULL;
    if (!module_inst)
        return 0;
    if (module_inst->export_malloc) {
        Slot slot = {.u32 = size};
        if (call_export(module_inst, module_inst->export_malloc, &slot))
            offset = slot.u32;
        /* The module's own allocator is untrusted: check what it returned. */
        if (offset && !in_memory(module_inst, offset, size))
            offset = 0;
    } else if (module_inst->app_heap) {
        offset = app_heap_alloc(module_inst->app_heap, size);
    }
    if (!offset) {
        rt_log(LOG_WARNING, "allocate %u bytes in app memory failed", size);
        return 0;
    }
    if (p_native_addr)
        *p_native_addr = module_inst->memory->data + offset;
    return offset;
}

void wasm_runtime_module_free(wasm_module_inst_t module_inst, uint32_t ptr)
{
    if (!module_inst || ptr == 0)
        return;
    if (module_inst->export_free) {
        Slot slot = {.u32 = ptr};
        call_export(module_inst, module_inst->export_free, &slot);
    } else if (module_inst->app_heap && !app_heap_free(module_inst->app_heap, ptr)) {
        rt_log(LOG_WARNING, "module_free of 0x%x, which is not an allocated block", ptr);
    }
}

uint32_t wasm_runtime_module_dup_data(wasm_module_inst_t module_inst, const char *src,
                                      uint32_t size)
{
    void *native = NULL;
    if (!src && size)
        return 0;
    uint32_t offset = wasm_runtime_module_malloc(module_inst, size, &native);
    if (offset && size)
        memcpy(native, src, size);
    return offset;
}

static bool out_of_bounds(WasmInstance *inst)
{
    rt_set_exception(inst, "out of bounds memory access");
    return false;
}

bool wasm_runtime_validate_app_addr(wasm_module_inst_t module_inst, uint32_t app_offset,
                                    uint32_t size)
{
    if (!module_inst)
        return false;
    return in_memory(module_inst, app_offset, size) || out_of_bounds(module_inst);
}

bool wasm_runtime_validate_app_str_addr(wasm_module_inst_t module_inst, uint32_t app_str_offset)
{
    if (!module_inst)
        return false;
    WasmMemory *mem = module_inst->memory;
    if (!mem || app_str_offset >= mem->size ||
        !memchr(mem->data + app_str_offset, 0, mem->size - app_str_offset))
        return out_of_bounds(module_inst);
    return true;
}

/* Compares as integers: the pointer may be anything the host passes. */
static bool native_in_memory(const WasmInstance *inst, const void *ptr, uint64_t size)
{
    if (!inst->memory || !inst->memory->data)
        return false;
    uintptr_t base = (uintptr_t)inst->memory->data, p = (uintptr_t)ptr;
    return p >= base && (uint64_t)(p - base) + size <= inst->memory->size;
}

bool wasm_runtime_validate_native_addr(wasm_module_inst_t module_inst, void *native_ptr,
                                       uint32_t size)
{
    if (!module_inst)
        return false;
    return native_in_memory(module_inst, native_ptr, size) || out_of_bounds(module_inst);
}

void *wasm_runtime_addr_app_to_native(wasm_module_inst_t module_inst, uint32_t app_offset)
{
    if (!module_inst || !module_inst->memory || app_offset >= module_inst->memory->size)
        return NULL;
    return module_inst->memory->data + app_offset;
}

uint32_t wasm_runtime_addr_native_to_app(wasm_module_inst_t module_inst, void *native_ptr)
{
    if (!module_inst || !native_in_memory(module_inst, native_ptr, 1))
        return 0;
    return (uint32_t)((uint8_t *)native_ptr - module_inst->memory->data);
}
