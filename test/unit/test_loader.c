/* Unit tests of loader/reader.h (LEB128 and bounds edge cases) and of
 * loader/loader.c through ld_load on small hand-built modules. Prints
 * "N passed, N failed" as its last line and exits nonzero on any failure.
 * Function bodies here are tiny valid ones, so any translator will do. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "loader/module.h"
#include "loader/reader.h"

static int passed, failed;

static void check(bool ok, const char *what)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL: %s\n", what);
}

/* A string literal as a (pointer, length) pair, without its terminating NUL. */
#define BYTES(lit) (const uint8_t *)(lit), (uint32_t)(sizeof(lit) - 1)

/* Hex escapes are greedy: a letter after "\x01" goes in a separate literal. */
#define HEADER "\0asm\1\0\0\0"
/* Type section with () -> () and a function section with one function of
 * it; CODE0 is the matching code section with the body `end`. */
#define FUNC0 HEADER "\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
#define CODE0 "\x0a\x04\x01\x02\x00\x0b"

/* ------------------------------------------------------------------------
 * reader.h
 * ------------------------------------------------------------------------ */

static void check_u32(const uint8_t *p, uint32_t n, const char *want_err, uint32_t want,
                      const char *what)
{
    Reader r;
    uint32_t v = 0;
    bool ok;

    rd_init(&r, p, n);
    ok = rd_u32(&r, &v);
    if (want_err)
        check(!ok && r.error && strcmp(r.error, want_err) == 0, what);
    else
        check(ok && v == want && rd_remaining(&r) == 0, what);
}

static void check_s32(const uint8_t *p, uint32_t n, const char *want_err, int32_t want,
                      const char *what)
{
    Reader r;
    int32_t v = 0;
    bool ok;

    rd_init(&r, p, n);
    ok = rd_s32(&r, &v);
    if (want_err)
        check(!ok && r.error && strcmp(r.error, want_err) == 0, what);
    else
        check(ok && v == want && rd_remaining(&r) == 0, what);
}

static void check_s64(const uint8_t *p, uint32_t n, const char *want_err, int64_t want,
                      const char *what)
{
    Reader r;
    int64_t v = 0;
    bool ok;

    rd_init(&r, p, n);
    ok = rd_s64(&r, &v);
    if (want_err)
        check(!ok && r.error && strcmp(r.error, want_err) == 0, what);
    else
        check(ok && v == want && rd_remaining(&r) == 0, what);
}

static void test_reader_u32(void)
{
    check_u32(BYTES("\x00"), NULL, 0, "u32 zero");
    check_u32(BYTES("\x7f"), NULL, 127, "u32 one byte max");
    check_u32(BYTES("\x80\x01"), NULL, 128, "u32 two bytes");
    check_u32(BYTES("\x80\x00"), NULL, 0, "u32 padded zero is allowed");
    check_u32(BYTES("\xff\xff\xff\xff\x0f"), NULL, UINT32_MAX, "u32 max");
    check_u32(BYTES("\x80\x80\x80\x80\x00"), NULL, 0, "u32 five-byte zero");
    check_u32(BYTES("\xff\xff\xff\xff\x1f"), "integer too large", 0, "u32 bit 32 set");
    check_u32(BYTES("\x80\x80\x80\x80\x70"), "integer too large", 0, "u32 high bits set");
    check_u32(BYTES("\x80\x80\x80\x80\x80\x00"), "integer representation too long", 0,
              "u32 six bytes");
    check_u32(BYTES("\xff\xff\xff\xff\x8f\x00"), "integer representation too long", 0,
              "u32 continuation in fifth byte");
    check_u32(BYTES(""), "unexpected end", 0, "u32 empty");
    check_u32(BYTES("\x80\x80"), "unexpected end", 0, "u32 truncated");
}

