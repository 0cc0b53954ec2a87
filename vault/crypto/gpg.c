/*
 * casevault - every GPGME call.
 *
 * Contexts are made per operation and always point at the vault's own
 * GNUPGHOME.  Fixed secrets (archive and master keys, random 256-bit hex
 * strings) are handed to gpg through loopback pinentry and never through
 * argv or the environment; the vault's gpg.conf sets no-symkey-cache so
 * gpg-agent does not keep them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>
#include <gcrypt.h>

#include "base/handle.h"
#include "base/util.h"
#include "crypto/gpg.h"
#include "crypto/gpgconf.h"
#include "crypto/seal.h"

struct cv_pass_ctx {
	cv_vault *v;
	const char *secret;
	int asked;
};

int cv_gpg_err(cv_vault *v, gpgme_error_t err, const char *what)
{
	gpgme_err_code_t c = gpgme_err_code(err);

	if (c == GPG_ERR_BAD_PASSPHRASE || c == GPG_ERR_NO_PASSPHRASE)
		return cv_error(v, CV_EBADPASS, "%s: wrong passphrase; check it (or the --passphrase-file) and try again", what);
	if (c == GPG_ERR_CANCELED || c == GPG_ERR_FULLY_CANCELED)
		return cv_error(v, CV_EBADPASS, "%s: passphrase entry was cancelled", what);
	if (c == GPG_ERR_ENOTTY || c == GPG_ERR_NO_PIN_ENTRY || c == GPG_ERR_PIN_ENTRY)
		return cv_error(v, CV_EBADPASS, "%s: no passphrase given and no terminal for pinentry; run in a terminal or use --passphrase-file", what);
	if (c == GPG_ERR_NO_SECKEY)
		return cv_error(v, CV_EBADPASS, "%s: no secret key for this staff member in the vault", what);
	if (c == GPG_ERR_BAD_DATA || c == GPG_ERR_BAD_SIGNATURE || c == GPG_ERR_CHECKSUM ||
	    c == GPG_ERR_NO_DATA || c == GPG_ERR_INV_PACKET || c == GPG_ERR_DECRYPT_FAILED)
		return cv_error(v, CV_ECORRUPT, "%s: %s", what, gpgme_strerror(err));
	if (c == GPG_ERR_ENOSPC || c == GPG_ERR_EDQUOT)
		return cv_error(v, CV_ERROR, "%s: %s%s", what, gpgme_strerror(err), cv_disk_hint(ENOSPC));
	return cv_error(v, CV_ERROR, "%s: %s", what, gpgme_strerror(err));
}

/*
 * The GnuPG home that this process's contexts use by default.  GPGME runs
 * "gpg --version" again whenever an engine's home is set, for the process
 * (gpgme_set_engine_info) or for one context, which cost every command
 * about 2 ms, and every encryption helper as much when it started.  So a
 * process that is still single-threaded names the home in GNUPGHOME, which
 * gpg reads when GPGME gives it no --homedir; setenv is not safe beside
 * other threads, so a process that has some sets the engine's home instead.
 * env_home records which home GNUPGHOME names (NULL: not set by us).
 *
 * Opening a vault runs no gpg at all: GPGME learns gpg's version at the
 * first context (cv_gpg_ctx), so a command that needs no gpg (an "ls"
 * through casevaultd with the person's session unlocked, docs/service.md,
 * Sessions) never starts one, and a missing gpg shows up at the first
 * operation that needs it ("cannot start gpg").
 */
static char *env_home;
static int engine_home_set;  /* gpgme_set_engine_info named a home for the whole process */

int cv_gpg_home(cv_vault *v)
{
	gpgme_error_t err;
	char *copy;

	if (!engine_home_set && cv_single_threaded() && (copy = strdup(v->gnupghome))) {
		if (setenv("GNUPGHOME", v->gnupghome, 1) == 0) {
			free(env_home);
			env_home = copy;
			return 0;
		}
		free(copy);
	}
	err = gpgme_set_engine_info(GPGME_PROTOCOL_OpenPGP, NULL, v->gnupghome);
	if (!err)
		engine_home_set = 1;
	return err ? cv_gpg_err(v, err, "cannot find gpg (is gnupg installed?)") : 0;
}

