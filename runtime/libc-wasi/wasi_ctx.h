/* The WASI state of one instance (WasiCtx): its descriptor table with the
 * rights of each descriptor, its preopened directories, args, environment and
 * address pool, and the exit code proc_exit recorded. Also the per-module
 * configuration (WasiConfig) the embedder sets before instantiating, and the
 * helpers every native shares: guest memory access and errno conversion. */
#ifndef WR_WASI_CTX_H
#define WR_WASI_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../common/instance.h"
#include "../platform/os.h"
#include "wasi_dir.h"
#include "wasi_types.h"

/* ---- configuration (copied from the embedder; owned by the module handle) ---- */

/* A list of strings in one block: items[i] points into the same allocation. */
typedef struct WasiStrList {
    char **items;
    uint32_t count;
} WasiStrList;

typedef struct WasiConfig {
    WasiStrList dirs; /* host dirs, preopened under their own name */
    WasiStrList map_dirs; /* "GUEST::HOST" */
    WasiStrList env; /* "KEY=VALUE" */
    WasiStrList argv;
    WasiStrList addr_pool; /* "ADDR[/MASK]" */
    int64_t stdio[3]; /* host fds for guest 0, 1, 2 (-1: the process's own) */
    bool out_of_memory; /* a setter could not copy: instantiation then fails */
} WasiConfig;

/* ---- descriptors ---- */

/* One open guest descriptor. Entries are reference counted so that a native
 * using one is never left with a closed host fd when another thread closes
 * or renumbers it; the host fd is closed when the last reference goes. */
typedef struct WasiFd {
    int host_fd;
    uint8_t type; /* WASI_FILETYPE_* */
    bool borrowed; /* the embedder's stdio: never closed by us */
    uint64_t rights_base, rights_inheriting;
    char *preopen_name; /* guest name of a preopened directory, else NULL */
    /* fd_readdir state: a stream over its own host fd, the cookie (entries
     * consumed) it stands at, and where the entry with cookie resume_cookie
     * starts, so that re-reading a truncated entry needs no rewind. */
    WasiDir *dir;
    uint64_t dir_cookie;
    uint64_t resume_cookie;
    int64_t resume_loc;
    uint32_t refs;
} WasiFd;

typedef struct WasiAddrRange {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    uint8_t prefix_bits;
} WasiAddrRange;

typedef struct WasiCtx {
    os_mutex lock; /* guards the table (fds, n_fds) and the entries' refs */
    WasiFd **fds; /* index = guest fd; NULL = free */
    uint32_t n_fds;
    /* args and environ, each as NUL-terminated strings back to back */
    char *args_buf;
    uint32_t argc, args_size;
    char *env_buf;
    uint32_t envc, env_size;
    WasiAddrRange *addr_pool;
    uint32_t n_addr_pool;
    uint32_t exit_code;
} WasiCtx;

/* ---- ctx lifetime (wasi_ctx.c) ---- */
/* Builds the ctx from cfg (NULL = no args, env or dirs; stdio from the
 * process). NULL with the reason in err when a directory cannot be opened,
 * the address pool is malformed, or memory runs out. */
WasiCtx *wasi_ctx_create(const WasiConfig *cfg, char *err, uint32_t err_size);
void wasi_ctx_destroy(WasiCtx *ctx);

/* ---- descriptor table (wasi_ctx.c) ---- */
/* Looks fd up and checks that it holds all of base and inheriting rights:
 * EBADF when there is no such fd (or no ctx), ENOTCAPABLE when a right is missing. On
 * success *out holds a reference the caller drops with wasi_fd_put. */
uint16_t wasi_fd_get(WasiCtx *ctx, uint32_t fd, uint64_t base, uint64_t inheriting,
                     WasiFd **out);
void wasi_fd_put(WasiCtx *ctx, WasiFd *f);
/* Wraps an open host fd in a new entry, rights cut to what its type allows,
 * at the lowest free guest fd. Takes the host fd (closed on failure). */
uint16_t wasi_fd_insert(WasiCtx *ctx, int host_fd, uint64_t base, uint64_t inheriting,
                        uint32_t *out_fd);
/* fd_fdstat_set_rights: ENOTCAPABLE unless both sets are subsets of fd's. */
uint16_t wasi_fd_set_rights(WasiCtx *ctx, uint32_t fd, uint64_t base, uint64_t inheriting);
/* Removes fd from the table (fd_close) or moves from onto to (fd_renumber). */
uint16_t wasi_fd_remove(WasiCtx *ctx, uint32_t fd);
uint16_t wasi_fd_move(WasiCtx *ctx, uint32_t from, uint32_t to);
/* The type of an open host fd and the most rights it can carry, cut by its
 * access mode (a read-only fd never gets FD_WRITE). */
uint16_t wasi_fd_classify(int host_fd, uint8_t *out_type, uint64_t *out_base,
                          uint64_t *out_inheriting);

/* ---- address pool (wasi_sock.c) ---- */
/* Whether addr (AF_INET or AF_INET6) lies in a range of the pool. */
struct sockaddr;
bool wasi_addr_allowed(const WasiCtx *ctx, const struct sockaddr *addr);

/* ---- helpers for natives ---- */
/* The calling instance's ctx, or NULL when the instance has none. */
WasiCtx *wasi_ctx_of(WasmExecEnv *env);
/* errno -> WASI errno. */
uint16_t wasi_errno(int host_errno);

/* Guest memory. Every access goes through wasi_mem: a pointer to [off,
 * off + len) inside the caller's linear memory, or NULL when any byte of it
 * is outside (natives then return EFAULT). len is 64-bit so products of
 * guest counts cannot wrap. The pointer is valid until the guest runs again
 * (memory.grow may move it). Values are stored little-endian, unaligned. */
static inline uint8_t *wasi_mem(WasmExecEnv *env, uint32_t off, uint64_t len)
{
    const WasmMemory *mem = env->module_inst->memory;
    if (!mem || !mem->data || (uint64_t)off + len > mem->size)
        return NULL;
    return mem->data + off;
}

static inline void wasi_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void wasi_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void wasi_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t wasi_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t wasi_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t wasi_get_u64(const uint8_t *p)
{
    return (uint64_t)wasi_get_u32(p) | (uint64_t)wasi_get_u32(p + 4) << 32;
}

/* Stores a u32 result at guest offset off; EFAULT when outside memory. */
static inline uint16_t wasi_store_u32(WasmExecEnv *env, uint32_t off, uint32_t v)
{
    uint8_t *p = wasi_mem(env, off, 4);
    if (!p)
        return WASI_EFAULT;
    wasi_put_u32(p, v);
    return WASI_ESUCCESS;
}

static inline uint16_t wasi_store_u64(WasmExecEnv *env, uint32_t off, uint64_t v)
{
    uint8_t *p = wasi_mem(env, off, 8);
    if (!p)
        return WASI_EFAULT;
    wasi_put_u64(p, v);
    return WASI_ESUCCESS;
}

#endif
