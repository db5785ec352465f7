/* See error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void rt_set_error(char *buf, uint32_t size, const char *fmt, ...)
{
    va_list ap;

    if (!buf || size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}
