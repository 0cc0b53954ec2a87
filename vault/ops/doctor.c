/*
 * casevault - the health check (casevault/doctor.h, docs/commands/doctor.md).
 *
 * Each check adds one item: what it found and, when something needs doing,
 * the command to run.  The checks only read: doctor writes nothing, not
 * even an audit event (the head it reports would be stale at once).  Items hold ids, counts and dates, never personal data
 * (docs/security.md), so that the output may go to a monitoring mail.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/array.h"
#include "base/handle.h"
#include "core/audit.h"
#include "formats/formats.h"
#include "store/db_consent.h"
#include "store/db_doctor.h"
#include "casevault/consent.h"
#include "casevault/date.h"
#include "casevault/doctor.h"
#include "casevault/policy.h"
#include "casevault/purge.h"
#include "casevault/retention.h"
#include "casevault/staff.h"

/* An attestation holds 12 months (casevault/staff.h); renewal is asked for this many days before. */
#define ATTEST_WARN_DAYS 30
/* A consent's review is asked for this many days before it is due (docs/commands/consent-due.md). */
#define CONSENT_WARN_DAYS 30
/* Free space below either is too little for a day's filing, a purge's rewrite or a backup's staging. */
#define DISK_MIN_BYTES (1024LL * 1024 * 1024)
#define DISK_MIN_PERCENT 10

struct run {
	cv_vault *v;
	const cv_doctor_opts *o;
	cv_date today;
	long days;               /* today, as days since 1970 */
	cv_doctor_item *items;
	size_t n, cap;
	int failed;
};

static void add(struct run *r, const char *check, cv_doctor_state state, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct run *r, const char *check, cv_doctor_state state, const char *fmt, ...)
{
	va_list ap;

	if (CV_ARRAY_GROW(&r->items, &r->cap, r->n + 1) < 0) {
		r->failed = 1;
		return;
	}
	r->items[r->n].check = check;
	r->items[r->n].state = state;
	va_start(ap, fmt);
	vsnprintf(r->items[r->n].text, sizeof(r->items[0].text), fmt, ap);
	va_end(ap);
	r->n++;
}

/* Days from an ISO time or date's day to today; -1 when it does not start with a date. */
static long age_days(const struct run *r, const char *iso)
{
	char day[11];
	cv_date d;

	snprintf(day, sizeof(day), "%.10s", iso ? iso : "");
	if (cv_date_parse(&d, day) < 0)
		return -1;
	/* events carry the real UTC time; a test clock (CASEVAULT_TODAY) may stand before them */
	return r->days > cv_date_to_days(&d) ? r->days - cv_date_to_days(&d) : 0;
}

/* The newest successful event of either action (e.g. "purge" and "purge.scheduled"). */
static int last_event(struct run *r, const char *a1, const char *a2, char when[32])
{
	char other[32];
	int k;

	if ((k = cv_db_doctor_last_event(r->v, a1, when)) < 0 ||
	    !a2 || cv_db_doctor_last_event(r->v, a2, other) <= 0)
		return k;
	if (!when[0] || strcmp(other, when) > 0)
		memcpy(when, other, 32);
	return 1;
}

/* ---- purge and its certificate ---- */

static void check_certificate(struct run *r)
{
	cv_certificate *list = NULL;
	size_t n = 0;

	if (cv_certificate_list(r->v, &list, &n) < 0) {
		add(r, "certificate", CV_DOCTOR_UNKNOWN, "cannot read the certificates: %s", cv_vault_errmsg(r->v));
		return;
	}
	if (n == 0)
		add(r, "certificate", CV_DOCTOR_NOTE, "no certificate of destruction yet: the first purge makes one");
	else
		add(r, "certificate", CV_DOCTOR_NOTE, "last certificate of destruction: number %ld of %.10s "
		    "(%ld records; 'casevault certificates show %ld')", list[n - 1].number, list[n - 1].created,
		    list[n - 1].records, list[n - 1].number);
	free(list);
}

/* What is due today: left for the purge since before today (overdue), and awaiting review. */
static int count_due(struct run *r, size_t *overdue, size_t *review, char first[11])
{
	cv_due *due = NULL;
	char today[11];
	size_t n = 0, i;
	int k;

	*overdue = *review = 0;
	first[0] = '\0';
	cv_date_format(&r->today, today);
	if ((k = cv_retention_due(r->v, NULL, &due, &n)) < 0)
		return k;
	for (i = 0; i < n; i++) {
		int destroy = due[i].status == CV_DUE_DESTROY || due[i].status == CV_DUE_APPROVED;

		if (destroy && strcmp(due[i].retain_until, today) < 0) {
			(*overdue)++;
			if (!first[0] || strcmp(due[i].retain_until, first) < 0)
				memcpy(first, due[i].retain_until, 11);
		}
		if (due[i].status == CV_DUE_REVIEW)
			(*review)++;
	}
	cv_due_list_free(due, n);
	return 0;
}

