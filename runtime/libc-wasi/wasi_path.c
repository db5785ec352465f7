/* The sandbox's path walk (see wasi_path.h for the rules). Every directory
 * on the way is opened by this walk, relative to the one before, with
 * O_NOFOLLOW|O_DIRECTORY, and kept open on a stack whose height is the
 * depth below the starting directory: ".." pops, and popping past the start
 * is the escape we refuse. A symlink on the way is read with readlinkat and
 * its target spliced in front of the rest of the path, so it is walked by
 * the same rules. The kernel never resolves more than one final name. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include "wasi_path.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../mem/mem.h"

/* Directories on the way are only searched: O_PATH (Linux) or O_SEARCH
 * (POSIX 2008) need no read permission; O_RDONLY elsewhere. */
#if defined(O_PATH)
#define WASI_O_SEARCH O_PATH
#elif defined(O_SEARCH)
#define WASI_O_SEARCH O_SEARCH
#else
#define WASI_O_SEARCH O_RDONLY
#endif

/* The remaining path grows as symlinks are spliced in; this bounds it. */
#define WASI_WALK_MAX (8 * WASI_PATH_MAX)

/* The walk's state: the path still to resolve is buf[pos, len). */
typedef struct WasiWalk {
    WasiPath *p;
    int root;
    char *buf;
    size_t pos, len;
    uint32_t links;
} WasiWalk;

static int wasi_walk_top(const WasiWalk *w)
{
    return w->p->n_stack ? w->p->stack[w->p->n_stack - 1] : w->root;
}

static uint16_t wasi_walk_push(WasiWalk *w, int fd)
{
    WasiPath *p = w->p;
    int *grown = mem_realloc(p->stack, ((size_t)p->n_stack + 1) * sizeof *grown);

    if (!grown) {
        close(fd);
        return WASI_ENOMEM;
    }
    p->stack = grown;
    p->stack[p->n_stack++] = fd;
    return WASI_ESUCCESS;
}

/* "..": one level up, never above the starting directory. */
static uint16_t wasi_walk_pop(WasiWalk *w)
{
    if (w->p->n_stack == 0)
        return WASI_ENOTCAPABLE;
    close(w->p->stack[--w->p->n_stack]);
    return WASI_ESUCCESS;
}

/* Replaces the component just read (a symlink, name in the top directory)
 * by its target: the path to walk becomes target + sep + buf[rest, len). An
 * absolute target leaves the sandbox by definition. Returns EINVAL when name
 * is not a symlink (the caller then treats it as a plain name). */
static uint16_t wasi_walk_expand(WasiWalk *w, const char *name, size_t rest, const char *sep)
{
    char target[WASI_PATH_MAX + 1];
    ssize_t n = readlinkat(wasi_walk_top(w), name, target, sizeof target);
    size_t tail = w->len - rest, seplen = strlen(sep);
    char *buf;

    if (n < 0)
        return WASI_EINVAL;
    if ((size_t)n == sizeof target)
        return WASI_ENAMETOOLONG;
    if (n == 0)
        return WASI_ENOENT;
    if (target[0] == '/')
        return WASI_ENOTCAPABLE;
    if (++w->links > WASI_SYMLINK_MAX)
        return WASI_ELOOP;
    if ((size_t)n + seplen + tail > WASI_WALK_MAX)
        return WASI_ENAMETOOLONG;
    buf = mem_alloc((size_t)n + seplen + tail + 1);
    if (!buf)
        return WASI_ENOMEM;
    memcpy(buf, target, (size_t)n);
    memcpy(buf + n, sep, seplen);
    memcpy(buf + n + seplen, w->buf + rest, tail);
    mem_free(w->buf);
    w->buf = buf;
    w->len = (size_t)n + seplen + tail;
    w->buf[w->len] = '\0';
    w->pos = 0;
    return WASI_ESUCCESS;
}

/* A component before the last one: enter it as a directory, or expand it
 * when it is a symlink. next = where the rest of the path starts. */
