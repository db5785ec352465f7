/* The fd_* natives: reading, writing, seeking, stat, sync, directory
 * listing, closing and renumbering guest descriptors. Each checks the
 * rights its operation needs (the spec's rights model) before touching the
 * host fd, and every guest buffer before any I/O, so a fault never loses
 * data that was already read. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../mem/mem.h"
#include "wasi_natives.h"

/* fdatasync is missing on macOS, where fsync is the closest call. */
#if defined(__APPLE__)
#define wasi_host_fdatasync fsync
#else
#define wasi_host_fdatasync fdatasync
#endif

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

/* ====================================================================== */
/* Shared helpers                                                          */
/* ====================================================================== */

uint16_t wasi_iov_get(WasiEnv env, uint32_t off, uint32_t n, WasiIov *out)
{
    const uint8_t *arr = wasi_mem(env, off, (uint64_t)n * WASI_IOVEC_SIZE);
    uint64_t total = 0;

    out->v = out->small;
    out->n = 0;
    if (!arr)
        return WASI_EFAULT;
    if (n > IOV_MAX)
        n = IOV_MAX;
    if (n > sizeof out->small / sizeof out->small[0] &&
        !(out->v = mem_alloc((size_t)n * sizeof *out->v))) {
        out->v = out->small;
        return WASI_ENOMEM;
    }
    for (uint32_t i = 0; i < n && total < INT32_MAX; i++) {
        uint32_t buf = wasi_get_u32(arr + i * WASI_IOVEC_SIZE);
        uint32_t len = wasi_get_u32(arr + i * WASI_IOVEC_SIZE + 4);
        uint8_t *p = wasi_mem(env, buf, len);
        if (!p) {
            wasi_iov_free(out);
            return WASI_EFAULT;
        }
        if (len > INT32_MAX - total)
            len = (uint32_t)(INT32_MAX - total);
        out->v[out->n].iov_base = p;
        out->v[out->n++].iov_len = len;
        total += len;
    }
    return WASI_ESUCCESS;
}

void wasi_iov_free(WasiIov *io)
{
    if (io->v != io->small)
        mem_free(io->v);
    io->v = io->small;
    io->n = 0;
}

uint8_t wasi_filetype_of_mode(uint32_t mode)
{
    if (S_ISREG(mode))
        return WASI_FILETYPE_REGULAR_FILE;
    if (S_ISDIR(mode))
        return WASI_FILETYPE_DIRECTORY;
    if (S_ISLNK(mode))
        return WASI_FILETYPE_SYMBOLIC_LINK;
    if (S_ISCHR(mode))
        return WASI_FILETYPE_CHARACTER_DEVICE;
    if (S_ISBLK(mode))
        return WASI_FILETYPE_BLOCK_DEVICE;
    if (S_ISSOCK(mode) || S_ISFIFO(mode))
        return WASI_FILETYPE_SOCKET_STREAM;
    return WASI_FILETYPE_UNKNOWN;
}

