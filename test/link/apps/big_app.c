/* A ~100 KB app for the install-time measurement (link-measure): many small
 * distinct functions reached through a table, so the loader validates and
 * translates real code, not a data blob. Its on_init calls each once. */
#define EXPORT(name) __attribute__((export_name(name)))

#define F(n)                                                                                  \
    static int f##n(int x)                                                                    \
    {                                                                                         \
        int a = x * (n + 1);                                                                  \
        for (int i = 0; i < (x & 7); i++) {                                                   \
            a ^= a << 3;                                                                      \
            a += i * n;                                                                       \
            a = a * 31 + 7;                                                                   \
        }                                                                                     \
        if (a & 1)                                                                            \
            a += x / (n + 1);                                                                 \
        else                                                                                  \
            a -= x % (n + 3);                                                                 \
        switch (a & 3) {                                                                      \
        case 0: a += n; break;                                                                \
        case 1: a -= n * 3; break;                                                            \
        case 2: a ^= n; break;                                                                \
        default: a = ~a;                                                                      \
        }                                                                                     \
        return a;                                                                             \
    }
#define F10(n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) F(n##5) F(n##6) F(n##7) F(n##8) F(n##9)
#define F100(n) F10(n##0) F10(n##1) F10(n##2) F10(n##3) F10(n##4) F10(n##5) F10(n##6) \
    F10(n##7) F10(n##8) F10(n##9)
#define R(n) f##n,
#define R10(n) R(n##0) R(n##1) R(n##2) R(n##3) R(n##4) R(n##5) R(n##6) R(n##7) R(n##8) R(n##9)
#define R100(n) R10(n##0) R10(n##1) R10(n##2) R10(n##3) R10(n##4) R10(n##5) R10(n##6) \
    R10(n##7) R10(n##8) R10(n##9)

F100(1) F100(2) F100(3) F10(40) F10(41) F10(42) F10(43)

static int (*const table[])(int) = {R100(1) R100(2) R100(3) R10(40) R10(41) R10(42) R10(43)};

volatile int big_app_sum;

EXPORT("on_init") void on_init(void);
void on_init(void)
{
    int sum = 0;

    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        sum += table[i]((int)i);
    big_app_sum = sum;
}
