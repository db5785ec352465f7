/* The printf family of libc-builtin, compared with the host's: this program
 * is built twice, natively and for wasm32 against the libc-builtin sysroot,
 * and both must print the same text. Formats are taken from tables (not
 * literals) so every conversion, flag, width, precision and length goes
 * through the formatter at run time. Values fit both ABIs (long is 32 bits
 * on wasm32). */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const int_formats[] = {
    "%d",     "%i",     "%u",      "%x",    "%X",     "%o",    "%5d",    "%-5d|",  "%05d",
    "%+d",    "% d",    "%.3d",    "%.0d",  "%8.3d",  "%-8.3d|", "%#x",  "%#X",    "%#o",
    "%#.0o",  "%.0x",   "%+.3i",   "% 05d", "%-+6d|", "%08.3x", "%#08x", "%#-8x|", "%hhd",
    "%hhu",   "%hd",    "%hu",     "%hx",   "%-05d|", "%+05d",  "%#5o",   "%12u",   "%-12X|",
    "%.10u",  "%#.5x",  "%+ d",    "%0+8i", "%#.3o",
};

static const int int_values[] = {0, 1, -1, 42, -42, 255, 256, 300, 65535, 65536,
                                 123456789, INT_MAX, INT_MIN};

static const char *const long_formats[] = {"%ld", "%lu", "%lx", "%#lo", "%+12ld", "%-12li|"};
/* Non-negative: %lu of a negative long differs between 32 and 64 bits. */
static const long long_values[] = {0L, 77L, 65536L, 2147483647L};

static const char *const llong_formats[] = {"%lld",  "%llu",  "%llx",   "%#llo",    "%20lld",
                                            "%-24llu|", "%+lld", "%.25lld", "%#018llX", "%lli"};
static const long long llong_values[] = {0LL, 1LL, -1LL, 1000000000000000LL, LLONG_MAX, LLONG_MIN,
                                         0x123456789ABCDEFLL};

static const char *const float_formats[] = {
    "%f",     "%.0f",   "%.1f",    "%#.0f",  "%10.3f", "%-10.3f|", "%010.3f", "%+f",   "% f",
    "%e",     "%.0e",   "%#.0e",   "%E",     "%12.4e", "%g",       "%G",      "%.0g",  "%.10g",
    "%#g",    "%a",     "%A",      "%.3a",   "%015a",  "%+.2e",    "%F",      "%-+12.5g|",
    "%012.2f", "%.20f", "%#.3g",   "%+010.2E", "%lf",
};

static void print_ints(void)
{
    for (size_t f = 0; f < COUNT(int_formats); f++) {
        printf("[%s]", int_formats[f]);
        for (size_t v = 0; v < COUNT(int_values); v++) {
            putchar(' ');
            printf(int_formats[f], int_values[v]);
        }
        putchar('\n');
    }
}

static void print_longs(void)
{
    for (size_t f = 0; f < COUNT(long_formats); f++) {
        printf("[%s]", long_formats[f]);
        for (size_t v = 0; v < COUNT(long_values); v++) {
            putchar(' ');
            printf(long_formats[f], long_values[v]);
        }
        putchar('\n');
    }
    printf("%ld %+ld %-12ld| %ld\n", -1L, -77L, -2147483647L - 1, -65536L);
    for (size_t f = 0; f < COUNT(llong_formats); f++) {
        printf("[%s]", llong_formats[f]);
        for (size_t v = 0; v < COUNT(llong_values); v++) {
            putchar(' ');
            printf(llong_formats[f], llong_values[v]);
        }
        putchar('\n');
    }
}

/* z, t and j: size_t and ptrdiff_t differ in width between the ABIs, so
 * each gets a value of its own type. */
static void print_sized(void)
{
    size_t sz[] = {0, 7, 4000000000u};
    ptrdiff_t diffs[] = {0, -5, 123456};
    intmax_t maxes[] = {0, -9000000000000000000LL, INTMAX_MAX};

    for (size_t i = 0; i < 3; i++) {
        printf("%zu %zx %zd|", sz[i], sz[i], (ptrdiff_t)(i * 3));
        printf("%td %+8ti|", diffs[i], diffs[i]);
        printf("%jd %jx %ju\n", maxes[i], (uintmax_t)maxes[i], (uintmax_t)maxes[i]);
    }
}

static void print_floats(void)
{
    double values[] = {0.0,   -0.0,    1.0,     -1.5,    3.14159265358979, 1e-10,
                       123456789.0, 1e300, -2.5e-300, 0.1, 1e15, 5e-324, 2.5, 0.5,
                       __builtin_inf(), -__builtin_inf(), __builtin_nan("")};

    for (size_t f = 0; f < COUNT(float_formats); f++) {
        printf("[%s]", float_formats[f]);
        for (size_t v = 0; v < COUNT(values); v++) {
            putchar(' ');
            printf(float_formats[f], values[v]);
        }
        putchar('\n');
    }
    /* long conversions: the big-buffer path of the float formatter */
    printf("%.60f\n%.400f\n", 0.1, 1e300);
    printf("%.300e\n%-320.3f|\n", 1.0 / 3.0, 2.0);
}