static uint64_t wasi_ns(struct timespec ts)
{
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void wasi_put_filestat(uint8_t *p, const struct stat *st, bool unstable)
{
    memset(p, 0, unstable ? WASI_UNSTABLE_FILESTAT_SIZE : WASI_FILESTAT_SIZE);
    wasi_put_u64(p, (uint64_t)st->st_dev);
    wasi_put_u64(p + 8, (uint64_t)st->st_ino);
    p[16] = wasi_filetype_of_mode(st->st_mode);
    if (unstable) {
        wasi_put_u32(p + 20, (uint32_t)st->st_nlink);
        p += 24;
    } else {
        wasi_put_u64(p + 24, (uint64_t)st->st_nlink);
        p += 32;
    }
    wasi_put_u64(p, (uint64_t)st->st_size);
    wasi_put_u64(p + 8, wasi_ns(st->st_atim));
    wasi_put_u64(p + 16, wasi_ns(st->st_mtim));
    wasi_put_u64(p + 24, wasi_ns(st->st_ctim));
}

static struct timespec wasi_timespec(uint64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    return ts;
}

uint16_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst_flags, struct timespec out[2])
{
    if ((fst_flags & ~0xfu) ||
        (fst_flags & (WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW)) ==
            (WASI_FSTFLAG_ATIM | WASI_FSTFLAG_ATIM_NOW) ||
        (fst_flags & (WASI_FSTFLAG_MTIM | WASI_FSTFLAG_MTIM_NOW)) ==
            (WASI_FSTFLAG_MTIM | WASI_FSTFLAG_MTIM_NOW))
        return WASI_EINVAL;
    out[0] = wasi_timespec(atim);
    out[1] = wasi_timespec(mtim);
    if (fst_flags & WASI_FSTFLAG_ATIM_NOW)
        out[0].tv_nsec = UTIME_NOW;
    else if (!(fst_flags & WASI_FSTFLAG_ATIM))
        out[0].tv_nsec = UTIME_OMIT;
    if (fst_flags & WASI_FSTFLAG_MTIM_NOW)
        out[1].tv_nsec = UTIME_NOW;
    else if (!(fst_flags & WASI_FSTFLAG_MTIM))
        out[1].tv_nsec = UTIME_OMIT;
    return WASI_ESUCCESS;
}

/* ====================================================================== */
/* Reading and writing                                                     */
/* ====================================================================== */

/* What the four transfer natives share: rights, iovecs, the result slot. */
typedef enum { WASI_READ, WASI_WRITE, WASI_PREAD, WASI_PWRITE } WasiXfer;

static ssize_t wasi_xfer_host(WasiXfer kind, int fd, const WasiIov *io, off_t offset)
{
    switch (kind) {
    case WASI_READ: return readv(fd, io->v, io->n);
    case WASI_WRITE: return writev(fd, io->v, io->n);
    case WASI_PREAD: return preadv(fd, io->v, io->n, offset);
    default: return pwritev(fd, io->v, io->n, offset);
    }
}

static int32_t wasi_xfer(WasiEnv env, WasiXfer kind, uint32_t fd, uint32_t iovs,
                         uint32_t iovs_len, uint64_t offset, uint32_t out_n)
{
    static const uint64_t rights[] = {
        WASI_RIGHT_FD_READ, WASI_RIGHT_FD_WRITE, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK,
        WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK};
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *result = wasi_mem(env, out_n, 4);
    WasiIov io;
    WasiFd *f;
    ssize_t n;
    uint16_t err;

    if (!result)
        return WASI_EFAULT;
    if (offset > INT64_MAX)
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, rights[kind], 0, &f)))
        return err;
    err = wasi_iov_get(env, iovs, iovs_len, &io);
    if (!err) {
        n = wasi_xfer_host(kind, f->host_fd, &io, (off_t)offset);
        if (n < 0)
            err = wasi_errno(errno);
        else
            wasi_put_u32(result, (uint32_t)n);
        wasi_iov_free(&io);
    }
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_fd_read(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                     uint32_t out_nread)
{
    return wasi_xfer(env, WASI_READ, fd, iovs, iovs_len, 0, out_nread);
}

int32_t wasi_fd_write(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                      uint32_t out_nwritten)
{
    return wasi_xfer(env, WASI_WRITE, fd, iovs, iovs_len, 0, out_nwritten);
}

int32_t wasi_fd_pread(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                      uint64_t offset, uint32_t out_nread)
{
    return wasi_xfer(env, WASI_PREAD, fd, iovs, iovs_len, offset, out_nread);
}

int32_t wasi_fd_pwrite(WasiEnv env, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                       uint64_t offset, uint32_t out_nwritten)
{
    return wasi_xfer(env, WASI_PWRITE, fd, iovs, iovs_len, offset, out_nwritten);
}

