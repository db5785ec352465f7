/* Run with a listening TCP socket as stdin (as inetd would pass one):
 * accepts one connection, reads a line, answers it upper-cased, shuts the
 * connection down. Also the errors of socket calls on other descriptors. */
#include <ctype.h>

#include "check.h"

int main(void)
{
    char buf[256];
    __wasi_fd_t conn = 0;
    __wasi_size_t n = 0, sent = 0;
    __wasi_roflags_t roflags = 0;
    __wasi_iovec_t in = {(uint8_t *)buf, sizeof buf};

    CHECK_ERRNO(__wasi_sock_accept(0, 0x10, &conn), __WASI_ERRNO_INVAL, "accept: bad flags");
    CHECK_ERRNO(__wasi_sock_accept(0, 0, &conn), 0, "accept");
    CHECK_ERRNO(__wasi_sock_recv(conn, &in, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &roflags), 0,
                "recv with PEEK");
    CHECK(n > 0, "peeked data");
    CHECK_ERRNO(__wasi_sock_recv(conn, &in, 1, 0, &n, &roflags), 0, "recv");
    for (__wasi_size_t i = 0; i < n; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
    __wasi_ciovec_t out = {(const uint8_t *)buf, n};
    CHECK_ERRNO(__wasi_sock_send(conn, &out, 1, 0, &sent), 0, "send");
    CHECK(sent == n, "sent it all");
    CHECK_ERRNO(__wasi_sock_shutdown(conn, 0), __WASI_ERRNO_INVAL, "shutdown how=0: EINVAL");
    CHECK_ERRNO(__wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR | __WASI_SDFLAGS_RD), 0, "shutdown");
    CHECK_ERRNO(__wasi_fd_close(conn), 0, "close");
    CHECK_ERRNO(__wasi_sock_send(conn, &out, 1, 0, &sent), __WASI_ERRNO_BADF, "send on closed");
    CHECK_ERRNO(__wasi_sock_accept(1, 0, &conn), __WASI_ERRNO_NOTCAPABLE,
                "accept on stdout: no SOCK_ACCEPT right");
    CHECK_ERRNO(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTCAPABLE,
                "shutdown on stdout: no SOCK_SHUTDOWN right");
    fprintf(stderr, "%s", check_failures ? "FAILED\n" : "");
    CHECK_DONE();
}
