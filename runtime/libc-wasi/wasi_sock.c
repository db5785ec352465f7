/* The four socket natives of preview1: they work on sockets the guest was
 * given (as stdio, or accepted from a listening socket it was given);
 * preview1 has no way to create, bind or connect one. The address pool
 * (--addr-pool) is parsed into the ctx for the socket extensions that would
 * do so; wasi_addr_allowed is the check they are to use. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasi_natives.h"

/* Linux and the BSDs can refuse SIGPIPE per call; elsewhere the embedder
 * has to ignore SIGPIPE itself. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

static bool wasi_prefix_match(const uint8_t *a, const uint8_t *b, uint32_t bits)
{
    uint32_t whole = bits / 8, rest = bits % 8;

    if (memcmp(a, b, whole) != 0)
        return false;
    return rest == 0 || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool wasi_addr_allowed(const WasiCtx *ctx, const struct sockaddr *addr)
{
    const uint8_t *bytes;

    if (addr->sa_family == AF_INET)
        bytes = (const uint8_t *)&((const struct sockaddr_in *)addr)->sin_addr;
    else if (addr->sa_family == AF_INET6)
        bytes = (const uint8_t *)&((const struct sockaddr_in6 *)addr)->sin6_addr;
    else
        return false;
    for (uint32_t i = 0; i < ctx->n_addr_pool; i++) {
        const WasiAddrRange *r = &ctx->addr_pool[i];
        if (r->family == addr->sa_family && wasi_prefix_match(r->addr, bytes, r->prefix_bits))
            return true;
    }
    return false;
}

/* The new descriptor gets the socket rights its listener may pass on. */
int32_t wasi_sock_accept(WasiEnv env, uint32_t fd, uint32_t flags, uint32_t out_fd)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *result = wasi_mem(env, out_fd, 4);
    uint32_t new_fd;
    WasiFd *f;
    int hfd;
    uint16_t err;

    if (!result)
        return WASI_EFAULT;
    if (flags & ~(uint32_t)WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_SOCK_ACCEPT, 0, &f)))
        return err;
    hfd = accept(f->host_fd, NULL, NULL);
    if (hfd < 0) {
        err = wasi_errno(errno);
    } else {
        (void)fcntl(hfd, F_SETFD, FD_CLOEXEC);
        if ((flags & WASI_FDFLAG_NONBLOCK) &&
            fcntl(hfd, F_SETFL, fcntl(hfd, F_GETFL) | O_NONBLOCK) != 0) {
            err = wasi_errno(errno);
            close(hfd);
        } else if (!(err = wasi_fd_insert(ctx, hfd, WASI_RIGHTS_SOCKET_BASE & f->rights_inheriting,
                                          f->rights_inheriting, &new_fd))) {
            wasi_put_u32(result, new_fd);
        }
    }
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_sock_recv(WasiEnv env, uint32_t fd, uint32_t ri_data, uint32_t ri_data_len,
                       uint32_t ri_flags, uint32_t out_len, uint32_t out_flags)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *len_p = wasi_mem(env, out_len, 4), *flags_p = wasi_mem(env, out_flags, 2);
    struct msghdr msg;
    WasiIov io;
    WasiFd *f;
    ssize_t n;
    uint16_t err;

    if (!len_p || !flags_p)
        return WASI_EFAULT;
    if (ri_flags & ~(uint32_t)(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_READ, 0, &f)))
        return err;
    if (!(err = wasi_iov_get(env, ri_data, ri_data_len, &io))) {
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = io.v;
        msg.msg_iovlen = (size_t)io.n;
        n = recvmsg(f->host_fd, &msg,
                    (ri_flags & WASI_RIFLAG_RECV_PEEK ? MSG_PEEK : 0) |
                        (ri_flags & WASI_RIFLAG_RECV_WAITALL ? MSG_WAITALL : 0));
        if (n < 0) {
            err = wasi_errno(errno);
        } else {
            wasi_put_u32(len_p, (uint32_t)n);
            wasi_put_u16(flags_p, msg.msg_flags & MSG_TRUNC ? WASI_ROFLAG_RECV_DATA_TRUNCATED : 0);
        }
        wasi_iov_free(&io);
    }
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_sock_send(WasiEnv env, uint32_t fd, uint32_t si_data, uint32_t si_data_len,
                       uint32_t si_flags, uint32_t out_len)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    uint8_t *len_p = wasi_mem(env, out_len, 4);
    struct msghdr msg;
    WasiIov io;
    WasiFd *f;
    ssize_t n;
    uint16_t err;

    if (!len_p)
        return WASI_EFAULT;
    if (si_flags != 0) /* preview1 defines no send flags */
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_FD_WRITE, 0, &f)))
        return err;
    if (!(err = wasi_iov_get(env, si_data, si_data_len, &io))) {
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = io.v;
        msg.msg_iovlen = (size_t)io.n;
        n = sendmsg(f->host_fd, &msg, MSG_NOSIGNAL);
        if (n < 0)
            err = wasi_errno(errno);
        else
            wasi_put_u32(len_p, (uint32_t)n);
        wasi_iov_free(&io);
    }
    wasi_fd_put(ctx, f);
    return err;
}

int32_t wasi_sock_shutdown(WasiEnv env, uint32_t fd, uint32_t how)
{
    static const int host_how[] = {0, SHUT_RD, SHUT_WR, SHUT_RDWR}; /* by sdflags */
    WasiCtx *ctx = wasi_ctx_of(env);
    WasiFd *f;
    uint16_t err;

    if (how == 0 || how > (WASI_SDFLAG_RD | WASI_SDFLAG_WR))
        return WASI_EINVAL;
    if ((err = wasi_fd_get(ctx, fd, WASI_RIGHT_SOCK_SHUTDOWN, 0, &f)))
        return err;
    if (shutdown(f->host_fd, host_how[how]) != 0)
        err = wasi_errno(errno);
    wasi_fd_put(ctx, f);
    return err;
}
