/* wasm-bench: the driver of `make bench`. Runs each benchmark kernel natively,
 * under iwasm and under every BENCH_PEERS runtime, round-robin across the
 * runtimes on each repetition, checks each run's stdout against the native
 * output, and prints a table of median wall-clock times and ratios to native,
 * then start-up, peak RSS, code size and load-speed figures.
 *   wasm-bench --iwasm PATH --native-dir DIR --wasm-dir DIR [--loadstat PATH]
 *              [--vmlib PATH] [--minilib PATH] [--miniembed PATH] [--runs N]
 *              [--timeout SECONDS] [KERNEL...]
 * With no KERNEL, every program in --native-dir but hello is a kernel.
 * --minilib and --miniembed are the WAMR_BUILD_MINI libvmlib.a and the
 * minimal embedder linked with it (test/mini), whose text sizes are printed.
 * BENCH_PEERS="wasm3=/path/wasm3 wt='wasmtime run'" adds runtimes: each is a
 * command prefix to which the .wasm path is appended.
 * Exit status: 0 when every run succeeded with the native output, 1 when one
 * failed or differed, 2 on bad usage. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    MAX_RUNTIMES = 8,
    MAX_KERNELS = 64,
    MAX_RUNS = 101,
    MAX_ARGS = 16,
    HELLO_RUNS = 21,
    OUTPUT_LIMIT = 1 << 20, /* bytes of stdout/stderr kept per run */
};

typedef struct Runtime {
    char name[32];
    char *argv[MAX_ARGS + 2]; /* command prefix, then the module, then NULL */
    int argc;                 /* words in the prefix; 0 for native */
} Runtime;

typedef struct Buffer {
    char *data; /* NUL-terminated, owned */
    size_t len, cap;
} Buffer;

typedef struct RunResult {
    double seconds; /* fork to reaping, wall clock */
    long max_rss_kb;
    int exit_status; /* the exit code, or 128 + signal */
    int timed_out;
    Buffer out, err;
} RunResult;

/* What one runtime did on one kernel over all its repetitions. */
typedef struct Cell {
    double times[MAX_RUNS];
    int n_times;
    long max_rss_kb;
    char failure[200]; /* empty while every run succeeded with the native output */
} Cell;

typedef struct Config {
    const char *iwasm, *native_dir, *wasm_dir, *loadstat, *vmlib, *minilib, *miniembed;
    int runs;
    unsigned timeout_s;
    const char *kernels[MAX_KERNELS];
    int n_kernels;
} Config;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wasm-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ============================ buffers ============================ */

static void buffer_append(Buffer *b, const char *data, size_t n)
{
    if (b->len + n > OUTPUT_LIMIT)
        n = OUTPUT_LIMIT - b->len;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data)
            die("out of memory");
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void buffer_free(Buffer *b)
{
    free(b->data);
    *b = (Buffer){0};
}

/* the first line of text, at most size-1 bytes, into out_line */
static void first_line(const char *text, char *out_line, size_t size)
{
    size_t n = text ? strcspn(text, "\n") : 0;
    if (n >= size)
        n = size - 1;
    memcpy(out_line, text ? text : "", n);
    out_line[n] = 0;
}

/* ========================= running a child ========================= */

static volatile pid_t alarm_target;
static volatile sig_atomic_t alarm_fired;

/* SIGALRM: the run is over its time; kill its whole process group */
static void on_alarm(int sig)
{
    (void)sig;
    alarm_fired = 1;
    if (alarm_target > 0)
        kill(-alarm_target, SIGKILL);
}

static void exec_child(char *const argv[], int out_fd, int err_fd)
{
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0)
        dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* reads both pipes to their end; the alarm may interrupt poll */
static void drain_pipes(int out_fd, int err_fd, RunResult *res)
{
    struct pollfd fds[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
    Buffer *bufs[2] = {&res->out, &res->err};
    int open_fds = 2;
    char chunk[4096];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n > 0)
                buffer_append(bufs[i], chunk, (size_t)n);
            else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
}

