/* Directory streams on Linux and Android (see wasi_dir.h): entries come
 * straight from getdents64 into a buffer of our own, and a position is the
 * kernel's d_off cookie of the next entry, which lseek accepts. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../mem/mem.h"
#include "wasi_ctx.h"
#include "wasi_dir.h"

#define WASI_DIR_BUF 4096

/* The kernel's record (struct linux_dirent64). */
typedef struct WasiKernelDirent {
    uint64_t ino;
    int64_t off; /* where the entry after this one starts */
    unsigned short reclen;
    unsigned char type;
    char name[];
} WasiKernelDirent;

struct WasiDir {
    int fd;
    size_t used, at; /* bytes in buf, and the next record's start */
    int64_t next_loc; /* where the next unread entry starts */
    _Alignas(8) char buf[WASI_DIR_BUF];
};

WasiDir *wasi_dir_open(int fd, uint16_t *out_err)
{
    WasiDir *d = mem_alloc(sizeof *d);

    if (!d) {
        close(fd);
        *out_err = WASI_ENOMEM;
        return NULL;
    }
    d->fd = fd;
    d->used = d->at = 0;
    d->next_loc = 0;
    *out_err = WASI_ESUCCESS;
    return d;
}

void wasi_dir_close(WasiDir *d)
{
    if (!d)
        return;
    close(d->fd);
    mem_free(d);
}

static uint8_t wasi_dt_type(unsigned char t)
{
    switch (t) {
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK:
    case DT_FIFO: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

bool wasi_dir_next(WasiDir *d, WasiDirEntry *out, uint16_t *out_err)
{
    const WasiKernelDirent *k;

    *out_err = WASI_ESUCCESS;
    if (d->at >= d->used) {
        long n = syscall(SYS_getdents64, d->fd, d->buf, sizeof d->buf);
        if (n < 0)
            *out_err = wasi_errno(errno);
        if (n <= 0)
            return false;
        d->used = (size_t)n;
        d->at = 0;
    }
    k = (const WasiKernelDirent *)(d->buf + d->at);
    d->at += k->reclen;
    d->next_loc = k->off;
    out->ino = k->ino;
    out->type = wasi_dt_type(k->type);
    out->name = k->name;
    return true;
}

int64_t wasi_dir_tell(WasiDir *d)
{
    return d->next_loc;
}

void wasi_dir_seek(WasiDir *d, int64_t loc)
{
    lseek(d->fd, (off_t)loc, SEEK_SET);
    d->used = d->at = 0;
    d->next_loc = loc;
}

void wasi_dir_rewind(WasiDir *d)
{
    wasi_dir_seek(d, 0);
}

int wasi_dir_fd(const WasiDir *d)
{
    return d->fd;
}
