/* The app of samples/native-lib: each export calls natives that
 * libtest_add.so provides (module "env"). Built with clang --target=wasm32,
 * no libc. */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

extern int32_t test_add(int32_t x, int32_t y);
extern float test_sqrt(float x, float y);
extern int32_t test_scale(int32_t x);
extern int32_t test_greet(const char *name, char *buf, int32_t size);

EXPORT("add") int32_t add(int32_t x, int32_t y)
{
    return test_add(x, y);
}

EXPORT("hypot") float hypot_(float x, float y)
{
    return test_sqrt(x, y);
}

/* test_add(test_scale(x), 1): two natives in one call. */
EXPORT("scale_plus_one") int32_t scale_plus_one(int32_t x)
{
    return test_add(test_scale(x), 1);
}

static char greeting[32];

/* 1 when the native wrote exactly "hello, wasm" into our buffer. */
EXPORT("greet") int32_t greet(void)
{
    static const char expected[] = "hello, wasm";
    int32_t n = test_greet("wasm", greeting, sizeof greeting);
    if (n != (int32_t)sizeof expected - 1)
        return 0;
    for (int32_t i = 0; i <= n; i++) {
        if (greeting[i] != expected[i])
            return 0;
    }
    return 1;
}
