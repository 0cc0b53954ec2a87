/*
 * casevault - removing only a staff member's secret key (keydelete.h).
 *
 * GPGME's delete removes the public key with the secret one, and deleting
 * both then importing the public key back leaves a moment when a killed
 * process loses it for good (every receipt the person signed would then
 * fail).  gpg-agent holds the secret parts, one per keygrip, and deletes
 * one on DELETE_KEY (what gpg --delete-secret-keys sends it); the keyring
 * with the public key is never touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gpgme.h>

#include "base/handle.h"
#include "crypto/gpg.h"
#include "crypto/keydelete.h"

/* *key gets fpr with its keygrips, or NULL when the keyring has no such (secret) key. */
static int find_key(cv_vault *v, gpgme_ctx_t ctx, const char *fpr, int secret, gpgme_key_t *key)
{
	gpgme_error_t err;

	gpgme_set_keylist_mode(ctx, gpgme_get_keylist_mode(ctx) | GPGME_KEYLIST_MODE_WITH_KEYGRIP);
	err = cv_gpg_get_key(ctx, fpr, key, secret);
	if (gpgme_err_code(err) == GPG_ERR_EOF) {
		*key = NULL;
		return 0;
	}
	return err ? cv_gpg_err(v, err, "cannot list the vault's keys") : 0;
}

static int has_key(cv_vault *v, const char *fpr, int secret)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	int r;

	if (!fpr || !*fpr)
		return 0;
	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	r = find_key(v, ctx, fpr, secret, &key);
	if (r == 0 && key)
		r = 1;
	if (key)
		gpgme_key_unref(key);
	gpgme_release(ctx);
	return r;
}

int cv_gpg_has_secret(cv_vault *v, const char *fpr)
{
	return has_key(v, fpr, 1);
}

int cv_gpg_has_public(cv_vault *v, const char *fpr)
{
	return has_key(v, fpr, 0);
}

/*
 * Where the vault's agent listens: gpgconf knows (docs/architecture.md,
 * Keys); a program started without it only has the home's own socket, used
 * where /run/user/UID does not exist (a service, cron, a container).
 */
static int agent_path(cv_vault *v, char **sock)
{
	if (cv_gpgconf_enabled())
		return cv_gpg_agent_socket(v, sock);
	if (asprintf(sock, "%s/S.gpg-agent", v->gnupghome) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	return 0;
}

/* DELETE_KEY --force for one keygrip; a grip the agent no longer has is done already. */
static gpgme_error_t delete_grip(cv_vault *v, const char *sock, const char *grip)
{
	gpgme_error_t err;
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "DELETE_KEY --force %s", grip);
	err = cv_gpg_agent_command(v, sock, cmd);
	if (gpgme_err_code(err) == GPG_ERR_NO_SECKEY)
		err = 0;
	return err;
}

int cv_gpg_delete_secret(cv_vault *v, const char *fpr)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	gpgme_error_t err = 0;
	char *sock = NULL;
	int r;

	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	/* listing secret keys also starts the agent, which DELETE_KEY needs running */
	if ((r = find_key(v, ctx, fpr, 1, &key)) < 0 || !key || (r = agent_path(v, &sock)) < 0)
		goto out;
	for (sk = key->subkeys; sk && !err; sk = sk->next)
		if (sk->keygrip)
			err = delete_grip(v, sock, sk->keygrip);
	if (err) {
		r = cv_gpg_err(v, err, "cannot delete a revoked person's secret key");
		goto out;
	}
	gpgme_key_unref(key);
	key = NULL;
	if ((r = find_key(v, ctx, fpr, 1, &key)) == 0 && key)
		r = cv_error(v, CV_ERROR, "gpg-agent kept the secret key %s after deleting it", fpr);
out:
	if (key)
		gpgme_key_unref(key);
	free(sock);
	gpgme_release(ctx);
	return r;
}
