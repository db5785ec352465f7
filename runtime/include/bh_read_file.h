/* Compatibility with WAMR's file helper: reads a whole file into a buffer
 * from wasm_runtime_malloc (free it with wasm_runtime_free). */
#ifndef _BH_FILE_H
#define _BH_FILE_H

#include "bh_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NULL (and a message on stderr) when the file cannot be read. */
char *bh_read_file_to_buffer(const char *filename, uint32 *ret_size);

#ifdef __cplusplus
}
#endif

#endif
