/*
 * casevault - a staff key's passphrase changed (crypto/passwd.h;
 * docs/commands/staff-passphrase.md).
 *
 * gpg-agent holds the secret keys and re-protects them itself: its PASSWD
 * command, sent over GPGME's Assuan engine in loopback mode, asks this
 * process for the current passphrase (inquiry PASSPHRASE) and the new one
 * (NEW_PASSPHRASE) by name, so neither can be taken for the other whatever
 * the agent has cached.  A staff key is a primary key (signatures) and an
 * encryption subkey (keyslips), each a file of its own in
 * private-keys-v1.d, so a change is one PASSWD per key: every key is first
 * proved with the current passphrase ("PASSWD --verify", which never uses
 * the agent's cache), then changed, then proved with the new one.
 *
 * A change cut short (a crash between the two keys) leaves one key under
 * each passphrase.  Running the change again with both mends it: a key the
 * current passphrase does not open is tried with the new one, which can
 * only open a key already changed (docs/recovery.md, A passphrase change
 * cut short).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/handle.h"
#include "crypto/gpg.h"
#include "crypto/passwd.h"

#define MAX_KEYS 16

struct answers {
	const char *current;   /* what PASSPHRASE gets */
	const char *next;      /* what NEW_PASSPHRASE gets (NULL: not asked for) */
	gpgme_data_t sent;
};

static gpgme_error_t inquire_cb(void *opaque, const char *name, const char *args, gpgme_data_t *r_data)
{
	struct answers *a = opaque;
	const char *s;

	(void)args;
	if (!name) {  /* GPGME is done with what we sent */
		gpgme_data_release(*r_data);
		*r_data = NULL;
		return 0;
	}
	if (!strcmp(name, "PASSPHRASE"))
		s = a->current;
	else if (!strcmp(name, "NEW_PASSPHRASE"))
		s = a->next;
	else
		return 0;  /* status-like inquiries (PINENTRY_LAUNCHED) want no data */
	if (!s)
		return gpgme_error(GPG_ERR_ASS_CANCELED);
	/* copy 0: the bytes stay in the caller's buffer, wiped there */
	return gpgme_data_new_from_mem(r_data, s, strlen(s), 0);
}

static gpgme_error_t transact(gpgme_ctx_t ctx, const char *cmd, struct answers *a)
{
	gpgme_error_t err, op = 0;

	err = gpgme_op_assuan_transact_ext(ctx, cmd, NULL, NULL, inquire_cb, a, NULL, NULL, &op);
	return err ? err : op;
}

/* The keygrips of fpr's secret key and subkeys, as gpg lists them. */
static int keygrips(cv_vault *v, const char *fpr, char grips[MAX_KEYS][41], size_t *n)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	gpgme_error_t err;
	int r;

	*n = 0;
	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	err = cv_gpg_get_key(ctx, fpr, &key, 1);
	for (sk = key ? key->subkeys : NULL; sk && *n < MAX_KEYS; sk = sk->next)
		if (sk->secret && sk->keygrip && strlen(sk->keygrip) == 40)
			snprintf(grips[(*n)++], 41, "%s", sk->keygrip);
	if (key)
		gpgme_key_unref(key);
	gpgme_release(ctx);
	if (err)
		return cv_gpg_err(v, err, "cannot find your secret key in the vault");
	return *n ? 0 : cv_error(v, CV_ERROR, "gpg gave no keygrip for your key; nothing was changed");
}

static int agent_ctx(cv_vault *v, gpgme_ctx_t *out)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err;
	char *sock = NULL;
	int r;

	if ((r = cv_gpg_agent_socket(v, &sock)) < 0)
		return r;
	err = gpgme_new(&ctx);
	if (!err)
		err = gpgme_set_protocol(ctx, GPGME_PROTOCOL_ASSUAN);
	if (!err)
		err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_ASSUAN, sock, v->gnupghome);
	free(sock);
	if (!err)
		err = transact(ctx, "OPTION pinentry-mode=loopback", NULL);
	if (err) {
		if (ctx)
			gpgme_release(ctx);
		return cv_gpg_err(v, err, "cannot reach the vault's gpg-agent");
	}
	*out = ctx;
	return 0;
}

/*
 * "PASSWD [--verify] GRIP" answering PASSPHRASE with old, or, where old
 * does not open that key, with fallback (NULL: none).
 */
static gpgme_error_t passwd(gpgme_ctx_t ctx, const char *grip, int verify, const char *old,
			    const char *fallback, const char *next)
{
	struct answers a = { old, next, NULL };
	char cmd[80];
	gpgme_error_t err;

	snprintf(cmd, sizeof(cmd), "PASSWD %s%s", verify ? "--verify " : "", grip);
	err = transact(ctx, cmd, &a);
	if (gpgme_err_code(err) == GPG_ERR_BAD_PASSPHRASE && fallback) {
		a.current = fallback;
		err = transact(ctx, cmd, &a);
	}
	return err;
}

/* Every key of grips opens with pass (or, where it does not, fallback). */
static int prove(cv_vault *v, gpgme_ctx_t ctx, char grips[MAX_KEYS][41], size_t n,
		 const char *pass, const char *fallback, const char *what)
{
	gpgme_error_t err = 0;
	size_t i;

	for (i = 0; i < n && !err; i++)
		err = passwd(ctx, grips[i], 1, pass, fallback, NULL);
	return err ? cv_gpg_err(v, err, what) : 0;
}

int cv_gpg_change_passphrase(cv_vault *v, const char *fpr, const char *old, const char *next)
{
	char grips[MAX_KEYS][41];
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err = 0;
	size_t n, i;
	int r;

	if ((r = keygrips(v, fpr, grips, &n)) < 0 || (r = agent_ctx(v, &ctx)) < 0)
		return r;
	r = prove(v, ctx, grips, n, old, next, "your current passphrase was not accepted; nothing was changed");
	for (i = 0; r == 0 && i < n && !err; i++)
		err = passwd(ctx, grips[i], 0, old, next, next);
	if (r == 0 && err)
		r = cv_gpg_err(v, err, "gpg-agent could not change the passphrase; run the same command again "
			       "with the same two passphrases to finish (docs/recovery.md)");
	/* the agent caches what it just unprotected: forget it, then prove the new one afresh */
	if (r == 0 && (r = cv_gpg_agent_forget_key(v, fpr)) == 0)
		r = prove(v, ctx, grips, n, next, NULL, "the new passphrase does not open your key after the change; "
			  "run the same command again with the same two passphrases (docs/recovery.md)");
	gpgme_release(ctx);
	return r;
}
