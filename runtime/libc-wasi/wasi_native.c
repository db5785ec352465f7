/* Registration of the WASI natives under both module names. Preview1
 * ("wasi_snapshot_preview1") and snapshot 0 ("wasi_unstable") share every
 * function but the four whose ABI changed between them: fd_seek (whence
 * numbering), fd_filestat_get and path_filestat_get (nlink was u32, so the
 * filestat layout differs) and poll_oneoff (the clock subscription had an
 * extra identifier field). */
#define _FILE_OFFSET_BITS 64 /* the same struct stat as the other WASI files */
#include "../common/native.h"
#include "wasi.h"
#include "wasi_natives.h"

#define WASI_NATIVE(name, sig) {#name, (void *)wasi_##name, sig, NULL}
#define WASI_UNSTABLE(name, sig) {#name, (void *)wasi_unstable_##name, sig, NULL}

/* The entries both versions share. */
#define WASI_COMMON_NATIVES                                                                    \
    WASI_NATIVE(args_get, "(ii)i"), WASI_NATIVE(args_sizes_get, "(ii)i"),                      \
        WASI_NATIVE(environ_get, "(ii)i"), WASI_NATIVE(environ_sizes_get, "(ii)i"),            \
        WASI_NATIVE(clock_res_get, "(ii)i"), WASI_NATIVE(clock_time_get, "(iIi)i"),            \
        WASI_NATIVE(fd_advise, "(iIIi)i"), WASI_NATIVE(fd_allocate, "(iII)i"),                 \
        WASI_NATIVE(fd_close, "(i)i"), WASI_NATIVE(fd_datasync, "(i)i"),                       \
        WASI_NATIVE(fd_fdstat_get, "(ii)i"), WASI_NATIVE(fd_fdstat_set_flags, "(ii)i"),        \
        WASI_NATIVE(fd_fdstat_set_rights, "(iII)i"),                                           \
        WASI_NATIVE(fd_filestat_set_size, "(iI)i"),                                            \
        WASI_NATIVE(fd_filestat_set_times, "(iIIi)i"), WASI_NATIVE(fd_pread, "(iiiIi)i"),      \
        WASI_NATIVE(fd_prestat_get, "(ii)i"), WASI_NATIVE(fd_prestat_dir_name, "(iii)i"),      \
        WASI_NATIVE(fd_pwrite, "(iiiIi)i"), WASI_NATIVE(fd_read, "(iiii)i"),                   \
        WASI_NATIVE(fd_readdir, "(iiiIi)i"), WASI_NATIVE(fd_renumber, "(ii)i"),                \
        WASI_NATIVE(fd_sync, "(i)i"), WASI_NATIVE(fd_tell, "(ii)i"),                           \
        WASI_NATIVE(fd_write, "(iiii)i"), WASI_NATIVE(path_create_directory, "(iii)i"),        \
        WASI_NATIVE(path_filestat_set_times, "(iiiiIIi)i"),                                    \
        WASI_NATIVE(path_link, "(iiiiiii)i"), WASI_NATIVE(path_open, "(iiiiiIIii)i"),          \
        WASI_NATIVE(path_readlink, "(iiiiii)i"),                                               \
        WASI_NATIVE(path_remove_directory, "(iii)i"), WASI_NATIVE(path_rename, "(iiiiii)i"),   \
        WASI_NATIVE(path_symlink, "(iiiii)i"), WASI_NATIVE(path_unlink_file, "(iii)i"),        \
        WASI_NATIVE(proc_exit, "(i)"), WASI_NATIVE(proc_raise, "(i)i"),                        \
        WASI_NATIVE(sched_yield, "()i"), WASI_NATIVE(random_get, "(ii)i"),                     \
        WASI_NATIVE(sock_accept, "(iii)i"), WASI_NATIVE(sock_recv, "(iiiiii)i"),               \
        WASI_NATIVE(sock_send, "(iiiii)i"), WASI_NATIVE(sock_shutdown, "(ii)i")

/* The registry keeps these arrays by reference and sorts them in place. */
static NativeSymbol wasi_preview1_natives[] = {
    WASI_COMMON_NATIVES,
    WASI_NATIVE(fd_seek, "(iIii)i"),
    WASI_NATIVE(fd_filestat_get, "(ii)i"),
    WASI_NATIVE(path_filestat_get, "(iiiii)i"),
    WASI_NATIVE(poll_oneoff, "(iiii)i"),
};

static NativeSymbol wasi_unstable_natives[] = {
    WASI_COMMON_NATIVES,
    WASI_UNSTABLE(fd_seek, "(iIii)i"),
    WASI_UNSTABLE(fd_filestat_get, "(ii)i"),
    WASI_UNSTABLE(path_filestat_get, "(iiiii)i"),
    WASI_UNSTABLE(poll_oneoff, "(iiii)i"),
};

#define WASI_COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

bool libc_wasi_register(void)
{
    return native_register("wasi_snapshot_preview1", wasi_preview1_natives,
                           WASI_COUNT(wasi_preview1_natives), false) &&
           native_register("wasi_unstable", wasi_unstable_natives,
                           WASI_COUNT(wasi_unstable_natives), false);
}
