#ifndef CV_CRYPTO_PASSWD_H
#define CV_CRYPTO_PASSWD_H

#include "casevault/vault.h"

/*
 * Re-protect every secret key of fpr (the primary key and its subkeys) in
 * the vault's gpg-agent: old must open each (a key it does not open is
 * tried with next, for a change cut short), then each is protected with
 * next and proved with it, the agent's cache forgotten before the proof.
 * CV_EBADPASS when old opens no key; needs CV_INIT_GPGCONF.
 */
int cv_gpg_change_passphrase(cv_vault *v, const char *fpr, const char *old, const char *next);

#endif
