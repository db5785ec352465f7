/* What WAMR app source expects to get from wasm_app.h besides the app API:
 * the short integer typedefs (uint32, ...), the byte-order helpers and the
 * libc-builtin headers (apps call printf, memcpy or malloc after including
 * only wasm_app.h). This is WAMR's app-side bh_platform.h, kept for source
 * compatibility; new code may include the standard headers directly. */
#ifndef WASM_APP_BH_PLATFORM_H
#define WASM_APP_BH_PLATFORM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t uint8;
typedef int8_t int8;
typedef uint16_t uint16;
typedef int16_t int16;
typedef uint32_t uint32;
typedef int32_t int32;
typedef uint64_t uint64;
typedef int64_t int64;
typedef float float32;
typedef double float64;

/* WAMR's names for the allocator of code shared between app and device. */
#ifndef WA_MALLOC
#define WA_MALLOC malloc
#endif
#ifndef WA_FREE
#define WA_FREE free
#endif

/* Host <-> network (big-endian) byte order; wasm32 is little-endian. */
uint32 htonl(uint32 value);
uint32 ntohl(uint32 value);
uint16 htons(uint16 value);
uint16 ntohs(uint16 value);

#ifdef __cplusplus
}
#endif

#endif /* WASM_APP_BH_PLATFORM_H */
