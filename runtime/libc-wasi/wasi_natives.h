/* The WASI natives, as wasi_native.c registers them, and the helpers the
 * files defining them share. Every native takes its guest pointers as plain
 * i32 offsets and checks them itself (wasi_mem), so that a bad pointer gives
 * the guest EFAULT instead of a trap; each returns a WASI errno. The C
 * parameter types follow the wasm types of the import (i32 / i64). */
#ifndef WR_WASI_NATIVES_H
#define WR_WASI_NATIVES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "wasi_ctx.h"

typedef WasmExecEnv *WasiEnv;

/* ---- shared helpers ---- */

/* Host iovecs for a guest (c)iovec array of n entries at off: each buffer
 * checked inside linear memory; the list cut at IOV_MAX entries and the
 * total at INT32_MAX bytes (a short read or write, which callers allow). */
typedef struct WasiIov {
    struct iovec *v;
    int n;
    struct iovec small[8];
} WasiIov;
uint16_t wasi_iov_get(WasiEnv env, uint32_t off, uint32_t n, WasiIov *out);
void wasi_iov_free(WasiIov *io);

/* The WASI file type of a host st_mode. */
uint8_t wasi_filetype_of_mode(uint32_t mode);
/* Writes a filestat (WASI_FILESTAT_SIZE bytes, or the unstable layout of
 * WASI_UNSTABLE_FILESTAT_SIZE) at p. */
void wasi_put_filestat(uint8_t *p, const struct stat *st, bool unstable);
/* Converts atim/mtim and fst_flags to utimensat's two timespecs; EINVAL
 * for contradicting flags. */
uint16_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec out[2]);

/* ---- args, environ, clocks, random, process (wasi_proc.c) ---- */
int32_t wasi_args_get(WasiEnv env, uint32_t argv, uint32_t argv_buf);
int32_t wasi_args_sizes_get(WasiEnv env, uint32_t out_argc, uint32_t out_size);
int32_t wasi_environ_get(WasiEnv env, uint32_t env_list, uint32_t env_buf);
int32_t wasi_environ_sizes_get(WasiEnv env, uint32_t out_count, uint32_t out_size);
int32_t wasi_clock_res_get(WasiEnv env, uint32_t id, uint32_t out_res);
int32_t wasi_clock_time_get(WasiEnv env, uint32_t id, uint64_t precision, uint32_t out_time);
int32_t wasi_random_get(WasiEnv env, uint32_t buf, uint32_t len);
void wasi_proc_exit(WasiEnv env, uint32_t code);
int32_t wasi_proc_raise(WasiEnv env, uint32_t sig);
int32_t wasi_sched_yield(WasiEnv env);
int32_t wasi_poll_oneoff(WasiEnv env, uint32_t in, uint32_t out, uint32_t nsubs,
                         uint32_t out_nevents);
int32_t wasi_unstable_poll_oneoff(WasiEnv env, uint32_t in, uint32_t out, uint32_t nsubs,
                                  uint32_t out_nevents);

/* ---- descriptors (wasi_fd.c) ---- */
int32_t wasi_fd_advise(WasiEnv env, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
int32_t wasi_fd_allocate(WasiEnv env, uint32_t fd, uint64_t offset, uint64_t len);
int32_t wasi_fd_close(WasiEnv env, uint32_t fd);
int32_t wasi_fd_datasync(WasiEnv env, uint32_t fd);
int32_t wasi_fd_fdstat_get(WasiEnv env, uint32_t fd, uint32_t out_stat);
int32_t wasi_fd_fdstat_set_flags(WasiEnv env, uint32_t fd, uint32_t flags);
int32_t wasi_fd_fdstat_set_rights(WasiEnv env, uint32_t fd, uint64_t base, uint64_t inheriting);
int32_t wasi_fd_filestat_get(WasiEnv env, uint32_t fd, uint32_t out_stat);
int32_t wasi_unstable_fd_filestat_get(WasiEnv env, uint32_t fd, uint32_t out_stat);
int32_t wasi_fd_filestat_set_size(WasiEnv env, uint32_t fd, uint64_t size);
int32_t wasi_fd_filestat_set_times(WasiEnv env, uint32_t fd, uint64_t atim, uint64_t mtim,
                                   uint32_t fst_flags);
int32_t wasi_fd_pread(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                      uint64_t offset, uint32_t out_nread);
int32_t wasi_fd_pwrite(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                       uint64_t offset, uint32_t out_nwritten);
int32_t wasi_fd_read(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                     uint32_t out_nread);
int32_t wasi_fd_write(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                      uint32_t out_nwritten);
int32_t wasi_fd_prestat_get(WasiEnv env, uint32_t fd, uint32_t out_prestat);
int32_t wasi_fd_prestat_dir_name(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len);
int32_t wasi_fd_readdir(WasiEnv env, uint32_t fd, uint32_t buf, uint32_t buf_len,
                        uint64_t cookie, uint32_t out_used);
int32_t wasi_fd_renumber(WasiEnv env, uint32_t fd, uint32_t to);
int32_t wasi_fd_seek(WasiEnv env, uint32_t fd, int64_t offset, uint32_t whence,
                     uint32_t out_offset);
int32_t wasi_unstable_fd_seek(WasiEnv env, uint32_t fd, int64_t offset, uint32_t whence,
                              uint32_t out_offset);
int32_t wasi_fd_sync(WasiEnv env, uint32_t fd);
int32_t wasi_fd_tell(WasiEnv env, uint32_t fd, uint32_t out_offset);

/* ---- paths (wasi_file.c) ---- */
int32_t wasi_path_create_directory(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len);
int32_t wasi_path_filestat_get(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t path,
                               uint32_t path_len, uint32_t out_stat);
int32_t wasi_unstable_path_filestat_get(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t path,
                                        uint32_t path_len, uint32_t out_stat);
int32_t wasi_path_filestat_set_times(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t path,
                                     uint32_t path_len, uint64_t atim, uint64_t mtim,
                                     uint32_t fst_flags);
int32_t wasi_path_link(WasiEnv env, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                       uint32_t old_len, uint32_t new_fd, uint32_t new_path, uint32_t new_len);
int32_t wasi_path_open(WasiEnv env, uint32_t fd, uint32_t dirflags, uint32_t path,
                       uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                       uint64_t rights_inheriting, uint32_t fdflags, uint32_t out_fd);
int32_t wasi_path_readlink(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len,
                           uint32_t buf, uint32_t buf_len, uint32_t out_used);
int32_t wasi_path_remove_directory(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len);
int32_t wasi_path_rename(WasiEnv env, uint32_t fd, uint32_t old_path, uint32_t old_len,
                         uint32_t new_fd, uint32_t new_path, uint32_t new_len);
int32_t wasi_path_symlink(WasiEnv env, uint32_t old_path, uint32_t old_len, uint32_t fd,
                          uint32_t new_path, uint32_t new_len);
int32_t wasi_path_unlink_file(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len);

/* ---- sockets (wasi_sock.c) ---- */
int32_t wasi_sock_accept(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t out_fd);
int32_t wasi_sock_recv(WasiEnv env, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len,
                       uint32_t ri_flags, uint32_t out_len, uint32_t out_flags);
int32_t wasi_sock_send(WasiEnv env, uint32_t fd, uint32_t si_data, uint32_t si_data_len,
                       uint32_t si_flags, uint32_t out_len);
int32_t wasi_sock_shutdown(WasiEnv env, uint32_t fd, uint32_t how);

#endif
