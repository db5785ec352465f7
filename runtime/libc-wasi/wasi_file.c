/* The path_* natives. Every one resolves its guest path(s) with
 * wasi_path_resolve beneath a directory descriptor that holds the right the
 * operation needs, then makes exactly one *at() call on the final name, in
 * its no-follow form: any symlink that was to be followed has already been
 * expanded inside the sandbox by the resolution. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <sys/stat.h>
#include <unistd.h>

#include "../mem/mem.h"
#include "wasi_natives.h"
#include "wasi_path.h"

/* A resolved path and the directory descriptor it was resolved beneath. */
typedef struct WasiAt {
    WasiFd *dir;
    WasiPath path;
} WasiAt;

/* Resolves the guest path [path, path + len) beneath guest fd, which must
 * be a directory holding the rights given. */
static uint16_t wasi_at_get(WasiEnv env, uint32_t fd, uint64_t base, uint64_t inheriting,
                            uint32_t path, uint32_t len, bool follow, WasiAt *out)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    const char *s = (const char *)wasi_mem(env, path, len);
    uint16_t err;

    memset(out, 0, sizeof *out);
    if (!s)
        return WASI_EFAULT;
    if ((err = wasi_fd_get(ctx, fd, base, inheriting, &out->dir)))
        return err;
    if (out->dir->type != WASI_FILETYPE_DIRECTORY)
        err = WASI_ENOTDIR;
    else
        err = wasi_path_resolve(out->dir->host_fd, s, len, follow, &out->path);
    if (err) {
        wasi_fd_put(ctx, out->dir);
        out->dir = NULL;
    }
    return err;
}

static void wasi_at_put(WasiEnv env, WasiAt *at)
{
    wasi_path_done(&at->path);
    if (at->dir)
        wasi_fd_put(wasi_ctx_of(env), at->dir);
    at->dir = NULL;
}

/* ====================================================================== */
/* path_open                                                               */
/* ====================================================================== */

/* The host open flags for a path_open, and the rights the directory must
 * be able to pass on (its inheriting rights) for them: what the new fd
 * will hold, plus what the flags imply (CloudABI's rules, which WASI's
 * rights model comes from). */
static int wasi_open_flags(uint32_t oflags, uint64_t base, uint32_t fdflags,
                           uint64_t *inout_need_base, uint64_t *inout_need_inheriting)
{
    bool read = base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    bool write = base & (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_WRITE |
                         WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE);
    int fl = write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;

    if (oflags & WASI_OFLAG_CREAT) {
        fl |= O_CREAT;
        *inout_need_base |= WASI_RIGHT_PATH_CREATE_FILE;
    }
    if (oflags & WASI_OFLAG_TRUNC) {
        fl |= O_TRUNC;
        *inout_need_base |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
    }
    fl |= (oflags & WASI_OFLAG_DIRECTORY ? O_DIRECTORY : 0) |
          (oflags & WASI_OFLAG_EXCL ? O_EXCL : 0) |
          (fdflags & WASI_FDFLAG_APPEND ? O_APPEND : 0) |
          (fdflags & WASI_FDFLAG_NONBLOCK ? O_NONBLOCK : 0);
    if (fdflags & WASI_FDFLAG_DSYNC) {
        fl |= O_DSYNC;
        *inout_need_inheriting |= WASI_RIGHT_FD_DATASYNC;
    }
    if (fdflags & (WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC)) {
        fl |= O_SYNC;
        *inout_need_inheriting |= WASI_RIGHT_FD_SYNC;
    }
    if (write && !(fl & (O_APPEND | O_TRUNC)))
        *inout_need_inheriting |= WASI_RIGHT_FD_SEEK;
    return fl;
}

/* Host errors of openat(O_NOFOLLOW) as the spec names them. */
static uint16_t wasi_open_errno(int e, const WasiPath *p, int fl)
{
    struct stat st;
    bool is_link = fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                   S_ISLNK(st.st_mode);

    if (e == ENXIO && !is_link && fstatat(p->dirfd, p->name, &st, 0) == 0 &&
        S_ISSOCK(st.st_mode))
        return WASI_ENOTSUP; /* Linux: ENXIO for a socket */
    if ((e == ENOTDIR && (fl & O_DIRECTORY) && is_link) || e == EMLINK)
        return WASI_ELOOP; /* Linux with O_DIRECTORY, FreeBSD: a symlink */
    return wasi_errno(e);
}