static void test_reader_s32(void)
{
    check_s32(BYTES("\x7f"), NULL, -1, "s32 minus one");
    check_s32(BYTES("\x3f"), NULL, 63, "s32 one byte max");
    check_s32(BYTES("\x40"), NULL, -64, "s32 one byte min");
    check_s32(BYTES("\xc0\x00"), NULL, 64, "s32 64 needs two bytes");
    check_s32(BYTES("\xff\xff\xff\xff\x07"), NULL, INT32_MAX, "s32 max");
    check_s32(BYTES("\x80\x80\x80\x80\x78"), NULL, INT32_MIN, "s32 min");
    check_s32(BYTES("\xff\xff\xff\xff\x7f"), NULL, -1, "s32 five-byte minus one");
    check_s32(BYTES("\xff\xff\xff\xff\x0f"), "integer too large", 0, "s32 unused bits unset");
    check_s32(BYTES("\x80\x80\x80\x80\x70"), "integer too large", 0, "s32 unused bits set");
    check_s32(BYTES("\x80\x80\x80\x80\x08"), "integer too large", 0, "s32 max + 1");
    check_s32(BYTES("\xff\xff\xff\xff\x77"), "integer too large", 0, "s32 min - 1");
    check_s32(BYTES("\x80\x80\x80\x80\x80\x00"), "integer representation too long", 0,
              "s32 six bytes");
    check_s32(BYTES("\xff"), "unexpected end", 0, "s32 truncated");
}

