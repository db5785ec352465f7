/* The sandbox: resolving a guest path beneath a directory descriptor. The
 * guest reaches only what lies below the directory it names, so the path is
 * walked here one component at a time with openat(O_NOFOLLOW), counting the
 * depth below that directory: ".." never climbs above it, absolute paths are
 * refused, and symlinks met on the way are read and expanded by this walk
 * (never by the kernel), under the same rules. What is left is one final
 * name inside one host directory fd, which the caller uses with the *at()
 * calls in their no-follow form. */
#ifndef WR_WASI_PATH_H
#define WR_WASI_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "wasi_ctx.h"

/* Longest guest path and symlink target accepted (ENAMETOOLONG beyond). */
#define WASI_PATH_MAX 4096
/* Symlinks expanded in one resolution before it fails with ELOOP. */
#define WASI_SYMLINK_MAX 32

typedef struct WasiPath {
    int dirfd; /* host directory holding the final component */
    char *name; /* the final component: never empty, never holds '/' */
    bool must_be_dir; /* the path ended in '/' */
    uint32_t depth; /* levels of dirfd below the starting directory */
    /* private: the directories opened on the way, closed by wasi_path_done */
    int *stack;
    uint32_t n_stack;
} WasiPath;

/* Resolves path (len bytes of guest memory, not NUL-terminated) beneath the
 * host directory root_fd. follow: whether a symlink as the final component
 * is expanded too (lookupflags.SYMLINK_FOLLOW, or a trailing '/'); the
 * components before it always are. Errors: ENOTCAPABLE for an absolute path
 * or any step (a "..", a symlink target) that would leave root_fd; EILSEQ
 * for an embedded NUL; ENOENT for an empty path; ELOOP after
 * WASI_SYMLINK_MAX symlinks; ENAMETOOLONG; the host's errno for a component
 * that cannot be opened. On success, release out with wasi_path_done. */
uint16_t wasi_path_resolve(int root_fd, const char *path, uint32_t len, bool follow,
                           WasiPath *out);
void wasi_path_done(WasiPath *p);

/* ENOTDIR when the path ended in '/' but names something that is not a
 * directory (for operations on an existing object). */
uint16_t wasi_path_check_dir(const WasiPath *p);

/* Whether a symlink holding target, created in a directory depth levels
 * below the starting one, stays inside it when read lexically. path_symlink
 * refuses the others up front; resolution would refuse them anyway. */
bool wasi_symlink_target_ok(const char *target, uint32_t depth);

#endif
