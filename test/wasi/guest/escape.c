/* Every way out of the sandbox we could think of, each asserting the errno
 * the runtime must give. The harness preopens box/ as "/box" next to an
 * outside/ directory, with these symlinks made by the host in box/:
 *   to_etc -> /etc           to_outside -> ../outside   to_secret -> ../outside/secret.txt
 *   chain1 -> chain2 -> chain3 -> ../outside            loop1 <-> loop2
 *   sub/up -> ..             sub/up2 -> ../..           self -> .
 *   abs_inside -> /box/file.txt                         to_sub -> sub
 *   sub/to_file -> ../file.txt
 * and afterwards checks that nothing outside box/ changed. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static int box;

/* path_open's errno (closing the fd it may give). */
static int try_open(const char *path, __wasi_lookupflags_t lookup)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(box, path, lookup, 0, RIGHTS_READ, &fd);
    if (e == 0)
        (void)__wasi_fd_close(fd);
    return e;
}

static int try_stat(const char *path, __wasi_lookupflags_t lookup)
{
    __wasi_filestat_t st;
    return __wasi_path_filestat_get(box, lookup, path, &st);
}

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define NOCAP __WASI_ERRNO_NOTCAPABLE

static void dotdot(void)
{
    CHECK_ERRNO(try_open("file.txt", 0), 0, "inside file opens");
    CHECK_ERRNO(try_open("..", 0), NOCAP, "the preopen's parent");
    CHECK_ERRNO(try_open("../outside/secret.txt", 0), NOCAP, "../outside");
    CHECK_ERRNO(try_open("../../../../../../etc/passwd", 0), NOCAP, "../../../etc/passwd");
    CHECK_ERRNO(try_open("sub/../../outside/secret.txt", 0), NOCAP, "sub/../../outside");
    CHECK_ERRNO(try_open("sub/deeper/../../..", 0), NOCAP, "sub/deeper/../../..");
    CHECK_ERRNO(try_open("sub/./../sub/../..", 0), NOCAP, "sub/./../sub/../..");
    CHECK_ERRNO(try_open("sub/../file.txt", 0), 0, "sub/../file.txt stays inside");
    CHECK_ERRNO(try_open("sub//deeper/./x.txt", 0), 0, "// and ./ inside");
    CHECK_ERRNO(try_open(".", 0), 0, ". is the preopen itself");
    CHECK_ERRNO(try_open("sub/deeper/../../file.txt", 0), 0, "down and back up to the root");
}

static void absolute(void)
{
    CHECK_ERRNO(try_open("/etc/passwd", 0), NOCAP, "absolute /etc/passwd");
    CHECK_ERRNO(try_open("/box/file.txt", 0), NOCAP, "absolute path even to inside");
    CHECK_ERRNO(try_open("/", 0), NOCAP, "absolute /");
    CHECK_ERRNO(try_stat("/etc", 0), NOCAP, "stat absolute /etc");
}

