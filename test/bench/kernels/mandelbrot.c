/* mandelbrot: escape-time iteration over a grid of the complex plane in
 * double precision; prints the total iteration count and a hash of the
 * 1-bit image. */
#include <stdint.h>
#include <stdio.h>

#define WIDTH 800
#define HEIGHT 600
#define MAX_ITER 1024

static uint32_t iterate(double cr, double ci)
{
    double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
    uint32_t n = 0;
    while (n < MAX_ITER && zr2 + zi2 <= 4.0) {
        zi = 2 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        zr2 = zr * zr;
        zi2 = zi * zi;
        n++;
    }
    return n;
}

int main(void)
{
    uint64_t total = 0;
    uint32_t hash = 2166136261u, inside = 0;
    for (int y = 0; y < HEIGHT; y++) {
        double ci = -1.2 + 2.4 * y / HEIGHT;
        uint8_t bits = 0;
        for (int x = 0; x < WIDTH; x++) {
            double cr = -2.1 + 3.0 * x / WIDTH;
            uint32_t n = iterate(cr, ci);
            total += n;
            bits = (uint8_t)(bits << 1 | (n == MAX_ITER));
            inside += n == MAX_ITER;
            if ((x & 7) == 7)
                hash = (hash ^ bits) * 16777619u;
        }
    }
    printf("mandelbrot: %dx%d, %llu iterations, %u inside, image 0x%08x\n", WIDTH, HEIGHT,
           (unsigned long long)total, inside, hash);
    return 0;
}
