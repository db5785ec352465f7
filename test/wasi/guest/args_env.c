/* Prints argv and the whole environment, in order: the harness compares
 * this with exactly what it passed (the host's own environment must not
 * show through), then counts preopens when asked to. */
#include "check.h"

extern char **environ;

static int count_preopens(void)
{
    int n = 0;
    for (int fd = 3; fd < 4096; fd++) {
        __wasi_prestat_t ps;
        if (__wasi_fd_prestat_get(fd, &ps) == 0)
            n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env %s\n", *e);
    printf("preopens=%d\n", count_preopens());
    return 0;
}
