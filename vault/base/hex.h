/*
 * casevault - lower-case hexadecimal, the one form in which the vault writes
 * keys, nonces and hashes into the index and its files.
 */
#ifndef CV_BASE_HEX_H
#define CV_BASE_HEX_H

#include <stddef.h>




/* out gets 2*len lower-case hex digits and a NUL. */
void cv_hex_encode(const void *buf, size_t len, char *out);
/* Exactly 2*len lower-case hex digits into len bytes; 0, or -1 (out unspecified). */
int cv_hex_decode(const char *hex, size_t len, void *out);

#endif
