/* casevault - the vault handle: init, open, close, errors, locking. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "base/handle.h"
#include "base/util.h"
#include "core/adopted.h"
#include "core/audit.h"
#include "core/certsign.h"
#include "core/intent.h"
#include "store/keystore.h"
#include "store/objects.h"
#include "core/keys.h"
#include "core/schedule.h"
#include "core/lock.h"
#include "crypto/gpgconf.h"
#include "crypto/gpg.h"
#include "crypto/blind.h"
#include "crypto/seal.h"
#include "store/db_meta.h"
#include "store/db_staff.h"
#include "store/index.h"
#include "casevault/staff.h"
#include "casevault/date.h"

const char *cv_vault_errmsg(const cv_vault *v) { return v ? v->errmsg : "out of memory"; }
const char *cv_vault_notice(const cv_vault *v) { return v->notice; }
const char *cv_vault_path(const cv_vault *v) { return v->path; }
const char *cv_vault_actor(const cv_vault *v) { return v->actor; }

void cv_vault_set_passphrase_cb(cv_vault *v, cv_passphrase_cb cb, void *hook)
{
	v->pass_cb = cb;
	v->pass_hook = hook;
}

static char *join(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

static cv_vault *vault_new(const char *path)
{
	cv_vault *v = calloc(1, sizeof(*v));
	char real[PATH_MAX];

	if (!v)
		return NULL;
	v->lockfd = -1;
	if (realpath(path, real))
		v->path = strdup(real);
	else
		v->path = strdup(path);
	if (!v->path)
		goto fail;
	v->dbpath = join(v->path, "vault.db");
	v->gnupghome = join(v->path, "gnupg");
	v->archdir = join(v->path, "archives");
	v->objects = v->archdir ? cv_objstore_local(v->archdir) : NULL;
	v->seal = cv_seal_cache_new();
	v->blind = cv_blind_cache_new();
	if (!v->dbpath || !v->gnupghome || !v->archdir || !v->objects || !v->seal || !v->blind)
		goto fail;
	return v;
fail:
	cv_vault_close(v);
	return NULL;
}

void cv_vault_finish(cv_vault *v)
{
	void (*fn)(cv_vault *v) = v ? v->at_end : NULL;

	if (fn) {
		v->at_end = NULL;
		fn(v);
	}
}

void cv_vault_close(cv_vault *v)
{
	if (!v)
		return;
	cv_vault_finish(v);
	cv_keys_wipe(v);
	cv_schedule_wipe(v);
	cv_seal_cache_free(v->seal);
	cv_blind_cache_free(v->blind);
	cv_db_meta_close(v);
	cv_policy_free(v->policy);
	cv_vault_unlock_writer(v);
	free(v->receipt_ok);
	free(v->path);
	free(v->dbpath);
	free(v->gnupghome);
	free(v->archdir);
	if (v->objects)
		v->objects->free(v->objects);
	explicit_bzero(v, sizeof(*v));
	free(v);
}

/* At init: the policies being copied in must load, and a mistake is named in the file the user gave. */
static int check_policy_source(cv_vault *v, const char *dir)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	cv_policy *check = NULL;
	int r = 0;

	if (cv_policy_load(&check, dir, &probs) < 0) {
		if (probs.n)
			r = cv_error(v, CV_EPOLICY, "the policy is invalid: %s:%d: %s; fix it (casevault policy check FILE)",
				     probs.items[0].file ? probs.items[0].file : dir,
				     probs.items[0].line, probs.items[0].msg);
		else
			r = cv_error(v, CV_EPOLICY, "cannot load the policies from %s", dir);
	}
	cv_policy_free(check);
	cv_problems_release(&probs);
	return r;
}

/*
 * Why the vault's own policy did not load.  A file that is gone or cannot
 * be read (a problem with no line) is not a mistake to fix in it: the copy
 * the vault runs on is restored (docs/recovery.md, Backups and restoring).
 */
static void policy_error(cv_vault *v, const cv_problems *probs, const char *dir)
{
	const char *file = probs->n && probs->items[0].file ? probs->items[0].file : dir;

	if (!probs->n)
		cv_error(v, CV_EPOLICY, "cannot load the vault's policies from %s", dir);
	else if (probs->items[0].line == 0 && access(file, R_OK) < 0)
		cv_error(v, CV_EPOLICY, "the vault's policy file %s cannot be read (%s): restore it from a backup "
			 "(docs/recovery.md, Backups and restoring)", file, probs->items[0].msg);
	else
		cv_error(v, CV_EPOLICY, "the vault's policy is invalid: %s:%d: %s; fix it (casevault policy check FILE)",
			 file, probs->items[0].line, probs->items[0].msg);
}

