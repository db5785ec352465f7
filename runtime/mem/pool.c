/* Pool allocator over a caller buffer: a two-level segregated fit (TLSF)
 * with boundary tags. Each block has an 8-byte header in front of it; free
 * blocks also keep their list links at the start of their payload and their
 * size in their last 4 bytes, so that freeing can merge with both neighbours
 * in O(1). Adjacent free blocks never exist: they are merged at once. */
#include "pool.h"

#include <stddef.h>
#include <string.h>

#include "bits.h"

/* ------------------------------------------------------------------------
 * Layout
 * ------------------------------------------------------------------------ */

#define PL_POOL_MAGIC 0x506f6f6cu  /* "Pool" */
#define PL_BLOCK_MAGIC 0xb10c4eadu /* xored with the block's offset */

#define PL_HDR 8u /* sizeof(PoolBlock) */
#define PL_ALIGN_LOG2 (POOL_ALIGN == 16u ? 4u : 3u)
/* Header, two list links and the footer, rounded up to the alignment. */
#define PL_MIN_BLOCK ((PL_HDR + 12u + POOL_ALIGN - 1u) & ~(POOL_ALIGN - 1u))

/* Flags in the low bits of size_flags; sizes are multiples of POOL_ALIGN. */
#define PL_FREE 1u
#define PL_PREV_FREE 2u
#define PL_FLAGS (PL_FREE | PL_PREV_FREE)

/* Size classes: sizes below PL_SMALL map linearly (one list per alignment
 * step); above, each power of two [2^f, 2^(f+1)) is split in PL_SL_COUNT
 * equal ranges. Row 0 holds the small sizes. */
#define PL_SL_LOG2 4u
#define PL_SL_COUNT (1u << PL_SL_LOG2)
#define PL_FL_SHIFT (PL_SL_LOG2 + PL_ALIGN_LOG2)
#define PL_SMALL (1u << PL_FL_SHIFT)
#define PL_FL_COUNT (32u - PL_FL_SHIFT + 1u)

typedef struct PoolBlock {
    uint32_t size_flags; /* bytes of the block, this header included | flags */
    uint32_t check;      /* PL_BLOCK_MAGIC ^ offset; 0 once merged away */
} PoolBlock;

/* At the start of a free block's payload: offsets of list neighbours, 0 = none. */
typedef struct PoolLinks {
    uint32_t next, prev;
} PoolLinks;

/* The control block, at the (aligned) start of the buffer. Blocks are
 * addressed by their header's offset from it, so offset 0 means "none". */
struct Pool {
    uint32_t magic;
    uint32_t total;      /* the size passed to pool_create */
    uint32_t free_bytes; /* sum of free block sizes */
    uint32_t highmark;   /* max of total - free_bytes */
    uint32_t first;      /* offset of the first block */
    uint32_t end;        /* offset of the sentinel: a used block of size 0 */
    uint32_t fl_bitmap;  /* bit fl set: row fl has a non-empty list */
    uint32_t sl_bitmap[PL_FL_COUNT];
    uint32_t heads[PL_FL_COUNT][PL_SL_COUNT];
};

_Static_assert(sizeof(PoolBlock) == PL_HDR, "pool header size");
_Static_assert(POOL_MIN_SIZE >= sizeof(Pool) + 2 * POOL_ALIGN + PL_HDR + 4 * PL_MIN_BLOCK,
               "POOL_MIN_SIZE too small for the control block");

/* ------------------------------------------------------------------------
 * Block helpers
 * ------------------------------------------------------------------------ */

static PoolBlock *pl_at(const Pool *p, uint32_t off)
{
    return (PoolBlock *)((uint8_t *)(uintptr_t)p + off);
}

static uint32_t pl_off(const Pool *p, const PoolBlock *b)
{
    return (uint32_t)((const uint8_t *)b - (const uint8_t *)p);
}

static uint32_t pl_size(const PoolBlock *b)
{
    return b->size_flags & ~PL_FLAGS;
}

static PoolBlock *pl_next(const PoolBlock *b)
{
    return (PoolBlock *)((uint8_t *)(uintptr_t)b + pl_size(b));
}

/* Only meaningful when b has PL_PREV_FREE: reads the predecessor's footer. */
static PoolBlock *pl_prev(const PoolBlock *b)
{
    uint32_t prev_size;

    memcpy(&prev_size, (const uint8_t *)b - 4, 4);
    return (PoolBlock *)((uint8_t *)(uintptr_t)b - prev_size);
}

