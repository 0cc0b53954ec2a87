/*
 * casevault - the SQLite index: schema, numbered migrations, helpers.
 *
 * The schema version is PRAGMA user_version.  Migration N turns version N-1
 * into N and runs inside one transaction with the version bump; add new
 * migrations at the end of the list and never edit a released one.
 * Personal fields are BLOBs sealed by seal.c; everything in clear here is an
 * id, a class, a date of an administrative event, a size or a hash of
 * ciphertext.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "base/handle.h"
#include "base/util.h"
#include "store/index.h"

static const char *migrations[] = {
	/* 1: the foundation */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO counters VALUES('staff',0),('case',0),('record',0);"
	"CREATE TABLE staff("
	"  id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK(role IN ('manager','caseworker','cp-lead','volunteer','auditor')),"
	"  fpr TEXT NOT NULL UNIQUE, os_uid INTEGER, name BLOB,"
	"  created TEXT NOT NULL, revoked TEXT);"
	"CREATE TABLE section_keys("
	"  section TEXT PRIMARY KEY CHECK(section IN ('case','cp')),"
	"  generation INTEGER NOT NULL, check_mac TEXT NOT NULL);"
	"CREATE TABLE keyslips("
	"  staff_id TEXT NOT NULL REFERENCES staff(id), generation INTEGER NOT NULL,"
	"  sections TEXT NOT NULL, slip TEXT NOT NULL, created TEXT NOT NULL,"
	"  PRIMARY KEY(staff_id, generation));"
	"CREATE TABLE cases("
	"  id TEXT PRIMARY KEY, parent BLOB NOT NULL, child BLOB NOT NULL, child_dob BLOB NOT NULL,"
	"  pr_confirmed_by TEXT NOT NULL REFERENCES staff(id), pr_confirmed_at TEXT NOT NULL,"
	"  opened TEXT NOT NULL, closed TEXT, opened_by TEXT NOT NULL REFERENCES staff(id));"
	"CREATE TABLE receipts("
	"  id INTEGER PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff(id),"
	"  created TEXT NOT NULL, body TEXT NOT NULL, sig TEXT NOT NULL);"
	"CREATE TABLE archives("
	"  id INTEGER PRIMARY KEY, file TEXT NOT NULL UNIQUE,"
	"  case_id TEXT REFERENCES cases(id), section TEXT NOT NULL CHECK(section IN ('case','cp')),"
	"  key_gen INTEGER NOT NULL, wrapped_key TEXT NOT NULL, compression TEXT NOT NULL,"
	"  size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
	"  receipt_id INTEGER NOT NULL REFERENCES receipts(id), created TEXT NOT NULL);"
	"CREATE TABLE records("
	"  id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,"
	"  case_id TEXT REFERENCES cases(id), section TEXT NOT NULL CHECK(section IN ('case','cp')),"
	"  class TEXT NOT NULL, archive_id INTEGER NOT NULL REFERENCES archives(id),"
	"  member TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL,"
	"  title BLOB NOT NULL, sha256 BLOB NOT NULL, event_date BLOB NOT NULL,"
	"  filed_at TEXT NOT NULL, filed_by TEXT NOT NULL REFERENCES staff(id),"
	"  retain_until TEXT, policy_hash TEXT NOT NULL);"
	"CREATE INDEX records_case ON records(case_id, section);"
	"CREATE INDEX records_archive ON records(archive_id);"
	"CREATE TABLE pending(file TEXT PRIMARY KEY, created TEXT NOT NULL);",
	/* 2: retention - holds, reviews, purge intents, certificates, policy versions (retention.c, purge.c) */
	"CREATE TABLE holds("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK(kind IN ('hold','moratorium','request')),"
	"  case_id TEXT REFERENCES cases(id), record_id TEXT, ref TEXT, reason BLOB,"
	"  section TEXT NOT NULL DEFAULT 'case' CHECK(section IN ('case','cp')),"
	"  placed_by TEXT NOT NULL REFERENCES staff(id), placed_at TEXT NOT NULL,"
	"  released_by TEXT REFERENCES staff(id), released_at TEXT,"
	"  CHECK(case_id IS NOT NULL OR record_id IS NOT NULL));"
	"CREATE INDEX holds_case ON holds(case_id) WHERE released_at IS NULL;"
	"CREATE INDEX holds_record ON holds(record_id) WHERE released_at IS NULL;"
	"CREATE INDEX holds_ref ON holds(kind, ref);"
	"CREATE TABLE reviews("
	"  id INTEGER PRIMARY KEY, record_id TEXT NOT NULL,"
	"  decision TEXT NOT NULL CHECK(decision IN ('approve','defer')),"
	"  retain_until TEXT NOT NULL, until TEXT, reason BLOB,"
	"  section TEXT NOT NULL CHECK(section IN ('case','cp')),"
	"  decided_by TEXT NOT NULL REFERENCES staff(id), decided_at TEXT NOT NULL);"
	"CREATE INDEX reviews_record ON reviews(record_id);"
	"CREATE TABLE shred(file TEXT PRIMARY KEY, created TEXT NOT NULL);"
	"CREATE TABLE certificates("
	"  number INTEGER PRIMARY KEY, created TEXT NOT NULL, run_by TEXT NOT NULL,"
	"  records INTEGER NOT NULL, body TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  prev_sha256 TEXT);"
	"CREATE TABLE destroyed(record_id TEXT PRIMARY KEY,"
	"  certificate INTEGER NOT NULL REFERENCES certificates(number));"
	"CREATE TABLE policy_versions(hash TEXT PRIMARY KEY, retention TEXT NOT NULL,"
	"  filetypes TEXT NOT NULL, first_used TEXT NOT NULL);"
	"CREATE INDEX records_due ON records(retain_until) WHERE retain_until IS NOT NULL;",
	/* 3: staff attestations and the audit trail (staff.c, audit.c) */
	"CREATE TABLE attestations("
	"  staff_id TEXT NOT NULL REFERENCES staff(id), date TEXT NOT NULL,"
	"  policy_version TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL);"
	"CREATE INDEX attestations_staff ON attestations(staff_id, date);"
	"CREATE TABLE audit("
	"  seq INTEGER NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	"  ids TEXT NOT NULL, outcome TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX audit_seq ON audit(seq);",
	/* 4: subject access requests, people named in cases, linked cases, disclosures (request.c, people.c, disclose.c) */
	"INSERT INTO counters VALUES('request',0);"
	"CREATE TABLE requests("
	"  id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, case_id TEXT NOT NULL REFERENCES cases(id),"
	"  relationship TEXT NOT NULL CHECK(relationship IN ('client','other-parent','child','representative')),"
	"  requester BLOB NOT NULL, received TEXT NOT NULL, id_verified TEXT, clock_start TEXT NOT NULL,"
	"  due TEXT NOT NULL, extended_due TEXT, ext_reason BLOB, ext_notified TEXT, ext_grounds TEXT,"
	"  authority_by TEXT REFERENCES staff(id), authority_at TEXT,"
	"  opened_by TEXT NOT NULL REFERENCES staff(id), opened_at TEXT NOT NULL,"
	"  closed_by TEXT REFERENCES staff(id), closed_at TEXT, calendar_hash TEXT NOT NULL);"
	"CREATE INDEX requests_case ON requests(case_id);"
	"CREATE TABLE people("
	"  id INTEGER PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id),"
	"  kind TEXT NOT NULL CHECK(kind IN ('third-party','professional','volunteer')),"
	"  name BLOB NOT NULL, phone BLOB, email BLOB, role BLOB,"
	"  added_by TEXT NOT NULL REFERENCES staff(id), added_at TEXT NOT NULL);"
	"CREATE INDEX people_case ON people(case_id);"
	"CREATE TABLE case_links("
	"  a TEXT NOT NULL REFERENCES cases(id), b TEXT NOT NULL REFERENCES cases(id),"
	"  linked_by TEXT NOT NULL REFERENCES staff(id), linked_at TEXT NOT NULL,"
	"  PRIMARY KEY(a, b), CHECK(a < b));"
	"CREATE TABLE decisions("
	"  id INTEGER PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), record_id TEXT NOT NULL,"
	"  decision TEXT NOT NULL CHECK(decision IN ('release','redact','withhold','copy')),"
	"  ground BLOB, reason BLOB, copy_record TEXT,"
	"  section TEXT NOT NULL CHECK(section IN ('case','cp')),"
	"  decided_by TEXT NOT NULL REFERENCES staff(id), decider_role TEXT NOT NULL, decided_at TEXT NOT NULL,"
	"  policy_hash TEXT NOT NULL);"
	"CREATE INDEX decisions_request ON decisions(request_id, record_id);"
	"CREATE INDEX decisions_copy ON decisions(copy_record) WHERE copy_record IS NOT NULL;"
	"CREATE TABLE disclosures("
	"  id INTEGER PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id),"
	"  form TEXT NOT NULL CHECK(form IN ('zip-aes256','openpgp')), sha256 TEXT NOT NULL, size INTEGER NOT NULL,"
	"  members INTEGER NOT NULL, built_by TEXT NOT NULL REFERENCES staff(id), built_at TEXT NOT NULL,"
	"  policy_hash TEXT NOT NULL);"
	"CREATE TABLE disclosure_items("
	"  id INTEGER PRIMARY KEY, disclosure_id INTEGER NOT NULL REFERENCES disclosures(id),"
	"  record_id TEXT NOT NULL, source_record TEXT NOT NULL,"
	"  outcome TEXT NOT NULL CHECK(outcome IN ('released','redacted','withheld')),"
	"  number INTEGER, ground BLOB, decided_by TEXT NOT NULL,"
	"  section TEXT NOT NULL CHECK(section IN ('case','cp')));"
	"CREATE INDEX disclosure_items_d ON disclosure_items(disclosure_id);",
	/* 5: the request clock stopped while the office waits (docs/legal-rules.md §1; request.c) */
	"ALTER TABLE requests ADD COLUMN paused_since TEXT;"
	"ALTER TABLE requests ADD COLUMN pause_reason BLOB;",
	/*
	 * 6: volunteers deposit without reading (docs/architecture.md, Keys):
	 * what they file waits here, wrapped to the deposit key; their keyslips
	 * go, and the case key generation they held is noted, so that the next
	 * revoke rotates it.
	 */
	"CREATE TABLE deposits("
	"  file TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id),"
	"  section TEXT NOT NULL CHECK(section IN ('case','cp')), key_gen INTEGER NOT NULL,"
	"  wrapped_key TEXT NOT NULL, compression TEXT NOT NULL CHECK(compression IN ('zstd','none')),"
	"  size INTEGER NOT NULL, sha256 TEXT NOT NULL, receipt_id INTEGER NOT NULL REFERENCES receipts(id),"
	"  policy_hash TEXT NOT NULL, filed_by TEXT NOT NULL REFERENCES staff(id), created TEXT NOT NULL,"
	"  records BLOB NOT NULL);"
	"INSERT INTO meta(key, value) SELECT 'deposit.legacy-case-gen', generation FROM section_keys"
	"  WHERE section = 'case' AND EXISTS(SELECT 1 FROM keyslips k JOIN staff s ON s.id = k.staff_id"
	"  WHERE s.role = 'volunteer');"
	"DELETE FROM keyslips WHERE staff_id IN (SELECT id FROM staff WHERE role = 'volunteer');",
	/*
	 * 7: sealed retention dates (docs/architecture.md, Sealed columns): the
	 * clear dates move to retain_clear/until_clear, emptied by the first
	 * unlock that holds the case key (core/schedule.c), which seals them
	 * under the schedule key kept in vault_keys
	 */
	"DROP INDEX records_due;"
	"ALTER TABLE records RENAME COLUMN retain_until TO retain_clear;"
	"ALTER TABLE records ADD COLUMN retain_until BLOB;"
	"ALTER TABLE reviews RENAME COLUMN retain_until TO retain_clear;"
	"ALTER TABLE reviews RENAME COLUMN until TO until_clear;"
	"ALTER TABLE reviews ADD COLUMN retain_until BLOB;"
	"ALTER TABLE reviews ADD COLUMN until BLOB;"
	"CREATE TABLE vault_keys(id TEXT PRIMARY KEY, section TEXT NOT NULL CHECK(section IN ('case','cp')),"
	"  key BLOB NOT NULL, created TEXT NOT NULL);"
	/* exact sizes sealed, the clear size a bucket; an older vault's exact sizes wait for an unlock */
	"ALTER TABLE records ADD COLUMN size_sealed BLOB;"
	"CREATE INDEX records_size_clear ON records(section) WHERE size_sealed IS NULL;",
	/* 8: signed role grants: a change is a new signed row (core/grants.c; docs/architecture.md, Keys) */
	"CREATE TABLE grants("
	"  seq INTEGER PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff(id),"
	"  fpr TEXT NOT NULL, signer TEXT NOT NULL, statement TEXT NOT NULL, sig TEXT NOT NULL,"
	"  created TEXT NOT NULL);"
	"CREATE INDEX grants_staff ON grants(staff_id, seq);"
	"CREATE INDEX grants_fpr ON grants(fpr, seq);",
	/* 9: signed audit checkpoints and certificate signatures (docs/architecture.md, The audit trail) */
	"CREATE TABLE checkpoints("
	"  number INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL,"
	"  staff_id TEXT NOT NULL, fpr TEXT NOT NULL, created TEXT NOT NULL,"
	"  prev_sha256 TEXT NOT NULL, sig TEXT NOT NULL);"
	"CREATE TABLE certificate_sigs("
	"  number INTEGER NOT NULL REFERENCES certificates(number),"
	"  kind TEXT NOT NULL CHECK(kind IN ('signed','countersigned')),"
	"  signer TEXT NOT NULL, fpr TEXT NOT NULL, created TEXT NOT NULL, sig TEXT NOT NULL,"
	"  PRIMARY KEY(number, kind));",
	/*
	 * 10: dates worked out from a date of birth are quarter boundaries
	 * (docs/retention.md, "Dates from a date of birth"): a vault with records
	 * dated before keeps them as stale until a full recompute (ops/recompute.c)
	 */
	"INSERT INTO meta(key, value) SELECT 'retention.dob-exact', '1' WHERE EXISTS(SELECT 1 FROM records);",
	/* 11: the duplicate index, keyed blind values (docs/architecture.md, Sealed columns) */
	"ALTER TABLE records ADD COLUMN blind TEXT;"
	"CREATE INDEX records_blind_missing ON records(section) WHERE blind IS NULL;",
	/*
	 * 12: the corrections register: every record moved, corrected or erased
	 * one at a time, and the rights request it answered; the kinds of
	 * request beside subject access and the restrictions they place
	 * (docs/legal-rules.md LR-18)
	 */
	"CREATE TABLE corrections("
	"  id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK(kind IN ('moved','corrected','erased')),"
	"  record_id TEXT NOT NULL, from_case TEXT NOT NULL, to_case TEXT, changed TEXT, request_id TEXT,"
	"  certificate INTEGER, section TEXT NOT NULL CHECK(section IN ('case','cp')),"
	"  done_by TEXT NOT NULL, done_at TEXT NOT NULL, reason BLOB);"
	"CREATE INDEX corrections_record ON corrections(record_id);"
	/* the other rights beside subject access, on the same clock; restrictions until lifted */
	"ALTER TABLE requests ADD COLUMN kind TEXT NOT NULL DEFAULT 'access'"
	"  CHECK(kind IN ('access','rectification','erasure','restriction','objection'));"
	"ALTER TABLE requests ADD COLUMN records TEXT;"
	"CREATE TABLE restrictions("
	"  id INTEGER PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests(id), record_id TEXT NOT NULL,"
	"  placed_by TEXT NOT NULL, placed_at TEXT NOT NULL, lifted_by TEXT, lifted_at TEXT);"
	"CREATE INDEX restrictions_record ON restrictions(record_id) WHERE lifted_at IS NULL;",
	/*
	 * 13: child-protection referrals (docs/legal-rules.md §16): the
	 * agency, reason and legal basis sealed under the cp key, the record ids
	 * referred in clear (ids are not personal data)
	 */
	"CREATE TABLE referrals("
	"  id INTEGER PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id),"
	"  section TEXT NOT NULL CHECK(section IN ('case','cp')), records TEXT NOT NULL,"
	"  referral_date TEXT NOT NULL, referred_by TEXT NOT NULL REFERENCES staff(id),"
	"  referred_at TEXT NOT NULL, agency BLOB, reason BLOB, basis BLOB);"
	"CREATE INDEX referrals_case ON referrals(case_id);",
	/*
	 * 14: anonymous enquiries: no case, the text sealed under the
	 * case key, kept until a year after the enquiry's date (docs/legal-rules.md §12)
	 */
	"CREATE TABLE enquiries("
	"  id INTEGER PRIMARY KEY, enquiry_date TEXT NOT NULL, retain_until TEXT NOT NULL,"
	"  confirmed INTEGER NOT NULL, logged_by TEXT NOT NULL REFERENCES staff(id),"
	"  logged_at TEXT NOT NULL, text BLOB);",
	/*
	 * 15: per case, when and how the parent was told the service is
	 * confidential and of which policy version, and whether a detailed message
	 * may be left (the office's confidentiality policy)
	 */
	"CREATE TABLE case_notices("
	"  id INTEGER PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), told TEXT NOT NULL,"
	"  how TEXT NOT NULL, policy_version TEXT NOT NULL, recorded_by TEXT NOT NULL REFERENCES staff(id),"
	"  recorded_at TEXT NOT NULL);"
	"CREATE INDEX case_notices_case ON case_notices(case_id);"
	"CREATE TABLE case_contact("
	"  case_id TEXT PRIMARY KEY REFERENCES cases(id), message_ok INTEGER NOT NULL, how TEXT,"
	"  set_by TEXT NOT NULL REFERENCES staff(id), set_at TEXT NOT NULL);",
	/*
	 * 16: governed exports (docs/legal-rules.md §17): each record
	 * written out of the vault, with its purpose sealed under its section key
	 */
	"CREATE TABLE exports("
	"  id INTEGER PRIMARY KEY, record_id TEXT NOT NULL, section TEXT NOT NULL CHECK(section IN ('case','cp')),"
	"  dest TEXT NOT NULL, exported_by TEXT NOT NULL REFERENCES staff(id), exported_at TEXT NOT NULL,"
	"  purpose BLOB);",
	/*
	 * 17: case assignment (docs/security.md, Case assignment): a case made
	 * before it keeps the caseworkers and cp-leads who opened it or filed
	 * into it, so that nobody loses the cases they work on; a person on both
	 * sides of a linked pair keeps neither, for a manager to decide
	 * (docs/legal-rules.md, Separated parents)
	 */
	"CREATE TABLE case_staff("
	"  case_id TEXT NOT NULL REFERENCES cases(id), staff_id TEXT NOT NULL REFERENCES staff(id),"
	"  assigned_by TEXT NOT NULL, assigned_at TEXT NOT NULL, PRIMARY KEY(case_id, staff_id));"
	"CREATE INDEX case_staff_staff ON case_staff(staff_id);"
	"INSERT OR IGNORE INTO case_staff(case_id, staff_id, assigned_by, assigned_at)"
	"  SELECT c.id, s.id, 'schema 17', strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM cases c JOIN staff s"
	"  ON s.role IN ('caseworker', 'cp-lead') AND s.revoked IS NULL"
	"  AND (s.id = c.opened_by OR s.id IN (SELECT filed_by FROM records r WHERE r.case_id = c.id));"
	"DELETE FROM case_staff WHERE EXISTS(SELECT 1 FROM case_links l JOIN case_staff o"
	"  ON o.staff_id = case_staff.staff_id AND o.case_id = CASE WHEN l.a = case_staff.case_id THEN l.b ELSE l.a END"
	"  WHERE l.a = case_staff.case_id OR l.b = case_staff.case_id);",
	/* 18: the consent register (ops/consent.c; docs/legal-rules.md §15) */
	"CREATE TABLE consents("
	"  id INTEGER PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id),"
	"  given_by TEXT NOT NULL CHECK(given_by IN ('parent','young-person')),"
	"  how TEXT NOT NULL CHECK(how IN ('oral','written')), form_record TEXT REFERENCES records(id),"
	"  scope_kind TEXT NOT NULL CHECK(scope_kind IN ('recipient','purpose')), scope BLOB NOT NULL,"
	"  given TEXT NOT NULL, review_due TEXT NOT NULL, withdrawn TEXT, withdrawn_by TEXT REFERENCES staff(id),"
	"  recorded_by TEXT NOT NULL REFERENCES staff(id), recorded_at TEXT NOT NULL);"
	"CREATE INDEX consents_case ON consents(case_id);",
	/*
	 * the intake tray (ops/intake.c, docs/intake.md): the name and exact
	 * size sealed under each item's own deposit sealing key; the item keys
	 * are in the key store (ks.intake_keys)
	 */
	"CREATE TABLE intake("
	"  id TEXT PRIMARY KEY, arrived TEXT NOT NULL, size_bucket INTEGER NOT NULL, mime TEXT NOT NULL,"
	"  key_gen INTEGER NOT NULL, sealed BLOB NOT NULL, source TEXT NOT NULL CHECK(source IN ('drop','cli')),"
	"  added_by TEXT NOT NULL);"
	"INSERT INTO counters VALUES('intake',0);",
	/*
	 * 20: storage limitation (docs/legal-rules.md §12, ops/case_erase.c): the
	 * day a closed case's personal data was erased and its certificate
	 */
	"ALTER TABLE cases ADD COLUMN erased TEXT;"
	"ALTER TABLE cases ADD COLUMN erase_certificate INTEGER;",
	/*
	 * 21: the order of a hold's release and a review (docs/legal-rules.md
	 * §13): times have whole seconds, so a release and a fresh approval in
	 * the same second cannot be told apart by time; the release keeps the
	 * last review id it followed
	 */
	"ALTER TABLE holds ADD COLUMN released_after_review INTEGER;",
	/*
	 * 22: an e-mail filed from the intake tray as linked records
	 * (docs/intake.md, "E-mail"): each attachment's record names the
	 * e-mail's; a link goes with either record when it is erased or purged
	 */
	"CREATE TABLE record_parts(record_id TEXT PRIMARY KEY, part_of TEXT NOT NULL);"
	"CREATE INDEX record_parts_of ON record_parts(part_of);"
	"CREATE TRIGGER record_parts_gone AFTER DELETE ON records BEGIN"
	"  DELETE FROM record_parts WHERE record_id = OLD.id OR part_of = OLD.id; END;",
	/*
	 * 23: who and when, both (docs/json.md): each disclosure log item keeps
	 * when its decision was taken (the latest decision by the same person
	 * before the bundle; the bundle's time where the policy decided), and
	 * `staff list` reads who added each person from the audit trail's
	 * staff.add event, by this index
	 */
	"ALTER TABLE disclosure_items ADD COLUMN decided_at TEXT;"
	"UPDATE disclosure_items SET decided_at = (SELECT x.built_at FROM disclosures x WHERE x.id = disclosure_id)"
	"  WHERE decided_by = 'policy';"
	"UPDATE disclosure_items SET decided_at = (SELECT d.decided_at FROM decisions d JOIN disclosures x"
	"  ON x.id = disclosure_items.disclosure_id WHERE d.request_id = x.request_id"
	"  AND d.record_id = disclosure_items.record_id AND d.decided_by = disclosure_items.decided_by"
	"  AND d.decided_at <= x.built_at ORDER BY d.id DESC LIMIT 1) WHERE decided_by <> 'policy';"
	"CREATE INDEX audit_action ON audit(action, ids);",
	/*
	 * 24: the sealed word sets of search (docs/commands/search.md,
	 * docs/security.md "Search"): one row per record, its document's words
	 * sealed as one value under the record's section key; it goes with the
	 * record (erase, purge, case erasure), and a row whose record changes
	 * section is dropped, as it no longer opens under the section it names
	 */
	"CREATE TABLE record_words(id TEXT PRIMARY KEY, section TEXT NOT NULL, words BLOB NOT NULL);"
	"CREATE TRIGGER record_words_gone AFTER DELETE ON records BEGIN"
	"  DELETE FROM record_words WHERE id = OLD.id; END;"
	"CREATE TRIGGER record_words_section AFTER UPDATE OF section ON records WHEN OLD.section IS NOT NEW.section BEGIN"
	"  DELETE FROM record_words WHERE id = OLD.id; END;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/*
 * Why SQLite would not write: its one message, "attempt to write a readonly
 * database", stands for several causes, each with its own remedy.
 */
