/* Directory streams on any POSIX host (see wasi_dir.h): readdir(3) over a
 * DIR, positions from telldir. The DIR itself is allocated by libc, so on
 * these hosts pool mode cannot hold fd_readdir's stream. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "../mem/mem.h"
#include "wasi_ctx.h"
#include "wasi_dir.h"

struct WasiDir {
    DIR *dir;
};

WasiDir *wasi_dir_open(int fd, uint16_t *out_err)
{
    WasiDir *d = mem_alloc(sizeof *d);

    if (!d) {
        close(fd);
        *out_err = WASI_ENOMEM;
        return NULL;
    }
    if (!(d->dir = fdopendir(fd))) {
        *out_err = wasi_errno(errno);
        close(fd);
        mem_free(d);
        return NULL;
    }
    *out_err = WASI_ESUCCESS;
    return d;
}

void wasi_dir_close(WasiDir *d)
{
    if (!d)
        return;
    closedir(d->dir);
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
    struct dirent *de;

    errno = 0;
    if (!(de = readdir(d->dir))) {
        *out_err = errno ? wasi_errno(errno) : WASI_ESUCCESS;
        return false;
    }
    *out_err = WASI_ESUCCESS;
    out->ino = (uint64_t)de->d_ino;
    out->type = wasi_dt_type(de->d_type);
    out->name = de->d_name;
    return true;
}

int64_t wasi_dir_tell(WasiDir *d)
{
    return (int64_t)telldir(d->dir);
}

void wasi_dir_seek(WasiDir *d, int64_t loc)
{
    seekdir(d->dir, (long)loc);
}

void wasi_dir_rewind(WasiDir *d)
{
    rewinddir(d->dir);
}

int wasi_dir_fd(const WasiDir *d)
{
    return dirfd(d->dir);
}
