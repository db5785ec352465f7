/* App heap allocator with out-of-band metadata. Blocks tile the heap range in
 * address order; each has a record (AhBlock) in a growable array, linked to
 * its address neighbours for O(1) merging. Free blocks sit in TLSF-style
 * segregated lists (two-level bitmap, O(1) search, as in pool.c); live blocks
 * are found by offset through an open-addressing hash. Nothing here depends
 * on the contents of linear memory. */
#include "app_heap.h"

#include <stddef.h>
#include <string.h>

#include "bits.h"
#include "mem.h"
#include "platform/os.h"

#define AH_NIL UINT32_MAX
#define AH_GRAIN 8u
#define AH_GRAIN_LOG2 3u
/* The highest usable end: block ends must fit in uint32_t. */
#define AH_LIMIT 0xFFFFFFF8u
#define AH_INITIAL_RECORDS 16u
#define AH_INITIAL_SLOTS 16u
#define AH_INITIAL_SLOTS_LOG2 4u

/* Size classes as in pool.c: linear below AH_SMALL, then each power of two
 * split in AH_SL_COUNT ranges. */
#define AH_SL_LOG2 4u
#define AH_SL_COUNT (1u << AH_SL_LOG2)
#define AH_FL_SHIFT (AH_SL_LOG2 + AH_GRAIN_LOG2)
#define AH_SMALL (1u << AH_FL_SHIFT)
#define AH_FL_COUNT (32u - AH_FL_SHIFT + 1u)

typedef struct AhBlock {
    uint32_t off, size;            /* [off, off + size) of linear memory */
    uint32_t prev, next;           /* address neighbours, AH_NIL at the ends */
    uint32_t free_prev, free_next; /* free list links; free_next also chains spare records */
    bool is_free;
} AhBlock;

struct AppHeap {
    os_mutex lock;
    uint32_t lo, hi; /* the managed range [lo, hi) */
    uint32_t free_bytes, highmark;
    uint32_t head; /* record of the lowest block, AH_NIL if the heap is empty */

    AhBlock *blocks; /* records, indexed by uint32_t; owned */
    uint32_t rec_cap, rec_count;
    uint32_t spare; /* chain of unused records below rec_count */

    /* Live blocks by offset: record index + 1, 0 = empty slot; owned. */
    uint32_t *slots;
    uint32_t slot_count, slot_shift, live;

    uint32_t fl_bitmap;
    uint32_t sl_bitmap[AH_FL_COUNT];
    uint32_t heads[AH_FL_COUNT][AH_SL_COUNT]; /* record indices, AH_NIL = empty */
};

/* ------------------------------------------------------------------------
 * Records
 * ------------------------------------------------------------------------ */

/* Makes sure one record can be taken without allocating. */
static bool ah_reserve_record(AppHeap *h)
{
    size_t bytes = (size_t)h->rec_cap * 2 * sizeof(AhBlock);
    AhBlock *grown;

    if (h->spare != AH_NIL || h->rec_count < h->rec_cap)
        return true;
    /* the division catches a size_t overflow on 32-bit hosts */
    if (h->rec_cap >= UINT32_MAX / 2 || bytes / sizeof(AhBlock) / 2 != h->rec_cap)
        return false;
    grown = mem_realloc(h->blocks, bytes);
    if (!grown)
        return false;
    h->blocks = grown;
    h->rec_cap *= 2;
    return true;
}

/* A record for [off, off + size), placed after `after` in address order
 * (AH_NIL: first). Needs a prior ah_reserve_record. */
static uint32_t ah_record_new(AppHeap *h, uint32_t after, uint32_t off, uint32_t size)
{
    uint32_t i = h->spare;
    AhBlock *b;

    if (i != AH_NIL)
        h->spare = h->blocks[i].free_next;
    else
        i = h->rec_count++;
    b = &h->blocks[i];
    b->off = off;
    b->size = size;
    b->is_free = false;
    b->prev = after;
    b->next = after == AH_NIL ? AH_NIL : h->blocks[after].next;
    if (after != AH_NIL)
        h->blocks[after].next = i;
    if (b->next != AH_NIL)
        h->blocks[b->next].prev = i;
    return i;
}

/* Unlinks record i from the address order and recycles it. */
static void ah_record_drop(AppHeap *h, uint32_t i)
{
    AhBlock *b = &h->blocks[i];

    if (b->prev != AH_NIL)
        h->blocks[b->prev].next = b->next;
    if (b->next != AH_NIL)
        h->blocks[b->next].prev = b->prev;
    b->free_next = h->spare;
    h->spare = i;
}

