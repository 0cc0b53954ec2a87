/*
 * casevault - shortening a title between words (textcut.h).
 */
#include "base/textcut.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_trail(char c)
{
	return is_space(c) || c == ',' || c == ';' || c == ':' || c == '-' || c == '(' || c == '/';
}

size_t cv_text_cut_word(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	/* s[max] is the first byte cut off: a space there ends a whole word at max */
	for (n = max + 1; n > 0 && !is_space(s[n - 1]); n--)
		;
	if (n == 0)
		return 0;
	while (n > 0 && is_trail(s[n - 1]))
		n--;
	return n;
}
