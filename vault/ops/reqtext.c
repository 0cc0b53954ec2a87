/* casevault - text helpers of the request and disclosure operations (reqtext.h). */
#include <stdlib.h>
#include <string.h>

#include "ops/reqtext.h"

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

void cv_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
