/* libc-builtin sysroot (wasm32, -nostdlib): stdarg.h, over the compiler's
 * builtins. A wasm32 va_list is a pointer to the packed argument buffer,
 * which is also what the runtime's vprintf family receives. */
#ifndef _LB_STDARG_H
#define _LB_STDARG_H

typedef __builtin_va_list va_list;

#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)
#define va_copy(dst, src) __builtin_va_copy(dst, src)

#endif