/* Runs argv to completion (or timeout_s), capturing its output. Returns 0,
 * or -1 when no child could be started. */
static int run_command(char *const argv[], unsigned timeout_s, RunResult *res)
{
    int out_pipe[2], err_pipe[2];
    *res = (RunResult){0};
    buffer_append(&res->out, "", 0);
    buffer_append(&res->err, "", 0);
    if (pipe(out_pipe) != 0)
        return -1;
    if (pipe(err_pipe) != 0) {
        close(out_pipe[0]), close(out_pipe[1]);
        return -1;
    }
    fflush(NULL);
    double start = now_seconds();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(argv, out_pipe[1], err_pipe[1]);
    close(out_pipe[1]), close(err_pipe[1]);
    if (pid < 0) {
        close(out_pipe[0]), close(err_pipe[0]);
        return -1;
    }
    alarm_fired = 0;
    alarm_target = pid;
    alarm(timeout_s);
    drain_pipes(out_pipe[0], err_pipe[0], res);
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR)
        ;
    res->seconds = now_seconds() - start;
    alarm(0);
    alarm_target = 0;
    res->timed_out = alarm_fired;
    res->max_rss_kb = usage.ru_maxrss;
    res->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

static void run_result_free(RunResult *res)
{
    buffer_free(&res->out);
    buffer_free(&res->err);
}

/* ============================ runtimes ============================ */

/* splits words on spaces into rt's prefix; words stays owned by the caller */
static void set_prefix(Runtime *rt, char *words)
{
    for (char *w = strtok(words, " \t"); w; w = strtok(NULL, " \t")) {
        if (rt->argc == MAX_ARGS)
            die("too many words in the command of %s", rt->name);
        rt->argv[rt->argc++] = w;
    }
    if (rt->argc == 0)
        die("runtime %s has no command", rt->name);
}

/* one "name=cmd" or "name='cmd with words'" item of BENCH_PEERS at *p */
static const char *parse_peer(const char *p, Runtime *rt)
{
    size_t name_len = strcspn(p, "= \t");
    if (p[name_len] != '=' || name_len == 0 || name_len >= sizeof rt->name)
        die("BENCH_PEERS: expected name=command at \"%s\"", p);
    memcpy(rt->name, p, name_len);
    p += name_len + 1;
    char quote = (*p == '\'' || *p == '"') ? *p++ : 0;
    size_t cmd_len = quote ? strcspn(p, quote == '\'' ? "'" : "\"") : strcspn(p, " \t");
    if (quote && p[cmd_len] != quote)
        die("BENCH_PEERS: unterminated quote after %s=", rt->name);
    char *cmd = strndup(p, cmd_len); /* lives as long as the runtime */
    if (!cmd)
        die("out of memory");
    set_prefix(rt, cmd);
    return p + cmd_len + (quote ? 1 : 0);
}

/* native, iwasm, then the BENCH_PEERS entries; returns how many */
static int make_runtimes(const Config *cfg, Runtime *out_rts)
{
    int n = 0;
    memset(out_rts, 0, sizeof(Runtime) * MAX_RUNTIMES);
    strcpy(out_rts[n++].name, "native");
    strcpy(out_rts[n].name, "iwasm");
    out_rts[n].argv[0] = (char *)cfg->iwasm;
    out_rts[n++].argc = 1;
    const char *p = getenv("BENCH_PEERS");
    while (p && *(p += strspn(p, " \t"))) {
        if (n == MAX_RUNTIMES)
            die("BENCH_PEERS: at most %d peers", MAX_RUNTIMES - 2);
        p = parse_peer(p, &out_rts[n++]);
    }
    return n;
}

