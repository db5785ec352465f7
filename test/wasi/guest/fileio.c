/* Files through wasi-libc and raw calls: create, write, read, seek, tell,
 * pread/pwrite, append, truncate, allocate, advise, sync, stat and times,
 * fdstat flags and rights, renumber. Run with the work dir preopened as
 * "data"; the harness then checks the files left behind. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

static void stdio_files(void)
{
    char buf[64] = {0};
    FILE *f = fopen("data/a.txt", "w+");

    CHECK(f != NULL, "fopen w+ creates");
    if (!f)
        return;
    CHECK(fputs("hello, world\n", f) >= 0, "fputs");
    CHECK(fprintf(f, "%d %s\n", 42, "lines") == 9, "fprintf");
    CHECK(ftell(f) == 22, "ftell after writes");
    CHECK(fseek(f, 7, SEEK_SET) == 0 && fread(buf, 1, 5, f) == 5 && !memcmp(buf, "world", 5),
          "fseek SEEK_SET + fread");
    CHECK(fseek(f, -9, SEEK_END) == 0 && fgets(buf, sizeof buf, f) && !strcmp(buf, "42 lines\n"),
          "fseek SEEK_END + fgets");
    CHECK(fseek(f, -3, SEEK_CUR) == 0 && ftell(f) == 19, "fseek SEEK_CUR");
    rewind(f);
    CHECK(fgets(buf, sizeof buf, f) && !strcmp(buf, "hello, world\n"), "rewind + fgets");
    CHECK(fclose(f) == 0, "fclose");
    f = fopen("data/a.txt", "a");
    CHECK(f && fputs("appended\n", f) >= 0 && fclose(f) == 0, "append mode");
    f = fopen("data/missing.txt", "r");
    CHECK(f == NULL && errno == ENOENT, "fopen of a missing file: ENOENT");
}

static void posix_files(void)
{
    char buf[32] = {0};
    struct stat st;
    int fd = open("data/b.bin", O_RDWR | O_CREAT | O_EXCL, 0644);

    CHECK(fd >= 0, "open O_CREAT|O_EXCL");
    CHECK(open("data/b.bin", O_RDWR | O_CREAT | O_EXCL, 0644) < 0 && errno == EEXIST,
          "O_EXCL on an existing file: EEXIST");
    CHECK(write(fd, "0123456789", 10) == 10, "write");
    CHECK(lseek(fd, 0, SEEK_CUR) == 10, "lseek tell");
    __wasi_filesize_t pos = 0;
    CHECK(__wasi_fd_tell(fd, &pos) == 0 && pos == 10, "fd_tell");
    CHECK(pwrite(fd, "AB", 2, 4) == 2, "pwrite");
    CHECK(lseek(fd, 0, SEEK_CUR) == 10, "pwrite leaves the offset");
    CHECK(pread(fd, buf, 6, 2) == 6 && !memcmp(buf, "23AB67", 6), "pread");
    CHECK(lseek(fd, 100, SEEK_SET) == 100 && write(fd, "Z", 1) == 1, "write past the end");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 101 && S_ISREG(st.st_mode), "fstat size 101");
    CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate");
    CHECK(posix_fallocate(fd, 0, 4096) == 0 && fstat(fd, &st) == 0 && st.st_size == 4096,
          "posix_fallocate grows the file");
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "posix_fadvise");
    CHECK(posix_fadvise(fd, 0, 0, 99) == EINVAL, "posix_fadvise bad advice: EINVAL");
    CHECK(fsync(fd) == 0, "fsync");
    CHECK(fdatasync(fd) == 0, "fdatasync");
    CHECK(lseek(fd, -1, SEEK_SET) < 0 && errno == EINVAL, "lseek before 0: EINVAL");
    CHECK(close(fd) == 0, "close");
    CHECK(close(fd) < 0 && errno == EBADF, "double close: EBADF");
    CHECK(write(fd, "x", 1) < 0 && errno == EBADF, "write to a closed fd: EBADF");
}

static void fd_flags_and_rights(void)
{
    __wasi_fdstat_t st;
    int fd = open("data/c.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fl;

    CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "open c.txt");
    fl = fcntl(fd, F_GETFL);
    CHECK(fl >= 0 && !(fl & O_APPEND), "no O_APPEND yet");
    CHECK(fcntl(fd, F_SETFL, fl | O_APPEND) == 0, "F_SETFL O_APPEND");
    CHECK((fcntl(fd, F_GETFL) & O_APPEND) != 0, "O_APPEND reported");
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "def", 3) == 3, "append ignores the offset");
    CHECK(__wasi_fd_fdstat_get(fd, &st) == 0 && st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE &&
              (st.fs_flags & __WASI_FDFLAGS_APPEND) && (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE),
          "fd_fdstat_get");
    CHECK((st.fs_rights_base & __WASI_RIGHTS_FD_READ) == 0, "write-only fd has no FD_READ");
    CHECK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC) == __WASI_ERRNO_NOTSUP,
          "sync flags cannot change: ENOTSUP");
    CHECK(__wasi_fd_fdstat_set_flags(fd, 0x100) == __WASI_ERRNO_INVAL, "unknown flag: EINVAL");
    CHECK(__wasi_fd_fdstat_set_rights(fd, st.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0) == 0,
          "drop FD_WRITE");
    CHECK_ERRNO(__wasi_fd_write(fd, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1,
                                &(__wasi_size_t){0}),
                __WASI_ERRNO_NOTCAPABLE, "fd_write without the right: ENOTCAPABLE");
    /* wasi-libc reports that as POSIX does for a descriptor not open for writing. */
    CHECK(write(fd, "x", 1) < 0 && errno == EBADF, "write() without the right: EBADF");
    close(fd);
}

static void renumber(void)
{
    char buf[8] = {0};
    int a = open("data/c.txt", O_RDONLY), b = open("data/a.txt", O_RDONLY);

    CHECK(a >= 0 && b >= 0, "two fds");
    CHECK(__wasi_fd_renumber(a, b) == 0, "fd_renumber");
    CHECK(read(b, buf, 6) == 6 && !strcmp(buf, "abcdef"), "b now reads c.txt");
    CHECK(read(a, buf, 1) < 0 && errno == EBADF, "a is closed");
    CHECK(__wasi_fd_renumber(b, 999) == __WASI_ERRNO_BADF, "renumber onto a closed fd: EBADF");
    close(b);
}

static void times(void)
{
    struct timespec ts[2] = {{1000000000, 5}, {1200000000, 700}};
    struct stat st;
    int fd;

    CHECK(utimensat(AT_FDCWD, "data/a.txt", ts, 0) == 0, "utimensat");
    CHECK(stat("data/a.txt", &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
              st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 700,
          "stat shows the times");
    fd = open("data/a.txt", O_RDONLY);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = 1300000000;
    CHECK(futimens(fd, ts) == 0, "futimens");
    CHECK(fstat(fd, &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
              st.st_mtim.tv_sec == 1300000000,
          "UTIME_OMIT kept atime");
    CHECK(__wasi_fd_filestat_set_times(fd, 0, 0,
                                       __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW) ==
              __WASI_ERRNO_INVAL,
          "MTIM with MTIM_NOW: EINVAL");
    CHECK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW) == 0 &&
              fstat(fd, &st) == 0 && st.st_mtim.tv_sec > 1600000000,
          "MTIM_NOW");
    CHECK(st.st_nlink == 1 && st.st_ino != 0, "nlink and ino");
    close(fd);
}

int main(void)
{
    stdio_files();
    posix_files();
    fd_flags_and_rights();
    renumber();
    times();
    CHECK_DONE();
}
