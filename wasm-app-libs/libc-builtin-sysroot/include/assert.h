/* libc-builtin sysroot (wasm32, -nostdlib): assert.h. A failed assertion
 * prints where, then aborts: the call ends with "env.abort(0)". No include
 * guard: each inclusion follows the current NDEBUG, as C requires. */
#undef assert

#ifdef NDEBUG
#define assert(e) ((void)0)
#else

#ifdef __cplusplus
extern "C" {
#endif
int printf(const char *__restrict fmt, ...) __attribute__((__format__(__printf__, 1, 2)));
__attribute__((__noreturn__, __import_module__("env"), __import_name__("abort"))) void
__lb_abort(int code);
#ifdef __cplusplus
}
#endif

#define assert(e)                                                                              \
    ((e) ? (void)0                                                                             \
         : (printf("Assertion failed: %s, file %s, line %d\n", #e, __FILE__, __LINE__),       \
            __lb_abort(0)))
#endif
