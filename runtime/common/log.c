/* See log.h. Messages go to stderr; the default level shows warnings. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int log_level = LOG_WARNING;

void rt_log_set_level(int level)
{
    atomic_store(&log_level, level);
}

void rt_log(int level, const char *fmt, ...)
{
    static const char *const names[] = {"fatal", "error", "warning", "debug", "verbose"};
    va_list ap;

    if (level > atomic_load(&log_level) || level < 0 || level > LOG_VERBOSE)
        return;
    fprintf(stderr, "[wasm %s] ", names[level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
