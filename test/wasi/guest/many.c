/* Counts preopens and environment entries (the harness passes 70 of each)
 * and opens a file in the last preopen. */
#include "check.h"

extern char **environ;

int main(void)
{
    int dirs = 0, envs = 0;
    for (int fd = 3; fd < 4096; fd++) {
        __wasi_prestat_t ps;
        dirs += __wasi_fd_prestat_get(fd, &ps) == 0;
    }
    for (char **e = environ; *e; e++)
        envs++;
    printf("dirs=%d env=%d\n", dirs, envs);
    printf("E69=%s\n", getenv("E69") ? getenv("E69") : "(null)");
    FILE *f = fopen("d69/f.txt", "w");
    CHECK(f && fputs("in d69\n", f) >= 0 && fclose(f) == 0, "write into the 70th dir");
    CHECK_DONE();
}
