/* casevault - helpers of the request and disclosure operations (requtil.h). */
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "ops/requtil.h"
#include "store/index.h"

int cv_text_one_line(const char *s, size_t max)
{
	size_t i, n = s ? strlen(s) : 0, blank = 1;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] != ' ')
			blank = 0;
	}
	return !blank;
}

int cv_text_pick(const char *const names[], int n, const char *s)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

void cv_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
