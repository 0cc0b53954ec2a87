/* casevault - lower-case hexadecimal (see hex.h). */
#include "base/hex.h"

static const char digits[] = "0123456789abcdef";

void cv_hex_encode(const void *buf, size_t len, char *out)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;  /* upper case too: the vault only ever writes lower case */
}

int cv_hex_decode(const char *hex, size_t len, void *out)
{
	unsigned char *p = out;
	size_t i;

	for (i = 0; i < len; i++) {
		int hi = nibble(hex[2 * i]), lo = hi < 0 ? -1 : nibble(hex[2 * i + 1]);

		if (lo < 0)
			return -1;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