static uint16_t wasi_walk_step(WasiWalk *w, const char *name, size_t next)
{
    struct stat st;
    int e, fd;
    uint16_t err;

    if (strcmp(name, ".") == 0)
        return WASI_ESUCCESS;
    if (strcmp(name, "..") == 0)
        return wasi_walk_pop(w);
    fd = openat(wasi_walk_top(w), name, WASI_O_SEARCH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        /* Never trust that O_DIRECTORY refused a symlink: check. */
        if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
            close(fd);
            return WASI_ENOTDIR;
        }
        return wasi_walk_push(w, fd);
    }
    e = errno;
    /* A symlink gives ELOOP (Linux), EMLINK (FreeBSD) or ENOTDIR. */
    if (e != ELOOP && e != EMLINK && e != ENOTDIR)
        return wasi_errno(e);
    err = wasi_walk_expand(w, name, next, "/");
    return err == WASI_EINVAL ? wasi_errno(e) : err;
}

/* The last component: "." and ".." become "." of the right directory; a
 * symlink is expanded when following; anything else is the final name. */
static uint16_t wasi_walk_final(WasiWalk *w, const char *name, bool slash, bool follow,
                                bool *out_done)
{
    const char *final = name;
    uint16_t err;

    *out_done = false;
    if (strcmp(name, "..") == 0) {
        if ((err = wasi_walk_pop(w)))
            return err;
        final = ".";
    } else if (strcmp(name, ".") != 0 && (follow || slash)) {
        err = wasi_walk_expand(w, name, w->len, slash ? "/" : "");
        if (err != WASI_EINVAL)
            return err; /* expanded (walk on), or failed */
    }
    w->p->name = mem_alloc(strlen(final) + 1);
    if (!w->p->name)
        return WASI_ENOMEM;
    strcpy(w->p->name, final);
    w->p->must_be_dir = slash;
    *out_done = true;
    return WASI_ESUCCESS;
}

static uint16_t wasi_walk(WasiWalk *w, bool follow)
{
    for (;;) {
        size_t start, end, next;
        bool done = false, slash;
        uint16_t err;

        start = w->pos;
        while (start < w->len && w->buf[start] == '/')
            start++;
        end = start;
        while (end < w->len && w->buf[end] != '/')
            end++;
        next = end;
        while (next < w->len && w->buf[next] == '/')
            next++;
        slash = end < w->len;
        w->pos = next;
        w->buf[end] = '\0'; /* the '/' after the component, or the end */
        if (end == start) /* only slashes were left (after a target "x/") */
            err = wasi_walk_final(w, ".", slash, follow, &done);
        else if (next == w->len)
            err = wasi_walk_final(w, w->buf + start, slash, follow, &done);
        else
            err = wasi_walk_step(w, w->buf + start, next);
        if (err || done)
            return err;
    }
}

uint16_t wasi_path_resolve(int root_fd, const char *path, uint32_t len, bool follow,
                           WasiPath *out)
{
    WasiWalk w;
    uint16_t err;

    memset(out, 0, sizeof *out);
    out->dirfd = -1;
    if (len == 0)
        return WASI_ENOENT;
    if (len > WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    memset(&w, 0, sizeof w);
    w.p = out;
    w.root = root_fd;
    w.len = len;
    /* Checked after the copy: another guest thread may be rewriting it. */
    if (!(w.buf = mem_alloc((size_t)len + 1)))
        return WASI_ENOMEM;
    memcpy(w.buf, path, len);
    w.buf[len] = '\0';
    if (memchr(w.buf, '\0', len))
        err = WASI_EILSEQ;
    else if (w.buf[0] == '/')
        err = WASI_ENOTCAPABLE;
    else
        err = wasi_walk(&w, follow);
    mem_free(w.buf);
    if (err) {
        wasi_path_done(out);
        return err;
    }
    out->dirfd = wasi_walk_top(&w);
    out->depth = out->n_stack;
    return WASI_ESUCCESS;
}

void wasi_path_done(WasiPath *p)
{
    while (p->n_stack)
        close(p->stack[--p->n_stack]);
    mem_free(p->stack);
    mem_free(p->name);
    p->stack = NULL;
    p->name = NULL;
    p->dirfd = -1;
}

uint16_t wasi_path_check_dir(const WasiPath *p)
{
    struct stat st;

    if (!p->must_be_dir)
        return WASI_ESUCCESS;
    if (fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return wasi_errno(errno);
    return S_ISDIR(st.st_mode) ? WASI_ESUCCESS : WASI_ENOTDIR;
}

bool wasi_symlink_target_ok(const char *target, uint32_t depth)
{
    const char *p = target;

    if (*p == '/')
        return false;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (depth == 0)
                return false;
            depth--;
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            depth++;
        }
        p += n;
        p += *p == '/';
    }
    return true;
}
