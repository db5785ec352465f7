/* The durable app store (store.h): one file per installed app, written
 * through a temporary file, fsync and rename, so that a crash at any point
 * leaves either the old entry or the new one; read back and reinstalled in
 * install order at start; and the app manager's persistence hooks. */
#define _GNU_SOURCE
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_util.h"

#define ST_MAGIC "WAST"
#define ST_VERSION 1
#define ST_HEADER 32
#define ST_NAME_MAX 126
#define ST_MAX_FILE (2u * 1024 * 1024 * 1024) /* bounds a read of a hostile file */
#define ENTRY_PREFIX "app-"
#define TEMP_PREFIX "tmp-"
#define REJECTED_DIR "rejected"

/* Test-only fault injection points of a write (WR_STORE_CRASH_AT). */
typedef enum { CRASH_NONE, CRASH_TEMP_WRITTEN, CRASH_FSYNCED, CRASH_RENAMED } crash_t;

struct st_store {
    pthread_mutex_t lock; /* one write or drop at a time: seq order is write order */
    char *dir;
    int dir_fd;
    uint64_t next_seq;
    am_log_fn log;
    void *log_user;
    crash_t crash_at;
    const am_app_params_t *restoring; /* (lock) the install st_attach is restoring */
    uint32_t n_rejected;              /* (lock) entries moved aside since st_open */
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static void st_log(const st_store_t *st, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void st_log(const st_store_t *st, int level, const char *fmt, ...)
{
    char line[640];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (st->log)
        st->log(st->log_user, level, line);
    else
        fprintf(stderr, "[app-store] %s\n", line);
}

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), four bits at a time. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t nibble[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };

    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ nibble[crc & 15];
        crc = (crc >> 4) ^ nibble[crc & 15];
    }
    return ~crc;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static bool write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;

    while (size) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        p += n;
        size -= (size_t)n;
    }
    return true;
}

/* "<prefix><name>" into out; false if it does not fit. */
static bool file_name(char *out, size_t size, const char *prefix, const char *name)
{
    int n = snprintf(out, size, "%s%s", prefix, name);

    return n > 0 && (size_t)n < size;
}

static void crash_point(const st_store_t *st, crash_t here)
{
    if (st->crash_at == here)
        raise(SIGKILL); /* test-only: a power cut at this point */
}

static crash_t crash_from_env(void)
{
    const char *at = getenv("WR_STORE_CRASH_AT");

    if (!at)
        return CRASH_NONE;
    if (strcmp(at, "temp-written") == 0)
        return CRASH_TEMP_WRITTEN;
    if (strcmp(at, "fsynced") == 0)
        return CRASH_FSYNCED;
    if (strcmp(at, "renamed") == 0)
        return CRASH_RENAMED;
    return CRASH_NONE;
}

/* ------------------------------------------------------------------------
 * Entries: encoding and decoding
 * ------------------------------------------------------------------------ */

/* The fixed part and name of an entry, in hdr (ST_HEADER + N bytes). */
static size_t entry_header(uint8_t *hdr, const am_app_params_t *p, uint64_t seq, uint32_t size)
{
    size_t n = strlen(p->name);

    memset(hdr, 0, ST_HEADER);
    memcpy(hdr, ST_MAGIC, 4);
    hdr[4] = ST_VERSION;
    hdr[5] = (uint8_t)n;
    put_be64(hdr + 8, seq);
    put_be32(hdr + 16, p->heap_size);
    put_be32(hdr + 20, p->max_timers);
    put_be32(hdr + 24, p->watchdog_ms);
    put_be32(hdr + 28, size);
    memcpy(hdr + ST_HEADER, p->name, n);
    return ST_HEADER + n;
}

/* header(32) name(N) payload(P) crc(4): checks every field of the bytes of
 * file fname and fills *out (payload still pointing into data); NULL, or
 * what is wrong. */
static const char *entry_decode(const uint8_t *data, size_t size, const char *fname,
                                st_entry_t *out)
{
    size_t n, p;

    memset(out, 0, sizeof *out);
    if (size < ST_HEADER || memcmp(data, ST_MAGIC, 4) != 0)
        return "not an app store entry";
    if (data[4] != ST_VERSION)
        return "unknown entry format version";
    n = data[5];
    p = get_be32(data + 28);
    if (n == 0 || n > ST_NAME_MAX || data[6] || data[7] || p == 0)
        return "a field is out of range";
    if (size != ST_HEADER + n + p + 4)
        return "truncated or overlong";
    if (crc32_update(0, data, size - 4) != get_be32(data + size - 4))
        return "checksum mismatch";
    memcpy(out->name, data + ST_HEADER, n);
    if (memchr(out->name, '\0', n) ||
        strcmp(fname + strlen(ENTRY_PREFIX), out->name) != 0)
        return "the name inside is not the file's";
    out->seq = get_be64(data + 8);
    out->heap_size = get_be32(data + 16);
    out->max_timers = get_be32(data + 20);
    out->watchdog_ms = get_be32(data + 24);
    out->payload = (uint8_t *)data + ST_HEADER + n;
    out->payload_size = (uint32_t)p;
    return NULL;
}