/* ============================ measuring ============================ */

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* records res in cell, or why it does not count */
static void judge_run(Cell *cell, const RunResult *res, const Buffer *reference, unsigned timeout_s)
{
    char line[120];
    if (res->timed_out)
        snprintf(cell->failure, sizeof cell->failure, "timeout: over %u s", timeout_s);
    else if (res->exit_status != 0) {
        first_line(res->err.data[0] ? res->err.data : res->out.data, line, sizeof line);
        snprintf(cell->failure, sizeof cell->failure, "exit status %d: %s", res->exit_status, line);
    } else if (!reference->data)
        snprintf(cell->failure, sizeof cell->failure, "no native output to compare with");
    else if (res->out.len != reference->len || memcmp(res->out.data, reference->data, res->out.len)) {
        first_line(res->out.data, line, sizeof line);
        snprintf(cell->failure, sizeof cell->failure, "output differs from native: \"%s\"", line);
    } else {
        if (cell->n_times < MAX_RUNS)
            cell->times[cell->n_times++] = res->seconds;
        if (res->max_rss_kb > cell->max_rss_kb)
            cell->max_rss_kb = res->max_rss_kb;
    }
}

/* Runs kernel `runs` times on every runtime, round-robin; cells[r] gets
 * runtime r's results. A runtime that fails once is not run again. */
