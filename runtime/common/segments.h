/* Bulk operations on an instance's element and data segments: table.init,
 * memory.init and the drops. Instantiation applies active segments through
 * the same functions the interpreter uses, so both follow one set of bounds
 * rules (implemented in instance.c). */
#ifndef WR_SEGMENTS_H
#define WR_SEGMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "instance.h"

/* table.init: copy items [src, src+n) of element segment elem_index into
 * table table_index at dst, evaluating each item against inst (ref.func ->
 * inst->funcs[i], global.get -> the global's ref, ref.null -> NULL). A
 * dropped segment has length 0. Returns false, having written nothing, when
 * src+n exceeds the segment or dst+n the table: the caller traps with
 * "out of bounds table access". */
bool rt_table_init(WasmInstance *inst, uint32_t table_index, uint32_t elem_index, uint32_t dst,
                   uint32_t src, uint32_t n);

/* memory.init on memory 0, with the same rules: false (nothing written)
 * means "out of bounds memory access". */
bool rt_memory_init(WasmInstance *inst, uint32_t data_index, uint32_t dst, uint32_t src,
                    uint32_t n);

/* elem.drop / data.drop: the segment's length becomes 0. */
void rt_elem_drop(WasmInstance *inst, uint32_t elem_index);
void rt_data_drop(WasmInstance *inst, uint32_t data_index);

#endif
