/*
 * casevault - every GPGME call lives in crypto/: OpenPGP keys, messages,
 * signatures and the agent (docs/architecture.md, Layers).
 */
#ifndef CV_CRYPTO_GPG_H
#define CV_CRYPTO_GPG_H

#include <gpgme.h>
#include "base/handle.h"
#include "crypto/gpg.h"

typedef struct cv_pass_ctx cv_pass_ctx;
int cv_gpg_home(cv_vault *v);  /* make v's GNUPGHOME the process default */
int cv_gpg_ctx(cv_vault *v, gpgme_ctx_t *out, int armor);
/* Use a fixed secret (an archive or master key) as passphrase, loopback. */
void cv_gpg_use_secret(gpgme_ctx_t ctx, const char *secret);
/* Route passphrase prompts for staff keys through the vault callback. */
void cv_gpg_use_staff_pass(cv_vault *v, gpgme_ctx_t ctx);
int cv_gpg_err(cv_vault *v, gpgme_error_t err, const char *what);
int cv_gpg_pk_encrypt_mem(cv_vault *v, const char *fpr, const void *buf, size_t len,
			  char **out, size_t *outlen);
/* Decrypt with a staff key (a protected-key operation). */
int cv_gpg_pk_decrypt_mem(cv_vault *v, const void *buf, size_t len,
			  char **out, size_t *outlen);
int cv_gpg_sign_detached(cv_vault *v, const char *fpr, const void *buf, size_t len,
			 char **sig, size_t *siglen);
/* The same in ctx (which it releases): another GnuPG home's, as the purge key's (purgekey.c). */
int cv_gpg_sign_in(cv_vault *v, gpgme_ctx_t ctx, const char *fpr, const void *buf, size_t len,
		   char **sig, size_t *siglen);
/* Verify; on success *signer_fpr (malloc) names the valid signing key. */
int cv_gpg_verify_detached(cv_vault *v, const void *buf, size_t len,
			   const void *sig, size_t siglen, char **signer_fpr);
int cv_gpg_create_staff_key(cv_vault *v, const char *staff_id, int no_passphrase,
			    char *fpr_out, size_t fprlen);
int cv_gpg_create_staff_key_cb(cv_vault *v, const char *staff_id, int no_passphrase,
			       cv_passphrase_cb cb, void *hook, char *fpr_out, size_t fprlen);
int cv_gpg_delete_key(cv_vault *v, const char *fpr);
/* Where the vault's gpg-agent listens (asks gpgconf: needs CV_INIT_GPGCONF); *out is malloc'd. */
int cv_gpg_agent_socket(cv_vault *v, char **out);
/* One Assuan command to the agent at sock (needs CV_INIT_GPGCONF); the transport's or the command's error. */
gpgme_error_t cv_gpg_agent_command(cv_vault *v, const char *sock, const char *cmd);
int cv_gpg_agent_forget(cv_vault *v);  /* gpg-agent forgets cached passphrases */
/* gpg-agent forgets the cached passphrase of the secret key fpr (every subkey); needs CV_INIT_GPGCONF. */
int cv_gpg_agent_forget_key(cv_vault *v, const char *fpr);
void cv_gpg_agent_kill(const char *home);  /* KILLAGENT to the agent of a home a dead process left */
/* 1 when cv_global_init_ex was given CV_INIT_GPGCONF (GPGME may run gpgconf). */
int cv_gpgconf_enabled(void);
gpgme_error_t cv_gpg_get_key(gpgme_ctx_t ctx, const char *fpr, gpgme_key_t *out, int secret);
void cv_gpg_free(void *p);  /* frees buffers from *_mem (wipes them) */

#endif