static int load_policy(cv_vault *v)
{
	cv_problems probs = CV_PROBLEMS_INIT;
	char *dir = join(v->path, "policies");
	int r;

	if (!dir)
		return cv_error(v, CV_ERROR, "out of memory");
	r = cv_policy_load(&v->policy, dir, &probs);
	if (r < 0) {
		policy_error(v, &probs, dir);
		r = CV_EPOLICY;
		/* The vault keeps using the last good policy it recorded (retention.c). */
		if (cv_retention_policy_fallback(v, v->errmsg) == 0)
			r = 0;
	} else if (v->db) {
		r = cv_retention_check_adopted(v);
	}
	cv_problems_release(&probs);
	free(dir);
	return r;
}

static const char *network_fs_at(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 ? cv_network_fs((long)sf.f_type) : NULL;
}

/*
 * CASEVAULT_TODAY moves "today" for tests (retention falling due years
 * later).  A real vault must not follow it: "CASEVAULT_TODAY=2099-01-01
 * casevault purge" would destroy, with proper certificates, everything due
 * before 2099.  So only a vault made with init --test-clock (meta row
 * test_clock, and an audit event) accepts it; any other vault refuses to
 * open while it is set, before anything is read or changed.
 */
static int check_clock(cv_vault *v)
{
	char value[8];
	int r;

	v->test_clock = 0;
	if ((r = cv_db_meta_get(v, "test_clock", value, sizeof(value))) < 0)
		return r;
	if (r && !strcmp(value, "1"))
		v->test_clock = 1;
	if (getenv("CASEVAULT_TODAY") && !v->test_clock)
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is set, but this vault takes its dates from the system clock "
				"(only test vaults made with 'init --test-clock' follow it); unset CASEVAULT_TODAY");
	return 0;
}

const struct cv_policy *cv_vault_policy(const cv_vault *v)
{
	return v ? v->policy : NULL;
}

int cv_vault_test_clock(const cv_vault *v)
{
	return v ? v->test_clock : 0;
}

#define LOST_INDEX "restore it from a backup (docs/recovery.md, A lost or damaged index)"
#define LOST_KEYS "restore it from a backup (docs/recovery.md, A lost GnuPG home or keyring)"

/* Anything casevault puts in a vault directory besides the index. */
static int has_vault_parts(const cv_vault *v)
{
	static const char *parts[] = { "gnupg", "archives", "certificates", "policies", "audit.head", NULL };
	struct stat sb;
	char p[PATH_MAX];
	int i;

	for (i = 0; parts[i]; i++)
		if (snprintf(p, sizeof(p), "%s/%s", v->path, parts[i]) < (int)sizeof(p) && lstat(p, &sb) == 0)
			return 1;
	return 0;
}

/* GnuPG's public keyring: pubring.kbx, or keyboxd's database where a GnuPG home uses one. */
static int has_keyring(const cv_vault *v)
{
	struct stat sb;
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/pubring.kbx", v->gnupghome) < (int)sizeof(p) && stat(p, &sb) == 0)
		return 1;
	return snprintf(p, sizeof(p), "%s/public-keys.d/pubring.db", v->gnupghome) < (int)sizeof(p) &&
	       stat(p, &sb) == 0;
}

/*
 * The files every command needs, each named when it is missing, before
 * anything is opened or written.  Only 'casevault init' on an empty
 * directory makes an index: a vault whose index is missing or empty has
 * lost it, and a new empty one would make every archive, receipt and
 * certificate an orphan without a word (docs/recovery.md, A lost or
 * damaged index).
 */