/* Values exact in double, so an 80-bit host long double prints the same. */
static void print_long_doubles(void)
{
    long double values[] = {1.5L, -0.25L, 1e10L, 0.0L, 12345.0625L};
    const char *formats[] = {"%Lf", "%Le", "%Lg", "%.3Lf", "%10.2Lf|", "%-+12.4Le|"};

    for (size_t f = 0; f < COUNT(formats); f++) {
        printf("[%s]", formats[f]);
        for (size_t v = 0; v < COUNT(values); v++) {
            putchar(' ');
            printf(formats[f], values[v]);
        }
        putchar('\n');
    }
}

static void print_chars_and_strings(void)
{
    const char *strings[] = {"hello", "", "a longer string here", "x"};
    const char *formats[] = {"%s", "%10s", "%-10s|", "%.3s", "%10.3s", "%-10.3s|", "%.0s", "%.30s"};
    const char *cformats[] = {"%c", "%5c", "%-5c|"};
    const char chars[] = {'A', 'z', '0', '~', ' '};

    for (size_t f = 0; f < COUNT(formats); f++) {
        printf("[%s]", formats[f]);
        for (size_t v = 0; v < COUNT(strings); v++) {
            putchar(' ');
            printf(formats[f], strings[v]);
        }
        putchar('\n');
    }
    for (size_t f = 0; f < COUNT(cformats); f++) {
        printf("[%s]", cformats[f]);
        for (size_t v = 0; v < COUNT(chars); v++)
            printf(cformats[f], chars[v]);
        putchar('\n');
    }
}

static void print_stars_and_mixed(void)
{
    printf("%*d|%-*d|%.*d|%*.*f|\n", 6, 42, 6, 42, 5, 42, 10, 3, 3.14159);
    printf("%*d|%.*d|%.*f|\n", -6, 42, -1, 42, -3, 2.5);
    printf("%*s|%-*.*s|\n", 8, "ab", 8, 2, "abcdef");
    /* an int before each 8-byte value: the buffer has padding to skip */
    printf("%d %lld %d %f %s %c %x %g\n", 1, 2LL, 3, 4.5, "five", '6', 7u, 8.25);
    printf("%c%lld%c%Lf%c\n", 'a', -3LL, 'b', 0.5L, 'c');
    printf("100%% literal %%d and text\n");
    printf("%400d|\n", -1);
    printf("%-300s|\n", "left");
}

/* Return values of printf, sprintf, snprintf and the v forms. */
static int call_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static int call_vsprintf(char *buf, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsprintf(buf, fmt, ap);
    va_end(ap);
    return n;
}

static int call_vprintf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* Sizes the compiler cannot see, so it neither folds nor warns. */
static volatile size_t sizes[] = {0, 1, 2, 5, 7, 64};

static void print_buffers(void)
{
    char buf[128];
    const char *fmt = "%d-%s";

    for (size_t i = 0; i < COUNT(sizes); i++) {
        memset(buf, '#', sizeof buf);
        int n = snprintf(buf, sizes[i], fmt, 123456, "xyz");
        buf[sizeof buf - 1] = '\0';
        printf("snprintf size %zu -> %d \"%.12s\"\n", (size_t)sizes[i], n, buf);
    }
    memset(buf, '#', sizeof buf);
    printf("vsnprintf -> %d \"%s\"\n", call_vsnprintf(buf, sizes[4], "%05d%c", 42, '!'), buf);
    printf("vsnprintf NULL -> %d\n", call_vsnprintf(NULL, 0, "%s%s", "abc", "defg"));
    printf("sprintf -> %d \"%s\"\n", sprintf(buf, fmt, -7, "abc"), buf);
    printf("vsprintf -> %d \"%s\"\n", call_vsprintf(buf, "%x/%o/%e", 255u, 8u, 1.0), buf);
    printf("\nvprintf -> %d\n", call_vprintf("%s %d %.2f", "v", 9, 0.125));
    printf("printf -> %d\n", printf("%8.3f|%-4d|", 3.14159, 7));
    printf("empty -> %d\n", printf("%.0s", "abc"));
    printf("putchar -> %d\n", putchar('Q'));
    printf("puts -> %d\n", puts("a line from puts"));
}

int main(void)
{
    print_ints();
    print_longs();
    print_sized();
    print_floats();
    print_long_doubles();
    print_chars_and_strings();
    print_stars_and_mixed();
    print_buffers();
    return 0;
}
