/* An in-place sort for the runtime: glibc's qsort may call malloc for its
 * temporary buffer, which pool mode forbids, so every sort goes here. */
#ifndef WR_SORT_H
#define WR_SORT_H

#include <stddef.h>

/* Heapsort of n elements of size bytes: O(n log n), no allocation, not
 * stable. cmp as for qsort. */
void rt_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
