/* The demo program: a few exported functions that exercise calls, loops,
 * linear memory, 64-bit integers and floating point, built with Debian's
 * clang for wasm32 without any libc. */

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("fib") int fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static unsigned char composite[1 << 20];

/* Sieve of Eratosthenes in linear memory: the number of primes below n. */
EXPORT("count_primes") int count_primes(int n)
{
    int count = 0;
    if (n > (int)sizeof composite)
        n = sizeof composite;
    for (int i = 0; i < n; i++)
        composite[i] = 0;
    for (int i = 2; i < n; i++) {
        if (composite[i])
            continue;
        count++;
        for (long long j = (long long)i * i; j < n; j += i)
            composite[j] = 1;
    }
    return count;
}

/* 64-bit FNV-1a over the bytes 0..n-1 of a repeating pattern. */
EXPORT("hash64") long long hash64(int n)
{
    unsigned long long h = 0xcbf29ce484222325ull;
    for (int i = 0; i < n; i++) {
        h ^= (unsigned char)(i * 7 + 3);
        h *= 0x100000001b3ull;
    }
    return (long long)h;
}

/* Square root by Newton's method, in double precision. */
EXPORT("newton_sqrt") double newton_sqrt(double x)
{
    double r = x > 1 ? x / 2 : 1;
    for (int i = 0; i < 60; i++)
        r = (r + x / r) / 2;
    return r;
}

/* Integer division: dividing by zero traps, and iwasm reports it. */
EXPORT("divide") int divide(int a, int b)
{
    return a / b;
}