/* ------------------------------------------------------------------------
 * Live blocks by offset (linear probing, backward-shift deletion)
 * ------------------------------------------------------------------------ */

static uint32_t ah_hash(const AppHeap *h, uint32_t off)
{
    return ((off >> AH_GRAIN_LOG2) * 0x9E3779B1u) >> h->slot_shift;
}

/* The slot holding the live block at off, AH_NIL if none. */
static uint32_t ah_slot_of(const AppHeap *h, uint32_t off)
{
    uint32_t mask = h->slot_count - 1, i = ah_hash(h, off), s;

    while ((s = h->slots[i]) != 0) {
        if (h->blocks[s - 1].off == off)
            return i;
        i = (i + 1) & mask;
    }
    return AH_NIL;
}

static uint32_t ah_live_record(const AppHeap *h, uint32_t off)
{
    uint32_t slot = ah_slot_of(h, off);

    return slot == AH_NIL ? AH_NIL : h->slots[slot] - 1;
}

static void ah_hash_put(AppHeap *h, uint32_t rec)
{
    uint32_t mask = h->slot_count - 1, i = ah_hash(h, h->blocks[rec].off);

    while (h->slots[i])
        i = (i + 1) & mask;
    h->slots[i] = rec + 1;
    h->live++;
}

/* Removes the entry in slot i, shifting later entries of the same probe run
 * back so that lookups never stop early at the hole. */
static void ah_hash_del(AppHeap *h, uint32_t i)
{
    uint32_t mask = h->slot_count - 1, j = i, k;

    for (;;) {
        j = (j + 1) & mask;
        if (!h->slots[j])
            break;
        k = ah_hash(h, h->blocks[h->slots[j] - 1].off);
        /* the entry at j may move to i unless its home k lies in (i, j] */
        if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
            h->slots[i] = h->slots[j];
            i = j;
        }
    }
    h->slots[i] = 0;
    h->live--;
}

/* Makes sure one more entry keeps the load at most 3/4. */
static bool ah_reserve_slot(AppHeap *h)
{
    uint32_t *old = h->slots, old_count = h->slot_count, i;

    if ((uint64_t)(h->live + 1) * 4 <= (uint64_t)h->slot_count * 3)
        return true;
    if (h->slot_count >= (1u << 30))
        return false;
    h->slots = mem_calloc((size_t)old_count * 2, sizeof *h->slots);
    if (!h->slots) {
        h->slots = old;
        return false;
    }
    h->slot_count = old_count * 2;
    h->slot_shift--;
    h->live = 0;
    for (i = 0; i < old_count; i++) {
        if (old[i])
            ah_hash_put(h, old[i] - 1);
    }
    mem_free(old);
    return true;
}

/* ------------------------------------------------------------------------
 * Free lists
 * ------------------------------------------------------------------------ */


static void ah_mapping(uint32_t size, uint32_t *out_fl, uint32_t *out_sl)
{
    uint32_t f;

    if (size < AH_SMALL) {
        *out_fl = 0;
        *out_sl = size >> AH_GRAIN_LOG2;
        return;
    }
    f = bits_fls(size);
    *out_sl = (size >> (f - AH_SL_LOG2)) ^ AH_SL_COUNT;
    *out_fl = f - AH_FL_SHIFT + 1;
}

static void ah_list_insert(AppHeap *h, uint32_t i)
{
    AhBlock *b = &h->blocks[i];
    uint32_t fl, sl;

    ah_mapping(b->size, &fl, &sl);
    b->is_free = true;
    b->free_prev = AH_NIL;
    b->free_next = h->heads[fl][sl];
    if (b->free_next != AH_NIL)
        h->blocks[b->free_next].free_prev = i;
    h->heads[fl][sl] = i;
    h->fl_bitmap |= 1u << fl;
    h->sl_bitmap[fl] |= 1u << sl;
}

/* Takes free block i off its list; it stays marked free. */
static void ah_list_remove(AppHeap *h, uint32_t i)
{
    AhBlock *b = &h->blocks[i];
    uint32_t fl, sl;

    ah_mapping(b->size, &fl, &sl);
    if (b->free_next != AH_NIL)
        h->blocks[b->free_next].free_prev = b->free_prev;
    if (b->free_prev != AH_NIL) {
        h->blocks[b->free_prev].free_next = b->free_next;
        return;
    }
    h->heads[fl][sl] = b->free_next;
    if (b->free_next != AH_NIL)
        return;
    h->sl_bitmap[fl] &= ~(1u << sl);
    if (!h->sl_bitmap[fl])
        h->fl_bitmap &= ~(1u << fl);
}