static PoolLinks *pl_links(const PoolBlock *b)
{
    return (PoolLinks *)(uintptr_t)(b + 1);
}

static void *pl_payload(PoolBlock *b)
{
    return (uint8_t *)b + PL_HDR;
}

/* Block size (header included) for a request, false when it cannot exist. */
static bool pl_block_size_for(uint32_t size, uint32_t *out_size)
{
    uint64_t n = ((uint64_t)size + PL_HDR + POOL_ALIGN - 1) & ~(uint64_t)(POOL_ALIGN - 1);

    if (n > UINT32_MAX)
        return false;
    *out_size = n < PL_MIN_BLOCK ? PL_MIN_BLOCK : (uint32_t)n;
    return true;
}

/* ------------------------------------------------------------------------
 * Size classes and free lists
 * ------------------------------------------------------------------------ */


/* The list (row fl, column sl) that holds free blocks of this size. */
static void pl_mapping(uint32_t size, uint32_t *out_fl, uint32_t *out_sl)
{
    uint32_t f;

    if (size < PL_SMALL) {
        *out_fl = 0;
        *out_sl = size >> PL_ALIGN_LOG2;
        return;
    }
    f = bits_fls(size);
    *out_sl = (size >> (f - PL_SL_LOG2)) ^ PL_SL_COUNT;
    *out_fl = f - PL_FL_SHIFT + 1;
}

static void pl_insert(Pool *p, PoolBlock *b)
{
    uint32_t fl, sl, off = pl_off(p, b);
    PoolLinks *l = pl_links(b);

    pl_mapping(pl_size(b), &fl, &sl);
    l->prev = 0;
    l->next = p->heads[fl][sl];
    if (l->next)
        pl_links(pl_at(p, l->next))->prev = off;
    p->heads[fl][sl] = off;
    p->fl_bitmap |= 1u << fl;
    p->sl_bitmap[fl] |= 1u << sl;
}

static void pl_remove(Pool *p, PoolBlock *b)
{
    uint32_t fl, sl;
    PoolLinks *l = pl_links(b);

    pl_mapping(pl_size(b), &fl, &sl);
    if (l->next)
        pl_links(pl_at(p, l->next))->prev = l->prev;
    if (l->prev) {
        pl_links(pl_at(p, l->prev))->next = l->next;
        return;
    }
    p->heads[fl][sl] = l->next;
    if (l->next)
        return;
    p->sl_bitmap[fl] &= ~(1u << sl);
    if (!p->sl_bitmap[fl])
        p->fl_bitmap &= ~(1u << fl);
}

/* Head of the first non-empty list at or after (fl, sl), 0 if none. */
static uint32_t pl_first_from(const Pool *p, uint32_t fl, uint32_t sl)
{
    uint32_t sl_map = p->sl_bitmap[fl] & (~0u << sl);
    uint32_t fl_map;

    if (!sl_map) {
        fl_map = p->fl_bitmap & (~0u << (fl + 1));
        if (!fl_map)
            return 0;
        fl = bits_ffs(fl_map);
        sl_map = p->sl_bitmap[fl];
    }
    return p->heads[fl][bits_ffs(sl_map)];
}

/* A free block of at least size bytes, 0 if none. First the O(1) good fit:
 * a list whose every block is large enough. When that fails, the request's
 * own list may still hold a large enough block, so near exhaustion we scan
 * it rather than fail while memory is there. */