int cv_gpg_ctx(cv_vault *v, gpgme_ctx_t *out, int armor)
{
	gpgme_ctx_t ctx;
	gpgme_error_t err;

	err = gpgme_new(&ctx);
	if (!err) {
		/*
		 * Setting a context's engine makes GPGME run "gpg --version" again,
		 * once per context; the process default was pointed at this vault's
		 * home when it was opened (cv_gpg_home: GNUPGHOME, or the engine's
		 * home), so only another vault opened since in the same process
		 * needs the per-context call.
		 */
		gpgme_engine_info_t ei = gpgme_ctx_get_engine_info(ctx);
		const char *home;

		while (ei && ei->protocol != GPGME_PROTOCOL_OpenPGP)
			ei = ei->next;
		home = !ei ? NULL : ei->home_dir ? ei->home_dir : env_home;
		if (!home || strcmp(home, v->gnupghome))
			err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, NULL, v->gnupghome);
	}
	if (err) {
		if (ctx)
			gpgme_release(ctx);
		return cv_gpg_err(v, err, "cannot start gpg");
	}
	gpgme_set_armor(ctx, armor);
	gpgme_set_offline(ctx, 1);
	*out = ctx;
	return 0;
}

static gpgme_error_t write_pass(int fd, const char *s)
{
	size_t len = strlen(s);

	if (gpgme_io_writen(fd, s, len) < 0 || gpgme_io_writen(fd, "\n", 1) < 0)
		return gpgme_error_from_errno(errno);
	return 0;
}

static gpgme_error_t secret_cb(void *hook, const char *uid_hint, const char *info,
			       int prev_was_bad, int fd)
{
	const char *secret = hook;

	(void)uid_hint;
	(void)info;
	if (prev_was_bad)
		return gpgme_error(GPG_ERR_BAD_PASSPHRASE);
	return write_pass(fd, secret);
}

void cv_gpg_use_secret(gpgme_ctx_t ctx, const char *secret)
{
	gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
	gpgme_set_passphrase_cb(ctx, secret_cb, (void *)secret);
}

static gpgme_error_t staff_cb(void *hook, const char *uid_hint, const char *info,
			      int prev_was_bad, int fd)
{
	cv_vault *v = hook;
	char buf[1024];
	gpgme_error_t err;

	(void)uid_hint;
	(void)info;
	if (prev_was_bad)
		return gpgme_error(GPG_ERR_BAD_PASSPHRASE);
	if (v->pass_cb(v->pass_hook, v->actor, prev_was_bad, buf, sizeof(buf)) != 0) {
		explicit_bzero(buf, sizeof(buf));
		return gpgme_error(GPG_ERR_CANCELED);
	}
	buf[sizeof(buf) - 1] = '\0';
	v->pass_given = 1;
	err = write_pass(fd, buf);
	explicit_bzero(buf, sizeof(buf));
	return err;
}

void cv_gpg_use_staff_pass(cv_vault *v, gpgme_ctx_t ctx)
{
	if (v->pass_cb) {
		gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK);
		gpgme_set_passphrase_cb(ctx, staff_cb, v);
	}
}

/*
 * gpgme_get_key, in CTX itself: gpgme_get_key lists in a new context and,
 * since ours names a GnuPG home, that costs one more "gpg --version" run
 * (about 3 ms) on every call.  Exactly one key must match.
 */
gpgme_error_t cv_gpg_get_key(gpgme_ctx_t ctx, const char *fpr, gpgme_key_t *out, int secret)
{
	gpgme_key_t key = NULL, more = NULL;
	gpgme_error_t err;

	*out = NULL;
	if (!fpr || !*fpr)
		return gpgme_error(GPG_ERR_INV_VALUE);
	err = gpgme_op_keylist_start(ctx, fpr, secret);
	if (!err)
		err = gpgme_op_keylist_next(ctx, &key);
	if (!err) {
		gpgme_error_t e2 = gpgme_op_keylist_next(ctx, &more);

		if (!e2) {
			gpgme_key_unref(more);
			err = gpgme_error(GPG_ERR_AMBIGUOUS_NAME);
		} else if (gpgme_err_code(e2) != GPG_ERR_EOF) {
			err = e2;
		}
	}
	gpgme_op_keylist_end(ctx);
	if (err) {
		if (key)
			gpgme_key_unref(key);
		return err;
	}
	*out = key;
	return 0;
}

