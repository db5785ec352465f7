/* The scripted fake device and the host_tool runner (see fake_device.h).
 * Frames and packets are built and decoded here by hand, byte by byte, so
 * the tests do not trust the encoder they are checking. */
#define _GNU_SOURCE /* accept4 */
#include "fake_device.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attr_container.h"

extern char **environ;

const char *g_tool_path;
char g_tmp_dir[256];

const char *tmp_path(const char *name)
{
    static char bufs[4][512];
    static int next;
    char *p = bufs[next++ % 4];

    snprintf(p, 512, "%s/%s", g_tmp_dir, name);
    return p;
}

/* ========================================================================
 * Bytes to send
 * ======================================================================== */

void bytes_add(bytes_t *b, const void *data, size_t len)
{
    if (len == 0)
        return;
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
}

void bytes_free(bytes_t *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static void add_be(bytes_t *b, uint32_t v, int size)
{
    uint8_t x[4];

    for (int i = 0; i < size; i++)
        x[i] = (uint8_t)(v >> (8 * (size - 1 - i)));
    bytes_add(b, x, (size_t)size);
}

void add_frame(bytes_t *b, uint16_t type, const void *payload, size_t len)
{
    static const uint8_t magic[2] = { 0x12, 0x34 };

    bytes_add(b, magic, 2);
    add_be(b, type, 2);
    add_be(b, (uint32_t)len, 4);
    bytes_add(b, payload, len);
}

/* version:u8 status:u8 fmt:u16 mid:u32 receiver:u32 payload_len:u32 payload */
void add_response(bytes_t *b, uint8_t status, uint16_t fmt, uint32_t mid, const void *payload,
                  size_t len)
{
    bytes_t p = { 0 };
    uint8_t head[2] = { 1, status };

    bytes_add(&p, head, 2);
    add_be(&p, fmt, 2);
    add_be(&p, mid, 4);
    add_be(&p, 0xFFFFFFFDu, 4); /* the host */
    add_be(&p, (uint32_t)len, 4);
    bytes_add(&p, payload, len);
    add_frame(b, 3, p.p, p.n);
    bytes_free(&p);
}

/* version:u8 action:u8 fmt:u16 mid:u32 sender:u32 url_len:u16 payload_len:u32
 * url NUL payload */
void add_event(bytes_t *b, const char *url, uint16_t fmt, uint32_t sender, const void *payload,
               size_t len)
{
    bytes_t p = { 0 };
    uint8_t head[2] = { 1, 6 };

    bytes_add(&p, head, 2);
    add_be(&p, fmt, 2);
    add_be(&p, 777, 4);
    add_be(&p, sender, 4);
    add_be(&p, (uint32_t)strlen(url) + 1, 2);
    add_be(&p, (uint32_t)len, 4);
    bytes_add(&p, url, strlen(url) + 1);
    bytes_add(&p, payload, len);
    add_frame(b, 2, p.p, p.n);
    bytes_free(&p);
}

uint8_t *make_attr(const char *tag, uint32_t *out_len, ...)
{
    attr_container_t *c = attr_container_create(tag);
    const char *key, *value;
    uint8_t *image;
    va_list ap;

    va_start(ap, out_len);
    while (c && (key = va_arg(ap, const char *)) != NULL) {
        value = va_arg(ap, const char *);
        if (!attr_container_set_string(&c, key, value))
            abort();
    }
    va_end(ap);
    if (!c)
        abort();
    *out_len = attr_container_get_serialize_length(c);
    image = malloc(*out_len);
    if (!image)
        abort();
    memcpy(image, c, *out_len);
    attr_container_destroy(c);
    return image;
}

/* ========================================================================
 * The device side
 * ======================================================================== */

int dev_listen(uint16_t *out_port)
{
    struct sockaddr_in a = { 0 };
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("dev_listen");
        abort();
    }
    *out_port = ntohs(a.sin_port);
    return fd;
}

uint16_t unused_port(void)
{
    uint16_t port;
    int fd = dev_listen(&port);

    close(fd); /* nothing listens there now */
    return port;
}

static bool wait_readable(int fd, const char *what)
{
    struct pollfd p = { fd, POLLIN, 0 };
    int n;

    do
        n = poll(&p, 1, GUARD_MS);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        printf("  device: nothing to %s within %d ms\n", what, GUARD_MS);
    return n > 0;
}

int dev_accept(int listen_fd)
{
    if (!wait_readable(listen_fd, "accept"))
        return -1;
    return accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
}

