/* libc-builtin sysroot (wasm32, -nostdlib): stdio.h. Only what the
 * runtime's libc-builtin provides: formatted output to stdout or a buffer,
 * puts and putchar. There are no FILE streams and no input. */
#ifndef _LB_STDIO_H
#define _LB_STDIO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EOF (-1)

/* Conversions: d i u o x X c s p e E f F g G a A %, flags "-+ #0", width
 * and precision (also '*'), lengths hh h l ll j z t L. %n is not supported. */
int printf(const char *__restrict fmt, ...) __attribute__((__format__(__printf__, 1, 2)));
int sprintf(char *__restrict str, const char *__restrict fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));
int snprintf(char *__restrict str, size_t size, const char *__restrict fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));
int vprintf(const char *__restrict fmt, __builtin_va_list ap)
    __attribute__((__format__(__printf__, 1, 0)));
int vsprintf(char *__restrict str, const char *__restrict fmt, __builtin_va_list ap)
    __attribute__((__format__(__printf__, 2, 0)));
int vsnprintf(char *__restrict str, size_t size, const char *__restrict fmt,
              __builtin_va_list ap) __attribute__((__format__(__printf__, 3, 0)));
int puts(const char *s);
int putchar(int c);

#ifdef __cplusplus
}
#endif

#endif
