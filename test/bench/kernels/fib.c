/* fib: naive doubly recursive Fibonacci, a call- and return-heavy kernel. */
#include <stdint.h>
#include <stdio.h>

/* volatile so the compiler cannot fold the call tree at build time */
static volatile uint32_t fib_arg = 41;

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
    uint32_t n = fib_arg;
    printf("fib(%u) = %u\n", n, fib(n));
    return 0;
}