static void check_purge(struct run *r)
{
	char when[32], first[11];
	size_t overdue, review;
	int k = last_event(r, "purge", "purge.scheduled", when);

	if (k < 0 || count_due(r, &overdue, &review, first) < 0) {
		add(r, "purge", CV_DOCTOR_UNKNOWN, "cannot read the purge's state: %s", cv_vault_errmsg(r->v));
		return;
	}
	if (overdue)
		add(r, "purge", CV_DOCTOR_TODO, "%zu records were due for destruction before today (the first on %s) "
		    "and are not destroyed (last purge: %.10s): run 'casevault purge' and check the purge timer",
		    overdue, first, k ? when : "never");
	else
		add(r, "purge", CV_DOCTOR_OK, "no destruction overdue (last purge: %.10s)", k ? when : "never");
	if (review)
		add(r, "review", CV_DOCTOR_TODO, "%zu records are due and await a manager's review: run 'casevault review'",
		    review);
}

/* ---- backups ---- */

static void check_backup(struct run *r)
{
	int every = cv_policy_backup_every_days(r->v->policy), keep = cv_policy_keystore_backup_days(r->v->policy);
	char when[32], until[11];
	cv_date d;
	long age;
	int k = last_event(r, "backup", NULL, when);

	if (k < 0) {
		add(r, "backup", CV_DOCTOR_UNKNOWN, "cannot read the audit trail: %s", cv_vault_errmsg(r->v));
		return;
	}
	if (k == 0) {
		add(r, "backup", CV_DOCTOR_TODO, "no backup yet: run 'casevault backup FILE --keys KEYFILE --secret-file "
		    "SECRET' (docs/commands/backup.md)");
		return;
	}
	age = age_days(r, when);
	if (age > every)
		add(r, "backup", CV_DOCTOR_TODO, "last backup %.10s, %ld days ago (more than backup_every_days, %d): run "
		    "'casevault backup FILE --keys KEYFILE --secret-file SECRET'", when, age, every);
	else
		add(r, "backup", CV_DOCTOR_OK, "last backup %.10s, %ld days ago (backup_every_days: %d)", when, age, every);
	/* a key-store backup keeps destroyed records readable until it is deleted (docs/recovery.md) */
	cv_date_add_days(&d, &r->today, -keep);
	cv_date_format(&d, until);
	add(r, "keystore-backups", CV_DOCTOR_NOTE, "delete every key-store backup made before %s "
	    "(keystore_backup_days: %d); the newest, of %.10s, may be kept %ld more days", until, keep, when,
	    keep - age > 0 ? keep - age : 0);
}

/* ---- the purge timer (docs/retention.md, The scheduled purge) ---- */

static void check_timer(struct run *r)
{
	const char *root = r->o && r->o->systemd_root && *r->o->systemd_root ? r->o->systemd_root : "";
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/run/systemd/system", root);
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		add(r, "timer", CV_DOCTOR_UNKNOWN, "no systemd here: run 'casevault purge' every day from cron "
		    "(docs/retention.md)");
		return;
	}
	/* enabled is the symlink 'systemctl enable' makes; read without running systemctl */
	snprintf(path, sizeof(path), "%s/etc/systemd/system/timers.target.wants/casevault-purge.timer", root);
	if (lstat(path, &st) == 0)
		add(r, "timer", CV_DOCTOR_OK, "the purge timer is enabled (casevault-purge.timer; 'systemctl status "
		    "casevault-purge.timer' shows its last run)");
	else
		add(r, "timer", CV_DOCTOR_TODO, "the purge timer is not enabled: run 'systemctl enable --now "
		    "casevault-purge.timer'");
}

/* ---- the policy ---- */

static void check_policy(struct run *r)
{
	const char *h = cv_policy_hash(r->v->policy);

	if (r->v->policy_unadopted)
		add(r, "policy", CV_DOCTOR_TODO, "the policy files were changed and not adopted (the vault keeps to "
		    "the adopted policy %.12s): run 'casevault policy check', then 'casevault policy adopt'", h ? h : "?");
	else if (r->v->policy_fallback)
		add(r, "policy", CV_DOCTOR_TODO, "the policy files do not load (the vault keeps to the last good policy "
		    "%.12s): run 'casevault policy check' and mend them", h ? h : "?");
	else
		add(r, "policy", CV_DOCTOR_OK, "the policy files are the adopted policy %.12s", h ? h : "?");
}