/* Head of the first non-empty list at or after (fl, sl), AH_NIL if none. */
static uint32_t ah_first_from(const AppHeap *h, uint32_t fl, uint32_t sl)
{
    uint32_t sl_map = h->sl_bitmap[fl] & (~0u << sl);
    uint32_t fl_map;

    if (!sl_map) {
        fl_map = h->fl_bitmap & (~0u << (fl + 1));
        if (!fl_map)
            return AH_NIL;
        fl = bits_ffs(fl_map);
        sl_map = h->sl_bitmap[fl];
    }
    return h->heads[fl][bits_ffs(sl_map)];
}

/* A free block of at least size bytes, AH_NIL if none: the O(1) good fit
 * first, then, near exhaustion, a scan of the request's own list. */
static uint32_t ah_find_free(const AppHeap *h, uint32_t size)
{
    uint64_t rounded = size;
    uint32_t fl, sl, i;

    if (size >= AH_SMALL)
        rounded += ((uint64_t)1 << (bits_fls(size) - AH_SL_LOG2)) - 1;
    if (rounded <= UINT32_MAX) {
        ah_mapping((uint32_t)rounded, &fl, &sl);
        i = ah_first_from(h, fl, sl);
        if (i != AH_NIL)
            return i;
    }
    ah_mapping(size, &fl, &sl);
    for (i = h->heads[fl][sl]; i != AH_NIL; i = h->blocks[i].free_next) {
        if (h->blocks[i].size >= size)
            return i;
    }
    return AH_NIL;
}

/* ------------------------------------------------------------------------
 * Block state changes
 * ------------------------------------------------------------------------ */

static void ah_note_use(AppHeap *h)
{
    uint32_t used = (h->hi - h->lo) - h->free_bytes;

    if (used > h->highmark)
        h->highmark = used;
}

/* Rounded block size for a request; false when it passes 4 GiB. */
static bool ah_round(uint32_t size, uint32_t *out_size)
{
    uint64_t n = ((uint64_t)size + AH_GRAIN - 1) & ~(uint64_t)(AH_GRAIN - 1);

    if (n > UINT32_MAX)
        return false;
    *out_size = n ? (uint32_t)n : AH_GRAIN;
    return true;
}

/* Makes live or new block i free, merging it with free neighbours. */
static void ah_release(AppHeap *h, uint32_t i)
{
    uint32_t prev = h->blocks[i].prev, next = h->blocks[i].next;

    if (next != AH_NIL && h->blocks[next].is_free) {
        ah_list_remove(h, next);
        h->blocks[i].size += h->blocks[next].size;
        ah_record_drop(h, next);
    }
    if (prev != AH_NIL && h->blocks[prev].is_free) {
        ah_list_remove(h, prev);
        h->blocks[prev].size += h->blocks[i].size;
        ah_record_drop(h, i);
        i = prev;
    }
    ah_list_insert(h, i);
}

/* Cuts live block i to keep bytes; the tail becomes free. A free successor
 * simply grows down over it; otherwise the tail needs a record, and if none
 * can be had the block just stays larger (still correct). */
static void ah_give_back(AppHeap *h, uint32_t i, uint32_t keep)
{
    uint32_t tail = h->blocks[i].size - keep, next = h->blocks[i].next, t;

    if (!tail)
        return;
    if (next != AH_NIL && h->blocks[next].is_free) {
        ah_list_remove(h, next);
        h->blocks[next].off -= tail;
        h->blocks[next].size += tail;
        ah_list_insert(h, next);
    } else {
        if (!ah_reserve_record(h))
            return;
        t = ah_record_new(h, i, h->blocks[i].off + keep, tail);
        ah_list_insert(h, t);
    }
    h->blocks[i].size = keep;
    h->free_bytes += tail;
}

/* Grows or shrinks live block i to need bytes without moving it; false
 * (nothing changed) when the free successor, if any, is too small. */
static bool ah_resize_in_place(AppHeap *h, uint32_t i, uint32_t need)
{
    uint32_t next = h->blocks[i].next, grow;

    if (need <= h->blocks[i].size) {
        ah_give_back(h, i, need);
        return true;
    }
    grow = need - h->blocks[i].size;
    if (next == AH_NIL || !h->blocks[next].is_free || h->blocks[next].size < grow)
        return false;
    ah_list_remove(h, next);
    if (h->blocks[next].size == grow) {
        ah_record_drop(h, next);
    } else {
        h->blocks[next].off += grow;
        h->blocks[next].size -= grow;
        ah_list_insert(h, next);
    }
    h->blocks[i].size = need;
    h->free_bytes -= grow;
    ah_note_use(h);
    return true;
}

