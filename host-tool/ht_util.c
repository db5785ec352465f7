/* Small helpers host_tool's files share (see ht_util.h). */
#include "ht_util.h"

#include <stdarg.h>
#include <stdio.h>

void ht_set_err(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    if (!err || !err_size)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}