static uint32_t pl_find(const Pool *p, uint32_t size)
{
    uint64_t rounded = size;
    uint32_t fl, sl, off;

    if (size >= PL_SMALL)
        rounded += ((uint64_t)1 << (bits_fls(size) - PL_SL_LOG2)) - 1;
    if (rounded <= UINT32_MAX) {
        pl_mapping((uint32_t)rounded, &fl, &sl);
        off = pl_first_from(p, fl, sl);
        if (off)
            return off;
    }
    pl_mapping(size, &fl, &sl);
    for (off = p->heads[fl][sl]; off; off = pl_links(pl_at(p, off))->next) {
        if (pl_size(pl_at(p, off)) >= size)
            return off;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Block state changes
 * ------------------------------------------------------------------------ */

static void pl_note_use(Pool *p)
{
    uint32_t used = p->total - p->free_bytes;

    if (used > p->highmark)
        p->highmark = used;
}

/* Takes free block b off its list and marks it used. Its predecessor is
 * used (no two free blocks touch), so the result has no PREV_FREE either. */
static void pl_take(Pool *p, PoolBlock *b)
{
    pl_remove(p, b);
    p->free_bytes -= pl_size(b);
    b->size_flags = pl_size(b);
    pl_next(b)->size_flags &= ~PL_PREV_FREE;
}

/* Makes b (used or new, in no list) free: merges it with free neighbours,
 * whose absorbed headers lose their check so a stale pointer to them is
 * refused, then lists the result and writes its footer. */
static void pl_release(Pool *p, PoolBlock *b)
{
    PoolBlock *n = pl_next(b);
    uint32_t size = pl_size(b);

    p->free_bytes += size;
    if (b->size_flags & PL_PREV_FREE) {
        PoolBlock *prev = pl_prev(b);

        pl_remove(p, prev);
        b->check = 0;
        size += pl_size(prev);
        b = prev;
    }
    if (n->size_flags & PL_FREE) {
        pl_remove(p, n);
        n->check = 0;
        size += pl_size(n);
    }
    b->size_flags = size | PL_FREE;
    b->check = PL_BLOCK_MAGIC ^ pl_off(p, b);
    memcpy((uint8_t *)b + size - 4, &size, 4);
    pl_next(b)->size_flags |= PL_PREV_FREE;
    pl_insert(p, b);
}

/* Shrinks used block b to size bytes when the rest can form a block of its
 * own; the rest is released (and merged with a free successor). */
static void pl_trim(Pool *p, PoolBlock *b, uint32_t size)
{
    uint32_t have = pl_size(b);
    PoolBlock *rest;

    if (have - size < PL_MIN_BLOCK)
        return;
    b->size_flags = size | (b->size_flags & PL_FLAGS);
    rest = pl_next(b);
    rest->size_flags = have - size;
    rest->check = 0;
    pl_release(p, rest);
}

/* Offset of the live block whose payload is ptr, 0 if ptr is anything else. */
static uint32_t pl_live_block(const Pool *p, const void *ptr)
{
    uintptr_t a = (uintptr_t)ptr;
    uintptr_t lo = (uintptr_t)p + p->first + PL_HDR;
    uintptr_t hi = (uintptr_t)p + p->end;
    const PoolBlock *b;
    uint32_t off, size;

    if (a < lo || a >= hi || (a - lo) % POOL_ALIGN)
        return 0;
    off = (uint32_t)(a - PL_HDR - (uintptr_t)p);
    b = pl_at(p, off);
    if (b->check != (PL_BLOCK_MAGIC ^ off) || (b->size_flags & PL_FREE))
        return 0;
    size = pl_size(b);
    if (size < PL_MIN_BLOCK || size % POOL_ALIGN || size > p->end - off)
        return 0;
    return off;
}

/* ------------------------------------------------------------------------
 * Public functions
 * ------------------------------------------------------------------------ */

Pool *pool_create(void *buf, uint32_t size)
{
    uintptr_t start = ((uintptr_t)buf + POOL_ALIGN - 1) & ~(uintptr_t)(POOL_ALIGN - 1);
    uint32_t avail;
    Pool *p;
    PoolBlock *first, *sentinel;

    if (!buf || size < POOL_MIN_SIZE)
        return NULL;
    avail = size - (uint32_t)(start - (uintptr_t)buf);
    p = (Pool *)start;
    memset(p, 0, sizeof *p);
    p->magic = PL_POOL_MAGIC;
    p->total = size;
    /* Headers sit PL_HDR before an aligned address, so payloads are aligned. */
    p->first = ((uint32_t)sizeof(Pool) + PL_HDR + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN;
    p->first -= PL_HDR;
    p->end = avail / POOL_ALIGN * POOL_ALIGN - PL_HDR;
    sentinel = pl_at(p, p->end);
    sentinel->size_flags = 0;
    sentinel->check = 0;
    first = pl_at(p, p->first);
    first->size_flags = p->end - p->first;
    first->check = 0;
    pl_release(p, first);
    p->highmark = p->total - p->free_bytes;
    return p;
}

void *pool_alloc(Pool *p, uint32_t size)
{
    uint32_t need, off;
    PoolBlock *b;

    if (!pl_block_size_for(size, &need))
        return NULL;
    off = pl_find(p, need);
    if (!off)
        return NULL;
    b = pl_at(p, off);
    pl_take(p, b);
    pl_trim(p, b, need);
    pl_note_use(p);
    return pl_payload(b);
}

bool pool_free(Pool *p, void *ptr)
{
    uint32_t off = pl_live_block(p, ptr);

    if (!off)
        return false;
    pl_release(p, pl_at(p, off));
    return true;
}

/* Resizes live block b to need bytes without moving it, if it fits in the
 * block plus a free successor; false (nothing changed) otherwise. */
static bool pl_resize_in_place(Pool *p, PoolBlock *b, uint32_t need)
{
    PoolBlock *n = pl_next(b);
    uint32_t n_size = pl_size(n);

    if (need > pl_size(b)) {
        if (!(n->size_flags & PL_FREE) || pl_size(b) + n_size < need)
            return false;
        pl_take(p, n);
        n->check = 0;
        b->size_flags += n_size;
    }
    pl_trim(p, b, need);
    pl_note_use(p);
    return true;
}

void *pool_realloc(Pool *p, void *ptr, uint32_t size)
{
    uint32_t off, need;
    void *moved;

    if (!ptr)
        return pool_alloc(p, size);
    off = pl_live_block(p, ptr);
    if (!off || !pl_block_size_for(size, &need))
        return NULL;
    if (pl_resize_in_place(p, pl_at(p, off), need))
        return ptr;
    moved = pool_alloc(p, size);
    if (!moved)
        return NULL;
    /* the old block is smaller than need, so its whole payload fits */
    memcpy(moved, ptr, pl_size(pl_at(p, off)) - PL_HDR);
    pl_release(p, pl_at(p, off));
    return moved;
}

uint32_t pool_usable_size(const Pool *p, const void *ptr)
{
    uint32_t off = pl_live_block(p, ptr);

    return off ? pl_size(pl_at(p, off)) - PL_HDR : 0;
}

void pool_stats(const Pool *p, uint32_t *out_total, uint32_t *out_free, uint32_t *out_highmark)
{
    if (out_total)
        *out_total = p->total;
    if (out_free)
        *out_free = p->free_bytes;
    if (out_highmark)
        *out_highmark = p->highmark;
}

/* ------------------------------------------------------------------------
 * Consistency check (tests)
 * ------------------------------------------------------------------------ */

/* Every free list: blocks are free, in the right list, back-linked. */
static bool pl_check_lists(const Pool *p, uint32_t *out_listed)
{
    uint32_t fl, sl, f2, s2, off, prev;
    const PoolBlock *b = NULL;

    *out_listed = 0;
    for (fl = 0; fl < PL_FL_COUNT; fl++) {
        for (sl = 0; sl < PL_SL_COUNT; sl++) {
            bool bit = (p->sl_bitmap[fl] >> sl) & 1u;

            if (bit != (p->heads[fl][sl] != 0))
                return false;
            prev = 0;
            for (off = p->heads[fl][sl]; off; prev = off, off = pl_links(b)->next) {
                b = pl_at(p, off);
                pl_mapping(pl_size(b), &f2, &s2);
                if (!(b->size_flags & PL_FREE) || f2 != fl || s2 != sl ||
                    pl_links(b)->prev != prev)
                    return false;
                (*out_listed)++;
            }
        }
        if (((p->fl_bitmap >> fl) & 1u) != (p->sl_bitmap[fl] != 0))
            return false;
    }
    return true;
}

bool pool_check(const Pool *p)
{
    uint32_t off = p->first, free_sum = 0, n_free = 0, listed, size;
    bool prev_free = false;
    const PoolBlock *b;

    if (p->magic != PL_POOL_MAGIC)
        return false;
    while (off < p->end) {
        b = pl_at(p, off);
        size = pl_size(b);
        if (size < PL_MIN_BLOCK || size % POOL_ALIGN || size > p->end - off ||
            b->check != (PL_BLOCK_MAGIC ^ off) || prev_free != !!(b->size_flags & PL_PREV_FREE))
            return false;
        prev_free = b->size_flags & PL_FREE;
        if (prev_free) {
            uint32_t footer;

            memcpy(&footer, (const uint8_t *)b + size - 4, 4);
            if (footer != size || (b->size_flags & PL_PREV_FREE))
                return false;
            free_sum += size;
            n_free++;
        }
        off += size;
    }
    if (off != p->end || prev_free != !!(pl_at(p, off)->size_flags & PL_PREV_FREE))
        return false;
    return free_sum == p->free_bytes && pl_check_lists(p, &listed) && listed == n_free;
}
