/* The wasm side of the spawn-thread sample: an array in shared memory and
 * a function summing a slice of it. sum() keeps a buffer on the shadow
 * stack, so every thread needs a stack of its own. */
#define N 100000

static int data[N];

__attribute__((export_name("init_data"))) void init_data(void)
{
    for (int i = 0; i < N; i++)
        data[i] = i % 1000;
}

__attribute__((export_name("sum"))) int sum(int start, int len)
{
    volatile int partial[64];
    int total = 0;
    for (int k = 0; k < 64; k++)
        partial[k] = 0;
    for (int i = start; i < start + len && i < N; i++)
        partial[i & 63] += data[i];
    for (int k = 0; k < 64; k++)
        total += partial[k];
    return total;
}
