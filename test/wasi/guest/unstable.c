/* The same runtime under the old module name wasi_unstable (snapshot 0),
 * whose ABI differs: fd_seek numbers whence CUR=0 END=1 SET=2, filestat
 * has a u32 nlink (56 bytes, size at offset 24), and a clock subscription
 * starts with an identifier (56-byte subscriptions). Run with --dir=data;
 * data/ten.txt holds ten bytes. */
#include "check.h"

#define UNSTABLE(name) __attribute__((import_module("wasi_unstable"), import_name(name)))
UNSTABLE("fd_seek") int32_t u_fd_seek(int32_t fd, int64_t off, int32_t whence, int32_t out);
UNSTABLE("fd_filestat_get") int32_t u_fd_filestat_get(int32_t fd, int32_t out);
UNSTABLE("path_filestat_get")
int32_t u_path_filestat_get(int32_t fd, int32_t flags, int32_t path, int32_t len, int32_t out);
UNSTABLE("path_open")
int32_t u_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t len, int32_t oflags,
                    int64_t base, int64_t inh, int32_t fdflags, int32_t out);
UNSTABLE("poll_oneoff") int32_t u_poll_oneoff(int32_t in, int32_t out, int32_t n, int32_t out_n);
UNSTABLE("fd_write") int32_t u_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t out);
UNSTABLE("clock_time_get") int32_t u_clock_time_get(int32_t id, int64_t prec, int32_t out);

#define P(x) ((int32_t)(uintptr_t)(x))

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

int main(void)
{
    static uint8_t st[64], sub[56], ev[32];
    uint64_t pos = 0, t0, t1;
    uint32_t fd = 0, n = 0, nlink;
    static const char msg[] = "written through wasi_unstable\n";
    uint32_t iov[2] = {P(msg), sizeof msg - 1};

    CHECK_ERRNO(u_path_open(3, 0, P("ten.txt"), 7, 0, RIGHTS_READ, 0, 0, P(&fd)), 0, "path_open");
    CHECK_ERRNO(u_fd_seek(fd, 3, 2, P(&pos)), 0, "seek whence 2 (SET)");
    CHECK(pos == 3, "SET to 3");
    CHECK_ERRNO(u_fd_seek(fd, 2, 0, P(&pos)), 0, "seek whence 0 (CUR)");
    CHECK(pos == 5, "CUR +2 gives 5");
    CHECK_ERRNO(u_fd_seek(fd, -1, 1, P(&pos)), 0, "seek whence 1 (END)");
    CHECK(pos == 9, "END -1 gives 9");
    CHECK_ERRNO(u_fd_seek(fd, 0, 3, P(&pos)), __WASI_ERRNO_INVAL, "whence 3: EINVAL");
    memset(st, 0xee, sizeof st);
    CHECK_ERRNO(u_fd_filestat_get(fd, P(st)), 0, "fd_filestat_get");
    memcpy(&nlink, st + 20, 4);
    CHECK(st[16] == __WASI_FILETYPE_REGULAR_FILE && nlink == 1, "filetype @16, u32 nlink @20");
    CHECK(get64(st + 24) == 10, "size @24");
    CHECK(get64(st + 48) != 0 && st[56] == 0xee, "ctim @48, 56 bytes written");
    memset(st, 0xee, sizeof st);
    CHECK_ERRNO(u_path_filestat_get(3, 0, P("ten.txt"), 7, P(st)), 0, "path_filestat_get");
    CHECK(get64(st + 24) == 10 && st[56] == 0xee, "the same layout");
    memset(sub, 0, sizeof sub);
    sub[0] = 9;                     /* userdata */
    sub[8] = __WASI_EVENTTYPE_CLOCK; /* tag */
    memset(sub + 16, 0x55, 8);      /* identifier: must not be read as the clock id */
    sub[24] = __WASI_CLOCKID_MONOTONIC;
    uint64_t timeout = 20 * 1000000u;
    memcpy(sub + 32, &timeout, 8);
    CHECK_ERRNO(u_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, P(&t0)), 0, "clock_time_get");
    CHECK_ERRNO(u_poll_oneoff(P(sub), P(ev), 1, P(&n)), 0, "poll_oneoff");
    CHECK_ERRNO(u_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, P(&t1)), 0, "clock_time_get");
    CHECK(n == 1 && ev[0] == 9 && ev[8] == 0 && t1 - t0 >= timeout, "56-byte clock subscription");
    CHECK_ERRNO(u_fd_write(1, P(iov), 1, P(&n)), 0, "fd_write");
    CHECK_DONE();
}
