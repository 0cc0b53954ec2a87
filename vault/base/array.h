/*
 * casevault - growable arrays: one way to make room for one more item.
 */
#ifndef CV_BASE_ARRAY_H
#define CV_BASE_ARRAY_H

#include <stddef.h>

/*
 * Make *items (of item_size bytes each, *cap allocated) hold at least n + 1
 * items, doubling from 16; 0, or -1 when out of memory (*items unchanged).
 */
int cv_array_grow(void *items, size_t *cap, size_t n, size_t item_size);

/* cv_array_grow for a typed pointer: CV_ARRAY_GROW(&list, &cap, n). */
#define CV_ARRAY_GROW(pp, capp, n) cv_array_grow((pp), (capp), (n), sizeof(**(pp)))

#endif
