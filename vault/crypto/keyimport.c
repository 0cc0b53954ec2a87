/* casevault - importing a staff member's secret key (keyimport.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gpgme.h>

#include "base/handle.h"
#include "crypto/gpg.h"
#include "crypto/keyimport.h"

/* Every user id is empty or starts "casevault": nothing that names a person. */
static int neutral_uids(gpgme_key_t key)
{
	gpgme_user_id_t u;

	for (u = key->uids; u; u = u->next)
		if (u->name && *u->name && strncmp(u->name, "casevault", 9))
			return 0;
	return 1;
}

/* Import a secret key file; its user ids are stored in clear, so they must be neutral. */
int cv_gpg_import_staff_key(cv_vault *v, const char *path, int fd, char *fpr, size_t fprlen)
{
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t d = NULL;
	gpgme_import_result_t res;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	int r;

	if ((r = cv_gpg_ctx(v, &ctx, 0)) < 0)
		return r;
	/* a descriptor from casevaultd's client: read from its start (docs/service.md, Named files) */
	if (fd >= 0)
		err = lseek(fd, 0, SEEK_SET) < 0 ? gpgme_error_from_errno(errno) : gpgme_data_new_from_fd(&d, fd);
	else
		err = gpgme_data_new_from_file(&d, path, 1);
	if (err) {
		r = cv_error(v, CV_EINVAL, "cannot read the key file %s: %s", path, gpgme_strerror(err));
		goto out;
	}
	/* look before importing: the user ids would land in pubring.kbx in clear */
	err = gpgme_op_import(ctx, d);
	res = err ? NULL : gpgme_op_import_result(ctx);
	if (err || !res || !res->imports || !res->imports->fpr || res->secret_imported < 1) {
		r = cv_error(v, CV_EINVAL, "%s holds no OpenPGP secret key; export one with 'gpg --export-secret-keys'", path);
		goto out;
	}
	snprintf(fpr, fprlen, "%s", res->imports->fpr);
	err = cv_gpg_get_key(ctx, fpr, &key, 1);
	if (err || !key->can_encrypt) {
		r = cv_error(v, CV_EINVAL, "the key in %s cannot encrypt; it needs an encryption subkey", path);
		goto undo;
	}
	if (!neutral_uids(key)) {
		r = cv_error(v, CV_EREFUSED, "the key in %s has a user id with a name, which gpg would store in clear; give it a user id starting 'casevault' or let casevault make the key", path);
		goto undo;
	}
	r = 0;
	goto out;
undo:
	if (key) {
		gpgme_op_delete_ext(ctx, key, GPGME_DELETE_ALLOW_SECRET | GPGME_DELETE_FORCE);
		gpgme_key_unref(key);
		key = NULL;
	}
out:
	if (key)
		gpgme_key_unref(key);
	if (d)
		gpgme_data_release(d);
	gpgme_release(ctx);
	return r;
}