static const char *readonly_why(sqlite3 *db, char *buf, size_t len)
{
	switch (sqlite3_extended_errcode(db)) {
	case SQLITE_READONLY_DBMOVED:
		return "vault.db was moved or replaced while casevault had it open; run the command again";
	case SQLITE_READONLY_CANTINIT:
	case SQLITE_READONLY_CANTLOCK:
	case SQLITE_READONLY_RECOVERY:
		return "vault.db-wal or vault.db-shm cannot be written by this account; they must belong to the "
		       "vault's owner, mode 0600 (docs/recovery.md)";
	default:
		if (sqlite3_db_readonly(db, "main") == 1)
			return "vault.db could be opened for reading only; it must belong to the vault's owner, mode 0600 "
			       "(docs/recovery.md)";
		/* the index itself is writable: its log is not (made while vault.db was read-only, or by another account) */
		snprintf(buf, len, "vault.db-wal or vault.db-shm cannot be written by this account; they must belong to "
			 "the vault's owner, mode 0600 (docs/recovery.md; SQLite's code %d)", sqlite3_extended_errcode(db));
		return buf;
	}
}

int cv_index_dberr(cv_vault *v, const char *what)
{
	int code = sqlite3_errcode(v->db);
	char why[192];

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return cv_error(v, CV_ELOCKED, "cannot %s: the index is busy; try again", what);
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return cv_error(v, CV_ECORRUPT, "cannot %s: the index is damaged (%s); see docs/recovery.md",
				what, sqlite3_errmsg(v->db));
	if (code == SQLITE_FULL)
		return cv_error(v, CV_ERROR, "cannot %s: %s%s", what, sqlite3_errmsg(v->db), cv_disk_hint(ENOSPC));
	if (code == SQLITE_READONLY)
		return cv_error(v, CV_ERROR, "cannot %s: %s: %s", what, sqlite3_errmsg(v->db),
				readonly_why(v->db, why, sizeof(why)));
	return cv_error(v, CV_ERROR, "cannot %s: %s%s", what, sqlite3_errmsg(v->db),
			cv_disk_hint(sqlite3_system_errno(v->db)));
}

