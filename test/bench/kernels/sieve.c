/* sieve: sieve of Eratosthenes over a byte array, repeated; a simple
 * memory-streaming kernel with strided stores. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LIMIT 4000000
#define ROUNDS 60

static uint8_t composite[LIMIT + 1];

/* Returns the number of primes <= limit and the sum of them (mod 2^32). */
static uint32_t sieve(uint32_t limit, uint32_t *out_sum)
{
    uint32_t count = 0, sum = 0;
    memset(composite, 0, limit + 1);
    for (uint32_t i = 2; i * i <= limit; i++)
        if (!composite[i])
            for (uint32_t j = i * i; j <= limit; j += i)
                composite[j] = 1;
    for (uint32_t i = 2; i <= limit; i++)
        if (!composite[i]) {
            count++;
            sum += i;
        }
    *out_sum = sum;
    return count;
}

int main(void)
{
    uint32_t check = 0, count = 0, sum = 0;
    for (uint32_t r = 0; r < ROUNDS; r++) {
        /* vary the limit so no round can be reused from the previous one */
        count = sieve(LIMIT - r * 1000, &sum);
        check = check * 31 + count + sum;
    }
    printf("sieve: %u primes <= %u, sum %u, check 0x%08x\n", count,
           LIMIT - (ROUNDS - 1) * 1000, sum, check);
    return 0;
}
