/* libc-builtin, part 3: the printf family, puts and putchar. The formatter
 * is our own: wasm32 varargs are an app offset of a packed buffer (4-byte
 * ints and pointers, 8-byte aligned i64 and double, 16-byte aligned long
 * double), read one bounds-checked argument at a time. Only a single double
 * is ever handed to the host's snprintf, with a format built here from an
 * already parsed conversion. %n is not supported (it would write memory). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lb_internal.h"

/* ====================================================================== */
/* Sinks: where text goes                                                  */
/* ====================================================================== */

/* Every byte is counted in len; the first cap are stored into buf (when
 * set), or all are written to stream (when set). buf lies in linear memory
 * and may overlap what is being formatted, hence memmove. */
typedef struct LbSink {
    char *buf;
    uint64_t cap;
    uint64_t len;
    FILE *stream;
} LbSink;

static void lb_put(LbSink *s, const char *p, uint64_t n)
{
    if (n == 0)
        return; /* p may then be NULL */
    if (s->stream) {
        fwrite(p, 1, (size_t)n, s->stream);
    } else if (s->buf && s->len < s->cap) {
        uint64_t room = s->cap - s->len;
        memmove(s->buf + s->len, p, (size_t)(n < room ? n : room));
    }
    s->len += n;
}

static void lb_pad(LbSink *s, char c, uint64_t n)
{
    char chunk[64];

    if (!s->stream && (!s->buf || s->len >= s->cap)) {
        s->len += n; /* nothing more is stored: only count */
        return;
    }
    memset(chunk, c, sizeof chunk);
    for (; n > sizeof chunk; n -= sizeof chunk)
        lb_put(s, chunk, sizeof chunk);
    lb_put(s, chunk, n);
}

/* ====================================================================== */
/* Conversion specifications                                               */
/* ====================================================================== */

enum { LB_LEFT = 1, LB_PLUS = 2, LB_SPACE = 4, LB_ALT = 8, LB_ZERO = 16 };

typedef enum LbLength {
    LEN_NONE,
    LEN_HH,
    LEN_H,
    LEN_L, /* 4 bytes on wasm32 */
    LEN_LL,
    LEN_J, /* intmax_t: 8 bytes */
    LEN_Z, /* size_t: 4 bytes */
    LEN_T, /* ptrdiff_t: 4 bytes */
    LEN_BIG_L /* long double: 16 bytes; with integers, as ll */
} LbLength;

typedef struct LbSpec {
    unsigned flags;
    uint64_t width;
    int prec; /* -1: none */
    LbLength length;
    char conv; /* '\0' when the format ends inside the spec */
} LbSpec;

/* One call's state. fmt_len is fixed at the start: the format may lie where
 * sprintf writes, so it is never read past its original NUL. */
typedef struct LbFormat {
    wasm_module_inst_t inst;
    const char *fmt;
    size_t fmt_len;
    size_t pos;
    uint64_t ap; /* app offset of the next argument */
    LbSink *sink;
} LbFormat;

static int lb_peek(const LbFormat *f)
{
    return f->pos < f->fmt_len ? (unsigned char)f->fmt[f->pos] : 0;
}

/* Reads the next argument of size bytes (4, 8 or 16), aligned to its size,
 * little-endian. Sets the exception when it is outside linear memory. */
static bool lb_arg(LbFormat *f, uint32_t size, uint64_t out[2])
{
    uint64_t off = (f->ap + size - 1) & ~(uint64_t)(size - 1);
    const uint8_t *p;

    if (off > UINT32_MAX || !wasm_runtime_validate_app_addr(f->inst, (uint32_t)off, size))
        return lb_oob(f->inst);
    p = wasm_runtime_addr_app_to_native(f->inst, (uint32_t)off);
    out[0] = out[1] = 0;
    for (uint32_t i = 0; i < size; i++)
        out[i / 8] |= (uint64_t)p[i] << (8 * (i % 8));
    f->ap = off + size;
    return true;
}

static bool lb_arg_i32(LbFormat *f, int32_t *out)
{
    uint64_t v[2];

    if (!lb_arg(f, 4, v))
        return false;
    *out = (int32_t)(uint32_t)v[0];
    return true;
}

/* A decimal number in the format, saturating at INT_MAX. */
static int lb_number(LbFormat *f)
{
    int n = 0;

    for (int c = lb_peek(f); c >= '0' && c <= '9'; c = lb_peek(f)) {
        n = n > (INT_MAX - 9) / 10 ? INT_MAX : n * 10 + (c - '0');
        f->pos++;
    }
    return n;
}

