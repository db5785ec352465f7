/* Directory streams for fd_readdir. Two whole-file variants with this one
 * function set, chosen by the build: wasi_dir_linux.c reads the kernel's
 * entries itself (getdents64) into a buffer from mem_alloc, so that pool
 * mode keeps its promise that every runtime byte is in the embedder's
 * buffer; wasi_dir_posix.c wraps readdir(3), whose DIR libc allocates. */
#ifndef WR_WASI_DIR_H
#define WR_WASI_DIR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct WasiDir WasiDir;

typedef struct WasiDirEntry {
    uint64_t ino;
    uint8_t type; /* WASI_FILETYPE_*; UNKNOWN when the host did not say */
    const char *name; /* valid until the next call on the stream */
} WasiDirEntry;

/* A stream over the directory open as fd, which it takes (closed by
 * wasi_dir_close, or here on failure). NULL with a WASI errno in *out_err. */
WasiDir *wasi_dir_open(int fd, uint16_t *out_err);
void wasi_dir_close(WasiDir *d);
/* The next entry: true with *out filled, false at the end (*out_err 0) or
 * on failure (*out_err the WASI errno). */
bool wasi_dir_next(WasiDir *d, WasiDirEntry *out, uint16_t *out_err);
/* Where the next entry starts, and going back there (or to the start). */
int64_t wasi_dir_tell(WasiDir *d);
void wasi_dir_seek(WasiDir *d, int64_t loc);
void wasi_dir_rewind(WasiDir *d);
/* The host fd of the directory, for fstatat on an entry of unknown type. */
int wasi_dir_fd(const WasiDir *d);

#endif
