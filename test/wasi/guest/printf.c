/* printf with every conversion, flag, width, precision and length
 * modifier. Built natively and for wasm32-wasi; the harness requires the
 * two outputs to be byte-identical, so only values whose text both C
 * libraries define the same way are printed (no long-sized extremes: long is
 * 32 bits in wasm32, 64 natively; no %La: long double differs). */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

int main(void)
{
    int n1 = 0, n2 = 0;
    signed char hhn = 0;
    char buf[32];

    /* integers */
    printf("d:[%d] [%d] [%d] [%d]\n", 0, 42, -42, INT_MIN);
    printf("i:[%i] [%i]\n", 12345, INT_MAX);
    printf("u:[%u] [%u]\n", 3000000000u, (unsigned)-1);
    printf("o:[%o] [%#o] [%#o]\n", 8, 8, 0);
    printf("x:[%x] [%#x] [%X] [%#X] [%#x]\n", 255, 255, 0xBEEF, 0xBEEF, 0);
    printf("flags:[%+d] [% d] [%-6d] [%06d] [%+06d] [%-+6d] [% 05d]\n", 5, 5, 5, -5, 5, 5, 5);
    printf("width/prec:[%8.3d] [%-8.3d] [%.0d] [%.5x] [%*d] [%-*d] [%.*d]\n", 7, 7, 0, 0xab, 6,
           9, 6, 9, 4, 3);
    printf("hh:[%hhd] [%hhu] [%hhx]\n", 300, 300, -1);
    printf("h:[%hd] [%hu] [%hx]\n", 70000, 70000, -1);
    printf("l:[%ld] [%lu] [%lx]\n", -123456789L, 123456789UL, 0xdeadbeefUL);
    printf("ll:[%lld] [%llu] [%llx] [%llo]\n", LLONG_MIN, ULLONG_MAX, 0x123456789abcdefULL,
           01777ULL);
    printf("j:[%jd] [%ju]\n", INTMAX_MIN, UINTMAX_MAX);
    printf("z:[%zu] [%zx] [%zd]\n", (size_t)12345, (size_t)0xabc, (ptrdiff_t)-7);
    printf("t:[%td] [%tx]\n", (ptrdiff_t)-100, (ptrdiff_t)255);
    /* characters and strings */
    printf("c:[%c] [%3c] [%-3c]\n", 'A', 'b', 'c');
    printf("s:[%s] [%10s] [%-10s] [%.3s] [%10.2s] [%*.*s] [%s]\n", "hello", "right", "left",
           "truncate", "ab", 6, 2, "xyz", "");
    printf("lc/ls:[%lc] [%ls] [%5ls] [%.2ls]\n", (wint_t)'W', L"wide", L"ab", L"wxyz");
    printf("pct:[%%] [%%%%]\n");
    printf("p:[%p] [%p]\n", (void *)0x1234, (void *)0xabcdef);
    /* floating point */
    printf("f:[%f] [%.2f] [%10.3f] [%-10.1f] [%+.1f] [% .0f] [%#.0f] [%010.2f]\n", 3.14159,
           2.675, -1.5, 0.25, 7.0, 2.5, 3.0, -2.25);
    printf("F:[%F] [%F] [%F]\n", 1.0 / 3, INFINITY, NAN);
    printf("e:[%e] [%.3e] [%E] [%.0e] [%#.0e] [%e]\n", 12345.678, 0.000123, 1e100, 5e-300, 4.0,
           0.0);
    printf("g:[%g] [%g] [%g] [%.3g] [%#g] [%G] [%g] [%g]\n", 100000.0, 1000000.0, 1e-5, 3.14159,
           1.0, 1e-10, 0.0001, 123456789.0);
    printf("a:[%a] [%a] [%A] [%.2a] [%a]\n", 1.0, 0.1, -3.75, 1.0 / 3, 0.0);
    printf("inf/nan:[%f] [%e] [%g] [%E] [%5.1f] [%-6f|] [%+f]\n", INFINITY, -INFINITY, NAN,
           -NAN, INFINITY, NAN, INFINITY);
    printf("precise:[%.20f] [%.17g] [%.0f] [%.0f] [%.0f]\n", 0.1, 0.1, 0.5, 1.5, 2.5);
    printf("big:[%f] [%.3e] [%g]\n", 1e22, 1.7976931348623157e308, 1e300);
    printf("L:[%Lf] [%.3Le] [%Lg]\n", 1.5L, 12345.0L, 0.125L);
    /* %n in its sizes */
    printf("count%n here%hhn\n", &n1, &hhn);
    n2 = printf("[%s]\n", "returned");
    printf("n:[%d] [%d] [%d]\n", n1, (int)hhn, n2);
    /* positional arguments and snprintf */
    printf("pos:[%2$s %1$s] [%4$*3$d]\n", "world", "hello", 6, 42);
    printf("snprintf:[%d] [%s]\n", snprintf(buf, 5, "%s", "hello world"), buf);
    printf("snprintf0:[%d]\n", snprintf(NULL, 0, "%d-%d", 123, 4567));
    return 0;
}
