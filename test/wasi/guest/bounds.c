/* Hostile pointers and lengths: every guest range a WASI function reads or
 * writes is checked, overflow-safe, and a bad one gives EFAULT without
 * doing the operation (nothing written, nothing read). Run with --dir=data. */
#include "check.h"

WASI_IMPORT("args_get") int32_t raw_args_get(int32_t argv, int32_t buf);
WASI_IMPORT("args_sizes_get") int32_t raw_args_sizes_get(int32_t argc, int32_t size);
WASI_IMPORT("environ_get") int32_t raw_environ_get(int32_t env, int32_t buf);
WASI_IMPORT("random_get") int32_t raw_random_get(int32_t buf, int32_t len);
WASI_IMPORT("clock_time_get") int32_t raw_clock_time_get(int32_t id, int64_t prec, int32_t out);
WASI_IMPORT("fd_filestat_get") int32_t raw_fd_filestat_get(int32_t fd, int32_t out);
WASI_IMPORT("fd_prestat_dir_name") int32_t raw_prestat_dir_name(int32_t fd, int32_t p, int32_t n);
WASI_IMPORT("fd_readdir")
int32_t raw_fd_readdir(int32_t fd, int32_t buf, int32_t len, int64_t cookie, int32_t out);
WASI_IMPORT("poll_oneoff")
int32_t raw_poll_oneoff(int32_t in, int32_t out, int32_t n, int32_t out_n);
WASI_IMPORT("path_symlink")
int32_t raw_path_symlink(int32_t old, int32_t old_len, int32_t fd, int32_t new, int32_t new_len);
WASI_IMPORT("path_readlink")
int32_t raw_path_readlink(int32_t fd, int32_t p, int32_t len, int32_t buf, int32_t buf_len,
                          int32_t out);
WASI_IMPORT("fd_seek")
int32_t raw_fd_seek(int32_t fd, int64_t off, int32_t whence, int32_t out);
WASI_IMPORT("fd_close") int32_t raw_fd_close(int32_t fd);

#define P(x) ((int32_t)(uintptr_t)(x))
#define EFAULT_ __WASI_ERRNO_FAULT

int main(void)
{
    uint32_t mem = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    static const char leak[] = "LEAK\n";
    static uint32_t iov[2], result, big[64];
    static uint8_t sub[48], ev[32];

    iov[0] = P(leak);
    iov[1] = 5;
    CHECK_ERRNO(raw_fd_write(1, (int32_t)(mem - 4), 1, P(&result)), EFAULT_,
                "iovec array across the end of memory");
    CHECK_ERRNO(raw_fd_write(1, P(iov), 0x20000000, P(&result)), EFAULT_,
                "iovec count whose byte size wraps 32 bits");
    CHECK_ERRNO(raw_fd_write(1, P(iov), 1, (int32_t)mem), EFAULT_, "result pointer at the end");
    CHECK_ERRNO(raw_fd_write(1, P(iov), 1, -1), EFAULT_, "result pointer 0xffffffff");
    iov[0] = mem - 2;
    iov[1] = 4;
    CHECK_ERRNO(raw_fd_write(1, P(iov), 1, P(&result)), EFAULT_, "buffer across the end");
    iov[0] = 0xfffffff0u;
    iov[1] = 0x20;
    CHECK_ERRNO(raw_fd_write(1, P(iov), 1, P(&result)), EFAULT_, "buffer whose end wraps");
    CHECK_ERRNO(raw_fd_read(0, P(iov), 1, P(&result)), EFAULT_, "fd_read into a bad buffer");
    CHECK_ERRNO(raw_args_sizes_get((int32_t)mem, P(&result)), EFAULT_, "args_sizes_get");
    CHECK_ERRNO(raw_args_get((int32_t)(mem - 2), P(big)), EFAULT_, "args_get pointer array");
    CHECK_ERRNO(raw_args_get(P(big), (int32_t)(mem - 1)), EFAULT_, "args_get string buffer");
    CHECK_ERRNO(raw_environ_get((int32_t)(mem - 2), P(big)), EFAULT_, "environ_get");
    CHECK_ERRNO(raw_random_get((int32_t)(mem - 10), 100), EFAULT_, "random_get across the end");
    CHECK_ERRNO(raw_random_get((int32_t)(mem - 16), 16), 0, "random_get up to the last byte");
    CHECK_ERRNO(raw_random_get(-16, 32), EFAULT_, "random_get wrapping");
    CHECK_ERRNO(raw_clock_time_get(0, 1, (int32_t)(mem - 4)), EFAULT_, "clock_time_get");
    CHECK_ERRNO(raw_fd_filestat_get(1, (int32_t)(mem - 8)), EFAULT_, "fd_filestat_get");
    CHECK_ERRNO(raw_prestat_dir_name(3, (int32_t)(mem - 1), 10), EFAULT_, "prestat_dir_name");
    CHECK_ERRNO(raw_fd_readdir(3, (int32_t)(mem - 10), 100, 0, P(&result)), EFAULT_,
                "fd_readdir buffer");
    CHECK_ERRNO(raw_path_open(3, 0, (int32_t)(mem - 2), 10, 0, RIGHTS_READ, 0, 0, P(&result)),
                EFAULT_, "path_open path across the end");
    CHECK_ERRNO(raw_path_open(3, 0, P("x"), -1, 0, RIGHTS_READ, 0, 0, P(&result)), EFAULT_,
                "path_open path length 0xffffffff");
    CHECK_ERRNO(raw_path_open(3, 0, P("x"), 1, 0, RIGHTS_READ, 0, 0, (int32_t)mem), EFAULT_,
                "path_open result pointer");
    CHECK_ERRNO(raw_path_symlink((int32_t)(mem - 1), 8, 3, P("l"), 1), EFAULT_,
                "path_symlink target");
    CHECK_ERRNO(raw_path_readlink(3, P("l"), 1, (int32_t)(mem - 1), 8, P(&result)), EFAULT_,
                "path_readlink buffer");
    CHECK_ERRNO(raw_poll_oneoff(P(sub), P(ev), 0x10000000, P(&result)), EFAULT_,
                "poll_oneoff count past memory");
    CHECK_ERRNO(raw_poll_oneoff((int32_t)(mem - 40), P(ev), 1, P(&result)), EFAULT_,
                "poll_oneoff subscriptions across the end");
    CHECK_ERRNO(raw_fd_seek(1, 0, 9, P(&result)), __WASI_ERRNO_INVAL, "fd_seek whence 9");
    CHECK_ERRNO(raw_fd_close(-1), __WASI_ERRNO_BADF, "fd_close(-1)");
    CHECK_ERRNO(raw_fd_close(0x7fffffff), __WASI_ERRNO_BADF, "fd_close(INT_MAX)");
    CHECK_DONE();
}