static void lb_parse_flags(LbFormat *f, LbSpec *sp)
{
    for (;; f->pos++) {
        switch (lb_peek(f)) {
        case '-': sp->flags |= LB_LEFT; break;
        case '+': sp->flags |= LB_PLUS; break;
        case ' ': sp->flags |= LB_SPACE; break;
        case '#': sp->flags |= LB_ALT; break;
        case '0': sp->flags |= LB_ZERO; break;
        default: return;
        }
    }
}

/* width -> digits | '*' ; a negative '*' width means '-' and its size. */
static bool lb_parse_width(LbFormat *f, LbSpec *sp)
{
    int32_t w;

    if (lb_peek(f) != '*') {
        sp->width = (uint64_t)lb_number(f);
        return true;
    }
    f->pos++;
    if (!lb_arg_i32(f, &w))
        return false;
    if (w < 0)
        sp->flags |= LB_LEFT;
    sp->width = w < 0 ? 0 - (uint64_t)(int64_t)w : (uint64_t)w;
    return true;
}

/* precision -> '.' (digits | '*')? ; a negative '*' precision is none. */
static bool lb_parse_prec(LbFormat *f, LbSpec *sp)
{
    int32_t p;

    sp->prec = -1;
    if (lb_peek(f) != '.')
        return true;
    f->pos++;
    if (lb_peek(f) != '*') {
        sp->prec = lb_number(f);
        return true;
    }
    f->pos++;
    if (!lb_arg_i32(f, &p))
        return false;
    sp->prec = p < 0 ? -1 : p;
    return true;
}

/* length -> hh | h | l | ll | j | z | t | L */
static void lb_parse_length(LbFormat *f, LbSpec *sp)
{
    int c = lb_peek(f);
    bool twice = f->pos + 1 < f->fmt_len && f->fmt[f->pos + 1] == c;

    switch (c) {
    case 'h': sp->length = twice ? LEN_HH : LEN_H; break;
    case 'l': sp->length = twice ? LEN_LL : LEN_L; break;
    case 'j': sp->length = LEN_J; break;
    case 'z': sp->length = LEN_Z; break;
    case 't': sp->length = LEN_T; break;
    case 'L': sp->length = LEN_BIG_L; break;
    default: sp->length = LEN_NONE; return;
    }
    f->pos += (sp->length == LEN_HH || sp->length == LEN_LL) ? 2 : 1;
}

/* spec -> '%' flags width precision length conversion (f->pos is just past
 * the '%'). False when a '*' argument cannot be read. */
static bool lb_parse_spec(LbFormat *f, LbSpec *sp)
{
    memset(sp, 0, sizeof *sp);
    lb_parse_flags(f, sp);
    if (!lb_parse_width(f, sp) || !lb_parse_prec(f, sp))
        return false;
    lb_parse_length(f, sp);
    sp->conv = (char)lb_peek(f);
    if (sp->conv)
        f->pos++;
    return true;
}

/* ====================================================================== */
/* Fields                                                                  */
/* ====================================================================== */

/* Writes pre, zeros '0's and body, padded with spaces to the width. */
static void lb_field(LbSink *s, const LbSpec *sp, const char *pre, uint64_t n_pre,
                     uint64_t zeros, const char *body, uint64_t n_body)
{
    uint64_t n = n_pre + zeros + n_body;
    uint64_t pad = sp->width > n ? sp->width - n : 0;

    if (!(sp->flags & LB_LEFT))
        lb_pad(s, ' ', pad);
    lb_put(s, pre, n_pre);
    lb_pad(s, '0', zeros);
    lb_put(s, body, n_body);
    if (sp->flags & LB_LEFT)
        lb_pad(s, ' ', pad);
}

/* ---- integers: d i u o x X p ---- */

/* Reads an integer argument by the length modifier and narrows it as
 * printf does ("%hhd" of 300 prints 44). */
static bool lb_int_arg(LbFormat *f, LbLength len, bool is_signed, uint64_t *out_mag,
                       bool *out_neg)
{
    bool wide = len == LEN_LL || len == LEN_J || len == LEN_BIG_L;
    uint64_t v[2];
    int64_t sv;

    if (!lb_arg(f, wide ? 8 : 4, v))
        return false;
    if (len == LEN_HH)
        sv = is_signed ? (signed char)v[0] : (unsigned char)v[0];
    else if (len == LEN_H)
        sv = is_signed ? (short)v[0] : (unsigned short)v[0];
    else if (!wide)
        sv = is_signed ? (int32_t)(uint32_t)v[0] : (int64_t)(uint32_t)v[0];
    else
        sv = (int64_t)v[0];
    *out_neg = is_signed && sv < 0;
    *out_mag = !wide || is_signed ? (*out_neg ? 0 - (uint64_t)sv : (uint64_t)sv) : v[0];
    return true;
}