static void test_reader_64(void)
{
    Reader r;
    uint64_t u = 0;

    check_s64(BYTES("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00"), NULL, INT64_MAX, "s64 max");
    check_s64(BYTES("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f"), NULL, INT64_MIN, "s64 min");
    check_s64(BYTES("\x7f"), NULL, -1, "s64 minus one");
    check_s64(BYTES("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), "integer too large", 0,
              "s64 max + 1");
    check_s64(BYTES("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7e"), "integer too large", 0,
              "s64 unused bits unset");
    check_s64(BYTES("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"),
              "integer representation too long", 0, "s64 eleven bytes");
    check_s64(BYTES("\x80\x80\x80"), "unexpected end", 0, "s64 truncated");

    rd_init(&r, BYTES("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"));
    check(rd_uleb(&r, 64, &u) && u == UINT64_MAX, "u64 max");
    rd_init(&r, BYTES("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"));
    check(!rd_uleb(&r, 64, &u) && strcmp(r.error, "integer too large") == 0, "u64 too large");
}

static void test_reader_bytes(void)
{
    Reader r;
    const uint8_t *p;
    uint8_t b;
    uint32_t w = 0;
    uint64_t d = 0;

    rd_init(&r, BYTES("\x01\x02\x03\x04\x05\x06\x07\x08"));
    check(rd_fixed32(&r, &w) && w == 0x04030201u, "fixed32 little-endian");
    check(!rd_fixed64(&r, &d) && strcmp(r.error, "unexpected end") == 0,
          "fixed64 with four bytes left");
    rd_init(&r, BYTES("\x01\x02\x03\x04\x05\x06\x07\x08"));
    check(rd_fixed64(&r, &d) && d == 0x0807060504030201ull, "fixed64 little-endian");
    check(!rd_u8(&r, &b), "u8 at end");
    rd_init(&r, BYTES("ab"));
    check(!rd_bytes(&r, 3, &p) && rd_remaining(&r) == 2, "bytes past end consume nothing");
    check(rd_bytes(&r, 2, &p) && p[1] == 'b', "bytes exactly to end");
    /* The first error is kept. */
    rd_init(&r, BYTES(""));
    rd_fail(&r, "first");
    rd_fail(&r, "second");
    check(strcmp(r.error, "first") == 0, "first error kept");
}

/* ------------------------------------------------------------------------
 * ld_load
 * ------------------------------------------------------------------------ */

static void expect_error(const uint8_t *p, uint32_t n, const char *want, const char *what)
{
    char err[256] = "";
    WasmModule *m = ld_load(p, n, err, sizeof err);
    bool ok = !m && strncmp(err, want, strlen(want)) == 0;

    if (!ok)
        printf("  %s: got \"%s\", want \"%s...\"\n", what, m ? "(loaded)" : err, want);
    check(ok, what);
    ld_unload(m);
}

static WasmModule *expect_ok(const uint8_t *p, uint32_t n, const char *what)
{
    char err[256] = "";
    WasmModule *m = ld_load(p, n, err, sizeof err);

    if (!m)
        printf("  %s: %s\n", what, err);
    check(m != NULL, what);
    return m;
}

static void expect_ok_and_free(const uint8_t *p, uint32_t n, const char *what)
{
    ld_unload(expect_ok(p, n, what));
}

static void test_header(void)
{
    WasmModule *m = expect_ok(BYTES(HEADER), "minimal module");

    if (m)
        check(m->n_types == 0 && m->n_funcs == 0 && m->func_declared, "minimal module is empty");
    ld_unload(m);
    expect_error(BYTES(""), "unexpected end", "empty buffer");
    expect_error(BYTES("\0as"), "unexpected end", "truncated magic");
    expect_error(BYTES("\0asn\1\0\0\0"), "magic header not detected", "bad magic");
    expect_error(BYTES("\0asm\2\0\0\0"), "unknown binary version", "bad version");
    expect_error(BYTES("\0asm\1\0"), "unexpected end", "truncated version");
    /* NULL error buffer is allowed. */
    check(ld_load(BYTES("xxxx"), NULL, 0) == NULL, "NULL error buffer");
}

static void test_sections(void)
{
    expect_error(BYTES(HEADER "\x01\x05\x01\x60\x00\x00\x00"), "section size mismatch",
                 "type section longer than its content");
    expect_error(BYTES(HEADER "\x01\x07\x02\x60\x00\x00"), "length out of bounds",
                 "section size past the end");
    expect_error(BYTES(HEADER "\x0d\x00"), "malformed section id", "section id 13");
    expect_error(BYTES(HEADER "\x03\x01\x00\x01\x01\x00"),
                 "unexpected content after last section", "type after function");
    expect_error(BYTES(HEADER "\x06\x01\x00\x06\x01\x00"),
                 "unexpected content after last section", "two global sections");
    expect_error(BYTES(HEADER "\x0a\x01\x00\x0c\x01\x00"),
                 "unexpected content after last section", "data count after code");
    expect_error(BYTES(HEADER "\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"),
                 "function and code section have inconsistent lengths", "code section missing");
    expect_error(BYTES(HEADER "\x0c\x01\x01"),
                 "data count and data section have inconsistent lengths", "data section missing");
    expect_error(BYTES(HEADER "\x02\x04\x01\x00\x00\x04"), "malformed import kind",
                 "import kind 4");
    expect_error(BYTES(HEADER "\x01\x04\x01\x60\x00"), "unexpected end",
                 "truncated function type");
    expect_ok_and_free(BYTES(HEADER "\x00\x05\x04name"), "empty name section");
}

static void test_exports(void)
{
    WasmModule *m;

    expect_error(BYTES(FUNC0 "\x07\x09\x02\x01\x61\x00\x00\x01\x61\x00\x00" CODE0),
                 "duplicate export name", "duplicate export name");
    expect_error(BYTES(FUNC0 "\x07\x05\x01\x01\x61\x00\x01" CODE0), "unknown function 1",
                 "export of unknown function");
    expect_error(BYTES(FUNC0 "\x07\x05\x01\x01\x61\x02\x00" CODE0), "unknown memory 0",
                 "export of unknown memory");
    /* "" and "\0" differ although their C strings are equal. */
    m = expect_ok(BYTES(FUNC0 "\x07\x08\x02\x00\x00\x00\x01\x00\x00\x00" CODE0),
                  "export names differing after a NUL");
    if (m)
        check(m->n_exports == 2 && m->func_declared[0] == 1, "exported function declared");
    ld_unload(m);
}

static void test_utf8(void)
{
    /* Custom sections whose 2-4 byte names are one bad sequence each. */
    expect_error(BYTES(HEADER "\x00\x03\x02\xc0\x80"), "malformed UTF-8 encoding", "overlong 2");
    expect_error(BYTES(HEADER "\x00\x04\x03\xe0\x80\x80"), "malformed UTF-8 encoding",
                 "overlong 3");
    expect_error(BYTES(HEADER "\x00\x04\x03\xed\xa0\x80"), "malformed UTF-8 encoding",
                 "surrogate D800");
    expect_error(BYTES(HEADER "\x00\x04\x03\xed\xbf\xbf"), "malformed UTF-8 encoding",
                 "surrogate DFFF");
    expect_error(BYTES(HEADER "\x00\x05\x04\xf4\x90\x80\x80"), "malformed UTF-8 encoding",
                 "above 10FFFF");
    expect_error(BYTES(HEADER "\x00\x04\x03\xe2\x28\xa1"), "malformed UTF-8 encoding",
                 "bad continuation");
    expect_error(BYTES(HEADER "\x00\x03\x02\xe2\x82"), "malformed UTF-8 encoding",
                 "truncated sequence");
    expect_error(BYTES(HEADER "\x00\x02\x01\x80"), "malformed UTF-8 encoding",
                 "lone continuation byte");
    expect_error(BYTES(HEADER "\x00\x02\x01\xff"), "malformed UTF-8 encoding", "byte ff");
    expect_ok_and_free(BYTES(HEADER "\x00\x0b\x0a\xe2\x82\xac\xf4\x8f\xbf\xbf\xed\x9f\xbf"),
                       "custom name with 3 valid sequences");
}

static void test_limits(void)
{
    expect_error(BYTES(HEADER "\x05\x05\x02\x00\x00\x00\x00"), "multiple memories",
                 "two memories");
    expect_error(BYTES(HEADER "\x05\x05\x01\x00\x81\x80\x04"),
                 "memory size must be at most 65536 pages (4GiB)", "memory min 65537");
    expect_error(BYTES(HEADER "\x05\x04\x01\x01\x02\x01"),
                 "size minimum must not be greater than maximum", "memory min > max");
    expect_error(BYTES(HEADER "\x04\x05\x01\x70\x01\x02\x01"),
                 "size minimum must not be greater than maximum", "table min > max");
    expect_error(BYTES(HEADER "\x04\x04\x01\x70\x02\x00"), "integer too large",
                 "table limits flag 2");
    expect_error(BYTES(HEADER "\x04\x04\x01\x7f\x00\x00"), "malformed reference type",
                 "table of i32");
    expect_ok_and_free(BYTES(HEADER "\x05\x06\x01\x01\x00\x80\x80\x04"),
                       "memory max 65536 pages");
}

static void test_globals_and_start(void)
{
    WasmModule *m;

    expect_error(BYTES(HEADER "\x06\x0b\x02\x7f\x00\x41\x00\x0b\x7f\x00\x23\x00\x0b"),
                 "unknown global 0", "global.get of a defined global");
    expect_error(BYTES(HEADER "\x06\x06\x01\x7f\x00\x41\x00\x01"),
                 "constant expression required", "nop after i32.const");
    expect_error(BYTES(HEADER "\x06\x06\x01\x7e\x00\x41\x00\x0b"), "type mismatch",
                 "i32.const for an i64 global");
    expect_error(BYTES(HEADER "\x06\x06\x01\x7f\x02\x41\x00\x0b"), "malformed mutability",
                 "mutability 2");
    /* global funcref (ref.func 0): declares function 0 */
    m = expect_ok(BYTES(FUNC0 "\x06\x06\x01\x70\x00\xd2\x00\x0b" CODE0), "ref.func global");
    if (m)
        check(m->func_declared[0] == 1 && m->globals[0].init.kind == CE_REF_FUNC,
              "ref.func in a global declares the function");
    ld_unload(m);
    /* start with a function of type (i32) -> () */
    expect_error(BYTES(HEADER "\x01\x05\x01\x60\x01\x7f\x00\x03\x02\x01\x00\x08\x01\x00"
                              "\x0a\x04\x01\x02\x00\x0b"),
                 "start function", "start function with a parameter");
}

static void test_elems_and_names(void)
{
    WasmModule *m;

    /* table 1 funcref; elem flags 0, offset 0, [func 0]; name section naming func 0 "f" */
    m = expect_ok(BYTES(FUNC0 "\x04\x04\x01\x70\x00\x01"
                              "\x09\x07\x01\x00\x41\x00\x0b\x01\x00" CODE0
                              "\x00\x0b\x04name\x01\x04\x01\x00\x01" "f"),
                  "elem segment and name section");
    if (m) {
        check(m->n_elems == 1 && m->elems[0].mode == SEG_ACTIVE && m->elems[0].n_items == 1
                  && m->elems[0].items[0].kind == CE_REF_FUNC,
              "elem segment decoded");
        check(m->func_declared[0] == 1, "elem segment declares its function");
        check(m->func_names && m->func_names[0] && strcmp(m->func_names[0], "f") == 0,
              "function name from the name section");
    }
    ld_unload(m);
    /* elem for an externref table */
    expect_error(BYTES(FUNC0 "\x04\x04\x01\x6f\x00\x01"
                             "\x09\x07\x01\x00\x41\x00\x0b\x01\x00" CODE0),
                 "type mismatch", "funcref segment into externref table");
    /* A broken name section never fails the module. */
    expect_ok_and_free(BYTES(FUNC0 CODE0 "\x00\x08\x04name\x01\x09\x01"),
                       "truncated name section ignored");
}

static void test_func_types(void)
{
    /* types: 0 = (i32 i64) -> (f64), 1 = () -> (); imports: global, func type 1,
     * func type 0; defined function of type 0, body (f64.const 0) */
    static const uint8_t wasm[] = HEADER
        "\x01\x0a\x02\x60\x02\x7f\x7e\x01\x7c\x60\x00\x00"
        "\x02\x14\x03"
        "\x01" "m" "\x01" "g" "\x03\x7f\x00"
        "\x01" "m" "\x01" "a" "\x00\x01"
        "\x01" "m" "\x01" "b" "\x00\x00"
        "\x03\x02\x01\x00"
        "\x0a\x0d\x01\x0b\x00\x44\0\0\0\0\0\0\0\0\x0b";
    WasmModule *m = expect_ok(wasm, sizeof wasm - 1, "imports of mixed kinds");

    if (!m)
        return;
    check(m->n_func_imports == 2 && m->n_global_imports == 1, "import counts");
    check(ld_func_type(m, 0) == &m->types[1], "type of function import 0");
    check(ld_func_type(m, 1) == &m->types[0], "type of function import 1");
    check(ld_func_type(m, 2) == &m->types[0], "type of a defined function");
    check(ft_equal(ld_func_type(m, 1), ld_func_type(m, 2)), "ft_equal same type");
    check(!ft_equal(&m->types[0], &m->types[1]), "ft_equal different types");
    check(m->types[0].param_cells == 3 && m->types[0].result_cells == 2, "argv cells");
    ld_unload(m);
}

int main(void)
{
    test_reader_u32();
    test_reader_s32();
    test_reader_64();
    test_reader_bytes();
    test_header();
    test_sections();
    test_exports();
    test_utf8();
    test_limits();
    test_globals_and_start();
    test_elems_and_names();
    test_func_types();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
