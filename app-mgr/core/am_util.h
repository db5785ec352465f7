/* Helpers of the app manager that the device modules built on it
 * (transport, store) share, so that each keeps no copy of its own: filling
 * a caller's error buffer and writing a log line. Defined in am.c. */
#ifndef AM_UTIL_H
#define AM_UTIL_H

#include <stdarg.h>
#include <stdint.h>

#include "app_manager.h"

/* printf into err; does nothing when err is NULL or err_size is 0, so that
 * every caller may pass the detail buffer it was given as is. */
void am_set_err(char *err, uint32_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One log line (truncated to 511 bytes) to log(user, level, line), or, when
 * log is NULL, to stderr as "[tag] error|warning|info: line". */
void am_vlog_to(am_log_fn log, void *user, const char *tag, int level, const char *fmt,
                va_list ap) __attribute__((format(printf, 5, 0)));

#endif /* AM_UTIL_H */
