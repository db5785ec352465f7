/* The WASI ctx of an instance: building it from the module's WasiConfig
 * (stdio, preopened directories, args, environment, address pool), the
 * reference-counted descriptor table, and errno conversion. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include "wasi_ctx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/error.h"
#include "../mem/mem.h"

/* The table never grows past this many guest fds (the host's own limit
 * usually stops a guest much earlier, with EMFILE). */
#define WASI_MAX_FDS (1u << 20)

/* ====================================================================== */
/* errno                                                                   */
/* ====================================================================== */

/* Host errno -> WASI errno. ENOTSUP and EOPNOTSUPP (and EAGAIN and
 * EWOULDBLOCK) may be one value or two, so this is a table, not a switch. */
static const struct {
    int host;
    uint16_t wasi;
} wasi_errno_map[] = {
    {E2BIG, WASI_E2BIG}, {EACCES, WASI_EACCES}, {EADDRINUSE, WASI_EADDRINUSE},
    {EADDRNOTAVAIL, WASI_EADDRNOTAVAIL}, {EAFNOSUPPORT, WASI_EAFNOSUPPORT}, {EAGAIN, WASI_EAGAIN},
    {EALREADY, WASI_EALREADY}, {EBADF, WASI_EBADF}, {EBADMSG, WASI_EBADMSG}, {EBUSY, WASI_EBUSY},
    {ECANCELED, WASI_ECANCELED}, {ECHILD, WASI_ECHILD}, {ECONNABORTED, WASI_ECONNABORTED},
    {ECONNREFUSED, WASI_ECONNREFUSED}, {ECONNRESET, WASI_ECONNRESET}, {EDEADLK, WASI_EDEADLK},
    {EDESTADDRREQ, WASI_EDESTADDRREQ}, {EDOM, WASI_EDOM}, {EDQUOT, WASI_EDQUOT},
    {EEXIST, WASI_EEXIST}, {EFAULT, WASI_EFAULT}, {EFBIG, WASI_EFBIG},
    {EHOSTUNREACH, WASI_EHOSTUNREACH}, {EIDRM, WASI_EIDRM}, {EILSEQ, WASI_EILSEQ},
    {EINPROGRESS, WASI_EINPROGRESS}, {EINTR, WASI_EINTR}, {EINVAL, WASI_EINVAL}, {EIO, WASI_EIO},
    {EISCONN, WASI_EISCONN}, {EISDIR, WASI_EISDIR}, {ELOOP, WASI_ELOOP}, {EMFILE, WASI_EMFILE},
    {EMLINK, WASI_EMLINK}, {EMSGSIZE, WASI_EMSGSIZE}, {EMULTIHOP, WASI_EMULTIHOP},
    {ENAMETOOLONG, WASI_ENAMETOOLONG}, {ENETDOWN, WASI_ENETDOWN}, {ENETRESET, WASI_ENETRESET},
    {ENETUNREACH, WASI_ENETUNREACH}, {ENFILE, WASI_ENFILE}, {ENOBUFS, WASI_ENOBUFS},
    {ENODEV, WASI_ENODEV}, {ENOENT, WASI_ENOENT}, {ENOEXEC, WASI_ENOEXEC}, {ENOLCK, WASI_ENOLCK},
    {ENOLINK, WASI_ENOLINK}, {ENOMEM, WASI_ENOMEM}, {ENOMSG, WASI_ENOMSG},
    {ENOPROTOOPT, WASI_ENOPROTOOPT}, {ENOSPC, WASI_ENOSPC}, {ENOSYS, WASI_ENOSYS},
    {ENOTCONN, WASI_ENOTCONN}, {ENOTDIR, WASI_ENOTDIR}, {ENOTEMPTY, WASI_ENOTEMPTY},
    {ENOTRECOVERABLE, WASI_ENOTRECOVERABLE}, {ENOTSOCK, WASI_ENOTSOCK}, {ENOTTY, WASI_ENOTTY},
    {ENXIO, WASI_ENXIO}, {EOVERFLOW, WASI_EOVERFLOW}, {EOWNERDEAD, WASI_EOWNERDEAD},
    {EPERM, WASI_EPERM}, {EPIPE, WASI_EPIPE}, {EPROTO, WASI_EPROTO},
    {EPROTONOSUPPORT, WASI_EPROTONOSUPPORT}, {EPROTOTYPE, WASI_EPROTOTYPE}, {ERANGE, WASI_ERANGE},
    {EROFS, WASI_EROFS}, {ESPIPE, WASI_ESPIPE}, {ESRCH, WASI_ESRCH}, {ESTALE, WASI_ESTALE},
    {ETIMEDOUT, WASI_ETIMEDOUT}, {ETXTBSY, WASI_ETXTBSY}, {EXDEV, WASI_EXDEV},
    {ENOTSUP, WASI_ENOTSUP}, {EOPNOTSUPP, WASI_ENOTSUP}, {EWOULDBLOCK, WASI_EAGAIN},
};

