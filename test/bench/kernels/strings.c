/* strings: byte-string work on a generated text: tokenising into words,
 * substring search, line comparison, and copying with case conversion and
 * in-place word reversal. The loops are our own rather than libc's, so the
 * native and wasm builds run the same algorithms. */
#include <stdint.h>
#include <stdio.h>

#define TEXT_SIZE (128 * 1024)
#define VOCABULARY 512
#define MAX_LINES 8192
#define ROUNDS 90

static char text[TEXT_SIZE + 1];
static char work[TEXT_SIZE + 1];
static char words[VOCABULARY][12];
static uint32_t line_start[MAX_LINES];
static uint32_t seed = 2024;

static uint32_t lcg(void)
{
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* a vocabulary of random words, then sentences drawn from it */
static void generate_text(void)
{
    for (int w = 0; w < VOCABULARY; w++) {
        int len = 1 + (int)(lcg() % 10);
        for (int i = 0; i < len; i++)
            words[w][i] = (char)('a' + lcg() % 26);
        words[w][len] = 0;
    }
    uint32_t pos = 0;
    while (pos < TEXT_SIZE - 16) {
        const char *w = words[lcg() % VOCABULARY];
        while (*w)
            text[pos++] = *w++;
        uint32_t r = lcg() % 16;
        text[pos++] = r == 0 ? '\n' : r == 1 ? ',' : r == 2 ? '.' : ' ';
    }
    while (pos < TEXT_SIZE)
        text[pos++] = '\n';
    text[TEXT_SIZE] = 0;
}

/* words, total word length and an FNV-1a hash over the words */
static uint32_t tokenise(const char *s, uint32_t *out_letters)
{
    uint32_t count = 0, letters = 0, hash = 2166136261u;
    while (*s) {
        while (*s && !is_alpha(*s))
            s++;
        if (!*s)
            break;
        count++;
        while (is_alpha(*s)) {
            hash = (hash ^ (uint8_t)*s++) * 16777619u;
            letters++;
        }
        hash = (hash ^ ' ') * 16777619u;
    }
    *out_letters = letters;
    return count ^ hash;
}

/* occurrences of pattern in s (overlapping), naive scan on the first byte */
static uint32_t count_matches(const char *s, const char *pattern)
{
    uint32_t count = 0;
    char first = pattern[0];
    for (; *s; s++) {
        if (*s != first)
            continue;
        int i = 1;
        while (pattern[i] && s[i] == pattern[i])
            i++;
        count += pattern[i] == 0;
    }
    return count;
}

/* strcmp over lines ending in '\n' */
static int compare_lines(const char *a, const char *b)
{
    while (*a == *b && *a != '\n') {
        a++;
        b++;
    }
    return (uint8_t)*a - (uint8_t)*b;
}

static uint32_t compare_adjacent_lines(const char *s, uint32_t size)
{
    uint32_t n = 0, check = 0;
    line_start[n++] = 0;
    for (uint32_t i = 0; i + 1 < size && n < MAX_LINES; i++)
        if (s[i] == '\n')
            line_start[n++] = i + 1;
    for (uint32_t i = 1; i < n; i++) {
        int c = compare_lines(s + line_start[i - 1], s + line_start[i]);
        check = check * 3 + (c < 0 ? 1u : c > 0 ? 2u : 0u);
    }
    return check + n;
}

/* copies s into d upper-cased, reversing each word in place */
static void copy_transform(char *d, const char *s)
{
    uint32_t i = 0;
    while (s[i]) {
        uint32_t start = i;
        while (is_alpha(s[i])) {
            d[i] = s[i] >= 'a' ? (char)(s[i] - 32) : s[i];
            i++;
        }
        for (uint32_t lo = start, hi = i; lo + 1 < hi; lo++, hi--) {
            char t = d[lo];
            d[lo] = d[hi - 1];
            d[hi - 1] = t;
        }
        if (start == i) {
            d[i] = s[i];
            i++;
        }
    }
    d[i] = 0;
}

/* words of a that read the same (ignoring case) in b: palindromes, here */
static uint32_t count_equal_words(const char *a, const char *b)
{
    uint32_t equal = 0;
    for (uint32_t i = 0; a[i];) {
        int same = 1;
        uint32_t start = i;
        while (is_alpha(a[i])) {
            same &= (a[i] | 32) == (b[i] | 32);
            i++;
        }
        equal += same && i > start + 1;
        if (i == start)
            i++;
    }
    return equal;
}

int main(void)
{
    uint32_t check = 0, letters = 0;
    generate_text();
    for (int r = 0; r < ROUNDS; r++) {
        /* perturb the text a little each round */
        for (int k = 0; k < 64; k++) {
            uint32_t p = lcg() % TEXT_SIZE;
            if (is_alpha(text[p]))
                text[p] = (char)('a' + lcg() % 26);
        }
        check = check * 31 + tokenise(text, &letters);
        for (int w = 0; w < 24; w++)
            check = check * 31 + count_matches(text, words[(r * 24 + w) % VOCABULARY]);
        check = check * 31 + compare_adjacent_lines(text, TEXT_SIZE);
        copy_transform(work, text);
        check = check * 31 + count_equal_words(text, work);
        check = check * 31 + tokenise(work, &letters);
    }
    printf("strings: %d rounds over %d bytes, %u letters, check 0x%08x\n", ROUNDS, TEXT_SIZE,
           letters, check);
    return 0;
}