void cv_gpg_free(void *p)
{
	gpgme_free(p);
}

/* Take the contents of a memory data object as a malloc'd buffer. */
static int take(cv_vault *v, gpgme_data_t d, char **out, size_t *outlen)
{
	size_t len = 0;
	char *buf = gpgme_data_release_and_get_mem(d, &len);

	if (!buf && len)
		return cv_error(v, CV_ERROR, "out of memory");
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;
}

static int wipe_release(gpgme_data_t d)
{
	size_t len = 0;
	char *buf = gpgme_data_release_and_get_mem(d, &len);

	if (buf) {
		explicit_bzero(buf, len);
		gpgme_free(buf);
	}
	return 0;
}

/*
 * The end of a one-shot operation into memory o: on success its bytes go
 * to *out; on failure the error names what and o is dropped, wiped first
 * when it may hold a decrypted secret (docs/security.md, "No plaintext on
 * disk inside the vault").
 */
static int op_result(cv_vault *v, gpgme_error_t err, const char *what, gpgme_data_t o,
		     int wipe, char **out, size_t *outlen)
{
	int r;

	if (!err)
		return take(v, o, out, outlen);
	r = cv_gpg_err(v, err, what);
	if (o && wipe)
		wipe_release(o);
	else if (o)
		gpgme_data_release(o);
	return r;
}

/* What an operation held: two data objects and a key, any of them NULL, and its context. */
static void op_release(gpgme_ctx_t ctx, gpgme_data_t a, gpgme_data_t b, gpgme_key_t key)
{
	if (a)
		gpgme_data_release(a);
	if (b)
		gpgme_data_release(b);
	if (key)
		gpgme_key_unref(key);
	gpgme_release(ctx);
}

/*
 * Where the vault's gpg-agent listens.  GnuPG puts the socket in the GnuPG
 * home only when /run/user/UID does not exist; where it does (any desktop
 * with systemd-logind) the socket is /run/user/UID/gnupg/d.HASH/S.gpg-agent,
 * HASH derived from the home's path.  Only gpgconf knows which: ask it
 * through GPGME's gpgconf engine, pointed at the vault's home.
 */
int cv_gpg_agent_socket(cv_vault *v, char **out)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err;
	char *dir = NULL;

	if (!cv_gpgconf_enabled())
		return cv_error(v, CV_ERROR, "cannot ask gpgconf where gpg-agent listens: this program "
				"initialised casevault without CV_INIT_GPGCONF (a bug: report it)");
	err = gpgme_new(&ctx);
	if (!err)
		err = gpgme_set_protocol(ctx, GPGME_PROTOCOL_GPGCONF);
	if (!err)
		err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_GPGCONF, NULL, v->gnupghome);
	if (!err)
		err = gpgme_op_conf_dir(ctx, "agent-socket", &dir);
	if (ctx)
		gpgme_release(ctx);
	if (err || !dir || dir[0] != '/') {
		gpgme_free(dir);
		return err ? cv_gpg_err(v, err, "cannot ask gpgconf where gpg-agent listens")
			   : cv_error(v, CV_ERROR, "gpgconf did not say where gpg-agent listens");
	}
	*out = strdup(dir);
	gpgme_free(dir);
	return *out ? 0 : cv_error(v, CV_ERROR, "out of memory");
}

gpgme_error_t cv_gpg_agent_command(cv_vault *v, const char *sock, const char *cmd)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_error_t err, op = 0;

	err = gpgme_new(&ctx);
	if (!err)
		err = gpgme_set_protocol(ctx, GPGME_PROTOCOL_ASSUAN);
	if (!err)
		err = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_ASSUAN, sock, v->gnupghome);
	if (!err)
		err = gpgme_op_assuan_transact_ext(ctx, cmd, NULL, NULL, NULL, NULL, NULL, NULL, &op);
	if (ctx)
		gpgme_release(ctx);
	return err ? err : op;
}

/* cmd to the agent at sock; no agent listening there is fine: it holds nothing */
static gpgme_error_t command_if_listening(cv_vault *v, const char *sock, const char *cmd)
{
	gpgme_error_t err = cv_gpg_agent_command(v, sock, cmd);

	if (gpgme_err_code(err) == GPG_ERR_ASS_CONNECT_FAILED || gpgme_err_code(err) == GPG_ERR_NO_AGENT)
		err = 0;
	return err;
}

