/* casevault - the purge-only key's OpenPGP operations (purgekey.h). */
#include <stdio.h>
#include <string.h>
#include <gpgme.h>

#include "base/handle.h"
#include "crypto/gpg.h"
#include "crypto/purgekey.h"

/* A context on another GnuPG home than the vault's, that never asks for a passphrase. */
static gpgme_error_t home_ctx(const char *home, gpgme_ctx_t *out)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err = gpgme_new(&ctx);

	if (!err)
		err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (!err)
		err = gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_CANCEL);
	if (err && ctx) {
		gpgme_release(ctx);
		ctx = NULL;
	}
	if (ctx) {
		gpgme_set_armor(ctx, 1);
		gpgme_set_offline(ctx, 1);
	}
	*out = ctx;
	return err;
}

/* The public key fpr from home into the vault's keyring. */
static gpgme_error_t copy_public(cv_vault *v, gpgme_ctx_t from, const char *fpr)
{
	gpgme_ctx_t to = NULL;
	gpgme_data_t d = NULL;
	gpgme_import_result_t res;
	gpgme_error_t err = gpgme_data_new(&d);

	if (!err)
		err = gpgme_op_export(from, fpr, GPGME_EXPORT_MODE_MINIMAL, d);
	if (!err && cv_gpg_ctx(v, &to, 0) < 0)
		err = gpgme_error(GPG_ERR_GENERAL);
	if (!err)
		err = gpgme_data_seek(d, 0, SEEK_SET) < 0 ? gpgme_error_from_syserror() : 0;
	if (!err)
		err = gpgme_op_import(to, d);
	if (!err && (!(res = gpgme_op_import_result(to)) || res->considered != 1 || res->not_imported))
		err = gpgme_error(GPG_ERR_NO_PUBKEY);
	if (to)
		gpgme_release(to);
	if (d)
		gpgme_data_release(d);
	return err;
}

int cv_gpg_purgekey_create(cv_vault *v, const char *home, char *fpr, size_t fprlen)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_genkey_result_t res;
	gpgme_error_t err = home_ctx(home, &ctx);

	/* a neutral user id, as for staff keys; sign-only: it can open nothing */
	if (!err)
		err = gpgme_op_createkey(ctx, "casevault purge key <purge@casevault.invalid>", "ed25519", 0, 0, NULL,
					 GPGME_CREATE_SIGN | GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE);
	if (!err && (!(res = gpgme_op_genkey_result(ctx)) || !res->fpr))
		err = gpgme_error(GPG_ERR_GENERAL);
	if (!err) {
		snprintf(fpr, fprlen, "%s", res->fpr);
		err = copy_public(v, ctx, fpr);
	}
	if (ctx)
		gpgme_release(ctx);
	cv_gpg_agent_kill(home);
	return err ? cv_gpg_err(v, err, "cannot make the purge key") : 0;
}

int cv_gpg_sign_in_home(cv_vault *v, const char *home, const char *fpr, const void *buf, size_t len,
			char **sig, size_t *siglen)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err = home_ctx(home, &ctx);
	int r;

	*sig = NULL;
	if (err)
		return cv_gpg_err(v, err, "cannot sign with the purge key");
	r = cv_gpg_sign_in(v, ctx, fpr, buf, len, sig, siglen);
	cv_gpg_agent_kill(home);
	return r;
}
