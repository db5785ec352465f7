/* Runtime log messages, filtered by level (wasm_runtime_set_log_level). */
#ifndef WR_LOG_H
#define WR_LOG_H

#include "error.h"

enum { LOG_FATAL = 0, LOG_ERROR = 1, LOG_WARNING = 2, LOG_DEBUG = 3, LOG_VERBOSE = 4 };

void rt_log_set_level(int level);
void rt_log(int level, const char *fmt, ...) WR_PRINTF(2, 3);

#endif