/*
 * The commands cmds (NULL-terminated) to every agent that may hold the
 * vault's passphrases: the one gpgconf names for this session, and the one
 * in the GnuPG home itself, which a session without /run/user/UID (ssh,
 * cron, a container) starts for the same home.
 */
static int agents_command(cv_vault *v, const char *const *cmds, const char *what)
{
	gpgme_error_t err = 0;
	char *sock = NULL, *home_sock = NULL;
	int r;

	if ((r = cv_gpg_agent_socket(v, &sock)) < 0)
		return r;
	if (asprintf(&home_sock, "%s/S.gpg-agent", v->gnupghome) < 0) {
		free(sock);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	for (; *cmds && !err; cmds++) {
		err = command_if_listening(v, sock, *cmds);
		if (!err && strcmp(home_sock, sock))
			err = command_if_listening(v, home_sock, *cmds);
	}
	free(sock);
	free(home_sock);
	return err ? cv_gpg_err(v, err, what) : 0;
}

/* RELOADAGENT: each agent forgets every cached passphrase and rereads its conf */
int cv_gpg_agent_forget(cv_vault *v)
{
	static const char *const reload[] = { "RELOADAGENT", NULL };

	return agents_command(v, reload, "cannot clear gpg-agent's cache");
}

#define CV_MAX_SUBKEYS 16

/*
 * CLEAR_PASSPHRASE for each of the key's (sub)keys: gpg-agent caches a
 * staff passphrase under the keygrip of the key it unprotected ("normal"
 * cache mode), the encryption subkey for a keyslip, the primary key for a
 * signature.
 */
int cv_gpg_agent_forget_key(cv_vault *v, const char *fpr)
{
	char cmds[CV_MAX_SUBKEYS][96];
	const char *list[CV_MAX_SUBKEYS + 1];
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	gpgme_error_t err;
	size_t n = 0;
	int r;

	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	err = cv_gpg_get_key(ctx, fpr, &key, 1);
	for (sk = key ? key->subkeys : NULL; sk && n < CV_MAX_SUBKEYS; sk = sk->next)
		if (sk->keygrip && strlen(sk->keygrip) == 40) {
			snprintf(cmds[n], sizeof(cmds[n]), "CLEAR_PASSPHRASE --mode=normal %s", sk->keygrip);
			list[n] = cmds[n];
			n++;
		}
	list[n] = NULL;
	op_release(ctx, NULL, NULL, key);
	if (err)
		return cv_gpg_err(v, err, "cannot find the acting staff member's secret key");
	if (!n)
		return cv_error(v, CV_ERROR, "gpg gave no keygrip for the acting staff member's key");
	return agents_command(v, list, "cannot make gpg-agent forget a cached passphrase");
}

int cv_gpg_pk_encrypt_mem(cv_vault *v, const char *fpr, const void *buf, size_t len,
			  char **out, size_t *outlen)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t in = NULL, o = NULL;
	gpgme_key_t key = NULL;
	gpgme_key_t recp[2] = { NULL, NULL };
	gpgme_error_t err;
	int r;

	if ((r = cv_gpg_ctx(v, &ctx, 1)) < 0)
		return r;
	err = cv_gpg_get_key(ctx, fpr, &key, 0);
	if (err) {
		r = cv_gpg_err(v, err, "cannot find a staff key");
		goto out;
	}
	recp[0] = key;
	err = gpgme_data_new_from_mem(&in, buf, len, 0);
	if (!err)
		err = gpgme_data_new(&o);
	if (!err)
		err = gpgme_op_encrypt(ctx, recp, GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_COMPRESS, in, o);
	r = op_result(v, err, "cannot make a keyslip", o, 0, out, outlen);
out:
	op_release(ctx, in, NULL, key);
	return r;
}

int cv_gpg_pk_decrypt_mem(cv_vault *v, const void *buf, size_t len, char **out, size_t *outlen)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t in = NULL, o = NULL;
	gpgme_error_t err;
	int r;

	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	cv_gpg_use_staff_pass(v, ctx);
	err = gpgme_data_new_from_mem(&in, buf, len, 0);
	if (!err)
		err = gpgme_data_new(&o);
	if (!err)
		err = gpgme_op_decrypt(ctx, in, o);
	r = op_result(v, err, "cannot unlock the vault", o, 1, out, outlen);
	op_release(ctx, in, NULL, NULL);
	return r;
}

