/* The WASI suite's harness: one ctest test per case. A case makes its own
 * work directory, lays out its fixtures (files, symlinks, sockets), runs
 * iwasm on a guest module built from guest/, and checks the exit code, the
 * output and the files left behind.
 *   wasi_test CASE IWASM GUEST_DIR NATIVE_DIR WORK_ROOT
 * GUEST_DIR holds CASE.wasm files, NATIVE_DIR the native builds of the
 * programs whose output must match. Exit 0 = pass; every failure is said. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *iwasm, *guest_dir, *native_dir;
static char work[4096]; /* this case's directory */
static int failures;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

/* ---- files ---- */

static char *path_in(const char *rel)
{
    static char buf[4][8192];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", work, rel);
    return p;
}

static void write_file(const char *rel, const char *text, size_t len)
{
    FILE *f = fopen(path_in(rel), "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path_in(rel));
        exit(2);
    }
}

/* The whole file, NUL-terminated; NULL when it cannot be read. */
static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f)
        return NULL;
    do {
        if (len + 4096 + 1 > cap && !(buf = realloc(buf, cap = 2 * cap + 8192)))
            exit(2);
        n = fread(buf + len, 1, 4096, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    if (out_len)
        *out_len = len;
    return buf;
}

static void expect_file(const char *rel, const char *want)
{
    char *got = read_file(path_in(rel), NULL);
    if (!got || strcmp(got, want) != 0)
        fail("%s holds \"%s\", want \"%s\"", rel, got ? got : "(missing)", want);
    free(got);
}

static void expect_absent(const char *rel)
{
    struct stat st;
    if (lstat(path_in(rel), &st) == 0)
        fail("%s exists but must not", rel);
}

static void mkdirs(const char *rel)
{
    char p[8192];
    snprintf(p, sizeof p, "%s", path_in(rel));
    for (char *s = p + strlen(work) + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    }
    mkdir(p, 0755);
}

static void symlink_in(const char *target, const char *rel)
{
    if (symlink(target, path_in(rel)) != 0) {
        fprintf(stderr, "cannot make symlink %s\n", rel);
        exit(2);
    }
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* ---- running iwasm ---- */

typedef struct Run {
    int status; /* exit code, or 128 + signal */
    char *out, *err;
} Run;

/* Runs with few descriptors allowed, so that a runtime leaking them in a
 * loop fails with EMFILE instead of passing. */
static void child(const char *const argv[], int in_fd)
{
    struct rlimit lim = {256, 256};
    int out = open(path_in("stdout.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(path_in("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0)
        in_fd = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in_fd < 0 || chdir(work) != 0 || dup2(in_fd, 0) < 0 ||
        dup2(out, 1) < 0 || dup2(err, 2) < 0 || setrlimit(RLIMIT_NOFILE, &lim) != 0)
        _exit(126);
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

/* Runs argv (argv[0] = iwasm) in the work dir, stdin from in_fd (or
 * /dev/null when -1), or from the bytes in stdin_data through a pipe. */
static Run run_full(const char *const argv[], int in_fd, const char *stdin_data, size_t len)
{
    int pipefd[2] = {-1, -1}, st;
    Run r;
    pid_t pid;

    if (stdin_data && pipe(pipefd) != 0)
        exit(2);
    pid = fork();
    if (pid == 0) {
        if (stdin_data)
            close(pipefd[1]);
        child(argv, stdin_data ? pipefd[0] : in_fd);
    }
    if (stdin_data) {
        close(pipefd[0]);
        for (size_t done = 0; done < len;) {
            ssize_t n = write(pipefd[1], stdin_data + done, len - done);
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        close(pipefd[1]);
    }
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = read_file(path_in("stdout.txt"), NULL);
    r.err = read_file(path_in("stderr.txt"), NULL);
    if (!r.out || !r.err)
        exit(2);
    if (strstr(r.err, "Sanitizer") || strstr(r.err, "runtime error"))
        fail("sanitizer report:\n%s", r.err);
    return r;
}

static Run run(const char *const argv[])
{
    return run_full(argv, -1, NULL, 0);
}

static void run_free(Run *r)
{
    free(r->out);
    free(r->err);
}

static const char *guest(const char *name)
{
    static char buf[4][8192];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s.wasm", guest_dir, name);
    return p;
}

/* The exit code and, when want_out is given, the exact stdout. */
static void expect_run(const Run *r, int status, const char *want_out)
{
    if (r->status != status)
        fail("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r->status, status, r->out,
             r->err);
    if (want_out && strcmp(r->out, want_out) != 0)
        fail("stdout is\n%s\nwant\n%s", r->out, want_out);
}

/* A guest made of CHECK lines: it must exit 0 with no FAIL line. */
static void expect_checks(const Run *r)
{
    if (r->status != 0 || strstr(r->out, "FAIL"))
        fail("guest checks failed (status %d):\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

static void expect_in(const char *text, const char *part, const char *what)
{
    if (!strstr(text, part))
        fail("%s lacks \"%s\":\n%s", what, part, text);
}

/* ====================================================================== */
/* Cases                                                                   */
/* ====================================================================== */

/* printf: byte-identical to the native build of the same source. */
static void case_printf(void)
{
    char native[4096];
    const char *argv[] = {iwasm, guest("printf"), NULL};
    Run r = run(argv);
    snprintf(native, sizeof native, "%s/printf_native", native_dir);
    const char *nargv[] = {native, NULL};
    char *wasm_out = r.out;
    Run n = run(nargv);

    expect_run(&r, 0, NULL);
    expect_run(&n, 0, NULL);
    if (strcmp(wasm_out, n.out) != 0)
        fail("wasm printf output differs from native:\n--- wasm\n%s--- native\n%s", wasm_out,
             n.out);
    if (strlen(wasm_out) < 1000)
        fail("printf output too short:\n%s", wasm_out);
    run_free(&r);
    run_free(&n);
}

static void case_fileio(void)
{
    const char *argv[] = {iwasm, "--dir=data", guest("fileio"), NULL};
    mkdirs("data");
    Run r = run(argv);
    expect_checks(&r);
    expect_file("data/a.txt", "hello, world\n42 lines\nappended\n");
    expect_file("data/c.txt", "abcdef");
    struct stat st;
    if (stat(path_in("data/b.bin"), &st) != 0 || st.st_size != 4096)
        fail("data/b.bin is not 4096 bytes");
    run_free(&r);
}

static void case_dirs(void)
{
    const char *argv[] = {iwasm, "--dir=data", guest("dirs"), NULL};
    mkdirs("data");
    Run r = run(argv);
    expect_checks(&r);
    expect_file("data/hard.txt", "target\n");
    expect_file("data/dangling-target", "");
    expect_absent("data/list");
    expect_absent("data/soft");
    run_free(&r);
}

/* The layout escape.c describes, then: nothing outside box/ changed. */
static void case_escape(void)
{
    char map[8300];
    mkdirs("outside");
    mkdirs("box/sub/deeper");
    write_file("outside/secret.txt", "SECRET\n", 7);
    write_file("box/file.txt", "inside\n", 7);
    write_file("box/sub/deeper/x.txt", "x\n", 2);
    symlink_in("/etc", "box/to_etc");
    symlink_in("../outside", "box/to_outside");
    symlink_in("../outside/secret.txt", "box/to_secret");
    symlink_in("chain2", "box/chain1");
    symlink_in("chain3", "box/chain2");
    symlink_in("../outside", "box/chain3");
    symlink_in("loop2", "box/loop1");
    symlink_in("loop1", "box/loop2");
    symlink_in("..", "box/sub/up");
    symlink_in("../..", "box/sub/up2");
    symlink_in(".", "box/self");
    symlink_in("/box/file.txt", "box/abs_inside");
    symlink_in("sub", "box/to_sub");
    symlink_in("../file.txt", "box/sub/to_file");
    snprintf(map, sizeof map, "--map-dir=/box::%s", path_in("box"));
    const char *argv[] = {iwasm, map, guest("escape"), NULL};
    Run r = run(argv);
    expect_checks(&r);
    expect_file("outside/secret.txt", "SECRET\n");
    expect_file("box/file.txt", "inside\n");
    const char *never[] = {"moved.txt", "linked.txt", "evil", "newdir", "created.txt",
                           "outside/moved.txt", "outside/newdir", "outside/created.txt",
                           "box/mine1", "box/mine2", "box/mine3", "box/evil2", "box/got.txt",
                           "box/stolen", "box/sub/nope"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        expect_absent(never[i]);
    run_free(&r);
}

/* Only --env reaches the guest: the harness's own environment (with a
 * variable set just for this) must not show through. */
static void case_args_env(void)
{
    const char *argv[] = {iwasm,          "--env=A=1", "--env=B=two words", "--env=EMPTY=",
                          guest("args_env"), "x",         "y z",               "",
                          NULL};
    setenv("WASI_TEST_SECRET", "leak", 1);
    Run r = run(argv);
    expect_run(&r, 0,
               "argc=4\nargv[1]=x\nargv[2]=y z\nargv[3]=\nenv A=1\nenv B=two words\n"
               "env EMPTY=\npreopens=0\n");
    if (strstr(r.out, "WASI_TEST_SECRET") || strstr(r.out, "PATH="))
        fail("the host environment leaked into the guest");
    run_free(&r);
}

/* 70 --dir and 70 --env: more than the 64 the contract promises. */
static void case_many(void)
{
    static char opts[140][64];
    const char *argv[150];
    int n = 0;

    argv[n++] = iwasm;
    for (int i = 0; i < 70; i++) {
        snprintf(opts[i], sizeof opts[i], "d%d", i);
        mkdirs(opts[i]);
        snprintf(opts[i], sizeof opts[i], "--dir=d%d", i);
        argv[n++] = opts[i];
        snprintf(opts[70 + i], sizeof opts[70 + i], "--env=E%d=v%d", i, i);
        argv[n++] = opts[70 + i];
    }
    argv[n++] = guest("many");
    argv[n] = NULL;
    Run r = run(argv);
    expect_checks(&r);
    expect_in(r.out, "dirs=70 env=70\nE69=v69\n", "stdout");
    expect_file("d69/f.txt", "in d69\n");
    run_free(&r);
}

static void case_exit(void)
{
    static const struct {
        const char *a1, *a2;
        int status;
    } cases[] = {{"exit", "3", 3},     {"return", NULL, 0},  {"exit", "0", 0},
                 {"exit", "255", 255}, {"raise", "15", 143}, {"raise", "17", 0},
                 {"trap", NULL, 1},    {"yield", NULL, 0}};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[] = {iwasm, guest("exit"), cases[i].a1, cases[i].a2, NULL};
        Run r = run(argv);
        expect_run(&r, cases[i].status, NULL);
        expect_in(r.out, "before the end\n", "stdout");
        if (cases[i].status == 1)
            expect_in(r.err, "Exception: unreachable", "stderr");
        else if (strstr(r.err, "Exception"))
            fail("%s %s: an exception was reported:\n%s", cases[i].a1,
                 cases[i].a2 ? cases[i].a2 : "", r.err);
        run_free(&r);
    }
    /* iwasm --timeout must also end a guest asleep in poll_oneoff (the
     * ctest timeout catches a hang). */
    const char *argv[] = {iwasm, "--timeout=200", guest("exit"), "sleep", "600", NULL};
    Run r = run(argv);
    expect_run(&r, 1, "before the end\n");
    expect_in(r.err, "terminated by user", "stderr");
    run_free(&r);
}

/* stdin through a pipe: a few lines, then 300 KiB. */
static void case_stdin(void)
{
    const char *argv[] = {iwasm, guest("stdin"), NULL};
    Run r = run_full(argv, -1, "one\ntwo\nthree\n", 14);
    expect_run(&r, 0, "bytes=14 lines=3\nONE\nTWO\nTHREE\n");
    run_free(&r);

    size_t len = 300 * 1024;
    char *big = malloc(len), want[64];
    for (size_t i = 0; i < len; i++)
        big[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    r = run_full(argv, -1, big, len);
    snprintf(want, sizeof want, "bytes=%zu lines=%zu\n", len, len / 64);
    expect_run(&r, 0, NULL);
    if (strncmp(r.out, want, strlen(want)) != 0 || strlen(r.out) != strlen(want) + len)
        fail("big stdin: got %.40s... (%zu bytes)", r.out, strlen(r.out));
    run_free(&r);
    free(big);
}

static void case_clock_random(void)
{
    const char *argv[] = {iwasm, guest("clock_random"), NULL};
    Run r = run(argv);
    expect_checks(&r);
    run_free(&r);
}

static void case_bounds(void)
{
    const char *argv[] = {iwasm, "--dir=data", "--env=K=V", guest("bounds"), "arg", NULL};
    mkdirs("data");
    Run r = run(argv);
    expect_checks(&r);
    if (strstr(r.out, "LEAK"))
        fail("a write with a bad pointer still happened");
    run_free(&r);
}

static void case_unstable(void)
{
    const char *argv[] = {iwasm, "--dir=data", guest("unstable"), NULL};
    mkdirs("data");
    write_file("data/ten.txt", "0123456789", 10);
    Run r = run(argv);
    expect_checks(&r);
    expect_in(r.out, "written through wasi_unstable\n", "stdout");
    run_free(&r);
}

/* The real program: 100k lines sorted by the wasm build and the native
 * build of the same source must give the same file. */
static void case_sort(void)
{
    char native[4096], line[64];
    size_t len = 0;
    uint32_t x = 12345;
    FILE *f;

    mkdirs("data");
    if (!(f = fopen(path_in("data/in.txt"), "w")))
        exit(2);
    for (int i = 0; i < 100000; i++) {
        x = x * 1103515245u + 12345u;
        int n = snprintf(line, sizeof line, "%08x line %d %s\n", x, i % 977,
                         i % 3 ? "alpha" : "Beta");
        fwrite(line, 1, (size_t)n, f);
    }
    fclose(f);
    const char *argv[] = {iwasm, "--dir=data", "--heap-size=0", guest("sort"), "data/in.txt",
                          "data/out.txt", NULL};
    Run r = run(argv);
    expect_run(&r, 0, "sorted 100000 lines\n");
    snprintf(native, sizeof native, "%s/sort_native", native_dir);
    const char *nargv[] = {native, "data/in.txt", "data/out_native.txt", NULL};
    Run n = run(nargv);
    expect_run(&n, 0, "sorted 100000 lines\n");
    char *a = read_file(path_in("data/out.txt"), &len);
    char *b = read_file(path_in("data/out_native.txt"), NULL);
    if (!a || !b || strcmp(a, b) != 0)
        fail("the wasm sort's output differs from the native one");
    else if (len < 100000 * 20)
        fail("the sorted file is too short (%zu bytes)", len);
    free(a);
    free(b);
    run_free(&r);
    run_free(&n);
}

/* A listening socket as the guest's stdin; we connect and talk to it. */
static void case_sockets(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    int lsn = socket(AF_INET, SOCK_STREAM, 0), c, st;
    char reply[64] = {0};
    size_t got = 0;
    ssize_t n;
    pid_t pid;

    if (lsn < 0 || bind(lsn, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lsn, 1) != 0 ||
        getsockname(lsn, (struct sockaddr *)&addr, &alen) != 0)
        exit(2);
    const char *argv[] = {iwasm, guest("sockets"), NULL};
    if ((pid = fork()) == 0)
        child(argv, lsn);
    close(lsn);
    c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        write(c, "hello wasi\n", 11) != 11)
        fail("cannot talk to the guest");
    while (got < sizeof reply - 1 && (n = read(c, reply + got, sizeof reply - 1 - got)) > 0)
        got += (size_t)n;
    close(c);
    waitpid(pid, &st, 0);
    if (strcmp(reply, "HELLO WASI\n") != 0)
        fail("the guest answered \"%s\"", reply);
    Run r = {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
             read_file(path_in("stdout.txt"), NULL), read_file(path_in("stderr.txt"), NULL)};
    expect_checks(&r);
    run_free(&r);
}

static void case_mapdir(void)
{
    char map[8300];
    mkdirs("root/sub");
    write_file("root/data.txt", "mapped\n", 7);
    write_file("outside.txt", "no\n", 3);
    snprintf(map, sizeof map, "--map-dir=/::%s", path_in("root"));
    const char *argv[] = {iwasm, map, guest("mapdir"), NULL};
    Run r = run(argv);
    expect_checks(&r);
    expect_file("root/sub/new.txt", "written\n");
    run_free(&r);
}

/* iwasm's WASI options: bad values are refused with a message. */
static void case_options(void)
{
    const char *missing[] = {iwasm, "--dir=no-such-dir", guest("exit"), NULL};
    const char *bad_map[] = {iwasm, "--map-dir=nocolons", guest("exit"), NULL};
    const char *bad_pool[] = {iwasm, "--addr-pool=10.0.0.0/40", guest("exit"), NULL};
    const char *bad_addr[] = {iwasm, "--addr-pool=300.1.1.1", guest("exit"), NULL};
    const char *good_pool[] = {iwasm, "--addr-pool=127.0.0.1/8,::1/128,192.168.1.1",
                               guest("exit"), "exit", "7", NULL};
    const char *bad_env[] = {iwasm, "--env=NOEQUALS", guest("exit"), NULL};
    Run r;

    r = run(missing);
    expect_run(&r, 255, NULL);
    expect_in(r.err, "error while pre-opening directory", "stderr");
    run_free(&r);
    r = run(bad_map);
    expect_run(&r, 2, NULL);
    run_free(&r);
    r = run(bad_pool);
    expect_run(&r, 255, NULL);
    expect_in(r.err, "invalid address pool entry", "stderr");
    run_free(&r);
    r = run(bad_addr);
    expect_run(&r, 255, NULL);
    run_free(&r);
    r = run(good_pool);
    expect_run(&r, 7, "before the end\n");
    run_free(&r);
    r = run(bad_env);
    expect_run(&r, 2, NULL);
    run_free(&r);
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
    {"printf", case_printf},   {"fileio", case_fileio},
    {"dirs", case_dirs},       {"escape", case_escape},
    {"args_env", case_args_env}, {"many", case_many},
    {"exit", case_exit},       {"stdin", case_stdin},
    {"clock_random", case_clock_random}, {"bounds", case_bounds},
    {"unstable", case_unstable}, {"sort", case_sort},
    {"sockets", case_sockets}, {"mapdir", case_mapdir},
    {"options", case_options},
};

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: wasi_test CASE IWASM GUEST_DIR NATIVE_DIR WORK_ROOT\n");
        return 2;
    }
    iwasm = argv[2];
    guest_dir = argv[3];
    native_dir = argv[4];
    snprintf(work, sizeof work, "%s/%s", argv[5], argv[1]);
    signal(SIGPIPE, SIG_IGN);
    nftw(work, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    mkdir(argv[5], 0755);
    if (mkdir(work, 0755) != 0) {
        fprintf(stderr, "cannot make %s\n", work);
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[1]) == 0) {
            cases[i].fn();
            printf("%s: %s\n", argv[1], failures ? "FAILED" : "passed");
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
