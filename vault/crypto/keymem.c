/* casevault - secure memory and randomness for key material (keymem.h). */
#include <string.h>
#include <gcrypt.h>

#include "crypto/keymem.h"

void *cv_keymem_alloc(size_t n)
{
	return gcry_malloc_secure(n);
}

void cv_keymem_free(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	gcry_free(p);
}

unsigned char *cv_keymem_new_key(size_t n)
{
	unsigned char *k = gcry_malloc_secure(n);

	if (k)
		gcry_randomize(k, n, GCRY_VERY_STRONG_RANDOM);
	return k;
}