int cv_gpg_sign_detached(cv_vault *v, const char *fpr, const void *buf, size_t len,
			 char **sig, size_t *siglen)
{
	gpgme_ctx_t ctx = NULL;
	int r;

	if ((r = cv_gpg_ctx(v, &ctx, 1)) < 0)
		return r;
	cv_gpg_use_staff_pass(v, ctx);
	return cv_gpg_sign_in(v, ctx, fpr, buf, len, sig, siglen);
}

int cv_gpg_sign_in(cv_vault *v, gpgme_ctx_t ctx, const char *fpr, const void *buf, size_t len,
		   char **sig, size_t *siglen)
{
	gpgme_data_t in = NULL, o = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	int r;

	err = cv_gpg_get_key(ctx, fpr, &key, 1);
	if (gpgme_err_code(err) == GPG_ERR_EOF)  /* no secret key with that fingerprint here */
		err = gpgme_error(GPG_ERR_NO_SECKEY);
	if (!err)
		err = gpgme_signers_add(ctx, key);
	if (!err)
		err = gpgme_data_new_from_mem(&in, buf, len, 0);
	if (!err)
		err = gpgme_data_new(&o);
	if (!err)
		err = gpgme_op_sign(ctx, in, o, GPGME_SIG_MODE_DETACH);
	r = op_result(v, err, "cannot sign", o, 0, sig, siglen);
	op_release(ctx, in, NULL, key);
	return r;
}

/*
 * The key a front end's cache of good signatures files this check under
 * (casevault/session.h): the SHA-256 of the vault keyring's identity (its
 * file's device, inode, size and change time: a key imported, deleted or
 * revoked changes it), the signed text and the signature, each with its
 * length.  0, or -1 when the keyring cannot be stat'ed (then no cache).
 */
static int verified_key(cv_vault *v, const void *buf, size_t len, const void *sig, size_t siglen, char out[65])
{
	static const char label[] = "casevault/verified-signature/v1";
	struct stat st;
	char ring[PATH_MAX];
	uint64_t id[6];
	cv_sha256 *h;

	snprintf(ring, sizeof(ring), "%s/pubring.kbx", v->gnupghome);
	if (stat(ring, &st) < 0 || !(h = cv_sha256_new()))
		return -1;
	id[0] = (uint64_t)st.st_dev;
	id[1] = (uint64_t)st.st_ino;
	id[2] = (uint64_t)st.st_size;
	id[3] = (uint64_t)st.st_ctim.tv_sec * 1000000000u + (uint64_t)st.st_ctim.tv_nsec;
	id[4] = (uint64_t)len;
	id[5] = (uint64_t)siglen;
	cv_sha256_write(h, label, sizeof(label));
	cv_sha256_write(h, id, sizeof(id));
	cv_sha256_write(h, buf, len);
	cv_sha256_write(h, sig, siglen);
	cv_sha256_final(h, out);
	return 0;
}

static int verify_with_gpg(cv_vault *v, const void *buf, size_t len,
			   const void *sig, size_t siglen, char **signer_fpr);

/*
 * Through casevaultd the session keeper holds the signatures gpg found good
 * (docs/service.md, Speed): a receipt or grant verified once is not sent to
 * a gpg process again while its text, its signature and the keyring are
 * the same.  What a hit stands for is only gpg's answer; every check the
 * caller makes with the signer (revoked, the one the row names) still runs.
 */
int cv_gpg_verify_detached(cv_vault *v, const void *buf, size_t len,
			   const void *sig, size_t siglen, char **signer_fpr)
{
	const cv_slip_cache *c = v->slip_cache;
	char key[65], fpr[48];
	int r, keyed = c && c->sig_get && c->sig_put && verified_key(v, buf, len, sig, siglen, key) == 0;

	if (keyed && c->sig_get(v->slip_cache_ctx, key, fpr, sizeof(fpr)) == 1 && fpr[0]) {
		*signer_fpr = strdup(fpr);
		return *signer_fpr ? 0 : cv_error(v, CV_ERROR, "out of memory");
	}
	r = verify_with_gpg(v, buf, len, sig, siglen, signer_fpr);
	if (r == 0 && keyed && strlen(*signer_fpr) < sizeof(fpr))
		c->sig_put(v->slip_cache_ctx, key, *signer_fpr);
	return r;
}