/* The digits of v in base, into buf (24 bytes hold any 64-bit octal);
 * returns where they start. */
static char *lb_digits(uint64_t v, unsigned base, bool upper, char *buf_end)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = buf_end;

    do {
        *--p = set[v % base];
        v /= base;
    } while (v);
    return p;
}

static unsigned lb_base(char conv)
{
    return conv == 'o' ? 8 : (conv == 'x' || conv == 'X') ? 16 : 10;
}

static void lb_out_int(LbSink *s, const LbSpec *sp, uint64_t mag, bool neg)
{
    char buf[24], pre[2];
    char *digits = lb_digits(mag, lb_base(sp->conv), sp->conv == 'X', buf + sizeof buf);
    uint64_t nd = (uint64_t)(buf + sizeof buf - digits), n_pre = 0, zeros, body;
    bool is_signed = sp->conv == 'd' || sp->conv == 'i';

    if (sp->prec == 0 && mag == 0)
        nd = 0;
    if (is_signed && (neg || (sp->flags & (LB_PLUS | LB_SPACE))))
        pre[n_pre++] = neg ? '-' : (sp->flags & LB_PLUS) ? '+' : ' ';
    if ((sp->conv == 'x' || sp->conv == 'X') && (sp->flags & LB_ALT) && mag != 0) {
        pre[n_pre++] = '0';
        pre[n_pre++] = sp->conv;
    }
    zeros = sp->prec > 0 && (uint64_t)sp->prec > nd ? (uint64_t)sp->prec - nd : 0;
    if (sp->conv == 'o' && (sp->flags & LB_ALT) && zeros == 0 && (nd == 0 || digits[0] != '0'))
        zeros = 1; /* '#' makes the first octal digit a 0 */
    body = n_pre + zeros + nd;
    if ((sp->flags & LB_ZERO) && !(sp->flags & LB_LEFT) && sp->prec < 0 && sp->width > body)
        zeros += sp->width - body;
    lb_field(s, sp, pre, n_pre, zeros, digits, nd);
}

static bool lb_conv_int(LbFormat *f, const LbSpec *sp)
{
    uint64_t mag;
    bool neg;

    if (!lb_int_arg(f, sp->length, sp->conv == 'd' || sp->conv == 'i', &mag, &neg))
        return false;
    lb_out_int(f->sink, sp, mag, neg);
    return true;
}

/* %p: an app offset, as glibc prints pointers: "0x1f40", NULL as "(nil)". */
static bool lb_conv_pointer(LbFormat *f, const LbSpec *sp)
{
    LbSpec hex = *sp;
    int32_t v;

    if (!lb_arg_i32(f, &v))
        return false;
    if (v == 0) {
        hex.prec = -1;
        lb_field(f->sink, &hex, NULL, 0, 0, "(nil)", 5);
        return true;
    }
    hex.conv = 'x';
    hex.flags |= LB_ALT;
    lb_out_int(f->sink, &hex, (uint32_t)v, false);
    return true;
}

/* ---- characters and strings: c s ---- */

static bool lb_conv_char(LbFormat *f, const LbSpec *sp)
{
    int32_t v;
    char c;

    if (!lb_arg_i32(f, &v))
        return false;
    c = (char)v;
    lb_field(f->sink, sp, NULL, 0, 0, &c, 1);
    return true;
}

/* The string at app offset off, at most max bytes (max < 0: no limit), must
 * end (NUL or max) inside linear memory. */
static bool lb_app_string(wasm_module_inst_t inst, uint32_t off, int max, const char **out,
                          uint64_t *out_len)
{
    const char *p = wasm_runtime_addr_app_to_native(inst, off);
    uint64_t room = p ? lb_room(inst, p) : 0;
    uint64_t scan = max >= 0 && (uint64_t)max < room ? (uint64_t)max : room;
    const char *nul = p ? memchr(p, 0, (size_t)scan) : NULL;

    if (!nul && (max < 0 || scan < (uint64_t)max))
        return lb_oob(inst);
    *out = p;
    *out_len = nul ? (uint64_t)(nul - p) : scan;
    return true;
}

/* %s; a NULL pointer prints "(null)" (or nothing when the precision cannot
 * hold it), as glibc does. */
