/* Unit tests of the app store (app-mgr/store/store.h) without a device: the
 * entry format byte for byte as documented, install order, replacing and
 * dropping entries, leftovers of a crash, damaged entries moved aside (each
 * truncation, a flipped byte, a renamed file, garbage), a write that fails
 * leaving the store as it was; and, printed but not asserted, the time of
 * one durable write of a 100 KB app.
 *
 * Usage: test_store */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store.h"

static char dir[64];
static int log_errors;

static void quiet_log(void *user, int level, const char *line)
{
    (void)user;
    if (level == 0)
        log_errors++;
    if (getenv("TEST_STORE_VERBOSE"))
        printf("log %d: %s\n", level, line);
}

static char *path_in(const char *name)
{
    static char paths[4][256];
    static int next;
    char *p = paths[next++ % 4];

    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static bool exists(const char *name)
{
    return access(path_in(name), F_OK) == 0;
}

static uint8_t *read_all(const char *name, size_t *out_size)
{
    FILE *f = fopen(path_in(name), "rb");
    uint8_t *data = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size)) && fread(data, 1, (size_t)size, f) == (size_t)size)
        *out_size = (size_t)size;
    else {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

static bool write_all_to(const char *name, const void *data, size_t size)
{
    FILE *f = fopen(path_in(name), "wb");
    bool ok = f && fwrite(data, 1, size, f) == size;

    if (f && fclose(f) != 0)
        ok = false;
    return ok;
}

static bool save(st_store_t *st, const char *name, uint32_t heap, const char *payload)
{
    am_app_params_t p = {.name = name, .heap_size = heap, .max_timers = 3, .watchdog_ms = 500};

    return st_save(st, &p, (const uint8_t *)payload, (uint32_t)strlen(payload), NULL, 0);
}

/* The names st_load returns, in order, joined by spaces. */
static void load_names(st_store_t *st, char *out, size_t size)
{
    st_entry_t *e = NULL;
    uint32_t n = 0;
    size_t len = 0;

    out[0] = '\0';
    CHECK(st_load(st, &e, &n));
    for (uint32_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? " " : "", e[i].name);
    st_entries_free(e, n);
}

static int count_rejected(void)
{
    DIR *d = opendir(path_in("rejected"));
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Reference CRC-32 (bit by bit), independent of the store's own. */
static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;

    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    }
    return ~crc;
}

/* ------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------ */

/* An entry is exactly the layout of store.h. */
static void test_format(st_store_t *st)
{
    static const uint8_t want_head[] = {
        'W', 'A', 'S', 'T', 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* seq 1 */
        0, 0, 0x40, 0, 0, 0, 0, 3, 0, 0, 0x01, 0xf4,            /* heap, timers, wd */
        0, 0, 0, 5, 'a', 'b', 'c', 'h', 'e', 'l', 'l', 'o'};    /* P, name, payload */
    uint8_t *data;
    size_t size = 0;
    uint32_t crc;

    CHECK(save(st, "abc", 16384, "hello"));
    data = read_all("app-abc", &size);
    CHECK(data && size == sizeof want_head + 4);
    if (!data || size != sizeof want_head + 4) {
        free(data);
        return;
    }
    CHECK(memcmp(data, want_head, sizeof want_head) == 0);
    crc = (uint32_t)data[size - 4] << 24 | (uint32_t)data[size - 3] << 16 |
          (uint32_t)data[size - 2] << 8 | data[size - 1];
    CHECK(crc == ref_crc32(data, size - 4));
    CHECK(ref_crc32((const uint8_t *)"123456789", 9) == 0xcbf43926u);
    free(data);
    CHECK(st_drop(st, "abc", NULL, 0));
    CHECK(!exists("app-abc"));
}

/* Install order, replacing, dropping, parameters and payloads. */
static void test_order(st_store_t *st)
{
    char names[256];
    st_entry_t *e = NULL;
    uint32_t n = 0;

    CHECK(save(st, "one", 0, "payload one"));
    CHECK(save(st, "two", 4096, "payload two"));
    CHECK(save(st, "three", 0, "payload three"));
    load_names(st, names, sizeof names);
    CHECK(strcmp(names, "one two three") == 0);
    /* an upgrade replaces the entry and moves it to the end */
    CHECK(save(st, "one", 512, "payload one, v2"));
    CHECK(st_load(st, &e, &n) && n == 3);
    if (n == 3) {
        CHECK(strcmp(e[2].name, "one") == 0 && e[2].heap_size == 512 &&
              e[2].max_timers == 3 && e[2].watchdog_ms == 500);
        CHECK(e[2].payload_size == 15 && memcmp(e[2].payload, "payload one, v2", 15) == 0);
        CHECK(strcmp(e[0].name, "two") == 0 && e[0].heap_size == 4096);
        CHECK(e[0].seq < e[1].seq && e[1].seq < e[2].seq);
    }
    st_entries_free(e, n);
    CHECK(st_drop(st, "two", NULL, 0));
    CHECK(st_drop(st, "two", NULL, 0)); /* already gone: fine */
    load_names(st, names, sizeof names);
    CHECK(strcmp(names, "three one") == 0);
}

