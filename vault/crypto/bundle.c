/*
 * casevault - the OpenPGP form of a disclosure bundle (bundle.h): GPGME on
 * a throw-away home holding the recipient's key, and the ZIP passphrase.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gcrypt.h>
#include <gpgme.h>

#include "base/util.h"
#include "casevault/common.h"
#include "crypto/bundle.h"
#include "crypto/gpg.h"
#include "crypto/helper.h"
#include "crypto/helper_serve.h"

struct cv_bundle_rcpt {
	gpgme_ctx_t ctx;
	gpgme_key_t key;
	char home[4096];
};

/* The key file: a regular file, never followed through a link. */
static int open_keyfile(cv_vault *v, const char *keyfile, int given)
{
	struct stat sb;
	/* given: casevaultd's client opened it (docs/service.md, Named files); a descriptor of our own, from its start */
	int fd = given >= 0 ? fcntl(given, F_DUPFD_CLOEXEC, 0) : open(keyfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0 && given >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return cv_error(v, CV_EINVAL, "cannot read the recipient's key file %s (a regular file, not a link)", keyfile);
	}
	return fd;
}

/* Import the key file into rc's home; exactly one public key, its fingerprint in fpr. */
static int import_key(cv_vault *v, cv_bundle_rcpt *rc, int fd, char fpr[48])
{
	gpgme_data_t d = NULL;
	gpgme_import_result_t ir;
	gpgme_error_t err;

	err = gpgme_new(&rc->ctx);
	if (!err)
		err = gpgme_ctx_set_engine_info(rc->ctx, GPGME_PROTOCOL_OpenPGP, NULL, rc->home);
	if (!err)
		err = gpgme_data_new_from_fd(&d, fd);
	if (!err)
		err = gpgme_op_import(rc->ctx, d);
	close(fd);
	if (d)
		gpgme_data_release(d);
	if (err)
		return cv_error(v, CV_EINVAL, "the recipient's key file could not be read as an OpenPGP key: %s", gpgme_strerror(err));
	ir = gpgme_op_import_result(rc->ctx);
	if (!ir || ir->considered < 1 || !ir->imports || ir->imports->next || ir->imports->result)
		return cv_error(v, CV_EINVAL, "the recipient's key file must hold exactly one OpenPGP public key");
	snprintf(fpr, 48, "%s", ir->imports->fpr);
	return 0;
}

/* The imported key must have a subkey that can encrypt today. */
static int check_key(cv_vault *v, cv_bundle_rcpt *rc, const char *fpr)
{
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	gpgme_error_t err;
	int can_encrypt = 0;

	if ((err = cv_gpg_get_key(rc->ctx, fpr, &key, 0)))
		return cv_error(v, CV_EINVAL, "the recipient's key cannot be used: %s", gpgme_strerror(err));
	for (sk = key->subkeys; sk; sk = sk->next)
		if (sk->can_encrypt && !sk->revoked && !sk->expired && !sk->disabled && !sk->invalid)
			can_encrypt = 1;
	gpgme_key_unref(key);
	if (!can_encrypt)
		return cv_error(v, CV_EINVAL, "the recipient's key has no valid encryption subkey (expired or revoked?)");
	return 0;
}

/*
 * The throw-away home: GNUPGHOME/cvr-PID-XXXXXX, 0700 inside the vault's
 * 0700 GnuPG home, where the next command that takes the writer lock finds
 * and removes it if this process is killed (cv_bundle_rcpt_sweep;
 * docs/recovery.md, Interrupted commands).  It holds the recipient's public
 * key only while the bundle is made.  "no-autostart": importing a public
 * key and encrypting to it need no gpg-agent, so none is left running.
 */
static int make_home(cv_vault *v, cv_bundle_rcpt *rc)
{
	char *conf = NULL;
	int fd, r = 0;

	if (snprintf(rc->home, sizeof(rc->home), "%s/cvr-%ld-XXXXXX", v->gnupghome, (long)getpid()) >= (int)sizeof(rc->home) ||
	    !mkdtemp(rc->home)) {
		rc->home[0] = '\0';
		return cv_error(v, CV_ERROR, "cannot make a temporary GnuPG home: %s", strerror(errno));
	}
	if (asprintf(&conf, "%s/gpg.conf", rc->home) < 0)
		return cv_error(v, CV_ERROR, "out of memory");
	fd = open(conf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || cv_write_all(fd, "no-autostart\n", 13) < 0)
		r = cv_error(v, CV_ERROR, "cannot make a temporary GnuPG home: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	free(conf);
	return r;
}

int cv_bundle_rcpt_open(cv_vault *v, const char *keyfile, int keyfd, char fpr[48], cv_bundle_rcpt **out)
{
	cv_bundle_rcpt *rc;
	gpgme_error_t err;
	int fd, r;

	*out = NULL;
	if ((fd = open_keyfile(v, keyfile, keyfd)) < 0)
		return fd;
	if (!(rc = calloc(1, sizeof(*rc)))) {
		close(fd);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	if ((r = make_home(v, rc)) < 0) {
		close(fd);
		goto fail;
	}
	if ((r = import_key(v, rc, fd, fpr)) < 0 || (r = check_key(v, rc, fpr)) < 0)
		goto fail;
	gpgme_set_offline(rc->ctx, 1);
	if ((err = cv_gpg_get_key(rc->ctx, fpr, &rc->key, 0))) {
		r = cv_error(v, CV_ERROR, "the recipient's key: %s", gpgme_strerror(err));
		goto fail;
	}
	*out = rc;
	return 0;
fail:
	cv_bundle_rcpt_close(rc);
	return r;
}

int cv_bundle_rcpt_encrypt(cv_bundle_rcpt *rc, int in_fd, int out_fd, int64_t *size, char sha[65],
			   char *why, size_t whylen)
{
	gpgme_key_t keys[2] = { rc->key, NULL };
	gpgme_error_t err = 0;

	cv_encrypt_hashed(rc->ctx, keys, GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_COMPRESS, in_fd, out_fd,
			  size, sha, &err);
	if (!err)
		return 0;
	snprintf(why, whylen, "%s", gpgme_strerror(err));
	return -1;
}

void cv_bundle_rcpt_close(cv_bundle_rcpt *rc)
{
	if (!rc)
		return;
	if (rc->key)
		gpgme_key_unref(rc->key);
	if (rc->ctx)
		gpgme_release(rc->ctx);
	if (rc->home[0]) {
		cv_gpg_agent_kill(rc->home);  /* none is started (no-autostart); an older gpg may ignore it */
		cv_rmtree(rc->home, 0);
	}
	free(rc);
}

void cv_bundle_rcpt_sweep(cv_vault *v)
{
	cv_gnupg_homes_sweep(v, "cvr-");
}

void cv_bundle_passphrase(char out[64])
{
	static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";  /* no l, o, 0, 1 */
	unsigned char rnd[25];
	int i, k = 0;

	gcry_randomize(rnd, sizeof(rnd), GCRY_STRONG_RANDOM);
	for (i = 0; i < 25; i++) {
		if (i && i % 5 == 0)
			out[k++] = '-';
		out[k++] = alpha[rnd[i] & 31];
	}
	out[k] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
}
