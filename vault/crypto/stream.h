/*
 * casevault - symmetric OpenPGP encryption of a byte stream under an archive
 * key (GPGME), for archive files (store/archive.c) and encryption helpers.
 */
#ifndef CV_CRYPTO_STREAM_H
#define CV_CRYPTO_STREAM_H

#include <stdint.h>
#include "base/handle.h"

/*
 * Encrypt everything read from in_fd (to its end) into out_fd under key_hex;
 * out_size and out_sha describe the ciphertext written.  No fsync.  key_hex
 * NULL: gpg reads the key itself (an encryption helper's home, helper.c).
 */
int cv_archive_encrypt_stream(cv_vault *v, const char *key_hex, int in_fd, int out_fd,
			      int64_t *out_size, char out_sha[65]);

/*
 * Decrypt the file at in_fd (from its start) under key_hex into out_fd,
 * hashing the ciphertext read into out_sha (may be NULL).  CV_ECORRUPT when
 * decryption or the integrity check fails.
 */
int cv_archive_decrypt_stream(cv_vault *v, const char *key_hex, int in_fd, int out_fd,
			      char out_sha[65]);

#endif