static int check_vault_files(cv_vault *v, const char *path)
{
	struct stat sb;

	if (lstat(v->dbpath, &sb) < 0) {
		if (errno != ENOENT)
			return cv_error(v, CV_ERROR, "cannot read the vault's index %s: %s", v->dbpath, strerror(errno));
		if (!has_vault_parts(v))
			return cv_error(v, CV_ENOTFOUND, "no vault at %s; create one with 'casevault init' or choose one with -C DIR", path);
		return cv_error(v, CV_ECORRUPT, "the vault's index %s is missing: " LOST_INDEX, v->dbpath);
	}
	if (!S_ISREG(sb.st_mode))
		return cv_error(v, CV_ECORRUPT, "the vault's index %s is not a regular file: " LOST_INDEX, v->dbpath);
	if (sb.st_size == 0)
		return cv_error(v, CV_ECORRUPT, "the vault's index %s is empty (0 bytes): it was lost or truncated; " LOST_INDEX, v->dbpath);
	if (stat(v->gnupghome, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return cv_error(v, CV_ECORRUPT, "the vault's GnuPG home %s (the staff keys) is missing: " LOST_KEYS, v->gnupghome);
	if (!has_keyring(v))
		return cv_error(v, CV_ECORRUPT, "the vault keyring %s/pubring.kbx is missing: " LOST_KEYS, v->gnupghome);
	return 0;
}

/*
 * The index file holds this vault's schema and SQLite can read it; refused
 * before any use (see check_vault_files).  The probe's connection is the
 * one cv_index_open then sets up, so the schema is parsed once.
 */
static int check_index_file(cv_vault *v)
{
	char why[160];
	int ver, r = cv_db_meta_probe(v->dbpath, &ver, why, sizeof(why), v);

	if (r == 1)
		return 0;
	if (r == 0)
		return cv_error(v, CV_ECORRUPT, "the vault's index %s holds no casevault tables (replaced or emptied): " LOST_INDEX, v->dbpath);
	if (r == CV_ECORRUPT)
		return cv_error(v, CV_ECORRUPT, "the vault's index %s is damaged or truncated (%s): " LOST_INDEX, v->dbpath, why);
	if (r == CV_ELOCKED)
		return cv_error(v, CV_ELOCKED, "cannot read the index: it is busy; try again");
	return cv_error(v, CV_ERROR, "cannot read the vault's index %s: %s", v->dbpath, why);
}

/* The files whose change makes an open handle stale (cv_vault_current). */
static const char *const stamped[] = { "vault.db", "keys.db", "audit.head", "policies/retention.ini",
				       "policies/filetypes.ini" };
_Static_assert(sizeof(stamped) / sizeof(stamped[0]) == sizeof(((struct cv_open_stamp *)0)->files) /
	       sizeof(struct cv_file_stamp), "one stamp per file");

static void stamp_files(const cv_vault *v, struct cv_open_stamp *s)
{
	char p[PATH_MAX];
	struct stat sb;
	size_t i;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	for (i = 0; i < sizeof(stamped) / sizeof(stamped[0]); i++) {
		struct cv_file_stamp *f = &s->files[i];

		if (snprintf(p, sizeof(p), "%s/%s", v->path, stamped[i]) < (int)sizeof(p) && stat(p, &sb) == 0) {
			f->dev = sb.st_dev;
			f->ino = sb.st_ino;
			f->size = sb.st_size;
			f->mtim = sb.st_mtim;
		}
	}
}

/*
 * Taken before the open reads anything (files) and before it reads the
 * index's rows (data versions): a change made while it opens makes the
 * handle stale, never current.
 */
int cv_vault_current(cv_vault *v, long max_age)
{
	struct cv_open_stamp now;

	if (!v || !v->db || cv_index_in_tx(v))
		return 0;
	stamp_files(v, &now);
	if (now.at.tv_sec - v->opened.at.tv_sec > max_age || cv_index_data_version(v, now.data_version) < 0)
		return 0;
	return !memcmp(now.files, v->opened.files, sizeof(now.files)) &&
	       !memcmp(now.data_version, v->opened.data_version, sizeof(now.data_version));
}

int cv_vault_open(cv_vault **out, const char *path)
{
	cv_vault *v;
	const char *fs;
	int r;

	*out = NULL;
	if ((r = cv_global_init()) < 0)
		return r;
	v = vault_new(path);
	if (!v)
		return CV_ERROR;
	stamp_files(v, &v->opened);
	if ((r = check_vault_files(v, path)) < 0 || (r = check_index_file(v)) < 0)
		goto out;
	if ((r = cv_gpg_home(v)) < 0)
		goto out;
	if ((r = cv_index_open(v, 0)) < 0 || (r = cv_keystore_attach(v)) < 0 ||
	    (r = cv_index_data_version(v, v->opened.data_version)) < 0)
		goto out;
	if ((r = check_clock(v)) < 0)
		goto out;
	if ((fs = network_fs_at(v->path)))
		cv_notice(v, "the vault is on %s, a network file system, where SQLite's write-ahead log and the vault's "
			  "locks are not safe: move it to a local disk (docs/recovery.md, Backups and restoring)", fs);
	if ((r = load_policy(v)) < 0)
		goto out;
	cv_audit_sync_head(v);
	/* Only tried: a reader does not wait for a writer.  Writers and verify
	 * finish what is left when the lock is held now. */
	if ((r = cv_vault_recover(v, 0)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0) {
		*out = v;  /* caller reads errmsg, then closes */
		return r;
	}
	*out = v;
	return 0;
}

static int copy_file(cv_vault *v, const char *src, const char *dst)
{
	char buf[8192];
	int in, o, r = 0;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return cv_error(v, CV_ENOTFOUND, "cannot read policy file %s: %s", src, strerror(errno));
	o = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (o < 0) {
		close(in);
		return cv_error(v, CV_ERROR, "cannot create %s: %s", dst, strerror(errno));
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(o, buf, n) != n) {
			r = cv_error(v, CV_ERROR, "cannot write %s: %s", dst, strerror(errno));
			break;
		}
	if (n < 0)
		r = cv_error(v, CV_ERROR, "cannot read %s: %s", src, strerror(errno));
	if (r == 0 && fsync(o) < 0)
		r = cv_error(v, CV_ERROR, "cannot sync %s: %s", dst, strerror(errno));
	close(in);
	close(o);
	return r;
}

static const char *default_policy_dir(void)
{
	const char *e = getenv("CASEVAULT_POLICY_DIR");
	struct stat sb;

	if (e && *e)
		return e;
	if (stat(CV_DEFAULT_POLICY_DIR "/retention.ini", &sb) == 0)
		return CV_DEFAULT_POLICY_DIR;
	return CV_SOURCE_POLICY_DIR;
}

static int write_text(cv_vault *v, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t len = strlen(text);

	if (fd < 0)
		return cv_error(v, CV_ERROR, "cannot create %s: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		close(fd);
		return cv_error(v, CV_ERROR, "cannot write %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}


#define AGENT_CONF_FMT \
	"# casevault: the idle lock. A staff passphrase is remembered for\n" \
	"# default-cache-ttl seconds after its last use (at most max-cache-ttl),\n" \
	"# then asked again. Change it with 'casevault lock --idle SECONDS'.\n" \
	"default-cache-ttl %ld\n" \
	"max-cache-ttl %ld\n" \
	"allow-loopback-pinentry\n"

static int write_agent_conf(cv_vault *v, long idle)
{
	char text[512], *p = NULL, *tmp = NULL;
	int r;

	snprintf(text, sizeof(text), AGENT_CONF_FMT, idle, idle > 7200 ? idle : 7200);
	if (asprintf(&p, "%s/gpg-agent.conf", v->gnupghome) < 0 || asprintf(&tmp, "%s.tmp", p) < 0) {
		free(p);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	unlink(tmp);
	r = write_text(v, tmp, text);
	if (r == 0 && rename(tmp, p) < 0)
		r = cv_error(v, CV_ERROR, "cannot replace gpg-agent.conf: %s", strerror(errno));
	if (r < 0)
		unlink(tmp);
	free(p);
	free(tmp);
	return r;
}

int cv_vault_set_idle(cv_vault *v, long seconds)
{
	int r;

	if (seconds < 1 || seconds > 86400)
		return cv_error(v, CV_EINVAL, "the idle time must be between 1 second and 24 hours (86400 seconds)");
	if ((r = cv_authorize(v, CV_ACT_STAFF_ADMIN, NULL)) < 0)
		return r;
	if ((r = write_agent_conf(v, seconds)) < 0)
		return r;
	cv_audit(v, "vault.idle", 0, NULL);
	/* the agent rereads its configuration and forgets what it held; casevaultd's sessions end too */
	if (v->slip_cache)
		v->slip_cache->end(v->slip_cache_ctx, NULL);
	return cv_vault_forget(v);
}

/* path is a new or empty directory, made 0700; CV_EEXISTS when something is there. */
static int init_dir(const char *path, int *created)
{
	struct stat sb;

	*created = 0;
	if (stat(path, &sb) == 0) {
		DIR *d;
		struct dirent *de;
		int empty = 1;

		if (!S_ISDIR(sb.st_mode))
			return CV_EEXISTS;
		d = opendir(path);
		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = 0;
		if (d)
			closedir(d);
		if (!empty)
			return CV_EEXISTS;
		chmod(path, 0700);
		return 0;
	}
	if (mkdir(path, 0700) < 0)
		return CV_ERROR;
	*created = 1;
	return 0;
}

/* Where and how the vault may be made: a local disk, a short path, the real clock unless a test vault. */
static int init_checks(cv_vault *v, const cv_init_opts *opts)
{
	const char *fs;

	if ((fs = network_fs_at(v->path)))
		return cv_error(v, CV_EINVAL, "%s is on %s, a network file system, where SQLite's write-ahead log and the "
				"vault's locks are not safe; choose a directory on a local disk (back it up to the network instead)",
				v->path, fs);
	if (getenv("CASEVAULT_TODAY") && !(opts && opts->test_clock))
		return cv_error(v, CV_EINVAL, "CASEVAULT_TODAY is set: it is for test vaults only; unset it, or add --test-clock to make a test vault");
	v->test_clock = opts && opts->test_clock;
	if (strlen(v->path) > CV_MAX_VAULT_PATH)
		return cv_error(v, CV_EINVAL, "vault path is too long for gpg-agent's sockets (max %d characters); choose a shorter path", CV_MAX_VAULT_PATH);
	return 0;
}

/* The directories, the GnuPG home and its settings (docs/security.md). */
static int init_layout(cv_vault *v, const cv_init_opts *opts)
{
	char *p = NULL;
	int r;

	if (mkdir(v->gnupghome, 0700) < 0 || mkdir(v->archdir, 0700) < 0)
		return cv_error(v, CV_ERROR, "cannot create the vault directories: %s", strerror(errno));
	if ((r = cv_gpg_home(v)) < 0)
		return r;
	if (asprintf(&p, "%s/certificates", v->path) < 0 || mkdir(p, 0700) < 0) {
		free(p);
		return cv_error(v, CV_ERROR, "cannot create the certificates directory");
	}
	free(p);
	p = NULL;
	if (asprintf(&p, "%s/gpg.conf", v->gnupghome) < 0) {
		free(p);
		return CV_ERROR;
	}
	r = write_text(v, p, cv_gpg_conf_text);
	free(p);
	if (r < 0)
		return r;
	return write_agent_conf(v, opts && opts->idle_seconds > 0 ? opts->idle_seconds : 600);
}

/* Policies: copied in, so the vault keeps the schedule it runs under. */
static int init_policies(cv_vault *v, const cv_init_opts *opts)
{
	static const char *pfiles[] = { "retention.ini", "filetypes.ini", "calendar.ini", "redaction.ini", "disclosure-letter.txt", NULL };
	const char *pdir = opts && opts->policy_dir ? opts->policy_dir : default_policy_dir();
	char *p = NULL;
	int r = 0, i;

	if (asprintf(&p, "%s/policies", v->path) < 0 || mkdir(p, 0700) < 0) {
		free(p);
		return cv_error(v, CV_ERROR, "cannot create the policies directory");
	}
	for (i = 0; pfiles[i] && r == 0; i++) {
		char *src = NULL, *dst = NULL;

		if (asprintf(&src, "%s/%s", pdir, pfiles[i]) < 0 || asprintf(&dst, "%s/%s", p, pfiles[i]) < 0)
			r = cv_error(v, CV_ERROR, "out of memory");
		else
			r = copy_file(v, src, dst);
		free(src);
		free(dst);
	}
	free(p);
	if (r < 0)
		return r;
	if ((r = check_policy_source(v, pdir)) < 0)
		return r;
	return load_policy(v);
}

/*
 * Setting up the vault is the first manager agreeing to the policy; the
 * scheduled purge compares today with the last purge (purge.c,
 * check_clock_gap), until one has run with the day the vault was set up.
 * Not for a test vault, whose today jumps by years.
 */
static int init_first_day(cv_vault *v, const cv_init_opts *opts, const char *now)
{
	char today_s[11];
	cv_date td;
	int r;

	cv_date_today(&td);
	cv_date_format(&td, today_s);
	if ((r = cv_db_staff_attest_insert(v, "S-0001", today_s, opts && opts->policy_version ? opts->policy_version : "1",
					   "S-0001", now, "record the first attestation")) < 0 ||
	    (r = cv_audit(v, "vault.init", 0, "S-0001")) < 0)
		return r;
	if (v->test_clock &&
	    ((r = cv_db_meta_set(v, "test_clock", "1", 0, "update the index")) < 0 ||
	     (r = cv_audit(v, "vault.test-clock", 0, "")) < 0))
		return r;
	if (!v->test_clock)
		return cv_db_meta_set(v, "purge_day", today_s, 0, "record the day the vault was set up");
	return 0;
}

/* The first manager, the section keys and their keyslip, in the transaction the caller opened. */
static int init_first_manager(cv_vault *v, const cv_init_opts *opts, const char *staff_id, const char *fpr)
{
	char now[32];
	cv_db_staff_new row = { staff_id, "manager", fpr, 1, (long)getuid(), NULL, now };
	int r;

	cv_now_iso(now);
	if ((r = cv_db_staff_insert(v, &row, "add the first staff member")) < 0 ||
	    (r = cv_db_meta_counter_set(v, "staff", 1)) < 0 ||
	    (r = cv_keys_create_sections(v, staff_id, fpr, (1 << CV_SECTION_CASE) | (1 << CV_SECTION_CP))) < 0 ||
	    (r = cv_schedule_ensure(v)) < 0)
		return r;
	snprintf(v->actor, sizeof(v->actor), "%s", staff_id);
	snprintf(v->actor_fpr, sizeof(v->actor_fpr), "%s", fpr);
	snprintf(v->actor_role, sizeof(v->actor_role), "manager");
	v->role = CV_ROLE_MANAGER;
	if ((r = init_first_day(v, opts, now)) < 0)
		return r;
	if (opts && opts->staff_name && *opts->staff_name)
		return cv_db_staff_set_name(v, staff_id, opts->staff_name);
	return 0;
}

/* A failed init leaves nothing behind but an empty directory we did not create. */
static void init_undo(cv_vault *v, int created_dir, cv_vault **out)
{
	char *msg = strdup(v->errmsg);
	char *cmd_path = strdup(v->path);

	cv_vault_close(v);
	if (cmd_path)
		cv_rmtree(cmd_path, !created_dir);
	free(cmd_path);
	if (msg) {
		/* hand the message back through a minimal handle */
		cv_vault *e = calloc(1, sizeof(*e));
		if (e) {
			e->lockfd = -1;
			snprintf(e->errmsg, sizeof(e->errmsg), "%s", msg);
			*out = e;
		}
		free(msg);
	}
}

/* Everything after the directory exists: its layout, the policies, the index, the first manager. */
static int init_vault(cv_vault *v, const cv_init_opts *opts)
{
	char fpr[48], purge_fpr[48];
	const char *staff_id = "S-0001";
	int r;

	if ((r = init_checks(v, opts)) < 0 || (r = init_layout(v, opts)) < 0 ||
	    (r = init_policies(v, opts)) < 0 || (r = cv_index_open(v, 1)) < 0 ||
	    (r = cv_keystore_attach(v)) < 0)
		return r;
	if ((r = cv_gpg_create_staff_key(v, staff_id, opts && opts->no_passphrase, fpr, sizeof(fpr))) < 0)
		return r;
	if ((r = cv_index_begin(v)) < 0)
		return r;
	if ((r = init_first_manager(v, opts, staff_id, fpr)) < 0) {
		cv_index_rollback(v);
		return r;
	}
	if ((r = cv_index_commit(v)) < 0 || (r = cv_purgekey_create(v, purge_fpr)) < 0)  /* core/certsign.c */
		return r;
	cv_audit_sync_head(v);
	return 0;
}

int cv_vault_init(cv_vault **out, const char *path, const cv_init_opts *opts,
		  cv_passphrase_cb cb, void *hook)
{
	cv_vault *v;
	int r, created_dir = 0;
	mode_t old_umask;

	*out = NULL;
	if ((r = cv_global_init()) < 0)
		return r;
	if (strlen(path) > CV_MAX_VAULT_PATH)
		return CV_EINVAL;
	old_umask = umask(077);
	if ((r = init_dir(path, &created_dir)) < 0) {
		umask(old_umask);
		return r;
	}
	v = vault_new(path);
	if (!v)
		r = CV_ERROR;
	else {
		cv_vault_set_passphrase_cb(v, cb, hook);
		r = init_vault(v, opts);
	}
	umask(old_umask);
	if (r == 0)
		*out = v;
	else if (v)
		init_undo(v, created_dir, out);
	return r;
}

int cv_vault_forget(cv_vault *v)
{
	cv_keys_wipe(v);
	return cv_gpg_agent_forget(v);
}