static void measure_kernel(const Config *cfg, Runtime *rts, int n_rts, const char *kernel,
                           int runs, Cell *cells)
{
    char native_path[4096], wasm_path[4096];
    snprintf(native_path, sizeof native_path, "%s/%s", cfg->native_dir, kernel);
    snprintf(wasm_path, sizeof wasm_path, "%s/%s.wasm", cfg->wasm_dir, kernel);
    Buffer reference = {0};
    for (int rep = 0; rep < runs; rep++)
        for (int r = 0; r < n_rts; r++) {
            Runtime *rt = &rts[r];
            RunResult res;
            if (cells[r].failure[0])
                continue;
            rt->argv[rt->argc] = r == 0 ? native_path : wasm_path;
            rt->argv[rt->argc + 1] = NULL;
            if (run_command(rt->argv, cfg->timeout_s, &res) != 0) {
                snprintf(cells[r].failure, sizeof cells[r].failure, "cannot start: %s",
                         strerror(errno));
                continue;
            }
            if (r == 0 && !reference.data && res.exit_status == 0 && !res.timed_out)
                buffer_append(&reference, res.out.data, res.out.len);
            judge_run(&cells[r], &res, &reference, cfg->timeout_s);
            run_result_free(&res);
        }
    buffer_free(&reference);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* the median time of a cell that has no failure, else -1 */
static double cell_median(const Cell *cell)
{
    double sorted[MAX_RUNS];
    if (cell->failure[0] || cell->n_times == 0)
        return -1;
    memcpy(sorted, cell->times, sizeof(double) * (size_t)cell->n_times);
    qsort(sorted, (size_t)cell->n_times, sizeof sorted[0], cmp_double);
    int n = cell->n_times;
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* ============================ reporting ============================ */

/* a short word for the table cell of a failed runtime */
static const char *failure_tag(const Cell *cell)
{
    if (strncmp(cell->failure, "timeout", 7) == 0)
        return "TIMEOUT";
    if (strncmp(cell->failure, "output differs", 14) == 0)
        return "MISMATCH";
    return "FAIL";
}

static void print_header(const Runtime *rts, int n_rts)
{
    printf("%-12s", "kernel");
    for (int r = 0; r < n_rts; r++) {
        printf(" %10.10s s", rts[r].name);
        if (r > 0)
            printf(" %7s", "x");
    }
    printf("\n");
}

static void print_row(const char *kernel, const Cell *cells, int n_rts)
{
    double native = cell_median(&cells[0]);
    printf("%-12s", kernel);
    for (int r = 0; r < n_rts; r++) {
        double t = cell_median(&cells[r]);
        if (t < 0)
            printf(" %12s", failure_tag(&cells[r]));
        else
            printf(" %12.3f", t);
        if (r > 0 && t >= 0 && native > 0)
            printf(" %6.2fx", t / native);
        else if (r > 0)
            printf(" %7s", "-");
    }
    printf("\n");
}

/* the geometric mean of each runtime's ratios to native, over the kernels
 * where both succeeded */
static void print_geomean(Cell (*cells)[MAX_RUNTIMES], int n_kernels, int n_rts)
{
    printf("%-12s %12s", "geomean", "");
    for (int r = 1; r < n_rts; r++) {
        double log_sum = 0;
        int n = 0;
        for (int k = 0; k < n_kernels; k++) {
            double native = cell_median(&cells[k][0]), t = cell_median(&cells[k][r]);
            if (native > 0 && t > 0) {
                log_sum += log(t / native);
                n++;
            }
        }
        char note[32] = "";
        if (n < n_kernels)
            snprintf(note, sizeof note, "(%d/%d)", n, n_kernels);
        printf(" %12s", note);
        if (n > 0)
            printf(" %6.2fx", exp(log_sum / n));
        else
            printf(" %7s", "-");
    }
    printf("\n");
}

/* prints each failure in full; returns how many there were */
static int print_failures(const Config *cfg, const Runtime *rts, int n_rts,
                          Cell (*cells)[MAX_RUNTIMES], const Cell *hello)
{
    int failures = 0;
    for (int k = 0; k <= cfg->n_kernels; k++) {
        const Cell *row = k < cfg->n_kernels ? cells[k] : hello;
        for (int r = 0; r < n_rts; r++)
            if (row[r].failure[0]) {
                if (failures++ == 0)
                    printf("\nfailures:\n");
                printf("  %s on %s: %s\n", rts[r].name, k < cfg->n_kernels ? cfg->kernels[k] : "hello",
                       row[r].failure);
            }
    }
    return failures;
}

static void print_startup(const Runtime *rts, int n_rts, const Cell *hello)
{
    printf("\nstart-up, hello (median of %d runs):", HELLO_RUNS);
    double native = cell_median(&hello[0]);
    for (int r = 0; r < n_rts; r++) {
        double t = cell_median(&hello[r]);
        if (t < 0) {
            printf("  %s %s", rts[r].name, failure_tag(&hello[r]));
            continue;
        }
        printf("  %s %.2f ms", rts[r].name, t * 1e3);
        if (r > 0 && native > 0)
            printf(" (+%.2f)", (t - native) * 1e3);
    }
    printf("\n");
}

static void print_rss_line(const char *label, const Runtime *rts, int n_rts, const Cell *row)
{
    printf("peak RSS, %-20s", label);
    for (int r = 0; r < n_rts; r++) {
        if (row[r].max_rss_kb > 0)
            printf("  %s %.1f MiB", rts[r].name, (double)row[r].max_rss_kb / 1024);
        else
            printf("  %s -", rts[r].name);
    }
    printf("\n");
}

/* the kernel that needs the most memory natively */
static int largest_rss_kernel(Cell (*cells)[MAX_RUNTIMES], int n_kernels)
{
    int best = -1;
    for (int k = 0; k < n_kernels; k++)
        if (best < 0 || cells[k][0].max_rss_kb > cells[best][0].max_rss_kb)
            best = k;
    return best;
}

/* the text size of a file by `size -B -t` (its TOTALS line, so archives sum
 * their members), or -1 */
static long text_size(const char *path)
{
    char *argv[] = {"size", "-B", "-t", (char *)path, NULL};
    RunResult res;
    long text = -1;
    if (run_command(argv, 30, &res) != 0)
        return -1;
    const char *totals = strstr(res.out.data, "(TOTALS)");
    if (res.exit_status == 0 && totals) {
        const char *line = totals;
        while (line > res.out.data && line[-1] != '\n')
            line--;
        text = strtol(line, NULL, 10);
    }
    run_result_free(&res);
    return text;
}

static void print_size(const char *label, const char *path)
{
    long text = path ? text_size(path) : -1;
    if (text >= 0)
        printf("text size, %-12s %ld bytes (%.1f KiB)\n", label, text, (double)text / 1024);
    else if (path)
        printf("text size, %-12s unavailable (size %s failed)\n", label, path);
}

/* wasm-loadstat's report on the module, indented under a title */
static void print_loadstat(const Config *cfg, const char *kernel, const char *why)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.wasm", cfg->wasm_dir, kernel);
    char *argv[] = {(char *)cfg->loadstat, path, NULL};
    RunResult res;
    printf("wasm-loadstat %s.wasm (%s):\n", kernel, why);
    if (run_command(argv, cfg->timeout_s, &res) != 0) {
        printf("  cannot run %s\n", cfg->loadstat);
        return;
    }
    for (char *line = strtok(res.out.data, "\n"); line; line = strtok(NULL, "\n"))
        printf("  %s\n", line);
    if (res.exit_status != 0) {
        char err[200];
        first_line(res.err.data, err, sizeof err);
        printf("  failed (exit status %d): %s\n", res.exit_status, err);
    }
    run_result_free(&res);
}

/* the kernel whose .wasm file is largest */
static int largest_wasm_kernel(const Config *cfg)
{
    int best = -1;
    long best_size = -1;
    for (int k = 0; k < cfg->n_kernels; k++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s.wasm", cfg->wasm_dir, cfg->kernels[k]);
        if (stat(path, &st) == 0 && st.st_size > best_size) {
            best_size = st.st_size;
            best = k;
        }
    }
    return best;
}

/* =========================== command line =========================== */

static int cmp_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* every regular file of the native directory but hello, sorted by name */
static void find_kernels(Config *cfg)
{
    DIR *dir = opendir(cfg->native_dir);
    if (!dir)
        die("cannot open %s: %s", cfg->native_dir, strerror(errno));
    for (struct dirent *e; (e = readdir(dir));) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", cfg->native_dir, e->d_name);
        if (e->d_name[0] == '.' || strcmp(e->d_name, "hello") == 0 || !file_exists(path))
            continue;
        if (cfg->n_kernels == MAX_KERNELS)
            die("more than %d kernels", MAX_KERNELS);
        cfg->kernels[cfg->n_kernels++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(cfg->kernels, (size_t)cfg->n_kernels, sizeof cfg->kernels[0], cmp_string);
}

static void usage(void)
{
    fprintf(stderr, "usage: wasm-bench --iwasm PATH --native-dir DIR --wasm-dir DIR\n"
                    "                  [--loadstat PATH] [--vmlib PATH] [--minilib PATH]\n"
                    "                  [--miniembed PATH] [--runs N] [--timeout SECONDS]\n"
                    "                  [KERNEL...]\n"
                    "BENCH_PEERS=\"name=cmd name2='cmd with args'\" adds runtimes.\n");
    exit(2);
}

static void parse_args(int argc, char **argv, Config *out_cfg)
{
    *out_cfg = (Config){.runs = 5, .timeout_s = 300};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = !strcmp(a, "--iwasm")        ? &out_cfg->iwasm
                            : !strcmp(a, "--native-dir") ? &out_cfg->native_dir
                            : !strcmp(a, "--wasm-dir")   ? &out_cfg->wasm_dir
                            : !strcmp(a, "--loadstat")   ? &out_cfg->loadstat
                            : !strcmp(a, "--vmlib")      ? &out_cfg->vmlib
                            : !strcmp(a, "--minilib")    ? &out_cfg->minilib
                            : !strcmp(a, "--miniembed")  ? &out_cfg->miniembed
                                                         : NULL;
        if (slot && v)
            *slot = argv[++i];
        else if (!strcmp(a, "--runs") && v)
            out_cfg->runs = atoi(argv[++i]);
        else if (!strcmp(a, "--timeout") && v)
            out_cfg->timeout_s = (unsigned)atoi(argv[++i]);
        else if (a[0] == '-' || out_cfg->n_kernels == MAX_KERNELS)
            usage();
        else
            out_cfg->kernels[out_cfg->n_kernels++] = a;
    }
    if (!out_cfg->iwasm || !out_cfg->native_dir || !out_cfg->wasm_dir)
        usage();
    if (out_cfg->runs < 1 || out_cfg->runs > MAX_RUNS || out_cfg->timeout_s < 1)
        die("--runs must be 1..%d and --timeout at least 1", MAX_RUNS);
    if (out_cfg->n_kernels == 0)
        find_kernels(out_cfg);
}

/* ============================== main ============================== */

static void print_progress(const char *kernel, const Runtime *rts, int n_rts, const Cell *cells)
{
    fprintf(stderr, "  %-12s", kernel);
    for (int r = 0; r < n_rts; r++) {
        double t = cell_median(&cells[r]);
        if (t < 0)
            fprintf(stderr, " %s %s", rts[r].name, failure_tag(&cells[r]));
        else
            fprintf(stderr, " %s %.3f s", rts[r].name, t);
    }
    fprintf(stderr, "\n");
}

static void print_report(const Config *cfg, const Runtime *rts, int n_rts,
                         Cell (*cells)[MAX_RUNTIMES], const Cell *hello)
{
    printf("\nmedian wall-clock time of %d interleaved runs; x = ratio to native\n\n", cfg->runs);
    print_header(rts, n_rts);
    for (int k = 0; k < cfg->n_kernels; k++)
        print_row(cfg->kernels[k], cells[k], n_rts);
    print_geomean(cells, cfg->n_kernels, n_rts);
    print_startup(rts, n_rts, hello);
    print_rss_line("hello:", rts, n_rts, hello);
    int big = largest_rss_kernel(cells, cfg->n_kernels);
    if (big >= 0) {
        char label[64];
        snprintf(label, sizeof label, "%s (largest):", cfg->kernels[big]);
        print_rss_line(label, rts, n_rts, cells[big]);
    }
    print_size("iwasm:", cfg->iwasm);
    print_size("libvmlib.a:", cfg->vmlib);
    print_size("minimal lib (MINI):", cfg->minilib);
    print_size("minimal embedder (MINI):", cfg->miniembed);
    if (cfg->loadstat) {
        print_loadstat(cfg, "hello", "a small module");
        int largest = largest_wasm_kernel(cfg);
        if (largest >= 0)
            print_loadstat(cfg, cfg->kernels[largest], "the largest kernel");
    }
}

int main(int argc, char **argv)
{
    Config cfg;
    Runtime rts[MAX_RUNTIMES];
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: poll returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    parse_args(argc, argv, &cfg);
    int n_rts = make_runtimes(&cfg, rts);
    Cell(*cells)[MAX_RUNTIMES] = calloc((size_t)cfg.n_kernels + 1, sizeof *cells);
    if (!cells)
        die("out of memory");
    Cell *hello = cells[cfg.n_kernels];

    fprintf(stderr, "wasm-bench: %d kernels x %d runs on %d runtimes\n", cfg.n_kernels, cfg.runs,
            n_rts);
    measure_kernel(&cfg, rts, n_rts, "hello", HELLO_RUNS, hello);
    print_progress("hello", rts, n_rts, hello);
    for (int k = 0; k < cfg.n_kernels; k++) {
        measure_kernel(&cfg, rts, n_rts, cfg.kernels[k], cfg.runs, cells[k]);
        print_progress(cfg.kernels[k], rts, n_rts, cells[k]);
    }
    print_report(&cfg, rts, n_rts, cells, hello);
    int failures = print_failures(&cfg, rts, n_rts, cells, hello);
    free(cells);
    return failures ? 1 : 0;
}