uint16_t wasi_errno(int e)
{
    for (size_t i = 0; i < sizeof wasi_errno_map / sizeof wasi_errno_map[0]; i++)
        if (wasi_errno_map[i].host == e)
            return wasi_errno_map[i].wasi;
    return e == 0 ? WASI_ESUCCESS : WASI_EIO;
}

WasiCtx *wasi_ctx_of(WasmExecEnv *env)
{
    return env->module_inst->wasi;
}

/* ====================================================================== */
/* Descriptor entries                                                      */
/* ====================================================================== */

static uint8_t wasi_socket_type(int fd)
{
    int type = 0;
    socklen_t len = sizeof type;

    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
        return WASI_FILETYPE_UNKNOWN;
    return type == SOCK_DGRAM ? WASI_FILETYPE_SOCKET_DGRAM : WASI_FILETYPE_SOCKET_STREAM;
}

/* The type of a host object and the most rights a descriptor of it may hold
 * (before the access mode is applied). Pipes count as stream sockets, as in
 * CloudABI: WASI has no FIFO type, and both are byte streams. */
static uint16_t wasi_classify_mode(int fd, mode_t mode, uint8_t *out_type, uint64_t *out_base,
                                   uint64_t *out_inheriting)
{
    *out_inheriting = 0;
    if (S_ISREG(mode)) {
        *out_type = WASI_FILETYPE_REGULAR_FILE;
        *out_base = WASI_RIGHTS_REGULAR_FILE_BASE;
    } else if (S_ISDIR(mode)) {
        *out_type = WASI_FILETYPE_DIRECTORY;
        *out_base = WASI_RIGHTS_DIRECTORY_BASE;
        *out_inheriting = WASI_RIGHTS_DIRECTORY_INHERITING;
    } else if (S_ISCHR(mode)) {
        *out_type = WASI_FILETYPE_CHARACTER_DEVICE;
        /* A terminal cannot seek: wasi-libc's isatty() tests exactly that. */
        *out_base = isatty(fd) ? WASI_RIGHTS_TTY_BASE : WASI_RIGHTS_ALL;
    } else if (S_ISBLK(mode)) {
        *out_type = WASI_FILETYPE_BLOCK_DEVICE;
        *out_base = WASI_RIGHTS_ALL;
    } else if (S_ISSOCK(mode) || S_ISFIFO(mode)) {
        *out_type = S_ISSOCK(mode) ? wasi_socket_type(fd) : WASI_FILETYPE_SOCKET_STREAM;
        *out_base = WASI_RIGHTS_SOCKET_BASE;
        *out_inheriting = WASI_RIGHTS_ALL;
    } else {
        return WASI_EINVAL;
    }
    return WASI_ESUCCESS;
}

uint16_t wasi_fd_classify(int host_fd, uint8_t *out_type, uint64_t *out_base,
                          uint64_t *out_inheriting)
{
    struct stat st;
    int fl;
    uint16_t err;

    if (fstat(host_fd, &st) != 0)
        return wasi_errno(errno);
    err = wasi_classify_mode(host_fd, st.st_mode, out_type, out_base, out_inheriting);
    if (err)
        return err;
    fl = fcntl(host_fd, F_GETFL);
    if (fl < 0)
        return wasi_errno(errno);
    if ((fl & O_ACCMODE) == O_RDONLY)
        *out_base &= ~WASI_RIGHT_FD_WRITE;
    else if ((fl & O_ACCMODE) == O_WRONLY)
        *out_base &= ~WASI_RIGHT_FD_READ;
    return WASI_ESUCCESS;
}

static void wasi_entry_free(WasiFd *f)
{
    wasi_dir_close(f->dir);
    if (!f->borrowed)
        close(f->host_fd);
    mem_free(f->preopen_name);
    mem_free(f);
}

