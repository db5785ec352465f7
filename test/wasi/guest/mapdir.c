/* Run with --map-dir=/::ROOT: absolute and relative guest paths both land
 * in ROOT, and ".." at the guest's root stays there. */
#include "check.h"

int main(void)
{
    char buf[64] = {0};
    FILE *f = fopen("/data.txt", "r");
    CHECK(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "mapped\n"), "read /data.txt");
    if (f)
        fclose(f);
    f = fopen("sub/new.txt", "w");
    CHECK(f && fputs("written\n", f) >= 0 && fclose(f) == 0, "write sub/new.txt (relative)");
    errno = 0;
    CHECK(fopen("/../outside.txt", "r") == NULL, "/../outside.txt is refused");
    CHECK_DONE();
}
