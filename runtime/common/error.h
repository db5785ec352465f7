/* Error text into a caller's buffer: the runtime-wide convention is that a
 * failing function returns false/NULL and writes a message into an optional
 * (NULL allowed) buffer, always NUL-terminated and truncated to fit. */
#ifndef WR_ERROR_H
#define WR_ERROR_H

#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define WR_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define WR_PRINTF(fmt_idx, arg_idx)
#endif

void rt_set_error(char *buf, uint32_t size, const char *fmt, ...) WR_PRINTF(3, 4);

#endif
