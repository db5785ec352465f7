/* libc-builtin sysroot (wasm32, -nostdlib): stdlib.h. Only what the
 * runtime's libc-builtin provides: the app heap, number parsing, exit and
 * abort (each ends the call with an exception: "env.exit(N)",
 * "env.abort(N)"). */
#ifndef _LB_STDLIB_H
#define _LB_STDLIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

int atoi(const char *s);
/* long is 32 bits: out-of-range values clamp to LONG_MIN / LONG_MAX
 * (ULONG_MAX for strtoul); there is no errno. */
long strtol(const char *__restrict s, char **__restrict end, int base);
unsigned long strtoul(const char *__restrict s, char **__restrict end, int base);

__attribute__((__noreturn__)) void exit(int status);

/* The runtime's abort takes a code (as WAMR's); abort() passes 0. */
__attribute__((__noreturn__, __import_module__("env"), __import_name__("abort"))) void
__lb_abort(int code);
static inline __attribute__((__noreturn__)) void abort(void)
{
    __lb_abort(0);
}

#ifdef __cplusplus
}
#endif

#endif