/* ====================================================================== */
/* Position                                                                */
/* ====================================================================== */

static int32_t wasi_seek(WasiEnv env, uint32_t fd, int64_t offset, int host_whence,
                         uint32_t out_offset)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *result = wasi_mem(env, out_offset, 8);
    /* Asking where we are is fd_tell's right; moving needs FD_SEEK. */
    uint64_t need =
        offset == 0 && host_whence == SEEK_CUR ? WASI_RIGHT_FD_TELL : WASI_RIGHT_FD_SEEK;
    WasiFd *f;
    off_t pos;
    uint16_t err;

    if (!result)
        return WASI_EFAULT;
    if ((err = wasi_fd_get(ctx, fd, need, 0, &f)))
        return err;
    pos = lseek(f->host_fd, (off_t)offset, host_whence);
    if (pos < 0)
        err = wasi_errno(errno);
    else
        wasi_put_u64(result, (uint64_t)pos);
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_fd_seek(WasiEnv env, uint32_t fd, int64_t offset, uint32_t whence,
                     uint32_t out_offset)
{
    static const int host[] = {SEEK_SET, SEEK_CUR, SEEK_END}; /* by WASI_WHENCE_* */
    if (whence > WASI_WHENCE_END)
        return WASI_EINVAL;
    return wasi_seek(env, fd, offset, host[whence], out_offset);
}

int32_t wasi_unstable_fd_seek(WasiEnv env, uint32_t fd, int64_t offset, uint32_t whence,
                              uint32_t out_offset)
{
    static const int host[] = {SEEK_CUR, SEEK_END, SEEK_SET}; /* by WASI_UNSTABLE_WHENCE_* */
    if (whence > WASI_UNSTABLE_WHENCE_SET)
        return WASI_EINVAL;
    return wasi_seek(env, fd, offset, host[whence], out_offset);
}

int32_t wasi_fd_tell(WasiEnv env, uint32_t fd, uint32_t out_offset)
{
    return wasi_seek(env, fd, 0, SEEK_CUR, out_offset);
}

/* ====================================================================== */
/* Descriptor state                                                        */
/* ====================================================================== */

int32_t wasi_fd_close(WasiEnv env, uint32_t fd)
{
    return wasi_fd_remove(wasi_ctx_of(env), fd);
}

int32_t wasi_fd_renumber(WasiEnv env, uint32_t fd, uint32_t to)
{
    return wasi_fd_move(wasi_ctx_of(env), fd, to);
}

static uint16_t wasi_host_fdflags(int fl)
{
    uint16_t flags = 0;

    if (fl & O_APPEND)
        flags |= WASI_FDFLAG_APPEND;
    if (fl & O_NONBLOCK)
        flags |= WASI_FDFLAG_NONBLOCK;
    /* O_SYNC may include O_DSYNC's bits (Linux): then it is SYNC alone. */
    if ((fl & O_SYNC) == O_SYNC)
        flags |= WASI_FDFLAG_SYNC;
    else if (fl & O_DSYNC)
        flags |= WASI_FDFLAG_DSYNC;
    return flags;
}

int32_t wasi_fd_fdstat_get(WasiEnv env, uint32_t fd, uint32_t out_stat)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *p = wasi_mem(env, out_stat, WASI_FDSTAT_SIZE);
    WasiFd *f;
    int fl;
    uint16_t err;

    if (!p)
        return WASI_EFAULT;
    if ((err = wasi_fd_get(ctx, fd, 0, 0, &f)))
        return err;
    fl = fcntl(f->host_fd, F_GETFL);
    if (fl < 0) {
        err = wasi_errno(errno);
    } else {
        memset(p, 0, WASI_FDSTAT_SIZE);
        p[0] = f->type;
        wasi_put_u16(p + 2, wasi_host_fdflags(fl));
        os_mutex_lock(&ctx->lock); /* fd_fdstat_set_rights may be changing them */
        wasi_put_u64(p + 8, f->rights_base);
        wasi_put_u64(p + 16, f->rights_inheriting);
        os_mutex_unlock(&ctx->lock);
    }
    wasi_fd_put(ctx, f);
    return err;
}