static int verify_with_gpg(cv_vault *v, const void *buf, size_t len,
			   const void *sig, size_t siglen, char **signer_fpr)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t in = NULL, s = NULL;
	gpgme_verify_result_t res;
	gpgme_error_t err;
	int r;

	*signer_fpr = NULL;
	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	err = gpgme_data_new_from_mem(&in, buf, len, 0);
	if (!err)
		err = gpgme_data_new_from_mem(&s, sig, siglen, 0);
	if (!err)
		err = gpgme_op_verify(ctx, s, in, NULL);
	if (err) {
		/* damaged data is the signature's fault; anything else is gpg's, and says nothing of it */
		if ((r = cv_gpg_err(v, err, "unreadable signature (damaged)")) != CV_ECORRUPT)
			r = cv_gpg_err(v, err, "gpg could not check a signature; try again");
		goto out;
	}
	res = gpgme_op_verify_result(ctx);
	if (!res || !res->signatures) {
		r = cv_error(v, CV_ECORRUPT, "no signature in it (damaged)");
		goto out;
	}
	if (gpgme_err_code(res->signatures->status) == GPG_ERR_NO_PUBKEY) {
		r = cv_error(v, CV_ECORRUPT, "signer key missing: the key that made the signature is not in the vault keyring");
		goto out;
	}
	if (gpgme_err_code(res->signatures->status) != GPG_ERR_NO_ERROR || !res->signatures->fpr) {
		r = cv_error(v, CV_ECORRUPT, "bad signature");
		goto out;
	}
	*signer_fpr = strdup(res->signatures->fpr);
	r = *signer_fpr ? 0 : CV_ERROR;
out:
	op_release(ctx, in, s, NULL);
	return r;
}

static int create_key(cv_vault *w, cv_vault *v, const char *staff_id, int no_passphrase,
		      char *fpr_out, size_t fprlen);

int cv_gpg_create_staff_key(cv_vault *v, const char *staff_id, int no_passphrase,
			    char *fpr_out, size_t fprlen)
{
	return cv_gpg_create_staff_key_cb(v, staff_id, no_passphrase, v->pass_cb, v->pass_hook,
					  fpr_out, fprlen);
}

/* The new person's passphrase comes from cb, not from the acting person's. */
int cv_gpg_create_staff_key_cb(cv_vault *v, const char *staff_id, int no_passphrase,
			       cv_passphrase_cb cb, void *hook, char *fpr_out, size_t fprlen)
{
	cv_vault w = *v;  /* a copy whose callback asks the new person */

	w.pass_cb = cb;
	w.pass_hook = hook;
	snprintf(w.actor, sizeof(w.actor), "%s", staff_id);
	return create_key(&w, v, staff_id, no_passphrase, fpr_out, fprlen);
}

static int create_key(cv_vault *w, cv_vault *v, const char *staff_id, int no_passphrase,
		      char *fpr_out, size_t fprlen)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_genkey_result_t res;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	char uid[128];
	unsigned int flags = GPGME_CREATE_SIGN | GPGME_CREATE_CERT | GPGME_CREATE_NOEXPIRE;
	int r;

	/* Neutral user id: staff names are personal data and pubring.kbx is clear text. */
	if (snprintf(uid, sizeof(uid), "casevault staff %s <%s@casevault.invalid>", staff_id, staff_id) >= (int)sizeof(uid))
		return cv_error(v, CV_EINVAL, "staff id too long");
	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	if (no_passphrase) {
		flags |= GPGME_CREATE_NOPASSWD;
	} else {
		cv_gpg_use_staff_pass(w, ctx);
	}
	err = gpgme_op_createkey(ctx, uid, "ed25519", 0, 0, NULL, flags);
	if (err) {
		r = cv_gpg_err(v, err, "cannot create the staff key");
		goto out;
	}
	res = gpgme_op_genkey_result(ctx);
	if (!res || !res->fpr) {
		r = cv_error(v, CV_ERROR, "gpg made no key");
		goto out;
	}
	snprintf(fpr_out, fprlen, "%s", res->fpr);
	err = cv_gpg_get_key(ctx, fpr_out, &key, 1);
	if (!err)
		err = gpgme_op_createsubkey(ctx, key, "cv25519", 0, 0,
					    GPGME_CREATE_ENCR | GPGME_CREATE_NOEXPIRE |
					    (no_passphrase ? GPGME_CREATE_NOPASSWD : 0));
	if (err) {
		r = cv_gpg_err(v, err, "cannot create the staff encryption subkey");
		goto out;
	}
	r = 0;
