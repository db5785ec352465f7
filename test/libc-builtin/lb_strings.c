/* The string, memory, number-parsing, ctype, heap and clock functions of
 * libc-builtin, compared with the host's: built natively and for wasm32,
 * both must print the same text. Comparisons print only their sign, and
 * pointers only as offsets into their string; values stay inside the range
 * where a 32-bit long and a 64-bit one agree. The wasm build uses
 * -fno-builtin, so that every call reaches the runtime's native. */

/* strdup, strncasecmp and clock_gettime are POSIX, outside plain C11 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* The offset of p in base, or -1 for NULL. */
static long offset(const void *p, const void *base)
{
    return p ? (long)((const char *)p - (const char *)base) : -1L;
}

static void dump(const char *label, const unsigned char *p, size_t n)
{
    printf("%s:", label);
    for (size_t i = 0; i < n; i++)
        printf(" %02x", p[i]);
    putchar('\n');
}

static void test_memory(void)
{
    unsigned char a[32], b[32];

    for (int i = 0; i < 32; i++)
        a[i] = (unsigned char)(i * 7), b[i] = (unsigned char)(i * 7);
    b[20] = 200;
    printf("memcmp %d %d %d %d\n", sign(memcmp(a, b, 20)), sign(memcmp(a, b, 21)),
           sign(memcmp(b, a, 32)), sign(memcmp(a, b, 0)));
    memset(a, 0xAB, 8);
    memset(a + 8, 0x1234, 4); /* c is converted to unsigned char */
    dump("memset", a, 16);
    memcpy(b, "0123456789abcdef", 16);
    memmove(b + 2, b, 10); /* overlapping, forwards */
    dump("memmove fwd", b, 16);
    memmove(b, b + 3, 10); /* overlapping, backwards */
    dump("memmove back", b, 16);
    printf("memcpy ret %ld\n", offset(memcpy(a, "xyz", 3), a));
    printf("memchr %ld %ld %ld %ld\n", offset(memchr(b, '9', 16), b), offset(memchr(b, 'z', 16), b),
           offset(memchr(b, 'f', 15), b), offset(memchr(b, 'f' + 256, 16), b));
    printf("memset ret %ld\n", offset(memset(b + 4, 0, 2), b));
}

static void test_strings(void)
{
    char buf[64];
    const char *s = "The quick brown fox";

    printf("strlen %zu %zu\n", strlen(s), strlen(""));
    printf("strchr %ld %ld %ld %ld\n", offset(strchr(s, 'q'), s), offset(strchr(s, 'z'), s),
           offset(strchr(s, '\0'), s), offset(strchr(s, 'o' + 256), s));
    printf("strcmp %d %d %d %d\n", sign(strcmp("abc", "abd")), sign(strcmp("abc", "abc")),
           sign(strcmp("abcd", "abc")), sign(strcmp("\xff", "a")));
    printf("strncmp %d %d %d %d\n", sign(strncmp("abcX", "abcY", 3)),
           sign(strncmp("abcX", "abcY", 4)), sign(strncmp("ab", "abc", 5)),
           sign(strncmp("x", "y", 0)));
    printf("strcpy %ld \"%s\"\n", offset(strcpy(buf, s), buf), buf);
    memset(buf, 'Z', sizeof buf);
    printf("strncpy %ld\n", offset(strncpy(buf, "abc", 6), buf));
    dump("strncpy pad", (unsigned char *)buf, 8);
    strncpy(buf, "abcdefgh", 4);
    dump("strncpy cut", (unsigned char *)buf, 8);
    printf("strncasecmp %d %d %d %d\n", sign(strncasecmp("HeLLo", "hello", 5)),
           sign(strncasecmp("abc", "ABD", 3)), sign(strncasecmp("abc", "ABD", 2)),
           sign(strncasecmp("a", "AB", 9)));
    printf("strspn %zu %zu %zu\n", strspn(s, "The "), strspn(s, "xyz"), strspn("", "a"));
    printf("strcspn %zu %zu %zu\n", strcspn(s, "qb"), strcspn(s, "!"), strcspn(s, ""));
    printf("strstr %ld %ld %ld %ld\n", offset(strstr(s, "brown"), s), offset(strstr(s, "fox!"), s),
           offset(strstr(s, ""), s), offset(strstr("", "a"), ""));
}