/* Only APPEND and NONBLOCK can change on an open host fd (F_SETFL); the
 * sync flags are fixed at open, so asking to change them is ENOTSUP. */
int32_t wasi_fd_fdstat_set_flags(WasiEnv env, uint32_t fd, uint32_t flags)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    WasiFd *f;
    int fl;
    uint16_t err;

    if (flags & ~(uint32_t)WASI_FDFLAGS_ALL)
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_FDSTAT_SET_FLAGS, 0, &f)))
        return err;
    fl = fcntl(f->host_fd, F_GETFL);
    if (fl < 0) {
        err = wasi_errno(errno);
    } else if ((wasi_host_fdflags(fl) ^ flags) &
               (WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC)) {
        err = WASI_ENOTSUP;
    } else {
        fl &= ~(O_APPEND | O_NONBLOCK);
        fl |= (flags & WASI_FDFLAG_APPEND ? O_APPEND : 0) |
              (flags & WASI_FDFLAG_NONBLOCK ? O_NONBLOCK : 0);
        if (fcntl(f->host_fd, F_SETFL, fl) != 0)
            err = wasi_errno(errno);
    }
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_fd_fdstat_set_rights(WasiEnv env, uint32_t fd, uint64_t base, uint64_t inheriting)
{
    return wasi_fd_set_rights(wasi_ctx_of(env), fd, base, inheriting);
}

int32_t wasi_fd_prestat_get(WasiEnv env, uint32_t fd, uint32_t out_prestat)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *p = wasi_mem(env, out_prestat, WASI_PRESTAT_SIZE);
    WasiFd *f;
    uint16_t err;

    if (!p)
        return WASI_EFAULT;
    if ((err = wasi_fd_get(ctx, fd, 0, 0, &f)))
        return err;
    if (f->preopen_name) {
        memset(p, 0, WASI_PRESTAT_SIZE);
        p[0] = WASI_PREOPENTYPE_DIR;
        wasi_put_u32(p + 4, (uint32_t)strlen(f->preopen_name));
    } else {
        err = WASI_EBADF;
    }
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_fd_prestat_dir_name(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *p = wasi_mem(env, path, path_len);
    WasiFd *f;
    size_t n;
    uint16_t err;

    if (!p)
        return WASI_EFAULT;
    if ((err = wasi_fd_get(ctx, fd, 0, 0, &f)))
        return err;
    if (!f->preopen_name)
        err = WASI_EBADF;
    else if ((n = strlen(f->preopen_name)) > path_len)
        err = WASI_ENAMETOOLONG;
    else
        memcpy(p, f->preopen_name, n);
    wasi_fd_put(ctx, f);
    return err;
}

/* ====================================================================== */
/* Stat, size, times, sync, hints                                          */
/* ====================================================================== */

static int32_t wasi_fstat(WasiEnv env, uint32_t fd, uint32_t out_stat, bool unstable)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *p = wasi_mem(env, out_stat, unstable ? WASI_UNSTABLE_FILESTAT_SIZE
                                                  : WASI_FILESTAT_SIZE);
    struct stat st;
    WasiFd *f;
    uint16_t err;

    if (!p)
        return WASI_EFAULT;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_FILESTAT_GET, 0, &f)))
        return err;
    if (fstat(f->host_fd, &st) != 0)
        err = wasi_errno(errno);
    else
        wasi_put_filestat(p, &st, unstable);
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_fd_filestat_get(WasiEnv env, uint32_t fd, uint32_t out_stat)
{
    return wasi_fstat(env, fd, out_stat, false);
}

