/* hashtab: an open-addressing hash table (linear probing, backward-shift
 * deletion) of 32-bit keys: each round inserts LCG keys, looks up as many
 * (about a fifth are present) and deletes them all again; prints counts and a
 * checksum. */
#include <stdint.h>
#include <stdio.h>

#define LOG2_SLOTS 20
#define SLOTS (1u << LOG2_SLOTS)
#define MASK (SLOTS - 1)
#define KEYS 600000 /* about 530,000 distinct: half the slots */
#define ROUNDS 7
#define EMPTY 0u    /* key 0 is never stored */

static uint32_t keys[SLOTS];
static uint32_t values[SLOTS];
static uint32_t used;

static uint32_t hash32(uint32_t k)
{
    k ^= k >> 16;
    k *= 0x7feb352du;
    k ^= k >> 15;
    k *= 0x846ca68bu;
    return (k ^ (k >> 16)) & MASK;
}

/* adds value to key's entry, creating it at 0 */
static void table_add(uint32_t key, uint32_t value)
{
    uint32_t i = hash32(key);
    while (keys[i] != EMPTY && keys[i] != key)
        i = (i + 1) & MASK;
    if (keys[i] == EMPTY) {
        keys[i] = key;
        values[i] = 0;
        used++;
    }
    values[i] += value;
}

/* the slot holding key, or SLOTS */
static uint32_t table_find(uint32_t key)
{
    for (uint32_t i = hash32(key);; i = (i + 1) & MASK) {
        if (keys[i] == key)
            return i;
        if (keys[i] == EMPTY)
            return SLOTS;
    }
}

/* removes slot i and shifts later members of its probe run back */
static void table_remove(uint32_t i)
{
    for (uint32_t j = (i + 1) & MASK; keys[j] != EMPTY; j = (j + 1) & MASK) {
        uint32_t home = hash32(keys[j]);
        /* move j into the hole at i unless its home lies cyclically in (i, j] */
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            keys[i] = keys[j];
            values[i] = values[j];
            i = j;
        }
    }
    keys[i] = EMPTY;
    used--;
}

static uint32_t key_of(uint32_t *seed, uint32_t range)
{
    *seed = *seed * 1664525u + 1013904223u;
    return 1 + (*seed >> 4) % range;
}

int main(void)
{
    uint32_t found = 0, removed = 0, check = 0;
    for (int r = 0; r < ROUNDS; r++) {
        uint32_t seed = 99 + (uint32_t)r;
        for (uint32_t i = 0; i < KEYS; i++)
            table_add(key_of(&seed, 4 * KEYS), i);
        /* look up keys from the same range: about a fifth are present */
        for (uint32_t i = 0; i < KEYS; i++) {
            uint32_t slot = table_find(key_of(&seed, 4 * KEYS));
            if (slot != SLOTS) {
                found++;
                check = check * 31 + values[slot];
            }
        }
        /* remove the keys that hold a multiple of three, then all the rest,
         * replaying the insertion sequence */
        for (int pass = 0; pass < 2; pass++) {
            uint32_t replay = 99 + (uint32_t)r;
            for (uint32_t i = 0; i < KEYS; i++) {
                uint32_t slot = table_find(key_of(&replay, 4 * KEYS));
                if (slot != SLOTS && (pass == 1 || values[slot] % 3 == 0)) {
                    check = check * 31 + values[slot];
                    table_remove(slot);
                    removed++;
                }
            }
            check = check * 31 + used;
        }
    }
    printf("hashtab: %u found, %u removed, %u left, check 0x%08x\n", found, removed, used,
           check);
    return 0;
}
