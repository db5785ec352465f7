/* Small helpers host_tool's files share (ht_util.c). Built into
 * host_tool_json, which every host_tool file links, so that none keeps a
 * copy of its own. */
#ifndef HT_UTIL_H
#define HT_UTIL_H

#include <stddef.h>

/* printf into err; does nothing when err is NULL or err_size is 0, so that
 * callers may pass the detail buffer they were given as is. */
void ht_set_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* HT_UTIL_H */