/* ------------------------------------------------------------------------
 * Operations (called with the lock held)
 * ------------------------------------------------------------------------ */

static uint32_t ah_alloc(AppHeap *h, uint32_t size)
{
    uint32_t need, i;

    /* reserve first, so that a metadata failure leaves the heap untouched */
    if (!ah_round(size, &need) || !ah_reserve_record(h) || !ah_reserve_slot(h))
        return 0;
    i = ah_find_free(h, need);
    if (i == AH_NIL)
        return 0;
    ah_list_remove(h, i);
    h->blocks[i].is_free = false;
    h->free_bytes -= h->blocks[i].size;
    ah_give_back(h, i, need);
    ah_hash_put(h, i);
    ah_note_use(h);
    return h->blocks[i].off;
}

static bool ah_free(AppHeap *h, uint32_t off)
{
    uint32_t slot = ah_slot_of(h, off), i;

    if (slot == AH_NIL)
        return false;
    i = h->slots[slot] - 1;
    ah_hash_del(h, slot);
    h->free_bytes += h->blocks[i].size;
    ah_release(h, i);
    return true;
}

static uint32_t ah_realloc(AppHeap *h, uint8_t *mem_base, uint32_t off, uint32_t size)
{
    uint32_t i, need, moved;

    if (!off)
        return ah_alloc(h, size);
    i = ah_live_record(h, off);
    if (i == AH_NIL || !ah_round(size, &need))
        return 0;
    if (ah_resize_in_place(h, i, need))
        return off;
    moved = ah_alloc(h, size);
    if (!moved)
        return 0;
    /* record i still describes the old block; it is smaller than need */
    memcpy(mem_base + moved, mem_base + off, h->blocks[i].size);
    ah_free(h, off);
    return moved;
}

/* ------------------------------------------------------------------------
 * Public functions
 * ------------------------------------------------------------------------ */

/* The lock guards against concurrent callers; taking it in a query does not
 * change the heap, so const callers may lock too. */
static os_mutex *ah_lock(const AppHeap *h)
{
    return (os_mutex *)(uintptr_t)&h->lock;
}

static void ah_init_lists(AppHeap *h)
{
    uint32_t fl, sl;

    for (fl = 0; fl < AH_FL_COUNT; fl++) {
        for (sl = 0; sl < AH_SL_COUNT; sl++)
            h->heads[fl][sl] = AH_NIL;
    }
}

AppHeap *app_heap_create(uint32_t base, uint32_t size)
{
    uint64_t lo = ((uint64_t)base + AH_GRAIN - 1) & ~(uint64_t)(AH_GRAIN - 1);
    uint64_t hi = ((uint64_t)base + size) & ~(uint64_t)(AH_GRAIN - 1);
    AppHeap *h = NULL;

    if ((uint64_t)base + size > (uint64_t)UINT32_MAX + 1)
        goto fail;
    lo = lo ? lo : AH_GRAIN;
    hi = hi > AH_LIMIT ? AH_LIMIT : hi;
    hi = hi < lo ? lo : hi;
    h = mem_calloc(1, sizeof *h);
    if (!h)
        goto fail;
    h->blocks = mem_alloc(AH_INITIAL_RECORDS * sizeof *h->blocks);
    h->slots = mem_calloc(AH_INITIAL_SLOTS, sizeof *h->slots);
    if (!h->blocks || !h->slots || !os_mutex_init(&h->lock))
        goto fail;
    h->lo = (uint32_t)lo;
    h->hi = (uint32_t)hi;
    h->rec_cap = AH_INITIAL_RECORDS;
    h->spare = AH_NIL;
    h->slot_count = AH_INITIAL_SLOTS;
    h->slot_shift = 32 - AH_INITIAL_SLOTS_LOG2;
    h->head = AH_NIL;
    ah_init_lists(h);
    if (hi > lo) {
        h->head = ah_record_new(h, AH_NIL, h->lo, h->hi - h->lo);
        h->free_bytes = h->hi - h->lo;
        ah_list_insert(h, h->head);
    }
    return h;

fail:
    if (h) {
        mem_free(h->blocks);
        mem_free(h->slots);
    }
    mem_free(h);
    return NULL;
}