static bool lb_conv_string(LbFormat *f, const LbSpec *sp)
{
    const char *str = "(null)";
    uint64_t len = 6;
    int32_t off;

    if (!lb_arg_i32(f, &off))
        return false;
    if (off == 0 && sp->prec >= 0 && sp->prec < 6)
        len = 0;
    else if (off != 0 && !lb_app_string(f->inst, (uint32_t)off, sp->prec, &str, &len))
        return false;
    lb_field(f->sink, sp, NULL, 0, 0, str, len);
    return true;
}

/* ---- floating point: e E f F g G a A ---- */

/* An IEEE binary128 (wasm32's long double; hi holds sign, exponent and the
 * top 48 mantissa bits) rounded to the nearest double. Tiny values (below
 * the double range) become 0. */
static double lb_quad_to_double(uint64_t lo, uint64_t hi)
{
    int exp = (int)((hi >> 48) & 0x7FFF);
    uint64_t mant_hi = hi & 0xFFFFFFFFFFFFull;
    double sign = (hi >> 63) ? -1.0 : 1.0, d;
    uint64_t sig;

    if (exp == 0x7FFF)
        return (mant_hi | lo) ? copysign(NAN, sign) : sign * INFINITY;
    if (exp == 0)
        return sign * 0.0; /* zero or a binary128 subnormal */
    /* The implicit 1 and the top 63 mantissa bits; the rest folds into a
     * sticky bit below the 53 that survive, so the rounding is exact. */
    sig = (1ull << 63) | (mant_hi << 15) | (lo >> 49) | ((lo & ((1ull << 49) - 1)) != 0);
    d = ldexp((double)sig, exp - 16383 - 63);
    return sign * d;
}

static bool lb_float_arg(LbFormat *f, LbLength len, double *out)
{
    uint64_t v[2];

    if (!lb_arg(f, len == LEN_BIG_L ? 16 : 8, v))
        return false;
    if (len == LEN_BIG_L)
        *out = lb_quad_to_double(v[0], v[1]);
    else
        memcpy(out, &v[0], sizeof *out);
    return true;
}

/* The host format for one double: flags but '-' and '0' (we pad), the
 * precision as '*', the conversion. */
static void lb_host_format(const LbSpec *sp, char out[16])
{
    char *p = out;

    *p++ = '%';
    if (sp->flags & LB_PLUS)
        *p++ = '+';
    if (sp->flags & LB_SPACE)
        *p++ = ' ';
    if (sp->flags & LB_ALT)
        *p++ = '#';
    if (sp->prec >= 0) {
        *p++ = '.';
        *p++ = '*';
    }
    *p++ = sp->conv;
    *p = '\0';
}

/* Formats v with the host's snprintf into small, or into a buffer from the
 * runtime's allocator when it does not fit (*out_big, freed by the caller).
 * Returns the length, or -1 (exception set). */
static int lb_host_double(LbFormat *f, const LbSpec *sp, double v, char *small, size_t size,
                          char **out_big)
{
    char hf[16];
    int n, prec = sp->prec;

    lb_host_format(sp, hf);
    *out_big = NULL;
    n = prec >= 0 ? snprintf(small, size, hf, prec, v) : snprintf(small, size, hf, v);
    if (n >= 0 && (size_t)n < size)
        return n;
    if (n >= 0)
        *out_big = wasm_runtime_malloc((unsigned)n + 1);
    if (!*out_big) {
        wasm_runtime_set_exception(f->inst, "printf: floating-point conversion too long");
        return -1;
    }
    return prec >= 0 ? snprintf(*out_big, (size_t)n + 1, hf, prec, v)
                     : snprintf(*out_big, (size_t)n + 1, hf, v);
}

/* The sign and, for %a, the "0x" come before any zero padding. */
static size_t lb_float_prefix(const char *text, char conv)
{
    size_t n = (text[0] == '-' || text[0] == '+' || text[0] == ' ') ? 1 : 0;
    bool hex = conv == 'a' || conv == 'A';

    if (hex && text[n] == '0' && (text[n + 1] == 'x' || text[n + 1] == 'X'))
        n += 2;
    return n;
}

static bool lb_conv_float(LbFormat *f, const LbSpec *sp)
{
    char small[128], *big, *text;
    double v;
    int n;
    size_t n_pre;
    uint64_t zeros = 0;

    if (!lb_float_arg(f, sp->length, &v))
        return false;
    n = lb_host_double(f, sp, v, small, sizeof small, &big);
    if (n < 0)
        return false;
    text = big ? big : small;
    n_pre = lb_float_prefix(text, sp->conv);
    if ((sp->flags & LB_ZERO) && !(sp->flags & LB_LEFT) && isfinite(v) && sp->width > (uint64_t)n)
        zeros = sp->width - (uint64_t)n;
    lb_field(f->sink, sp, text, n_pre, zeros, text + n_pre, (uint64_t)n - n_pre);
    wasm_runtime_free(big);
    return true;
}

