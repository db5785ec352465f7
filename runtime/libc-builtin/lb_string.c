/* libc-builtin, part 2: the memory, string, number-parsing and ctype
 * natives. Each checks every range the invoker did not: a '*' without a
 * following '~' arrives checked for one byte only. Pointers go back to wasm
 * as app offsets, NULL as 0. Character classes are those of the "C" locale,
 * computed here so no host locale can change them. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lb_internal.h"

/* ====================================================================== */
/* Memory                                                                  */
/* ====================================================================== */

/* s2 arrives checked for n bytes; s1 for one. */
int32_t lb_memcmp(wasm_exec_env_t env, const void *s1, const void *s2, uint32_t n)
{
    if (!lb_check(wasm_runtime_get_module_inst(env), s1, n))
        return 0;
    return memcmp(s1, s2, n);
}

/* memcpy and memmove: the app may pass overlapping ranges to memcpy, which
 * must not become undefined behaviour in the host, so both move. */
uint32_t lb_memcpy(wasm_exec_env_t env, void *dst, const void *src, uint32_t n)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);

    if (!lb_check(inst, dst, n))
        return 0;
    memmove(dst, src, n);
    return lb_app(inst, dst);
}

uint32_t lb_memset(wasm_exec_env_t env, void *dst, int32_t c, uint32_t n)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);

    if (!lb_check(inst, dst, n))
        return 0;
    memset(dst, c, n);
    return lb_app(inst, dst);
}

uint32_t lb_memchr(wasm_exec_env_t env, const void *s, int32_t c, uint32_t n)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);

    if (!lb_check(inst, s, n))
        return 0;
    return lb_app(inst, memchr(s, (unsigned char)c, n));
}

/* ====================================================================== */
/* Strings                                                                 */
/* ====================================================================== */
/* '$' arguments arrive NUL-terminated inside memory, so host string
 * functions that stop at the NUL are safe on them. */

uint32_t lb_strchr(wasm_exec_env_t env, const char *s, int32_t c)
{
    return lb_app(wasm_runtime_get_module_inst(env), strchr(s, (char)c));
}

int32_t lb_strcmp(wasm_exec_env_t env, const char *s1, const char *s2)
{
    (void)env;
    return strcmp(s1, s2);
}

uint32_t lb_strcpy(wasm_exec_env_t env, char *dst, const char *src)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    size_t len = strlen(src) + 1;

    if (!lb_check(inst, dst, len))
        return 0;
    memmove(dst, src, len);
    return lb_app(inst, dst);
}

uint32_t lb_strlen(wasm_exec_env_t env, const char *s)
{
    (void)env;
    return (uint32_t)strlen(s);
}

/* s2 arrives checked for n bytes, s1 for one: s1 must hold a NUL, or n
 * bytes, before the end of memory. */
int32_t lb_strncmp(wasm_exec_env_t env, const char *s1, const char *s2, uint32_t n)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    uint64_t room = lb_room(inst, s1);

    if (room < n && !memchr(s1, 0, (size_t)room))
        return lb_oob(inst);
    return strncmp(s1, s2, n);
}

/* src arrives checked for n bytes; dst is checked for n. */
uint32_t lb_strncpy(wasm_exec_env_t env, char *dst, const char *src, uint32_t n)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    const char *nul = memchr(src, 0, n);
    size_t len = nul ? (size_t)(nul - src) : n;

    if (!lb_check(inst, dst, n))
        return 0;
    memmove(dst, src, len);
    memset(dst + len, 0, n - len);
    return lb_app(inst, dst);
}

static int lb_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int32_t lb_strncasecmp(wasm_exec_env_t env, const char *s1, const char *s2, uint32_t n)
{
    const unsigned char *a = (const unsigned char *)s1, *b = (const unsigned char *)s2;

    (void)env;
    for (; n > 0; n--, a++, b++) {
        int d = lb_lower(*a) - lb_lower(*b);
        if (d != 0 || *a == 0)
            return d;
    }
    return 0;
}

uint32_t lb_strspn(wasm_exec_env_t env, const char *s, const char *accept)
{
    (void)env;
    return (uint32_t)strspn(s, accept);
}

uint32_t lb_strcspn(wasm_exec_env_t env, const char *s, const char *reject)
{
    (void)env;
    return (uint32_t)strcspn(s, reject);
}

uint32_t lb_strstr(wasm_exec_env_t env, const char *s, const char *find)
{
    return lb_app(wasm_runtime_get_module_inst(env), strstr(s, find));
}

/* ====================================================================== */
/* Numbers: atoi, strtol, strtoul (long is 32 bits on wasm32)              */
/* ====================================================================== */

