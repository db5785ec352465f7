/* hello: the smallest WASI program, for start-up time and baseline RSS. */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
