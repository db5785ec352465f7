/* libc-builtin behaviour that only wasm32 shows, checked against
 * lb_wasm32.expected: 32-bit long (printf lengths, strtol/strtoul
 * clamping), %p of app offsets, what the formatter refuses (%n, %ls),
 * NULL and precision-bounded %s, putchar's result, and allocations the app
 * heap must refuse. Built with -fno-builtin so every call reaches the
 * runtime. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last bytes of linear memory: the app heap's unused end. */
static char *memory_end(void)
{
    return (char *)(__builtin_wasm_memory_size(0) * 65536);
}

static void test_lengths(void)
{
    printf("sizes %zu %zu %zu %zu\n", sizeof(long), sizeof(void *), sizeof(size_t),
           sizeof(long double));
    printf("long %ld %lu %lx %ld\n", LONG_MAX, ULONG_MAX, (unsigned long)LONG_MIN, LONG_MIN);
    printf("ll %lld %llu\n", LLONG_MIN, ULLONG_MAX);
    printf("hh %hhd %hhu %hd %hu\n", (signed char)-128, (unsigned char)255, (short)-32768,
           (unsigned short)65535);
}

static void test_strto(void)
{
    const char *s = "99999999999";
    char *end;

    printf("strtol %ld %ld %ld\n", strtol("2147483648", NULL, 10), strtol("-2147483649", NULL, 10),
           strtol(s, &end, 10));
    printf("end %d\n", (int)(end - s));
    printf("strtoul %lu %lu %lu %lu\n", strtoul("-1", NULL, 10), strtoul("4294967296", NULL, 10),
           strtoul("-4294967295", NULL, 10), strtoul("0xFFFFFFFF", NULL, 0));
    s = "123";
    printf("bad base %ld", strtol(s, &end, 1));
    printf(" end %d\n", (int)(end - s));
    printf("atoi wrap %d\n", atoi("4294967297"));
}

static void test_formats(void)
{
    /* Kept out of literals so the compiler does not check or fold them. */
    static const char *const refused[] = {"a%nb\n", "[%ls]\n", "[%lc]\n", "[%y]\n", "end%"};
    int n = 0;

    printf("%p %p %10p| %-10p|\n", (void *)0, (void *)0x1234, (void *)0xff, (void *)0x10);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        printf(refused[i], &n);
    printf("\nn %d\n", n);
    printf("[%s] [%.3s] [%.8s] [%10s]\n", (char *)NULL, (char *)NULL, (char *)NULL, (char *)NULL);
    printf("putchar %d\n", putchar('A'));
    printf("%%a %a %La %.2La\n", 1.0, 1.5L, -0.1L);
}

/* A %.Ns may stop at the precision even without a NUL before memory's end. */
static void test_string_at_end(void)
{
    char *end = memory_end();

    memset(end - 16, 'E', 16);
    printf("tail [%.16s] [%.4s]\n", end - 16, end - 8);
}

static void test_heap_limits(void)
{
    void *p = malloc(64);

    printf("calloc overflow %d\n", calloc(0x10000, 0x10000) == NULL);
    printf("malloc huge %d\n", malloc(0xFFFFFFF0u) == NULL);
    printf("realloc stranger %d\n", realloc((void *)0x100, 10) == NULL);
    printf("realloc interior %d\n", realloc((char *)p + 8, 10) == NULL);
    printf("malloc zero %d\n", malloc(0) != NULL);
    printf("realloc zero %d\n", realloc(p, 0) != NULL);
}

int main(void)
{
    test_lengths();
    test_strto();
    test_formats();
    test_string_at_end();
    test_heap_limits();
    return 0;
}