int32_t wasi_unstable_fd_filestat_get(WasiEnv env, uint32_t fd, uint32_t out_stat)
{
    return wasi_fstat(env, fd, out_stat, true);
}

int32_t wasi_fd_filestat_set_size(WasiEnv env, uint32_t fd, uint64_t size)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    WasiFd *f;
    uint16_t err;

    if (size > INT64_MAX)
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_FILESTAT_SET_SIZE, 0, &f)))
        return err;
    if (ftruncate(f->host_fd, (off_t)size) != 0)
        err = wasi_errno(errno);
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_fd_filestat_set_times(WasiEnv env, uint32_t fd, uint64_t atim, uint64_t mtim,
                                   uint32_t fst_flags)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    struct timespec ts[2];
    WasiFd *f;
    uint16_t err = wasi_times(atim, mtim, fst_flags, ts);

    if (err)
        return err;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_FILESTAT_SET_TIMES, 0, &f)))
        return err;
    if (futimens(f->host_fd, ts) != 0)
        err = wasi_errno(errno);
    wasi_fd_put(ctx, f);
    return err;
}

/* fd_sync and fd_datasync: one host call under one right. */
static int32_t wasi_fd_call(WasiEnv env, uint32_t fd, uint64_t right, int (*call)(int))
{
    WasiCtx *ctx = wasi_ctx_of(env);
    WasiFd *f;
    uint16_t err;

    if ((err = wasi_fd_get(ctx, fd, right, 0, &f)))
        return err;
    if (call(f->host_fd) != 0)
        err = wasi_errno(errno);
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_fd_sync(WasiEnv env, uint32_t fd)
{
    return wasi_fd_call(env, fd, WASI_RIGHT_FD_SYNC, fsync);
}

int32_t wasi_fd_datasync(WasiEnv env, uint32_t fd)
{
    return wasi_fd_call(env, fd, WASI_RIGHT_FD_DATASYNC, wasi_host_fdatasync);
}

/* Advice is only a hint, so it is checked and then dropped: the call is
 * portable and the guest cannot tell the difference. */
int32_t wasi_fd_advise(WasiEnv env, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    WasiFd *f;
    uint16_t err;

    if (advice > WASI_ADVICE_NOREUSE || offset > INT64_MAX || len > INT64_MAX)
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_ADVISE, 0, &f)))
        return err;
    if (f->type == WASI_FILETYPE_SOCKET_STREAM || f->type == WASI_FILETYPE_SOCKET_DGRAM)
        err = WASI_ESPIPE;
    wasi_fd_put(ctx, f);
    return err;
}

/* Ensures the file is at least offset + len long. (posix_fallocate would
 * also reserve the blocks, but it is not on every POSIX host.) */
int32_t wasi_fd_allocate(WasiEnv env, uint32_t fd, uint64_t offset, uint64_t len)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    struct stat st;
    WasiFd *f;
    uint16_t err;

    if (offset > INT64_MAX || len > (uint64_t)INT64_MAX - offset)
        return WASI_EFBIG;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_ALLOCATE, 0, &f)))
        return err;
    if (fstat(f->host_fd, &st) != 0)
        err = wasi_errno(errno);
    else if (!S_ISREG(st.st_mode))
        err = S_ISDIR(st.st_mode) ? WASI_EISDIR : WASI_ENODEV;
    else if ((uint64_t)st.st_size < offset + len && ftruncate(f->host_fd, (off_t)(offset + len)))
        err = wasi_errno(errno);
    wasi_fd_put(ctx, f);
    return err;
}

/* ====================================================================== */
/* fd_readdir                                                              */
/* ====================================================================== */
/* A cookie counts the entries before it. The stream stands at
 * f->dir_cookie; when the guest asks for another cookie (it re-reads the
 * entry it got truncated, or starts over) the stream is moved there. */

