/* Serial lines: termios raw 8N1 without flow control at a standard baud,
 * watched with a uv_poll_t for read and write readiness (output goes out
 * with write() as far as the driver takes it). On EOF, EIO or hangup the
 * line is closed and reopened with backoff: a pty slave reads EOF or EIO
 * once its master side is gone, a USB serial adapter once unplugged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tp_internal.h"

/* The standard rates this libc defines, 9600 and up. */
static const struct {
    uint32_t baud;
    speed_t speed;
} bauds[] = {
    {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
    {115200, B115200},
#ifdef B230400
    {230400, B230400},
#endif
#ifdef B460800
    {460800, B460800},
#endif
#ifdef B500000
    {500000, B500000},
#endif
#ifdef B576000
    {576000, B576000},
#endif
#ifdef B921600
    {921600, B921600},
#endif
#ifdef B1000000
    {1000000, B1000000},
#endif
#ifdef B1152000
    {1152000, B1152000},
#endif
#ifdef B1500000
    {1500000, B1500000},
#endif
#ifdef B2000000
    {2000000, B2000000},
#endif
#ifdef B2500000
    {2500000, B2500000},
#endif
#ifdef B3000000
    {3000000, B3000000},
#endif
#ifdef B3500000
    {3500000, B3500000},
#endif
#ifdef B4000000
    {4000000, B4000000},
#endif
};

static bool baud_speed(uint32_t baud, speed_t *out_speed)
{
    for (size_t i = 0; i < sizeof bauds / sizeof bauds[0]; i++) {
        if (bauds[i].baud == baud) {
            *out_speed = bauds[i].speed;
            return true;
        }
    }
    return false;
}

/* An open, configured line, or -1 with the reason in err. */
static int open_line(const char *path, speed_t speed, char *err, size_t err_size)
{
    struct termios tio;
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (tcgetattr(fd, &tio) != 0)
        goto fail;
    cfmakeraw(&tio); /* 8 bits, no parity, no echo, no line editing, no XON/XOFF */
    tio.c_cflag &= ~(tcflag_t)(CSTOPB | CRTSCTS);
    tio.c_cflag |= CLOCAL | CREAD; /* ignore modem lines, enable the receiver */
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, speed) != 0 || cfsetospeed(&tio, speed) != 0 ||
        tcsetattr(fd, TCSANOW, &tio) != 0)
        goto fail;
    return fd;
fail:
    snprintf(err, err_size, "cannot configure %s: %s", path, strerror(errno));
    close(fd);
    return -1;
}

/* ------------------------------------------------------------------------
 * The open line (loop thread)
 * ------------------------------------------------------------------------ */

static void on_poll(uv_poll_t *poll, int status, int events);

/* Polls for writability only while output waits: a tty is nearly always
 * writable and would otherwise wake the loop for nothing. */
static void watch_writable(tp_conn_t *c, bool on)
{
    if (on == c->poll_writing)
        return;
    c->poll_writing = on;
    uv_poll_start(&c->uv.poll, UV_READABLE | (on ? UV_WRITABLE : 0), on_poll);
}

static long uart_write(tp_conn_t *c, const uint8_t *data, size_t size)
{
    ssize_t n = write(c->fd, data, size);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        n = 0;
    if (n < 0)
        return -errno;
    if ((size_t)n < size)
        watch_writable(c, true);
    return (long)n;
}

static void uart_read(tp_conn_t *c)
{
    ssize_t n = read(c->fd, c->host->rbuf, sizeof c->host->rbuf);

    if (n > 0)
        tpi_conn_feed(c, c->host->rbuf, (size_t)n);
    else if (n == 0)
        tpi_conn_close(c, "hangup");
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        tpi_conn_close(c, strerror(errno));
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
    tp_conn_t *c = poll->data;

    if (status < 0) { /* libuv says EBADF for POLLERR: a read tells what happened */
        uart_read(c);
        tpi_conn_close(c, "hangup");
        return;
    }
    if (events & UV_WRITABLE) {
        c->blocked = false;
        tpi_conn_flush(c);
    }
    if ((events & UV_READABLE) && !c->closing)
        uart_read(c);
    if (!c->closing && !c->blocked)
        watch_writable(c, false);
}

/* The poll handle is closed by now, so the fd may go. */
static void uart_release(tp_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
}

/* A session on an open line. Any failure ends in the link's retry: from
 * here on, trouble is handled like a drop. */
static void uart_attach(tp_link_t *link, int fd)
{
    tp_host_t *h = link->host;
    tp_conn_t *c = tpi_conn_new(h, TP_UART, sizeof *c);
    int rc;

    if (!c) {
        close(fd);
        tpi_link_retry(link, "out of memory");
        return;
    }
    c->fd = fd;
    c->pipe_write = uart_write;
    c->release = uart_release;
    c->link = link;
    snprintf(c->name, sizeof c->name, "%s", link->name);
    if ((rc = uv_poll_init(&h->loop, &c->uv.poll, fd)) != 0) {
        tpi_conn_close(c, uv_strerror(rc));
        return;
    }
    c->uv.handle.data = c;
    c->has_handle = true;
    if ((rc = uv_poll_start(&c->uv.poll, UV_READABLE, on_poll)) != 0) {
        tpi_conn_close(c, uv_strerror(rc));
        return;
    }
    if (!tpi_conn_start(c)) {
        tpi_conn_close(c, "no session");
        return;
    }
    tpi_link_up(link);
    tpi_log(h, 2, "%s open at %u baud", link->name, link->baud);
}

static void uart_start(tp_link_t *link)
{
    char why[160];
    int fd = open_line(link->path, (speed_t)link->speed, why, sizeof why);

    if (fd < 0)
        tpi_link_retry(link, why);
    else
        uart_attach(link, fd);
}

bool tp_uart_open(tp_host_t *h, const char *device, uint32_t baud, char *err,
                  uint32_t err_size)
{
    char why[160];
    tp_link_t *link;
    speed_t speed;
    int fd;

    if (!device) {
        am_set_err(err, err_size, "no device");
        return false;
    }
    if (!baud_speed(baud, &speed)) {
        am_set_err(err, err_size, "unsupported baud rate %u: use a standard rate from 9600 "
                    "to 4000000", (unsigned)baud);
        return false;
    }
    if ((fd = open_line(device, speed, why, sizeof why)) < 0) {
        am_set_err(err, err_size, "%s", why);
        return false;
    }
    if (!(link = tpi_link_new(h, uart_start)) || !(link->path = strdup(device))) {
        close(fd);
        am_set_err(err, err_size, "out of memory");
        return false;
    }
    link->baud = baud;
    link->speed = (unsigned)speed;
    snprintf(link->name, sizeof link->name, "UART %s", device);
    uart_attach(link, fd);
    return true;
}
