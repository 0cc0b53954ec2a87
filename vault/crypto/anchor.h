/*
 * casevault - the anchor's check value under a section master key
 * (core/grants.c; docs/architecture.md, Keys).  Only computes.
 */
#ifndef CV_CRYPTO_ANCHOR_H
#define CV_CRYPTO_ANCHOR_H

/* HMAC-SHA-256(key, "casevault/anchor/v1\n" vault_id "\n" fpr) in hex; 0, or -1 (libgcrypt). */
int cv_anchor_mac(const unsigned char key[32], const char *vault_id, const char *fpr, char out[65]);
/* SHA-256 of text in hex: a grant statement as a keyslip names it. */
void cv_anchor_digest(const char *text, char out[65]);
/* A fresh random vault id: 32 hex digits. */
void cv_anchor_new_id(char out[33]);

#endif
