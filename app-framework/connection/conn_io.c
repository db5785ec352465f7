/* The POSIX endpoints behind connections: TCP client sockets, UDP sockets
 * and UART ttys (termios raw mode). Addresses are numeric only, so opening a
 * connection never waits for a name service. */
#define _GNU_SOURCE /* SOCK_CLOEXEC, cfmakeraw, O_CLOEXEC */
#include "conn_io.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; false on timeout or error. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = events};

    for (;;) {
        int64_t left = deadline - now_ms();
        int rc;
        if (left < 0)
            left = 0;
        rc = poll(&p, 1, (int)left);
        if (rc > 0)
            return true;
        if (rc == 0 || errno != EINTR)
            return false;
    }
}

bool conn_io_peer(const char *address, uint16_t port, struct sockaddr_storage *out_addr,
                  socklen_t *out_len)
{
    struct addrinfo hints, *res = NULL;
    char service[8];
    bool ok;

    if (strcmp(address, "localhost") == 0)
        address = "127.0.0.1";
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    if (getaddrinfo(address, service, &hints, &res) != 0 || !res)
        return false;
    ok = res->ai_addrlen <= sizeof *out_addr;
    if (ok) {
        memset(out_addr, 0, sizeof *out_addr);
        memcpy(out_addr, res->ai_addr, res->ai_addrlen);
        *out_len = res->ai_addrlen;
    }
    freeaddrinfo(res);
    return ok;
}

int conn_io_tcp_connect(const char *address, uint16_t port, uint32_t timeout_ms)
{
    struct sockaddr_storage addr;
    socklen_t addr_len, err_len = sizeof(int);
    int fd, err = 0;

    if (!conn_io_peer(address, port, &addr, &addr_len))
        return -1;
    fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, addr_len) == 0)
        return fd;
    if (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, now_ms() + timeout_ms) ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0 || err != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int conn_io_udp_bind(uint16_t port)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool baud_constant(int32_t baud, speed_t *out)
{
    static const struct {
        int32_t baud;
        speed_t constant;
    } rates[] = {
        {1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},
        {19200, B19200},   {38400, B38400},   {57600, B57600},   {115200, B115200},
        {230400, B230400}, {460800, B460800}, {921600, B921600},
    };

    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        if (rates[i].baud == baud) {
            *out = rates[i].constant;
            return true;
        }
    }
    return false;
}

int conn_io_uart_open(const char *device, int32_t baud)
{
    struct termios tio;
    speed_t speed;
    int fd;

    if (!baud_constant(baud, &speed))
        return -1;
    fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (!isatty(fd) || tcgetattr(fd, &tio) != 0)
        goto fail;
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    if (cfsetispeed(&tio, speed) != 0 || cfsetospeed(&tio, speed) != 0 ||
        tcsetattr(fd, TCSANOW, &tio) != 0)
        goto fail;
    return fd;
fail:
    close(fd);
    return -1;
}

int32_t conn_io_send(int fd, const void *data, uint32_t len, const struct sockaddr *peer,
                     socklen_t peer_len, uint32_t timeout_ms)
{
    const uint8_t *p = data;
    int64_t deadline = now_ms() + timeout_ms;
    uint32_t sent = 0;

    if (len > INT32_MAX)
        return -1;
    while (sent < len) {
        ssize_t n;
        if (peer)
            n = sendto(fd, p + sent, len - sent, MSG_NOSIGNAL, peer, peer_len);
        else if (isatty(fd))
            n = write(fd, p + sent, len - sent);
        else
            n = send(fd, p + sent, len - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (uint32_t)n;
            if (peer) /* a datagram goes whole or not at all */
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
            wait_fd(fd, POLLOUT, deadline))
            continue;
        break;
    }
    return sent > 0 || len == 0 ? (int32_t)sent : -1;
}