/* A new entry for host_fd with rights cut to its type; NULL with the
 * reason in *out_err. Does not take host_fd on failure. */
static WasiFd *wasi_entry_new(int host_fd, uint64_t base, uint64_t inheriting,
                              uint16_t *out_err)
{
    uint8_t type;
    uint64_t max_base, max_inheriting;
    WasiFd *f;

    *out_err = wasi_fd_classify(host_fd, &type, &max_base, &max_inheriting);
    if (*out_err)
        return NULL;
    f = mem_calloc(1, sizeof *f);
    if (!f) {
        *out_err = WASI_ENOMEM;
        return NULL;
    }
    f->host_fd = host_fd;
    f->type = type;
    f->rights_base = base & max_base;
    f->rights_inheriting = inheriting & max_inheriting;
    f->refs = 1; /* the table's reference */
    return f;
}

/* ====================================================================== */
/* The table                                                               */
/* ====================================================================== */

/* Makes index fd addressable; call with the lock held. */
static bool wasi_table_reserve(WasiCtx *ctx, uint32_t fd)
{
    uint32_t n = ctx->n_fds ? ctx->n_fds : 8;
    WasiFd **grown;

    if (fd < ctx->n_fds)
        return true;
    if (fd >= WASI_MAX_FDS)
        return false;
    while (n <= fd)
        n *= 2;
    grown = mem_realloc(ctx->fds, (size_t)n * sizeof *grown);
    if (!grown)
        return false;
    memset(grown + ctx->n_fds, 0, (size_t)(n - ctx->n_fds) * sizeof *grown);
    ctx->fds = grown;
    ctx->n_fds = n;
    return true;
}

uint16_t wasi_fd_get(WasiCtx *ctx, uint32_t fd, uint64_t base, uint64_t inheriting,
                     WasiFd **out)
{
    uint16_t err = WASI_ESUCCESS;
    WasiFd *f;

    *out = NULL;
    if (!ctx)
        return WASI_EBADF; /* an instance without WASI has no descriptors */
    os_mutex_lock(&ctx->lock);
    f = fd < ctx->n_fds ? ctx->fds[fd] : NULL;
    if (!f)
        err = WASI_EBADF;
    else if ((f->rights_base & base) != base || (f->rights_inheriting & inheriting) != inheriting)
        err = WASI_ENOTCAPABLE;
    else
        f->refs++;
    os_mutex_unlock(&ctx->lock);
    *out = err ? NULL : f;
    return err;
}

void wasi_fd_put(WasiCtx *ctx, WasiFd *f)
{
    bool last;

    os_mutex_lock(&ctx->lock);
    last = --f->refs == 0;
    os_mutex_unlock(&ctx->lock);
    if (last)
        wasi_entry_free(f);
}

/* Puts f at the lowest free fd at or above from. */
static uint16_t wasi_table_add(WasiCtx *ctx, WasiFd *f, uint32_t from, uint32_t *out_fd)
{
    uint32_t fd = from;
    uint16_t err = WASI_ESUCCESS;

    os_mutex_lock(&ctx->lock);
    while (fd < ctx->n_fds && ctx->fds[fd])
        fd++;
    if (wasi_table_reserve(ctx, fd))
        ctx->fds[fd] = f;
    else
        err = fd >= WASI_MAX_FDS ? WASI_EMFILE : WASI_ENOMEM;
    os_mutex_unlock(&ctx->lock);
    *out_fd = fd;
    return err;
}

uint16_t wasi_fd_insert(WasiCtx *ctx, int host_fd, uint64_t base, uint64_t inheriting,
                        uint32_t *out_fd)
{
    uint16_t err;
    WasiFd *f = wasi_entry_new(host_fd, base, inheriting, &err);

    if (!f) {
        close(host_fd);
        return err;
    }
    err = wasi_table_add(ctx, f, 0, out_fd);
    if (err)
        wasi_entry_free(f);
    return err;
}

uint16_t wasi_fd_set_rights(WasiCtx *ctx, uint32_t fd, uint64_t base, uint64_t inheriting)
{
    uint16_t err = WASI_ESUCCESS;
    WasiFd *f;

    if (!ctx)
        return WASI_EBADF;
    os_mutex_lock(&ctx->lock);
    f = fd < ctx->n_fds ? ctx->fds[fd] : NULL;
    if (!f) {
        err = WASI_EBADF;
    } else if ((base & ~f->rights_base) || (inheriting & ~f->rights_inheriting)) {
        err = WASI_ENOTCAPABLE; /* rights can only be dropped */
    } else {
        f->rights_base = base;
        f->rights_inheriting = inheriting;
    }
    os_mutex_unlock(&ctx->lock);
    return err;
}

