/* The assertions of the C test programs: a failing CHECK prints its line and
 * expression; main ends by printing "N passed, N failed" (n_passed,
 * n_failed), the line ctest and CI read. Included once per program. */
#ifndef WR_TEST_CHECK_H
#define WR_TEST_CHECK_H

#include <stdio.h>

static int n_passed, n_failed;

static void check(int ok, const char *what, int line)
{
    if (ok) {
        n_passed++;
        return;
    }
    n_failed++;
    printf("FAIL line %d: %s\n", line, what);
    fflush(stdout); /* some tests capture stdout through a pipe */
}

#define CHECK(c) check((c) != 0, #c, __LINE__)

#endif
