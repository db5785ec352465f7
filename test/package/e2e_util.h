/* Helpers shared by the end-to-end tests of signed packages (test/package)
 * and of the app store (test/store), on top of test/link/harness.h: what
 * host_tool printed, the apps a device lists, files, and runs of other
 * programs (app-sign). */
#ifndef E2E_UTIL_H
#define E2E_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "harness.h"

#define E2E_MAX_APPS 32

/* The JSON after "\nresponse status N\n" in host_tool's output, or NULL. */
cJSON *e2e_json(const tool_result_t *r);
/* Whether the reply's "error message" contains want (printed if not). */
bool e2e_error_has(const tool_result_t *r, const char *want);
/* Whether the reply's JSON has key with string value want. */
bool e2e_json_string_is(const tool_result_t *r, const char *key, const char *want);

/* How many apps the device lists (-q), and in list their "name:heap",
 * newest first, joined by spaces (e.g. "b:8192 a:8192"); -1 if the query
 * failed. */
int e2e_apps(const device_t *d, char *list, size_t list_size);

/* dir/name.ext in a rotating static buffer. */
char *e2e_path(const char *dir, const char *name, const char *ext);
bool e2e_write_file(const char *path, const void *data, size_t size);
/* The whole file (malloc'ed), or NULL. */
uint8_t *e2e_read_file(const char *path, size_t *out_size);
/* Files in dir whose name starts with prefix. */
int e2e_count_files(const char *dir, const char *prefix);

/* Runs argv (NULL-terminated) to its end: whether it exited with want_code
 * and (unless want_text is NULL) printed want_text on stdout or stderr.
 * Both are echoed when not. */
bool e2e_run(char *const argv[], int want_code, const char *want_text);

#endif
