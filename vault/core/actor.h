/*
 * casevault - the acting staff member and the keys their keyslip unlocks.
 */
#ifndef CV_CORE_ACTOR_H
#define CV_CORE_ACTOR_H

#include "base/handle.h"

/* The actor proves their key (unlock, or a signature if they hold no keyslip). */
int cv_prove_actor(cv_vault *v);
/* Unlock, then the master key of s must be one the actor holds. */
int cv_require_key(cv_vault *v, cv_section s);
/* Archive keys wrapped under the master key of s (crypto/keywrap.c). */
int cv_keys_wrap(cv_vault *v, cv_section s, const char *file, const char *key_hex, char **wrapped, int *gen);
/* A wrap that fails its integrity check is CV_ECORRUPT, naming the archive file. */
int cv_keys_unwrap(cv_vault *v, cv_section s, int gen, const char *file, const char *wrapped,
		   char out_hex[CV_KEY_HEX + 1]);

#endif
