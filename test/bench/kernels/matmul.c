/* matmul: dense double-precision matrix multiply C += A * B (i-k-j order),
 * repeated with the result fed back; prints a hash of C's bits. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 200
#define ROUNDS 200

static double a[N][N], b[N][N], c[N][N];

static void multiply_add(void)
{
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            double aik = a[i][k];
            for (int j = 0; j < N; j++)
                c[i][j] += aik * b[k][j];
        }
}

/* feeds C back into A, scaled into [-1, 1] so the values stay bounded */
static void feed_back(void)
{
    double max = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double v = c[i][j] < 0 ? -c[i][j] : c[i][j];
            max = v > max ? v : max;
        }
    double scale = max > 0 ? 1.0 / max : 1.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            a[i][j] = c[i][j] * scale;
}

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)((i * 7 + j * 3) % 17 - 8) / 8.0;
            b[i][j] = (double)((i * 5 + j * 11) % 13 - 6) / 16.0;
        }
    for (int r = 0; r < ROUNDS; r++) {
        multiply_add();
        feed_back();
    }
    uint64_t hash = 0;
    double trace = 0;
    for (int i = 0; i < N; i++) {
        trace += c[i][i];
        for (int j = 0; j < N; j++) {
            uint64_t u;
            memcpy(&u, &c[i][j], sizeof u);
            hash = (hash ^ u) * 0x100000001b3ull;
        }
    }
    printf("matmul: %dx%d x %d, trace %.6e, bits 0x%016llx\n", N, N, ROUNDS, trace,
           (unsigned long long)hash);
    return 0;
}
