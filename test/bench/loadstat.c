/* wasm-loadstat: load/validate/translate speed and translated code size of a
 * module. Loads FILE repeatedly and prints the median load time, the
 * throughput in MB/s of the whole file, and the size of the internal code
 * against the size of the wasm function bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "loader/module.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned char *read_all(const char *path, long *out_size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc(size ? (size_t)size : 1)) && fread(buf, 1, (size_t)size, f) == (size_t)size)
        *out_size = size;
    else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    enum { RUNS = 21 };
    double times[RUNS];
    char err[256];
    long size = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: wasm-loadstat FILE.wasm\n");
        return 2;
    }
    unsigned char *buf = read_all(argv[1], &size);
    if (!buf) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    uint64_t body_bytes = 0, code_bytes = 0;
    uint32_t n_funcs = 0;
    for (int i = 0; i < RUNS; i++) {
        double t0 = now_seconds();
        WasmModule *m = ld_load(buf, (uint32_t)size, err, sizeof err);
        times[i] = now_seconds() - t0;
        if (!m) {
            fprintf(stderr, "load failed: %s\n", err);
            free(buf);
            return 1;
        }
        if (i == 0) {
            n_funcs = m->n_funcs;
            for (uint32_t f = 0; f < m->n_funcs; f++) {
                body_bytes += m->funcs[f].body_size;
                code_bytes += (uint64_t)m->funcs[f].code_words * 4;
            }
        }
        ld_unload(m);
    }
    qsort(times, RUNS, sizeof times[0], cmp_double);
    double median = times[RUNS / 2];
    printf("file: %ld bytes, %u functions, %llu bytes of function bodies\n", size, n_funcs,
           (unsigned long long)body_bytes);
    printf("load+validate+translate: median %.3f ms over %d runs, %.1f MB/s\n", median * 1e3,
           RUNS, (double)size / median / 1e6);
    printf("internal code: %llu bytes, %.2fx the wasm body size\n",
           (unsigned long long)code_bytes, body_bytes ? (double)code_bytes / (double)body_bytes : 0);
    free(buf);
    return 0;
}
