/*
 * casevault - memory for key material: section master keys and decrypted
 * keyslips live in libgcrypt's secure (locked, wiped) memory, and new
 * master keys and wrap nonces come from its random pool
 * (docs/architecture.md, Keys).
 */
#ifndef CV_CRYPTO_KEYMEM_H
#define CV_CRYPTO_KEYMEM_H

#include <stddef.h>

/* n bytes of secure memory, or NULL. */
void *cv_keymem_alloc(size_t n);
/* Wipe n bytes of p and free it (p from cv_keymem_alloc; NULL is fine). */
void cv_keymem_free(void *p, size_t n);
/* A new random master key of n bytes in secure memory (very strong random), or NULL. */
unsigned char *cv_keymem_new_key(size_t n);

#endif