/* The whole of file fname in *out_data (malloc'ed); NULL, or why not. */
static const char *read_whole(int dir_fd, const char *fname, uint8_t **out_data,
                              size_t *out_size)
{
    int fd = openat(dir_fd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    const char *why = NULL;
    uint8_t *data = NULL;
    struct stat sb;
    size_t done = 0;

    if (fd < 0)
        return strerror(errno);
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
        (uint64_t)sb.st_size > ST_MAX_FILE) {
        why = "not a regular file of a plausible size";
    } else if (!(data = malloc((size_t)sb.st_size))) {
        why = "out of memory";
    } else {
        while (done < (size_t)sb.st_size) {
            ssize_t n = read(fd, data + done, (size_t)sb.st_size - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        if (done < (size_t)sb.st_size)
            why = "short read";
    }
    close(fd);
    if (why) {
        free(data);
        return why;
    }
    *out_data = data;
    *out_size = done;
    return NULL;
}

/* ------------------------------------------------------------------------
 * Open and close
 * ------------------------------------------------------------------------ */

/* Deletes tmp-* files (writes a crash cut short) and finds the next seq. */
static void st_scan(st_store_t *st)
{
    int fd = dup(st->dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    bool removed = false;
    struct dirent *e;
    uint8_t head[16];

    if (!d) {
        if (fd >= 0)
            close(fd);
        st_log(st, 0, "app store %s: cannot list it: %s", st->dir, strerror(errno));
        return;
    }
    rewinddir(d);
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0) {
            if (unlinkat(st->dir_fd, e->d_name, 0) == 0) {
                removed = true;
                st_log(st, 1, "app store %s: deleted %s (a write cut short)", st->dir,
                       e->d_name);
            } else {
                st_log(st, 1, "app store %s: cannot delete %s: %s", st->dir, e->d_name,
                       strerror(errno));
            }
            continue;
        }
        if (strncmp(e->d_name, ENTRY_PREFIX, strlen(ENTRY_PREFIX)) != 0)
            continue;
        int efd = openat(st->dir_fd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (efd >= 0 && read(efd, head, sizeof head) == (ssize_t)sizeof head &&
            memcmp(head, ST_MAGIC, 4) == 0 && get_be64(head + 8) >= st->next_seq)
            st->next_seq = get_be64(head + 8) + 1;
        if (efd >= 0)
            close(efd);
    }
    closedir(d);
    if (removed)
        fsync(st->dir_fd);
}

st_store_t *st_open(const char *dir, am_log_fn log, void *log_user, char *err,
                    uint32_t err_size)
{
    st_store_t *st;

    if (!dir || !*dir) {
        am_set_err(err, err_size, "app store: no directory given");
        return NULL;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        am_set_err(err, err_size, "app store: cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (!(st = calloc(1, sizeof *st)) || !(st->dir = strdup(dir))) {
        free(st);
        am_set_err(err, err_size, "app store: out of memory");
        return NULL;
    }
    st->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dir_fd < 0 || pthread_mutex_init(&st->lock, NULL) != 0) {
        am_set_err(err, err_size, "app store: cannot open %s: %s", dir, strerror(errno));
        if (st->dir_fd >= 0)
            close(st->dir_fd);
        free(st->dir);
        free(st);
        return NULL;
    }
    st->log = log;
    st->log_user = log_user;
    st->next_seq = 1;
    st->crash_at = crash_from_env();
    st_scan(st);
    return st;
}

void st_close(st_store_t *st)
{
    if (!st)
        return;
    close(st->dir_fd);
    pthread_mutex_destroy(&st->lock);
    free(st->dir);
    free(st);
}

/* ------------------------------------------------------------------------
 * Reading back
 * ------------------------------------------------------------------------ */

/* Moves file fname to rejected/<fname>.<n> with the first n free. */
static void reject_file(st_store_t *st, const char *fname, const char *why)
{
    char target[sizeof REJECTED_DIR + 160];
    int n;

    if (mkdirat(st->dir_fd, REJECTED_DIR, 0700) != 0 && errno != EEXIST) {
        st_log(st, 0, "app store %s: %s: %s; and cannot create %s/: %s", st->dir, fname, why,
               REJECTED_DIR, strerror(errno));
        return;
    }
    for (n = 1; n < 10000; n++) {
        snprintf(target, sizeof target, "%s/%s.%d", REJECTED_DIR, fname, n);
        if (faccessat(st->dir_fd, target, F_OK, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
            break;
    }
    if (renameat(st->dir_fd, fname, st->dir_fd, target) != 0) {
        st_log(st, 0, "app store %s: %s: %s; and cannot move it aside: %s", st->dir, fname,
               why, strerror(errno));
        return;
    }
    fsync(st->dir_fd);
    st->n_rejected++;
    st_log(st, 0, "app store %s: %s: %s; moved to %s", st->dir, fname, why, target);
}

void st_reject(st_store_t *st, const char *name, const char *why)
{
    char fname[8 + ST_NAME_MAX + 1];

    if (!file_name(fname, sizeof fname, ENTRY_PREFIX, name))
        return;
    pthread_mutex_lock(&st->lock);
    reject_file(st, fname, why);
    pthread_mutex_unlock(&st->lock);
}

/* Reads entry fname into *out (payload copied); false if it was rejected. */
static bool load_one(st_store_t *st, const char *fname, st_entry_t *out)
{
    uint8_t *data = NULL, *payload;
    size_t size = 0;
    const char *why = read_whole(st->dir_fd, fname, &data, &size);

    if (!why)
        why = entry_decode(data, size, fname, out);
    if (why) {
        reject_file(st, fname, why);
        free(data);
        return false;
    }
    if (!(payload = malloc(out->payload_size))) {
        free(data);
        st_log(st, 0, "app store %s: out of memory reading %s", st->dir, fname);
        return false;
    }
    memcpy(payload, out->payload, out->payload_size);
    out->payload = payload;
    free(data);
    return true;
}

static int by_seq(const void *a, const void *b)
{
    const st_entry_t *x = a, *y = b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Appends one entry to *list (of *n, room *cap); false if out of memory. */
static bool list_grow(st_entry_t **list, uint32_t n, uint32_t *cap)
{
    st_entry_t *grown;

    if (n < *cap)
        return true;
    *cap = *cap ? *cap * 2 : 16;
    if (!(grown = realloc(*list, *cap * sizeof **list)))
        return false;
    *list = grown;
    return true;
}

bool st_load(st_store_t *st, st_entry_t **out_entries, uint32_t *out_n)
{
    int fd = dup(st->dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    st_entry_t *list = NULL;
    uint32_t n = 0, cap = 0;
    struct dirent *e;

    *out_entries = NULL;
    *out_n = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        st_log(st, 0, "app store %s: cannot list it: %s", st->dir, strerror(errno));
        return false;
    }
    rewinddir(d);
    pthread_mutex_lock(&st->lock);
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, ENTRY_PREFIX, strlen(ENTRY_PREFIX)) != 0)
            continue;
        if (!list_grow(&list, n, &cap))
            break;
        if (load_one(st, e->d_name, &list[n]))
            n++;
    }
    pthread_mutex_unlock(&st->lock);
    closedir(d);
    if (n > 1)
        qsort(list, n, sizeof *list, by_seq);
    *out_entries = list;
    *out_n = n;
    return true;
}

void st_entries_free(st_entry_t *entries, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(entries[i].payload);
    free(entries);
}

/* ------------------------------------------------------------------------
 * Writing and dropping
 * ------------------------------------------------------------------------ */

/* Writes the temporary file tmp; false with errno set. */
static bool write_temp(st_store_t *st, const char *tmp, const uint8_t *hdr, size_t hdr_len,
                       const uint8_t *payload, uint32_t size)
{
    uint8_t crc_be[4];
    uint32_t crc = crc32_update(crc32_update(0, hdr, hdr_len), payload, size);
    int fd = openat(st->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    bool ok;
    int saved;

    if (fd < 0)
        return false;
    put_be32(crc_be, crc);
    ok = write_all(fd, hdr, hdr_len) && write_all(fd, payload, size) &&
         write_all(fd, crc_be, sizeof crc_be);
    if (ok)
        crash_point(st, CRASH_TEMP_WRITTEN);
    ok = ok && fsync(fd) == 0; /* the bytes are on disk before the name points at them */
    if (ok)
        crash_point(st, CRASH_FSYNCED);
    saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

bool st_save(st_store_t *st, const am_app_params_t *params, const uint8_t *payload,
             uint32_t size, char *err, uint32_t err_size)
{
    char tmp[8 + ST_NAME_MAX + 1], entry[8 + ST_NAME_MAX + 1];
    uint8_t hdr[ST_HEADER + ST_NAME_MAX];
    size_t hdr_len;
    bool ok;

    if (!params || !params->name || !*params->name || strlen(params->name) > ST_NAME_MAX ||
        !payload || !size || !file_name(tmp, sizeof tmp, TEMP_PREFIX, params->name) ||
        !file_name(entry, sizeof entry, ENTRY_PREFIX, params->name)) {
        am_set_err(err, err_size, "cannot write the app store: bad name or empty app");
        return false;
    }
    pthread_mutex_lock(&st->lock);
    hdr_len = entry_header(hdr, params, st->next_seq, size);
    ok = write_temp(st, tmp, hdr, hdr_len, payload, size);
    ok = ok && renameat(st->dir_fd, tmp, st->dir_fd, entry) == 0;
    if (!ok) {
        am_set_err(err, err_size, "cannot write the app store: %s/%s: %s", st->dir, tmp,
                   strerror(errno));
        unlinkat(st->dir_fd, tmp, 0);
    } else {
        st->next_seq++;
        crash_point(st, CRASH_RENAMED);
        /* The entry is in place; if the directory cannot be synced the
         * rename may not survive a power cut, but failing the install now
         * would leave an entry of an app that is not running. */
        if (fsync(st->dir_fd) != 0)
            st_log(st, 0, "app store %s: fsync of the directory failed: %s", st->dir,
                   strerror(errno));
    }
    pthread_mutex_unlock(&st->lock);
    return ok;
}

bool st_drop(st_store_t *st, const char *name, char *err, uint32_t err_size)
{
    char entry[8 + ST_NAME_MAX + 1];
    bool ok;

    if (!name || !file_name(entry, sizeof entry, ENTRY_PREFIX, name)) {
        am_set_err(err, err_size, "cannot update the app store: bad name");
        return false;
    }
    pthread_mutex_lock(&st->lock);
    ok = unlinkat(st->dir_fd, entry, 0) == 0 || errno == ENOENT;
    if (!ok)
        am_set_err(err, err_size, "cannot remove %s/%s from the app store: %s", st->dir,
                   entry, strerror(errno));
    else
        fsync(st->dir_fd);
    pthread_mutex_unlock(&st->lock);
    return ok;
}

/* ------------------------------------------------------------------------
 * The app manager's persistence (st_attach)
 * ------------------------------------------------------------------------ */

static bool hook_save(void *user, const am_app_params_t *params, const uint8_t *payload,
                      uint32_t size, char *err, uint32_t err_size)
{
    st_store_t *st = user;
    bool restoring;

    pthread_mutex_lock(&st->lock);
    restoring = params == st->restoring;
    pthread_mutex_unlock(&st->lock);
    if (restoring) /* its entry is where it came from */
        return true;
    return st_save(st, params, payload, size, err, err_size);
}

static bool hook_drop(void *user, const char *name, char *err, uint32_t err_size)
{
    return st_drop(user, name, err, err_size);
}

static void hook_release(void *user)
{
    st_close(user);
}

/* Reinstalls one entry; a failure is logged and the entry moved aside. */
static bool restore_one(am_t *am, st_store_t *st, const st_entry_t *e)
{
    am_app_params_t params;
    char err[384] = "";
    bool ok;

    memset(&params, 0, sizeof params);
    params.name = e->name;
    params.heap_size = e->heap_size;
    params.max_timers = e->max_timers;
    params.watchdog_ms = e->watchdog_ms;
    pthread_mutex_lock(&st->lock);
    st->restoring = &params;
    pthread_mutex_unlock(&st->lock);
    ok = am_install(am, &params, e->payload, e->payload_size, err, sizeof err);
    pthread_mutex_lock(&st->lock);
    st->restoring = NULL;
    pthread_mutex_unlock(&st->lock);
    if (ok)
        st_log(st, 2, "app store: restored app '%s'", e->name);
    else
        st_reject(st, e->name, err);
    return ok;
}

bool st_attach(am_t *am, const char *dir, am_log_fn log, void *log_user, char *err,
               uint32_t err_size)
{
    am_persist_t persist;
    st_entry_t *entries;
    uint32_t n, restored = 0, rejected;
    st_store_t *st;

    if (!dir)
        return true;
    if (!am || !(st = st_open(dir, log, log_user, err, err_size))) {
        if (!am)
            am_set_err(err, err_size, "app store: no app manager");
        return false;
    }
    /* hooks first: an app restored here may install others from on_init */
    persist.save = hook_save;
    persist.drop = hook_drop;
    persist.user = st;
    am_set_persist(am, &persist, hook_release);
    if (st_load(st, &entries, &n)) {
        for (uint32_t i = 0; i < n; i++)
            restored += restore_one(am, st, &entries[i]);
        st_entries_free(entries, n);
    }
    pthread_mutex_lock(&st->lock);
    rejected = st->n_rejected;
    pthread_mutex_unlock(&st->lock);
    st_log(st, rejected ? 1 : 2, "app store %s: %u app(s) restored, %u moved aside", dir,
           restored, rejected);
    return true;
}
