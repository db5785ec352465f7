/* The harness of the link tests and measurements: child processes (the
 * demo device, host_tool) with their output collected by threads, and raw
 * link connections to the device. */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "link_parser.h"
#include "shared_utils.h"

const char *simple_bin, *tool_bin;

void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------------
 * Text collected from a child's pipe by a thread
 * ------------------------------------------------------------------------ */


static void *collect(void *arg)
{
    collector_t *c = arg;
    char buf[4096];
    ssize_t got;

    while ((got = read(c->fd, buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR)) {
        if (got <= 0)
            continue;
        pthread_mutex_lock(&c->lock);
        if (c->len + (size_t)got + 1 > c->cap) {
            size_t cap = (c->cap ? c->cap * 2 : 65536) + (size_t)got;
            char *grown = realloc(c->text, cap);

            if (grown) {
                c->text = grown;
                c->cap = cap;
            }
        }
        if (c->len + (size_t)got + 1 <= c->cap) {
            memcpy(c->text + c->len, buf, (size_t)got);
            c->len += (size_t)got;
            c->text[c->len] = '\0';
        }
        pthread_mutex_unlock(&c->lock);
    }
    return NULL;
}

void collector_start(collector_t *c, int fd)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    pthread_mutex_init(&c->lock, NULL);
    pthread_create(&c->thread, NULL, collect, c);
}

/* Whether needle appeared in the collected text. */
bool collector_has(collector_t *c, const char *needle)
{
    bool found;

    pthread_mutex_lock(&c->lock);
    found = c->text && strstr(c->text, needle);
    pthread_mutex_unlock(&c->lock);
    return found;
}

