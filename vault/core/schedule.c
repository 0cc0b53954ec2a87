/*
 * casevault - the schedule key (schedule.h).
 *
 * Why a key of its own: the unattended purge runs with no passphrase
 * (docs/commands/purge.md), yet a retention date of "date of birth + 25
 * years" publishes the child's date of birth, so the dates cannot stay in
 * clear (docs/architecture.md, Sealed columns).  The purge's account holds
 * this one key, which opens nothing but dates; VAULT/purge/ is left out of
 * the data backups (docs/retention.md), so a copy of the index alone
 * reveals no date.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handle.h"
#include "base/hex.h"
#include "base/util.h"
#include "core/actor.h"
#include "core/schedule.h"
#include "crypto/keymem.h"
#include "store/db_schedule.h"
#include "store/index.h"
#include "store/sealed.h"

#define HEADER "casevault-schedule-key 1\n"
#define FILE_LEN (sizeof(HEADER) - 1 + CV_KEY_HEX + 1)

void cv_schedule_wipe(cv_vault *v)
{
	cv_keymem_free(v->skey, CV_KEY_LEN);
	v->skey = NULL;
	v->skey_file = 0;
}

static int key_path(cv_vault *v, char *out, size_t len, const char *leaf)
{
	if ((size_t)snprintf(out, len, "%s/purge%s%s", v->path, leaf ? "/" : "", leaf ? leaf : "") >= len)
		return cv_error(v, CV_ERROR, "the vault path is too long");
	return 0;
}

/* The key file's text for v->skey (FILE_LEN bytes, no NUL). */
static void file_text(const cv_vault *v, char out[FILE_LEN + 1])
{
	memcpy(out, HEADER, sizeof(HEADER) - 1);
	cv_hex_encode(v->skey, CV_KEY_LEN, out + sizeof(HEADER) - 1);
	out[FILE_LEN - 1] = '\n';
	out[FILE_LEN] = '\0';
}

/* Read the key file into buf (FILE_LEN bytes): 1 read, 0 absent or unreadable by this account, < 0 refused. */
static int read_file(cv_vault *v, char buf[FILE_LEN + 1])
{
	char p[CV_MAX_VAULT_PATH + 64];
	struct stat sb;
	ssize_t got;
	int fd, r;

	if ((r = key_path(v, p, sizeof(p), "schedule.key")) < 0)
		return r;
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == EACCES ? 0 : cv_error(v, CV_ERROR, "cannot open %s: %s", p, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
		close(fd);
		return cv_error(v, CV_EREFUSED, "%s is not a regular file readable only by its owner: chmod 600 it", p);
	}
	got = read(fd, buf, FILE_LEN + 1);
	close(fd);
	buf[got > 0 ? (size_t)got > FILE_LEN ? FILE_LEN : (size_t)got : 0] = '\0';
	return got == (ssize_t)FILE_LEN ? 1 : cv_error(v, CV_ECORRUPT, "%s is damaged; a staff member's next filing or 'retention recompute' writes it again", p);
}

/* The purge's way in: the key from VAULT/purge/schedule.key. 1 loaded, 0 absent. */
static int load_file(cv_vault *v)
{
	char buf[FILE_LEN + 1];
	unsigned char *key;
	int r;

	if ((r = read_file(v, buf)) <= 0)
		return r;
	if (strncmp(buf, HEADER, sizeof(HEADER) - 1) || !(key = cv_keymem_alloc(CV_KEY_LEN)))
		r = cv_error(v, CV_ECORRUPT, "the schedule key file is not in casevault's format");
	else if (cv_hex_decode(buf + sizeof(HEADER) - 1, CV_KEY_LEN, key) < 0) {
		cv_keymem_free(key, CV_KEY_LEN);
		r = cv_error(v, CV_ECORRUPT, "the schedule key file is damaged");
	} else {
		cv_schedule_wipe(v);
		v->skey = key;
		v->skey_file = 1;
	}
	explicit_bzero(buf, sizeof(buf));
	return r;
}