static uint16_t wasi_dir_start(WasiFd *f)
{
    uint16_t err;
    int fd;

    if (f->dir)
        return WASI_ESUCCESS;
    /* A descriptor of its own: the stream's position is not the guest's. */
    fd = openat(f->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wasi_errno(errno);
    if (!(f->dir = wasi_dir_open(fd, &err)))
        return err;
    f->dir_cookie = 0;
    f->resume_cookie = UINT64_MAX;
    return WASI_ESUCCESS;
}

static uint16_t wasi_dir_goto(WasiFd *f, uint64_t cookie)
{
    WasiDirEntry e;
    uint16_t err = WASI_ESUCCESS;

    if (cookie == f->dir_cookie)
        return WASI_ESUCCESS;
    if (cookie == f->resume_cookie) {
        wasi_dir_seek(f->dir, f->resume_loc);
        f->dir_cookie = cookie;
        return WASI_ESUCCESS;
    }
    if (cookie < f->dir_cookie) {
        wasi_dir_rewind(f->dir);
        f->dir_cookie = 0;
    }
    while (f->dir_cookie < cookie && wasi_dir_next(f->dir, &e, &err))
        f->dir_cookie++;
    return err;
}

static uint8_t wasi_entry_type(WasiDir *dir, const WasiDirEntry *e)
{
    struct stat st;

    if (e->type != WASI_FILETYPE_UNKNOWN)
        return e->type;
    if (fstatat(wasi_dir_fd(dir), e->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return WASI_FILETYPE_UNKNOWN;
    return wasi_filetype_of_mode(st.st_mode);
}

/* Writes entries into buf[0, len) from the stream; the last may be cut
 * short, as the spec allows: the guest sees a full buffer and asks again. */
static uint16_t wasi_dir_fill(WasiFd *f, uint8_t *buf, uint32_t len, uint32_t *out_used)
{
    uint32_t used = 0;
    uint16_t err = WASI_ESUCCESS;

    while (used < len) {
        uint8_t head[WASI_DIRENT_SIZE];
        int64_t loc = wasi_dir_tell(f->dir);
        WasiDirEntry e;
        size_t namlen;
        uint32_t room = len - used;

        if (!wasi_dir_next(f->dir, &e, &err))
            break;
        f->dir_cookie++;
        namlen = strlen(e.name);
        memset(head, 0, sizeof head);
        wasi_put_u64(head, f->dir_cookie);
        wasi_put_u64(head + 8, e.ino);
        wasi_put_u32(head + 16, (uint32_t)namlen);
        head[20] = wasi_entry_type(f->dir, &e);
        memcpy(buf + used, head, room < sizeof head ? room : sizeof head);
        if (room > sizeof head)
            memcpy(buf + used + sizeof head, e.name,
                   room - sizeof head < namlen ? room - sizeof head : namlen);
        if (room < sizeof head + namlen) {
            f->resume_cookie = f->dir_cookie - 1;
            f->resume_loc = loc;
            used = len;
            break;
        }
        used += (uint32_t)(sizeof head + namlen);
    }
    *out_used = used;
    return err;
}

int32_t wasi_fd_readdir(WasiEnv env, uint32_t fd, uint32_t buf, uint32_t buf_len,
                        uint64_t cookie, uint32_t out_used)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *p = wasi_mem(env, buf, buf_len), *result = wasi_mem(env, out_used, 4);
    uint32_t used = 0;
    WasiFd *f;
    uint16_t err;

    if (!p || !result)
        return WASI_EFAULT;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_READDIR, 0, &f)))
        return err;
    /* The stream is shared by every user of this entry. */
    os_mutex_lock(&ctx->lock);
    err = wasi_dir_start(f);
    if (!err)
        err = wasi_dir_goto(f, cookie);
    if (!err)
        err = wasi_dir_fill(f, p, buf_len, &used);
    os_mutex_unlock(&ctx->lock);
    if (!err)
        wasi_put_u32(result, used);
    wasi_fd_put(ctx, f);
    return err;
}