int collector_count(collector_t *c, const char *needle)
{
    int n = 0;

    pthread_mutex_lock(&c->lock);
    for (const char *p = c->text; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    pthread_mutex_unlock(&c->lock);
    return n;
}

bool wait_text(collector_t *c, const char *needle, unsigned ms)
{
    for (unsigned waited = 0; waited < ms; waited += 10) {
        if (collector_has(c, needle))
            return true;
        sleep_ms(10);
    }
    return collector_has(c, needle);
}

void collector_finish(collector_t *c)
{
    pthread_join(c->thread, NULL);
    close(c->fd);
    pthread_mutex_destroy(&c->lock);
    free(c->text);
}

/* ------------------------------------------------------------------------
 * The device
 * ------------------------------------------------------------------------ */


/* Root drops to nobody (uid 65534) in the child, before exec. */
static pid_t spawn_as(char *const argv[], int *out_fd, int *err_fd, device_user_t user)
{
    int out[2], err[2];
    pid_t pid;

    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (user == DEVICE_AS_NOBODY && geteuid() == 0 &&
            (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    *out_fd = out[0];
    *err_fd = err[0];
    return pid;
}

pid_t spawn(char *const argv[], int *out_fd, int *err_fd)
{
    return spawn_as(argv, out_fd, err_fd, DEVICE_AS_CALLER);
}

bool device_start(device_t *d, const char *const *extra)
{
    return device_start_as(d, extra, DEVICE_AS_CALLER);
}

/* Starts `simple -s -p 0 extra...` and reads its port. */
bool device_start_as(device_t *d, const char *const *extra, device_user_t user)
{
    char *argv[32];
    int n = 0, out_fd, err_fd;

    argv[n++] = (char *)simple_bin;
    argv[n++] = "-s";
    argv[n++] = "-p";
    argv[n++] = "0";
    for (; extra && *extra && n < 30; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    memset(d, 0, sizeof *d);
    if ((d->pid = spawn_as(argv, &out_fd, &err_fd, user)) < 0)
        return false;
    collector_start(&d->out, out_fd);
    collector_start(&d->err, err_fd);
    if (!wait_text(&d->out, "\n", HANG_MS)) {
        printf("device did not start; stderr:\n%s\n", d->err.text ? d->err.text : "");
        return false;
    }
    pthread_mutex_lock(&d->out.lock);
    {
        const char *colon = strrchr(d->out.text, ':');
        d->port = colon ? (uint16_t)atoi(colon + 1) : 0;
    }
    pthread_mutex_unlock(&d->out.lock);
    return d->port != 0;
}

/* SIGTERM, then the exit status; prints the device's stderr on failure. */
int device_stop(device_t *d)
{
    int status = -1;
    uint64_t start = now_ms();

    kill(d->pid, SIGTERM);
    while (waitpid(d->pid, &status, WNOHANG) == 0) {
        if (now_ms() - start > HANG_MS) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &status, 0);
            printf("device did not stop on SIGTERM\n");
            break;
        }
        sleep_ms(10);
    }
    collector_finish(&d->out);
    pthread_mutex_lock(&d->err.lock);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        printf("device exit status 0x%x; its stderr:\n%s\n", status,
               d->err.text ? d->err.text : "");
    pthread_mutex_unlock(&d->err.lock);
    collector_finish(&d->err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ------------------------------------------------------------------------
 * host_tool
 * ------------------------------------------------------------------------ */


/* Runs host_tool -S 127.0.0.1 -P port args... (NULL-terminated). */
tool_result_t tool_run(const device_t *d, ...)
{
    char port[16], *argv[40];
    int n = 0, out_fd, err_fd, status = 0;
    collector_t out, err;
    tool_result_t r = {-1, NULL, NULL};
    va_list ap;
    pid_t pid;

    snprintf(port, sizeof port, "%u", (unsigned)d->port);
    argv[n++] = (char *)tool_bin;
    argv[n++] = "-S";
    argv[n++] = "127.0.0.1";
    argv[n++] = "-P";
    argv[n++] = port;
    va_start(ap, d);
    for (char *a; (a = va_arg(ap, char *)) && n < 38;)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    if ((pid = spawn(argv, &out_fd, &err_fd)) < 0)
        return r;
    collector_start(&out, out_fd);
    collector_start(&err, err_fd);
    waitpid(pid, &status, 0);
    pthread_join(out.thread, NULL);
    pthread_join(err.thread, NULL);
    close(out.fd);
    close(err.fd);
    pthread_mutex_destroy(&out.lock);
    pthread_mutex_destroy(&err.lock);
    r.out = out.text ? out.text : strdup("");
    r.err = err.text ? err.text : strdup("");
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

void tool_free(tool_result_t *r)
{
    free(r->out);
    free(r->err);
}

/* ------------------------------------------------------------------------
 * Raw link connections
 * ------------------------------------------------------------------------ */

int raw_connect(const device_t *d)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(d->port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;

    while (size) {
        ssize_t n = write(fd, p, size);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= (size_t)n;
    }
    return true;
}

/* Sends one request as a link message of the given type. */
bool raw_send(int fd, uint16_t type, const char *url, int action, uint32_t mid, int fmt,
              const void *payload, int payload_len)
{
    request_t req = {mid, (char *)url, action, fmt, (void *)payload, payload_len, 0};
    int size = 0;
    char *packet = pack_request(&req, &size);
    size_t total;
    uint8_t *msg = packet ? lp_encode(type, packet, (uint32_t)size, &total) : NULL;
    bool ok = msg && write_all(fd, msg, total);

    free(msg);
    free_req_resp_packet(packet);
    return ok;
}

/* ------------------------------------------------------------------------
 * The test programs' command line
 * ------------------------------------------------------------------------ */

const harness_case_t *harness_pick(int argc, char **argv, const char *args_usage,
                                   const char **const args[], const harness_case_t *cases,
                                   size_t n_cases)
{
    int n_args = 0;

    while (args[n_args])
        n_args++;
    if (argc != 3 + n_args + 1) {
        fprintf(stderr, "usage: %s SIMPLE HOST_TOOL %s CASE\n", argv[0], args_usage);
        return NULL;
    }
    simple_bin = argv[1];
    tool_bin = argv[2];
    for (int i = 0; i < n_args; i++)
        *args[i] = argv[3 + i];
    signal(SIGPIPE, SIG_IGN); /* a device that hangs up fails a write, not the test */
    for (size_t i = 0; i < n_cases; i++)
        if (strcmp(cases[i].name, argv[argc - 1]) == 0)
            return &cases[i];
    fprintf(stderr, "unknown case %s\n", argv[argc - 1]);
    return NULL;
}

bool harness_tmp_make(char *out_dir, size_t size, const char *name)
{
    snprintf(out_dir, size, "/tmp/%s-XXXXXX", name);
    return mkdtemp(out_dir) != NULL;
}

void harness_tmp_remove(const char *dir)
{
    char cmd[300];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}