static bool lb_space(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The value of c as a digit of base, or -1. */
static int lb_digit(int c, int base)
{
    int d = -1;

    if (c >= '0' && c <= '9')
        d = c - '0';
    else if (c >= 'a' && c <= 'z')
        d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z')
        d = c - 'A' + 10;
    return d < base ? d : -1;
}

/* What strtol/strtoul read: the magnitude saturates just above
 * UINT32_MAX, which is all a 32-bit result needs to tell overflow. */
typedef struct LbParsed {
    uint64_t mag;
    bool neg;
    const char *end; /* the first byte not used; s itself when no digits */
} LbParsed;

/* Skips an optional "0x"/"0X" (only before a hex digit) and settles base
 * 0 into 8, 10 or 16. */
static const char *lb_base_prefix(const char *p, int *base)
{
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && lb_digit(p[2], 16) >= 0;

    if ((*base == 0 || *base == 16) && hex) {
        *base = 16;
        return p + 2;
    }
    if (*base == 0)
        *base = p[0] == '0' ? 8 : 10;
    return p;
}

/* number -> space* [+-] ["0x"] digits ; false for a base C rejects. */
static bool lb_parse(const char *s, int base, LbParsed *out)
{
    const char *p = s, *digits;
    int d;

    out->mag = 0;
    out->neg = false;
    out->end = s;
    if (base < 0 || base == 1 || base > 36)
        return false;
    while (lb_space((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        out->neg = *p++ == '-';
    p = digits = lb_base_prefix(p, &base);
    for (; (d = lb_digit((unsigned char)*p, base)) >= 0; p++) {
        out->mag = out->mag * (unsigned)base + (unsigned)d;
        if (out->mag > UINT32_MAX)
            out->mag = (uint64_t)UINT32_MAX + 1;
    }
    if (p != digits)
        out->end = p;
    return true;
}

/* Stores the end pointer through the app's char **endptr, unless NULL
 * (app offset 0). */
static bool lb_set_end(wasm_module_inst_t inst, void *endptr, const char *s,
                       const LbParsed *r)
{
    uint32_t where = lb_app(inst, endptr);

    if (where == 0)
        return true;
    if (!lb_check(inst, endptr, 4))
        return false;
    lb_store_u32(endptr, lb_app(inst, s) + (uint32_t)(r->end - s));
    return true;
}

/* Overflow clamps to INT32_MIN / INT32_MAX (there is no errno). */
int32_t lb_strtol(wasm_exec_env_t env, const char *s, void *endptr, int32_t base)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    LbParsed r;

    lb_parse(s, base, &r);
    if (!lb_set_end(inst, endptr, s, &r))
        return 0;
    if (r.neg)
        return r.mag > (uint64_t)INT32_MAX + 1 ? INT32_MIN : (int32_t)(0 - r.mag);
    return r.mag > INT32_MAX ? INT32_MAX : (int32_t)r.mag;
}

/* Overflow gives UINT32_MAX; a '-' negates modulo 2^32, as C says. */
uint32_t lb_strtoul(wasm_exec_env_t env, const char *s, void *endptr, int32_t base)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    LbParsed r;

    lb_parse(s, base, &r);
    if (!lb_set_end(inst, endptr, s, &r))
        return 0;
    if (r.mag > UINT32_MAX)
        return UINT32_MAX;
    return r.neg ? (uint32_t)(0 - r.mag) : (uint32_t)r.mag;
}

/* atoi's overflow is undefined in C; here it wraps modulo 2^32. */
int32_t lb_atoi(wasm_exec_env_t env, const char *s)
{
    uint32_t v = 0;
    bool neg = false;

    (void)env;
    while (lb_space((unsigned char)*s))
        s++;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10u + (uint32_t)(*s - '0');
    return (int32_t)(neg ? 0u - v : v);
}

/* ====================================================================== */
/* ctype ("C" locale; EOF and every non-ASCII value are in no class)       */
/* ====================================================================== */

int32_t lb_isupper(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return c >= 'A' && c <= 'Z';
}

int32_t lb_isalpha(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int32_t lb_isspace(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return lb_space(c);
}

int32_t lb_isgraph(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return c > ' ' && c < 0x7F;
}

int32_t lb_isprint(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return c >= ' ' && c < 0x7F;
}

int32_t lb_isdigit(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return c >= '0' && c <= '9';
}

int32_t lb_isxdigit(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return c >= 0 && c < 0x80 && lb_digit(c, 16) >= 0;
}

int32_t lb_isalnum(wasm_exec_env_t env, int32_t c)
{
    return lb_isalpha(env, c) || lb_isdigit(env, c);
}

int32_t lb_tolower(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return lb_lower(c);
}

int32_t lb_toupper(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}