int cv_index_exec(cv_vault *v, const char *sql)
{
	if (sqlite3_exec(v->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cv_index_dberr(v, "update the index");
	return 0;
}

int cv_index_prepare(cv_vault *v, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(v->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return cv_index_dberr(v, "read the index");
	}
	return 0;
}

int cv_index_begin(cv_vault *v)
{
	return cv_index_exec(v, "BEGIN IMMEDIATE");
}

int cv_index_read_begin(cv_vault *v)
{
	return cv_index_exec(v, "BEGIN DEFERRED");
}

int cv_index_commit(cv_vault *v)
{
	int i, n = v->n_on_commit;

	v->n_on_commit = 0;
	if (sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int r = cv_index_dberr(v, "commit to the index");
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	for (i = 0; i < n; i++)
		v->on_commit[i](v);
	return 0;
}

void cv_index_rollback(cv_vault *v)
{
	v->n_on_commit = 0;
	if (v->db && !sqlite3_get_autocommit(v->db))
		sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
}

int cv_index_in_tx(cv_vault *v)
{
	return v->db && !sqlite3_get_autocommit(v->db);
}

/*
 * The index never calls the layers above it: work that must follow a
 * commit (the audit trail's anchor file, core/audit.c) is registered here
 * by the layer that needs it.
 */
int cv_index_on_commit(cv_vault *v, cv_commit_hook fn)
{
	int i;

	if (!cv_index_in_tx(v))
		return fn(v);
	for (i = 0; i < v->n_on_commit; i++)
		if (v->on_commit[i] == fn)
			return 0;
	if (v->n_on_commit == CV_MAX_COMMIT_HOOKS)
		return cv_error(v, CV_ERROR, "too many on-commit hooks");
	v->on_commit[v->n_on_commit++] = fn;
	return 0;
}

int cv_index_next_ids(cv_vault *v, const char *counter, long count, long *first)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_query(v, &st, "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value",
				"lt", count, counter)) < 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = cv_index_dberr(v, "allocate an id");
		sqlite3_finalize(st);
		return r;
	}
	*first = (long)sqlite3_column_int64(st, 0) - count + 1;
	sqlite3_finalize(st);
	return 0;
}