/* ====================================================================== */
/* The formatter                                                           */
/* ====================================================================== */

/* One conversion; the spec's text runs from start to f->pos. Unknown
 * conversions (and %n, %lc, %ls) are copied as text, taking no argument. */
static bool lb_convert(LbFormat *f, const LbSpec *sp, size_t start)
{
    bool wide = sp->length == LEN_L;

    switch (sp->conv) {
    case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
        return lb_conv_int(f, sp);
    case 'p':
        return lb_conv_pointer(f, sp);
    case 'c':
        if (!wide)
            return lb_conv_char(f, sp);
        break;
    case 's':
        if (!wide)
            return lb_conv_string(f, sp);
        break;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
        return lb_conv_float(f, sp);
    case '%':
        lb_put(f->sink, "%", 1);
        return true;
    default:
        break;
    }
    lb_put(f->sink, f->fmt + start, f->pos - start);
    return true;
}

/* Formats fmt (checked NUL-terminated) with the arguments at native
 * pointer va into sink. False with the exception set when an argument or a
 * %s string lies outside linear memory. */
static bool lb_format(wasm_module_inst_t inst, const char *fmt, const void *va, LbSink *sink)
{
    LbFormat f = {inst, fmt, strlen(fmt), 0, lb_app(inst, va), sink};
    LbSpec sp;

    while (f.pos < f.fmt_len) {
        const char *pct = memchr(fmt + f.pos, '%', f.fmt_len - f.pos);
        size_t start, literal = pct ? (size_t)(pct - (fmt + f.pos)) : f.fmt_len - f.pos;

        lb_put(sink, fmt + f.pos, literal);
        f.pos += literal;
        if (!pct)
            break;
        start = f.pos++;
        if (!lb_parse_spec(&f, &sp) || !lb_convert(&f, &sp, start))
            return false;
    }
    return true;
}

/* The count a printf returns; -1 when it does not fit an int. */
static int32_t lb_count(const LbSink *s)
{
    return s->len > INT32_MAX ? -1 : (int32_t)s->len;
}

/* ====================================================================== */
/* Natives                                                                 */
/* ====================================================================== */

/* printf and vprintf (a wasm32 va_list is the same buffer pointer). */
int32_t lb_printf(wasm_exec_env_t env, const char *fmt, void *va)
{
    LbSink s = {NULL, 0, 0, stdout};

    if (!lb_format(wasm_runtime_get_module_inst(env), fmt, va, &s))
        return -1;
    return lb_count(&s);
}

/* sprintf and vsprintf: a counting pass finds the length, the destination
 * is checked for it and the NUL, and only then written. The second pass
 * stays within that length even if the app's buffers overlap. */
int32_t lb_sprintf(wasm_exec_env_t env, char *dst, const char *fmt, void *va)
{
    wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
    LbSink count = {NULL, 0, 0, NULL}, out = {dst, 0, 0, NULL};

    if (!lb_format(inst, fmt, va, &count) || !lb_check(inst, dst, count.len + 1))
        return -1;
    out.cap = count.len;
    if (!lb_format(inst, fmt, va, &out))
        return -1;
    dst[out.len < out.cap ? out.len : out.cap] = '\0';
    return lb_count(&out);
}

/* snprintf and vsnprintf: dst arrives checked for size bytes. Returns the
 * length the whole output has; stores at most size - 1 bytes and a NUL. */
int32_t lb_snprintf(wasm_exec_env_t env, char *dst, uint32_t size, const char *fmt, void *va)
{
    LbSink s = {dst, size ? size - 1u : 0, 0, NULL};
    bool ok = lb_format(wasm_runtime_get_module_inst(env), fmt, va, &s);

    if (size > 0)
        dst[s.len < s.cap ? s.len : s.cap] = '\0';
    return ok ? lb_count(&s) : -1;
}

int32_t lb_puts(wasm_exec_env_t env, const char *s)
{
    size_t len = strlen(s);

    (void)env;
    fwrite(s, 1, len, stdout);
    putchar('\n');
    return len + 1 > INT32_MAX ? INT32_MAX : (int32_t)(len + 1);
}

/* Returns the character written, as C says (WAMR returns 1). */
int32_t lb_putchar(wasm_exec_env_t env, int32_t c)
{
    (void)env;
    putchar((unsigned char)c);
    return (unsigned char)c;
}
