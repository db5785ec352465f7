/* The durable app store: every installed app (its install payload as
 * received, package or wasm, and its install parameters) kept as one file
 * in a directory, written atomically, and reinstalled in install order when
 * the device starts. st_attach joins it to an app manager (its persistence
 * hooks, app_manager.h); the st_ functions below it are the store itself.
 *
 * Directory layout (DIR = --store):
 *   DIR/app-<name>      an installed app (format below)
 *   DIR/tmp-<name>      an entry being written; one left over from a crash
 *                       is deleted at the next start
 *   DIR/rejected/       entries that could not be read or reinstalled,
 *                       moved here as rejected/<file>.<n>, n = 1, 2, ...
 *                       (never overwritten, never read again: for a
 *                       person to inspect)
 * Anything else in DIR is left alone.
 *
 * Entry format (all integers big-endian):
 *   off  size  field
 *   0    4     magic "WAST"
 *   4    1     format version = 1
 *   5    1     N = name length, 1..126
 *   6    2     reserved, 0
 *   8    8     seq: install order, increasing (an upgrade takes a new one)
 *   16   4     heap size as installed (0 = the default)
 *   20   4     max timers as installed (0 = the default)
 *   24   4     watchdog ms as installed (0 = the default)
 *   28   4     P = payload length, >= 1
 *   32   N     name
 *   32+N P     payload: the install payload as received
 *   ...  4     CRC-32 (IEEE) of every byte before it
 * Permissions (may_manage_apps) are not stored: they are the device's
 * policy at restore time, not a property of the install.
 *
 * A write: tmp-<name> is written and fsync'ed, renamed over app-<name>,
 * and the directory is fsync'ed. A crash before the rename leaves the old
 * entry (or none); after it, the new one. An upgrade thus replaces its
 * entry in one step.
 *
 * Test-only: the environment variable WR_STORE_CRASH_AT=temp-written,
 * fsynced or renamed makes the first write after st_open raise SIGKILL at
 * that point (fault injection for the crash tests; never set it on a
 * device). */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "app_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct st_store st_store_t;

/* One entry as read back. payload is malloc'ed (st_entries_free). */
typedef struct st_entry {
    char name[127];
    uint64_t seq;
    uint32_t heap_size, max_timers, watchdog_ms;
    uint8_t *payload;
    uint32_t payload_size;
} st_entry_t;

/* Opens the store in dir, creating dir (mode 0700) if it does not exist.
 * Leftover temporary files are deleted. log may be NULL (stderr). NULL with
 * the reason in err if dir cannot be created or opened. */
st_store_t *st_open(const char *dir, am_log_fn log, void *log_user, char *err,
                    uint32_t err_size);
void st_close(st_store_t *st);

/* Every readable entry in install order (seq ascending), in *out_entries
 * (free with st_entries_free). An unreadable one (bad magic, lengths, CRC,
 * or a name that is not its file's) is logged and moved to rejected/. */
bool st_load(st_store_t *st, st_entry_t **out_entries, uint32_t *out_n);
void st_entries_free(st_entry_t *entries, uint32_t n);

/* Writes the entry for params->name atomically (see above); it replaces
 * any entry of that name. False with the reason in err; then the store
 * holds what it held before. */
bool st_save(st_store_t *st, const am_app_params_t *params, const uint8_t *payload,
             uint32_t size, char *err, uint32_t err_size);
/* Removes the entry of name (none is success). */
bool st_drop(st_store_t *st, const char *name, char *err, uint32_t err_size);
/* Moves the entry of name aside into rejected/ (logged with why). */
void st_reject(st_store_t *st, const char *name, const char *why);

/* The device's one call: opens the store in dir, reinstalls every entry
 * through am_install (so through the verifier too) in install order, moves
 * aside (and logs) each that fails, and from then on saves every install
 * and drops every uninstall of am. The store belongs to am from then on
 * (closed in am_shutdown). dir NULL: no store, true. False with err only if
 * dir cannot be opened; a failed restore never fails the start. */
bool st_attach(am_t *am, const char *dir, am_log_fn log, void *log_user, char *err,
               uint32_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* STORE_H */