/* A reopened store continues the order; a crash's tmp- file is deleted;
 * other files are left alone. */
static st_store_t *test_reopen(st_store_t *st)
{
    char names[256], err[256];

    st_close(st);
    CHECK(write_all_to("tmp-four", "half written", 12));
    CHECK(write_all_to("README", "not an entry", 12));
    st = st_open(dir, quiet_log, NULL, err, sizeof err);
    CHECK(st != NULL);
    if (!st)
        return NULL;
    CHECK(!exists("tmp-four") && exists("README"));
    CHECK(save(st, "four", 0, "payload four"));
    load_names(st, names, sizeof names);
    CHECK(strcmp(names, "three one four") == 0);
    return st;
}

/* Damaged entries are moved aside, never returned, never fatal. */
static void test_damage(st_store_t *st)
{
    uint8_t *good;
    size_t size = 0;
    char names[256];
    int rejected = count_rejected(), bad = 0;

    good = read_all("app-four", &size);
    CHECK(good != NULL);
    if (!good)
        return;
    for (size_t len = 0; len < size; len++) { /* every truncation */
        CHECK(write_all_to("app-cut", good, len) || len == 0);
        load_names(st, names, sizeof names);
        bad += strcmp(names, "three one four") != 0;
    }
    CHECK(bad == 0);
    CHECK(count_rejected() == rejected + (int)size);
    good[size / 2] ^= 0x01; /* a flipped byte: the CRC */
    CHECK(write_all_to("app-four", good, size));
    CHECK(write_all_to("app-five", "garbage", 7));
    load_names(st, names, sizeof names);
    CHECK(strcmp(names, "three one") == 0);
    CHECK(!exists("app-four") && !exists("app-five"));
    CHECK(exists("rejected/app-four.1") && exists("rejected/app-five.1"));
    good[size / 2] ^= 0x01; /* whole again, but under another name */
    CHECK(write_all_to("app-six", good, size));
    load_names(st, names, sizeof names);
    CHECK(strcmp(names, "three one") == 0 && exists("rejected/app-six.1"));
    free(good);
}

/* A write that fails leaves the entry as it was and no temporary file. */
static void test_write_failure(st_store_t *st)
{
    am_app_params_t p = {.name = "one"};
    char err[256] = "", names[256];
    st_entry_t *e = NULL;
    uint32_t n = 0;

    CHECK(mkdir(path_in("tmp-one"), 0700) == 0); /* the temporary cannot be created */
    CHECK(!st_save(st, &p, (const uint8_t *)"v3", 2, err, sizeof err));
    CHECK(strstr(err, "cannot write the app store") && strstr(err, "tmp-one"));
    CHECK(rmdir(path_in("tmp-one")) == 0);
    CHECK(st_load(st, &e, &n) && n == 2);
    if (n == 2)
        CHECK(e[1].payload_size == 15 && memcmp(e[1].payload, "payload one, v2", 15) == 0);
    st_entries_free(e, n);
    load_names(st, names, sizeof names);
    CHECK(strcmp(names, "three one") == 0);
    CHECK(!st_save(st, &p, NULL, 0, NULL, 0)); /* empty */
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Measurement only: one durable write (write, fsync, rename, fsync). */
static void measure(st_store_t *st)
{
    enum { SIZE = 100 * 1024, N = 10 };
    am_app_params_t p = {.name = "big"};
    uint8_t *payload = calloc(1, SIZE);
    double t0;
    int ok = 0;

    if (!payload)
        return;
    t0 = now_s();
    for (int i = 0; i < N; i++)
        ok += st_save(st, &p, payload, SIZE, NULL, 0);
    CHECK(ok == N);
    printf("measure: store write of a 100 KB app: %.2f ms (mean of %d, this disk)\n",
           (now_s() - t0) * 1e3 / N, N);
    CHECK(st_drop(st, "big", NULL, 0));
    free(payload);
}

int main(void)
{
    char err[256], cmd[128];
    st_store_t *st;

    snprintf(dir, sizeof dir, "/tmp/store-unit-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    CHECK(st_open(NULL, quiet_log, NULL, err, sizeof err) == NULL);
    /* st_open creates the directory */
    snprintf(cmd, sizeof cmd, "%s/sub", dir);
    st = st_open(cmd, quiet_log, NULL, err, sizeof err);
    CHECK(st != NULL);
    st_close(st);
    CHECK(exists("sub"));

    st = st_open(dir, quiet_log, NULL, err, sizeof err);
    CHECK(st != NULL);
    if (st) {
        test_format(st);
        test_order(st);
        st = test_reopen(st);
    }
    if (st) {
        test_damage(st);
        test_write_failure(st);
        measure(st);
        st_close(st);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