static void test_numbers(void)
{
    static const char *const texts[] = {"42",    " -17abc", "+5",   "  -0", "abc",  "0x1A",
                                        "1A",    "z",       "0777", "-101", " +12", "0x",
                                        "0xg",   "",        "   ",  "077x", "Zz9",  "\t\n 99 "};
    static const int bases[] = {0, 2, 8, 10, 16, 36};
    char *end;

    for (size_t i = 0; i < COUNT(texts); i++) {
        printf("\"%s\": atoi %d |", texts[i], atoi(texts[i]));
        for (size_t b = 0; b < COUNT(bases); b++) {
            long v = strtol(texts[i], &end, bases[b]);
            printf(" %ld@%ld", v, offset(end, texts[i]));
        }
        for (size_t b = 0; b < COUNT(bases); b += 2) {
            /* strtoul of a negative number wraps at the width of long */
            unsigned long u = strchr(texts[i], '-') ? 0 : strtoul(texts[i], &end, bases[b]);
            printf(" u%lu", u);
        }
        putchar('\n');
    }
    printf("limits %ld %ld %d %d\n", strtol("2147483647", NULL, 10),
           strtol("-2147483648", NULL, 0), atoi("2147483647"), atoi("-2147483648"));
    printf("strtoul max %lu\n", strtoul("4294967295", NULL, 10));
    printf("strtol no end %ld\n", strtol("123", NULL, 10));
}

static void test_ctype(void)
{
    for (int c = -1; c < 256; c++) {
        printf("%d:%c%c%c%c%c%c%c%c %d %d\n", c, isupper(c) ? 'U' : '.', isalpha(c) ? 'A' : '.',
               isspace(c) ? 'S' : '.', isgraph(c) ? 'G' : '.', isprint(c) ? 'P' : '.',
               isdigit(c) ? 'D' : '.', isxdigit(c) ? 'X' : '.', isalnum(c) ? 'N' : '.',
               tolower(c), toupper(c));
    }
}

/* Allocation patterns; contents are checked, addresses never printed. */
static unsigned fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 31);
    return seed;
}

static int check(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 31))
            return 0;
    return 1;
}

static void test_heap_churn(void)
{
    unsigned char *blocks[64] = {0};
    size_t sizes[64] = {0};
    unsigned rng = 12345, ok = 1;

    for (int round = 0; round < 2000; round++) {
        rng = rng * 1103515245u + 12345u;
        int k = (int)((rng >> 16) % 64);
        if (blocks[k]) {
            ok &= (unsigned)check(blocks[k], sizes[k], (unsigned)k);
            free(blocks[k]);
            blocks[k] = NULL;
        } else {
            sizes[k] = (rng >> 8) % 700;
            blocks[k] = malloc(sizes[k]);
            if (blocks[k])
                fill(blocks[k], sizes[k], (unsigned)k);
        }
    }
    for (int k = 0; k < 64; k++) {
        if (blocks[k])
            ok &= (unsigned)check(blocks[k], sizes[k], (unsigned)k);
        free(blocks[k]);
    }
    printf("churn %s\n", ok ? "ok" : "CORRUPT");
}

static void test_heap(void)
{
    unsigned char *p = malloc(100), *q;
    int *z = calloc(50, sizeof(int)), zeros = 1;
    char *d = strdup("duplicate me");

    fill(p, 100, 7);
    q = realloc(p, 5000); /* grows: the first 100 bytes stay */
    printf("realloc grow %d\n", q && check(q, 100, 7));
    p = realloc(q, 10); /* shrinks */
    printf("realloc shrink %d\n", p && check(p, 10, 7));
    for (int i = 0; i < 50; i++)
        zeros &= z[i] == 0;
    printf("calloc zero %d\n", z && zeros);
    printf("strdup \"%s\" %d\n", d, d && strcmp(d, "duplicate me") == 0);
    q = realloc(NULL, 16); /* acts as malloc */
    printf("realloc NULL %d\n", q != NULL);
    free(q);
    free(d);
    free(z);
    free(p);
    free(NULL);
    test_heap_churn();
}

static void test_clock(void)
{
    struct timespec a, b, w;
    clock_t c1 = clock(), c2;
    volatile unsigned spin = 0;

    int r1 = clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 100000; i++)
        spin += (unsigned)i;
    int r2 = clock_gettime(CLOCK_MONOTONIC, &b);
    c2 = clock();
    (void)spin;
    printf("clock_gettime %d %d\n", r1, r2);
    printf("monotonic %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    printf("nsec range %d\n", a.tv_nsec >= 0 && a.tv_nsec < 1000000000 && b.tv_nsec < 1000000000);
    printf("clock %d\n", c2 >= c1);
    r1 = clock_gettime(CLOCK_REALTIME, &w);
    printf("realtime %d %d\n", r1, w.tv_sec > 1600000000);
}

int main(void)
{
    test_memory();
    test_strings();
    test_numbers();
    test_ctype();
    test_heap();
    test_clock();
    return 0;
}