static void host_symlinks(void)
{
    CHECK_ERRNO(try_open("to_etc/passwd", 0), NOCAP, "symlink to /etc, inner component");
    CHECK_ERRNO(try_open("to_etc", FOLLOW), NOCAP, "symlink to /etc, followed");
    CHECK_ERRNO(try_open("to_etc", 0), __WASI_ERRNO_LOOP, "symlink to /etc, not followed");
    CHECK_ERRNO(try_open("to_etc/", 0), NOCAP, "symlink to /etc with trailing slash");
    CHECK_ERRNO(try_open("to_outside/secret.txt", 0), NOCAP, "symlink to ../outside");
    CHECK_ERRNO(try_open("to_outside/", 0), NOCAP, "to_outside/ (slash forces follow)");
    CHECK_ERRNO(try_open("to_secret", FOLLOW), NOCAP, "symlink to an outside file");
    CHECK_ERRNO(try_open("chain1/secret.txt", 0), NOCAP, "symlink chain leading out");
    CHECK_ERRNO(try_open("chain1", FOLLOW), NOCAP, "symlink chain followed");
    CHECK_ERRNO(try_open("loop1", FOLLOW), __WASI_ERRNO_LOOP, "symlink loop");
    CHECK_ERRNO(try_open("loop1/x", 0), __WASI_ERRNO_LOOP, "symlink loop, inner component");
    CHECK_ERRNO(try_open("sub/up/file.txt", 0), 0, "sub/up -> .. stays inside");
    CHECK_ERRNO(try_open("sub/up/..", 0), NOCAP, ".. after a symlink to the root");
    CHECK_ERRNO(try_open("sub/up/../outside/secret.txt", 0), NOCAP, "symlink then ..");
    CHECK_ERRNO(try_open("sub/up2/outside/secret.txt", 0), NOCAP, "sub/up2 -> ../..");
    CHECK_ERRNO(try_open("self/self/self/file.txt", 0), 0, "self -> . repeated");
    CHECK_ERRNO(try_open("abs_inside", FOLLOW), NOCAP, "absolute symlink even to inside");
    CHECK_ERRNO(try_open("to_sub/deeper/x.txt", 0), 0, "relative symlink inside");
    CHECK_ERRNO(try_open("to_sub/../../outside", 0), NOCAP, "inside symlink then ../..");
    CHECK_ERRNO(try_open("sub/to_file", FOLLOW), 0, "sub/to_file -> ../file.txt");
    CHECK_ERRNO(try_stat("to_secret", FOLLOW), NOCAP, "stat through a symlink out");
    CHECK_ERRNO(try_stat("to_secret", 0), 0, "lstat of the symlink itself is inside");
    CHECK_ERRNO(try_stat("../outside/secret.txt", 0), NOCAP, "stat ../outside");
    CHECK_ERRNO(__wasi_path_filestat_set_times(box, FOLLOW, "to_secret", 0, 0,
                                               __WASI_FSTFLAGS_MTIM_NOW),
                NOCAP, "set times through a symlink out");
}

static void guest_symlinks(void)
{
    __wasi_fd_t fd;

    CHECK_ERRNO(__wasi_path_symlink("../outside", box, "mine1"), NOCAP,
                "guest symlink climbing out refused");
    CHECK_ERRNO(__wasi_path_symlink("/etc", box, "mine2"), NOCAP,
                "guest absolute symlink refused");
    CHECK_ERRNO(__wasi_path_symlink("sub/../../outside", box, "mine3"), NOCAP,
                "guest symlink sub/../.. refused");
    CHECK_ERRNO(__wasi_path_symlink("file.txt", box, "../evil"), NOCAP,
                "guest symlink created outside");
    CHECK_ERRNO(__wasi_path_create_directory(box, "d"), 0, "mkdir d");
    CHECK_ERRNO(__wasi_path_symlink("../file.txt", box, "d/l"), 0, "d/l -> ../file.txt allowed");
    CHECK_ERRNO(try_open("d/l", FOLLOW), 0, "d/l opens");
    /* Moved up one level, the same target now climbs out. */
    CHECK_ERRNO(__wasi_path_rename(box, "d/l", box, "l"), 0, "move the link up");
    CHECK_ERRNO(try_open("l", FOLLOW), NOCAP, "moved link now points out");
    CHECK_ERRNO(try_open("l/x", 0), NOCAP, "moved link as a directory");
    CHECK_ERRNO(__wasi_path_link(box, FOLLOW, "to_secret", box, "stolen"), NOCAP,
                "hard link through a symlink out");
    CHECK_ERRNO(__wasi_path_link(box, 0, "to_secret", box, "stolen2"), 0,
                "hard link of the symlink itself");
    CHECK_ERRNO(try_open("stolen2", FOLLOW), NOCAP, "that link is still caught");
    CHECK_ERRNO(open_at(box, "d", 0, __WASI_OFLAGS_DIRECTORY, RIGHTS_READ, &fd), 0, "open d");
    CHECK_ERRNO(open_at(fd, "..", 0, 0, RIGHTS_READ, &(__wasi_fd_t){0}), NOCAP,
                "a derived dir fd cannot reach its parent");
    CHECK_ERRNO(__wasi_path_symlink("../file.txt", fd, "l2"), NOCAP,
                "guest symlink out of a derived dir fd");
    (void)__wasi_fd_close(fd);
}