static bool read_exact(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n;

        if (!wait_readable(fd, "read"))
            return false;
        n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            printf("  device: the link ended early (%s)\n", n ? strerror(errno) : "EOF");
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static uint32_t be(const uint8_t *p, int size)
{
    uint32_t v = 0;

    for (int i = 0; i < size; i++)
        v = v << 8 | p[i];
    return v;
}

/* Decodes a packed request: the 18-byte fixed part, url with NUL, payload. */
static bool decode_request(const uint8_t *p, uint32_t size, got_req_t *r)
{
    uint32_t url_len;

    if (size < 18) {
        printf("  device: request of %u bytes is shorter than 18\n", size);
        return false;
    }
    r->version = p[0];
    r->action = p[1];
    r->fmt = (uint16_t)be(p + 2, 2);
    r->mid = be(p + 4, 4);
    r->sender = be(p + 8, 4);
    url_len = be(p + 12, 2);
    r->payload_len = be(p + 14, 4);
    if (url_len == 0 || (uint64_t)18 + url_len + r->payload_len != size
        || p[18 + url_len - 1] != 0) {
        printf("  device: request sizes disagree (size %u, url_len %u, payload_len %u)\n", size,
               url_len, r->payload_len);
        return false;
    }
    r->url = strdup((const char *)p + 18);
    r->payload = malloc(r->payload_len + 1);
    memcpy(r->payload, p + 18 + url_len, r->payload_len);
    return true;
}

bool dev_read_request(int fd, got_req_t *out_req)
{
    uint8_t head[8];
    uint8_t *payload;
    uint32_t size;
    bool ok;

    memset(out_req, 0, sizeof(*out_req));
    if (!read_exact(fd, head, 8))
        return false;
    if (head[0] != 0x12 || head[1] != 0x34) {
        printf("  device: bad magic %02x %02x\n", head[0], head[1]);
        return false;
    }
    out_req->link_type = (uint16_t)be(head + 2, 2);
    size = be(head + 4, 4);
    if (size > (64u << 20) || !(payload = malloc(size))) {
        printf("  device: absurd size %u\n", size);
        return false;
    }
    ok = read_exact(fd, payload, size) && decode_request(payload, size, out_req);
    free(payload);
    return ok;
}

void got_req_free(got_req_t *req)
{
    free(req->url);
    free(req->payload);
    memset(req, 0, sizeof(*req));
}

bool dev_send(int fd, const bytes_t *b)
{
    ssize_t n = send(fd, b->p, b->n, MSG_NOSIGNAL);

    if (n != (ssize_t)b->n)
        printf("  device: send of %zu bytes gave %zd\n", b->n, n);
    return n == (ssize_t)b->n;
}

bool dev_wait_eof(int fd)
{
    uint8_t buf[256];

    for (;;) {
        ssize_t n;

        if (!wait_readable(fd, "read before EOF"))
            return false;
        n = read(fd, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EINTR))
            return true;
        if (n > 0) {
            printf("  device: %zd unexpected bytes after the request\n", n);
            return false;
        }
    }
}

/* ========================================================================
 * Running host_tool
 * ======================================================================== */

static char *read_whole(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    do {
        if (len + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        n = f ? fread(buf + len, 1, cap - len - 1, f) : 0;
        len += n;
    } while (n > 0);
    if (f)
        fclose(f);
    buf[len] = '\0';
    if (out_len)
        *out_len = len;
    return buf;
}

/* Where host_tool's stdout (1) and stderr (2) go; not tmp_path's buffers,
 * which the cases use for their own files. */
static const char *capture_path(int fd)
{
    static char paths[3][512];

    snprintf(paths[fd], sizeof(paths[fd]), "%s/%s", g_tmp_dir, fd == 1 ? "stdout" : "stderr");
    return paths[fd];
}

pid_t tool_start(const char *const *args)
{
    const char *argv[64] = { g_tool_path };
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int i = 0, rc;

    while (args[i] && i < 62) {
        argv[i + 1] = args[i];
        i++;
    }
    argv[i + 1] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, capture_path(1), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&fa, 2, capture_path(2), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    rc = posix_spawn(&pid, g_tool_path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        printf("cannot start %s: %s\n", g_tool_path, strerror(rc));
        abort();
    }
    return pid;
}

tool_result_t tool_finish(pid_t pid)
{
    tool_result_t r = { 0 };
    int status = 0, waited = 0;
    struct timespec tick = { 0, 10 * 1000 * 1000 };

    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (waited >= GUARD_MS * 2) {
            printf("  host_tool did not exit within %d ms: killed\n", GUARD_MS * 2);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        nanosleep(&tick, NULL);
        waited += 10;
    }
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    r.out = read_whole(capture_path(1), &r.out_len);
    r.err = read_whole(capture_path(2), NULL);
    return r;
}

tool_result_t tool_run(const char *const *args)
{
    return tool_finish(tool_start(args));
}

void tool_result_free(tool_result_t *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof(*r));
}