out:
	op_release(ctx, NULL, NULL, key);
	return r;
}

/* Delete a key (public and secret) from the vault's keyring; best effort. */
int cv_gpg_delete_key(cv_vault *v, const char *fpr)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	int r;

	if (!fpr || !*fpr)
		return 0;
	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	err = cv_gpg_get_key(ctx, fpr, &key, 0);
	if (!err)
		err = gpgme_op_delete_ext(ctx, key, GPGME_DELETE_ALLOW_SECRET | GPGME_DELETE_FORCE);
	op_release(ctx, NULL, NULL, key);
	return err ? cv_gpg_err(v, err, "cannot delete a key") : 0;
}

/* ---- library start-up (cv_global_init, casevault/vault.h) ---- */

static int gpgconf_enabled;

int cv_gpgconf_enabled(void)
{
	return gpgconf_enabled;
}

int cv_global_init(void)
{
	return cv_global_init_ex(0);
}

/*
 * GPGME's part of the set-up, once per process, or once in a parent whose
 * children inherit it (cv_global_warm).  A first call with CV_INIT_GPGCONF
 * satisfies every later one; a first call without it decides for the process.
 */
static int gpgme_ready;

static int gpgme_init(unsigned flags)
{
	if (gpgme_ready)
		return 0;
	/*
	 * GPGME would otherwise run gpgconf --list-dirs, --list-components and
	 * --version, and gpgsm --version, before the first operation of every
	 * command (about 8 ms of a 30 ms "ls"), to learn where programs that
	 * casevault does not use live.  gpg itself is then found on PATH.
	 */
	gpgconf_enabled = !!(flags & CV_INIT_GPGCONF);
	if (!gpgconf_enabled)
		gpgme_set_global_flag("disable-gpgconf", "1");
	if (!gpgme_check_version(NULL))
		return CV_ERROR;
	gpgme_ready = 1;
	return 0;
}

int cv_global_gpgconf(void)
{
	return gpgme_ready && gpgconf_enabled;
}

int cv_global_init_ex(unsigned flags)
{
	static int done;

	if (done)
		return 0;
	if (!gcry_check_version(GCRYPT_VERSION))
		return CV_ERROR;
	gcry_control(GCRYCTL_DISABLE_SECMEM_WARN);
	gcry_control(GCRYCTL_INIT_SECMEM, 65536, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	/* No engine enumeration here: it runs gpg, gpgsm and gpgconf --version
	 * on every start.  A missing gpg shows up at the first operation. */
	if (gpgme_init(flags) < 0)
		return CV_ERROR;
	done = 1;
	return 0;
}

/*
 * casevaultd, before it forks anything: GPGME learns the GnuPG programs and
 * their versions once (gpgconf, gpg --version), with gpgconf allowed, which
 * every worker may need (docs/service.md, Speed); each worker inherits what
 * it learnt and starts no gpg --version of its own.  Only GPGME: libgcrypt's
 * secure memory is locked per process (a child does not inherit mlock), so
 * each process still sets it up itself in cv_global_init_ex.
 */
int cv_global_warm(void)
{
	gpgme_engine_info_t info;

	if (gpgme_init(CV_INIT_GPGCONF) < 0)
		return CV_ERROR;
	return gpgme_get_engine_info(&info) ? CV_ERROR : 0;
}

/*
 * KILLAGENT to the gpg-agent of a GnuPG home casevault made (the purge
 * key's, a helper's, or one a killed process left: cv_gnupg_homes_sweep):
 * the Assuan exchange gpgconf --kill makes, on a plain socket, since
 * GPGME's Assuan engine is off while gpgconf is (crypto/gpgconf.c).
 */
void cv_gpg_agent_kill(const char *home)
{
	cv_gpgconf_kill_agent(home);
}