int32_t wasi_path_open(WasiEnv env, uint32_t fd, uint32_t dirflags, uint32_t path,
                       uint32_t path_len, uint32_t oflags, uint64_t rights_base,
                       uint64_t rights_inheriting, uint32_t fdflags, uint32_t out_fd)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *result = wasi_mem(env, out_fd, 4);
    uint64_t need_base = WASI_RIGHT_PATH_OPEN, need_inh = rights_base | rights_inheriting;
    uint32_t new_fd;
    WasiAt at;
    int fl, hfd;
    uint16_t err;

    if (!result)
        return WASI_EFAULT;
    if ((oflags & ~0xfu) || (fdflags & ~(uint32_t)WASI_FDFLAGS_ALL))
        return WASI_EINVAL;
    fl = wasi_open_flags(oflags, rights_base, fdflags, &need_base, &need_inh);
    if ((err = wasi_at_get(env, fd, need_base, need_inh, path, path_len,
                           dirflags & WASI_LOOKUP_SYMLINK_FOLLOW, &at)))
        return err;
    if (at.path.must_be_dir)
        fl |= O_DIRECTORY;
    if (at.path.must_be_dir && (fl & O_CREAT))
        err = WASI_EISDIR;
    else if ((hfd = openat(at.path.dirfd, at.path.name, fl | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0)
        err = wasi_open_errno(errno, &at.path, fl);
    else if (!(err = wasi_fd_insert(ctx, hfd, rights_base, rights_inheriting, &new_fd)))
        wasi_put_u32(result, new_fd);
    wasi_at_put(env, &at);
    return err;
}

/* ====================================================================== */
/* Directories, files and links                                            */
/* ====================================================================== */

int32_t wasi_path_create_directory(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len)
{
    WasiAt at;
    uint16_t err = wasi_at_get(env, fd, WASI_RIGHT_PATH_CREATE_DIRECTORY, 0, path, path_len,
                               false, &at);

    if (err)
        return err;
    if (mkdirat(at.path.dirfd, at.path.name, 0777) != 0)
        err = wasi_errno(errno);
    wasi_at_put(env, &at);
    return err;
}

int32_t wasi_path_remove_directory(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len)
{
    WasiAt at;
    uint16_t err = wasi_at_get(env, fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY, 0, path, path_len,
                               false, &at);

    if (err)
        return err;
    if (unlinkat(at.path.dirfd, at.path.name, AT_REMOVEDIR) != 0)
        /* POSIX lets a non-empty directory give EEXIST too. */
        err = errno == EEXIST ? WASI_ENOTEMPTY : wasi_errno(errno);
    wasi_at_put(env, &at);
    return err;
}

int32_t wasi_path_unlink_file(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len)
{
    struct stat st;
    WasiAt at;
    uint16_t err =
        wasi_at_get(env, fd, WASI_RIGHT_PATH_UNLINK_FILE, 0, path, path_len, false, &at);

    if (err)
        return err;
    if (at.path.must_be_dir) /* "name/" names a directory, never a file */
        err = wasi_path_check_dir(&at.path) ? WASI_ENOTDIR : WASI_EISDIR;
    else if (unlinkat(at.path.dirfd, at.path.name, 0) != 0)
        err = errno == EPERM && fstatat(at.path.dirfd, at.path.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                      S_ISDIR(st.st_mode)
                  ? WASI_EISDIR /* macOS and the BSDs say EPERM */
                  : wasi_errno(errno);
    wasi_at_put(env, &at);
    return err;
}

int32_t wasi_path_rename(WasiEnv env, uint32_t fd, uint32_t old_path, uint32_t old_len,
                         uint32_t new_fd, uint32_t new_path, uint32_t new_len)
{
    WasiAt from, to;
    uint16_t err = wasi_at_get(env, fd, WASI_RIGHT_PATH_RENAME_SOURCE, 0, old_path, old_len,
                               false, &from);

    if (err)
        return err;
    err = wasi_at_get(env, new_fd, WASI_RIGHT_PATH_RENAME_TARGET, 0, new_path, new_len, false,
                      &to);
    if (!err && !(err = wasi_path_check_dir(&from.path)) &&
        renameat(from.path.dirfd, from.path.name, to.path.dirfd, to.path.name) != 0)
        err = wasi_errno(errno);
    if (to.dir)
        wasi_at_put(env, &to);
    wasi_at_put(env, &from);
    return err;
}

int32_t wasi_path_link(WasiEnv env, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                       uint32_t old_len, uint32_t new_fd, uint32_t new_path, uint32_t new_len)
{
    WasiAt from, to;
    uint16_t err = wasi_at_get(env, old_fd, WASI_RIGHT_PATH_LINK_SOURCE, 0, old_path, old_len,
                               old_flags & WASI_LOOKUP_SYMLINK_FOLLOW, &from);

    if (err)
        return err;
    err = wasi_at_get(env, new_fd, WASI_RIGHT_PATH_LINK_TARGET, 0, new_path, new_len, false,
                      &to);
    if (!err && !(err = wasi_path_check_dir(&from.path)) &&
        linkat(from.path.dirfd, from.path.name, to.path.dirfd, to.path.name, 0) != 0)
        err = wasi_errno(errno);
    if (to.dir)
        wasi_at_put(env, &to);
    wasi_at_put(env, &from);
    return err;
}

/* The link's content is refused up front when it is absolute or, read
 * lexically from where the link is made, climbs out of the directory fd:
 * such a link could never be followed inside the sandbox, and refusing it
 * keeps the guest from leaving traps for the host's own tools. */
int32_t wasi_path_symlink(WasiEnv env, uint32_t old_path, uint32_t old_len, uint32_t fd,
                          uint32_t new_path, uint32_t new_len)
{
    const char *s = (const char *)wasi_mem(env, old_path, old_len);
    char *target;
    WasiAt at;
    uint16_t err;

    if (!s)
        return WASI_EFAULT;
    if (old_len > WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    if (!(target = mem_alloc((size_t)old_len + 1)))
        return WASI_ENOMEM;
    memcpy(target, s, old_len);
    target[old_len] = '\0';
    if (memchr(target, '\0', old_len))
        err = WASI_EILSEQ;
    else
        err = wasi_at_get(env, fd, WASI_RIGHT_PATH_SYMLINK, 0, new_path, new_len, false, &at);
    if (!err) {
        if (!wasi_symlink_target_ok(target, at.path.depth))
            err = WASI_ENOTCAPABLE;
        else if (symlinkat(target, at.path.dirfd, at.path.name) != 0)
            err = wasi_errno(errno);
        wasi_at_put(env, &at);
    }
    mem_free(target);
    return err;
}

int32_t wasi_path_readlink(WasiEnv env, uint32_t fd, uint32_t path, uint32_t path_len,
                           uint32_t buf, uint32_t buf_len, uint32_t out_used)
{
    uint8_t *dst = wasi_mem(env, buf, buf_len), *result = wasi_mem(env, out_used, 4);
    char target[WASI_PATH_MAX + 1];
    WasiAt at;
    ssize_t n;
    uint16_t err;

    if (!dst || !result)
        return WASI_EFAULT;
    if ((err = wasi_at_get(env, fd, WASI_RIGHT_PATH_READLINK, 0, path, path_len, false, &at)))
        return err;
    n = readlinkat(at.path.dirfd, at.path.name, target, sizeof target);
    if (n < 0) {
        err = wasi_errno(errno);
    } else {
        /* Truncated to the buffer, as readlink(2) does. */
        uint32_t used = (size_t)n < buf_len ? (uint32_t)n : buf_len;
        memcpy(dst, target, used);
        wasi_put_u32(result, used);
    }
    wasi_at_put(env, &at);
    return err;
}

/* ====================================================================== */
/* Stat and times                                                          */
/* ====================================================================== */

static int32_t wasi_path_stat(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t path,
                              uint32_t path_len, uint32_t out_stat, bool unstable)
{
    uint8_t *p = wasi_mem(env, out_stat, unstable ? WASI_UNSTABLE_FILESTAT_SIZE
                                                  : WASI_FILESTAT_SIZE);
    struct stat st;
    WasiAt at;
    uint16_t err;

    if (!p)
        return WASI_EFAULT;
    if ((err = wasi_at_get(env, fd, WASI_RIGHT_PATH_FILESTAT_GET, 0, path, path_len,
                           flags & WASI_LOOKUP_SYMLINK_FOLLOW, &at)))
        return err;
    if (fstatat(at.path.dirfd, at.path.name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        err = wasi_errno(errno);
    else if (at.path.must_be_dir && !S_ISDIR(st.st_mode))
        err = WASI_ENOTDIR;
    else
        wasi_put_filestat(p, &st, unstable);
    wasi_at_put(env, &at);
    return err;
}

int32_t wasi_path_filestat_get(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t path,
                               uint32_t path_len, uint32_t out_stat)
{
    return wasi_path_stat(env, fd, flags, path, path_len, out_stat, false);
}

int32_t wasi_unstable_path_filestat_get(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t path,
                                        uint32_t path_len, uint32_t out_stat)
{
    return wasi_path_stat(env, fd, flags, path, path_len, out_stat, true);
}

int32_t wasi_path_filestat_set_times(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t path,
                                     uint32_t path_len, uint64_t atim, uint64_t mtim,
                                     uint32_t fst_flags)
{
    struct timespec ts[2];
    WasiAt at;
    uint16_t err = wasi_times(atim, mtim, fst_flags, ts);

    if (err)
        return err;
    if ((err = wasi_at_get(env, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, 0, path, path_len,
                           flags & WASI_LOOKUP_SYMLINK_FOLLOW, &at)))
        return err;
    if (!(err = wasi_path_check_dir(&at.path)) &&
        utimensat(at.path.dirfd, at.path.name, ts, AT_SYMLINK_NOFOLLOW) != 0)
        err = wasi_errno(errno);
    wasi_at_put(env, &at);
    return err;
}