/* ---- staff and consents ---- */

/* An active member's attestation: 1 when it needs renewing (note says why), else 0. */
static int attest_due(const struct run *r, const cv_staff *s, char *note, size_t len)
{
	cv_date d, until;
	char day[11];

	if (s->revoked[0])
		return 0;
	if (!s->attested[0] || cv_date_parse(&d, s->attested) < 0) {
		snprintf(note, len, "%s (never)", s->id);
		return 1;
	}
	cv_date_add_months_clamp(&until, &d, 12);
	if (cv_date_to_days(&until) - r->days > ATTEST_WARN_DAYS)
		return 0;
	cv_date_format(&until, day);
	snprintf(note, len, "%s (%s %s)", s->id, cv_date_to_days(&until) < r->days ? "lapsed" : "lapses", day);
	return 1;
}

static void check_attestations(struct run *r)
{
	cv_staff *list = NULL;
	size_t n = 0, i, due = 0, used = 0;
	char ids[400] = "", one[64];

	if (cv_staff_list(r->v, &list, &n, 0) < 0) {
		add(r, "attestations", CV_DOCTOR_UNKNOWN, "cannot read the staff: %s", cv_vault_errmsg(r->v));
		return;
	}
	for (i = 0; i < n; i++) {
		if (!attest_due(r, &list[i], one, sizeof(one)))
			continue;
		due++;
		if (used + strlen(one) + 3 < sizeof(ids))  /* the first ones named; the count says how many */
			used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s%s", used ? ", " : "", one);
	}
	cv_staff_list_free(list, n);
	if (due)
		add(r, "attestations", CV_DOCTOR_TODO, "%zu attestations lapse within %d days or have: %s; run "
		    "'casevault staff attest ID' for each", due, ATTEST_WARN_DAYS, ids);
	else
		add(r, "attestations", CV_DOCTOR_OK, "every active staff member's attestation holds for %d days or more",
		    ATTEST_WARN_DAYS);
}

/* A count from the register, no scopes unsealed: doctor reads no personal data and leaves no event. */
static void check_consents(struct run *r)
{
	cv_consent *list = NULL;
	cv_date until;
	char us[11];
	size_t n = 0;

	cv_date_add_days(&until, &r->today, CONSENT_WARN_DAYS);
	cv_date_format(&until, us);
	if (cv_db_consent_list(r->v, NULL, us, 0, &list, &n) < 0) {
		add(r, "consents", CV_DOCTOR_UNKNOWN, "cannot read the consents: %s", cv_vault_errmsg(r->v));
		return;
	}
	if (n)
		add(r, "consents", CV_DOCTOR_TODO, "%zu consents to share are due for review within %d days or lapsed: "
		    "run 'casevault consent due' and review them with the family", n, CONSENT_WARN_DAYS);
	else
		add(r, "consents", CV_DOCTOR_OK, "no consent to share is due for review within %d days", CONSENT_WARN_DAYS);
	cv_consent_list_free(list, n);
}

/* ---- the audit head ---- */

static void check_audit_head(struct run *r)
{
	char hash[65];
	long seq;

	if (cv_audit_head(r->v, &seq, hash) < 0) {
		add(r, "audit-head", CV_DOCTOR_UNKNOWN, "cannot read the audit trail: %s", cv_vault_errmsg(r->v));
		return;
	}
	add(r, "audit-head", CV_DOCTOR_NOTE, "write down the audit head %ld:%.16s away from the vault; later, "
	    "'casevault audit verify --expect %ld:%.16s' proves the trail was not cut back", seq, hash, seq, hash);
}

/* ---- the disk and the files ---- */

static void check_disk(struct run *r)
{
	struct statvfs s;
	long long avail, total;

	if (statvfs(r->v->path, &s) < 0) {
		add(r, "disk", CV_DOCTOR_UNKNOWN, "cannot read the free space of the vault's filesystem: %s", strerror(errno));
		return;
	}
	avail = (long long)s.f_bavail * (long long)s.f_frsize;
	total = (long long)s.f_blocks * (long long)s.f_frsize;
	if (avail < DISK_MIN_BYTES || (total > 0 && avail * 100 / total < DISK_MIN_PERCENT))
		add(r, "disk", CV_DOCTOR_TODO, "%lld MiB free of %lld MiB on the vault's filesystem: make room or move "
		    "the vault (a purge rewrites archives and a backup stages a copy)", avail >> 20, total >> 20);
	else  /* in whole GiB: the line stays the same from one run to the next */
		add(r, "disk", CV_DOCTOR_OK, "%lld GiB free of %lld GiB on the vault's filesystem", avail >> 30, total >> 30);
}

