/* libc-builtin sysroot (wasm32, -nostdlib): strings.h. Only what the
 * runtime's libc-builtin provides. */
#ifndef _LB_STRINGS_H
#define _LB_STRINGS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ASCII case folding ("C" locale). */
int strncasecmp(const char *s1, const char *s2, size_t n);

#ifdef __cplusplus
}
#endif

#endif
