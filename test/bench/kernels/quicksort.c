/* quicksort: sorts arrays of LCG-generated 32-bit integers with a
 * median-of-three quicksort and insertion sort for short runs; then checks
 * the order and folds the result into a checksum. */
#include <stdint.h>
#include <stdio.h>

#define N 400000
#define ROUNDS 10
#define SMALL 16

static int32_t data[N];

static void insertion_sort(int32_t *a, int32_t n)
{
    for (int32_t i = 1; i < n; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, int32_t *b)
{
    int32_t t = *a;
    *a = *b;
    *b = t;
}

/* Recurses on the smaller part and loops on the larger, so the depth stays
 * logarithmic (the wasm stack is small). */
static void quicksort(int32_t *a, int32_t n)
{
    while (n > SMALL) {
        int32_t mid = n / 2, last = n - 1;
        if (a[mid] < a[0])
            swap(&a[mid], &a[0]);
        if (a[last] < a[0])
            swap(&a[last], &a[0]);
        if (a[last] < a[mid])
            swap(&a[last], &a[mid]);
        int32_t pivot = a[mid], i = 0, j = last;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap(&a[i], &a[j]);
            i++, j--;
        }
        /* a[0..j] <= pivot <= a[j+1..n-1] */
        if (j + 1 < n - j - 1) {
            quicksort(a, j + 1);
            a += j + 1, n -= j + 1;
        } else {
            quicksort(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(a, n);
}

int main(void)
{
    uint32_t seed = 42, check = 0;
    for (int r = 0; r < ROUNDS; r++) {
        /* alternate full-range values and many duplicates */
        uint32_t mask = (r & 1) ? 0xffffu : 0xffffffffu;
        for (int32_t i = 0; i < N; i++) {
            seed = seed * 1664525u + 1013904223u;
            data[i] = (int32_t)((seed ^ (seed >> 15)) & mask);
        }
        quicksort(data, N);
        for (int32_t i = 1; i < N; i++)
            if (data[i - 1] > data[i]) {
                printf("quicksort: not sorted at %d\n", i);
                return 1;
            }
        for (int32_t i = 0; i < N; i += 997)
            check = check * 31 + (uint32_t)data[i];
    }
    printf("quicksort: %d x %d ints, min %d, max %d, check 0x%08x\n", ROUNDS, N, data[0],
           data[N - 1], check);
    return 0;
}