/* Scans are read by OCR at filing; without its data they are filed without (docs/ocr.md). */
static void check_ocr(struct run *r)
{
	char why[320] = "";

	if (cv_fmt_ocr_ready(why, sizeof(why)) == 0)
		add(r, "ocr", CV_DOCTOR_OK, "OCR of scans at filing can run (its English data is installed)");
	else
		add(r, "ocr", CV_DOCTOR_TODO, "%s: until then scans are filed without OCR (docs/ocr.md)", why);
}

struct perms {
	uid_t owner;             /* the vault directory's: every file must be its */
	char bad[400];
	size_t used, nbad;
};

static void perm_one(struct perms *p, const char *path, const char *name)
{
	struct stat st;
	const char *why;
	char one[160];

	if (lstat(path, &st) < 0)
		return;  /* a file the vault does not have yet (keys.db of an old vault) */
	why = st.st_mode & 077 ? (st.st_mode & 022 ? "group/world-writable" : "group/world-readable")
	      : st.st_uid != p->owner ? "owned by another account" : NULL;
	if (!why)
		return;
	p->nbad++;
	snprintf(one, sizeof(one), "%s (%s, mode %03o)", name, why, (unsigned)(st.st_mode & 0777));
	if (p->used + strlen(one) + 3 < sizeof(p->bad))
		p->used += (size_t)snprintf(p->bad + p->used, sizeof(p->bad) - p->used, "%s%s", p->used ? ", " : "", one);
}

static void perm_archives(struct perms *p, const char *vault)
{
	char dir[4096], path[4400];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/archives", vault);
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			perm_one(p, path, e->d_name);
		}
	closedir(d);
}

static void check_permissions(struct run *r)
{
	static const char *const files[] = { "vault.db", "keys.db", "archives", "audit.head", "gnupg", NULL };
	struct perms p;
	struct stat st;
	char path[4400];
	int i;

	memset(&p, 0, sizeof(p));
	if (stat(r->v->path, &st) < 0) {
		add(r, "permissions", CV_DOCTOR_UNKNOWN, "cannot read the vault directory: %s", strerror(errno));
		return;
	}
	p.owner = st.st_uid;
	perm_one(&p, r->v->path, "the vault directory");
	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", r->v->path, files[i]);
		perm_one(&p, path, files[i]);
	}
	perm_archives(&p, r->v->path);
	if (p.nbad)
		add(r, "permissions", CV_DOCTOR_TODO, "%zu files of the vault are open to others: %s; run 'chmod -R "
		    "go-rwx %s' (and chown them to the vault's owner, uid %ld)", p.nbad, p.bad, r->v->path, (long)p.owner);
	else
		add(r, "permissions", CV_DOCTOR_OK, "the vault's files are its owner's alone (uid %ld)", (long)p.owner);
}

const char *cv_doctor_state_name(cv_doctor_state s)
{
	static const char *const names[] = { "ok", "note", "todo", "unknown" };

	return s >= CV_DOCTOR_OK && s <= CV_DOCTOR_UNKNOWN ? names[s] : "unknown";
}

int cv_doctor(cv_vault *v, const cv_doctor_opts *o, cv_doctor_item **out, size_t *n)
{
	struct run r;
	int k;

	*out = NULL;
	*n = 0;
	/* the due list, the staff and the consents are a manager's to read (docs/commands/doctor.md) */
	if ((k = cv_authorize(v, CV_ACT_APPROVE, NULL)) < 0)
		return k;
	memset(&r, 0, sizeof(r));
	r.v = v;
	r.o = o;
	if (cv_date_today(&r.today) < 0)
		return cv_error(v, CV_ERROR, "cannot tell today's date");
	r.days = cv_date_to_days(&r.today);
	check_purge(&r);
	check_certificate(&r);
	check_timer(&r);
	check_backup(&r);
	check_policy(&r);
	check_attestations(&r);
	check_consents(&r);
	check_disk(&r);
	check_ocr(&r);
	check_permissions(&r);
	check_audit_head(&r);
	if (r.failed) {
		free(r.items);
		return cv_error(v, CV_ERROR, "out of memory");
	}
	*out = r.items;
	*n = r.n;
	return 0;
}