int cv_index_next_id(cv_vault *v, const char *counter, long *out)
{
	return cv_index_next_ids(v, counter, 1, out);
}

static int user_version(cv_vault *v, int *out)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cv_index_one(v, &st, "PRAGMA user_version", NULL)) <= 0)
		return r < 0 ? r : cv_index_dberr(v, "read the schema version");
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(cv_vault *v)
{
	int ver = 0, r, i;
	char sql[64];

	if ((r = user_version(v, &ver)) < 0)
		return r;
	if (ver > NMIGRATIONS)
		return cv_error(v, CV_ERROR, "the index was written by a newer casevault (schema %d, this one knows %d); upgrade casevault", ver, NMIGRATIONS);
	for (i = ver; i < NMIGRATIONS; i++) {
		if ((r = cv_index_begin(v)) < 0)
			return r;
		if (sqlite3_exec(v->db, migrations[i], NULL, NULL, NULL) != SQLITE_OK) {
			r = cv_index_dberr(v, "upgrade the index schema");
			cv_index_rollback(v);
			return r;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if ((r = cv_index_exec(v, sql)) < 0 || (r = cv_index_commit(v)) < 0) {
			cv_index_rollback(v);
			return r;
		}
	}
	return 0;
}

int cv_index_open(cv_vault *v, int create)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;
	int r;

	if (create) {
		/* Create the file ourselves so it is 0600 from the first byte. */
		int fd = open(v->dbpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return cv_error(v, CV_EEXISTS, "cannot create the index: %s", strerror(errno));
		close(fd);
	}
	/* the connection cv_db_meta_probe checked the file with, when it kept one (core/vault.c) */
	if (!v->db && sqlite3_open_v2(v->dbpath, &v->db, flags, NULL) != SQLITE_OK)
		return cv_index_dberr(v, "open the index");
	sqlite3_busy_timeout(v->db, 10000);
	sqlite3_extended_result_codes(v->db, 0);
	/* secure_delete: deleted rows (wrapped keys) are overwritten, not left in free pages. */
	if ((r = cv_index_exec(v,
		"PRAGMA journal_mode = WAL;"
		"PRAGMA synchronous = FULL;"
		"PRAGMA foreign_keys = ON;"
		"PRAGMA secure_delete = ON;"
		"PRAGMA temp_store = MEMORY;"
		"PRAGMA trusted_schema = OFF;")) < 0)
		return r;
	return migrate(v);
}

const char *cv_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

/*
 * What snprintf("%s") did, truncating to size, without its format parser:
 * an 'ls' of 1,000 records copies 8,000 columns, and snprintf was a tenth
 * of its instructions (docs/service.md, Speed).
 */
void cv_col_copy(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const char *s = cv_col(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (!size)
		return;
	n = strnlen(s, n < size - 1 ? n : size - 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
}

char *cv_col_dup(sqlite3_stmt *st, int i, size_t *len)
{
	const char *t = cv_col(st, i);
	char *c;

	*len = (size_t)sqlite3_column_bytes(st, i);
	if ((c = malloc(*len + 1))) {
		memcpy(c, t, *len);
		c[*len] = '\0';
	}
	return c;
}

/* Bind one parameter of type c from ap; SQLITE_OK or SQLite's error. */
static int bind_one(sqlite3_stmt *st, int idx, char c, va_list *ap)
{
	const char *s;
	const void *p;
	size_t len;

	switch (c) {
	case 't':
		return sqlite3_bind_text(st, idx, va_arg(*ap, const char *), -1, SQLITE_TRANSIENT);
	case 'n':
		s = va_arg(*ap, const char *);
		return s && *s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
	case 'T':
		s = va_arg(*ap, const char *);
		len = va_arg(*ap, size_t);
		return sqlite3_bind_text64(st, idx, s, len, SQLITE_TRANSIENT, SQLITE_UTF8);
	case 'b':
		p = va_arg(*ap, const void *);
		len = va_arg(*ap, size_t);
		return sqlite3_bind_blob64(st, idx, p, len, SQLITE_TRANSIENT);
	case 'i':
		return sqlite3_bind_int(st, idx, va_arg(*ap, int));
	case 'l':
		return sqlite3_bind_int64(st, idx, va_arg(*ap, long));
	case 'I':
		return sqlite3_bind_int64(st, idx, va_arg(*ap, sqlite3_int64));
	case '-':
		return SQLITE_OK;
	default:
		return SQLITE_MISUSE;
	}
}

static int bindv(cv_vault *v, sqlite3_stmt *st, const char *what, const char *types, va_list *ap)
{
	int i, rc;

	for (i = 0; types && types[i]; i++)
		if ((rc = bind_one(st, i + 1, types[i], ap)) != SQLITE_OK)
			return cv_error(v, CV_ERROR, "cannot %s: parameter %d ('%c') does not bind: %s",
					what, i + 1, types[i], sqlite3_errstr(rc));
	return 0;
}

int cv_index_bind(cv_vault *v, sqlite3_stmt *st, const char *what, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = bindv(v, st, what, types, &ap);
	va_end(ap);
	return r;
}

static int queryv(cv_vault *v, sqlite3_stmt **st, const char *what, const char *sql, const char *types, va_list *ap)
{
	int r;

	if ((r = cv_index_prepare(v, st, sql)) < 0)
		return r;
	if ((r = bindv(v, *st, what, types, ap)) < 0) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return r;
}

int cv_index_query(cv_vault *v, sqlite3_stmt **st, const char *sql, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = queryv(v, st, "read the index", sql, types, &ap);
	va_end(ap);
	return r;
}

int cv_index_done(cv_vault *v, sqlite3_stmt *st, const char *what)
{
	int r = sqlite3_step(st) == SQLITE_DONE ? 0 : cv_index_dberr(v, what);

	sqlite3_finalize(st);
	return r;
}

int cv_index_run(cv_vault *v, const char *what, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int r;

	va_start(ap, types);
	r = queryv(v, &st, what, sql, types, &ap);
	va_end(ap);
	return r < 0 ? r : cv_index_done(v, st, what);
}

int cv_index_one(cv_vault *v, sqlite3_stmt **st, const char *sql, const char *types, ...)
{
	va_list ap;
	int r, rc;

	va_start(ap, types);
	r = queryv(v, st, "read the index", sql, types, &ap);
	va_end(ap);
	if (r < 0)
		return r;
	if ((rc = sqlite3_step(*st)) == SQLITE_ROW)
		return 1;
	r = rc == SQLITE_DONE ? 0 : cv_index_dberr(v, "read the index");
	sqlite3_finalize(*st);
	*st = NULL;
	return r;
}

/* Step st to its end into a list (cv_index_collect); finalizes st. */
static int collect(cv_vault *v, sqlite3_stmt *st, const char *what, const cv_index_list *how,
		   void **list, size_t *n, void *ctx)
{
	size_t cap = 0;
	int r = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *item;

		if (cv_array_grow(list, &cap, *n, how->item_size) < 0) {
			r = cv_error(v, CV_ERROR, "out of memory");
			break;
		}
		item = (char *)*list + *n * how->item_size;
		memset(item, 0, how->item_size);
		if ((r = how->fill(v, st, item, ctx)) < 0)
			break;
		(*n)++;
	}
	if (r == 0 && rc != SQLITE_DONE && what)
		r = cv_index_dberr(v, what);
	sqlite3_finalize(st);
	return r;
}

int cv_index_collect(cv_vault *v, const char *what, const cv_index_list *how, void *items, size_t *n,
		     void *ctx, const char *sql, const char *types, ...)
{
	void **list = items;
	sqlite3_stmt *st = NULL;
	va_list ap;
	int r;

	*list = NULL;
	*n = 0;
	va_start(ap, types);
	r = queryv(v, &st, "read the index", sql, types, &ap);
	va_end(ap);
	if (r < 0 || (r = collect(v, st, what, how, list, n, ctx)) == 0)
		return r;
	how->release(*list, *n);
	*list = NULL;
	*n = 0;
	return r;
}

/*
 * Push every committed page from the write-ahead log into vault.db and
 * empty the log, so that deleted rows (wrapped keys) are overwritten where
 * secure_delete wrote zeroes, not left in the log.
 */
int cv_index_checkpoint(cv_vault *v)
{
	int nlog = -1, nckpt = -1;
	int rc = sqlite3_wal_checkpoint_v2(v->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &nckpt);

	if (rc != SQLITE_OK)
		return cv_error(v, CV_ELOCKED, "cannot checkpoint the index (%s): another process is reading it; the erase completes on the next run",
				sqlite3_errmsg(v->db));
	return 0;
}

/*
 * SQLite's data_version of the index and of the attached key store: either
 * changes when another connection commits to that file (core/vault.c,
 * cv_vault_current).
 */
int cv_index_data_version(cv_vault *v, long long out[2])
{
	static const char *const sql[2] = { "PRAGMA main.data_version", "PRAGMA ks.data_version" };
	sqlite3_stmt *st = NULL;
	int i, r;

	for (i = 0; i < 2; i++) {
		if ((r = cv_index_prepare(v, &st, sql[i])) < 0)
			return r;
		out[i] = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
		sqlite3_finalize(st);
		if (out[i] < 0)
			return cv_index_dberr(v, "read the index's data version");
	}
	return 0;
}

int cv_index_ids(cv_vault *v, const char *sql, const char *arg, size_t width, void *out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	char *list = NULL;
	size_t cnt = 0, cap = 0;
	int r;

	*(char **)out = NULL;
	*n = 0;
	if ((r = cv_index_query(v, &st, sql, "t", arg)) < 0)
		return r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (cv_array_grow(&list, &cap, cnt, width) < 0) {
			sqlite3_finalize(st);
			free(list);
			return cv_error(v, CV_ERROR, "out of memory");
		}
		cv_col_copy(st, 0, list + width * cnt++, width);
	}
	sqlite3_finalize(st);
	*(char **)out = list;
	*n = cnt;
	return 0;
}