uint16_t wasi_fd_remove(WasiCtx *ctx, uint32_t fd)
{
    WasiFd *f;

    if (!ctx)
        return WASI_EBADF;
    os_mutex_lock(&ctx->lock);
    f = fd < ctx->n_fds ? ctx->fds[fd] : NULL;
    if (f)
        ctx->fds[fd] = NULL;
    os_mutex_unlock(&ctx->lock);
    if (!f)
        return WASI_EBADF;
    wasi_fd_put(ctx, f);
    return WASI_ESUCCESS;
}

uint16_t wasi_fd_move(WasiCtx *ctx, uint32_t from, uint32_t to)
{
    WasiFd *old = NULL;
    uint16_t err = WASI_ESUCCESS;

    if (!ctx)
        return WASI_EBADF;
    os_mutex_lock(&ctx->lock);
    if (from >= ctx->n_fds || to >= ctx->n_fds || !ctx->fds[from] || !ctx->fds[to]) {
        err = WASI_EBADF;
    } else if (from != to) {
        old = ctx->fds[to];
        ctx->fds[to] = ctx->fds[from];
        ctx->fds[from] = NULL;
    }
    os_mutex_unlock(&ctx->lock);
    if (old)
        wasi_fd_put(ctx, old);
    return err;
}

/* ====================================================================== */
/* Building a ctx                                                          */
/* ====================================================================== */

/* Joins list into one buffer of NUL-terminated strings. */
static bool wasi_join(const WasiStrList *list, char **out_buf, uint32_t *out_count,
                      uint32_t *out_size)
{
    uint64_t size = 0;
    char *p;

    for (uint32_t i = 0; i < list->count; i++)
        size += strlen(list->items[i]) + 1;
    if (size > UINT32_MAX)
        return false;
    *out_buf = mem_alloc(size ? size : 1);
    if (!*out_buf)
        return false;
    p = *out_buf;
    for (uint32_t i = 0; i < list->count; i++) {
        size_t n = strlen(list->items[i]) + 1;
        memcpy(p, list->items[i], n);
        p += n;
    }
    *out_count = list->count;
    *out_size = (uint32_t)size;
    return true;
}

/* "ADDR" or "ADDR/BITS", IPv4 or IPv6. */
static bool wasi_parse_range(const char *text, WasiAddrRange *out)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    unsigned long bits;
    char *end;

    if (n == 0 || n >= sizeof addr)
        return false;
    memcpy(addr, text, n);
    addr[n] = '\0';
    memset(out, 0, sizeof *out);
    out->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(out->family, addr, out->addr) != 1)
        return false;
    bits = out->family == AF_INET ? 32 : 128;
    if (slash) {
        unsigned long max = bits;
        if (!slash[1] || slash[1] == '-' || slash[1] == '+')
            return false;
        bits = strtoul(slash + 1, &end, 10);
        if (*end || bits > max)
            return false;
    }
    out->prefix_bits = (uint8_t)bits;
    return true;
}

static bool wasi_parse_pool(WasiCtx *ctx, const WasiStrList *pool, char *err, uint32_t err_size)
{
    if (pool->count == 0)
        return true;
    ctx->addr_pool = mem_calloc(pool->count, sizeof *ctx->addr_pool);
    if (!ctx->addr_pool) {
        rt_set_error(err, err_size, "allocate memory failed");
        return false;
    }
    for (uint32_t i = 0; i < pool->count; i++) {
        if (!wasi_parse_range(pool->items[i], &ctx->addr_pool[i])) {
            rt_set_error(err, err_size, "invalid address pool entry \"%s\"", pool->items[i]);
            return false;
        }
    }
    ctx->n_addr_pool = pool->count;
    return true;
}

/* Guest fds 0-2 wrap the host's stdio (or the embedder's fds), borrowed: a
 * guest's fd_close must not close the host process's stdout. A host fd that
 * is not open leaves its slot empty. */
