/* casevault - growable arrays (array.h). */
#include <stdlib.h>
#include <string.h>

#include "base/array.h"

int cv_array_grow(void *items, size_t *cap, size_t n, size_t item_size)
{
	void **pp = items, *p;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	while (want <= n)
		want *= 2;
	p = reallocarray(*pp, want, item_size);
	if (!p)
		return -1;
	*pp = p;
	*cap = want;
	return 0;
}