void app_heap_destroy(AppHeap *h)
{
    if (!h)
        return;
    os_mutex_destroy(&h->lock);
    mem_free(h->blocks);
    mem_free(h->slots);
    mem_free(h);
}

uint32_t app_heap_alloc(AppHeap *h, uint32_t size)
{
    uint32_t off;

    os_mutex_lock(&h->lock);
    off = ah_alloc(h, size);
    os_mutex_unlock(&h->lock);
    return off;
}

bool app_heap_free(AppHeap *h, uint32_t offset)
{
    bool ok;

    os_mutex_lock(&h->lock);
    ok = ah_free(h, offset);
    os_mutex_unlock(&h->lock);
    return ok;
}

uint32_t app_heap_realloc(AppHeap *h, uint8_t *mem_base, uint32_t offset, uint32_t size)
{
    uint32_t off;

    os_mutex_lock(&h->lock);
    off = ah_realloc(h, mem_base, offset, size);
    os_mutex_unlock(&h->lock);
    return off;
}

uint32_t app_heap_block_size(const AppHeap *h, uint32_t offset)
{
    uint32_t i, size;

    os_mutex_lock(ah_lock(h));
    i = ah_live_record(h, offset);
    size = i == AH_NIL ? 0 : h->blocks[i].size;
    os_mutex_unlock(ah_lock(h));
    return size;
}

void app_heap_stats(const AppHeap *h, uint32_t *out_total, uint32_t *out_free,
                    uint32_t *out_highmark)
{
    os_mutex_lock(ah_lock(h));
    if (out_total)
        *out_total = h->hi - h->lo;
    if (out_free)
        *out_free = h->free_bytes;
    if (out_highmark)
        *out_highmark = h->highmark;
    os_mutex_unlock(ah_lock(h));
}

/* ------------------------------------------------------------------------
 * Consistency check (tests)
 * ------------------------------------------------------------------------ */

/* Free lists: right list, back-linked, bitmaps matching; counts entries. */
static bool ah_check_lists(const AppHeap *h, uint32_t *out_listed)
{
    uint32_t fl, sl, f2, s2, i, prev;

    *out_listed = 0;
    for (fl = 0; fl < AH_FL_COUNT; fl++) {
        for (sl = 0; sl < AH_SL_COUNT; sl++) {
            if (((h->sl_bitmap[fl] >> sl) & 1u) != (h->heads[fl][sl] != AH_NIL))
                return false;
            prev = AH_NIL;
            for (i = h->heads[fl][sl]; i != AH_NIL; prev = i, i = h->blocks[i].free_next) {
                ah_mapping(h->blocks[i].size, &f2, &s2);
                if (!h->blocks[i].is_free || f2 != fl || s2 != sl ||
                    h->blocks[i].free_prev != prev)
                    return false;
                (*out_listed)++;
            }
        }
        if (((h->fl_bitmap >> fl) & 1u) != (h->sl_bitmap[fl] != 0))
            return false;
    }
    return true;
}

/* Address order: blocks tile [lo, hi), no two free ones touch, every live
 * one is in the hash. */
static bool ah_check_blocks(const AppHeap *h, uint32_t *out_free, uint32_t *out_n_free,
                            uint32_t *out_n_live)
{
    uint32_t at = h->lo, prev = AH_NIL, i;
    bool prev_free = false;

    *out_free = *out_n_free = *out_n_live = 0;
    for (i = h->head; i != AH_NIL; prev = i, i = h->blocks[i].next) {
        const AhBlock *b = &h->blocks[i];

        if (b->off != at || !b->size || b->size % AH_GRAIN || b->prev != prev ||
            b->size > h->hi - at || (prev_free && b->is_free))
            return false;
        if (b->is_free) {
            *out_free += b->size;
            (*out_n_free)++;
        } else if (ah_live_record(h, b->off) != i) {
            return false;
        } else {
            (*out_n_live)++;
        }
        prev_free = b->is_free;
        at += b->size;
    }
    return at == h->hi;
}

bool app_heap_check(const AppHeap *h)
{
    uint32_t free_sum, n_free, n_live, listed;
    bool ok;

    os_mutex_lock(ah_lock(h));
    ok = ah_check_blocks(h, &free_sum, &n_free, &n_live) && free_sum == h->free_bytes &&
         n_live == h->live && ah_check_lists(h, &listed) && listed == n_free;
    os_mutex_unlock(ah_lock(h));
    return ok;
}