static void outside_targets(void)
{
    CHECK_ERRNO(__wasi_path_rename(box, "file.txt", box, "../moved.txt"), NOCAP,
                "rename target outside");
    CHECK_ERRNO(__wasi_path_rename(box, "file.txt", box, "to_outside/moved.txt"), NOCAP,
                "rename target through a symlink");
    CHECK_ERRNO(__wasi_path_rename(box, "../outside/secret.txt", box, "got.txt"), NOCAP,
                "rename source outside");
    CHECK_ERRNO(__wasi_path_link(box, 0, "file.txt", box, "../linked.txt"), NOCAP,
                "link target outside");
    CHECK_ERRNO(__wasi_path_link(box, 0, "../outside/secret.txt", box, "got2"), NOCAP,
                "link source outside");
    CHECK_ERRNO(__wasi_path_create_directory(box, "../newdir"), NOCAP, "mkdir outside");
    CHECK_ERRNO(__wasi_path_create_directory(box, "to_outside/newdir"), NOCAP,
                "mkdir through a symlink");
    CHECK_ERRNO(__wasi_path_remove_directory(box, "../outside"), NOCAP, "rmdir outside");
    CHECK_ERRNO(__wasi_path_unlink_file(box, "../outside/secret.txt"), NOCAP, "unlink outside");
    CHECK_ERRNO(__wasi_path_unlink_file(box, "to_outside/secret.txt"), NOCAP,
                "unlink through a symlink");
    CHECK_ERRNO(open_at(box, "../created.txt", 0, __WASI_OFLAGS_CREAT, RIGHTS_RW,
                        &(__wasi_fd_t){0}),
                NOCAP, "create outside");
    CHECK_ERRNO(open_at(box, "to_outside/created.txt", 0, __WASI_OFLAGS_CREAT, RIGHTS_RW,
                        &(__wasi_fd_t){0}),
                NOCAP, "create through a symlink");
    CHECK_ERRNO(__wasi_path_readlink(box, "../outside", (uint8_t[8]){0}, 8, &(__wasi_size_t){0}),
                NOCAP, "readlink outside");
}

/* The path argument's bytes as given, NUL included. */
static void embedded_nul(void)
{
    static const char path[] = "file.txt\0../../etc/passwd";
    __wasi_fd_t fd = 0;

    CHECK_ERRNO(raw_path_open(box, 0, (int32_t)(uintptr_t)path, sizeof path - 1, 0,
                              RIGHTS_READ, 0, 0, (int32_t)(uintptr_t)&fd),
                __WASI_ERRNO_ILSEQ, "embedded NUL");
    CHECK_ERRNO(raw_path_open(box, 0, (int32_t)(uintptr_t)path, 8, 0, RIGHTS_READ, 0, 0,
                              (int32_t)(uintptr_t)&fd),
                0, "the same bytes without the NUL");
    (void)__wasi_fd_close(fd);
}

static void long_paths(void)
{
    static char path[6000];
    size_t n = 0;

    while (n + 3 < 5000) {
        memcpy(path + n, "../", 3);
        n += 3;
    }
    path[n] = '\0';
    CHECK_ERRNO(try_open(path, 0), __WASI_ERRNO_NAMETOOLONG, "a 5000-byte path");
    path[3 * 1000] = '\0';
    CHECK_ERRNO(try_open(path, 0), NOCAP, "1000 x ../");
    for (n = 0; n + 7 < 4000; n += 7)
        memcpy(path + n, "sub/../", 7);
    strcpy(path + n, "file.txt");
    CHECK_ERRNO(try_open(path, 0), 0, "4000 bytes of sub/../ staying inside");
}

