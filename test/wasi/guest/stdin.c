/* Reads all of stdin, then prints its byte and line counts and the text
 * upper-cased; also polls stdin for readiness first. */
#include <ctype.h>
#include <poll.h>

#include "check.h"

int main(void)
{
    static char buf[1 << 20];
    size_t n = 0, lines = 0;
    struct pollfd p = {.fd = 0, .events = POLLIN};

    if (poll(&p, 1, 5000) != 1 || !(p.revents & (POLLIN | POLLHUP))) {
        printf("FAIL poll on stdin\n");
        return 1;
    }
    for (size_t r; (r = fread(buf + n, 1, sizeof buf - n, stdin)) > 0;)
        n += r;
    for (size_t i = 0; i < n; i++) {
        lines += buf[i] == '\n';
        buf[i] = (char)toupper((unsigned char)buf[i]);
    }
    printf("bytes=%zu lines=%zu\n", n, lines);
    fwrite(buf, 1, n, stdout);
    return 0;
}