/* Write the key file (directory 0700, file 0600, temp name, fsync, rename). */
static int write_file(cv_vault *v, const char *text)
{
	char dir[CV_MAX_VAULT_PATH + 64], tmp[CV_MAX_VAULT_PATH + 96], fin[CV_MAX_VAULT_PATH + 64];
	int fd, ok;

	if (key_path(v, dir, sizeof(dir), NULL) < 0 || key_path(v, fin, sizeof(fin), "schedule.key") < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/.schedule.key.%ld", dir, (long)getpid());
	/* another part of the vault keeps the purge's signing key here too: never fail if it exists */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return -1;
	ok = cv_write_all(fd, text, FILE_LEN) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok && rename(tmp, fin) == 0 && cv_fsync_dir(dir) == 0;
	if (!ok)
		unlink(tmp);
	return ok ? 0 : -1;
}

/* After the commit: the purge's copy, written again when missing or not this key. */
static int file_after_commit(cv_vault *v)
{
	char want[FILE_LEN + 1], have[FILE_LEN + 1];
	int r;

	if (!v->skey)
		return 0;
	file_text(v, want);
	r = read_file(v, have);
	if (r <= 0 || memcmp(want, have, FILE_LEN)) {
		if (write_file(v, want) < 0)
			cv_notice(v, "the purge's copy of the schedule key (VAULT/purge/schedule.key) could not be written: "
				  "the unattended purge will stop until it is; run this as the vault's owner");
	}
	explicit_bzero(want, sizeof(want));
	explicit_bzero(have, sizeof(have));
	return 0;
}

static int create_key(cv_vault *v)
{
	char hex[CV_KEY_HEX + 1], now[32];
	unsigned char *key = cv_keymem_new_key(CV_KEY_LEN);
	int r;

	if (!key)
		return cv_error(v, CV_ERROR, "out of secure memory");
	cv_hex_encode(key, CV_KEY_LEN, hex);
	cv_now_iso(now);
	r = cv_db_schedule_insert(v, hex, now);
	explicit_bzero(hex, sizeof(hex));
	if (r < 0) {
		cv_keymem_free(key, CV_KEY_LEN);
		return r;
	}
	cv_schedule_wipe(v);
	v->skey = key;
	return 0;
}

int cv_schedule_ensure(cv_vault *v)
{
	size_t moved = 0;
	int r, s;

	if (!v->mkey[CV_SECTION_CASE])
		return 0;
	if ((r = cv_sealed_schedule_load(v)) < 0)
		return r;
	/*
	 * The key is made, and an older vault's clear dates sealed, in one
	 * transaction: once it exists no clear date is ever read again (a new
	 * one was written behind casevault's back, store/db_retention.c).
	 */
	if (r == 0 && ((r = create_key(v)) < 0 || (r = cv_db_schedule_seal_clear(v, &moved)) < 0))
		return r;
	/* an older vault's exact sizes too, section by section as the keys are held */
	for (s = 0; s < CV_SECTION_COUNT; s++)
		if (v->mkey[s] && (r = cv_db_sizes_seal(v, (cv_section)s, &moved)) < 0)
			return r;
	return cv_index_on_commit(v, file_after_commit);
}

int cv_schedule_require(cv_vault *v, int may_unlock)
{
	int r;

	if ((r = cv_sealed_schedule_load(v)) != 0 || (r = load_file(v)) != 0)
		return r < 0 ? r : 0;
	if ((r = cv_db_schedule_exists(v)) <= 0)
		return r;  /* no schedule key yet: the dates are still clear */
	if (may_unlock) {
		if ((r = cv_require_key(v, CV_SECTION_CASE)) < 0 || (r = cv_sealed_schedule_load(v)) < 0)
			return r;
		if (r > 0)
			return 0;
	}
	return cv_error(v, CV_EREFUSED, "the retention dates are sealed and this account cannot read them: "
			"the schedule key is in VAULT/purge/schedule.key (the purge's account) or needs the case section unlocked; "
			"nothing was changed");
}