static bool wasi_add_stdio(WasiCtx *ctx, const int64_t stdio[3])
{
    for (uint32_t i = 0; i < 3; i++) {
        uint16_t e;
        int host = stdio && stdio[i] >= 0 ? (int)stdio[i] : (int)i;
        WasiFd *f = wasi_entry_new(host, WASI_RIGHTS_ALL, WASI_RIGHTS_ALL, &e);
        if (!f) {
            if (e == WASI_ENOMEM)
                return false;
            continue;
        }
        f->borrowed = true;
        os_mutex_lock(&ctx->lock);
        bool ok = wasi_table_reserve(ctx, i);
        if (ok)
            ctx->fds[i] = f;
        os_mutex_unlock(&ctx->lock);
        if (!ok) {
            wasi_entry_free(f);
            return false;
        }
    }
    return true;
}

static bool wasi_preopen(WasiCtx *ctx, const char *guest, size_t guest_len, const char *host,
                         char *err, uint32_t err_size)
{
    uint16_t e;
    uint32_t fd;
    WasiFd *f = NULL;
    int hfd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (hfd < 0) {
        rt_set_error(err, err_size, "error while pre-opening directory %s: %s", host,
                     strerror(errno));
        return false;
    }
    f = wasi_entry_new(hfd, WASI_RIGHTS_DIRECTORY_BASE, WASI_RIGHTS_DIRECTORY_INHERITING, &e);
    if (!f || !(f->preopen_name = mem_alloc(guest_len + 1)))
        goto oom;
    memcpy(f->preopen_name, guest, guest_len);
    f->preopen_name[guest_len] = '\0';
    if (wasi_table_add(ctx, f, 3, &fd))
        goto oom;
    return true;
oom:
    if (f)
        wasi_entry_free(f);
    else
        close(hfd);
    rt_set_error(err, err_size, "error while pre-opening directory %s: allocate memory failed",
                 host);
    return false;
}

/* --dir=DIR preopens DIR under its own name; --map-dir=GUEST::HOST under GUEST. */
static bool wasi_add_preopens(WasiCtx *ctx, const WasiConfig *cfg, char *err, uint32_t err_size)
{
    for (uint32_t i = 0; i < cfg->dirs.count; i++) {
        const char *d = cfg->dirs.items[i];
        if (!wasi_preopen(ctx, d, strlen(d), d, err, err_size))
            return false;
    }
    for (uint32_t i = 0; i < cfg->map_dirs.count; i++) {
        const char *m = cfg->map_dirs.items[i];
        const char *sep = strstr(m, "::");
        if (!sep || sep == m || !sep[2]) {
            rt_set_error(err, err_size, "invalid map dir \"%s\": expected GUEST::HOST", m);
            return false;
        }
        if (!wasi_preopen(ctx, m, (size_t)(sep - m), sep + 2, err, err_size))
            return false;
    }
    return true;
}

WasiCtx *wasi_ctx_create(const WasiConfig *cfg, char *err, uint32_t err_size)
{
    static const WasiConfig none = {.stdio = {-1, -1, -1}};
    WasiCtx *ctx;

    if (!cfg)
        cfg = &none;
    if (cfg->out_of_memory || !(ctx = mem_calloc(1, sizeof *ctx))) {
        rt_set_error(err, err_size, "allocate memory failed");
        return NULL;
    }
    if (!os_mutex_init(&ctx->lock)) {
        mem_free(ctx);
        rt_set_error(err, err_size, "cannot create a mutex");
        return NULL;
    }
    if (!wasi_join(&cfg->argv, &ctx->args_buf, &ctx->argc, &ctx->args_size) ||
        !wasi_join(&cfg->env, &ctx->env_buf, &ctx->envc, &ctx->env_size) ||
        !wasi_add_stdio(ctx, cfg->stdio)) {
        rt_set_error(err, err_size, "allocate memory failed");
        goto fail;
    }
    if (!wasi_parse_pool(ctx, &cfg->addr_pool, err, err_size) ||
        !wasi_add_preopens(ctx, cfg, err, err_size))
        goto fail;
    return ctx;
fail:
    wasi_ctx_destroy(ctx);
    return NULL;
}

void wasi_ctx_destroy(WasiCtx *ctx)
{
    if (!ctx)
        return;
    for (uint32_t i = 0; i < ctx->n_fds; i++)
        if (ctx->fds[i])
            wasi_fd_put(ctx, ctx->fds[i]);
    mem_free(ctx->fds);
    mem_free(ctx->args_buf);
    mem_free(ctx->env_buf);
    mem_free(ctx->addr_pool);
    os_mutex_destroy(&ctx->lock);
    mem_free(ctx);
}
