/* exit(n), abort() and a failed assert() end the call with an exception
 * ("env.exit(n)", "env.abort(0)") and nothing after them runs. The last
 * argument picks the case. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    /* The last argument: iwasm may or may not pass the module as argv[0]. */
    const char *what = argc > 0 ? argv[argc - 1] : "exit";

    printf("before %s\n", what);
    if (strcmp(what, "exit") == 0)
        exit(3);
    else if (strcmp(what, "abort") == 0)
        abort();
    else if (strcmp(what, "assert") == 0)
        assert(argc == 99);
    printf("NOT STOPPED\n");
    return 0;
}
