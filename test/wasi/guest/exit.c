/* Ends the way argv[1] says: "exit N" calls exit(N), "return" returns 0
 * from main (so _start returns), "raise N" calls proc_raise(N), "trap"
 * executes unreachable, "sleep N" sleeps N seconds (to be terminated).
 * Output before the end must still appear. */
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv)
{
    printf("before the end\n");
    fflush(stdout);
    if (argc > 2 && !strcmp(argv[1], "exit"))
        exit(atoi(argv[2]));
    if (argc > 2 && !strcmp(argv[1], "raise")) {
        int e = raw_proc_raise(atoi(argv[2]));
        printf("proc_raise returned %d\n", e);
        return e ? 2 : 0;
    }
    if (argc > 1 && !strcmp(argv[1], "trap"))
        __builtin_trap();
    if (argc > 2 && !strcmp(argv[1], "sleep"))
        return sleep((unsigned)atoi(argv[2]));
    if (argc > 1 && !strcmp(argv[1], "yield"))
        return __wasi_sched_yield();
    return 0;
}
