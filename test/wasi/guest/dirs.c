/* Directories and names: mkdir/rmdir, listing (enough entries that
 * fd_readdir needs many calls and cuts entries short), rename, unlink, hard
 * links, symlinks, readlink, stat versus lstat. Run with the work dir
 * preopened as "data". */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define N_FILES 300

static void make_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void listing(void)
{
    static char seen[N_FILES];
    char name[128];
    int n = 0, dots = 0, bad = 0;
    struct dirent *de;
    DIR *d;

    CHECK(mkdir("data/list", 0755) == 0, "mkdir data/list");
    CHECK(mkdir("data/list", 0755) < 0 && errno == EEXIST, "mkdir again: EEXIST");
    for (int i = 0; i < N_FILES; i++) {
        snprintf(name, sizeof name, "data/list/entry-with-a-rather-long-name-%03d", i);
        make_file(name, "x");
    }
    d = opendir("data/list");
    CHECK(d != NULL, "opendir");
    while (d && (de = readdir(d))) {
        int i;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
            dots++;
            continue;
        }
        if (sscanf(de->d_name, "entry-with-a-rather-long-name-%d", &i) != 1 || i < 0 ||
            i >= N_FILES || seen[i]++ || de->d_type != DT_REG)
            bad++;
        n++;
    }
    CHECK(n == N_FILES && bad == 0, "every entry listed once, as a regular file");
    CHECK(dots == 2, ". and .. listed");
    if (d) {
        rewinddir(d);
        n = 0;
        while (readdir(d))
            n++;
        CHECK(n == N_FILES + 2, "rewinddir lists them again");
        closedir(d);
    }
    CHECK(rmdir("data/list") < 0 && errno == ENOTEMPTY, "rmdir of a non-empty dir: ENOTEMPTY");
    for (int i = 0; i < N_FILES; i++) {
        snprintf(name, sizeof name, "data/list/entry-with-a-rather-long-name-%03d", i);
        bad += unlink(name) != 0;
    }
    CHECK(bad == 0, "unlink every entry");
    CHECK(rmdir("data/list") == 0, "rmdir");
    CHECK(opendir("data/list") == NULL && errno == ENOENT, "gone");
}

static void renames(void)
{
    struct stat st;

    make_file("data/r1.txt", "one");
    make_file("data/r2.txt", "two");
    CHECK(rename("data/r1.txt", "data/renamed.txt") == 0, "rename a file");
    CHECK(access("data/r1.txt", F_OK) < 0 && errno == ENOENT, "old name gone");
    CHECK(rename("data/renamed.txt", "data/r2.txt") == 0, "rename over an existing file");
    CHECK(stat("data/r2.txt", &st) == 0 && st.st_size == 3, "the new content is there");
    CHECK(mkdir("data/rd", 0755) == 0 && rename("data/rd", "data/rd2") == 0, "rename a dir");
    CHECK(rename("data/r2.txt", "data/rd2/inside.txt") == 0, "move into a directory");
    CHECK(rename("data/nope", "data/x") < 0 && errno == ENOENT, "rename missing: ENOENT");
    CHECK(unlink("data/rd2") < 0 && errno == EISDIR, "unlink a dir: EISDIR");
    CHECK(unlink("data/rd2/inside.txt") == 0 && rmdir("data/rd2") == 0, "clean up");
    CHECK(unlink("data/rd2") < 0 && errno == ENOENT, "unlink missing: ENOENT");
}

static void links(void)
{
    char buf[64] = {0};
    struct stat st, lst;

    make_file("data/target.txt", "target\n");
    CHECK(link("data/target.txt", "data/hard.txt") == 0, "link");
    CHECK(stat("data/hard.txt", &st) == 0 && st.st_nlink == 2, "nlink is 2");
    CHECK(symlink("target.txt", "data/soft") == 0, "symlink");
    CHECK(symlink("target.txt", "data/soft") < 0 && errno == EEXIST, "symlink again: EEXIST");
    CHECK(readlink("data/soft", buf, sizeof buf) == 10 && !memcmp(buf, "target.txt", 10),
          "readlink");
    CHECK(readlink("data/soft", buf, 3) == 3 && !memcmp(buf, "tar", 3), "readlink truncates");
    CHECK(readlink("data/target.txt", buf, sizeof buf) < 0 && errno == EINVAL,
          "readlink of a file: EINVAL");
    CHECK(lstat("data/soft", &lst) == 0 && S_ISLNK(lst.st_mode), "lstat sees the link");
    CHECK(stat("data/soft", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 7,
          "stat follows it");
    FILE *f = fopen("data/soft", "r");
    CHECK(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "target\n"), "open through it");
    if (f)
        fclose(f);
    CHECK(mkdir("data/sd", 0755) == 0 && symlink("../target.txt", "data/sd/up") == 0,
          "symlink with .. inside the sandbox");
    CHECK(stat("data/sd/up", &st) == 0 && st.st_size == 7, "it resolves");
    CHECK(symlink("sd", "data/sdl") == 0 && stat("data/sdl/up", &st) == 0,
          "symlinked directory in the middle of a path");
    CHECK(symlink("dangling-target", "data/dangling") == 0, "dangling symlink");
    CHECK(stat("data/dangling", &st) < 0 && errno == ENOENT, "stat of it: ENOENT");
    f = fopen("data/dangling", "w");
    CHECK(f != NULL, "create through a dangling symlink");
    if (f)
        fclose(f);
    CHECK(access("data/dangling-target", F_OK) == 0, "its target now exists");
    CHECK(unlink("data/soft") == 0 && access("data/target.txt", F_OK) == 0,
          "unlink removes the link, not the target");
    CHECK(unlink("data/target.txt/") < 0 && errno == ENOTDIR, "trailing slash on a file");
}

int main(void)
{
    listing();
    renames();
    links();
    CHECK_DONE();
}
