/* Shared by the WASI test guests (built with clang --target=wasm32-wasi):
 * CHECK macros that print "ok"/"FAIL" lines and count failures, raw imports
 * for calls whose exact errno or argument bytes matter (wasi-libc would
 * translate or validate them first), and preopen lookup by guest name. */
#ifndef WASI_TEST_CHECK_H
#define WASI_TEST_CHECK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int check_failures;

/* Prints one line per check so that the harness log shows what ran. */
#define CHECK(cond, name)                                                                    \
    do {                                                                                     \
        if (cond) {                                                                          \
            printf("ok %s\n", name);                                                         \
        } else {                                                                             \
            printf("FAIL %s (line %d)\n", name, __LINE__);                                   \
            check_failures++;                                                                \
        }                                                                                    \
    } while (0)

/* A call returning a WASI errno must give exactly want. */
#define CHECK_ERRNO(call, want, name)                                                        \
    do {                                                                                     \
        int got_ = (int)(call);                                                              \
        if (got_ == (int)(want)) {                                                           \
            printf("ok %s\n", name);                                                         \
        } else {                                                                             \
            printf("FAIL %s: errno %d, want %d (line %d)\n", name, got_, (int)(want),        \
                   __LINE__);                                                                \
            check_failures++;                                                                \
        }                                                                                    \
    } while (0)

#define CHECK_DONE() return check_failures ? 1 : 0

/* Raw preview1 imports: (pointer, length) pairs passed as given. */
#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))
WASI_IMPORT("path_open")
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                      int64_t base, int64_t inheriting, int32_t fdflags, int32_t out_fd);
WASI_IMPORT("fd_write")
int32_t raw_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t out_n);
WASI_IMPORT("fd_read")
int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t out_n);
WASI_IMPORT("proc_raise")
int32_t raw_proc_raise(int32_t sig);

/* The guest fd of the preopened directory named name, or -1. */
static inline int preopen_fd(const char *name)
{
    for (int fd = 3; fd < 1024; fd++) {
        __wasi_prestat_t ps;
        char buf[256];
        if (__wasi_fd_prestat_get(fd, &ps) != 0)
            continue;
        if (ps.u.dir.pr_name_len >= sizeof buf ||
            __wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, ps.u.dir.pr_name_len) != 0)
            continue;
        buf[ps.u.dir.pr_name_len] = '\0';
        if (strcmp(buf, name) == 0)
            return fd;
    }
    return -1;
}

/* Base rights for path_open: reading a file or listing a directory (no
 * write right: the file is then opened O_RDONLY), or reading and writing. */
#define RIGHTS_READ                                                                          \
    (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL |                 \
     __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN |    \
     __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_POLL_FD_READWRITE)
#define RIGHTS_RW (RIGHTS_READ | __WASI_RIGHTS_FD_WRITE)

/* path_open as wasi-libc does it: base rights cut to what the directory may
 * pass on, and the directory's inheriting rights passed on in turn. */
static inline __wasi_errno_t open_at(int dirfd, const char *path, __wasi_lookupflags_t lookup,
                              __wasi_oflags_t oflags, __wasi_rights_t base, __wasi_fd_t *out)
{
    __wasi_fdstat_t st;
    __wasi_errno_t e = __wasi_fd_fdstat_get(dirfd, &st);
    if (e)
        return e;
    return __wasi_path_open(dirfd, lookup, path, oflags, base & st.fs_rights_inheriting,
                            st.fs_rights_inheriting, 0, out);
}

#endif