static void rights(void)
{
    __wasi_fd_t f, d, g;
    __wasi_fdstat_t st;
    size_t n;

    CHECK_ERRNO(open_at(box, "file.txt", 0, 0, __WASI_RIGHTS_FD_READ, &f), 0, "read-only open");
    CHECK_ERRNO(__wasi_fd_write(f, &(__wasi_ciovec_t){(const uint8_t *)"x", 1}, 1, &n), NOCAP,
                "write without FD_WRITE");
    CHECK_ERRNO(__wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &(__wasi_filesize_t){0}), NOCAP,
                "seek without FD_SEEK");
    CHECK_ERRNO(__wasi_fd_fdstat_set_rights(f, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0),
                NOCAP, "rights cannot grow");
    CHECK_ERRNO(__wasi_fd_fdstat_set_rights(f, 0, 0), 0, "rights can drop");
    CHECK_ERRNO(__wasi_fd_read(f, &(__wasi_iovec_t){(uint8_t[4]){0}, 4}, 1, &n), NOCAP,
                "read after dropping FD_READ");
    (void)__wasi_fd_close(f);
    /* A directory fd whose inheriting rights lack FD_WRITE hands out no writers. */
    CHECK_ERRNO(__wasi_path_open(box, 0, "sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_READ,
                                 RIGHTS_READ, 0, &d),
                0, "sub opened with read-only inheriting rights");
    CHECK_ERRNO(__wasi_path_open(d, 0, "deeper/x.txt", 0, RIGHTS_RW, 0, 0, &g), NOCAP,
                "no write right to pass on");
    CHECK_ERRNO(__wasi_path_open(d, 0, "deeper/x.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &g), 0,
                "the read right passes");
    (void)__wasi_fd_close(g);
    CHECK_ERRNO(__wasi_path_create_directory(d, "nope"), NOCAP, "no PATH_CREATE_DIRECTORY");
    CHECK_ERRNO(__wasi_fd_fdstat_get(d, &st), 0, "fdstat of sub");
    CHECK(st.fs_filetype == __WASI_FILETYPE_DIRECTORY, "sub is a directory");
    CHECK((st.fs_rights_inheriting & __WASI_RIGHTS_FD_WRITE) == 0, "inheriting is cut");
    (void)__wasi_fd_close(d);
    CHECK_ERRNO(__wasi_path_open(box, 0, "file.txt", 0, RIGHTS_READ, 0, 0, &d), 0, "file fd");
    CHECK_ERRNO(__wasi_path_open(d, 0, "x", 0, RIGHTS_READ, 0, 0, &g), NOCAP,
                "a file fd has no PATH_OPEN");
    (void)__wasi_fd_close(d);
}

/* Through wasi-libc's own path handling (preopen prefix matching). */
static void libc_level(void)
{
    errno = 0;
    CHECK(fopen("/box/../outside/secret.txt", "r") == NULL && errno == ENOTCAPABLE,
          "fopen /box/../outside/secret.txt");
    errno = 0;
    CHECK(fopen("/box/to_etc/passwd", "r") == NULL && errno == ENOTCAPABLE,
          "fopen /box/to_etc/passwd");
    errno = 0;
    CHECK(opendir("/box/to_outside") == NULL && errno == ENOTCAPABLE, "opendir /box/to_outside");
    CHECK(fopen("/etc/passwd", "r") == NULL, "fopen /etc/passwd (no preopen)");
    CHECK(symlink("/etc/passwd", "/box/evil2") != 0 && errno == ENOTCAPABLE, "symlink() to /etc");
    FILE *f = fopen("/box/file.txt", "r");
    CHECK(f != NULL, "fopen /box/file.txt");
    if (f)
        fclose(f);
}

static void closed_preopen(void)
{
    __wasi_fd_t fd;
    CHECK_ERRNO(open_at(box, "sub", 0, __WASI_OFLAGS_DIRECTORY, RIGHTS_READ, &fd), 0, "open sub");
    CHECK_ERRNO(__wasi_fd_close(fd), 0, "close it");
    CHECK_ERRNO(open_at(fd, "deeper", 0, 0, RIGHTS_READ, &fd), __WASI_ERRNO_BADF,
                "a closed dir fd is gone");
    CHECK_ERRNO(open_at(1, "x", 0, 0, RIGHTS_READ, &fd), NOCAP, "stdout is no directory");
}

/* Thousands of resolutions, most failing half-way: any descriptor the
 * walk leaked would soon exhaust the host's limit. */
static void no_leaks(void)
{
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        bad += try_open("sub/deeper/../../../outside", 0) != NOCAP;
        bad += try_open("to_sub/deeper/x.txt", 0) != 0;
        bad += try_open("chain1/secret.txt", 0) != NOCAP;
        bad += try_stat("sub/deeper/missing/x", 0) != __WASI_ERRNO_NOENT;
    }
    CHECK(bad == 0, "12000 resolutions, no descriptor leaked");
}

int main(void)
{
    box = preopen_fd("/box");
    if (box < 0) {
        printf("FAIL no /box preopen\n");
        return 1;
    }
    dotdot();
    absolute();
    host_symlinks();
    guest_symlinks();
    outside_targets();
    embedded_nul();
    long_paths();
    rights();
    libc_level();
    closed_preopen();
    no_leaks();
    CHECK_DONE();
}
