/* Measurements for the notes (not a test): per-app memory overhead on the
 * device (module, instance, exec env, thread, queue and bookkeeping) and
 * request round-trip latency, app -> app -> app and embedder -> app ->
 * embedder, medians over 10k requests. Run from a Release build:
 *   am_measure <dir with t_bench.wasm> [app.wasm for the memory figures] */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "am_internal.h" /* sizeof the app record and a queued message */
#include "am_test_util.h"
#include "app_manager.h"

#define N_APPS 16
#define N_REQUESTS 10000

static long heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();

    /* blocks from the heap plus the big ones glibc maps separately */
    return (long)(mi.uordblks + mi.hblkhd);
}

static long rss_bytes(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * sysconf(_SC_PAGESIZE);
}

/* ---- waiting for one answer ---- */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int status;
    char text[256];
} answer_t;

static void on_answer(void *user, const response_t *resp)
{
    answer_t *a = user;

    pthread_mutex_lock(&a->lock);
    a->status = resp ? resp->status : -1;
    snprintf(a->text, sizeof a->text, "%.*s", resp && resp->payload ? resp->payload_len : 0,
             resp && resp->payload ? (const char *)resp->payload : "");
    a->done = true;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

static int ask(am_client_t *c, const char *url, char *out, size_t out_size)
{
    static answer_t a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, ""};
    request_t req;

    memset(&req, 0, sizeof req);
    req.url = (char *)url;
    req.action = COAP_GET;
    a.done = false;
    am_request(c, &req, 120000, on_answer, &a);
    pthread_mutex_lock(&a.lock);
    while (!a.done)
        pthread_cond_wait(&a.cond, &a.lock);
    pthread_mutex_unlock(&a.lock);
    if (out)
        snprintf(out, out_size, "%s", a.text);
    return a.status;
}

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return (x > y) - (x < y);
}

/* ---- memory ---- */

static void measure_instance(const uint8_t *wasm, uint32_t size, const am_config_t *cfg)
{
    char err[128];
    long h0 = heap_bytes(), h1, h2, h3;
    wasm_module_t module = wasm_runtime_load((uint8_t *)wasm, size, err, sizeof err);
    wasm_module_inst_t inst;
    wasm_exec_env_t env;

    h1 = heap_bytes();
    inst = wasm_runtime_instantiate(module, cfg->wasm_stack_size, 8192, err, sizeof err);
    h2 = heap_bytes();
    env = wasm_runtime_create_exec_env(inst, cfg->wasm_stack_size);
    h3 = heap_bytes();
    printf("module (%u bytes of wasm): %ld bytes\n", size, h1 - h0);
    printf("instance (linear memory with an 8 KiB app heap included): %ld bytes\n", h2 - h1);
    printf("exec env (wasm stack %u): %ld bytes\n", cfg->wasm_stack_size, h3 - h2);
    wasm_runtime_destroy_exec_env(env);
    wasm_runtime_deinstantiate(inst);
    wasm_runtime_unload(module);
}

static void measure_apps(am_t *am, const uint8_t *wasm, uint32_t size, const am_config_t *cfg)
{
    am_app_params_t p;
    char name[16], err[256];
    long h0 = heap_bytes(), r0 = rss_bytes();

    memset(&p, 0, sizeof p);
    p.name = name;
    for (int i = 0; i < N_APPS; i++) {
        snprintf(name, sizeof name, "m%d", i);
        if (!am_install(am, &p, wasm, size, err, sizeof err))
            printf("install: %s\n", err);
    }
    printf("per app, all in (%d apps): heap %ld bytes, RSS %ld bytes\n", N_APPS,
           (heap_bytes() - h0) / N_APPS, (rss_bytes() - r0) / N_APPS);
    printf("thread: %u bytes of stack reserved (virtual; RSS counts the touched pages)\n",
           cfg->thread_stack_size);
    printf("queue: app record %zu bytes (its empty queue included), + %zu bytes + the packet per "
           "queued message, at most %u messages\n",
           sizeof(am_app_t), sizeof(am_msg_t), cfg->queue_len);
    for (int i = 0; i < N_APPS; i++) {
        snprintf(name, sizeof name, "m%d", i);
        am_uninstall(am, name, NULL, 0);
    }
}

/* ---- latency ---- */

static void measure_latency(am_t *am, am_client_t *c, const uint8_t *wasm, uint32_t size)
{
    am_app_params_t p;
    char text[256], err[256];
    static long long rtt[N_REQUESTS];

    memset(&p, 0, sizeof p);
    p.name = "a";
    am_install(am, &p, wasm, size, err, sizeof err);
    p.name = "b";
    am_install(am, &p, wasm, size, err, sizeof err);
    ask(c, "/app/a/bench?u=/app/b/ping&n=1000", NULL, 0); /* warm up */
    snprintf(text, sizeof text, "/app/a/bench?u=/app/b/ping&n=%d", N_REQUESTS);
    ask(c, text, text, sizeof text);
    printf("app -> app -> app round trip over %d requests (timed inside app a): %s\n", N_REQUESTS,
           text);
    ask(c, "/app/a/bench?u=/url-nobody-serves&n=1000", text, sizeof text);
    printf("app -> manager (132) -> app, 1000 requests: %s\n", text);
    for (int i = 0; i < N_REQUESTS; i++) {
        long long t0 = now_ns();
        ask(c, "/app/b/ping", NULL, 0);
        rtt[i] = now_ns() - t0;
    }
    qsort(rtt, N_REQUESTS, sizeof rtt[0], cmp_ll);
    printf("embedder -> app -> embedder over %d requests: median_ns=%lld p90_ns=%lld min_ns=%lld\n",
           N_REQUESTS, rtt[N_REQUESTS / 2], rtt[N_REQUESTS * 9 / 10], rtt[0]);
    am_uninstall(am, "a", NULL, 0);
    am_uninstall(am, "b", NULL, 0);
}

int main(int argc, char **argv)
{
    char path[512], err[256];
    uint32_t size = 0;
    uint8_t *wasm;
    am_config_t cfg;
    am_t *am;
    am_client_t *c;

    uint8_t *mem_wasm;
    uint32_t mem_size = 0;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s WASM_DIR [APP.wasm]\n", argv[0]);
        return 2;
    }
    snprintf(path, sizeof path, "%s/t_bench.wasm", argv[1]);
    if (!(wasm = am_test_read_file(path, &size))) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    am_config_default(&cfg);
    if (!(am = am_start(&cfg, err, sizeof err)) || !(c = am_client_open(am, NULL, NULL))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    mem_wasm = argc == 3 ? am_test_read_file(argv[2], &mem_size) : wasm;
    if (!mem_wasm) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 1;
    }
    if (argc == 2)
        mem_size = size;
    printf("memory figures for %s\n", argc == 3 ? argv[2] : path);
    measure_instance(mem_wasm, mem_size, &cfg);
    measure_apps(am, mem_wasm, mem_size, &cfg);
    measure_latency(am, c, wasm, size);
    am_client_close(c);
    am_shutdown(am);
    if (mem_wasm != wasm)
        free(mem_wasm);
    free(wasm);
    return 0;
}
